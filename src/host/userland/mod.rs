//! Userland: the processes of a machine and the console they are started from. Daemons
//! (`daemons/`) run as systemd units ([`units`]); console programs (`programs/`) are typed at
//! the prompt and run until they exit; the shell ([`shell`]) reads typed lines and runs its
//! builtins, programs and loops. Every process implements one trait ([`process::Process`]) and
//! reaches the machine only through the system calls ([`Sys`]) it is handed.
//!
//! The userland never waits to be called by the kernel: what the kernel queued for a process (a
//! packet on its raw socket, a link change) is picked up when the host drains the kernel's
//! wake-up list ([`Userland::run_wakeups`]) or at the process's next poll.

mod daemons;
mod net;
mod os;
mod packages;
mod process;
mod programs;
mod ready;
mod shell;
mod starting;
mod units;

use std::collections::BTreeMap;

pub(crate) use daemons::keepalived::configured_instances;
#[cfg(feature = "fuzzing")]
pub(crate) use daemons::nginx::test_files as nginx_t;
pub(crate) use os::{Os, os_names};
use packages::Packages;
use process::{Proc, Signal};
use units::Units;
pub(crate) use units::service_names;

use crate::host::kernel::{Fs, IfAddr, NoFile, Sys, Workers};
use crate::kernel::SimTime;
use crate::observe::trace::TraceKind;

/// Pids after boot-time services, as on a freshly booted small VM.
const FIRST_PID: u32 = 1000;

/// The console's login shell: bash, which login(1) started on `tty1` during the boot, with the
/// last pid the boot's own services used.
const LOGIN_SHELL_PID: u32 = FIRST_PID - 1;

/// One service as the lab's view shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ServiceView {
    /// The unit's name (`keepalived`).
    pub(crate) name: &'static str,
    /// `active`, `deactivating`, `failed` or `inactive`.
    pub(crate) state: &'static str,
    /// Its protocol state in a few words (keepalived: `VI_1 MASTER`).
    pub(crate) summary: Option<String>,
}

/// The process table: every daemon's main process (in unit-table order), then the console
/// programs (in start order).
fn table<'a>(units: &'a Units, programs: &'a [Proc]) -> impl Iterator<Item = &'a Proc> {
    units.all().filter_map(|u| units.main(u)).chain(programs)
}

/// The processes and console of one machine.
pub(crate) struct Userland {
    next_pid: u32,
    units: Units,
    /// Console programs, in start order.
    programs: Vec<Proc>,
    /// Typed lines still running.
    jobs: Vec<shell::Job>,
    /// The console shell's variables and `$?`.
    vars: shell::Vars,
    /// The host's name, for a new login's variables.
    hostname: String,
    /// Its operating system.
    os: Os,
    /// Its rpm database.
    packages: Packages,
    /// Exit statuses of console programs that ended since the console last ran, by pid.
    exited: BTreeMap<u32, i32>,
    /// When it last booted (the login shell's start).
    booted: SimTime,
    /// Enabled units ordered after `remote-fs.target`, waiting for the boot's NFS mounts, and
    /// the pid of systemd's mount of them.
    after_remote_fs: Option<(u32, Vec<units::Unit>)>,
    /// The worker pools last told to the kernel since boot ([`Userland::report_workers`]).
    reported_workers: Vec<(&'static str, Workers)>,
    /// The console shell's open-file limit (`ulimit -n`), which its programs inherit.
    nofile: NoFile,
}

impl Userland {
    /// The userland of host `hostname` running `os`, on a disk that holds the scenario's
    /// files: the operating system's own are added (its directories, files, an `ifcfg` file
    /// per NIC where its installer writes them), and the `enabled` services (their packages
    /// are installed) start at boot after the system's.
    pub(crate) fn new(hostname: &str, fs: &mut Fs, nics: &[(&str, IfAddr)], enabled: &[String], os: Os) -> Userland {
        let spec = os.spec();
        spec.prepare(fs, nics);
        let mut enabled_all: Vec<String> = spec.enabled.iter().map(|s| (*s).to_owned()).collect();
        enabled_all.extend(enabled.iter().filter(|e| !spec.enabled.contains(&e.as_str())).cloned());
        let packages = Packages::with_units(os, &enabled_all);
        Userland {
            next_pid: FIRST_PID,
            units: Units::install(fs, &enabled_all, &packages),
            os,
            packages,
            programs: Vec::new(),
            jobs: Vec::new(),
            vars: shell::Vars::login(hostname),
            hostname: hostname.to_owned(),
            exited: BTreeMap::new(),
            booted: SimTime::ZERO,
            after_remote_fs: None,
            reported_workers: Vec::new(),
            nofile: spec.nofile,
        }
    }

    /// What the installed daemons would say about their configuration on disk `fs` when they
    /// start (`labsim check`).
    pub(crate) fn config_notes(&self, fs: &Fs) -> Vec<process::ConfigNote> {
        self.units.config_notes(fs)
    }

    /// Boot: the enabled services start, in order. A unit that fails is left failed; its
    /// messages are in its log.
    pub(crate) fn boot(&mut self, k: &mut Sys<'_>, now: SimTime) {
        self.booted = now;
        // The kernel forgot the pools when the machine went down.
        self.reported_workers.clear();
        // systemd's remote-fs.target: the `_netdev` NFS entries of fstab are mounted once the
        // network is up, and the units ordered after it wait for them.
        if !programs::mount::has_boot_mounts(k) {
            for unit in self.units.boot_order() {
                let _ = self.units.start(k, now, unit, &mut self.next_pid);
            }
            return;
        }
        let (late, early): (Vec<_>, Vec<_>) = self.units.boot_order().into_iter().partition(|&u| self.units.spec(u).after_remote_fs);
        for unit in early {
            let _ = self.units.start(k, now, unit, &mut self.next_pid);
        }
        let pid = self.next_pid;
        if let Some(process) = programs::mount::boot(k, now, pid) {
            self.next_pid += 1;
            // systemd's mount of the `_netdev` entries: no terminal.
            self.programs.push(Proc { pid, npids: 1, started: now, args: Vec::new(), on_console: false, process });
            self.after_remote_fs = Some((pid, late));
            self.reap_programs(k);
            self.start_after_remote_fs(k, now);
        }
    }

    /// Starts this host's share of the scenario's user population at `now`: a program with no
    /// terminal, as systemd's boot mount is.
    pub(crate) fn start_users(&mut self, k: &mut Sys<'_>, now: SimTime, load: &crate::host::kernel::UserLoad) {
        let pid = self.next_pid;
        self.next_pid += 1;
        let process = programs::loadgen::start_users(k, now, load);
        self.programs.push(Proc { pid, npids: 1, started: now, args: Vec::new(), on_console: false, process });
    }

    /// Starts the units that waited for the boot's NFS mounts once those are over.
    fn start_after_remote_fs(&mut self, k: &mut Sys<'_>, now: SimTime) {
        let Some((pid, _)) = self.after_remote_fs else { return };
        if self.programs.iter().any(|p| p.pid == pid) {
            return;
        }
        self.exited.remove(&pid);
        let Some((_, late)) = self.after_remote_fs.take() else { return };
        for unit in late {
            let _ = self.units.start(k, now, unit, &mut self.next_pid);
        }
    }

    /// Power off: every process and job vanishes without a word.
    pub(crate) fn kill_all(&mut self) {
        self.units.kill_all();
        self.programs.clear();
        self.jobs.clear();
        self.exited.clear();
        self.after_remote_fs = None;
        self.vars = shell::Vars::login(&self.hostname);
        self.nofile = self.os.spec().nofile;
        self.next_pid = FIRST_PID;
    }

    /// Runs every process once, daemons in unit-table order then console programs in start
    /// order; true if any did something.
    pub(crate) fn poll(&mut self, k: &mut Sys<'_>, now: SimTime) -> bool {
        let mut moved = false;
        for unit in self.units.all() {
            if let Some(main) = self.units.main_mut(unit) {
                moved |= main.process.poll(k, now);
                moved |= self.spawn_children(k, now, unit);
                self.units.reap(k, now, unit, &mut self.next_pid);
            }
        }
        for p in &mut self.programs {
            moved |= p.process.poll(k, now);
        }
        self.reap_programs(k);
        if self.after_remote_fs.is_some() {
            self.start_after_remote_fs(k, now);
        }
        self.report_workers(k, now);
        moved
    }

    /// Tells the kernel the running daemons' worker pools (cost model on: the capacity report's
    /// worker utilisation).
    ///
    /// The kernel holds the last report until a different one (or a power-off), so the same
    /// pools again are not told: that costs a comparison, where telling cost a list.
    fn report_workers(&mut self, k: &mut Sys<'_>, now: SimTime) {
        if k.costs().is_none() {
            return;
        }
        let units = &self.units;
        let pools = || units.all().filter_map(|u| Some((units.spec(u).name, units.main(u)?.process.workers()?)));
        if pools().eq(self.reported_workers.iter().copied()) {
            return;
        }
        self.reported_workers = pools().collect();
        k.set_workers(now, &self.reported_workers);
    }

    /// When a process or job next needs polling.
    pub(crate) fn poll_timeout(&self) -> Option<SimTime> {
        let daemons = self.units.all().filter_map(|u| self.units.main(u)?.process.poll_timeout()).min();
        let programs = self.programs.iter().filter_map(|p| p.process.poll_timeout()).min();
        let jobs = self.jobs.iter().filter_map(shell::Job::poll_timeout).min();
        [daemons, programs, jobs].into_iter().flatten().min()
    }

    /// Polls the processes the kernel woke (a packet on a raw socket, a link change), in order.
    pub(crate) fn run_wakeups(&mut self, k: &mut Sys<'_>, now: SimTime) {
        while let Some(pid) = k.take_wakeup() {
            if let Some(unit) = self.unit_of(pid) {
                if let Some(main) = self.units.main_mut(unit) {
                    main.process.poll(k, now);
                }
                self.spawn_children(k, now, unit);
                self.units.reap(k, now, unit, &mut self.next_pid);
            } else if let Some(p) = self.programs.iter_mut().find(|p| p.has_pid(pid)) {
                p.process.poll(k, now);
            }
        }
        self.reap_programs(k);
        self.report_workers(k, now);
    }

    /// The end of the run (or where it stopped): records what each console program still
    /// running, and each loop asleep, was doing, before anything interrupts them.
    pub(crate) fn record_unfinished(&self, k: &mut Sys<'_>, now: SimTime) {
        for p in &self.programs {
            // A daemon's child is no console's business.
            let Some(u) = p.process.unfinished(now).filter(|u| u.id != crate::host::kernel::NO_CONSOLE) else { continue };
            let (url, status) = u.http.map_or((None, None), |(url, status)| (Some(url), status));
            let host = k.hostname().to_owned();
            let program = p.process.name().to_owned();
            k.record(now, TraceKind::Unfinished { host, id: u.id, program, started: p.started, state: u.state, url, status });
        }
        for job in &self.jobs {
            let Some((since, until)) = job.asleep() else { continue };
            let state = if until == SimTime::MAX {
                "sleeping for ever".to_owned()
            } else {
                let left = until.saturating_since(now).as_micros();
                format!("sleeping, {}.{:06} s left", left / 1_000_000, left % 1_000_000)
            };
            let host = k.hostname().to_owned();
            let kind =
                TraceKind::Unfinished { host, id: job.id(), program: "sleep".to_owned(), started: since, state, url: None, status: None };
            k.record(now, kind);
        }
    }

    /// The end of the run: running console commands get SIGINT (as Ctrl-C), so `ping` prints
    /// its statistics, and loops stop where they are.
    pub(crate) fn interrupt_commands(&mut self, k: &mut Sys<'_>, now: SimTime) {
        for job in &mut self.jobs {
            job.interrupt(k);
        }
        for p in &mut self.programs {
            p.process.signal(k, now, Signal::Int);
        }
        self.reap_programs(k);
    }

    /// The services and their states, for the lab's view.
    pub(crate) fn services(&self) -> Vec<ServiceView> {
        self.units
            .all()
            .filter(|u| self.units.is_installed(*u))
            .map(|u| ServiceView {
                name: self.units.spec(u).name,
                state: self.units.state(u).word(),
                summary: self.units.main(u).and_then(|m| m.process.summary()),
            })
            .collect()
    }

    /// Removes the console programs that have exited; the kernel closes what they held, and the
    /// console learns their exit statuses.
    fn reap_programs(&mut self, k: &mut Sys<'_>) {
        for p in &self.programs {
            let Some(exit) = p.process.exit() else { continue };
            p.pids().into_iter().for_each(|pid| k.exit_process(pid));
            self.exited.insert(p.pid, exit.status());
        }
        self.programs.retain(|p| p.process.exit().is_none());
    }

    /// Starts the command lines the main process of `unit` asked to run as its children
    /// (fork, then exec through the shell's command table), each with a pid of its own; true if
    /// any started. They run as jobs no console sees ([`shell::Job::child`]).
    fn spawn_children(&mut self, k: &mut Sys<'_>, now: SimTime, unit: units::Unit) -> bool {
        let Some(main) = self.units.main_mut(unit) else { return false };
        let owner = main.pid;
        let spawns = main.process.take_spawns();
        let started = !spawns.is_empty();
        for spawn in spawns {
            // The fork takes a pid.
            self.next_pid += 1;
            let mut vars = shell::Vars::login(&self.hostname);
            // keepalived's children start in `/` (it chdir()s there as a daemon).
            vars.set("PWD", "/".to_owned());
            let child = shell::Child { owner, tag: spawn.tag, deadline: spawn.timeout.map(|t| now + t), vars };
            self.jobs.push(shell::Job::spawned(k.fs(), &spawn.command, child));
        }
        started
    }

    /// Tells a daemon that its child `child` ended.
    fn child_ended(&mut self, k: &mut Sys<'_>, now: SimTime, child: &shell::Child, exit: process::ChildExit) {
        let Some(unit) = self.unit_of(child.owner) else { return };
        if let Some(main) = self.units.main_mut(unit) {
            main.process.child_exited(k, now, child.tag, exit);
        }
        self.spawn_children(k, now, unit);
        self.units.reap(k, now, unit, &mut self.next_pid);
    }

    fn unit_of(&self, pid: u32) -> Option<units::Unit> {
        self.units.all().find(|u| self.units.main(*u).is_some_and(|m| m.has_pid(pid)))
    }

    /// Sends `signal` to process `pid`; false if there is none.
    fn signal_pid(&mut self, k: &mut Sys<'_>, now: SimTime, pid: u32, signal: Signal) -> bool {
        if let Some(unit) = self.unit_of(pid) {
            if let Some(main) = self.units.main_mut(unit) {
                main.process.signal_pid(k, now, pid, signal);
            }
            self.units.reap(k, now, unit, &mut self.next_pid);
            return true;
        }
        let Some(p) = self.programs.iter_mut().find(|p| p.has_pid(pid)) else { return false };
        // No console program sets a handler for a signal whose default action is to ignore it.
        if !signal.ignored_by_default() {
            p.process.signal_pid(k, now, pid, signal);
        }
        self.reap_programs(k);
        true
    }

    /// Sends `signal` to every process called `name` (a master and its workers, one process
    /// group, take one signal); returns how many got it.
    fn signal_name(&mut self, k: &mut Sys<'_>, now: SimTime, name: &str, signal: Signal) -> usize {
        let named = |p: &Proc| p.process.name() == name && !p.pids().is_empty();
        let units: Vec<units::Unit> = self.units.all().filter(|u| self.units.main(*u).is_some_and(named)).collect();
        let programs: Vec<u32> = self.programs.iter().filter(|p| named(p)).map(|p| p.pid).collect();
        for &unit in &units {
            if let Some(main) = self.units.main_mut(unit) {
                main.process.signal(k, now, signal);
            }
            self.units.reap(k, now, unit, &mut self.next_pid);
        }
        units.len() + programs.into_iter().filter(|pid| self.signal_pid(k, now, *pid, signal)).count()
    }

    /// Every live process, by pid, with its command name (`pgrep`).
    fn processes(&self) -> Vec<(u32, &'static str)> {
        let mut all: Vec<(u32, &'static str)> =
            table(&self.units, &self.programs).flat_map(|p| p.pids().into_iter().map(move |pid| (pid, p.process.name()))).collect();
        all.sort_unstable();
        all
    }

    /// Whether process `pid` exists (`kill -0 PID`).
    fn pid_exists(&self, pid: u32) -> bool {
        table(&self.units, &self.programs).any(|p| p.has_pid(pid))
    }

    /// `pidof NAME`.
    fn pids_of(&self, name: &str) -> Vec<u32> {
        table(&self.units, &self.programs).filter(|p| p.process.name() == name).flat_map(Proc::pids).collect()
    }

    /// Sends `signal` to the main process of `unit` (`systemctl reload`); false if the unit is
    /// not active.
    fn signal_unit(&mut self, k: &mut Sys<'_>, now: SimTime, unit: units::Unit, signal: Signal) -> bool {
        self.units.signal_main(k, now, unit, signal, &mut self.next_pid)
    }

    /// `systemctl start`; `Err` with how the daemon refused to start.
    fn start_unit(&mut self, k: &mut Sys<'_>, now: SimTime, unit: units::Unit) -> Result<(), process::StartError> {
        self.units.start(k, now, unit, &mut self.next_pid)
    }
}
