//! The scenario's user population on one client host (`Users(…)` in a scenario's timeline) as a
//! sans-IO core over numbered connection slots, like `ab` and `wrk` ([`super::Generator`]).
//!
//! The mechanism:
//!
//! - **Arrivals.** Sessions (one user's visit) arrive as a Poisson process: the gaps between
//!   arrivals are exponential with the mean the scenario gives this host, drawn from the host's
//!   own seeded stream, until the population's `for:` has passed. A population spread over `n`
//!   client hosts at rate `λ` is `n` independent Poisson processes at `λ / n` (their
//!   superposition is Poisson at `λ`), so each host draws alone.
//! - **Pages.** A session asks for `pages` pages one after another. A page is its document,
//!   then its `assets` (stylesheets, scripts, images), which a browser requests once the
//!   document has arrived; between pages the user thinks for an exponential time of mean
//!   `think`. After the last page the session ends and closes its connections.
//! - **Connections, as a browser's.** Requests wait in the session's queue for a connection: an
//!   idle open one takes the next request, otherwise a new one is opened while fewer than
//!   `connections` are open (6 per host name: Chromium's `max_sockets_per_group`,
//!   `net/socket/client_socket_pool_manager.cc`; Firefox's
//!   `network.http.max-persistent-connections-per-server`). With keep-alive, a connection
//!   whose response kept it alive serves the next request, across pages too, until the server
//!   closes it; without, each request has a connection of its own (`Connection: close`).
//! - **Retries, as Firefox's.** The population's browser is Firefox (its `User-Agent`): a GET
//!   whose connection the server closed or reset before any byte of the response came back is
//!   restarted on a fresh connection, up to `network.http.request.max-attempts` (10) attempts
//!   in all (`nsHttpTransaction::Close`: `!mReceivedData && (IsSafeMethod() || …)` →
//!   `Restart()`, which gives up once `++mRestartCount >= MaxRequestAttempts()`). This covers the
//!   keep-alive race (the server's idle timeout and the next request cross) and nginx's reload,
//!   whose old workers close the connections that have not sent a request yet. A connection
//!   that cannot be opened, or a response that cannot be read, ends the request with an error.
//! - **A warm start.** A peak hour begins with users already browsing. With `warm`, the core
//!   starts with the sessions a steady state holds: a session is `pages − 1` think times
//!   (exponential, of mean `think`) apart, the pages' own few milliseconds neglected, so the
//!   sessions in progress form an M/G/∞ system whose number thinking after their `j`-th page is
//!   Poisson with mean `λ · think` for each `j` (λ this host's arrival rate), independently, and
//!   each one's remaining think time is again exponential of mean `think` (memorylessness). The
//!   core draws exactly that: for each `j`, the arrivals of its own Poisson process within one
//!   mean think time, each a session with `pages − j` pages left. Without it, the population
//!   ramps up over the first session lengths.
//!
//! Every request that ends is one [`Sample`]: its status and latency (from when the page asked
//! for it to its last byte, connection set-up and queueing included, as the user waits) or its
//! error. The core prints nothing and ends once no session is left after the last arrival.

#[cfg(test)]
mod tests;

use std::collections::{BTreeSet, VecDeque};
use std::time::Duration;

use super::body::Body;
use super::{Action, Console, Generator, Out, Sample};
use crate::kernel::{SimRng, SimTime};
use crate::proto::errno::Errno;
use crate::wire::http::{Parsed, parse_response};

/// `network.http.request.max-attempts`: how many times Firefox sends a request in all.
const MAX_ATTEMPTS: u8 = 10;

/// The `User-Agent` the population's requests carry: Firefox 102 ESR on Linux, a browser of the
/// lab's time.
const USER_AGENT: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:102.0) Gecko/20100101 Firefox/102.0";

/// One population's figures on one host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Params {
    /// The mean time between two arrivals on this host.
    pub mean_gap: Duration,
    /// No session arrives from then on.
    pub until: SimTime,
    /// Pages per session (at least 1).
    pub pages: u32,
    /// Assets per page.
    pub assets: u32,
    /// The mean think time between two pages.
    pub think: Duration,
    /// Connections a session keeps open at most (at least 1).
    pub connections: usize,
    /// Whether connections are kept alive between requests.
    pub keepalive: bool,
    /// Start with the sessions a steady state holds (see the module's warm start).
    pub warm: bool,
    /// The `Host` header.
    pub host: String,
    /// The page's path.
    pub page: String,
    /// The assets' path.
    pub asset: String,
}

/// One request, waiting or in flight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Request {
    /// An asset (else the page's document).
    asset: bool,
    /// When the page asked for it.
    issued: SimTime,
    /// How many times it has been sent.
    attempts: u8,
}

/// One connection slot.
#[derive(Clone, Debug)]
struct Conn {
    session: usize,
    connected: bool,
    current: Option<Request>,
    /// Bytes of the current response have arrived.
    answered: bool,
    rx: Vec<u8>,
    body: Body,
    status: u16,
    keep_alive: bool,
}

/// One user's visit.
#[derive(Clone, Debug, Default)]
struct Session {
    pages_left: u32,
    /// Requests waiting for a connection.
    queue: VecDeque<Request>,
    /// The slots of its connections.
    conns: Vec<usize>,
    /// Requests of the current page not yet ended (queued or in flight).
    open: u32,
}

/// The population on one host.
pub(crate) struct Users {
    params: Params,
    rng: SimRng,
    next_arrival: Option<SimTime>,
    sessions: Vec<Option<Session>>,
    free_sessions: Vec<usize>,
    conns: Vec<Option<Conn>>,
    free_slots: Vec<usize>,
    /// Sessions thinking, by when they ask for their next page.
    thinking: BTreeSet<(SimTime, usize)>,
    page_request: Vec<u8>,
    asset_request: Vec<u8>,
    /// Actions and ended requests for the glue (a user prints nothing).
    out: Out,
    /// Sessions that arrived, requests that ended.
    arrived: u64,
    ended: u64,
}

/// The request a browser sends for `path`.
fn request(host: &str, path: &str, keepalive: bool) -> Vec<u8> {
    let connection = if keepalive { "keep-alive" } else { "close" };
    format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: {USER_AGENT}\r\nAccept: */*\r\nConnection: {connection}\r\n\r\n")
        .into_bytes()
}

/// `ln(x)` for `0 < x ≤ 1` from IEEE basic operations only (the platform's `ln` may differ in
/// its last bit between C libraries, and a run must be the same everywhere): `x = m · 2^e` with
/// `1 ≤ m < 2`, `ln x = e · ln 2 + 2 atanh((m − 1)/(m + 1))`, the series to 1e-17.
fn ln(x: f64) -> f64 {
    let bits = x.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i64 - 1023;
    let m = f64::from_bits((bits & ((1u64 << 52) - 1)) | (1023u64 << 52));
    let t = (m - 1.0) / (m + 1.0);
    let t2 = t * t;
    let (mut term, mut sum) = (t, 0.0);
    for k in 0..24 {
        sum += term / f64::from(2 * k + 1);
        term *= t2;
    }
    exp as f64 * std::f64::consts::LN_2 + 2.0 * sum
}

impl Users {
    /// The population starting at `now`, drawing from `rng`.
    pub(crate) fn new(params: Params, rng: SimRng, now: SimTime) -> Users {
        let page_request = request(&params.host, &params.page, params.keepalive);
        let asset_request = request(&params.host, &params.asset, params.keepalive);
        let mut users = Users {
            params,
            rng,
            next_arrival: None,
            sessions: Vec::new(),
            free_sessions: Vec::new(),
            conns: Vec::new(),
            free_slots: Vec::new(),
            thinking: BTreeSet::new(),
            page_request,
            asset_request,
            out: Out::new(Console::default(), VecDeque::new()),
            arrived: 0,
            ended: 0,
        };
        let first = now + users.exponential(users.params.mean_gap);
        users.next_arrival = (first < users.params.until).then_some(first);
        if users.params.warm {
            users.warm_start(now);
        }
        users
    }

    /// The sessions a steady state holds at `now`, each thinking before its next page.
    fn warm_start(&mut self, now: SimTime) {
        let (think, gap) = (self.params.think, self.params.mean_gap);
        for done in 1..self.params.pages {
            // Poisson of mean think / gap: the arrivals within one think time.
            let mut elapsed = self.exponential(gap);
            while elapsed < think {
                self.arrived += 1;
                let s = self.sessions.len();
                self.sessions.push(Some(Session { pages_left: self.params.pages - done, ..Session::default() }));
                let at = now + self.exponential(think);
                self.thinking.insert((at, s));
                elapsed += self.exponential(gap);
            }
        }
    }

    /// An exponential time of mean `mean`: `−ln(U) · mean`, `U` uniform in (0, 1].
    fn exponential(&mut self, mean: Duration) -> Duration {
        let u = ((self.rng.next_u64() >> 11) + 1) as f64 / (1u64 << 53) as f64;
        Duration::from_micros((-ln(u) * mean.as_micros() as f64).round() as u64)
    }

    fn session(&mut self, s: usize) -> &mut Session {
        self.sessions[s].get_or_insert_with(Session::default)
    }

    fn conn(&mut self, slot: usize) -> Option<&mut Conn> {
        self.conns.get_mut(slot).and_then(Option::as_mut)
    }

    fn arrive(&mut self, now: SimTime) {
        self.arrived += 1;
        let session = Session { pages_left: self.params.pages, ..Session::default() };
        let s = match self.free_sessions.pop() {
            Some(s) => {
                self.sessions[s] = Some(session);
                s
            }
            None => {
                self.sessions.push(Some(session));
                self.sessions.len() - 1
            }
        };
        self.start_page(s, now);
    }

    fn start_page(&mut self, s: usize, now: SimTime) {
        let session = self.session(s);
        session.pages_left = session.pages_left.saturating_sub(1);
        session.queue.push_back(Request { asset: false, issued: now, attempts: 0 });
        session.open = 1;
        self.dispatch(s);
    }

    /// Gives waiting requests to idle connections, and opens connections for the rest while
    /// the session may.
    fn dispatch(&mut self, s: usize) {
        let slots = self.session(s).conns.clone();
        let mut connecting = 0;
        for slot in slots {
            let Some(c) = self.conn(slot) else { continue };
            if !c.connected {
                connecting += 1;
            } else if c.current.is_none()
                && let Some(req) = self.session(s).queue.pop_front()
            {
                self.send(slot, req);
            }
        }
        let max = self.params.connections;
        while self.session(s).queue.len() > connecting && self.session(s).conns.len() < max {
            let slot = self.free_slots.pop().unwrap_or(self.conns.len());
            let conn = Conn {
                session: s,
                connected: false,
                current: None,
                answered: false,
                rx: Vec::new(),
                body: Body::Head,
                status: 0,
                keep_alive: false,
            };
            if slot == self.conns.len() {
                self.conns.push(Some(conn));
            } else {
                self.conns[slot] = Some(conn);
            }
            self.session(s).conns.push(slot);
            self.out.actions.push_back(Action::Connect(slot));
            connecting += 1;
        }
    }

    fn send(&mut self, slot: usize, mut req: Request) {
        req.attempts += 1;
        let bytes = if req.asset { self.asset_request.clone() } else { self.page_request.clone() };
        if let Some(c) = self.conn(slot) {
            c.current = Some(req);
            c.answered = false;
            c.rx.clear();
            c.body = Body::Head;
        }
        self.out.actions.push_back(Action::Send(slot, bytes));
    }

    fn close(&mut self, slot: usize) {
        let Some(c) = self.conns.get_mut(slot).and_then(Option::take) else { return };
        self.out.actions.push_back(Action::Close(slot));
        self.free_slots.push(slot);
        if let Some(Some(session)) = self.sessions.get_mut(c.session) {
            session.conns.retain(|&x| x != slot);
        }
    }

    /// A response ended on `slot`.
    fn complete(&mut self, slot: usize, now: SimTime) {
        let Some(c) = self.conn(slot) else { return };
        let (s, status, keep_alive) = (c.session, c.status, c.keep_alive);
        let Some(req) = c.current.take() else { return };
        self.ended += 1;
        self.out.samples.push_back(Sample::answered(req.issued, now, status));
        if !keep_alive || !self.params.keepalive {
            self.close(slot);
        }
        let assets = self.params.assets;
        let session = self.session(s);
        session.open = session.open.saturating_sub(1);
        if !req.asset {
            session.queue.extend((0..assets).map(|_| Request { asset: true, issued: now, attempts: 0 }));
            session.open += assets;
        }
        self.after_request(s, now);
    }

    /// A request of session `s` ended: the page goes on, or is over.
    fn after_request(&mut self, s: usize, now: SimTime) {
        let session = self.session(s);
        if session.open > 0 {
            self.dispatch(s);
        } else if session.pages_left > 0 {
            let think = self.params.think;
            let at = now + self.exponential(think);
            self.thinking.insert((at, s));
        } else {
            self.end_session(s);
        }
    }

    fn end_session(&mut self, s: usize) {
        for slot in self.session(s).conns.clone() {
            self.close(slot);
        }
        self.sessions[s] = None;
        self.free_sessions.push(s);
    }

    /// The connection on `slot` failed (`error`) or ended early; `restart` if a request on it
    /// may be sent again (closed or reset, not refused or unreadable).
    fn failed(&mut self, slot: usize, now: SimTime, error: &'static str, restart: bool) {
        let Some(c) = self.conn(slot) else { return };
        let (s, connected, answered, current) = (c.session, c.connected, c.answered, c.current);
        self.close(slot);
        let req = match current {
            Some(req) if restart && !answered && req.attempts < MAX_ATTEMPTS => {
                self.session(s).queue.push_front(req);
                self.dispatch(s);
                return;
            }
            Some(req) => req,
            // A connection that never opened fails the request it was opened for.
            None if !connected => match self.session(s).queue.pop_front() {
                Some(req) => req,
                None => return,
            },
            None => return,
        };
        self.ended += 1;
        self.out.samples.push_back(Sample::failed(req.issued, now, error));
        let session = self.session(s);
        session.open = session.open.saturating_sub(1);
        self.after_request(s, now);
    }

    /// Reads what arrived on `slot`: the head, then the body.
    fn parse(&mut self, slot: usize, now: SimTime) {
        loop {
            let Some(c) = self.conn(slot) else { return };
            match c.body {
                Body::Head => match parse_response(&c.rx) {
                    Parsed::Partial => return,
                    Parsed::Invalid(_) => return self.failed(slot, now, "invalid response", false),
                    Parsed::Complete { head, head_len } => {
                        c.rx.drain(..head_len);
                        c.status = head.status;
                        c.keep_alive = head.keeps_alive();
                        c.body = Body::after(&head);
                    }
                },
                _ => {
                    if c.body.consume(&mut c.rx) {
                        self.complete(slot, now);
                    }
                    return;
                }
            }
        }
    }
}

impl Generator for Users {
    fn handle_connected(&mut self, _now: SimTime, slot: usize) {
        let Some(c) = self.conn(slot) else { return };
        c.connected = true;
        let s = c.session;
        self.dispatch(s);
    }

    fn handle_data(&mut self, now: SimTime, slot: usize, data: &[u8]) {
        let Some(c) = self.conn(slot) else { return };
        if c.current.is_none() {
            return;
        }
        c.answered = true;
        c.rx.extend_from_slice(data);
        self.parse(slot, now);
    }

    fn handle_eof(&mut self, now: SimTime, slot: usize) {
        let Some(c) = self.conn(slot) else { return };
        match (c.current, c.body) {
            // The server closed an idle kept-alive connection.
            (None, _) => {
                let s = c.session;
                self.close(slot);
                self.dispatch(s);
            }
            (Some(_), Body::ToEof) => {
                c.keep_alive = false;
                self.complete(slot, now);
            }
            (Some(_), _) => self.failed(slot, now, "connection closed before the response", true),
        }
    }

    fn handle_error(&mut self, now: SimTime, slot: usize, errno: Errno) {
        self.failed(slot, now, errno.text(), errno == Errno::ConnReset);
    }

    fn handle_timeout(&mut self, now: SimTime) {
        while let Some(at) = self.next_arrival.filter(|at| *at <= now) {
            self.arrive(now);
            let next = at + self.exponential(self.params.mean_gap);
            self.next_arrival = (next < self.params.until).then_some(next);
        }
        while let Some(&(at, s)) = self.thinking.first().filter(|(at, _)| *at <= now) {
            self.thinking.remove(&(at, s));
            self.start_page(s, now);
        }
    }

    fn poll_timeout(&self) -> Option<SimTime> {
        [self.next_arrival, self.thinking.first().map(|(at, _)| *at)].into_iter().flatten().min()
    }

    fn out(&self) -> &Out {
        &self.out
    }

    fn out_mut(&mut self) -> &mut Out {
        &mut self.out
    }

    fn exit_status(&self) -> Option<i32> {
        (self.next_arrival.is_none() && self.sessions.iter().all(Option::is_none)).then_some(0)
    }

    fn state(&self) -> String {
        let live = self.sessions.iter().filter(|s| s.is_some()).count();
        format!("{} sessions arrived, {live} still browsing, {} requests ended", self.arrived, self.ended)
    }
}
