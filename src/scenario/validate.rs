//! From a file to a checked [`Scenario`]: read it within the input budget, make sure it is
//! text `ron` can be given safely, parse with `ron` into [`schema`](super::schema), merge the
//! scenario over the topology it extends, check every rule, and collect **all** problems before
//! returning (the first [`MAX_LISTED`] in file order are kept to be listed, the others counted).
//!
//! Every value remembers which file it came from (the scenario or the topology), so a problem in
//! the topology points into the topology file. Positions come from [`SpanIndex`].
//!
//! Work is linear in the input: names are looked up in ordered sets, not lists, and the names a
//! message lists or repeats are bounded ([`super::shown`]), so that no combination of many
//! entries and many problems multiplies.

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use indexmap::IndexMap;

use super::brackets;
use super::duration::{parse_duration, parse_epoch};
use super::error::{Issue, MAX_LISTED, Problem, ScenarioError};
use super::expected::wrong_type;
use super::input::{Budget, decode, looked_for};
use super::lexer::{Kind, LineCol, Stop, Token, lex};
use super::schema::{ClientsFile, CostsFile, ExpectFile, FileSource, HostFile, LabFile, NetworkFile, NicFile, ScenarioFile, TimelineFile};
use super::shown;
use super::spans::{FieldPath, Segment, SpanIndex, Target};
use super::{
    CostSpec, DEFAULT_EPOCH_UNIX_S, DEFAULT_LATENCY, DEFAULT_MAX_EVENTS, FileSpec, HostSpec, Loaded, MAX_CPUS, MAX_REQUEST_COST,
    NetworkSpec, NicSpec, Scenario, TimelineAction, TimelineEntry, Topology,
};
use crate::host::{Os, os_names, service_names};
use crate::kernel::SimTime;
use crate::observe::expect::{Bound, Check, Expectation, SourceLocation, Window};

/// Index of a file in [`Checker::sources`]: 0 is the scenario, 1 the topology it extends.
type Src = usize;

struct Source {
    /// As shown in messages.
    display: String,
    /// The directory that paths in this file are relative to.
    dir: PathBuf,
    index: Option<SpanIndex>,
    /// The file's first name outside brackets (`Scenario`, `Lab`) and where it is.
    root: Option<(String, LineCol)>,
}

/// Where a problem goes in the report: by file (the scenario first), position, then the order
/// in which it was found.
type Order = (Src, Option<LineCol>, usize);

/// The problems found so far: the first [`MAX_LISTED`] in report order, and how many others.
#[derive(Default)]
struct Problems {
    kept: BTreeMap<Order, Problem>,
    found: usize,
}

impl Problems {
    /// Keeps the problem `make` builds if it is among the first [`MAX_LISTED`] so far.
    fn add(&mut self, src: Src, position: Option<LineCol>, make: impl FnOnce() -> Problem) {
        let order = (src, position, self.found);
        self.found += 1;
        if self.kept.len() == MAX_LISTED {
            if self.kept.last_key_value().is_none_or(|(last, _)| order > *last) {
                return;
            }
            self.kept.pop_last();
        }
        self.kept.insert(order, make());
    }

    fn is_empty(&self) -> bool {
        self.found == 0
    }

    fn into_error(self) -> ScenarioError {
        let problems: Vec<Problem> = self.kept.into_values().collect();
        ScenarioError::Invalid { unlisted: self.found - problems.len(), problems }
    }
}

struct Checker {
    sources: Vec<Source>,
    problems: Problems,
    /// What is left to read for this scenario.
    budget: Budget,
}

impl Checker {
    fn report(&mut self, src: Src, path: &FieldPath, target: Target, issue: Issue) {
        let Some(source) = self.sources.get(src) else { return };
        let position = source.index.as_ref().and_then(|index| index.find(path, target));
        self.problems.add(src, position, || Problem { file: source.display.clone(), position, path: path.to_string(), issue });
    }

    /// A problem at a position of a file, with the path of the value there (empty for none).
    fn report_at(&mut self, src: Src, at: LineCol, path: &str, issue: Issue) {
        let Some(source) = self.sources.get(src) else { return };
        let problem = || Problem { file: source.display.clone(), position: Some(at), path: path.to_string(), issue };
        self.problems.add(src, Some(at), problem);
    }

    /// Adds a file as bytes: `None` (with the problem reported) if it is not UTF-8 or nests too
    /// deep for `ron`.
    fn add_bytes<'b>(&mut self, display: String, dir: PathBuf, bytes: &'b [u8]) -> Option<(Src, &'b str)> {
        match decode(bytes) {
            Ok(text) => Some((self.add_source(display, dir, text)?, text)),
            Err((at, issue)) => {
                self.sources.push(Source { display, dir, index: None, root: None });
                self.report_at(self.sources.len() - 1, at, "", issue);
                None
            }
        }
    }

    /// Adds a file as text, indexed, with its duplicate keys reported: `None` (with the problem
    /// reported) if it nests too deep for `ron`.
    fn add_source(&mut self, display: String, dir: PathBuf, text: &str) -> Option<Src> {
        let lexed = lex(text);
        let root = root_name(text, &lexed.tokens);
        // Brackets that do not match are said in words here: `ron` would only name the token
        // where it stopped.
        let unmatched = if lexed.stop.is_none() { brackets::check(text, &lexed.tokens) } else { None };
        let index = if lexed.stop.is_none() && unmatched.is_none() { SpanIndex::build(text, lexed.tokens) } else { None };
        self.sources.push(Source { display, dir, index, root });
        let src = self.sources.len() - 1;
        if let Some(Stop::TooDeep(at)) = lexed.stop {
            self.report_at(src, at, "", Issue::TooDeep);
            return None;
        }
        if let Some((at, issue)) = unmatched {
            self.report_at(src, at, "", issue);
            return None;
        }
        let Checker { sources, problems, .. } = self;
        let source = sources.get(src)?;
        for (at, path) in source.index.iter().flat_map(SpanIndex::duplicate_keys) {
            problems.add(src, Some(at), || {
                let path = path().unwrap_or_default();
                let key = match path.segments().last() {
                    Some(Segment::Key(key)) => key.to_string(),
                    _ => path.to_string(),
                };
                Problem { file: source.display.clone(), position: Some(at), path: path.to_string(), issue: Issue::DuplicateKey(key) }
            });
        }
        Some(src)
    }

    fn syntax(&mut self, src: Src, error: &ron::error::SpannedError) {
        let Some(source) = self.sources.get(src) else { return };
        let at = LineCol { line: error.span.start.line, column: error.span.start.col };
        // A value of the wrong type: said in words, at the value, with what it is for.
        if let Some((at, path, issue)) = source.index.as_ref().and_then(|index| wrong_type(index, at, &error.code)) {
            self.report_at(src, at, &path.to_string(), issue);
            return;
        }
        // Text that is valid RON but the wrong shape (an unknown field, a missing one) still has
        // an index, which names the value the error is in.
        let path = source.index.as_ref().and_then(|index| index.path_at(at)).map(|path| path.to_string());
        self.report_at(src, at, &path.unwrap_or_default(), Issue::Syntax(error.code.to_string()));
    }

    fn finish(self) -> ScenarioError {
        self.problems.into_error()
    }
}

fn ron_options() -> ron::Options {
    ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
}

/// A value and the file it was written in.
#[derive(Clone, Debug)]
struct Sourced<T> {
    value: T,
    src: Src,
}

#[derive(Debug)]
struct MergedHost {
    nics: IndexMap<String, Sourced<NicFile>>,
    gateway: Option<Sourced<String>>,
    files: IndexMap<String, Sourced<FileSource>>,
    enabled: Option<Sourced<Vec<String>>>,
    os: Option<Sourced<String>>,
    startup_latency: Option<Sourced<(String, String)>>,
    cpus: Option<Sourced<u32>>,
    costs: Option<Sourced<CostsFile>>,
}

/// The first identifier outside brackets: the file's kind, `Scenario` or `Lab` (an attribute
/// such as `#![enable(implicit_some)]` before it is in brackets).
fn root_name(text: &str, tokens: &[Token]) -> Option<(String, LineCol)> {
    let mut depth = 0usize;
    for token in tokens {
        match token.kind {
            Kind::Punct('(' | '[' | '{') => depth += 1,
            Kind::Punct(')' | ']' | '}') => depth = depth.saturating_sub(1),
            Kind::Ident if depth == 0 => return Some((token.text(text).to_string(), token.at())),
            _ => {}
        }
    }
    None
}

/// Reads a file and hands its text, added to a new checker, to `then`.
fn read<T>(path: &Path, then: impl FnOnce(Checker, Src, &str) -> Result<T, ScenarioError>) -> Result<T, ScenarioError> {
    let mut budget = Budget::new();
    let bytes = budget.read_scenario(path).map_err(|error| ScenarioError::Read { path: path.to_path_buf(), error })?;
    check_bytes(budget, path, &bytes, then)
}

/// Hands the bytes of the file at `path`, added to a new checker, to `then`.
fn check_bytes<T>(
    budget: Budget,
    path: &Path,
    bytes: &[u8],
    then: impl FnOnce(Checker, Src, &str) -> Result<T, ScenarioError>,
) -> Result<T, ScenarioError> {
    let mut checker = Checker { sources: Vec::new(), problems: Problems::default(), budget };
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    match checker.add_bytes(path.display().to_string(), dir, bytes) {
        Some((main, text)) => then(checker, main, text),
        None => Err(checker.finish()),
    }
}

/// Whether the checker's file `src` is a topology (`Lab(…)`), and where that name is.
fn topology_at(checker: &Checker, src: Src) -> Option<LineCol> {
    match &checker.sources.get(src)?.root {
        Some((name, at)) if name == "Lab" => Some(*at),
        _ => None,
    }
}

/// Reads and checks a scenario file; see [`super::load`].
pub(crate) fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    read(path, |mut checker, main, text| {
        if let Some(at) = topology_at(&checker, main) {
            checker.report_at(main, at, "", Issue::NotAScenario);
            return Err(checker.finish());
        }
        check(checker, main, path, text)
    })
}

/// Reads and checks a scenario or topology file; see [`super::load_any`].
pub(crate) fn load_any(path: &Path) -> Result<Loaded, ScenarioError> {
    read(path, |checker, main, text| check_any(checker, main, path, text))
}

/// Checks `bytes` as [`load_any`] checks the file it read from `path`. For the fuzz target,
/// which has the bytes in memory.
#[cfg(feature = "fuzzing")]
pub(crate) fn load_any_bytes(bytes: &[u8], path: &Path) -> Result<Loaded, ScenarioError> {
    let mut budget = Budget::new();
    budget.take(bytes.len()).map_err(|error| ScenarioError::Read { path: path.to_path_buf(), error })?;
    check_bytes(budget, path, bytes, |checker, main, text| check_any(checker, main, path, text))
}

/// Checks the file `main`, already added to `checker`, as a scenario or a topology, whichever it is.
fn check_any(checker: Checker, main: Src, path: &Path, text: &str) -> Result<Loaded, ScenarioError> {
    match topology_at(&checker, main) {
        Some(_) => check_lab(checker, main, path, text).map(Loaded::Topology),
        None => check(checker, main, path, text).map(Loaded::Scenario),
    }
}

/// Checks the topology file `main`, already added to `checker`, whose text is `text`.
fn check_lab(mut checker: Checker, main: Src, path: &Path, text: &str) -> Result<Topology, ScenarioError> {
    let lab: LabFile = match ron_options().from_str(text) {
        Ok(lab) => lab,
        Err(error) => {
            checker.syntax(main, &error);
            return Err(checker.finish());
        }
    };
    let mut v = validator(checker);
    let (hosts, _) = v.check_topology([(main, &lab.os, &lab.networks, &lab.hosts, &lab.clients)]);
    if !v.checker.problems.is_empty() {
        return Err(v.checker.finish());
    }
    Ok(Topology { path: path.to_path_buf(), networks: v.networks, hosts })
}

/// Parses and checks a scenario's text; see [`super::parse`].
#[cfg(test)]
pub(crate) fn parse(text: &str, path: &Path) -> Result<Scenario, ScenarioError> {
    let mut checker = Checker { sources: Vec::new(), problems: Problems::default(), budget: Budget::new() };
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    match checker.add_source(path.display().to_string(), dir, text) {
        Some(main) => check(checker, main, path, text),
        None => Err(checker.finish()),
    }
}

/// Checks the scenario file `main`, already added to `checker`, whose text is `text`.
fn check(mut checker: Checker, main: Src, path: &Path, text: &str) -> Result<Scenario, ScenarioError> {
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let file: ScenarioFile = match ron_options().from_str(text) {
        Ok(file) => file,
        Err(error) => {
            checker.syntax(main, &error);
            return Err(checker.finish());
        }
    };
    let root = FieldPath::root();

    // The topology it extends, if any.
    let mut base: Option<(Src, LabFile)> = None;
    if let Some(extends) = &file.extends {
        let base_path = dir.join(extends);
        match checker.budget.read_named(&base_path) {
            Err(error) => {
                let (tried, hint) = looked_for(&dir, extends, &error);
                let issue = Issue::UnreadableExtends { path: extends.clone(), tried, error: error.to_string(), hint };
                checker.report(main, &root.field("extends"), Target::Value, issue);
            }
            Ok(base_bytes) => {
                let base_dir = base_path.parent().map(Path::to_path_buf).unwrap_or_default();
                if let Some((src, base_text)) = checker.add_bytes(base_path.display().to_string(), base_dir, &base_bytes) {
                    match ron_options().from_str::<LabFile>(base_text) {
                        Ok(lab) => base = Some((src, lab)),
                        Err(error) => checker.syntax(src, &error),
                    }
                }
            }
        }
        if base.is_none() {
            // Without the topology, every host and network reference would be reported as
            // unknown: report only why the topology is missing.
            return Err(checker.finish());
        }
    }

    // The topology first, then the scenario's additions and overrides.
    let mut v = validator(checker);
    let layers = base.iter().map(|(src, lab)| (*src, &lab.os, &lab.networks, &lab.hosts, &lab.clients));
    let (hosts, ranges) = v.check_topology(layers.chain([(main, &file.os, &file.networks, &file.hosts, &file.clients)]));

    // Scenario-level settings.
    let duration = v.duration(main, &root.field("duration"), &file.duration);
    if duration == Some(Duration::ZERO) {
        v.checker.report(main, &root.field("duration"), Target::Value, Issue::ZeroDuration);
    }
    let epoch_unix_s = match &file.epoch {
        None => DEFAULT_EPOCH_UNIX_S,
        Some(text) => parse_epoch(text).unwrap_or_else(|| {
            v.checker.report(main, &root.field("epoch"), Target::Value, Issue::BadEpoch(text.clone()));
            DEFAULT_EPOCH_UNIX_S
        }),
    };
    let max_events = file.max_events.unwrap_or(DEFAULT_MAX_EVENTS);
    if max_events == 0 {
        v.checker.report(main, &root.field("max_events"), Target::Value, Issue::ZeroMaxEvents);
    }

    let scope = Scope {
        src: main,
        hosts: hosts.iter().map(|h| h.name.as_str()).collect(),
        known_hosts: known(hosts.iter().map(|h| h.name.as_str())),
        ranges: &ranges,
        duration,
        duration_text: &file.duration,
    };
    let timeline = v.check_timeline(&scope, &file.timeline);
    let expectations = v.check_expectations(&scope, &file.expect, &timeline);

    if !v.checker.problems.is_empty() {
        return Err(v.checker.finish());
    }
    Ok(Scenario {
        name: file.name,
        about: file.about,
        path: path.to_path_buf(),
        seed: file.seed,
        duration: SimTime::from_micros(duration.map_or(0, micros)),
        epoch_unix_s,
        max_events,
        networks: v.networks,
        hosts,
        timeline,
        expectations,
    })
}

mod clients;
mod users;
use clients::Ranges;

fn validator(checker: Checker) -> Validator {
    Validator {
        checker,
        networks: Vec::new(),
        network_cidrs: IndexMap::new(),
        network_set: BTreeMap::new(),
        known_networks: String::new(),
        known_services: known(service_names()),
    }
}

/// One file's networks, hosts and client ranges, to merge over the layers before it.
type Layer<'f> =
    (Src, &'f Option<String>, &'f IndexMap<String, NetworkFile>, &'f IndexMap<String, HostFile>, &'f IndexMap<String, ClientsFile>);

fn empty_host() -> MergedHost {
    MergedHost {
        nics: IndexMap::new(),
        gateway: None,
        files: IndexMap::new(),
        enabled: None,
        os: None,
        startup_latency: None,
        cpus: None,
        costs: None,
    }
}

/// `files` and `nics` merge key by key; `gateway`, `enabled`, `os`, `startup_latency` and `cpus`
/// replace when given.
fn merge_host(into: &mut MergedHost, host: &HostFile, src: Src) {
    for (name, nic) in &host.nics {
        into.nics.insert(name.clone(), Sourced { value: nic.clone(), src });
    }
    for (path, contents) in &host.files {
        into.files.insert(path.clone(), Sourced { value: contents.clone(), src });
    }
    if let Some(gateway) = &host.gateway {
        into.gateway = Some(Sourced { value: gateway.clone(), src });
    }
    if let Some(enabled) = &host.enabled {
        into.enabled = Some(Sourced { value: enabled.clone(), src });
    }
    if let Some(os) = &host.os {
        into.os = Some(Sourced { value: os.clone(), src });
    }
    if let Some(latency) = &host.startup_latency {
        into.startup_latency = Some(Sourced { value: latency.clone(), src });
    }
    if let Some(cpus) = host.cpus {
        into.cpus = Some(Sourced { value: cpus, src });
    }
    if let Some(costs) = &host.costs {
        into.costs = Some(Sourced { value: costs.clone(), src });
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

fn parse_cidr(text: &str) -> Option<(Ipv4Addr, u8)> {
    let (addr, prefix) = text.split_once('/')?;
    if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_digit()) || prefix.len() > 2 {
        return None;
    }
    let prefix: u8 = prefix.parse().ok()?;
    (prefix <= 32).then_some(())?;
    Some((addr.parse().ok()?, prefix))
}

fn mask(prefix: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0)
}

fn parse_mac(text: &str) -> Option<[u8; 6]> {
    let mut mac = [0u8; 6];
    let mut parts = text.split(':');
    for byte in &mut mac {
        let part = parts.next()?;
        if part.len() != 2 {
            return None;
        }
        *byte = u8::from_str_radix(part, 16).ok()?;
    }
    parts.next().is_none().then_some(mac)
}

/// Linux's `dev_valid_name`: 1–15 bytes, not `.` or `..`, no `/`, `:` or whitespace.
fn interface_name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("empty")
    } else if name.len() > 15 {
        Some("longer than 15 bytes")
    } else if name == "." || name == ".." {
        Some("\".\" and \"..\" are not allowed")
    } else if name.contains('/') {
        Some("contains '/'")
    } else if name.contains(':') {
        Some("contains ':'")
    } else if name.chars().any(char::is_whitespace) {
        Some("contains whitespace")
    } else {
        None
    }
}

/// The most names a "known: …" list shows: enough for any lab a person reads, and bounded
/// so that many unknown names among many known ones do not multiply.
const MAX_KNOWN: usize = 12;

/// Names for a "known: …" list, each shown on one line and short, at most [`MAX_KNOWN`].
fn known<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let mut shown_names = Vec::new();
    let mut count = 0usize;
    for name in names {
        if count < MAX_KNOWN {
            shown_names.push(shown::name(name));
        }
        count += 1;
    }
    let list = shown_names.join(", ");
    if count > MAX_KNOWN { format!("{list}, … ({count} in all)") } else { list }
}

/// `HOST NIC`, for messages naming another user of an address or MAC.
fn owner(host: &str, nic: &str) -> String {
    format!("{} {}", shown::name(host), shown::name(nic))
}

/// What the timeline and expectation checks need to know about the rest of the scenario.
struct Scope<'a> {
    src: Src,
    hosts: BTreeSet<&'a str>,
    /// The hosts for messages, in file order.
    known_hosts: String,
    /// The client ranges' names, each with its hosts' (a timeline entry for a range is one for
    /// each of its hosts).
    ranges: &'a Ranges,
    /// `None` if the duration itself is invalid (then times are not compared with it).
    duration: Option<Duration>,
    duration_text: &'a str,
}

struct Validator {
    checker: Checker,
    networks: Vec<NetworkSpec>,
    /// Valid networks by name: address and prefix.
    network_cidrs: IndexMap<String, (Ipv4Addr, u8)>,
    /// The valid networks' addresses, by prefix length (at most 33 lengths, each a set).
    network_set: BTreeMap<u8, BTreeSet<u32>>,
    /// The valid networks' names for messages, sorted.
    known_networks: String,
    /// The simulated services' names for messages.
    known_services: String,
}

impl Validator {
    fn report(&mut self, src: Src, path: &FieldPath, target: Target, issue: Issue) {
        self.checker.report(src, path, target, issue);
    }

    fn duration(&mut self, src: Src, path: &FieldPath, text: &str) -> Option<Duration> {
        match parse_duration(text) {
            Ok(d) => Some(d),
            Err(error) => {
                self.report(src, path, Target::Value, Issue::BadDuration { text: text.to_string(), error });
                None
            }
        }
    }

    /// A host's cost model: each figure as written, or its default; one above
    /// [`MAX_REQUEST_COST`] is reported.
    fn costs(&mut self, src: Src, path: &FieldPath, file: &CostsFile) -> CostSpec {
        let mut figure = |name: &str, text: &Option<String>, default: Duration| {
            let Some(text) = text else { return default };
            let path = path.field(name);
            match self.duration(src, &path, text) {
                Some(d) if d > MAX_REQUEST_COST => {
                    self.report(src, &path, Target::Value, Issue::BadCost(text.clone()));
                    default
                }
                Some(d) => d,
                None => default,
            }
        };
        let defaults = CostSpec::DEFAULT;
        CostSpec {
            httpd_request: figure("httpd_request", &file.httpd_request, defaults.httpd_request),
            nginx_request: figure("nginx_request", &file.nginx_request, defaults.nginx_request),
        }
    }

    /// Whether `addr` is inside one of the valid networks.
    fn on_a_network(&self, addr: Ipv4Addr) -> bool {
        self.network_set.iter().any(|(p, nets)| nets.contains(&(u32::from(addr) & mask(*p))))
    }

    /// Merges the layers in order (a topology, then the scenario that extends it) and checks the
    /// networks and hosts that result: the hosts, then each client range's, and the ranges' names
    /// with their hosts' (a range replaces one of the same name in an earlier layer).
    fn check_topology<'f>(&mut self, layers: impl IntoIterator<Item = Layer<'f>>) -> (Vec<HostSpec>, Ranges) {
        let mut networks: IndexMap<String, Sourced<NetworkFile>> = IndexMap::new();
        let mut hosts: IndexMap<String, MergedHost> = IndexMap::new();
        let mut ranges: IndexMap<String, Sourced<ClientsFile>> = IndexMap::new();
        // A lab-wide `os` is every host's unless the host names its own.
        let mut lab_os: Option<Sourced<String>> = None;
        for (src, layer_os, layer_networks, layer_hosts, layer_clients) in layers {
            if let Some(os) = layer_os {
                lab_os = Some(Sourced { value: os.clone(), src });
            }
            for (name, network) in layer_networks {
                networks.insert(name.clone(), Sourced { value: network.clone(), src });
            }
            for (name, host) in layer_hosts {
                merge_host(hosts.entry(name.clone()).or_insert_with(empty_host), host, src);
            }
            for (name, range) in layer_clients {
                ranges.insert(name.clone(), Sourced { value: range.clone(), src });
            }
        }
        self.check_networks(&networks);
        let lab_os = lab_os.map_or(Os::default(), |os| self.os(&os, &FieldPath::root().field("os")));
        let mut specs = self.check_hosts(&hosts, lab_os);
        let ranges = self.check_clients(&ranges, lab_os, &mut specs);
        (specs, ranges)
    }

    fn check_networks(&mut self, networks: &IndexMap<String, Sourced<NetworkFile>>) {
        for (name, Sourced { value: network, src }) in networks {
            let path = FieldPath::root().field("networks").key(name);
            let latency = match &network.latency {
                None => Some(DEFAULT_LATENCY),
                Some(text) => self.duration(*src, &path.field("latency"), text),
            };
            let cidr_path = path.field("cidr");
            let Some((addr, prefix_len)) = parse_cidr(&network.cidr) else {
                self.report(*src, &cidr_path, Target::Value, Issue::BadCidr(network.cidr.clone()));
                continue;
            };
            let net = Ipv4Addr::from(u32::from(addr) & mask(prefix_len));
            if net != addr {
                let issue = Issue::CidrHostBits { text: network.cidr.clone(), network: format!("{net}/{prefix_len}") };
                self.report(*src, &cidr_path, Target::Value, issue);
            }
            self.network_cidrs.insert(name.clone(), (net, prefix_len));
            self.network_set.entry(prefix_len).or_default().insert(u32::from(net));
            if let Some(latency) = latency {
                self.networks.push(NetworkSpec { name: name.clone(), cidr_addr: net, prefix_len, latency });
            }
        }
        self.known_networks = known(self.network_cidrs.keys().map(String::as_str).collect::<BTreeSet<_>>());
    }

    /// The operating system `os` names, or a problem at `path`.
    fn os(&mut self, os: &Sourced<String>, path: &FieldPath) -> Os {
        Os::named(&os.value).unwrap_or_else(|| {
            let issue = Issue::UnknownOs { name: os.value.clone(), known: known(os_names()) };
            self.report(os.src, path, Target::Value, issue);
            Os::default()
        })
    }

    fn check_hosts(&mut self, hosts: &IndexMap<String, MergedHost>, lab_os: Os) -> Vec<HostSpec> {
        let mut addresses: BTreeMap<(String, Ipv4Addr), String> = BTreeMap::new();
        let mut macs: BTreeMap<[u8; 6], String> = BTreeMap::new();
        let mut specs = Vec::new();
        for (host_name, host) in hosts {
            let host_path = FieldPath::root().field("hosts").key(host_name);
            let os = host.os.as_ref().map_or(lab_os, |os| self.os(os, &host_path.field("os")));
            let (nics_path, files_path) = (host_path.field("nics"), host_path.field("files"));
            let mut nics = Vec::new();
            for (nic_name, Sourced { value: nic, src }) in &host.nics {
                let src = *src;
                let nic_path = nics_path.key(nic_name);
                let part = |i: usize, field: &str| if nic.tuple { nic_path.index(i) } else { nic_path.field(field) };
                if let Some(reason) = interface_name_problem(nic_name) {
                    let issue = Issue::BadInterfaceName { name: nic_name.clone(), reason };
                    self.report(src, &nic_path, Target::Key, issue);
                }
                let network = self.network_cidrs.get(&nic.network).copied();
                if network.is_none() {
                    let issue = Issue::UnknownNetwork { name: nic.network.clone(), known: self.known_networks.clone() };
                    self.report(src, &part(0, "network"), Target::Value, issue);
                }
                let mac = nic.mac.as_ref().and_then(|text| {
                    let path = part(2, "mac");
                    match parse_mac(text) {
                        None => self.report(src, &path, Target::Value, Issue::BadMac(text.clone())),
                        Some(mac) if mac[0] & 1 == 1 => {
                            self.report(src, &path, Target::Value, Issue::MulticastMac(text.clone()));
                        }
                        Some(mac) => {
                            let owner = owner(host_name, nic_name);
                            if let Some(other) = macs.get(&mac) {
                                let shown = mac.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":");
                                let issue = Issue::DuplicateMac { mac: shown, other: other.clone() };
                                self.report(src, &path, Target::Value, issue);
                            } else {
                                macs.insert(mac, owner);
                            }
                            return Some(mac);
                        }
                    }
                    None
                });
                let addr_path = part(1, "addr");
                let Some((addr, prefix_len)) = parse_cidr(&nic.addr) else {
                    self.report(src, &addr_path, Target::Value, Issue::BadAddress(nic.addr.clone()));
                    continue;
                };
                if let Some((net, net_prefix)) = network {
                    let cidr = format!("{net}/{net_prefix}");
                    let host_bits = u32::from(addr) & !mask(net_prefix);
                    if u32::from(addr) & mask(net_prefix) != u32::from(net) {
                        let issue = Issue::OutsideNetwork { addr: addr.to_string(), network: nic.network.clone(), cidr };
                        self.report(src, &addr_path, Target::Value, issue);
                    } else if prefix_len != net_prefix {
                        let issue = Issue::PrefixMismatch { prefix: prefix_len, network: nic.network.clone(), cidr };
                        self.report(src, &addr_path, Target::Value, issue);
                    } else if net_prefix < 31 && (host_bits == 0 || host_bits == !mask(net_prefix)) {
                        let what = if host_bits == 0 { "network" } else { "broadcast" };
                        let issue = Issue::ReservedAddress { addr: addr.to_string(), what, network: nic.network.clone() };
                        self.report(src, &addr_path, Target::Value, issue);
                    } else if let Some(other) = addresses.get(&(nic.network.clone(), addr)) {
                        let issue = Issue::DuplicateAddress { addr: addr.to_string(), network: nic.network.clone(), other: other.clone() };
                        self.report(src, &addr_path, Target::Value, issue);
                    } else {
                        addresses.insert((nic.network.clone(), addr), owner(host_name, nic_name));
                    }
                }
                nics.push(NicSpec { name: nic_name.clone(), network: nic.network.clone(), addr, prefix_len, mac });
            }

            let gateway = host.gateway.as_ref().and_then(|Sourced { value: text, src }| {
                let path = host_path.field("gateway");
                let Ok(gateway) = text.parse::<Ipv4Addr>() else {
                    self.report(*src, &path, Target::Value, Issue::BadGateway(text.clone()));
                    return None;
                };
                let on_link = nics.iter().any(|n| u32::from(n.addr) & mask(n.prefix_len) == u32::from(gateway) & mask(n.prefix_len));
                if !on_link {
                    self.report(*src, &path, Target::Value, Issue::GatewayUnreachable(gateway.to_string()));
                }
                Some(gateway)
            });

            let mut files = Vec::new();
            for (file_path, Sourced { value: source, src }) in &host.files {
                let path = files_path.key(file_path);
                if !file_path.starts_with('/') {
                    self.report(*src, &path, Target::Key, Issue::RelativeFilePath(file_path.clone()));
                }
                let (contents, source) = match source {
                    FileSource::Text(text) => (text.clone().into_bytes(), None),
                    FileSource::File(relative) => {
                        let dir = self.checker.sources.get(*src).map(|s| s.dir.clone()).unwrap_or_default();
                        let file = dir.join(relative);
                        match self.checker.budget.read_named(&file) {
                            Ok(bytes) => (bytes, Some(file)),
                            Err(error) => {
                                let (tried, hint) = looked_for(&dir, relative, &error);
                                let issue = Issue::UnreadableFile { path: relative.clone(), tried, error: error.to_string(), hint };
                                self.report(*src, &path, Target::Value, issue);
                                continue;
                            }
                        }
                    }
                };
                files.push(FileSpec { path: file_path.clone(), contents, source });
            }

            let mut enabled: Vec<String> = Vec::new();
            if let Some(Sourced { value: services, src }) = &host.enabled {
                let enabled_path = host_path.field("enabled");
                for (i, service) in services.iter().enumerate() {
                    let path = enabled_path.index(i);
                    if !service_names().any(|known| known == service) {
                        let issue = Issue::UnknownService { name: service.clone(), known: self.known_services.clone() };
                        self.report(*src, &path, Target::Value, issue);
                    } else if enabled.contains(service) {
                        self.report(*src, &path, Target::Value, Issue::DuplicateService(service.clone()));
                    } else {
                        enabled.push(service.clone());
                    }
                }
            }
            let startup_latency = host.startup_latency.as_ref().and_then(|Sourced { value: (low, high), src }| {
                let path = host_path.field("startup_latency");
                let low_d = self.duration(*src, &path.index(0), low);
                let high_d = self.duration(*src, &path.index(1), high);
                let (low_d, high_d) = (low_d?, high_d?);
                if low_d > high_d {
                    self.report(*src, &path.index(1), Target::Value, Issue::LatencyRange { low: low.clone(), high: high.clone() });
                    return None;
                }
                Some((low_d, high_d))
            });
            let cpus = match host.cpus {
                Some(Sourced { value, src }) if !(1..=MAX_CPUS).contains(&value) => {
                    self.report(src, &host_path.field("cpus"), Target::Value, Issue::BadCpus(value));
                    1
                }
                Some(Sourced { value, .. }) => value,
                None => 1,
            };
            let costs = host.costs.as_ref().map(|Sourced { value, src }| self.costs(*src, &host_path.field("costs"), value));
            specs.push(HostSpec { name: host_name.clone(), os, cpus, nics, gateway, files, enabled, startup_latency, costs });
        }
        specs
    }

    fn host(&mut self, scope: &Scope<'_>, path: &FieldPath, name: &str) {
        if !scope.hosts.contains(name) {
            let issue = Issue::UnknownHost { name: name.to_string(), known: scope.known_hosts.clone() };
            self.report(scope.src, path, Target::Value, issue);
        }
    }

    /// A time within the run.
    fn time(&mut self, scope: &Scope<'_>, path: &FieldPath, text: &str) -> Option<SimTime> {
        let d = self.duration(scope.src, path, text)?;
        if scope.duration.is_some_and(|end| d > end) {
            let issue = Issue::BeyondDuration { text: text.to_string(), duration: scope.duration_text.to_string() };
            self.report(scope.src, path, Target::Value, issue);
            return None;
        }
        Some(SimTime::from_micros(micros(d)))
    }

    /// A `(from, to)` window within the run; the whole run when absent.
    fn window(&mut self, scope: &Scope<'_>, path: &FieldPath, window: Option<&(String, String)>) -> Option<Window> {
        let Some((from_text, to_text)) = window else {
            let end = SimTime::from_micros(micros(scope.duration?));
            return Some(Window::Between(SimTime::ZERO, end));
        };
        let from = self.time(scope, &path.index(0), from_text);
        let to = self.time(scope, &path.index(1), to_text);
        let (from, to) = (from?, to?);
        if from > to {
            let issue = Issue::ReversedWindow { from: from_text.clone(), to: to_text.clone() };
            self.report(scope.src, path, Target::Value, issue);
            return None;
        }
        Some(Window::Between(from, to))
    }

    /// At most one of `exactly`, `at_most`, `at_least`; `required` says whether none is allowed.
    fn bound(&mut self, scope: &Scope<'_>, path: &FieldPath, given: [Option<u64>; 3], required: bool) -> Option<Option<Bound>> {
        const NAMES: [&str; 3] = ["exactly", "at_most", "at_least"];
        const ONE_OF: &str = "exactly, at_most, at_least";
        let mut found = None;
        for (i, value) in given.into_iter().enumerate() {
            let Some(n) = value else { continue };
            if found.is_some() {
                self.report(scope.src, &path.field(NAMES[i]), Target::Key, Issue::OnlyOneOf(ONE_OF));
                return None;
            }
            found = Some(match i {
                0 => Bound::Exactly(n),
                1 => Bound::AtMost(n),
                _ => Bound::AtLeast(n),
            });
        }
        if required && found.is_none() {
            self.report(scope.src, path, Target::Value, Issue::OneOf(ONE_OF));
            return None;
        }
        Some(found)
    }

    fn check_timeline(&mut self, scope: &Scope<'_>, timeline: &[TimelineFile]) -> Vec<TimelineEntry> {
        let mut entries = Vec::new();
        for (i, entry) in timeline.iter().enumerate() {
            let path = FieldPath::root().field("timeline").index(i);
            let (at_text, host, action) = match entry {
                TimelineFile::At(at, host, command) => {
                    if command.trim().is_empty() {
                        self.report(scope.src, &path.index(2), Target::Value, Issue::EmptyCommand);
                    } else if let Err(e) = crate::proto::sh::read(command) {
                        self.shell_problem(scope.src, &path.index(2), &e);
                    }
                    (at, host, TimelineAction::Command(command.clone()))
                }
                TimelineFile::PowerOn(at, host) => (at, host, TimelineAction::PowerOn),
                TimelineFile::Users { .. } => {
                    entries.extend(self.check_users(scope, &path, i, entry));
                    continue;
                }
            };
            let at = self.time(scope, &path.index(0), at_text);
            let members = scope.ranges.get(host);
            if members.is_none() {
                self.host(scope, &path.index(1), host);
            }
            let location = self.location(scope.src, &path);
            if let Some(at) = at {
                for member in members.map_or_else(|| std::slice::from_ref(host), Vec::as_slice) {
                    entries.push(TimelineEntry { at, host: member.clone(), action: action.clone(), location: location.clone() });
                }
            }
        }
        entries
    }

    /// A typed command that bash refuses (in bash's words) or that labsim does not model, at
    /// the offending byte of the string.
    fn shell_problem(&mut self, src: Src, path: &FieldPath, e: &crate::proto::sh::ParseError) {
        let issue = Issue::Shell(e.check_message());
        let at = self.checker.sources.get(src).and_then(|s| s.index.as_ref()).and_then(|i| i.find_in_string(path, e.at()));
        match at {
            Some(at) => self.checker.report_at(src, at, &path.to_string(), issue),
            None => self.report(src, path, Target::Value, issue),
        }
    }

    fn location(&self, src: Src, path: &FieldPath) -> SourceLocation {
        let source = self.checker.sources.get(src);
        let at = source.and_then(|s| s.index.as_ref()).and_then(|i| i.find(path, Target::Value));
        SourceLocation {
            file: source.map(|s| s.display.clone()).unwrap_or_default(),
            line: at.map_or(0, |a| a.line),
            column: at.map_or(0, |a| a.column),
        }
    }

    fn check_expectations(&mut self, scope: &Scope<'_>, expect: &[ExpectFile], timeline: &[TimelineEntry]) -> Vec<Expectation> {
        // Where commands are typed, for `Output`.
        let typed: BTreeSet<(SimTime, &str)> =
            timeline.iter().filter(|e| matches!(e.action, TimelineAction::Command(_))).map(|e| (e.at, e.host.as_str())).collect();
        let mut out = Vec::new();
        for (i, expectation) in expect.iter().enumerate() {
            let path = FieldPath::root().field("expect").index(i);
            if let Some(check) = self.check(scope, &path, expectation, &typed) {
                let index = self.checker.sources.get(scope.src).and_then(|s| s.index.as_ref());
                let text = index.and_then(|index| index.one_line(&path)).unwrap_or_else(|| format!("{expectation:?}"));
                out.push(Expectation { check, text, location: self.location(scope.src, &path) });
            }
        }
        out
    }

    fn check(&mut self, scope: &Scope<'_>, path: &FieldPath, expectation: &ExpectFile, typed: &BTreeSet<(SimTime, &str)>) -> Option<Check> {
        match expectation {
            ExpectFile::VipOwner { vip, host, hosts, at, within } => {
                let vip_addr = match vip.parse::<Ipv4Addr>() {
                    Err(_) => {
                        self.report(scope.src, &path.field("vip"), Target::Value, Issue::BadVip(vip.clone()));
                        None
                    }
                    Ok(addr) => {
                        if !self.on_a_network(addr) {
                            self.report(scope.src, &path.field("vip"), Target::Value, Issue::VipOffNetwork(vip.clone()));
                        }
                        Some(addr)
                    }
                };
                let owners = match (host, hosts) {
                    (Some(_), Some(_)) => {
                        self.report(scope.src, &path.field("hosts"), Target::Key, Issue::OnlyOneOf("host, hosts"));
                        None
                    }
                    (None, None) => {
                        self.report(scope.src, path, Target::Value, Issue::OneOf("host, hosts"));
                        None
                    }
                    (Some(host), None) => {
                        self.host(scope, &path.field("host"), host);
                        Some(vec![host.clone()])
                    }
                    (None, Some(hosts)) => {
                        // `hosts: []` is allowed: nobody holds the VIP.
                        for (i, host) in hosts.iter().enumerate() {
                            self.host(scope, &path.field("hosts").index(i), host);
                        }
                        Some(hosts.clone())
                    }
                };
                let window = match (at, within) {
                    (Some(_), Some(_)) => {
                        self.report(scope.src, &path.field("within"), Target::Key, Issue::OnlyOneOf("at, within"));
                        None
                    }
                    (None, None) => {
                        self.report(scope.src, path, Target::Value, Issue::OneOf("at, within"));
                        None
                    }
                    (Some(at), None) => self.time(scope, &path.field("at"), at).map(Window::At),
                    (None, Some(within)) => self.window(scope, &path.field("within"), Some(within)),
                };
                Some(Check::VipOwner { vip: vip_addr?, hosts: owners?, window: window? })
            }
            ExpectFile::PingLost { host, between, exactly, at_most, at_least } => {
                self.host(scope, &path.field("host"), host);
                let window = self.window(scope, &path.field("between"), between.as_ref());
                let bound = self.bound(scope, path, [*exactly, *at_most, *at_least], true);
                Some(Check::PingLost { host: host.clone(), window: window?, bound: bound?? })
            }
            ExpectFile::Log { host, contains, between, exactly, at_most, at_least } => {
                self.host(scope, &path.field("host"), host);
                let window = self.window(scope, &path.field("between"), between.as_ref());
                let count = self.bound(scope, path, [*exactly, *at_most, *at_least], false);
                Some(Check::Log { host: host.clone(), contains: contains.clone(), window: window?, count: count? })
            }
            ExpectFile::Responses { host, between, sequence } => {
                self.host(scope, &path.field("host"), host);
                let window = self.window(scope, &path.field("between"), between.as_ref());
                Some(Check::HttpResponses { host: host.clone(), window: window?, sequence: sequence.clone() })
            }
            ExpectFile::HttpStatus { host, between, status, exactly, at_most, at_least } => {
                self.host(scope, &path.field("host"), host);
                let window = self.window(scope, &path.field("between"), between.as_ref());
                let bound = self.bound(scope, path, [*exactly, *at_most, *at_least], true);
                Some(Check::HttpStatus { host: host.clone(), window: window?, status: *status, bound: bound?? })
            }
            ExpectFile::HttpErrors { host, between, exactly, at_most, at_least } => {
                self.host(scope, &path.field("host"), host);
                let window = self.window(scope, &path.field("between"), between.as_ref());
                let bound = self.bound(scope, path, [*exactly, *at_most, *at_least], true);
                Some(Check::HttpErrors { host: host.clone(), window: window?, bound: bound?? })
            }
            ExpectFile::Changed { host, url, since, contains, within } => {
                self.host(scope, &path.field("host"), host);
                let since = self.time(scope, &path.field("since"), since);
                let within = self.duration(scope.src, &path.field("within"), within);
                Some(Check::HttpChanged {
                    host: host.clone(),
                    url: url.clone(),
                    since: since?,
                    contains: contains.clone(),
                    within: within?,
                })
            }
            ExpectFile::Latency { host, between, at_most, at_least } => {
                self.host(scope, &path.field("host"), host);
                let window = self.window(scope, &path.field("between"), between.as_ref());
                if at_most.is_none() && at_least.is_none() {
                    self.report(scope.src, path, Target::Value, Issue::OneOf("at_most, at_least"));
                    return None;
                }
                let mut bound = |name: &str, text: &Option<String>| match text {
                    None => Some(None),
                    Some(t) => self.duration(scope.src, &path.field(name), t).map(Some),
                };
                let most = bound("at_most", at_most);
                let least = bound("at_least", at_least);
                Some(Check::HttpLatency { host: host.clone(), window: window?, at_most: most?, at_least: least? })
            }
            ExpectFile::Capacity { between, max_p99, max_errors, min_requests } => {
                let window = self.window(scope, &path.field("between"), between.as_ref());
                if max_p99.is_none() && max_errors.is_none() && min_requests.is_none() {
                    self.report(scope.src, path, Target::Value, Issue::OneOf("max_p99, max_errors, min_requests"));
                    return None;
                }
                let p99 = match max_p99 {
                    None => Some(None),
                    Some(t) => self.duration(scope.src, &path.field("max_p99"), t).map(Some),
                };
                Some(Check::Capacity { window: window?, max_p99: p99?, max_errors: *max_errors, min_requests: *min_requests })
            }
            ExpectFile::Output { host, at, contains } => {
                self.host(scope, &path.field("host"), host);
                let at_time = self.time(scope, &path.field("at"), at)?;
                if !typed.contains(&(at_time, host.as_str())) && scope.hosts.contains(host.as_str()) {
                    let issue = Issue::NoCommandAt { host: host.clone(), at: at.clone() };
                    self.report(scope.src, &path.field("at"), Target::Value, issue);
                }
                Some(Check::Output { host: host.clone(), at: at_time, contains: contains.clone() })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_parsers() {
        assert_eq!(parse_cidr("172.2.20.0/24"), Some((Ipv4Addr::new(172, 2, 20, 0), 24)));
        assert_eq!(parse_cidr("172.2.20.0/33"), None);
        assert_eq!(parse_cidr("172.2.20.0/+4"), None);
        assert_eq!(parse_cidr("172.2.20.0"), None);
        assert_eq!(parse_cidr("172.2.20/24"), None);
        assert_eq!(mask(0), 0);
        assert_eq!(mask(24), 0xffff_ff00);
        assert_eq!(mask(32), u32::MAX);
        assert_eq!(parse_mac("00:0c:29:3A:5b:01"), Some([0, 0x0c, 0x29, 0x3a, 0x5b, 1]));
        assert_eq!(parse_mac("00:0c:29:3a:5b"), None);
        assert_eq!(parse_mac("00:0c:29:3a:5b:01:02"), None);
        assert_eq!(parse_mac("0:0c:29:3a:5b:01"), None);
        assert_eq!(interface_name_problem("eno16777736"), None);
        assert_eq!(interface_name_problem("eno1677773612345"), Some("longer than 15 bytes"));
        assert_eq!(interface_name_problem("eth0:1"), Some("contains ':'"));
    }
}
