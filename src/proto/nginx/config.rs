//! The configuration nginx 1.22.1 reads: `/etc/nginx/nginx.conf` plus what it `include`s, in
//! nginx syntax, turned into [`NginxConfig`] or nginx's `[emerg]` ([`Emerg`]).
//!
//! Files come through [`ConfFiles`] and host names through [`Resolver`] (the glue answers from
//! the host's filesystem and `/etc/hosts`); names are resolved once, at load, as nginx does
//! (spec-nginx-upstream §1). The parsing itself is in `parse.rs`; this file holds the data
//! model, the stock files ([`DEFAULT_NGINX_CONF`], [`DEFAULT_MIME_TYPES`]) and `nginx -t`.
//!
//! labsim runs one worker process whatever `worker_processes` says (§1.1): without a `zone`
//! every nginx worker has its own peer state, so one worker is the deterministic reading.

use std::net::Ipv4Addr;
use std::time::Duration;

/// The main configuration file.
pub const NGINX_CONF_PATH: &str = "/etc/nginx/nginx.conf";

/// RHEL/CentOS 7's stock `/etc/nginx/nginx.conf` (the lab's distribution), reduced to what
/// matters: no default `server` block, so `conf.d/*.conf` decides what listens.
pub const DEFAULT_NGINX_CONF: &str = "\
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
pub const MIME_TYPES_PATH: &str = "/etc/nginx/mime.types";

/// A shortened `/etc/nginx/mime.types` (the glue places it next to [`DEFAULT_NGINX_CONF`]).
pub const DEFAULT_MIME_TYPES: &str = "
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
pub trait ConfFiles {
    /// The contents of `path`, or `None` when it does not exist.
    fn read(&self, path: &str) -> Option<String>;
    /// Existing paths matching the glob `pattern` (`*`, `?` in the last component), sorted.
    fn glob(&self, pattern: &str) -> Vec<String>;
}

/// Name resolution at load time (`/etc/hosts`; dotted quads never reach it).
pub trait Resolver {
    /// The IPv4 addresses of `host`, in order; empty when unknown.
    fn resolve(&self, host: &str) -> Vec<Ipv4Addr>;
}

/// A resolver that knows no names (only dotted quads work).
pub struct NoNames;

impl Resolver for NoNames {
    fn resolve(&self, _host: &str) -> Vec<Ipv4Addr> {
        Vec::new()
    }
}

/// An `[emerg]`: nginx refuses the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Emerg {
    /// The message, e.g. `unknown directive "prox_pass"`.
    pub text: String,
    /// The file it was found in (empty for errors not tied to a file).
    pub file: String,
    /// 1-based line (0 when not tied to a line).
    pub line: usize,
}

impl Emerg {
    /// The stderr line: `nginx: [emerg] TEXT in FILE:LINE`.
    pub fn stderr_line(&self) -> String {
        if self.file.is_empty() {
            format!("nginx: [emerg] {}", self.text)
        } else {
            format!("nginx: [emerg] {} in {}:{}", self.text, self.file, self.line)
        }
    }
}

/// A `[warn]` printed while loading (e.g. `load balancing method redefined`).
pub type Warn = Emerg;

/// A successfully loaded configuration and the warnings printed on the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded {
    /// The configuration.
    pub config: NginxConfig,
    /// `[warn]` messages, in order.
    pub warnings: Vec<Warn>,
}

/// Everything labsim uses from the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NginxConfig {
    /// `worker_processes` as written (labsim always runs one worker).
    pub worker_processes: String,
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
pub enum Balance {
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
pub struct UpstreamConfig {
    /// The group name (`jt`; for implicit groups the host as written).
    pub name: String,
    /// One entry per resolved address, in config order.
    pub servers: Vec<ServerEntry>,
    /// `ip_hash` / `least_conn`.
    pub balance: Balance,
    /// `keepalive N` (parsed; labsim opens a fresh connection per request regardless).
    pub keepalive: Option<u32>,
    /// Created by `proxy_pass` without an `upstream` block.
    pub implicit: bool,
}

/// One peer from `server host[:port] [params]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerEntry {
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
    pub fn name(&self) -> String {
        format!("{}:{}", self.addr, self.port)
    }
}

/// `listen [addr:]port [default_server]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listen {
    /// Bound address (`None` = `0.0.0.0`).
    pub addr: Option<Ipv4Addr>,
    /// Port.
    pub port: u16,
    /// `default_server` (or `default`).
    pub default_server: bool,
}

/// One `server { … }` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
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
    pub fn name(&self) -> &str {
        self.server_names.first().map(String::as_str).unwrap_or("")
    }

    /// The location for `uri`: an exact `=` match, else the longest matching prefix.
    pub fn find_location(&self, uri: &str) -> Option<&LocationConfig> {
        let path = uri.split(['?', '#']).next().unwrap_or(uri);
        if let Some(l) = self.locations.iter().find(|l| l.exact && l.prefix == path) {
            return Some(l);
        }
        self.locations.iter().filter(|l| !l.exact && !l.regex && path.starts_with(&l.prefix)).max_by_key(|l| l.prefix.len())
    }
}

/// One `location [=|^~] PREFIX { … }`. Regex locations (`~`, `~*`) are parsed but never match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocationConfig {
    /// The prefix (or exact URI).
    pub prefix: String,
    /// `=`.
    pub exact: bool,
    /// `~` or `~*` (not modelled: never matches).
    pub regex: bool,
    /// `proxy_pass` and the proxy settings in effect; `None` when the location serves files.
    pub proxy: Option<ProxyConfig>,
}

/// `proxy_next_upstream` bits (`NGX_HTTP_UPSTREAM_FT_*`).
pub mod ft {
    /// `error`.
    pub const ERROR: u32 = 0x2;
    /// `timeout`.
    pub const TIMEOUT: u32 = 0x4;
    /// `invalid_header`.
    pub const INVALID_HEADER: u32 = 0x8;
    /// `http_500`.
    pub const HTTP_500: u32 = 0x10;
    /// `http_502`.
    pub const HTTP_502: u32 = 0x20;
    /// `http_503`.
    pub const HTTP_503: u32 = 0x40;
    /// `http_504`.
    pub const HTTP_504: u32 = 0x80;
    /// `http_403`.
    pub const HTTP_403: u32 = 0x100;
    /// `http_404`.
    pub const HTTP_404: u32 = 0x200;
    /// `http_429`.
    pub const HTTP_429: u32 = 0x400;
    /// `non_idempotent`.
    pub const NON_IDEMPOTENT: u32 = 0x2000;
    /// No live upstreams (never in a mask).
    pub const NOLIVE: u32 = 0x4000_0000;
    /// `off`.
    pub const OFF: u32 = 0x8000_0000;
}

/// The proxy settings of a location after inheritance from `server` and `http`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyConfig {
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
    /// Reads [`NGINX_CONF_PATH`] and its includes.
    pub fn load(files: &dyn ConfFiles, resolver: &dyn Resolver) -> Result<Loaded, Emerg> {
        super::parse::load(NGINX_CONF_PATH, files, resolver)
    }

    /// The `server` for a connection to `local` (address, port) carrying `Host: host`: the
    /// blocks listening there, the one whose `server_name` equals the host, else the
    /// `default_server`, else the first.
    pub fn find_server(&self, local: Ipv4Addr, port: u16, host: Option<&str>) -> Option<&ServerConfig> {
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
    pub fn listen_ports(&self) -> Vec<(Option<Ipv4Addr>, u16)> {
        let mut v: Vec<(Option<Ipv4Addr>, u16)> = Vec::new();
        for l in self.servers.iter().flat_map(|s| s.listens.iter()) {
            if !v.contains(&(l.addr, l.port)) {
                v.push((l.addr, l.port));
            }
        }
        v
    }

    /// The format string of `log_format NAME`.
    pub fn log_format(&self, name: &str) -> Option<&str> {
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

/// `nginx -t`: the stderr lines and the exit status (0 or 1).
pub fn nginx_t(files: &dyn ConfFiles, resolver: &dyn Resolver) -> (Vec<String>, i32) {
    match NginxConfig::load(files, resolver) {
        Ok(loaded) => {
            let mut lines: Vec<String> = loaded.warnings.iter().map(warn_line).collect();
            lines.push(format!("nginx: the configuration file {NGINX_CONF_PATH} syntax is ok"));
            lines.push(format!("nginx: configuration file {NGINX_CONF_PATH} test is successful"));
            (lines, 0)
        }
        Err(e) => (vec![e.stderr_line(), format!("nginx: configuration file {NGINX_CONF_PATH} test failed")], 1),
    }
}

/// `nginx: [warn] TEXT in FILE:LINE`.
pub fn warn_line(w: &Warn) -> String {
    format!("nginx: [warn] {} in {}:{}", w.text, w.file, w.line)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The lab manual's `proxy.conf` (seed README), line for line.
    pub(crate) const LAB_PROXY_CONF: &str = "\
upstream jt {
    server 192.168.20.201:80;
    server 192.168.20.202:80;
    server 192.168.20.203:80;
}
server {
    server_name 172.2.20.100;
    listen 80;
    location / {
        proxy_set_header Host $host;
        proxy_set_header X-Real-IP $remote_addr;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_pass http://jt;
    }
}
";

    pub(crate) struct Files(pub Vec<(String, String)>);

    impl ConfFiles for Files {
        fn read(&self, path: &str) -> Option<String> {
            self.0.iter().find(|(p, _)| p == path).map(|(_, t)| t.clone())
        }
        fn glob(&self, pattern: &str) -> Vec<String> {
            let (dir, pat) = pattern.rsplit_once('/').unwrap_or(("", pattern));
            let (pre, suf) = pat.split_once('*').unwrap_or((pat, ""));
            let mut v: Vec<String> = self
                .0
                .iter()
                .map(|(p, _)| p.clone())
                .filter(|p| p.rsplit_once('/').is_some_and(|(d, f)| d == dir && f.starts_with(pre) && f.ends_with(suf)))
                .collect();
            v.sort();
            v
        }
    }

    struct Hosts;
    impl Resolver for Hosts {
        fn resolve(&self, host: &str) -> Vec<Ipv4Addr> {
            match host {
                "web-1" => vec![Ipv4Addr::new(192, 168, 20, 201)],
                "web-2" => vec![Ipv4Addr::new(192, 168, 20, 202)],
                _ => vec![],
            }
        }
    }

    pub(crate) fn lab_files(proxy_conf: &str) -> Files {
        Files(vec![
            (NGINX_CONF_PATH.into(), DEFAULT_NGINX_CONF.into()),
            (MIME_TYPES_PATH.into(), DEFAULT_MIME_TYPES.into()),
            ("/etc/nginx/conf.d/proxy.conf".into(), proxy_conf.into()),
        ])
    }

    fn emerg(proxy_conf: &str) -> String {
        match NginxConfig::load(&lab_files(proxy_conf), &Hosts) {
            Ok(_) => "ok".into(),
            Err(e) => e.stderr_line(),
        }
    }

    #[test]
    fn lab_proxy_conf_parses() {
        let loaded = NginxConfig::load(&lab_files(LAB_PROXY_CONF), &Hosts).unwrap();
        assert!(loaded.warnings.is_empty());
        let c = loaded.config;
        assert_eq!(c.upstreams.len(), 1);
        let jt = &c.upstreams[0];
        assert_eq!(jt.name, "jt");
        let names: Vec<String> = jt.servers.iter().map(ServerEntry::name).collect();
        assert_eq!(names, ["192.168.20.201:80", "192.168.20.202:80", "192.168.20.203:80"]);
        assert!(jt.servers.iter().all(|s| s.weight == 1 && s.max_fails == 1 && s.fail_timeout_s == 10));
        assert_eq!(c.servers.len(), 1);
        let s = &c.servers[0];
        assert_eq!(s.name(), "172.2.20.100");
        assert_eq!(s.listens, [Listen { addr: None, port: 80, default_server: false }]);
        assert_eq!(s.keepalive_timeout, Duration::from_secs(65));
        assert_eq!(s.access_log, Some(("/var/log/nginx/access.log".into(), "main".into())));
        let loc = s.find_location("/index.html").unwrap();
        let p = loc.proxy.as_ref().unwrap();
        assert_eq!((p.upstream, p.proxy_host.as_str(), p.uri.as_deref()), (0, "jt", None));
        assert_eq!(p.set_headers[2], ("X-Forwarded-For".to_string(), "$proxy_add_x_forwarded_for".to_string()));
        assert_eq!(p.next_upstream, ft::ERROR | ft::TIMEOUT);
        assert_eq!((p.connect_timeout, p.read_timeout), (Duration::from_secs(60), Duration::from_secs(60)));
        assert_eq!(p.http_version, "1.0");
        let srv = c.find_server(Ipv4Addr::new(172, 2, 20, 100), 80, Some("172.2.20.100")).unwrap();
        assert_eq!(srv.name(), "172.2.20.100");
        assert!(c.log_format("main").unwrap().ends_with("\"$http_x_forwarded_for\""));
    }

    #[test]
    fn nginx_t_success_and_failure_lines() {
        let (lines, code) = nginx_t(&lab_files(LAB_PROXY_CONF), &Hosts);
        assert_eq!(code, 0);
        assert_eq!(
            lines,
            [
                "nginx: the configuration file /etc/nginx/nginx.conf syntax is ok",
                "nginx: configuration file /etc/nginx/nginx.conf test is successful"
            ]
        );
        let bad = LAB_PROXY_CONF.replace("proxy_pass http://jt;", "prox_pass http://jt;");
        let (lines, code) = nginx_t(&lab_files(&bad), &Hosts);
        assert_eq!(code, 1);
        assert_eq!(
            lines,
            [
                "nginx: [emerg] unknown directive \"prox_pass\" in /etc/nginx/conf.d/proxy.conf:13",
                "nginx: configuration file /etc/nginx/nginx.conf test failed"
            ]
        );
    }

    #[test]
    fn missing_semicolons() {
        // Before `}`: the `}` is met inside the directive.
        let c = LAB_PROXY_CONF.replace("proxy_pass http://jt;", "proxy_pass http://jt");
        assert_eq!(emerg(&c), "nginx: [emerg] unexpected \"}\" in /etc/nginx/conf.d/proxy.conf:14");
        // Before another directive: both run together.
        let c = LAB_PROXY_CONF.replace("Host $host;", "Host $host");
        assert_eq!(
            emerg(&c),
            "nginx: [emerg] invalid number of arguments in \"proxy_set_header\" directive in /etc/nginx/conf.d/proxy.conf:11"
        );
        // Before a block: the `{` ends a simple directive.
        let c = LAB_PROXY_CONF.replace("listen 80;", "listen 80");
        assert_eq!(emerg(&c), "nginx: [emerg] directive \"listen\" is not terminated by \";\" in /etc/nginx/conf.d/proxy.conf:9");
        // At the end of the file.
        assert_eq!(emerg("upstream jt { server web-1 }"), "nginx: [emerg] unexpected \"}\" in /etc/nginx/conf.d/proxy.conf:1");
        assert_eq!(
            emerg("upstream jt {\n server web-1;\n"),
            "nginx: [emerg] unexpected end of file, expecting \"}\" in /etc/nginx/conf.d/proxy.conf:3"
        );
    }

    #[test]
    fn upstream_errors() {
        let c = LAB_PROXY_CONF.replace("192.168.20.202:80", "web-9:80");
        assert_eq!(emerg(&c), "nginx: [emerg] host not found in upstream \"web-9:80\" in /etc/nginx/conf.d/proxy.conf:3");
        let c = "upstream jt {\n}\nserver { location / { proxy_pass http://jt; } }\n";
        assert_eq!(emerg(c), "nginx: [emerg] no servers are inside upstream in /etc/nginx/conf.d/proxy.conf:2");
        let c = "upstream jt {\n server web-1 backup;\n}\n";
        assert_eq!(emerg(c), "nginx: [emerg] no servers in upstream \"jt\" in /etc/nginx/conf.d/proxy.conf:1");
        let c = LAB_PROXY_CONF.replace("192.168.20.201:80;", "192.168.20.201:80 wieght=2;");
        assert_eq!(emerg(&c), "nginx: [emerg] invalid parameter \"wieght=2\" in /etc/nginx/conf.d/proxy.conf:2");
        let c = LAB_PROXY_CONF.replace("proxy_pass http://jt;", "proxy_pass http://jtt;");
        assert_eq!(emerg(&c), "nginx: [emerg] host not found in upstream \"jtt\" in /etc/nginx/conf.d/proxy.conf:13");
        let c = LAB_PROXY_CONF.replace("listen 80;", "listen 80;\n    proxy_pass http://jt;");
        assert_eq!(emerg(&c), "nginx: [emerg] \"proxy_pass\" directive is not allowed here in /etc/nginx/conf.d/proxy.conf:9");
    }

    #[test]
    fn parameters_units_and_names() {
        let c = "upstream jt {\n server web-1 weight=3 max_fails=2 fail_timeout=1m;\n server web-2:8080 backup;\n \
                 server 10.0.0.9 down;\n least_conn;\n keepalive 8;\n}\n\
                 server { listen 10.0.0.1:8080 default_server; location /app/ { proxy_pass http://jt/x/;\n \
                 proxy_connect_timeout 500ms; proxy_read_timeout 1m30s; proxy_http_version 1.1;\n \
                 proxy_next_upstream error http_502; } location / { proxy_pass http://web-2:8080; } }\n";
        let l = NginxConfig::load(&lab_files(c), &Hosts).unwrap().config;
        let jt = &l.upstreams[0];
        assert_eq!((jt.servers[0].weight, jt.servers[0].max_fails, jt.servers[0].fail_timeout_s), (3, 2, 60));
        assert!(jt.servers[1].backup && jt.servers[1].port == 8080 && jt.servers[2].down);
        assert_eq!((jt.balance, jt.keepalive), (Balance::LeastConn, Some(8)));
        let s = &l.servers[0];
        assert_eq!(s.listens[0], Listen { addr: Some(Ipv4Addr::new(10, 0, 0, 1)), port: 8080, default_server: true });
        let p = s.find_location("/app/a").unwrap().proxy.as_ref().unwrap();
        assert_eq!((p.connect_timeout, p.read_timeout), (Duration::from_millis(500), Duration::from_secs(90)));
        assert_eq!((p.uri.as_deref(), p.http_version.as_str()), (Some("/x/"), "1.1"));
        assert_eq!(p.next_upstream, ft::ERROR | ft::TIMEOUT | ft::HTTP_502);
        let p = s.find_location("/other").unwrap().proxy.as_ref().unwrap();
        assert_eq!((p.proxy_host.as_str(), l.upstreams[p.upstream].implicit), ("web-2:8080", true));
        assert_eq!(super::super::parse_time("10s", true), Some(10));
        assert_eq!(super::super::parse_time("500ms", true), None);
        assert_eq!(super::super::parse_time("1h", false), Some(3_600_000));
        assert_eq!(super::super::parse_time("s", true), None);
        assert_eq!(
            emerg("server { proxy_connect_timeout 5x; }"),
            "nginx: [emerg] \"proxy_connect_timeout\" directive invalid value in /etc/nginx/conf.d/proxy.conf:1"
        );
    }
}
