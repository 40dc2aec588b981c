//! The RPC client over one TCP connection, as the kernel's sunrpc does it for an NFS mount:
//! transaction ids, record marking, the outstanding calls, the per-call timer with linear
//! back-off and the major timeout (spec-nfs.md §9), reconnection with back-off and the re-sending
//! of every call still waiting for its reply.
//!
//! Timer rules (`net/sunrpc/xprt.c`, `net/sunrpc/clnt.c`; TCP values from
//! `nfs_init_timeout_values` in `fs/nfs/client.c`): a call's timer starts at `to_initval` (timeo)
//! when it is transmitted; its major deadline is `to_initval + to_increment * to_retries` capped at
//! `to_maxval` after the request starts (`xprt_reset_majortimeo`); the timer never runs past it
//! (`xprt_request_timeout`). When the timer fires before the
//! major deadline the timeout grows by `to_increment` (capped at `to_maxval`) and the call is sent
//! again (`xprt_adjust_timeout`); at the major deadline the timeout goes back to `to_initval`, the
//! major deadline moves on, and `rpc_check_timeout` fails a soft call with EIO (`%s: server %s not
//! responding, timed out`) or logs once per call (`RPC_CALL_MAJORSEEN`) `%s: server %s not
//! responding, still trying` and keeps a hard call going; `call_decode` logs `%s: server %s OK`
//! when a call that had seen a major timeout gets its reply. Both log lines are
//! `pr_notice_ratelimited` (10 per 5 s).
//!
//! The outstanding calls are kept in [`calls::Calls`], indexed by deadline and by tag.

mod calls;

use std::collections::VecDeque;
use std::time::Duration;

use self::calls::{Calls, Pending};
use crate::kernel::SimTime;
use crate::wire::rpc::{self, AcceptStat, Message, OpaqueAuth, RejectStat, ReplyBody};

/// The largest record accepted from the server: a READ of 1 MiB and its headers.
const MAX_RECORD: usize = (1 << 20) + 4096;
/// `XS_TCP_INIT_REEST_TO` and `XS_TCP_MAX_REEST_TO` (`net/sunrpc/xprtsock.c`): the reconnect delay.
const INIT_REEST: Duration = Duration::from_secs(3);
const MAX_REEST: Duration = Duration::from_secs(300);
/// `DEFAULT_RATELIMIT_INTERVAL` and `DEFAULT_RATELIMIT_BURST` (`include/linux/ratelimit.h`).
const RATELIMIT_INTERVAL: Duration = Duration::from_secs(5);
const RATELIMIT_BURST: u32 = 10;

/// The retransmission parameters of a mount (`struct rpc_timeout`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Timeout {
    /// `to_initval`.
    pub(crate) initval: Duration,
    /// `to_increment` (linear back-off over TCP).
    pub(crate) increment: Duration,
    /// `to_maxval`.
    pub(crate) maxval: Duration,
    /// `to_retries`.
    pub(crate) retries: u32,
}

impl Timeout {
    /// `nfs_init_timeout_values` for TCP: `timeo` deciseconds, `retrans` retries, maximum
    /// `timeo * (retrans + 1)`, never above `NFS_MAX_TCP_TIMEOUT` (600 s).
    pub(crate) fn tcp(timeo: u32, retrans: u32) -> Timeout {
        let max = Duration::from_secs(600);
        let initval = (Duration::from_millis(u64::from(timeo) * 100)).min(max);
        let maxval = initval.saturating_mul(retrans.saturating_add(1)).min(max);
        Timeout { initval, increment: initval, maxval, retries: retrans }
    }

    /// `xprt_calc_majortimeo`.
    fn major(&self) -> Duration {
        self.initval.saturating_add(self.increment.saturating_mul(self.retries)).min(self.maxval)
    }
}

/// What the transport reports to the client, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Event {
    /// The results of the call sent for `tag` (the bytes after the reply header).
    Reply { tag: u64, results: Vec<u8> },
    /// The call for `tag` failed: the server refused it (RPC error) or a soft mount timed out.
    Failed { tag: u64, error: CallError },
    /// A kernel log line.
    Log(String),
}

/// Why a call failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CallError {
    /// A soft call reached its major timeout (EIO).
    TimedOut,
    /// The server's RPC layer refused it with AUTH_ERROR (EACCES, `rpcauth_checkverf` /
    /// `call_decode`).
    Auth,
    /// Another RPC-level refusal (PROG_UNAVAIL, PROG_MISMATCH, GARBAGE_ARGS, …): EIO.
    Rpc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    Down,
    Up,
}

/// When a call's timer fires: after its timeout, but no later than its major deadline
/// (`xprt_request_timeout`).
fn request_timeout(now: SimTime, p: &Pending) -> SimTime {
    now.saturating_add(p.timeout).min(p.major)
}

/// The RPC client of one mount.
#[derive(Debug, Clone)]
pub(crate) struct Transport {
    server: String,
    hard: bool,
    timeout: Timeout,
    next_xid: u32,
    calls: Calls,
    outbox: VecDeque<Vec<u8>>,
    link: Link,
    /// While the reconnect delay runs.
    reconnect_at: Option<SimTime>,
    reestablish: Duration,
    close: bool,
    rx: Vec<u8>,
    events: VecDeque<Event>,
    ratelimit: Option<(SimTime, u32)>,
}

impl Transport {
    /// A transport to `server` (the name logged), not connected yet; `first_xid` is the first
    /// transaction id (the kernel draws it at random, `xprt_init_xid`).
    pub(crate) fn new(server: String, hard: bool, timeout: Timeout, first_xid: u32) -> Transport {
        Transport {
            server,
            hard,
            timeout,
            next_xid: first_xid,
            calls: Calls::default(),
            outbox: VecDeque::new(),
            link: Link::Down,
            reconnect_at: None,
            reestablish: Duration::ZERO,
            close: false,
            rx: Vec::new(),
            events: VecDeque::new(),
            ratelimit: None,
        }
    }

    /// Queues a call of `program`/`version`/`procedure` with `cred` and encoded `args` for `tag`.
    pub(crate) fn call(&mut self, now: SimTime, tag: u64, (program, version, procedure): (u32, u32, u32), cred: OpaqueAuth, args: &[u8]) {
        let xid = self.next_xid;
        self.next_xid = self.next_xid.wrapping_add(1);
        let header =
            Message::Call(rpc::Call { xid, rpc_version: rpc::RPC_VERSION, program, version, procedure, cred, verf: OpaqueAuth::none() });
        let record = rpc::frame_record(&header.with_body(args), rpc::MAX_FRAGMENT);
        let major = now.saturating_add(self.timeout.major());
        let mut p = Pending { tag, record, timeout: self.timeout.initval, deadline: None, major, major_seen: false };
        if self.link == Link::Up {
            self.transmit(now, &mut p);
        } else {
            // Waiting for the connection, the task sleeps with the request's timeout
            // (`xprt_connect`: `xprt_request_timeout`), so its major timeout comes all the same.
            p.deadline = Some(request_timeout(now, &p));
        }
        self.calls.insert(xid, p);
    }

    fn transmit(&mut self, now: SimTime, p: &mut Pending) {
        self.outbox.push_back(p.record.clone());
        p.deadline = Some(request_timeout(now, p));
    }

    /// Calls outstanding.
    pub(crate) fn busy(&self) -> bool {
        !self.calls.is_empty()
    }

    /// True when calls wait, no connection is up and the reconnect delay has passed
    /// (`xs_connect`).
    pub(crate) fn wants_connection(&self) -> bool {
        self.link == Link::Down && self.busy() && self.reconnect_at.is_none()
    }

    /// The connection is up: every outstanding call is sent (again).
    pub(crate) fn connected(&mut self, now: SimTime) {
        self.link = Link::Up;
        self.reestablish = Duration::ZERO;
        self.rx.clear();
        for xid in self.calls.xids() {
            let Some(mut p) = self.calls.remove(xid) else { continue };
            self.transmit(now, &mut p);
            self.calls.insert(xid, p);
        }
    }

    /// The connection broke or could not be made: what was queued is lost; the next attempt
    /// waits the reestablish delay (3 s doubling to 300 s).
    pub(crate) fn disconnected(&mut self, now: SimTime) {
        self.link = Link::Down;
        self.close = false;
        self.outbox.clear();
        self.rx.clear();
        self.reestablish = (self.reestablish * 2).clamp(INIT_REEST, MAX_REEST);
        self.reconnect_at = Some(now.saturating_add(self.reestablish));
    }

    /// True when the stream carried bytes that are not RPC records: the glue closes the
    /// connection (`xs_tcp_force_close`), then reports it with [`Transport::disconnected`].
    pub(crate) fn wants_close(&self) -> bool {
        self.close
    }

    /// The next record to write to the stream.
    pub(crate) fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        if self.link == Link::Up { self.outbox.pop_front() } else { None }
    }

    /// Bytes from the stream, cut anywhere.
    pub(crate) fn handle_data(&mut self, now: SimTime, bytes: &[u8]) {
        if self.link != Link::Up || self.close {
            return;
        }
        self.rx.extend_from_slice(bytes);
        // The records are read from an offset and their bytes dropped once, after the last:
        // `handle_message` does not look at `rx`, so this leaves what dropping each record as
        // it is read would, without moving the rest of the buffer once per record.
        let mut read = 0;
        loop {
            match rpc::split_record(&self.rx[read..], MAX_RECORD) {
                Ok(Some((message, used))) => {
                    read += used;
                    self.handle_message(now, &message);
                }
                Ok(None) => break,
                Err(_) => {
                    self.rx.clear();
                    self.close = true;
                    return;
                }
            }
        }
        self.rx.drain(..read);
    }

    /// One reply: matched by xid, else dropped (`xprt_lookup_rqst`).
    fn handle_message(&mut self, now: SimTime, message: &[u8]) {
        let Ok((Message::Reply(reply), at)) = Message::parse(message) else { return };
        let Some(p) = self.calls.remove(reply.xid) else { return };
        if p.major_seen {
            self.log(now, format!("nfs: server {} OK", self.server));
        }
        let event = match reply.body {
            ReplyBody::Accepted { stat: AcceptStat::Success, .. } => Event::Reply { tag: p.tag, results: message[at..].to_vec() },
            ReplyBody::Denied(RejectStat::AuthError(_)) => Event::Failed { tag: p.tag, error: CallError::Auth },
            _ => Event::Failed { tag: p.tag, error: CallError::Rpc },
        };
        self.events.push_back(event);
    }

    /// Forgets the calls of `tag` (an operation that ended).
    pub(crate) fn cancel(&mut self, tag: u64) {
        self.calls.remove_tag(tag);
    }

    /// The earliest timer: a call's, or the end of the reconnect delay.
    pub(crate) fn poll_timeout(&self) -> Option<SimTime> {
        self.calls.earliest().into_iter().chain(self.reconnect_at).min()
    }

    /// Fires the timers due at `now` (`xprt_timer`, then `rpc_check_timeout`).
    pub(crate) fn handle_timeout(&mut self, now: SimTime) {
        if self.reconnect_at.is_some_and(|t| t <= now) {
            self.reconnect_at = None;
        }
        for xid in self.calls.due(now) {
            let Some(mut p) = self.calls.remove(xid) else { continue };
            if now < p.major {
                p.timeout = p.timeout.saturating_add(self.timeout.increment).min(self.timeout.maxval);
            } else {
                p.timeout = self.timeout.initval;
                p.major = now.saturating_add(self.timeout.major());
                if !self.hard {
                    self.log(now, format!("nfs: server {} not responding, timed out", self.server));
                    self.events.push_back(Event::Failed { tag: p.tag, error: CallError::TimedOut });
                    continue;
                }
                if !p.major_seen {
                    p.major_seen = true;
                    self.log(now, format!("nfs: server {} not responding, still trying", self.server));
                }
            }
            if self.link == Link::Up {
                self.transmit(now, &mut p);
            } else {
                p.deadline = Some(request_timeout(now, &p));
            }
            self.calls.insert(xid, p);
        }
    }

    /// `pr_notice_ratelimited`.
    fn log(&mut self, now: SimTime, line: String) {
        match self.ratelimit {
            Some((start, n)) if now.saturating_since(start) < RATELIMIT_INTERVAL => {
                if n >= RATELIMIT_BURST {
                    return;
                }
                self.ratelimit = Some((start, n + 1));
            }
            _ => self.ratelimit = Some((now, 1)),
        }
        self.events.push_back(Event::Log(line));
    }

    /// The next thing that happened.
    pub(crate) fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }
}
