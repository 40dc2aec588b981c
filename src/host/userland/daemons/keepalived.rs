//! keepalived: the sans-IO [`Daemon`] of `proto::vrrp` wired to the kernel. It reads adverts
//! from a raw socket of protocol 112 and link changes from a netlink subscription; adverts go out
//! as whole IPv4 packets (keepalived builds its own IP header, as with `IP_HDRINCL`), gratuitous
//! ARPs as whole Ethernet frames (a packet socket), VIPs are added and removed like
//! `ip addr add/del`, and its log lines go to syslog with the process's ident.
//!
//! `-D` (`--log-detail`) is read from `DAEMON_ARGS` in `/etc/default/keepalived`, as Debian's
//! unit file does; without it the `[D]` lines of spec-vrrp §5 are not logged.

use std::net::Ipv4Addr;

use crate::host::kernel::{Fs, IfAddr, LinkWatch, RawSocket, Sys};
use crate::host::userland::process::{ChildExit, ConfigNote, Exit, Process, Reload, Signal, Spawn, UnitSpec};
use crate::kernel::SimTime;
use crate::proto::vrrp::config::InitialState;
use crate::proto::vrrp::script::RunEnd;
use crate::proto::vrrp::{Action, Daemon, DaemonOptions, Interface, Process as VrrpProcess, State};
use crate::wire::vrrp::{IP_PROTO_VRRP, MCAST_GROUP};

const CONFIG: &str = "/etc/keepalived/keepalived.conf";
const DEFAULTS: &str = "/etc/default/keepalived";
/// The parent's pid file (`main_pidfile`, the unit's `PIDFile=`) and the VRRP child's
/// (`vrrp_pidfile`), keepalived 2.2.7 without `use_pid_dir`.
const PIDFILE: &str = "/run/keepalived.pid";
const VRRP_PIDFILE: &str = "/run/vrrp.pid";

/// `keepalived.service`: the parent and its VRRP child take two pids.
pub(crate) const UNIT: UnitSpec = UnitSpec {
    name: "keepalived",
    description: "Keepalive Daemon (LVS and VRRP)",
    package_marker: CONFIG,
    package_files: &[],
    docs: &[],
    command_lines: &["/usr/sbin/keepalived -D"],
    pids: 2,
    alias: None,
    after_remote_fs: false,
    requires: &[],
    // keepalived.service: `ExecReload=/bin/kill -HUP $MAINPID`.
    users: &["root"],
    stop_signal: Signal::Term,
    reload: Reload::Signal(Signal::Hup),
    start: |k, now, pid| Ok(Box::new(Keepalived::start(k, now, pid))),
    check,
};

/// The syslog ident of each of keepalived's processes.
fn ident(process: VrrpProcess) -> &'static str {
    match process {
        VrrpProcess::Parent => "Keepalived",
        VrrpProcess::Vrrp => "Keepalived_vrrp",
    }
}

/// The messages keepalived's VRRP process logs while it reads its configuration (none when
/// there is no file: keepalived then says so and stops, which is a run-time matter).
fn check(fs: &Fs) -> Vec<ConfigNote> {
    let Some(text) = fs.read_text(CONFIG) else { return Vec::new() };
    let parsed = crate::proto::vrrp::config::parse(&text, CONFIG);
    parsed.messages.into_iter().map(|m| (CONFIG.to_owned(), m.line, format!("{}: {}", ident(VrrpProcess::Vrrp), m.text))).collect()
}

/// The VRRP child's own: its pid and what it opened (the kernel closes them when it exits).
struct Child {
    pid: u32,
    socket: Option<RawSocket>,
    links: LinkWatch,
}

struct Keepalived {
    daemon: Daemon,
    /// The parent's pid (the unit's main pid, in `/run/keepalived.pid`).
    pid: u32,
    child: Option<Child>,
    log_detail: bool,
    /// When SIGTERM arrived (or the parent died), while the daemon shuts down.
    stopping_since: Option<SimTime>,
    /// Each instance's state, as the daemon last reported it.
    states: Vec<(String, State)>,
    killed: bool,
    /// Scripts to start as children: checks tagged with their script's index, notify scripts
    /// with [`NOTIFY`].
    spawns: Vec<Spawn>,
    /// The parent died of SIGKILL (systemd then reports `Result: signal`).
    parent_killed: bool,
    /// The parent forks a new child as soon as it gets a pid.
    fork_wanted: bool,
}

/// The interfaces as keepalived reads them at start.
fn interfaces(k: &Sys<'_>) -> Vec<Interface> {
    k.interfaces().into_iter().map(|n| Interface { primary: n.primary().map(|a| a.addr), name: n.name, mac: n.mac, up: n.up }).collect()
}

/// The tag of a notify script's child, whose end nobody waits for.
const NOTIFY: u64 = u64::MAX;

impl Keepalived {
    /// Starts keepalived with parent pid `pid` (the VRRP child gets `pid + 1`).
    fn start(k: &mut Sys<'_>, now: SimTime, pid: u32) -> Keepalived {
        let log_detail = k.fs().read_text(DEFAULTS).is_some_and(|t| {
            t.lines()
                .any(|l| l.trim_start().starts_with("DAEMON_ARGS") && l.split(['"', ' ', '=']).any(|w| w == "-D" || w == "--log-detail"))
        });
        let config = k.fs().read_text(CONFIG);
        let options = DaemonOptions { log_detail, vrrp_pid: pid + 1 };
        let daemon = Daemon::start(now, config.as_deref(), CONFIG, &interfaces(k), options);
        let mut ka = Keepalived {
            daemon,
            pid,
            child: None,
            log_detail,
            stopping_since: None,
            states: Vec::new(),
            killed: false,
            parent_killed: false,
            fork_wanted: false,
            spawns: Vec::new(),
        };
        if ka.daemon.parent_alive() && !ka.daemon.is_exited() {
            k.fs_mut().write(PIDFILE, format!("{pid}\n").into_bytes(), now);
        }
        ka.child_started(k, now);
        ka
    }

    /// The child the daemon just started opens its sockets and writes its pid file.
    fn child_started(&mut self, k: &mut Sys<'_>, now: SimTime) {
        let Some(pid) = self.daemon.child_pid() else { return };
        // The VRRP socket joins 224.0.0.18 on each instance's interface; the kernel closes it,
        // and ends the memberships, when the child exits.
        let socket = k.raw_open(pid, IP_PROTO_VRRP);
        if let Some(socket) = socket {
            for instance in self.daemon.instances() {
                k.raw_join_group(socket, &instance.interface, MCAST_GROUP);
            }
        }
        let links = k.watch_links(pid);
        k.fs_mut().write(VRRP_PIDFILE, format!("{pid}\n").into_bytes(), now);
        self.states = self.daemon.instances().into_iter().map(|i| (i.name, i.state)).collect();
        self.child = Some(Child { pid, socket, links });
    }

    fn act(&mut self, k: &mut Sys<'_>, now: SimTime, action: Action) {
        match action {
            Action::Send { packet, .. } => {
                if let Some(socket) = self.child.as_ref().and_then(|c| c.socket) {
                    k.raw_send(now, socket, packet);
                }
            }
            Action::AddVip { addr, prefix_len, dev } => {
                k.add_addr(now, &dev, IfAddr { addr, prefix_len });
            }
            Action::RemoveVip { addr, prefix_len, dev } => {
                k.del_addr(now, &dev, IfAddr { addr, prefix_len });
            }
            Action::Garp { dev, frame, .. } => k.packet_send(&dev, frame),
            Action::Log { process, text, detail } => {
                if !detail || self.log_detail {
                    let pid = match process {
                        VrrpProcess::Parent => self.pid,
                        VrrpProcess::Vrrp => self.child.as_ref().map_or(self.pid + 1, |c| c.pid),
                    };
                    k.syslog(now, ident(process), pid, text);
                }
            }
            Action::StateChanged { instance, state } => match self.states.iter_mut().find(|(name, _)| *name == instance) {
                Some(entry) => entry.1 = state,
                None => self.states.push((instance, state)),
            },
            Action::RunScript { script, command, timeout } => {
                self.spawns.push(Spawn { tag: script as u64, command, timeout: Some(timeout) });
            }
            Action::Notify { command } => self.spawns.push(Spawn { tag: NOTIFY, command, timeout: None }),
            // The child is gone: the kernel closes its socket (and leaves its groups); a clean
            // exit removed its pid file (`vrrp_terminate_phase2()`).
            Action::ChildExited { pid, clean } => {
                if clean {
                    k.fs_mut().remove(VRRP_PIDFILE);
                }
                k.exit_process(pid);
                self.child = None;
                self.states.clear();
            }
            Action::Respawn => self.fork_wanted = true,
            // The daemon is gone; the process table reaps it. A parent that stopped removes its
            // pid file (`stop_keepalived()`, `main.c`).
            Action::Exited => {
                if self.daemon.parent_alive() {
                    k.fs_mut().remove(PIDFILE);
                }
            }
        }
    }
}

impl Process for Keepalived {
    fn name(&self) -> &'static str {
        "keepalived"
    }

    fn poll(&mut self, k: &mut Sys<'_>, now: SimTime) -> bool {
        let mut moved = false;
        if let Some(links) = self.child.as_ref().map(|c| c.links) {
            while let Some(event) = k.link_event(links) {
                self.daemon.handle_link(now, &event.dev, event.up);
                moved = true;
            }
        }
        while let Some(packet) = self.child.as_ref().and_then(|c| c.socket).and_then(|s| k.raw_recv(s)) {
            self.daemon.handle_packet(now, packet.dev.as_deref().unwrap_or_default(), &packet.bytes);
            moved = true;
        }
        if self.daemon.poll_timeout().is_some_and(|t| t <= now) {
            self.daemon.handle_timeout(now);
            moved = true;
        }
        while let Some(action) = self.daemon.poll_action() {
            moved = true;
            self.act(k, now, action);
        }
        moved
    }

    fn poll_timeout(&self) -> Option<SimTime> {
        self.daemon.poll_timeout()
    }

    fn signal(&mut self, k: &mut Sys<'_>, now: SimTime, signal: Signal) {
        match signal {
            // The orderly shutdown of spec-vrrp §4.9.
            Signal::Term | Signal::Int => {
                if self.stopping_since.is_none() {
                    self.stopping_since = Some(now);
                    self.daemon.handle_sigterm(now);
                    self.poll(k, now);
                }
            }
            // The whole process group dies at once: no priority-0 advert, the VIPs stay
            // configured (spec-vrrp §4.9); the kernel drops the sockets and memberships when the
            // process table reaps it.
            Signal::Kill => {
                if let Some(child) = self.child.take() {
                    k.exit_process(child.pid);
                }
                self.killed = true;
            }
            // keepalived reloads its configuration on SIGHUP; labsim does not model reloads.
            Signal::Hup => {}
            // Ignored (`signal_ignore(SIGPIPE)` at startup). SIGUSR1 writes the data dump
            // `/tmp/keepalived.data`, which labsim does not model; SIGWINCH is ignored.
            Signal::Pipe | Signal::Usr1 | Signal::Winch => {}
        }
    }

    fn signal_pid(&mut self, k: &mut Sys<'_>, now: SimTime, pid: u32, signal: Signal) {
        if pid == self.pid && self.daemon.parent_alive() {
            if signal == Signal::Kill {
                // The parent alone: its child hears of it through PR_SET_PDEATHSIG.
                self.stopping_since.get_or_insert(now);
                self.parent_killed = true;
                self.daemon.handle_parent_killed(now);
                self.poll(k, now);
            } else {
                self.signal(k, now, signal);
            }
            return;
        }
        if self.child.as_ref().is_none_or(|c| c.pid != pid) {
            return;
        }
        match signal {
            Signal::Kill if !self.daemon.parent_alive() => self.signal(k, now, signal),
            Signal::Kill => self.daemon.handle_child_killed(now),
            Signal::Term | Signal::Int => self.daemon.handle_child_sigterm(now),
            Signal::Hup | Signal::Pipe | Signal::Usr1 | Signal::Winch => {}
        }
        self.poll(k, now);
    }

    fn pids(&self) -> Option<Vec<u32>> {
        let parent = self.daemon.parent_alive().then_some(self.pid);
        Some(parent.into_iter().chain(self.child.as_ref().map(|c| c.pid)).collect())
    }

    fn wants_fork(&self) -> bool {
        self.fork_wanted
    }

    fn forked(&mut self, k: &mut Sys<'_>, now: SimTime, pid: u32) {
        self.fork_wanted = false;
        let config = k.fs().read_text(CONFIG);
        self.daemon.handle_respawned(now, config.as_deref(), CONFIG, &interfaces(k), pid);
        self.child_started(k, now);
        self.poll(k, now);
    }

    fn exit(&self) -> Option<Exit> {
        if self.killed {
            return Some(Exit::Signal(Signal::Kill));
        }
        let exit = if self.parent_killed { Exit::Signal(Signal::Kill) } else { Exit::Code(0) };
        self.daemon.is_exited().then_some(exit)
    }

    fn stopping_since(&self) -> Option<SimTime> {
        self.stopping_since
    }

    fn take_spawns(&mut self) -> Vec<Spawn> {
        std::mem::take(&mut self.spawns)
    }

    fn child_exited(&mut self, k: &mut Sys<'_>, now: SimTime, tag: u64, exit: ChildExit) {
        if tag == NOTIFY || self.killed {
            return;
        }
        let end = match exit {
            ChildExit::Code(status) => RunEnd::Exited(status),
            ChildExit::TimedOut => RunEnd::TimedOut,
        };
        self.daemon.handle_script_end(now, usize::try_from(tag).unwrap_or(usize::MAX), end);
        while let Some(action) = self.daemon.poll_action() {
            self.act(k, now, action);
        }
    }

    fn summary(&self) -> Option<String> {
        let states: Vec<String> = self.states.iter().map(|(name, state)| format!("{name} {}", state_name(*state))).collect();
        (!states.is_empty()).then(|| states.join(", "))
    }
}
fn state_name(state: State) -> &'static str {
    match state {
        State::Init => "INIT",
        State::Backup => "BACKUP",
        State::Master => "MASTER",
        State::Fault => "FAULT",
        State::Stopped => "STOPPED",
    }
}

/// One `vrrp_instance` of a host's `keepalived.conf`, read as keepalived reads it at start (for
/// `labsim topo`, which shows the lab without running it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ConfiguredInstance {
    /// The instance name (`VI_1`).
    pub(crate) name: String,
    /// Its interface.
    pub(crate) interface: String,
    /// `virtual_router_id`.
    pub(crate) vrid: u8,
    /// `priority`, after keepalived's defaults.
    pub(crate) priority: u8,
    /// `state MASTER` (otherwise BACKUP), after keepalived's defaults.
    pub(crate) master: bool,
    /// The VIPs with their prefix lengths and the device each is added to.
    pub(crate) vips: Vec<(Ipv4Addr, u8, String)>,
}

/// The instances `/etc/keepalived/keepalived.conf` configures, given a host's files by path
/// (none without that file); the file's warnings are keepalived's to log when it starts.
pub(crate) fn configured_instances<'a>(mut files: impl Iterator<Item = (&'a str, &'a [u8])>) -> Vec<ConfiguredInstance> {
    let Some((_, bytes)) = files.find(|(path, _)| *path == CONFIG) else { return Vec::new() };
    let parsed = crate::proto::vrrp::config::parse(&String::from_utf8_lossy(bytes), CONFIG);
    parsed
        .config
        .instances
        .iter()
        .map(|i| ConfiguredInstance {
            name: i.name.clone(),
            interface: i.interface.clone(),
            vrid: i.vrid,
            priority: i.priority,
            master: i.state == InitialState::Master,
            vips: i.vips.iter().map(|v| (v.addr, v.prefix_len, i.vip_dev(v).to_owned())).collect(),
        })
        .collect()
}
