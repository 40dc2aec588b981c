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
//! Rendered by [`plot`] as a CSV (one row per interval) and SVG plots, and here as the text
//! report's `capacity` lines. Host CPU and worker utilisation are not measured yet: a cost
//! model that reports busy time per host would add one more `Served`-like measurement and one
//! column group per host in [`Interval`] (see [`Capacity::record`]).

pub(crate) mod histogram;
pub(crate) mod plot;

use std::collections::BTreeMap;
use std::time::Duration;

use histogram::Histogram;

use super::expect::Window;
use super::trace::{TraceEvent, TraceKind};
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
    /// When the run ended (set by [`Capacity::end`]).
    end: SimTime,
    /// The windows `Capacity` expectations name, each with its running total.
    watched: Vec<(Window, Interval)>,
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
        Capacity { interval_us, intervals: BTreeMap::new(), backends: Vec::new(), end: SimTime::ZERO, watched: Vec::new() }
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

    /// Takes one event into account. (A host cost model would add its measurement here: busy
    /// µs per host and per worker pool, summed per interval.)
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

    /// The backends, in the order they first served.
    pub(crate) fn backends(&self) -> &[Backend] {
        &self.backends
    }

    /// The whole run as one interval.
    pub(crate) fn total(&self) -> Interval {
        let mut t = Interval::default();
        for i in self.intervals.values() {
            t.requests += i.requests;
            for (kind, n) in &i.errors {
                *t.errors.entry(kind.clone()).or_default() += n;
            }
            t.latency.merge(&i.latency);
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
        if !t.errors.is_empty() {
            let kinds: Vec<String> = t.errors.iter().map(|(k, n)| format!("{k} × {n}")).collect();
            lines.push(format!("errors by kind: {}", kinds.join(", ")));
        }
        lines
    }
}

/// µs as milliseconds with three decimals (exact).
pub(crate) fn ms(us: u64) -> String {
    format!("{}.{:03} ms", us / 1000, us % 1000)
}
