//! `journalctl`: the journal's entries as `proto::journalctl` chooses and words them; with
//! `-f`, a process that goes on printing each new entry as it is logged, until interrupted.

use super::streams::Streams;
use crate::host::kernel::Sys;
use crate::host::userland::process::{Exit, Invocation, Process, Signal, Unfinished, fail};
use crate::kernel::SimTime;
use crate::observe::trace::Stream;
use crate::proto::journalctl::{Args, header, short};

struct Follow {
    out: Streams,
    args: Args,
    /// The cursor of the next entry to look at.
    next: u64,
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
    let mut f = Follow { out: Streams::new(stdio), next: k.journal_end(), args };
    for line in lines {
        f.out.say(k, now, Stream::Stdout, line);
    }
    if !f.args.follow && f.out.exit.is_none() {
        f.out.end(k, now, Exit::Code(0));
    }
    match f.out.exit {
        None => Ok(Box::new(f)),
        Some(exit) => Err(exit.status()),
    }
}

impl Process for Follow {
    fn name(&self) -> &'static str {
        "journalctl"
    }

    fn poll(&mut self, k: &mut Sys<'_>, now: SimTime) -> bool {
        if self.out.exit.is_some() || k.journal_end() == self.next {
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
            self.out.say(k, now, Stream::Stdout, line);
        }
        true
    }

    fn poll_timeout(&self) -> Option<SimTime> {
        None
    }

    fn signal(&mut self, k: &mut Sys<'_>, now: SimTime, signal: Signal) {
        self.out.end(k, now, Exit::Signal(signal));
    }

    fn exit(&self) -> Option<Exit> {
        self.out.exit
    }
    fn unfinished(&self, _now: SimTime) -> Option<Unfinished> {
        self.out.unfinished(|| "following the journal".to_owned())
    }
}
