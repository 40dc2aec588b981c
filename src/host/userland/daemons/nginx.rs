//! nginx (a master and `worker_processes` workers, each with its own peer state:
//! spec-nginx-upstream §1.1): the configuration of `proto::nginx` read from the host's files, a
//! listener pool per `listen` port whose connections go to the worker `proto::nginx::accept`
//! picks, one [`ServerConnection`] per
//! client (nginx's policy: `client_header_timeout`, `keepalive_timeout`, 400/413/414/494
//! refusals, 499 when the client goes away), and per request a [`ProxyRequest`] whose actions
//! become upstream connections, bytes for the client, and lines in the error and access logs
//! (files, and the daemon's syslog lines); the `[warn]`s of reading the configuration go to the
//! error log when nginx starts or reloads. A configuration and its workers' peer state (one
//! [`Upstream`] per group per worker) form a generation. A reload builds a new one, as nginx starts a new worker: new
//! connections use it, while connections of the old generation finish their request under the
//! old one and then close.
//!
//! With the host's cost model on (`Host(costs: …)`), a request takes `nginx_request` of CPU on
//! the host's CPUs before nginx goes upstream with it, and each worker's connections (listening
//! sockets, its channel, clients and upstream connections) are limited by `worker_connections`
//! (`proto::nginx::connections`): past it, a new client connection is closed at once and a
//! request that needs an upstream connection gets 500, each with nginx's `[alert]`.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::rc::Rc;

use crate::host::kernel::{CpuTicket, Fs, Sys, TcpSnapshot, TcpStatus as Status, Workers};
use crate::host::userland::net::{Connection, ListenerPool, Stream, resolve};
use crate::host::userland::process::{ConfigNote, Exit, Process, Reload, Signal, StartError, UnitSpec};
use crate::host::userland::ready::{Filed, Ready};
use crate::kernel::SimTime;
use crate::proto::errno::Errno;
use crate::proto::http::{Close, Event, Policy, ServerConnection};
use crate::proto::nginx::accept::AcceptQueue;
use crate::proto::nginx::config::{DEFAULT_KEEPALIVE_TIMEOUT, DEFAULT_MIME_TYPES, DEFAULT_NGINX_CONF, MIME_TYPES_PATH, NGINX_CONF_PATH};
use crate::proto::nginx::connections;
use crate::proto::nginx::{
    Action, ConfFiles, Loaded, NginxConfig, ProxyRequest, Refused, RequestCtx, Resolver, TestRun, Upstream, error_page, nginx_t,
    wants_keep_alive, warn_line,
};
use crate::proto::sh::glob_match;
use crate::wire::http::RequestHead;

/// `NGX_LISTEN_BACKLOG` on Linux (`src/os/unix/ngx_linux_config.h`), the backlog of a `listen`
/// without `backlog=`.
const LISTEN_BACKLOG: usize = 511;

/// The host's filesystem as nginx's configuration source.
struct HostFiles<'a>(&'a Fs);

impl ConfFiles for HostFiles<'_> {
    fn read(&self, path: &str) -> Option<String> {
        self.0.read_text(path)
    }

    fn glob(&self, pattern: &str) -> Vec<String> {
        let (dir, name) = pattern.rsplit_once('/').unwrap_or(("", pattern));
        self.0.list(dir).into_iter().filter(|p| glob_match(name, p.rsplit('/').next().unwrap_or(p))).collect()
    }
}

/// `/etc/hosts` as nginx's resolver at configuration load.
struct HostResolver<'a>(&'a Fs);

impl Resolver for HostResolver<'_> {
    fn resolve(&self, name: &str) -> Vec<Ipv4Addr> {
        resolve(self.0, name).into_iter().collect()
    }
}

/// `nginx -t`: its stderr lines and exit status, or its crash.
pub(crate) fn test_config(k: &Sys<'_>) -> TestRun {
    nginx_t(&HostFiles(k.fs()), &HostResolver(k.fs()))
}

/// `nginx -t` on a host whose only files are `files` (path, contents). For the fuzz target.
#[cfg(feature = "fuzzing")]
pub(crate) fn test_files<'a>(files: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> TestRun {
    let mut fs = Fs::default();
    for (path, contents) in files {
        fs.write(path, contents.to_vec(), SimTime::ZERO);
    }
    nginx_t(&HostFiles(&fs), &HostResolver(&fs))
}

/// Reads and checks the configuration; `Err` with nginx's message, or its crash, when it is
/// refused.
pub(crate) fn load(k: &Sys<'_>) -> Result<Loaded, StartError> {
    NginxConfig::load(&HostFiles(k.fs()), &HostResolver(k.fs())).map_err(|e| match e {
        Refused::Emerg(e) => StartError::Exit(vec![e.stderr_line()]),
        Refused::Segfault => StartError::Segfault,
    })
}

/// The master (`pid`) writes the warnings of reading its configuration to the error log.
fn log_warnings(k: &mut Sys<'_>, now: SimTime, pid: u32, loaded: &Loaded) {
    let date = k.calendar().date(now);
    for w in &loaded.warnings {
        log(k, now, pid, &loaded.config.error_log, &w.error_log_line("warn", &date, pid));
    }
}

/// A request being proxied, and its current upstream connection.
struct Active {
    proxy: ProxyRequest,
    upstream: usize,
    access_log: Option<String>,
    conn: Option<Connection>,
    /// Its CPU work, until done (cost model on): nothing goes upstream before.
    cpu: Option<CpuTicket>,
}

/// A configuration and each worker's peer state for it.
struct Generation {
    config: NginxConfig,
    /// Per worker, one [`Upstream`] per group.
    upstreams: Vec<Vec<Upstream>>,
}

impl Generation {
    fn new(config: NginxConfig, workers: usize) -> Rc<RefCell<Generation>> {
        let upstreams = (0..workers).map(|_| config.upstreams.iter().map(Upstream::new).collect()).collect();
        Rc::new(RefCell::new(Generation { config, upstreams }))
    }
}

/// A listening port: the `listen` address it is for, its sockets, and the workers' entries in
/// its wait queue.
struct Listener {
    listen: (Option<Ipv4Addr>, u16),
    pool: ListenerPool,
    queue: AcceptQueue,
}

/// One listener per `listen` port of `config`.
fn listen(k: &mut Sys<'_>, config: &NginxConfig, workers: usize) -> Vec<Listener> {
    config
        .listen_ports()
        .into_iter()
        .map(|listen| Listener { listen, pool: ListenerPool::open(k, listen.1, LISTEN_BACKLOG), queue: AcceptQueue::new(workers) })
        .collect()
}

/// What the worker serving a connection brings to it.
struct Worker<'a> {
    /// Its pid.
    pid: u32,
    /// `ngx_connection_counter`: in the shared memory every worker uses (`ngx_event_module_init`),
    /// taken by each accepted client connection (`ngx_event_accept`) and each upstream
    /// connection (`ngx_event_connect_peer`), and printed as `*N` in the error log.
    counter: &'a mut u64,
    /// Its connections in use (see [`crate::proto::nginx::connections`]) and
    /// `worker_connections`.
    in_use: &'a mut usize,
    limit: usize,
}

struct Client {
    stream: Stream,
    http: ServerConnection,
    number: u64,
    /// The worker that accepted it (0 for the first).
    worker: usize,
    active: Option<Active>,
    /// The generation the connection was accepted under.
    generation: Rc<RefCell<Generation>>,
    /// Its sockets as they were when it was last served and had nothing to do: until they
    /// differ or a timer is due, serving it again would do nothing (as an event loop leaves a
    /// connection alone until `epoll` reports it or its timer fires).
    idle: Option<Idle>,
    /// Where it is filed in [`Ready`]: its sockets and its wake-up time.
    filed: Filed,
}

/// The sockets of an idle client connection: its own and its request's upstream one.
#[derive(PartialEq, Eq)]
struct Idle(TcpSnapshot, Option<TcpSnapshot>);

impl Client {
    fn idle_now(&self, k: &mut Sys<'_>) -> Idle {
        let upstream = self.active.as_ref().and_then(|a| a.conn.as_ref()).map(|c| k.tcp_snapshot(c.stream.handle));
        Idle(k.tcp_snapshot(self.stream.handle), upstream)
    }

    /// Whether serving the connection now would do nothing: it did nothing when last served, no
    /// timer of its own is due, and its sockets are as they were.
    fn still_idle(&self, k: &mut Sys<'_>, now: SimTime) -> bool {
        let Some(idle) = &self.idle else { return false };
        if self.waits_for_cpu() {
            return false;
        }
        if self.wake_at().is_some_and(|t| t <= now) {
            return false;
        }
        *idle == self.idle_now(k)
    }

    /// Whether its request's CPU work is under way (it is then served every pass).
    fn waits_for_cpu(&self) -> bool {
        self.active.as_ref().is_some_and(|a| a.cpu.is_some())
    }

    /// The earliest of its own timer and its request's.
    fn wake_at(&self) -> Option<SimTime> {
        [self.http.poll_timeout(), self.active.as_ref().and_then(|a| a.proxy.poll_timeout())].into_iter().flatten().min()
    }

    /// The timer nginx wakes for on its behalf: its request's while one is proxied, else its
    /// own.
    fn poll_at(&self) -> Option<SimTime> {
        match &self.active {
            Some(a) => a.proxy.poll_timeout(),
            None => self.http.poll_timeout(),
        }
    }

    /// Its entries in [`Ready`] as it stands: busy (served next pass) when it did something
    /// last pass or waits for its CPU work.
    fn filing(&self) -> Filed {
        let upstream = self.active.as_ref().and_then(|a| a.conn.as_ref()).map(|c| c.stream.handle);
        Filed {
            busy: self.idle.is_none() || self.waits_for_cpu(),
            sockets: [Some(self.stream.handle), upstream],
            wake: self.wake_at(),
            poll: self.poll_at(),
        }
    }
}

/// `nginx.service`: the master takes the first pid, its workers the next ones
/// ([`Process::pid_count`]). The package brings the stock `nginx.conf` and `mime.types`.
pub(crate) const UNIT: UnitSpec = UnitSpec {
    name: "nginx",
    description: "A high performance web server and a reverse proxy server",
    package_marker: "/etc/nginx",
    package_files: &[(NGINX_CONF_PATH, DEFAULT_NGINX_CONF), (MIME_TYPES_PATH, DEFAULT_MIME_TYPES)],
    docs: &[],
    command_lines: &["nginx: master process /usr/sbin/nginx", "nginx: worker process"],
    pids: 1,
    alias: None,
    // httpd.service / nginx.service: After=network.target remote-fs.target nss-lookup.target.
    after_remote_fs: true,
    requires: &[],
    // nginx.service: `ExecReload=/bin/kill -s HUP $MAINPID`; the workers run as the stock
    // `nginx.conf`'s `user nginx`.
    users: &["root", "nginx"],
    stop_signal: Signal::Term,
    reload: Reload::Signal(Signal::Hup),
    start: |k, now, pid| Ok(Box::new(NginxProc::start(k, now, pid)?)),
    check,
};

/// What nginx prints on stderr while it reads its configuration: its `[warn]`s, or the
/// `[emerg]` that stops it.
fn check(fs: &Fs) -> Vec<ConfigNote> {
    match NginxConfig::load(&HostFiles(fs), &HostResolver(fs)) {
        Ok(loaded) => loaded.warnings.iter().map(|w| (w.file.clone(), w.line, warn_line(w))).collect(),
        Err(Refused::Emerg(e)) => vec![(e.file.clone(), e.line, e.stderr_line())],
        Err(Refused::Segfault) => vec![(NGINX_CONF_PATH.to_owned(), 0, "Segmentation fault".to_owned())],
    }
}

struct NginxProc {
    pid: u32,
    /// Its worker processes, `pid + 1` onwards; the count is the one at start (a reload keeps
    /// it: labsim does not replace the workers' pids).
    workers: usize,
    current: Rc<RefCell<Generation>>,
    listeners: Vec<Listener>,
    /// By connection number (accept order). Boxed: a `Client` is large, and a B-tree node moves
    /// its neighbours' values on every insert and remove.
    clients: BTreeMap<u64, Box<Client>>,
    /// The clients with something to do.
    ready: Ready,
    /// Per worker, the connections its clients hold (see [`held`]).
    held: Vec<usize>,
    /// The shared connection counter (see [`Worker::counter`]).
    connections: u64,
    exit: Option<Exit>,
}

/// A client connection's share of its worker's connections: its own, and its request's
/// upstream one, until nginx closes them (`ngx_close_connection` frees the connection as it
/// calls `close()`; the kernel finishes the TCP close on its own).
fn held(c: &Client) -> usize {
    let upstream = c.active.as_ref().and_then(|a| a.conn.as_ref()).is_some_and(|u| !u.stream.closing());
    usize::from(!c.stream.closing()) + usize::from(upstream)
}

impl NginxProc {
    /// Starts the master (`pid`) and its workers (`pid + 1`…; `auto` is one per CPU of the
    /// host); a bad configuration keeps it from starting and gives nginx's messages.
    fn start(k: &mut Sys<'_>, now: SimTime, pid: u32) -> Result<NginxProc, StartError> {
        let loaded = load(k)?;
        log_warnings(k, now, pid, &loaded);
        let config = loaded.config;
        let workers = config.worker_processes.count(k.cpus());
        let listeners = listen(k, &config, workers);
        let current = Generation::new(config, workers);
        Ok(NginxProc {
            pid,
            workers,
            current,
            listeners,
            clients: BTreeMap::new(),
            ready: Ready::default(),
            held: vec![0; workers],
            connections: 0,
            exit: None,
        })
    }

    /// SIGHUP (`nginx -s reload`): a new generation (fresh peer state) for new connections;
    /// connections of the old one finish their request and close. A configuration that no
    /// longer loads leaves the old generation in place (one nested deeper than nginx's stack
    /// would kill a real master here: labsim keeps it running on the old configuration).
    fn reload(&mut self, k: &mut Sys<'_>, now: SimTime) {
        let Ok(loaded) = load(k) else { return };
        log_warnings(k, now, self.pid, &loaded);
        let config = loaded.config;
        for l in &mut self.listeners {
            l.pool.close(k);
        }
        // The new workers add the listening sockets to their epoll afresh.
        self.listeners = listen(k, &config, self.workers);
        self.current = Generation::new(config, self.workers);
        for (&number, c) in &mut self.clients {
            c.http.retire();
            c.idle = None;
            let filed = Filed { busy: true, ..c.filed };
            self.ready.file(number, c.filed, filed);
            c.filed = filed;
        }
    }

    /// SIGTERM / SIGKILL (`nginx -s stop`, `systemctl stop nginx`): listeners and connections
    /// close at once.
    fn stop(&mut self, k: &mut Sys<'_>) {
        for l in &mut self.listeners {
            l.pool.close(k);
        }
        for c in self.clients.values_mut() {
            c.stream.release(k);
            if let Some(conn) = c.active.as_mut().and_then(|a| a.conn.as_mut()) {
                conn.stream.release(k);
            }
        }
        self.clients.clear();
        self.ready = Ready::default();
        self.held.fill(0);
    }

    /// Each worker's connections in use (`worker_connections` minus `free_connection_n`).
    fn in_use(&self) -> impl Iterator<Item = usize> + '_ {
        let fixed = connections::fixed(self.listeners.len());
        self.held.iter().map(move |h| fixed + h)
    }
}

impl Process for NginxProc {
    fn name(&self) -> &'static str {
        "nginx"
    }

    fn poll_timeout(&self) -> Option<SimTime> {
        self.ready.next_poll()
    }

    fn pid_count(&self) -> Option<u32> {
        Some(1 + self.workers as u32)
    }

    fn workers(&self) -> Option<Workers> {
        let limit = self.current.borrow().config.worker_connections * self.workers;
        Some(Workers { in_use: self.in_use().sum::<usize>() as u64, limit: limit as u64 })
    }

    fn poll(&mut self, k: &mut Sys<'_>, now: SimTime) -> bool {
        let mut moved = false;
        let mut used: Vec<usize> = self.in_use().collect();
        // `worker_connections` bites only on a host with a cost model: without one, servers are
        // the zero-cost ones the lessons were written for (issue 14, acceptance 4).
        let limit = if k.costs().is_some() { self.current.borrow().config.worker_connections } else { usize::MAX };
        for l in &mut self.listeners {
            let listen = l.listen;
            // A master without workers accepts nothing: connections wait in the backlog.
            if self.workers == 0 {
                break;
            }
            let accepted = l.pool.accept(k);
            let takers = l.queue.wake(accepted.len());
            for (h, worker) in accepted.into_iter().zip(takers) {
                moved = true;
                let pid = self.pid + 1 + worker as u32;
                if used[worker] >= limit {
                    // `ngx_event_accept`: no connection for it, the socket is closed at once.
                    let line = connections::accept_alert(&k.calendar().date(now), pid, limit, listen);
                    let error_log = listening_error_log(&self.current.borrow().config, listen);
                    log(k, now, pid, &error_log, &line);
                    Stream::new(h).release(k);
                    continue;
                }
                used[worker] += 1;
                self.connections += 1;
                let generation = Rc::clone(&self.current);
                // The keep-alive timeout of the `server` block the connection arrived at (before
                // a request names a host, the default one for its address and port).
                let keepalive = k
                    .tcp_local(h)
                    .and_then(|(ip, port)| generation.borrow().config.find_server(ip, port, None).map(|s| s.keepalive_timeout))
                    .unwrap_or(DEFAULT_KEEPALIVE_TIMEOUT);
                let http = ServerConnection::new(now, Policy::nginx(keepalive));
                let number = self.connections;
                // New: served this pass.
                let filed = Filed { busy: true, ..Filed::default() };
                self.ready.file(number, Filed::default(), filed);
                let client = Client { stream: Stream::new(h), http, number, worker, active: None, generation, idle: None, filed };
                self.clients.insert(number, Box::new(client));
            }
        }
        let mut finished = Vec::new();
        for number in self.ready.due(k, now) {
            let Some(client) = self.clients.get_mut(&number) else { continue };
            if client.still_idle(k, now) {
                continue;
            }
            let generation = Rc::clone(&client.generation);
            let mut generation = generation.borrow_mut();
            let Generation { config, upstreams } = &mut *generation;
            // What the worker holds, kept exact through the pass: the connections opened while
            // serving are counted as they open, and what the client holds afterwards replaces
            // what it held before.
            let (base, held_before) = (used[client.worker], held(client));
            let mut w = Worker {
                pid: self.pid + 1 + client.worker as u32,
                counter: &mut self.connections,
                in_use: &mut used[client.worker],
                limit,
            };
            let before = client.idle_now(k);
            let served = serve_client(k, now, &mut w, config, &mut upstreams[client.worker], client);
            used[client.worker] = base - held_before + held(client);
            // Idle only if this pass changed nothing: not even a socket it reported no move on.
            let after = (!served && !client.stream.is_finished()).then(|| client.idle_now(k));
            client.idle = after.filter(|after| *after == before);
            moved |= served;
            if client.stream.is_finished() {
                finished.push(number);
                continue;
            }
            let filed = client.filing();
            self.ready.file(number, client.filed, filed);
            client.filed = filed;
        }
        // What finished connections held counts until the pass is over.
        for number in finished {
            if let Some(client) = self.clients.remove(&number) {
                used[client.worker] -= held(&client);
                self.ready.unfile(number, client.filed);
            }
        }
        let fixed = connections::fixed(self.listeners.len());
        for (held, used) in self.held.iter_mut().zip(used) {
            *held = used - fixed;
        }
        moved
    }

    fn signal(&mut self, k: &mut Sys<'_>, now: SimTime, signal: Signal) {
        if self.exit.is_some() {
            return;
        }
        match signal {
            Signal::Hup => self.reload(k, now),
            // Ignored (`ngx_signals`: SIGPIPE is SIG_IGN). SIGUSR1 reopens the log files, which
            // labsim's never need; SIGWINCH stops the workers of a daemonized master only
            // (`ngx_noaccept` is acted on when `ngx_daemonized`), and systemd's nginx runs in
            // the foreground of its own unit as a daemon: not modelled.
            Signal::Pipe | Signal::Usr1 | Signal::Winch => {}
            Signal::Kill => {
                self.stop(k);
                self.exit = Some(Exit::Signal(Signal::Kill));
            }
            Signal::Term | Signal::Int => {
                self.stop(k);
                self.exit = Some(Exit::Code(0));
            }
        }
    }

    fn exit(&self) -> Option<Exit> {
        self.exit
    }
}

fn serve_client(
    k: &mut Sys<'_>,
    now: SimTime,
    w: &mut Worker<'_>,
    config: &NginxConfig,
    upstreams: &mut [Upstream],
    client: &mut Client,
) -> bool {
    let (status, mut moved) = client.stream.pump(k);
    if matches!(status, Status::Reset | Status::Refused | Status::Unreachable | Status::TimedOut) {
        client.http.handle_reset(now);
    } else {
        client.http.handle_data(now, &std::mem::take(&mut client.stream.input));
        if status == Status::PeerClosed {
            client.http.handle_peer_closed(now);
        }
    }
    moved |= take_requests(k, now, w, config, upstreams, client);
    if client.stream.is_finished() {
        return true;
    }
    if let Some(active) = client.active.as_mut() {
        if active.cpu.is_some_and(|t| k.cpu_done(t)) {
            active.cpu = None;
            moved = true;
        }
        if active.cpu.is_none() {
            moved |= drive(k, now, w, &config.error_log, &mut upstreams[active.upstream], active, &mut client.http);
        }
        if active.proxy.is_done() {
            if let Some(c) = active.conn.as_mut() {
                c.stream.release(k);
            }
            client.active = None;
            // A pipelined request may already be waiting: it starts now and runs next pass.
            take_requests(k, now, w, config, upstreams, client);
        }
        carry_out(k, client, &mut moved);
    }
    client.http.handle_timeout(now);
    carry_out(k, client, &mut moved);
    client.stream.pump(k);
    moved
}

/// Takes what the client connection hands over (a request, a refusal, the client's abort) and
/// carries out its decisions; true if anything happened.
fn take_requests(
    k: &mut Sys<'_>,
    now: SimTime,
    w: &mut Worker<'_>,
    config: &NginxConfig,
    upstreams: &mut [Upstream],
    client: &mut Client,
) -> bool {
    let mut moved = false;
    while let Some(event) = client.http.poll_event() {
        moved = true;
        match event {
            // The client reset the connection, or closed it before its response was complete:
            // the peer is released and the access log says 499.
            Event::Aborted => {
                if let Some(mut active) = client.active.take() {
                    if let Some(cpu) = active.cpu.take() {
                        k.cpu_forget(now, cpu);
                    }
                    let up = &mut upstreams[active.upstream];
                    active.proxy.handle_client_abort(now, up);
                    carry_out_actions(k, now, w, &config.error_log, up, &mut active, &mut client.http);
                    if let Some(mut conn) = active.conn.take() {
                        conn.stream.release(k);
                    }
                }
            }
            // A request nginx cannot take gets its error page; the connection then closes.
            Event::Refused { status, .. } => {
                let (head, body) = error_page(status, &k.calendar().date(now));
                client.http.respond(now, &[head, body].concat(), false);
            }
            Event::Request { head, body } => start_request(k, now, w, config, upstreams, client, head, body),
        }
    }
    carry_out(k, client, &mut moved);
    moved
}

/// Moves what the client connection decided onto its stream: bytes to send, and a close.
fn carry_out(k: &mut Sys<'_>, client: &mut Client, moved: &mut bool) {
    match super::carry_out(&mut client.http, &mut client.stream, k) {
        Some(Close::Graceful(_)) => *moved = true,
        Some(Close::Abort(_)) | None => {}
    }
}

/// Starts proxying a request, or answers it at once (404) when no location proxies it.
#[allow(clippy::too_many_arguments)]
fn start_request(
    k: &mut Sys<'_>,
    now: SimTime,
    w: &mut Worker<'_>,
    config: &NginxConfig,
    upstreams: &mut [Upstream],
    client: &mut Client,
    head: RequestHead,
    body: Vec<u8>,
) {
    let (Some((client_ip, _)), Some((local_ip, local_port))) = (k.tcp_remote(client.stream.handle), k.tcp_local(client.stream.handle))
    else {
        return client.http.respond_unfinalized(now, &[]);
    };
    let server = config.find_server(local_ip, local_port, head.header("Host"));
    let proxy = server.and_then(|s| s.find_location(&head.target)).and_then(|l| l.proxy.as_ref());
    let (Some(server), Some(proxy)) = (server, proxy) else {
        // No proxied location: labsim's nginx serves no static files, so the answer is 404.
        let (page_head, page_body) = crate::proto::nginx::pages::error_response(404, &k.calendar().date(now), wants_keep_alive(&head));
        return client.http.respond_unfinalized(now, &[page_head, page_body].concat());
    };
    let format = server.access_log.as_ref().and_then(|(_, name)| config.log_format(name)).map(str::to_owned);
    let ctx = RequestCtx {
        client_ip,
        conn_number: client.number,
        worker_pid: w.pid,
        calendar: k.calendar(),
        server_name: server.name().to_owned(),
        access_log_format: format,
    };
    let proxy_request = ProxyRequest::new(now, head, body, ctx, proxy, &mut upstreams[proxy.upstream]);
    let access_log = server.access_log.as_ref().map(|(path, _)| path.clone());
    let cpu = k.costs().and_then(|c| k.cpu_run(now, c.nginx_request));
    client.active = Some(Active { proxy: proxy_request, upstream: proxy.upstream, access_log, conn: None, cpu });
}

/// Feeds the upstream connection's progress to the request and carries out its actions.
fn drive(
    k: &mut Sys<'_>,
    now: SimTime,
    w: &mut Worker<'_>,
    error_log: &str,
    up: &mut Upstream,
    active: &mut Active,
    client: &mut ServerConnection,
) -> bool {
    let mut moved = false;
    if let Some(conn) = active.conn.as_mut() {
        let progress = conn.poll(k);
        moved |= progress.io;
        if progress.connected {
            active.proxy.handle_connected(now);
            moved = true;
        }
        if !progress.data.is_empty() {
            active.proxy.handle_upstream_data(now, up, &progress.data);
            moved = true;
        }
        if progress.eof || progress.failed.is_some() {
            conn.stream.release(k);
            active.conn = None;
            moved = true;
            // A reset after the handshake reads as the end of the upstream's response.
            match progress.failed.filter(|&errno| errno != Errno::ConnReset) {
                Some(err) => active.proxy.handle_connect_failed(now, up, err),
                None => active.proxy.handle_upstream_eof(now, up),
            }
        }
    }
    if active.proxy.poll_timeout().is_some_and(|t| t <= now) {
        active.proxy.handle_timeout(now, up);
        moved = true;
    }
    moved | carry_out_actions(k, now, w, error_log, up, active, client)
}

/// Carries out what the request's core decided: upstream connections and bytes, the response
/// for the client, log lines. True if there was anything.
fn carry_out_actions(
    k: &mut Sys<'_>,
    now: SimTime,
    w: &mut Worker<'_>,
    error_log: &str,
    up: &mut Upstream,
    active: &mut Active,
    client: &mut ServerConnection,
) -> bool {
    let mut moved = false;
    while let Some(action) = active.proxy.poll_action() {
        moved = true;
        match action {
            Action::Connect { peer: (ip, port), .. } => {
                if let Some(mut old) = active.conn.take() {
                    old.stream.release(k);
                    *w.in_use -= 1;
                }
                if *w.in_use >= w.limit {
                    active.proxy.handle_no_connection(now, up, w.limit);
                    continue;
                }
                // The upstream connection takes the next number, failing or not.
                *w.counter += 1;
                match Connection::open(k, ip, port) {
                    Ok(conn) => {
                        active.conn = Some(conn);
                        *w.in_use += 1;
                    }
                    Err(errno) => active.proxy.handle_connect_failed_at_once(now, up, errno),
                }
            }
            Action::SendUpstream(bytes) => {
                if let Some(c) = active.conn.as_mut() {
                    c.stream.send(&bytes);
                    c.stream.pump(k);
                }
            }
            Action::CloseUpstream => {
                if let Some(mut c) = active.conn.take() {
                    c.stream.release(k);
                }
            }
            Action::RespondHead(bytes) | Action::RespondBody(bytes) => client.send(&bytes),
            Action::Finish { keep_alive } => client.finish(now, keep_alive),
            Action::ErrorLog(line) => log(k, now, w.pid, error_log, &line),
            Action::AccessLog(line) => {
                if let Some(path) = &active.access_log {
                    log(k, now, w.pid, path, &line);
                }
            }
        }
    }
    moved
}

/// The error log of a listening socket: its default server's (`ngx_http_add_listening`:
/// `ls->logp = clcf->error_log`).
fn listening_error_log(config: &NginxConfig, (addr, port): (Option<Ipv4Addr>, u16)) -> String {
    config.find_server(addr.unwrap_or(Ipv4Addr::UNSPECIFIED), port, None).map_or_else(|| config.error_log.clone(), |s| s.error_log.clone())
}

fn log(k: &mut Sys<'_>, now: SimTime, pid: u32, file: &str, line: &str) {
    k.file_log(now, "nginx", pid, file, line.to_owned());
}
