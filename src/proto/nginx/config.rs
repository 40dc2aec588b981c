//! The configuration nginx 1.22.1 reads: `/etc/nginx/nginx.conf` plus what it `include`s, in
//! nginx syntax, turned into [`NginxConfig`] or nginx's `[emerg]` ([`Emerg`]), or its crash
//! ([`Refused`]).
//!
//! Files come through [`ConfFiles`] and host names through [`Resolver`] (the glue answers from
//! the host's filesystem and `/etc/hosts`); names are resolved once, at load, as nginx does
//! (spec-nginx-upstream §1). The parsing itself is in `parse.rs`; this file holds the data
//! model, the stock files ([`DEFAULT_NGINX_CONF`], [`DEFAULT_MIME_TYPES`]) and `nginx -t`.
//!
//! `worker_processes` ([`Workers`]) gives the number of worker processes; without a `zone` each
//! keeps its own peer state (§1.1), and which one takes a connection is `accept`'s.

use std::net::Ipv4Addr;
use std::rc::Rc;
use std::time::Duration;

use crate::kernel::DateTime;

/// The main configuration file.
pub(crate) const NGINX_CONF_PATH: &str = "/etc/nginx/nginx.conf";

/// RHEL/CentOS 7's stock `/etc/nginx/nginx.conf` (the lab's distribution), reduced to what
/// matters: no default `server` block, so `conf.d/*.conf` decides what listens.
pub(crate) const DEFAULT_NGINX_CONF: &str = "\
user nginx;
worker_processes auto;
error_log /var/log/nginx/error.log;
pid /run/nginx.pid;

events {
    worker_connections 1024;
}

http {
    log_format  main  '$remote_addr - $remote_user [$time_local] \"$request\" '
                      '$status $body_bytes_sent \"$http_referer\" '
                      '\"$http_user_agent\" \"$http_x_forwarded_for\"';

    access_log  /var/log/nginx/access.log  main;

    sendfile            on;
    tcp_nopush          on;
    tcp_nodelay         on;
    keepalive_timeout   65;
    types_hash_max_size 2048;

    include             /etc/nginx/mime.types;
    default_type        application/octet-stream;

    include /etc/nginx/conf.d/*.conf;
}
";

/// Path of the MIME types file the stock configuration includes.
pub(crate) const MIME_TYPES_PATH: &str = "/etc/nginx/mime.types";

/// A shortened `/etc/nginx/mime.types` (the glue places it next to [`DEFAULT_NGINX_CONF`]).
pub(crate) const DEFAULT_MIME_TYPES: &str = "
types {
    text/html                                        html htm shtml;
    text/css                                         css;
    text/xml                                         xml;
    image/gif                                        gif;
    image/jpeg                                       jpeg jpg;
    application/javascript                           js;
    text/plain                                       txt;
    image/png                                        png;
    image/x-icon                                     ico;
    application/json                                 json;
    application/octet-stream                         bin exe dll;
}
";

/// Access to the host's files while the configuration is read.
pub(crate) trait ConfFiles {
    /// The contents of `path`, or `None` when it does not exist.
    fn read(&self, path: &str) -> Option<String>;
    /// Existing paths matching the glob `pattern` (`*`, `?` in the last component), sorted.
    fn glob(&self, pattern: &str) -> Vec<String>;
}

/// Name resolution at load time (`/etc/hosts`; dotted quads never reach it).
pub(crate) trait Resolver {
    /// The IPv4 addresses of `host`, in order; empty when unknown.
    fn resolve(&self, host: &str) -> Vec<Ipv4Addr>;
}

/// `keepalive_timeout` when no `http`, `server` or `location` sets it (`ngx_http_core_module.c`).
pub(crate) const DEFAULT_KEEPALIVE_TIMEOUT: Duration = Duration::from_secs(75);

/// A resolver that knows no names (only dotted quads work).
#[cfg(test)]
pub(crate) struct NoNames;

#[cfg(test)]
impl Resolver for NoNames {
    fn resolve(&self, _host: &str) -> Vec<Ipv4Addr> {
        Vec::new()
    }
}

/// The start of every error-log line process `pid` writes at `date` with `level`
/// (`ngx_log_error_core`): `2026/11/24 16:00:00 [warn] 1000#1000: `. nginx's thread id is its
/// pid, as in a worker without threads.
pub(crate) fn error_log_prefix(date: &DateTime, level: &str, pid: u32) -> String {
    let d = date;
    format!("{:04}/{:02}/{:02} {:02}:{:02}:{:02} [{level}] {pid}#{pid}: ", d.year, d.month, d.day, d.hour, d.minute, d.second)
}

/// An `[emerg]`: nginx refuses the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Emerg {
    /// The message, e.g. `unknown directive "prox_pass"`.
    pub text: String,
    /// The file it was found in (empty for errors not tied to a file).
    pub file: String,
    /// 1-based line (0 when not tied to a line).
    pub line: usize,
}

impl Emerg {
    /// The error-log line nginx process `pid` writes at `date`:
    /// `2026/11/24 16:00:00 [warn] 1000#1000: TEXT in FILE:LINE`.
    pub(crate) fn error_log_line(&self, level: &str, date: &DateTime, pid: u32) -> String {
        let at = if self.file.is_empty() { String::new() } else { format!(" in {}:{}", self.file, self.line) };
        format!("{}{}{at}", error_log_prefix(date, level, pid), self.text)
    }

    /// The stderr line: `nginx: [emerg] TEXT in FILE:LINE`.
    pub(crate) fn stderr_line(&self) -> String {
        if self.file.is_empty() {
            format!("nginx: [emerg] {}", self.text)
        } else {
            format!("nginx: [emerg] {} in {}:{}", self.text, self.file, self.line)
        }
    }
}

/// A `[warn]` printed while loading (e.g. `load balancing method redefined`).
pub(crate) type Warn = Emerg;

/// Why nginx did not take a configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refused {
    /// It printed an `[emerg]` and exited with status 1.
    Emerg(Emerg),
    /// It died of SIGSEGV while reading, nesting deeper than its stack holds (`parse.rs`), and
    /// printed nothing.
    Segfault,
}

impl From<Emerg> for Refused {
    fn from(e: Emerg) -> Refused {
        Refused::Emerg(e)
    }
}

/// How `nginx -t` ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TestRun {
    /// Its stderr lines and its exit status (0 or 1).
    Exit(Vec<String>, i32),
    /// SIGSEGV, before it printed anything ([`Refused::Segfault`]).
    Segfault,
}

/// A successfully loaded configuration and the warnings printed on the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Loaded {
    /// The configuration.
    pub config: NginxConfig,
    /// `[warn]` messages, in order.
    pub warnings: Vec<Warn>,
}

/// `worker_processes N` or `auto` (`ngx_set_worker_processes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Workers {
    /// `auto`: one per CPU (`ngx_ncpu`, from `sysconf(_SC_NPROCESSORS_ONLN)`).
    Auto,
    /// A number (0 is accepted: a master with no worker).
    Count(u32),
}

/// `NGX_MAX_PROCESSES`: `ngx_spawn_process` refuses to start more processes than this.
const MAX_PROCESSES: u32 = 1024;

impl Workers {
    /// How many workers run on a host with `cpus` CPUs.
    pub(crate) fn count(self, cpus: u32) -> usize {
        let n = match self {
            Workers::Auto => cpus,
            Workers::Count(n) => n,
        };
        n.min(MAX_PROCESSES) as usize
    }
}

/// `worker_connections` without the directive: `DEFAULT_CONNECTIONS` (`src/event/ngx_event.c`,
/// `ngx_event_core_init_conf`). CentOS 7's (EPEL's) stock `nginx.conf` sets 1024.
pub(crate) const DEFAULT_CONNECTIONS: usize = 512;

/// Everything labsim uses from the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NginxConfig {
    /// `worker_processes` (default 1).
    pub worker_processes: Workers,
    /// `worker_connections` (default [`DEFAULT_CONNECTIONS`]): each worker's connections,
    /// listening sockets, the channel to the master, clients and upstreams together.
    pub worker_connections: usize,
    /// `pid` (default `/run/nginx.pid`).
    pub pid_path: String,
    /// `error_log` path of the main context (default `/var/log/nginx/error.log`).
    pub error_log: String,
    /// `log_format` definitions (name, format), `combined` first.
    pub log_formats: Vec<(String, String)>,
    /// Upstream groups: explicit `upstream` blocks and implicit ones from `proxy_pass`, in order.
    pub upstreams: Vec<UpstreamConfig>,
    /// `server` blocks in file order.
    pub servers: Vec<ServerConfig>,
}

/// Balancing method of an upstream group (§2, §10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Balance {
    /// Smooth weighted round robin (the default).
    #[default]
    RoundRobin,
    /// `ip_hash;`
    IpHash,
    /// `least_conn;`
    LeastConn,
}

/// One `upstream NAME { … }` (or the implicit group of `proxy_pass http://host:port`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UpstreamConfig {
    /// The group name (`jt`; for implicit groups the host as written).
    pub name: String,
    /// One entry per resolved address, in config order.
    pub servers: Vec<ServerEntry>,
    /// `ip_hash` / `least_conn`.
    pub balance: Balance,
    /// Created by `proxy_pass` without an `upstream` block.
    pub implicit: bool,
}

/// One peer from `server host[:port] [params]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ServerEntry {
    /// Address.
    pub addr: Ipv4Addr,
    /// Port (80 by default).
    pub port: u16,
    /// `weight=` (1).
    pub weight: u32,
    /// `max_fails=` (1; 0 disables accounting).
    pub max_fails: u32,
    /// `fail_timeout=` in whole seconds (10).
    pub fail_timeout_s: u64,
    /// `max_conns=` (0 = unlimited).
    pub max_conns: u32,
    /// `backup`.
    pub backup: bool,
    /// `down`.
    pub down: bool,
}

impl ServerEntry {
    /// The peer name nginx logs: `ip:port`.
    pub(crate) fn name(&self) -> String {
        format!("{}:{}", self.addr, self.port)
    }
}

/// `listen [addr:]port [default_server]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Listen {
    /// Bound address (`None` = `0.0.0.0`).
    pub addr: Option<Ipv4Addr>,
    /// Port.
    pub port: u16,
    /// `default_server` (or `default`).
    pub default_server: bool,
}

/// One `server { … }` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ServerConfig {
    /// `listen` directives (`listen 80` when none is given, as nginx running as root).
    pub listens: Vec<Listen>,
    /// `server_name` values (`""` when absent: the log shows `server: ,`).
    pub server_names: Vec<String>,
    /// `location` blocks in order.
    pub locations: Vec<LocationConfig>,
    /// `keepalive_timeout` for client connections (75 s default, 65 s in the stock file).
    pub keepalive_timeout: Duration,
    /// `access_log` target: (path, format name); `None` = `off`.
    pub access_log: Option<(String, String)>,
    /// `error_log` path in effect.
    pub error_log: String,
    /// The first file/line of the block (for messages).
    pub file: String,
}

impl ServerConfig {
    /// The first `server_name` (`""` when none): what `$host` falls back to and logs print.
    pub(crate) fn name(&self) -> &str {
        self.server_names.first().map(String::as_str).unwrap_or("")
    }

    /// The location for `uri`: an exact `=` match, else the longest matching prefix.
    pub(crate) fn find_location(&self, uri: &str) -> Option<&LocationConfig> {
        let path = uri.split(['?', '#']).next().unwrap_or(uri);
        if let Some(l) = self.locations.iter().find(|l| l.exact && l.prefix == path) {
            return Some(l);
        }
        self.locations.iter().filter(|l| !l.exact && !l.regex && path.starts_with(&l.prefix)).max_by_key(|l| l.prefix.len())
    }
}

/// One `location [=|^~] PREFIX { … }`. Regex locations (`~`, `~*`) are parsed but never match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LocationConfig {
    /// The prefix (or exact URI).
    pub prefix: String,
    /// `=`.
    pub exact: bool,
    /// `~` or `~*` (not modelled: never matches).
    pub regex: bool,
    /// `proxy_pass` and the proxy settings in effect; `None` when the location serves files.
    /// Shared with each request proxied through it (a reload's new settings leave them theirs).
    pub proxy: Option<Rc<ProxyConfig>>,
}

/// `proxy_next_upstream` bits (`NGX_HTTP_UPSTREAM_FT_*`).
pub(crate) mod ft {
    /// `error`.
    pub(crate) const ERROR: u32 = 0x2;
    /// `timeout`.
    pub(crate) const TIMEOUT: u32 = 0x4;
    /// `invalid_header`.
    pub(crate) const INVALID_HEADER: u32 = 0x8;
    /// `http_500`.
    pub(crate) const HTTP_500: u32 = 0x10;
    /// `http_502`.
    pub(crate) const HTTP_502: u32 = 0x20;
    /// `http_503`.
    pub(crate) const HTTP_503: u32 = 0x40;
    /// `http_504`.
    pub(crate) const HTTP_504: u32 = 0x80;
    /// `http_403`.
    pub(crate) const HTTP_403: u32 = 0x100;
    /// `http_404`.
    pub(crate) const HTTP_404: u32 = 0x200;
    /// `http_429`.
    pub(crate) const HTTP_429: u32 = 0x400;
    /// `non_idempotent`.
    pub(crate) const NON_IDEMPOTENT: u32 = 0x2000;
    /// No live upstreams (never in a mask).
    pub(crate) const NOLIVE: u32 = 0x4000_0000;
    /// `off`.
    pub(crate) const OFF: u32 = 0x8000_0000;
}

/// The proxy settings of a location after inheritance from `server` and `http`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ProxyConfig {
    /// Index into [`NginxConfig::upstreams`].
    pub upstream: usize,
    /// `$proxy_host`: the group name, or `host:port` when the port is not 80.
    pub proxy_host: String,
    /// URI part of `proxy_pass` (`http://jt/app/` → `/app/`), `None` when absent.
    pub uri: Option<String>,
    /// The location prefix (for URI replacement).
    pub location_prefix: String,
    /// `proxy_set_header` in config order (inherited as a whole when the location has none).
    pub set_headers: Vec<(String, String)>,
    /// `proxy_next_upstream` mask (`error timeout`).
    pub next_upstream: u32,
    /// `proxy_next_upstream_tries` (0 = no limit).
    pub next_upstream_tries: u32,
    /// `proxy_next_upstream_timeout` (zero = no limit).
    pub next_upstream_timeout: Duration,
    /// `proxy_connect_timeout` (60 s).
    pub connect_timeout: Duration,
    /// `proxy_send_timeout` (60 s).
    pub send_timeout: Duration,
    /// `proxy_read_timeout` (60 s).
    pub read_timeout: Duration,
    /// `proxy_http_version`: `"1.0"` or `"1.1"`.
    pub http_version: String,
}

impl NginxConfig {
    /// The `server` for a connection to `local` (address, port) carrying `Host: host`: the
    /// blocks listening there, the one whose `server_name` equals the host, else the
    /// `default_server`, else the first.
    pub(crate) fn find_server(&self, local: Ipv4Addr, port: u16, host: Option<&str>) -> Option<&ServerConfig> {
        let listening = |s: &&ServerConfig| s.listens.iter().any(|l| l.port == port && l.addr.is_none_or(|a| a == local));
        let host = host.map(|h| strip_port(h).to_ascii_lowercase());
        if let Some(h) = host.as_deref()
            && let Some(s) = self.servers.iter().filter(listening).find(|s| s.server_names.iter().any(|n| n == h))
        {
            return Some(s);
        }
        let is_default = |s: &&ServerConfig| s.listens.iter().any(|l| l.port == port && l.default_server);
        self.servers.iter().filter(listening).find(is_default).or_else(|| self.servers.iter().find(listening))
    }

    /// Every (address, port) some `server` listens on, deduplicated, in order.
    pub(crate) fn listen_ports(&self) -> Vec<(Option<Ipv4Addr>, u16)> {
        let mut v: Vec<(Option<Ipv4Addr>, u16)> = Vec::new();
        for l in self.servers.iter().flat_map(|s| s.listens.iter()) {
            if !v.contains(&(l.addr, l.port)) {
                v.push((l.addr, l.port));
            }
        }
        v
    }

    /// The format string of `log_format NAME`.
    pub(crate) fn log_format(&self, name: &str) -> Option<&str> {
        self.log_formats.iter().find(|(n, _)| n == name).map(|(_, f)| f.as_str())
    }
}

/// Host header without `:port`.
pub(crate) fn strip_port(h: &str) -> &str {
    match h.rfind(':') {
        Some(i) if !h.ends_with(']') => &h[..i],
        _ => h,
    }
}
