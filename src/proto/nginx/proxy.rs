//! One proxied client request as a sans-IO core (spec-nginx-upstream §4–§8;
//! `ngx_http_upstream.c`, `ngx_http_proxy_module.c`).
//!
//! # Calling order (host glue)
//!
//! 1. Parse the client's request head (and read its body, if it has a `Content-Length`); pick
//!    the `server`/`location` ([`NginxConfig::find_server`](super::NginxConfig::find_server),
//!    [`ServerConfig::find_location`](super::config::ServerConfig::find_location)); build a
//!    [`RequestCtx`]; call [`ProxyRequest::new`] with the parsed [`RequestHead`], the body and
//!    the worker's [`Upstream`] for `proxy.upstream`.
//! 2. Drain [`ProxyRequest::poll_action`] after every call:
//!    - `Connect { peer, .. }`: open a TCP connection to `peer` (abandoning any previous one);
//!      report `handle_connected` / `handle_connect_failed`.
//!    - `SendUpstream(bytes)`: write to the upstream connection; `CloseUpstream`: close/abort it.
//!    - `RespondHead` / `RespondBody`: write to the client; `Finish { keep_alive }`: the response
//!      is complete; keep the client connection for its next request or close it.
//!    - `ErrorLog(line)` / `AccessLog(line)`: append to the error log / access log file.
//! 3. Feed upstream bytes with `handle_upstream_data`, its FIN with `handle_upstream_eof`, and
//!    call `handle_timeout` at [`ProxyRequest::poll_timeout`].
//!
//! Not modelled: `proxy_send_timeout` (the request always fits the socket buffer), upstream
//! keepalive connections, `proxy_redirect` rewriting, response buffering limits, HTTP/0.9
//! upstream replies (treated as an invalid header).

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::net::Ipv4Addr;
use std::rc::Rc;
use std::time::Duration;

use super::config::{ProxyConfig, error_log_prefix, ft, strip_port};
use super::pages;
use super::upstream::{PeerId, Tried, Upstream};
use crate::kernel::{Calendar, DateTime, SimTime};
use crate::proto::errno::Errno;
use crate::wire::http::{Header, Parsed, RequestHead, ResponseError, Version, headers_len, parse_response_eager};
use crate::wire::ipv4::Dotted;
use crate::wire::text;

/// Whether the client connection may stay open (HTTP/1.1 without `Connection: close`, or
/// HTTP/1.0 with `Connection: keep-alive`; nginx looks for the word in the first `Connection`
/// header).
pub(crate) fn wants_keep_alive(req: &RequestHead) -> bool {
    let conn = req.header("Connection").map(str::to_ascii_lowercase);
    match req.version {
        Version::Http11 => !conn.is_some_and(|c| c.contains("close")),
        Version::Http10 => conn.is_some_and(|c| c.contains("keep-alive")),
    }
}

/// Who is asking, for variables and log lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RequestCtx {
    /// `$remote_addr`.
    pub client_ip: Ipv4Addr,
    /// nginx's connection number (`*N` in the error log).
    pub conn_number: u64,
    /// The worker's pid (printed as `pid#pid`, the thread id equals the pid).
    pub worker_pid: u32,
    /// Maps simulated time to log dates.
    pub calendar: Calendar,
    /// The first `server_name` of the server block (`""` → `server: ,`).
    pub server_name: String,
    /// The `log_format` text of the access log (`None`: `access_log off`).
    pub access_log_format: Option<String>,
}

/// What the core asks the glue to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Action {
    /// Open a TCP connection to this peer (`proxy_connect_timeout` is handled by the core).
    Connect {
        /// Address and port.
        peer: (Ipv4Addr, u16),
        /// `proxy_connect_timeout`, for information.
        timeout: Duration,
    },
    /// Bytes for the upstream connection.
    SendUpstream(Vec<u8>),
    /// Close (or abort) the current upstream connection.
    CloseUpstream,
    /// The response head for the client.
    RespondHead(Vec<u8>),
    /// Response body bytes for the client.
    RespondBody(Vec<u8>),
    /// The response is complete.
    Finish {
        /// Keep the client connection open for the next request.
        keep_alive: bool,
    },
    /// A complete error-log line (no newline).
    ErrorLog(String),
    /// A complete access-log line (no newline).
    AccessLog(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Connecting,
    ReadingHeader,
    ReadingBody { remaining: Option<u64>, chunked: bool },
    Done,
}

/// Largest upstream response head accepted (`proxy_buffer_size` is one page; generous here).
const MAX_HEAD: usize = 64 * 1024;

/// One client request being proxied.
pub(crate) struct ProxyRequest {
    req: RequestHead,
    /// The request body (read in full first, as nginx buffers it).
    body: Vec<u8>,
    ctx: RequestCtx,
    cfg: Rc<ProxyConfig>,
    tried: Tried,
    current: Option<PeerId>,
    peer_name: String,
    upstream_uri: String,
    state: State,
    deadline: Option<SimTime>,
    start: SimTime,
    actions: VecDeque<Action>,
    head_buf: Vec<u8>,
    status: u16,
    body_bytes: u64,
    keep_alive: bool,
    request_sent: bool,
    head_only: bool,
}

impl ProxyRequest {
    /// Starts proxying `req` and its `body` through `cfg` (a location's settings) to `up` (the
    /// worker's state of `cfg.upstream`); the first `Connect` (or the `no live upstreams` 502)
    /// is queued.
    pub(crate) fn new(now: SimTime, req: RequestHead, body: Vec<u8>, ctx: RequestCtx, cfg: &Rc<ProxyConfig>, up: &mut Upstream) -> Self {
        let tried = up.start(ctx.client_ip, cfg.next_upstream_tries);
        let upstream_uri = match &cfg.uri {
            Some(u) => match req.target.strip_prefix(cfg.location_prefix.as_str()) {
                Some(rest) => format!("{u}{rest}"),
                None => req.target.clone(),
            },
            None => req.target.clone(),
        };
        let keep_alive = wants_keep_alive(&req);
        let head_only = req.method == "HEAD";
        let mut p = ProxyRequest {
            req,
            body,
            ctx,
            cfg: Rc::clone(cfg),
            tried,
            current: None,
            peer_name: String::new(),
            upstream_uri,
            state: State::Connecting,
            deadline: None,
            start: now,
            actions: VecDeque::new(),
            head_buf: Vec::new(),
            status: 0,
            body_bytes: 0,
            keep_alive,
            request_sent: false,
            head_only,
        };
        p.connect(now, up);
        p
    }

    /// The next thing to do, if any.
    pub(crate) fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// When [`ProxyRequest::handle_timeout`] is due.
    pub(crate) fn poll_timeout(&self) -> Option<SimTime> {
        self.deadline
    }

    /// The response is complete (after `Finish`).
    pub(crate) fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// The status sent to the client (0 before the head).
    #[cfg(test)]
    pub(crate) fn status(&self) -> u16 {
        self.status
    }

    /// The upstream connection is established: the request is sent.
    pub(crate) fn handle_connected(&mut self, now: SimTime) {
        if self.state != State::Connecting || self.current.is_none() {
            return;
        }
        self.actions.push_back(Action::SendUpstream(self.upstream_request()));
        self.request_sent = true;
        self.state = State::ReadingHeader;
        self.deadline = Some(now + self.cfg.read_timeout);
    }

    /// The connection attempt failed (`connect() failed (…)`), the next peer is tried.
    pub(crate) fn handle_connect_failed(&mut self, now: SimTime, up: &mut Upstream, errno: Errno) {
        if self.state != State::Connecting || self.current.is_none() {
            return;
        }
        let msg = format!("connect() failed ({}: {})", errno.number(), errno.text());
        self.error_log(now, "error", &msg, "connecting to upstream");
        self.next(now, up, ft::ERROR);
    }

    /// `connect()` itself failed (no route, no free port): `ngx_event_connect_peer` logs it with
    /// the peer's name, at `error` for the unreachable family (ENETUNREACH) and at `crit` for
    /// any other errno (EADDRNOTAVAIL), and declines; the next peer is tried as after a failed
    /// connection (`ngx_http_upstream_next` with NGX_HTTP_UPSTREAM_FT_ERROR).
    pub(crate) fn handle_connect_failed_at_once(&mut self, now: SimTime, up: &mut Upstream, errno: Errno) {
        if self.state != State::Connecting || self.current.is_none() {
            return;
        }
        let level = if errno == Errno::NetUnreach { "error" } else { "crit" };
        let msg = format!("connect() to {} failed ({}: {})", self.peer_name, errno.number(), errno.text());
        self.error_log(now, level, &msg, "connecting to upstream");
        self.next(now, up, ft::ERROR);
    }

    /// The worker had no connection left for the upstream one (`ngx_event_connect_peer`
    /// fails in `ngx_get_connection`): the alert, then `ngx_http_upstream_connect` finalizes the
    /// request with 500, which releases the peer as not failed (`ngx_http_upstream_finalize_request`:
    /// `u->peer.free(…, 0)`). No peer is tried after it.
    pub(crate) fn handle_no_connection(&mut self, now: SimTime, up: &mut Upstream, worker_connections: usize) {
        if self.state != State::Connecting || self.current.is_none() {
            return;
        }
        self.error_log(now, "alert", &super::connections::not_enough(worker_connections), "connecting to upstream");
        if let Some(id) = self.current.take() {
            let now_s = self.now_s(now);
            up.free_peer(&mut self.tried, id, now_s, false);
        }
        self.respond_error(now, 500);
    }

    /// Bytes from the upstream connection.
    pub(crate) fn handle_upstream_data(&mut self, now: SimTime, up: &mut Upstream, data: &[u8]) {
        match self.state {
            State::ReadingHeader => {
                self.head_buf.extend_from_slice(data);
                self.try_head(now, up);
            }
            State::ReadingBody { .. } => self.body(now, up, data),
            _ => {}
        }
    }

    /// The upstream closed its side.
    pub(crate) fn handle_upstream_eof(&mut self, now: SimTime, up: &mut Upstream) {
        match self.state {
            State::ReadingHeader => {
                self.error_log(now, "error", "upstream prematurely closed connection", "reading response header from upstream");
                self.next(now, up, ft::ERROR);
            }
            State::ReadingBody { remaining: Some(_), .. } => {
                self.error_log(now, "error", "upstream prematurely closed connection", "reading upstream");
                self.finish(now, up, false, false);
            }
            State::ReadingBody { remaining: None, chunked } => {
                if chunked {
                    self.actions.push_back(Action::RespondBody(b"0\r\n\r\n".to_vec()));
                }
                self.finish(now, up, false, chunked && self.keep_alive);
            }
            _ => {}
        }
    }

    /// Timer expiry (`proxy_connect_timeout`, `proxy_read_timeout`).
    pub(crate) fn handle_timeout(&mut self, now: SimTime, up: &mut Upstream) {
        if self.deadline.is_none_or(|d| now < d) {
            return;
        }
        self.deadline = None;
        match self.state {
            State::Connecting => self.next(now, up, ft::TIMEOUT),
            State::ReadingHeader => self.next(now, up, ft::TIMEOUT),
            State::ReadingBody { .. } => {
                self.error_log(now, "error", "upstream timed out (110: Connection timed out)", "reading upstream");
                self.finish(now, up, false, false);
            }
            State::Done => {}
        }
    }

    fn now_s(&self, now: SimTime) -> u64 {
        self.ctx.calendar.unix_micros(now) / 1_000_000
    }

    fn action_text(&self) -> &'static str {
        match self.state {
            State::Connecting => "connecting to upstream",
            State::ReadingHeader => "reading response header from upstream",
            _ => "reading upstream",
        }
    }

    /// `ngx_http_upstream_connect()`.
    fn connect(&mut self, now: SimTime, up: &mut Upstream) {
        self.state = State::Connecting;
        self.head_buf.clear();
        self.request_sent = false;
        let now_s = self.now_s(now);
        match up.get_peer(now_s, &mut self.tried) {
            None => {
                self.peer_name = up.name.clone();
                self.error_log(now, "error", "no live upstreams", "connecting to upstream");
                self.next(now, up, ft::NOLIVE);
            }
            Some(id) => {
                let Some(peer) = up.peer(id) else { return };
                self.peer_name = peer.name.clone();
                self.current = Some(id);
                self.deadline = Some(now + self.cfg.connect_timeout);
                self.actions.push_back(Action::Connect { peer: (peer.addr, peer.port), timeout: self.cfg.connect_timeout });
            }
        }
    }

    /// `ngx_http_upstream_next()`.
    fn next(&mut self, now: SimTime, up: &mut Upstream, ft_type: u32) {
        let action = self.action_text();
        if let Some(id) = self.current.take() {
            let failed = ft_type != ft::HTTP_403 && ft_type != ft::HTTP_404;
            let now_s = self.now_s(now);
            if let Some(w) = up.free_peer(&mut self.tried, id, now_s, failed) {
                self.error_log(now, "warn", w, action);
            }
        }
        if ft_type == ft::TIMEOUT {
            self.error_log(now, "error", "upstream timed out (110: Connection timed out)", action);
        }
        if ft_type != ft::NOLIVE {
            self.actions.push_back(Action::CloseUpstream);
        }
        let status = match ft_type {
            ft::TIMEOUT | ft::HTTP_504 => 504,
            ft::HTTP_500 => 500,
            ft::HTTP_503 => 503,
            ft::HTTP_403 => 403,
            ft::HTTP_404 => 404,
            ft::HTTP_429 => 429,
            _ => 502,
        };
        let mut ft_type = ft_type;
        if self.request_sent && matches!(self.req.method.as_str(), "POST" | "LOCK" | "PATCH") {
            ft_type |= ft::NON_IDEMPOTENT;
        }
        let limit = self.cfg.next_upstream_timeout;
        let timed_out = !limit.is_zero() && now - self.start >= limit;
        if self.tried.tries == 0 || self.cfg.next_upstream & ft_type != ft_type || timed_out {
            self.respond_error(now, status);
            return;
        }
        self.connect(now, up);
    }

    fn respond_error(&mut self, now: SimTime, status: u16) {
        let date = self.date(now);
        let (head, body) = pages::error_response(status, &date, self.keep_alive);
        self.keep_alive = self.keep_alive && !pages::closes_connection(status);
        self.status = status;
        self.actions.push_back(Action::RespondHead(head));
        if !self.head_only {
            self.body_bytes = body.len() as u64;
            self.actions.push_back(Action::RespondBody(body));
        }
        self.state = State::Done;
        self.deadline = None;
        self.access_log(now);
        self.actions.push_back(Action::Finish { keep_alive: self.keep_alive });
    }

    /// The §6 request bytes: the `proxy_set_header` fields in order, then the defaults they do
    /// not name, each only when its value is not empty, then the client's fields named by
    /// neither.
    fn upstream_request(&self) -> Vec<u8> {
        let mut out = String::with_capacity(256 + headers_len(&self.req.headers));
        for part in [self.req.method.as_str(), " ", &self.upstream_uri, " HTTP/", &self.cfg.http_version, "\r\n"] {
            out.push_str(part);
        }
        let has_body = !self.body.is_empty() || self.req.header("Content-Length").is_some();
        let body_len = self.body.len().to_string();
        let defaults: [(&str, &str); 8] = [
            ("Host", "$proxy_host"),
            ("Connection", "close"),
            ("Content-Length", if has_body { body_len.as_str() } else { "" }),
            ("Transfer-Encoding", ""),
            ("TE", ""),
            ("Keep-Alive", ""),
            ("Expect", ""),
            ("Upgrade", ""),
        ];
        let set = &self.cfg.set_headers;
        let is_set = |name: &str| set.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));
        let defaulted = defaults.iter().filter(|(k, _)| !is_set(k)).map(|&(k, v)| (k, v));
        for (k, v) in set.iter().map(|(k, v)| (k.as_str(), v.as_str())).chain(defaulted) {
            let start = out.len();
            for part in [k, ": "] {
                out.push_str(part);
            }
            let value_at = out.len();
            self.expand_into(v, &mut out);
            if out.len() == value_at {
                out.truncate(start);
            } else {
                out.push_str("\r\n");
            }
        }
        for (k, v) in &self.req.headers {
            if !is_set(k) && !defaults.iter().any(|(n, _)| n.eq_ignore_ascii_case(k)) {
                for part in [k, ": ", v, "\r\n"] {
                    out.push_str(part);
                }
            }
        }
        out.push_str("\r\n");
        let mut bytes = out.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }

    /// Appends `$host`.
    fn push_host_var(&self, out: &mut String) {
        match self.req.header("Host") {
            Some(h) if !h.is_empty() => out.extend(strip_port(h).chars().map(|c| c.to_ascii_lowercase())),
            _ => out.push_str(&self.ctx.server_name),
        }
    }

    /// Appends variable `$name`'s value; an unknown variable is empty.
    fn push_variable(&self, name: &str, out: &mut String) {
        let target = self.req.target.as_str();
        match name {
            "host" => self.push_host_var(out),
            "remote_addr" => Dotted(self.ctx.client_ip).push_onto(out),
            "proxy_host" => out.push_str(&self.cfg.proxy_host),
            "proxy_add_x_forwarded_for" => {
                for (k, v) in &self.req.headers {
                    if k.eq_ignore_ascii_case("X-Forwarded-For") {
                        for part in [v, ", "] {
                            out.push_str(part);
                        }
                    }
                }
                Dotted(self.ctx.client_ip).push_onto(out);
            }
            "scheme" => out.push_str("http"),
            "request_uri" => out.push_str(target),
            "uri" => out.push_str(target.split('?').next().unwrap_or("")),
            "args" | "query_string" => out.push_str(target.split_once('?').map_or("", |(_, q)| q)),
            "request_method" => out.push_str(&self.req.method),
            "server_name" => out.push_str(&self.ctx.server_name),
            "server_protocol" => out.push_str(self.req.version.as_str()),
            n => {
                if let Some(h) = n.strip_prefix("http_") {
                    out.push_str(header_of_variable(&self.req, h).unwrap_or(""));
                }
            }
        }
    }

    /// Appends `v` with its `$name` / `${name}` expanded (a `proxy_set_header` value).
    fn expand_into(&self, v: &str, out: &mut String) {
        expand_onto(out, v, |n, out| self.push_variable(n, out));
    }

    fn try_head(&mut self, now: SimTime, up: &mut Upstream) {
        let (head, len) = match parse_response_eager(&self.head_buf) {
            Parsed::Complete { head, head_len } => (head, head_len),
            Parsed::Partial if self.head_buf.len() <= MAX_HEAD => return,
            Parsed::Partial => {
                self.error_log(now, "error", "upstream sent too big header", "reading response header from upstream");
                self.next(now, up, ft::INVALID_HEADER);
                return;
            }
            Parsed::Invalid(ResponseError::StatusLine) => {
                self.error_log(now, "error", "upstream sent no valid HTTP/1.0 header", "reading response header from upstream");
                self.next(now, up, ft::INVALID_HEADER);
                return;
            }
            Parsed::Invalid(ResponseError::Header) => {
                self.error_log(now, "error", "upstream sent invalid header", "reading response header from upstream");
                self.next(now, up, ft::INVALID_HEADER);
                return;
            }
        };
        let status = head.status;
        let rest = self.head_buf[len..].to_vec();
        // proxy_next_upstream http_5xx / http_4xx (`ngx_http_upstream_test_next()`).
        let mask = match status {
            500 => ft::HTTP_500,
            502 => ft::HTTP_502,
            503 => ft::HTTP_503,
            504 => ft::HTTP_504,
            403 => ft::HTTP_403,
            404 => ft::HTTP_404,
            429 => ft::HTTP_429,
            _ => 0,
        };
        if mask != 0 && self.cfg.next_upstream & mask != 0 && self.tried.tries > 1 {
            self.next(now, up, mask);
            return;
        }
        self.send_head(now, status, &head.reason, &head.headers);
        let no_body = self.head_only || status == 204 || status == 304 || (100..200).contains(&status);
        if no_body {
            self.finish(now, up, true, self.keep_alive);
            return;
        }
        if !rest.is_empty() {
            self.body(now, up, &rest);
        } else if let State::ReadingBody { remaining: Some(0), .. } = self.state {
            self.finish(now, up, true, self.keep_alive);
        }
    }

    /// §7: the client response head.
    fn send_head(&mut self, now: SimTime, status: u16, reason: &str, hdrs: &[Header]) {
        let find = |n: &str| hdrs.iter().find(|(k, _)| k.eq_ignore_ascii_case(n)).map(|(_, v)| v.trim());
        let content_type = find("Content-Type");
        let length = find("Content-Length").and_then(|v| v.parse::<u64>().ok());
        let chunked_in = find("Transfer-Encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
        let no_body = self.head_only || status == 204 || status == 304;
        let chunked_out = length.is_none() && !no_body && self.req.version == Version::Http11 && !chunked_in;
        if length.is_none() && !no_body && !chunked_out {
            self.keep_alive = false;
        }
        const HIDDEN: [&str; 8] =
            ["date", "server", "x-pad", "connection", "keep-alive", "transfer-encoding", "content-length", "content-type"];
        let shown = |(k, _): &&Header| {
            !HIDDEN.iter().any(|h| h.eq_ignore_ascii_case(k)) && !k.as_bytes().get(..8).is_some_and(|p| p.eq_ignore_ascii_case(b"x-accel-"))
        };
        let date = self.date(now);
        let head = pages::response_head(
            (status, reason),
            &date,
            content_type,
            length,
            chunked_out || (chunked_in && self.req.version == Version::Http11),
            self.keep_alive,
            hdrs.iter().filter(shown),
        );
        self.status = status;
        self.actions.push_back(Action::RespondHead(head));
        // A chunked upstream body is passed through as is (labsim's httpd never sends one).
        self.state = State::ReadingBody { remaining: length, chunked: chunked_out };
    }

    fn body(&mut self, now: SimTime, up: &mut Upstream, data: &[u8]) {
        let State::ReadingBody { remaining, chunked } = self.state else {
            return;
        };
        let take = match remaining {
            Some(r) => data.len().min(usize::try_from(r).unwrap_or(usize::MAX)),
            None => data.len(),
        };
        if take > 0 {
            let chunk = &data[..take];
            self.body_bytes += take as u64;
            if chunked {
                let mut out = format!("{take:x}\r\n").into_bytes();
                out.extend_from_slice(chunk);
                out.extend_from_slice(b"\r\n");
                self.actions.push_back(Action::RespondBody(out));
            } else {
                self.actions.push_back(Action::RespondBody(chunk.to_vec()));
            }
        }
        if let Some(r) = remaining {
            let left = r - take as u64;
            self.state = State::ReadingBody { remaining: Some(left), chunked };
            if left == 0 {
                self.finish(now, up, true, self.keep_alive);
                return;
            }
        }
        self.deadline = Some(now + self.cfg.read_timeout);
    }

    /// Response complete (or cut): release the peer, log, close.
    fn finish(&mut self, now: SimTime, up: &mut Upstream, ok: bool, keep_alive: bool) {
        if let Some(id) = self.current.take() {
            let now_s = self.now_s(now);
            up.free_peer(&mut self.tried, id, now_s, false);
            self.actions.push_back(Action::CloseUpstream);
        }
        self.keep_alive = keep_alive && ok;
        self.state = State::Done;
        self.deadline = None;
        self.access_log(now);
        self.actions.push_back(Action::Finish { keep_alive: self.keep_alive });
    }

    /// The client closed or reset its connection before the response was complete: the peer
    /// is released (not counted as a failure) and the access log records nginx's 499.
    pub(crate) fn handle_client_abort(&mut self, now: SimTime, up: &mut Upstream) {
        if self.state == State::Done {
            return;
        }
        // Before any response status was set, nginx logs the abort as 499.
        if self.status == 0 {
            self.status = 499;
        }
        self.finish(now, up, false, false);
    }

    fn date(&self, now: SimTime) -> DateTime {
        self.ctx.calendar.date(now)
    }

    /// §8's error-log line.
    fn error_log(&mut self, now: SimTime, level: &str, msg: &str, action: &str) {
        let mut line = format!(
            "{}*{} {msg} while {action}, client: {}, server: {}, request: \"{}\"",
            error_log_prefix(&self.date(now), level, self.ctx.worker_pid),
            self.ctx.conn_number,
            self.ctx.client_ip,
            self.ctx.server_name,
            self.req.request_line(),
        );
        if !self.peer_name.is_empty() {
            line.push_str(&format!(", upstream: \"http://{}{}\"", self.peer_name, self.upstream_uri));
        }
        if let Some(h) = self.req.header("Host") {
            line.push_str(&format!(", host: \"{h}\""));
        }
        if let Some(r) = self.req.header("Referer") {
            line.push_str(&format!(", referrer: \"{r}\""));
        }
        self.actions.push_back(Action::ErrorLog(line));
    }

    fn access_log(&mut self, now: SimTime) {
        let Some(fmt) = &self.ctx.access_log_format else {
            return;
        };
        let line = access_log_line(fmt, &self.req, self.ctx.client_ip, &self.date(now), self.status, self.body_bytes);
        self.actions.push_back(Action::AccessLog(line));
    }
}

/// Expands `$name` and `${name}` with `var`, which appends a variable's value to the line.
fn expand_with(v: &str, var: impl FnMut(&str, &mut String)) -> String {
    let mut out = String::with_capacity(v.len() + 128);
    expand_onto(&mut out, v, var);
    out
}

/// [`expand_with`], appending to `out`.
fn expand_onto(out: &mut String, v: &str, mut var: impl FnMut(&str, &mut String)) {
    // Searched as bytes: `$`, the braces and a name's characters are ASCII, which never occur
    // inside a multi-byte character, so every index found is a character boundary (and a
    // byte search costs a comparison a byte where `str::find` decodes characters).
    let mut rest = v;
    while let Some(i) = rest.bytes().position(|b| b == b'$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (name, tail) = if let Some(b) = after.strip_prefix('{') {
            match b.bytes().position(|c| c == b'}') {
                Some(j) => (&b[..j], &b[j + 1..]),
                None => (b, ""),
            }
        } else {
            let end = after.bytes().position(|c| !(c.is_ascii_alphanumeric() || c == b'_')).unwrap_or(after.len());
            (&after[..end], &after[end..])
        };
        if name.is_empty() {
            out.push('$');
        } else {
            var(name, out);
        }
        rest = tail;
    }
    out.push_str(rest);
}

/// An access-log line in `format` (nginx `log_format` syntax; `combined` is
/// `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"`).
/// Unset values print `-`. Usable by the glue for requests that never reached the proxy (400).
pub(crate) fn access_log_line(format: &str, req: &RequestHead, client: Ipv4Addr, date: &DateTime, status: u16, body_bytes: u64) -> String {
    // Writing into a String cannot fail.
    expand_with(format, |name, out| match name {
        "remote_addr" => Dotted(client).push_onto(out),
        "time_local" => date.push_log_time(out),
        "request" if !req.method.is_empty() => req.push_request_line(out),
        "request" => {}
        "status" if status >= 100 => text::push_decimal(out, status),
        "status" => {
            let _ = write!(out, "{status:03}");
        }
        "body_bytes_sent" => text::push_decimal(out, body_bytes),
        n => {
            let value = n.strip_prefix("http_").and_then(|h| header_of_variable(req, h)).unwrap_or("");
            out.push_str(if value.is_empty() { "-" } else { value });
        }
    })
}

/// The first value of the header that `$http_NAME` reads: the name compared without case, each
/// `_` of the variable standing for a `-` (`ngx_http_variable_unknown_header`).
fn header_of_variable<'a>(req: &'a RequestHead, var: &str) -> Option<&'a str> {
    let named = |n: &str| {
        n.len() == var.len() && n.bytes().zip(var.bytes()).all(|(a, b)| a.eq_ignore_ascii_case(&if b == b'_' { b'-' } else { b }))
    };
    req.headers.iter().find(|(n, _)| named(n)).map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::super::config::{NginxConfig, NoNames};
    use super::super::parse::tests::{LAB_PROXY_CONF, lab_files};
    use super::*;

    const CLIENT: Ipv4Addr = Ipv4Addr::new(172, 2, 20, 1);
    const APACHE_200: &[u8] = b"HTTP/1.1 200 OK\r\nDate: Tue, 24 Nov 2026 16:08:16 GMT\r\nServer: Apache/2.4.6 (CentOS)\r\n\
Last-Modified: Tue, 24 Nov 2026 16:07:56 GMT\r\nETag: \"16-66107e9e3903c\"\r\nAccept-Ranges: bytes\r\n\
Content-Length: 22\r\nConnection: close\r\nContent-Type: text/html; charset=UTF-8\r\n\r\nThis is web-1 zgh2303\n";

    fn lab() -> (Rc<ProxyConfig>, Upstream) {
        let c = NginxConfig::load(&lab_files(LAB_PROXY_CONF), &NoNames).unwrap().config;
        let p = c.servers[0].locations[0].proxy.clone().unwrap();
        let up = Upstream::new(&c.upstreams[p.upstream]);
        (p, up)
    }

    fn curl() -> RequestHead {
        RequestHead::new("GET", "/", Version::Http11)
            .with_header("Host", "172.2.20.100")
            .with_header("User-Agent", "curl/7.88.1")
            .with_header("Accept", "*/*")
    }

    fn ctx(conn: u64) -> RequestCtx {
        RequestCtx {
            client_ip: CLIENT,
            conn_number: conn,
            worker_pid: 2544,
            calendar: Calendar::default(),
            server_name: "172.2.20.100".into(),
            access_log_format: Some(
                "$remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent \"$http_referer\" \"$http_user_agent\""
                    .into(),
            ),
        }
    }

    fn drain(p: &mut ProxyRequest) -> Vec<Action> {
        std::iter::from_fn(|| p.poll_action()).collect()
    }

    #[test]
    fn request_sent_upstream_is_byte_exact() {
        let (cfg, mut up) = lab();
        let t = SimTime::from_secs(8 * 60 + 13);
        let mut p = ProxyRequest::new(t, curl(), Vec::new(), ctx(1), &cfg, &mut up);
        let a = drain(&mut p);
        assert_eq!(a, [Action::Connect { peer: (Ipv4Addr::new(192, 168, 20, 201), 80), timeout: Duration::from_secs(60) }]);
        assert_eq!(p.poll_timeout(), Some(t + Duration::from_secs(60)));
        p.handle_connected(t);
        let want = "GET / HTTP/1.0\r\nHost: 172.2.20.100\r\nX-Real-IP: 172.2.20.1\r\nX-Forwarded-For: 172.2.20.1\r\n\
Connection: close\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n";
        assert_eq!(drain(&mut p), [Action::SendUpstream(want.as_bytes().to_vec())]);
        // Client-sent X-Forwarded-For is extended; Connection/Keep-Alive are not passed.
        let mut req = curl();
        req.headers.push(("X-Forwarded-For".into(), "10.1.1.1".into()));
        req.headers.push(("Connection".into(), "keep-alive".into()));
        let mut p = ProxyRequest::new(t, req, Vec::new(), ctx(2), &cfg, &mut up);
        drain(&mut p);
        p.handle_connected(t);
        let Some(Action::SendUpstream(b)) = p.poll_action() else { panic!() };
        let s = String::from_utf8(b).unwrap();
        assert!(s.contains("X-Forwarded-For: 10.1.1.1, 172.2.20.1\r\nConnection: close\r\nUser-Agent"));
        assert!(!s.contains("keep-alive"));
    }

    #[test]
    fn response_head_through_nginx() {
        let (cfg, mut up) = lab();
        let t = SimTime::from_secs(8 * 60 + 16);
        let mut p = ProxyRequest::new(t, curl(), Vec::new(), ctx(1), &cfg, &mut up);
        p.handle_connected(t);
        drain(&mut p);
        p.handle_upstream_data(t, &mut up, &APACHE_200[..40]);
        assert!(drain(&mut p).is_empty());
        p.handle_upstream_data(t, &mut up, &APACHE_200[40..]);
        let a = drain(&mut p);
        let head = "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Tue, 24 Nov 2026 16:08:16 GMT\r\n\
Content-Type: text/html; charset=UTF-8\r\nContent-Length: 22\r\nConnection: keep-alive\r\n\
Last-Modified: Tue, 24 Nov 2026 16:07:56 GMT\r\nETag: \"16-66107e9e3903c\"\r\nAccept-Ranges: bytes\r\n\r\n";
        assert_eq!(
            a,
            [
                Action::RespondHead(head.as_bytes().to_vec()),
                Action::RespondBody(b"This is web-1 zgh2303\n".to_vec()),
                Action::CloseUpstream,
                Action::AccessLog("172.2.20.1 - - [24/Nov/2026:16:08:16 +0000] \"GET / HTTP/1.1\" 200 22 \"-\" \"curl/7.88.1\"".into()),
                Action::Finish { keep_alive: true },
            ]
        );
        assert_eq!(up.primary[0].conns, 0);
    }

    /// Drives one request: `refuse` lists the peers (by last octet) that answer RST.
    /// Returns (peers connected to, in order, as `201✗`/`202`, final status, error-log lines).
    fn drive(up: &mut Upstream, cfg: &Rc<ProxyConfig>, t: SimTime, conn: u64, refuse: &[u8]) -> (String, u16, Vec<String>) {
        let mut p = ProxyRequest::new(t, curl(), Vec::new(), ctx(conn), cfg, up);
        let mut tried = Vec::new();
        let mut logs = Vec::new();
        let mut guard = 0;
        while !p.is_done() && guard < 20 {
            guard += 1;
            for a in drain(&mut p) {
                match a {
                    Action::Connect { peer, .. } => {
                        let last = peer.0.octets()[3];
                        if refuse.contains(&last) {
                            tried.push(format!("{last}✗"));
                            p.handle_connect_failed(t, up, Errno::ConnRefused);
                        } else {
                            tried.push(last.to_string());
                            p.handle_connected(t);
                        }
                    }
                    Action::SendUpstream(_) => {
                        p.handle_upstream_data(t, up, APACHE_200);
                    }
                    Action::ErrorLog(l) => logs.push(l),
                    _ => {}
                }
            }
        }
        logs.extend(drain(&mut p).into_iter().filter_map(|a| match a {
            Action::ErrorLog(l) => Some(l),
            _ => None,
        }));
        (tried.join(" "), p.status(), logs)
    }

    /// §3's worked example through ProxyRequest: web-2 refuses, one request per second.
    #[test]
    fn backend_refusing_retry_sequence() {
        let (cfg, mut up) = lab();
        // (second, peers tried) — the hand-worked table of §2–§3 (a=201, b=202, c=203).
        let mut table: Vec<(u64, &str)> = vec![(0, "201"), (1, "202✗ 203")];
        for s in 2..=14 {
            table.push((s, if s % 2 == 0 { "203" } else { "201" }));
        }
        table.push((15, "202✗ 201"));
        for s in 16..=28 {
            table.push((s, if s % 2 == 0 { "203" } else { "201" }));
        }
        table.push((29, "202✗ 201"));
        for (i, (s, want)) in table.into_iter().enumerate() {
            let t = SimTime::from_secs(8 * 60 + s) + Duration::from_millis(250);
            let (got, status, logs) = drive(&mut up, &cfg, t, i as u64 + 1, &[202]);
            assert_eq!((got.as_str(), status), (want, 200), "t={s}");
            if want.contains('✗') {
                assert_eq!(logs.len(), 2, "t={s}");
                let d = Calendar::default().date(t);
                let stamp = format!("2026/11/24 16:08:{:02}", d.second);
                assert_eq!(
                    logs[0],
                    format!(
                        "{stamp} [error] 2544#2544: *{} connect() failed (111: Connection refused) while connecting to upstream, \
client: 172.2.20.1, server: 172.2.20.100, request: \"GET / HTTP/1.1\", upstream: \"http://192.168.20.202:80/\", host: \"172.2.20.100\"",
                        i + 1
                    )
                );
                assert_eq!(
                    logs[1],
                    format!(
                        "{stamp} [warn] 2544#2544: *{} upstream server temporarily disabled while connecting to upstream, \
client: 172.2.20.1, server: 172.2.20.100, request: \"GET / HTTP/1.1\", upstream: \"http://192.168.20.202:80/\", host: \"172.2.20.100\"",
                        i + 1
                    )
                );
            } else {
                assert!(logs.is_empty(), "t={s}");
            }
        }
    }

    /// The kernel gave up the connect (ETIMEDOUT) before nginx's own timer: nginx logs the
    /// errno it got from the connect (`ngx_event_connect_peer` / `ngx_http_upstream_next` with
    /// NGX_HTTP_UPSTREAM_FT_ERROR), as for a refusal, and tries the next peer.
    #[test]
    fn a_connect_the_kernel_gave_up_is_logged_with_its_errno() {
        let (cfg, mut up) = lab();
        let t = SimTime::from_secs(8 * 60);
        let mut p = ProxyRequest::new(t, curl(), Vec::new(), ctx(1), &cfg, &mut up);
        assert!(drain(&mut p).iter().any(|a| matches!(a, Action::Connect { .. })));
        p.handle_connect_failed(t, &mut up, Errno::TimedOut);
        let logs: Vec<String> = drain(&mut p)
            .into_iter()
            .filter_map(|a| match a {
                Action::ErrorLog(l) => Some(l),
                _ => None,
            })
            .collect();
        assert!(
            logs[0].contains("[error] 2544#2544: *1 connect() failed (110: Connection timed out) while connecting to upstream"),
            "{logs:?}"
        );
    }

    /// No route to the peer: connect() fails at once, nginx names the peer in its line and
    /// goes on to the next one.
    #[test]
    fn a_connect_that_fails_at_once_names_the_peer_and_tries_the_next() {
        let (cfg, mut up) = lab();
        let t = SimTime::from_secs(8 * 60);
        let mut p = ProxyRequest::new(t, curl(), Vec::new(), ctx(1), &cfg, &mut up);
        let first = drain(&mut p).into_iter().find_map(|a| match a {
            Action::Connect { peer, .. } => Some(peer),
            _ => None,
        });
        p.handle_connect_failed_at_once(t, &mut up, Errno::NetUnreach);
        let actions = drain(&mut p);
        let logs: Vec<&String> = actions
            .iter()
            .filter_map(|a| match a {
                Action::ErrorLog(l) => Some(l),
                _ => None,
            })
            .collect();
        let (ip, port) = first.expect("a first connect");
        assert!(
            logs[0].contains(&format!(
                "[error] 2544#2544: *1 connect() to {ip}:{port} failed (101: Network is unreachable) while connecting to upstream"
            )),
            "{logs:?}"
        );
        let next = actions.iter().find_map(|a| match a {
            Action::Connect { peer, .. } => Some(*peer),
            _ => None,
        });
        assert!(next.is_some_and(|n| n != (ip, port)), "{actions:?}");
        p.handle_connect_failed_at_once(t, &mut up, Errno::AddrNotAvail);
        let crit = drain(&mut p).into_iter().any(|a| matches!(a, Action::ErrorLog(l) if l.contains("[crit] 2544#2544: *1 connect() to ") && l.contains("failed (99: Cannot assign requested address)")));
        assert!(crit);
    }

    #[test]
    fn all_dead_502_and_no_live_upstreams() {
        let (cfg, mut up) = lab();
        let t0 = SimTime::from_secs(8 * 60 + 33);
        let (tried, status, logs) = drive(&mut up, &cfg, t0, 19, &[201, 202, 203]);
        assert_eq!((tried.as_str(), status, logs.len()), ("201✗ 202✗ 203✗", 502, 6));
        // One second later: nothing selectable → 502 at once, no connect.
        let t1 = SimTime::from_secs(8 * 60 + 34);
        let mut p = ProxyRequest::new(t1, curl(), Vec::new(), ctx(20), &cfg, &mut up);
        let a = drain(&mut p);
        let body = b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n\
<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n";
        assert_eq!(body.len(), 157);
        let head = "HTTP/1.1 502 Bad Gateway\r\nServer: nginx/1.22.1\r\nDate: Tue, 24 Nov 2026 16:08:34 GMT\r\n\
Content-Type: text/html\r\nContent-Length: 157\r\nConnection: keep-alive\r\n\r\n";
        assert_eq!(
            a,
            [
                Action::ErrorLog(
                    "2026/11/24 16:08:34 [error] 2544#2544: *20 no live upstreams while connecting to upstream, client: 172.2.20.1, \
server: 172.2.20.100, request: \"GET / HTTP/1.1\", upstream: \"http://jt/\", host: \"172.2.20.100\""
                        .into()
                ),
                Action::RespondHead(head.as_bytes().to_vec()),
                Action::RespondBody(body.to_vec()),
                Action::AccessLog("172.2.20.1 - - [24/Nov/2026:16:08:34 +0000] \"GET / HTTP/1.1\" 502 157 \"-\" \"curl/7.88.1\"".into()),
                Action::Finish { keep_alive: true },
            ]
        );
    }

    #[test]
    fn timeouts_give_504_and_premature_close_retries() {
        let (cfg, mut up) = lab();
        let t = SimTime::from_secs(100);
        let mut p = ProxyRequest::new(t, curl(), Vec::new(), ctx(1), &cfg, &mut up);
        drain(&mut p);
        // a: connect timeout after 60 s → b.
        let t1 = t + Duration::from_secs(60);
        assert_eq!(p.poll_timeout(), Some(t1));
        p.handle_timeout(t1, &mut up);
        let a = drain(&mut p);
        assert!(matches!(&a[0], Action::ErrorLog(l) if l.contains("[warn]") && l.contains("temporarily disabled")));
        assert!(
            matches!(&a[1], Action::ErrorLog(l) if l.contains("upstream timed out (110: Connection timed out) while connecting to upstream"))
        );
        assert_eq!(a[2], Action::CloseUpstream);
        assert!(matches!(a[3], Action::Connect { peer, .. } if peer.0.octets()[3] == 202));
        // b: closes before the header → c.
        p.handle_connected(t1);
        drain(&mut p);
        p.handle_upstream_eof(t1, &mut up);
        let a = drain(&mut p);
        assert!(
            matches!(&a[0], Action::ErrorLog(l) if l.contains("upstream prematurely closed connection while reading response header from upstream"))
        );
        assert!(matches!(a.last(), Some(Action::Connect { peer, .. }) if peer.0.octets()[3] == 203));
        // c: no header within proxy_read_timeout → last try → 504 (167 bytes).
        p.handle_connected(t1);
        drain(&mut p);
        let t2 = t1 + Duration::from_secs(60);
        p.handle_timeout(t2, &mut up);
        let a = drain(&mut p);
        assert!(a.iter().any(|x| matches!(x, Action::RespondBody(b) if b.len() == 167)));
        assert_eq!(p.status(), 504);
        assert!(p.is_done());
    }

    #[test]
    fn variables_are_expanded_bare_braced_and_between_any_characters() {
        let var = |name: &str, out: &mut String| out.push_str(&format!("<{name}>"));
        // A bare name ends at the first character that is not a letter, digit or `_`; a lone
        // `$` stays; an unclosed brace takes the rest; text around is kept, multi-byte or not.
        assert_eq!(expand_with("é$a_1-${b}c$ ${x", var), "é<a_1>-<b>c$ <x>");
        assert_eq!(expand_with("$hostété", var), "<host>été");
        assert_eq!(expand_with("no variables", var), "no variables");
    }
}
