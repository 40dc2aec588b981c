//! `nc` (OpenBSD netcat) as a TCP client: the sans-IO [`Session`] of `proto::nc` over one
//! outgoing connection. It is how a lab sends a hand-made (or malformed) request to a server.

use crate::host::kernel::{Stdio, Sys};
use crate::host::userland::net::{Connection, resolve};
use crate::host::userland::process::{Exit, Invocation, Process, Signal, Unfinished, fail};
use crate::kernel::SimTime;
use crate::proto::nc::{Args, Close, Session, Signal as NcSignal};

struct NcProc {
    stdio: Stdio,
    session: Session,
    conn: Option<Connection>,
    exit: Option<Exit>,
}

/// Starts `nc HOST PORT` with its standard input; `Err` with its exit status when it is over at
/// once (a usage error, a name that does not resolve, no route), having printed why.
pub(crate) fn start(k: &mut Sys<'_>, run: Invocation<'_>) -> Result<Box<dyn Process>, i32> {
    let Invocation { now, stdio, args, stdin, .. } = run;
    let argv: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
    let args = match Args::parse(&argv) {
        Ok(a) => a,
        Err(e) => {
            return Err(fail(k, now, &stdio, e.lines, e.status));
        }
    };
    let resolved = resolve(k.fs(), &args.host);
    let mut p = NcProc { stdio, session: Session::new(args, resolved, stdin, now), conn: None, exit: None };
    if let Some((ip, port)) = p.session.remote() {
        match Connection::open(k, ip, port) {
            Ok(conn) => p.conn = Some(conn),
            Err(errno) => p.session.handle_connect_failed(now, errno),
        }
    }
    p.drain(k, now);
    match p.exit {
        None => Ok(Box::new(p)),
        Some(exit) => Err(exit.status()),
    }
}

impl NcProc {
    /// Carries out the session's outputs; returns whether bytes moved.
    fn drain(&mut self, k: &mut Sys<'_>, now: SimTime) -> bool {
        let mut moved = false;
        while let Some(bytes) = self.session.poll_transmit() {
            if let Some(c) = self.conn.as_mut() {
                c.stream.send(&bytes);
                moved |= c.stream.pump(k).1;
            }
        }
        while let Some((stream, line)) = self.session.poll_output() {
            if k.print(now, &self.stdio, stream.into(), line).is_err() {
                // SIGPIPE: nobody reads its output any more.
                self.session.handle_signal(now, NcSignal::Pipe);
            }
        }
        if let Some(Close::Abort) = self.session.poll_close()
            && let Some(c) = self.conn.as_mut()
        {
            c.stream.release(k);
        }
        if let (Some(status), None) = (self.session.exit_status(), self.exit) {
            self.exit = Some(match status {
                141 => Exit::Signal(Signal::Pipe),
                status => Exit::Code(status),
            });
            k.exit_status(now, &self.stdio, status);
        }
        moved
    }
}

impl Process for NcProc {
    fn name(&self) -> &'static str {
        "nc"
    }

    fn poll(&mut self, k: &mut Sys<'_>, now: SimTime) -> bool {
        if self.exit.is_some() {
            return false;
        }
        let mut moved = false;
        if let Some(conn) = self.conn.as_mut() {
            let progress = conn.poll(k);
            moved |= progress.io;
            if progress.connected {
                self.session.handle_connected(now);
                // The input goes out in the instant the handshake is seen.
                moved |= self.drain(k, now);
            }
            self.session.handle_data(now, &progress.data);
            if progress.eof {
                self.session.handle_peer_closed(now);
            }
            if let Some(errno) = progress.failed {
                self.session.handle_connect_failed(now, errno);
            }
        }
        self.session.handle_timeout(now);
        moved |= self.drain(k, now);
        moved
    }

    fn poll_timeout(&self) -> Option<SimTime> {
        self.session.poll_timeout()
    }

    fn signal(&mut self, k: &mut Sys<'_>, now: SimTime, signal: Signal) {
        let signal = match signal {
            Signal::Hup => NcSignal::Hup,
            Signal::Int => NcSignal::Int,
            Signal::Kill => NcSignal::Kill,
            Signal::Term => NcSignal::Term,
            Signal::Pipe => NcSignal::Pipe,
            Signal::Usr1 => NcSignal::Usr1,
            // Ignored by default (the shell does not deliver it).
            Signal::Winch => return,
        };
        self.session.handle_signal(now, signal);
        self.drain(k, now);
    }

    fn exit(&self) -> Option<Exit> {
        self.exit
    }

    fn unfinished(&self, _now: SimTime) -> Option<Unfinished> {
        self.exit.is_none().then(|| Unfinished { id: self.stdio.id, state: self.session.state().to_owned(), http: None })
    }
}
