//! The text report: the consoles in time order, the VIP ownership timeline, the ping and HTTP
//! summaries, the commands still running when the run ended, the capacity report when asked
//! for, each expectation's verdict, and
//! the summary lines with the seed and the command that reproduces the run. [`ReportOptions`]
//! select what is shown and whether PASS and FAIL are coloured.

use std::fmt::Write as _;

use super::console;
use super::options::ReportOptions;
use super::report::Report;
use super::summary::Summaries;
use super::trace::TraceEvent;

/// ANSI colours (SGR codes) for a terminal.
const GREEN: &str = "\x1b[32m";
const RED: &str = "\x1b[31m";
const BOLD_GREEN: &str = "\x1b[1;32m";
const BOLD_RED: &str = "\x1b[1;31m";
const RESET: &str = "\x1b[0m";

/// `word` in `colour` when colours are on.
fn paint(on: bool, colour: &str, word: &str) -> String {
    if on { format!("{colour}{word}{RESET}") } else { word.to_owned() }
}

/// `PASS` (green) or `FAIL` (red), an expectation's or a scenario's mark.
pub(crate) fn mark(passed: bool, colour: bool) -> String {
    if passed { paint(colour, GREEN, "PASS") } else { paint(colour, RED, "FAIL") }
}

impl Report {
    /// The text report with everything shown, as `labsim run` prints it by default.
    pub fn to_text(&self, trace: &[TraceEvent]) -> String {
        render(self, trace, &ReportOptions::default())
    }
}

/// Renders `report` over its run's `trace` as `options` say.
pub(crate) fn render(report: &Report, trace: &[TraceEvent], options: &ReportOptions) -> String {
    let mut t = String::new();
    let r = &report.run;
    let _ = writeln!(t, "labsim: scenario {} ({}), seed={}", r.scenario, r.file, r.seed);
    if !options.quiet {
        consoles(&mut t, trace, r.host_width, options);
        vips(&mut t, report);
        let summaries = Summaries::of(trace, options);
        section(&mut t, "ping", summaries.pings.iter().map(|p| p.line()));
        section(&mut t, "http", summaries.http.iter().map(|h| h.line()));
        section(&mut t, "still running when the run ended", summaries.unfinished.iter().map(|u| u.line()));
    }
    section(&mut t, "capacity", report.capacity.iter().cloned());
    t.push_str("\n== expectations ==\n");
    for o in &report.expectations {
        let mark = mark(o.passed, options.colour);
        let _ = writeln!(t, "{mark}  {}  [{}]\n      observed: {}", o.expectation, o.location, o.observed);
    }
    if let Some(b) = &r.event_breakdown {
        section(&mut t, "where the events went", b.to_lines().into_iter());
    }
    let met = report.expectations.iter().filter(|o| o.passed).count();
    let _ = writeln!(
        t,
        "\n{} simulated, {} events, {} frames, outcome: {}, trace digest {}",
        r.duration, r.events, r.frames, r.outcome, r.digest
    );
    let verdict = if report.passed() { paint(options.colour, BOLD_GREEN, "PASSED") } else { paint(options.colour, BOLD_RED, "FAILED") };
    let _ = writeln!(t, "{verdict}: {met}/{} expectations met (seed={})", report.expectations.len(), r.seed);
    let _ = writeln!(t, "reproduce: {}", report.reproduce);
    t
}

/// `\n== TITLE ==\n` and the lines, when there are any.
fn section(t: &mut String, title: &str, lines: impl Iterator<Item = String>) {
    let mut lines = lines.peekable();
    if lines.peek().is_none() {
        return;
    }
    let _ = writeln!(t, "\n== {title} ==");
    for line in lines {
        let _ = writeln!(t, "{line}");
    }
}

/// The consoles' lines, with hosts in a column `width` wide (the longest name in the whole
/// trace, which may hold more than the events kept for the report).
fn consoles(t: &mut String, trace: &[TraceEvent], width: usize, options: &ReportOptions) {
    t.push_str("\n== consoles and daemon logs ==\n");
    let shown = trace.iter().filter_map(console::line).filter(|l| options.shows(l.host, l.at));
    let mut print = |l: console::ConsoleLine<'_>| {
        let _ = writeln!(t, "{:>12}  {:<width$}  {}", l.at.to_string(), l.host, l.shown());
    };
    if options.verbose {
        shown.for_each(&mut print);
    } else {
        console::fold(shown).for_each(&mut print);
    }
}

fn vips(t: &mut String, report: &Report) {
    let lines = report.vips.iter().map(|v| {
        let steps: Vec<String> =
            v.changes.iter().map(|(at, h)| format!("{at} {}", if h.is_empty() { "nobody".to_owned() } else { h.join(" + ") })).collect();
        format!("{}: {}", v.vip, steps.join(" -> "))
    });
    section(t, "VIP ownership", lines);
}
