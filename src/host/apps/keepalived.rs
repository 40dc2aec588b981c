//! keepalived on a host: the sans-IO [`Daemon`] of `proto::vrrp` wired to the host. Adverts go
//! out as whole IPv4 packets (keepalived builds its own IP header, as with `IP_HDRINCL`), its
//! gratuitous ARPs as whole Ethernet frames (a packet socket), VIPs are added and removed like
//! `ip addr add/del`, and its log lines become trace events with the process's syslog ident.
//!
//! `-D` (`--log-detail`) is read from `DAEMON_ARGS` in `/etc/default/keepalived`, as Debian's
//! unit file does; without it the `[D]` lines of spec-vrrp §5 are not logged.

use std::net::Ipv4Addr;

use crate::host::{Host, IfAddr};
use crate::kernel::SimTime;
use crate::observe::trace::TraceKind;
use crate::proto::vrrp::{Action, Daemon, DaemonOptions, Interface, Process};

const CONFIG: &str = "/etc/keepalived/keepalived.conf";
const DEFAULTS: &str = "/etc/default/keepalived";
const VRRP_GROUP: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);

pub(super) struct Keepalived {
    daemon: Daemon,
    pid: u32,
    started_at: SimTime,
    log_detail: bool,
    /// When SIGTERM arrived, while the daemon shuts down.
    stopping_since: Option<SimTime>,
    groups: Vec<String>,
}

impl Keepalived {
    /// Starts keepalived with parent pid `pid` (the VRRP child gets `pid + 1`).
    pub(super) fn start(host: &mut Host, now: SimTime, pid: u32) -> Keepalived {
        let log_detail = host.fs.read_text(DEFAULTS).is_some_and(|t| {
            t.lines()
                .any(|l| l.trim_start().starts_with("DAEMON_ARGS") && l.split(['"', ' ', '=']).any(|w| w == "-D" || w == "--log-detail"))
        });
        let interfaces: Vec<Interface> = host
            .interfaces()
            .into_iter()
            .map(|(name, mac, primary, up)| Interface { name, mac, primary: primary.map(|a| a.addr), up })
            .collect();
        let config = host.fs.read_text(CONFIG);
        let options = DaemonOptions { log_detail, vrrp_pid: pid + 1 };
        let daemon = Daemon::start(now, config.as_deref(), CONFIG, &interfaces, options);
        // The VRRP socket joins 224.0.0.18 on each instance's interface.
        let mut groups: Vec<String> = daemon.instances().into_iter().map(|i| i.interface).collect();
        groups.dedup();
        for dev in &groups {
            host.set_group(dev, VRRP_GROUP, true);
        }
        Keepalived { daemon, pid, started_at: now, log_detail, stopping_since: None, groups }
    }

    pub(super) fn pids(&self) -> [u32; 2] {
        [self.pid, self.pid + 1]
    }

    pub(super) fn started_at(&self) -> SimTime {
        self.started_at
    }

    /// When the shutdown began, if it has.
    pub(super) fn stopping_since(&self) -> Option<SimTime> {
        self.stopping_since
    }

    pub(super) fn is_exited(&self) -> bool {
        self.daemon.is_exited()
    }

    pub(super) fn poll_timeout(&self) -> Option<SimTime> {
        self.daemon.poll_timeout()
    }

    /// Fires due timers and carries out the daemon's actions; true if anything happened.
    pub(super) fn poll(&mut self, host: &mut Host, now: SimTime) -> bool {
        let mut moved = false;
        if self.daemon.poll_timeout().is_some_and(|t| t <= now) {
            self.daemon.handle_timeout(now);
            moved = true;
        }
        while let Some(action) = self.daemon.poll_action() {
            moved = true;
            self.act(host, now, action);
        }
        moved
    }

    fn act(&mut self, host: &mut Host, now: SimTime, action: Action) {
        match action {
            Action::Send { packet, .. } => host.send_ip(now, packet),
            Action::AddVip { addr, prefix_len, dev } => {
                host.add_addr(now, &dev, IfAddr { addr, prefix_len });
            }
            Action::RemoveVip { addr, prefix_len, dev } => {
                host.del_addr(now, &dev, IfAddr { addr, prefix_len });
            }
            Action::Garp { dev, frame, .. } => host.send_frame(&dev, frame),
            Action::Log { process, text, detail } => {
                if !detail || self.log_detail {
                    let (ident, pid) = match process {
                        Process::Parent => ("Keepalived", self.pid),
                        Process::Vrrp => ("Keepalived_vrrp", self.pid + 1),
                    };
                    let kind = TraceKind::Log { host: host.name().to_owned(), process: ident.to_owned(), pid, line: text };
                    host.emit(now, kind);
                }
            }
            Action::StateChanged { .. } => {}
            Action::Exited => self.leave_groups(host),
        }
    }

    fn leave_groups(&mut self, host: &mut Host) {
        for dev in self.groups.drain(..) {
            host.set_group(&dev, VRRP_GROUP, false);
        }
    }

    pub(super) fn deliver(&mut self, host: &mut Host, now: SimTime, dev: &str, packet: &[u8]) {
        self.daemon.handle_packet(now, dev, packet);
        self.poll(host, now);
    }

    pub(super) fn link_changed(&mut self, host: &mut Host, now: SimTime, dev: &str, up: bool) {
        self.daemon.handle_link(now, dev, up);
        self.poll(host, now);
    }

    /// SIGTERM: the orderly shutdown of spec-vrrp §4.9.
    pub(super) fn terminate(&mut self, host: &mut Host, now: SimTime) {
        if self.stopping_since.is_none() {
            self.stopping_since = Some(now);
            self.daemon.handle_sigterm(now);
            self.poll(host, now);
        }
    }

    /// SIGKILL: nothing is sent and the VIPs stay; the kernel drops the group memberships.
    pub(super) fn kill(&mut self, host: &mut Host) {
        self.leave_groups(host);
    }
}
