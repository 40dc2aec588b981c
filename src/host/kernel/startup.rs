//! How long this machine takes to start a daemon: from `systemctl start` (or boot) to the
//! moment the program runs its own code, its first packet comes after that. Real daemons take
//! tens to hundreds of milliseconds (exec, dynamic linking, reading their configuration); a
//! scenario may give a host a range (`startup_latency`), and each start then draws a time in it
//! from the host's seeded stream `startup/bootN`, so sweeps over seeds find the races real labs
//! have. Without a range every daemon starts at once, and the lessons' figures stay exact.

use std::time::Duration;

use super::Kernel;
use crate::kernel::SimRng;

/// A host's start-up latency model.
pub(super) struct Startup {
    /// `low..=high`, µs.
    range: Option<(u64, u64)>,
    rng: SimRng,
}

impl Startup {
    /// No latency.
    pub(super) fn off() -> Startup {
        Startup { range: None, rng: SimRng::new(0) }
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

impl Kernel {
    /// Gives the machine a start-up latency range (`None`: none).
    pub(crate) fn set_startup_latency(&mut self, range: Option<(Duration, Duration)>) {
        self.startup.range = range.map(|(low, high)| (micros(low), micros(high)));
    }

    /// A new boot draws its start-up times from a stream of its own.
    pub(super) fn reseed_startup(&mut self) {
        self.startup.rng = self.rng.fork(&format!("startup/boot{}", self.boots));
    }

    /// How long the daemon started now takes before it runs (zero without a range).
    pub(crate) fn startup_delay(&mut self) -> Duration {
        let Some((low, high)) = self.startup.range else { return Duration::ZERO };
        Duration::from_micros(self.startup.rng.range(low, high.saturating_add(1)))
    }
}
