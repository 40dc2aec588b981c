//! Pipes between the stages of a typed pipeline (`pipe(2)`): lines a program writes wait here
//! until the shell reads them. Writing to a pipe whose reading end is closed fails with EPIPE,
//! and the writer dies of SIGPIPE, as on Linux (`ping … | head -3` ends the ping).
//!
//! The console's output is lines, so a pipe holds lines. It holds what is written in one
//! instant until the shell reads it later in the same instant; Linux's 64 KiB bound, which
//! would block the writer, is not modelled.

use std::collections::{BTreeMap, VecDeque};

use super::syscall::{BrokenPipe, PipeId};

#[derive(Debug, Default)]
struct Pipe {
    lines: VecDeque<String>,
    reader: bool,
    writer: bool,
}

/// The machine's open pipes.
#[derive(Debug, Default)]
pub(super) struct Pipes {
    next: u32,
    open: BTreeMap<PipeId, Pipe>,
}

impl Pipes {
    pub(super) fn open(&mut self) -> PipeId {
        let id = PipeId(self.next);
        self.next = self.next.wrapping_add(1);
        self.open.insert(id, Pipe { lines: VecDeque::new(), reader: true, writer: true });
        id
    }

    pub(super) fn write(&mut self, id: PipeId, line: String) -> Result<(), BrokenPipe> {
        match self.open.get_mut(&id) {
            Some(p) if p.reader => {
                p.lines.push_back(line);
                Ok(())
            }
            _ => Err(BrokenPipe),
        }
    }

    /// The next line, if one is waiting.
    pub(super) fn read(&mut self, id: PipeId) -> Option<String> {
        self.open.get_mut(&id)?.lines.pop_front()
    }

    /// Whether nothing more will come: the writer closed and every line was read.
    pub(super) fn at_eof(&self, id: PipeId) -> bool {
        self.open.get(&id).is_none_or(|p| !p.writer && p.lines.is_empty())
    }

    pub(super) fn close_writer(&mut self, id: PipeId) {
        if let Some(p) = self.open.get_mut(&id) {
            p.writer = false;
        }
        self.forget_if_closed(id);
    }

    pub(super) fn close_reader(&mut self, id: PipeId) {
        if let Some(p) = self.open.get_mut(&id) {
            p.reader = false;
            p.lines.clear();
        }
        self.forget_if_closed(id);
    }

    fn forget_if_closed(&mut self, id: PipeId) {
        if self.open.get(&id).is_some_and(|p| !p.reader && !p.writer) {
            self.open.remove(&id);
        }
    }

    /// Power off: every pipe goes.
    pub(super) fn clear(&mut self) {
        self.open.clear();
    }
}
