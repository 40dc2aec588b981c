//! Which trace events a run keeps in memory for what reads them once it is over: the
//! expectations' verdicts, the VIP timelines and the report as its options render it. Everything
//! else has been digested, tallied, fed to the capacity report and (with `--trace`) written to
//! disk as it happened, so a long load run keeps only what its report shows: with `--quiet`, a
//! million requests leave behind only the events its expectations read.
//!
//! The rule is a superset of what each reader looks at, by kind and host: a reader's result
//! depends only on the events it looks at, so it comes out the same from the kept events as from
//! the whole trace (the golden digests of every report check it).

use super::expect::{Check, Expectation};
use super::options::ReportOptions;
use super::trace::{TraceEvent, TraceKind};

/// What the run's report and expectations will read.
#[derive(Clone, Debug)]
pub(crate) struct Keep {
    /// How the report is rendered.
    options: ReportOptions,
    /// The checks of the scenario's expectations.
    checks: Vec<Check>,
}

impl Keep {
    /// Keeps what `expectations` and a report rendered with `options` read.
    pub(crate) fn new(options: &ReportOptions, expectations: &[Expectation]) -> Keep {
        Keep { options: options.clone(), checks: expectations.iter().map(|e| e.check.clone()).collect() }
    }

    /// Whether `e` is read after the run.
    pub(crate) fn wants(&self, e: &TraceEvent) -> bool {
        match &e.kind {
            // Few, and read by the VIP timelines and the consoles' column.
            TraceKind::Command { .. }
            | TraceKind::AddrAdded { .. }
            | TraceKind::AddrRemoved { .. }
            | TraceKind::Link { .. }
            | TraceKind::Power { .. }
            | TraceKind::Unfinished { .. }
            | TraceKind::End { .. } => true,
            TraceKind::Output { host, .. } => {
                self.console(host, e) || self.checks.iter().any(|c| matches!(c, Check::Output { host: h, .. } if h == host))
            }
            // A `Log` expectation counts only the lines that contain its text (a busy nginx
            // logs a line per request on the host whose keepalived lines are checked).
            TraceKind::Log { host, line, .. } => {
                self.console(host, e)
                    || self
                        .checks
                        .iter()
                        .any(|c| matches!(c, Check::Log { host: h, contains, .. } if h == host && line.contains(contains.as_str())))
            }
            TraceKind::PingSent { host, .. } | TraceKind::PingReplied { host, .. } => {
                self.summaries(host) || self.checks.iter().any(|c| matches!(c, Check::PingLost { host: h, .. } if h == host))
            }
            TraceKind::HttpTransfer { host, .. } => self.summaries(host) || self.checks.iter().any(|c| http_check_of(c) == Some(host)),
            // Read by nothing after the run (`labsim bench` and the TUI keep everything).
            TraceKind::Exit { .. }
            | TraceKind::Neigh { .. }
            | TraceKind::Dropped { .. }
            | TraceKind::Rpc { .. }
            | TraceKind::Served { .. }
            | TraceKind::Sampled { .. } => false,
        }
    }

    /// Whether the report's consoles show `host`'s line `e`.
    fn console(&self, host: &str, e: &TraceEvent) -> bool {
        !self.options.quiet && self.options.shows(host, e.at)
    }

    /// Whether the report's summaries show `host`.
    fn summaries(&self, host: &str) -> bool {
        !self.options.quiet && self.options.shows_host(host)
    }
}

/// The client host of an expectation on HTTP transfers.
fn http_check_of(c: &Check) -> Option<&str> {
    match c {
        Check::HttpResponses { host, .. }
        | Check::HttpStatus { host, .. }
        | Check::HttpErrors { host, .. }
        | Check::HttpLatency { host, .. }
        | Check::HttpChanged { host, .. } => Some(host),
        // A `Capacity` expectation reads the capacity report's running totals, not the trace.
        Check::VipOwner { .. } | Check::PingLost { .. } | Check::Log { .. } | Check::Output { .. } | Check::Capacity { .. } => None,
    }
}
