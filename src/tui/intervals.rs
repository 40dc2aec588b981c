//! What the HTTP pane reads of a load (a user population, `ab`, `wrk`) from the lab's capacity
//! aggregation ([`Capacity`], the report's own): whether a load runs, which intervals have
//! ended, and the whole run's client requests so far, the ended intervals merged once and kept
//! so that a frame costs the same in a run's first minute as in its hour.

use crate::kernel::SimTime;
use crate::observe::capacity::{Capacity, Interval};

/// Whether a load generator has reported a request: from then on the HTTP pane shows the load.
pub(crate) fn is_loaded(capacity: &Capacity) -> bool {
    capacity.generated() > 0
}

/// How many intervals ended before `now` (numbered from 0): all their requests are in, and so
/// is the hosts' load at their end, which the lab samples at the first event after it (an
/// interval ending at `now` exactly may not have it yet).
pub(crate) fn ended(capacity: &Capacity, now: SimTime) -> u64 {
    let interval_us = (capacity.interval().as_micros() as u64).max(1);
    now.as_micros().saturating_sub(1) / interval_us
}

/// The client requests of the intervals that ended, merged.
#[derive(Clone, Debug, Default)]
pub(crate) struct RunSoFar {
    /// How many intervals `ended` holds (the first ones).
    merged: u64,
    ended: Interval,
}

impl RunSoFar {
    /// Merges the intervals that ended since the last call.
    pub(crate) fn update(&mut self, capacity: &Capacity, now: SimTime) {
        let ended = ended(capacity, now);
        for (_, interval) in capacity.numbered(self.merged..ended.max(self.merged)) {
            self.ended.add_requests(interval);
        }
        self.merged = self.merged.max(ended);
    }

    /// The whole run's client requests so far: the ended intervals and those under way.
    pub(crate) fn total(&self, capacity: &Capacity) -> Interval {
        let mut total = self.ended.clone();
        for (_, interval) in capacity.numbered(self.merged..u64::MAX) {
            total.add_requests(interval);
        }
        total
    }
}
