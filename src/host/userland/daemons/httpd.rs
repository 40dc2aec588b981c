//! Apache httpd on a host: the sans-IO [`Httpd`] core of `proto::httpd` behind a listener pool on
//! port 80. Each connection reads requests (pipelined ones in order), answers them from the
//! host's filesystem, keeps the connection for `KeepAliveTimeout` (5 s) when the core says so,
//! and appends the `combined` access log to `/var/log/httpd/access_log` (errors to
//! `/var/log/httpd/error_log`); both are also traced as the daemon's log lines. A stopped server
//! closes its listeners, so connection attempts are refused with a RST.

use std::time::Duration;

use crate::host::kernel::{Fs, Kernel, TcpStatus as Status};
use crate::host::userland::net::{ListenerPool, Stream};
use crate::host::userland::process::{Exit, Process, Signal, UnitSpec};
use crate::kernel::{Calendar, SimTime};
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

/// `httpd.service`.
pub(crate) const UNIT: UnitSpec = UnitSpec {
    name: "httpd",
    description: "The Apache HTTP Server",
    package_marker: "/var/www/html",
    package_files: &[],
    pids: 1,
    start: |k, _, pid| Ok(Box::new(HttpdProc::start(k, pid))),
};

struct HttpdProc {
    pid: u32,
    core: Httpd,
    listeners: ListenerPool,
    conns: Vec<Conn>,
    exit: Option<Exit>,
}

impl HttpdProc {
    fn start(k: &mut Kernel, pid: u32) -> HttpdProc {
        let server_name =
            k.interfaces().into_iter().find_map(|n| n.primary()).map_or_else(|| "127.0.1.1".to_owned(), |a| a.addr.to_string());
        let core = Httpd::new(HttpdConfig { server_name, pid, tid: u64::from(pid), ..HttpdConfig::default() });
        let listeners = ListenerPool::open(k, 80);
        HttpdProc { pid, core, listeners, conns: Vec::new(), exit: None }
    }
}

impl Process for HttpdProc {
    fn name(&self) -> &'static str {
        "httpd"
    }

    fn poll_timeout(&self) -> Option<SimTime> {
        self.conns.iter().map(|c| if c.stream.closing() { c.idle_until + LINGER } else { c.idle_until }).min()
    }

    fn poll(&mut self, k: &mut Kernel, now: SimTime) -> bool {
        let accepted = self.listeners.accept(k);
        let mut moved = !accepted.is_empty();
        let keepalive = Duration::from_secs(self.core.config().keepalive_timeout_s);
        for h in accepted {
            self.conns.push(Conn { stream: Stream::new(h), requests: 0, idle_until: now + keepalive });
        }
        for conn in &mut self.conns {
            let (status, io) = conn.stream.pump(k);
            moved |= io;
            if !conn.stream.closing() && matches!(status, Status::Open | Status::PeerClosed) {
                moved |= serve(&self.core, self.pid, k, now, conn, keepalive);
                conn.stream.pump(k);
            }
            if status == Status::PeerClosed && !conn.stream.closing() {
                conn.stream.close_when_flushed();
                conn.stream.pump(k);
            }
            if now >= conn.idle_until && !conn.stream.closing() {
                // KeepAliveTimeout: the idle connection is closed.
                conn.stream.close_when_flushed();
                conn.stream.pump(k);
                moved = true;
            }
            if matches!(status, Status::Reset | Status::Refused | Status::Unreachable)
                || (conn.stream.closing() && now >= conn.idle_until + LINGER)
            {
                // Gone, or a close that could not flush in time (the peer vanished): abort.
                conn.stream.release(k);
            }
        }
        self.conns.retain(|c| !c.stream.is_finished());
        moved
    }

    /// SIGTERM or SIGKILL (`systemctl stop httpd`): listeners and connections close at once.
    /// SIGHUP (a graceful restart) is not modelled.
    fn signal(&mut self, k: &mut Kernel, _now: SimTime, signal: Signal) {
        if signal == Signal::Hup || self.exit.is_some() {
            return;
        }
        self.listeners.close(k);
        for c in &mut self.conns {
            c.stream.release(k);
        }
        self.conns.clear();
        self.exit = Some(if signal == Signal::Kill { Exit::Signal(Signal::Kill) } else { Exit::Code(0) });
    }

    fn exit(&self) -> Option<Exit> {
        self.exit
    }
}

/// Answers every complete request in the connection's input.
fn serve(core: &Httpd, pid: u32, k: &mut Kernel, now: SimTime, conn: &mut Conn, keepalive: Duration) -> bool {
    let mut moved = false;
    let (Some((client_ip, client_port)), Some((server_ip, server_port))) =
        (k.tcp_remote(conn.stream.handle), k.tcp_local(conn.stream.handle))
    else {
        return false;
    };
    while !conn.stream.closing() {
        let info = ConnInfo { client_ip, client_port, server_ip, server_port, requests_on_conn: conn.requests };
        let response = match parse_request(&conn.stream.input, core.limits()) {
            Parsed::Partial => break,
            Parsed::Invalid(err) => {
                let r = core.bad_request(now, &k.calendar(), &err, &conn.stream.input, &info);
                conn.stream.input.clear();
                r
            }
            Parsed::Complete { head, head_len } => {
                let Some(extent) = head.extent(head_len, MAX_BODY) else {
                    // A Content-Length nothing could buffer: Apache answers 400 and closes.
                    let r = core.bad_request(now, &k.calendar(), &HeadError::Malformed, &conn.stream.input, &info);
                    conn.stream.input.clear();
                    conn.stream.send(&r.to_bytes());
                    conn.stream.close_when_flushed();
                    log(pid, k, now, ACCESS_LOG, &r.access_log);
                    return true;
                };
                if conn.stream.input.len() < extent {
                    break; // the request body is still arriving
                }
                conn.stream.input.drain(..extent);
                let docroot = FsDocroot { fs: k.fs(), calendar: k.calendar() };
                core.handle_request(now, &k.calendar(), &head, &info, &docroot)
            }
        };
        moved = true;
        conn.requests += 1;
        conn.idle_until = now + keepalive;
        conn.stream.send(&response.to_bytes());
        if !response.keep_alive {
            conn.stream.close_when_flushed();
        }
        log(pid, k, now, ACCESS_LOG, &response.access_log);
        if let Some(line) = &response.error_log {
            log(pid, k, now, ERROR_LOG, line);
        }
    }
    moved
}

fn log(pid: u32, k: &mut Kernel, now: SimTime, file: &str, line: &str) {
    k.fs_mut().append_line(file, line, now);
    k.syslog(now, "httpd", pid, line.to_owned());
}
