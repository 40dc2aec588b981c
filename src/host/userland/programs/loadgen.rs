//! `ab`, `wrk` and the scenario's user population: the load generators of `proto::loadgen` over
//! as many TCP connections as they ask for, one per slot. The glue opens, feeds and closes the
//! connections the core names, prints its lines and hands each request's sample to the capacity
//! report (a `Sampled` event, which the trace does not keep); the times the core measures are
//! the simulated clock's.

use crate::host::kernel::{Fd, NO_CONSOLE, Stdio, Sys, UserLoad};
use crate::host::userland::net::{Connection, resolve};
use crate::host::userland::process::{Exit, Invocation, Process, Signal, Unfinished};
use crate::host::userland::ready::{Filed, Ready};
use crate::kernel::SimTime;
use crate::observe::trace::TraceKind;
use crate::proto::errno::Errno;
use crate::proto::loadgen::ab::Ab;
use crate::proto::loadgen::users::{Params, Users};
use crate::proto::loadgen::wrk::Wrk;
use crate::proto::loadgen::{Action, Finished, Generator};

use super::streams::Streams;

struct LoadProc<G: Generator> {
    name: &'static str,
    core: G,
    conns: Vec<Option<Connection>>,
    /// Each open connection (by slot) filed under its socket, so that a pass serves only those
    /// whose socket changed.
    ready: Ready,
    /// How many of `conns` are open: descriptors, with the tool's own, against its limit.
    open: usize,
    /// The process's open-file limit (its soft `RLIMIT_NOFILE`); `None` for the user
    /// population, which stands for many browsers rather than one process.
    fd_limit: Option<u64>,
    out: Streams,
}

/// `ab`.
pub(crate) fn start_ab(k: &mut Sys<'_>, run: Invocation<'_>) -> Result<Box<dyn Process>, i32> {
    let argv: Vec<String> = run.args.iter().map(|s| (*s).to_owned()).collect();
    let started = Ab::start(&argv, run.now, |host, port| resolve(k.fs(), host).map(|ip| (ip, port)));
    launch(k, &run, "ab", started)
}

/// `wrk`.
pub(crate) fn start_wrk(k: &mut Sys<'_>, run: Invocation<'_>) -> Result<Box<dyn Process>, i32> {
    let argv: Vec<String> = run.args.iter().map(|s| (*s).to_owned()).collect();
    let started = Wrk::start(&argv, run.now, |host, port| resolve(k.fs(), host).map(|ip| (ip, port)));
    launch(k, &run, "wrk", started)
}

/// The scenario's user population on this host (`Users(…)` in the timeline), from `now`: a
/// process no console sees, which ends once its last session has.
pub(crate) fn start_users(k: &mut Sys<'_>, now: SimTime, load: &UserLoad) -> Box<dyn Process> {
    let params = Params {
        mean_gap: load.mean_gap,
        until: load.until,
        pages: load.pages,
        assets: load.assets,
        think: load.think,
        connections: load.connections,
        keepalive: load.keepalive,
        warm: load.warm,
        host: load.host_header.clone(),
        page: load.page.clone(),
        asset: load.asset.clone(),
    };
    let core = Users::new(params, k.fork_rng(&load.stream), now);
    let stdio = Stdio { id: NO_CONSOLE, out: Fd::Null, err: Fd::Null, reports_exit: false };
    let mut p = LoadProc::new("users", core, None, Streams::new(stdio));
    p.drain(k, now, load.target);
    Box::new(Target { p, target: load.target })
}

fn launch<G: Generator + 'static>(
    k: &mut Sys<'_>,
    run: &Invocation<'_>,
    name: &'static str,
    started: Result<(G, (std::net::Ipv4Addr, u16)), Finished>,
) -> Result<Box<dyn Process>, i32> {
    let (now, stdio) = (run.now, run.stdio);
    let (core, target) = match started {
        Ok(s) => s,
        Err(f) => {
            let mut out = Streams::new(stdio);
            for (stream, line) in f.lines {
                out.say(k, now, stream.into(), line);
            }
            out.end(k, now, Exit::Code(f.status));
            return Err(f.status);
        }
    };
    let mut p = LoadProc::new(name, core, Some(run.nofile.soft), Streams::new(stdio));
    p.drain(k, now, target);
    match p.out.exit {
        None => Ok(Box::new(Target { p, target })),
        Some(exit) => Err(exit.status()),
    }
}

/// How a connection is filed in [`LoadProc::ready`]: under its socket, with no timer of its own
/// (the generator's timers are the process's).
fn filed(conn: &Connection) -> Filed {
    Filed { sockets: [Some(conn.stream.handle), None], ..Filed::default() }
}

/// The process: the generator and where its connections go.
struct Target<G: Generator> {
    p: LoadProc<G>,
    target: (std::net::Ipv4Addr, u16),
}

impl<G: Generator> LoadProc<G> {
    fn new(name: &'static str, core: G, fd_limit: Option<u64>, out: Streams) -> Self {
        LoadProc { name, core, conns: Vec::new(), ready: Ready::default(), open: 0, fd_limit, out }
    }

    /// Puts `conn` in `slot`, which is empty.
    fn put(&mut self, slot: usize, conn: Connection) {
        self.ready.file(slot as u64, Filed::default(), filed(&conn));
        self.conns[slot] = Some(conn);
        self.open += 1;
    }

    /// Closes the connection in `slot`, if there is one.
    fn release(&mut self, k: &mut Sys<'_>, slot: usize) {
        if let Some(mut c) = self.conns.get_mut(slot).and_then(Option::take) {
            self.ready.unfile(slot as u64, filed(&c));
            c.stream.release(k);
            self.open = self.open.saturating_sub(1);
        }
    }

    /// Carries out the core's actions and prints its lines until it has nothing more to say;
    /// ends the process once it has an exit status.
    fn drain(&mut self, k: &mut Sys<'_>, now: SimTime, target: (std::net::Ipv4Addr, u16)) -> bool {
        let mut moved = false;
        loop {
            let mut any = false;
            while let Some(action) = self.core.poll_action() {
                any = true;
                match action {
                    Action::Connect(slot) => {
                        if self.conns.len() <= slot {
                            self.conns.resize_with(slot + 1, || None);
                        }
                        self.release(k, slot);
                        let fds = self.core.own_fds().saturating_add(self.open) as u64;
                        if self.fd_limit.is_some_and(|limit| fds >= limit) {
                            self.core.handle_socket_failed(now, slot, Errno::MFile);
                            continue;
                        }
                        match Connection::open(k, target.0, target.1) {
                            Ok(c) => self.put(slot, c),
                            Err(errno) => self.core.handle_connect_failed(now, slot, errno),
                        }
                    }
                    Action::Send(slot, bytes) => {
                        if let Some(c) = self.conns.get_mut(slot).and_then(Option::as_mut) {
                            c.stream.send(&bytes);
                            c.stream.pump(k);
                        }
                    }
                    Action::Close(slot) => self.release(k, slot),
                }
            }
            while let Some((stream, line)) = self.core.poll_output() {
                any = true;
                self.out.say(k, now, stream.into(), line);
            }
            while let Some(sample) = self.core.poll_sample() {
                let host = k.hostname().to_owned();
                let error = sample.error.map(|e| format!("{}: {e}", self.name));
                k.record(
                    now,
                    TraceKind::Sampled { host, process: self.name.to_owned(), status: sample.status, latency_us: sample.latency_us, error },
                );
            }
            if self.out.exit.is_some() {
                self.release_all(k);
                return true;
            }
            if let Some(status) = self.core.exit_status() {
                self.release_all(k);
                self.out.end(k, now, Exit::Code(status));
                return true;
            }
            moved |= any;
            if !any {
                return moved;
            }
        }
    }

    fn release_all(&mut self, k: &mut Sys<'_>) {
        for slot in 0..self.conns.len() {
            self.release(k, slot);
        }
    }
}

impl<G: Generator> Process for Target<G> {
    fn name(&self) -> &'static str {
        self.p.name
    }

    fn poll(&mut self, k: &mut Sys<'_>, now: SimTime) -> bool {
        let p = &mut self.p;
        if p.out.exit.is_some() {
            return false;
        }
        let mut moved = false;
        // As `epoll` reports only the descriptors with an event, a pass serves, in slot order,
        // the connections whose socket the kernel reports changed (a browser population holds
        // hundreds of idle kept-alive connections). Any other would make no progress, even with
        // output queued: `Stream::pump` already handed TCP all that fits, and only a segment
        // (which changes the socket) makes room or completes the handshake.
        for slot in p.ready.due(k, now) {
            let slot = slot as usize;
            // The pass may have closed the connection, or put another one in its slot.
            let Some(conn) = p.conns[slot].as_mut().filter(|c| k.tcp_is_changed(c.stream.handle)) else { continue };
            let progress = conn.poll(k);
            moved |= progress.io;
            if progress.connected {
                p.core.handle_connected(now, slot);
                moved = true;
            }
            if !progress.data.is_empty() {
                p.core.handle_data(now, slot, &progress.data);
                // What the data calls for is done before the end of stream is read, as ab's
                // `read_connection()` opens the other connections as soon as the first head
                // is in (a `socket()` failing then finds no request completed yet).
                moved |= p.drain(k, now, self.target);
                if p.out.exit.is_some() {
                    return true;
                }
            }
            if progress.eof {
                p.core.handle_eof(now, slot);
                moved = true;
            }
            if let Some(errno) = progress.failed {
                p.core.handle_error(now, slot, errno);
            }
            moved |= p.drain(k, now, self.target);
            if p.out.exit.is_some() {
                return true;
            }
        }
        if p.core.poll_timeout().is_some_and(|t| t <= now) {
            p.core.handle_timeout(now);
            moved = true;
        }
        moved |= p.drain(k, now, self.target);
        moved
    }

    fn poll_timeout(&self) -> Option<SimTime> {
        if self.p.out.exit.is_some() { None } else { self.p.core.poll_timeout() }
    }

    /// Ctrl-C and every other signal end it (ab's SIGINT report is not modelled).
    fn signal(&mut self, k: &mut Sys<'_>, now: SimTime, signal: Signal) {
        if self.p.out.exit.is_none() {
            self.p.release_all(k);
            self.p.out.end(k, now, Exit::Signal(signal));
        }
    }

    fn exit(&self) -> Option<Exit> {
        self.p.out.exit
    }

    fn unfinished(&self, _now: SimTime) -> Option<Unfinished> {
        self.p.out.unfinished(|| self.p.core.state())
    }
}
