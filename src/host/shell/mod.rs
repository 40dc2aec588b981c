//! The console of a host: a command line typed at a simulated time is split into words the way
//! bash does for simple commands (quotes, backslashes), dispatched to the tool, and its output
//! traced line by line. Tools print the real tools' texts, including their usage errors; an
//! unknown command gets bash's `command not found`.

mod ip;
mod job;
mod kill;
mod nginx;
mod script;
mod sendip;
mod systemctl;

use super::Host;
use crate::kernel::SimTime;
use crate::observe::trace::{Stream, TraceKind};

/// What a command printed and its exit status, for tools that finish at once.
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

pub(crate) use job::Job;

/// What running a simple command did.
pub(crate) enum Ran {
    /// It finished at once, with this output.
    Done(Output),
    /// A process was started (`pid`); it prints its own output and exit status later.
    Started(u32),
    /// It already finished and printed its output and exit status itself.
    Reported,
    /// The host powered off.
    Gone,
}

/// Runs `line` typed on `host`'s console as command number `id`: one command at once, a
/// sequence or loop as a job that runs its commands one after another.
pub(super) fn run(host: &mut Host, now: SimTime, id: usize, line: &str) {
    let commands = match script::expand(line) {
        Ok(c) => c,
        Err(e) => {
            let mut out = Output::default();
            out.err(e.0);
            return finish(host, now, id, out.status(2));
        }
    };
    match commands.as_slice() {
        [] => finish(host, now, id, Output::default()),
        [single] if single[0] != "sleep" => {
            if let Ran::Done(out) = run_simple(host, now, id, single) {
                finish(host, now, id, out);
            }
        }
        _ => host.jobs.push(Job::new(id, commands)),
    }
}

/// Runs one simple command (its words), with `> FILE` / `>> FILE` sending its standard output
/// to a file; `sleep` is only meaningful inside a job.
pub(crate) fn run_simple(host: &mut Host, now: SimTime, id: usize, words: &[String]) -> Ran {
    let mut words = words.to_vec();
    let mut stdin = Vec::new();
    if let Some(i) = words.iter().position(|w| w == "<") {
        let Some(path) = words.get(i + 1).cloned() else {
            let mut o = Output::default();
            o.err("bash: syntax error near unexpected token `newline'");
            return Ran::Done(o.status(2));
        };
        match host.fs.read(&path) {
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
    let Some(redirect) = words.iter().position(|w| w == ">" || w == ">>") else { return run_plain(host, now, id, words, stdin) };
    let Some(path) = words.get(redirect + 1) else {
        let mut o = Output::default();
        o.err("bash: syntax error near unexpected token `newline'");
        return Ran::Done(o.status(2));
    };
    let append = words[redirect] == ">>";
    let mut cmd: Vec<String> = words[..redirect].to_vec();
    cmd.extend_from_slice(&words[redirect + 2..]);
    match run_plain(host, now, id, &cmd, stdin) {
        Ran::Done(out) => {
            let mut text = if append { host.fs.read(path).map(|f| f.contents.clone()).unwrap_or_default() } else { Vec::new() };
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
            host.fs.write(path, text, now);
            Ran::Done(rest.status(out.status))
        }
        other => other,
    }
}

fn run_plain(host: &mut Host, now: SimTime, id: usize, words: &[String], stdin: Vec<u8>) -> Ran {
    let Some((cmd, args)) = words.split_first() else { return Ran::Done(Output::default()) };
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = match cmd.as_str() {
        "ip" => ip::run(host, now, &args),
        "systemctl" => systemctl::run(host, now, &args),
        "kill" => kill::kill(host, now, &args),
        "killall" | "pkill" => kill::killall(host, now, cmd, &args),
        "pidof" => kill::pidof(host, &args),
        "sendip" => sendip::run(host, now, &args),
        "nginx" => nginx::run(host, now, &args),
        // Programs that outlive the instant: they print their own output and exit status.
        "ping" | "curl" | "nc" | "netcat" => {
            let pid = host.with_procs(|procs, h| match cmd.as_str() {
                "ping" => procs.start_ping(h, now, id, &args),
                "curl" => procs.start_curl(h, now, id, &args),
                _ => procs.start_nc(h, now, id, &args, stdin),
            });
            return pid.map_or(Ran::Reported, Ran::Started);
        }
        "poweroff" | "halt" | "shutdown" => {
            host.emit(now, TraceKind::Exit { host: host.cfg.name.clone(), id, status: 0 });
            host.power_off(now);
            return Ran::Gone;
        }
        "cat" => cat(host, &args),
        "cp" | "mv" => copy(host, now, cmd, &args),
        "rm" => remove(host, &args),
        "hostname" => {
            let mut o = Output::default();
            o.out(host.cfg.name.clone());
            o
        }
        "echo" => {
            let mut o = Output::default();
            o.out(args.join(" "));
            o
        }
        "sleep" => match args.first().and_then(|a| a.parse::<f64>().ok()) {
            Some(_) => Output::default(),
            None => {
                let mut o = Output::default();
                o.err("sleep: missing operand");
                o.err("Try 'sleep --help' for more information.");
                o.status(1)
            }
        },
        other => {
            let mut o = Output::default();
            o.err(format!("bash: {other}: command not found"));
            o.status(127)
        }
    };
    Ran::Done(out)
}

fn cat(host: &Host, args: &[&str]) -> Output {
    let mut o = Output::default();
    let mut status = 0;
    for path in args {
        match host.fs.read_text(path) {
            Some(text) => text.lines().for_each(|l| o.out(l)),
            None if host.fs.is_dir(path) => {
                o.err(format!("cat: {path}: Is a directory"));
                status = 1;
            }
            None => {
                o.err(format!("cat: {path}: No such file or directory"));
                status = 1;
            }
        }
    }
    o.status(status)
}

/// `cp SRC DST` / `mv SRC DST` for files (DST may be a directory).
fn copy(host: &mut Host, now: SimTime, cmd: &str, args: &[&str]) -> Output {
    let mut o = Output::default();
    let [src, dst] = args else {
        o.err(format!("{cmd}: missing file operand"));
        o.err(format!("Try '{cmd} --help' for more information."));
        return o.status(1);
    };
    let Some(file) = host.fs.read(src).map(|f| f.contents.clone()) else {
        o.err(format!("{cmd}: cannot stat '{src}': No such file or directory"));
        return o.status(1);
    };
    let target = if host.fs.is_dir(dst) {
        format!("{}/{}", dst.trim_end_matches('/'), src.rsplit('/').next().unwrap_or(src))
    } else {
        (*dst).to_owned()
    };
    host.fs.write(&target, file, now);
    if cmd == "mv" {
        host.fs.remove(src);
    }
    o
}

/// `rm FILE…`.
fn remove(host: &mut Host, args: &[&str]) -> Output {
    let mut o = Output::default();
    let mut status = 0;
    for path in args.iter().filter(|a| !a.starts_with('-')) {
        if !host.fs.remove(path) {
            o.err(format!("rm: cannot remove '{path}': No such file or directory"));
            status = 1;
        }
    }
    o.status(status)
}

/// Ends command `id` at once with `lines` on stderr and `status` (a tool's usage error).
pub(crate) fn fail(host: &mut Host, now: SimTime, id: usize, lines: Vec<String>, status: i32) {
    let mut out = Output::default();
    lines.into_iter().for_each(|l| out.err(l));
    finish(host, now, id, out.status(status));
}

/// Traces a finished command's output and exit status.
pub(crate) fn finish(host: &mut Host, now: SimTime, id: usize, out: Output) {
    let name = host.cfg.name.clone();
    for (stream, line) in out.lines {
        host.emit(now, TraceKind::Output { host: name.clone(), id, stream, line });
    }
    host.emit(now, TraceKind::Exit { host: name, id, status: out.status });
}

#[cfg(test)]
mod tests {
    use super::split_words;

    #[test]
    fn splits_like_bash() {
        assert_eq!(split_words("ping  -i 0.1 -O 172.2.20.100").unwrap(), ["ping", "-i", "0.1", "-O", "172.2.20.100"]);
        assert_eq!(split_words(r#"echo 'a b' "c \"d\"" e\ f"#).unwrap(), ["echo", "a b", "c \"d\"", "e f"]);
        assert_eq!(split_words("echo ''").unwrap(), ["echo", ""]);
        assert!(split_words("echo 'open").is_none());
    }
}
