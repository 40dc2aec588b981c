//! A daemon that systemd has forked but that has not run its own code yet: the host's start-up
//! latency ([`crate::host::kernel::Sys::startup_delay`]). It holds its pids and shows in the
//! process table under its unit's name; when its time comes it starts as the unit's start
//! function says, and from then on it is that daemon. A daemon that refuses to start then
//! logs its lines and exits with status 1, as a `Type=simple` service fails after its start
//! job has succeeded.

use crate::host::kernel::Sys;
use crate::host::userland::process::{Exit, Process, Signal, StartDaemon, StartError};
use crate::kernel::SimTime;

/// A daemon waiting to start.
pub(crate) struct Starting {
    name: &'static str,
    pid: u32,
    at: SimTime,
    start: StartDaemon,
    daemon: Option<Box<dyn Process>>,
    exit: Option<Exit>,
}

impl Starting {
    /// Daemon `name` with first pid `pid` runs `start` at `at`.
    pub(crate) fn new(name: &'static str, pid: u32, at: SimTime, start: StartDaemon) -> Starting {
        Starting { name, pid, at, start, daemon: None, exit: None }
    }
}

impl Process for Starting {
    fn name(&self) -> &'static str {
        self.daemon.as_ref().map_or(self.name, |d| d.name())
    }

    fn poll(&mut self, k: &mut Sys<'_>, now: SimTime) -> bool {
        if let Some(daemon) = self.daemon.as_mut() {
            return daemon.poll(k, now);
        }
        if self.exit.is_some() || now < self.at {
            return false;
        }
        match (self.start)(k, now, self.pid) {
            Ok(mut daemon) => {
                daemon.poll(k, now);
                self.daemon = Some(daemon);
            }
            Err(StartError::Exit(lines)) => {
                for line in lines {
                    k.syslog(now, self.name, self.pid, line);
                }
                self.exit = Some(Exit::Code(1));
            }
            Err(StartError::Segfault) => self.exit = Some(Exit::Code(139)),
        }
        true
    }

    fn poll_timeout(&self) -> Option<SimTime> {
        match &self.daemon {
            Some(d) => d.poll_timeout(),
            None => self.exit.is_none().then_some(self.at),
        }
    }

    fn signal(&mut self, k: &mut Sys<'_>, now: SimTime, signal: Signal) {
        match self.daemon.as_mut() {
            Some(d) => d.signal(k, now, signal),
            // Not started yet: any signal but SIGHUP and SIGPIPE ends it before it ran.
            None if matches!(signal, Signal::Kill) => self.exit = Some(Exit::Signal(signal)),
            None if matches!(signal, Signal::Term | Signal::Int) => self.exit = Some(Exit::Code(0)),
            None => {}
        }
    }

    fn signal_pid(&mut self, k: &mut Sys<'_>, now: SimTime, pid: u32, signal: Signal) {
        match self.daemon.as_mut() {
            Some(d) => d.signal_pid(k, now, pid, signal),
            None => self.signal(k, now, signal),
        }
    }

    fn pids(&self) -> Option<Vec<u32>> {
        self.daemon.as_ref().and_then(|d| d.pids())
    }

    fn wants_fork(&self) -> bool {
        self.daemon.as_ref().is_some_and(|d| d.wants_fork())
    }

    fn forked(&mut self, k: &mut Sys<'_>, now: SimTime, pid: u32) {
        if let Some(d) = self.daemon.as_mut() {
            d.forked(k, now, pid);
        }
    }

    fn exit(&self) -> Option<Exit> {
        self.daemon.as_ref().map_or(self.exit, |d| d.exit())
    }

    fn stopping_since(&self) -> Option<SimTime> {
        self.daemon.as_ref().and_then(|d| d.stopping_since())
    }

    fn summary(&self) -> Option<String> {
        self.daemon.as_ref().and_then(|d| d.summary())
    }
}
