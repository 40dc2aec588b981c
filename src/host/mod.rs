//! L3: one virtual machine. A host is a smoltcp `Interface` on `Medium::Ip` plus labsim's own L2
//! (Ethernet, ARP and a Linux neighbour table per NIC, [`l2`]), an in-memory filesystem, the
//! processes running on it (daemons and console commands, [`apps`]) and a shell that interprets
//! the commands typed on its console ([`shell`]).
//!
//! The lab drives a host with [`Host::receive`] (a frame reached a NIC), [`Host::run_command`],
//! [`Host::poll`] and [`Host::poll_at`], and collects what it did with [`Host::drain_frames`] and
//! [`Host::drain_events`]. Frames cross as bytes; the host never sees the fabric.

mod apps;
mod device;
mod fs;
mod l2;
mod nic;
mod shell;
mod tcp;

use std::net::Ipv4Addr;

use smoltcp::iface::{Config as IfaceConfig, Interface, SocketSet};
use smoltcp::time::Instant;
use smoltcp::wire::{HardwareAddress, IpAddress, IpCidr};

use crate::kernel::{Calendar, SimRng, SimTime};
use crate::observe::trace::TraceKind;
use crate::proto::neigh::{NeighTable, Params as NeighParams};
use device::IpDevice;
pub use fs::{File, Fs};
use nic::Nic;
pub use nic::{IfAddr, format_mac};

/// How a host is built (plain data, from the scenario).
#[derive(Clone, Debug)]
pub struct HostConfig {
    /// Host name (also the shell prompt's).
    pub name: String,
    /// NICs in order (interface indexes 2, 3, … after `lo`).
    pub nics: Vec<NicConfig>,
    /// Default gateway, if any.
    pub gateway: Option<Ipv4Addr>,
    /// Files placed on the disk before the first boot.
    pub files: Vec<(String, Vec<u8>)>,
    /// Services started at boot (`systemctl enable`d units).
    pub enabled: Vec<String>,
}

/// One NIC of a [`HostConfig`].
#[derive(Clone, Debug)]
pub struct NicConfig {
    /// Interface name, e.g. `eno33554984`.
    pub name: String,
    /// MAC address.
    pub mac: [u8; 6],
    /// Primary IPv4 address.
    pub addr: Ipv4Addr,
    /// Its prefix length.
    pub prefix_len: u8,
}

struct Stack {
    iface: Interface,
    sockets: SocketSet<'static>,
    device: IpDevice,
}

/// One virtual machine.
pub struct Host {
    cfg: HostConfig,
    rng: SimRng,
    calendar: Calendar,
    boots: u32,
    nics: Vec<Nic>,
    fs: Fs,
    stack: Option<Stack>,
    procs: apps::Processes,
    tcp: tcp::TcpState,
    jobs: Vec<shell::Job>,
    /// Units whose package is on the disk.
    installed: Vec<apps::Unit>,
    frames_out: Vec<(usize, Vec<u8>)>,
    events: Vec<(SimTime, TraceKind)>,
}

pub(crate) fn smol_now(now: SimTime) -> Instant {
    Instant::from_micros(i64::try_from(now.as_micros()).unwrap_or(i64::MAX))
}

impl Host {
    /// A powered-off host with its disk prepared. `rng` is the host's own stream.
    pub fn new(cfg: HostConfig, rng: SimRng, calendar: Calendar) -> Host {
        let mut fs = Fs::default();
        for (path, contents) in &cfg.files {
            fs.write(path, contents.clone(), SimTime::ZERO);
        }
        apps::install_packages(&mut fs, &cfg.enabled);
        let installed = apps::installed_units(&fs, &cfg.enabled);
        let nics = Self::fresh_nics(&cfg, &rng, 0);
        Host {
            cfg,
            rng,
            calendar,
            boots: 0,
            nics,
            fs,
            stack: None,
            procs: apps::Processes::default(),
            tcp: tcp::TcpState::default(),
            jobs: Vec::new(),
            installed,
            frames_out: Vec::new(),
            events: Vec::new(),
        }
    }

    fn fresh_nics(cfg: &HostConfig, rng: &SimRng, boot: u32) -> Vec<Nic> {
        cfg.nics
            .iter()
            .map(|n| Nic {
                name: n.name.clone(),
                mac: n.mac,
                up: true,
                addrs: vec![IfAddr { addr: n.addr, prefix_len: n.prefix_len }],
                neigh: NeighTable::new(NeighParams::default(), rng.fork(&format!("neigh/{}/boot{boot}", n.name))),
                groups: Vec::new(),
                traced: Default::default(),
            })
            .collect()
    }

    /// The host's name.
    pub fn name(&self) -> &str {
        &self.cfg.name
    }

    /// Whether the host is running.
    pub fn is_powered(&self) -> bool {
        self.stack.is_some()
    }

    /// Names of the NICs, in order.
    pub fn nic_names(&self) -> impl Iterator<Item = &str> {
        self.cfg.nics.iter().map(|n| n.name.as_str())
    }

    /// The filesystem.
    pub fn fs(&self) -> &Fs {
        &self.fs
    }

    /// Boots the host: fresh network state, then the enabled services start.
    pub fn power_on(&mut self, now: SimTime) {
        if self.stack.is_some() {
            return;
        }
        self.boots += 1;
        self.nics = Self::fresh_nics(&self.cfg, &self.rng, self.boots);
        let mut device = IpDevice::default();
        let mut config = IfaceConfig::new(HardwareAddress::Ip);
        config.random_seed = self.rng.fork(&format!("smoltcp/boot{}", self.boots)).next_u64();
        let mut iface = Interface::new(config, &mut device, smol_now(now));
        if let Some(gw) = self.cfg.gateway {
            // A failure here means the gateway is not IPv4, which the scenario rules out.
            let _ = iface.routes_mut().add_default_ipv4_route(gw);
        }
        self.stack = Some(Stack { iface, sockets: SocketSet::new(Vec::new()), device });
        self.tcp = tcp::TcpState::new(self.rng.fork(&format!("ports/boot{}", self.boots)));
        self.sync_stack_addrs();
        self.emit(now, TraceKind::Power { host: self.cfg.name.clone(), on: true });
        for service in self.cfg.enabled.clone() {
            self.start_enabled(now, &service);
        }
        self.poll(now);
    }

    /// Powers the host off: every process and all network state vanish; the disk stays.
    pub fn power_off(&mut self, now: SimTime) {
        if self.stack.take().is_none() {
            return;
        }
        self.procs.kill_all();
        self.jobs.clear();
        self.frames_out.clear();
        self.emit(now, TraceKind::Power { host: self.cfg.name.clone(), on: false });
    }

    /// Types `line` on the host's console at `now`; `id` numbers the command in the run.
    pub fn run_command(&mut self, now: SimTime, id: usize, line: &str) {
        self.emit(now, TraceKind::Command { host: self.cfg.name.clone(), id, line: line.to_owned() });
        shell::run(self, now, id, line);
        self.poll(now);
    }

    /// The end of the run: running console commands get SIGINT (as Ctrl-C), so `ping` prints its
    /// statistics.
    pub fn interrupt_commands(&mut self, now: SimTime) {
        self.jobs.iter_mut().for_each(shell::Job::interrupt);
        self.with_procs(|procs, h| procs.interrupt_commands(h, now));
        self.poll(now);
    }

    /// Frames the host transmitted since the last call, with the NIC index they left by.
    pub fn drain_frames(&mut self) -> std::vec::Drain<'_, (usize, Vec<u8>)> {
        self.frames_out.drain(..)
    }

    /// Trace events since the last call.
    pub fn drain_events(&mut self) -> std::vec::Drain<'_, (SimTime, TraceKind)> {
        self.events.drain(..)
    }

    pub(crate) fn emit(&mut self, at: SimTime, kind: TraceKind) {
        self.events.push((at, kind));
    }

    /// Runs the network stack, the processes and the neighbour tables until nothing moves.
    pub fn poll(&mut self, now: SimTime) {
        // Each round either moves a packet or fires a due timer; 256 rounds at one instant would
        // mean a livelock, and the cap keeps a buggy process from hanging the run.
        for _ in 0..256 {
            let Some(stack) = self.stack.as_mut() else { return };
            stack.iface.poll(smol_now(now), &mut stack.device, &mut stack.sockets);
            let mut moved = self.flush_ip_tx(now);
            moved |= self.with_procs(|procs, h| procs.poll(h, now));
            moved |= self.poll_neighbours(now);
            moved |= self.poll_jobs(now);
            moved |= self.flush_ip_tx(now);
            self.reap_sockets();
            if !moved {
                return;
            }
        }
    }

    /// When the host next needs [`Host::poll`], if ever without new input.
    pub fn poll_at(&mut self, now: SimTime) -> Option<SimTime> {
        let stack = self.stack.as_mut()?;
        let smol =
            stack.iface.poll_at(smol_now(now), &stack.sockets).map(|t| SimTime::from_micros(u64::try_from(t.total_micros()).unwrap_or(0)));
        let neigh = self.nics.iter().filter_map(|n| n.neigh.poll_timeout()).min();
        let jobs = self.jobs.iter().filter_map(shell::Job::poll_timeout).min();
        [smol, neigh, self.procs.poll_timeout(), jobs].into_iter().flatten().min()
    }

    /// Runs `f` with the process table taken out of the host, so a process can act on the
    /// host (send, add an address, emit) while it is borrowed. Nothing inside `f` may look
    /// processes up through the host: the table there is empty until `f` returns.
    fn with_procs<R>(&mut self, f: impl FnOnce(&mut apps::Processes, &mut Host) -> R) -> R {
        let mut procs = std::mem::take(&mut self.procs);
        let result = f(&mut procs, self);
        self.procs = procs;
        result
    }

    fn poll_jobs(&mut self, now: SimTime) -> bool {
        if self.jobs.is_empty() {
            return false;
        }
        let boot = self.boots;
        let mut jobs = std::mem::take(&mut self.jobs);
        let mut moved = false;
        for job in &mut jobs {
            if self.boots != boot || !self.is_powered() {
                break;
            }
            moved |= job.poll(self, now);
        }
        // A job that powered the host off took every other job with it.
        if self.boots == boot && self.is_powered() {
            jobs.retain(|j| !j.is_done());
            self.jobs.append(&mut jobs);
        }
        moved
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
            for a in all {
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
            let kind =
                TraceKind::AddrAdded { host: self.cfg.name.clone(), dev: dev.to_owned(), addr: addr.addr, prefix_len: addr.prefix_len };
            self.emit(now, kind);
        }
        true
    }

    /// `ip addr del ADDR/LEN dev DEV`. Returns false if the address was not there.
    pub(crate) fn del_addr(&mut self, now: SimTime, dev: &str, addr: IfAddr) -> bool {
        let Some(nic) = self.nics.iter_mut().find(|n| n.name == dev) else { return false };
        let Some(i) = nic.addrs.iter().position(|a| *a == addr) else { return false };
        nic.addrs.remove(i);
        self.sync_stack_addrs();
        let kind =
            TraceKind::AddrRemoved { host: self.cfg.name.clone(), dev: dev.to_owned(), addr: addr.addr, prefix_len: addr.prefix_len };
        self.emit(now, kind);
        true
    }

    /// Name resolution as the host's tools do it: a dotted quad, else `/etc/hosts`.
    pub(crate) fn resolve(&self, name: &str) -> Option<Ipv4Addr> {
        if let Ok(ip) = name.parse() {
            return Some(ip);
        }
        let hosts = self.fs.read_text("/etc/hosts")?;
        hosts.lines().find_map(|l| {
            let mut words = l.split('#').next()?.split_whitespace();
            let ip: Ipv4Addr = words.next()?.parse().ok()?;
            words.any(|w| w == name).then_some(ip)
        })
    }

    /// Whether `ip` is one of the host's addresses.
    pub(crate) fn has_addr(&self, ip: Ipv4Addr) -> bool {
        self.nics.iter().any(|n| n.has_addr(ip))
    }
}
