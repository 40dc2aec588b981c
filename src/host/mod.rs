//! L3: one virtual machine, in two rooms. The [`kernel`] is the machine: a smoltcp interface and
//! its sockets, the NICs with labsim's own Ethernet, ARP and Linux neighbour tables, routes and
//! the file system, behind a syscall-like API. The [`userland`] holds what runs on it: daemons
//! as systemd units, console programs, and the shell that reads typed lines. Processes act on the
//! machine only through the system calls (`kernel::Sys`); the kernel never calls a process, it
//! queues what a process must hear (a packet on its raw socket, a link change) and names the
//! process to wake.
//!
//! The lab drives a host with [`Host::receive`] (a frame reached a NIC), [`Host::run_command`],
//! [`Host::poll`] and [`Host::poll_at`], and collects what it did with [`Host::drain_frames`] and
//! [`Host::drain_events`]. Frames cross as bytes; the host never sees the fabric.

mod kernel;
mod userland;

use std::borrow::Cow;
use std::net::Ipv4Addr;
use std::time::Duration;

use kernel::IfAddr;
pub(crate) use kernel::NicView;
pub(crate) use kernel::{Costs, MachineLoad, UserLoad};
use kernel::{Kernel, Sys};
use userland::Userland;
#[cfg(feature = "fuzzing")]
pub(crate) use userland::nginx_t;
pub(crate) use userland::{Os, ServiceView, configured_instances, os_names, service_names};

use crate::kernel::{Calendar, SimRng, SimTime};
use crate::observe::trace::TraceKind;

/// How a host is built (plain data, from the scenario).
#[derive(Clone, Debug)]
pub(crate) struct HostConfig {
    /// Host name (also the shell prompt's).
    pub(crate) name: String,
    /// NICs in order (interface indexes 2, 3, … after `lo`).
    pub(crate) nics: Vec<NicConfig>,
    /// Default gateway, if any.
    pub(crate) gateway: Option<Ipv4Addr>,
    /// Files placed on the disk before the first boot.
    pub(crate) files: Vec<(String, Vec<u8>)>,
    /// Services started at boot (`systemctl enable`d units).
    pub(crate) enabled: Vec<String>,
    /// The operating system on its disk.
    pub(crate) os: Os,
    /// Each daemon's start-up latency range (`None`: daemons start at once).
    pub(crate) startup_latency: Option<(Duration, Duration)>,
    /// Its CPUs.
    pub(crate) cpus: u32,
    /// Its cost model (`None`: work takes no time).
    pub(crate) costs: Option<Costs>,
}

/// One NIC of a [`HostConfig`].
#[derive(Clone, Debug)]
pub(crate) struct NicConfig {
    /// Interface name, e.g. `eno33554984`.
    pub(crate) name: String,
    /// MAC address.
    pub(crate) mac: [u8; 6],
    /// Primary IPv4 address.
    pub(crate) addr: Ipv4Addr,
    /// Its prefix length.
    pub(crate) prefix_len: u8,
}

/// One virtual machine.
pub(crate) struct Host {
    kernel: Kernel,
    userland: Userland,
}

/// Rounds of [`Host::poll`] at one instant before it gives up: each round either moves a packet
/// or fires a due timer, so this many would mean a livelock, and the cap keeps a buggy process
/// from hanging the run.
const MAX_ROUNDS: usize = 256;

impl Host {
    /// A powered-off host with its disk prepared. `rng` is the host's own stream.
    pub(crate) fn new(cfg: HostConfig, rng: SimRng, calendar: Calendar) -> Host {
        let mut kernel = Kernel::new(cfg.name, cfg.gateway, rng, calendar);
        kernel.set_tcp_sysctl(cfg.os.spec().tcp);
        kernel.set_timer_wheel(cfg.os.spec().timer_wheel);
        kernel.set_startup_latency(cfg.startup_latency);
        kernel.set_cpus(cfg.cpus);
        kernel.set_costs(cfg.costs);
        for nic in &cfg.nics {
            kernel.plug_nic(nic.name.clone(), nic.mac, IfAddr { addr: nic.addr, prefix_len: nic.prefix_len });
        }
        for (path, contents) in cfg.files {
            kernel.fs_mut().write(&path, contents, SimTime::ZERO);
        }
        let hostname = kernel.hostname().to_owned();
        let nics: Vec<(&str, IfAddr)> =
            cfg.nics.iter().map(|n| (n.name.as_str(), IfAddr { addr: n.addr, prefix_len: n.prefix_len })).collect();
        let userland = Userland::new(&hostname, kernel.fs_mut(), &nics, &cfg.enabled, cfg.os);
        Host { kernel, userland }
    }

    /// The host's name.
    pub(crate) fn name(&self) -> &str {
        self.kernel.hostname()
    }

    /// What its installed daemons would say about their configuration files when they start:
    /// (file, line or 0, the daemon's line), as `labsim check` reports them.
    pub(crate) fn config_notes(&self) -> Vec<(String, usize, String)> {
        self.userland.config_notes(self.kernel.fs())
    }

    /// Whether the host is running.
    pub(crate) fn is_powered(&self) -> bool {
        self.kernel.is_powered()
    }

    /// Boots the host: fresh network state, then the enabled services start.
    pub(crate) fn power_on(&mut self, now: SimTime) {
        if self.kernel.is_powered() {
            return;
        }
        self.kernel.power_on(now);
        self.userland.boot(&mut Sys::new(&mut self.kernel), now);
        self.run(now);
    }

    /// Types `line` on the host's console at `now`; `id` numbers the command in the run.
    pub(crate) fn run_command(&mut self, now: SimTime, id: usize, line: &str) {
        let host = self.kernel.hostname().to_owned();
        let prompt = self.userland.prompt(&host);
        self.kernel.trace(now, TraceKind::Command { host, id, line: line.to_owned(), prompt });
        self.userland.run_command(&mut Sys::new(&mut self.kernel), now, id, line);
        self.run(now);
    }

    /// Starts the host's share of the scenario's user population at `now` (nothing on a host
    /// that is off).
    pub(crate) fn start_users(&mut self, now: SimTime, load: &UserLoad) {
        if !self.kernel.is_powered() {
            return;
        }
        self.userland.start_users(&mut Sys::new(&mut self.kernel), now, load);
        self.run(now);
    }

    /// The end of the run, or where it stopped: traces what each console command still running
    /// was doing (nothing else moves).
    pub(crate) fn record_unfinished(&mut self, now: SimTime) {
        self.userland.record_unfinished(&mut Sys::new(&mut self.kernel), now);
    }

    /// The end of the run: running console commands get SIGINT (as Ctrl-C), so `ping` prints its
    /// statistics.
    pub(crate) fn interrupt_commands(&mut self, now: SimTime) {
        self.userland.interrupt_commands(&mut Sys::new(&mut self.kernel), now);
        self.run(now);
    }

    /// A frame reached NIC `nic`. The stack takes it at the next [`Host::poll`] (frames arriving
    /// at the same instant are handled in one go); a process woken by it runs at once. Returns
    /// whether the host has work from it: when not (a frame its NIC filters out, an ARP
    /// request that changes nothing), a poll for it would change nothing either.
    pub(crate) fn receive(&mut self, now: SimTime, nic: usize, frame: Cow<'_, [u8]>) -> bool {
        if !self.kernel.receive(now, nic, frame) {
            return false;
        }
        self.userland.run_wakeups(&mut Sys::new(&mut self.kernel), now);
        true
    }

    /// Runs the network stack, the processes, the neighbour tables and the console until nothing
    /// moves. Returns when the host next needs a poll, as [`Host::poll_at`] would say now.
    pub(crate) fn poll(&mut self, now: SimTime) -> Option<SimTime> {
        let kernel = self.run(now).unwrap_or_else(|| self.kernel.poll_at(now));
        self.next_poll(kernel)
    }

    /// The rounds of [`Host::poll`]. Returns the kernel's next deadline when the last round
    /// had to work it out.
    fn run(&mut self, now: SimTime) -> Option<Option<SimTime>> {
        let (k, u) = (&mut self.kernel, &mut self.userland);
        for _ in 0..MAX_ROUNDS {
            if !k.is_powered() {
                return None;
            }
            k.poll_stack(now);
            let mut flushed = k.flush_ip_tx(now);
            let mut moved = k.poll_nfs(now);
            moved |= k.poll_cpu(now);
            moved |= u.poll(&mut Sys::new(k), now);
            k.tcp_changes_seen();
            moved |= k.poll_nfs(now);
            moved |= k.poll_neighbours(now);
            moved |= u.poll_console(&mut Sys::new(k), now);
            moved |= k.poll_igmp(now);
            flushed |= k.flush_ip_tx(now);
            k.reap_sockets(now);
            if moved || (flushed && k.has_rx()) {
                continue;
            }
            if !flushed {
                return None;
            }
            // Frames sent are no work for this host by themselves: they call for another round
            // only while the stack has more to do at this instant (a deadline reached: smoltcp
            // sends one segment per socket per round).
            let next = k.poll_at(now);
            if next.is_none_or(|t| t > now) {
                return Some(next);
            }
        }
        None
    }

    /// When the host next needs [`Host::poll`], if ever without new input.
    pub(crate) fn poll_at(&mut self, now: SimTime) -> Option<SimTime> {
        let kernel = self.kernel.poll_at(now);
        self.next_poll(kernel)
    }

    /// The earlier of the kernel's next deadline `kernel` and the processes'.
    fn next_poll(&self, kernel: Option<SimTime>) -> Option<SimTime> {
        if !self.kernel.is_powered() {
            return None;
        }
        [kernel, self.userland.poll_timeout()].into_iter().flatten().min()
    }

    /// How busy the host has been up to `now`, when its cost model is on: its CPUs, busy
    /// core-µs since it was built, and each daemon's worker pool.
    pub(crate) fn load(&mut self, now: SimTime) -> Option<MachineLoad> {
        self.kernel.load(now)
    }

    /// Frames the host transmitted since the last call, with the NIC index they left by.
    pub(crate) fn drain_frames(&mut self) -> std::vec::Drain<'_, (usize, Vec<u8>)> {
        self.kernel.drain_frames()
    }

    /// Trace events since the last call.
    pub(crate) fn drain_events(&mut self) -> std::vec::Drain<'_, (SimTime, TraceKind)> {
        self.kernel.drain_trace()
    }

    /// The NICs, their link states and addresses.
    pub(crate) fn interfaces(&self) -> Vec<NicView> {
        self.kernel.interfaces()
    }

    /// The installed services and their states.
    pub(crate) fn services(&self) -> Vec<ServiceView> {
        self.userland.services()
    }
}
