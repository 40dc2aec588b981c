//! What keepalived's parent does when its VRRP child dies while the parent runs: the lines it
//! logs and when it forks the next child (keepalived 2.2.7 `vrrp_respawn_thread()` in
//! `vrrp_daemon.c`, `report_child_status()`, `log_child_died()` and `calc_restart_delay()` in
//! `lib/scheduler.c`).
//!
//! The child's pid is no longer `vrrp_child` when `report_child_status()` names it (the thread
//! clears it first), so the parent writes `pid N`. A child that ran for a minute or more is
//! restarted at once; otherwise the delay starts at 0 s, then 1 s, doubling up to 60 s, and the
//! parent says so each time.

use std::time::Duration;

use crate::kernel::SimTime;

/// How the child ended, as `waitpid()` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChildEnd {
    /// It exited with this status.
    Exited(i32),
    /// SIGKILL.
    Killed,
}

/// The parent's respawn bookkeeping (`vrrp_start_time`, `vrrp_next_restart_delay`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Respawn {
    started: SimTime,
    next_delay_s: u64,
}

impl Respawn {
    /// The first child started at `now`.
    pub(crate) fn new(now: SimTime) -> Respawn {
        Respawn { started: now, next_delay_s: 0 }
    }

    /// A child started at `now` (`vrrp_start_time = time_now` in `start_vrrp_child()`).
    pub(crate) fn started(&mut self, now: SimTime) {
        self.started = now;
    }

    /// The child with pid `pid` ended at `now`: the parent's log lines, and how long it waits
    /// before forking the next child.
    pub(crate) fn child_died(&mut self, now: SimTime, pid: u32, end: ChildEnd) -> (Vec<String>, Duration) {
        let mut lines = Vec::new();
        match end {
            ChildEnd::Exited(0) => {}
            ChildEnd::Exited(status) => lines.push(format!("pid {pid} exited with status {status}")),
            ChildEnd::Killed => lines.push(format!("pid {pid} exited due to signal 9 (Killed) - has rlimit_rttime been exceeded?")),
        }
        lines.push(format!("VRRP child process({pid}) died: Respawning"));
        lines.push("  Please log an issue at https://github.com/acassen/keepalived/issues/".to_owned());
        lines.push("  and include a full copy of your keepalived configuration files, and".to_owned());
        lines.push("  copies of the keepalived system log entries around the time this happened".to_owned());
        if now.saturating_since(self.started) >= Duration::from_secs(60) {
            self.next_delay_s = 0;
            return (lines, Duration::ZERO);
        }
        let delay = self.next_delay_s;
        self.next_delay_s = match delay {
            0 => 1,
            d if d > 30 => 60,
            d => d * 2,
        };
        lines.push(format!("Restart of VRRP process delayed {delay} seconds to limit respawn rate"));
        (lines, Duration::from_secs(delay))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_from_zero_and_reset_after_a_minute() {
        let t = |s: u64| SimTime::from_micros(s * 1_000_000);
        let mut r = Respawn::new(t(0));
        let mut delays = Vec::new();
        for k in 0..9 {
            let (_, d) = r.child_died(t(k), 1001, ChildEnd::Killed);
            delays.push(d.as_secs());
            r.started(t(k));
        }
        assert_eq!(delays, [0, 1, 2, 4, 8, 16, 32, 60, 60]);
        let (lines, d) = r.child_died(t(100), 1001, ChildEnd::Killed);
        assert_eq!(d, Duration::ZERO);
        assert_eq!(lines[0], "pid 1001 exited due to signal 9 (Killed) - has rlimit_rttime been exceeded?");
        assert_eq!(lines.len(), 5, "no delay line after a minute's run");
    }
}
