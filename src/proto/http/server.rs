//! One server-side HTTP/1.1 connection as a sans-IO core: what Apache httpd and nginx do with a
//! client connection between `accept()` and `close()`, apart from answering requests.
//!
//! The core buffers what the client sends, reads request heads with
//! [`parse_request`] under the server's [`Limits`], waits for a `Content-Length` body, hands one
//! complete request at a time to the application ([`Event::Request`]) and takes its answer
//! ([`ServerConnection::respond`], or [`ServerConnection::send`] + [`ServerConnection::finish`]
//! when the answer is produced later, as nginx's proxying does). Pipelined requests are handed out
//! in order, the next only once the previous one is answered. A head or body the server cannot
//! take becomes [`Event::Refused`] with the status the [`Policy`] maps it to; only the
//! application knows its error page, so it answers with the page and the core closes after it.
//! The core also decides when the connection ends ([`ServerConnection::poll_close`]): a graceful
//! close (FIN once everything queued is sent) when a response is not kept alive, after a
//! refusal, when the idle deadline passes, when the client half-closes with no request pending,
//! or after [`ServerConnection::retire`]; an abort when the client resets, when its FIN
//! arrives while its request is still being worked on (nginx's 499), or when a graceful close
//! could not flush before the lingering deadline.
//!
//! # Timeouts and limits
//!
//! - Apache httpd 2.4 ([`Policy::apache`]): `KeepAliveTimeout` (5 s, `server/core.c`; the
//!   connection waits that long for the first request too: labsim has no mod_reqtimeout),
//!   `LimitRequestBody` (1 GiB since 2.4.54; a larger `Content-Length` is answered 400 and
//!   closed), `LimitRequestLine`/`LimitRequestFieldSize`/`LimitRequestFields` ([`Limits::APACHE`]),
//!   and `ap_lingering_close()` (`server/connection.c`), which gives a closing connection at most
//!   `MAX_SECS_TO_LINGER` = 30 s.
//! - nginx 1.22 ([`Policy::nginx`]): `client_header_timeout` (60 s, armed by
//!   `ngx_http_init_connection()` in `src/http/ngx_http_request.c` until the first request),
//!   `keepalive_timeout` between requests (armed by `ngx_http_set_keepalive()`; 75 s by default,
//!   65 s in Debian's `nginx.conf`), `client_max_body_size` (1m: 413 from
//!   `ngx_http_core_module.c`; a `Content-Length` beyond `off_t` is a 400 from
//!   `ngx_http_process_request_header()`), `large_client_header_buffers 4 8k` ([`Limits::NGINX`];
//!   414, or 494 "Request Header Or Cookie Too Large"), a 60 s lingering deadline (the order of
//!   `send_timeout`), and `ngx_http_upstream_check_broken_connection()` in
//!   `ngx_http_upstream.c`, which finalizes a request whose client went away with 499.
//!
//! The deadlines are those of labsim's glues, not every timer of the real servers: the lingering
//! deadline counts from the idle deadline (the instant of the last answer plus the keep-alive
//! timeout, or of the accept plus the first-request timeout), not from the close; there is no
//! `client_body_timeout` or mod_reqtimeout (the idle deadline covers a slow head or body).
//!
//! # Calling order
//!
//! The glue polls its connections in *passes* (one call of the daemon's `poll`). Everything the
//! core decides is drained with [`poll_event`](ServerConnection::poll_event) (answer each event
//! before polling the next), [`poll_transmit`](ServerConnection::poll_transmit) (append to the
//! socket's output) and [`poll_close`](ServerConnection::poll_close) (`Graceful`: close once the
//! output is flushed; `Abort`: release the socket now), each until `None`. Between passes the
//! daemon sleeps until [`poll_timeout`](ServerConnection::poll_timeout) (`None` while a request is
//! with the application: its own timers rule then). Requests are read lazily, when events are
//! polled, so all of a pass's socket news goes in before the first `poll_event`.
//!
//! The socket status maps to inputs as follows: `Connecting` feeds nothing; `Open` feeds the
//! bytes read; `PeerClosed` feeds the bytes read, then
//! [`handle_peer_closed`](ServerConnection::handle_peer_closed), on every pass that reports it
//! (the 499 condition is re-checked each pass); `Reset`, `Refused` and `Unreachable` feed
//! [`handle_reset`](ServerConnection::handle_reset). At the end of a pass,
//! [`handle_timeout`](ServerConnection::handle_timeout) closes an idle connection whose deadline
//! passed (or whose client half-closed) and aborts a close that could not flush in time.
//!
//! Apache answers synchronously: each `Request` (or `Refused`, with the page Apache builds from
//! the raw bytes) is answered with [`respond`](ServerConnection::respond). nginx answers later,
//! as its proxying produces the response: [`send`](ServerConnection::send) for each piece and
//! [`finish`](ServerConnection::finish) at the end; [`retire`](ServerConnection::retire) after a
//! reload; `Aborted` when the client went away during its request. The glues in
//! `host/userland/daemons/` (`httpd.rs`, `nginx.rs`) are the worked examples.
//!
//! # Differences between the servers that are not Apache's or nginx's
//!
//! Two behaviours of labsim's original glues are kept for now, to be evened out in a fidelity
//! change (they are visible in traces): [`Policy::head_refusal_is_response`] (Apache counts the
//! page for an unreadable head as an answered request and re-arms the idle deadline from it, but
//! not the page for an over-large `Content-Length`), and
//! [`ServerConnection::respond_unfinalized`] (nginx's 404 for an unproxied location bypasses the
//! keep-alive bookkeeping: no idle re-arm, no close on `Connection: close`, and the next
//! pipelined request waits for the next pass).
//!
//! # Bounds
//!
//! Input is kept only while it can still matter: nothing once a close is decided, leading empty
//! lines are dropped where the head size is not limited (Apache), and at most
//! [`Policy::max_buffered`] bytes are held (a whole request plus one more head). Only a client
//! that pipelines more than that while its request is being proxied can reach the cap; what
//! does not fit is dropped and the connection closes once what was kept has been answered
//! ([`CloseReason::Overflow`]; the earlier glues buffered without bound). Each arrival is parsed at
//! most once, and a head is not parsed again while its body arrives.

use std::collections::VecDeque;
use std::time::Duration;

use crate::kernel::SimTime;
use crate::wire::http::{HeadError, Limits, Parsed, RequestHead, parse_request};

/// Apache's `LimitRequestBody` default since 2.4.54: 1 GiB.
pub(crate) const APACHE_MAX_BODY: u64 = 1 << 30;
/// How long a closing Apache connection may take to flush (`MAX_SECS_TO_LINGER`).
pub(crate) const APACHE_LINGER: Duration = Duration::from_secs(30);
/// nginx's `client_max_body_size` default (1m).
pub(crate) const NGINX_CLIENT_MAX_BODY_SIZE: u64 = 1 << 20;
/// nginx's `client_header_timeout` default: how long a new connection may take to send its
/// first request.
pub(crate) const NGINX_CLIENT_HEADER_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a closing nginx connection may take to flush (`send_timeout`'s order of magnitude).
pub(crate) const NGINX_LINGER: Duration = Duration::from_secs(60);

/// A head bound for limits that do not give one: far above any head a lab client sends.
const FALLBACK_HEAD_BOUND: usize = 1 << 20;

/// Why a request cannot be taken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The head cannot be read: bad syntax or a [`Limits`] exceeded.
    Head(HeadError),
    /// `Content-Length` is over [`Policy::max_body`] (nginx: 413).
    BodyTooLarge {
        /// The declared length.
        content_length: u64,
    },
    /// `Content-Length` does not fit a signed 64-bit file offset (nginx: 400, "client sent
    /// invalid Content-Length header").
    LengthOverflow {
        /// The declared length.
        content_length: u64,
    },
}

/// The status each [`Refusal`] is answered with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RefusalStatus {
    /// [`HeadError::Malformed`].
    pub malformed: u16,
    /// [`HeadError::StartLineTooLong`].
    pub start_line_too_long: u16,
    /// [`HeadError::FieldTooLong`].
    pub field_too_long: u16,
    /// [`HeadError::TooManyFields`].
    pub too_many_fields: u16,
    /// [`HeadError::HeadTooLarge`].
    pub head_too_large: u16,
    /// [`Refusal::BodyTooLarge`].
    pub body_too_large: u16,
    /// [`Refusal::LengthOverflow`].
    pub length_overflow: u16,
}

impl RefusalStatus {
    /// Apache (`Httpd::bad_request`): 414 for a long request line, 400 for everything else,
    /// including a `Content-Length` over `LimitRequestBody` (answered as a malformed request).
    pub(crate) const APACHE: RefusalStatus = RefusalStatus {
        malformed: 400,
        start_line_too_long: 414,
        field_too_long: 400,
        too_many_fields: 400,
        head_too_large: 400,
        body_too_large: 400,
        length_overflow: 400,
    };

    /// nginx: 400, 414, 494 ("Request Header Or Cookie Too Large", sent as 400) for the head;
    /// 413 over `client_max_body_size`, 400 beyond `off_t`.
    pub(crate) const NGINX: RefusalStatus = RefusalStatus {
        malformed: 400,
        start_line_too_long: 414,
        field_too_long: 494,
        too_many_fields: 494,
        head_too_large: 494,
        body_too_large: 413,
        length_overflow: 400,
    };

    /// The status for `why`.
    pub(crate) fn status(&self, why: &Refusal) -> u16 {
        match why {
            Refusal::Head(HeadError::Malformed) => self.malformed,
            Refusal::Head(HeadError::StartLineTooLong) => self.start_line_too_long,
            Refusal::Head(HeadError::FieldTooLong { .. }) => self.field_too_long,
            Refusal::Head(HeadError::TooManyFields) => self.too_many_fields,
            Refusal::Head(HeadError::HeadTooLarge) => self.head_too_large,
            Refusal::BodyTooLarge { .. } => self.body_too_large,
            Refusal::LengthOverflow { .. } => self.length_overflow,
        }
    }
}

/// What differs between servers in a connection's life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Policy {
    /// Limits on the request head.
    pub limits: Limits,
    /// Largest `Content-Length` buffered; a larger one is refused.
    pub max_body: u64,
    /// The status of each refusal.
    pub refusal_status: RefusalStatus,
    /// How long a new connection may stay without a complete request (nginx
    /// `client_header_timeout`; Apache's glue uses `KeepAliveTimeout`).
    pub header_timeout: Duration,
    /// How long the connection may stay idle after an answer (`KeepAliveTimeout`,
    /// `keepalive_timeout`).
    pub keepalive_timeout: Duration,
    /// How long after the idle deadline a closing connection that could not flush is aborted.
    pub linger: Duration,
    /// A FIN from the client while its request is with the application, with nothing else sent
    /// after the request, aborts the request ([`Event::Aborted`]; nginx's 499). Apache answers
    /// synchronously, so it never has a request in progress when a FIN is seen.
    pub peer_close_aborts_request: bool,
    /// The page for an unreadable head counts as an answered request: [`ServerConnection::answered`]
    /// grows and the idle deadline is re-armed from it, as for a response (Apache's glue). Body
    /// refusals never do, nor any refusal under nginx. Only the lingering deadline sees the
    /// difference; an accident of the glues, kept for byte-exact traces.
    pub head_refusal_is_response: bool,
}

impl Policy {
    /// Apache httpd as labsim's glue runs it: `limits` and `keepalive_timeout` from its
    /// configuration, [`APACHE_MAX_BODY`], [`APACHE_LINGER`].
    pub(crate) fn apache(limits: Limits, keepalive_timeout: Duration) -> Policy {
        Policy {
            limits,
            max_body: APACHE_MAX_BODY,
            refusal_status: RefusalStatus::APACHE,
            header_timeout: keepalive_timeout,
            keepalive_timeout,
            linger: APACHE_LINGER,
            peer_close_aborts_request: false,
            head_refusal_is_response: true,
        }
    }

    /// nginx with the `server` block's `keepalive_timeout`: [`Limits::NGINX`],
    /// [`NGINX_CLIENT_MAX_BODY_SIZE`], [`NGINX_CLIENT_HEADER_TIMEOUT`], [`NGINX_LINGER`].
    pub(crate) fn nginx(keepalive_timeout: Duration) -> Policy {
        Policy {
            limits: Limits::NGINX,
            max_body: NGINX_CLIENT_MAX_BODY_SIZE,
            refusal_status: RefusalStatus::NGINX,
            header_timeout: NGINX_CLIENT_HEADER_TIMEOUT,
            keepalive_timeout,
            linger: NGINX_LINGER,
            peer_close_aborts_request: true,
            head_refusal_is_response: false,
        }
    }

    /// The most input the connection holds: the largest head the limits let through, the largest
    /// body, and one more head (pipelined behind a request whose body just completed).
    pub(crate) fn max_buffered(&self) -> usize {
        let head = head_bound(&self.limits);
        let body = usize::try_from(self.max_body).unwrap_or(usize::MAX);
        head.saturating_mul(2).saturating_add(body)
    }
}

/// The longest head (line ends included) `limits` can let through, with room for one line that
/// is still arriving.
fn head_bound(limits: &Limits) -> usize {
    if let Some(max) = limits.max_head {
        return max;
    }
    match (limits.max_start_line, limits.max_field_line, limits.max_fields) {
        (Some(start), Some(field), Some(fields)) => {
            let lines = fields.saturating_add(1).saturating_mul(field.saturating_add(2));
            start.saturating_add(2).saturating_add(lines).saturating_add(2)
        }
        _ => FALLBACK_HEAD_BOUND,
    }
}

/// What the application is told.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    /// A complete request. Answer it with [`ServerConnection::respond`], with
    /// [`ServerConnection::send`] then [`ServerConnection::finish`], or with
    /// [`ServerConnection::respond_unfinalized`]; the next request is read only after that.
    Request {
        /// The head.
        head: RequestHead,
        /// The `Content-Length` body (empty without one).
        body: Vec<u8>,
    },
    /// A request the server refuses. Answer with the server's page for `status` through
    /// [`ServerConnection::respond`]; the connection closes after it whatever `keep_alive` says.
    Refused {
        /// The status [`Policy::refusal_status`] gives `why`.
        status: u16,
        /// What was wrong.
        why: Refusal,
        /// The input buffered when the refusal was decided, from the start of the refused
        /// request (Apache's page and access log quote its first line). It is dropped.
        raw: Vec<u8>,
    },
    /// The client went away (RST, or a FIN under [`Policy::peer_close_aborts_request`]) while
    /// its request was with the application: stop working on it and log it as aborted (nginx's
    /// 499). Nothing more can be sent; an [`AbortReason`] close follows.
    Aborted,
}

/// Why a connection closes gracefully.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CloseReason {
    /// The answer was not kept alive.
    NotKeptAlive,
    /// A refusal's page was sent.
    Refused,
    /// The client half-closed and no complete request is waiting.
    PeerClosed,
    /// The idle deadline passed (`KeepAliveTimeout`, `client_header_timeout`,
    /// `keepalive_timeout`).
    Idle,
    /// [`ServerConnection::retire`]: the server was reloaded.
    Retired,
    /// The client sent more than [`Policy::max_buffered`] ahead.
    Overflow,
}

/// Why a connection is aborted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AbortReason {
    /// The connection was reset or failed ([`ServerConnection::handle_reset`]).
    Reset,
    /// The client's FIN came while its request was with the application.
    PeerClosedDuringRequest,
    /// A graceful close had not flushed by the lingering deadline.
    Linger,
}

/// How the connection ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Close {
    /// Send everything already queued, then FIN.
    Graceful(CloseReason),
    /// Drop the connection now (RST if it is still open); queued bytes are lost.
    Abort(AbortReason),
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Phase {
    /// Reading a head (the buffer holds at most part of one).
    Head,
    /// A head was read; its body is arriving.
    Body { head: RequestHead, head_len: usize, extent: usize },
    /// An [`Event::Request`] is with the application.
    Answering,
    /// An [`Event::Refused`] is with the application.
    Refusing { counts: bool },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Closing {
    Open,
    Graceful,
    Aborted,
}

/// One client connection of an HTTP/1.1 server.
#[derive(Clone, Debug)]
pub(crate) struct ServerConnection {
    policy: Policy,
    bound: usize,
    /// Received bytes; `input[start..]` is unread.
    input: Vec<u8>,
    start: usize,
    phase: Phase,
    /// Input arrived (or a request was answered) since the last parse.
    dirty: bool,
    /// [`ServerConnection::respond_unfinalized`] was called and no data has been handled since.
    held: bool,
    idle_deadline: SimTime,
    answered: u32,
    peer_closed: bool,
    retiring: bool,
    overflowed: bool,
    closing: Closing,
    events: VecDeque<Event>,
    transmit: VecDeque<Vec<u8>>,
    closes: VecDeque<Close>,
}

impl ServerConnection {
    /// A connection accepted at `now`; it waits [`Policy::header_timeout`] for a request.
    pub(crate) fn new(now: SimTime, policy: Policy) -> ServerConnection {
        ServerConnection {
            policy,
            bound: policy.max_buffered(),
            input: Vec::new(),
            start: 0,
            phase: Phase::Head,
            dirty: false,
            held: false,
            idle_deadline: now + policy.header_timeout,
            answered: 0,
            peer_closed: false,
            retiring: false,
            overflowed: false,
            closing: Closing::Open,
            events: VecDeque::new(),
            transmit: VecDeque::new(),
            closes: VecDeque::new(),
        }
    }

    /// The policy.
    #[cfg(test)]
    pub(crate) fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Requests answered on this connection so far (Apache's `requests_on_conn`; see
    /// [`Policy::head_refusal_is_response`]).
    pub(crate) fn answered(&self) -> u32 {
        self.answered
    }

    /// Bytes from the client. Nothing is parsed until [`ServerConnection::poll_event`]. Also ends
    /// the hold of [`ServerConnection::respond_unfinalized`], so nginx's glue calls it on every
    /// pass, with no bytes if none came.
    pub(crate) fn handle_data(&mut self, _now: SimTime, data: &[u8]) {
        self.held = false;
        if self.closing != Closing::Open || self.overflowed || data.is_empty() {
            return;
        }
        self.compact();
        let room = self.bound.saturating_sub(self.input.len());
        if data.len() > room {
            self.overflowed = true;
        }
        self.input.extend_from_slice(&data[..data.len().min(room)]);
        self.dirty = true;
    }

    /// The client half-closed (FIN); call on every pass whose socket reports it, after the pass's
    /// bytes. While a request is with the application and nothing was sent after it, nginx
    /// ([`Policy::peer_close_aborts_request`]) aborts it. Otherwise the connection closes
    /// gracefully as soon as no complete request is waiting, here or after the answers to those
    /// that are.
    pub(crate) fn handle_peer_closed(&mut self, _now: SimTime) {
        if self.closing != Closing::Open {
            return;
        }
        match self.phase {
            Phase::Answering if self.policy.peer_close_aborts_request && self.pending().is_empty() => {
                self.abort(AbortReason::PeerClosedDuringRequest);
            }
            Phase::Answering | Phase::Refusing { .. } => self.peer_closed = true,
            Phase::Head | Phase::Body { .. } => {
                self.peer_closed = true;
                self.advance();
            }
        }
    }

    /// The connection was reset, or failed: it is aborted, and a request with the application is
    /// reported [`Event::Aborted`].
    pub(crate) fn handle_reset(&mut self, _now: SimTime) {
        if self.closing != Closing::Aborted {
            self.abort(AbortReason::Reset);
        }
    }

    /// Applies the deadlines due at `now`, and the FIN of an idle connection; harmless when nothing
    /// is due, so the glue calls it once per pass after the application ran.
    /// While a request is with the application nothing happens. An open connection past its idle
    /// deadline, or half-closed by the client, closes gracefully; a graceful close still pending
    /// at the lingering deadline (idle deadline + [`Policy::linger`]) is aborted.
    pub(crate) fn handle_timeout(&mut self, now: SimTime) {
        if self.closing == Closing::Open && self.is_idle() && (self.peer_closed || now >= self.idle_deadline) {
            self.close(if self.peer_closed { CloseReason::PeerClosed } else { CloseReason::Idle });
        }
        if self.closing == Closing::Graceful && now >= self.idle_deadline + self.policy.linger {
            self.abort(AbortReason::Linger);
        }
    }

    /// The server was reloaded: close once the current request is answered, or at the next
    /// [`ServerConnection::poll_event`] / [`ServerConnection::handle_peer_closed`] if none is in
    /// progress (nginx's old worker notices on its next pass; no time is involved).
    pub(crate) fn retire(&mut self) {
        self.retiring = true;
    }

    /// Queues part of the answer to the current request (nginx's proxied head and body as they
    /// come). Ignored when no request is with the application.
    pub(crate) fn send(&mut self, bytes: &[u8]) {
        if self.phase == Phase::Answering && self.closing != Closing::Aborted && !bytes.is_empty() {
            self.transmit.push_back(bytes.to_vec());
        }
    }

    /// The answer to the current request is complete: the idle deadline is re-armed to
    /// `now` + [`Policy::keepalive_timeout`]; without `keep_alive`, or once retired, the connection
    /// closes gracefully; otherwise the next pipelined request is read at the next
    /// [`ServerConnection::poll_event`]. Ignored when no request is with the application.
    pub(crate) fn finish(&mut self, now: SimTime, keep_alive: bool) {
        if self.phase != Phase::Answering || self.closing == Closing::Aborted {
            return;
        }
        self.answered = self.answered.saturating_add(1);
        self.idle_deadline = now + self.policy.keepalive_timeout;
        self.phase = Phase::Head;
        self.dirty = true;
        if !keep_alive {
            self.close(CloseReason::NotKeptAlive);
        }
        if self.retiring {
            self.close(CloseReason::Retired);
        }
    }

    /// Answers the current request with `bytes` ([`ServerConnection::send`] then
    /// [`ServerConnection::finish`]), or a refusal with its page, after which the connection
    /// closes gracefully whatever `keep_alive` says (re-arming the idle deadline only under
    /// [`Policy::head_refusal_is_response`] for a head refusal). Ignored when neither is with the
    /// application.
    pub(crate) fn respond(&mut self, now: SimTime, bytes: &[u8], keep_alive: bool) {
        match self.phase {
            Phase::Answering => {
                self.send(bytes);
                self.finish(now, keep_alive);
            }
            Phase::Refusing { counts } => {
                if counts {
                    self.answered = self.answered.saturating_add(1);
                    self.idle_deadline = now + self.policy.keepalive_timeout;
                }
                if !bytes.is_empty() {
                    self.transmit.push_back(bytes.to_vec());
                }
                self.phase = Phase::Head;
                self.close(CloseReason::Refused);
            }
            Phase::Head | Phase::Body { .. } => {}
        }
    }

    /// Answers the current request with `bytes` (possibly none) outside the keep-alive bookkeeping,
    /// as nginx's glue answers a request for a location without `proxy_pass` (404): the idle
    /// deadline is not re-armed, the connection does not close even when the client asked for it,
    /// [`ServerConnection::answered`] does not grow, and the next pipelined request is not read
    /// before the next [`ServerConnection::handle_data`]. Kept for byte-exact traces; see the
    /// module documentation. Ignored when no request is with the application.
    pub(crate) fn respond_unfinalized(&mut self, _now: SimTime, bytes: &[u8]) {
        if self.phase != Phase::Answering || self.closing == Closing::Aborted {
            return;
        }
        self.send(bytes);
        self.phase = Phase::Head;
        self.dirty = true;
        self.held = true;
    }

    /// The next event. When none is queued and no request is with the application, the input is
    /// read now: the retirement close, the next request or refusal, or the close for a client
    /// that half-closed with nothing complete left.
    pub(crate) fn poll_event(&mut self) -> Option<Event> {
        if self.events.is_empty() {
            self.advance();
        }
        self.events.pop_front()
    }

    /// Bytes for the client, in order.
    pub(crate) fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.transmit.pop_front()
    }

    /// A close decision, once each: at most one graceful close, possibly followed by an abort
    /// (a reset or the lingering deadline overtaking it).
    pub(crate) fn poll_close(&mut self) -> Option<Close> {
        self.closes.pop_front()
    }

    /// When [`ServerConnection::handle_timeout`] is next due: the idle deadline while open and no
    /// request is with the application (`None` while one is), the lingering deadline while
    /// closing, `None` once aborted.
    pub(crate) fn poll_timeout(&self) -> Option<SimTime> {
        match self.closing {
            Closing::Aborted => None,
            Closing::Graceful => Some(self.idle_deadline + self.policy.linger),
            Closing::Open => self.is_idle().then_some(self.idle_deadline),
        }
    }

    /// Unread input held (for the tests' bound checks).
    #[cfg(test)]
    pub(crate) fn buffered(&self) -> usize {
        self.input.len()
    }

    /// No request or refusal is with the application.
    fn is_idle(&self) -> bool {
        matches!(self.phase, Phase::Head | Phase::Body { .. })
    }

    fn pending(&self) -> &[u8] {
        &self.input[self.start..]
    }

    /// Drops the bytes already read.
    fn compact(&mut self) {
        if self.start == self.input.len() {
            self.input.clear();
            self.start = 0;
        } else if self.start > 0 {
            self.input.drain(..self.start);
            self.start = 0;
        }
    }

    fn take_pending(&mut self) -> Vec<u8> {
        self.compact();
        std::mem::take(&mut self.input)
    }

    fn close(&mut self, reason: CloseReason) {
        if self.closing == Closing::Open {
            self.closing = Closing::Graceful;
            self.closes.push_back(Close::Graceful(reason));
            self.input = Vec::new();
            self.start = 0;
        }
    }

    fn abort(&mut self, reason: AbortReason) {
        // A request the application has not polled yet is withdrawn rather than aborted.
        let unseen = self.events.iter().any(|e| matches!(e, Event::Request { .. } | Event::Refused { .. }));
        self.events.retain(|e| !matches!(e, Event::Request { .. } | Event::Refused { .. }));
        if self.phase == Phase::Answering && !unseen {
            self.events.push_back(Event::Aborted);
        }
        self.phase = Phase::Head;
        self.closing = Closing::Aborted;
        self.closes.push_back(Close::Abort(reason));
        self.transmit.clear();
        self.input = Vec::new();
        self.start = 0;
    }

    /// Reads the input if nothing is with the application: nginx's retirement close, then the next
    /// request or refusal, then the close for a FIN (or an overflow) with nothing complete left.
    fn advance(&mut self) {
        if self.closing != Closing::Open || self.held || !self.is_idle() {
            return;
        }
        if self.retiring {
            self.close(CloseReason::Retired);
            return;
        }
        if self.dirty {
            self.dirty = false;
            if self.parse() {
                return;
            }
        }
        if self.overflowed {
            self.close(CloseReason::Overflow);
        } else if self.peer_closed {
            self.close(CloseReason::PeerClosed);
        }
    }

    /// Parses the unread input; true if it produced an event.
    fn parse(&mut self) -> bool {
        if self.phase == Phase::Head {
            if self.policy.limits.max_head.is_none() {
                // Empty lines before a request line are skipped by both servers and by the
                // parser; without a head limit they would only count against nothing.
                let blank = self.pending().iter().take_while(|&&b| b == b'\r' || b == b'\n').count();
                self.start += blank;
                if self.pending().is_empty() {
                    self.compact();
                }
            }
            match parse_request(self.pending(), &self.policy.limits) {
                Parsed::Partial => return false,
                Parsed::Invalid(err) => {
                    self.refuse(Refusal::Head(err));
                    return true;
                }
                Parsed::Complete { head, head_len } => match head.extent(head_len, self.policy.max_body) {
                    Some(extent) => self.phase = Phase::Body { head, head_len, extent },
                    None => {
                        let content_length = head.content_length().unwrap_or(u64::MAX);
                        let why = if i64::try_from(content_length).is_err() {
                            Refusal::LengthOverflow { content_length }
                        } else {
                            Refusal::BodyTooLarge { content_length }
                        };
                        self.refuse(why);
                        return true;
                    }
                },
            }
        }
        match std::mem::replace(&mut self.phase, Phase::Answering) {
            Phase::Body { head, head_len, extent } if self.pending().len() >= extent => {
                let body = self.pending()[head_len..extent].to_vec();
                self.start += extent;
                if self.pending().is_empty() {
                    self.compact();
                }
                self.events.push_back(Event::Request { head, body });
                true
            }
            waiting => {
                self.phase = waiting;
                false
            }
        }
    }

    fn refuse(&mut self, why: Refusal) {
        let status = self.policy.refusal_status.status(&why);
        let counts = matches!(why, Refusal::Head(_)) && self.policy.head_refusal_is_response;
        let raw = self.take_pending();
        self.phase = Phase::Refusing { counts };
        self.events.push_back(Event::Refused { status, why, raw });
    }
}
