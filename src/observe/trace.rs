//! The trace: typed, timestamped events that every layer reports. It is the product's output —
//! the report, the expectations, `--trace` and the determinism digest all read it.
//!
//! The digest is computed as events are recorded. A run that streams its trace to a file
//! ([`Trace::stream`], `labsim run --trace`) writes each event as it is recorded, and a run told
//! what its report will read ([`Trace::keep`]) keeps only those events in memory, so a long run's
//! memory does not grow with every request it simulates.

use std::hash::{Hash, Hasher};
use std::io::{self, Write};
use std::net::Ipv4Addr;

use serde::Serialize;

use super::digest::Digest;
use crate::kernel::SimTime;

/// Which stream a console line belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

/// The prompt a command was typed at: `None` is bash's `[root@HOST ~]# `, the one a lab shows
/// unless the shell has changed directory or the host is not Linux. The default neither
/// serializes nor hashes, so runs that never leave it keep their trace and digest.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Prompt(pub Option<String>);

impl Prompt {
    fn is_default(&self) -> bool {
        self.0.is_none()
    }

    /// The prompt as the console shows it before the command, for `host`.
    pub fn shown(&self, host: &str) -> String {
        match &self.0 {
            Some(prompt) => prompt.clone(),
            None => format!("[root@{host} ~]# "),
        }
    }
}

impl Hash for Prompt {
    fn hash<H: Hasher>(&self, state: &mut H) {
        if let Some(prompt) = &self.0 {
            prompt.hash(state);
        }
    }
}

/// One thing that happened.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TraceKind {
    /// A command was typed on a host's console (`id` numbers the commands of the run).
    Command {
        /// The host.
        host: String,
        /// The command's number in the run.
        id: usize,
        /// The text.
        line: String,
        /// The prompt it was typed at, when not root's in his home.
        #[serde(skip_serializing_if = "Prompt::is_default")]
        prompt: Prompt,
    },
    /// A line a command printed.
    Output {
        /// The host.
        host: String,
        /// The command's number in the run.
        id: usize,
        /// stdout or stderr.
        stream: Stream,
        /// The text.
        line: String,
    },
    /// A command finished with this exit status.
    Exit {
        /// The host.
        host: String,
        /// The command's number in the run.
        id: usize,
        /// Exit status.
        status: i32,
    },
    /// A daemon logged a line (`process` is the syslog ident, e.g. `Keepalived_vrrp`).
    Log {
        /// The host.
        host: String,
        /// Syslog ident, e.g. `Keepalived_vrrp`.
        process: String,
        /// Process id.
        pid: u32,
        /// The text.
        line: String,
    },
    /// An address was added to a NIC.
    AddrAdded {
        /// The host.
        host: String,
        /// Interface name.
        dev: String,
        /// The address.
        addr: Ipv4Addr,
        /// Its prefix length.
        prefix_len: u8,
    },
    /// An address was removed from a NIC.
    AddrRemoved {
        /// The host.
        host: String,
        /// Interface name.
        dev: String,
        /// The address.
        addr: Ipv4Addr,
        /// Its prefix length.
        prefix_len: u8,
    },
    /// A NIC's link went up or down.
    Link {
        /// The host.
        host: String,
        /// Interface name.
        dev: String,
        /// Link state after the change.
        up: bool,
    },
    /// A host was powered on or off.
    Power {
        /// The host.
        host: String,
        /// Power state after the change.
        on: bool,
    },
    /// A ping command sent an echo request.
    PingSent {
        /// The host.
        host: String,
        /// The command's number in the run.
        id: usize,
        /// ICMP sequence number.
        seq: u16,
    },
    /// A ping command got the (first) echo reply for a probe.
    PingReplied {
        /// The host.
        host: String,
        /// The command's number in the run.
        id: usize,
        /// ICMP sequence number.
        seq: u16,
        /// Round-trip time in µs.
        rtt_us: u64,
    },
    /// An HTTP transfer (a `curl` run) ended.
    HttpTransfer {
        /// The client host.
        host: String,
        /// The console command it belongs to.
        id: usize,
        /// The URL.
        url: String,
        /// When it started.
        #[serde(rename = "started_us")]
        started: SimTime,
        /// HTTP status, if a response head arrived.
        status: Option<u16>,
        /// curl's exit status.
        exit: i32,
        /// The response body (lossy UTF-8, at most 4 KiB).
        body: String,
        /// curl's error line when it failed, else empty.
        error: String,
        /// From the start to the end, µs.
        total_us: u64,
    },
    /// A neighbour entry changed state.
    Neigh {
        /// The host.
        host: String,
        /// Interface name.
        dev: String,
        /// Neighbour address.
        ip: Ipv4Addr,
        /// NUD state as `ip neigh` prints it.
        state: String,
        /// Cached MAC, if any.
        mac: Option<String>,
    },
    /// A frame or packet was dropped (malformed, link down, no route, unresolved neighbour…).
    Dropped {
        /// The host.
        host: String,
        /// Why, in words.
        reason: String,
    },
    /// The run ended.
    End {
        /// `completed` or `event budget exhausted`.
        outcome: String,
        /// Events processed.
        events: u64,
    },
    /// A console command was still running when the run ended (declared last, so that the
    /// other kinds keep the discriminants the trace digest hashes): one event per program still
    /// running (a `curl` waiting for its response, a `ping`) or loop asleep, recorded at the end
    /// of the run before the end interrupts it (Ctrl-C) — and for a run that stopped early.
    Unfinished {
        /// The host.
        host: String,
        /// The console command it belongs to (a loop's programs share the loop's number).
        id: usize,
        /// The program (`curl`, `ping`, `nc`, a loop's `sleep`).
        program: String,
        /// When the program started.
        #[serde(rename = "started_us")]
        started: SimTime,
        /// What it was doing, in words (`request sent, no response after 20.000000 s`).
        state: String,
        /// For an HTTP transfer (curl): its URL; the HTTP expectations count it as unfinished.
        #[serde(skip_serializing_if = "Option::is_none")]
        url: Option<String>,
        /// For an HTTP transfer whose response head arrived: its status.
        #[serde(skip_serializing_if = "Option::is_none")]
        status: Option<u16>,
    },
    /// An RPC server (rpcbind, rpc.mountd, nfsd) answered a call, or dropped a message that was
    /// not one (declared after `Unfinished` so the older kinds keep their discriminants).
    Rpc {
        /// The host.
        host: String,
        /// The daemon.
        process: String,
        /// Answered (true) or dropped.
        answered: bool,
        /// The caller, xid, program/version/procedure and status, or the dropped bytes.
        detail: String,
    },
    /// A server answered a request (Apache: when it writes the access log line). A measurement
    /// for the capacity report only: the lab hands it to [`super::capacity::Capacity`] and
    /// keeps it neither in the trace nor in its digest, so that a run's trace and digest are the
    /// same as before servers reported it, and a long run's memory does not grow with it.
    /// Declared last, so that the older kinds keep their discriminants.
    Served {
        /// The server's host.
        host: String,
        /// The server (`httpd`).
        process: String,
        /// The response's status.
        status: u16,
        /// From the request's arrival to the response, µs.
        service_us: u64,
    },
    /// A load generator's request ended (`ab`, `wrk`, the scenario's user population): a
    /// client-side sample for the capacity report only, handled as [`TraceKind::Served`] is
    /// (neither in the trace nor in its digest), so that a million requests cost no memory.
    Sampled {
        /// The client's host.
        host: String,
        /// The generator (`ab`, `wrk`, `users`).
        process: String,
        /// The response's status, if its head arrived.
        #[serde(skip_serializing_if = "Option::is_none")]
        status: Option<u16>,
        /// From the request's start (its connection's, for a new one) to its end, µs.
        latency_us: u64,
        /// How it failed without a response (`wrk: Connection reset by peer`), if it did.
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
}

impl TraceKind {
    /// The host the event is about, if any.
    pub fn host(&self) -> Option<&str> {
        match self {
            TraceKind::Command { host, .. }
            | TraceKind::Output { host, .. }
            | TraceKind::Exit { host, .. }
            | TraceKind::Log { host, .. }
            | TraceKind::AddrAdded { host, .. }
            | TraceKind::AddrRemoved { host, .. }
            | TraceKind::Link { host, .. }
            | TraceKind::Power { host, .. }
            | TraceKind::PingSent { host, .. }
            | TraceKind::PingReplied { host, .. }
            | TraceKind::Neigh { host, .. }
            | TraceKind::HttpTransfer { host, .. }
            | TraceKind::Unfinished { host, .. }
            | TraceKind::Rpc { host, .. }
            | TraceKind::Served { host, .. }
            | TraceKind::Sampled { host, .. }
            | TraceKind::Dropped { host, .. } => Some(host),
            TraceKind::End { .. } => None,
        }
    }
}

/// A trace event: when, and what.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TraceEvent {
    /// Simulated time, µs since the scenario start.
    #[serde(rename = "at_us")]
    pub at: SimTime,
    /// What happened.
    #[serde(flatten)]
    pub kind: TraceKind,
}

impl Serialize for SimTime {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.as_micros())
    }
}

/// Whether an event is read after the run, so kept.
type Wants = Box<dyn Fn(&TraceEvent) -> bool + Send + Sync>;

/// The run's trace plus a running digest over it and over every frame on every network.
#[derive(Default)]
pub struct Trace {
    /// The events kept in memory: all of them, unless [`Trace::keep`] said otherwise.
    events: Vec<TraceEvent>,
    digest: Digest,
    frames: u64,
    /// Events recorded, kept or not.
    recorded: usize,
    /// The longest host name of an event recorded (the report's consoles' column).
    host_width: usize,
    /// Which events to keep, when not all (`observe::keep`).
    keep: Option<Wants>,
    /// Where every event is written as it is recorded, with the first error writing it.
    stream: Option<(Box<dyn Write + Send + Sync>, io::Result<()>)>,
}

impl std::fmt::Debug for Trace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trace").field("events", &self.events.len()).field("recorded", &self.recorded).field("frames", &self.frames).finish()
    }
}

impl Trace {
    /// An empty trace.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records an event.
    pub fn push(&mut self, at: SimTime, kind: TraceKind) {
        self.record(TraceEvent { at, kind });
    }

    /// Records an event: digests it, writes it to the stream and keeps it if wanted.
    pub(crate) fn record(&mut self, event: TraceEvent) {
        event.at.as_micros().hash(&mut self.digest);
        event.kind.hash(&mut self.digest);
        self.recorded += 1;
        self.host_width = self.host_width.max(event.kind.host().map_or(0, str::len));
        if let Some((out, status)) = &mut self.stream
            && status.is_ok()
        {
            *status = write_json_line(out, &event);
        }
        if self.keep.as_ref().is_none_or(|wants| wants(&event)) {
            self.events.push(event);
        }
    }

    /// From now on, writes every event to `out` as a line of JSON as it is recorded, after the
    /// events recorded so far (the `--trace` file, written as the run goes).
    pub(crate) fn stream(&mut self, mut out: Box<dyn Write + Send + Sync>) {
        let status = self.events.iter().try_for_each(|e| write_json_line(&mut out, e));
        self.stream = Some((out, status));
    }

    /// Flushes the stream: whether every event reached it (`None` when there is none).
    pub(crate) fn end_stream(&mut self) -> Option<io::Result<()>> {
        let (mut out, status) = self.stream.take()?;
        Some(status.and_then(|()| out.flush()))
    }

    /// From now on, keeps in memory only the events `wants` says are read (of those so far too).
    pub(crate) fn keep(&mut self, wants: impl Fn(&TraceEvent) -> bool + Send + Sync + 'static) {
        self.events.retain(&wants);
        self.keep = Some(Box::new(wants));
    }

    /// Events recorded so far, kept or not.
    pub(crate) fn recorded(&self) -> usize {
        self.recorded
    }

    /// The longest host name of the events recorded.
    pub(crate) fn host_width(&self) -> usize {
        self.host_width
    }

    /// Folds a frame seen on a network into the digest (frames are kept in pcaps, not here).
    pub fn record_frame(&mut self, at: SimTime, network: usize, frame: &[u8]) {
        self.digest.write(&at.as_micros().to_le_bytes());
        self.digest.write(&(network as u64).to_le_bytes());
        self.digest.write(frame);
        self.frames += 1;
    }

    /// The events kept (all of them, unless the run was told what its report reads), in the
    /// order they happened.
    pub fn events(&self) -> &[TraceEvent] {
        &self.events
    }

    /// Frames transmitted on all networks.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// A 64-bit digest of every event and frame: equal digests mean identical runs.
    pub fn digest(&self) -> String {
        format!("{:016x}", self.digest.value())
    }
}

impl TraceEvent {
    /// One line of JSON (the `--trace` file format).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Writes `e` to `out` as `--trace` holds it: one line of JSON.
fn write_json_line(out: &mut dyn Write, e: &TraceEvent) -> io::Result<()> {
    serde_json::to_writer(&mut *out, e)?;
    out.write_all(b"\n")
}
