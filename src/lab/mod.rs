//! L5: the composition root. A [`Lab`] builds hosts and networks from a validated
//! [`Scenario`], powers the hosts on at time zero, and runs the event loop: frames between NICs,
//! host wake-ups, and timeline actions, in `(time, insertion)` order, until the scenario's
//! duration or the event budget ends the run.

use std::net::Ipv4Addr;
use std::rc::Rc;

use crate::fabric::{Fabric, PortId};
use crate::host::{Host, HostConfig, NicConfig};
use crate::kernel::{Calendar, EventQueue, SimRng, SimTime};
use crate::observe::expect::Check;
use crate::observe::report::{Report, RunSummary};
use crate::observe::trace::{Trace, TraceKind};
use crate::scenario::{Scenario, TimelineAction};

/// What the event loop does next.
///
/// Events at the same instant are handled in the order they were scheduled (the queue's
/// insertion sequence): power-on of every host at zero comes first (hosts in scenario order),
/// then timeline actions are scheduled in file order before the run starts, so at an instant
/// where a frame arrives and a command is typed, the one scheduled first wins. That order
/// depends only on the scenario and the seed, never on the machine.
enum Event {
    /// A frame reaches a port's NIC (queued there; a `Wake` at the same instant processes it).
    Deliver { port: PortId, frame: Rc<Vec<u8>> },
    /// A host asked to be polled (stale when `host_wake` says otherwise).
    Wake { host: usize },
    /// Timeline entry `index` is due.
    Timeline { index: usize },
}

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The scenario's duration was reached.
    Completed,
    /// The event budget ran out first (a finding in itself: something is livelocked).
    EventBudgetExhausted,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Completed => "completed",
            Outcome::EventBudgetExhausted => "event budget exhausted",
        }
    }
}

/// A finished run.
pub struct RunResult {
    /// Everything that happened.
    pub trace: Trace,
    /// One pcap file per network (name, bytes), when capture was asked for.
    pub pcaps: Vec<(String, Vec<u8>)>,
    /// How it ended.
    pub outcome: Outcome,
    /// Events processed.
    pub events: u64,
    /// The report over the scenario's expectations.
    pub report: Report,
}

/// A lab being simulated.
pub struct Lab {
    scenario: Scenario,
    seed: u64,
    now: SimTime,
    queue: EventQueue<Event>,
    hosts: Vec<Host>,
    host_wake: Vec<Option<SimTime>>,
    fabric: Fabric,
    /// For each host, the port of each NIC.
    host_ports: Vec<Vec<PortId>>,
    /// For each port, (host, NIC index, network index).
    port_owner: Vec<(usize, usize, usize)>,
    trace: Trace,
    events: u64,
    next_command: usize,
}

/// A MAC for a NIC without one in the scenario: VMware's OUI (the lab ran on VMware) and three
/// bytes from the host and interface names, so addresses stay the same whatever the seed.
fn derived_mac(host: &str, nic: &str, taken: &[[u8; 6]]) -> [u8; 6] {
    let mut h = crate::kernel::fnv1a64(format!("{host}/{nic}").as_bytes());
    loop {
        let b = h.to_be_bytes();
        let mac = [0x00, 0x0c, 0x29, b[5], b[6], b[7]];
        if !taken.contains(&mac) {
            return mac;
        }
        h = h.wrapping_add(1);
    }
}

impl Lab {
    /// Builds the lab of `scenario` with `seed`; `capture` records a pcap per network.
    pub fn new(scenario: &Scenario, seed: u64, capture: bool) -> Lab {
        let root = SimRng::new(seed);
        let calendar = Calendar::new(scenario.epoch_unix_s);
        let mut fabric = Fabric::new();
        for net in &scenario.networks {
            let i = fabric.add_network(&net.name, net.latency);
            if capture {
                fabric.capture(i, scenario.epoch_unix_s);
            }
        }
        let mut taken: Vec<[u8; 6]> = scenario.hosts.iter().flat_map(|h| h.nics.iter().filter_map(|n| n.mac)).collect();
        let mut hosts = Vec::new();
        let mut host_ports = Vec::new();
        let mut port_owner = Vec::new();
        for (hi, spec) in scenario.hosts.iter().enumerate() {
            let mut nics = Vec::new();
            let mut ports = Vec::new();
            for (ni, nic) in spec.nics.iter().enumerate() {
                let mac = nic.mac.unwrap_or_else(|| derived_mac(&spec.name, &nic.name, &taken));
                taken.push(mac);
                // Validation guarantees the network exists.
                let net = scenario.networks.iter().position(|n| n.name == nic.network).unwrap_or(0);
                let port = fabric.add_port(net);
                ports.push(port);
                port_owner.push((hi, ni, net));
                nics.push(NicConfig { name: nic.name.clone(), mac, addr: nic.addr, prefix_len: nic.prefix_len });
            }
            let cfg = HostConfig {
                name: spec.name.clone(),
                nics,
                gateway: spec.gateway,
                files: spec.files.iter().map(|f| (f.path.clone(), f.contents.clone())).collect(),
                enabled: spec.enabled.clone(),
            };
            hosts.push(Host::new(cfg, root.fork(&format!("host/{}", spec.name)), calendar));
            host_ports.push(ports);
        }
        let mut queue = EventQueue::new();
        for (index, entry) in scenario.timeline.iter().enumerate() {
            queue.push(entry.at, Event::Timeline { index });
        }
        let n = hosts.len();
        Lab {
            scenario: scenario.clone(),
            seed,
            now: SimTime::ZERO,
            queue,
            hosts,
            host_wake: vec![None; n],
            fabric,
            host_ports,
            port_owner,
            trace: Trace::new(),
            events: 0,
            next_command: 0,
        }
    }

    /// Runs the scenario to its end (or until the event budget is spent) and reports.
    pub fn run(mut self) -> RunResult {
        for h in 0..self.hosts.len() {
            self.hosts[h].power_on(SimTime::ZERO);
            self.after_host(h);
        }
        let end = self.scenario.duration;
        let mut outcome = Outcome::Completed;
        while let Some(at) = self.queue.peek_time() {
            if at > end {
                break;
            }
            if self.events >= self.scenario.max_events {
                outcome = Outcome::EventBudgetExhausted;
                break;
            }
            let Some((at, event)) = self.queue.pop() else { break };
            self.now = at;
            self.events += 1;
            self.dispatch(event);
        }
        if outcome == Outcome::Completed {
            self.now = end;
            for h in 0..self.hosts.len() {
                self.hosts[h].interrupt_commands(end);
                self.after_host(h);
            }
        }
        self.finish(outcome)
    }

    fn dispatch(&mut self, event: Event) {
        match event {
            Event::Deliver { port, frame } => {
                let (h, nic, _) = self.port_owner[port.0];
                self.hosts[h].receive(self.now, nic, &frame);
                // One poll handles every frame that reaches the host at this instant.
                if self.host_wake[h] != Some(self.now) {
                    self.host_wake[h] = Some(self.now);
                    self.queue.push(self.now, Event::Wake { host: h });
                }
            }
            Event::Wake { host } => {
                if self.host_wake[host] != Some(self.now) {
                    return; // superseded by an earlier wake
                }
                self.host_wake[host] = None;
                self.hosts[host].poll(self.now);
                self.after_host(host);
            }
            Event::Timeline { index } => {
                let entry = &self.scenario.timeline[index];
                let Some(h) = self.hosts.iter().position(|x| x.name() == entry.host) else { return };
                match &entry.action {
                    TimelineAction::Command(line) => {
                        let id = self.next_command;
                        self.next_command += 1;
                        let line = line.clone();
                        if self.hosts[h].is_powered() {
                            self.hosts[h].run_command(self.now, id, &line);
                        } else {
                            // Nobody is at a powered-off console: the command is recorded, unrun.
                            let host = entry.host.clone();
                            self.trace.push(self.now, TraceKind::Command { host: host.clone(), id, line });
                            self.trace.push(self.now, TraceKind::Exit { host, id, status: -1 });
                        }
                    }
                    TimelineAction::PowerOn => self.hosts[h].power_on(self.now),
                }
                self.after_host(h);
            }
        }
    }

    /// Collects what host `h` did: trace events, frames onto the fabric, its next wake.
    fn after_host(&mut self, h: usize) {
        let now = self.now;
        for (at, kind) in self.hosts[h].drain_events() {
            self.trace.push(at, kind);
        }
        let Lab { hosts, host_ports, port_owner, trace, fabric, queue, .. } = self;
        for (nic, frame) in hosts[h].drain_frames() {
            let port = host_ports[h][nic];
            trace.record_frame(now, port_owner[port.0].2, &frame);
            fabric.transmit(now, port, frame, |d| queue.push(d.at, Event::Deliver { port: d.port, frame: d.frame }));
        }
        if let Some(t) = self.hosts[h].poll_at(now) {
            // A deadline already reached was just polled for; look again a microsecond later.
            let t = t.max(now + std::time::Duration::from_micros(1));
            if self.host_wake[h].is_none_or(|w| t < w) {
                self.host_wake[h] = Some(t);
                self.queue.push(t, Event::Wake { host: h });
            }
        }
    }

    fn finish(mut self, outcome: Outcome) -> RunResult {
        self.trace.push(self.now, TraceKind::End { outcome: outcome.as_str().to_owned(), events: self.events });
        let pcaps = self
            .fabric
            .network_names()
            .enumerate()
            .filter_map(|(i, name)| self.fabric.captured(i).map(|c| (name.to_owned(), c.bytes().to_vec())))
            .collect();
        let mut vips: Vec<Ipv4Addr> = Vec::new();
        for e in &self.scenario.expectations {
            if let Check::VipOwner { vip, .. } = e.check
                && !vips.contains(&vip)
            {
                vips.push(vip);
            }
        }
        let summary = RunSummary {
            scenario: self.scenario.name.clone(),
            file: self.scenario.path.display().to_string(),
            seed: self.seed,
            duration: self.now,
            outcome: outcome.as_str().to_owned(),
            events: self.events,
            frames: self.trace.frames(),
            digest: self.trace.digest(),
        };
        let report = Report::new(summary, &self.scenario.expectations, self.trace.events(), &vips);
        RunResult { trace: self.trace, pcaps, outcome, events: self.events, report }
    }
}
