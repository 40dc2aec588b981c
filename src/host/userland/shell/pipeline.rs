//! A pipeline under way: its commands (stages) connected as bash connects them, each one's
//! standard output to the next one's standard input, the last one's to the console (or to a
//! file, or to a command substitution), standard error to the console unless redirected.
//!
//! Stages are builtins (done as soon as they start, their output already on its way), filters
//! (`grep`, `head`…, fed line by line as lines arrive), programs (their output read from the
//! kernel pipes they write to, as they print it, so `ping … | grep ttl` shows each reply at
//! its simulated time) and `sleep`. A stage's standard input closes when the next stage ends:
//! a program writing after that dies of SIGPIPE, a filter too. The pipeline's status is its
//! last stage's (no `pipefail`), inverted by `!`.

use std::collections::{BTreeMap, VecDeque};

use crate::host::kernel::{FileCall, FileReply, Pending, PipeId, Sys, Ticket};
use crate::kernel::SimTime;
use crate::observe::trace::Stream;
use crate::proto::Stream as ToolStream;
use crate::proto::errno::Errno;
use crate::proto::filters::{Filter, Input, Out};

/// Where a stage's standard output or error goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Dest {
    /// The next stage's standard input.
    Next,
    /// The pipeline's own output: the console, or the command substitution it runs in.
    Sink,
    /// The console, as standard error.
    Console,
    /// A file, appended to (a `>` truncated it when the pipeline started).
    File(String),
    /// `/dev/null`.
    Null,
}

/// What a stage is.
pub(super) enum Kind {
    /// Over (a builtin, a program that ended at once): its status.
    Done(i32),
    /// A filter and where it is in its inputs.
    Filter(Box<FilterStage>),
    /// A program with its pid and the pipes it writes to.
    Program { pid: u32, out: Option<PipeId>, err: Option<PipeId>, status: Option<i32> },
    /// `sleep`, since and until then.
    Sleep { since: SimTime, until: SimTime },
}

/// A filter under way.
pub(super) struct FilterStage {
    pub(super) filter: Box<dyn Filter>,
    /// The index of the input it reads; its standard input's text when redirected (`<`, a
    /// here-document), else the previous stage's output (or the terminal's, which never ends).
    pub(super) next_input: usize,
    pub(super) stdin: Stdin,
    pub(super) began: bool,
    /// Its standard output's reader is gone: its next line kills it (SIGPIPE).
    pub(super) broken: bool,
    /// The input file being read, when the read waits on an NFS server.
    pub(super) reading: Option<Ticket>,
    pub(super) status: Option<i32>,
}

/// Where a filter's standard input comes from.
pub(super) enum Stdin {
    /// The previous stage.
    Pipe,
    /// The terminal: nothing comes until Ctrl-C.
    Terminal,
    /// A redirection's text.
    Text(String),
}

/// One command of the pipeline.
pub(super) struct Stage {
    pub(super) kind: Kind,
    pub(super) out: Dest,
    pub(super) err: Dest,
    /// Lines from the previous stage not yet read.
    pub(super) inbox: VecDeque<String>,
}

impl Stage {
    /// Whether the stage has ended and everything it printed was read.
    pub(super) fn is_finished(&self) -> bool {
        match &self.kind {
            Kind::Done(_) => true,
            Kind::Filter(f) => f.status.is_some(),
            Kind::Program { status, out, err, .. } => status.is_some() && out.is_none() && err.is_none(),
            Kind::Sleep { .. } => false,
        }
    }

    fn status(&self) -> i32 {
        match &self.kind {
            Kind::Done(s) => *s,
            Kind::Filter(f) => f.status.unwrap_or(0),
            Kind::Program { status, .. } => status.unwrap_or(0),
            Kind::Sleep { .. } => 0,
        }
    }
}

/// A running pipeline.
pub(super) struct Running {
    pub(super) stages: Vec<Stage>,
    pub(super) bang: bool,
    /// Whether the job reports the pipeline's status when it ends (not when its only program
    /// reports its own, nor for a lone `sleep`).
    pub(super) traces_exit: bool,
    /// Lines for a command substitution, when that is the sink.
    pub(super) captured: Vec<String>,
    /// Whether the sink is a command substitution.
    pub(super) capturing: bool,
    /// What the last stage started sent to the next, which is not started yet.
    pub(super) handoff: Vec<String>,
}

/// What a pipeline needs from its job to move: the console command, the instant, the exit
/// statuses of programs that ended.
pub(super) struct Env<'a> {
    pub(super) id: usize,
    pub(super) now: SimTime,
    pub(super) exits: &'a BTreeMap<u32, i32>,
}

impl Running {
    /// A pipeline with no stage started yet.
    pub(super) fn new(bang: bool, capturing: bool) -> Running {
        Running { stages: Vec::new(), bang, traces_exit: true, captured: Vec::new(), capturing, handoff: Vec::new() }
    }

    /// Whether every stage has ended.
    pub(super) fn is_over(&self) -> bool {
        self.stages.iter().all(Stage::is_finished)
    }

    /// The pipeline's status: the last stage's, inverted by `!`.
    pub(super) fn status(&self) -> i32 {
        let last = self.stages.last().map_or(0, Stage::status);
        match (self.bang, last) {
            (false, s) => s,
            (true, 0) => 1,
            (true, _) => 0,
        }
    }

    /// When a `sleep` stage ends.
    pub(super) fn poll_timeout(&self) -> Option<SimTime> {
        self.asleep().map(|(_, until)| until)
    }

    /// While a `sleep` stage runs: since when, and until when (the earliest, if several).
    pub(super) fn asleep(&self) -> Option<(SimTime, SimTime)> {
        self.stages
            .iter()
            .filter_map(|s| if let Kind::Sleep { since, until } = s.kind { Some((since, until)) } else { None })
            .min_by_key(|(_, until)| *until)
    }

    /// Sends a line of stage `i` where its descriptor leads.
    pub(super) fn route(&mut self, k: &mut Sys<'_>, env: &Env<'_>, i: usize, stream: Stream, line: String) {
        let stage = &self.stages[i];
        let dest = if stream == Stream::Stdout { &stage.out } else { &stage.err };
        match dest {
            Dest::Next => match self.stages.get_mut(i + 1) {
                // Only a filter reading the pipe takes it; other commands never read it.
                Some(next) => {
                    if let Kind::Filter(f) = &next.kind
                        && matches!(f.stdin, Stdin::Pipe)
                        && f.status.is_none()
                    {
                        next.inbox.push_back(line);
                    }
                }
                None => self.handoff.push(line),
            },
            Dest::Sink if self.capturing => self.captured.push(line),
            Dest::Sink => k.console(env.now, env.id, Stream::Stdout, line),
            Dest::Console => k.console(env.now, env.id, stream, line),
            Dest::File(path) => {
                let path = path.clone();
                let fs = k.fs_mut();
                fs.append(&path, line.as_bytes(), env.now);
                fs.append(&path, b"\n", env.now);
            }
            Dest::Null => {}
        }
    }

    /// Moves what can move now: program output read from its pipes, lines through the filters,
    /// ends of input passed on, standard inputs closed behind stages that ended. True if
    /// anything moved.
    pub(super) fn poll(&mut self, k: &mut Sys<'_>, env: &Env<'_>) -> bool {
        let mut moved = false;
        for i in 0..self.stages.len() {
            moved |= self.poll_stage(k, env, i);
            // A stage that ended closes its standard input: the previous stage's output has no
            // reader any more.
            if self.stages[i].is_finished() && i > 0 {
                let prev = &mut self.stages[i - 1];
                if prev.out == Dest::Next {
                    match &mut prev.kind {
                        Kind::Program { out: Some(pipe), .. } => k.pipe_close_reader(*pipe),
                        Kind::Filter(f) => f.broken = true,
                        _ => {}
                    }
                }
            }
        }
        moved
    }

    /// Whether stage `i`'s standard input has ended: the previous stage ended and every line
    /// it sent was read.
    fn input_over(&self, i: usize) -> bool {
        i == 0 || (self.stages[i - 1].is_finished() && self.stages[i].inbox.is_empty())
    }

    fn poll_stage(&mut self, k: &mut Sys<'_>, env: &Env<'_>, i: usize) -> bool {
        let mut moved = false;
        match &mut self.stages[i].kind {
            Kind::Done(_) => {}
            Kind::Sleep { until, .. } => {
                if env.now >= *until {
                    self.stages[i].kind = Kind::Done(0);
                    moved = true;
                }
            }
            Kind::Program { pid, out, err, status } => {
                let pid = *pid;
                // Learning that a program ended is no news for the machine.
                if status.is_none()
                    && let Some(s) = env.exits.get(&pid)
                {
                    *status = Some(*s);
                }
                let exited = status.is_some();
                let pipes = [(*out, Stream::Stdout), (*err, Stream::Stderr)];
                for (pipe, stream) in pipes {
                    let Some(pipe) = pipe else { continue };
                    if exited {
                        k.pipe_close_writer(pipe);
                    }
                    while let Some(line) = k.pipe_read(pipe) {
                        moved = true;
                        self.route(k, env, i, stream, line);
                    }
                    if exited && k.pipe_at_eof(pipe) {
                        k.pipe_close_reader(pipe);
                        if let Kind::Program { out, err, .. } = &mut self.stages[i].kind {
                            if *out == Some(pipe) {
                                *out = None;
                            }
                            if *err == Some(pipe) {
                                *err = None;
                            }
                        }
                    }
                }
            }
            Kind::Filter(_) => moved |= self.poll_filter(k, env, i),
        }
        moved
    }

    /// Feeds a filter what has arrived; reads its files; finishes it when its inputs are over.
    fn poll_filter(&mut self, k: &mut Sys<'_>, env: &Env<'_>, i: usize) -> bool {
        let mut moved = false;
        loop {
            let input_over = self.input_over(i);
            let stage = &mut self.stages[i];
            let Kind::Filter(f) = &mut stage.kind else { return moved };
            if f.status.is_some() {
                return moved;
            }
            let mut out = Out::default();
            if f.filter.is_satisfied() || f.next_input >= f.filter.inputs().len() {
                let status = f.filter.finish(&mut out);
                f.status = Some(status);
                stage.inbox.clear();
                self.emit(k, env, i, out);
                return true;
            }
            let n = f.next_input;
            match f.filter.inputs()[n].clone() {
                Input::File(path) => {
                    let reply = match f.reading {
                        Some(ticket) => k.file_reply(ticket),
                        None => match k.file_call(0, env.now, FileCall::Read(path.clone()), 0) {
                            Pending::Ready(reply) => Some(reply),
                            Pending::Wait(ticket) => {
                                f.reading = Some(ticket);
                                None
                            }
                        },
                    };
                    let Some(reply) = reply else {
                        self.emit(k, env, i, out);
                        return moved;
                    };
                    f.reading = None;
                    read_file(f, n, reply, &mut out);
                    f.next_input += 1;
                    moved = true;
                }
                Input::Stdin => {
                    if !f.began {
                        f.filter.begin(n, &mut out);
                        f.began = true;
                    }
                    match &mut f.stdin {
                        Stdin::Text(text) => {
                            let text = std::mem::take(text);
                            feed_text(f.filter.as_mut(), &text, &mut out);
                            f.next_input += 1;
                            f.began = false;
                            moved = true;
                        }
                        Stdin::Terminal => {
                            self.emit(k, env, i, out);
                            return moved;
                        }
                        Stdin::Pipe => {
                            while let Some(line) = stage.inbox.pop_front() {
                                moved = true;
                                f.filter.line(&line, &mut out);
                                if f.filter.is_satisfied() {
                                    break;
                                }
                            }
                            if input_over && !f.filter.is_satisfied() {
                                f.filter.end(false, &mut out);
                                f.next_input += 1;
                                f.began = false;
                                moved = true;
                            } else if !f.filter.is_satisfied() {
                                self.emit(k, env, i, out);
                                return moved;
                            }
                        }
                    }
                }
            }
            self.emit(k, env, i, out);
        }
    }

    /// Routes what filter `i` printed; a line to a reader that is gone kills it (SIGPIPE).
    fn emit(&mut self, k: &mut Sys<'_>, env: &Env<'_>, i: usize, out: Out) {
        for (stream, line) in out.lines {
            let stream = match stream {
                ToolStream::Stdout => Stream::Stdout,
                ToolStream::Stderr => Stream::Stderr,
            };
            let to_next = self.stages[i].out == Dest::Next;
            if let Kind::Filter(f) = &mut self.stages[i].kind
                && f.broken
                && stream == Stream::Stdout
                && to_next
            {
                f.status = Some(141);
                self.stages[i].inbox.clear();
                return;
            }
            self.route(k, env, i, stream, line);
        }
    }

    /// Ctrl-C: every stage gets SIGINT; programs get theirs from the process table. Nothing
    /// more is read.
    /// The pids of its programs still running.
    pub(super) fn program_pids(&self) -> Vec<u32> {
        self.stages
            .iter()
            .filter_map(|s| match s.kind {
                Kind::Program { pid, status: None, .. } => Some(pid),
                _ => None,
            })
            .collect()
    }

    pub(super) fn interrupt(&mut self, k: &mut Sys<'_>) {
        for stage in &mut self.stages {
            if let Kind::Program { out, err, .. } = &mut stage.kind {
                for pipe in [out.take(), err.take()].into_iter().flatten() {
                    k.pipe_close_reader(pipe);
                }
            }
        }
    }
}

/// Feeds input `n`, a file as read, into the filter.
fn read_file(f: &mut FilterStage, n: usize, reply: FileReply, out: &mut Out) {
    match reply {
        FileReply::Read(Ok((_, bytes))) => {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            f.filter.begin(n, out);
            feed_text(f.filter.as_mut(), &text, out);
        }
        FileReply::Read(Err(errno)) => f.filter.unreadable(n, errno.text(), out),
        FileReply::Stat(_) | FileReply::StatFs(_) => f.filter.unreadable(n, Errno::Io.text(), out),
    }
}

/// Feeds a whole text, line by line, and ends the input.
fn feed_text(filter: &mut dyn Filter, text: &str, out: &mut Out) {
    for line in text.lines() {
        filter.line(line, out);
        if filter.is_satisfied() {
            return;
        }
    }
    filter.end(!text.is_empty() && !text.ends_with('\n'), out);
}
