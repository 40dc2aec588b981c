//! One `vrrp_instance`, behaving as keepalived 2.2.x does (spec-vrrp.md §2–§4).
//!
//! Inputs: [`Instance::start`], [`Instance::handle_packet`] (whole IPv4 packets, untrusted),
//! [`Instance::handle_link`], [`Instance::handle_timeout`], [`Instance::handle_stop`].
//! Outputs: [`Instance::poll_action`] until `None`, then [`Instance::poll_timeout`].
//!
//! One timer slot serves both the master-down timer (BACKUP) and the advert timer (MASTER), as
//! keepalived's `sands` does; the delayed gratuitous-ARP bursts are timers of their own, one per
//! transition (keepalived adds a `vrrp_gratuitous_arp_thread` timer each time and never cancels
//! one: a burst that falls due while the VIPs are not set sends nothing). All timer arithmetic is
//! integer µs, e.g. skew = `(256 − prio) · 1000000 / 256`.

use std::collections::VecDeque;
use std::net::Ipv4Addr;
use std::time::Duration;

use crate::kernel::SimTime;
use crate::wire::ipv4;
use crate::wire::vrrp::{self as wire, Auth, Packet, Repr};

use super::config::{AuthConfig, InstanceConfig};

pub(crate) mod track;

/// keepalived's instance states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum State {
    /// Not started yet.
    Init,
    /// BACKUP: listening, master-down timer running.
    Backup,
    /// MASTER: owns the VIPs, sends adverts.
    Master,
    /// FAULT: the interface is down.
    Fault,
    /// Stopped (SIGTERM).
    Stopped,
}

/// Which keepalived process logs a line (syslog ident `Keepalived[pid]` / `Keepalived_vrrp[pid]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Process {
    /// The parent, `Keepalived`.
    Parent,
    /// The VRRP child, `Keepalived_vrrp`.
    Vrrp,
}

/// What an instance (or the daemon around it) asks its host to do, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Action {
    /// Send this IPv4 packet (to 224.0.0.18) on `dev`.
    Send {
        /// Interface.
        dev: String,
        /// The whole IPv4 packet.
        packet: Vec<u8>,
    },
    /// `ip addr add addr/prefix_len dev dev`.
    AddVip {
        /// Address.
        addr: Ipv4Addr,
        /// Prefix length.
        prefix_len: u8,
        /// Interface.
        dev: String,
    },
    /// `ip addr del addr/prefix_len dev dev`.
    RemoveVip {
        /// Address.
        addr: Ipv4Addr,
        /// Prefix length.
        prefix_len: u8,
        /// Interface.
        dev: String,
    },
    /// Broadcast one gratuitous ARP for `vip` on `dev` (`frame` is the 42-byte Ethernet frame).
    Garp {
        /// Interface.
        dev: String,
        /// The VIP announced.
        vip: Ipv4Addr,
        /// The Ethernet frame (spec §4.6).
        frame: Vec<u8>,
    },
    /// A line in keepalived's log; `detail` = only with `-D`.
    Log {
        /// Which process logs it (instances log from the VRRP child).
        process: Process,
        /// The text, e.g. `(VI_1) Entering MASTER STATE`.
        text: String,
        /// Only logged with `--log-detail`.
        detail: bool,
    },
    /// An instance entered a new state.
    StateChanged {
        /// Instance name.
        instance: String,
        /// New state.
        state: State,
    },
    /// Run a notify script (`notify_master` …, or `notify` with its four arguments); nobody
    /// waits for it.
    Notify {
        /// The command line.
        command: String,
    },
    /// Run one check of `vrrp_script` number `script` (emitted by the daemon only); its end
    /// comes back through [`super::Daemon::handle_script_end`].
    RunScript {
        /// The script's index in the configuration.
        script: usize,
        /// The command line.
        command: String,
        /// When it is terminated if still running.
        timeout: Duration,
    },
    /// The VRRP child with this pid has exited; the kernel closes what it held (emitted by the
    /// daemon only).
    ChildExited {
        /// Its pid.
        pid: u32,
        /// It exited by itself (SIGTERM), not killed.
        clean: bool,
    },
    /// The parent forks a new VRRP child now: hand its pid to
    /// [`super::Daemon::handle_respawned`] (emitted by the daemon only).
    Respawn,
    /// The daemon's processes have exited (emitted by the daemon only).
    Exited,
}

/// A sans-IO keepalived VRRP instance.
#[derive(Debug)]
pub(crate) struct Instance {
    cfg: InstanceConfig,
    src: Ipv4Addr,
    mac: [u8; 6],
    state: State,
    priority: u8,
    /// keepalived's `total_priority`: the base priority plus the weights in force.
    total_priority: i32,
    /// keepalived's `num_script_if_fault`: tracked scripts and interfaces holding it in FAULT.
    faults: u32,
    /// keepalived's `num_script_init`: weight-0 scripts that have not ended a run yet.
    inits: u32,
    adver_us: u64,
    ms_down_us: u64,
    timer: Option<SimTime>,
    /// The delayed GARP bursts still to send: when, and how many GARPs per VIP (in the order
    /// they were scheduled; `thread_add_timer` in `vrrp_state_master_tx()` and
    /// `vrrp_state_master_rx()`, keepalived 2.2.7 `vrrp.c`).
    garp_timers: Vec<(SimTime, u32)>,
    preempt_time: Option<SimTime>,
    ip_id: u16,
    out: VecDeque<Action>,
}

enum Check {
    Ok,
    Rejected,
}

impl Instance {
    /// An instance on an interface whose primary address is `primary` (adverts are sent from it;
    /// 0.0.0.0 when the interface has none) and whose MAC is `mac`.
    pub(crate) fn new(cfg: InstanceConfig, primary: Option<Ipv4Addr>, mac: [u8; 6]) -> Instance {
        let priority = cfg.priority;
        let adver_us = u64::try_from(cfg.advert_int.as_micros()).unwrap_or(1_000_000).max(1);
        let mut i = Instance {
            cfg,
            src: primary.unwrap_or(Ipv4Addr::UNSPECIFIED),
            mac,
            state: State::Init,
            priority,
            total_priority: i32::from(priority),
            faults: 0,
            inits: 0,
            adver_us,
            ms_down_us: 0,
            timer: None,
            garp_timers: Vec::new(),
            preempt_time: None,
            ip_id: 0,
            out: VecDeque::new(),
        };
        i.ms_down_us = i.full_down_us();
        i
    }

    /// `VI_1`.
    pub(crate) fn name(&self) -> &str {
        &self.cfg.name
    }
    /// Current state.
    pub(crate) fn state(&self) -> State {
        self.state
    }
    /// Effective priority.
    pub(crate) fn priority(&self) -> u8 {
        self.priority
    }
    /// Virtual router id.
    pub(crate) fn vrid(&self) -> u8 {
        self.cfg.vrid
    }
    /// Interface name.
    pub(crate) fn interface(&self) -> &str {
        &self.cfg.interface
    }

    /// `VRRP_TIMER_SKEW`: (256 − prio) · 1000000 / 256 µs (priority 255 uses 255).
    pub(crate) fn skew_us(&self) -> u64 {
        (256 - u64::from(self.priority)) * 1_000_000 / 256
    }

    /// `VRRP_MS_DOWN_TIMER`: 3 · adver_int + skew, µs.
    pub(crate) fn full_down_us(&self) -> u64 {
        3 * self.adver_us + self.skew_us()
    }

    /// Next output, if any.
    pub(crate) fn poll_action(&mut self) -> Option<Action> {
        self.out.pop_front()
    }

    /// When [`Instance::handle_timeout`] must next be called.
    pub(crate) fn poll_timeout(&self) -> Option<SimTime> {
        self.garp_timers.iter().map(|(at, _)| *at).chain(self.timer).min()
    }

    fn log(&mut self, text: String) {
        self.out.push_back(Action::Log { process: Process::Vrrp, text, detail: false });
    }

    fn detail(&mut self, text: String) {
        self.out.push_back(Action::Log { process: Process::Vrrp, text, detail: true });
    }

    fn set_state(&mut self, s: State) {
        self.state = s;
        let instance = self.name().to_owned();
        self.out.push_back(Action::StateChanged { instance, state: s });
        self.notify();
    }

    /// `send_instance_notifies()` (`vrrp_notify.c`): the state's own script, then the generic
    /// one with `INSTANCE NAME STATE PRIORITY`.
    fn notify(&mut self) {
        let (own, word) = match self.state {
            State::Master => (&self.cfg.notify.master, "MASTER"),
            State::Backup => (&self.cfg.notify.backup, "BACKUP"),
            State::Fault => (&self.cfg.notify.fault, "FAULT"),
            State::Stopped => (&self.cfg.notify.stop, "STOP"),
            State::Init => return,
        };
        let mut commands: Vec<String> = own.iter().cloned().collect();
        if let Some(any) = &self.cfg.notify.any {
            commands.push(format!("{any} INSTANCE {} {word} {}", self.cfg.name, self.priority));
        }
        for command in commands {
            self.out.push_back(Action::Notify { command });
        }
    }

    fn arm(&mut self, now: SimTime, us: u64) {
        self.timer = Some(now + Duration::from_micros(us));
    }

    /// `vrrp_restore_interfaces_startup()` then `vrrp_init_state()`: the VIPs are removed first
    /// (the interface existed before keepalived started, so `vipset` is forced and a VIP left
    /// behind by a killed keepalived goes, keepalived 2.2.7 `vrrp.c`), then BACKUP (init) with a
    /// full down timer, or FAULT if the link is down. Priority 255 goes to BACKUP silently and
    /// times out after 1 µs.
    pub(crate) fn start(&mut self, now: SimTime, link_up: bool) {
        let n = self.cfg.name.clone();
        self.remove_vips();
        let begin = self.state;
        if !link_up {
            self.faults += 1;
        }
        if self.faults > 0 || self.inits > 0 {
            // vrrp_init_state(): a FAULT set while tracking was initialised is not logged again,
            // and a FAULT held only by scripts still in INIT notifies nobody.
            if begin != State::Fault {
                self.log(format!("({n}) Entering FAULT STATE (init)"));
            }
            self.state = State::Fault;
            self.out.push_back(Action::StateChanged { instance: n, state: State::Fault });
            if self.faults > 0 {
                self.notify();
            }
            self.timer = None;
            return;
        }
        if self.cfg.priority == 255 {
            self.ms_down_us = 1;
            self.set_state(State::Backup);
        } else {
            self.ms_down_us = self.full_down_us();
            self.log(format!("({n}) Entering BACKUP STATE (init)"));
            self.set_state(State::Backup);
        }
        self.arm(now, self.ms_down_us);
    }

    /// Timer expiry: master-down timeout, advert timer, delayed GARP burst.
    pub(crate) fn handle_timeout(&mut self, now: SimTime) {
        // `vrrp_gratuitous_arp_thread()` → `vrrp_send_link_update()`: only while the VIPs are set.
        while let Some(k) = self.garp_timers.iter().position(|(at, _)| *at <= now) {
            let (_, repeat) = self.garp_timers.remove(k);
            if self.state == State::Master {
                self.garp_burst(repeat);
            }
        }
        if self.timer.is_none_or(|t| t > now) {
            return;
        }
        match self.state {
            State::Backup => {
                self.detail(format!("({}) Receive advertisement timeout", self.cfg.name));
                self.become_master(now);
            }
            State::Master => {
                self.send_advert(self.priority);
                self.arm(now, self.adver_us);
            }
            _ => self.timer = None,
        }
    }

    fn become_master(&mut self, now: SimTime) {
        let n = self.cfg.name.clone();
        self.send_advert(self.priority);
        self.log(format!("({n}) Entering MASTER STATE"));
        self.set_state(State::Master);
        self.detail(format!("({n}) setting VIPs."));
        for v in self.cfg.vips.clone() {
            let dev = self.cfg.vip_dev(&v).to_string();
            self.out.push_back(Action::AddVip { addr: v.addr, prefix_len: v.prefix_len, dev });
        }
        self.garp_burst(self.cfg.garp_master_repeat);
        self.schedule_garp(now);
        self.arm(now, self.adver_us);
    }

    /// A repeat burst `garp_master_delay` from now, beside any already scheduled (`garp_delay`
    /// 0 schedules none).
    fn schedule_garp(&mut self, now: SimTime) {
        if !self.cfg.garp_master_delay.is_zero() {
            self.garp_timers.push((now + self.cfg.garp_master_delay, self.cfg.garp_master_repeat));
        }
    }

    fn leave_master(&mut self, now: SimTime) {
        self.log(format!("({}) Entering BACKUP STATE", self.cfg.name));
        self.set_state(State::Backup);
        self.remove_vips();
        self.ms_down_us = self.full_down_us();
        self.arm(now, self.ms_down_us);
    }

    fn remove_vips(&mut self) {
        self.detail(format!("({}) removing VIPs.", self.cfg.name));
        for v in self.cfg.vips.clone() {
            let dev = self.cfg.vip_dev(&v).to_string();
            self.out.push_back(Action::RemoveVip { addr: v.addr, prefix_len: v.prefix_len, dev });
        }
    }

    /// `vrrp_send_link_update()`: `repeat` rounds, each one GARP per VIP (the first round
    /// logs the queueing line of each VIP).
    fn garp_burst(&mut self, repeat: u32) {
        for round in 0..repeat {
            for v in self.cfg.vips.clone() {
                let dev = self.cfg.vip_dev(&v).to_string();
                if round == 0 {
                    self.detail(format!("({}) Sending/queueing gratuitous ARPs on {dev} for {}", self.cfg.name, v.addr));
                }
                self.detail(format!("Sending gratuitous ARP on {dev} for {}", v.addr));
                let frame = wire::garp_frame(self.mac, v.addr);
                self.out.push_back(Action::Garp { dev, vip: v.addr, frame });
            }
        }
    }

    fn auth(&self) -> Auth {
        match self.cfg.auth {
            AuthConfig::None => Auth::None,
            AuthConfig::Pass(p) => Auth::Pass(p),
            AuthConfig::Ah => Auth::Ah([0; 8]),
        }
    }

    fn auth_code(&self) -> u8 {
        self.auth().type_code()
    }

    fn send_advert(&mut self, priority: u8) {
        self.ip_id = self.ip_id.wrapping_add(1);
        if self.ip_id == 0 {
            self.ip_id = 1;
        }
        let adv_s = u8::try_from(self.adver_us / 1_000_000).unwrap_or(u8::MAX);
        let repr = Repr::advert(self.cfg.vrid, priority, adv_s, self.auth(), self.cfg.vips.iter().map(|v| v.addr).collect());
        let packet = wire::ipv4_advert(self.src, wire::MCAST_GROUP, self.ip_id, &repr);
        self.out.push_back(Action::Send { dev: self.cfg.interface.clone(), packet });
    }

    /// The interface went down (`false`) or came back (`true`): like any tracked object with
    /// weight 0, it holds the instance in FAULT while down.
    pub(crate) fn handle_link(&mut self, now: SimTime, up: bool) {
        if matches!(self.state, State::Init | State::Stopped) {
            return;
        }
        if up { self.try_up(now, false) } else { self.down() }
    }

    /// SIGTERM: a master sends one priority-0 advert and removes its VIPs; a backup sends nothing.
    pub(crate) fn handle_stop(&mut self, _now: SimTime) {
        if self.state == State::Master {
            self.send_advert(0);
            self.detail(format!("({}) sent 0 priority", self.cfg.name));
            self.remove_vips();
        }
        if self.state != State::Stopped {
            self.set_state(State::Stopped);
        }
        self.timer = None;
        self.garp_timers.clear();
    }

    /// An IPv4 packet (protocol 112, or 51 for AH) received on the instance interface.
    /// Malformed input is logged (where keepalived logs it) and dropped; it never panics.
    pub(crate) fn handle_packet(&mut self, now: SimTime, ip: &[u8]) {
        if !matches!(self.state, State::Backup | State::Master) {
            return;
        }
        let Ok(info) = wire::ipv4_header(ip) else {
            return;
        };
        let Some(hd) = ip.get(info.header_len()..) else {
            return;
        };
        if hd.len() < wire::HEADER_LEN {
            return; // vrrp_get_header(): too short to hold a VRRP header
        }
        let pkt = Packet::new_unchecked(hd);
        let checked = self.check(&info, ip.len(), &pkt);
        match self.state {
            State::Backup => self.backup_rx(now, &info, &pkt, checked),
            State::Master => self.master_rx(now, &info, &pkt, checked),
            _ => {}
        }
    }

    /// `vrrp_check_packet()`, 2.2.x order and texts (spec §4.3).
    fn check(&mut self, info: &ipv4::Packet<&[u8]>, buflen: usize, pkt: &Packet<&[u8]>) -> Check {
        let n = self.cfg.name.clone();
        let mine_auth = self.auth_code();
        let is_ah = info.protocol() == 51;
        if is_ah != (mine_auth == 2) {
            if is_ah {
                self.log(format!("({n}) Received AH header but auth type not AH"));
            } else {
                self.log(format!("({n}) No AH header but auth type is AH"));
            }
            return Check::Rejected;
        }
        let expected = info.header_len() + wire::message_len(pkt.addr_count());
        if buflen != expected {
            let how = if buflen > expected { "long" } else { "short" };
            self.log(format!("({n}) vrrp packet too {how}, length {buflen} and expect {expected}"));
            return Check::Rejected;
        }
        if info.ttl() != wire::TTL {
            self.log(format!("({n}) invalid TTL/HL. Received {} and expect 255", info.ttl()));
            return Check::Rejected;
        }
        if pkt.version() != wire::VERSION_2 {
            self.log(format!("({n}) wrong version. Received {} and expect 2", pkt.version()));
            return Check::Rejected;
        }
        let at = pkt.auth_type();
        if at > 2 {
            self.log(format!("({n}) Invalid auth type: {at}"));
            return Check::Rejected;
        }
        if at != mine_auth {
            self.log(format!("({n}) received a {at} auth, expecting {mine_auth}!"));
            return Check::Rejected;
        }
        if let AuthConfig::Pass(p) = self.cfg.auth
            && pkt.auth_data() != p
        {
            self.log(format!("({n}) received an invalid passwd!"));
            return Check::Rejected;
        }
        if u64::from(pkt.advert_int()) * 1_000_000 != self.adver_us {
            self.log(format!(
                "({n}) advertisement interval mismatch mine={} sec rcv'd={} sec",
                self.adver_us / 1_000_000,
                pkt.advert_int()
            ));
            return Check::Rejected;
        }
        if pkt.msg_type() != wire::TYPE_ADVERT {
            self.log(format!("({n}) Invalid packet type. {} and expect 1", pkt.msg_type()));
            return Check::Rejected;
        }
        if usize::from(pkt.addr_count()) != self.cfg.vips.len() {
            self.log(format!("({n}) received an unexpected ip number count {}, expected {}!", pkt.addr_count(), self.cfg.vips.len()));
            return Check::Rejected;
        }
        if usize::from(info.total_len()) != buflen {
            self.log(format!("({n}) ip_tot_len mismatch against received length. {} and received {buflen}", info.total_len()));
            return Check::Rejected;
        }
        if !pkt.verify_checksum() {
            self.log(format!("({n}) Invalid VRRPv2 checksum"));
            return Check::Rejected;
        }
        if !info.dst_addr().is_multicast() {
            self.log(format!("({n}) Expected multicast packet but received unicast packet"));
            return Check::Rejected;
        }
        let Ok(repr) = Repr::parse(pkt) else {
            return Check::Rejected;
        };
        for v in self.cfg.vips.clone() {
            if !repr.addresses.contains(&v.addr) {
                self.log(format!("({n}) ip address associated with VRID {} not present in MASTER advert: {}", self.cfg.vrid, v.addr));
                return Check::Rejected;
            }
        }
        Check::Ok
    }

    /// `vrrp_state_backup()` (spec §4.4).
    fn backup_rx(&mut self, now: SimTime, info: &ipv4::Packet<&[u8]>, pkt: &Packet<&[u8]>, checked: Check) {
        let n = self.cfg.name.clone();
        if let Check::Rejected = checked {
            return; // timer keeps running
        }
        let prio = pkt.priority();
        if prio == 0 {
            self.detail(format!("({n}) Backup received priority 0 advertisement"));
            self.ms_down_us = self.skew_us();
            self.arm(now, self.ms_down_us);
            return;
        }
        let in_preempt_delay = !self.cfg.preempt_delay.is_zero() && self.preempt_time.is_none_or(|t| t > now);
        if self.cfg.nopreempt || prio >= self.priority || in_preempt_delay {
            self.ms_down_us = self.full_down_us();
            self.arm(now, self.ms_down_us);
            if !self.cfg.preempt_delay.is_zero() {
                if prio >= self.priority {
                    if self.preempt_time.take().is_some() {
                        self.detail(format!("({n}) stop preempt delay"));
                    }
                } else if self.preempt_time.is_none() {
                    let d = self.cfg.preempt_delay;
                    self.detail(format!("({n}) start preempt delay ({}.{:06})", d.as_secs(), d.subsec_micros()));
                    self.preempt_time = Some(now + d);
                }
            }
        } else {
            self.log(format!("({n}) received lower priority ({prio}) advert from {} - discarding", info.src_addr()));
        }
    }

    /// `vrrp_state_master_rx()` (spec §4.5), plus the dispatcher's re-arm of the advert timer.
    fn master_rx(&mut self, now: SimTime, info: &ipv4::Packet<&[u8]>, pkt: &Packet<&[u8]>, checked: Check) {
        let n = self.cfg.name.clone();
        if let Check::Ok = checked {
            let prio = pkt.priority();
            let mine = self.priority;
            let ip_cmp = u32::from(info.src_addr()).cmp(&u32::from(self.src));
            if prio == 0 {
                self.detail(format!("({n}) Master received priority 0 message"));
                self.send_advert(mine);
            } else if prio == mine && info.src_addr() == self.src {
                self.log(format!("({n}) WARNING - equal priority advert received from remote host with our IP address."));
            } else if prio < mine || (prio == mine && ip_cmp.is_lt()) {
                self.log(format!(
                    "({n}) Received advert from {} with lower priority {prio}, ours {mine}, forcing new election",
                    info.src_addr()
                ));
                self.send_advert(mine);
                self.garp_burst(self.cfg.garp_master_repeat);
                self.schedule_garp(now);
            } else {
                if prio > mine {
                    self.log(format!("({n}) Master received advert from {} with higher priority {prio}, ours {mine}", info.src_addr()));
                } else {
                    self.log(format!(
                        "({n}) Master received advert from {} with same priority {prio} but higher IP address than ours",
                        info.src_addr()
                    ));
                }
                self.leave_master(now);
                return;
            }
        }
        self.arm(now, self.adver_us);
    }
}
