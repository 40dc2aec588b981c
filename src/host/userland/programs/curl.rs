//! `curl`: the sans-IO [`Transfer`] of `proto::curl` over one TCP connection. The kernel reports
//! connect failures as Linux would (a RST → refused, failed neighbour resolution →
//! EHOSTUNREACH); each finished transfer is traced with its status, body, exit and duration,
//! which the HTTP expectations read.

use crate::host::kernel::{Stdio, Sys};
use crate::host::userland::net::{Connection, resolve};
use crate::host::userland::os::Os;
use crate::host::userland::process::{Exit, Invocation, Process, Signal, Unfinished, fail};
use crate::kernel::SimTime;
use crate::observe::trace::TraceKind;
use crate::proto::curl::{Args, Build, Transfer};
use crate::proto::errno::Errno;

/// Bodies longer than this are cut in the trace (the console shows them whole).
const TRACE_BODY: usize = 4096;

struct CurlProc {
    stdio: Stdio,
    transfer: Transfer,
    conn: Option<Connection>,
    started: SimTime,
    exit: Option<Exit>,
}

/// Parses the arguments and starts; `Err` with its exit status when it is over at once (a usage
/// error, a name that does not resolve, no route), having printed why.
pub(crate) fn start(k: &mut Sys<'_>, run: Invocation<'_>) -> Result<Box<dyn Process>, i32> {
    let build = if run.os == Os::CentOs7 { Build::CentOs7 } else { Build::Debian };
    start_build(k, run, build)
}

/// `curl.exe` on a Windows 10 host: the same, as curl 7.55.1 (Windows).
pub(crate) fn start_windows(k: &mut Sys<'_>, run: Invocation<'_>) -> Result<Box<dyn Process>, i32> {
    start_build(k, run, Build::Windows)
}

fn start_build(k: &mut Sys<'_>, run: Invocation<'_>, build: Build) -> Result<Box<dyn Process>, i32> {
    let Invocation { now, stdio, args, .. } = run;
    let argv: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
    let mut parsed = match Args::parse(&argv) {
        Ok(a) => a,
        Err(e) => return Err(fail(k, now, &stdio, e.lines, e.status)),
    };
    parsed.build = build;
    let resolved = resolve(k.fs(), &parsed.url.host);
    let transfer = Transfer::new(parsed, now, resolved);
    let mut p = CurlProc { stdio, transfer, conn: None, started: now, exit: None };
    if let Some((ip, port)) = p.transfer.remote() {
        match Connection::open(k, ip, port) {
            Ok(conn) => p.conn = Some(conn),
            // connect() failed at once (ENETUNREACH, EADDRNOTAVAIL).
            Err(errno) => p.transfer.handle_connect_error(now, errno),
        }
    }
    p.drain(k, now);
    match p.exit {
        None => Ok(Box::new(p)),
        Some(exit) => Err(exit.status()),
    }
}

impl CurlProc {
    /// Carries out the core's outputs; ends the process once it has an exit status.
    fn drain(&mut self, k: &mut Sys<'_>, now: SimTime) -> bool {
        let mut moved = false;
        while let Some(bytes) = self.transfer.poll_transmit() {
            moved = true;
            if let Some(c) = self.conn.as_mut() {
                c.stream.send(&bytes);
                c.stream.pump(k);
            }
        }
        while let Some((stream, line)) = self.transfer.poll_output() {
            moved = true;
            if k.print(now, &self.stdio, stream.into(), line).is_err() {
                // SIGPIPE: nobody reads its output any more.
                self.signal(k, now, Signal::Pipe);
                return true;
            }
        }
        while let Some((path, bytes)) = self.transfer.poll_file() {
            k.fs_mut().write(&path, bytes, now);
        }
        if let Some(exit) = self.transfer.exit_status() {
            self.end(k, now, exit);
            moved = true;
        }
        moved
    }

    fn end(&mut self, k: &mut Sys<'_>, now: SimTime, status: i32) {
        if self.exit.is_some() {
            return;
        }
        self.exit = Some(Exit::Code(status));
        if let Some(c) = self.conn.as_mut() {
            if c.is_connected() && status == 0 {
                c.stream.close_when_flushed();
                c.stream.pump(k);
            } else {
                c.stream.release(k);
            }
        }
        let result = self.transfer.result();
        let body = String::from_utf8_lossy(&result.body[..result.body.len().min(TRACE_BODY)]).into_owned();
        let transfer = TraceKind::HttpTransfer {
            host: k.hostname().to_owned(),
            id: self.stdio.id,
            url: result.url,
            started: self.started,
            status: result.status,
            exit: status,
            body,
            error: result.error,
            total_us: result.total_us,
        };
        // A daemon's check (keepalived's `curl` script) is no client's transfer.
        if self.stdio.id != crate::host::kernel::NO_CONSOLE {
            k.record(now, transfer);
        }
        k.exit_status(now, &self.stdio, status);
    }
}

impl Process for CurlProc {
    fn name(&self) -> &'static str {
        "curl"
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
                self.transfer.handle_connected(now);
                moved = true;
            }
            if !progress.data.is_empty() {
                self.transfer.handle_data(now, &progress.data);
            }
            if progress.eof {
                self.transfer.handle_eof(now);
                moved = true;
            }
            match progress.failed {
                None => {}
                Some(Errno::ConnReset) => self.transfer.handle_reset(now),
                Some(errno) => self.transfer.handle_connect_error(now, errno),
            }
        }
        if self.transfer.poll_timeout().is_some_and(|t| t <= now) {
            self.transfer.handle_timeout(now);
            moved = true;
        }
        moved |= self.drain(k, now);
        moved
    }

    fn poll_timeout(&self) -> Option<SimTime> {
        if self.exit.is_some() { None } else { self.transfer.poll_timeout() }
    }

    /// Any signal abandons the transfer.
    fn signal(&mut self, k: &mut Sys<'_>, now: SimTime, signal: Signal) {
        if self.exit.is_some() {
            return;
        }
        if let Some(c) = self.conn.as_mut() {
            c.stream.release(k);
        }
        self.exit = Some(Exit::Signal(signal));
        k.exit_status(now, &self.stdio, signal.exit_status());
    }

    fn exit(&self) -> Option<Exit> {
        self.exit
    }

    fn unfinished(&self, now: SimTime) -> Option<Unfinished> {
        let http = Some((self.transfer.url().to_owned(), self.transfer.status()));
        self.exit.is_none().then(|| Unfinished { id: self.stdio.id, state: self.transfer.state(now), http })
    }
}
