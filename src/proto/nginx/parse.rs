//! Directive handling: walks the token stream of `lexer.rs` through nginx's contexts (`main`,
//! `events`, `http`, `server`, `location`, `upstream`, `types`) and builds
//! [`NginxConfig`]. Messages follow nginx 1.22's texts (`ngx_conf_file.c` `ngx_conf_handler()`,
//! `ngx_http_upstream.c`, `ngx_http_core_module.c`, `ngx_http_proxy_module.c`,
//! `ngx_parse_time()`); they are reported at the line the reader has reached.
//! Directives nginx does not know are refused; the ones it knows and labsim does not model
//! (`directives.rs`) are accepted and ignored with a `[warn]` (argument counts and contexts are
//! still checked), a block such as `if` or `map` with everything in it.
//!
//! nginx reads recursively: `ngx_conf_parse()` calls a block directive's handler, which calls
//! `ngx_conf_parse()` for the block, and `include` calls it for each file, keeping the file
//! open. It sets no limit of its own on either, so two limits of the machine decide, both
//! measured with Debian 12's nginx 1.22.1 (`nginx -t`, `ulimit -s 8192`, `ulimit -n 1024`):
//!
//! - the open files: the 1 020th configuration file open at once (counting `nginx.conf`) fails
//!   with `open() "FILE" failed (24: Too many open files)`, as an include that includes itself
//!   does;
//! - the stack: 13 089 nested `location` blocks in a `server` of `conf.d/*.conf` pass (13 091
//!   blocks open, with `http` and `server`) and 13 090 kill nginx with SIGSEGV before it prints
//!   anything; with 1 000 more nested includes on the way, 11 967 open blocks pass and 11 968
//!   crash. So a block level takes [`BLOCK_UNITS`] of [`STACK_UNITS`] and an included file
//!   [`INCLUDE_UNITS`], and a reading that would go deeper crashes ([`Refused::Segfault`]).
//!
//! This reader keeps its own stack of open files and blocks instead, so labsim itself never
//! recurses with the input's nesting.

use std::net::Ipv4Addr;
use std::rc::Rc;
use std::time::Duration;

use super::config::*;
use super::directives::{self, Args, EVENTS, HTTP, LOC, MAIN, SKIPPED, SRV, Support, TYPES, UPS};
use super::lexer::{LexError, Lexer, Token};

/// Proxy settings at one level (`http`, `server`, `location`), merged child-over-parent.
#[derive(Clone, Default)]
struct ProxyLevel {
    set_headers: Option<Vec<(String, String)>>,
    next_upstream: Option<u32>,
    next_upstream_tries: Option<u32>,
    next_upstream_timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    send_timeout: Option<Duration>,
    read_timeout: Option<Duration>,
    http_version: Option<String>,
}

impl ProxyLevel {
    fn merged(&self, parent: &ProxyLevel) -> ProxyLevel {
        ProxyLevel {
            set_headers: self.set_headers.clone().or_else(|| parent.set_headers.clone()),
            next_upstream: self.next_upstream.or(parent.next_upstream),
            next_upstream_tries: self.next_upstream_tries.or(parent.next_upstream_tries),
            next_upstream_timeout: self.next_upstream_timeout.or(parent.next_upstream_timeout),
            connect_timeout: self.connect_timeout.or(parent.connect_timeout),
            send_timeout: self.send_timeout.or(parent.send_timeout),
            read_timeout: self.read_timeout.or(parent.read_timeout),
            http_version: self.http_version.clone().or_else(|| parent.http_version.clone()),
        }
    }
}

/// Settings shared by http/server/location blocks besides the proxy ones.
#[derive(Clone, Default)]
struct Common {
    proxy: ProxyLevel,
    keepalive_timeout: Option<Duration>,
    access_log: Option<Option<(String, String)>>,
    error_log: Option<String>,
}

impl Common {
    fn merged(&self, parent: &Common) -> Common {
        Common {
            proxy: self.proxy.merged(&parent.proxy),
            keepalive_timeout: self.keepalive_timeout.or(parent.keepalive_timeout),
            access_log: self.access_log.clone().or_else(|| parent.access_log.clone()),
            error_log: self.error_log.clone().or_else(|| parent.error_log.clone()),
        }
    }
}

struct ProxyPass {
    host: String,
    port: Option<u16>,
    uri: Option<String>,
    file: String,
    line: usize,
}

struct LocBuild {
    prefix: String,
    exact: bool,
    regex: bool,
    common: Common,
    /// The enclosing location's settings when this one opened (merged in when it closes).
    inherited: Common,
    pass: Option<ProxyPass>,
}

struct SrvBuild {
    listens: Vec<Listen>,
    names: Vec<String>,
    common: Common,
    locations: Vec<LocBuild>,
    file: String,
}

struct UpsBuild {
    name: String,
    /// Where the `upstream` directive is (for `no servers in upstream`).
    file: String,
    line: usize,
    servers: Vec<ServerEntry>,
    balance: Balance,
}

struct Parser<'a> {
    files: &'a dyn ConfFiles,
    resolver: &'a dyn Resolver,
    warnings: Vec<Warn>,
    worker_processes: Option<Workers>,
    worker_connections: Option<usize>,
    pid: Option<String>,
    error_log: Option<String>,
    log_formats: Vec<(String, String)>,
    http: Common,
    servers: Vec<SrvBuild>,
    /// Locations being read (innermost last).
    loc_stack: Vec<LocBuild>,
    upstreams: Vec<UpsBuild>,
}

/// Configuration files nginx can hold open at once: 1 024 descriptors less its standard streams
/// and two of its own (measured, see the module documentation).
const MAX_OPEN_FILES: usize = 1_019;

/// nginx's stack as the reader uses it: a block level takes [`BLOCK_UNITS`], an included file
/// [`INCLUDE_UNITS`] (measured, see the module documentation).
const STACK_UNITS: usize = 13_091 * BLOCK_UNITS + INCLUDE_UNITS;
const BLOCK_UNITS: usize = 1_000;
const INCLUDE_UNITS: usize = 1_124;

/// A block being read, by the directive that opened it.
#[derive(Clone, Copy)]
enum Open {
    Events,
    Http,
    Server,
    Location,
    Upstream,
    Types,
    /// A block labsim does not model (`if`, `map`, `limit_except`, …), or a block inside one.
    Skipped,
}

impl Open {
    /// The context of the directives inside it.
    fn ctx(self) -> u32 {
        match self {
            Open::Events => EVENTS,
            Open::Http => HTTP,
            Open::Server => SRV,
            Open::Location => LOC,
            Open::Upstream => UPS,
            Open::Types => TYPES,
            Open::Skipped => SKIPPED,
        }
    }
}

/// A file being read (one `ngx_conf_parse()` with a file name), and the blocks open in it.
struct Reading {
    lex: Lexer,
    name: String,
    /// The context it was included in (`main` for `nginx.conf`).
    ctx: u32,
    open: Vec<Open>,
}

/// An `include`: the files it names, read one after another, and where it is.
struct Including {
    paths: std::vec::IntoIter<String>,
    ctx: u32,
    file: String,
    line: usize,
}

/// The reader's stack: what nginx keeps on its C stack.
enum Frame {
    Reading(Reading),
    Including(Including),
}

/// What a directive asks of the reader once handled.
enum Then {
    Next,
    Open(Open),
    Include(Including),
}

/// Where a directive is: file, line.
struct At<'f> {
    file: &'f str,
    line: usize,
}

impl At<'_> {
    fn emerg(&self, text: impl Into<String>) -> Emerg {
        Emerg { text: text.into(), file: self.file.to_string(), line: self.line }
    }
}

const COMBINED: &str =
    "$remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent \"$http_referer\" \"$http_user_agent\"";

/// Reads `path` and everything it includes.
pub(super) fn load(path: &str, files: &dyn ConfFiles, resolver: &dyn Resolver) -> Result<Loaded, Refused> {
    let mut p = Parser {
        files,
        resolver,
        warnings: Vec::new(),
        worker_processes: None,
        worker_connections: None,
        pid: None,
        error_log: None,
        log_formats: vec![("combined".to_string(), COMBINED.to_string())],
        http: Common::default(),
        servers: Vec::new(),
        loc_stack: Vec::new(),
        upstreams: Vec::new(),
    };
    let Some(text) = files.read(path) else {
        let text = format!("open() \"{path}\" failed (2: No such file or directory)");
        return Err(Refused::Emerg(Emerg { text, file: String::new(), line: 0 }));
    };
    p.read(Reading { lex: Lexer::new(text), name: path.to_string(), ctx: MAIN, open: Vec::new() })?;
    p.finish().map_err(Refused::Emerg)
}

impl Parser<'_> {
    /// Reads `main` and everything it opens, in nginx's order, on a stack of its own.
    fn read(&mut self, main: Reading) -> Result<(), Refused> {
        let mut stack = vec![Frame::Reading(main)];
        // Open blocks and included files (every reading but the first), for the stack account.
        let (mut blocks, mut includes) = (0usize, 0usize);
        while let Some(top) = stack.last_mut() {
            let then = match top {
                Frame::Including(inc) => {
                    let Some(path) = inc.paths.next() else {
                        stack.pop();
                        continue;
                    };
                    if blocks * BLOCK_UNITS + (includes + 1) * INCLUDE_UNITS > STACK_UNITS {
                        return Err(Refused::Segfault);
                    }
                    let at = At { file: &inc.file, line: inc.line };
                    if includes + 1 >= MAX_OPEN_FILES {
                        return Err(Refused::Emerg(at.emerg(format!("open() \"{path}\" failed (24: Too many open files)"))));
                    }
                    let Some(text) = self.files.read(&path) else {
                        return Err(Refused::Emerg(at.emerg(format!("open() \"{path}\" failed (2: No such file or directory)"))));
                    };
                    let ctx = inc.ctx;
                    includes += 1;
                    stack.push(Frame::Reading(Reading { lex: Lexer::new(text), name: path, ctx, open: Vec::new() }));
                    continue;
                }
                Frame::Reading(r) => {
                    let tok = r.lex.next_directive().map_err(|e: LexError| Emerg { text: e.text, file: r.name.clone(), line: e.line })?;
                    let at = At { file: &r.name, line: r.lex.line() };
                    let ctx = r.open.last().map_or(r.ctx, |o| o.ctx());
                    match tok {
                        Token::BlockEnd => match r.open.pop() {
                            Some(open) => {
                                blocks -= 1;
                                self.close(&at, open)?;
                                Then::Next
                            }
                            None => return Err(Refused::Emerg(at.emerg("unexpected \"}\""))),
                        },
                        Token::Eof if !r.open.is_empty() => {
                            return Err(Refused::Emerg(at.emerg("unexpected end of file, expecting \"}\"")));
                        }
                        Token::Eof => {
                            stack.pop();
                            includes = includes.saturating_sub(1);
                            continue;
                        }
                        // Inside a block labsim does not model: nothing is looked at.
                        Token::BlockStart(_) if ctx == SKIPPED => Then::Open(Open::Skipped),
                        Token::Directive(_) if ctx == SKIPPED => Then::Next,
                        // `types` entries: `type ext…;`, and `include`.
                        Token::BlockStart(_) if ctx == TYPES => return Err(Refused::Emerg(at.emerg("unexpected \"{\""))),
                        Token::Directive(w) if ctx == TYPES => match w.first().map(String::as_str) {
                            Some("include") => Then::Include(self.include(&at, &w, TYPES)),
                            _ => Then::Next,
                        },
                        Token::Directive(w) => self.directive(&at, ctx, w, false)?,
                        Token::BlockStart(w) => self.directive(&at, ctx, w, true)?,
                    }
                }
            };
            match then {
                Then::Next => {}
                Then::Open(open) => {
                    if (blocks + 1) * BLOCK_UNITS + includes * INCLUDE_UNITS > STACK_UNITS {
                        return Err(Refused::Segfault);
                    }
                    blocks += 1;
                    if let Some(Frame::Reading(r)) = stack.last_mut() {
                        r.open.push(open);
                    }
                }
                Then::Include(inc) => stack.push(Frame::Including(inc)),
            }
        }
        Ok(())
    }

    /// The `}` of a block: what its directive does once the block is read.
    fn close(&mut self, at: &At, open: Open) -> Result<(), Emerg> {
        match open {
            Open::Upstream => {
                if self.upstreams.last().is_some_and(|u| u.servers.is_empty()) {
                    return Err(at.emerg("no servers are inside upstream"));
                }
            }
            Open::Location => {
                if let Some(mut loc) = self.loc_stack.pop() {
                    loc.common = loc.common.merged(&loc.inherited);
                    if let Some(s) = self.servers.last_mut() {
                        s.locations.push(loc);
                    }
                }
            }
            Open::Events | Open::Http | Open::Server | Open::Types | Open::Skipped => {}
        }
        Ok(())
    }

    fn directive(&mut self, at: &At, ctx: u32, words: Vec<String>, block: bool) -> Result<Then, Emerg> {
        let name = words.first().cloned().unwrap_or_default();
        // nginx looks for the name module by module and takes the first that allows it here.
        let mut rows = directives::named(&name).peekable();
        if rows.peek().is_none() {
            return Err(at.emerg(format!("unknown directive \"{name}\"")));
        }
        let Some(spec) = rows.find(|d| d.ctx & ctx != 0) else {
            return Err(at.emerg(format!("\"{name}\" directive is not allowed here")));
        };
        if !spec.block && block {
            return Err(at.emerg(format!("directive \"{name}\" is not terminated by \";\"")));
        }
        if spec.block && !block {
            return Err(at.emerg(format!("directive \"{name}\" has no opening \"{{\"")));
        }
        let n = words.len() - 1;
        let ok = match spec.args {
            Args::Take(counts) => counts.contains(&n),
            Args::More(m) => n >= m,
            Args::Flag => n == 1,
        };
        if !ok {
            return Err(at.emerg(format!("invalid number of arguments in \"{name}\" directive")));
        }
        if matches!(spec.args, Args::Flag) && words[1] != "on" && words[1] != "off" {
            return Err(at.emerg(format!("invalid value \"{}\" in \"{name}\" directive, it must be \"on\" or \"off\"", words[1])));
        }
        if spec.support == Support::Warned {
            self.warnings.push(at.emerg(directives::not_modelled(&name)));
            return Ok(if spec.block { Then::Open(Open::Skipped) } else { Then::Next });
        }
        let a = &words[1..];
        match (name.as_str(), ctx) {
            ("include", _) => return Ok(Then::Include(self.include(at, &words, ctx))),
            ("events", _) => return Ok(Then::Open(Open::Events)),
            ("http", _) => return Ok(Then::Open(Open::Http)),
            ("types", _) => return Ok(Then::Open(Open::Types)),
            ("worker_processes", _) => {
                // `ngx_set_worker_processes`: "auto", else `ngx_atoi` (digits only, no overflow).
                let workers = match a[0].as_str() {
                    "auto" => Workers::Auto,
                    n => Workers::Count(
                        n.bytes()
                            .all(|b| b.is_ascii_digit())
                            .then(|| n.parse::<i64>().ok())
                            .flatten()
                            .map(|v| u32::try_from(v).unwrap_or(u32::MAX))
                            .ok_or_else(|| at.emerg(format!("\"{name}\" directive invalid value")))?,
                    ),
                };
                set_once(at, &name, &mut self.worker_processes, workers)?;
            }
            ("worker_connections", _) => {
                // `ngx_event_connections`: "is duplicate", else `ngx_atoi` (digits only, no
                // overflow) or `invalid number`.
                if self.worker_connections.is_some() {
                    return Err(at.emerg(format!("\"{name}\" directive is duplicate")));
                }
                let n = &a[0];
                let value = n.bytes().all(|b| b.is_ascii_digit()).then(|| n.parse::<usize>().ok()).flatten();
                self.worker_connections = Some(value.ok_or_else(|| at.emerg(format!("invalid number \"{n}\"")))?);
            }
            ("pid", _) => set_once(at, &name, &mut self.pid, a[0].clone())?,
            ("error_log", MAIN) => self.error_log = Some(a[0].clone()),
            ("error_log", _) => self.common(ctx).error_log = Some(a[0].clone()),
            ("log_format", _) => {
                if self.log_formats.iter().any(|(n, _)| n == &a[0]) {
                    return Err(at.emerg(format!("duplicate \"log_format\" name \"{}\"", a[0])));
                }
                self.log_formats.push((a[0].clone(), a[1..].concat()));
            }
            ("access_log", _) => {
                let v = if a[0] == "off" {
                    None
                } else {
                    let fmt = a.get(1).cloned().unwrap_or_else(|| "combined".to_string());
                    if !self.log_formats.iter().any(|(n, _)| n == &fmt) {
                        return Err(at.emerg(format!("unknown log format \"{fmt}\"")));
                    }
                    Some((a[0].clone(), fmt))
                };
                self.common(ctx).access_log = Some(v);
            }
            ("keepalive_timeout", _) => {
                let d = msec(at, &name, &a[0])?;
                set_once(at, &name, &mut self.common(ctx).keepalive_timeout, d)?;
            }
            ("upstream", _) => {
                self.upstream(at, &a[0])?;
                return Ok(Then::Open(Open::Upstream));
            }
            ("server", HTTP) => {
                self.server(at);
                return Ok(Then::Open(Open::Server));
            }
            ("server", UPS) => self.upstream_server(at, a)?,
            ("location", _) => {
                self.location(at, a)?;
                return Ok(Then::Open(Open::Location));
            }
            ("listen", _) => self.listen(at, a)?,
            ("server_name", _) => {
                if let Some(s) = self.servers.last_mut() {
                    s.names.extend(a.iter().map(|n| n.to_ascii_lowercase()));
                }
            }
            ("proxy_pass", _) => self.proxy_pass(at, &a[0])?,
            ("proxy_set_header", _) => {
                let lvl = &mut self.common(ctx).proxy;
                lvl.set_headers.get_or_insert_with(Vec::new).push((a[0].clone(), a[1].clone()));
            }
            ("proxy_next_upstream", _) => {
                let mut mask = 0;
                for w in a {
                    mask |= match w.as_str() {
                        "error" => ft::ERROR,
                        "timeout" => ft::TIMEOUT,
                        "invalid_header" => ft::INVALID_HEADER,
                        "http_500" => ft::HTTP_500,
                        "http_502" => ft::HTTP_502,
                        "http_503" => ft::HTTP_503,
                        "http_504" => ft::HTTP_504,
                        "http_403" => ft::HTTP_403,
                        "http_404" => ft::HTTP_404,
                        "http_429" => ft::HTTP_429,
                        "non_idempotent" => ft::NON_IDEMPOTENT,
                        "off" => ft::OFF,
                        _ => return Err(at.emerg(format!("invalid value \"{w}\""))),
                    };
                }
                set_once(at, &name, &mut self.common(ctx).proxy.next_upstream, mask)?;
            }
            ("proxy_next_upstream_tries", _) => {
                let v = a[0].parse::<u32>().map_err(|_| at.emerg(format!("\"{name}\" directive invalid number")))?;
                set_once(at, &name, &mut self.common(ctx).proxy.next_upstream_tries, v)?;
            }
            ("proxy_next_upstream_timeout" | "proxy_connect_timeout" | "proxy_read_timeout" | "proxy_send_timeout", _) => {
                let d = msec(at, &name, &a[0])?;
                let lvl = &mut self.common(ctx).proxy;
                let slot = match name.as_str() {
                    "proxy_next_upstream_timeout" => &mut lvl.next_upstream_timeout,
                    "proxy_connect_timeout" => &mut lvl.connect_timeout,
                    "proxy_read_timeout" => &mut lvl.read_timeout,
                    _ => &mut lvl.send_timeout,
                };
                set_once(at, &name, slot, d)?;
            }
            ("proxy_http_version", _) => {
                if a[0] != "1.0" && a[0] != "1.1" {
                    return Err(at.emerg(format!("invalid value \"{}\"", a[0])));
                }
                set_once(at, &name, &mut self.common(ctx).proxy.http_version, a[0].clone())?;
            }
            ("ip_hash" | "least_conn", _) => {
                if let Some(u) = self.upstreams.last_mut() {
                    if u.balance != Balance::RoundRobin {
                        self.warnings.push(at.emerg("load balancing method redefined"));
                    }
                    u.balance = if name == "ip_hash" { Balance::IpHash } else { Balance::LeastConn };
                }
            }
            _ => {} // read silently (directives.rs)
        }
        Ok(Then::Next)
    }

    /// The settings of the innermost block of kind `ctx`.
    fn common(&mut self, ctx: u32) -> &mut Common {
        match ctx {
            LOC => match self.loc_stack.last_mut() {
                Some(l) => &mut l.common,
                None => &mut self.http,
            },
            SRV => match self.servers.last_mut() {
                Some(s) => &mut s.common,
                None => &mut self.http,
            },
            _ => &mut self.http,
        }
    }

    /// `include`: the files it names (a glob's matches, sorted), read in context `ctx`.
    fn include(&self, at: &At, words: &[String], ctx: u32) -> Including {
        let pattern = words.get(1).cloned().unwrap_or_default();
        let pattern = if pattern.starts_with('/') { pattern } else { format!("/etc/nginx/{pattern}") };
        let paths = if pattern.contains(['*', '?', '[']) { self.files.glob(&pattern) } else { vec![pattern] };
        Including { paths: paths.into_iter(), ctx, file: at.file.to_string(), line: at.line }
    }

    fn upstream(&mut self, at: &At, name: &str) -> Result<(), Emerg> {
        if self.upstreams.iter().any(|u| u.name == name) {
            return Err(at.emerg(format!("duplicate upstream \"{name}\"")));
        }
        self.upstreams.push(UpsBuild {
            name: name.to_string(),
            file: at.file.to_string(),
            line: at.line,
            servers: Vec::new(),
            balance: Balance::RoundRobin,
        });
        Ok(())
    }

    fn upstream_server(&mut self, at: &At, a: &[String]) -> Result<(), Emerg> {
        let mut e = ServerEntry {
            addr: Ipv4Addr::UNSPECIFIED,
            port: 80,
            weight: 1,
            max_fails: 1,
            fail_timeout_s: 10,
            max_conns: 0,
            backup: false,
            down: false,
        };
        let invalid = |w: &str| at.emerg(format!("invalid parameter \"{w}\""));
        for w in &a[1..] {
            if let Some(v) = w.strip_prefix("weight=") {
                e.weight = v.parse().ok().filter(|n| *n > 0).ok_or_else(|| invalid(w))?;
            } else if let Some(v) = w.strip_prefix("max_fails=") {
                e.max_fails = v.parse().map_err(|_| invalid(w))?;
            } else if let Some(v) = w.strip_prefix("max_conns=") {
                e.max_conns = v.parse().map_err(|_| invalid(w))?;
            } else if let Some(v) = w.strip_prefix("fail_timeout=") {
                e.fail_timeout_s = parse_time(v, true).ok_or_else(|| invalid(w))?;
            } else if w == "backup" {
                if self.upstreams.last().is_some_and(|u| u.balance == Balance::IpHash) {
                    return Err(at.emerg(format!("balancing method does not support parameter \"{w}\"")));
                }
                e.backup = true;
            } else if w == "down" {
                e.down = true;
            } else {
                return Err(invalid(w));
            }
        }
        let (host, port) = split_host_port(&a[0]).ok_or_else(|| at.emerg(format!("invalid port in upstream \"{}\"", a[0])))?;
        if let Some(p) = port {
            e.port = p;
        }
        let addrs = self.resolve(&host);
        if addrs.is_empty() {
            return Err(at.emerg(format!("host not found in upstream \"{}\"", a[0])));
        }
        if let Some(u) = self.upstreams.last_mut() {
            for addr in addrs {
                u.servers.push(ServerEntry { addr, ..e.clone() });
            }
        }
        Ok(())
    }

    fn resolve(&self, host: &str) -> Vec<Ipv4Addr> {
        match host.parse::<Ipv4Addr>() {
            Ok(a) => vec![a],
            Err(_) => self.resolver.resolve(host),
        }
    }

    fn server(&mut self, at: &At) {
        self.servers.push(SrvBuild {
            listens: Vec::new(),
            names: Vec::new(),
            common: Common::default(),
            locations: Vec::new(),
            file: at.file.to_string(),
        });
    }

    fn location(&mut self, at: &At, a: &[String]) -> Result<(), Emerg> {
        let (modifier, prefix) = if a.len() == 2 { (a[0].as_str(), a[1].clone()) } else { ("", a[0].clone()) };
        let (exact, regex) = match modifier {
            "" | "^~" => (false, false),
            "=" => (true, false),
            "~" | "~*" => (false, true),
            m => return Err(at.emerg(format!("invalid location modifier \"{m}\""))),
        };
        let inherited = self.loc_stack.last().map(|l| l.common.clone()).unwrap_or_default();
        self.loc_stack.push(LocBuild { prefix, exact, regex, common: Common::default(), inherited, pass: None });
        Ok(())
    }

    fn listen(&mut self, at: &At, a: &[String]) -> Result<(), Emerg> {
        let spec = &a[0];
        let bad_port = || at.emerg(format!("invalid port in \"{spec}\" of the \"listen\" directive"));
        let mut l = Listen { addr: None, port: 80, default_server: false };
        if spec.starts_with('[') {
            // IPv6: accepted, not modelled.
            return Ok(());
        } else if let Some((h, p)) = spec.rsplit_once(':') {
            l.port = p.parse().ok().filter(|p| *p > 0).ok_or_else(bad_port)?;
            if h != "*" && h != "0.0.0.0" {
                let addr = self.resolve(h).first().copied();
                l.addr = Some(addr.ok_or_else(|| at.emerg(format!("host not found in \"{spec}\" of the \"listen\" directive")))?);
            }
        } else if spec.bytes().all(|b| b.is_ascii_digit()) {
            l.port = spec.parse().ok().filter(|p| *p > 0).ok_or_else(bad_port)?;
        } else {
            let addr = self.resolve(spec).first().copied();
            l.addr = Some(addr.ok_or_else(|| at.emerg(format!("host not found in \"{spec}\" of the \"listen\" directive")))?);
        }
        for w in &a[1..] {
            match w.as_str() {
                "default_server" | "default" => l.default_server = true,
                "reuseport" | "http2" | "ssl" | "deferred" | "bind" | "proxy_protocol" => {}
                w if w.starts_with("backlog=") || w.starts_with("ipv6only=") || w.starts_with("rcvbuf=") || w.starts_with("sndbuf=") => {}
                w => return Err(at.emerg(format!("invalid parameter \"{w}\""))),
            }
        }
        if let Some(s) = self.servers.last_mut() {
            s.listens.push(l);
        }
        Ok(())
    }

    fn proxy_pass(&mut self, at: &At, url: &str) -> Result<(), Emerg> {
        let rest = url.strip_prefix("http://").ok_or_else(|| at.emerg(format!("invalid URL prefix in \"{url}\"")))?;
        let (hostport, uri) = match rest.find('/') {
            Some(i) => (&rest[..i], Some(rest[i..].to_string())),
            None => (rest, None),
        };
        let (host, port) = split_host_port(hostport).ok_or_else(|| at.emerg(format!("invalid port in upstream \"{hostport}\"")))?;
        if host.is_empty() {
            return Err(at.emerg(format!("no host in upstream \"{hostport}\"")));
        }
        let Some(loc) = self.loc_stack.last_mut() else {
            return Ok(());
        };
        if loc.pass.is_some() {
            return Err(at.emerg("\"proxy_pass\" directive is duplicate"));
        }
        loc.pass = Some(ProxyPass { host, port, uri, file: at.file.to_string(), line: at.line });
        Ok(())
    }

    /// After the whole configuration was read: bind `proxy_pass` targets to upstream groups
    /// (creating implicit ones, resolved now as in `ngx_http_upstream_init_main_conf()`), and
    /// merge inherited settings.
    fn finish(mut self) -> Result<Loaded, Emerg> {
        // `ngx_http_upstream_init_round_robin()`: only backup servers.
        if let Some(u) = self.upstreams.iter().find(|u| u.servers.iter().all(|s| s.backup)) {
            return Err(Emerg {
                text: format!("no servers in upstream \"{}\" in {}:{}", u.name, u.file, u.line),
                file: String::new(),
                line: 0,
            });
        }
        let mut upstreams: Vec<UpstreamConfig> = self
            .upstreams
            .iter()
            .map(|u| UpstreamConfig { name: u.name.clone(), servers: u.servers.clone(), balance: u.balance, implicit: false })
            .collect();
        let http = std::mem::take(&mut self.http);
        let mut servers = Vec::new();
        for s in std::mem::take(&mut self.servers) {
            let scommon = s.common.merged(&http);
            let mut locations = Vec::new();
            for l in s.locations {
                let c = l.common.merged(&scommon);
                let proxy = match l.pass {
                    None => None,
                    Some(pp) => Some(Rc::new(self.bind(&mut upstreams, pp, &c.proxy, &l.prefix)?)),
                };
                locations.push(LocationConfig { prefix: l.prefix, exact: l.exact, regex: l.regex, proxy });
            }
            servers.push(ServerConfig {
                listens: if s.listens.is_empty() { vec![Listen { addr: None, port: 80, default_server: false }] } else { s.listens },
                server_names: if s.names.is_empty() { vec![String::new()] } else { s.names },
                locations,
                keepalive_timeout: scommon.keepalive_timeout.unwrap_or(DEFAULT_KEEPALIVE_TIMEOUT),
                access_log: scommon.access_log.unwrap_or_else(|| Some(("/var/log/nginx/access.log".into(), "combined".into()))),
                error_log: scommon.error_log.or_else(|| self.error_log.clone()).unwrap_or_else(|| "/var/log/nginx/error.log".into()),
                file: s.file,
            });
        }
        Ok(Loaded {
            config: NginxConfig {
                worker_processes: self.worker_processes.unwrap_or(Workers::Count(1)),
                worker_connections: self.worker_connections.unwrap_or(DEFAULT_CONNECTIONS),
                pid_path: self.pid.clone().unwrap_or_else(|| "/run/nginx.pid".into()),
                error_log: self.error_log.clone().unwrap_or_else(|| "/var/log/nginx/error.log".into()),
                log_formats: std::mem::take(&mut self.log_formats),
                upstreams,
                servers,
            },
            warnings: self.warnings,
        })
    }

    fn bind(&self, ups: &mut Vec<UpstreamConfig>, pp: ProxyPass, c: &ProxyLevel, prefix: &str) -> Result<ProxyConfig, Emerg> {
        let explicit = if pp.port.is_none() { ups.iter().position(|u| !u.implicit && u.name == pp.host) } else { None };
        let port = pp.port.unwrap_or(80);
        let index = match explicit {
            Some(i) => i,
            None => {
                let name = match pp.port {
                    Some(p) => format!("{}:{p}", pp.host),
                    None => pp.host.clone(),
                };
                match ups.iter().position(|u| u.implicit && u.name == name) {
                    Some(i) => i,
                    None => {
                        let addrs = self.resolve(&pp.host);
                        if addrs.is_empty() {
                            return Err(Emerg {
                                text: format!("host not found in upstream \"{}\"", pp.host),
                                file: pp.file,
                                line: pp.line,
                            });
                        }
                        let servers = addrs
                            .into_iter()
                            .map(|addr| ServerEntry {
                                addr,
                                port,
                                weight: 1,
                                max_fails: 1,
                                fail_timeout_s: 10,
                                max_conns: 0,
                                backup: false,
                                down: false,
                            })
                            .collect();
                        ups.push(UpstreamConfig { name, servers, balance: Balance::RoundRobin, implicit: true });
                        ups.len() - 1
                    }
                }
            }
        };
        let proxy_host = if port == 80 { pp.host.clone() } else { format!("{}:{port}", pp.host) };
        let mut next = c.next_upstream.unwrap_or(ft::ERROR | ft::TIMEOUT);
        if next & ft::OFF != 0 {
            next = ft::OFF;
        } else {
            next |= ft::ERROR | ft::TIMEOUT; // always counted as failures
        }
        let sixty = Duration::from_secs(60);
        Ok(ProxyConfig {
            upstream: index,
            proxy_host,
            uri: pp.uri,
            location_prefix: prefix.to_string(),
            set_headers: c.set_headers.clone().unwrap_or_default(),
            next_upstream: next,
            next_upstream_tries: c.next_upstream_tries.unwrap_or(0),
            next_upstream_timeout: c.next_upstream_timeout.unwrap_or(Duration::ZERO),
            connect_timeout: c.connect_timeout.unwrap_or(sixty),
            send_timeout: c.send_timeout.unwrap_or(sixty),
            read_timeout: c.read_timeout.unwrap_or(sixty),
            http_version: c.http_version.clone().unwrap_or_else(|| "1.0".into()),
        })
    }
}

fn set_once<T>(at: &At, name: &str, slot: &mut Option<T>, v: T) -> Result<(), Emerg> {
    if slot.is_some() {
        return Err(at.emerg(format!("\"{name}\" directive is duplicate")));
    }
    *slot = Some(v);
    Ok(())
}

fn msec(at: &At, name: &str, v: &str) -> Result<Duration, Emerg> {
    parse_time(v, false).map(Duration::from_millis).ok_or_else(|| at.emerg(format!("\"{name}\" directive invalid value")))
}

/// `host[:port]` → (host, port). `None` for a bad port.
fn split_host_port(s: &str) -> Option<(String, Option<u16>)> {
    match s.rsplit_once(':') {
        Some((h, p)) => {
            let port = p.parse::<u16>().ok().filter(|p| *p > 0)?;
            Some((h.to_string(), Some(port)))
        }
        None => Some((s.to_string(), None)),
    }
}

/// `ngx_parse_time()`: `1h30m`, `10s`, `500ms`, a bare number is seconds. Returns seconds when
/// `is_sec` (where `ms` is refused) and milliseconds otherwise.
pub(super) fn parse_time(s: &str, is_sec: bool) -> Option<u64> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut total: u64 = 0;
    let mut value: u64 = 0;
    let mut valid = false;
    let mut step = 0u8; // 0 start, 1 y … 8 ms
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() {
            value = value.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
            valid = true;
            i += 1;
            continue;
        }
        i += 1;
        let (st, scale_s, is_ms) = match c {
            b'y' => (1, 365 * 86_400, false),
            b'M' => (2, 30 * 86_400, false),
            b'w' => (3, 7 * 86_400, false),
            b'd' => (4, 86_400, false),
            b'h' => (5, 3_600, false),
            b'm' if b.get(i) == Some(&b's') => {
                i += 1;
                (8, 0, true)
            }
            b'm' => (6, 60, false),
            b's' => (7, 1, false),
            _ => return None,
        };
        if step >= st || (is_ms && is_sec) {
            return None;
        }
        step = st;
        let add = if is_ms {
            value
        } else if is_sec {
            value.checked_mul(scale_s)?
        } else {
            value.checked_mul(scale_s * 1000)?
        };
        total = total.checked_add(add)?;
        value = 0;
        while b.get(i) == Some(&b' ') {
            i += 1;
        }
    }
    if !valid {
        return None;
    }
    let tail = if is_sec { value } else { value.checked_mul(1000)? };
    total.checked_add(tail)
}

impl NginxConfig {
    /// Reads [`NGINX_CONF_PATH`] and its includes.
    pub(crate) fn load(files: &dyn ConfFiles, resolver: &dyn Resolver) -> Result<Loaded, Refused> {
        load(NGINX_CONF_PATH, files, resolver)
    }
}

/// `nginx -t`: the stderr lines and the exit status (0 or 1).
pub(crate) fn nginx_t(files: &dyn ConfFiles, resolver: &dyn Resolver) -> TestRun {
    match NginxConfig::load(files, resolver) {
        Ok(loaded) => {
            let mut lines: Vec<String> = loaded.warnings.iter().map(warn_line).collect();
            lines.push(format!("nginx: the configuration file {NGINX_CONF_PATH} syntax is ok"));
            lines.push(format!("nginx: configuration file {NGINX_CONF_PATH} test is successful"));
            TestRun::Exit(lines, 0)
        }
        Err(Refused::Emerg(e)) => {
            TestRun::Exit(vec![e.stderr_line(), format!("nginx: configuration file {NGINX_CONF_PATH} test failed")], 1)
        }
        Err(Refused::Segfault) => TestRun::Segfault,
    }
}

/// `nginx: [warn] TEXT in FILE:LINE`.
pub(crate) fn warn_line(w: &Warn) -> String {
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
            Err(Refused::Emerg(e)) => e.stderr_line(),
            Err(Refused::Segfault) => "SIGSEGV".into(),
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
    fn directives_not_modelled_warn_and_their_blocks_are_skipped() {
        let c = LAB_PROXY_CONF.replace(
            "listen 80;",
            "listen 80;\n    gzip on;\n    if ($request_method = POST) {\n        return 405;\n        foo { bar; }\n    }\n    ssl_certificate /etc/ssl/x.pem;",
        );
        let loaded = NginxConfig::load(&lab_files(&c), &Hosts).unwrap();
        let warned: Vec<String> = loaded.warnings.iter().map(warn_line).collect();
        let at = |name: &str, line: u32| {
            format!("nginx: [warn] \"{name}\" directive is not modelled by labsim, ignored in /etc/nginx/conf.d/proxy.conf:{line}")
        };
        assert_eq!(warned, [at("gzip", 9), at("if", 10), at("ssl_certificate", 14)]);
        assert!(loaded.config.servers[0].find_location("/").unwrap().proxy.is_some(), "the rest is read as before");
        // nginx's own checks still apply to them.
        let bad = |line: &str| emerg(&LAB_PROXY_CONF.replace("listen 80;", &format!("listen 80;\n    {line}")));
        assert_eq!(
            bad("gzip maybe;"),
            "nginx: [emerg] invalid value \"maybe\" in \"gzip\" directive, it must be \"on\" or \"off\" in /etc/nginx/conf.d/proxy.conf:9"
        );
        assert_eq!(
            bad("gzip_types;"),
            "nginx: [emerg] invalid number of arguments in \"gzip_types\" directive in /etc/nginx/conf.d/proxy.conf:9"
        );
        assert_eq!(
            bad("limit_req_zone $a zone=z:1m rate=1r/s;"),
            "nginx: [emerg] \"limit_req_zone\" directive is not allowed here in /etc/nginx/conf.d/proxy.conf:9"
        );
        assert_eq!(bad("if ($a);"), "nginx: [emerg] directive \"if\" has no opening \"{\" in /etc/nginx/conf.d/proxy.conf:9");
        assert_eq!(bad("proxy_cach on;"), "nginx: [emerg] unknown directive \"proxy_cach\" in /etc/nginx/conf.d/proxy.conf:9");
    }

    #[test]
    fn nginx_t_success_and_failure_lines() {
        let lines = |v: &[&str]| v.iter().map(|l| l.to_string()).collect::<Vec<_>>();
        assert_eq!(
            nginx_t(&lab_files(LAB_PROXY_CONF), &Hosts),
            TestRun::Exit(
                lines(&[
                    "nginx: the configuration file /etc/nginx/nginx.conf syntax is ok",
                    "nginx: configuration file /etc/nginx/nginx.conf test is successful"
                ]),
                0
            )
        );
        let bad = LAB_PROXY_CONF.replace("proxy_pass http://jt;", "prox_pass http://jt;");
        assert_eq!(
            nginx_t(&lab_files(&bad), &Hosts),
            TestRun::Exit(
                lines(&[
                    "nginx: [emerg] unknown directive \"prox_pass\" in /etc/nginx/conf.d/proxy.conf:13",
                    "nginx: configuration file /etc/nginx/nginx.conf test failed"
                ]),
                1
            )
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

    /// `conf.d/deep.conf`: a server with `n` nested `location /` blocks.
    fn deep(n: usize) -> String {
        format!("server {{ listen 80;\n{}{}}}\n", "location / {\n".repeat(n), "}\n".repeat(n))
    }

    fn load_with(extra: Vec<(String, String)>) -> String {
        let mut files = lab_files("");
        files.0.extend(extra);
        match NginxConfig::load(&files, &Hosts) {
            Ok(_) => "ok".into(),
            Err(Refused::Emerg(e)) => e.stderr_line(),
            Err(Refused::Segfault) => "SIGSEGV".into(),
        }
    }

    #[test]
    fn nesting_deeper_than_nginx_stack_crashes_it() {
        // Measured with nginx 1.22.1: 13 089 nested locations pass, 13 090 crash; open or not.
        let conf = |text: String| vec![("/etc/nginx/conf.d/deep.conf".to_string(), text)];
        assert_eq!(load_with(conf(deep(10_000))), "ok");
        assert_eq!(load_with(conf(deep(13_089))), "ok");
        assert_eq!(load_with(conf(deep(13_090))), "SIGSEGV");
        assert_eq!(load_with(conf("server {\n".to_string() + &"location / {\n".repeat(100_000))), "SIGSEGV");
        let unclosed = "server {\n".to_string() + &"location / {\n".repeat(13_089);
        assert_eq!(
            load_with(conf(unclosed)),
            "nginx: [emerg] unexpected end of file, expecting \"}\" in /etc/nginx/conf.d/deep.conf:13091"
        );
        // With 1 000 nested includes on the way: 11 964 + 3 open blocks pass, one more crashes.
        let chain = |inner: usize| {
            let mut files = conf("server { location / { include chain/d1.conf; } }".to_string());
            for i in 1..1000 {
                files.push((format!("/etc/nginx/chain/d{i}.conf"), format!("include chain/d{}.conf;", i + 1)));
            }
            files.push(("/etc/nginx/chain/d1000.conf".to_string(), "location / {\n".repeat(inner) + &"}\n".repeat(inner)));
            files
        };
        assert_eq!(load_with(chain(11_964)), "ok");
        assert_eq!(load_with(chain(11_965)), "SIGSEGV");
    }

    #[test]
    fn includes_run_out_of_file_descriptors() {
        // nginx.conf and 1 018 included files open at once pass; the next open() fails.
        let chain = |k: usize| {
            let mut files = vec![("/etc/nginx/conf.d/deep.conf".to_string(), "include chain/d1.conf;".to_string())];
            for i in 1..k {
                files.push((format!("/etc/nginx/chain/d{i}.conf"), format!("# {i}\ninclude chain/d{}.conf;", i + 1)));
            }
            files.push((format!("/etc/nginx/chain/d{k}.conf"), "# end".to_string()));
            files
        };
        assert_eq!(load_with(chain(1_017)), "ok");
        assert_eq!(
            load_with(chain(1_018)),
            "nginx: [emerg] open() \"/etc/nginx/chain/d1018.conf\" failed (24: Too many open files) in /etc/nginx/chain/d1017.conf:2"
        );
        // A file that includes itself.
        let looped = vec![("/etc/nginx/conf.d/loop.conf".to_string(), "include conf.d/loop.conf;".to_string())];
        assert_eq!(
            load_with(looped),
            "nginx: [emerg] open() \"/etc/nginx/conf.d/loop.conf\" failed (24: Too many open files) in /etc/nginx/conf.d/loop.conf:1"
        );
    }

    #[test]
    fn files_included_in_types_hold_entries_only() {
        let types = |inc: &str| {
            vec![
                ("/etc/nginx/conf.d/t.conf".to_string(), "types {\n include extra.types;\n}\n".to_string()),
                ("/etc/nginx/extra.types".to_string(), inc.to_string()),
            ]
        };
        assert_eq!(load_with(types("text/x-a a;\ntext/x-b b;\n")), "ok");
        assert_eq!(load_with(types("text/x-a a;\n}\n")), "nginx: [emerg] unexpected \"}\" in /etc/nginx/extra.types:2");
        assert_eq!(load_with(types("x {\n")), "nginx: [emerg] unexpected \"{\" in /etc/nginx/extra.types:1");
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
        let loaded = NginxConfig::load(&lab_files(c), &Hosts).unwrap();
        let keepalive = "nginx: [warn] \"keepalive\" directive is not modelled by labsim, ignored in /etc/nginx/conf.d/proxy.conf:6";
        assert_eq!(loaded.warnings.iter().map(warn_line).collect::<Vec<_>>(), [keepalive]);
        let l = loaded.config;
        let jt = &l.upstreams[0];
        assert_eq!((jt.servers[0].weight, jt.servers[0].max_fails, jt.servers[0].fail_timeout_s), (3, 2, 60));
        assert!(jt.servers[1].backup && jt.servers[1].port == 8080 && jt.servers[2].down);
        assert_eq!(jt.balance, Balance::LeastConn);
        let s = &l.servers[0];
        assert_eq!(s.listens[0], Listen { addr: Some(Ipv4Addr::new(10, 0, 0, 1)), port: 8080, default_server: true });
        let p = s.find_location("/app/a").unwrap().proxy.as_ref().unwrap();
        assert_eq!((p.connect_timeout, p.read_timeout), (Duration::from_millis(500), Duration::from_secs(90)));
        assert_eq!((p.uri.as_deref(), p.http_version.as_str()), (Some("/x/"), "1.1"));
        assert_eq!(p.next_upstream, ft::ERROR | ft::TIMEOUT | ft::HTTP_502);
        let p = s.find_location("/other").unwrap().proxy.as_ref().unwrap();
        assert_eq!((p.proxy_host.as_str(), l.upstreams[p.upstream].implicit), ("web-2:8080", true));
        assert_eq!(parse_time("10s", true), Some(10));
        assert_eq!(parse_time("500ms", true), None);
        assert_eq!(parse_time("1h", false), Some(3_600_000));
        assert_eq!(parse_time("s", true), None);
        assert_eq!(
            emerg("server { proxy_connect_timeout 5x; }"),
            "nginx: [emerg] \"proxy_connect_timeout\" directive invalid value in /etc/nginx/conf.d/proxy.conf:1"
        );
    }
}
