//! The capacity report: how much load a run carried and how it fared, aggregated as the events
//! arrive (nothing kept per request): per interval of simulated time (1 s unless set), the
//! client requests that ended, their latency percentiles, the errors by kind, and the requests
//! each backend served; over the run, each backend's totals and the latency percentiles. It is
//! computed from three signals: the clients' `HttpTransfer` events (a `curl` run: its start, its
//! duration, its status or error), the load generators' `Sampled` events (one per request of
//! `ab`, `wrk` or the scenario's user population: its status, latency or error) and the servers'
//! `Served` events (Apache's access-log moment, which names the backend). `Unfinished` transfers count as requests with the error
//! `unfinished`.
//!
//! Latency is the client's, from the start of a transfer to its end, for every transfer that
//! got a response head (whatever its status); a transfer that failed without one (curl's exit 7,
//! 28, 52, 56 …) has no latency and counts as an error only. Percentiles come from
//! [`histogram::Histogram`] (exact below 64 µs, for the maximum and for a bucket of one
//! distinct value, otherwise at most 3.125 % above the true value). Memory grows with the intervals and the backends, never with the
//! requests.
//!
//! A third signal is the hosts' load, for those whose cost model is on: the lab samples each
//! such host at every interval boundary and at the end of the run ([`Capacity::record_load`]:
//! busy core-µs and each daemon's worker pool integrated over time, counted since the host was
//! built), and each interval gets the difference: CPU utilisation (busy core-µs over cores ×
//! the interval's µs) and worker utilisation (workers in use × µs over the pool's limit × µs).
//!
//! Rendered by [`plot`] as a CSV (one row per interval) and SVG plots, and here as the text
//! report's `capacity` lines.

pub(crate) mod histogram;
pub(crate) mod plot;

use std::collections::BTreeMap;
use std::ops::Range;
use std::time::Duration;

use histogram::Histogram;

use super::trace::{TraceEvent, TraceKind};
use super::window::Window;
use crate::kernel::SimTime;

/// The default interval: 1 s of simulated time.
pub(crate) const DEFAULT_INTERVAL: Duration = Duration::from_secs(1);

/// The percentiles reported, with their column names.
pub(crate) const PERCENTILES: [(f64, &str); 3] = [(50.0, "p50"), (95.0, "p95"), (99.0, "p99")];

/// What happened in one interval.
#[derive(Clone, Debug, Default)]
pub(crate) struct Interval {
    /// Client requests that ended (or were unfinished at the end of the run).
    pub requests: u64,
    /// Their errors, by kind.
    pub errors: BTreeMap<String, u64>,
    /// The latency (µs) of those that got a response head.
    pub latency: Histogram,
    /// Requests served, by backend index (see [`Capacity::backends`]).
    pub served: Vec<u64>,
    /// How busy each loaded host was, by index (see [`Capacity::loaded`]).
    pub usage: Vec<Usage>,
}

/// How busy one host was over an interval (or the run).
#[derive(Clone, Debug, Default)]
pub(crate) struct Usage {
    /// Core-µs its CPUs were busy.
    pub busy_us: u64,
    /// Core-µs they could have been: CPUs × µs.
    pub cpu_us: u64,
    /// Per daemon pool (by index in [`Loaded::pools`]): workers in use × µs, limit × µs.
    pub pools: Vec<(u64, u64)>,
}

impl Usage {
    /// CPU utilisation in %, if the interval had any time.
    pub(crate) fn cpu(&self) -> Option<f64> {
        percent(self.busy_us, self.cpu_us)
    }

    /// Pool `p`'s utilisation in %, if it had any capacity.
    pub(crate) fn workers(&self, p: usize) -> Option<f64> {
        self.pools.get(p).and_then(|&(used, cap)| percent(used, cap))
    }

    fn add(&mut self, other: &Usage) {
        self.busy_us += other.busy_us;
        self.cpu_us += other.cpu_us;
        if self.pools.len() < other.pools.len() {
            self.pools.resize(other.pools.len(), (0, 0));
        }
        for (mine, theirs) in self.pools.iter_mut().zip(&other.pools) {
            mine.0 += theirs.0;
            mine.1 += theirs.1;
        }
    }
}

fn percent(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 * 100.0 / whole as f64)
}

/// How busy a host has been since it was built, as the lab samples it (cost model on).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HostLoad {
    /// Its CPUs.
    pub cpus: u32,
    /// Core-µs they were busy.
    pub busy_us: u64,
    /// Per daemon pool: its name, workers in use × µs, limit × µs.
    pub pools: Vec<(String, u64, u64)>,
}

/// A host whose load is reported.
#[derive(Clone, Debug, Default)]
pub(crate) struct Loaded {
    /// Its host name.
    pub host: String,
    /// Its daemons' pools, in the order first seen.
    pub pools: Vec<String>,
    /// The last sample: when, and what it said.
    last_at: SimTime,
    last: HostLoad,
}

impl Interval {
    fn add(&mut self, error: Option<String>, latency_us: Option<u64>) {
        self.requests += 1;
        if let Some(kind) = error {
            *self.errors.entry(kind).or_default() += 1;
        }
        if let Some(us) = latency_us {
            self.latency.record(us);
        }
    }

    /// All errors of the interval.
    pub(crate) fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }

    /// Adds `other`'s client requests (their count, errors and latencies) to these.
    pub(crate) fn add_requests(&mut self, other: &Interval) {
        self.requests += other.requests;
        for (kind, n) in &other.errors {
            *self.errors.entry(kind.clone()).or_default() += n;
        }
        self.latency.merge(&other.latency);
    }
}

/// One backend's totals.
#[derive(Clone, Debug, Default)]
pub(crate) struct Backend {
    /// Its host name.
    pub host: String,
    /// Requests it answered.
    pub served: u64,
    /// How long it took to answer, from the request's arrival (µs).
    pub service: Histogram,
}

/// The running aggregation.
#[derive(Clone, Debug)]
pub struct Capacity {
    interval_us: u64,
    /// Intervals that saw anything, by number (start = number × interval).
    intervals: BTreeMap<u64, Interval>,
    /// Backends, in the order they first served.
    backends: Vec<Backend>,
    /// Hosts whose load is sampled, in the order first sampled.
    loaded: Vec<Loaded>,
    /// When the run ended (set by [`Capacity::end`]).
    end: SimTime,
    /// The windows `Capacity` expectations name, each with its running total.
    watched: Vec<(Window, Interval)>,
    /// Requests the load generators reported (`Sampled` events).
    generated: u64,
}

impl Default for Capacity {
    fn default() -> Self {
        Capacity::new(DEFAULT_INTERVAL)
    }
}

/// The kind of error a transfer ended with, if it failed: curl's exit status when it had one,
/// else an HTTP status of 400 or more.
fn error_kind(status: Option<u16>, exit: i32) -> Option<String> {
    match status {
        _ if exit != 0 => Some(format!("curl exit {exit}")),
        Some(s) if s >= 400 => Some(format!("HTTP {s}")),
        _ => None,
    }
}

impl Capacity {
    /// An empty aggregation with intervals of `interval` (at least 1 µs).
    pub fn new(interval: Duration) -> Capacity {
        let interval_us = (interval.as_micros() as u64).max(1);
        Capacity {
            interval_us,
            intervals: BTreeMap::new(),
            backends: Vec::new(),
            loaded: Vec::new(),
            end: SimTime::ZERO,
            watched: Vec::new(),
            generated: 0,
        }
    }

    /// The interval's length.
    pub fn interval(&self) -> Duration {
        Duration::from_micros(self.interval_us)
    }

    fn at(&mut self, at: SimTime) -> &mut Interval {
        self.intervals.entry(at.as_micros() / self.interval_us).or_default()
    }

    /// Keeps a running total of the client requests that end within `window` (for a
    /// `Capacity` expectation), whatever the interval.
    pub(crate) fn watch(&mut self, window: Window) {
        if !self.watched.iter().any(|(w, _)| *w == window) {
            self.watched.push((window, Interval::default()));
        }
    }

    /// The running total of a watched window.
    pub(crate) fn watched(&self, window: Window) -> Option<&Interval> {
        self.watched.iter().find(|(w, _)| *w == window).map(|(_, i)| i)
    }

    /// One client request that ended at `at`: its error kind, if it failed, and its latency, if
    /// a response head came.
    fn request(&mut self, at: SimTime, error: Option<String>, latency_us: Option<u64>) {
        for (_, i) in self.watched.iter_mut().filter(|(w, _)| w.contains(at)) {
            i.add(error.clone(), latency_us);
        }
        self.at(at).add(error, latency_us);
    }

    /// Takes one event into account.
    pub fn record(&mut self, event: &TraceEvent) {
        match &event.kind {
            TraceKind::HttpTransfer { status, exit, total_us, .. } => {
                self.request(event.at, error_kind(*status, *exit), status.map(|_| *total_us));
            }
            TraceKind::Sampled { status, latency_us, error, .. } => {
                let kind = match (error, status) {
                    (Some(e), _) => Some(e.clone()),
                    (None, Some(s)) if *s >= 400 => Some(format!("HTTP {s}")),
                    _ => None,
                };
                self.generated += 1;
                self.request(event.at, kind, status.map(|_| *latency_us));
            }
            TraceKind::Unfinished { url: Some(_), .. } => self.request(event.at, Some("unfinished".to_owned()), None),
            TraceKind::Served { host, service_us, .. } => {
                let b = match self.backends.iter().position(|b| b.host == *host) {
                    Some(b) => b,
                    None => {
                        self.backends.push(Backend { host: host.clone(), ..Backend::default() });
                        self.backends.len() - 1
                    }
                };
                self.backends[b].served += 1;
                self.backends[b].service.record(*service_us);
                let i = self.at(event.at);
                if i.served.len() <= b {
                    i.served.resize(b + 1, 0);
                }
                i.served[b] += 1;
            }
            _ => {}
        }
    }

    /// Takes a sample of `host`'s load at `at`, an interval's end or the run's: the interval
    /// ending at `at` gets what changed since the host's previous sample.
    pub fn record_load(&mut self, at: SimTime, host: &str, load: HostLoad) {
        let h = match self.loaded.iter().position(|l| l.host == host) {
            Some(h) => h,
            None => {
                self.loaded.push(Loaded { host: host.to_owned(), ..Loaded::default() });
                self.loaded.len() - 1
            }
        };
        let l = &mut self.loaded[h];
        let elapsed = at.saturating_since(l.last_at).as_micros() as u64;
        if elapsed == 0 {
            return;
        }
        let mut usage = Usage {
            busy_us: load.busy_us.saturating_sub(l.last.busy_us),
            cpu_us: u64::from(load.cpus) * elapsed,
            pools: vec![(0, 0); l.pools.len()],
        };
        for (name, used, cap) in &load.pools {
            let (was_used, was_cap) = l.last.pools.iter().find(|(n, ..)| n == name).map_or((0, 0), |(_, u, c)| (*u, *c));
            let p = match l.pools.iter().position(|n| n == name) {
                Some(p) => p,
                None => {
                    l.pools.push(name.clone());
                    usage.pools.push((0, 0));
                    l.pools.len() - 1
                }
            };
            usage.pools[p] = (used.saturating_sub(was_used), cap.saturating_sub(was_cap));
        }
        l.last_at = at;
        l.last = load;
        let i = self.at(SimTime::from_micros(at.as_micros() - 1));
        if i.usage.len() <= h {
            i.usage.resize(h + 1, Usage::default());
        }
        i.usage[h].add(&usage);
    }

    /// The run ended at `at`: the last interval is the one holding it.
    pub fn end(&mut self, at: SimTime) {
        self.end = at;
    }

    /// Every interval from the start of the run to its end, empty ones included, with its
    /// start (µs).
    pub(crate) fn intervals(&self) -> impl Iterator<Item = (u64, Interval)> + '_ {
        // The interval the run's last instant falls in (an end on a boundary opens none).
        let last_instant = self.end.as_micros().saturating_sub(1);
        let last = (last_instant / self.interval_us).max(self.intervals.keys().next_back().copied().unwrap_or(0));
        (0..=last).map(|n| (n * self.interval_us, self.intervals.get(&n).cloned().unwrap_or_default()))
    }

    /// The intervals numbered in `numbers` (interval n starts at n × the interval) that saw
    /// anything, with their numbers, in order.
    pub(crate) fn numbered(&self, numbers: Range<u64>) -> impl Iterator<Item = (u64, &Interval)> + '_ {
        self.intervals.range(numbers).map(|(n, i)| (*n, i))
    }

    /// Requests the load generators (`ab`, `wrk`, the user population) reported so far.
    pub(crate) fn generated(&self) -> u64 {
        self.generated
    }

    /// The backends, in the order they first served.
    pub(crate) fn backends(&self) -> &[Backend] {
        &self.backends
    }

    /// The hosts whose load is sampled, in the order first sampled.
    pub(crate) fn loaded(&self) -> &[Loaded] {
        &self.loaded
    }

    /// The whole run as one interval.
    pub(crate) fn total(&self) -> Interval {
        let mut t = Interval { usage: vec![Usage::default(); self.loaded.len()], ..Interval::default() };
        for i in self.intervals.values() {
            for (total, u) in t.usage.iter_mut().zip(&i.usage) {
                total.add(u);
            }
            t.add_requests(i);
        }
        t.served = self.backends.iter().map(|b| b.served).collect();
        t
    }

    /// The text report's `capacity` lines.
    pub fn lines(&self) -> Vec<String> {
        let t = self.total();
        let secs = self.interval_us as f64 / 1e6;
        let mut lines = vec![format!("requests: {}, errors: {} (intervals of {secs} s)", t.requests, t.error_count())];
        if let Some(max) = t.latency.max() {
            let p: Vec<String> =
                PERCENTILES.iter().map(|(q, name)| format!("{name} {}", ms(t.latency.percentile(*q).unwrap_or(0)))).collect();
            lines.push(format!("latency: {}, max {} ({} responses)", p.join(", "), ms(max), t.latency.count()));
        }
        for (b, backend) in self.backends.iter().enumerate() {
            let peak = self.intervals.values().map(|i| i.served.get(b).copied().unwrap_or(0)).max().unwrap_or(0);
            let service = |q| ms(backend.service.percentile(q).unwrap_or(0));
            lines.push(format!(
                "{}: served {}, peak {} per interval, service p50 {}, p99 {}, max {}",
                backend.host,
                backend.served,
                peak,
                service(50.0),
                service(99.0),
                ms(backend.service.max().unwrap_or(0))
            ));
        }
        for (h, loaded) in self.loaded.iter().enumerate() {
            let peak = |f: &dyn Fn(&Usage) -> Option<f64>| {
                self.intervals.values().filter_map(|i| i.usage.get(h).and_then(f)).fold(0.0f64, f64::max)
            };
            let total = &t.usage[h];
            let mut parts = vec![format!(
                "{}: CPU {} mean, peak {} per interval",
                loaded.host,
                pct(total.cpu()),
                pct(Some(peak(&|u: &Usage| u.cpu())))
            )];
            for (p, pool) in loaded.pools.iter().enumerate() {
                parts.push(format!("{pool} workers {} mean, peak {}", pct(total.workers(p)), pct(Some(peak(&|u: &Usage| u.workers(p))))));
            }
            lines.push(parts.join("; "));
        }
        if !t.errors.is_empty() {
            let kinds: Vec<String> = t.errors.iter().map(|(k, n)| format!("{k} × {n}")).collect();
            lines.push(format!("errors by kind: {}", kinds.join(", ")));
        }
        lines
    }
}

/// A utilisation in % with one decimal (`-` for none).
fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_owned(), |v| format!("{v:.1} %"))
}

/// µs as milliseconds with three decimals (exact).
pub(crate) fn ms(us: u64) -> String {
    format!("{}.{:03} ms", us / 1000, us % 1000)
}
