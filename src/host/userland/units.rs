//! systemd's view of the machine's services: the unit table (every daemon labsim can run, one
//! row each), which units are installed and enabled, and each unit's main process and state as
//! `systemctl` reports it (systemd 252).
//!
//! Adding a daemon is one file under `daemons/` that exports its [`UnitSpec`], plus one row in
//! [`UNITS`]. The scenario validator reads the same table ([`service_names`]), so `labsim check`
//! and a run agree on which services exist.

use super::daemons::{firewalld, httpd, keepalived, network, nfs_server, nginx, rpcbind};
use super::packages::Packages;
use super::process::{ConfigNote, Exit, Proc, Signal, StartError, UnitSpec};
use super::starting::Starting;
use crate::host::kernel::{Fs, Sys};
use crate::kernel::SimTime;

/// Every unit labsim can run, in the order the host polls their daemons.
const UNITS: &[&UnitSpec] =
    &[&keepalived::UNIT, &httpd::UNIT, &nginx::UNIT, &rpcbind::UNIT, &nfs_server::UNIT, &network::UNIT, &firewalld::UNIT];

/// The names of the services a scenario may enable or a console may start.
pub(crate) fn service_names() -> impl Iterator<Item = &'static str> {
    UNITS.iter().map(|u| u.name)
}

/// Writes the files a unit's package brings that are not on the disk yet.
fn write_package_files(fs: &mut Fs, spec: &UnitSpec, now: SimTime) {
    for (path, text) in spec.package_files {
        if fs.read(path).is_none() {
            fs.write(path, text.as_bytes().to_vec(), now);
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
    /// Killed by a signal, or refused to start.
    Failed { since: SimTime, result: &'static str },
}

impl UnitState {
    /// `systemctl is-active`'s word.
    pub(crate) fn word(self) -> &'static str {
        match self {
            UnitState::Active { .. } => "active",
            UnitState::Deactivating { .. } => "deactivating",
            UnitState::Failed { .. } => "failed",
            UnitState::Inactive => "inactive",
        }
    }
}

/// One unit's runtime: its main process, how it last failed, a start waiting for a stop.
struct Slot {
    spec: &'static UnitSpec,
    installed: bool,
    main: Option<Proc>,
    /// When it failed and systemd's `Result:` (`signal`, `exit-code`, `core-dump`).
    failed: Option<(SimTime, &'static str)>,
    /// A `start` that waits for the stopping main process to exit.
    restart: bool,
}

/// A unit, as named by [`Units::find`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Unit(usize);

/// The units of one machine.
pub(crate) struct Units {
    slots: Vec<Slot>,
    /// Enabled units in the order they start at boot (it survives a power cycle).
    enabled: Vec<Unit>,
}

impl Units {
    /// The units of a disk prepared with `enabled` services. On a ready-made host a unit is
    /// installed when it is enabled or its package's marker (file or directory) is on the disk;
    /// elsewhere when its package is (or it is enabled: the scenario installed it). A package
    /// pulls in the packages of the units it requires, and its files that the scenario did not
    /// provide are written.
    pub(crate) fn install(fs: &mut Fs, enabled: &[String], packages: &Packages) -> Units {
        let wanted = |spec: &UnitSpec| enabled.iter().any(|e| e.strip_suffix(".service").unwrap_or(e) == spec.name);
        let present = |spec: &UnitSpec| {
            let on_disk = if packages.has_every() {
                fs.read(spec.package_marker).is_some() || fs.is_dir(spec.package_marker)
            } else {
                packages.has_unit(spec.name)
            };
            on_disk || wanted(spec)
        };
        // A package pulls in the packages of the units it requires.
        let required: Vec<&str> = UNITS.iter().filter(|s| present(s)).flat_map(|s| s.requires.iter().copied()).collect();
        let installed: Vec<bool> = UNITS.iter().map(|s| present(s) || required.contains(&s.name)).collect();
        let slots: Vec<Slot> = UNITS
            .iter()
            .zip(installed)
            .map(|(&spec, installed)| {
                if installed {
                    write_package_files(fs, spec, SimTime::ZERO);
                }
                Slot { spec, installed, main: None, failed: None, restart: false }
            })
            .collect();
        let mut units = Units { slots, enabled: Vec::new() };
        units.enabled = enabled.iter().filter_map(|name| units.find(name)).collect();
        units
    }

    /// rpm installed the package that brings unit `name`: the unit exists from now on, with its
    /// files.
    pub(crate) fn add_package_unit(&mut self, fs: &mut Fs, name: &str, now: SimTime) {
        if let Some(slot) = self.slots.iter_mut().find(|s| s.spec.name == name && !s.installed) {
            slot.installed = true;
            write_package_files(fs, slot.spec, now);
        }
    }

    /// What the installed units' daemons would say about their configuration on this disk, in
    /// table order.
    pub(crate) fn config_notes(&self, fs: &Fs) -> Vec<ConfigNote> {
        self.slots.iter().filter(|s| s.installed).flat_map(|s| (s.spec.check)(fs)).collect()
    }

    /// The unit called `name` (`keepalived` or `keepalived.service`), installed or not.
    pub(crate) fn find(&self, name: &str) -> Option<Unit> {
        let name = name.strip_suffix(".service").unwrap_or(name);
        self.slots.iter().position(|s| s.spec.name == name).map(Unit)
    }

    /// Every unit, in table order.
    pub(crate) fn all(&self) -> impl Iterator<Item = Unit> + use<> {
        (0..self.slots.len()).map(Unit)
    }

    /// The unit's row of the table.
    pub(crate) fn spec(&self, unit: Unit) -> &'static UnitSpec {
        self.slots[unit.0].spec
    }

    /// Whether its package is installed.
    pub(crate) fn is_installed(&self, unit: Unit) -> bool {
        self.slots[unit.0].installed
    }

    /// Whether it starts at boot.
    pub(crate) fn is_enabled(&self, unit: Unit) -> bool {
        self.enabled.contains(&unit)
    }

    /// `systemctl enable|disable`.
    pub(crate) fn set_enabled(&mut self, unit: Unit, enabled: bool) {
        self.enabled.retain(|u| *u != unit);
        if enabled {
            self.enabled.push(unit);
        }
    }

    /// The units to start at boot, in order.
    pub(crate) fn boot_order(&self) -> Vec<Unit> {
        self.enabled.clone()
    }

    /// Power off: every process vanishes, and with it every record of failure.
    pub(crate) fn kill_all(&mut self) {
        for slot in &mut self.slots {
            slot.main = None;
            slot.failed = None;
            slot.restart = false;
        }
    }

    /// The unit's main process.
    pub(crate) fn main(&self, unit: Unit) -> Option<&Proc> {
        self.slots[unit.0].main.as_ref()
    }

    /// The unit's main process, for polling or signalling.
    pub(crate) fn main_mut(&mut self, unit: Unit) -> Option<&mut Proc> {
        self.slots[unit.0].main.as_mut()
    }

    /// `systemctl start`: `pids` hands out the pids. `Err` carries what the daemon printed when
    /// it refused to start (the unit is then failed, with its messages in its log).
    pub(crate) fn start(&mut self, k: &mut Sys<'_>, now: SimTime, unit: Unit, pids: &mut u32) -> Result<(), StartError> {
        for name in self.slots[unit.0].spec.requires {
            if let Some(required) = self.find(name)
                && self.slots[required.0].main.is_none()
            {
                self.start(k, now, required, pids)?;
            }
        }
        let slot = &mut self.slots[unit.0];
        slot.failed = None;
        match &slot.main {
            // Still shutting down: systemd starts it again once it has exited.
            Some(main) if main.process.stopping_since().is_some() => {
                slot.restart = true;
                Ok(())
            }
            Some(_) => Ok(()),
            None => {
                let pid = *pids;
                *pids += slot.spec.pids;
                k.cgroup_attach(pid, slot.spec.pids, slot.spec.name);
                // With a start-up latency the daemon runs its own code later (a failure then
                // leaves the unit failed once it happens).
                let delay = k.startup_delay();
                if !delay.is_zero() {
                    let process = Box::new(Starting::new(slot.spec.name, pid, now + delay, slot.spec.start));
                    slot.main = Some(Proc { pid, npids: slot.spec.pids, started: now, args: Vec::new(), on_console: false, process });
                    return Ok(());
                }
                match (slot.spec.start)(k, now, pid) {
                    Ok(process) => {
                        // Pids are handed out here only, so the ones after `pid` are still free.
                        let npids = process.pid_count().unwrap_or(slot.spec.pids);
                        *pids = pid + npids.max(slot.spec.pids);
                        k.cgroup_attach(pid, npids, slot.spec.name);
                        slot.main = Some(Proc { pid, npids, started: now, args: Vec::new(), on_console: false, process });
                        Ok(())
                    }
                    Err(StartError::Exit(lines)) => {
                        slot.failed = Some((now, "exit-code"));
                        for line in &lines {
                            k.syslog(now, slot.spec.name, pid, line.clone());
                        }
                        Err(StartError::Exit(lines))
                    }
                    // systemd raises RLIMIT_CORE to infinity for the processes it starts, so the
                    // crash dumps core.
                    Err(StartError::Segfault) => {
                        slot.failed = Some((now, "core-dump"));
                        Err(StartError::Segfault)
                    }
                }
            }
        }
    }

    /// `systemctl stop`: the unit's stop signal (SIGTERM, or what its `ExecStop=` sends); the
    /// unit is inactive once the process exits.
    pub(crate) fn stop(&mut self, k: &mut Sys<'_>, now: SimTime, unit: Unit) {
        let slot = &mut self.slots[unit.0];
        if let Some(main) = slot.main.as_mut() {
            main.process.signal(k, now, slot.spec.stop_signal);
            if main.process.exit().is_some()
                && let Some(main) = slot.main.take()
            {
                main.pids().into_iter().for_each(|pid| k.exit_process(pid));
            }
        }
        slot.failed = None;
    }

    /// `systemctl reload` of a unit whose `ExecReload=` signals its main process; false when
    /// the unit is not active (systemd's job is then invalid).
    pub(crate) fn signal_main(&mut self, k: &mut Sys<'_>, now: SimTime, unit: Unit, signal: Signal, pids: &mut u32) -> bool {
        if !matches!(self.state(unit), UnitState::Active { .. }) {
            return false;
        }
        if let Some(main) = self.slots[unit.0].main.as_mut() {
            main.process.signal(k, now, signal);
        }
        self.reap(k, now, unit, pids);
        true
    }

    /// Takes note of a main process that has exited: SIGKILL leaves the unit failed, and a
    /// start that waited for the exit happens now.
    /// A main process that forks (keepalived respawning its child) gets the next pid, in the
    /// unit's cgroup.
    pub(crate) fn reap(&mut self, k: &mut Sys<'_>, now: SimTime, unit: Unit, pids: &mut u32) {
        let slot = &mut self.slots[unit.0];
        if let Some(main) = slot.main.as_mut()
            && main.process.wants_fork()
        {
            let pid = *pids;
            *pids += 1;
            k.cgroup_attach(pid, 1, slot.spec.name);
            main.process.forked(k, now, pid);
        }
        let Some(exit) = slot.main.as_ref().and_then(|m| m.process.exit()) else { return };
        if let Some(main) = slot.main.take() {
            main.pids().into_iter().for_each(|pid| k.exit_process(pid));
        }
        if exit == Exit::Signal(Signal::Kill) {
            slot.failed = Some((now, "signal"));
        }
        if std::mem::take(&mut slot.restart) {
            // A failed restart leaves the unit failed, with its messages in its log.
            let _ = self.start(k, now, unit, pids);
        }
    }

    /// The unit's state as `systemctl status` shows it.
    pub(crate) fn state(&self, unit: Unit) -> UnitState {
        let slot = &self.slots[unit.0];
        match (&slot.main, slot.failed) {
            (Some(main), _) => match main.process.stopping_since() {
                Some(since) => UnitState::Deactivating { since, pid: main.pid },
                None => UnitState::Active { since: main.started, pid: main.pid },
            },
            (None, Some((since, result))) => UnitState::Failed { since, result },
            (None, None) => UnitState::Inactive,
        }
    }
}
