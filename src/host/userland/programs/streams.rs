//! The standard streams of a console program that prints as it goes (`tail -f`, `journalctl
//! -f`), and how it ends: a line written into a pipe nobody reads any more kills it with SIGPIPE,
//! as in Linux, and its exit status is reported once.

use crate::host::kernel::{Stdio, Sys};
use crate::host::userland::process::{Exit, Signal, Unfinished};
use crate::kernel::SimTime;
use crate::observe::trace::Stream;

pub(super) struct Streams {
    pub(super) stdio: Stdio,
    /// How the program ended, once it has.
    pub(super) exit: Option<Exit>,
}

impl Streams {
    pub(super) fn new(stdio: Stdio) -> Streams {
        Streams { stdio, exit: None }
    }

    /// Prints a line, unless the program has ended; a closed pipe ends it (SIGPIPE).
    pub(super) fn say(&mut self, k: &mut Sys<'_>, now: SimTime, stream: Stream, line: String) {
        if self.exit.is_none() && k.print(now, &self.stdio, stream, line).is_err() {
            self.end(k, now, Exit::Signal(Signal::Pipe));
        }
    }

    /// Ends the program with `exit`, reporting its status, unless it has already ended.
    pub(super) fn end(&mut self, k: &mut Sys<'_>, now: SimTime, exit: Exit) {
        if self.exit.is_none() {
            self.exit = Some(exit);
            k.exit_status(now, &self.stdio, exit.status());
        }
    }

    /// What the report says of it while it still runs: `state` (`following …`).
    pub(super) fn unfinished(&self, state: impl FnOnce() -> String) -> Option<Unfinished> {
        self.exit.is_none().then(|| Unfinished { id: self.stdio.id, state: state(), http: None })
    }
}
