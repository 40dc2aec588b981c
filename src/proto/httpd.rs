//! Apache httpd 2.4 serving static files, as a sans-IO core (spec-host §3).
//!
//! One version throughout: the **observed Debian package `Apache/2.4.71 (Debian)`** with Debian's
//! configuration (`ServerTokens OS`, `ServerSignature On`, `TraceEnable Off`, mod_deflate on for
//! text types, `KeepAlive On`, `KeepAliveTimeout 5`, `MaxKeepAliveRequests 100`,
//! `UseCanonicalName Off`, `LogFormat combined` with `%O`) and its HTML 4.01 error pages
//! (404 = 312 bytes, 403 = 315 bytes with `Apache/2.4.71 (Debian) Server at 10.99.0.21 Port 80`).
//! Texts follow httpd 2.4.41+ (`server/core.c` `default_handler`, `modules/http/http_protocol.c`
//! `ap_set_keepalive` / `get_canned_error_string`, `modules/http/http_etag.c`).
//!
//! Assumption for directories: the docroot has `Options -Indexes` (a directory without
//! `index.html` answers 403 with `AH01276`), not Debian's default `Options Indexes`, which would
//! generate an "Index of /" listing labsim does not model.
//!
//! # Calling order (host glue)
//!
//! The connection itself (buffering, limits, keep-alive, closing) is the shared
//! [`ServerConnection`](crate::proto::http::ServerConnection) with Apache's policy, built from
//! [`Httpd::limits`] and [`HttpdConfig::keepalive_timeout_s`]. For each of its events:
//! 1. A request: [`Httpd::handle_request`] with the replies to the file system calls made so
//!    far for it (none at first). It returns the next call Apache makes ([`Step::Call`]: `stat()`
//!    of the path, then `open()` and reading of the file) or the response. The glue makes each
//!    call through the kernel (at once for a local file; over NFS, when the reply comes: the
//!    request waits as Apache's worker would) and calls again with one more reply. The core is a
//!    pure function of the request and the replies, so it keeps nothing between calls.
//! 2. A refusal (a head Apache cannot read, a body it will not take): [`Httpd::bad_request`]
//!    with the raw bytes received.
//! 3. Answer the connection with [`Response::to_bytes`] and [`Response::keep_alive`]; append
//!    `access_log` to the access log and `error_log` (if any) to the error log;
//!    [`ConnInfo::requests_on_conn`] is the connection's count of answered requests.
//!
//! Not modelled: Range requests (206), conditional requests (304), `Options Indexes` listings,
//! chunked request bodies, 408 on slow requests, `.htaccess`.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::net::Ipv4Addr;

use crate::kernel::{Calendar, DateTime, SimTime};
use crate::proto::errno::Errno;
use crate::proto::http::Refusal;
use crate::wire::http::{HeadError, Header, Limits, RequestHead, ResponseHead, Version, find_header, header_has_token, reason_phrase};
use crate::wire::ipv4::Dotted;
use crate::wire::text;

/// What `stat()` reports about a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FileMeta {
    /// Size in bytes.
    pub size: u64,
    /// Modification time, µs since the Unix epoch.
    pub mtime_unix_us: u64,
    /// A directory.
    pub is_dir: bool,
}

/// A file system call Apache makes while answering a request, in the order it makes them.
/// Paths are absolute (`/var/www/html/index.html`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum FsCall {
    /// `stat()` (`ap_directory_walk`).
    Stat(String),
    /// `open()` of the file, reading all of it and closing it (`default_handler`).
    Open(String),
}

/// What a [`FsCall`] returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum FsReply {
    /// `stat()`'s result.
    Stat(Result<FileMeta, Errno>),
    /// The file's bytes as read after `open()`, or why `open()` failed.
    Open(Result<Vec<u8>, Errno>),
}

/// Where answering a request stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// Apache makes this call next; call again with its reply added.
    Call(FsCall),
    /// The answer.
    Respond(Response),
}

/// Configuration (Debian's defaults via [`HttpdConfig::default`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct HttpdConfig {
    /// `DocumentRoot`, without trailing slash.
    pub docroot: String,
    /// `DirectoryIndex`.
    pub directory_index: String,
    /// The `Server` header and signature product (`ServerTokens OS`).
    pub server: String,
    /// `ServerSignature On`: the `<address>` line on error pages.
    pub signature: bool,
    /// Server name used when the request has no usable `Host` (e.g. a bad request line).
    pub server_name: String,
    /// `KeepAlive On`.
    pub keepalive: bool,
    /// `KeepAliveTimeout`, seconds.
    pub keepalive_timeout_s: u64,
    /// `MaxKeepAliveRequests` (0 = unlimited).
    pub max_keepalive_requests: u32,
    /// mod_deflate active for text types (adds `Vary: Accept-Encoding` to bodies > 68 bytes).
    pub deflate: bool,
    /// `LimitRequestLine`, `LimitRequestFieldSize`, `LimitRequestFields`.
    pub limits: Limits,
    /// Process id shown in error-log lines.
    pub pid: u32,
    /// Thread id shown in error-log lines.
    pub tid: u64,
    /// How it was started (`ap_server_argv0` in `AH00558`).
    pub argv0: String,
    /// Its command line as `AH00094` shows it.
    pub command_line: String,
}

impl Default for HttpdConfig {
    fn default() -> Self {
        HttpdConfig {
            docroot: "/var/www/html".into(),
            directory_index: "index.html".into(),
            server: "Apache/2.4.71 (Debian)".into(),
            signature: true,
            server_name: "127.0.1.1".into(),
            keepalive: true,
            keepalive_timeout_s: 5,
            max_keepalive_requests: 100,
            deflate: true,
            limits: Limits::APACHE,
            pid: 1234,
            tid: 140_000_000_000_000,
            argv0: "apache2".into(),
            command_line: "/usr/sbin/apache2".into(),
        }
    }
}

/// The connection a request arrived on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ConnInfo {
    /// Peer address (`%h`).
    pub client_ip: Ipv4Addr,
    /// Peer port (error-log `[client ip:port]`).
    pub client_port: u16,
    /// Local address.
    pub server_ip: Ipv4Addr,
    /// Local port (signature port when `Host` has none).
    pub server_port: u16,
    /// Requests already answered on this connection (0 for the first).
    pub requests_on_conn: u32,
}

/// httpd's answer to one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Response {
    /// Status line and headers.
    pub head: ResponseHead,
    /// Body bytes (empty for HEAD).
    pub body: Vec<u8>,
    /// Keep the connection open for another request.
    pub keep_alive: bool,
    /// The `combined` access-log line (no newline).
    pub access_log: String,
    /// An error-log line (no newline), for what Debian's `LogLevel warn` shows.
    pub error_log: Option<String>,
}

impl Response {
    /// Head and body as sent on the wire.
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.head.to_bytes();
        out.extend_from_slice(&self.body);
        out
    }
}

/// Methods httpd's method registry knows (`ap_method_number_of`); others are `M_INVALID` → 501.
const KNOWN_METHODS: [&str; 26] = [
    "GET",
    "PUT",
    "POST",
    "DELETE",
    "CONNECT",
    "OPTIONS",
    "TRACE",
    "PATCH",
    "PROPFIND",
    "PROPPATCH",
    "MKCOL",
    "COPY",
    "MOVE",
    "LOCK",
    "UNLOCK",
    "VERSION-CONTROL",
    "CHECKOUT",
    "UNCHECKOUT",
    "CHECKIN",
    "UPDATE",
    "LABEL",
    "REPORT",
    "MKWORKSPACE",
    "MKACTIVITY",
    "BASELINE-CONTROL",
    "MERGE",
];

/// The `Allow` header of a static file (`ap_allow_standard_methods` in `default_handler`).
const ALLOW: &str = "GET,POST,OPTIONS,HEAD";
const ERROR_CONTENT_TYPE: &str = "text/html; charset=iso-8859-1";
const DOCTYPE: &str = "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\" \"http://www.w3.org/TR/html4/strict.dtd\">\n";
/// mod_deflate leaves bodies up to `sizeof(gzip_header) + VALIDATION_SIZE + 50` alone.
const DEFLATE_MIN: u64 = 10 + 8 + 50;
/// Types Debian's `deflate.conf` compresses.
const DEFLATE_TYPES: [&str; 8] = [
    "text/html",
    "text/plain",
    "text/xml",
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/xml",
    "application/rss+xml",
];

/// `Content-Type` by extension (Debian's `/etc/mime.types`); `None` = no header (httpd 2.4 has no
/// `DefaultType`).
pub(crate) fn content_type(path: &str) -> Option<&'static str> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match ext.as_str() {
        "html" | "htm" | "shtml" => "text/html",
        "txt" | "text" | "conf" | "log" => "text/plain",
        "css" => "text/css",
        "js" | "mjs" => "text/javascript",
        "json" => "application/json",
        "xml" => "application/xml",
        "png" => "image/png",
        "jpg" | "jpeg" | "jpe" => "image/jpeg",
        "gif" => "image/gif",
        "svg" | "svgz" => "image/svg+xml",
        "ico" => "image/vnd.microsoft.icon",
        "pdf" => "application/pdf",
        "gz" => "application/gzip",
        _ => return None,
    })
}

/// What the request resolved to.
enum Outcome {
    /// Serve this file (also for POST; HEAD drops the body): what `stat()` said, and the bytes
    /// read once it is opened.
    File { path: String, meta: FileMeta, data: Option<Vec<u8>> },
    /// `OPTIONS`: 200, `Allow`, empty body.
    Options,
    /// mod_dir's trailing-slash redirect.
    Redirect { location: String },
    /// An error page.
    Error { status: u16, note: Option<&'static str>, log: Option<ErrorLog> },
}

struct ErrorLog {
    module: &'static str,
    errno: Option<Errno>,
    message: String,
}

impl ErrorLog {
    /// `default_handler` could not open the file (server/core.c: AH00132 whatever the errno).
    fn denied(errno: Errno, path: &str) -> ErrorLog {
        ErrorLog { module: "core", errno: Some(errno), message: format!("AH00132: file permissions deny server access: {path}") }
    }

    /// `ap_directory_walk` could not stat the path (server/request.c: AH00035 for EACCES,
    /// AH00036 for anything but ENOENT and ENOTDIR).
    fn walk(errno: Errno, uri: &str, path: &str) -> ErrorLog {
        let message = if errno == Errno::Acces {
            format!(
                "AH00035: access to {uri} denied (filesystem path '{path}') because search permissions are missing on a component of the path"
            )
        } else {
            format!("AH00036: access to {uri} failed (filesystem path '{path}')")
        };
        ErrorLog { module: "core", errno: Some(errno), message }
    }
}

/// A call the request needs whose reply has not come yet.
struct Unanswered;

/// The file system calls of one request, answered from the replies so far, in order; the
/// first call beyond them is remembered as the one to make.
struct Calls<'a> {
    replies: &'a [FsReply],
    next: Cell<usize>,
    wanted: RefCell<Option<FsCall>>,
}

impl Calls<'_> {
    /// The reply to the next call; `call` says which it is, wanted only when no reply has come.
    fn reply(&self, call: impl FnOnce() -> FsCall) -> Option<&FsReply> {
        let n = self.next.get();
        self.next.set(n + 1);
        let reply = self.replies.get(n);
        if reply.is_none() {
            self.wanted.borrow_mut().get_or_insert_with(call);
        }
        reply
    }

    fn stat(&self, path: &str) -> Result<Result<FileMeta, Errno>, Unanswered> {
        match self.reply(|| FsCall::Stat(path.to_owned())) {
            Some(FsReply::Stat(r)) => Ok(*r),
            // A reply of the other kind: the glue answered out of order; treat it as EIO.
            Some(FsReply::Open(_)) => Ok(Err(Errno::Io)),
            None => Err(Unanswered),
        }
    }

    fn open(&self, path: &str) -> Option<Result<Vec<u8>, Errno>> {
        match self.reply(|| FsCall::Open(path.to_owned())) {
            Some(FsReply::Open(r)) => Some(r.clone()),
            Some(FsReply::Stat(_)) => Some(Err(Errno::Io)),
            None => None,
        }
    }
}

/// Request facts the response builder needs.
struct Ctx<'a> {
    request_line: String,
    version: Version,
    headers: &'a [Header],
    head_only: bool,
    sig_host: String,
    sig_port: u16,
}

/// The Apache core. Stateless between requests: connection state lives in the glue.
#[derive(Clone, Debug)]
pub(crate) struct Httpd {
    cfg: HttpdConfig,
}

impl Httpd {
    /// A server with `cfg`.
    pub(crate) fn new(cfg: HttpdConfig) -> Self {
        Httpd { cfg }
    }

    /// The configuration.
    pub(crate) fn config(&self) -> &HttpdConfig {
        &self.cfg
    }

    /// Limits to parse requests with.
    pub(crate) fn limits(&self) -> &Limits {
        &self.cfg.limits
    }

    /// Answers one complete request received at `now`, given the replies to the file system
    /// calls made for it so far: the next call, or the response.
    pub(crate) fn handle_request(&self, now: SimTime, cal: &Calendar, req: &RequestHead, conn: &ConnInfo, replies: &[FsReply]) -> Step {
        let calls = Calls { replies, next: Cell::new(0), wanted: RefCell::new(None) };
        let outcome = match self.resolve(req, &calls) {
            Some(Outcome::File { path, meta, data: None }) => match calls.open(&path) {
                Some(Ok(data)) => Outcome::File { path, meta, data: Some(data) },
                // default_handler: any failure to open is "file permissions deny server access".
                Some(Err(errno)) => Outcome::Error { status: 403, note: None, log: Some(ErrorLog::denied(errno, &path)) },
                None => return Step::Call(calls.wanted.into_inner().unwrap_or(FsCall::Open(path))),
            },
            Some(outcome) => outcome,
            None => return Step::Call(calls.wanted.into_inner().expect("resolve stops only on a call to make")),
        };
        // Built once the answer is known: until then each call replays the request from the start.
        let (sig_host, host_port) = match req.header("Host").map(split_host) {
            Some((h, p)) if !h.is_empty() => (h, p),
            _ => (self.cfg.server_name.clone(), None),
        };
        let ctx = Ctx {
            request_line: req.request_line(),
            version: req.version,
            headers: &req.headers,
            head_only: req.method == "HEAD",
            sig_host,
            sig_port: host_port.unwrap_or(conn.server_port),
        };
        Step::Respond(self.respond(now, cal, &ctx, conn, outcome))
    }

    /// Apache's answer to a request it refuses (`why`: a head the parser could not read, or a
    /// `Content-Length` beyond `LimitRequestBody`; `raw` = the bytes received so far, for the
    /// access log's `%r` and the signature's host). Apache always closes the connection afterwards.
    pub(crate) fn bad_request(&self, now: SimTime, cal: &Calendar, why: &Refusal, raw: &[u8], conn: &ConnInfo) -> Response {
        let first = raw.iter().skip_while(|&&b| b == b'\r' || b == b'\n').copied().collect::<Vec<u8>>();
        let line_end = first.iter().position(|&b| b == b'\n').unwrap_or(first.len());
        let mut line = &first[..line_end];
        line = line.strip_suffix(b"\r").unwrap_or(line);
        if let Some(max) = self.cfg.limits.max_start_line {
            line = &line[..line.len().min(max)];
        }
        let host = raw_host(&first);
        let (status, note) = match why {
            Refusal::Head(HeadError::StartLineTooLong) => (414, None),
            Refusal::Head(HeadError::FieldTooLong { .. }) => (400, Some("Size of a request header field exceeds server limit.")),
            Refusal::Head(HeadError::TooManyFields) => (400, Some("The number of request header fields exceeds this server's limit.")),
            Refusal::Head(HeadError::Malformed | HeadError::HeadTooLarge)
            | Refusal::BodyTooLarge { .. }
            | Refusal::LengthOverflow { .. } => (400, None),
        };
        let ctx = Ctx {
            request_line: String::from_utf8_lossy(line).into_owned(),
            version: Version::Http10,
            headers: &[],
            head_only: false,
            sig_host: host.as_ref().map_or_else(|| self.cfg.server_name.clone(), |(h, _)| h.clone()),
            sig_port: host.and_then(|(_, p)| p).unwrap_or(conn.server_port),
        };
        // AH00561/AH00563/AH00565 are logged at level info: invisible under `LogLevel warn`.
        let outcome = Outcome::Error { status, note, log: None };
        self.respond(now, cal, &ctx, conn, outcome)
    }

    /// What the request asks for, or `None` once it needs a call not answered yet.
    fn resolve(&self, req: &RequestHead, fs: &Calls<'_>) -> Option<Outcome> {
        Some(match self.resolve_answered(req, fs) {
            Ok(outcome) => outcome,
            Err(Unanswered) => return None,
        })
    }

    fn resolve_answered(&self, req: &RequestHead, fs: &Calls<'_>) -> Result<Outcome, Unanswered> {
        let error = |status| Ok(Outcome::Error { status, note: None, log: None });
        // HttpProtocolOptions Strict: an HTTP/1.1 request must name its host (AH00569, debug).
        match req.header("Host") {
            None if req.version == Version::Http11 => return error(400),
            Some(h) if !valid_host(h) => return error(400),
            _ => {}
        }
        let method = req.method.as_str();
        let is_get = matches!(method, "GET" | "HEAD" | "POST");
        if !is_get && !KNOWN_METHODS.contains(&method) {
            return error(501);
        }
        if method == "OPTIONS" && req.target == "*" {
            return Ok(Outcome::Options);
        }
        let uri = match normalize(&req.target) {
            Ok(u) => u,
            Err(status) => return error(status),
        };
        let mut path = [self.cfg.docroot.as_str(), &uri].concat();
        let mut meta = match fs.stat(&path)? {
            Ok(meta) => meta,
            Err(Errno::NoEnt | Errno::NotDir) => return error(if is_get || method == "OPTIONS" { 404 } else { 405 }),
            // ap_directory_walk: EACCES is AH00035, any other failure AH00036; both 403.
            Err(errno) => return Ok(Outcome::Error { status: 403, note: None, log: Some(ErrorLog::walk(errno, &uri, &path)) }),
        };
        if meta.is_dir {
            if !path.ends_with('/') {
                let host = req.header("Host").unwrap_or(&self.cfg.server_name).to_ascii_lowercase();
                return Ok(Outcome::Redirect { location: format!("http://{host}{uri}/") });
            }
            let index = [path.as_str(), &self.cfg.directory_index].concat();
            match fs.stat(&index)? {
                Ok(m) if !m.is_dir => {
                    path = index;
                    meta = m;
                }
                _ if method == "GET" || method == "HEAD" => {
                    // mod_autoindex with `Options -Indexes`.
                    return Ok(Outcome::Error {
                        status: 403,
                        note: None,
                        log: Some(ErrorLog {
                            module: "autoindex",
                            errno: None,
                            message: format!(
                                "AH01276: Cannot serve directory {path}: No matching DirectoryIndex ({}) found, \
                                 and server-generated directory index forbidden by Options directive",
                                self.cfg.directory_index
                            ),
                        }),
                    });
                }
                // default_handler: "Attempt to serve directory" (AH00129, info) → 404.
                _ if method == "POST" => return error(404),
                _ => {}
            }
        }
        match method {
            "GET" | "HEAD" | "POST" => {}
            "OPTIONS" => return Ok(Outcome::Options),
            _ => return error(405),
        }
        Ok(Outcome::File { path, meta, data: None })
    }

    fn respond(&self, now: SimTime, cal: &Calendar, ctx: &Ctx<'_>, conn: &ConnInfo, outcome: Outcome) -> Response {
        let now_us = cal.unix_micros(now);
        let mut head = ResponseHead::new(Version::Http11, 200, "OK");
        head.push("Date", cal.date(now).http_date());
        head.push("Server", self.cfg.server.clone());
        let mut body = Vec::new();
        let mut ctype: Option<String> = None;
        let mut error_log = None;
        let status;
        let mut has_body_length = true;
        let mut short = false;
        match outcome {
            Outcome::File { path, meta, data } => {
                status = 200;
                // Content-Length, ETag and Last-Modified come from the earlier stat(); the body is
                // what the open file holds, cut to that length (spec-nfs §8.4). A file that
                // shrank in between leaves the response short, and the connection is closed.
                let mut data = data.unwrap_or_default();
                let size = meta.size;
                short = (data.len() as u64) < size;
                data.truncate(usize::try_from(size).unwrap_or(usize::MAX));
                let lm = meta.mtime_unix_us.min(now_us);
                head.push("Last-Modified", unix_date(lm).http_date());
                let weak = if now_us.saturating_sub(meta.mtime_unix_us) > 1_000_000 && meta.mtime_unix_us <= now_us { "" } else { "W/" };
                head.push("ETag", etag(weak, size, meta.mtime_unix_us));
                head.push("Accept-Ranges", "bytes");
                head.push("Content-Length", text::decimal(size));
                let ct = content_type(&path);
                if self.cfg.deflate && size > DEFLATE_MIN && ct.is_some_and(|t| DEFLATE_TYPES.contains(&t)) {
                    head.push("Vary", "Accept-Encoding");
                }
                ctype = ct.map(str::to_string);
                body = data;
            }
            Outcome::Options => {
                status = 200;
                head.push("Allow", ALLOW);
                head.push("Content-Length", "0");
            }
            Outcome::Redirect { location } => {
                status = 301;
                head.push("Location", location.clone());
                body = self.error_page(301, None, Some(&location), ctx).into_bytes();
                ctype = Some(ERROR_CONTENT_TYPE.into());
                has_body_length = !ctx.head_only;
            }
            Outcome::Error { status: s, note, log } => {
                status = s;
                if s == 405 || s == 501 {
                    head.push("Allow", ALLOW);
                }
                body = self.error_page(s, note, None, ctx).into_bytes();
                ctype = Some(ERROR_CONTENT_TYPE.into());
                error_log = log.map(|l| self.error_line(now, cal, conn, &l));
                // ap_send_error_response returns before generating a body for HEAD.
                has_body_length = !ctx.head_only;
            }
        }
        head.status = status;
        head.reason = reason_phrase(status).to_string();
        if matches!(status, 301 | 400..) && has_body_length {
            head.push("Content-Length", text::decimal(body.len()));
        }
        let keep_alive = self.set_keepalive(&mut head, ctx, status, conn.requests_on_conn) && !short;
        if let Some(ct) = ctype {
            head.push("Content-Type", ct);
        }
        if ctx.head_only {
            body.clear();
        }
        let bytes_out = head.buffer_len() + body.len();
        // `%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i"`, written piece by piece.
        let mut access_log = String::with_capacity(160 + ctx.request_line.len());
        Dotted(conn.client_ip).push_onto(&mut access_log);
        access_log.push_str(" - - [");
        cal.date(now).push_log_time(&mut access_log);
        for part in ["] \"", &escape_log(&ctx.request_line), "\" "] {
            access_log.push_str(part);
        }
        text::push_decimal(&mut access_log, status);
        access_log.push(' ');
        text::push_decimal(&mut access_log, bytes_out);
        for part in [" \"", &escape_log(find_header(ctx.headers, "Referer").unwrap_or("-")), "\" \""] {
            access_log.push_str(part);
        }
        access_log.push_str(&escape_log(find_header(ctx.headers, "User-Agent").unwrap_or("-")));
        access_log.push('"');
        Response { head, body, keep_alive, access_log, error_log }
    }

    /// `ap_set_keepalive`: decide, and write `Keep-Alive`/`Connection`.
    fn set_keepalive(&self, head: &mut ResponseHead, ctx: &Ctx<'_>, status: u16, served: u32) -> bool {
        let drops = matches!(status, 400 | 408 | 411 | 413 | 414 | 500 | 501 | 503);
        let close_sent = header_has_token(ctx.headers, "Connection", "close");
        let ka_sent = header_has_token(ctx.headers, "Connection", "keep-alive");
        let max = self.cfg.max_keepalive_requests;
        let left = max.saturating_sub(served);
        let keep = self.cfg.keepalive && !drops && !close_sent && (ctx.version >= Version::Http11 || ka_sent) && (max == 0 || left > 0);
        if keep {
            if ka_sent {
                let ka = if max > 0 {
                    format!("timeout={}, max={left}", self.cfg.keepalive_timeout_s)
                } else {
                    format!("timeout={}", self.cfg.keepalive_timeout_s)
                };
                head.push("Keep-Alive", ka);
                head.push("Connection", "Keep-Alive");
            }
        } else {
            head.push("Connection", "close");
        }
        keep
    }

    /// The canned error page (`ap_send_error_response`, 2.4.41+ texts, Debian's doctype).
    pub(crate) fn error_page(&self, status: u16, note: Option<&str>, location: Option<&str>, ctx_host: &impl SigHost) -> String {
        let reason = reason_phrase(status);
        let text = match status {
            301 => format!("<p>The document has moved <a href=\"{}\">here</a>.</p>\n", escape_html(location.unwrap_or(""))),
            400 => format!("<p>Your browser sent a request that this server could not understand.<br />\n{}</p>\n", note.unwrap_or("")),
            403 => "<p>You don't have permission to access this resource.</p>\n".to_string(),
            404 => "<p>The requested URL was not found on this server.</p>\n".to_string(),
            405 => format!("<p>The requested method {} is not allowed for this URL.</p>\n", escape_html(ctx_host.method())),
            414 => "<p>The requested URL's length exceeds the capacity\nlimit for this server.<br />\n</p>\n".to_string(),
            501 => format!("<p>{} not supported for current URL.<br />\n</p>\n", escape_html(ctx_host.method())),
            _ => "<p>The server encountered an internal error or\nmisconfiguration and was unable to complete\nyour request.</p>\n"
                .to_string(),
        };
        let mut page = format!("{DOCTYPE}<html><head>\n<title>{status} {reason}</title>\n</head><body>\n<h1>{reason}</h1>\n{text}");
        if self.cfg.signature {
            page.push_str(&format!(
                "<hr>\n<address>{} Server at {} Port {}</address>\n",
                self.cfg.server,
                escape_html(ctx_host.host()),
                ctx_host.port()
            ));
        }
        page.push_str("</body></html>\n");
        page
    }

    fn error_line(&self, now: SimTime, cal: &Calendar, conn: &ConnInfo, l: &ErrorLog) -> String {
        let errno = l.errno.map(|e| format!("({}){}: ", e.number(), e.text())).unwrap_or_default();
        let message = format!("{errno}[client {}:{}] {}", conn.client_ip, conn.client_port, l.message);
        self.log_line(now, cal, l.module, "error", &message)
    }

    /// A line of the error log in httpd 2.4's default `ErrorLogFormat` (`server/log.c`
    /// `do_errorlog_default`: `[%{u}t] [%-m:%l] [pid %P:tid %T] MESSAGE`; the event MPM is
    /// threaded, so `:tid` is there).
    fn log_line(&self, now: SimTime, cal: &Calendar, module: &str, level: &str, message: &str) -> String {
        let d = cal.date(now);
        format!(
            "[{} {} {:02} {:02}:{:02}:{:02}.{:06} {}] [{module}:{level}] [pid {}:tid {}] {message}",
            d.weekday_name(),
            d.month_name(),
            d.day,
            d.hour,
            d.minute,
            d.second,
            d.micros,
            d.year,
            self.cfg.pid,
            self.cfg.tid,
        )
    }

    /// What httpd prints on its standard error while it reads its configuration (the journal,
    /// under systemd): the lab's configuration has no `ServerName`, so `AH00558` names the
    /// address it falls back to (`server/util.c` `ap_get_local_host`; logged with
    /// `APLOG_STARTUP`, hence no prefix). Printed at each start and each restart.
    pub(crate) fn config_messages(&self) -> Vec<String> {
        vec![format!(
            "AH00558: {}: Could not reliably determine the server's fully qualified domain name, using {}. \
             Set the 'ServerName' directive globally to suppress this message",
            self.cfg.argv0, self.cfg.server_name
        )]
    }

    /// The error-log lines of the parent process once it has (re)read its configuration and
    /// serves: `AH00489` (`server/mpm/event/event.c` `event_run`) and `AH00094`
    /// (`server/log.c` `ap_log_command_line`).
    pub(crate) fn serving_lines(&self, now: SimTime, cal: &Calendar) -> Vec<String> {
        vec![
            self.log_line(
                now,
                cal,
                "mpm_event",
                "notice",
                &format!("AH00489: {} configured -- resuming normal operations", self.cfg.server),
            ),
            self.log_line(now, cal, "core", "notice", &format!("AH00094: Command line: '{}'", self.cfg.command_line)),
        ]
    }

    /// The error-log line of the parent when its maintenance finds every worker busy
    /// ([`Mpm::at_max_workers`]): `AH00484` at `APLOG_ERR`, logged once in the server's life
    /// (`retained->maxclients_reported`, kept across restarts; `event.c`
    /// `perform_idle_server_maintenance`).
    pub(crate) fn max_workers_line(&self, now: SimTime, cal: &Calendar) -> String {
        self.log_line(
            now,
            cal,
            "mpm_event",
            "error",
            "AH00484: server reached MaxRequestWorkers setting, consider raising the MaxRequestWorkers setting",
        )
    }

    /// The error-log lines of the parent process when it takes `signal` (`event.c`
    /// `event_run`, with `AP_SIG_GRACEFUL_STRING` "SIGUSR1" and `AP_SIG_GRACEFUL_STOP_STRING`
    /// "SIGWINCH" of `mpm_common.h`): the restart ones are followed by
    /// [`Httpd::config_messages`] and [`Httpd::serving_lines`] once the configuration is read
    /// again.
    pub(crate) fn control_lines(&self, now: SimTime, cal: &Calendar, signal: Control) -> Vec<String> {
        let message = match signal {
            Control::Stop => "AH00491: caught SIGTERM, shutting down",
            Control::GracefulStop => "AH00492: caught SIGWINCH, shutting down gracefully",
            Control::Restart => "AH00494: SIGHUP received.  Attempting to restart",
            Control::GracefulRestart => "AH00493: SIGUSR1 received.  Doing graceful restart",
        };
        vec![self.log_line(now, cal, "mpm_event", "notice", message)]
    }
}

/// A signal httpd's parent process acts on (`server/mpm_unix.c` `ap_mpm_set_signals`: its
/// handlers `sig_term` and `restart` set `shutdown_pending` or `restart_pending`, and
/// `is_graceful` for `AP_SIG_GRACEFUL_STOP` and `AP_SIG_GRACEFUL`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Control {
    /// SIGTERM: the children are killed, whatever they were doing.
    Stop,
    /// SIGWINCH: the listeners close; the children finish the requests they are serving
    /// (`GracefulShutdownTimeout` 0: however long that takes), then everything exits.
    GracefulStop,
    /// SIGHUP: stop the children, read the configuration again, start new children.
    Restart,
    /// SIGUSR1: read the configuration again and start new children; the old ones finish the
    /// requests they are serving (their keep-alive connections close after it), the listeners
    /// stay open.
    GracefulRestart,
}

impl Control {
    /// Whether requests being served are finished first.
    pub(crate) fn is_graceful(self) -> bool {
        matches!(self, Control::GracefulStop | Control::GracefulRestart)
    }

    /// Whether the server goes on (with its configuration read again) once it is done.
    pub(crate) fn is_restart(self) -> bool {
        matches!(self, Control::Restart | Control::GracefulRestart)
    }
}

/// The event MPM's process model under Debian's `mods-available/mpm_event.conf`
/// (`StartServers 2`, `ThreadsPerChild 25`, `MinSpareThreads 25`, `MaxSpareThreads 75`): an
/// idle server keeps its two children, each with its worker threads, its listener thread and
/// its main thread (`event.c` `child_main` waits on the pod while `start_threads` creates the
/// others and returns).
pub(crate) struct Mpm;

impl Mpm {
    /// `StartServers`: children forked at start (and at each restart).
    pub(crate) const START_SERVERS: u32 = 2;
    /// `ThreadsPerChild`.
    pub(crate) const THREADS_PER_CHILD: u32 = 25;
    /// `MaxRequestWorkers` of Debian's `mpm_event.conf`: 150 (without that file the event MPM's
    /// compiled default is `ServerLimit` 16 × `ThreadsPerChild` 25 = 400, `event.c`
    /// `DEFAULT_SERVER_LIMIT`). A worker thread is busy from the request to its response;
    /// an idle keep-alive connection holds none (the listener thread watches it).
    pub(crate) const MAX_REQUEST_WORKERS: usize = 150;
    /// `MinSpareThreads` of Debian's `mpm_event.conf`.
    pub(crate) const MIN_SPARE_THREADS: usize = 25;

    /// Whether the parent's once-a-second maintenance (`event.c`
    /// `perform_idle_server_maintenance`) finds the server at its limit with `busy` workers:
    /// fewer than `MinSpareThreads` idle, and no child left to fork (labsim's children are
    /// always all there, so every thread up to `MaxRequestWorkers` counts as active).
    pub(crate) fn at_max_workers(busy: usize) -> bool {
        busy + Mpm::MIN_SPARE_THREADS > Mpm::MAX_REQUEST_WORKERS
    }

    /// Threads of the whole server (systemd's `Tasks:`): the parent's one, and per child its
    /// workers, its listener and its main thread.
    pub(crate) fn tasks() -> u32 {
        1 + Mpm::START_SERVERS * (Mpm::THREADS_PER_CHILD + 2)
    }
}

/// The text mod_systemd hands systemd (`sd_notifyf(0, "READY=1\nSTATUS=…")` from its
/// `monitor` hook, which the MPM's main loop runs once a second; CentOS 7's httpd 2.4.6
/// module): the requests served so far, and those and the bytes sent during the last second.
/// The rate is `%.3g`, the traffic `apr_strfsize`'s four characters.
pub(crate) fn systemd_status(total: u64, last_second_requests: u64, last_second_bytes: u64) -> String {
    format!(
        "Total requests: {total}; Current requests/sec: {}; Current traffic: {}B/sec",
        g3(last_second_requests),
        strfsize(last_second_bytes)
    )
}

/// C's `%.3g` of a whole number: as it is below 1000, else three significant digits in
/// exponent form (`1.23e+03`).
fn g3(n: u64) -> String {
    if n < 1000 {
        return n.to_string();
    }
    let exp = n.ilog10();
    let scale = 10u64.pow(exp - 2);
    // printf rounds the exact value half to even.
    let (mut digits, rem) = (n / scale, n % scale);
    if rem * 2 > scale || (rem * 2 == scale && digits % 2 == 1) {
        digits += 1;
    }
    let (digits, exp) = if digits >= 1000 { (digits / 10, exp + 1) } else { (digits, exp) };
    let (int, frac) = (digits / 100, digits % 100);
    let mantissa = if frac == 0 {
        int.to_string()
    } else if frac % 10 == 0 {
        format!("{int}.{}", frac / 10)
    } else {
        format!("{int}.{frac:02}")
    };
    format!("{mantissa}e+{exp:02}")
}

/// APR's `apr_strfsize` (`strings/apr_strings.c`): a size in four characters, `%3d ` below
/// 973 bytes (`  0 `), then `1.2K`, ` 12K`, `123M`….
fn strfsize(size: u64) -> String {
    if size < 973 {
        return format!("{size:3} ");
    }
    let mut size = size;
    for unit in ['K', 'M', 'G', 'T', 'P', 'E'] {
        let remain = size & 1023;
        size >>= 10;
        if size >= 973 {
            continue;
        }
        if size < 9 || (size == 9 && remain < 973) {
            let mut tenth = (remain * 5 + 256) / 512;
            if tenth >= 10 {
                size += 1;
                tenth = 0;
            }
            return format!("{size}.{tenth}{unit}");
        }
        if remain >= 512 {
            size += 1;
        }
        return format!("{size:3}{unit}");
    }
    "****".to_owned()
}

/// What an error page's signature and method-dependent texts need.
pub(crate) trait SigHost {
    /// Host name in the signature.
    fn host(&self) -> &str;
    /// Port in the signature.
    fn port(&self) -> u16;
    /// Request method (405/501 texts).
    fn method(&self) -> &str;
}

impl SigHost for Ctx<'_> {
    fn host(&self) -> &str {
        &self.sig_host
    }
    fn port(&self) -> u16 {
        self.sig_port
    }
    fn method(&self) -> &str {
        self.request_line.split(' ').next().unwrap_or("")
    }
}

fn unix_date(us: u64) -> DateTime {
    Calendar::new(0).date(SimTime::from_micros(us))
}

/// `Host` value → lowercased name and optional port.
fn split_host(h: &str) -> (String, Option<u16>) {
    let h = h.trim();
    match h.rsplit_once(':') {
        Some((name, port)) if !name.contains(':') || name.ends_with(']') => (name.to_ascii_lowercase(), port.parse().ok()),
        _ => (h.to_ascii_lowercase(), None),
    }
}

fn valid_host(h: &str) -> bool {
    let h = h.trim();
    h.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._:[]".contains(&b))
}

/// The `Host` of a raw, unparseable head, if a complete `Host:` line is in it.
fn raw_host(raw: &[u8]) -> Option<(String, Option<u16>)> {
    raw.split(|&b| b == b'\n').skip(1).find_map(|line| {
        let line = line.strip_suffix(b"\r")?;
        let colon = line.iter().position(|&b| b == b':')?;
        if !line[..colon].eq_ignore_ascii_case(b"host") {
            return None;
        }
        let value = std::str::from_utf8(&line[colon + 1..]).ok()?;
        valid_host(value).then(|| split_host(value))
    })
}

/// Request target → decoded, normalized URL path, or the status Apache answers.
fn normalize(target: &str) -> Result<String, u16> {
    let path = if let Some(rest) = target.strip_prefix("http://") { rest.find('/').map_or("/", |i| &rest[i..]) } else { target };
    let path = path.split(['?', '#']).next().unwrap_or("");
    if !path.starts_with('/') {
        return Err(400);
    }
    // Nearly every request names a path already in normal form: nothing to merge, resolve or
    // decode, so the steps would give it back unchanged.
    let normal = !path.contains("//") && !path.contains('%') && !path.split('/').any(|s| s == "." || s == "..");
    if normal { Ok(path.to_owned()) } else { normalize_path(path) }
}

/// The steps of [`normalize`] for a `path` that starts with `/`: dot segments resolved, slashes
/// merged, escapes decoded.
fn normalize_path(path: &str) -> Result<String, u16> {
    let mut segs: Vec<&str> = Vec::new();
    for seg in path.split('/').skip(1) {
        match seg {
            "." => {}
            ".." => {
                // AH10244: invalid URI path (above the root).
                if segs.pop().is_none() {
                    return Err(400);
                }
            }
            s => segs.push(s),
        }
    }
    // Merge slashes (`MergeSlashes On`) but keep a trailing one.
    let trailing = path.ends_with('/') || path.ends_with("/.") || path.ends_with("/..");
    let mut out = String::new();
    for s in segs.iter().filter(|s| !s.is_empty()) {
        out.push('/');
        out.push_str(s);
    }
    if trailing || out.is_empty() {
        out.push('/');
    }
    unescape(&out)
}

/// `ap_unescape_url`: `%2F` and `%00` → 404 (`AllowEncodedSlashes Off`), bad escapes → 400.
fn unescape(s: &str) -> Result<String, u16> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
            let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) else {
                return Err(400);
            };
            if v == b'/' || v == 0 {
                return Err(404);
            }
            out.push(v);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// `ap_escape_html` (the subset that matters: `& < > "`).
fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// Apache's ETag (`FileETag MTime Size`): `"SIZE-MTIME"` in hex, microseconds of mtime,
/// `weak` is `W/` for a file changed within the last second (`ap_make_etag`).
fn etag(weak: &str, size: u64, mtime_unix_us: u64) -> String {
    let mut out = String::with_capacity(40);
    out.push_str(weak);
    out.push('"');
    text::push_hex(&mut out, size, 1);
    out.push('-');
    text::push_hex(&mut out, mtime_unix_us, 1);
    out.push('"');
    out
}

/// `ap_escape_logitem`: `"` and `\` get a backslash, control bytes are `\n`, `\t`, … or `\xhh`.
/// Like it, returns the item itself when nothing needs escaping.
fn escape_log(s: &str) -> Cow<'_, str> {
    if !s.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20 || b == 0x7f) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::http::{Parsed, parse_request};
    use std::collections::BTreeMap;

    /// 2024-01-02T03:04:05.123456Z.
    const MTIME: u64 = 1_704_164_645_123_456;
    const INDEX: &[u8] = b"<html><body><h1>This is web-1 zgh2303</h1></body>\n\n\n";

    struct Fs(BTreeMap<String, (FileMeta, Vec<u8>, bool)>);

    impl Fs {
        fn lab() -> Self {
            let mut m = BTreeMap::new();
            let file = |data: &[u8], readable: bool| {
                (FileMeta { size: data.len() as u64, mtime_unix_us: MTIME, is_dir: false }, data.to_vec(), readable)
            };
            let dir = (FileMeta { size: 4096, mtime_unix_us: MTIME, is_dir: true }, Vec::new(), true);
            m.insert("/var/www/html/".into(), dir.clone());
            m.insert("/var/www/html/empty/".into(), dir.clone());
            m.insert("/var/www/html/index.html".into(), file(INDEX, true));
            m.insert("/var/www/html/big.html".into(), file(&[b'x'; 327], true));
            m.insert("/var/www/html/secret.html".into(), file(b"secret\n", false));
            m.insert("/var/www/html/a.txt".into(), file(&[b't'; 100], true));
            m.insert("/var/www/html/blob".into(), file(b"\x00\x01", true));
            Fs(m)
        }
    }

    impl Fs {
        fn call(&self, call: &FsCall) -> FsReply {
            match call {
                FsCall::Stat(path) => {
                    FsReply::Stat(self.0.get(path).or_else(|| self.0.get(&format!("{path}/"))).map(|(m, _, _)| *m).ok_or(Errno::NoEnt))
                }
                FsCall::Open(path) => FsReply::Open(match self.0.get(path) {
                    Some((_, data, true)) => Ok(data.clone()),
                    Some(_) => Err(Errno::Acces),
                    None => Err(Errno::NoEnt),
                }),
            }
        }
    }

    /// Answers a request as the glue does: each call Apache makes is answered from `fs`; returns
    /// the calls made and the response.
    fn answer(now: SimTime, cal: &Calendar, head: &RequestHead, conn: &ConnInfo, fs: &Fs) -> (Vec<FsCall>, Response) {
        let mut calls = Vec::new();
        let mut replies = Vec::new();
        loop {
            match httpd().handle_request(now, cal, head, conn, &replies) {
                Step::Call(call) => {
                    replies.push(fs.call(&call));
                    calls.push(call);
                }
                Step::Respond(r) => return (calls, r),
            }
        }
    }

    fn conn(n: u32) -> ConnInfo {
        ConnInfo {
            client_ip: Ipv4Addr::new(10, 99, 0, 11),
            client_port: 51234,
            server_ip: Ipv4Addr::new(10, 99, 0, 21),
            server_port: 80,
            requests_on_conn: n,
        }
    }

    fn httpd() -> Httpd {
        Httpd::new(HttpdConfig { server_name: "10.99.0.21".into(), ..HttpdConfig::default() })
    }

    /// 16:07:42 on the default calendar (starts 16:00:00).
    fn at(secs: u64) -> SimTime {
        SimTime::from_secs(secs)
    }

    fn req(raw: &[u8]) -> RequestHead {
        match parse_request(raw, &Limits::APACHE) {
            Parsed::Complete { head, .. } => head,
            other => panic!("{other:?}"),
        }
    }

    fn serve(raw: &[u8], n: u32) -> Response {
        answer(at(462), &Calendar::default(), &req(raw), &conn(n), &Fs::lab()).1
    }

    const CURL: &[u8] = b"GET / HTTP/1.1\r\nHost: 10.99.0.21\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n";

    #[test]
    fn spec_200_header_block() {
        let r = serve(CURL, 0);
        let want = "HTTP/1.1 200 OK\r\nDate: Tue, 24 Nov 2026 16:07:42 GMT\r\nServer: Apache/2.4.71 (Debian)\r\n\
Last-Modified: Tue, 02 Jan 2024 03:04:05 GMT\r\nETag: \"34-60dedc04fb580\"\r\nAccept-Ranges: bytes\r\n\
Content-Length: 52\r\nContent-Type: text/html\r\n\r\n";
        assert_eq!(String::from_utf8(r.head.to_bytes()).unwrap(), want);
        assert_eq!(r.body, INDEX);
        assert!(r.keep_alive);
        assert_eq!(r.error_log, None);
    }

    #[test]
    fn spec_access_log_line_from_nginx() {
        let nginx = b"GET / HTTP/1.0\r\nHost: 10.99.0.11\r\nX-Real-IP: 10.99.0.50\r\nX-Forwarded-For: 10.99.0.50\r\n\
Connection: close\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n";
        let r = answer(at(493), &Calendar::default(), &req(nginx), &conn(0), &Fs::lab()).1;
        assert_eq!(r.access_log, "10.99.0.11 - - [24/Nov/2026:16:08:13 +0000] \"GET / HTTP/1.0\" 200 298 \"-\" \"curl/7.88.1\"");
        assert_eq!(r.head.headers[6], ("Connection".into(), "close".to_string()));
        assert_eq!(r.head.headers[7].0, "Content-Type");
        assert!(!r.keep_alive);
        assert_eq!(r.to_bytes().len(), 298);
    }

    #[test]
    fn keepalive_rules() {
        let ka = b"GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n";
        let r = serve(ka, 0);
        assert_eq!(r.head.header("Keep-Alive"), Some("timeout=5, max=100"));
        assert_eq!(r.head.header("Connection"), Some("Keep-Alive"));
        assert_eq!(r.head.headers.last().unwrap().0, "Content-Type");
        assert!(r.keep_alive);
        assert_eq!(serve(ka, 1).head.header("Keep-Alive"), Some("timeout=5, max=99"));
        let last = serve(ka, 100);
        assert_eq!(last.head.header("Connection"), Some("close"));
        assert!(!last.keep_alive);
        let r10ka = serve(b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", 0);
        assert!(r10ka.keep_alive);
        assert_eq!(r10ka.head.header("Connection"), Some("Keep-Alive"));
        let r10 = serve(b"GET / HTTP/1.0\r\n\r\n", 0);
        assert!(!r10.keep_alive);
        assert_eq!(r10.head.header("Connection"), Some("close"));
        let close = serve(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 0);
        assert!(!close.keep_alive);
    }

    #[test]
    fn spec_404_and_403_lengths() {
        let r = serve(b"GET /nope HTTP/1.1\r\nHost: 10.99.0.21\r\n\r\n", 0);
        assert_eq!(r.head.status, 404);
        assert_eq!(r.body.len(), 312);
        let names: Vec<&str> = r.head.headers.iter().map(|(n, _)| &**n).collect();
        assert_eq!(names, ["Date", "Server", "Content-Length", "Content-Type"]);
        assert_eq!(r.head.header("Content-Length"), Some("312"));
        assert_eq!(r.head.header("Content-Type"), Some("text/html; charset=iso-8859-1"));
        assert!(r.keep_alive);
        let page = String::from_utf8(r.body).unwrap();
        assert_eq!(
            page,
            "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\" \"http://www.w3.org/TR/html4/strict.dtd\">\n\
<html><head>\n<title>404 Not Found</title>\n</head><body>\n<h1>Not Found</h1>\n\
<p>The requested URL was not found on this server.</p>\n<hr>\n\
<address>Apache/2.4.71 (Debian) Server at 10.99.0.21 Port 80</address>\n</body></html>\n"
        );
        let r = serve(b"GET /secret.html HTTP/1.1\r\nHost: 10.99.0.21\r\n\r\n", 0);
        assert_eq!(r.head.status, 403);
        assert_eq!(r.body.len(), 315);
        assert_eq!(
            r.error_log.as_deref(),
            Some(
                "[Tue Nov 24 16:07:42.000000 2026] [core:error] [pid 1234:tid 140000000000000] (13)Permission denied: \
[client 10.99.0.11:51234] AH00132: file permissions deny server access: /var/www/html/secret.html"
            )
        );
    }

    #[test]
    fn directory_without_index_is_403() {
        let r = serve(b"GET /empty/ HTTP/1.1\r\nHost: 10.99.0.21\r\n\r\n", 0);
        assert_eq!(r.head.status, 403);
        assert_eq!(r.body.len(), 315);
        assert!(r.error_log.unwrap().ends_with(
            "[autoindex:error] [pid 1234:tid 140000000000000] [client 10.99.0.11:51234] AH01276: Cannot serve \
directory /var/www/html/empty/: No matching DirectoryIndex (index.html) found, and server-generated directory \
index forbidden by Options directive"
        ));
        let r = serve(b"GET /empty HTTP/1.1\r\nHost: 10.99.0.21\r\n\r\n", 0);
        assert_eq!(r.head.status, 301);
        assert_eq!(r.head.header("Location"), Some("http://10.99.0.21/empty/"));
    }

    #[test]
    fn head_has_headers_only() {
        let r = serve(b"HEAD / HTTP/1.1\r\nHost: 10.99.0.21\r\n\r\n", 0);
        assert_eq!(r.head.header("Content-Length"), Some("52"));
        assert!(r.body.is_empty());
        assert!(r.access_log.contains("\"HEAD / HTTP/1.1\" 200 227 "), "{}", r.access_log);
        let r = serve(b"HEAD /nope HTTP/1.1\r\nHost: 10.99.0.21\r\n\r\n", 0);
        assert_eq!(r.head.status, 404);
        assert_eq!(r.head.header("Content-Length"), None);
        assert!(r.body.is_empty());
    }

    #[test]
    fn vary_only_for_large_text() {
        assert_eq!(serve(b"GET /big.html HTTP/1.1\r\nHost: h\r\n\r\n", 0).head.header("Vary"), Some("Accept-Encoding"));
        let txt = serve(b"GET /a.txt HTTP/1.1\r\nHost: h\r\n\r\n", 0);
        assert_eq!(txt.head.header("Vary"), Some("Accept-Encoding"));
        assert_eq!(txt.head.header("Content-Type"), Some("text/plain"));
        let blob = serve(b"GET /blob HTTP/1.1\r\nHost: h\r\n\r\n", 0);
        assert_eq!(blob.head.header("Content-Type"), None);
        assert_eq!(blob.head.header("Vary"), None);
    }

    #[test]
    fn weak_etag_within_a_second_of_mtime() {
        let cal = Calendar::new(MTIME / 1_000_000);
        let r = req(CURL);
        let now = SimTime::from_micros(MTIME % 1_000_000 + 500_000);
        let w = answer(now, &cal, &r, &conn(0), &Fs::lab()).1;
        assert_eq!(w.head.header("ETag"), Some("W/\"34-60dedc04fb580\""));
        let later = SimTime::from_micros(MTIME % 1_000_000 + 1_000_001);
        let s = answer(later, &cal, &r, &conn(0), &Fs::lab()).1;
        assert_eq!(s.head.header("ETag"), Some("\"34-60dedc04fb580\""));
        // Last-Modified is clamped to the request time.
        let before = answer(SimTime::ZERO, &cal, &r, &conn(0), &Fs::lab()).1;
        assert_eq!(before.head.header("Last-Modified"), Some("Tue, 02 Jan 2024 03:04:05 GMT"));
    }

    #[test]
    fn methods() {
        let post = serve(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\n", 0);
        assert_eq!(post.head.status, 200);
        assert_eq!(post.body, INDEX);
        let put = serve(b"PUT / HTTP/1.1\r\nHost: 10.99.0.21\r\n\r\n", 0);
        assert_eq!(put.head.status, 405);
        let names: Vec<&str> = put.head.headers.iter().map(|(n, _)| &**n).collect();
        assert_eq!(names, ["Date", "Server", "Allow", "Content-Length", "Content-Type"]);
        assert_eq!(put.head.header("Allow"), Some("GET,POST,OPTIONS,HEAD"));
        assert!(String::from_utf8(put.body).unwrap().contains("<p>The requested method PUT is not allowed for this URL.</p>\n"));
        let foo = serve(b"FOO / HTTP/1.1\r\nHost: h\r\n\r\n", 0);
        assert_eq!(foo.head.status, 501);
        assert!(!foo.keep_alive);
        assert_eq!(serve(b"TRACE / HTTP/1.1\r\nHost: h\r\n\r\n", 0).head.status, 405);
        let opt = serve(b"OPTIONS / HTTP/1.1\r\nHost: h\r\n\r\n", 0);
        assert_eq!((opt.head.status, opt.head.header("Content-Length")), (200, Some("0")));
    }

    /// The short cut for a path already normal gives what the steps give.
    #[test]
    fn normal_paths_come_back_unchanged() {
        for target in ["/", "/index.html", "/a/b/", "/a.b/c..d/.e/", "/a b/ü", "/x?q=//%zz", "/y#../%2f"] {
            let path = target.split(['?', '#']).next().unwrap();
            assert_eq!(normalize(target), normalize_path(path), "{target}");
            assert_eq!(normalize(target).as_deref(), Ok(path), "{target}");
        }
        assert_eq!(normalize("/a/./b"), Ok("/a/b".into()));
        assert_eq!(normalize("/a/../b/"), Ok("/b/".into()));
        assert_eq!(normalize("/a//b%41"), Ok("/a/bA".into()));
    }

    #[test]
    fn uri_handling() {
        assert_eq!(serve(b"GET /index.html?x=1 HTTP/1.1\r\nHost: h\r\n\r\n", 0).head.status, 200);
        assert_eq!(serve(b"GET //./index%2ehtml HTTP/1.1\r\nHost: h\r\n\r\n", 0).head.status, 200);
        assert_eq!(serve(b"GET /../etc/passwd HTTP/1.1\r\nHost: h\r\n\r\n", 0).head.status, 400);
        assert_eq!(serve(b"GET /a%2fb HTTP/1.1\r\nHost: h\r\n\r\n", 0).head.status, 404);
        assert_eq!(serve(b"GET /%zz HTTP/1.1\r\nHost: h\r\n\r\n", 0).head.status, 400);
        assert_eq!(serve(b"GET / HTTP/1.1\r\n\r\n", 0).head.status, 400);
        assert_eq!(serve(b"GET http://h/index.html HTTP/1.1\r\nHost: h\r\n\r\n", 0).head.status, 200);
    }

    #[test]
    fn bad_requests() {
        let h = httpd();
        let cal = Calendar::default();
        let raw = format!("GET / HTTP/1.1\r\nHost: 10.99.0.21\r\nCookie: {}", "c".repeat(9000));
        let r = h.bad_request(at(462), &cal, &Refusal::Head(HeadError::FieldTooLong { name: "Cookie".into() }), raw.as_bytes(), &conn(0));
        assert_eq!(r.head.status, 400);
        assert!(!r.keep_alive);
        let names: Vec<&str> = r.head.headers.iter().map(|(n, _)| &**n).collect();
        assert_eq!(names, ["Date", "Server", "Content-Length", "Connection", "Content-Type"]);
        let page = String::from_utf8(r.body.clone()).unwrap();
        assert!(page.contains(
            "<h1>Bad Request</h1>\n<p>Your browser sent a request that this server could not understand.<br />\n\
Size of a request header field exceeds server limit.</p>\n<hr>\n\
<address>Apache/2.4.71 (Debian) Server at 10.99.0.21 Port 80</address>"
        ));
        assert_eq!(r.head.content_length(), Some(r.body.len() as u64));
        assert!(r.access_log.contains("\"GET / HTTP/1.1\" 400 "));
        let g = h.bad_request(at(462), &cal, &Refusal::Head(HeadError::Malformed), b"\x16\x03\x01garbage\r\n\r\n", &conn(0));
        assert_eq!(g.head.status, 400);
        assert!(g.access_log.contains("\"\\x16\\x03\\x01garbage\" 400 "), "{}", g.access_log);
        let long = h.bad_request(at(462), &cal, &Refusal::Head(HeadError::StartLineTooLong), &[b'a'; 9000], &conn(0));
        assert_eq!(long.head.status, 414);
        assert_eq!(long.head.reason, "Request-URI Too Long");
    }

    #[test]
    fn stat_then_open_in_that_order() {
        let (calls, r) = answer(at(462), &Calendar::default(), &req(CURL), &conn(0), &Fs::lab());
        assert_eq!(
            calls,
            [
                FsCall::Stat("/var/www/html/".into()),
                FsCall::Stat("/var/www/html/index.html".into()),
                FsCall::Open("/var/www/html/index.html".into())
            ]
        );
        assert_eq!(r.head.status, 200);
        let (calls, r) = answer(at(462), &Calendar::default(), &req(b"GET /nosuch HTTP/1.0\r\n\r\n"), &conn(0), &Fs::lab());
        assert_eq!((calls.len(), r.head.status), (1, 404));
    }

    /// spec-nfs §8.4: the headers come from stat(), the bytes from the opened file.
    #[test]
    fn headers_from_stat_body_from_open() {
        let head = req(b"GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n");
        let stat = FsReply::Stat(Ok(FileMeta { size: 100, mtime_unix_us: MTIME, is_dir: false }));
        let grown = [stat.clone(), FsReply::Open(Ok(vec![b'n'; 150]))];
        let Step::Respond(r) = httpd().handle_request(at(462), &Calendar::default(), &head, &conn(0), &grown) else { panic!() };
        assert_eq!((r.head.header("Content-Length"), r.body.len(), r.keep_alive), (Some("100"), 100, true));
        let shrunk = [stat, FsReply::Open(Ok(vec![b'n'; 10]))];
        let Step::Respond(r) = httpd().handle_request(at(462), &Calendar::default(), &head, &conn(0), &shrunk) else { panic!() };
        assert_eq!((r.head.header("Content-Length"), r.body.len(), r.keep_alive), (Some("100"), 10, false));
    }

    /// A stat that fails other than ENOENT is 403 with AH00036 (a soft NFS mount's EIO); an open
    /// that fails after a good stat is 403 with AH00132 and the errno (a file deleted meanwhile).
    #[test]
    fn failing_stat_and_open() {
        let head = req(b"GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n");
        let Step::Respond(r) = httpd().handle_request(at(462), &Calendar::default(), &head, &conn(0), &[FsReply::Stat(Err(Errno::Io))])
        else {
            panic!()
        };
        assert_eq!(r.head.status, 403);
        assert!(r.error_log.unwrap().ends_with(
            "(5)Input/output error: [client 10.99.0.11:51234] AH00036: access to /a.txt failed (filesystem path '/var/www/html/a.txt')"
        ));
        let stat = FsReply::Stat(Ok(FileMeta { size: 100, mtime_unix_us: MTIME, is_dir: false }));
        let Step::Respond(r) =
            httpd().handle_request(at(462), &Calendar::default(), &head, &conn(0), &[stat, FsReply::Open(Err(Errno::NoEnt))])
        else {
            panic!()
        };
        assert_eq!(r.head.status, 403);
        assert!(r.error_log.unwrap().ends_with(
            "(2)No such file or directory: [client 10.99.0.11:51234] AH00132: file permissions deny server access: /var/www/html/a.txt"
        ));
    }

    /// mod_systemd's text: `%.3g` of the rate and `apr_strfsize`'s four characters
    /// (`apr_strings.c`: `%3d ` below 973, then one decimal below 9.5 of a unit, then `%3d`).
    #[test]
    fn systemd_status_text() {
        assert_eq!(super::systemd_status(0, 0, 0), "Total requests: 0; Current requests/sec: 0; Current traffic:   0 B/sec");
        assert_eq!(super::systemd_status(7, 2, 494), "Total requests: 7; Current requests/sec: 2; Current traffic: 494 B/sec");
        let cases = [(972, "972 "), (973, "1.0K"), (1536, "1.5K"), (9 * 1024 + 972, "9.9K"), (10 * 1024, " 10K"), (5 << 20, "5.0M")];
        for (size, text) in cases {
            assert_eq!(super::strfsize(size), text, "{size}");
        }
        for (n, text) in [(999, "999"), (1000, "1e+03"), (1234, "1.23e+03"), (1500, "1.5e+03"), (99_950, "1e+05")] {
            assert_eq!(super::g3(n), text, "{n}");
        }
    }

    #[test]
    fn graceful_signals_log_their_own_lines() {
        let h = httpd();
        let cal = Calendar::new(0);
        let line = |c| h.control_lines(at(1), &cal, c).join("");
        assert!(
            line(Control::GracefulStop)
                .ends_with("[mpm_event:notice] [pid 1234:tid 140000000000000] AH00492: caught SIGWINCH, shutting down gracefully")
        );
        assert!(line(Control::GracefulRestart).ends_with("AH00493: SIGUSR1 received.  Doing graceful restart"));
        assert!(Control::GracefulRestart.is_graceful() && Control::GracefulRestart.is_restart());
        assert!(!Control::Stop.is_graceful() && !Control::GracefulStop.is_restart());
    }
}
