//! wrk 4.1.0 (Debian's `wrk`) as a sans-IO core: `main()`, `thread_main()`, `connect_socket()`,
//! `socket_writeable()`, `socket_readable()`, `response_complete()`, `record_rate()` and the
//! report of `src/wrk.c`, with the statistics of `src/stats.c` ([`stats`]).
//!
//! The mechanism, as in wrk: `wrk.resolve` (`src/wrk.lua`) first tries a connection to the
//! target and closes it (`unable to connect to HOST:SERVICE Connection refused` when it fails);
//! then each of `-t` threads keeps `-c / -t` connections busy for `-d` seconds, always with
//! keep-alive: a request (`GET PATH HTTP/1.1`, `Host` only) goes out when the connection is
//! writable and again as soon as the previous response is complete; a response that does not
//! keep the connection alive reconnects. A response's latency is from its request's first write
//! to its last byte; one slower than `--timeout` (2 s) is not recorded and counts as a timeout.
//! Every 100 ms (`RECORD_INTERVAL_MS`) each thread records its request rate since the last
//! record; the threads stop at their first record after `-d` has passed, and the report's
//! runtime ends there. A read that fails or an end of stream in the middle of a response is a
//! read error and a reconnect (a refused connect shows up this way: wrk's `sock_connect` never
//! fails, the socket's error comes back at the first read). Before the report, latencies are
//! corrected for coordinated omission (`stats_correct`).

mod args;
mod stats;

use std::collections::VecDeque;
use std::time::Duration;

use super::body::Body;
use super::{Action, Console, Finished, Generator, Out, Sample, Target};
use crate::kernel::SimTime;
use crate::proto::errno::Errno;
use crate::wire::http::{Parsed, parse_response};
pub(crate) use args::Args;
use stats::{Stats, format_binary, format_metric, format_time_s, format_time_us, print_units};

/// `RECORD_INTERVAL_MS`.
const RECORD_INTERVAL: Duration = Duration::from_millis(100);
/// `MAX_THREAD_RATE_S`: the largest request rate recorded.
const MAX_THREAD_RATE_S: u64 = 10_000_000;

/// `errors`.
#[derive(Clone, Copy, Debug, Default)]
struct Errors {
    connect: u64,
    read: u64,
    write: u64,
    timeout: u64,
    status: u64,
}

/// One thread's counters (`thread`).
#[derive(Clone, Debug)]
struct Thread {
    /// Since the last rate record.
    requests: u64,
    /// When the last rate record was taken.
    start: SimTime,
    next_record: SimTime,
    stopped: bool,
}

/// One connection (`connection`).
#[derive(Clone, Debug, Default)]
struct Conn {
    thread: usize,
    connected: bool,
    /// When the outstanding request was written.
    start: SimTime,
    rx: Vec<u8>,
    body: Body,
    status: u16,
    keep_alive: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// `wrk.resolve`'s test connection (slot 0).
    Probe,
    Running,
}

/// One `wrk` run.
pub(crate) struct Wrk {
    args: Args,
    request: Vec<u8>,
    phase: Phase,
    start: SimTime,
    threads: Vec<Thread>,
    conns: Vec<Conn>,
    latency: Stats,
    rates: Stats,
    complete: u64,
    bytes: u64,
    errors: Errors,
    out: Out,
}

impl Wrk {
    /// Parse the arguments and start at `now`; `target` resolves the URL's host and port.
    pub(crate) fn start(
        argv: &[String],
        now: SimTime,
        target: impl FnOnce(&str, u16) -> Option<Target>,
    ) -> Result<(Wrk, Target), Finished> {
        let args = Args::parse(argv)?;
        let mut console = Console::default();
        for (_, line) in &args.printed {
            console.out(&format!("{line}\n"));
        }
        let Some(addr) = target(&args.host, args.port.unwrap_or(80)) else {
            console.err(&format!("unable to resolve {}:{} Name or service not known", args.host, args.service()));
            return Err(Finished { lines: console.take_all(), status: 1 });
        };
        let mut wrk = Wrk {
            request: args.request(),
            latency: Stats::new(args.timeout_ms * 1000),
            rates: Stats::new(MAX_THREAD_RATE_S),
            args,
            phase: Phase::Probe,
            start: now,
            threads: Vec::new(),
            conns: vec![Conn::default()],
            complete: 0,
            bytes: 0,
            errors: Errors::default(),
            out: Out::new(console, VecDeque::from([Action::Connect(0)])),
        };
        wrk.start = now;
        Ok((wrk, addr))
    }

    /// The test connection succeeded: print the header and start the threads.
    fn run(&mut self, now: SimTime) {
        self.out.actions.push_back(Action::Close(0));
        self.phase = Phase::Running;
        self.out.console.out(&format!("Running {} test @ {}\n", format_time_s(self.args.duration_s as f64), self.args.url));
        self.out.console.out(&format!("  {} threads and {} connections\n", self.args.threads, self.args.connections));
        self.start = now;
        let per_thread = (self.args.connections / self.args.threads) as usize;
        let threads = self.args.threads as usize;
        self.threads = vec![Thread { requests: 0, start: now, next_record: now + RECORD_INTERVAL, stopped: false }; threads];
        self.conns = (0..threads * per_thread).map(|i| Conn { thread: i / per_thread, ..Conn::default() }).collect();
        for slot in 0..self.conns.len() {
            self.out.actions.push_back(Action::Connect(slot));
        }
    }

    fn live(&self, slot: usize) -> bool {
        self.out.exit.is_none() && self.phase == Phase::Running && slot < self.conns.len() && !self.threads[self.conns[slot].thread].stopped
    }

    /// `socket_writeable`: the request goes out whole.
    fn write(&mut self, now: SimTime, slot: usize) {
        let c = &mut self.conns[slot];
        c.start = now;
        c.rx.clear();
        c.body = Body::Head;
        self.out.actions.push_back(Action::Send(slot, self.request.clone()));
    }

    /// `reconnect_socket`.
    fn reconnect(&mut self, slot: usize) {
        let c = &mut self.conns[slot];
        *c = Conn { thread: c.thread, ..Conn::default() };
        self.out.actions.push_back(Action::Close(slot));
        self.out.actions.push_back(Action::Connect(slot));
    }

    /// `response_complete`.
    fn complete(&mut self, now: SimTime, slot: usize) {
        let c = &self.conns[slot];
        let thread = c.thread;
        self.complete += 1;
        self.threads[thread].requests += 1;
        if c.status > 399 {
            self.errors.status += 1;
        }
        let latency = now.as_micros() - c.start.as_micros();
        self.out.samples.push_back(Sample::answered(c.start, now, c.status));
        if !self.latency.record(latency) {
            self.errors.timeout += 1;
        }
        if self.conns[slot].keep_alive {
            self.write(now, slot);
        } else {
            self.reconnect(slot);
        }
    }

    /// Reads what arrived: heads, bodies, as many responses as there are.
    fn parse(&mut self, now: SimTime, slot: usize) {
        loop {
            let c = &mut self.conns[slot];
            match c.body {
                Body::Head => match parse_response(&c.rx) {
                    Parsed::Partial => return,
                    Parsed::Invalid(_) => {
                        self.errors.read += 1;
                        self.out.samples.push_back(Sample::failed(c.start, now, "invalid response"));
                        self.reconnect(slot);
                        return;
                    }
                    Parsed::Complete { head, head_len } => {
                        c.rx.drain(..head_len);
                        c.status = head.status;
                        c.keep_alive = head.keeps_alive();
                        c.body = Body::after(&head);
                        // A body that runs to the close ends the connection with it.
                        c.keep_alive &= c.body != Body::ToEof;
                    }
                },
                _ => {
                    if !c.body.consume(&mut c.rx) {
                        return;
                    }
                    self.complete(now, slot);
                    if !self.conns[slot].connected || self.conns[slot].rx.is_empty() {
                        return;
                    }
                }
            }
        }
    }

    /// `record_rate` for every thread whose turn it is; the run ends at the first record after
    /// the duration.
    fn tick(&mut self, now: SimTime) {
        let stop_at = self.start + Duration::from_secs(self.args.duration_s);
        for t in self.threads.iter_mut().filter(|t| !t.stopped && t.next_record <= now) {
            if t.requests > 0 {
                let elapsed_ms = (now.as_micros() - t.start.as_micros()) / 1000;
                let rate = (t.requests as f64 / elapsed_ms.max(1) as f64 * 1000.0) as u64;
                self.rates.record(rate);
                t.requests = 0;
                t.start = now;
            }
            t.next_record = now + RECORD_INTERVAL;
            if now >= stop_at {
                t.stopped = true;
            }
        }
        if self.threads.iter().all(|t| t.stopped) {
            self.report(now);
        }
    }

    /// The end of `main()`.
    fn report(&mut self, now: SimTime) {
        let runtime_us = now.as_micros() - self.start.as_micros();
        let runtime_s = runtime_us as f64 / 1e6;
        let per_connection = self.complete / self.args.connections;
        if let Some(interval) = runtime_us.checked_div(per_connection) {
            self.latency.correct(interval as i64);
        }
        let mut out = vec![format!("  Thread Stats{:>6}{:>11}{:>8}{:>12}", "Avg", "Stdev", "Max", "+/- Stdev")];
        out.push(self.latency.row("Latency", format_time_us));
        out.push(self.rates.row("Req/Sec", format_metric));
        if self.args.latency {
            out.push("  Latency Distribution".to_owned());
            for p in [50.0, 75.0, 90.0, 99.0] {
                out.push(format!("{p:7.0}%{}", print_units(self.latency.percentile(p) as f64, format_time_us, 10)));
            }
        }
        out.push(format!(
            "  {} requests in {}, {}B read",
            self.complete,
            format_time_us(runtime_us as f64),
            format_binary(self.bytes as f64)
        ));
        let e = self.errors;
        if e.connect > 0 || e.read > 0 || e.write > 0 || e.timeout > 0 {
            out.push(format!("  Socket errors: connect {}, read {}, write {}, timeout {}", e.connect, e.read, e.write, e.timeout));
        }
        if e.status > 0 {
            out.push(format!("  Non-2xx or 3xx responses: {}", e.status));
        }
        out.push(format!("Requests/sec: {:9.2}", self.complete as f64 / runtime_s));
        out.push(format!("Transfer/sec: {:>10}B", format_binary(self.bytes as f64 / runtime_s)));
        for line in out {
            self.out.console.out(&format!("{line}\n"));
        }
        self.out.exit = Some(0);
    }
}

impl Generator for Wrk {
    fn handle_connected(&mut self, now: SimTime, slot: usize) {
        if self.out.exit.is_some() {
            return;
        }
        if self.phase == Phase::Probe {
            self.run(now);
            return;
        }
        if self.live(slot) {
            self.conns[slot].connected = true;
            self.write(now, slot);
        }
    }

    fn handle_data(&mut self, now: SimTime, slot: usize, data: &[u8]) {
        if !self.live(slot) {
            return;
        }
        self.bytes += data.len() as u64;
        self.conns[slot].rx.extend_from_slice(data);
        self.parse(now, slot);
    }

    fn handle_eof(&mut self, now: SimTime, slot: usize) {
        if !self.live(slot) {
            return;
        }
        // `n == 0 && !http_body_is_final`: a read error, unless the body ran to the close.
        if matches!(self.conns[slot].body, Body::ToEof) {
            self.conns[slot].keep_alive = false;
            self.complete(now, slot);
        } else {
            self.errors.read += 1;
            if self.conns[slot].connected {
                self.out.samples.push_back(Sample::failed(self.conns[slot].start, now, "connection closed before the response"));
            }
            self.reconnect(slot);
        }
    }

    fn handle_error(&mut self, now: SimTime, slot: usize, errno: Errno) {
        if self.out.exit.is_some() {
            return;
        }
        if self.phase == Phase::Probe {
            self.out.console.err(&format!("unable to connect to {}:{} {}", self.args.host, self.args.service(), errno.text()));
            self.out.console.flush();
            self.out.exit = Some(1);
            return;
        }
        if self.live(slot) {
            self.errors.read += 1;
            let start = if self.conns[slot].connected { self.conns[slot].start } else { now };
            self.out.samples.push_back(Sample::failed(start, now, errno.text()));
            self.reconnect(slot);
        }
    }

    /// `connect_socket()` when `connect()` fails at once: a connect error, and the connection
    /// is given up (wrk never tries it again). At the test connection, wrk's usual message.
    fn handle_connect_failed(&mut self, now: SimTime, slot: usize, errno: Errno) {
        if self.phase == Phase::Probe {
            self.handle_error(now, slot, errno);
        } else if self.live(slot) {
            self.errors.connect += 1;
            self.out.samples.push_back(Sample::failed(now, now, errno.text()));
        }
    }

    /// Standard input, output and error, two more, and each thread's event loop: measured with
    /// `ulimit -n 1024` (Debian 12's wrk 4.1.0), `-c 1100` gets 82, 83 and 85 connect errors
    /// with `-t1`, `-t2` and `-t4`.
    fn own_fds(&self) -> usize {
        usize::try_from(self.args.threads).unwrap_or(usize::MAX).saturating_add(5)
    }

    fn handle_timeout(&mut self, now: SimTime) {
        if self.out.exit.is_none() && self.phase == Phase::Running {
            self.tick(now);
        }
    }

    fn poll_timeout(&self) -> Option<SimTime> {
        if self.out.exit.is_some() || self.phase != Phase::Running {
            return None;
        }
        self.threads.iter().filter(|t| !t.stopped).map(|t| t.next_record).min()
    }

    fn out(&self) -> &Out {
        &self.out
    }

    fn out_mut(&mut self) -> &mut Out {
        &mut self.out
    }

    fn state(&self) -> String {
        format!("benchmarking: {} requests so far", self.complete)
    }
}

#[cfg(test)]
mod tests;
