//! Expectations: what must be true of a run, as plain data (built by `scenario`, evaluated
//! against the trace after the run).

use std::net::Ipv4Addr;

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

/// When an expectation is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Window {
    /// At one instant.
    At(SimTime),
    /// At some instant of the closed interval (for VIP ownership), or over the whole interval
    /// (for counts of pings and log lines).
    Between(SimTime, SimTime),
}

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
