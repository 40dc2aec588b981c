//! The machine's CPUs, when the host's cost model is on (`Host(costs: …)`): processes hand the
//! kernel CPU work in µs and learn when it is done; runnable work shares the `cpus` cores.
//!
//! The model is egalitarian processor sharing capped at one core per job: with `n` jobs on `c`
//! cores each job runs at `min(1, c/n)` of a core. It is the "ideal, precise multi-tasking CPU"
//! that Linux's CFS approximates (`Documentation/scheduler/sched-design-CFS.rst`: each of `n`
//! runnable tasks gets `1/n` of the CPU; a task runs on one CPU at a time), without CFS's
//! granularity (`sched_min_granularity_ns`, ms-long slices) — a request's work is tens of µs, so
//! round robin with a real slice would run most requests to the end in one slice and queue the
//! rest behind it; processor sharing gives the same mean and is exact to compute.
//!
//! Every job has had the same service since the model started, `served`; a job submitted when
//! it was `s` with work `w` finishes when it reaches `s + w`. Jobs sit in a `BTreeMap` by that
//! finishing point (then by ticket), so time advances from one finish to the next without
//! visiting the others, and the order is deterministic.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use super::syscall::CpuTicket;
use crate::kernel::SimTime;

/// Fixed-point fraction bits of `served` (µs), so that `c/n` of a µs is not rounded away.
const SHIFT: u32 = 20;

/// The CPUs of one machine.
#[derive(Debug)]
pub(crate) struct Cpus {
    cores: u32,
    /// Service each running job has had, in µs << SHIFT.
    served: u128,
    /// When `served` was last brought up to `at`.
    at: SimTime,
    /// Running jobs by (finishing point of `served`, ticket).
    jobs: BTreeMap<(u128, u64), ()>,
    /// Each running job's finishing point, by ticket.
    finish: BTreeMap<u64, u128>,
    /// Finished jobs not yet collected.
    done: BTreeSet<u64>,
    next: u64,
    /// Core-µs spent running jobs since boot.
    busy_us: u64,
}

impl Cpus {
    /// `cores` idle CPUs at `now`.
    pub(crate) fn new(cores: u32, now: SimTime) -> Cpus {
        Cpus {
            cores: cores.max(1),
            served: 0,
            at: now,
            jobs: BTreeMap::new(),
            finish: BTreeMap::new(),
            done: BTreeSet::new(),
            next: 0,
            busy_us: 0,
        }
    }

    /// Hands the CPUs `work` at `now` (a job of no work is done at once).
    pub(crate) fn run(&mut self, now: SimTime, work: Duration) -> CpuTicket {
        self.advance(now);
        let ticket = self.next;
        self.next += 1;
        let work = u128::from(u64::try_from(work.as_micros()).unwrap_or(u64::MAX));
        if work == 0 {
            self.done.insert(ticket);
        } else {
            let end = self.served + (work << SHIFT);
            self.jobs.insert((end, ticket), ());
            self.finish.insert(ticket, end);
        }
        CpuTicket(ticket)
    }

    /// Whether the job is done (collected: a second call says false).
    pub(crate) fn take_done(&mut self, ticket: CpuTicket) -> bool {
        self.done.remove(&ticket.0)
    }

    /// The job is not wanted any more (its process let its connection go): it stops at once.
    pub(crate) fn forget(&mut self, now: SimTime, ticket: CpuTicket) {
        self.advance(now);
        if let Some(end) = self.finish.remove(&ticket.0) {
            self.jobs.remove(&(end, ticket.0));
        }
        self.done.remove(&ticket.0);
    }

    /// Core-µs spent running jobs up to `now` (utilisation: divide by cores × elapsed µs). It
    /// looks ahead without moving the model, so that reading it changes nothing (bringing the
    /// model up to `now` in two steps instead of one would round differently).
    pub(crate) fn busy_us(&self, now: SimTime) -> u64 {
        let (mut served, mut at, mut busy) = (self.served, self.at, self.busy_us);
        let mut ends = self.jobs.keys().map(|(end, _)| *end).peekable();
        let mut n = self.jobs.len() as u128;
        while at < now {
            let Some(&end) = ends.peek() else { break };
            let s = self.step(served, n, end, (now - at).as_micros() as u64);
            (served, busy) = (s.served, busy.saturating_add(s.busy));
            at += Duration::from_micros(s.us);
            while ends.next_if(|end| *end <= served).is_some() {
                n -= 1;
            }
        }
        busy
    }

    /// When the next job finishes, if any runs.
    pub(crate) fn poll_at(&self) -> Option<SimTime> {
        let (&(end, _), ()) = self.jobs.iter().next()?;
        Some(self.at + Duration::from_micros(time_to(self.cores, self.served, self.jobs.len() as u128, end)))
    }

    /// Brings the model up to `now`; whether some job finished.
    pub(crate) fn advance(&mut self, now: SimTime) -> bool {
        let mut finished = false;
        while self.at < now {
            let Some(&(end, _)) = self.jobs.keys().next() else {
                self.at = now;
                break;
            };
            let s = self.step(self.served, self.jobs.len() as u128, end, (now - self.at).as_micros() as u64);
            self.served = s.served;
            self.busy_us = self.busy_us.saturating_add(s.busy);
            self.at += Duration::from_micros(s.us);
            while let Some(&(end, ticket)) = self.jobs.keys().next().filter(|(end, _)| *end <= self.served) {
                self.jobs.remove(&(end, ticket));
                self.finish.remove(&ticket);
                self.done.insert(ticket);
                finished = true;
            }
        }
        finished
    }

    /// One step of `n` jobs sharing the cores from `served`, the first to finish at `end`: to
    /// that finish or for `limit` µs, whichever comes first.
    fn step(&self, served: u128, n: u128, end: u128, limit: u64) -> Step {
        let running = n.min(u128::from(self.cores));
        let until_end = time_to(self.cores, served, n, end);
        let us = until_end.min(limit);
        let mut served = served + ((u128::from(us) * running) << SHIFT) / n;
        if us == until_end {
            // Rounding may leave `served` a hair short of `end`: the job is due, so it ends.
            served = served.max(end);
        }
        Step { us, served, busy: us.saturating_mul(running as u64) }
    }
}

/// What one step of the model did.
struct Step {
    /// Its length, µs.
    us: u64,
    /// `served` at its end.
    served: u128,
    /// Core-µs busy in it.
    busy: u64,
}

/// µs until `served` reaches `end` with `n` jobs on `cores` (rounded up).
fn time_to(cores: u32, served: u128, n: u128, end: u128) -> u64 {
    let running = n.min(u128::from(cores)).max(1);
    let left = end.saturating_sub(served) * n;
    let per_us = running << SHIFT;
    u64::try_from(left.div_ceil(per_us)).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us(t: u64) -> SimTime {
        SimTime::from_micros(t)
    }

    /// Runs jobs of `works` µs submitted at 0 on `cores` cores; each job's finishing time.
    fn finishes(cores: u32, works: &[u64]) -> Vec<u64> {
        let mut cpu = Cpus::new(cores, us(0));
        let tickets: Vec<CpuTicket> = works.iter().map(|w| cpu.run(us(0), Duration::from_micros(*w))).collect();
        let mut at = vec![None; works.len()];
        while let Some(t) = cpu.poll_at() {
            assert!(cpu.advance(t));
            for (i, ticket) in tickets.iter().enumerate() {
                if cpu.take_done(*ticket) {
                    at[i] = Some(t.as_micros());
                }
            }
        }
        at.into_iter().map(|t| t.expect("every job finishes")).collect()
    }

    #[test]
    fn one_job_on_one_core_takes_its_work() {
        assert_eq!(finishes(1, &[100]), [100]);
    }

    #[test]
    fn two_jobs_on_one_core_take_twice_as_long() {
        assert_eq!(finishes(1, &[100, 100]), [200, 200]);
    }

    #[test]
    fn two_jobs_on_two_cores_run_side_by_side() {
        assert_eq!(finishes(2, &[100, 100]), [100, 100]);
    }

    #[test]
    fn a_job_uses_one_core_at_most() {
        assert_eq!(finishes(4, &[100]), [100]);
    }

    #[test]
    fn a_short_job_leaves_the_long_one_the_whole_core() {
        // Both at half speed until 100 µs (50 µs each); then the long one alone for 250 µs.
        assert_eq!(finishes(1, &[50, 300]), [100, 350]);
    }

    #[test]
    fn three_jobs_share_two_cores() {
        // Each at 2/3 of a core: 90 µs of work takes 135 µs.
        assert_eq!(finishes(2, &[90, 90, 90]), [135, 135, 135]);
    }

    #[test]
    fn a_late_job_shares_only_what_is_left() {
        let mut cpu = Cpus::new(1, us(0));
        let first = cpu.run(us(0), Duration::from_micros(100));
        let second = cpu.run(us(50), Duration::from_micros(100));
        // From 50 µs both run at half speed: the first's last 50 µs end at 150.
        assert_eq!(cpu.poll_at(), Some(us(150)));
        cpu.advance(us(150));
        assert!(cpu.take_done(first));
        assert!(!cpu.take_done(second));
        // The second had 50 µs by then; alone, its last 50 µs end at 200.
        assert_eq!(cpu.poll_at(), Some(us(200)));
        cpu.advance(us(200));
        assert!(cpu.take_done(second));
        assert!(!cpu.take_done(second), "collected once");
    }

    #[test]
    fn busy_time_counts_cores_in_use() {
        let mut cpu = Cpus::new(2, us(0));
        cpu.run(us(0), Duration::from_micros(100));
        cpu.run(us(0), Duration::from_micros(100));
        cpu.run(us(0), Duration::from_micros(100));
        // Three jobs of 100 µs on two cores: 300 core-µs, done at 150 µs; then idle. Reading
        // it moves nothing.
        assert_eq!(cpu.busy_us(us(75)), 150);
        assert_eq!(cpu.busy_us(us(1000)), 300);
        assert_eq!(cpu.poll_at(), Some(us(150)));
        cpu.advance(us(1000));
        assert_eq!(cpu.busy_us(us(1000)), 300);
        assert_eq!(cpu.poll_at(), None);
    }

    #[test]
    fn a_forgotten_job_frees_its_share() {
        let mut cpu = Cpus::new(1, us(0));
        let kept = cpu.run(us(0), Duration::from_micros(100));
        let dropped = cpu.run(us(0), Duration::from_micros(100));
        cpu.forget(us(50), dropped);
        // 25 µs done by 50; the last 75 µs alone.
        assert_eq!(cpu.poll_at(), Some(us(125)));
        cpu.advance(us(125));
        assert!(cpu.take_done(kept));
        assert!(!cpu.take_done(dropped));
    }

    #[test]
    fn no_work_is_done_at_once() {
        let mut cpu = Cpus::new(1, us(0));
        let t = cpu.run(us(7), Duration::ZERO);
        assert!(cpu.take_done(t));
        assert_eq!(cpu.poll_at(), None);
    }
}
