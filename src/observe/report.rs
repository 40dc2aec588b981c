//! The report of a run: what a person at the consoles would have seen, the VIP ownership
//! timeline, per-ping loss, and each expectation's verdict — as text, JSON or JUnit XML. All
//! three carry the same verdicts; the seed and a command that reproduces the run are in each.

use std::fmt::Write as _;
use std::net::Ipv4Addr;

use serde::Serialize;

use super::expect::{self, Expectation, Verdict, Window};
use super::trace::{Stream, TraceEvent, TraceKind};
use crate::kernel::SimTime;

/// Facts about the run the report is about.
#[derive(Clone, Debug, Serialize)]
pub struct RunSummary {
    /// Scenario name.
    pub scenario: String,
    /// Scenario file as given on the command line.
    pub file: String,
    /// The seed used.
    pub seed: u64,
    /// Simulated time covered.
    pub duration: SimTime,
    /// `completed` or `event budget exhausted`.
    pub outcome: String,
    /// Events processed.
    pub events: u64,
    /// Frames transmitted on all networks.
    pub frames: u64,
    /// Trace digest.
    pub digest: String,
}

/// One expectation and its verdict.
#[derive(Clone, Debug, Serialize)]
pub struct Outcome {
    /// The expectation as written.
    pub expectation: String,
    /// `file:line:col` of the expectation.
    pub location: String,
    /// Whether it held.
    pub passed: bool,
    /// What the run showed.
    pub observed: String,
}

/// A run's report.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The run.
    pub run: RunSummary,
    /// Verdicts, in scenario order.
    pub expectations: Vec<Outcome>,
    /// The command that reproduces the run.
    pub reproduce: String,
    /// VIPs seen in the run with their holders over time.
    pub vips: Vec<VipHistory>,
}

/// Who held a VIP, over time.
#[derive(Clone, Debug, Serialize)]
pub struct VipHistory {
    /// The address.
    pub vip: Ipv4Addr,
    /// (time, holders) after each change.
    pub changes: Vec<(SimTime, Vec<String>)>,
}

impl Report {
    /// Evaluates `expectations` against `trace`.
    pub fn new(run: RunSummary, expectations: &[Expectation], trace: &[TraceEvent], vips: &[Ipv4Addr]) -> Report {
        let outcomes = expectations
            .iter()
            .map(|e| {
                let Verdict { passed, observed } = expect::evaluate(&e.check, trace);
                Outcome {
                    expectation: e.text.clone(),
                    location: format!("{}:{}:{}", e.location.file, e.location.line, e.location.column),
                    passed,
                    observed,
                }
            })
            .collect();
        let reproduce = format!("labsim run {} --seed {}", run.file, run.seed);
        let vips = vips.iter().map(|&vip| VipHistory { vip, changes: expect::vip_timeline(vip, trace) }).collect();
        Report { run, expectations: outcomes, reproduce, vips }
    }

    /// Whether the run completed and every expectation held.
    pub fn passed(&self) -> bool {
        self.run.outcome == "completed" && self.expectations.iter().all(|o| o.passed)
    }

    /// The report as one JSON document.
    pub fn to_json(&self) -> String {
        #[derive(Serialize)]
        struct Doc<'a> {
            passed: bool,
            #[serde(flatten)]
            report: &'a Report,
        }
        serde_json::to_string_pretty(&Doc { passed: self.passed(), report: self }).unwrap_or_default()
    }

    /// JUnit XML: one test suite, one test case per expectation.
    pub fn to_junit(&self) -> String {
        let failures = self.expectations.iter().filter(|o| !o.passed).count();
        let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            x,
            "<testsuites tests=\"{}\" failures=\"{failures}\">\n  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" time=\"{}\">",
            self.expectations.len(),
            xml(&self.run.scenario),
            self.expectations.len(),
            self.run.duration.as_micros() as f64 / 1e6
        );
        let _ = writeln!(
            x,
            "    <properties><property name=\"seed\" value=\"{}\"/><property name=\"digest\" value=\"{}\"/></properties>",
            self.run.seed, self.run.digest
        );
        for o in &self.expectations {
            let _ = write!(x, "    <testcase classname=\"{}\" name=\"{}\"", xml(&self.run.scenario), xml(&o.expectation));
            if o.passed {
                x.push_str("/>\n");
            } else {
                let _ = writeln!(
                    x,
                    ">\n      <failure message=\"observed: {}\">{} at {}; reproduce with: {}</failure>\n    </testcase>",
                    xml(&o.observed),
                    xml(&o.expectation),
                    xml(&o.location),
                    xml(&self.reproduce)
                );
            }
        }
        x.push_str("  </testsuite>\n</testsuites>\n");
        x
    }

    /// The text report: consoles and logs in time order, then the summaries and verdicts.
    pub fn to_text(&self, trace: &[TraceEvent]) -> String {
        let mut t = String::new();
        let r = &self.run;
        let _ = writeln!(t, "labsim: scenario {} ({}), seed={}", r.scenario, r.file, r.seed);
        t.push_str("\n== consoles and daemon logs ==\n");
        let width = trace.iter().filter_map(|e| e.kind.host()).map(str::len).max().unwrap_or(4);
        for e in trace {
            if let Some(line) = console_line(&e.kind) {
                let host = e.kind.host().unwrap_or("");
                let _ = writeln!(t, "{:>12}  {host:<width$}  {line}", e.at.to_string());
            }
        }
        if !self.vips.is_empty() {
            t.push_str("\n== VIP ownership ==\n");
            for v in &self.vips {
                let steps: Vec<String> = v
                    .changes
                    .iter()
                    .map(|(at, h)| format!("{at} {}", if h.is_empty() { "nobody".to_owned() } else { h.join(" + ") }))
                    .collect();
                let _ = writeln!(t, "{}: {}", v.vip, steps.join(" -> "));
            }
        }
        let pings = ping_summaries(trace);
        if !pings.is_empty() {
            t.push_str("\n== ping ==\n");
            for line in pings {
                let _ = writeln!(t, "{line}");
            }
        }
        let http = http_summaries(trace);
        if !http.is_empty() {
            t.push_str("\n== http ==\n");
            for line in http {
                let _ = writeln!(t, "{line}");
            }
        }
        t.push_str("\n== expectations ==\n");
        for o in &self.expectations {
            let mark = if o.passed { "PASS" } else { "FAIL" };
            let _ = writeln!(t, "{mark}  {}  [{}]\n      observed: {}", o.expectation, o.location, o.observed);
        }
        let met = self.expectations.iter().filter(|o| o.passed).count();
        let _ = writeln!(
            t,
            "\n{} simulated, {} events, {} frames, outcome: {}, trace digest {}",
            r.duration, r.events, r.frames, r.outcome, r.digest
        );
        let verdict = if self.passed() { "PASSED" } else { "FAILED" };
        let _ = writeln!(t, "{verdict}: {met}/{} expectations met (seed={})", self.expectations.len(), r.seed);
        let _ = writeln!(t, "reproduce: {}", self.reproduce);
        t
    }
}

fn console_line(kind: &TraceKind) -> Option<String> {
    match kind {
        TraceKind::Command { host, line, .. } => Some(format!("[root@{host} ~]# {line}")),
        TraceKind::Output { line, stream: Stream::Stdout, .. } => Some(line.clone()),
        TraceKind::Output { line, stream: Stream::Stderr, .. } => Some(format!("{line}  (stderr)")),
        TraceKind::Log { process, pid, line, .. } => Some(format!("{process}[{pid}]: {line}")),
        TraceKind::Power { on, .. } => Some(if *on { "(powered on)".to_owned() } else { "(powered off)".to_owned() }),
        TraceKind::Link { dev, up, .. } => Some(format!("(link {dev} {})", if *up { "up" } else { "down" })),
        _ => None,
    }
}

fn ping_summaries(trace: &[TraceEvent]) -> Vec<String> {
    let mut out = Vec::new();
    for e in trace {
        let TraceKind::Command { host, id, line } = &e.kind else { continue };
        if !line.trim_start().starts_with("ping") {
            continue;
        }
        let probes: Vec<_> =
            expect::ping_probes(host, Window::Between(SimTime::ZERO, SimTime::MAX), trace).into_iter().filter(|p| p.0 == *id).collect();
        let lost: Vec<u16> = probes.iter().filter(|p| !p.2).map(|p| p.1).collect();
        out.push(format!(
            "{host} `{line}` (typed at {}): {} sent, {} replied, {} lost{}",
            e.at,
            probes.len(),
            probes.len() - lost.len(),
            lost.len(),
            expect::lost_seqs(&lost)
        ));
    }
    out
}

/// Per client host: transfers, status counts, failures, slowest transfer.
fn http_summaries(trace: &[TraceEvent]) -> Vec<String> {
    let mut hosts: Vec<&str> = Vec::new();
    for e in trace {
        if let TraceKind::HttpTransfer { host, .. } = &e.kind
            && !hosts.contains(&host.as_str())
        {
            hosts.push(host);
        }
    }
    hosts
        .into_iter()
        .map(|host| {
            let all = expect::transfers(host, Window::Between(SimTime::ZERO, SimTime::MAX), trace);
            let mut statuses: Vec<(u16, usize)> = Vec::new();
            for t in all.iter().filter_map(|t| t.status) {
                match statuses.iter_mut().find(|(s, _)| *s == t) {
                    Some((_, n)) => *n += 1,
                    None => statuses.push((t, 1)),
                }
            }
            statuses.sort();
            let codes: Vec<String> = statuses.iter().map(|(s, n)| format!("{n} × {s}")).collect();
            let failed = all.iter().filter(|t| t.exit != 0).count();
            let slowest = all.iter().max_by_key(|t| t.total);
            let slow = slowest.map_or(String::new(), |t| format!(", slowest {:.6}s (started {})", t.total.as_secs_f64(), t.started));
            format!(
                "{host}: {} transfer(s): {}; {failed} failed{slow}",
                all.len(),
                if codes.is_empty() { "no response".to_owned() } else { codes.join(", ") }
            )
        })
        .collect()
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
