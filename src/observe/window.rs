//! When an expectation is checked, or what span of the run a capacity figure covers.

use crate::kernel::SimTime;

/// When an expectation is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Window {
    /// At one instant.
    At(SimTime),
    /// At some instant of the closed interval (for VIP ownership), or over the whole interval
    /// (for counts of pings and log lines).
    Between(SimTime, SimTime),
}

impl Window {
    pub(crate) fn contains(self, t: SimTime) -> bool {
        match self {
            Window::At(at) => t == at,
            Window::Between(a, b) => a <= t && t <= b,
        }
    }
}
