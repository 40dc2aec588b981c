//! L4: scenario files (RON) → a validated [`Scenario`].
//!
//! Pipeline: bytes (`input`: size budget, regular files, UTF-8) → tokens (`lexer`: nesting
//! bounded before anything recurses) → `ron` → `schema` (the file one-to-one) → `validate`
//! (merge over the topology it `extends`, check every rule, collect all problems) →
//! [`Scenario`] (plain data for the lab). Positions of semantic problems come from `spans`, an
//! index of where every value is written, since serde keeps none; `brackets`, `expected` and
//! `shown` word the messages. `append` adds typed commands to a scenario's text (the TUI's record). A topology file (`Lab(…)`) is checked on its own by [`load_any`].
//!
//! One deliberate departure from the first design's examples: times are strings with units (`"10s"`,
//! `"250ms"`) instead of integers with the unit in the field name (`duration_ms`), because the
//! lab's own configs and the format principles write them that way; [`parse_duration`] makes
//! them exact microseconds, so nothing is lost.
//!
//! The rest of this page is the user's reference, also in `scenarios/FORMAT.md`.
//!
#![doc = include_str!("../../scenarios/FORMAT.md")]

mod append;
mod brackets;
mod duration;
mod error;
mod expected;
mod input;
mod lexer;
mod schema;
mod shown;
mod spans;
mod validate;

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub(crate) use append::{AppendError, append_commands};
pub(crate) use duration::parse_duration;
pub use error::ScenarioError;
pub(crate) use input::relative_path;

use crate::host::Os;
use crate::kernel::SimTime;
use crate::observe::expect::{Expectation, SourceLocation};

/// Start date of a run when the scenario gives no `epoch` (2026-11-24T16:00:00Z).
pub(crate) use crate::kernel::DEFAULT_EPOCH_UNIX_S;
/// Event budget when the scenario gives no `max_events`.
pub(crate) const DEFAULT_MAX_EVENTS: u64 = 50_000_000;
/// The most CPUs a host may have: x86-64 Linux's largest `CONFIG_NR_CPUS` (8192, with
/// `MAXSMP`).
pub(crate) const MAX_CPUS: u32 = 8192;
/// The most hosts one client range declares (`Clients(count: …)`): beyond the thousands a load
/// test wants, each host costs memory, so a typo such as an extra zero is refused rather than
/// filling the machine.
pub(crate) const MAX_CLIENTS: u64 = 4096;
/// The most daily users a population (`Users(dau: …)`) may have: a billion, past any site a
/// lab cluster models.
pub(crate) const MAX_DAU: u64 = 1_000_000_000;
/// The most pages a session asks for.
pub(crate) const MAX_PAGES: u32 = 10_000;
/// The most assets a page has.
pub(crate) const MAX_ASSETS: u32 = 1_000;
/// The most connections a session opens (browsers allow 6 per host name; 64 leaves room for
/// an experiment, not for a typo).
pub(crate) const MAX_CONNECTIONS: u32 = 64;
/// Connections per session when a population gives none: a browser's 6 per host name.
pub(crate) const DEFAULT_CONNECTIONS: u32 = 6;
/// One-way NIC ↔ switch delay when a network gives no `latency`.
pub(crate) const DEFAULT_LATENCY: Duration = Duration::from_micros(50);
/// A checked scenario: every name resolves, every address fits its network, every time is within
/// the run. Lists keep file order (the topology's entries first).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scenario {
    /// `name`.
    pub name: String,
    /// `about`; empty when not given.
    pub about: String,
    /// The scenario file, as given to [`load`] (or to the parser, for text without a file).
    pub path: PathBuf,
    /// The seed written in the file (0 when not given); the CLI may override it.
    pub seed: u64,
    /// How long the run lasts.
    pub duration: SimTime,
    /// Unix time of [`SimTime::ZERO`], in seconds.
    pub epoch_unix_s: u64,
    /// Event budget.
    pub max_events: u64,
    /// Networks, topology first.
    pub networks: Vec<NetworkSpec>,
    /// Hosts, topology first.
    pub hosts: Vec<HostSpec>,
    /// Timeline entries in file order (not sorted by time; equal times keep this order).
    pub timeline: Vec<TimelineEntry>,
    /// Expectations in file order.
    pub expectations: Vec<Expectation>,
}

/// One network (one switch).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetworkSpec {
    /// Its name, e.g. `front`.
    pub name: String,
    /// The network address (host bits zero).
    pub cidr_addr: Ipv4Addr,
    /// Prefix length, 0–32.
    pub prefix_len: u8,
    /// One-way delay between a NIC and the switch.
    pub latency: Duration,
}

/// One machine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostSpec {
    /// Its name, e.g. `lb-1`.
    pub name: String,
    /// The operating system on its disk.
    pub os: Os,
    /// How many CPUs it has (`cpus:`, default 1).
    pub cpus: u32,
    /// NICs in file order.
    pub nics: Vec<NicSpec>,
    /// Default route.
    pub gateway: Option<Ipv4Addr>,
    /// Files of its filesystem at boot, in file order.
    pub files: Vec<FileSpec>,
    /// Services started at boot, each once, from the host's unit table.
    pub enabled: Vec<String>,
    /// Each daemon's start-up takes a seeded time in `low..=high` (`None`: no time at all).
    pub startup_latency: Option<(Duration, Duration)>,
    /// Its cost model (`costs:`; `None`: work takes no time, as before cost models existed).
    pub costs: Option<CostSpec>,
}

/// What work costs on a host (`Host(costs: Costs(…))`). The defaults and their sources are in
/// `scenarios/FORMAT.md` (Cost model).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CostSpec {
    /// CPU time of one request Apache answers from a static file.
    pub httpd_request: Duration,
    /// CPU time of one request nginx proxies.
    pub nginx_request: Duration,
}

impl CostSpec {
    /// The defaults, measured by `tools/measure-costs/run` (scenarios/FORMAT.md, "Cost model",
    /// says how, on what and when).
    pub const DEFAULT: CostSpec = CostSpec { httpd_request: Duration::from_micros(72), nginx_request: Duration::from_micros(39) };
}

/// The largest per-request CPU time a cost model accepts.
pub(crate) const MAX_REQUEST_COST: Duration = Duration::from_secs(1);

/// One network interface.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NicSpec {
    /// Interface name, e.g. `eno33554984` (valid for Linux).
    pub name: String,
    /// Name of a [`NetworkSpec`] of the scenario.
    pub network: String,
    /// Its address, inside the network.
    pub addr: Ipv4Addr,
    /// Its prefix length, equal to the network's.
    pub prefix_len: u8,
    /// A unicast MAC unique in the lab, or `None` to let the lab assign one.
    pub mac: Option<[u8; 6]>,
}

/// One file of a host's filesystem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileSpec {
    /// Absolute path.
    pub path: String,
    /// Contents.
    pub contents: Vec<u8>,
    /// The file it was read from (`File(…)`, relative to the scenario's directory as given);
    /// `None` for `Text(…)`.
    pub source: Option<PathBuf>,
}

/// One timeline entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimelineEntry {
    /// When, within the run.
    pub at: SimTime,
    /// On which host (exists).
    pub host: String,
    /// What happens.
    pub action: TimelineAction,
    /// Where it was written.
    pub location: SourceLocation,
}

/// What a timeline entry does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TimelineAction {
    /// A command typed on the host's console (not empty).
    Command(String),
    /// Power the host on (after a `poweroff`).
    PowerOn,
    /// Start the host's share of a user population (`Users(…)`).
    Users(UsersSpec),
}

/// One client host's share of a user population (`Users(…)` in the timeline; the population's
/// arrival rate is `dau × peak_share` sessions per hour, split evenly over its hosts).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsersSpec {
    /// The mean time between two arrivals on this host.
    pub mean_gap: Duration,
    /// No session arrives from then on (the entry's time plus its `for:`).
    pub until: SimTime,
    /// Pages per session.
    pub pages: u32,
    /// Assets per page.
    pub assets: u32,
    /// The mean think time between pages.
    pub think: Duration,
    /// Connections per session at most.
    pub connections: u32,
    /// Whether connections are kept alive.
    pub keepalive: bool,
    /// Whether the population starts with the sessions a steady state holds.
    pub warm: bool,
    /// The address and port the requests go to.
    pub addr: Ipv4Addr,
    /// The port.
    pub port: u16,
    /// The `Host` header.
    pub host_header: String,
    /// The page's path.
    pub page: String,
    /// The assets' path.
    pub asset: String,
    /// The name of the host's random stream it draws from (`users/ENTRY`).
    pub stream: String,
}

/// A checked topology (`Lab(…)`) on its own: what scenarios extend.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Topology {
    /// The file, as given to [`load_any`].
    pub(crate) path: PathBuf,
    /// Networks in file order.
    pub(crate) networks: Vec<NetworkSpec>,
    /// Hosts in file order.
    pub(crate) hosts: Vec<HostSpec>,
}

/// What a checked file holds: a scenario, or a topology on its own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Loaded {
    /// `Scenario(…)`.
    Scenario(Scenario),
    /// `Lab(…)`.
    Topology(Topology),
}

impl Loaded {
    /// The networks: the scenario's (topology first) or the topology's.
    pub(crate) fn networks(&self) -> &[NetworkSpec] {
        match self {
            Loaded::Scenario(s) => &s.networks,
            Loaded::Topology(t) => &t.networks,
        }
    }

    /// The hosts: the scenario's (topology first) or the topology's.
    pub(crate) fn hosts(&self) -> &[HostSpec] {
        match self {
            Loaded::Scenario(s) => &s.hosts,
            Loaded::Topology(t) => &t.hosts,
        }
    }
}

/// Reads and checks a scenario file. `extends` and `File(…)` paths are relative to it. A
/// topology file (`Lab(…)`) is refused: it has nothing to run.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    validate::load(path)
}

/// Reads and checks a scenario file or a topology file (`Lab(…)`), whichever it is.
pub(crate) fn load_any(path: &Path) -> Result<Loaded, ScenarioError> {
    validate::load_any(path)
}

/// Checks the bytes of a scenario or topology file as [`load_any`] checks what it read from
/// `path`. For the fuzz target.
#[cfg(feature = "fuzzing")]
pub(crate) fn load_any_bytes(bytes: &[u8], path: &Path) -> Result<Loaded, ScenarioError> {
    validate::load_any_bytes(bytes, path)
}

/// Checks scenario `text` as if read from `path`: messages name `path`, and `extends` and
/// `File(…)` paths are resolved relative to its directory (which is read from disk). For the
/// tests, which write scenarios inline.
#[cfg(test)]
pub(crate) fn parse(text: &str, path: &Path) -> Result<Scenario, ScenarioError> {
    validate::parse(text, path)
}

#[cfg(test)]
mod tests;
