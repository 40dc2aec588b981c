//! A job: the simple commands of a typed sequence or loop, run one after another on the host's
//! console. A command that starts a process (ping, curl) holds the job until the process exits;
//! `sleep N` holds it for N seconds. Ctrl-C (the end of the run) stops the job.
//!
//! The job only decides what runs next ([`Job::next`]); the shell runs it and tells the job what
//! became of it ([`Job::wait_for`]).

use std::collections::VecDeque;
use std::time::Duration;

use crate::kernel::SimTime;

/// A running job.
pub(crate) struct Job {
    id: usize,
    steps: VecDeque<Vec<String>>,
    waiting_for: Option<u32>,
    sleep_until: Option<SimTime>,
    /// When the current `sleep` began.
    slept_at: SimTime,
    done: bool,
}

/// What a job does at an instant.
pub(crate) enum Next {
    /// Run this simple command now.
    Run(Vec<String>),
    /// Nothing to run now; `advanced` if the job took steps (a `sleep`) since the last call.
    Idle {
        /// Whether the job moved.
        advanced: bool,
    },
}

impl Job {
    /// A job running `steps` as console command `id`.
    pub(crate) fn new(id: usize, steps: Vec<Vec<String>>) -> Job {
        Job { id, steps: steps.into(), waiting_for: None, sleep_until: None, slept_at: SimTime::ZERO, done: false }
    }

    /// The console command the job runs as.
    pub(crate) fn id(&self) -> usize {
        self.id
    }

    pub(crate) fn is_done(&self) -> bool {
        self.done
    }

    pub(crate) fn poll_timeout(&self) -> Option<SimTime> {
        if self.done { None } else { self.sleep_until }
    }

    /// While the job sleeps: since when, and until when.
    pub(crate) fn asleep(&self) -> Option<(SimTime, SimTime)> {
        self.sleep_until.filter(|_| !self.done).map(|until| (self.slept_at, until))
    }

    /// Ctrl-C: the loop stops where it is.
    pub(crate) fn interrupt(&mut self) {
        self.done = true;
    }

    /// The command started process `pid`: the job waits for it to exit.
    pub(crate) fn wait_for(&mut self, pid: u32) {
        self.waiting_for = Some(pid);
    }

    /// The next command to run at `now`, unless the job waits for a process still `alive`, for
    /// a `sleep`, or is done.
    pub(crate) fn next(&mut self, now: SimTime, alive: impl Fn(u32) -> bool) -> Next {
        let mut advanced = false;
        loop {
            if self.done {
                return Next::Idle { advanced };
            }
            if let Some(pid) = self.waiting_for {
                if alive(pid) {
                    return Next::Idle { advanced };
                }
                self.waiting_for = None;
            }
            if let Some(t) = self.sleep_until {
                if now < t {
                    return Next::Idle { advanced };
                }
                self.sleep_until = None;
            }
            let Some(words) = self.steps.pop_front() else {
                self.done = true;
                return Next::Idle { advanced };
            };
            if words.first().is_some_and(|w| w == "sleep")
                && let Some(secs) = words.get(1).and_then(|a| a.parse::<f64>().ok()).filter(|s| *s >= 0.0)
            {
                // `sleep infinity` (or any span past the end of time) never wakes.
                self.sleep_until = Some(Duration::try_from_secs_f64(secs).map_or(SimTime::MAX, |d| now + d));
                self.slept_at = now;
                advanced = true;
                continue;
            }
            return Next::Run(words);
        }
    }
}
