//! Apache httpd: the sans-IO [`Httpd`] core of `proto::httpd` answering the requests that one
//! [`ServerConnection`] per client hands it (Apache's policy: `KeepAliveTimeout` 5 s, 400/414
//! refusals, lingering close), behind a listener pool on port 80. Pages come from the host's
//! file system through the kernel's file calls, `stat()` then `open()` as Apache makes them: a
//! request whose call waits on an NFS server holds its connection until the reply comes, as the
//! worker thread would; the `combined` access log goes to `/var/log/httpd/access_log` (errors to
//! `/var/log/httpd/error_log`), both also as the daemon's syslog lines. A stopped server closes
//! its listeners, so connection attempts are refused with a RST.

use std::time::Duration;

use super::carry_out;
use crate::host::kernel::{FileCall, FileReply, Pending, Sys, TcpSnapshot, TcpStatus as Status, Ticket};
use crate::host::userland::net::{ListenerPool, Stream};
use crate::host::userland::process::{Exit, Process, Signal, UnitSpec};
use crate::kernel::SimTime;
use crate::proto::http::{Close, Event, Policy, ServerConnection};
use crate::proto::httpd::{ConnInfo, Control, FileMeta, FsCall, FsReply, Httpd, HttpdConfig, Step};
use crate::wire::http::RequestHead;

/// Apache's `ListenBacklog` default (`DEFAULT_LISTENBACKLOG`, `include/mpm_common.h`).
const LISTEN_BACKLOG: usize = 511;

const ACCESS_LOG: &str = "/var/log/httpd/access_log";
const ERROR_LOG: &str = "/var/log/httpd/error_log";

/// The `apache` user the workers run as (CentOS's `httpd` package).
const APACHE_UID: u32 = 48;

/// A request whose file system calls are under way.
struct Waiting {
    head: RequestHead,
    /// When it was received (`%t`, `Date`).
    at: SimTime,
    replies: Vec<FsReply>,
    /// The call waiting for its reply.
    ticket: Option<Ticket>,
}

struct Conn {
    stream: Stream,
    http: ServerConnection,
    waiting: Option<Waiting>,
    /// Its socket as it was when it was last served and nothing changed: until the socket
    /// differs or its timer is due, serving it again would do nothing (Apache's event MPM leaves
    /// a connection to its listener thread until `epoll` reports it or it times out).
    idle: Option<TcpSnapshot>,
}

impl Conn {
    /// Whether serving the connection now would do nothing: no file call of a request is
    /// pending, its timer is not due, and its socket is as it was when it last did nothing.
    fn still_idle(&self, k: &mut Sys<'_>, now: SimTime) -> bool {
        self.waiting.is_none()
            && self.http.poll_timeout().is_none_or(|t| t > now)
            && self.idle.is_some_and(|idle| idle == k.tcp_snapshot(self.stream.handle))
    }
}

/// `httpd.service`.
pub(crate) const UNIT: UnitSpec = UnitSpec {
    name: "httpd",
    description: "The Apache HTTP Server",
    package_marker: "/var/www/html",
    package_files: &[],
    // CentOS 7's httpd.service: `Documentation=man:httpd(8)` `man:apachectl(8)`,
    // `ExecStart=/usr/sbin/httpd $OPTIONS -DFOREGROUND` (`$OPTIONS` empty).
    docs: &["man:httpd(8)", "man:apachectl(8)"],
    command_lines: &["/usr/sbin/httpd -DFOREGROUND"],
    pids: 1,
    alias: None,
    // httpd.service / nginx.service: After=network.target remote-fs.target nss-lookup.target.
    after_remote_fs: true,
    requires: &[],
    start: |k, now, pid| Ok(Box::new(HttpdProc::start(k, now, pid))),
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
    fn start(k: &mut Sys<'_>, now: SimTime, pid: u32) -> HttpdProc {
        let server_name =
            k.interfaces().into_iter().find_map(|n| n.primary()).map_or_else(|| "127.0.1.1".to_owned(), |a| a.addr.to_string());
        let core = Httpd::new(HttpdConfig {
            server_name,
            pid,
            tid: u64::from(pid),
            // httpd.service: `ExecStart=/usr/sbin/httpd $OPTIONS -DFOREGROUND`.
            argv0: "httpd".into(),
            command_line: "/usr/sbin/httpd -D FOREGROUND".into(),
            ..HttpdConfig::default()
        });
        let listeners = ListenerPool::open(k, 80, LISTEN_BACKLOG);
        let policy = Policy::apache(*core.limits(), Duration::from_secs(core.config().keepalive_timeout_s));
        let mut proc = HttpdProc { pid, core, policy, listeners, conns: Vec::new(), exit: None };
        proc.read_config(k, now);
        proc
    }

    /// The configuration is read (its messages go to the journal) and the server serves.
    fn read_config(&mut self, k: &mut Sys<'_>, now: SimTime) {
        for line in self.core.config_messages() {
            k.syslog(now, "httpd", self.pid, line);
        }
        for line in self.core.serving_lines(now, &k.calendar()) {
            log(self.pid, k, now, ERROR_LOG, &line);
        }
    }

    /// Every client connection is dropped (the children die).
    fn drop_connections(&mut self, k: &mut Sys<'_>) {
        for c in &mut self.conns {
            c.stream.release(k);
            forget(k, c);
        }
        self.conns.clear();
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
            self.conns.push(Conn { stream: Stream::new(h), http: ServerConnection::new(now, self.policy), waiting: None, idle: None });
        }
        for conn in &mut self.conns {
            if conn.still_idle(k, now) {
                continue;
            }
            let before = k.tcp_snapshot(conn.stream.handle);
            let mut served = false;
            let (status, io) = conn.stream.pump(k);
            served |= io;
            if !conn.stream.closing() && matches!(status, Status::Open | Status::PeerClosed) {
                conn.http.handle_data(now, &std::mem::take(&mut conn.stream.input));
                if status == Status::PeerClosed {
                    conn.http.handle_peer_closed(now);
                }
                served |= serve(&self.core, self.pid, k, now, conn);
                carry_out(&mut conn.http, &mut conn.stream, k);
                conn.stream.pump(k);
            }
            conn.http.handle_timeout(now);
            if let Some(Close::Graceful(_)) = carry_out(&mut conn.http, &mut conn.stream, k) {
                // The idle connection is closed (KeepAliveTimeout, or the client half-closed).
                conn.stream.pump(k);
                served = true;
            }
            if matches!(status, Status::Reset | Status::Refused | Status::Unreachable) {
                conn.http.handle_reset(now);
                carry_out(&mut conn.http, &mut conn.stream, k);
            }
            // Idle only if this pass changed nothing: not even the socket, where it reported no move.
            let after = (!served && !conn.stream.is_finished()).then(|| k.tcp_snapshot(conn.stream.handle));
            conn.idle = after.filter(|after| *after == before);
            moved |= served;
        }
        for conn in self.conns.iter_mut().filter(|c| c.stream.is_finished()) {
            forget(k, conn);
        }
        self.conns.retain(|c| !c.stream.is_finished());
        moved
    }

    /// SIGTERM or SIGKILL (`systemctl stop httpd`): listeners and connections close at once
    /// (`AH00491` in the error log for SIGTERM).
    /// SIGHUP: a restart (the children and their connections go, the parent reads its
    /// configuration again and keeps its listeners).
    fn signal(&mut self, k: &mut Sys<'_>, now: SimTime, signal: Signal) {
        if self.exit.is_some() {
            return;
        }
        let control = match signal {
            Signal::Hup => Control::Restart,
            Signal::Kill => {
                self.listeners.close(k);
                self.drop_connections(k);
                self.exit = Some(Exit::Signal(Signal::Kill));
                return;
            }
            // `server/mpm_unix.c` `ap_mpm_set_signals`: SIGINT is handled as SIGTERM; SIGPIPE
            // is ignored.
            Signal::Term | Signal::Int => Control::Stop,
            Signal::Pipe => return,
        };
        for line in self.core.control_lines(now, &k.calendar(), control) {
            log(self.pid, k, now, ERROR_LOG, &line);
        }
        self.drop_connections(k);
        if control == Control::Restart {
            self.read_config(k, now);
        } else {
            self.listeners.close(k);
            self.exit = Some(Exit::Code(0));
        }
    }

    fn exit(&self) -> Option<Exit> {
        self.exit
    }
}

/// Answers the requests the connection hands over, in order, as far as their file system calls
/// have been answered.
fn serve(core: &Httpd, pid: u32, k: &mut Sys<'_>, now: SimTime, conn: &mut Conn) -> bool {
    let (Some((client_ip, client_port)), Some((server_ip, server_port))) =
        (k.tcp_remote(conn.stream.handle), k.tcp_local(conn.stream.handle))
    else {
        return false;
    };
    let mut moved = false;
    loop {
        let info = ConnInfo { client_ip, client_port, server_ip, server_port, requests_on_conn: conn.http.answered() };
        let calendar = k.calendar();
        let mut waiting = match conn.waiting.take() {
            Some(w) => w,
            None => match conn.http.poll_event() {
                Some(Event::Request { head, .. }) => Waiting { head, at: now, replies: Vec::new(), ticket: None },
                Some(Event::Refused { why, raw, .. }) => {
                    let response = core.bad_request(now, &calendar, &why, &raw, &info);
                    answer(pid, k, now, conn, &response);
                    moved = true;
                    continue;
                }
                Some(Event::Aborted) => continue,
                None => return moved,
            },
        };
        if let Some(ticket) = waiting.ticket {
            let Some(reply) = k.file_reply(ticket) else {
                conn.waiting = Some(waiting);
                return moved;
            };
            waiting.replies.push(fs_reply(reply));
            waiting.ticket = None;
            moved = true;
        }
        match core.handle_request(waiting.at, &calendar, &waiting.head, &info, &waiting.replies) {
            Step::Call(call) => {
                match k.file_call(pid, now, file_call(call), APACHE_UID) {
                    Pending::Ready(reply) => waiting.replies.push(fs_reply(reply)),
                    Pending::Wait(ticket) => waiting.ticket = Some(ticket),
                }
                conn.waiting = Some(waiting);
            }
            Step::Respond(response) => {
                answer(pid, k, now, conn, &response);
                moved = true;
            }
        }
    }
}

fn file_call(call: FsCall) -> FileCall {
    match call {
        FsCall::Stat(path) => FileCall::Stat(path),
        FsCall::Open(path) => FileCall::Read(path),
    }
}

fn fs_reply(reply: FileReply) -> FsReply {
    let meta = |s: crate::host::kernel::FileStat| FileMeta { size: s.size, mtime_unix_us: s.mtime_unix_us, is_dir: s.is_dir };
    match reply {
        FileReply::Stat(r) => FsReply::Stat(r.map(meta)),
        FileReply::Read(r) => FsReply::Open(r.map(|(_, data)| data)),
        FileReply::StatFs(_) => FsReply::Stat(Err(crate::proto::errno::Errno::Io)),
    }
}

/// Sends a response and writes its log lines.
fn answer(pid: u32, k: &mut Sys<'_>, now: SimTime, conn: &mut Conn, response: &crate::proto::httpd::Response) {
    conn.http.respond(now, &response.to_bytes(), response.keep_alive);
    log(pid, k, now, ACCESS_LOG, &response.access_log);
    if let Some(line) = &response.error_log {
        log(pid, k, now, ERROR_LOG, line);
    }
}

/// The connection is gone: a reply still to come is not wanted any more.
fn forget(k: &mut Sys<'_>, conn: &mut Conn) {
    if let Some(ticket) = conn.waiting.take().and_then(|w| w.ticket) {
        k.file_forget(ticket);
    }
}

fn log(pid: u32, k: &mut Sys<'_>, now: SimTime, file: &str, line: &str) {
    k.file_log(now, "httpd", pid, file, line.to_owned());
}
