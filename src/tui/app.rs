//! The TUI's state: what the screen shows and what the session remembers.

use std::time::Duration;

use crate::kernel::SimTime;

/// The panes of the screen, in the order `Tab` visits them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Pane {
    /// Networks, hosts, NICs, services, the VIP.
    Topology,
    /// The VIP ownership and ping strips.
    Strips,
    /// Responses per backend, status codes, latency.
    Http,
    /// The event log.
    Log,
    /// The selected host's console.
    Console,
}

impl Pane {
    const ORDER: [Pane; 5] = [Pane::Topology, Pane::Strips, Pane::Http, Pane::Log, Pane::Console];

    /// The pane `by` places on in `Tab` order, wrapping.
    pub(crate) fn cycled(self, by: isize) -> Pane {
        let n = Self::ORDER.len() as isize;
        let i = Self::ORDER.iter().position(|p| *p == self).unwrap_or(0) as isize;
        Self::ORDER[(i + by).rem_euclid(n) as usize]
    }
}

/// How fast simulated time runs against the wall clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Speed {
    /// Real time.
    X1,
    /// Ten simulated seconds a second.
    X10,
    /// A hundred simulated seconds a second.
    X100,
    /// As fast as the simulation goes: [`MAX_SLICE`] of simulated time per tick.
    Max,
}

/// Simulated time run per tick at [`Speed::Max`], small enough for the display to keep up.
pub(crate) const MAX_SLICE: Duration = Duration::from_secs(1);

/// What the keyboard is doing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Keys are bindings.
    Normal,
    /// Keys type into the selected host's console (`App::input`).
    Typing,
    /// Keys type the simulated time to jump to (`App::input`), as the scenario format writes it.
    Jump,
    /// Keys type the event log's search text (`App::input`).
    Search,
}

/// The kinds of events the log can be narrowed to (`f` cycles through them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LogKind {
    /// Everything.
    All,
    /// Commands and their output.
    Commands,
    /// Daemon log lines.
    Daemons,
    /// ARP, gratuitous ARP and VRRP.
    Network,
}

impl LogKind {
    /// The next kind in `f`'s cycle.
    pub(crate) fn next(self) -> LogKind {
        match self {
            LogKind::All => LogKind::Commands,
            LogKind::Commands => LogKind::Daemons,
            LogKind::Daemons => LogKind::Network,
            LogKind::Network => LogKind::All,
        }
    }
}

/// A command typed in the session, as the record writes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Recorded {
    /// When it was typed, in simulated time.
    pub(crate) at: SimTime,
    /// On which host.
    pub(crate) host: String,
    /// The line.
    pub(crate) line: String,
}

/// What the screen shows and what the session remembers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct App {
    /// The scenario's name, for the title bar.
    pub(crate) scenario: String,
    /// The run's seed.
    pub(crate) seed: u64,
    /// The lab's hosts, in scenario order.
    pub(crate) hosts: Vec<String>,
    /// Index into `hosts`: the console typed into, the host the log filter names.
    pub(crate) selected: usize,
    /// The pane that has the focus.
    pub(crate) focus: Pane,
    /// What the keyboard is doing.
    pub(crate) mode: Mode,
    /// Whether the `?` overlay is shown.
    pub(crate) help: bool,
    /// Whether simulated time stands still between keys.
    pub(crate) paused: bool,
    /// How fast it runs when not paused.
    pub(crate) speed: Speed,
    /// The lab's simulated time, as the loop last reported it.
    pub(crate) now: SimTime,
    /// When the run ends.
    pub(crate) end: SimTime,
    /// The run spent its event budget: it goes no further.
    pub(crate) budget_spent: bool,
    /// The line being typed (a console line, a jump time or a search).
    pub(crate) input: String,
    /// The commands typed so far, in the order the lab accepted them.
    pub(crate) recorded: Vec<Recorded>,
    /// The log shows only the selected host's events.
    pub(crate) log_host_only: bool,
    /// The log shows only events of this kind.
    pub(crate) log_kind: LogKind,
    /// The log shows only events whose text contains this.
    pub(crate) log_search: String,
    /// How many lines the log is scrolled back from its newest (0: it follows the run).
    pub(crate) log_scroll: usize,
    /// One line for the status bar (an error, what `w` wrote).
    pub(crate) status: Option<String>,
}

impl App {
    /// A session over a lab with these hosts that ends at `end`: paused at time zero, at real
    /// time, the first host selected.
    pub(crate) fn new(hosts: Vec<String>, end: SimTime) -> App {
        App {
            scenario: String::new(),
            seed: 0,
            hosts,
            selected: 0,
            focus: Pane::Topology,
            mode: Mode::Normal,
            help: false,
            paused: true,
            speed: Speed::X1,
            now: SimTime::ZERO,
            end,
            budget_spent: false,
            input: String::new(),
            recorded: Vec::new(),
            log_host_only: false,
            log_kind: LogKind::All,
            log_search: String::new(),
            log_scroll: 0,
            status: None,
        }
    }

    /// The selected host's name.
    pub(crate) fn selected_host(&self) -> Option<&str> {
        self.hosts.get(self.selected).map(String::as_str)
    }

    /// The lab accepted a typed command at `at`: it is kept for the record, in time order
    /// (after a jump back, a command typed now goes before those typed later in the run
    /// before, which the lab types again when it gets there).
    pub(crate) fn record(&mut self, at: SimTime, host: &str, line: &str) {
        let i = self.recorded.partition_point(|r| r.at <= at);
        self.recorded.insert(i, Recorded { at, host: host.to_owned(), line: line.to_owned() });
    }
}
