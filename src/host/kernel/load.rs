//! How busy the machine has been, when its cost model is on: the CPUs' busy core-µs (across
//! boots) and, per daemon, its pool of workers (Apache's worker threads, nginx's connections)
//! integrated over time: in use × µs and limit × µs. The capacity report divides one by the
//! other per interval; nothing here is kept per request.
//!
//! A daemon's pool is reported by its process ([`crate::host::userland`] asks each running
//! daemon after it runs); it holds until the next report, so the integral is exact as long as
//! the count changes only when the daemon runs, which is when it serves.

use std::collections::BTreeMap;

use super::syscall::Workers;
use crate::kernel::SimTime;

#[derive(Debug, Default)]
struct Gauge {
    now: Workers,
    since: SimTime,
    /// Σ in use × µs, Σ limit × µs, up to `since`.
    used: u64,
    capacity: u64,
}

impl Gauge {
    fn up_to(&mut self, now: SimTime) {
        let dt = now.saturating_since(self.since).as_micros() as u64;
        self.used = self.used.saturating_add(self.now.in_use.saturating_mul(dt));
        self.capacity = self.capacity.saturating_add(self.now.limit.saturating_mul(dt));
        self.since = self.since.max(now);
    }
}

/// The machine's load counters since it was built.
#[derive(Debug, Default)]
pub(crate) struct Load {
    /// Busy core-µs of the boots before the current one.
    busy_before: u64,
    pools: BTreeMap<&'static str, Gauge>,
}

/// One daemon's pool integrated since the machine was built: (in use × µs, limit × µs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct PoolLoad {
    /// Σ workers in use × µs.
    pub(crate) used_us: u64,
    /// Σ limit × µs.
    pub(crate) capacity_us: u64,
}

/// How busy a machine has been since it was built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct MachineLoad {
    /// Its CPUs.
    pub(crate) cpus: u32,
    /// Core-µs they were busy.
    pub(crate) busy_us: u64,
    /// Each daemon's pool, by name.
    pub(crate) pools: Vec<(&'static str, PoolLoad)>,
}

impl Load {
    /// The daemons' pools as of `now` (those not named have none: stopped).
    pub(crate) fn set_pools(&mut self, now: SimTime, pools: &[(&'static str, Workers)]) {
        let reported = |name: &str| pools.iter().find(|(n, _)| *n == name).map(|(_, w)| *w).unwrap_or_default();
        // A gauge integrates its count until the count changes: the same counts again change
        // nothing (the daemons report after every run, mostly unchanged).
        if pools.iter().all(|(name, _)| self.pools.contains_key(name)) && self.pools.iter().all(|(name, g)| g.now == reported(name)) {
            return;
        }
        for (name, gauge) in &mut self.pools {
            gauge.up_to(now);
            gauge.now = reported(name);
        }
        for (name, workers) in pools {
            self.pools.entry(name).or_insert_with(|| Gauge { now: *workers, since: now, used: 0, capacity: 0 });
        }
    }

    /// The machine stops at `now` after its CPUs were busy `busy_us` in this boot: its daemons
    /// are gone.
    pub(crate) fn power_off(&mut self, now: SimTime, busy_us: u64) {
        self.busy_before = self.busy_before.saturating_add(busy_us);
        self.set_pools(now, &[]);
    }

    /// Busy core-µs since the machine was built, with `busy_us` of the current boot.
    pub(crate) fn busy_us(&self, busy_us: u64) -> u64 {
        self.busy_before.saturating_add(busy_us)
    }

    /// Each daemon's pool integrated up to `now`, by name.
    pub(crate) fn pools(&mut self, now: SimTime) -> Vec<(&'static str, PoolLoad)> {
        self.pools
            .iter_mut()
            .map(|(name, g)| {
                g.up_to(now);
                (*name, PoolLoad { used_us: g.used, capacity_us: g.capacity })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us(t: u64) -> SimTime {
        SimTime::from_micros(t)
    }

    #[test]
    fn a_pool_integrates_its_count_between_reports() {
        let mut load = Load::default();
        load.set_pools(us(0), &[("httpd", Workers { in_use: 2, limit: 4 })]);
        load.set_pools(us(100), &[("httpd", Workers { in_use: 4, limit: 4 })]);
        // 2 × 100 + 4 × 50 in use, 4 × 150 possible.
        assert_eq!(load.pools(us(150)), [("httpd", PoolLoad { used_us: 400, capacity_us: 600 })]);
    }

    #[test]
    fn a_daemon_not_reported_any_more_has_no_pool() {
        let mut load = Load::default();
        load.set_pools(us(0), &[("nginx", Workers { in_use: 1, limit: 10 })]);
        load.set_pools(us(10), &[]);
        assert_eq!(load.pools(us(1000)), [("nginx", PoolLoad { used_us: 10, capacity_us: 100 })]);
    }

    #[test]
    fn busy_time_survives_a_power_cycle() {
        let mut load = Load::default();
        load.set_pools(us(0), &[("httpd", Workers { in_use: 1, limit: 1 })]);
        load.power_off(us(5), 70);
        assert_eq!(load.busy_us(30), 100);
        assert_eq!(load.pools(us(50)), [("httpd", PoolLoad { used_us: 5, capacity_us: 5 })]);
    }
}
