//! The machine under the processes: a smoltcp `Interface` on `Medium::Ip` with its sockets, the
//! NICs with labsim's own Ethernet, ARP and Linux neighbour tables ([`l2`]), routes, the file
//! system, SELinux ([`selinux`]), and the machine's console and syslog (trace events).
//!
//! Processes reach it only through a narrow, syscall-like API: TCP sockets ([`tcp`]), raw IP
//! sockets and link notifications ([`raw`]), addresses, links and multicast groups, and files
//! ([`Fs`]). The kernel never calls into a process: what a process must hear about (a packet for
//! its raw socket, a link change) is queued on that process's socket, and the pid is put on a
//! wake-up list that the userland drains ([`Kernel::take_wakeup`]).
//!
//! The host drives the kernel in rounds ([`crate::host::Host::poll`]): the stack runs
//! ([`Kernel::poll_stack`]), its packets go down to L2 ([`Kernel::flush_ip_tx`]), processes run,
//! neighbour timers fire ([`Kernel::poll_neighbours`]), and closed sockets are recycled
//! ([`Kernel::reap_sockets`]). The TCP layer ([`tcp`]) looks at the packets before smoltcp
//! reads them and after it sends them, to give TCP Linux's timing and closing.

mod cdrom;
mod cpu;
mod device;
pub(crate) mod fs;
mod igmp;
mod l2;
mod load;
mod log;
mod netfilter;
mod nfs;
mod nic;
mod pipe;
mod raw;
mod selinux;
mod startup;
mod syscall;
mod tcp;
mod udp;
mod vfs;

use std::net::Ipv4Addr;

use smoltcp::iface::{Config as IfaceConfig, Interface, SocketSet};
use smoltcp::time::Instant;
use smoltcp::wire::{HardwareAddress, IpAddress, IpCidr};

use crate::kernel::{Calendar, SimRng, SimTime};
use crate::observe::trace::{Stream, TraceKind};
use crate::proto::neigh::{EntryView, NeighTable, Params as NeighParams};
use device::IpDevice;
pub(crate) use fs::Fs;
pub(crate) use load::MachineLoad;
use nic::{Nic, Plugged};
pub(crate) use syscall::{
    CDROM_DEVICE, Costs, CpuTicket, Fd, FileCall, FileReply, FileStat, FsUsage, IfAddr, JournalEntry, LinkWatch, MountRequest, NO_CONSOLE,
    NicStats, NicView, NoFile, Pending, PipeId, RawSocket, Stdio, Sys, TcpListener, TcpSnapshot, TcpSocket, TcpStatus, TcpSysctl, Ticket,
    UdpSocket, UserLoad, Workers,
};

struct Stack {
    iface: Interface,
    sockets: SocketSet<'static>,
    device: IpDevice,
}

/// The kernel of one machine.
pub(crate) struct Kernel {
    name: String,
    plugged: Vec<Plugged>,
    gateway: Option<Ipv4Addr>,
    rng: SimRng,
    calendar: Calendar,
    /// CPUs the machine has (`nproc`; the topology's `cpus:`).
    cpus: u32,
    /// The cost model (`Host(costs: …)`), if on: what work costs, and the CPUs it runs on
    /// (fresh at each boot).
    costs: Option<Costs>,
    cpu: Option<cpu::Cpus>,
    /// How busy the CPUs and the daemons' worker pools have been (cost model on).
    load: load::Load,
    boots: u32,
    nics: Vec<Nic>,
    fs: Fs,
    stack: Option<Stack>,
    tcp: tcp::TcpState,
    /// The TCP settings of the kernel's version.
    tcp_sysctl: TcpSysctl,
    /// Whether the neighbour timers run on Linux ≥ 4.8's timer wheel.
    timer_wheel: bool,
    udp: udp::UdpState,
    raw: raw::RawState,
    igmp: igmp::Igmp,
    startup: startup::Startup,
    netfilter: netfilter::Netfilter,
    pipes: pipe::Pipes,
    journal: log::Journal,
    vfs: vfs::Vfs,
    mounts: nfs::Mounts,
    cdrom: cdrom::Drive,
    selinux: selinux::Selinux,
    /// The unit of each daemon process (its cgroup), by pid.
    cgroups: std::collections::BTreeMap<u32, &'static str>,
    frames_out: Vec<(usize, Vec<u8>)>,
    trace: Vec<(SimTime, TraceKind)>,
}

/// Whether smoltcp accepts `ip` as an interface address (`IpAddress::is_unicast`).
fn is_unicast(ip: Ipv4Addr) -> bool {
    !(ip.is_multicast() || ip.is_broadcast() || ip.is_unspecified())
}

fn smol_now(now: SimTime) -> Instant {
    Instant::from_micros(i64::try_from(now.as_micros()).unwrap_or(i64::MAX))
}

impl Kernel {
    /// A powered-off machine with no NIC and an empty disk. `rng` is the host's own stream.
    pub(crate) fn new(name: String, gateway: Option<Ipv4Addr>, rng: SimRng, calendar: Calendar) -> Kernel {
        Kernel {
            name,
            plugged: Vec::new(),
            gateway,
            rng,
            calendar,
            cpus: 1,
            costs: None,
            cpu: None,
            load: load::Load::default(),
            boots: 0,
            nics: Vec::new(),
            fs: Fs::new(calendar.unix_micros(SimTime::ZERO)),
            stack: None,
            tcp: tcp::TcpState::default(),
            tcp_sysctl: TcpSysctl::LINUX_6,
            timer_wheel: true,
            udp: udp::UdpState::default(),
            raw: raw::RawState::default(),
            igmp: igmp::Igmp::new(SimRng::new(0)),
            startup: startup::Startup::off(),
            netfilter: netfilter::Netfilter::default(),
            pipes: pipe::Pipes::default(),
            journal: log::Journal::default(),
            vfs: vfs::Vfs::default(),
            mounts: nfs::Mounts::default(),
            cdrom: cdrom::Drive::default(),
            selinux: selinux::Selinux::default(),
            cgroups: std::collections::BTreeMap::new(),
            frames_out: Vec::new(),
            trace: Vec::new(),
        }
    }

    /// Fits the machine with `cpus` CPUs (1 unless the topology says otherwise).
    pub(crate) fn set_cpus(&mut self, cpus: u32) {
        self.cpus = cpus.max(1);
    }

    /// How many CPUs the machine has.
    pub(crate) fn cpus(&self) -> u32 {
        self.cpus
    }

    /// How busy the machine has been up to `now`, when its cost model is on: its CPUs, the
    /// busy core-µs since it was built, and each daemon's worker pool.
    pub(crate) fn load(&mut self, now: SimTime) -> Option<MachineLoad> {
        self.costs?;
        let busy = self.cpu.as_ref().map_or(0, |cpu| cpu.busy_us(now));
        Some(MachineLoad { cpus: self.cpus, busy_us: self.load.busy_us(busy), pools: self.load.pools(now) })
    }

    /// Switches the cost model on (from the next boot): work takes CPU time by `costs`.
    pub(crate) fn set_costs(&mut self, costs: Option<Costs>) {
        self.costs = costs;
    }

    /// Whether some CPU job finished by `now` (its process collects it when it next runs).
    pub(crate) fn poll_cpu(&mut self, now: SimTime) -> bool {
        self.cpu.as_mut().is_some_and(|cpu| cpu.advance(now))
    }

    /// Plugs in a NIC (interface index 2, 3, … in order) with its primary address.
    pub(crate) fn plug_nic(&mut self, name: String, mac: [u8; 6], primary: IfAddr) {
        self.plugged.push(Plugged { name, mac, primary });
        self.nics = self.fresh_nics();
    }

    fn fresh_nics(&self) -> Vec<Nic> {
        let boot = self.boots;
        let rng = &self.rng;
        let params = NeighParams { timer_wheel: self.timer_wheel, ..NeighParams::default() };
        self.plugged
            .iter()
            .map(|n| Nic {
                name: n.name.clone(),
                mac: n.mac,
                up: true,
                addrs: vec![n.primary],
                neigh: NeighTable::new(params.clone(), rng.fork(&format!("neigh/{}/boot{boot}", n.name))),
                stats: NicStats::default(),
            })
            .collect()
    }

    /// Whether the kernel's version runs its timers on Linux ≥ 4.8's wheel (from the next boot).
    pub(crate) fn set_timer_wheel(&mut self, on: bool) {
        self.timer_wheel = on;
    }

    /// The TCP settings of the kernel's version (from the next boot).
    pub(crate) fn set_tcp_sysctl(&mut self, sysctl: TcpSysctl) {
        self.tcp_sysctl = sysctl;
    }

    /// The host name.
    pub(crate) fn hostname(&self) -> &str {
        &self.name
    }

    /// The wall-clock calendar of the simulated machine.
    pub(crate) fn calendar(&self) -> Calendar {
        self.calendar
    }

    /// Whether the machine is running.
    pub(crate) fn is_powered(&self) -> bool {
        self.stack.is_some()
    }

    /// Boots: fresh network state (NICs, neighbour tables, sockets); the disk stays.
    pub(crate) fn power_on(&mut self, now: SimTime) {
        if self.stack.is_some() {
            return;
        }
        self.boots += 1;
        self.nics = self.fresh_nics();
        let mut device = IpDevice::default();
        let mut config = IfaceConfig::new(HardwareAddress::Ip);
        config.random_seed = self.rng.fork(&format!("smoltcp/boot{}", self.boots)).next_u64();
        let mut iface = Interface::new(config, &mut device, smol_now(now));
        if let Some(gw) = self.gateway {
            // A failure here means the gateway is not IPv4, which the scenario rules out.
            let _ = iface.routes_mut().add_default_ipv4_route(gw);
        }
        self.stack = Some(Stack { iface, sockets: SocketSet::new(Vec::new()), device });
        self.cpu = self.costs.map(|_| cpu::Cpus::new(self.cpus, now));
        let schedule = tcp::SynSchedule::of(&self.tcp_sysctl);
        self.tcp = tcp::TcpState::new(self.rng.fork(&format!("ports/boot{}", self.boots)), schedule);
        self.udp = udp::UdpState::new(self.rng.fork(&format!("udp-ports/boot{}", self.boots)));
        self.raw = raw::RawState::default();
        self.igmp = igmp::Igmp::new(self.rng.fork(&format!("igmp/boot{}", self.boots)));
        self.reseed_startup();
        self.selinux = selinux::Selinux::boot(&self.fs);
        self.netfilter = netfilter::Netfilter::default();
        self.sync_stack_addrs();
        let host = self.name.clone();
        self.trace(now, TraceKind::Power { host, on: true });
    }

    /// Powers off: all network state vanishes, frames not yet on the wire are lost.
    pub(crate) fn power_off(&mut self, now: SimTime) {
        if self.stack.take().is_none() {
            return;
        }
        self.raw = raw::RawState::default();
        self.netfilter = netfilter::Netfilter::default();
        self.udp = udp::UdpState::default();
        self.pipes.clear();
        // Mounts and the calls waiting on them die with the machine.
        self.mounts = nfs::Mounts::default();
        self.vfs = vfs::Vfs::default();
        // The journal lives in /run, a tmpfs.
        self.journal = log::Journal::default();
        self.cgroups.clear();
        let busy = self.cpu.take().map_or(0, |cpu| cpu.busy_us(now));
        self.load.power_off(now, busy);
        self.frames_out.clear();
        let host = self.name.clone();
        self.trace(now, TraceKind::Power { host, on: false });
    }

    /// The file system (the disk: it survives a power cycle).
    pub(crate) fn fs(&self) -> &Fs {
        &self.fs
    }

    /// The file system, for writing.
    pub(crate) fn fs_mut(&mut self) -> &mut Fs {
        &mut self.fs
    }

    /// Records a trace event (the machine's console and syslog, as the lab reads them).
    pub(crate) fn trace(&mut self, at: SimTime, kind: TraceKind) {
        self.trace.push((at, kind));
    }

    /// A daemon's syslog line (`ident[pid]: line`): the journal, `/var/log/messages`, and the
    /// trace.
    pub(crate) fn syslog(&mut self, now: SimTime, ident: &str, pid: u32, line: String) {
        let unit = self.cgroups.get(&pid).copied();
        log::messages(&mut self.fs, self.calendar, now, &self.name, ident, pid, &line);
        self.journal.push(JournalEntry { at: now, ident: ident.to_owned(), pid, unit, line: line.clone() });
        self.log_event(now, ident, pid, line);
    }

    /// A line a daemon writes to a log file of its own (`/var/log/httpd/access_log`): the file,
    /// rotated as logrotate would once it is full, and the trace.
    pub(crate) fn file_log(&mut self, now: SimTime, ident: &str, pid: u32, path: &str, line: String) {
        let mut text = Vec::with_capacity(line.len() + 1);
        text.extend_from_slice(line.as_bytes());
        text.push(b'\n');
        log::append_rotated(&mut self.fs, self.calendar, now, path, &text);
        self.log_event(now, ident, pid, line);
    }

    /// systemd's own line about `unit` (`Starting …`, `Started …`): journald files it with
    /// `UNIT=`, which `journalctl -u` matches for messages of pid 1.
    pub(crate) fn systemd_log(&mut self, now: SimTime, unit: &'static str, line: String) {
        log::messages(&mut self.fs, self.calendar, now, &self.name, "systemd", 1, &line);
        self.journal.push(JournalEntry { at: now, ident: "systemd".to_owned(), pid: 1, unit: Some(unit), line: line.clone() });
        self.log_event(now, "systemd", 1, line);
    }

    /// A line of the kernel's own (`printk`): the journal and `/var/log/messages` as
    /// `kernel: …`.
    pub(crate) fn kernel_log(&mut self, now: SimTime, line: String) {
        log::messages(&mut self.fs, self.calendar, now, &self.name, "kernel", 0, &line);
        self.journal.push(JournalEntry { at: now, ident: "kernel".to_owned(), pid: 0, unit: None, line: line.clone() });
        self.log_event(now, "kernel", 0, line);
    }

    /// A daemon's log line as the trace records it.
    pub(crate) fn log_event(&mut self, now: SimTime, ident: &str, pid: u32, line: String) {
        let host = self.name.clone();
        self.trace(now, TraceKind::Log { host, process: ident.to_owned(), pid, line });
    }

    /// Puts processes `pid..pid + count` in the cgroup of `unit`.
    pub(crate) fn cgroup_attach(&mut self, pid: u32, count: u32, unit: &'static str) {
        for p in pid..pid.saturating_add(count) {
            self.cgroups.insert(p, unit);
        }
    }

    /// A line printed on the console by command `id`.
    pub(crate) fn console(&mut self, now: SimTime, id: usize, stream: Stream, line: String) {
        if id == NO_CONSOLE {
            return;
        }
        let host = self.name.clone();
        self.trace(now, TraceKind::Output { host, id, stream, line });
    }

    /// Command `id` finished with `status`.
    pub(crate) fn console_exit(&mut self, now: SimTime, id: usize, status: i32) {
        if id == NO_CONSOLE {
            return;
        }
        let host = self.name.clone();
        self.trace(now, TraceKind::Exit { host, id, status });
    }

    /// Trace events since the last call.
    pub(crate) fn drain_trace(&mut self) -> std::vec::Drain<'_, (SimTime, TraceKind)> {
        self.trace.drain(..)
    }

    /// Frames transmitted since the last call, with the NIC index they left by.
    pub(crate) fn drain_frames(&mut self) -> std::vec::Drain<'_, (usize, Vec<u8>)> {
        for (nic, frame) in &self.frames_out {
            if let Some(n) = self.nics.get_mut(*nic) {
                n.stats.tx_packets += 1;
                n.stats.tx_bytes += frame.len() as u64;
            }
        }
        self.frames_out.drain(..)
    }

    /// Runs the TCP/IP stack once: received packets in, due retransmissions and replies out.
    pub(crate) fn poll_stack(&mut self, now: SimTime) {
        self.tcp_timers(now);
        self.tcp_ingress(now);
        if let Some(stack) = self.stack.as_mut() {
            stack.iface.poll(smol_now(now), &mut stack.device, &mut stack.sockets);
        }
        self.tcp_collect_changes();
    }

    /// Whether a packet of this host's own waits to come in at the next [`Kernel::poll_stack`].
    pub(crate) fn has_rx(&self) -> bool {
        self.stack.as_ref().is_some_and(|s| !s.device.rx.is_empty())
    }

    /// When the stack or a neighbour table next needs polling, if ever without new input.
    pub(crate) fn poll_at(&mut self, now: SimTime) -> Option<SimTime> {
        let stack = self.stack.as_mut()?;
        let smol =
            stack.iface.poll_at(smol_now(now), &stack.sockets).map(|t| SimTime::from_micros(u64::try_from(t.total_micros()).unwrap_or(0)));
        let neigh = self.nics.iter().filter_map(|n| n.neigh.poll_timeout()).min();
        [smol, neigh, self.nfs_poll_at(), self.tcp_poll_at(), self.igmp.poll_at(now), self.cpu.as_ref().and_then(cpu::Cpus::poll_at)]
            .into_iter()
            .flatten()
            .min()
    }

    /// The NICs as processes see them (`ip link`, `ip addr`, keepalived's interface list).
    pub(crate) fn interfaces(&self) -> Vec<NicView> {
        self.nics.iter().map(|n| NicView { name: n.name.clone(), mac: n.mac, up: n.up, addrs: n.addrs.clone(), stats: n.stats }).collect()
    }

    /// The neighbour entries of NIC `dev` (`ip neigh`); empty for an unknown device.
    pub(crate) fn neighbours(&self, dev: &str) -> Vec<EntryView> {
        self.nics.iter().filter(|n| n.name == dev).flat_map(|n| n.neigh.entries()).collect()
    }

    /// `ip neigh flush`: deletes the entries of NIC `dev` (every NIC with `None`) whose address
    /// `pick` selects, as `neigh_delete` does for each one iproute2 asks for.
    pub(crate) fn neigh_flush(&mut self, dev: Option<&str>, pick: impl Fn(Ipv4Addr) -> bool + Copy) {
        for n in self.nics.iter_mut().filter(|n| dev.is_none_or(|d| d == n.name)) {
            n.neigh.delete(pick);
        }
    }

    /// The default gateway, if any.
    pub(crate) fn gateway(&self) -> Option<Ipv4Addr> {
        self.gateway
    }

    /// Mirrors the NICs' addresses into smoltcp (primary addresses first, so smoltcp picks them
    /// as source addresses; added ones such as a VIP after).
    fn sync_stack_addrs(&mut self) {
        let Some(stack) = self.stack.as_mut() else { return };
        let primaries = self.nics.iter().filter_map(|n| n.addrs.first());
        let extras = self.nics.iter().flat_map(|n| n.addrs.iter().skip(1));
        let all: Vec<IfAddr> = primaries.chain(extras).copied().collect();
        stack.iface.update_ip_addrs(|addrs| {
            addrs.clear();
            let _ = addrs.push(IpCidr::new(IpAddress::v4(127, 0, 0, 1), 8));
            // Linux keeps any address an administrator gives an interface, even a multicast or
            // broadcast one (`ip addr add 224.0.0.18/32`): the NIC lists it and it counts as
            // local. smoltcp holds unicast addresses only (it panics on others) and takes its
            // source addresses from this list, so only those go in; multicast reception is the
            // NIC's group filter anyway.
            for a in all.into_iter().filter(|a| is_unicast(a.addr) && a.prefix_len <= 32) {
                // The capacity (8) exceeds what a lab host holds; extra addresses are ignored.
                let _ = addrs.push(IpCidr::new(IpAddress::Ipv4(a.addr), a.prefix_len));
            }
        });
    }

    /// `ip addr add ADDR/LEN dev DEV`. Returns false if the device does not exist.
    pub(crate) fn add_addr(&mut self, now: SimTime, dev: &str, addr: IfAddr) -> bool {
        let Some(nic) = self.nics.iter_mut().find(|n| n.name == dev) else { return false };
        if !nic.addrs.contains(&addr) {
            nic.addrs.push(addr);
            self.sync_stack_addrs();
            let kind = TraceKind::AddrAdded { host: self.name.clone(), dev: dev.to_owned(), addr: addr.addr, prefix_len: addr.prefix_len };
            self.trace(now, kind);
        }
        true
    }

    /// `ip addr del ADDR/LEN dev DEV`. Returns false if the address was not there.
    pub(crate) fn del_addr(&mut self, now: SimTime, dev: &str, addr: IfAddr) -> bool {
        let Some(nic) = self.nics.iter_mut().find(|n| n.name == dev) else { return false };
        let Some(i) = nic.addrs.iter().position(|a| *a == addr) else { return false };
        nic.addrs.remove(i);
        self.sync_stack_addrs();
        let kind = TraceKind::AddrRemoved { host: self.name.clone(), dev: dev.to_owned(), addr: addr.addr, prefix_len: addr.prefix_len };
        self.trace(now, kind);
        true
    }

    /// Whether `ip` is one of the host's addresses.
    pub(crate) fn has_addr(&self, ip: Ipv4Addr) -> bool {
        self.nics.iter().any(|n| n.has_addr(ip))
    }

    /// `ip link set DEV up|down`. Returns false if there is no such device. Processes watching
    /// links ([`Kernel::watch_links`]) hear of the change.
    pub(crate) fn set_link(&mut self, now: SimTime, dev: &str, up: bool) -> bool {
        let Some(nic) = self.nics.iter().position(|n| n.name == dev) else { return false };
        if self.nics[nic].up == up {
            return true;
        }
        self.nics[nic].up = up;
        if !up {
            // neigh_ifdown(): a downed device forgets its neighbours; queued packets are lost.
            self.nics[nic].neigh.flush();
        }
        let host = self.name.clone();
        self.trace(now, TraceKind::Link { host, dev: dev.to_owned(), up });
        self.raw.link_changed(dev, up);
        true
    }
}
