//! HTTP load generators as sans-IO cores: ApacheBench 2.3 (`ab`, [`ab`]) and wrk 4.1.0 (`wrk`,
//! [`wrk`]). Each drives several TCP connections that the glue (`host/userland/programs/
//! loadgen.rs`) opens by slot number, measures with the times it is handed (the simulated
//! clock) and prints the real tool's report.
//!
//! # Calling order (host glue)
//!
//! 1. `ab::Ab::start` / `wrk::Wrk::start` with the words after the command, the time and the
//!    resolved address of the URL's host (`None` when it does not resolve). `Err(Finished)`: print
//!    its lines, exit with its status.
//! 2. Drain [`Generator::poll_action`]: [`Action::Connect`] opens a connection for a slot (a slot
//!    holds at most one; an earlier one was closed first), [`Action::Send`] queues bytes on it,
//!    [`Action::Close`] closes it (`close()`: FIN, or RST when data was left unread). Drain
//!    [`Generator::poll_output`] for console lines.
//! 3. Report each connection's news: [`Generator::handle_connected`],
//!    [`Generator::handle_data`], [`Generator::handle_eof`], [`Generator::handle_error`] with
//!    the socket's errno, [`Generator::handle_connect_failed`] when `connect()` fails at once,
//!    [`Generator::handle_socket_failed`] when `socket()` does, and the clock with
//!    [`Generator::handle_timeout`] at [`Generator::poll_timeout`]; drain again after each.
//! 4. Drain [`Generator::poll_sample`] after each call too: one [`Sample`] per request that
//!    ended, for the capacity report.
//! 5. Once [`Generator::exit_status`] is `Some`, close every connection and end.
//!
//! [`users`] is the scenario's user population: sessions of pages and assets over the same kind
//! of slots, with no console of its own. wrk and the users read a response's body the same way
//! (`body`).

pub(crate) mod ab;
mod body;
pub(crate) mod users;
pub(crate) mod wrk;

use std::collections::VecDeque;

use super::Stream;
use crate::kernel::SimTime;
use crate::proto::errno::Errno;

/// What the core asks the glue to do with a connection slot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    /// Open a TCP connection to the target for this slot (non-blocking `connect()`).
    Connect(usize),
    /// Send these bytes on the slot's connection.
    Send(usize, Vec<u8>),
    /// Close the slot's connection.
    Close(usize),
}

/// One request that ended, as its client saw it: a sample for the capacity report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Sample {
    /// The response's status, if its head arrived.
    pub status: Option<u16>,
    /// From the request's start to its end, µs.
    pub latency_us: u64,
    /// Why it ended without a response, if it did (`strerror()`'s text or the tool's words).
    pub error: Option<&'static str>,
}

impl Sample {
    /// A response with `status` for a request started at `start`.
    pub(crate) fn answered(start: SimTime, now: SimTime, status: u16) -> Sample {
        Sample { status: Some(status), latency_us: now.saturating_since(start).as_micros() as u64, error: None }
    }

    /// A request started at `start` that failed with `error`.
    pub(crate) fn failed(start: SimTime, now: SimTime, error: &'static str) -> Sample {
        Sample { status: None, latency_us: now.saturating_since(start).as_micros() as u64, error: Some(error) }
    }
}

/// A run that is over before it starts (a usage error, `-V`, a name that does not resolve): its
/// lines and exit status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Finished {
    /// What it printed, in order.
    pub lines: Vec<(Stream, String)>,
    /// Its exit status.
    pub status: i32,
}

/// The interface both load generators offer the glue (see the module's calling order).
pub(crate) trait Generator {
    /// The slot's connection completed its handshake.
    fn handle_connected(&mut self, now: SimTime, slot: usize);
    /// Bytes arrived on the slot's connection.
    fn handle_data(&mut self, now: SimTime, slot: usize, data: &[u8]);
    /// The peer closed the slot's connection (FIN).
    fn handle_eof(&mut self, now: SimTime, slot: usize);
    /// The slot's connection failed with the socket's error (ECONNREFUSED, EHOSTUNREACH,
    /// ETIMEDOUT, ECONNRESET).
    fn handle_error(&mut self, now: SimTime, slot: usize, errno: Errno);
    /// The slot's `connect()` failed at once with `errno` (a non-blocking connect reports
    /// ENETUNREACH or EADDRNOTAVAIL itself, where other failures come later from the socket).
    fn handle_connect_failed(&mut self, now: SimTime, slot: usize, errno: Errno) {
        self.handle_error(now, slot, errno);
    }
    /// The slot's `socket()` failed with `errno` (EMFILE: the process is at its open-file
    /// limit), before any `connect()`.
    fn handle_socket_failed(&mut self, now: SimTime, slot: usize, errno: Errno) {
        self.handle_connect_failed(now, slot, errno);
    }
    /// The descriptors the tool holds besides its connections (standard streams, poll sets…),
    /// which count against the process's open-file limit with them.
    fn own_fds(&self) -> usize {
        0
    }
    /// The clock reached [`Generator::poll_timeout`].
    fn handle_timeout(&mut self, now: SimTime);
    /// When the core wants [`Generator::handle_timeout`] next.
    fn poll_timeout(&self) -> Option<SimTime>;
    /// What the run has for the glue.
    fn out(&self) -> &Out;
    /// The same, to take from.
    fn out_mut(&mut self) -> &mut Out;
    /// The next thing to do with a connection.
    fn poll_action(&mut self) -> Option<Action> {
        self.out_mut().actions.pop_front()
    }
    /// The next console line.
    fn poll_output(&mut self) -> Option<(Stream, String)> {
        self.out_mut().console.pop()
    }
    /// The next request that ended.
    fn poll_sample(&mut self) -> Option<Sample> {
        self.out_mut().samples.pop_front()
    }
    /// The exit status, once the run is over.
    fn exit_status(&self) -> Option<i32> {
        self.out().exit
    }
    /// What the report says while it still runs.
    fn state(&self) -> String;
}

/// What a generator has for the glue: actions on connections, console lines, ended requests,
/// its exit status.
#[derive(Debug)]
pub(crate) struct Out {
    /// Actions not yet taken, in order.
    pub actions: VecDeque<Action>,
    /// What it printed.
    pub console: Console,
    /// Requests that ended, for the capacity report.
    pub samples: VecDeque<Sample>,
    /// The exit status, once the run is over.
    pub exit: Option<i32>,
}

impl Out {
    /// A run that has printed what `console` holds and asks for `actions` first.
    pub(crate) fn new(console: Console, actions: VecDeque<Action>) -> Out {
        Out { actions, console, samples: VecDeque::new(), exit: None }
    }
}

/// Console lines as a C program writes them with `printf` and `fprintf(stderr, …)`: stdout text
/// is kept until its `\n` (ab's `Benchmarking HOST (be patient)...` waits for its `..done`),
/// stderr goes out line by line; an unfinished stdout line is flushed before stderr is written
/// and at exit.
#[derive(Default, Debug)]
pub(crate) struct Console {
    partial: String,
    lines: VecDeque<(Stream, String)>,
}

impl Console {
    /// `printf(text)`.
    pub(crate) fn out(&mut self, text: &str) {
        self.partial.push_str(text);
        while let Some(i) = self.partial.find('\n') {
            let line = self.partial[..i].to_owned();
            self.partial.drain(..=i);
            self.lines.push_back((Stream::Stdout, line));
        }
    }

    /// `fprintf(stderr, text)` for whole lines (`text` without its last `\n`).
    pub(crate) fn err(&mut self, text: &str) {
        self.flush();
        for line in text.split('\n') {
            self.lines.push_back((Stream::Stderr, line.to_owned()));
        }
    }

    /// Flushes an unfinished stdout line (at exit).
    pub(crate) fn flush(&mut self) {
        if !self.partial.is_empty() {
            let line = std::mem::take(&mut self.partial);
            self.lines.push_back((Stream::Stdout, line));
        }
    }

    /// The next line printed.
    pub(crate) fn pop(&mut self) -> Option<(Stream, String)> {
        self.lines.pop_front()
    }

    /// Everything printed so far, flushed (for a run that ends before it starts).
    pub(crate) fn take_all(mut self) -> Vec<(Stream, String)> {
        self.flush();
        self.lines.into_iter().collect()
    }
}

/// A resolved target: the address and port to connect to.
pub(crate) type Target = (std::net::Ipv4Addr, u16);

/// Whether a URL's host is one both tools' URL parsers take and labsim can resolve: not empty,
/// letters, digits and `-._` only.
pub(crate) fn valid_host(host: &str) -> bool {
    !host.is_empty() && host.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b))
}

/// A usage text's lines, printed on `stream`.
pub(crate) fn usage_lines(text: &'static str, stream: Stream) -> impl Iterator<Item = (Stream, String)> {
    text.lines().map(move |l| (stream, l.to_owned()))
}

/// What the generators' tests share: the target, the words of a command line, the clock, and
/// draining a generator.
#[cfg(test)]
pub(crate) mod scaffold {
    use std::net::Ipv4Addr;

    use super::{Action, Generator, Stream, Target};
    use crate::kernel::SimTime;

    /// The VIP on port 80, where every test's URL resolves.
    pub(crate) const VIP: Target = (Ipv4Addr::new(10, 0, 0, 100), 80);

    /// A command line's words as the shell hands them over.
    pub(crate) fn argv(words: &[&str]) -> Vec<String> {
        words.iter().map(|s| (*s).to_owned()).collect()
    }

    /// `n` µs into the run.
    pub(crate) fn us(n: u64) -> SimTime {
        SimTime::from_micros(n)
    }

    /// Every action asked for so far.
    pub(crate) fn actions(g: &mut impl Generator) -> Vec<Action> {
        std::iter::from_fn(|| g.poll_action()).collect()
    }

    /// Every line printed so far, with its stream.
    pub(crate) fn lines(g: &mut impl Generator) -> Vec<(Stream, String)> {
        std::iter::from_fn(|| g.poll_output()).collect()
    }
}
