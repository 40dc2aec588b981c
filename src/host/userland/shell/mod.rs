//! The console of a host: a command line typed at a simulated time is split into words the way
//! bash does for simple commands (quotes, backslashes), looked up in the command table, and run.
//! Builtins finish at once and their output is traced line by line; programs (ping, curl, nc)
//! are started as processes that print their own output and exit status; sequences and loops
//! run as a [`Job`]. Tools print the real tools' texts, including their usage errors; an
//! unknown command gets bash's `command not found`.
//!
//! Adding a command is one file (or function) plus one row in [`COMMANDS`].

mod coreutils;
mod ip;
mod job;
mod kill;
mod nginx;
mod script;
mod sendip;
mod systemctl;

pub(crate) use job::Job;
use job::Next;
#[cfg(feature = "fuzzing")]
pub(crate) use script::{Limits as ExpandLimits, expand_within};

use super::Userland;
use super::process::{Invocation, Process};
use super::programs::{curl, nc, ping};
use crate::host::kernel::Sys;
use crate::kernel::SimTime;
use crate::observe::trace::Stream;

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
enum Command {
    /// Finishes at once with its output. A builtin that powers the machine off prints its own
    /// exit status first (nothing is traced after it).
    Builtin(fn(&mut Ctx<'_, '_>, &[&str]) -> Output),
    /// Starts a program that prints its own output and exit status when it ends; `None` when it
    /// was over at once (it printed why and its exit status).
    Program(fn(&mut Sys<'_>, Invocation<'_>) -> Option<Box<dyn Process>>),
}

/// Every command the console knows.
const COMMANDS: &[(&str, Command)] = &[
    ("cat", Command::Builtin(coreutils::cat)),
    ("cp", Command::Builtin(coreutils::copy)),
    ("curl", Command::Program(curl::start)),
    ("echo", Command::Builtin(coreutils::echo)),
    ("halt", Command::Builtin(systemctl::poweroff)),
    ("hostname", Command::Builtin(coreutils::hostname)),
    ("ip", Command::Builtin(ip::run)),
    ("kill", Command::Builtin(kill::kill)),
    ("killall", Command::Builtin(kill::killall)),
    ("mv", Command::Builtin(coreutils::copy)),
    ("nc", Command::Program(nc::start)),
    ("netcat", Command::Program(nc::start)),
    ("nginx", Command::Builtin(nginx::run)),
    ("pidof", Command::Builtin(kill::pidof)),
    ("ping", Command::Program(ping::start)),
    ("pkill", Command::Builtin(kill::killall)),
    ("poweroff", Command::Builtin(systemctl::poweroff)),
    ("rm", Command::Builtin(coreutils::remove)),
    ("sendip", Command::Builtin(sendip::run)),
    ("shutdown", Command::Builtin(systemctl::poweroff)),
    ("sleep", Command::Builtin(coreutils::sleep)),
    ("systemctl", Command::Builtin(systemctl::run)),
];

/// Splits a command line into words: whitespace separates, single quotes keep everything,
/// double quotes keep all but backslash escapes, a backslash quotes the next character.
/// Returns `None` for an unterminated quote.
pub(crate) fn split_words(line: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '\'' => break,
                        c => word.push(c),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => word.push(chars.next()?),
                        c => word.push(c),
                    }
                }
            }
            '\\' => {
                in_word = true;
                word.push(chars.next()?);
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Some(words)
}

/// What running a simple command did.
enum Ran {
    /// It finished at once, with this output.
    Done(Output),
    /// A process was started (`pid`); it prints its own output and exit status later.
    Started(u32),
    /// It already finished and printed its output and exit status itself.
    Reported,
    /// The host powered off.
    Gone,
}

/// Traces a finished command's output and exit status.
fn finish(k: &mut Sys<'_>, now: SimTime, id: usize, out: Output) {
    for (stream, line) in out.lines {
        k.console(now, id, stream, line);
    }
    k.console_exit(now, id, out.status);
}

impl Userland {
    /// Runs `line` typed on the console as command number `id`: one command at once, a
    /// sequence or loop as a job that runs its commands one after another.
    pub(crate) fn run_command(&mut self, k: &mut Sys<'_>, now: SimTime, id: usize, line: &str) {
        let commands = match script::expand(line) {
            Ok(c) => c,
            Err(e) => {
                let mut out = Output::default();
                out.err(e.0);
                return finish(k, now, id, out.status(2));
            }
        };
        match commands.as_slice() {
            [] => finish(k, now, id, Output::default()),
            [single] if single[0] != "sleep" => {
                if let Ran::Done(out) = self.run_simple(k, now, id, single) {
                    finish(k, now, id, out);
                }
            }
            _ => self.jobs.push(Job::new(id, commands)),
        }
    }

    /// Runs the jobs' next commands; true if any job moved.
    pub(crate) fn poll_console(&mut self, k: &mut Sys<'_>, now: SimTime) -> bool {
        let mut moved = false;
        let mut i = 0;
        while i < self.jobs.len() {
            loop {
                let Userland { jobs, units, programs, .. } = self;
                let alive = |pid: u32| super::table(units, programs).any(|p| p.has_pid(pid));
                let words = match jobs[i].next(now, alive) {
                    Next::Run(words) => words,
                    Next::Idle { advanced } => {
                        moved |= advanced;
                        break;
                    }
                };
                moved = true;
                let id = jobs[i].id();
                match self.run_simple(k, now, id, &words) {
                    Ran::Done(out) => finish(k, now, id, out),
                    Ran::Started(pid) => self.jobs[i].wait_for(pid),
                    Ran::Reported => {}
                    // The job went with everything else on the machine.
                    Ran::Gone => return true,
                }
            }
            i += 1;
        }
        self.jobs.retain(|j| !j.is_done());
        moved
    }

    /// Runs one simple command (its words), with `< FILE` as its standard input and
    /// `> FILE` / `>> FILE` taking its standard output; `sleep` is only meaningful in a job.
    fn run_simple(&mut self, k: &mut Sys<'_>, now: SimTime, id: usize, words: &[String]) -> Ran {
        let mut words = words.to_vec();
        let mut stdin = Vec::new();
        if let Some(i) = words.iter().position(|w| w == "<") {
            let Some(path) = words.get(i + 1).cloned() else {
                let mut o = Output::default();
                o.err("bash: syntax error near unexpected token `newline'");
                return Ran::Done(o.status(2));
            };
            match k.fs().read(&path) {
                Some(f) => stdin = f.contents.clone(),
                None => {
                    let mut o = Output::default();
                    o.err(format!("bash: {path}: No such file or directory"));
                    return Ran::Done(o.status(1));
                }
            }
            words.drain(i..i + 2);
        }
        let words = &words[..];
        let Some(redirect) = words.iter().position(|w| w == ">" || w == ">>") else {
            return self.run_plain(k, now, id, words, stdin);
        };
        let Some(path) = words.get(redirect + 1) else {
            let mut o = Output::default();
            o.err("bash: syntax error near unexpected token `newline'");
            return Ran::Done(o.status(2));
        };
        let append = words[redirect] == ">>";
        let mut cmd: Vec<String> = words[..redirect].to_vec();
        cmd.extend_from_slice(&words[redirect + 2..]);
        match self.run_plain(k, now, id, &cmd, stdin) {
            Ran::Done(out) => {
                let mut text = Vec::new();
                let mut rest = Output::default();
                for (stream, line) in out.lines {
                    match stream {
                        Stream::Stdout => {
                            text.extend_from_slice(line.as_bytes());
                            text.push(b'\n');
                        }
                        Stream::Stderr => rest.err(line),
                    }
                }
                if append {
                    k.fs_mut().append(path, &text, now);
                } else {
                    k.fs_mut().write(path, text, now);
                }
                Ran::Done(rest.status(out.status))
            }
            other => other,
        }
    }

    fn run_plain(&mut self, k: &mut Sys<'_>, now: SimTime, id: usize, words: &[String], stdin: Vec<u8>) -> Ran {
        let Some((cmd, args)) = words.split_first() else { return Ran::Done(Output::default()) };
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let Some((name, command)) = COMMANDS.iter().find(|(name, _)| name == cmd) else {
            let mut o = Output::default();
            o.err(format!("bash: {cmd}: command not found"));
            return Ran::Done(o.status(127));
        };
        match command {
            Command::Builtin(run) => {
                let out = run(&mut Ctx { u: self, k, now, id, name }, &args);
                if !k.is_powered() {
                    return Ran::Gone;
                }
                // What the command changed (a link taken down) reaches the processes watching
                // it before the command's prompt returns.
                self.run_wakeups(k, now);
                Ran::Done(out)
            }
            Command::Program(start) => {
                let pid = self.next_pid;
                self.next_pid += 1;
                match start(k, Invocation { now, id, pid, args: &args, stdin }) {
                    Some(process) => {
                        self.programs.push(super::process::Proc { pid, npids: 1, started: now, process });
                        Ran::Started(pid)
                    }
                    // Over at once; whatever it opened closes with it.
                    None => {
                        k.exit_process(pid);
                        Ran::Reported
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{COMMANDS, split_words};

    #[test]
    fn splits_like_bash() {
        assert_eq!(split_words("ping  -i 0.1 -O 172.2.20.100").unwrap(), ["ping", "-i", "0.1", "-O", "172.2.20.100"]);
        assert_eq!(split_words(r#"echo 'a b' "c \"d\"" e\ f"#).unwrap(), ["echo", "a b", "c \"d\"", "e f"]);
        assert_eq!(split_words("echo ''").unwrap(), ["echo", ""]);
        assert!(split_words("echo 'open").is_none());
    }

    #[test]
    fn the_command_table_is_sorted_and_unique() {
        assert!(COMMANDS.windows(2).all(|w| w[0].0 < w[1].0), "keep COMMANDS sorted by name");
    }
}
