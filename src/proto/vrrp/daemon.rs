//! The keepalived process pair of one host (parent `Keepalived` + child `Keepalived_vrrp`), sans-IO.
//!
//! [`Daemon::start`] logs keepalived 2.2.7's start-up lines (spec §5; `-D` lines are dropped
//! unless [`DaemonOptions::log_detail`]), reads the configuration and starts one [`Instance`] per
//! usable `vrrp_instance`. Then: [`Daemon::handle_packet`] routes a received IPv4 packet to the
//! instances of that interface by VRID (unknown VRIDs are ignored, as keepalived does without
//! `log_unknown_vrids`), [`Daemon::handle_link`] reports netlink link changes,
//! [`Daemon::handle_sigterm`] stops (1 s shutdown timer, then `Stopped`), and
//! [`Daemon::handle_timeout`] runs whatever is due. Drain [`Daemon::poll_action`] after each call.

use std::collections::VecDeque;
use std::net::Ipv4Addr;
use std::time::Duration;

use crate::kernel::SimTime;
use crate::wire::vrrp as wire;

use super::config;
use super::instance::{Action, Instance, Process, State};

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
    /// `-D`/`--log-detail`: also emit the lines marked [D] in the spec.
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
    shutdown_at: Option<SimTime>,
    stopping: bool,
    exited: bool,
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
            shutdown_at: None,
            stopping: false,
            exited: false,
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
        d.log(Process::Parent, format!("Starting VRRP child process, pid={}", options.vrrp_pid), false);
        d.log(Process::Vrrp, "Registering Kernel netlink reflector".into(), true);
        d.log(Process::Vrrp, "Registering Kernel netlink command channel".into(), true);
        d.log(Process::Vrrp, format!("Opening file '{config_path}'."), true);
        let parsed = config::parse(text, config_path);
        for m in &parsed.messages {
            d.log(Process::Vrrp, m.text.clone(), false);
        }
        let mut assigned: Vec<String> = Vec::new();
        for cfg in parsed.config.instances {
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
            let inst = Instance::new(cfg, iface.and_then(|i| i.primary), iface.map(|i| i.mac).unwrap_or([0; 6]));
            d.instances.push(inst);
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
        d
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

    /// Next output.
    pub(crate) fn poll_action(&mut self) -> Option<Action> {
        self.out.pop_front()
    }

    /// When [`Daemon::handle_timeout`] must next be called.
    pub(crate) fn poll_timeout(&self) -> Option<SimTime> {
        self.instances.iter().filter_map(Instance::poll_timeout).chain(self.shutdown_at).min()
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
        if self.instances.iter().any(|i| i.interface() == iface) {
            self.log(Process::Vrrp, format!("Netlink reports {iface} {}", if up { "up" } else { "down" }), false);
        }
        for k in 0..self.instances.len() {
            if self.instances[k].interface() == iface {
                self.instances[k].handle_link(now, up);
                self.drain(k);
            }
        }
    }

    /// SIGTERM (`systemctl stop keepalived`).
    pub(crate) fn handle_sigterm(&mut self, now: SimTime) {
        if self.exited || self.stopping {
            return;
        }
        self.stopping = true;
        self.log(Process::Parent, "Stopping".into(), false);
        for k in 0..self.instances.len() {
            self.instances[k].handle_stop(now);
            self.drain(k);
        }
        self.shutdown_at = Some(now + Duration::from_secs(1));
    }

    /// Runs everything due at `now`.
    pub(crate) fn handle_timeout(&mut self, now: SimTime) {
        if self.exited {
            return;
        }
        if self.shutdown_at.is_some_and(|t| t <= now) {
            self.shutdown_at = None;
            if self.options.log_detail {
                self.log(Process::Vrrp, "Stopped - used 0.000000 user time, 0.000000 system time".into(), true);
            } else {
                self.log(Process::Vrrp, "Stopped".into(), false);
            }
            self.log(Process::Parent, format!("Stopped {VERSION}"), false);
            self.exited = true;
            self.out.push_back(Action::Exited);
            return;
        }
        for k in 0..self.instances.len() {
            if self.instances[k].poll_timeout().is_some_and(|t| t <= now) {
                self.instances[k].handle_timeout(now);
                self.drain(k);
            }
        }
    }
}
