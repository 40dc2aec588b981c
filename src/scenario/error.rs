//! What can be wrong with a scenario, written for the person who wrote it.
//!
//! [`ScenarioError::Invalid`] carries the [`Problem`]s found, each rendered on its own line as
//! `FILE:LINE:COL: FIELD.PATH: message`, the first [`MAX_LISTED`] of them in file order. Each
//! [`Issue`] variant is one validation rule; the fixture `tests/fixtures/invalid/<rule>.ron`
//! shows it.

use std::fmt;
use std::path::PathBuf;

use thiserror::Error;

use super::duration::DurationError;
use super::lexer::LineCol;

/// The most problems a report lists; it then says how many more there are.
///
/// A person fixes a file from its first problems (compilers stop early too: clang after 20
/// errors), and a 1 MB file can have a quarter of a million: listing them all would take tens
/// of MiB of memory and output for nothing. 100 is more than any hand-written file has.
pub(super) const MAX_LISTED: usize = 100;

/// Why a scenario could not be loaded.
#[derive(Debug, Error)]
pub enum ScenarioError {
    /// The scenario file itself could not be read.
    #[error("{}: cannot read the scenario: {error}", path.display())]
    Read {
        /// The path as given.
        path: PathBuf,
        /// What the operating system said.
        error: std::io::Error,
    },
    /// The file was read, and is wrong in one or more places.
    #[error("{}", ProblemList { problems, unlisted: *unlisted })]
    Invalid {
        /// The first problems found in file order (the scenario first, then the files it names),
        /// at most 100.
        problems: Vec<Problem>,
        /// How many more problems were found.
        unlisted: usize,
    },
}

impl ScenarioError {
    /// The problems found (empty for [`ScenarioError::Read`]).
    pub fn problems(&self) -> &[Problem] {
        match self {
            ScenarioError::Read { .. } => &[],
            ScenarioError::Invalid { problems, .. } => problems,
        }
    }
}

struct ProblemList<'a> {
    problems: &'a [Problem],
    unlisted: usize,
}

impl fmt::Display for ProblemList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Rendered whole, then written once: standard error is unbuffered, and a file can have
        // a hundred thousand problems.
        let mut text = String::new();
        for (i, problem) in self.problems.iter().enumerate() {
            if i > 0 {
                text.push('\n');
            }
            problem.render(&mut text);
        }
        if let Some(last) = self.problems.last().filter(|_| self.unlisted > 0) {
            text.push('\n');
            push_one_line(&mut text, &format!("{}: … and {} more problems", last.file, self.unlisted));
        }
        f.write_str(&text)
    }
}

/// One problem at one place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The file, as the user named it (the scenario path as given; other files relative to it).
    pub file: String,
    /// Where in the file; `None` only if the position could not be determined.
    pub position: Option<LineCol>,
    /// The field path (`hosts."lb-1".nics."eno33554984"`); empty for syntax errors.
    pub path: String,
    /// What is wrong.
    pub issue: Issue,
}

impl Problem {
    /// Appends `FILE:LINE:COL: PATH: message` to `out`, on one line: control characters (a
    /// newline in a file name or in a message of `ron`'s) are escaped.
    fn render(&self, out: &mut String) {
        use fmt::Write as _;
        let mut line = format!("{}:", self.file);
        if let Some(at) = self.position {
            let _ = write!(line, "{}:{}:", at.line, at.column);
        }
        if !self.path.is_empty() {
            let _ = write!(line, " {}:", self.path);
        }
        let _ = write!(line, " {}", self.issue);
        push_one_line(out, &line);
    }
}

/// Appends `line` to `out` with its control characters escaped (`\n`, `\u{1b}`).
fn push_one_line(out: &mut String, line: &str) {
    for c in line.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut line = String::new();
        self.render(&mut line);
        f.write_str(&line)
    }
}

/// One validation rule broken. The message completes `FILE:LINE:COL: PATH: `.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum Issue {
    /// RON syntax or structure (unknown field, missing field), as `ron` reports it.
    #[error("{0}")]
    Syntax(String),
    /// A value of the wrong type where `ron` expected a string, an integer or a variant name.
    #[error("expected {expected}, found {found}")]
    WrongType {
        /// What the place takes, with what it is for when known: `a string (a service name)`.
        expected: String,
        /// The value written there, on one line, shortened.
        found: String,
    },
    /// A field (`name:`) directly inside a list: the list was not closed before it.
    #[error("expected `{close}` (closing `{opener}` at {}:{}) before `{found}`", opened.line, opened.column)]
    Unclosed {
        /// The bracket that would close the list.
        close: char,
        /// The open bracket as written, with what it belongs to (`timeline: [`).
        opener: String,
        /// Where it was opened.
        opened: LineCol,
        /// What was found instead (`expect:`).
        found: String,
    },
    /// A closing bracket of the wrong kind.
    #[error("expected `{close}` (closing `{opener}` at {}:{}), found `{found}`", opened.line, opened.column)]
    Mismatched {
        /// The bracket that would close the innermost open one.
        close: char,
        /// The innermost open bracket as written (`At(`).
        opener: String,
        /// Where it was opened.
        opened: LineCol,
        /// The closing bracket found.
        found: char,
    },
    /// The end of the file with a bracket still open.
    #[error("expected `{close}` (closing `{opener}` at {}:{}) before the end of the file", opened.line, opened.column)]
    UnclosedAtEnd {
        /// The bracket that would close it.
        close: char,
        /// The open bracket as written (`Scenario(`).
        opener: String,
        /// Where it was opened.
        opened: LineCol,
    },
    /// A closing bracket with no bracket open.
    #[error("found `{0}`, but no bracket is open there")]
    NothingOpen(char),
    /// A string in single quotes, which RON reads as a character.
    #[error("expected {expected}, found {found}: RON strings take double quotes, \"{}\"", .found.trim_matches('\''))]
    SingleQuoted {
        /// What the place takes, as in [`Issue::WrongType`].
        expected: String,
        /// The value written there, quotes included.
        found: String,
    },
    /// A topology file (`Lab(…)`) where a scenario is needed.
    #[error(
        "this is a topology (`Lab(…)`), not a scenario: it has nothing to run. A scenario extends it (`extends: \"lab/lab.ron\"`); `labsim check` and `labsim topo` read it on its own"
    )]
    NotAScenario,
    /// Brackets nested past the limit, which every reader of the text after the lexer would
    /// need stack for.
    #[error("nesting deeper than {} levels", super::lexer::MAX_DEPTH)]
    TooDeep,
    /// A byte that is not UTF-8.
    #[error("invalid UTF-8: byte 0x{byte:02x} at offset {offset} (counting from 0)")]
    InvalidUtf8 {
        /// Offset of the byte in the file.
        offset: usize,
        /// The byte.
        byte: u8,
    },
    /// The same map key twice (serde would silently keep the last).
    #[error("{0:?} is given twice")]
    DuplicateKey(String),
    /// A time that is not `<number><unit>…`.
    #[error("bad duration {text:?}: {error}")]
    BadDuration {
        /// As written.
        text: String,
        /// Why.
        error: DurationError,
    },
    /// The run must last some time.
    #[error("duration must be more than zero")]
    ZeroDuration,
    /// The event budget must allow some events.
    #[error("max_events must be more than zero")]
    ZeroMaxEvents,
    /// `epoch` is not a UTC date.
    #[error("bad epoch {0:?}: expected a UTC date like \"2026-11-24T16:00:00Z\"")]
    BadEpoch(String),
    /// A network's `cidr` is not `a.b.c.d/n`.
    #[error("bad cidr {0:?}: expected an IPv4 network like \"172.2.20.0/24\"")]
    BadCidr(String),
    /// A network's `cidr` has host bits set.
    #[error("cidr {text:?} has host bits set (did you mean \"{network}\"?)")]
    CidrHostBits {
        /// As written.
        text: String,
        /// The network it is inside.
        network: String,
    },
    /// A NIC name Linux would refuse.
    #[error("bad interface name {name:?}: {reason}")]
    BadInterfaceName {
        /// As written.
        name: String,
        /// Which Linux rule it breaks.
        reason: &'static str,
    },
    /// A NIC on a network nobody declared.
    #[error("unknown network {name:?} (known: {known})")]
    UnknownNetwork {
        /// As written.
        name: String,
        /// The declared networks, comma-separated.
        known: String,
    },
    /// A NIC address that is not `a.b.c.d/n`.
    #[error("bad address {0:?}: expected an IPv4 address with its prefix, like \"172.2.20.101/24\"")]
    BadAddress(String),
    /// A NIC address outside its network.
    #[error("{addr} is outside network {network:?} ({cidr})")]
    OutsideNetwork {
        /// The address.
        addr: String,
        /// The network's name.
        network: String,
        /// The network's cidr.
        cidr: String,
    },
    /// A NIC prefix that differs from its network's.
    #[error("prefix /{prefix} differs from network {network:?} ({cidr})")]
    PrefixMismatch {
        /// The NIC's prefix length.
        prefix: u8,
        /// The network's name.
        network: String,
        /// The network's cidr.
        cidr: String,
    },
    /// A NIC address that is the network or broadcast address of its network.
    #[error("{addr} is the {what} address of network {network:?}")]
    ReservedAddress {
        /// The address.
        addr: String,
        /// `network` or `broadcast`.
        what: &'static str,
        /// The network's name.
        network: String,
    },
    /// Two NICs with one address on one network.
    #[error("{addr} is already used on network {network:?} by {other}")]
    DuplicateAddress {
        /// The address.
        addr: String,
        /// The network's name.
        network: String,
        /// `HOST NIC` of the first user.
        other: String,
    },
    /// A MAC that is not six hex bytes.
    #[error("bad MAC address {0:?}: expected six hex bytes like \"00:0c:29:3a:5b:01\"")]
    BadMac(String),
    /// A multicast MAC on a NIC.
    #[error("MAC address {0:?} is a multicast address (lowest bit of the first byte set)")]
    MulticastMac(String),
    /// Two NICs with one MAC.
    #[error("MAC address {mac} is already used by {other}")]
    DuplicateMac {
        /// The MAC, normalised.
        mac: String,
        /// `HOST NIC` of the first user.
        other: String,
    },
    /// A CPU count outside 1..=MAX_CPUS.
    #[error("cpus must be between 1 and {max}, not {0}", max = crate::scenario::MAX_CPUS)]
    BadCpus(u32),
    /// A cost model's per-request CPU time above MAX_REQUEST_COST.
    #[error("a request's CPU time must be at most 1s, not {0:?}")]
    BadCost(String),
    /// A user population's daily users outside 1..=MAX_DAU.
    #[error("dau must be between 1 and {max}, not {0}", max = crate::scenario::MAX_DAU)]
    BadDau(u64),
    /// A peak-hour share that is not in (0, 1].
    #[error("peak_share must be above 0 and at most 1, not {0}")]
    BadPeakShare(String),
    /// Pages per session outside 1..=MAX_PAGES.
    #[error("pages must be between 1 and {max}, not {0}", max = crate::scenario::MAX_PAGES)]
    BadPages(u32),
    /// Assets per page above MAX_ASSETS.
    #[error("assets must be at most {max}, not {0}", max = crate::scenario::MAX_ASSETS)]
    BadAssets(u32),
    /// Connections per session outside 1..=MAX_CONNECTIONS.
    #[error("connections must be between 1 and {max}, not {0}", max = crate::scenario::MAX_CONNECTIONS)]
    BadConnections(u32),
    /// A population's URL that is not `http://ADDRESS[:PORT]/PATH`.
    #[error("{0:?} is not a URL of the form http://ADDRESS[:PORT]/PATH (an IPv4 address, a path from /)")]
    BadUsersUrl(String),
    /// A population whose assets are on another server than its page.
    #[error("the assets must come from the page's server {0} (a browser fetches them over the page's connections)")]
    AssetElsewhere(String),
    /// A population whose `for:` is zero.
    #[error("for must be longer than 0s: no user would arrive")]
    UsersForZero,
    /// A client range whose count is 0 or above MAX_CLIENTS.
    #[error("count must be between 1 and {max}, not {0}", max = crate::scenario::MAX_CLIENTS)]
    BadClientCount(u64),
    /// A client range whose last host would fall past the network's last usable address.
    #[error("{count} clients from {first} do not fit on network {network:?} ({cidr}): its last usable address is {last}")]
    ClientsOverflow {
        /// How many clients.
        count: u64,
        /// The first client's address.
        first: String,
        /// The network's name.
        network: String,
        /// The network's cidr.
        cidr: String,
        /// The network's last address a host may take.
        last: String,
    },
    /// A client range that would name a host as another host or range is already named.
    #[error("{what} {name} is already the name of {other}")]
    ClientNameTaken {
        /// `this range's name` or `this range's host`.
        what: &'static str,
        /// The name.
        name: String,
        /// What already has it: `host NAME` or `client range NAME`.
        other: String,
    },
    /// A gateway that is not an IPv4 address.
    #[error("bad gateway {0:?}: expected an IPv4 address like \"172.2.20.254\"")]
    BadGateway(String),
    /// A start-up latency range whose low end is above its high end.
    #[error("start-up latency range {low:?}..{high:?} is empty: the first must not exceed the second")]
    LatencyRange {
        /// The low end as written.
        low: String,
        /// The high end as written.
        high: String,
    },
    /// A gateway the host cannot reach directly.
    #[error("gateway {0} is on none of the host's networks")]
    GatewayUnreachable(String),
    /// A file path that is not absolute.
    #[error("file path {0:?} must be absolute (start with /)")]
    RelativeFilePath(String),
    /// A `File("…")` that could not be read.
    #[error("cannot read {path:?}{tried}: {error}{hint}")]
    UnreadableFile {
        /// As written, relative to the file naming it.
        path: String,
        /// The path that was opened, when it differs from what is written.
        tried: Tried,
        /// What the operating system said.
        error: String,
        /// A path that would work, when there is one.
        hint: Hint,
    },
    /// A service labsim does not simulate.
    #[error("unknown service {name:?} (known: {known})")]
    UnknownService {
        /// As written.
        name: String,
        /// The simulated services, comma-separated.
        known: String,
    },
    /// An operating system labsim does not boot.
    #[error("unknown os {name:?} (known: {known})")]
    UnknownOs {
        /// As written.
        name: String,
        /// The operating systems, comma-separated.
        known: String,
    },
    /// A service listed twice in `enabled`.
    #[error("service {0:?} is listed twice")]
    DuplicateService(String),
    /// The `extends` file could not be read.
    #[error("cannot read the topology {path:?}{tried}: {error}{hint}")]
    UnreadableExtends {
        /// As written, relative to the scenario.
        path: String,
        /// The path that was opened, when it differs from what is written.
        tried: Tried,
        /// What the operating system said.
        error: String,
        /// A path that would work, when there is one.
        hint: Hint,
    },
    /// A host name that names no host.
    #[error("unknown host {name:?} (known: {known})")]
    UnknownHost {
        /// As written.
        name: String,
        /// The lab's hosts, comma-separated.
        known: String,
    },
    /// A time after the end of the run.
    #[error("{text:?} is after the end of the run (duration {duration:?})")]
    BeyondDuration {
        /// As written.
        text: String,
        /// The scenario's duration, as written.
        duration: String,
    },
    /// A timeline command that is empty or only spaces.
    #[error("empty command")]
    EmptyCommand,
    /// A timeline command bash would refuse (its message), or that labsim does not model.
    #[error("{0}")]
    Shell(String),
    /// A VIP that is not an IPv4 address.
    #[error("bad VIP {0:?}: expected an IPv4 address like \"172.2.20.100\"")]
    BadVip(String),
    /// A VIP outside every network of the lab.
    #[error("VIP {0} is on none of the lab's networks")]
    VipOffNetwork(String),
    /// A window whose end comes before its start.
    #[error("window ({from:?}, {to:?}) ends before it starts")]
    ReversedWindow {
        /// Start, as written.
        from: String,
        /// End, as written.
        to: String,
    },
    /// Two fields given where only one of them may be.
    #[error("give only one of {0}")]
    OnlyOneOf(&'static str),
    /// None of the fields of which one is required.
    #[error("give one of {0}")]
    OneOf(&'static str),
    /// `Output(host, at)` with no timeline command there.
    #[error("no command is typed on {host:?} at {at:?} (the timeline has none there)")]
    NoCommandAt {
        /// As written.
        host: String,
        /// As written.
        at: String,
    },
}

/// The path labsim opened for a file a scenario names (relative to the scenario's directory),
/// shown when it differs from what is written: ` (looked for scenarios/lab/lab.ron)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tried(pub Option<String>);

impl fmt::Display for Tried {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Some(path) => write!(f, " (looked for {path})"),
            None => Ok(()),
        }
    }
}

/// For a path that names no file relative to the scenario but names one relative to the current
/// directory: the path to write instead, relative to the scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hint(pub Option<String>);

impl fmt::Display for Hint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Some(path) => write!(f, "; paths are relative to the file that names them: did you mean {path:?}?"),
            None => Ok(()),
        }
    }
}
