//! Expectations: what must be true of a run, as plain data (built by `scenario`, evaluated
//! against the trace after the run).

use std::fmt::Write as _;
use std::net::Ipv4Addr;
use std::time::Duration;

use crate::kernel::SimTime;

/// Where an expectation was written, for messages and reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceLocation {
    /// The scenario file, as given to `labsim`.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

pub(crate) use super::window::Window;

/// A bound on a count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bound {
    /// Exactly this many.
    Exactly(u64),
    /// No more than this many.
    AtMost(u64),
    /// At least this many.
    AtLeast(u64),
}

impl Bound {
    /// Whether `n` satisfies the bound.
    pub fn holds(self, n: u64) -> bool {
        match self {
            Bound::Exactly(b) => n == b,
            Bound::AtMost(b) => n <= b,
            Bound::AtLeast(b) => n >= b,
        }
    }
}

/// One thing that must be true of a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Check {
    /// The set of hosts holding `vip` as an address is exactly `hosts` (at the instant, or at some
    /// instant of the interval).
    VipOwner {
        /// The virtual address.
        vip: Ipv4Addr,
        /// Host names; more than one describes a split brain.
        hosts: Vec<String>,
        /// When.
        window: Window,
    },
    /// Echo requests sent by `ping` commands on `host` during the window that never got a reply.
    PingLost {
        /// The pinging host.
        host: String,
        /// Probes sent in this interval are counted (`At` means probes sent at that instant).
        window: Window,
        /// How many may be lost.
        bound: Bound,
    },
    /// Log lines of `host`'s daemons containing `contains`, logged during the window.
    Log {
        /// The host whose logs are searched.
        host: String,
        /// A substring of the log line (without its timestamp prefix).
        contains: String,
        /// When.
        window: Window,
        /// How many matching lines; at least one when absent.
        count: Option<Bound>,
    },
    /// The HTTP transfers (`curl`) started on `host` in the window, in order: one per entry, each
    /// response body (or, for a failed transfer, curl's error) containing the entry's text.
    HttpResponses {
        /// The client host.
        host: String,
        /// Transfers started in this interval count.
        window: Window,
        /// One text per transfer, e.g. `["web-1", "web-2", "web-3"]`.
        sequence: Vec<String>,
    },
    /// Transfers started in the window whose HTTP status is `status` (0: no response at all).
    HttpStatus {
        /// The client host.
        host: String,
        /// Transfers started in this interval count.
        window: Window,
        /// The status code.
        status: u16,
        /// How many.
        bound: Bound,
    },
    /// Transfers started in the window that ended with a client-visible error (curl exit ≠ 0).
    HttpErrors {
        /// The client host.
        host: String,
        /// Transfers started in this interval count.
        window: Window,
        /// How many.
        bound: Bound,
    },
    /// Every transfer started in the window took at most / at least this long (request to end).
    HttpLatency {
        /// The client host.
        host: String,
        /// Transfers started in this interval count.
        window: Window,
        /// Upper bound, if any.
        at_most: Option<Duration>,
        /// Lower bound, if any.
        at_least: Option<Duration>,
    },
    /// A changed page reaching a client: of the transfers of `url` that `host` started from
    /// `since` on, the first whose response contains `contains` started within `within` of
    /// `since`, and none after it lacks the text (the old page never comes back).
    HttpChanged {
        /// The client host.
        host: String,
        /// The URL, as curl was given it.
        url: String,
        /// When the page changed.
        since: SimTime,
        /// Text of the new page.
        contains: String,
        /// How long it may take to show.
        within: Duration,
    },
    /// The capacity report's figures over the window (every client request that ended in it:
    /// `curl`'s transfers and the load generators' requests): each bound given holds.
    Capacity {
        /// Requests that ended in this interval count.
        window: Window,
        /// The 99th percentile of their latency is at most this.
        max_p99: Option<Duration>,
        /// At most this many failed (an error without a response, or a status of 400 or more).
        max_errors: Option<u64>,
        /// At least this many ended.
        min_requests: Option<u64>,
    },
    /// The console output of the command typed on `host` at `at` contains `contains`.
    Output {
        /// The host the command was typed on.
        host: String,
        /// The time the command was typed (as written in the timeline).
        at: SimTime,
        /// A substring of its output.
        contains: String,
    },
}

/// An expectation: a check, plus where and how it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expectation {
    /// What must hold.
    pub check: Check,
    /// The expectation as written in the scenario, normalised to one line (for reports).
    pub text: String,
    /// Where it was written.
    pub location: SourceLocation,
}

/// The outcome of one expectation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Verdict {
    /// Whether it held.
    pub passed: bool,
    /// What the run showed, in words (the observed value on failure).
    pub observed: String,
}

use crate::observe::capacity::Capacity;
use crate::observe::trace::{TraceEvent, TraceKind};

/// Evaluates `check` against the trace of a finished run and its capacity report.
pub(crate) fn evaluate(check: &Check, trace: &[TraceEvent], capacity: &Capacity) -> Verdict {
    match check {
        Check::Capacity { window, max_p99, max_errors, min_requests } => {
            let Some(w) = capacity.watched(*window) else {
                return Verdict { passed: false, observed: "the capacity report did not watch this window".to_owned() };
            };
            let p99 = w.latency.percentile(99.0);
            let errors = w.error_count();
            let passed = max_p99.is_none_or(|max| p99.unwrap_or(0) <= max.as_micros() as u64)
                && max_errors.is_none_or(|max| errors <= max)
                && min_requests.is_none_or(|min| w.requests >= min);
            let p99 = p99.map_or_else(|| "no response".to_owned(), |p| format!("p99 {}", crate::observe::capacity::ms(p)));
            Verdict { passed, observed: format!("{} requests, {errors} errors, {p99}", w.requests) }
        }
        Check::VipOwner { vip, hosts, window } => vip_owner(*vip, hosts, *window, trace),
        Check::PingLost { host, window, bound } => ping_lost(host, *window, *bound, trace),
        Check::Log { host, contains, window, count } => {
            let n = trace
                .iter()
                .filter(|e| window.contains(e.at))
                .filter(|e| matches!(&e.kind, TraceKind::Log { host: h, line, .. } if h == host && line.contains(contains.as_str())))
                .count() as u64;
            let bound = count.unwrap_or(Bound::AtLeast(1));
            Verdict { passed: bound.holds(n), observed: format!("{n} matching line(s)") }
        }
        Check::HttpResponses { host, window, sequence } => {
            let seen = transfers(host, *window, trace);
            let texts: Vec<String> = seen.iter().map(|t| t.text()).collect();
            let passed = texts.len() == sequence.len() && texts.iter().zip(sequence).all(|(t, want)| t.contains(want.as_str()));
            Verdict { passed, observed: format!("{} transfer(s): {texts:?}", texts.len()) }
        }
        Check::HttpStatus { host, window, status, bound } => {
            let seen = transfers(host, *window, trace);
            let matching: Vec<&Transfer<'_>> = seen.iter().filter(|t| t.status.unwrap_or(0) == *status).collect();
            let n = matching.len() as u64;
            let mut observed = format!("{n} of {} transfer(s) with status {status}", seen.len());
            let unfinished = matching.iter().filter(|t| t.unfinished.is_some()).count();
            if unfinished > 0 {
                let _ = write!(observed, " ({unfinished} of them unfinished)");
            }
            Verdict { passed: bound.holds(n), observed }
        }
        Check::HttpChanged { host, url, since, contains, within } => changed(host, url, *since, contains, *within, trace),
        Check::HttpErrors { host, window, bound } => {
            let seen = transfers(host, *window, trace);
            let bad: Vec<&Transfer<'_>> = seen.iter().filter(|t| t.failed() || t.unfinished.is_some()).collect();
            let errors: Vec<String> = bad.iter().map(|t| format!("{} at {}", t.text(), t.started)).collect();
            let n = errors.len() as u64;
            let unfinished = bad.iter().filter(|t| t.unfinished.is_some()).count();
            let what = if unfinished == 0 {
                "failed".to_owned()
            } else {
                format!("failed or unfinished ({} failed, {unfinished} unfinished)", n as usize - unfinished)
            };
            Verdict {
                passed: bound.holds(n),
                observed: format!(
                    "{n} of {} transfer(s) {what}{}",
                    seen.len(),
                    if errors.is_empty() { String::new() } else { format!(": {errors:?}") }
                ),
            }
        }
        Check::HttpLatency { host, window, at_most, at_least } => {
            let seen = transfers(host, *window, trace);
            // An unfinished transfer took longer than the run let it: it cannot meet `at_most`,
            // and meets `at_least` once it has run that long.
            let bad: Vec<String> = seen
                .iter()
                .filter(|t| at_most.is_some_and(|m| t.total > m || t.unfinished.is_some()) || at_least.is_some_and(|m| t.total < m))
                .map(|t| {
                    let unfinished = if t.unfinished.is_some() { "unfinished after " } else { "" };
                    format!("{unfinished}{:.6}s at {}", t.total.as_secs_f64(), t.started)
                })
                .collect();
            let slowest = seen.iter().map(|t| t.total).max().unwrap_or_default();
            let passed = !seen.is_empty() && bad.is_empty();
            let observed = if seen.is_empty() {
                "no transfer in the window".to_owned()
            } else if bad.is_empty() {
                format!("{} transfer(s), slowest {:.6}s", seen.len(), slowest.as_secs_f64())
            } else {
                format!("out of bounds: {bad:?}")
            };
            Verdict { passed, observed }
        }
        Check::Output { host, at, contains } => {
            let ids: Vec<usize> = trace
                .iter()
                .filter_map(|e| match &e.kind {
                    TraceKind::Command { host: h, id, .. } if h == host && e.at == *at => Some(*id),
                    _ => None,
                })
                .collect();
            if ids.is_empty() {
                return Verdict { passed: false, observed: format!("no command was typed on {host} at {at}") };
            }
            let lines: Vec<&str> = trace
                .iter()
                .filter_map(|e| match &e.kind {
                    TraceKind::Output { id, line, .. } if ids.contains(id) => Some(line.as_str()),
                    _ => None,
                })
                .collect();
            let passed = lines.iter().any(|l| l.contains(contains.as_str()));
            let observed = if passed {
                "found".to_owned()
            } else {
                format!("not in {} line(s) of output{}", lines.len(), lines.first().map(|l| format!(", first: {l:?}")).unwrap_or_default())
            };
            Verdict { passed, observed }
        }
    }
}

/// The hosts holding `vip` after every change, as (time, sorted host names), starting at zero.
pub(crate) fn vip_timeline(vip: Ipv4Addr, trace: &[TraceEvent]) -> Vec<(SimTime, Vec<String>)> {
    let mut timeline = VipTimeline::new(vip);
    for e in trace {
        timeline.take(e);
    }
    timeline.changes
}

/// Who holds a VIP, followed one trace event at a time (the report reads it over a whole trace,
/// the TUI as the run goes): an address counts as held from its `AddrAdded` to its
/// `AddrRemoved` on the same NIC, or until its host powers off.
#[derive(Clone, Debug)]
pub(crate) struct VipTimeline {
    /// The address.
    pub vip: Ipv4Addr,
    /// (host, dev) holding it now.
    holders: Vec<(String, String)>,
    /// (time, sorted host names) after each change, starting with nobody at zero; never two
    /// entries at one time nor two in a row with the same holders.
    pub changes: Vec<(SimTime, Vec<String>)>,
}

impl VipTimeline {
    /// Nobody holds `vip` at time zero.
    pub(crate) fn new(vip: Ipv4Addr) -> VipTimeline {
        VipTimeline { vip, holders: Vec::new(), changes: vec![(SimTime::ZERO, Vec::new())] }
    }

    /// Takes the next trace event into account.
    pub(crate) fn take(&mut self, e: &TraceEvent) {
        let holders = &mut self.holders;
        let changed = match &e.kind {
            TraceKind::AddrAdded { host, dev, addr, .. } if *addr == self.vip => {
                holders.push((host.clone(), dev.clone()));
                true
            }
            TraceKind::AddrRemoved { host, dev, addr, .. } if *addr == self.vip => {
                holders.retain(|(h, d)| !(h == host && d == dev));
                true
            }
            TraceKind::Power { host, on: false } => {
                let before = holders.len();
                holders.retain(|(h, _)| h != host);
                before != holders.len()
            }
            _ => false,
        };
        if !changed {
            return;
        }
        let mut names: Vec<String> = holders.iter().map(|(h, _)| h.clone()).collect();
        names.sort();
        names.dedup();
        match self.changes.last_mut() {
            Some(last) if last.0 == e.at => last.1 = names,
            _ => self.changes.push((e.at, names)),
        }
        // A change back to what held before this instant is no change.
        let n = self.changes.len();
        if n >= 2 && self.changes[n - 1].1 == self.changes[n - 2].1 {
            self.changes.pop();
        }
    }

    /// The hosts holding it at `t`.
    pub(crate) fn holders_at(&self, t: SimTime) -> &[String] {
        holders_at(&self.changes, t)
    }
}

fn holders_at(timeline: &[(SimTime, Vec<String>)], t: SimTime) -> &[String] {
    timeline.iter().take_while(|(at, _)| *at <= t).last().map_or(&[], |(_, h)| h.as_slice())
}

fn show_holders(h: &[String]) -> String {
    if h.is_empty() { "nobody".to_owned() } else { h.join(" + ") }
}

fn vip_owner(vip: Ipv4Addr, hosts: &[String], window: Window, trace: &[TraceEvent]) -> Verdict {
    let timeline = vip_timeline(vip, trace);
    let mut want: Vec<String> = hosts.to_vec();
    want.sort();
    match window {
        Window::At(t) => {
            let h = holders_at(&timeline, t);
            Verdict { passed: h == want.as_slice(), observed: format!("held by {} at {t}", show_holders(h)) }
        }
        Window::Between(a, b) => {
            let start = holders_at(&timeline, a);
            if start == want.as_slice() {
                return Verdict { passed: true, observed: format!("held by {} at {a}", show_holders(start)) };
            }
            if let Some((t, _)) = timeline.iter().find(|(t, h)| *t > a && *t <= b && *h == want) {
                return Verdict { passed: true, observed: format!("held by {} from {t}", show_holders(&want)) };
            }
            let seen: Vec<String> = std::iter::once(show_holders(start))
                .chain(timeline.iter().filter(|(t, _)| *t > a && *t <= b).map(|(t, h)| format!("{} at {t}", show_holders(h))))
                .collect();
            Verdict { passed: false, observed: format!("held by {}", seen.join(", then ")) }
        }
    }
}

/// What became of a ping probe by the end of the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fate {
    /// A reply came.
    Replied,
    /// No reply came.
    Lost,
    /// No reply yet, and it is the newest probe of a ping still running when the run ended: ping
    /// had not moved on from it (iputils' `-O` reports a probe only once the next one is due),
    /// so the end of the run, not the network, left it unanswered.
    Awaiting,
}

/// One probe sent by a ping.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Probe {
    /// The console command of the ping.
    pub id: usize,
    /// Its ICMP sequence number.
    pub seq: u16,
    /// When it was sent.
    pub sent: SimTime,
    /// What became of it.
    pub fate: Fate,
}

/// Every probe sent by `host`'s pings in the window, in sending order. A reply belongs to the
/// latest unanswered probe of that command with its sequence number, so numbers reused after
/// `icmp_seq` wraps at 65 536 are told apart.
pub(crate) fn ping_probes<'a>(host: &str, window: Window, trace: impl IntoIterator<Item = &'a TraceEvent>) -> Vec<Probe> {
    let mut probes: Vec<Probe> = Vec::new();
    let mut open: std::collections::BTreeMap<(usize, u16), usize> = std::collections::BTreeMap::new();
    for e in trace {
        match &e.kind {
            TraceKind::PingSent { host: h, id, seq } if h == host => {
                open.insert((*id, *seq), probes.len());
                probes.push(Probe { id: *id, seq: *seq, sent: e.at, fate: Fate::Lost });
            }
            TraceKind::PingReplied { host: h, id, seq, .. } if h == host => {
                if let Some(i) = open.remove(&(*id, *seq)) {
                    probes[i].fate = Fate::Replied;
                }
            }
            TraceKind::Unfinished { host: h, id, program, .. } if h == host && program == "ping" => {
                if let Some(newest) = probes.iter_mut().rev().find(|p| p.id == *id)
                    && newest.fate == Fate::Lost
                {
                    newest.fate = Fate::Awaiting;
                }
            }
            _ => {}
        }
    }
    probes.retain(|p| window.contains(p.sent));
    probes
}

/// Most runs of sequence numbers a report names one by one.
const RUNS_LISTED: usize = 64;

/// `92–97, 391`: sequence numbers (in the order given) as runs of consecutive numbers; a long
/// list ends with how many more numbers there are.
pub(crate) fn seq_ranges(seqs: &[u16]) -> String {
    let mut runs: Vec<(u16, u16)> = Vec::new();
    for &s in seqs {
        match runs.last_mut() {
            Some((_, last)) if last.checked_add(1) == Some(s) => *last = s,
            _ => runs.push((s, s)),
        }
    }
    let mut text: Vec<String> =
        runs.iter().take(RUNS_LISTED).map(|&(a, b)| if a == b { a.to_string() } else { format!("{a}–{b}") }).collect();
    let shown: usize = runs.iter().take(RUNS_LISTED).map(|&(a, b)| usize::from(b - a) + 1).sum();
    if seqs.len() > shown {
        text.push(format!("… and {} more", seqs.len() - shown));
    }
    text.join(", ")
}

/// ` (icmp_seq 3–5)` for the lost probes, empty when none.
pub(crate) fn lost_seqs(lost: &[u16]) -> String {
    if lost.is_empty() { String::new() } else { format!(" (icmp_seq {})", seq_ranges(lost)) }
}

fn ping_lost(host: &str, window: Window, bound: Bound, trace: &[TraceEvent]) -> Verdict {
    let probes = ping_probes(host, window, trace);
    let seqs = |fate: Fate| -> Vec<u16> { probes.iter().filter(|p| p.fate == fate).map(|p| p.seq).collect() };
    let (lost, awaiting) = (seqs(Fate::Lost), seqs(Fate::Awaiting));
    let n = lost.len() as u64;
    let mut observed = format!("{n} lost of {} sent{}", probes.len(), lost_seqs(&lost));
    if !awaiting.is_empty() {
        let _ = write!(
            observed,
            "; {} awaiting its reply when the run ended (icmp_seq {}), not counted as lost",
            awaiting.len(),
            seq_ranges(&awaiting)
        );
    }
    Verdict { passed: bound.holds(n), observed }
}

/// One HTTP transfer, from the trace: finished, or still running when the run ended.
pub(crate) struct Transfer<'a> {
    /// When the command started it.
    pub started: SimTime,
    /// HTTP status, if a response head arrived (so far, for an unfinished transfer).
    pub status: Option<u16>,
    /// curl's exit status (0 for an unfinished transfer, which has none).
    pub exit: i32,
    /// The response body (lossy UTF-8).
    pub body: &'a str,
    /// curl's error line, if it failed.
    pub error: &'a str,
    /// From the request to the end (to the end of the run, for an unfinished transfer).
    pub total: Duration,
    /// Where it stood when the run ended, if it was still running.
    pub unfinished: Option<&'a str>,
    /// The URL curl was given.
    pub url: &'a str,
}

impl Transfer<'_> {
    /// The body, or the error for a failed transfer, trimmed; `unfinished: <where it stood>` for
    /// one still running at the end (which a `Responses` entry `"unfinished"` matches).
    pub(crate) fn text(&self) -> String {
        match self.unfinished {
            Some(state) => format!("unfinished: {state}"),
            None if self.exit == 0 => self.body.trim().to_owned(),
            None => self.error.trim().to_owned(),
        }
    }

    /// Whether curl exited with an error.
    pub(crate) fn failed(&self) -> bool {
        self.unfinished.is_none() && self.exit != 0
    }
}

/// `Changed`: when the new page first reached `host` from `url`, measured from `since`.
fn changed(host: &str, url: &str, since: SimTime, contains: &str, within: Duration, trace: &[TraceEvent]) -> Verdict {
    let seen: Vec<Transfer<'_>> =
        transfers(host, Window::Between(since, SimTime::MAX), trace).into_iter().filter(|t| t.url == url).collect();
    let Some(first) = seen.iter().position(|t| t.text().contains(contains)) else {
        return Verdict { passed: false, observed: format!("none of {} transfer(s) of {url} from {since} on had it", seen.len()) };
    };
    let delay = seen[first].started.saturating_since(since);
    let stale: Vec<String> = seen[first..].iter().filter(|t| !t.text().contains(contains)).map(|t| t.started.to_string()).collect();
    let mut observed = format!(
        "first at {} ({} after {since}, {first} transfer(s) before it without it)",
        seen[first].started,
        SimTime::from_micros(u64::try_from(delay.as_micros()).unwrap_or(u64::MAX))
    );
    if !stale.is_empty() {
        let _ = write!(observed, "; without it again at {}", stale.join(", "));
    }
    Verdict { passed: delay <= within && stale.is_empty(), observed }
}

/// The transfers `host` started in the window, finished or not, in order of their start.
pub(crate) fn transfers<'a>(host: &str, window: Window, trace: impl IntoIterator<Item = &'a TraceEvent>) -> Vec<Transfer<'a>> {
    let mut out: Vec<Transfer<'a>> = trace
        .into_iter()
        .filter_map(|e| match &e.kind {
            TraceKind::HttpTransfer { host: h, started, status, exit, body, error, total_us, url, .. }
                if h == host && window.contains(*started) =>
            {
                let total = Duration::from_micros(*total_us);
                Some(Transfer { started: *started, status: *status, exit: *exit, body, error, total, unfinished: None, url })
            }
            TraceKind::Unfinished { host: h, started, state, url: Some(url), status, .. } if h == host && window.contains(*started) => {
                let total = e.at.saturating_since(*started);
                Some(Transfer { started: *started, status: *status, exit: 0, body: "", error: "", total, unfinished: Some(state), url })
            }
            _ => None,
        })
        .collect();
    out.sort_by_key(|t| t.started);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(at: u64, kind: TraceKind) -> TraceEvent {
        TraceEvent { at: SimTime::from_micros(at), kind }
    }

    /// 70 000 probes, each answered: after the 16-bit sequence number wraps, a reply still
    /// belongs to the latest probe with its number, so nothing counts as lost.
    #[test]
    fn replies_match_the_latest_probe_across_the_sequence_wrap() {
        let host = || "c".to_owned();
        let mut trace = Vec::new();
        for n in 0..70_000u64 {
            let seq = (n + 1) as u16;
            trace.push(event(2 * n, TraceKind::PingSent { host: host(), id: 1, seq }));
            trace.push(event(2 * n + 1, TraceKind::PingReplied { host: host(), id: 1, seq, rtt_us: 1 }));
        }
        let probes = ping_probes("c", Window::Between(SimTime::ZERO, SimTime::MAX), &trace);
        assert_eq!(probes.len(), 70_000);
        assert!(probes.iter().all(|p| p.fate == Fate::Replied), "every probe was answered");
    }

    #[test]
    fn sequence_numbers_are_shown_as_runs_and_a_long_list_is_cut() {
        assert_eq!(lost_seqs(&[]), "");
        assert_eq!(lost_seqs(&[3, 4]), " (icmp_seq 3–4)");
        assert_eq!(seq_ranges(&[92, 93, 94, 95, 96, 97, 391]), "92–97, 391");
        assert_eq!(seq_ranges(&[5, 7, 8, 65535, 0]), "5, 7–8, 65535, 0");
        let many: Vec<u16> = (1..=1000).filter(|n| n % 3 != 0).collect();
        let text = seq_ranges(&many);
        assert!(text.starts_with("1–2, 4–5, ") && text.ends_with("… and 539 more"), "{text}");
        assert_eq!(text.matches(", ").count(), 64, "64 runs and the rest: {text}");
    }

    /// The newest probe of a ping still running at the end is awaited, not lost; one a
    /// finished ping never got an answer for is lost.
    #[test]
    fn the_newest_probe_of_an_unfinished_ping_is_awaited() {
        let host = || "c".to_owned();
        let mut trace = vec![
            event(0, TraceKind::PingSent { host: host(), id: 1, seq: 1 }),
            event(1, TraceKind::PingSent { host: host(), id: 1, seq: 2 }),
            event(2, TraceKind::PingSent { host: host(), id: 2, seq: 1 }),
        ];
        let all = Window::Between(SimTime::ZERO, SimTime::MAX);
        let fates = |t: &[TraceEvent]| ping_probes("c", all, t).iter().map(|p| p.fate).collect::<Vec<_>>();
        assert_eq!(fates(&trace), [Fate::Lost, Fate::Lost, Fate::Lost]);
        let unfinished = TraceKind::Unfinished {
            host: host(),
            id: 1,
            program: "ping".into(),
            started: SimTime::ZERO,
            state: String::new(),
            url: None,
            status: None,
        };
        trace.push(event(3, unfinished));
        assert_eq!(fates(&trace), [Fate::Lost, Fate::Awaiting, Fate::Lost]);
        let verdict = ping_lost("c", all, Bound::Exactly(2), &trace);
        assert!(verdict.passed, "{}", verdict.observed);
        assert_eq!(
            verdict.observed,
            "2 lost of 3 sent (icmp_seq 1, 1); 1 awaiting its reply when the run ended (icmp_seq 2), not counted as lost"
        );
    }

    fn fetch(started_s: f64, url: &str, body: &str) -> TraceEvent {
        let started = SimTime::from_micros((started_s * 1e6) as u64);
        let kind = TraceKind::HttpTransfer {
            host: "lb".to_owned(),
            id: 1,
            url: url.to_owned(),
            started,
            status: Some(200),
            exit: 0,
            body: body.to_owned(),
            error: String::new(),
            total_us: 1000,
        };
        TraceEvent { at: started, kind }
    }

    /// `Changed`: the delay from the change to the first response with the new text, and no old
    /// response after it; other URLs and earlier transfers do not count.
    #[test]
    fn changed_measures_the_delay_and_refuses_a_stale_page_after_it() {
        let url = "http://w1/";
        let check = |within_ms: u64, trace: &[TraceEvent]| {
            let check = Check::HttpChanged {
                host: "lb".to_owned(),
                url: url.to_owned(),
                since: SimTime::from_secs(10),
                contains: "new".to_owned(),
                within: Duration::from_millis(within_ms),
            };
            evaluate(&check, trace, &Capacity::default())
        };
        let trace = [
            fetch(9.0, url, "new"),
            fetch(10.2, url, "old"),
            fetch(10.2, "http://w2/", "new"),
            fetch(10.7, url, "new"),
            fetch(11.0, url, "new"),
        ];
        let v = check(700, &trace);
        assert!(v.passed, "{}", v.observed);
        assert_eq!(v.observed, "first at 10.700000s (0.700000s after 10.000000s, 1 transfer(s) before it without it)");
        assert!(!check(699, &trace).passed, "0.7 s is more than 0.699 s");
        let stale = [fetch(10.1, url, "new"), fetch(10.5, url, "old")];
        let v = check(1000, &stale);
        assert!(!v.passed && v.observed.ends_with("; without it again at 10.500000s"), "{}", v.observed);
        let never = check(1000, &[fetch(10.1, url, "old")]);
        assert!(!never.passed && never.observed.starts_with("none of 1 transfer(s)"), "{}", never.observed);
    }
}
