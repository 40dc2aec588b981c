//! The keepalived process pair of one host (parent `Keepalived` + child `Keepalived_vrrp`), sans-IO.
//!
//! [`Daemon::start`] logs keepalived 2.2.7's start-up lines (spec §5; `-D` lines are dropped
//! unless [`DaemonOptions::log_detail`]), reads the configuration and starts one [`Instance`] per
//! usable `vrrp_instance`. Then: [`Daemon::handle_packet`] routes a received IPv4 packet to the
//! instances of that interface by VRID (unknown VRIDs are ignored, as keepalived does without
//! `log_unknown_vrids`), [`Daemon::handle_link`] reports netlink link changes,
//! [`Daemon::handle_sigterm`] stops (1 s shutdown timer, then `Stopped`), and
//! [`Daemon::handle_timeout`] runs whatever is due, including the tracked `vrrp_script`s, each
//! every interval from start-up on ([`Action::RunScript`]; the glue runs it as a child and
//! reports its end with [`Daemon::handle_script_end`]). Drain [`Daemon::poll_action`] after each
//! call.
//!
//! The two processes can also die one at a time. [`Daemon::handle_parent_killed`]: the child
//! started with `prctl(PR_SET_PDEATHSIG, SIGTERM)` (`start_vrrp_child()`, `vrrp_daemon.c`), so
//! it shuts down as on SIGTERM, without the parent's lines. [`Daemon::handle_child_killed`]: the
//! parent logs and forks a new child ([`Action::Respawn`], then [`Daemon::handle_respawned`]),
//! after the delay of [`super::respawn`].

use std::collections::VecDeque;
use std::net::Ipv4Addr;
use std::time::Duration;

use crate::kernel::SimTime;
use crate::wire::vrrp as wire;

use super::config;
use super::instance::track::TrackStart;
use super::instance::{Action, Instance, Process, State};
use super::respawn::{ChildEnd, Respawn};
use super::script::{RunEnd, Tracker};

/// keepalived's version string.
pub(crate) const VERSION: &str = "Keepalived v2.2.7 (01/16,2022)";

/// A network interface of the host as keepalived sees it at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Interface {
    /// `eth0`.
    pub name: String,
    /// Its MAC address.
    pub mac: [u8; 6],
    /// Its primary IPv4 address (adverts are sent from it).
    pub primary: Option<Ipv4Addr>,
    /// Link state.
    pub up: bool,
}

/// Command-line-like options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct DaemonOptions {
    /// `-D`/`--log-detail`: also emit the lines marked `[D]` in the spec.
    pub log_detail: bool,
    /// The pid the VRRP child gets (logged by the parent).
    pub vrrp_pid: u32,
}

/// A read-only view of one instance, for display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InstanceView {
    /// `VI_1`.
    pub name: String,
    /// Current state.
    pub state: State,
    /// Effective priority.
    pub priority: u8,
    /// VRID.
    pub vrid: u8,
    /// Interface.
    pub interface: String,
}

/// keepalived on one host.
#[derive(Debug)]
pub(crate) struct Daemon {
    options: DaemonOptions,
    instances: Vec<Instance>,
    links: Vec<(String, bool)>,
    out: VecDeque<Action>,
    /// The `vrrp_script`s some instance tracks, with when each next runs.
    scripts: Vec<(Tracker, SimTime)>,
    /// Who tracks what: (instance, script, weight, reverse).
    script_tracks: Vec<(usize, usize, i32, bool)>,
    /// (instance, interface, weight, reverse) for each `track_interface` entry.
    if_tracks: Vec<(usize, String, i32, bool)>,
    shutdown_at: Option<SimTime>,
    /// The child is shutting down (SIGTERM, its own or its parent's).
    stopping: bool,
    exited: bool,
    /// The parent process runs.
    parent: bool,
    /// The parent took SIGTERM and waits for its child.
    parent_stopping: bool,
    /// The VRRP child's pid while it runs.
    child: Option<u32>,
    respawn: Respawn,
    /// When the parent forks the next child.
    respawn_at: Option<SimTime>,
}

impl Daemon {
    /// Starts keepalived at `now`. `config_text` is `None` when the file does not exist.
    pub(crate) fn start(
        now: SimTime,
        config_text: Option<&str>,
        config_path: &str,
        interfaces: &[Interface],
        options: DaemonOptions,
    ) -> Daemon {
        let mut d = Daemon {
            options,
            instances: Vec::new(),
            links: interfaces.iter().map(|i| (i.name.clone(), i.up)).collect(),
            out: VecDeque::new(),
            scripts: Vec::new(),
            script_tracks: Vec::new(),
            if_tracks: Vec::new(),
            shutdown_at: None,
            stopping: false,
            exited: false,
            parent: true,
            parent_stopping: false,
            child: None,
            respawn: Respawn::new(now),
            respawn_at: None,
        };
        d.log(Process::Parent, format!("Starting {VERSION}"), false);
        let Some(text) = config_text else {
            d.log(Process::Parent, format!("Config files missing '{config_path}'."), false);
            d.log(Process::Parent, format!("Stopped {VERSION}"), false);
            d.exited = true;
            d.out.push_back(Action::Exited);
            return d;
        };
        d.log(Process::Parent, format!("Opening file '{config_path}'."), true);
        d.log(Process::Parent, format!("Configuration file {config_path}"), false);
        d.start_child(now, text, config_path, interfaces, options.vrrp_pid);
        d
    }

    /// `start_vrrp_child()`: the parent forks child `pid`, which reads the configuration and
    /// starts its instances.
    fn start_child(&mut self, now: SimTime, text: &str, config_path: &str, interfaces: &[Interface], pid: u32) {
        let d = self;
        d.child = Some(pid);
        d.stopping = false;
        d.respawn.started(now);
        d.links = interfaces.iter().map(|i| (i.name.clone(), i.up)).collect();
        d.log(Process::Parent, format!("Starting VRRP child process, pid={pid}"), false);
        d.log(Process::Vrrp, "Registering Kernel netlink reflector".into(), true);
        d.log(Process::Vrrp, "Registering Kernel netlink command channel".into(), true);
        d.log(Process::Vrrp, format!("Opening file '{config_path}'."), true);
        let parsed = config::parse(text, config_path);
        for m in &parsed.messages {
            d.log(Process::Vrrp, m.text.clone(), false);
        }
        d.complete_scripts(now, &parsed.config, interfaces);
        let mut assigned: Vec<String> = Vec::new();
        for (k, cfg) in parsed.config.instances.into_iter().enumerate() {
            let iface = interfaces.iter().find(|i| i.name == cfg.interface);
            if iface.is_none() {
                d.log(Process::Vrrp, format!("WARNING - interface {} for vrrp_instance {} doesn't exist", cfg.interface, cfg.name), false);
            }
            if let Some(i) = iface
                && let Some(a) = i.primary
                && !assigned.contains(&i.name)
            {
                assigned.push(i.name.clone());
                d.log(Process::Vrrp, format!("Assigned address {a} for interface {}", i.name), false);
            }
            let mut inst = Instance::new(cfg, iface.and_then(|i| i.primary), iface.map(|i| i.mac).unwrap_or([0; 6]));
            inst.init_tracking(&d.tracking_start(k));
            d.instances.push(inst);
            d.drain(k);
        }
        d.log(Process::Vrrp, "Registering gratuitous ARP shared channel".into(), true);
        d.log(Process::Vrrp, "Startup complete".into(), false);
        for k in 0..d.instances.len() {
            let up = d.link_up(d.instances[k].interface());
            d.instances[k].start(now, up);
            d.drain(k);
        }
        for (k, (name, _)) in d.links.clone().iter().enumerate() {
            if d.instances.iter().any(|i| i.interface() == name) {
                d.log(
                    Process::Vrrp,
                    format!(
                        "VRRP sockpool: [ifindex({:3}), family(IPv4), proto(112), fd({},{}) multicast, address(224.0.0.18)]",
                        k + 2,
                        13 + 2 * k,
                        14 + 2 * k
                    ),
                    true,
                );
            }
        }
    }

    /// The parent forked the child it was waiting to respawn ([`Action::Respawn`]) with pid
    /// `pid`; the child reads the configuration anew (none if the file is gone).
    pub(crate) fn handle_respawned(
        &mut self,
        now: SimTime,
        config_text: Option<&str>,
        config_path: &str,
        interfaces: &[Interface],
        pid: u32,
    ) {
        if self.exited || !self.parent || self.child.is_some() {
            return;
        }
        self.start_child(now, config_text.unwrap_or_default(), config_path, interfaces, pid);
    }

    /// The VRRP child's pid while it runs.
    pub(crate) fn child_pid(&self) -> Option<u32> {
        self.child
    }

    /// Whether the parent process runs.
    pub(crate) fn parent_alive(&self) -> bool {
        self.parent
    }

    fn link_up(&self, name: &str) -> bool {
        self.links.iter().any(|(n, up)| n == name && *up)
    }

    fn log(&mut self, process: Process, text: String, detail: bool) {
        if detail && !self.options.log_detail {
            return;
        }
        self.out.push_back(Action::Log { process, text, detail });
    }

    fn drain(&mut self, k: usize) {
        while let Some(a) = self.instances[k].poll_action() {
            match a {
                Action::Log { process, text, detail } => self.log(process, text, detail),
                a => self.out.push_back(a),
            }
        }
    }

    /// The scripts the instances track, and what keepalived says about them after reading its
    /// configuration (`check_vrrp_script_security()`, the unused-script check of
    /// `vrrp_complete_init()` in `vrrp.c`); tracked interfaces that do not exist are dropped
    /// (`alloc_track_if()`).
    fn complete_scripts(&mut self, now: SimTime, cfg: &config::Config, interfaces: &[Interface]) {
        let mut used: Vec<usize> = Vec::new();
        for (k, inst) in cfg.instances.iter().enumerate() {
            for t in &inst.track_scripts {
                if let Some(i) = cfg.scripts.iter().position(|s| s.name == t.name) {
                    if !used.contains(&i) {
                        used.push(i);
                    }
                    self.script_tracks.push((k, i, t.weight, t.reverse));
                }
            }
            for t in &inst.track_interfaces {
                if interfaces.iter().any(|i| i.name == t.name) {
                    self.if_tracks.push((k, t.name.clone(), t.weight, t.reverse));
                } else {
                    self.log(Process::Vrrp, format!("({}) tracked interface {} doesn't exist", inst.name, t.name), false);
                }
            }
        }
        let notifies: Vec<&String> = cfg
            .instances
            .iter()
            .flat_map(|i| [&i.notify.master, &i.notify.backup, &i.notify.fault, &i.notify.stop, &i.notify.any])
            .flatten()
            .collect();
        let commands: Vec<&String> = cfg.scripts.iter().map(|s| &s.command).chain(notifies.iter().copied()).collect();
        if commands.is_empty() {
            return;
        }
        // get_default_script_user() (lib/notify.c): no `keepalived_script` user on the lab's hosts.
        if cfg.scripts.iter().any(|s| s.user.is_none()) || !notifies.is_empty() {
            self.log(Process::Vrrp, "Script user 'keepalived_script' does not exist".into(), false);
        }
        for command in commands {
            let first = command.split_whitespace().next().unwrap_or_default();
            if !first.contains('/') {
                let path = super::script::path_of(first);
                self.log(
                    Process::Vrrp,
                    format!("WARNING - script `{first}` resolved by path search to `{path}`. Please specify full path."),
                    false,
                );
            }
        }
        self.log(Process::Vrrp, "SECURITY VIOLATION - scripts are being executed but script_security not enabled.".into(), false);
        for (i, script) in cfg.scripts.iter().enumerate() {
            if used.contains(&i) {
                self.scripts.push((Tracker::new(script.clone()), now));
            } else {
                self.log(Process::Vrrp, format!("Warning - script {} is not used", script.name), false);
            }
        }
        // Indices into `self.scripts`, which holds the used ones only.
        for t in &mut self.script_tracks {
            t.1 = used.iter().filter(|u| **u < t.1).count();
        }
    }

    /// How instance `k`'s tracked objects stand when tracking starts.
    fn tracking_start(&self, k: usize) -> Vec<(String, TrackStart)> {
        let scripts = self.script_tracks.iter().filter(|t| t.0 == k).map(|&(_, i, weight, reverse)| {
            let tracker = &self.scripts[i].0;
            (format!("script {}", tracker.cfg.name), TrackStart { weight, reverse, init: tracker.in_init(), ok: tracker.is_ok() })
        });
        let ifs = self.if_tracks.iter().filter(|t| t.0 == k).map(|(_, name, weight, reverse)| {
            (format!("interface {name}"), TrackStart { weight: *weight, reverse: *reverse, init: false, ok: self.link_up(name) })
        });
        scripts.chain(ifs).collect()
    }

    /// A run of script `script` (the index of [`Action::RunScript`]) ended.
    pub(crate) fn handle_script_end(&mut self, now: SimTime, script: usize, end: RunEnd) {
        if self.exited || self.stopping || self.child.is_none() {
            return;
        }
        let Some((tracker, _)) = self.scripts.get_mut(script) else { return };
        let was_init = tracker.in_init();
        let (logs, changed) = tracker.handle_end(end);
        tracker.settle();
        for line in logs {
            self.log(Process::Vrrp, line, false);
        }
        let Some(ok) = changed else { return };
        for (k, _, weight, reverse) in self.script_tracks.clone().into_iter().filter(|t| t.1 == script) {
            self.instances[k].script_changed(now, weight, reverse, was_init, ok);
            self.drain(k);
        }
    }

    /// Starts the scripts due at `now` (`vrrp_script_thread()`): each runs every interval from
    /// start-up on, whether or not the last run has ended.
    fn run_scripts(&mut self, now: SimTime) {
        for i in 0..self.scripts.len() {
            let (tracker, next) = &mut self.scripts[i];
            if *next > now {
                continue;
            }
            *next = now + tracker.cfg.interval;
            let busy = tracker.running;
            tracker.running = true;
            let command = tracker.cfg.command.clone();
            let timeout = tracker.cfg.run_timeout();
            let name = tracker.cfg.name.clone();
            if busy {
                self.log(Process::Vrrp, format!("Track script {name} is already running, expect idle - skipping run"), false);
            }
            self.out.push_back(Action::RunScript { script: i, command, timeout });
        }
    }

    /// Next output.
    pub(crate) fn poll_action(&mut self) -> Option<Action> {
        self.out.pop_front()
    }

    /// When [`Daemon::handle_timeout`] must next be called.
    pub(crate) fn poll_timeout(&self) -> Option<SimTime> {
        let scripts = self.scripts.iter().map(|(_, next)| *next).filter(|_| self.child.is_some() && !self.stopping && !self.exited);
        self.instances.iter().filter_map(Instance::poll_timeout).chain(self.shutdown_at).chain(self.respawn_at).chain(scripts).min()
    }

    /// True once both processes have exited.
    pub(crate) fn is_exited(&self) -> bool {
        self.exited
    }

    /// The instances, for display.
    pub(crate) fn instances(&self) -> Vec<InstanceView> {
        self.instances
            .iter()
            .map(|i| InstanceView {
                name: i.name().to_string(),
                state: i.state(),
                priority: i.priority(),
                vrid: i.vrid(),
                interface: i.interface().to_string(),
            })
            .collect()
    }

    /// An IPv4 packet received on `iface` (the raw socket sees protocol 112 and 51).
    pub(crate) fn handle_packet(&mut self, now: SimTime, iface: &str, ip_packet: &[u8]) {
        if self.exited || self.stopping {
            return;
        }
        let Ok(ip) = wire::ipv4_header(ip_packet) else {
            return;
        };
        if ip.protocol() != wire::IP_PROTO_VRRP && ip.protocol() != 51 {
            return;
        }
        let Some(vrid) = ip_packet.get(ip.header_len() + 1).copied() else {
            return;
        };
        for k in 0..self.instances.len() {
            if self.instances[k].interface() == iface && self.instances[k].vrid() == vrid {
                self.instances[k].handle_packet(now, ip_packet);
                self.drain(k);
            }
        }
    }

    /// The link of `iface` went up or down (netlink).
    pub(crate) fn handle_link(&mut self, now: SimTime, iface: &str, up: bool) {
        let mut changed = false;
        for (n, u) in &mut self.links {
            if n == iface && *u != up {
                *u = up;
                changed = true;
            }
        }
        if !changed || self.exited || self.stopping {
            return;
        }
        if self.instances.iter().any(|i| i.interface() == iface) || self.if_tracks.iter().any(|t| t.1 == iface) {
            self.log(Process::Vrrp, format!("Netlink reports {iface} {}", if up { "up" } else { "down" }), false);
        }
        for k in 0..self.instances.len() {
            if self.instances[k].interface() == iface {
                self.instances[k].handle_link(now, up);
                self.drain(k);
            }
        }
        for (k, _, weight, reverse) in self.if_tracks.clone().into_iter().filter(|t| t.1 == iface) {
            if self.instances[k].interface() != iface {
                self.instances[k].interface_changed(now, weight, reverse, up);
                self.drain(k);
            }
        }
    }

    /// SIGTERM to the parent (`systemctl stop keepalived`): it logs `Stopping` and passes the
    /// signal to its child.
    pub(crate) fn handle_sigterm(&mut self, now: SimTime) {
        if self.exited || !self.parent || self.parent_stopping {
            return;
        }
        self.parent_stopping = true;
        self.respawn_at = None;
        self.log(Process::Parent, "Stopping".into(), false);
        if self.child.is_none() {
            self.finish();
            return;
        }
        self.child_sigterm(now);
    }

    /// SIGTERM to the child alone (`kill CHILD`): it shuts down, and the parent respawns it.
    pub(crate) fn handle_child_sigterm(&mut self, now: SimTime) {
        if !self.exited && self.child.is_some() {
            self.child_sigterm(now);
        }
    }

    /// `sigend_vrrp()` → `vrrp_terminate_phase1()`: masters send priority 0 and remove their
    /// VIPs, then a 1 s timer lets the IGMP leave go out before the child exits.
    fn child_sigterm(&mut self, now: SimTime) {
        if self.stopping {
            return;
        }
        self.stopping = true;
        for k in 0..self.instances.len() {
            self.instances[k].handle_stop(now);
            self.drain(k);
        }
        self.shutdown_at = Some(now + Duration::from_secs(1));
    }

    /// SIGKILL to the parent alone: the child gets SIGTERM from `PR_SET_PDEATHSIG` and shuts
    /// down cleanly; nobody is left to log the parent's lines.
    pub(crate) fn handle_parent_killed(&mut self, now: SimTime) {
        if self.exited || !self.parent {
            return;
        }
        self.parent = false;
        self.respawn_at = None;
        if self.child.is_none() {
            self.exited = true;
            self.out.push_back(Action::Exited);
            return;
        }
        self.child_sigterm(now);
    }

    /// SIGKILL to the child alone: it vanishes without a word (its VIPs stay), and the parent
    /// respawns it.
    pub(crate) fn handle_child_killed(&mut self, now: SimTime) {
        if self.exited || self.child.is_none() {
            return;
        }
        self.shutdown_at = None;
        self.child_ended(now, ChildEnd::Killed);
    }

    /// The child is gone: its instances with it. A running parent respawns it; a stopping one
    /// finishes; without a parent everything has exited.
    fn child_ended(&mut self, now: SimTime, end: ChildEnd) {
        let Some(pid) = self.child.take() else { return };
        self.instances.clear();
        // The trackers lived in the child; a respawned child reads its scripts anew.
        self.scripts.clear();
        self.script_tracks.clear();
        self.if_tracks.clear();
        self.stopping = false;
        self.out.push_back(Action::ChildExited { pid, clean: end == ChildEnd::Exited(0) });
        if !self.parent {
            self.exited = true;
            self.out.push_back(Action::Exited);
        } else if self.parent_stopping {
            self.finish();
        } else {
            let (lines, delay) = self.respawn.child_died(now, pid, end);
            for line in lines {
                self.log(Process::Parent, line, false);
            }
            if delay.is_zero() {
                self.out.push_back(Action::Respawn);
            } else {
                self.respawn_at = Some(now + delay);
            }
        }
    }

    /// The parent's last line; both processes are gone.
    fn finish(&mut self) {
        self.log(Process::Parent, format!("Stopped {VERSION}"), false);
        self.exited = true;
        self.out.push_back(Action::Exited);
    }

    /// Runs everything due at `now`.
    pub(crate) fn handle_timeout(&mut self, now: SimTime) {
        if self.exited {
            return;
        }
        if self.respawn_at.is_some_and(|t| t <= now) {
            self.respawn_at = None;
            self.out.push_back(Action::Respawn);
        }
        if self.shutdown_at.is_some_and(|t| t <= now) {
            self.shutdown_at = None;
            if self.options.log_detail {
                self.log(Process::Vrrp, "Stopped - used 0.000000 user time, 0.000000 system time".into(), true);
            } else {
                self.log(Process::Vrrp, "Stopped".into(), false);
            }
            self.child_ended(now, ChildEnd::Exited(0));
            return;
        }
        if self.child.is_some() && !self.stopping {
            self.run_scripts(now);
        }
        for k in 0..self.instances.len() {
            if self.instances[k].poll_timeout().is_some_and(|t| t <= now) {
                self.instances[k].handle_timeout(now);
                self.drain(k);
            }
        }
    }
}
