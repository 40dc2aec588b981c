//! `curl` on a host: the sans-IO [`Transfer`] of `proto::curl` over one TCP connection. The host
//! reports connect failures as Linux would (a RST → refused, failed neighbour resolution →
//! EHOSTUNREACH); each finished transfer is traced with its status, body, exit and duration,
//! which the HTTP expectations read.

use super::net::Stream;
use super::{Program, Signal, killed_status};
use crate::host::Host;
use crate::host::shell::fail;
use crate::host::tcp::Status;
use crate::kernel::SimTime;
use crate::observe::trace::{Stream as TraceStream, TraceKind};
use crate::proto::curl::{Args, ConnectError, Transfer};
use crate::proto::ping::Stream as CoreStream;

/// Bodies longer than this are cut in the trace (the console shows them whole).
const TRACE_BODY: usize = 4096;

pub(super) struct CurlProc {
    id: usize,
    pid: u32,
    transfer: Transfer,
    stream: Option<Stream>,
    connected: bool,
    started: SimTime,
    url: String,
    error: String,
    finished: bool,
}

impl CurlProc {
    /// Parses the arguments and starts; on a usage error prints it and returns `None`.
    pub(super) fn start(host: &mut Host, now: SimTime, id: usize, pid: u32, args: &[&str]) -> Option<CurlProc> {
        let argv: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
        let parsed = match Args::parse(&argv) {
            Ok(a) => a,
            Err(e) => {
                fail(host, now, id, e.lines, e.status);
                return None;
            }
        };
        let url = argv.iter().find(|a| a.contains("://")).cloned().unwrap_or_else(|| parsed.url.host.clone());
        let resolved = host.resolve(&parsed.url.host);
        let transfer = Transfer::new(parsed, now, resolved);
        let mut p =
            CurlProc { id, pid, transfer, stream: None, connected: false, started: now, url, error: String::new(), finished: false };
        if let Some((ip, port)) = p.transfer.remote() {
            match host.tcp_connect(ip, port) {
                Some(h) => p.stream = Some(Stream::new(h)),
                // connect() → ENETUNREACH: no route to the address.
                None => p.transfer.handle_connect_error(now, ConnectError::HostUnreachable),
            }
        }
        p.drain(host, now);
        Some(p)
    }

    /// Carries out the core's outputs; ends the process once it has an exit status.
    fn drain(&mut self, host: &mut Host, now: SimTime) -> bool {
        let mut moved = false;
        while let Some(bytes) = self.transfer.poll_transmit() {
            moved = true;
            if let Some(s) = self.stream.as_mut() {
                s.send(&bytes);
                s.pump(host);
            }
        }
        let name = host.name().to_owned();
        while let Some((stream, line)) = self.transfer.poll_output() {
            moved = true;
            let stream = match stream {
                CoreStream::Stdout => TraceStream::Stdout,
                CoreStream::Stderr => {
                    self.error = line.clone();
                    TraceStream::Stderr
                }
            };
            host.emit(now, TraceKind::Output { host: name.clone(), id: self.id, stream, line });
        }
        while let Some((path, bytes)) = self.transfer.poll_file() {
            host.fs.write(&path, bytes, now);
        }
        if let Some(exit) = self.transfer.exit_status() {
            self.end(host, now, exit);
            moved = true;
        }
        moved
    }

    fn end(&mut self, host: &mut Host, now: SimTime, exit: i32) {
        if self.finished {
            return;
        }
        self.finished = true;
        if let Some(s) = self.stream.as_mut() {
            if self.connected && exit == 0 {
                s.close_when_flushed();
                s.pump(host);
            } else {
                s.release(host);
            }
        }
        let result = self.transfer.result();
        let body = String::from_utf8_lossy(&result.body[..result.body.len().min(TRACE_BODY)]).into_owned();
        let name = host.name().to_owned();
        host.emit(
            now,
            TraceKind::HttpTransfer {
                host: name.clone(),
                id: self.id,
                url: self.url.clone(),
                started: self.started,
                status: result.status,
                exit,
                body,
                error: std::mem::take(&mut self.error),
                total_us: result.total_us,
            },
        );
        host.emit(now, TraceKind::Exit { host: name, id: self.id, status: exit });
    }

    /// SIGINT / SIGKILL: the transfer is abandoned.
    fn kill(&mut self, host: &mut Host, now: SimTime, status: i32) {
        if self.finished {
            return;
        }
        if let Some(s) = self.stream.as_mut() {
            s.release(host);
        }
        self.finished = true;
        host.emit(now, TraceKind::Exit { host: host.name().to_owned(), id: self.id, status });
    }
}

impl Program for CurlProc {
    fn name(&self) -> &'static str {
        "curl"
    }

    fn pid(&self) -> u32 {
        self.pid
    }
    fn is_finished(&self) -> bool {
        self.finished
    }
    fn poll_timeout(&self) -> Option<SimTime> {
        if self.finished { None } else { self.transfer.poll_timeout() }
    }
    fn poll(&mut self, host: &mut Host, now: SimTime) -> bool {
        if self.finished {
            return false;
        }
        let mut moved = false;
        if let Some(stream) = self.stream.as_mut() {
            let (status, io) = stream.pump(host);
            moved |= io;
            match status {
                Status::Connecting => {}
                Status::Open | Status::PeerClosed => {
                    if !self.connected {
                        self.connected = true;
                        self.transfer.handle_connected(now);
                        moved = true;
                    }
                    if !stream.input.is_empty() {
                        let data = std::mem::take(&mut stream.input);
                        self.transfer.handle_data(now, &data);
                    }
                    if status == Status::PeerClosed {
                        self.transfer.handle_eof(now);
                        moved = true;
                    }
                }
                Status::Refused => self.transfer.handle_connect_error(now, ConnectError::Refused),
                Status::Unreachable => self.transfer.handle_connect_error(now, ConnectError::HostUnreachable),
                Status::Reset if self.connected => self.transfer.handle_reset(now),
                Status::Reset => self.transfer.handle_connect_error(now, ConnectError::Refused),
            }
        }
        if self.transfer.poll_timeout().is_some_and(|t| t <= now) {
            self.transfer.handle_timeout(now);
            moved = true;
        }
        moved |= self.drain(host, now);
        moved
    }

    fn signal(&mut self, host: &mut Host, now: SimTime, signal: Signal) {
        self.kill(host, now, killed_status(signal));
    }
}
