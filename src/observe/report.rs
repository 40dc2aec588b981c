//! The report of a run: each expectation's verdict, the run's outcome, the VIP ownership
//! timeline, the seed and a command that reproduces the run; rendered as text (`text`:
//! [`Report::to_text`]), JSON (`json`: [`Report::to_json`]) or JUnit XML (here). All three
//! carry the same verdicts.

use std::fmt::Write as _;
use std::net::Ipv4Addr;

use serde::Serialize;

use super::escape::xml;
use super::expect::{self, Expectation, Verdict};
use super::trace::TraceEvent;
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
    #[serde(rename = "duration_us")]
    pub duration: SimTime,
    /// Whether the run reached the scenario's duration (its event budget lasted, nothing
    /// stopped it): a run that did not fails, whatever its expectations say.
    pub completed: bool,
    /// `completed`, `event budget exhausted`, or `stopped … at … s simulated` (the run was
    /// stopped from outside, e.g. by `labsim run --max-wall`).
    pub outcome: String,
    /// Events processed.
    pub events: u64,
    /// Frames transmitted on all networks.
    pub frames: u64,
    /// Trace digest.
    pub digest: String,
    /// The longest host name in the trace: the width of the consoles' host column.
    #[serde(skip)]
    pub host_width: usize,
    /// Where the events went, when the run did not complete (absent from a completed run's
    /// report, so that it stays what it was).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_breakdown: Option<EventBreakdown>,
}

/// Where a run's events went, by kind and by host: what a run that used up its event budget (or
/// was stopped) spent them on, to show which host livelocked. The kinds add up to the events.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct EventBreakdown {
    /// Frames delivered to a NIC.
    pub frame_deliveries: u64,
    /// Host wake-ups (a poll for a timer, or for the frames of an instant).
    pub wakeups: u64,
    /// Timeline entries (the scenario's commands and power-ons, commands typed into the run).
    pub timeline: u64,
    /// Per host, most events first (hosts with as many in the scenario's order).
    pub hosts: Vec<HostEvents>,
}

/// The events one host took.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct HostEvents {
    /// The host.
    pub host: String,
    /// All its events: `wakeups + frames + timeline`.
    pub events: u64,
    /// Its wake-ups.
    pub wakeups: u64,
    /// Frames delivered to its NICs.
    pub frames: u64,
    /// Timeline entries run on it.
    pub timeline: u64,
}

impl EventBreakdown {
    /// The breakdown as text lines: the kinds, then a table of the hosts that took any event.
    pub fn to_lines(&self) -> Vec<String> {
        let total = self.frame_deliveries + self.wakeups + self.timeline;
        let count = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let mut lines = vec![format!(
            "{}: {}, {}, {}",
            count(total, "event", "events"),
            count(self.frame_deliveries, "frame delivery", "frame deliveries"),
            count(self.wakeups, "host wake-up", "host wake-ups"),
            count(self.timeline, "timeline entry", "timeline entries")
        )];
        let hosts: Vec<&HostEvents> = self.hosts.iter().filter(|h| h.events > 0).collect();
        let width = hosts.iter().map(|h| h.host.len()).max().unwrap_or(0).max("host".len());
        let num = |n: u64| n.to_string().len();
        let w = hosts.iter().map(|h| num(h.events)).max().unwrap_or(0).max("events".len());
        lines.push(format!(
            "  {:<width$}  {:>w$}  {:>9}  {:>15}  {:>16}",
            "host", "events", "wake-ups", "frames received", "timeline entries"
        ));
        for h in hosts {
            let share = if total == 0 { 0.0 } else { 100.0 * h.events as f64 / total as f64 };
            lines.push(format!(
                "  {:<width$}  {:>w$}  {:>9}  {:>15}  {:>16}  ({share:.1}%)",
                h.host, h.events, h.wakeups, h.frames, h.timeline
            ));
        }
        lines
    }
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

/// The name of the JUnit test case that fails when a run does not complete.
pub(crate) const RUN_CASE: &str = "the run completes";

/// A run's report.
#[derive(Clone, Debug)]
pub struct Report {
    /// The run.
    pub run: RunSummary,
    /// Verdicts, in scenario order.
    pub expectations: Vec<Outcome>,
    /// The command that reproduces the run.
    pub reproduce: String,
    /// VIPs seen in the run with their holders over time.
    pub vips: Vec<VipHistory>,
    /// The capacity report's lines, when asked for (`labsim run --plots`); empty otherwise, and
    /// then not shown.
    pub capacity: Vec<String>,
}

/// Who held a VIP, over time.
#[derive(Clone, Debug)]
pub struct VipHistory {
    /// The address.
    pub vip: Ipv4Addr,
    /// (time, holders) after each change.
    pub changes: Vec<(SimTime, Vec<String>)>,
}

impl Report {
    /// Evaluates `expectations` against `trace` and the capacity report.
    pub fn new(
        run: RunSummary,
        expectations: &[Expectation],
        trace: &[TraceEvent],
        capacity: &super::capacity::Capacity,
        vips: &[Ipv4Addr],
    ) -> Report {
        let outcomes = expectations
            .iter()
            .map(|e| {
                let Verdict { passed, observed } = expect::evaluate(&e.check, trace, capacity);
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
        Report { run, expectations: outcomes, reproduce, vips, capacity: Vec::new() }
    }

    /// Whether the run completed and every expectation held.
    pub fn passed(&self) -> bool {
        self.run.completed && self.expectations.iter().all(|o| o.passed)
    }

    /// JUnit XML: one test suite, one test case per expectation, and one more, failed, named
    /// `RUN_CASE`, when the run did not complete (its event budget exhausted, or stopped).
    pub fn to_junit(&self) -> String {
        let incomplete = !self.run.completed;
        let failures = self.expectations.iter().filter(|o| !o.passed).count() + usize::from(incomplete);
        let tests = self.expectations.len() + usize::from(incomplete);
        let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            x,
            "<testsuites tests=\"{tests}\" failures=\"{failures}\">\n  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" time=\"{}\">",
            xml(&self.run.scenario),
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
        if incomplete {
            let mut body = format!("the run ended at {} after {} events: {}", self.run.duration, self.run.events, self.run.outcome);
            if let Some(b) = &self.run.event_breakdown {
                body.push_str("\nwhere the events went:");
                for line in b.to_lines() {
                    body.push('\n');
                    body.push_str(&line);
                }
            }
            let _ = writeln!(
                x,
                "    <testcase classname=\"{}\" name=\"{RUN_CASE}\">\n      <failure message=\"{}\">{}\nreproduce with: {}</failure>\n    </testcase>",
                xml(&self.run.scenario),
                xml(&self.run.outcome),
                xml(&body),
                xml(&self.reproduce)
            );
        }
        x.push_str("  </testsuite>\n</testsuites>\n");
        x
    }
}
