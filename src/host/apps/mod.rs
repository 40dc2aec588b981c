//! The processes of a host: daemons managed as systemd units (keepalived) and foreground console
//! commands that outlive the instant they were typed at (ping). Each is glue between a sans-IO
//! core in `proto` and the host's network; this module owns their lifecycle: pids, signals,
//! unit states, and the routing of packets and link events to them.

mod keepalived;
mod ping;

use std::net::Ipv4Addr;

use super::Host;
use crate::kernel::SimTime;
use keepalived::Keepalived;
use ping::PingProc;

/// A systemd unit labsim knows how to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Unit {
    /// `keepalived.service`.
    Keepalived,
}

impl Unit {
    /// `keepalived.service` or `keepalived` → the unit.
    pub(crate) fn from_name(name: &str) -> Option<Unit> {
        match name.trim_end_matches(".service") {
            "keepalived" => Some(Unit::Keepalived),
            _ => None,
        }
    }

    /// The unit's short name (`keepalived`).
    pub(crate) fn name(self) -> &'static str {
        match self {
            Unit::Keepalived => "keepalived",
        }
    }

    /// The unit's `Description=`.
    pub(crate) fn description(self) -> &'static str {
        match self {
            Unit::Keepalived => "Keepalive Daemon (LVS and VRRP)",
        }
    }

    /// The file whose presence means the package is installed.
    fn marker_file(self) -> &'static str {
        match self {
            Unit::Keepalived => "/etc/keepalived/keepalived.conf",
        }
    }
}

/// What `systemctl status` reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum UnitState {
    /// Never started or cleanly stopped.
    Inactive,
    /// Running.
    Active { since: SimTime, pid: u32 },
    /// Stopping (SIGTERM sent, not exited yet).
    Deactivating { since: SimTime, pid: u32 },
    /// Killed by a signal.
    Failed { since: SimTime },
}

/// Signals the shell can send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Signal {
    /// SIGTERM: orderly shutdown.
    Term,
    /// SIGKILL: the process vanishes at once.
    Kill,
    /// SIGINT: Ctrl-C.
    Int,
}

pub(super) struct Processes {
    next_pid: u32,
    keepalived: Option<Keepalived>,
    keepalived_failed_at: Option<SimTime>,
    pings: Vec<PingProc>,
}

impl Default for Processes {
    fn default() -> Self {
        // Pids after boot-time services, as on a freshly booted small VM.
        Processes { next_pid: 1000, keepalived: None, keepalived_failed_at: None, pings: Vec::new() }
    }
}

impl Processes {
    fn alloc_pids(&mut self, n: u32) -> u32 {
        let first = self.next_pid;
        self.next_pid += n;
        first
    }

    /// Runs every process once; true if any of them did something.
    pub(super) fn poll(&mut self, host: &mut Host, now: SimTime) -> bool {
        let mut moved = false;
        if let Some(k) = self.keepalived.as_mut() {
            moved |= k.poll(host, now);
            if k.is_exited() {
                self.keepalived = None;
            }
        }
        for p in &mut self.pings {
            moved |= p.poll(host, now);
        }
        self.pings.retain(|p| !p.is_finished());
        moved
    }

    pub(super) fn poll_timeout(&self) -> Option<SimTime> {
        let k = self.keepalived.as_ref().and_then(Keepalived::poll_timeout);
        let p = self.pings.iter().filter_map(PingProc::poll_timeout).min();
        [k, p].into_iter().flatten().min()
    }

    /// Power off: everything dies without a word.
    pub(super) fn kill_all(&mut self) {
        *self = Processes::default();
    }

    pub(super) fn interrupt_commands(&mut self, host: &mut Host, now: SimTime) {
        for p in &mut self.pings {
            p.interrupt(host, now);
        }
    }

    /// A VRRP packet arrived on `dev`; true if keepalived took it (as its raw socket would).
    pub(super) fn deliver_vrrp(&mut self, host: &mut Host, now: SimTime, dev: &str, packet: &[u8]) -> bool {
        match self.keepalived.as_mut() {
            Some(k) => {
                k.deliver(host, now, dev, packet);
                true
            }
            None => false,
        }
    }

    /// Neighbour resolution failed for `packet`: the sending process gets EHOSTUNREACH.
    pub(super) fn host_unreachable(&mut self, host: &mut Host, now: SimTime, packet: &[u8]) {
        for p in &mut self.pings {
            if p.unreachable(host, now, packet) {
                return;
            }
        }
    }

    pub(super) fn link_changed(&mut self, host: &mut Host, now: SimTime, dev: &str, up: bool) {
        if let Some(k) = self.keepalived.as_mut() {
            k.link_changed(host, now, dev, up);
        }
    }

    /// Starts `ping`; its pid, or `None` when it failed at once (it printed why).
    pub(super) fn start_ping(&mut self, host: &mut Host, now: SimTime, id: usize, args: &[&str]) -> Option<u32> {
        let pid = self.alloc_pids(1);
        let p = PingProc::start(host, now, id, pid, args)?;
        self.pings.push(p);
        Some(pid)
    }

    fn processes(&self) -> Vec<(u32, &'static str)> {
        let mut all = Vec::new();
        if let Some(k) = &self.keepalived {
            all.extend(k.pids().map(|p| (p, "keepalived")));
        }
        all.extend(self.pings.iter().map(|p| (p.pid(), "ping")));
        all
    }

    fn signal(&mut self, host: &mut Host, now: SimTime, pid: u32, signal: Signal) -> bool {
        if let Some(k) = self.keepalived.as_mut()
            && k.pids().contains(&pid)
        {
            match signal {
                Signal::Term | Signal::Int => k.terminate(host, now),
                Signal::Kill => {
                    // The whole process group dies at once: no priority-0 advert, the VIP
                    // stays configured (spec-vrrp §4.9).
                    k.kill(host);
                    self.keepalived = None;
                    self.keepalived_failed_at = Some(now);
                }
            }
            return true;
        }
        if let Some(p) = self.pings.iter_mut().find(|p| p.pid() == pid) {
            match signal {
                Signal::Kill => p.kill(host, now),
                Signal::Term | Signal::Int => p.interrupt(host, now),
            }
            return true;
        }
        false
    }
}

impl Host {
    /// Whether the package behind `unit` is installed (its configuration file exists).
    pub(crate) fn is_installed(&self, unit: Unit) -> bool {
        self.fs.read(unit.marker_file()).is_some() || self.cfg.enabled.iter().any(|e| e == unit.name())
    }

    /// `systemctl start UNIT` (also at boot for enabled units).
    pub(crate) fn service_start(&mut self, now: SimTime, unit: Unit) {
        match unit {
            Unit::Keepalived => {
                if self.procs.keepalived.is_some() {
                    return;
                }
                let pid = self.procs.alloc_pids(2);
                let k = Keepalived::start(self, now, pid);
                self.procs.keepalived = Some(k);
                self.procs.keepalived_failed_at = None;
            }
        }
    }

    /// Starts an enabled service by name at boot; unknown names were rejected by the scenario.
    pub(super) fn start_enabled(&mut self, now: SimTime, name: &str) {
        if let Some(unit) = Unit::from_name(name) {
            self.service_start(now, unit);
        }
    }

    /// `systemctl stop UNIT`: SIGTERM, then the unit is inactive once the process exits.
    pub(crate) fn service_stop(&mut self, now: SimTime, unit: Unit) {
        match unit {
            Unit::Keepalived => {
                self.procs.keepalived_failed_at = None;
                let mut procs = std::mem::take(&mut self.procs);
                if let Some(k) = procs.keepalived.as_mut() {
                    k.terminate(self, now);
                }
                self.procs = procs;
            }
        }
    }

    pub(crate) fn unit_state(&self, unit: Unit) -> UnitState {
        match unit {
            Unit::Keepalived => match (&self.procs.keepalived, self.procs.keepalived_failed_at) {
                (Some(k), _) if k.is_stopping() => UnitState::Deactivating { since: k.started_at(), pid: k.pids()[0] },
                (Some(k), _) => UnitState::Active { since: k.started_at(), pid: k.pids()[0] },
                (None, Some(at)) => UnitState::Failed { since: at },
                (None, None) => UnitState::Inactive,
            },
        }
    }

    /// Sends `signal` to process `pid`; false if there is none.
    pub(crate) fn signal_pid(&mut self, now: SimTime, pid: u32, signal: Signal) -> bool {
        let mut procs = std::mem::take(&mut self.procs);
        let hit = procs.signal(self, now, pid, signal);
        self.procs = procs;
        hit
    }

    /// Sends `signal` to every process called `name`; returns how many got it.
    pub(crate) fn signal_name(&mut self, now: SimTime, name: &str, signal: Signal) -> usize {
        let pids = self.pids_of(name);
        // keepalived's parent and child are one process group and take one signal as a whole.
        let targets = if name == "keepalived" { &pids[..pids.len().min(1)] } else { &pids[..] };
        targets.iter().filter(|&&pid| self.signal_pid(now, pid, signal)).count()
    }

    /// Whether process `pid` is running.
    pub(crate) fn pid_alive(&self, pid: u32) -> bool {
        self.procs.processes().iter().any(|(p, _)| *p == pid)
    }

    /// `pidof NAME`.
    pub(crate) fn pids_of(&self, name: &str) -> Vec<u32> {
        self.procs.processes().into_iter().filter(|(_, n)| *n == name).map(|(p, _)| p).collect()
    }

    /// The source address the host would use towards `dst`, for raw-socket processes.
    pub(crate) fn source_address(&self, dst: Ipv4Addr) -> Option<Ipv4Addr> {
        self.source_for(dst)
    }
}
