//! Apache httpd: the sans-IO [`Httpd`] core of `proto::httpd` answering the requests that one
//! [`ServerConnection`] per client hands it (Apache's policy: `KeepAliveTimeout` 5 s, 400/414
//! refusals, lingering close), behind a listener pool on port 80. Pages come from the host's
//! file system through the kernel's file calls, `stat()` then `open()` as Apache makes them: a
//! request whose call waits on an NFS server holds its connection until the reply comes, as the
//! worker thread would; the `combined` access log goes to `/var/log/httpd/access_log` (errors to
//! `/var/log/httpd/error_log`), both also as the daemon's syslog lines. A stopped server closes
//! its listeners, so connection attempts are refused with a RST.
//!
//! With the host's cost model on (`Host(costs: …)`), a request takes a worker thread from its
//! arrival to its response and CPU time (`httpd_request`) on the host's CPUs before it is
//! answered; with all `MaxRequestWorkers` busy, the listener accepts no more (new connections
//! wait in the accept queue, then SYNs are dropped) and requests on open connections wait,
//! and the parent's maintenance logs `AH00484` once.

use std::time::Duration;

use super::carry_out;
use crate::host::kernel::{Costs, CpuTicket, FileCall, FileReply, Pending, Sys, TcpSnapshot, TcpStatus as Status, Ticket, Workers};
use crate::host::userland::net::{ListenerPool, Stream};
use crate::host::userland::process::{Exit, Process, Reload, Signal, UnitSpec};
use crate::kernel::SimTime;
use crate::observe::trace::TraceKind;
use crate::proto::http::{Close, Event, Policy, ServerConnection};
use crate::proto::httpd::{ConnInfo, Control, FileMeta, FsCall, FsReply, Httpd, HttpdConfig, Mpm, Step, systemd_status};
use crate::wire::http::RequestHead;

/// Apache's `ListenBacklog` default (`DEFAULT_LISTENBACKLOG`, `include/mpm_common.h`).
const LISTEN_BACKLOG: usize = 511;

/// The parent's pid file: CentOS 7's build's default `PidFile` `run/httpd.pid` under
/// `ServerRoot /etc/httpd`, whose `run` links to `/run/httpd`. Written at start (`ap_log_pid`),
/// removed when it exits (not when it is killed).
const PIDFILE: &str = "/run/httpd/httpd.pid";

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
    /// Its CPU work, until done (cost model on).
    cpu: Option<CpuTicket>,
}

struct Conn {
    stream: Stream,
    http: ServerConnection,
    waiting: Option<Waiting>,
    /// Its socket as it was when it was last served and nothing changed: until the socket
    /// differs or its timer is due, serving it again would do nothing (Apache's event MPM leaves
    /// a connection to its listener thread until `epoll` reports it or it times out).
    idle: Option<TcpSnapshot>,
    /// Whether its next request, if any, waits for an idle worker (cost model on).
    deferred: bool,
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
    // The parent and its `StartServers` children.
    pids: 1 + Mpm::START_SERVERS,
    alias: None,
    // httpd.service / nginx.service: After=network.target remote-fs.target nss-lookup.target.
    after_remote_fs: true,
    requires: &[],
    // httpd.service: `ExecStop=/bin/kill -WINCH ${MAINPID}` (then `KillSignal=SIGCONT`, which
    // only gives the graceful stop its time), `ExecReload=/usr/sbin/httpd $OPTIONS -k graceful`
    // (SIGUSR1 to the pid of its `PidFile`); the children run as `User apache`.
    users: &["root", "apache"],
    stop_signal: Signal::Winch,
    reload: Reload::Signal(Signal::Usr1),
    start: |k, now, pid| Ok(Box::new(HttpdProc::start(k, now, pid))),
    check: |_| Vec::new(),
};

struct HttpdProc {
    pid: u32,
    /// When the parent started (mod_systemd's monitor ticks count from it).
    started: SimTime,
    core: Httpd,
    /// What each client connection does apart from answering (Apache's timeouts and limits).
    policy: Policy,
    listeners: ListenerPool,
    conns: Vec<Conn>,
    /// Since when it has been stopping gracefully (SIGWINCH): it exits once its children have
    /// finished their requests.
    graceful_stop: Option<SimTime>,
    served: Served,
    exit: Option<Exit>,
    /// The host's cost model, if on: requests take CPU time and worker threads.
    costs: Option<Costs>,
    /// The last second (since the start) whose maintenance ran, and whether it has logged
    /// `AH00484` (once in the server's life).
    maintained: u64,
    maxclients_reported: bool,
}

/// The scoreboard's counters as mod_systemd's monitor hook reads them once a second: requests
/// and bytes answered, per second of the parent's life.
#[derive(Default)]
struct Served {
    /// Requests answered before the current second.
    before: u64,
    /// The current second (counted from the start), and its requests and bytes.
    second: u64,
    requests: u64,
    bytes: u64,
    /// The second before it, if it was the previous one.
    previous: Option<(u64, u64, u64)>,
}

impl Served {
    fn second_of(started: SimTime, now: SimTime) -> u64 {
        (now - started).as_secs()
    }

    fn roll(&mut self, second: u64) {
        if second != self.second {
            self.previous = Some((self.second, self.requests, self.bytes));
            self.before += self.requests;
            (self.second, self.requests, self.bytes) = (second, 0, 0);
        }
    }

    fn count(&mut self, second: u64, bytes: usize) {
        self.roll(second);
        self.requests += 1;
        self.bytes += bytes as u64;
    }

    /// What the monitor reported at its last tick before `second` began: the total and the
    /// second that ended then.
    fn at(&self, second: u64) -> (u64, u64, u64) {
        let last = second.checked_sub(1);
        let total = if second > self.second { self.before + self.requests } else { self.before };
        let (requests, bytes) = match (last, self.previous) {
            (Some(l), _) if l == self.second => (self.requests, self.bytes),
            (Some(l), Some((p, r, b))) if l == p => (r, b),
            _ => (0, 0),
        };
        (total, requests, bytes)
    }
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
        k.fs_mut().write(PIDFILE, format!("{pid}\n").into_bytes(), now);
        let policy = Policy::apache(*core.limits(), Duration::from_secs(core.config().keepalive_timeout_s));
        let mut proc = HttpdProc {
            pid,
            started: now,
            core,
            policy,
            listeners,
            conns: Vec::new(),
            graceful_stop: None,
            served: Served::default(),
            exit: None,
            costs: k.costs(),
            maintained: 0,
            maxclients_reported: false,
        };
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

    /// Every client connection is dropped (the children die); `graceful`: only those not
    /// serving a request, the others close once they have answered it.
    fn drop_connections(&mut self, k: &mut Sys<'_>, now: SimTime, graceful: bool) {
        for c in &mut self.conns {
            if graceful && c.waiting.is_some() {
                c.http.retire();
            } else {
                c.stream.release(k);
                forget(k, now, c);
            }
        }
        self.conns.retain(|c| graceful && c.waiting.is_some());
    }

    /// Worker threads serving a request.
    fn busy_workers(&self) -> usize {
        self.conns.iter().filter(|c| c.waiting.is_some()).count()
    }

    /// The parent's once-a-second maintenance (cost model on): `AH00484` the first time it
    /// finds the server at `MaxRequestWorkers`.
    fn maintain(&mut self, k: &mut Sys<'_>, now: SimTime) {
        let second = Served::second_of(self.started, now);
        if self.costs.is_none() || second <= self.maintained {
            return;
        }
        self.maintained = second;
        if !self.maxclients_reported && Mpm::at_max_workers(self.busy_workers()) {
            self.maxclients_reported = true;
            let line = self.core.max_workers_line(now, &k.calendar());
            log(self.pid, k, now, ERROR_LOG, &line);
        }
    }

    /// A graceful stop is over once no child serves a request any more.
    fn maybe_exit(&mut self, k: &mut Sys<'_>) {
        if self.graceful_stop.is_some() && self.conns.is_empty() {
            self.finish(k, Exit::Code(0));
        }
    }

    /// The parent exits; its pid file goes with it unless it was killed.
    fn finish(&mut self, k: &mut Sys<'_>, exit: Exit) {
        if exit != Exit::Signal(Signal::Kill) {
            k.fs_mut().remove(PIDFILE);
        }
        self.exit = Some(exit);
    }
}

impl Process for HttpdProc {
    fn name(&self) -> &'static str {
        "httpd"
    }

    fn poll_timeout(&self) -> Option<SimTime> {
        // The next maintenance, while it could still have something to log.
        let maintenance = (self.costs.is_some() && !self.maxclients_reported && self.busy_workers() > 0)
            .then(|| self.started + Duration::from_secs(self.maintained + 1));
        self.conns.iter().filter_map(|c| c.http.poll_timeout()).chain(maintenance).min()
    }

    fn pid_count(&self) -> Option<u32> {
        Some(1 + Mpm::START_SERVERS)
    }

    fn workers(&self) -> Option<Workers> {
        Some(Workers { in_use: self.busy_workers() as u64, limit: Mpm::MAX_REQUEST_WORKERS as u64 })
    }

    fn tasks(&self) -> Option<u32> {
        Some(Mpm::tasks())
    }

    fn stopping_since(&self) -> Option<SimTime> {
        self.graceful_stop
    }

    /// mod_systemd's `STATUS=`, as its monitor hook last sent it.
    fn status_text(&self, now: SimTime) -> Option<String> {
        let (total, requests, bytes) = self.served.at(Served::second_of(self.started, now));
        Some(systemd_status(total, requests, bytes))
    }

    fn poll(&mut self, k: &mut Sys<'_>, now: SimTime) -> bool {
        if self.exit.is_some() {
            return false;
        }
        self.maintain(k, now);
        // Idle workers (cost model on): the event MPM's listener takes a connection only when
        // a worker is idle (`event.c` `listener_thread`, `ap_queue_info_wait_for_idler`).
        let mut idle_workers = self.costs.map(|_| Mpm::MAX_REQUEST_WORKERS.saturating_sub(self.busy_workers()));
        let accepted = match idle_workers {
            Some(idle) => self.listeners.accept_max(k, idle),
            None => self.listeners.accept(k),
        };
        let mut moved = !accepted.is_empty();
        for h in accepted {
            self.conns.push(Conn {
                stream: Stream::new(h),
                http: ServerConnection::new(now, self.policy),
                waiting: None,
                idle: None,
                deferred: false,
            });
        }
        let costs = self.costs;
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
                let second = Served::second_of(self.started, now);
                let work = Work { costs, idle_workers: &mut idle_workers };
                served |= serve(&self.core, self.pid, k, now, conn, work, &mut |bytes| self.served.count(second, bytes));
                carry_out(&mut conn.http, &mut conn.stream, k);
                conn.stream.pump(k);
            }
            conn.http.handle_timeout(now);
            if let Some(Close::Graceful(_)) = carry_out(&mut conn.http, &mut conn.stream, k) {
                // The idle connection is closed (KeepAliveTimeout, or the client half-closed).
                conn.stream.pump(k);
                served = true;
            }
            if matches!(status, Status::Reset | Status::Refused | Status::Unreachable | Status::TimedOut) {
                conn.http.handle_reset(now);
                carry_out(&mut conn.http, &mut conn.stream, k);
            }
            // Idle only if this pass changed nothing: not even the socket, where it reported no move.
            // A request left waiting for a worker is looked at again, whatever its socket does.
            let after = (!served && !conn.stream.is_finished() && !conn.deferred).then(|| k.tcp_snapshot(conn.stream.handle));
            conn.idle = after.filter(|after| *after == before);
            moved |= served;
        }
        for conn in self.conns.iter_mut().filter(|c| c.stream.is_finished()) {
            forget(k, now, conn);
        }
        self.conns.retain(|c| !c.stream.is_finished());
        self.maybe_exit(k);
        moved
    }

    /// SIGTERM or SIGKILL: listeners and connections close at once (`AH00491` in the error log
    /// for SIGTERM).
    /// SIGWINCH (`systemctl stop httpd`: the unit's `ExecStop=`; `apachectl graceful-stop`):
    /// the listeners close, idle connections close, requests being served are answered, then
    /// it exits.
    /// SIGHUP: a restart (the children and their connections go, the parent reads its
    /// configuration again and keeps its listeners); SIGUSR1 (`systemctl reload httpd`,
    /// `apachectl graceful`) the same, except that requests being served are answered first
    /// by the old children (their connections then close).
    fn signal(&mut self, k: &mut Sys<'_>, now: SimTime, signal: Signal) {
        if self.exit.is_some() {
            return;
        }
        let control = match signal {
            Signal::Hup => Control::Restart,
            Signal::Usr1 => Control::GracefulRestart,
            Signal::Winch => Control::GracefulStop,
            Signal::Kill => {
                self.listeners.close(k);
                self.drop_connections(k, now, false);
                self.finish(k, Exit::Signal(Signal::Kill));
                return;
            }
            // `server/mpm_unix.c` `ap_mpm_set_signals`: SIGINT is handled as SIGTERM; SIGPIPE
            // is ignored.
            Signal::Term | Signal::Int => Control::Stop,
            Signal::Pipe => return,
        };
        // A second graceful stop changes nothing; a SIGTERM during one kills what is left.
        if self.graceful_stop.is_some() && control != Control::Stop {
            return;
        }
        for line in self.core.control_lines(now, &k.calendar(), control) {
            log(self.pid, k, now, ERROR_LOG, &line);
        }
        self.drop_connections(k, now, control.is_graceful());
        if control.is_restart() {
            self.read_config(k, now);
        } else {
            self.listeners.close(k);
            if control == Control::GracefulStop {
                self.graceful_stop = Some(now);
                self.maybe_exit(k);
            } else {
                self.conns.clear();
                self.finish(k, Exit::Code(0));
            }
        }
    }

    /// A signal to one of the children is not acted upon: labsim's children are one with their
    /// parent (a child killed alone would be replaced by the parent with a fresh pid).
    fn signal_pid(&mut self, k: &mut Sys<'_>, now: SimTime, pid: u32, signal: Signal) {
        if pid == self.pid {
            self.signal(k, now, signal);
        }
    }

    fn exit(&self) -> Option<Exit> {
        self.exit
    }
}

/// What a request costs the server: CPU time by the host's cost model, and a worker thread
/// (`None`: as many as wanted).
struct Work<'a> {
    costs: Option<Costs>,
    idle_workers: &'a mut Option<usize>,
}

/// Answers the requests the connection hands over, in order, as far as their CPU work and file
/// system calls are done; a new one waits while no worker is idle.
fn serve(core: &Httpd, pid: u32, k: &mut Sys<'_>, now: SimTime, conn: &mut Conn, work: Work<'_>, served: &mut dyn FnMut(usize)) -> bool {
    let (Some((client_ip, client_port)), Some((server_ip, server_port))) =
        (k.tcp_remote(conn.stream.handle), k.tcp_local(conn.stream.handle))
    else {
        return false;
    };
    let mut moved = false;
    conn.deferred = false;
    loop {
        let info = ConnInfo { client_ip, client_port, server_ip, server_port, requests_on_conn: conn.http.answered() };
        let calendar = k.calendar();
        let mut waiting = match conn.waiting.take() {
            Some(w) => w,
            None if *work.idle_workers == Some(0) => {
                conn.deferred = true;
                return moved;
            }
            None => match conn.http.poll_event() {
                Some(Event::Request { head, .. }) => {
                    if let Some(idle) = work.idle_workers.as_mut() {
                        *idle -= 1;
                    }
                    let cpu = work.costs.and_then(|c| k.cpu_run(now, c.httpd_request));
                    Waiting { head, at: now, replies: Vec::new(), ticket: None, cpu }
                }
                Some(Event::Refused { why, raw, .. }) => {
                    let response = core.bad_request(now, &calendar, &why, &raw, &info);
                    served(answer(pid, k, now, now, conn, &response));
                    moved = true;
                    continue;
                }
                Some(Event::Aborted) => continue,
                None => return moved,
            },
        };
        if let Some(cpu) = waiting.cpu {
            if !k.cpu_done(cpu) {
                conn.waiting = Some(waiting);
                return moved;
            }
            waiting.cpu = None;
            moved = true;
        }
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
                served(answer(pid, k, waiting.at, now, conn, &response));
                if let Some(idle) = work.idle_workers.as_mut() {
                    *idle += 1;
                }
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

/// Sends the response to a request that arrived at `arrived` and writes its log lines; reports it
/// served (for the capacity report, as the access log line would); returns the bytes sent.
fn answer(pid: u32, k: &mut Sys<'_>, arrived: SimTime, now: SimTime, conn: &mut Conn, response: &crate::proto::httpd::Response) -> usize {
    let bytes = response.to_bytes();
    conn.http.respond(now, &bytes, response.keep_alive);
    log(pid, k, now, ACCESS_LOG, &response.access_log);
    let served = TraceKind::Served {
        host: k.hostname().to_owned(),
        process: "httpd".to_owned(),
        status: response.head.status,
        service_us: now.saturating_since(arrived).as_micros() as u64,
    };
    k.record(now, served);
    if let Some(line) = &response.error_log {
        log(pid, k, now, ERROR_LOG, line);
    }
    bytes.len()
}

/// The connection is gone: a reply or CPU work still to come is not wanted any more.
fn forget(k: &mut Sys<'_>, now: SimTime, conn: &mut Conn) {
    let Some(waiting) = conn.waiting.take() else { return };
    if let Some(ticket) = waiting.ticket {
        k.file_forget(ticket);
    }
    if let Some(cpu) = waiting.cpu {
        k.cpu_forget(now, cpu);
    }
}

fn log(pid: u32, k: &mut Sys<'_>, now: SimTime, file: &str, line: &str) {
    k.file_log(now, "httpd", pid, file, line.to_owned());
}
