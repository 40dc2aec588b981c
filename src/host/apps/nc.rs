//! `nc` (OpenBSD netcat, Debian's `netcat-openbsd`) as a TCP client: connect, send standard
//! input (from `< FILE`), print what comes back, and exit when the peer closes, after `-q N`
//! seconds once the input is sent, or after `-w N` seconds of silence. It is how a lab sends a
//! hand-made (or malformed) request to a server.

use std::net::Ipv4Addr;
use std::time::Duration;

use super::net::Stream;
use super::{Program, Signal, killed_status};
use crate::host::Host;
use crate::host::shell::fail;
use crate::host::tcp::Status;
use crate::kernel::SimTime;
use crate::observe::trace::{Stream as TraceStream, TraceKind};

const USAGE: &str = "usage: nc [-46CDdFhklNnrStUuvZz] [-I length] [-i interval] [-M ttl]";

pub(super) struct NcProc {
    id: usize,
    pid: u32,
    target: (Ipv4Addr, u16),
    stream: Stream,
    connected: bool,
    quit_after_input: Option<Duration>,
    idle_timeout: Option<Duration>,
    deadline: Option<SimTime>,
    pending_line: Vec<u8>,
    finished: bool,
}

struct Options {
    wait: Option<Duration>,
    quit: Option<Duration>,
    host: String,
    port: u16,
}

fn parse(args: &[&str]) -> Result<Options, Vec<String>> {
    let mut wait = None;
    let mut quit = None;
    let mut rest = Vec::new();
    let mut it = args.iter();
    while let Some(&a) = it.next() {
        match a {
            "-w" | "-q" => {
                let Some(v) = it.next().and_then(|v| v.parse::<u64>().ok()) else {
                    return Err(vec![format!("nc: {} timeout invalid", if a == "-w" { "connect" } else { "quit" })]);
                };
                let d = Some(Duration::from_secs(v));
                if a == "-w" { wait = d } else { quit = d }
            }
            "-n" | "-v" | "-N" => {}
            flag if flag.starts_with('-') => {
                return Err(vec![format!("nc: invalid option -- '{}'", flag.trim_start_matches('-')), USAGE.to_owned()]);
            }
            word => rest.push(word),
        }
    }
    let [host, port] = rest.as_slice() else { return Err(vec![USAGE.to_owned()]) };
    let Ok(port) = port.parse() else { return Err(vec![format!("nc: port number invalid: {port}")]) };
    Ok(Options { wait, quit, host: (*host).to_owned(), port })
}

impl NcProc {
    /// Starts `nc HOST PORT` sending `stdin`; prints a usage error and returns `None` on bad arguments.
    pub(super) fn start(host: &mut Host, now: SimTime, id: usize, pid: u32, args: &[&str], stdin: Vec<u8>) -> Option<NcProc> {
        let opts = match parse(args) {
            Ok(o) => o,
            Err(lines) => {
                fail(host, now, id, lines, 1);
                return None;
            }
        };
        let Some(ip) = host.resolve(&opts.host) else {
            let line = format!("nc: getaddrinfo for host \"{}\" port {}: Name or service not known", opts.host, opts.port);
            fail(host, now, id, vec![line], 1);
            return None;
        };
        let Some(handle) = host.tcp_connect(ip, opts.port) else {
            fail(host, now, id, vec![format!("nc: connect to {ip} port {} (tcp) failed: Network is unreachable", opts.port)], 1);
            return None;
        };
        let mut stream = Stream::new(handle);
        stream.send(&stdin);
        let deadline = opts.wait.map(|w| now + w);
        Some(NcProc {
            id,
            pid,
            target: (ip, opts.port),
            stream,
            connected: false,
            quit_after_input: opts.quit,
            idle_timeout: opts.wait,
            deadline,
            pending_line: Vec::new(),
            finished: false,
        })
    }

    fn end(&mut self, host: &mut Host, now: SimTime, status: i32) {
        if self.finished {
            return;
        }
        self.finished = true;
        if !self.pending_line.is_empty() {
            let text = String::from_utf8_lossy(&self.pending_line).into_owned();
            host.emit(now, TraceKind::Output { host: host.name().to_owned(), id: self.id, stream: TraceStream::Stdout, line: text });
        }
        self.stream.release(host);
        host.emit(now, TraceKind::Exit { host: host.name().to_owned(), id: self.id, status });
    }

    /// SIGINT / SIGKILL.
    fn kill(&mut self, host: &mut Host, now: SimTime, status: i32) {
        self.end(host, now, status);
    }
}

impl Program for NcProc {
    fn name(&self) -> &'static str {
        "nc"
    }

    fn pid(&self) -> u32 {
        self.pid
    }
    fn is_finished(&self) -> bool {
        self.finished
    }
    fn poll_timeout(&self) -> Option<SimTime> {
        if self.finished { None } else { self.deadline }
    }
    fn poll(&mut self, host: &mut Host, now: SimTime) -> bool {
        if self.finished {
            return false;
        }
        let (status, moved) = self.stream.pump(host);
        let name = host.name().to_owned();
        match status {
            Status::Connecting => {}
            Status::Open | Status::PeerClosed => {
                if !self.connected {
                    self.connected = true;
                    // Input sent: -q N starts counting now (the input is a file, so it ends here).
                    if let Some(q) = self.quit_after_input {
                        self.deadline = Some(now + q);
                    }
                }
                if !self.stream.input.is_empty() {
                    if let Some(w) = self.idle_timeout {
                        self.deadline = Some(now + w);
                    }
                    let data = std::mem::take(&mut self.stream.input);
                    self.pending_line.extend_from_slice(&data);
                    while let Some(pos) = self.pending_line.iter().position(|b| *b == b'\n') {
                        let line: Vec<u8> = self.pending_line.drain(..=pos).collect();
                        let text = String::from_utf8_lossy(&line).trim_end_matches(['\n', '\r']).to_owned();
                        host.emit(now, TraceKind::Output { host: name.clone(), id: self.id, stream: TraceStream::Stdout, line: text });
                    }
                }
                if status == Status::PeerClosed {
                    self.end(host, now, 0);
                }
            }
            Status::Refused | Status::Unreachable | Status::Reset => {
                let why = match status {
                    Status::Refused => "Connection refused",
                    Status::Unreachable => "No route to host",
                    _ => "Connection reset by peer",
                };
                if self.connected {
                    self.end(host, now, 0);
                } else {
                    let (ip, port) = self.target;
                    let line = format!("nc: connect to {ip} port {port} (tcp) failed: {why}");
                    host.emit(now, TraceKind::Output { host: name.clone(), id: self.id, stream: TraceStream::Stderr, line });
                    self.end(host, now, 1);
                }
            }
        }
        if self.deadline.is_some_and(|d| now >= d) && !self.finished {
            let status = if self.connected { 0 } else { 1 };
            if !self.connected {
                let (ip, port) = self.target;
                let line = format!("nc: connect to {ip} port {port} (tcp) failed: Operation timed out");
                host.emit(now, TraceKind::Output { host: name, id: self.id, stream: TraceStream::Stderr, line });
            }
            self.end(host, now, status);
        }
        moved
    }

    fn signal(&mut self, host: &mut Host, now: SimTime, signal: Signal) {
        self.kill(host, now, killed_status(signal));
    }
}
