//! What a rendered report shows: every host or some, a slice of simulated time, the consoles or
//! only the verdicts, ping's lines collapsed into runs or not, colour or not. The verdicts and
//! summaries of a report never depend on it: it only selects and styles what is printed.

use std::time::Duration;

use crate::kernel::SimTime;

/// How a report is rendered. The default shows everything, without colour.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ReportOptions {
    /// Expectations and the summary only: no consoles, VIP, ping, HTTP or unfinished sections
    /// (`--quiet`).
    pub quiet: bool,
    /// Every console line as printed, ping's replies included, instead of runs (`--verbose`).
    pub verbose: bool,
    /// ANSI colours: PASS green, FAIL red (`--color`).
    pub colour: bool,
    /// Only these hosts' console lines and summaries; all hosts when empty (`--only`).
    pub hosts: Vec<String>,
    /// No console line before this time since the start (`--from`).
    pub from: Option<Duration>,
    /// No console line after this time since the start (`--to`).
    pub to: Option<Duration>,
}

impl ReportOptions {
    /// Whether a console line of `host` at `at` is shown.
    pub(crate) fn shows(&self, host: &str, at: SimTime) -> bool {
        let since_start = at.saturating_since(SimTime::ZERO);
        self.shows_host(host) && self.from.is_none_or(|f| since_start >= f) && self.to.is_none_or(|t| since_start <= t)
    }

    /// Whether `host`'s lines and summaries are shown.
    pub(crate) fn shows_host(&self, host: &str) -> bool {
        self.hosts.is_empty() || self.hosts.iter().any(|h| h == host)
    }
}
