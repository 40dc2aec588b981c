//! [`ServerConnection`] under both policies, with explicit `SimTime`s and bytes. The `*_pass`
//! helpers follow the calling orders of the module documentation step by step (a socket status
//! and the bytes it delivered in, what the glue would send and close out), so the scenarios
//! below also check that those orders give the glues' behaviour.

use std::time::Duration;

use super::server::*;

/// Debian's stock `nginx.conf` sets `keepalive_timeout 65`.
const KEEPALIVE_65S: Duration = Duration::from_secs(65);
use crate::kernel::SimTime;
use crate::wire::http::{HeadError, Limits, RequestHead};

fn at(us: u64) -> SimTime {
    SimTime::from_micros(us)
}

fn secs(s: u64) -> SimTime {
    SimTime::from_secs(s)
}

const S: u64 = 1_000_000;

fn apache(now: SimTime) -> ServerConnection {
    ServerConnection::new(now, Policy::apache(Limits::APACHE, Duration::from_secs(5)))
}

fn nginx(now: SimTime) -> ServerConnection {
    ServerConnection::new(now, Policy::nginx(KEEPALIVE_65S))
}

fn get(path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: lab\r\n\r\n").into_bytes()
}

fn sent(c: &mut ServerConnection) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(b) = c.poll_transmit() {
        out.extend_from_slice(&b);
    }
    out
}

fn closes(c: &mut ServerConnection) -> Vec<Close> {
    std::iter::from_fn(|| c.poll_close()).collect()
}

fn request(c: &mut ServerConnection) -> (RequestHead, Vec<u8>) {
    match c.poll_event() {
        Some(Event::Request { head, body }) => (head, body),
        other => panic!("expected a request, got {other:?}"),
    }
}

fn refused(c: &mut ServerConnection) -> (u16, Refusal) {
    match c.poll_event() {
        Some(Event::Refused { status, why, .. }) => (status, why),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// The socket status a pass starts with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Connecting,
    Open,
    PeerClosed,
    Reset,
}

/// What one pass of a glue did to its socket.
#[derive(Debug, Default, PartialEq, Eq)]
struct Pass {
    sent: Vec<u8>,
    graceful: Option<CloseReason>,
    abort: Option<AbortReason>,
    /// Requests the application answered in this pass (targets), in order.
    answered: Vec<String>,
    /// nginx: the request found active at the start of the pass was aborted (499).
    aborted: bool,
}

impl Pass {
    fn apply(&mut self, c: &mut ServerConnection) {
        self.sent.extend(sent(c));
        for close in closes(c) {
            match close {
                Close::Graceful(r) => self.graceful = self.graceful.or(Some(r)),
                Close::Abort(r) => self.abort = self.abort.or(Some(r)),
            }
        }
    }
}

/// Apache's answer: the target echoed, kept alive unless the target is `/close`.
fn apache_answer(head: &RequestHead) -> (Vec<u8>, bool) {
    (format!("200 {}\n", head.target).into_bytes(), head.target != "/close")
}

/// One pass of `HttpdProc::poll` for one connection, in the documented order.
fn apache_pass(c: &mut ServerConnection, now: SimTime, status: Status, bytes: &[u8]) -> Pass {
    let mut p = Pass::default();
    if matches!(status, Status::Open | Status::PeerClosed) {
        c.handle_data(now, bytes);
        while let Some(ev) = c.poll_event() {
            match ev {
                Event::Request { head, .. } => {
                    let (page, keep) = apache_answer(&head);
                    p.answered.push(head.target.clone());
                    c.respond(now, &page, keep);
                }
                Event::Refused { status, .. } => {
                    p.answered.push(format!("refused {status}"));
                    c.respond(now, format!("{status} page\n").as_bytes(), false);
                }
                Event::Aborted => unreachable!("Apache never has a request in progress between passes"),
            }
            p.apply(c);
        }
        p.apply(c);
    }
    if status == Status::PeerClosed {
        c.handle_peer_closed(now);
        p.apply(c);
    }
    c.handle_timeout(now);
    p.apply(c);
    if status == Status::Reset {
        c.handle_reset(now);
        p.apply(c);
    }
    p
}

/// A proxied request: its answer is ready at `ready`.
struct Proxied {
    target: String,
    ready: SimTime,
}

/// nginx's glue state beside the core: the active request.
struct Nginx {
    core: ServerConnection,
    active: Option<Proxied>,
    /// How long the fake upstream takes.
    upstream: Duration,
}

impl Nginx {
    fn new(now: SimTime, upstream: Duration) -> Nginx {
        Nginx { core: nginx(now), active: None, upstream }
    }

    /// `start_request` from the `Request` event on: `/404` is an unproxied location.
    fn start(&mut self, now: SimTime, ev: Event, p: &mut Pass) {
        match ev {
            Event::Request { head, .. } if head.target == "/404" => {
                p.answered.push(head.target.clone());
                self.core.respond_unfinalized(now, b"404\n");
            }
            Event::Request { head, .. } => self.active = Some(Proxied { target: head.target, ready: now + self.upstream }),
            Event::Refused { status, .. } => {
                p.answered.push(format!("refused {status}"));
                self.core.respond(now, format!("{status} page\n").as_bytes(), false);
            }
            Event::Aborted => {
                self.active = None;
                p.aborted = true;
            }
        }
    }

    /// One pass of `serve_client`, in the documented order.
    fn pass(&mut self, now: SimTime, status: Status, bytes: &[u8]) -> Pass {
        let mut p = Pass::default();
        if status == Status::Reset {
            self.core.handle_reset(now);
        } else {
            self.core.handle_data(now, bytes);
            if status == Status::PeerClosed {
                self.core.handle_peer_closed(now);
            }
        }
        while let Some(ev) = self.core.poll_event() {
            self.start(now, ev, &mut p);
        }
        p.apply(&mut self.core);
        if p.abort.is_some() {
            return p;
        }
        // drive: the fake upstream answers once ready.
        if let Some(a) = self.active.take_if(|a| now >= a.ready) {
            self.core.send(format!("200 {}\n", a.target).as_bytes());
            self.core.finish(now, a.target != "/close");
            p.answered.push(a.target);
            while let Some(ev) = self.core.poll_event() {
                self.start(now, ev, &mut p);
            }
            p.apply(&mut self.core);
        }
        self.core.handle_timeout(now);
        p.apply(&mut self.core);
        p
    }

    fn poll_timeout(&self) -> Option<SimTime> {
        match &self.active {
            Some(a) => Some(a.ready),
            None => self.core.poll_timeout(),
        }
    }
}

#[test]
fn apache_keep_alive_then_idle_close_at_exactly_5_s() {
    let mut c = apache(secs(0));
    assert_eq!(c.poll_timeout(), Some(secs(5)), "KeepAliveTimeout also bounds the wait for the first request");
    let p = apache_pass(&mut c, secs(1), Status::Open, &get("/a"));
    assert_eq!(p.answered, ["/a"]);
    assert_eq!(p.sent, b"200 /a\n");
    assert_eq!((p.graceful, p.abort), (None, None));
    assert_eq!(c.answered(), 1);
    assert_eq!(c.poll_timeout(), Some(secs(6)));
    assert_eq!(apache_pass(&mut c, at(6 * S - 1), Status::Open, b""), Pass::default());
    let p = apache_pass(&mut c, secs(6), Status::Open, b"");
    assert_eq!(p.graceful, Some(CloseReason::Idle));
    assert_eq!(c.poll_timeout(), Some(secs(36)), "the lingering deadline counts from the idle deadline");
}

#[test]
fn nginx_keep_alive_then_idle_close_at_exactly_65_s() {
    let mut n = Nginx::new(secs(0), Duration::from_millis(500));
    assert_eq!(n.poll_timeout(), Some(secs(60)));
    let p = n.pass(secs(10), Status::Open, &get("/a"));
    assert!(p.sent.is_empty(), "the request is being proxied");
    assert_eq!(n.core.poll_timeout(), None, "no connection deadline while the request is active");
    assert_eq!(n.poll_timeout(), Some(at(10_500_000)));
    let p = n.pass(at(10_500_000), Status::Open, b"");
    assert_eq!((p.sent, p.answered), (b"200 /a\n".to_vec(), vec!["/a".to_owned()]));
    assert_eq!(n.poll_timeout(), Some(at(75_500_000)));
    assert_eq!(n.pass(at(75_499_999), Status::Open, b""), Pass::default());
    assert_eq!(n.pass(at(75_500_000), Status::Open, b"").graceful, Some(CloseReason::Idle));
    assert_eq!(n.poll_timeout(), Some(at(135_500_000)));
}

#[test]
fn nginx_header_timeout_60_s_before_the_first_request() {
    let mut n = Nginx::new(secs(0), Duration::ZERO);
    assert_eq!(n.pass(secs(0), Status::Connecting, b""), Pass::default());
    assert_eq!(n.pass(secs(30), Status::Open, b"GET / HTTP/1.1\r\nHo"), Pass::default());
    assert_eq!(n.poll_timeout(), Some(secs(60)), "a partial head does not extend client_header_timeout");
    assert_eq!(n.pass(at(60 * S - 1), Status::Open, b""), Pass::default());
    let p = n.pass(secs(60), Status::Open, b"");
    assert_eq!(p.graceful, Some(CloseReason::Idle));
    assert!(p.sent.is_empty());
    assert_eq!(n.poll_timeout(), Some(secs(120)));
    // Once closing, nothing more is read.
    assert_eq!(n.pass(secs(61), Status::Open, b"st: x\r\n\r\n"), Pass::default());
}

#[test]
fn pipelined_requests_are_answered_in_order_one_at_a_time() {
    let mut c = apache(secs(0));
    let mut input = get("/1");
    input.extend(get("/2"));
    input.extend(get("/close"));
    input.extend(get("/never"));
    c.handle_data(secs(1), &input);
    let (h1, _) = request(&mut c);
    assert_eq!(h1.target, "/1");
    assert_eq!(c.poll_event(), None, "the next request waits for the answer");
    c.respond(secs(1), b"one", true);
    assert_eq!(request(&mut c).0.target, "/2");
    c.respond(secs(1), b"two", true);
    assert_eq!(request(&mut c).0.target, "/close");
    c.respond(secs(1), b"three", false);
    assert_eq!(c.poll_event(), None, "nothing is read after a response that closes");
    assert_eq!(sent(&mut c), b"onetwothree");
    assert_eq!(closes(&mut c), [Close::Graceful(CloseReason::NotKeptAlive)]);
    assert_eq!(c.answered(), 3);

    // The same through a glue pass.
    let mut c = apache(secs(0));
    let p = apache_pass(&mut c, secs(1), Status::Open, &input);
    assert_eq!(p.answered, ["/1", "/2", "/close"]);
    assert_eq!(p.graceful, Some(CloseReason::NotKeptAlive));
}

#[test]
fn nginx_pipelined_request_starts_after_the_first_and_is_driven_next_pass() {
    let mut n = Nginx::new(secs(0), Duration::ZERO);
    let mut input = get("/1");
    input.extend(get("/2"));
    let p = n.pass(secs(1), Status::Open, &input);
    // /1 is started and driven in the same pass (ready at once); /2 is started after it but
    // driven on the next pass, as the nginx glue does.
    assert_eq!(p.answered, ["/1"]);
    assert_eq!(n.active.as_ref().map(|a| a.target.as_str()), Some("/2"));
    let p = n.pass(secs(1), Status::Open, b"");
    assert_eq!(p.answered, ["/2"]);
    assert_eq!(p.sent, b"200 /2\n");
}

#[test]
fn request_split_across_arrivals() {
    for policy in [Policy::apache(Limits::APACHE, Duration::from_secs(5)), Policy::nginx(KEEPALIVE_65S)] {
        let mut c = ServerConnection::new(secs(0), policy);
        let req = b"GET /split HTTP/1.1\r\nHost: lab\r\nUser-Agent: curl/7.88.1\r\n\r\n";
        for (i, b) in req.iter().enumerate() {
            c.handle_data(at(i as u64), std::slice::from_ref(b));
            if i + 1 < req.len() {
                assert_eq!(c.poll_event(), None, "byte {i}");
            }
        }
        let (head, body) = request(&mut c);
        assert_eq!(head.target, "/split");
        assert_eq!(head.header("user-agent"), Some("curl/7.88.1"));
        assert!(body.is_empty());
    }
}

#[test]
fn body_is_waited_for_and_handed_over_whole() {
    let mut c = nginx(secs(0));
    c.handle_data(secs(1), b"POST /form HTTP/1.1\r\nHost: lab\r\nContent-Length: 11\r\n\r\nhello");
    assert_eq!(c.poll_event(), None);
    assert_eq!(c.poll_timeout(), Some(secs(60)), "still idle while the body arrives");
    c.handle_data(secs(2), b" wor");
    assert_eq!(c.poll_event(), None);
    c.handle_data(secs(3), b"ldGET /next HTTP/1.1\r\n");
    let (head, body) = request(&mut c);
    assert_eq!((head.method.as_str(), body.as_slice()), ("POST", &b"hello world"[..]));
    c.respond(secs(3), b"ok", true);
    assert_eq!(c.poll_event(), None, "the pipelined head is partial");
    c.handle_data(secs(4), b"Host: lab\r\n\r\n");
    assert_eq!(request(&mut c).0.target, "/next");
}

#[test]
fn refusals_map_to_each_servers_status_and_close_after_the_page() {
    let long_line = format!("GET /{} HTTP/1.1\r\n", "u".repeat(9000)).into_bytes();
    let long_field = format!("GET / HTTP/1.1\r\nCookie: {}", "c".repeat(9000)).into_bytes();
    let mut many = String::from("GET / HTTP/1.1\r\n");
    for i in 0..101 {
        many.push_str(&format!("X-{i}: v\r\n"));
    }
    let huge_length = b"POST / HTTP/1.1\r\nHost: lab\r\nContent-Length: 9223372036854775808\r\n\r\n".to_vec();
    let over_apache = b"POST / HTTP/1.1\r\nHost: lab\r\nContent-Length: 1073741825\r\n\r\n".to_vec();
    let over_nginx = b"POST / HTTP/1.1\r\nHost: lab\r\nContent-Length: 1048577\r\n\r\n".to_vec();
    let field = HeadError::FieldTooLong { name: "Cookie".into() };
    let cases: Vec<(bool, Vec<u8>, u16, Refusal)> = vec![
        (true, b"hello world\r\n\r\n".to_vec(), 400, Refusal::Head(HeadError::Malformed)),
        (false, b"hello world\r\n\r\n".to_vec(), 400, Refusal::Head(HeadError::Malformed)),
        (true, long_line.clone(), 414, Refusal::Head(HeadError::StartLineTooLong)),
        (false, long_line, 414, Refusal::Head(HeadError::StartLineTooLong)),
        (true, long_field.clone(), 400, Refusal::Head(field.clone())),
        (false, long_field, 494, Refusal::Head(field)),
        (true, many.into_bytes(), 400, Refusal::Head(HeadError::TooManyFields)),
        (true, over_apache, 400, Refusal::BodyTooLarge { content_length: 1_073_741_825 }),
        (false, huge_length.clone(), 400, Refusal::LengthOverflow { content_length: 9_223_372_036_854_775_808 }),
        (true, huge_length, 400, Refusal::LengthOverflow { content_length: 9_223_372_036_854_775_808 }),
        (false, over_nginx, 413, Refusal::BodyTooLarge { content_length: 1_048_577 }),
    ];
    for (is_apache, input, status, why) in cases {
        let mut c = if is_apache { apache(secs(0)) } else { nginx(secs(0)) };
        let mut data = input.clone();
        data.extend(get("/pipelined"));
        c.handle_data(secs(1), &data);
        match c.poll_event() {
            Some(Event::Refused { status: s, why: w, raw }) => {
                assert_eq!((s, &w), (status, &why), "{}", String::from_utf8_lossy(&input[..40]));
                assert_eq!(raw, data, "the whole buffered input, for Apache's page and log");
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert_eq!(c.poll_event(), None, "nothing is read while the page is pending");
        // keep_alive is ignored: a refusal always closes.
        c.respond(secs(1), b"page", true);
        assert_eq!(sent(&mut c), b"page");
        assert_eq!(closes(&mut c), [Close::Graceful(CloseReason::Refused)]);
        c.handle_data(secs(2), &get("/late"));
        assert_eq!(c.poll_event(), None, "the pipelined and later requests are dropped");
    }
    // Exactly client_max_body_size is taken.
    let mut c = nginx(secs(0));
    c.handle_data(secs(1), b"POST / HTTP/1.1\r\nHost: lab\r\nContent-Length: 1048576\r\n\r\n");
    assert_eq!(c.poll_event(), None, "waiting for the 1m body");
    c.handle_data(secs(1), &vec![b'x'; 1 << 20]);
    assert_eq!(request(&mut c).1.len(), 1 << 20);
}

#[test]
fn refusals_through_the_glue_passes() {
    let mut c = apache(secs(0));
    let p = apache_pass(&mut c, secs(2), Status::Open, b"\x16\x03\x01garbage\r\n\r\n");
    assert_eq!((p.answered, p.sent, p.graceful), (vec!["refused 400".to_owned()], b"400 page\n".to_vec(), Some(CloseReason::Refused)));
    let mut n = Nginx::new(secs(0), Duration::ZERO);
    let p = n.pass(secs(2), Status::Open, format!("GET / HTTP/1.1\r\nCookie: {}", "c".repeat(9000)).as_bytes());
    assert_eq!((p.answered, p.graceful), (vec!["refused 494".to_owned()], Some(CloseReason::Refused)));
}

#[test]
fn only_apaches_head_refusals_rearm_the_idle_deadline() {
    // Apache, unreadable head at 2 s: answered like a response, idle deadline 7 s, abort at 37 s.
    let mut c = apache(secs(0));
    c.handle_data(secs(2), b"bad\r\n\r\n");
    refused(&mut c);
    c.respond(secs(2), b"page", false);
    assert_eq!(c.answered(), 1);
    assert_eq!(c.poll_timeout(), Some(secs(37)));
    // Apache, Content-Length over LimitRequestBody: deadline untouched (5 s), abort at 35 s.
    let mut c = apache(secs(0));
    c.handle_data(secs(2), b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2000000000\r\n\r\n");
    refused(&mut c);
    c.respond(secs(2), b"page", false);
    assert_eq!(c.answered(), 0);
    assert_eq!(c.poll_timeout(), Some(secs(35)));
    // nginx never re-arms: 60 s header timeout + 60 s.
    let mut c = nginx(secs(0));
    c.handle_data(secs(2), b"bad\r\n\r\n");
    refused(&mut c);
    c.respond(secs(2), b"page", false);
    assert_eq!(c.poll_timeout(), Some(secs(120)));
}

#[test]
fn peer_fin_while_idle_closes() {
    let mut c = apache(secs(0));
    apache_pass(&mut c, secs(1), Status::Open, &get("/a"));
    let p = apache_pass(&mut c, secs(2), Status::PeerClosed, b"");
    assert_eq!(p.graceful, Some(CloseReason::PeerClosed));
    assert_eq!(c.poll_timeout(), Some(secs(36)), "idle deadline (1 s + 5 s) + 30 s");

    let mut n = Nginx::new(secs(0), Duration::ZERO);
    let p = n.pass(secs(1), Status::PeerClosed, b"");
    assert_eq!(p.graceful, Some(CloseReason::PeerClosed));
}

#[test]
fn peer_fin_with_input_pending() {
    // Apache: a complete request that came with the FIN is answered first, then the connection
    // closes; the partial one after it is dropped.
    let mut c = apache(secs(0));
    let mut data = get("/last");
    data.extend_from_slice(b"GET /partial HT");
    let p = apache_pass(&mut c, secs(1), Status::PeerClosed, &data);
    assert_eq!(p.answered, ["/last"]);
    assert_eq!(p.sent, b"200 /last\n");
    assert_eq!(p.graceful, Some(CloseReason::PeerClosed));
    // The same when the FIN is fed before the events are polled.
    let mut c = apache(secs(0));
    c.handle_data(secs(1), &data);
    c.handle_peer_closed(secs(1));
    assert_eq!(closes(&mut c), [], "a complete request is waiting");
    let (head, _) = request(&mut c);
    c.respond(secs(1), &apache_answer(&head).0, true);
    assert_eq!(c.poll_event(), None);
    assert_eq!(closes(&mut c), [Close::Graceful(CloseReason::PeerClosed)]);

    // nginx: a FIN behind a pipelined request does not abort the active one; the pipelined
    // request is served, and a FIN with nothing behind it then aborts that one (499).
    let mut n = Nginx::new(secs(0), Duration::from_secs(1));
    n.pass(secs(1), Status::Open, &get("/1"));
    let p = n.pass(at(1_500_000), Status::PeerClosed, &get("/2"));
    assert_eq!(p, Pass::default(), "input after the request: no abort");
    let p = n.pass(secs(2), Status::PeerClosed, b"");
    assert_eq!(p.answered, ["/1"]);
    assert_eq!(p.graceful, None, "/2 was started");
    let p = n.pass(at(2_100_000), Status::PeerClosed, b"");
    assert!(p.aborted);
    assert_eq!(p.abort, Some(AbortReason::PeerClosedDuringRequest));

    // nginx: a FIN behind a partial pipelined head closes once the active request is done.
    let mut n = Nginx::new(secs(0), Duration::from_secs(1));
    n.pass(secs(1), Status::Open, &get("/1"));
    assert_eq!(n.pass(at(1_500_000), Status::PeerClosed, b"GET /2"), Pass::default());
    let p = n.pass(secs(2), Status::PeerClosed, b"");
    assert_eq!(p.answered, ["/1"]);
    assert_eq!(p.graceful, Some(CloseReason::PeerClosed));
    // nginx: a partial head and a FIN while idle.
    let mut n = Nginx::new(secs(0), Duration::ZERO);
    assert_eq!(n.pass(secs(1), Status::PeerClosed, b"GET / HTTP/1.1\r\n").graceful, Some(CloseReason::PeerClosed));
}

#[test]
fn nginx_client_fin_during_a_proxied_request_aborts_it() {
    let mut n = Nginx::new(secs(0), Duration::from_secs(3));
    n.pass(secs(1), Status::Open, &get("/slow"));
    let p = n.pass(secs(2), Status::PeerClosed, b"");
    assert!(p.aborted, "the glue logs 499 and releases the upstream");
    assert_eq!(p.abort, Some(AbortReason::PeerClosedDuringRequest));
    assert!(n.active.is_none());
    assert_eq!(n.core.poll_timeout(), None);
    // The late answer goes nowhere.
    n.core.send(b"late");
    n.core.finish(secs(4), true);
    assert_eq!(n.core.poll_transmit(), None);
    assert_eq!(n.core.poll_event(), None);
    // Apache's policy has no such abort: a FIN with a request pending only records the FIN.
    let mut c = apache(secs(0));
    c.handle_data(secs(1), &get("/a"));
    request(&mut c);
    c.handle_peer_closed(secs(1));
    assert_eq!(closes(&mut c), []);
    c.respond(secs(1), b"ok", true);
    assert_eq!(c.poll_event(), None);
    assert_eq!(closes(&mut c), [Close::Graceful(CloseReason::PeerClosed)]);
}

#[test]
fn reset_aborts_and_reports_a_request_in_progress() {
    let mut n = Nginx::new(secs(0), Duration::from_secs(3));
    n.pass(secs(1), Status::Open, &get("/slow"));
    let p = n.pass(secs(2), Status::Reset, b"");
    assert!(p.aborted);
    assert_eq!(p.abort, Some(AbortReason::Reset));
    // Idle: no event, only the abort.
    let mut n = Nginx::new(secs(0), Duration::ZERO);
    let p = n.pass(secs(1), Status::Reset, b"");
    assert!(!p.aborted);
    assert_eq!(p.abort, Some(AbortReason::Reset));
    // Apache: a reset after the idle deadline passed: the idle close, then the abort (the glue's
    // order within one pass).
    let mut c = apache(secs(0));
    let p = apache_pass(&mut c, secs(5), Status::Reset, b"");
    assert_eq!((p.graceful, p.abort), (Some(CloseReason::Idle), Some(AbortReason::Reset)));
    // A request the application has not polled yet is withdrawn, not aborted.
    let mut c = nginx(secs(0));
    c.handle_data(secs(1), &get("/a"));
    c.handle_peer_closed(secs(1));
    c.handle_reset(secs(1));
    assert_eq!(c.poll_event(), None);
    assert_eq!(closes(&mut c), [Close::Abort(AbortReason::Reset)]);
}

#[test]
fn linger_abort_at_exactly_30_s_and_60_s_after_the_idle_deadline() {
    // Apache: a response that is not kept alive at 1 s: idle deadline 6 s, abort at 36 s if the
    // close could not flush (the glue drops the connection earlier once it has).
    let mut c = apache(secs(0));
    let p = apache_pass(&mut c, secs(1), Status::Open, &get("/close"));
    assert_eq!(p.graceful, Some(CloseReason::NotKeptAlive));
    assert_eq!(c.poll_timeout(), Some(secs(36)));
    assert_eq!(apache_pass(&mut c, at(36 * S - 1), Status::Open, b""), Pass::default());
    assert_eq!(apache_pass(&mut c, secs(36), Status::Open, b"").abort, Some(AbortReason::Linger));
    assert_eq!(c.poll_timeout(), None);
    // nginx: the header timeout closes at 60 s, the abort follows at 120 s.
    let mut n = Nginx::new(secs(0), Duration::ZERO);
    n.pass(secs(60), Status::Open, b"");
    assert_eq!(n.pass(at(120 * S - 1), Status::Open, b""), Pass::default());
    assert_eq!(n.pass(secs(120), Status::Open, b"").abort, Some(AbortReason::Linger));
}

#[test]
fn retire_closes_idle_connections_on_the_next_pass_and_busy_ones_after_their_request() {
    let mut n = Nginx::new(secs(0), Duration::from_secs(1));
    n.core.retire();
    assert_eq!(n.core.poll_timeout(), Some(secs(60)), "nothing changes before the next pass");
    assert_eq!(n.core.poll_close(), None);
    let p = n.pass(secs(1), Status::Open, &get("/late"));
    assert_eq!(p.graceful, Some(CloseReason::Retired));
    assert!(p.answered.is_empty() && n.active.is_none(), "a retired idle connection reads nothing");

    let mut n = Nginx::new(secs(0), Duration::from_secs(1));
    let mut data = get("/1");
    data.extend(get("/2"));
    n.pass(secs(1), Status::Open, &data);
    n.core.retire();
    assert_eq!(n.pass(at(1_500_000), Status::Open, b""), Pass::default());
    let p = n.pass(secs(2), Status::Open, b"");
    assert_eq!(p.answered, ["/1"]);
    assert_eq!(p.sent, b"200 /1\n");
    assert_eq!(p.graceful, Some(CloseReason::Retired));
    assert!(n.active.is_none(), "the pipelined request is not started");
}

#[test]
fn unfinalized_answers_skip_the_keep_alive_bookkeeping() {
    let mut n = Nginx::new(secs(0), Duration::ZERO);
    let mut data = b"GET /404 HTTP/1.0\r\n\r\n".to_vec();
    data.extend(get("/2"));
    let p = n.pass(secs(10), Status::Open, &data);
    assert_eq!(p.answered, ["/404"]);
    assert_eq!(p.sent, b"404\n");
    assert_eq!(p.graceful, None, "no close even though HTTP/1.0 asked for one");
    assert_eq!(n.core.poll_timeout(), Some(secs(60)), "the idle deadline is not re-armed");
    assert_eq!(n.core.answered(), 0);
    // The pipelined request is read on the next pass only.
    let p = n.pass(secs(10), Status::Open, b"");
    assert_eq!(p.answered, ["/2"]);
    assert_eq!(n.core.poll_timeout(), Some(secs(75)));
    // With a FIN, the connection closes after the 404 without reading the pipelined request.
    let mut n = Nginx::new(secs(0), Duration::ZERO);
    let mut data = get("/404");
    data.extend(get("/2"));
    let p = n.pass(secs(1), Status::PeerClosed, &data);
    assert_eq!((p.answered, p.graceful), (vec!["/404".to_owned()], Some(CloseReason::PeerClosed)));
}

#[test]
fn closed_connections_ignore_everything() {
    let mut c = apache(secs(0));
    c.handle_timeout(secs(5));
    assert_eq!(closes(&mut c), [Close::Graceful(CloseReason::Idle)]);
    c.handle_data(secs(6), &get("/a"));
    c.handle_peer_closed(secs(6));
    c.retire();
    c.respond(secs(6), b"x", true);
    c.finish(secs(6), true);
    c.respond_unfinalized(secs(6), b"x");
    assert_eq!(c.poll_event(), None);
    assert_eq!(c.poll_transmit(), None);
    assert_eq!(c.poll_close(), None);
    assert_eq!(c.buffered(), 0);
    c.handle_reset(secs(7));
    assert_eq!(closes(&mut c), [Close::Abort(AbortReason::Reset)]);
    c.handle_reset(secs(7));
    c.handle_timeout(secs(100));
    assert_eq!(c.poll_close(), None);
}

#[test]
fn leading_empty_lines_are_not_hoarded_without_a_head_limit() {
    let mut c = apache(secs(0));
    let chunk = b"\r\n".repeat(8192);
    for i in 0..640 {
        c.handle_data(at(i), &chunk);
        assert_eq!(c.poll_event(), None);
        assert_eq!(c.buffered(), 0, "{i}");
    }
    c.handle_data(secs(1), &get("/after"));
    assert_eq!(request(&mut c).0.target, "/after");
    // nginx counts them against its head buffers.
    let mut c = nginx(secs(0));
    c.handle_data(secs(0), &b"\r\n".repeat(20_000));
    assert_eq!(refused(&mut c), (494, Refusal::Head(HeadError::HeadTooLarge)));
}

#[test]
fn pipelining_past_the_bound_closes_after_what_was_kept() {
    let mut c = nginx(secs(0));
    c.handle_data(secs(1), &get("/first"));
    request(&mut c);
    let one = get("/p");
    let flood: Vec<u8> = one.iter().copied().cycle().take(one.len() * 50_000).collect();
    for piece in flood.chunks(16 * 1024) {
        c.handle_data(secs(1), piece);
        assert!(c.buffered() <= c.policy().max_buffered());
    }
    c.respond(secs(1), b"ok", true);
    let mut served = 0;
    while let Some(ev) = c.poll_event() {
        assert!(matches!(ev, Event::Request { .. }));
        served += 1;
        c.respond(secs(1), b"ok", true);
    }
    assert_eq!(served, c.policy().max_buffered() / one.len());
    assert_eq!(closes(&mut c), [Close::Graceful(CloseReason::Overflow)]);
}

#[test]
fn noise_never_panics_and_stays_bounded() {
    let mut x: u32 = 0x2545_f491;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        x
    };
    for round in 0..200 {
        let mut c = if round % 2 == 0 { apache(secs(0)) } else { nginx(secs(0)) };
        for step in 0..50u64 {
            let len = (next() % 3000) as usize;
            let data: Vec<u8> = (0..len)
                .map(|_| match next() % 10 {
                    0 => b'\n',
                    1 => b'\r',
                    2 => b':',
                    3 => b' ',
                    _ => (next() % 256) as u8,
                })
                .collect();
            let now = at(step * 100_000);
            c.handle_data(now, &data);
            if next() % 17 == 0 {
                c.handle_peer_closed(now);
            }
            while let Some(ev) = c.poll_event() {
                match ev {
                    Event::Request { .. } if next() % 2 == 0 => c.respond(now, b"r", next() % 3 != 0),
                    Event::Request { .. } => {
                        c.send(b"part");
                        c.finish(now, true);
                    }
                    Event::Refused { .. } => c.respond(now, b"page", false),
                    Event::Aborted => {}
                }
            }
            c.handle_timeout(now);
            assert!(c.buffered() <= c.policy().max_buffered());
            while c.poll_transmit().is_some() {}
            while c.poll_close().is_some() {}
        }
    }
}
