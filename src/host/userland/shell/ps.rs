//! procps-ng's `ps`: the process table as `ps` (the terminal's processes: PID TTY TIME CMD),
//! `ps -ef` (every process, full format: UID PID PPID C STIME TTY TIME CMD), `ps aux` (BSD's user
//! format: USER PID %CPU %MEM VSZ RSS TTY STAT START TIME COMMAND), with `-C NAME` and `-p PID`
//! selections (`ps/parser.c`, `ps/output.c`). An option procps does not know gets its error
//! and usage (`ps/help.c` `do_help`); one it knows that labsim does not model says so.
//!
//! The table holds what the machine runs: the console's login shell, every unit's processes (a
//! parent and the children it forked, as the unit's row lists them), the console programs and
//! `ps` itself, which takes a pid as its fork would. Kernel threads and systemd's own processes
//! are not in labsim's table, so they are not listed. CPU time is not modelled: every figure of
//! it is 0; memory comes from [`MEMORY`].

use super::{Ctx, Output};
use crate::host::userland::LOGIN_SHELL_PID;
use crate::host::userland::os::{Console, MEM_TOTAL_KB};
use crate::kernel::SimTime;

/// What `ps` shows of a program's memory and threads, which labsim does not model: one row per
/// command name, for its first process and for the ones it forks (workers, children). Sizes are
/// kB (`VSZ`, `RSS`), representative of these programs on a 64-bit CentOS 7 VM and constant
/// whatever the program does; the thread counts follow the program's design (Apache's event
/// MPM children: [`crate::proto::httpd::Mpm::tasks`]'s per-child threads; firewalld's Python
/// runs two).
struct Memory {
    comm: &'static str,
    /// (VSZ, RSS, threads) of its first process.
    main: (u64, u64, u32),
    /// The same for each process it forked, when they differ from the first's (a daemon's
    /// workers and children).
    forked: Option<(u64, u64, u32)>,
}

const MEMORY: &[Memory] = &[
    Memory { comm: "bash", main: (115_544, 2_080, 1), forked: None },
    Memory { comm: "curl", main: (136_160, 2_844, 1), forked: None },
    Memory { comm: "df", main: (108_056, 788, 1), forked: None },
    Memory { comm: "firewalld", main: (358_752, 27_412, 2), forked: None },
    Memory { comm: "httpd", main: (224_084, 5_036, 1), forked: Some((513_692, 3_652, crate::proto::httpd::Mpm::THREADS_PER_CHILD + 2)) },
    Memory { comm: "journalctl", main: (153_484, 2_724, 1), forked: None },
    Memory { comm: "keepalived", main: (120_972, 1_444, 1), forked: Some((127_440, 3_268, 1)) },
    Memory { comm: "mount", main: (125_232, 1_516, 1), forked: None },
    Memory { comm: "nc", main: (51_488, 2_060, 1), forked: None },
    Memory { comm: "nginx", main: (120_804, 2_092, 1), forked: Some((121_272, 3_124, 1)) },
    Memory { comm: "ping", main: (130_664, 1_632, 1), forked: None },
    Memory { comm: "ps", main: (155_324, 1_868, 1), forked: None },
    Memory { comm: "rpc.mountd", main: (47_588, 1_284, 1), forked: None },
    Memory { comm: "rpcbind", main: (69_220, 1_048, 1), forked: None },
    Memory { comm: "rpcinfo", main: (41_316, 1_004, 1), forked: None },
    Memory { comm: "showmount", main: (41_372, 1_012, 1), forked: None },
    Memory { comm: "tail", main: (108_004, 616, 1), forked: None },
];

/// One process as `ps` lists it.
struct Row {
    pid: u32,
    ppid: u32,
    user: &'static str,
    /// `None`: no controlling terminal (`?`).
    tty: Option<&'static str>,
    started: SimTime,
    /// The command name (`comm`).
    comm: &'static str,
    /// The command line (`args`).
    args: String,
    stat: String,
    vsz: u64,
    rss: u64,
}

/// The console's terminal.
const TTY: &str = "tty1";

/// The letters procps-ng's SysV (`-x`) and BSD (`x`) parsers know (`parse_sysv_option`,
/// `parse_bsd_option`).
const SYSV_LETTERS: &str = "ACDFGHLMNOPTUVZacdefgjlmopqrstuwxy";
const BSD_LETTERS: &str = "0123456789ACHLMOSTUVWXZacefghjklmnopqrstuvwx";

/// Which format the columns follow.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    /// PID TTY TIME CMD.
    Simple,
    /// `-f`: UID PID PPID C STIME TTY TIME CMD.
    Full,
    /// `u`: USER PID %CPU %MEM VSZ RSS TTY STAT START TIME COMMAND.
    User,
}

/// What the arguments ask for.
#[derive(Default)]
struct Request {
    all: bool,
    /// BSD `a`: every process with a terminal; `x`: also those without one.
    bsd_a: bool,
    bsd_x: bool,
    full: bool,
    user: bool,
    commands: Vec<String>,
    pids: Vec<u32>,
}

/// Why the arguments were refused.
enum Refusal {
    /// procps's `error: …` line, then its usage.
    Error(&'static str),
    /// An option procps has and labsim does not model.
    NotModelled(String),
}

fn parse(args: &[&str]) -> Result<Request, Refusal> {
    let mut req = Request::default();
    let mut i = 0;
    while i < args.len() {
        let arg = args[i];
        i += 1;
        if arg.starts_with("--") {
            return Err(Refusal::NotModelled(arg.to_owned()));
        }
        if let Some(letters) = arg.strip_prefix('-') {
            if letters.is_empty() {
                return Err(Refusal::NotModelled(arg.to_owned()));
            }
            for (at, c) in letters.char_indices() {
                match c {
                    'e' | 'A' => req.all = true,
                    'f' => req.full = true,
                    'C' | 'p' => {
                        // The list is the rest of this word, or the next word.
                        let rest = &letters[at + 1..];
                        let list = if rest.is_empty() {
                            i += 1;
                            args.get(i - 1).copied()
                        } else {
                            Some(rest)
                        };
                        let Some(list) = list else {
                            return Err(Refusal::Error(if c == 'C' {
                                "list of command names must follow -C"
                            } else {
                                "list of process IDs must follow -p"
                            }));
                        };
                        if c == 'C' {
                            req.commands.extend(list.split(',').map(str::to_owned));
                        } else {
                            for pid in list.split(',') {
                                req.pids.push(pid.parse().map_err(|_| Refusal::Error("process ID list syntax error"))?);
                            }
                        }
                        break;
                    }
                    '-' => return Err(Refusal::Error("embedded '-' among SysV options makes no sense")),
                    c if SYSV_LETTERS.contains(c) => return Err(Refusal::NotModelled(format!("-{c}"))),
                    _ => return Err(Refusal::Error("unsupported SysV option")),
                }
            }
        } else {
            for c in arg.chars() {
                match c {
                    'a' => req.bsd_a = true,
                    'x' => req.bsd_x = true,
                    'u' => req.user = true,
                    '-' => return Err(Refusal::Error("embedded '-' among BSD options makes no sense")),
                    c if BSD_LETTERS.contains(c) => return Err(Refusal::NotModelled(c.to_string())),
                    _ => return Err(Refusal::Error("unsupported option (BSD syntax)")),
                }
            }
        }
    }
    Ok(req)
}

pub(super) fn run(ctx: &mut Ctx<'_, '_>, args: &[&str]) -> Output {
    let mut o = Output::default();
    let req = match parse(args) {
        Ok(req) => req,
        Err(Refusal::Error(why)) => {
            o.err(format!("error: {why}"));
            for line in ["", "Usage:", " ps [options]", "", " Try 'ps --help <simple|list|output|threads|misc|all>'"] {
                o.err(line);
            }
            for line in ["  or 'ps --help <s|l|o|t|m|a>'", " for additional help text.", "", "For more details see ps(1)."] {
                o.err(line);
            }
            return o.status(1);
        }
        Err(Refusal::NotModelled(option)) => {
            o.err(format!("ps: labsim: {option} is not modelled"));
            return o.status(1);
        }
    };
    // The fork that runs ps takes a pid.
    let own = ctx.u.next_pid;
    ctx.u.next_pid += 1;
    let rows = rows(ctx, own, args);
    let format = if req.user {
        Format::User
    } else if req.full {
        Format::Full
    } else {
        Format::Simple
    };
    let listed = req.all || (req.bsd_a && req.bsd_x);
    let chosen: Vec<&Row> = rows
        .iter()
        .filter(|r| {
            if !req.commands.is_empty() || !req.pids.is_empty() {
                return req.commands.iter().any(|c| c == r.comm) || req.pids.contains(&r.pid);
            }
            // By default, the processes of the user on this terminal; BSD's `a` every one with a
            // terminal, `x` the user's without one.
            listed || (req.bsd_a && r.tty.is_some()) || (req.bsd_x && r.user == "root") || (r.tty == Some(TTY) && r.user == "root")
        })
        .collect();
    let pid_width = ctx.u.os.spec().pid_max.to_string().len().max(5);
    let now = ctx.now;
    let cal = ctx.k.calendar();
    let clock = |t: SimTime| {
        let d = cal.date(t);
        if now.saturating_since(t).as_secs() < 24 * 3600 {
            format!("{:02}:{:02}", d.hour, d.minute)
        } else {
            format!("{}{:02}", d.month_name(), d.day)
        }
    };
    let w = pid_width;
    match format {
        Format::Simple => o.out(format!("{:>w$} {:<8} {:>8} CMD", "PID", "TTY", "TIME")),
        Format::Full => o.out(format!("{:<8} {:>w$} {:>w$}  C STIME {:<8} {:>8} CMD", "UID", "PID", "PPID", "TTY", "TIME")),
        Format::User => {
            o.out(format!("{:<8} {:>w$} %CPU %MEM {:>6} {:>5} {:<8} STAT START   TIME COMMAND", "USER", "PID", "VSZ", "RSS", "TTY"))
        }
    }
    for r in &chosen {
        let tty = r.tty.unwrap_or("?");
        o.out(match format {
            Format::Simple => format!("{:>w$} {tty:<8} 00:00:00 {}", r.pid, r.comm),
            Format::Full => format!("{:<8} {:>w$} {:>w$}  0 {} {tty:<8} 00:00:00 {}", r.user, r.pid, r.ppid, clock(r.started), r.args),
            Format::User => {
                // `pr_pmem`: tenths of a percent of MemTotal.
                let pmem = r.rss * 1000 / MEM_TOTAL_KB;
                format!(
                    "{:<8} {:>w$}  0.0 {:>2}.{} {:>6} {:>5} {tty:<8} {:<4} {:<5}   0:00 {}",
                    r.user,
                    r.pid,
                    pmem / 10,
                    pmem % 10,
                    r.vsz,
                    r.rss,
                    r.stat,
                    clock(r.started),
                    r.args
                )
            }
        });
    }
    o.status(if chosen.is_empty() { 1 } else { 0 })
}

/// Every process of the machine, by pid, with `ps` itself as `own`.
fn rows(ctx: &Ctx<'_, '_>, own: u32, args: &[&str]) -> Vec<Row> {
    let u = &*ctx.u;
    let memory = |comm: &str, forked: bool| {
        MEMORY.iter().find(|m| m.comm == comm).map_or((0, 0, 1), |m| if forked { m.forked.unwrap_or(m.main) } else { m.main })
    };
    let stat = |leader: bool, threads: u32, foreground: bool, running: bool| {
        let mut s = String::from(if running { "R" } else { "S" });
        if leader {
            s.push('s');
        }
        if threads > 1 {
            s.push('l');
        }
        if foreground {
            s.push('+');
        }
        s
    };
    let mut rows = Vec::new();
    let shell = match u.os.spec().console {
        Console::Bash { argv0 } => argv0,
        Console::Cmd => "cmd",
    };
    let (vsz, rss, _) = memory("bash", false);
    rows.push(Row {
        pid: LOGIN_SHELL_PID,
        ppid: 1,
        user: "root",
        tty: Some(TTY),
        started: u.booted,
        comm: "bash",
        args: shell.to_owned(),
        stat: stat(true, 1, false, false),
        vsz,
        rss,
    });
    for unit in u.units.all() {
        let spec = u.units.spec(unit);
        let Some(main) = u.units.main(unit) else { continue };
        // A oneshot unit's script is over: nothing of it runs.
        let Some(last) = spec.command_lines.last() else { continue };
        let pids = main.pids();
        for pid in pids.iter().copied() {
            let n = (pid - main.pid) as usize;
            let forked = pid != main.pid;
            let comm = main.process.name();
            let (vsz, rss, threads) = memory(comm, forked);
            rows.push(Row {
                pid,
                // A child whose parent is gone is the init process's.
                ppid: if forked && pids.contains(&main.pid) { main.pid } else { 1 },
                user: spec.users.get(n).or(spec.users.last()).copied().unwrap_or("root"),
                tty: None,
                started: main.started,
                comm,
                args: spec.command_lines.get(n).unwrap_or(last).to_string(),
                stat: stat(!forked, threads, false, false),
                vsz,
                rss,
            });
        }
    }
    for p in &u.programs {
        let comm = p.process.name();
        let (vsz, rss, threads) = memory(comm, false);
        let args = std::iter::once(comm.to_owned()).chain(p.args.iter().cloned()).collect::<Vec<_>>().join(" ");
        for pid in p.pids() {
            rows.push(Row {
                pid,
                ppid: if p.on_console { LOGIN_SHELL_PID } else { 1 },
                user: "root",
                tty: p.on_console.then_some(TTY),
                started: p.started,
                comm,
                args: args.clone(),
                stat: stat(false, threads, p.on_console, false),
                vsz,
                rss,
            });
        }
    }
    let (vsz, rss, _) = memory("ps", false);
    rows.push(Row {
        pid: own,
        ppid: LOGIN_SHELL_PID,
        user: "root",
        tty: Some(TTY),
        started: ctx.now,
        comm: "ps",
        args: std::iter::once("ps").chain(args.iter().copied()).collect::<Vec<_>>().join(" "),
        stat: stat(false, 1, true, true),
        vsz,
        rss,
    });
    rows.sort_by_key(|r| r.pid);
    rows
}
