//! The JSON report: the whole text report as one document (the run, the verdicts, the
//! consoles, the VIP timeline, the ping and HTTP summaries, the commands still running when the
//! run ended), with units in the names of the fields that have one (`duration_us`). Its fields
//! are documented in `docs/json.md`, which a test compares with real output;
//! [`SCHEMA_VERSION`] changes whenever a field changes meaning or goes away.

use std::net::Ipv4Addr;

use serde::Serialize;

use super::console::{self, ConsoleLine};
use super::options::ReportOptions;
use super::report::{Outcome, Report, RunSummary};
use super::summary::{HttpReport, PingReport, Summaries, UnfinishedReport};
use super::trace::TraceEvent;
use crate::kernel::SimTime;

/// The version of the JSON report's layout (and of a crash's, and of invalid-scenario
/// diagnostics): a program that reads it checks this first.
pub(crate) const SCHEMA_VERSION: u32 = 1;

/// The document.
#[derive(Serialize)]
struct Doc<'a> {
    schema_version: u32,
    passed: bool,
    run: &'a RunSummary,
    reproduce: &'a str,
    expectations: &'a [Outcome],
    consoles: Vec<ConsoleLine<'a>>,
    vips: Vec<Vip<'a>>,
    pings: Vec<PingReport>,
    http: Vec<HttpReport>,
    unfinished: Vec<UnfinishedReport>,
}

/// A VIP and its holders after each change.
#[derive(Serialize)]
struct Vip<'a> {
    vip: Ipv4Addr,
    changes: Vec<Change<'a>>,
}

/// Who held a VIP from a time on.
#[derive(Serialize)]
struct Change<'a> {
    at_us: SimTime,
    holders: &'a [String],
}

impl Report {
    /// The report as one JSON document (`docs/json.md`) with everything shown, as `labsim run
    /// --json` prints it by default.
    pub fn to_json(&self, trace: &[TraceEvent]) -> String {
        render(self, trace, &ReportOptions::default())
    }
}

/// Renders `report` over its run's `trace` as one pretty-printed JSON document. `options`
/// select the consoles shown (hosts, times; none with `quiet`) and the hosts of the summaries;
/// the verdicts are always all there.
pub(crate) fn render(report: &Report, trace: &[TraceEvent], options: &ReportOptions) -> String {
    let consoles =
        if options.quiet { Vec::new() } else { trace.iter().filter_map(console::line).filter(|l| options.shows(l.host, l.at)).collect() };
    let vips = report
        .vips
        .iter()
        .map(|v| Vip { vip: v.vip, changes: v.changes.iter().map(|(at, holders)| Change { at_us: *at, holders }).collect() })
        .collect();
    let Summaries { pings, http, unfinished } = Summaries::of(trace, options);
    let doc = Doc {
        schema_version: SCHEMA_VERSION,
        passed: report.passed(),
        run: &report.run,
        reproduce: &report.reproduce,
        expectations: &report.expectations,
        consoles,
        vips,
        pings,
        http,
        unfinished,
    };
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}
