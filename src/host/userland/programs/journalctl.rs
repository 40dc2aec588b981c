//! `journalctl`: the journal's entries as `proto::journalctl` chooses and words them; with
//! `-f`, a process that goes on printing each new entry as it is logged, until interrupted.

use crate::host::kernel::{Stdio, Sys};
use crate::host::userland::process::{Exit, Invocation, Process, Signal, Unfinished, fail};
use crate::kernel::SimTime;
use crate::observe::trace::Stream;
use crate::proto::journalctl::{Args, header, short};

struct Follow {
    stdio: Stdio,
    args: Args,
    /// The cursor of the next entry to look at.
    next: u64,
    exit: Option<Exit>,
}

pub(crate) fn start(k: &mut Sys<'_>, run: Invocation<'_>) -> Result<Box<dyn Process>, i32> {
    let Invocation { now, stdio, args, .. } = run;
    let args = match Args::parse(args) {
        Ok(a) => a,
        Err(e) => return Err(fail(k, now, &stdio, e.lines, e.status)),
    };
    let calendar = k.calendar();
    let host = k.hostname().to_owned();
    let mut lines = Vec::new();
    if !args.quiet
        && let (Some((_, first)), Some((_, last))) = (k.journal().next(), k.journal().next_back())
    {
        lines.push(header(calendar, first.at, last.at, args.follow));
    }
    let shown: Vec<String> =
        k.journal().filter(|(_, e)| args.matches(e.unit)).map(|(_, e)| short(calendar, e.at, &host, &e.ident, e.pid, &e.line)).collect();
    let skip = args.lines.map_or(0, |n| shown.len().saturating_sub(n));
    lines.extend(shown.into_iter().skip(skip));
    let mut f = Follow { stdio, next: k.journal_end(), args, exit: None };
    for line in lines {
        f.say(k, now, line);
    }
    if !f.args.follow && f.exit.is_none() {
        f.end(k, now, Exit::Code(0));
    }
    match f.exit {
        None => Ok(Box::new(f)),
        Some(exit) => Err(exit.status()),
    }
}

impl Follow {
    fn say(&mut self, k: &mut Sys<'_>, now: SimTime, line: String) {
        if self.exit.is_none() && k.print(now, &self.stdio, Stream::Stdout, line).is_err() {
            self.end(k, now, Exit::Signal(Signal::Pipe));
        }
    }

    fn end(&mut self, k: &mut Sys<'_>, now: SimTime, exit: Exit) {
        if self.exit.is_none() {
            self.exit = Some(exit);
            k.exit_status(now, &self.stdio, exit.status());
        }
    }
}

impl Process for Follow {
    fn name(&self) -> &'static str {
        "journalctl"
    }

    fn poll(&mut self, k: &mut Sys<'_>, now: SimTime) -> bool {
        if self.exit.is_some() || k.journal_end() == self.next {
            return false;
        }
        let calendar = k.calendar();
        let host = k.hostname().to_owned();
        let next = self.next;
        let new: Vec<String> = k
            .journal()
            .filter(|(cursor, e)| *cursor >= next && self.args.matches(e.unit))
            .map(|(_, e)| short(calendar, e.at, &host, &e.ident, e.pid, &e.line))
            .collect();
        self.next = k.journal_end();
        for line in new {
            self.say(k, now, line);
        }
        true
    }

    fn poll_timeout(&self) -> Option<SimTime> {
        None
    }

    fn signal(&mut self, k: &mut Sys<'_>, now: SimTime, signal: Signal) {
        self.end(k, now, Exit::Signal(signal));
    }

    fn exit(&self) -> Option<Exit> {
        self.exit
    }
    fn unfinished(&self, _now: SimTime) -> Option<Unfinished> {
        self.exit.is_none().then(|| Unfinished { id: self.stdio.id, state: "following the journal".to_owned(), http: None })
    }
}
