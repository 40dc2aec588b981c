//! The console of a host: a typed line is read with bash's grammar ([`crate::proto::sh`]) and
//! run as bash runs it, a pipeline at a time ([`Job`]). Commands are looked up in the command
//! table: builtins finish at once; filters (`grep`, `head`, `sort`…) are fed line by line;
//! programs (ping, curl, nc, `tail -f`, `journalctl -f`) are started as processes that print
//! through their standard output, to the console or into a pipe. Tools print the real tools'
//! texts, including their usage errors; an unknown command gets bash's `command not found`.
//!
//! Adding a command is one file (or function) plus one row in [`COMMANDS`].

mod apachectl;
mod coreutils;
mod cwd;
mod expand;
mod exportfs;
mod files;
mod firewall_cmd;
mod ip;
mod job;
mod kill;
mod netconf;
mod nginx;
mod pipeline;
mod ps;
mod selinux;
mod sendip;
mod systemctl;
mod ulimit;
mod umount;
mod windows;
mod yum;

pub(crate) use expand::Vars;
pub(crate) use job::{Child, Job};

use super::Userland;
use super::process::{ChildExit, Signal, StartProgram};
use super::programs::{curl, df, journalctl, loadgen, mount, nc, ping, rpctool, tail};
use crate::host::kernel::Sys;
use crate::host::userland::os::Console;
use crate::kernel::SimTime;
use crate::observe::trace::{Prompt, Stream};
use crate::proto::filters::{self, StartFilter};

/// What a builtin printed and its exit status.
#[derive(Default)]
pub(crate) struct Output {
    lines: Vec<(Stream, String)>,
    status: i32,
}

impl Output {
    pub(crate) fn out(&mut self, line: impl Into<String>) {
        self.lines.push((Stream::Stdout, line.into()));
    }

    pub(crate) fn err(&mut self, line: impl Into<String>) {
        self.lines.push((Stream::Stderr, line.into()));
    }

    /// Sets the exit status and returns `self` for tail calls.
    pub(crate) fn status(mut self, status: i32) -> Output {
        self.status = status;
        self
    }
}

/// What a builtin works with.
pub(crate) struct Ctx<'a, 'k> {
    /// The machine's processes.
    pub(crate) u: &'a mut Userland,
    /// The system calls.
    pub(crate) k: &'a mut Sys<'k>,
    /// When the command was typed.
    pub(crate) now: SimTime,
    /// Its number in the run.
    pub(crate) id: usize,
    /// The name it was called by (`killall` or `pkill`).
    pub(crate) name: &'a str,
}

/// How a command runs.
#[derive(Clone, Copy)]
pub(crate) enum Command {
    /// Finishes at once with its output. A builtin that powers the machine off prints its own
    /// exit status first (nothing is traced after it).
    Builtin(fn(&mut Ctx<'_, '_>, &[&str]) -> Output),
    /// Reads its files or its standard input line by line.
    Filter(StartFilter),
    /// A filter, or with its follow option (`tail -f`) a program: which one the arguments say.
    FilterOrProgram(StartFilter, fn(&[&str]) -> bool, StartProgram),
    /// A program that prints its own output and exit status when it ends; `reads_stdin` if it
    /// takes its standard input when it starts (`nc`).
    Program { start: StartProgram, reads_stdin: bool },
    /// `sleep N`: the pipeline waits.
    Sleep,
}

/// Every command the console knows.
pub(crate) const COMMANDS: &[(&str, Command)] = &[
    ("ab", Command::Program { start: loadgen::start_ab, reads_stdin: false }),
    ("apachectl", Command::Builtin(apachectl::apachectl)),
    ("ausearch", Command::Builtin(selinux::ausearch)),
    ("awk", Command::Filter(filters::awk)),
    ("cat", Command::Filter(filters::cat)),
    ("cd", Command::Builtin(cwd::cd)),
    ("chmod", Command::Builtin(files::chmod)),
    ("cp", Command::Builtin(coreutils::copy)),
    ("curl", Command::Program { start: curl::start, reads_stdin: false }),
    ("df", Command::Program { start: df::start, reads_stdin: false }),
    ("echo", Command::Builtin(coreutils::echo)),
    ("exportfs", Command::Builtin(exportfs::run)),
    ("false", Command::Builtin(coreutils::false_)),
    ("firewall-cmd", Command::Builtin(firewall_cmd::run)),
    ("getenforce", Command::Builtin(selinux::getenforce)),
    ("getsebool", Command::Builtin(selinux::getsebool)),
    ("grep", Command::Filter(filters::grep)),
    ("halt", Command::Builtin(systemctl::poweroff)),
    ("head", Command::Filter(filters::head)),
    ("hostname", Command::Builtin(coreutils::hostname)),
    ("hostnamectl", Command::Builtin(netconf::hostnamectl)),
    ("httpd", Command::Builtin(apachectl::httpd)),
    ("ip", Command::Builtin(ip::run)),
    ("journalctl", Command::Program { start: journalctl::start, reads_stdin: false }),
    ("kill", Command::Builtin(kill::kill)),
    ("killall", Command::Builtin(kill::killall)),
    ("ls", Command::Builtin(files::ls)),
    ("mkdir", Command::Builtin(files::mkdir)),
    ("mount", Command::Program { start: mount::start, reads_stdin: false }),
    ("mv", Command::Builtin(coreutils::copy)),
    ("nc", Command::Program { start: nc::start, reads_stdin: true }),
    ("netcat", Command::Program { start: nc::start, reads_stdin: true }),
    ("nginx", Command::Builtin(nginx::run)),
    ("nmcli", Command::Builtin(netconf::nmcli)),
    ("pgrep", Command::Builtin(kill::pgrep)),
    ("pidof", Command::Builtin(kill::pidof)),
    ("ping", Command::Program { start: ping::start, reads_stdin: false }),
    ("pkill", Command::Builtin(kill::killall)),
    ("poweroff", Command::Builtin(systemctl::poweroff)),
    ("ps", Command::Builtin(ps::run)),
    ("pwd", Command::Builtin(cwd::pwd)),
    ("rm", Command::Builtin(coreutils::remove)),
    ("rpcinfo", Command::Program { start: rpctool::rpcinfo, reads_stdin: false }),
    ("sendip", Command::Builtin(sendip::run)),
    ("seq", Command::Builtin(coreutils::seq)),
    ("sestatus", Command::Builtin(selinux::sestatus)),
    ("setenforce", Command::Builtin(selinux::setenforce)),
    ("setsebool", Command::Builtin(selinux::setsebool)),
    ("showmount", Command::Program { start: rpctool::showmount, reads_stdin: false }),
    ("shutdown", Command::Builtin(systemctl::poweroff)),
    ("sleep", Command::Sleep),
    ("sort", Command::Filter(filters::sort)),
    ("systemctl", Command::Builtin(systemctl::run)),
    ("tail", Command::FilterOrProgram(filters::tail, tail::follows, tail::start)),
    ("true", Command::Builtin(coreutils::true_)),
    ("ulimit", Command::Builtin(ulimit::ulimit)),
    ("umount", Command::Builtin(umount::run)),
    ("uniq", Command::Filter(filters::uniq)),
    ("wc", Command::Filter(filters::wc)),
    ("wrk", Command::Program { start: loadgen::start_wrk, reads_stdin: false }),
    ("yum", Command::Builtin(yum::run)),
];

/// The command a path names when it is one of the system's binary directories
/// (`/usr/bin/killall` is `killall`; on CentOS 7 `/bin` and `/sbin` link to `/usr`'s); any other
/// name as it is.
fn in_path(name: &str) -> &str {
    ["/usr/bin/", "/usr/sbin/", "/bin/", "/sbin/"]
        .iter()
        .find_map(|dir| name.strip_prefix(dir))
        .filter(|n| !n.contains('/'))
        .unwrap_or(name)
}

/// Most commands and loop turns one typed line may run: a loop that would run more is stopped
/// there, with a message.
pub(crate) const MAX_COMMANDS: usize = 100_000;

impl Userland {
    /// The command called `name` on this machine: in its console's table, and installed.
    fn lookup(&self, name: &str) -> Option<Command> {
        let found = match self.os.spec().console {
            Console::Bash { .. } => COMMANDS.iter().find(|(n, _)| *n == name).map(|(_, c)| *c),
            // cmd.exe finds `PING` and `ping.exe` alike.
            Console::Cmd => windows::lookup(name),
        }?;
        self.packages.has_command(name).then_some(found)
    }

    /// Runs the builtin `words[0]` with the rest of `words` as command number `id`, for a
    /// unit's `ExecReload=`; `None` when there is no such builtin.
    fn run_builtin(&mut self, k: &mut Sys<'_>, now: SimTime, id: usize, words: &[&str]) -> Option<Output> {
        let (name, args) = words.split_first()?;
        let Some(Command::Builtin(run)) = self.lookup(name) else { return None };
        Some(run(&mut Ctx { u: self, k, now, id, name }, args))
    }

    /// The prompt a line is typed at on host `host`: bash's `[\u@\h \W]\$ ` (CentOS 7's
    /// `/etc/bashrc`) away from home; cmd.exe's `C:\Users\student>`.
    pub(crate) fn prompt(&self, host: &str) -> Prompt {
        match self.os.spec().console {
            Console::Bash { .. } => {
                let pwd = self.vars.get("PWD");
                match pwd {
                    "/root" => Prompt(None),
                    "/" => Prompt(Some(format!("[root@{host} /]# "))),
                    dir => Prompt(Some(format!("[root@{host} {}]# ", dir.rsplit('/').next().unwrap_or(dir)))),
                }
            }
            Console::Cmd => Prompt(Some("C:\\Users\\student>".to_owned())),
        }
    }

    /// How the console's shell names itself in its messages (`-bash` for a login shell).
    fn shell_name(&self) -> &'static str {
        match self.os.spec().console {
            Console::Bash { argv0 } => argv0,
            Console::Cmd => "cmd",
        }
    }

    /// What the console says of a command it does not have, and the status.
    fn not_found(&self, name: &str) -> (Vec<String>, i32) {
        match self.os.spec().console {
            Console::Bash { .. } => (vec![format!("{}: {name}: command not found", self.shell_name())], 127),
            // cmd.exe's message; %ERRORLEVEL% 9009 (MSG_DIR_BAD_COMMAND_OR_FILE).
            Console::Cmd => (
                vec![
                    format!("'{name}' is not recognized as an internal or external command,"),
                    "operable program or batch file.".to_owned(),
                ],
                9009,
            ),
        }
    }

    /// Runs `line` typed on the console as command number `id`. A line that is one simple
    /// command (not `sleep`) runs at once; anything else runs as a job from the next round.
    pub(crate) fn run_command(&mut self, k: &mut Sys<'_>, now: SimTime, id: usize, line: &str) {
        let script = match crate::proto::sh::read(line) {
            Ok(s) => s,
            Err(e) => {
                k.console(now, id, Stream::Stderr, e.console_message());
                k.console_exit(now, id, 2);
                return;
            }
        };
        let mut job = Job::new(id, script);
        if job.runs_at_once() {
            self.run_job(k, now, &mut job, &Default::default());
            if !k.is_powered() {
                return;
            }
        }
        if !job.is_done() {
            self.jobs.push(job);
        }
    }

    /// Moves the jobs on; true if any moved.
    pub(crate) fn poll_console(&mut self, k: &mut Sys<'_>, now: SimTime) -> bool {
        if self.jobs.is_empty() {
            self.exited.clear();
            return false;
        }
        let exits = std::mem::take(&mut self.exited);
        let mut jobs = std::mem::take(&mut self.jobs);
        let mut moved = false;
        let mut ended = Vec::new();
        for job in &mut jobs {
            // A daemon's child past its timeout: SIGTERM to its process group, and its end
            // is reported as a timeout.
            let timed_out = !job.is_done() && job.child_mut().and_then(|c| c.deadline).is_some_and(|d| d <= now);
            if timed_out {
                for pid in job.program_pids() {
                    self.signal_pid(k, now, pid, Signal::Term);
                }
                job.interrupt(k);
                moved = true;
            }
            // A child runs with its own variables.
            if let Some(child) = job.child_mut() {
                std::mem::swap(&mut self.vars, &mut child.vars);
            }
            moved |= self.run_job(k, now, job, &exits);
            if let Some(child) = job.child_mut() {
                std::mem::swap(&mut self.vars, &mut child.vars);
            }
            if !k.is_powered() {
                // The jobs went with everything else on the machine.
                return true;
            }
            if job.is_done()
                && let Some(child) = job.take_child()
            {
                let exit = if timed_out { ChildExit::TimedOut } else { ChildExit::Code(child.vars.status) };
                ended.push((child, exit));
            }
        }
        jobs.retain(|j| !j.is_done());
        // Jobs typed while these ran (none today) come after them.
        jobs.append(&mut self.jobs);
        self.jobs = jobs;
        // Exits nobody waited for are forgotten; the others were just seen.
        self.exited.retain(|pid, _| !exits.contains_key(pid));
        for (child, exit) in ended {
            self.child_ended(k, now, &child, exit);
            moved = true;
        }
        moved
    }
}

#[cfg(test)]
mod tests {
    use super::COMMANDS;

    #[test]
    fn the_command_table_is_sorted_and_unique() {
        assert!(COMMANDS.windows(2).all(|w| w[0].0 < w[1].0), "keep COMMANDS sorted by name");
    }
}
