//! nginx on a host (one master, one worker: spec-nginx-upstream §1.1): the configuration of
//! `proto::nginx` read from the host's files, a listener pool per `listen` port, and per client
//! request a [`ProxyRequest`] whose actions become upstream TCP connections, bytes for the
//! client, and lines in the error and access logs (files, and the daemon's traced log lines).
//! A configuration and its peer state (one [`Upstream`] per group) form a generation. A reload
//! builds a new one, as nginx starts a new worker: new connections use it, while connections
//! of the old generation finish their request under the old one and then close.

use std::cell::RefCell;
use std::net::Ipv4Addr;
use std::rc::Rc;

use crate::host::kernel::{Fs, Kernel, TcpStatus as Status};
use crate::host::userland::net::{ListenerPool, Stream, resolve};
use crate::host::userland::process::{Exit, Process, Signal, UnitSpec};
use crate::kernel::SimTime;
use crate::proto::nginx::config::{DEFAULT_MIME_TYPES, DEFAULT_NGINX_CONF, MIME_TYPES_PATH, NGINX_CONF_PATH};
use crate::proto::nginx::{
    Action, ConfFiles, ConnectError, NginxConfig, ProxyRequest, RequestCtx, Resolver, Upstream, error_page, nginx_t, wants_keep_alive,
};
use crate::wire::http::{HeadError, Limits, Parsed, parse_request};

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

/// `*` and `?` in one path component, as glob(3) matches them.
fn glob_match(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    fn go(p: &[char], n: &[char]) -> bool {
        match p.split_first() {
            None => n.is_empty(),
            Some(('*', rest)) => (0..=n.len()).any(|i| go(rest, &n[i..])),
            Some(('?', rest)) => !n.is_empty() && go(rest, &n[1..]),
            Some((c, rest)) => n.first() == Some(c) && go(rest, &n[1..]),
        }
    }
    go(&p, &n)
}

/// `/etc/hosts` as nginx's resolver at configuration load.
struct HostResolver<'a>(&'a Fs);

impl Resolver for HostResolver<'_> {
    fn resolve(&self, name: &str) -> Vec<Ipv4Addr> {
        resolve(self.0, name).into_iter().collect()
    }
}

/// `nginx -t`: (stderr lines, exit status).
pub(crate) fn test_config(k: &Kernel) -> (Vec<String>, i32) {
    nginx_t(&HostFiles(k.fs()), &HostResolver(k.fs()))
}

/// Reads and checks the configuration; `Err` with nginx's messages when it is refused.
pub(crate) fn load(k: &Kernel) -> Result<NginxConfig, Vec<String>> {
    NginxConfig::load(&HostFiles(k.fs()), &HostResolver(k.fs())).map(|l| l.config).map_err(|e| vec![e.stderr_line()])
}

/// How long a closing connection may take to flush before it is aborted (nginx's
/// `lingering_timeout`/`send_timeout` order of magnitude).
const LINGER: std::time::Duration = std::time::Duration::from_secs(60);

/// nginx's `client_max_body_size` default (1m).
const CLIENT_MAX_BODY_SIZE: u64 = 1 << 20;

/// nginx's `client_header_timeout` default.
const CLIENT_HEADER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// A request being proxied, and its current upstream connection.
struct Active {
    proxy: ProxyRequest,
    upstream: usize,
    access_log: Option<String>,
    conn: Option<Stream>,
    connected: bool,
}

/// A configuration and the worker's peer state for it.
struct Generation {
    config: NginxConfig,
    upstreams: Vec<Upstream>,
}

impl Generation {
    fn new(config: NginxConfig) -> Rc<RefCell<Generation>> {
        let upstreams = config.upstreams.iter().map(Upstream::new).collect();
        Rc::new(RefCell::new(Generation { config, upstreams }))
    }
}

struct Client {
    stream: Stream,
    number: u64,
    active: Option<Active>,
    idle_until: SimTime,
    /// The generation the connection was accepted under, and its `server` block.
    generation: Rc<RefCell<Generation>>,
    server: Option<usize>,
    /// The configuration was reloaded: close once the current request is done.
    retiring: bool,
}

/// `nginx.service`: the master and its worker take two pids. The package brings the stock
/// `nginx.conf` and `mime.types`.
pub(crate) const UNIT: UnitSpec = UnitSpec {
    name: "nginx",
    description: "A high performance web server and a reverse proxy server",
    package_marker: "/etc/nginx",
    package_files: &[(NGINX_CONF_PATH, DEFAULT_NGINX_CONF), (MIME_TYPES_PATH, DEFAULT_MIME_TYPES)],
    pids: 2,
    start: |k, _, pid| Ok(Box::new(NginxProc::start(k, pid)?)),
};

struct NginxProc {
    pid: u32,
    current: Rc<RefCell<Generation>>,
    listeners: Vec<ListenerPool>,
    clients: Vec<Client>,
    connections: u64,
    exit: Option<Exit>,
}

impl NginxProc {
    /// Starts the master (`pid`) and its worker (`pid + 1`); a bad configuration keeps it from
    /// starting and gives nginx's messages.
    fn start(k: &mut Kernel, pid: u32) -> Result<NginxProc, Vec<String>> {
        let config = load(k)?;
        let listeners = config.listen_ports().into_iter().map(|(_, port)| ListenerPool::open(k, port)).collect();
        Ok(NginxProc { pid, current: Generation::new(config), listeners, clients: Vec::new(), connections: 0, exit: None })
    }

    /// SIGHUP (`nginx -s reload`): a new generation (fresh peer state) for new connections;
    /// connections of the old one finish their request and close. A configuration that no
    /// longer loads leaves the old generation in place.
    fn reload(&mut self, k: &mut Kernel) {
        let Ok(config) = load(k) else { return };
        for l in &mut self.listeners {
            l.close(k);
        }
        self.listeners = config.listen_ports().into_iter().map(|(_, port)| ListenerPool::open(k, port)).collect();
        self.current = Generation::new(config);
        for c in &mut self.clients {
            c.retiring = true;
        }
    }

    /// SIGTERM / SIGKILL (`nginx -s stop`, `systemctl stop nginx`): listeners and connections
    /// close at once.
    fn stop(&mut self, k: &mut Kernel) {
        for l in &mut self.listeners {
            l.close(k);
        }
        for c in &mut self.clients {
            c.stream.release(k);
            if let Some(conn) = c.active.as_mut().and_then(|a| a.conn.as_mut()) {
                conn.release(k);
            }
        }
        self.clients.clear();
    }
}

impl Process for NginxProc {
    fn name(&self) -> &'static str {
        "nginx"
    }

    fn poll_timeout(&self) -> Option<SimTime> {
        self.clients
            .iter()
            .filter_map(|c| match &c.active {
                Some(a) => a.proxy.poll_timeout(),
                None if c.stream.closing() => Some(c.idle_until + LINGER),
                None => Some(c.idle_until),
            })
            .min()
    }

    fn poll(&mut self, k: &mut Kernel, now: SimTime) -> bool {
        let mut moved = false;
        for l in &mut self.listeners {
            for h in l.accept(k) {
                moved = true;
                self.connections += 1;
                let generation = Rc::clone(&self.current);
                let server = k.tcp_local(h).and_then(|(ip, _)| {
                    generation
                        .borrow()
                        .config
                        .servers
                        .iter()
                        .position(|s| s.listens.iter().any(|x| x.port == l.port() && x.addr.is_none_or(|a| a == ip)))
                });
                // client_header_timeout (60 s): how long a new connection may take to send a request.
                let idle_until = now + CLIENT_HEADER_TIMEOUT;
                let stream = Stream::new(h);
                self.clients.push(Client {
                    stream,
                    number: self.connections,
                    active: None,
                    idle_until,
                    generation,
                    server,
                    retiring: false,
                });
            }
        }
        for client in &mut self.clients {
            let generation = Rc::clone(&client.generation);
            let mut generation = generation.borrow_mut();
            let Generation { config, upstreams } = &mut *generation;
            moved |= serve_client(k, now, self.pid + 1, config, upstreams, client);
        }
        self.clients.retain(|c| !c.stream.is_finished());
        moved
    }

    fn signal(&mut self, k: &mut Kernel, _now: SimTime, signal: Signal) {
        if self.exit.is_some() {
            return;
        }
        match signal {
            Signal::Hup => self.reload(k),
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

fn serve_client(k: &mut Kernel, now: SimTime, worker: u32, config: &NginxConfig, upstreams: &mut [Upstream], client: &mut Client) -> bool {
    let (status, mut moved) = client.stream.pump(k);
    // A client that reset the connection, or closed it before its response was complete,
    // aborts the request: the peer is released and the access log says 499.
    let aborted = matches!(status, Status::Reset | Status::Refused | Status::Unreachable)
        || (status == Status::PeerClosed && client.active.as_ref().is_some_and(|a| !a.proxy.is_done()) && client.stream.input.is_empty());
    if aborted {
        if let Some(mut active) = client.active.take() {
            active.proxy.handle_client_abort(now, &mut upstreams[active.upstream]);
            while let Some(action) = active.proxy.poll_action() {
                if let Action::AccessLog(line) = action
                    && let Some(path) = &active.access_log
                {
                    log(k, now, worker, path, &line);
                }
            }
            if let Some(mut conn) = active.conn.take() {
                conn.release(k);
            }
        }
        client.stream.release(k);
        return true;
    }
    if client.active.is_none() && client.retiring && !client.stream.closing() {
        client.stream.close_when_flushed();
        moved = true;
    }
    if client.active.is_none() && !client.stream.closing() {
        moved |= start_request(k, now, worker, config, upstreams, client);
    }
    if let Some(active) = client.active.as_mut() {
        moved |= drive(k, now, worker, &config.error_log, &mut upstreams[active.upstream], active, &mut client.stream);
        if active.proxy.is_done() {
            if let Some(c) = active.conn.as_mut() {
                c.release(k);
            }
            client.active = None;
            let keepalive =
                client.server.and_then(|s| config.servers.get(s)).map_or(std::time::Duration::from_secs(65), |s| s.keepalive_timeout);
            client.idle_until = now + keepalive;
            // A pipelined request may already be waiting (not after a reload: the old worker
            // closes its connections once their request is done).
            if client.retiring {
                client.stream.close_when_flushed();
            } else if !client.stream.closing() {
                start_request(k, now, worker, config, upstreams, client);
            }
        }
    }
    if client.active.is_none() && !client.stream.closing() && (status == Status::PeerClosed || now >= client.idle_until) {
        client.stream.close_when_flushed();
        moved = true;
    }
    if client.active.is_none() && client.stream.closing() && now >= client.idle_until + LINGER {
        // A close that could not flush in time (the client vanished): abort it.
        client.stream.release(k);
    }
    client.stream.pump(k);
    moved
}

/// Answers a request nginx cannot take with its error page, drops what is left of the input
/// and closes the connection.
fn refuse(client: &mut Client, status: u16, date: &crate::kernel::DateTime) {
    let (head, body) = error_page(status, date);
    client.stream.send(&head);
    client.stream.send(&body);
    client.stream.close_when_flushed();
    client.stream.input.clear();
}

/// Parses a request from the client's input and starts proxying it; true if one started.
fn start_request(k: &mut Kernel, now: SimTime, worker: u32, config: &NginxConfig, upstreams: &mut [Upstream], client: &mut Client) -> bool {
    let date = k.calendar().date(now);
    let (head, head_len) = match parse_request(&client.stream.input, &Limits::NGINX) {
        Parsed::Partial => return false,
        Parsed::Invalid(err) => {
            let status = match err {
                HeadError::FieldTooLong { .. } | HeadError::HeadTooLarge | HeadError::TooManyFields => 494,
                HeadError::StartLineTooLong => 414,
                HeadError::Malformed => 400,
            };
            refuse(client, status, &date);
            return true;
        }
        Parsed::Complete { head, head_len } => (head, head_len),
    };
    let Some(extent) = head.extent(head_len, CLIENT_MAX_BODY_SIZE) else {
        // A Content-Length beyond nginx's off_t is invalid (400); a body over
        // client_max_body_size is 413 Request Entity Too Large. The connection closes.
        let status = if head.content_length().is_some_and(|n| i64::try_from(n).is_err()) { 400 } else { 413 };
        refuse(client, status, &date);
        return true;
    };
    if client.stream.input.len() < extent {
        return false;
    }
    let body = client.stream.input[head_len..extent].to_vec();
    client.stream.input.drain(..extent);
    let Some((client_ip, _)) = k.tcp_remote(client.stream.handle) else { return false };
    let Some((local_ip, local_port)) = k.tcp_local(client.stream.handle) else { return false };
    let server = config.find_server(local_ip, local_port, head.header("Host"));
    let proxy = server.and_then(|s| s.find_location(&head.target)).and_then(|l| l.proxy.as_ref());
    let (Some(server), Some(proxy)) = (server, proxy) else {
        // No proxied location: labsim's nginx serves no static files, so the answer is 404.
        let (head, body) = crate::proto::nginx::pages::error_response(404, &date, wants_keep_alive(&head));
        client.stream.send(&head);
        client.stream.send(&body);
        return true;
    };
    let format = server.access_log.as_ref().and_then(|(_, name)| config.log_format(name)).map(str::to_owned);
    let ctx = RequestCtx {
        client_ip,
        conn_number: client.number,
        worker_pid: worker,
        calendar: k.calendar(),
        server_name: server.name().to_owned(),
        access_log_format: format,
    };
    let proxy_request = ProxyRequest::new(now, head, body, ctx, proxy, &mut upstreams[proxy.upstream]);
    let access_log = server.access_log.as_ref().map(|(path, _)| path.clone());
    client.active = Some(Active { proxy: proxy_request, upstream: proxy.upstream, access_log, conn: None, connected: false });
    true
}

/// Feeds the upstream connection's events to the request and carries out its actions.
fn drive(k: &mut Kernel, now: SimTime, worker: u32, error_log: &str, up: &mut Upstream, active: &mut Active, client: &mut Stream) -> bool {
    let mut moved = false;
    if let Some(conn) = active.conn.as_mut() {
        let (status, io) = conn.pump(k);
        moved |= io;
        match status {
            Status::Connecting => {}
            Status::Open | Status::PeerClosed => {
                if !active.connected {
                    active.connected = true;
                    active.proxy.handle_connected(now);
                    moved = true;
                }
                if !conn.input.is_empty() {
                    let data = std::mem::take(&mut conn.input);
                    active.proxy.handle_upstream_data(now, up, &data);
                    moved = true;
                }
                if status == Status::PeerClosed {
                    active.proxy.handle_upstream_eof(now, up);
                    conn.release(k);
                    active.conn = None;
                    moved = true;
                }
            }
            Status::Refused | Status::Unreachable | Status::Reset => {
                let was_connected = active.connected;
                conn.release(k);
                active.conn = None;
                if was_connected {
                    active.proxy.handle_upstream_eof(now, up);
                } else {
                    let err = if status == Status::Unreachable { ConnectError::HostUnreachable } else { ConnectError::Refused };
                    active.proxy.handle_connect_failed(now, up, err);
                }
                moved = true;
            }
        }
    }
    if active.proxy.poll_timeout().is_some_and(|t| t <= now) {
        active.proxy.handle_timeout(now, up);
        moved = true;
    }
    while let Some(action) = active.proxy.poll_action() {
        moved = true;
        match action {
            Action::Connect { peer: (ip, port), .. } => {
                if let Some(mut old) = active.conn.take() {
                    old.release(k);
                }
                active.connected = false;
                match k.tcp_connect(ip, port) {
                    Some(h) => active.conn = Some(Stream::new(h)),
                    None => active.proxy.handle_connect_failed(now, up, ConnectError::HostUnreachable),
                }
            }
            Action::SendUpstream(bytes) => {
                if let Some(c) = active.conn.as_mut() {
                    c.send(&bytes);
                    c.pump(k);
                }
            }
            Action::CloseUpstream => {
                if let Some(mut c) = active.conn.take() {
                    c.release(k);
                }
            }
            Action::RespondHead(bytes) | Action::RespondBody(bytes) => client.send(&bytes),
            Action::Finish { keep_alive } => {
                if !keep_alive {
                    client.close_when_flushed();
                }
            }
            Action::ErrorLog(line) => log(k, now, worker, error_log, &line),
            Action::AccessLog(line) => {
                if let Some(path) = &active.access_log {
                    log(k, now, worker, path, &line);
                }
            }
        }
    }
    moved
}

fn log(k: &mut Kernel, now: SimTime, pid: u32, file: &str, line: &str) {
    k.fs_mut().append_line(file, line, now);
    k.syslog(now, "nginx", pid, line.to_owned());
}
