//! Apache httpd: the sans-IO [`Httpd`] core of `proto::httpd` answering the requests that one
//! [`ServerConnection`] per client hands it (Apache's policy: `KeepAliveTimeout` 5 s, 400/414
//! refusals, lingering close), behind a listener pool on port 80. Pages come from the host's
//! filesystem; the `combined` access log goes to `/var/log/httpd/access_log` (errors to
//! `/var/log/httpd/error_log`), both also as the daemon's syslog lines. A stopped server closes
//! its listeners, so connection attempts are refused with a RST.

use std::time::Duration;

use super::carry_out;
use crate::host::kernel::{Fs, Sys, TcpStatus as Status};
use crate::host::userland::net::{ListenerPool, Stream};
use crate::host::userland::process::{Exit, Process, Signal, UnitSpec};
use crate::kernel::{Calendar, SimTime};
use crate::proto::http::{Close, Event, Policy, ServerConnection};
use crate::proto::httpd::{ConnInfo, Docroot, FileMeta, Httpd, HttpdConfig};

const ACCESS_LOG: &str = "/var/log/httpd/access_log";
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
    http: ServerConnection,
}

/// `httpd.service`.
pub(crate) const UNIT: UnitSpec = UnitSpec {
    name: "httpd",
    description: "The Apache HTTP Server",
    package_marker: "/var/www/html",
    package_files: &[],
    pids: 1,
    requires: &[],
    start: |k, _, pid| Ok(Box::new(HttpdProc::start(k, pid))),
    check: |_| Vec::new(),
};

struct HttpdProc {
    pid: u32,
    core: Httpd,
    /// What each client connection does apart from answering (Apache's timeouts and limits).
    policy: Policy,
    listeners: ListenerPool,
    conns: Vec<Conn>,
    exit: Option<Exit>,
}

impl HttpdProc {
    fn start(k: &mut Sys<'_>, pid: u32) -> HttpdProc {
        let server_name =
            k.interfaces().into_iter().find_map(|n| n.primary()).map_or_else(|| "127.0.1.1".to_owned(), |a| a.addr.to_string());
        let core = Httpd::new(HttpdConfig { server_name, pid, tid: u64::from(pid), ..HttpdConfig::default() });
        let listeners = ListenerPool::open(k, 80);
        let policy = Policy::apache(*core.limits(), Duration::from_secs(core.config().keepalive_timeout_s));
        HttpdProc { pid, core, policy, listeners, conns: Vec::new(), exit: None }
    }
}

impl Process for HttpdProc {
    fn name(&self) -> &'static str {
        "httpd"
    }

    fn poll_timeout(&self) -> Option<SimTime> {
        self.conns.iter().filter_map(|c| c.http.poll_timeout()).min()
    }

    fn poll(&mut self, k: &mut Sys<'_>, now: SimTime) -> bool {
        let accepted = self.listeners.accept(k);
        let mut moved = !accepted.is_empty();
        for h in accepted {
            self.conns.push(Conn { stream: Stream::new(h), http: ServerConnection::new(now, self.policy) });
        }
        for conn in &mut self.conns {
            let (status, io) = conn.stream.pump(k);
            moved |= io;
            if !conn.stream.closing() && matches!(status, Status::Open | Status::PeerClosed) {
                conn.http.handle_data(now, &std::mem::take(&mut conn.stream.input));
                if status == Status::PeerClosed {
                    conn.http.handle_peer_closed(now);
                }
                moved |= serve(&self.core, self.pid, k, now, conn);
                carry_out(&mut conn.http, &mut conn.stream, k);
                conn.stream.pump(k);
            }
            conn.http.handle_timeout(now);
            if let Some(Close::Graceful(_)) = carry_out(&mut conn.http, &mut conn.stream, k) {
                // The idle connection is closed (KeepAliveTimeout, or the client half-closed).
                conn.stream.pump(k);
                moved = true;
            }
            if matches!(status, Status::Reset | Status::Refused | Status::Unreachable) {
                conn.http.handle_reset(now);
                carry_out(&mut conn.http, &mut conn.stream, k);
            }
        }
        self.conns.retain(|c| !c.stream.is_finished());
        moved
    }

    /// SIGTERM or SIGKILL (`systemctl stop httpd`): listeners and connections close at once.
    /// SIGHUP (a graceful restart) is not modelled.
    fn signal(&mut self, k: &mut Sys<'_>, _now: SimTime, signal: Signal) {
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

/// Answers every request the connection hands over, in order.
fn serve(core: &Httpd, pid: u32, k: &mut Sys<'_>, now: SimTime, conn: &mut Conn) -> bool {
    let (Some((client_ip, client_port)), Some((server_ip, server_port))) =
        (k.tcp_remote(conn.stream.handle), k.tcp_local(conn.stream.handle))
    else {
        return false;
    };
    let mut moved = false;
    while let Some(event) = conn.http.poll_event() {
        let info = ConnInfo { client_ip, client_port, server_ip, server_port, requests_on_conn: conn.http.answered() };
        let calendar = k.calendar();
        let response = match event {
            Event::Request { head, .. } => {
                let docroot = FsDocroot { fs: k.fs(), calendar };
                core.handle_request(now, &calendar, &head, &info, &docroot)
            }
            Event::Refused { why, raw, .. } => core.bad_request(now, &calendar, &why, &raw, &info),
            Event::Aborted => continue,
        };
        moved = true;
        conn.http.respond(now, &response.to_bytes(), response.keep_alive);
        log(pid, k, now, ACCESS_LOG, &response.access_log);
        if let Some(line) = &response.error_log {
            log(pid, k, now, ERROR_LOG, line);
        }
    }
    moved
}

fn log(pid: u32, k: &mut Sys<'_>, now: SimTime, file: &str, line: &str) {
    k.file_log(now, "httpd", pid, file, line.to_owned());
}
