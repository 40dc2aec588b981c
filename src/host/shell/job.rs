//! A job: the simple commands of a typed sequence or loop, run one after another on the host's
//! console. A command that starts a process (ping, curl) holds the job until the process exits;
//! `sleep N` holds it for N seconds. Ctrl-C (the end of the run) stops the job.

use std::collections::VecDeque;
use std::time::Duration;

use super::{Ran, finish, run_simple};
use crate::host::Host;
use crate::kernel::SimTime;

/// A running job.
pub(crate) struct Job {
    id: usize,
    steps: VecDeque<Vec<String>>,
    waiting_for: Option<u32>,
    sleep_until: Option<SimTime>,
    done: bool,
}

impl Job {
    pub(crate) fn new(id: usize, steps: Vec<Vec<String>>) -> Job {
        Job { id, steps: steps.into(), waiting_for: None, sleep_until: None, done: false }
    }

    pub(crate) fn is_done(&self) -> bool {
        self.done
    }

    pub(crate) fn poll_timeout(&self) -> Option<SimTime> {
        if self.done { None } else { self.sleep_until }
    }

    /// Ctrl-C: the loop stops where it is.
    pub(crate) fn interrupt(&mut self) {
        self.done = true;
    }

    /// Starts the next commands until one has to be waited for; true if anything happened.
    pub(crate) fn poll(&mut self, host: &mut Host, now: SimTime) -> bool {
        let mut moved = false;
        loop {
            if self.done {
                return moved;
            }
            if let Some(pid) = self.waiting_for {
                if host.pid_alive(pid) {
                    return moved;
                }
                self.waiting_for = None;
            }
            if let Some(t) = self.sleep_until {
                if now < t {
                    return moved;
                }
                self.sleep_until = None;
            }
            let Some(words) = self.steps.pop_front() else {
                self.done = true;
                return moved;
            };
            moved = true;
            if words.first().is_some_and(|w| w == "sleep")
                && let Some(secs) = words.get(1).and_then(|a| a.parse::<f64>().ok()).filter(|s| *s >= 0.0)
            {
                // `sleep infinity` (or any span past the end of time) never wakes.
                self.sleep_until = Some(Duration::try_from_secs_f64(secs).map_or(SimTime::MAX, |d| now + d));
                continue;
            }
            match run_simple(host, now, self.id, &words) {
                Ran::Done(out) => finish(host, now, self.id, out),
                Ran::Started(pid) => self.waiting_for = Some(pid),
                Ran::Reported => {}
                Ran::Gone => self.done = true,
            }
        }
    }
}
