//! Apache httpd on a host: the sans-IO [`Httpd`] core of `proto::httpd` behind a listener pool on
//! port 80. Each connection reads requests (pipelined ones in order), answers them from the
//! host's filesystem, keeps the connection for `KeepAliveTimeout` (5 s) when the core says so,
//! and appends the `combined` access log to `/var/log/httpd/access_log` (errors to
//! `/var/log/httpd/error_log`); both are also traced as the daemon's log lines. A stopped server
//! closes its listeners, so connection attempts are refused with a RST.

use std::time::Duration;

use super::net::{ListenerPool, Stream};
use crate::host::tcp::Status;
use crate::host::{Fs, Host};
use crate::kernel::{Calendar, SimTime};
use crate::observe::trace::TraceKind;
use crate::proto::httpd::{ConnInfo, Docroot, FileMeta, Httpd, HttpdConfig};
use crate::wire::http::{HeadError, Parsed, parse_request};

const ACCESS_LOG: &str = "/var/log/httpd/access_log";
/// How long a closing connection may take to flush before it is aborted (Apache's lingering
/// close gives up after a few seconds).
const LINGER: Duration = Duration::from_secs(30);
/// Largest request body buffered (Apache 2.4's `LimitRequestBody` default since 2.4.54: 1 GiB).
const MAX_BODY: u64 = 1 << 30;
const ERROR_LOG: &str = "/var/log/httpd/error_log";

/// The host's filesystem seen as a document root.
struct FsDocroot<'a> {
    fs: &'a Fs,
    calendar: Calendar,
}

impl Docroot for FsDocroot<'_> {
    fn stat(&self, path: &str) -> Option<FileMeta> {
        if let Some(f) = self.fs.read(path) {
            let mtime_unix_us = self.calendar.unix_micros(f.mtime);
            return Some(FileMeta { size: f.contents.len() as u64, mtime_unix_us, is_dir: false, readable: true });
        }
        self.fs.is_dir(path).then(|| FileMeta {
            size: 4096,
            mtime_unix_us: self.calendar.unix_micros(SimTime::ZERO),
            is_dir: true,
            readable: true,
        })
    }

    fn read(&self, path: &str) -> Option<Vec<u8>> {
        self.fs.read(path).map(|f| f.contents.clone())
    }
}

struct Conn {
    stream: Stream,
    requests: u32,
    idle_until: SimTime,
}

pub(super) struct HttpdProc {
    pid: u32,
    started_at: SimTime,
    core: Httpd,
    listeners: ListenerPool,
    conns: Vec<Conn>,
}

impl HttpdProc {
    pub(super) fn start(host: &mut Host, now: SimTime, pid: u32) -> HttpdProc {
        let server_name =
            host.interfaces().into_iter().find_map(|(_, _, a, _)| a).map_or_else(|| "127.0.1.1".to_owned(), |a| a.addr.to_string());
        let core = Httpd::new(HttpdConfig { server_name, pid, tid: u64::from(pid), ..HttpdConfig::default() });
        let listeners = ListenerPool::open(host, 80);
        HttpdProc { pid, started_at: now, core, listeners, conns: Vec::new() }
    }

    pub(super) fn pid(&self) -> u32 {
        self.pid
    }

    pub(super) fn started_at(&self) -> SimTime {
        self.started_at
    }

    pub(super) fn poll_timeout(&self) -> Option<SimTime> {
        self.conns.iter().map(|c| if c.stream.closing() { c.idle_until + LINGER } else { c.idle_until }).min()
    }

    pub(super) fn poll(&mut self, host: &mut Host, now: SimTime) -> bool {
        let accepted = self.listeners.accept(host);
        let mut moved = !accepted.is_empty();
        let keepalive = Duration::from_secs(self.core.config().keepalive_timeout_s);
        for h in accepted {
            self.conns.push(Conn { stream: Stream::new(h), requests: 0, idle_until: now + keepalive });
        }
        for conn in &mut self.conns {
            let (status, io) = conn.stream.pump(host);
            moved |= io;
            if !conn.stream.closing() && matches!(status, Status::Open | Status::PeerClosed) {
                moved |= serve(&self.core, self.pid, host, now, conn, keepalive);
                conn.stream.pump(host);
            }
            if status == Status::PeerClosed && !conn.stream.closing() {
                conn.stream.close_when_flushed();
                conn.stream.pump(host);
            }
            if now >= conn.idle_until && !conn.stream.closing() {
                // KeepAliveTimeout: the idle connection is closed.
                conn.stream.close_when_flushed();
                conn.stream.pump(host);
                moved = true;
            }
            if matches!(status, Status::Reset | Status::Refused | Status::Unreachable)
                || (conn.stream.closing() && now >= conn.idle_until + LINGER)
            {
                // Gone, or a close that could not flush in time (the peer vanished): abort.
                conn.stream.release(host);
            }
        }
        self.conns.retain(|c| !c.stream.is_finished());
        moved
    }

    /// `systemctl stop httpd`: listeners and connections close at once.
    pub(super) fn stop(&mut self, host: &mut Host) {
        self.listeners.close(host);
        for c in &mut self.conns {
            c.stream.release(host);
        }
        self.conns.clear();
    }
}

/// Answers every complete request in the connection's input.
fn serve(core: &Httpd, pid: u32, host: &mut Host, now: SimTime, conn: &mut Conn, keepalive: Duration) -> bool {
    let mut moved = false;
    let (Some((client_ip, client_port)), Some((server_ip, server_port))) =
        (host.tcp_remote(conn.stream.handle), host.tcp_local(conn.stream.handle))
    else {
        return false;
    };
    while !conn.stream.closing() {
        let info = ConnInfo { client_ip, client_port, server_ip, server_port, requests_on_conn: conn.requests };
        let response = match parse_request(&conn.stream.input, core.limits()) {
            Parsed::Partial => break,
            Parsed::Invalid(err) => {
                let r = core.bad_request(now, &host.calendar, &err, &conn.stream.input, &info);
                conn.stream.input.clear();
                r
            }
            Parsed::Complete { head, head_len } => {
                let Some(extent) = head.extent(head_len, MAX_BODY) else {
                    // A Content-Length nothing could buffer: Apache answers 400 and closes.
                    let r = core.bad_request(now, &host.calendar, &HeadError::Malformed, &conn.stream.input, &info);
                    conn.stream.input.clear();
                    conn.stream.send(&r.to_bytes());
                    conn.stream.close_when_flushed();
                    log(pid, host, now, ACCESS_LOG, &r.access_log);
                    return true;
                };
                if conn.stream.input.len() < extent {
                    break; // the request body is still arriving
                }
                conn.stream.input.drain(..extent);
                let docroot = FsDocroot { fs: &host.fs, calendar: host.calendar };
                core.handle_request(now, &host.calendar, &head, &info, &docroot)
            }
        };
        moved = true;
        conn.requests += 1;
        conn.idle_until = now + keepalive;
        conn.stream.send(&response.to_bytes());
        if !response.keep_alive {
            conn.stream.close_when_flushed();
        }
        log(pid, host, now, ACCESS_LOG, &response.access_log);
        if let Some(line) = &response.error_log {
            log(pid, host, now, ERROR_LOG, line);
        }
    }
    moved
}

fn log(pid: u32, host: &mut Host, now: SimTime, file: &str, line: &str) {
    host.fs.append_line(file, line, now);
    let kind = TraceKind::Log { host: host.name().to_owned(), process: "httpd".to_owned(), pid, line: line.to_owned() };
    host.emit(now, kind);
}
