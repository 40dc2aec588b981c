//! L5: the composition root. A [`Lab`] builds hosts and networks from a validated
//! [`Scenario`], powers the hosts on at time zero, and runs the event loop: frames between NICs,
//! host wake-ups, and the timeline (the scenario's entries, and commands typed into the run), in
//! time order, until the scenario's duration or the event budget ends the run (or the caller
//! stops it: [`Lab::stop`]).
//!
//! A lab can be driven step by step: [`Lab::run_until`] a simulated time, [`Lab::step`] to the
//! next instant with events, [`Lab::type_command`] on a host's console at the current time,
//! [`Lab::view`] to look at the world, and [`Lab::finish`] into the report. [`Lab::run`] is
//! `finish` on a fresh lab.
//!
//! [`topology()`] reads what a lab is made of without running it, for `labsim topo`.
//!
//! The lab never reads a wall clock. A caller that wants one (the CLI's progress line and its
//! `--max-wall`) drives the lab in slices of simulated time with [`Lab::run_until`] and looks at
//! the clock between slices; a run driven in slices gives exactly the report of [`Lab::run`].
//!
//! [`config_notes`] is what the hosts' daemons would say about their configuration files when
//! they start, without running anything (`labsim check`).

mod notes;
mod topology;
mod view;

use std::borrow::Cow;
use std::fmt;
use std::io::Write;
use std::net::Ipv4Addr;
use std::time::Duration;

use crate::fabric::{Fabric, PortId, Targets};
use crate::host::{Costs, Host, HostConfig, NicConfig, UserLoad};
use crate::kernel::{Calendar, EventQueue, SimRng, SimTime};
use crate::observe::capacity::{Capacity, HostLoad};
use crate::observe::expect::Check;
use crate::observe::keep::Keep;
use crate::observe::options::ReportOptions;
use crate::observe::report::{EventBreakdown, HostEvents, Report, RunSummary};
use crate::observe::tally::Tally;
use crate::observe::trace::{Trace, TraceEvent, TraceKind};
use crate::scenario::{Scenario, TimelineAction};
pub(crate) use notes::{ConfigNote, config_notes};
pub(crate) use topology::{HostPlan, TopologyView, VrrpPlan, topology};
pub use view::{HostView, LabView, NicState, ServiceState, VipView};

/// What the event loop does next, besides the timeline.
///
/// Events at the same instant are handled in the order they were scheduled (the queue's
/// insertion sequence), and every timeline entry of an instant comes before them: the
/// scenario's entries in file order, then commands typed into the run in the order typed. So at
/// an instant where a frame arrives and a command is typed, the command runs first. That order
/// depends only on the scenario, the seed and the commands typed, never on the machine.
///
/// A flooded frame is one event that reaches its ports in port order, each reaching counted
/// as one event (as the budget and the report count them): nothing else can come between them,
/// since they were scheduled together for the same instant.
enum Event {
    /// A frame reaches ports' NICs (queued there; a `Wake` at the same instant processes it).
    Deliver { to: Targets, frame: Box<[u8]> },
    /// A host asked to be polled (stale when `host_wake` says otherwise): for a deadline
    /// (`timer`), or for the frames that reached it at this instant.
    Wake { host: usize, timer: bool },
}

/// One entry of the timeline: an action on a host.
struct Planned {
    host: usize,
    action: TimelineAction,
}

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The scenario's duration was reached.
    Completed,
    /// The event budget ran out first (a finding in itself: something is livelocked).
    EventBudgetExhausted,
    /// The caller stopped the run before its end ([`Lab::stop`]: the CLI's `--max-wall`).
    Stopped,
}

/// Events one host took, by kind: plain counters, kept for every run, reported when a run does
/// not complete (to show which host livelocked).
#[derive(Clone, Copy, Debug, Default)]
struct Spent {
    /// Frames delivered to one of its NICs.
    frames: u64,
    /// Wake-ups (polls for a timer or for the frames of an instant; stale ones included).
    wakeups: u64,
    /// Timeline entries run on it (the scenario's commands and power-ons, typed commands).
    timeline: u64,
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
    /// The capacity report's aggregation (rendered only when asked for: `--plots`).
    pub capacity: Capacity,
    /// What became of the files written as the run went (`Lab::stream_trace`,
    /// `Lab::stream_pcap`): `trace` or the network's name, and whether all of it was written.
    pub streamed: Vec<(String, std::io::Result<()>)>,
}

/// A command that cannot be typed into the run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CommandError {
    /// No host has that name.
    UnknownHost {
        /// The name given.
        name: String,
        /// The hosts there are.
        known: Vec<String>,
    },
    /// The command line is empty.
    Empty,
    /// The run is over (its duration reached, or its event budget spent).
    RunOver,
    /// The time asked for has already passed.
    Past {
        /// The time asked for.
        at: SimTime,
        /// The lab's time.
        now: SimTime,
    },
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CommandError::UnknownHost { name, known } => write!(f, "unknown host \"{name}\" (known: {})", known.join(", ")),
            CommandError::Empty => f.write_str("empty command"),
            CommandError::RunOver => f.write_str("the run is over"),
            CommandError::Past { at, now } => write!(f, "{at} has passed (the lab is at {now})"),
        }
    }
}

impl std::error::Error for CommandError {}

/// A lab being simulated.
pub struct Lab {
    scenario: Scenario,
    seed: u64,
    now: SimTime,
    /// Entries of `planned` by time, file entries first, then typed commands.
    timeline: EventQueue<usize>,
    planned: Vec<Planned>,
    queue: EventQueue<Event>,
    hosts: Vec<Host>,
    host_wake: Vec<Option<SimTime>>,
    /// For each host, whether a frame that reached it since its last poll gave it work (a frame
    /// that changed nothing, such as an ARP request for another host's address from a sender
    /// it has no entry for, wakes it without a poll).
    host_rx: Vec<bool>,
    /// For each host, when it asked to be polled next ([`Host::poll_at`]) when last asked.
    host_next: Vec<Option<SimTime>>,
    fabric: Fabric,
    /// For each host, the port of each NIC.
    host_ports: Vec<Vec<PortId>>,
    /// For each port, (host, NIC index, network index).
    port_owner: Vec<(usize, usize, usize)>,
    trace: Trace,
    /// The running summaries a live view reads (none once the lab knows its report is the only
    /// reader: [`Lab::keep_for_report`]).
    tally: Option<Tally>,
    capacity: Capacity,
    /// The next interval boundary at which the hosts' load is sampled for the capacity report;
    /// `None` when no host has a cost model.
    load_next: Option<SimTime>,
    events: u64,
    next_command: usize,
    exhausted: bool,
    /// When the last event was processed (the clock reads it again if the budget runs out).
    last_event_at: SimTime,
    /// For each host, the events it took.
    spent: Vec<Spent>,
}

/// The run's observers: the trace, the running summaries and the capacity report.
struct Observers<'a> {
    trace: &'a mut Trace,
    tally: Option<&'a mut Tally>,
    capacity: &'a mut Capacity,
}

/// Adds an event to the trace, the running summaries and the capacity report; a measurement
/// only the capacity report reads (`Served`, `Sampled`) goes there alone.
fn record(o: Observers<'_>, at: SimTime, kind: TraceKind) {
    let event = TraceEvent { at, kind };
    o.capacity.record(&event);
    if let TraceKind::Served { .. } | TraceKind::Sampled { .. } = event.kind {
        return;
    }
    if let Some(tally) = o.tally {
        tally.record(o.trace.recorded(), &event);
    }
    o.trace.record(event);
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
    /// Builds the lab of `scenario` with `seed` and powers its hosts on at time zero; `capture`
    /// records a pcap per network.
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
                os: spec.os,
                startup_latency: spec.startup_latency,
                cpus: spec.cpus,
                costs: spec.costs.map(|c| Costs { httpd_request: c.httpd_request, nginx_request: c.nginx_request }),
            };
            hosts.push(Host::new(cfg, root.fork(&format!("host/{}", spec.name)), calendar));
            host_ports.push(ports);
        }
        let n = hosts.len();
        let mut lab = Lab {
            scenario: scenario.clone(),
            seed,
            now: SimTime::ZERO,
            timeline: EventQueue::new(),
            planned: Vec::new(),
            queue: EventQueue::new(),
            hosts,
            host_wake: vec![None; n],
            host_rx: vec![false; n],
            host_next: vec![None; n],
            fabric,
            host_ports,
            port_owner,
            trace: Trace::new(),
            tally: Some(Tally::default()),
            capacity: Capacity::default(),
            load_next: None,
            events: 0,
            next_command: 0,
            exhausted: false,
            last_event_at: SimTime::ZERO,
            spent: vec![Spent::default(); n],
        };
        lab.watch_capacity();
        lab.load_next = lab.first_load_sample();
        for entry in &scenario.timeline {
            // Validation guarantees the host exists.
            let host = lab.host_index(&entry.host).unwrap_or(0);
            lab.plan(entry.at, host, entry.action.clone());
        }
        for h in 0..n {
            lab.hosts[h].power_on(SimTime::ZERO);
            lab.after_host(h);
        }
        lab
    }

    /// The current simulated time.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// When the run ends (the scenario's duration).
    pub fn end(&self) -> SimTime {
        self.scenario.duration
    }

    /// The seed of the run.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Whether the event budget ran out (the run can go no further).
    pub fn is_exhausted(&self) -> bool {
        self.exhausted
    }

    /// Events processed so far (frame deliveries, host wake-ups and timeline entries), which the
    /// scenario's `max_events` bounds.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// Frames delivered to NICs so far (each one of the [`Lab::events`]).
    pub fn frame_deliveries(&self) -> u64 {
        self.spent.iter().map(|s| s.frames).sum()
    }

    fn host_index(&self, name: &str) -> Option<usize> {
        self.hosts.iter().position(|h| h.name() == name)
    }

    fn plan(&mut self, at: SimTime, host: usize, action: TimelineAction) {
        self.timeline.push(at, self.planned.len());
        self.planned.push(Planned { host, action });
    }

    /// Types `line` on `host`'s console at the current time. It runs when the lab next moves
    /// (before anything else at this instant but the scenario's own timeline entries), exactly
    /// as a scenario whose timeline had the command at this time would run it: nothing due at the
    /// current time has run yet ([`Lab::run_until`] stops before it, [`Lab::step`] moves past
    /// the instant it processed).
    pub fn type_command(&mut self, host: &str, line: &str) -> Result<(), CommandError> {
        self.type_command_at(self.now, host, line)
    }

    /// Types `line` on `host`'s console at `at`, now or later: it runs when the lab gets there,
    /// after the scenario's own timeline entries of that instant and after the commands typed
    /// for it before, as [`Lab::type_command`] at that time would run it (the TUI re-types a
    /// session's commands this way when it re-simulates a run from the seed).
    pub fn type_command_at(&mut self, at: SimTime, host: &str, line: &str) -> Result<(), CommandError> {
        if self.exhausted || at > self.end() {
            return Err(CommandError::RunOver);
        }
        if at < self.now {
            return Err(CommandError::Past { at, now: self.now });
        }
        if line.trim().is_empty() {
            return Err(CommandError::Empty);
        }
        let Some(h) = self.host_index(host) else {
            let known = self.hosts.iter().map(|h| h.name().to_owned()).collect();
            return Err(CommandError::UnknownHost { name: host.to_owned(), known });
        };
        self.plan(at, h, TimelineAction::Command(line.to_owned()));
        Ok(())
    }

    /// When the next event is due, if any before the end of the run.
    pub fn next_event_at(&self) -> Option<SimTime> {
        let next = [self.timeline.peek_time(), self.queue.peek_time()].into_iter().flatten().min()?;
        (next <= self.end() && !self.exhausted).then_some(next)
    }

    /// Processes every event of the next instant that has any and moves the clock just past it
    /// (a microsecond on), so that a command typed next runs after it, as a timeline entry at
    /// that time would. Returns the instant processed, or `None` when nothing is left before the
    /// end of the run (or the event budget ran out).
    pub fn step(&mut self) -> Option<SimTime> {
        let at = self.next_event_at()?;
        self.advance(|t| t <= at);
        if !self.exhausted {
            self.now = at + Duration::from_micros(1);
        }
        Some(at)
    }

    /// Processes every event due strictly before `t` (and not after the end of the run); the
    /// clock then reads `t`, or the end of the run if that comes first. A command typed next
    /// runs before anything else due at `t`.
    pub fn run_until(&mut self, t: SimTime) {
        let end = self.end();
        self.advance(|at| at < t && at <= end);
        if !self.exhausted {
            self.now = self.now.max(t.min(end));
        }
    }

    /// Pops events while `due` says so and the budget lasts.
    fn advance(&mut self, due: impl Fn(SimTime) -> bool) {
        loop {
            let timeline = self.timeline.peek_time();
            let peeked = self.queue.peek();
            let network = peeked.map(|p| p.at);
            // The timeline wins a tie.
            let from_timeline = match (timeline, network) {
                (Some(a), Some(b)) => a <= b,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => return,
            };
            let at = if from_timeline { timeline } else { network };
            if !at.is_some_and(&due) {
                return;
            }
            // Nothing changes between two events: a boundary's load is what it is just before
            // the first event at or after it.
            self.sample_load(at.unwrap_or(self.now));
            if self.events >= self.scenario.max_events {
                self.exhausted = true;
                // The clock reads the last instant processed, however the run was sliced: a
                // `run_until` that ended with the budget just spent has moved it further.
                self.now = self.last_event_at;
                return;
            }
            self.events += 1;
            if from_timeline {
                let Some((at, index)) = self.timeline.pop() else { return };
                self.now = at;
                self.last_event_at = at;
                self.spent[self.planned[index].host].timeline += 1;
                self.dispatch_planned(index);
            } else {
                let Some((at, event)) = peeked.and_then(|p| self.queue.pop_peeked(p)) else { return };
                self.now = at;
                self.last_event_at = at;
                match event {
                    // A unicast frame is handed over whole: the NIC keeps its bytes.
                    Event::Deliver { to: Targets::One(port), frame } => self.deliver(port, Cow::Owned(frame.into_vec())),
                    Event::Deliver { to, frame } => {
                        for (i, port) in to.ports().enumerate() {
                            // The first reaching was counted above; each other one is an event.
                            if i > 0 {
                                if self.events >= self.scenario.max_events {
                                    self.exhausted = true;
                                    return;
                                }
                                self.events += 1;
                            }
                            self.deliver(port, Cow::Borrowed(&frame));
                        }
                    }
                    Event::Wake { host, timer } => {
                        self.spent[host].wakeups += 1;
                        self.wake(host, timer);
                    }
                }
            }
        }
    }

    /// A frame reaches `port`'s NIC at the current instant.
    fn deliver(&mut self, port: PortId, frame: Cow<'_, [u8]>) {
        let (h, nic, _) = self.port_owner[port.0];
        self.spent[h].frames += 1;
        self.host_rx[h] |= self.hosts[h].receive(self.now, nic, frame);
        // One poll handles every frame that reaches the host at this instant.
        if self.host_wake[h] != Some(self.now) {
            self.host_wake[h] = Some(self.now);
            self.queue.push(self.now, Event::Wake { host: h, timer: false });
        }
    }

    fn wake(&mut self, host: usize, timer: bool) {
        if self.host_wake[host] != Some(self.now) {
            return; // superseded by an earlier wake
        }
        self.host_wake[host] = None;
        // A host woken only by frames that gave it nothing to do has nothing to poll for: no
        // deadline is due (it would have a wake-up at this instant already), and nothing in it
        // changed since it last said when it needs polling next.
        if timer || std::mem::take(&mut self.host_rx[host]) {
            let next = self.hosts[host].poll(self.now);
            self.collect(host);
            self.settle(host, next);
        } else {
            self.schedule(host, self.host_next[host]);
        }
    }

    fn dispatch_planned(&mut self, index: usize) {
        let h = self.planned[index].host;
        match &self.planned[index].action {
            TimelineAction::Command(line) => {
                let id = self.next_command;
                self.next_command += 1;
                let line = line.clone();
                if self.hosts[h].is_powered() {
                    self.hosts[h].run_command(self.now, id, &line);
                } else {
                    // Nobody is at a powered-off console: the command is recorded, unrun.
                    let host = self.hosts[h].name().to_owned();
                    self.push_trace(self.now, TraceKind::Command { host: host.clone(), id, line, prompt: Default::default() });
                    self.push_trace(self.now, TraceKind::Exit { host, id, status: -1 });
                }
            }
            TimelineAction::PowerOn => self.hosts[h].power_on(self.now),
            TimelineAction::Users(spec) => {
                let load = UserLoad {
                    mean_gap: spec.mean_gap,
                    until: spec.until,
                    pages: spec.pages,
                    assets: spec.assets,
                    think: spec.think,
                    connections: spec.connections as usize,
                    keepalive: spec.keepalive,
                    warm: spec.warm,
                    target: (spec.addr, spec.port),
                    host_header: spec.host_header.clone(),
                    page: spec.page.clone(),
                    asset: spec.asset.clone(),
                    stream: spec.stream.clone(),
                };
                self.hosts[h].start_users(self.now, &load);
            }
        }
        self.after_host(h);
    }

    fn push_trace(&mut self, at: SimTime, kind: TraceKind) {
        record(Observers { trace: &mut self.trace, tally: self.tally.as_mut(), capacity: &mut self.capacity }, at, kind);
    }

    /// Collects what host `h` did (trace events, frames onto the fabric) and schedules its next
    /// wake.
    fn after_host(&mut self, h: usize) {
        self.collect(h);
        let next = self.hosts[h].poll_at(self.now);
        self.settle(h, next);
    }

    /// Takes host `h`'s trace events into the trace and its frames onto the fabric.
    fn collect(&mut self, h: usize) {
        let now = self.now;
        let Lab { hosts, host_ports, port_owner, trace, tally, capacity, fabric, queue, .. } = self;
        for (at, kind) in hosts[h].drain_events() {
            record(Observers { trace, tally: tally.as_mut(), capacity }, at, kind);
        }
        for (nic, frame) in hosts[h].drain_frames() {
            let port = host_ports[h][nic];
            trace.record_frame(now, port_owner[port.0].2, &frame);
            if let Some(d) = fabric.transmit(now, port, frame) {
                queue.push_after(now, d.after, Event::Deliver { to: d.to, frame: d.frame });
            }
        }
    }

    /// Host `h` next needs a poll at `next`: its wake-up.
    fn settle(&mut self, h: usize, next: Option<SimTime>) {
        self.host_next[h] = next;
        self.schedule(h, next);
    }

    /// Schedules host `h`'s wake-up for its deadline `next`, unless an earlier one is due.
    fn schedule(&mut self, h: usize, next: Option<SimTime>) {
        if let Some(t) = next {
            // A deadline already reached was just polled for; look again a microsecond later.
            let t = t.max(self.now + Duration::from_micros(1));
            if self.host_wake[h].is_none_or(|w| t < w) {
                self.host_wake[h] = Some(t);
                self.queue.push(t, Event::Wake { host: h, timer: true });
            }
        }
    }

    /// Aggregates the capacity report over intervals of `interval` instead of 1 s; for a lab
    /// just built (what it had aggregated is dropped).
    pub fn set_capacity_interval(&mut self, interval: Duration) {
        self.capacity = Capacity::new(interval);
        self.watch_capacity();
        self.load_next = self.first_load_sample();
    }

    /// Keeps in memory only the trace events that the scenario's expectations and a report
    /// rendered with `options` read (`labsim run`, whose report is known before the run), so
    /// that a long run's memory does not grow with each request; [`RunResult::trace`] then holds
    /// those events only, and its digest is the same; the live view's running summaries stop.
    pub(crate) fn keep_for_report(&mut self, options: &ReportOptions) {
        let keep = Keep::new(options, &self.scenario.expectations);
        self.trace.keep(move |e| keep.wants(e));
        self.tally = None;
    }

    /// Writes the trace to `out` as the run goes, one line of JSON per event (`--trace`),
    /// starting with the events so far.
    pub(crate) fn stream_trace(&mut self, out: Box<dyn Write + Send + Sync>) {
        self.trace.stream(out);
    }

    /// Writes network `network`'s pcap to `out` as the run goes (`--pcap`), starting with what
    /// it captured so far; false when it is not captured (a lab built without capture, or no
    /// such network).
    pub(crate) fn stream_pcap(&mut self, network: &str, out: Box<dyn Write + Send + Sync>) -> bool {
        let Some(i) = self.fabric.network_names().position(|n| n == network) else { return false };
        let Some(capture) = self.fabric.captured_mut(i) else { return false };
        capture.stream(out);
        true
    }

    /// The end of the capacity report's first interval, if some host has a cost model.
    fn first_load_sample(&self) -> Option<SimTime> {
        self.scenario.hosts.iter().any(|h| h.costs.is_some()).then(|| SimTime::ZERO + self.capacity.interval())
    }

    /// Samples the load of the hosts with a cost model at every interval boundary up to `at`.
    fn sample_load(&mut self, at: SimTime) {
        while let Some(boundary) = self.load_next.filter(|b| *b <= at) {
            self.sample_hosts(boundary);
            self.load_next = Some(boundary + self.capacity.interval());
        }
    }

    /// Hands the capacity report each host's load at `at`.
    fn sample_hosts(&mut self, at: SimTime) {
        for host in &mut self.hosts {
            let Some(load) = host.load(at) else { continue };
            let pools = load.pools.into_iter().map(|(name, p)| (name.to_owned(), p.used_us, p.capacity_us)).collect();
            self.capacity.record_load(at, host.name(), HostLoad { cpus: load.cpus, busy_us: load.busy_us, pools });
        }
    }

    /// The world as it is now.
    pub fn view(&self) -> LabView<'_> {
        view::build(self)
    }

    /// Runs the scenario to its end (or until the event budget is spent) and reports.
    pub fn run(self) -> RunResult {
        self.finish()
    }

    /// Runs what is left of the scenario (unless the event budget is spent), records what the
    /// commands still running at the end were doing, interrupts them (Ctrl-C) and reports.
    pub fn finish(mut self) -> RunResult {
        let end = self.end();
        self.advance(|at| at <= end);
        if self.exhausted {
            self.record_unfinished();
            return self.report(Outcome::EventBudgetExhausted, "event budget exhausted".to_owned());
        }
        // The load up to the end, before the end's own work (Ctrl-C) moves anything.
        self.sample_load(end);
        self.now = end;
        self.record_unfinished();
        for h in 0..self.hosts.len() {
            self.hosts[h].interrupt_commands(end);
            self.after_host(h);
        }
        self.report(Outcome::Completed, "completed".to_owned())
    }

    /// Ends the run where it is, before its end, for a reason from outside the simulation, and
    /// reports: nothing more runs (commands are not interrupted, what they were doing is
    /// recorded), and the outcome reads
    /// `stopped {why} at {now} simulated` (the CLI's `--max-wall` says `after 30 s of wall time`).
    /// A run already over (its duration reached, or its budget spent) is finished instead.
    pub fn stop(mut self, why: &str) -> RunResult {
        if self.exhausted || self.next_event_at().is_none() {
            return self.finish();
        }
        self.record_unfinished();
        let us = self.now.as_micros();
        let text = format!("stopped {why} at {}.{:06} s simulated", us / 1_000_000, us % 1_000_000);
        self.report(Outcome::Stopped, text)
    }

    /// Traces what every console command still running was doing (`Unfinished` events), now,
    /// at the end of the run or where it stopped; nothing runs.
    fn record_unfinished(&mut self) {
        let now = self.now;
        let Lab { hosts, trace, tally, capacity, .. } = self;
        for host in hosts.iter_mut() {
            host.record_unfinished(now);
            for (at, kind) in host.drain_events() {
                record(Observers { trace, tally: tally.as_mut(), capacity }, at, kind);
            }
        }
    }

    /// Where the events went, by kind and by host (most events first).
    fn breakdown(&self) -> EventBreakdown {
        let mut hosts: Vec<HostEvents> = self
            .hosts
            .iter()
            .zip(&self.spent)
            .map(|(h, s)| HostEvents {
                host: h.name().to_owned(),
                events: s.frames + s.wakeups + s.timeline,
                wakeups: s.wakeups,
                frames: s.frames,
                timeline: s.timeline,
            })
            .collect();
        // A stable sort: hosts with as many events stay in the scenario's order.
        hosts.sort_by_key(|h| std::cmp::Reverse(h.events));
        EventBreakdown {
            frame_deliveries: self.spent.iter().map(|s| s.frames).sum(),
            wakeups: self.spent.iter().map(|s| s.wakeups).sum(),
            timeline: self.spent.iter().map(|s| s.timeline).sum(),
            hosts,
        }
    }

    fn report(mut self, outcome: Outcome, text: String) -> RunResult {
        self.push_trace(self.now, TraceKind::End { outcome: text.clone(), events: self.events });
        let mut streamed: Vec<(String, std::io::Result<()>)> = Vec::new();
        streamed.extend(self.trace.end_stream().map(|r| ("trace".to_owned(), r)));
        let names: Vec<String> = self.fabric.network_names().map(str::to_owned).collect();
        let mut pcaps = Vec::new();
        for (i, name) in names.into_iter().enumerate() {
            let Some(capture) = self.fabric.captured_mut(i) else { continue };
            match capture.end_stream() {
                Some(r) => streamed.push((name, r)),
                None => pcaps.push((name, capture.bytes().to_vec())),
            }
        }
        let summary = RunSummary {
            scenario: self.scenario.name.clone(),
            file: self.scenario.path.display().to_string(),
            seed: self.seed,
            duration: self.now,
            completed: outcome == Outcome::Completed,
            outcome: text,
            events: self.events,
            frames: self.trace.frames(),
            digest: self.trace.digest(),
            host_width: self.trace.host_width(),
            event_breakdown: (outcome != Outcome::Completed).then(|| self.breakdown()),
        };
        // The load up to the end: the boundaries passed, then the last (partial) interval.
        self.sample_load(self.now);
        if self.load_next.is_some() {
            self.sample_hosts(self.now);
        }
        self.capacity.end(self.now);
        let report = Report::new(summary, &self.scenario.expectations, self.trace.events(), &self.capacity, &self.expected_vips());
        RunResult { trace: self.trace, pcaps, outcome, events: self.events, report, capacity: self.capacity, streamed }
    }

    /// The capacity report keeps a running total over each window a `Capacity` expectation
    /// names.
    fn watch_capacity(&mut self) {
        for e in &self.scenario.expectations {
            if let Check::Capacity { window, .. } = e.check {
                self.capacity.watch(window);
            }
        }
    }

    /// The VIPs the scenario's expectations name, in order.
    fn expected_vips(&self) -> Vec<Ipv4Addr> {
        let mut vips: Vec<Ipv4Addr> = Vec::new();
        for e in &self.scenario.expectations {
            if let Check::VipOwner { vip, .. } = e.check
                && !vips.contains(&vip)
            {
                vips.push(vip);
            }
        }
        vips
    }
}
