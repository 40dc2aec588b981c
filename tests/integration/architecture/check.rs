//! The checker: reads `ARCHITECTURE.md`, `Cargo.toml` and every file of `src/` under a root
//! directory, resolves what each file names (through `super::`, `self::`, child modules, imports
//! and re-exports) and lists every breach of the layer table, every import cycle between
//! siblings and every read of the wall clock outside the benchmark and `labsim run`'s wall-clock
//! side.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use super::scan::{self, Binds, ModPath, Scanned, Written};
use super::table::{self, Row};

/// External crates every file may name.
const ALWAYS_ALLOWED: [&str; 3] = ["std", "core", "alloc"];

/// The project's chosen front-end crates: watched even before they are dependencies, so that
/// they appear only in the rows that list them.
const FRONT_END_CRATES: [&str; 3] = ["tokio", "ratatui", "crossterm"];

/// The only files that may read the wall clock (simulated time everywhere else): the benchmark,
/// which times whole runs, and the wall-clock side of `labsim run` (its progress line and
/// `--max-wall`), which looks at the clock between slices of simulated time. Not the rest of
/// `src/cli/`, and never the lab.
pub(super) const WALL_CLOCK_READERS: [&str; 2] = ["src/cli/bench.rs", "src/cli/wall.rs"];

/// The wall-clock items of `std::time`.
const CLOCKS: [&str; 3] = ["Instant", "SystemTime", "UNIX_EPOCH"];

/// How many imports and re-exports one path is followed through.
const MAX_HOPS: usize = 32;

/// Everything the checker reports, by kind; each entry is one line naming a file (and line).
#[derive(Clone, Debug, Default)]
pub(super) struct Findings {
    /// The table against the tree: malformed or stale rows, files no row covers.
    pub table: Vec<String>,
    /// Names a file's row does not allow, inside or outside the crate.
    pub references: Vec<String>,
    /// Import cycles between the children of one module directory.
    pub cycles: Vec<String>,
    /// Wall-clock reads outside [`WALL_CLOCK_READERS`].
    pub clocks: Vec<String>,
}

impl Findings {
    /// Every finding, by kind.
    pub(super) fn all(&self) -> impl Iterator<Item = &String> {
        self.table.iter().chain(&self.references).chain(&self.cycles).chain(&self.clocks)
    }
}

/// What a path resolves to.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Target {
    /// A path inside the library crate, from its root (`["host", "Host"]`).
    Crate(ModPath),
    /// A path in an external crate (`["smoltcp", "wire", "Ipv4Packet"]`).
    External(Vec<String>),
}

impl Target {
    fn show(&self) -> String {
        match self {
            Target::Crate(p) => std::iter::once("crate").chain(p.iter().map(String::as_str)).collect::<Vec<_>>().join("::"),
            Target::External(p) => p.join("::"),
        }
    }
}

/// One source file.
struct File {
    /// `src/host/apps/ping.rs`.
    rel: String,
    /// `["host", "apps", "ping"]`; `[]` for `src/lib.rs`, `["main"]` for `src/main.rs`.
    module: ModPath,
    /// `src/main.rs`: its own crate, where the library is named by its crate name.
    binary: bool,
    scanned: Arc<Scanned>,
}

/// Checks the tree under `root` (which holds `Cargo.toml`, `ARCHITECTURE.md` and `src/`).
pub(super) fn check(root: &Path) -> Findings {
    let mut findings = Findings::default();
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).map(|t| table::manifest(&t)).unwrap_or_else(|e| {
        findings.table.push(format!("Cargo.toml: cannot read it: {e}"));
        table::Manifest::default()
    });
    let rows = match std::fs::read_to_string(root.join("ARCHITECTURE.md")) {
        Ok(md) => {
            let (rows, errors) = table::parse(&md);
            findings.table.extend(errors);
            rows
        }
        Err(e) => {
            findings.table.push(format!("ARCHITECTURE.md: cannot read it: {e}"));
            Vec::new()
        }
    };
    let files = read_sources(root);
    let world = World::new(&files, &rows, &manifest);
    findings.table.extend(world.table_problems());
    let mut edges = Edges::new();
    let mut seen = BTreeSet::new();
    for file in &files {
        for w in &file.scanned.paths {
            let Some(target) = world.classify(file, w) else { continue };
            let (target, via) = world.resolve(target);
            let via = via.filter(|v| !v.starts_with(&file.module));
            let message = match &target {
                Target::Crate(path) => {
                    edges.add(file, w.line, path);
                    world.check_crate_path(file, path).map(|allowed| {
                        let via = via.map(|v| format!(" (through `{}`)", Target::Crate(v).show())).unwrap_or_default();
                        format!("{}:{}: `{}` names `{}`{via} ({allowed})", file.rel, w.line, world.row_name(file), target.show())
                    })
                }
                Target::External(path) => {
                    if is_clock(path) && !WALL_CLOCK_READERS.contains(&file.rel.as_str()) {
                        let clock =
                            format!("{}:{}: `{}` reads the wall clock: `{}`", file.rel, w.line, world.row_name(file), target.show());
                        if seen.insert(clock.clone()) {
                            findings.clocks.push(clock);
                        }
                    }
                    world
                        .check_external_path(file, path)
                        .map(|allowed| format!("{}:{}: `{}` names `{}` ({allowed})", file.rel, w.line, world.row_name(file), target.show()))
                }
            };
            if let Some(message) = message.filter(|m| seen.insert(m.clone())) {
                findings.references.push(message);
            }
        }
    }
    findings.cycles = edges.cycles(&files);
    findings
}

/// `std::time::Instant…`, `core::time::…` wall-clock items.
fn is_clock(path: &[String]) -> bool {
    matches!(path.first().map(String::as_str), Some("std" | "core"))
        && path.get(1).is_some_and(|s| s == "time")
        && path.get(2).is_some_and(|s| CLOCKS.contains(&s.as_str()))
}

/// Every `.rs` file under `root/src`, sorted, scanned.
fn read_sources(root: &Path) -> Vec<File> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|x| x == "rs") {
                out.push(path);
            }
        }
    }
    let mut paths = Vec::new();
    walk(&root.join("src"), &mut paths);
    paths
        .iter()
        .map(|path| {
            let parts: Vec<String> =
                path.strip_prefix(root).unwrap_or(path).components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
            let rel = parts.join("/");
            let binary = rel == "src/main.rs";
            let module = module_path(&parts[1..]);
            let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {rel}: {e}"));
            let scanned = scanned(&module, text);
            File { rel, module, binary, scanned }
        })
        .collect()
}

/// A file's text scanned as module `module`. The probes check copies of the tree, so scans are
/// kept per text for the test binary's lifetime: a copy rescans only what a probe changed.
fn scanned(module: &ModPath, text: String) -> Arc<Scanned> {
    type Scans = Mutex<BTreeMap<(ModPath, String), Arc<Scanned>>>;
    static SCANS: OnceLock<Scans> = OnceLock::new();
    let scans = SCANS.get_or_init(Mutex::default);
    let key = (module.clone(), text);
    if let Some(done) = scans.lock().unwrap_or_else(PoisonError::into_inner).get(&key) {
        return Arc::clone(done);
    }
    let done = Arc::new(scan::scan(&scan::blank(&key.1), module));
    scans.lock().unwrap_or_else(PoisonError::into_inner).insert(key, Arc::clone(&done));
    done
}

/// The module path of a file from its path below `src/`: `host/apps/ping.rs` → `host::apps::ping`,
/// `host/mod.rs` → `host`, `lib.rs` → the root, `main.rs` → `main`.
fn module_path(below_src: &[String]) -> ModPath {
    let mut module: ModPath = below_src.iter().map(|p| p.strip_suffix(".rs").unwrap_or(p).to_owned()).collect();
    if module.last().is_some_and(|m| m == "mod") || module == ["lib"] {
        module.pop();
    }
    module
}

fn join(base: &[String], tail: &[String]) -> Vec<String> {
    base.iter().chain(tail).cloned().collect()
}

/// What the checker knows about the whole tree.
struct World<'a> {
    rows: &'a [Row],
    files: &'a [File],
    /// The module paths of the files.
    modules: BTreeSet<ModPath>,
    /// Per scope: the child modules and the names it declares.
    children: BTreeMap<ModPath, BTreeSet<String>>,
    items: BTreeMap<ModPath, BTreeSet<String>>,
    /// `scope::name` for every name a `use` binds.
    bound: BTreeSet<ModPath>,
    /// `scope::name` → what the `use` binding it points to (first binding wins).
    aliases: BTreeMap<ModPath, Target>,
    /// `(scope, module)` for every `use module::*` inside the crate.
    globs: Vec<(ModPath, ModPath)>,
    /// External crate names checked against the table.
    watched: BTreeSet<String>,
    /// The library's crate name, as `src/main.rs` names it.
    lib: String,
}

impl<'a> World<'a> {
    fn new(files: &'a [File], rows: &'a [Row], manifest: &table::Manifest) -> World<'a> {
        let mut world = World {
            rows,
            files,
            modules: files.iter().map(|f| f.module.clone()).collect(),
            children: BTreeMap::new(),
            items: BTreeMap::new(),
            bound: BTreeSet::new(),
            aliases: BTreeMap::new(),
            globs: Vec::new(),
            watched: manifest.dependencies.iter().cloned().collect(),
            lib: manifest.lib.clone(),
        };
        world.watched.extend(rows.iter().flat_map(|r| &r.outside).filter_map(|e| e.first().cloned()));
        world.watched.extend(FRONT_END_CRATES.map(str::to_owned));
        for f in files {
            for (scope, names) in &f.scanned.modules {
                world.children.entry(scope.clone()).or_default().extend(names.iter().cloned());
            }
            for (scope, names) in &f.scanned.items {
                world.items.entry(scope.clone()).or_default().extend(names.iter().cloned());
            }
            for w in &f.scanned.paths {
                if let Binds::Name(name) = &w.binds {
                    world.bound.insert(join(&w.scope, std::slice::from_ref(name)));
                }
            }
        }
        let mut aliases = BTreeMap::new();
        let mut globs = Vec::new();
        for f in files {
            for w in &f.scanned.paths {
                match (&w.binds, world.classify(f, w)) {
                    (Binds::Name(name), Some(target)) => {
                        let key = join(&w.scope, std::slice::from_ref(name));
                        if target != Target::Crate(key.clone()) {
                            aliases.entry(key).or_insert(target);
                        }
                    }
                    (Binds::Glob, Some(Target::Crate(module))) => globs.push((w.scope.clone(), module)),
                    _ => {}
                }
            }
        }
        world.aliases = aliases;
        world.globs = globs;
        world
    }

    /// What a written path names, before following imports: `None` for paths that name neither
    /// the crate nor a watched or standard crate (`Self::X`, `Vec::new`, enum variants…).
    fn classify(&self, file: &File, w: &Written) -> Option<Target> {
        let (first, rest) = w.segments.split_first()?;
        let scope = &w.scope;
        match first.as_str() {
            "crate" if file.binary => Some(Target::Crate(join(&file.module, rest))),
            "crate" => Some(Target::Crate(rest.to_vec())),
            "super" => {
                let mut base = scope.clone();
                let mut tail = w.segments.as_slice();
                while let Some((_, after)) = tail.split_first().filter(|(s, _)| *s == "super") {
                    base.pop()?;
                    tail = after;
                }
                Some(Target::Crate(join(&base, tail)))
            }
            "self" => Some(Target::Crate(join(scope, rest))),
            "" => rest.first().filter(|name| self.is_external(name)).map(|_| Target::External(rest.to_vec())),
            name if file.binary && name == self.lib => Some(Target::Crate(rest.to_vec())),
            name if self.children.get(scope).is_some_and(|c| c.contains(name)) || self.binds_elsewhere(w, name) => {
                Some(Target::Crate(join(scope, &w.segments)))
            }
            name if self.is_external(name) => Some(Target::External(w.segments.clone())),
            _ => None,
        }
    }

    /// Whether a `use` in `w`'s scope binds `name`, other than `w` itself (`use smoltcp;` binds
    /// `smoltcp` but names the crate).
    fn binds_elsewhere(&self, w: &Written, name: &str) -> bool {
        let itself = w.segments.len() == 1 && w.binds == Binds::Name(name.to_owned());
        !itself && self.bound.contains(&join(&w.scope, &[name.to_owned()]))
    }

    fn is_external(&self, name: &str) -> bool {
        ALWAYS_ALLOWED.contains(&name) || self.watched.contains(name)
    }

    /// Follows imports and re-exports (`host::Fs` → `host::fs::Fs`) until the path is no
    /// longer an alias; also returns the path before the first hop, if there was one.
    fn resolve(&self, target: Target) -> (Target, Option<ModPath>) {
        let mut current = target;
        let mut via = None;
        for _ in 0..MAX_HOPS {
            let Target::Crate(path) = &current else { break };
            let next = (1..=path.len())
                .rev()
                .find_map(|k| {
                    self.aliases.get(&path[..k]).map(|t| match t {
                        Target::Crate(p) => Target::Crate(join(p, &path[k..])),
                        Target::External(p) => Target::External(join(p, &path[k..])),
                    })
                })
                .or_else(|| self.through_glob(path));
            match next {
                Some(next) if next != current => {
                    via.get_or_insert_with(|| path.clone());
                    current = next;
                }
                _ => break,
            }
        }
        (current, via)
    }

    /// `scope::name` through a `use module::*` in `scope`, unless `scope` declares `name`.
    fn through_glob(&self, path: &[String]) -> Option<Target> {
        self.globs.iter().find_map(|(scope, module)| {
            let name = path.get(scope.len()).filter(|_| path.starts_with(scope))?;
            let declared = [&self.children, &self.items].iter().any(|m| m.get(scope).is_some_and(|names| names.contains(name)));
            (!declared).then(|| Target::Crate(join(module, &path[scope.len()..])))
        })
    }

    /// The row a file belongs to: the most specific row whose module is a prefix of the file's;
    /// the `crate` row covers `src/lib.rs` only.
    fn row_of(&self, module: &[String]) -> Option<&'a Row> {
        if module.is_empty() {
            return self.rows.iter().find(|r| r.module.is_empty());
        }
        self.owner(module)
    }

    /// The most specific row (other than `crate`) whose module is a prefix of `path`.
    fn owner(&self, path: &[String]) -> Option<&'a Row> {
        self.rows.iter().filter(|r| !r.module.is_empty() && path.starts_with(&r.module)).max_by_key(|r| r.module.len())
    }

    fn row_name(&self, file: &File) -> String {
        self.row_of(&file.module).map_or_else(|| file.module.join("::"), |r| r.name.clone())
    }

    /// `None` if `file` may name the crate path `path`, else the allowed list to report.
    fn check_crate_path(&self, file: &File, path: &[String]) -> Option<String> {
        let Some(row) = self.row_of(&file.module) else {
            return (!path.starts_with(&file.module)).then(|| "allowed: [] – no row covers this module".to_owned());
        };
        let owner = |p: &[String]| self.owner(p).map(|r| r.line);
        let allowed = path.starts_with(&row.module) || row.in_crate.iter().any(|e| path.starts_with(e) && owner(e) == owner(path));
        (!allowed).then(|| format!("allowed: [{}]", row.in_crate.iter().map(|e| e.join("::")).collect::<Vec<_>>().join(", ")))
    }

    /// `None` if `file` may name the external path `path`, else the allowed list to report.
    fn check_external_path(&self, file: &File, path: &[String]) -> Option<String> {
        if path.first().is_some_and(|c| ALWAYS_ALLOWED.contains(&c.as_str())) {
            return None;
        }
        let Some(row) = self.row_of(&file.module) else { return Some("allowed: [] – no row covers this module".to_owned()) };
        let allowed = row.outside.iter().any(|e| path.starts_with(e));
        (!allowed).then(|| format!("allowed: [{}]", row.outside.iter().map(|e| e.join("::")).collect::<Vec<_>>().join(", ")))
    }

    /// The table against the tree: duplicate and stale rows, entries naming no module, files
    /// that no row covers.
    fn table_problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut first_line = BTreeMap::new();
        for row in self.rows {
            if let Some(line) = first_line.insert(row.name.clone(), row.line) {
                problems.push(format!("ARCHITECTURE.md:{}: a second row for `{}` (the first is on line {line})", row.line, row.name));
            }
            if !self.modules.contains(&row.module) {
                problems.push(format!("ARCHITECTURE.md:{}: row `{}` names no module of src/ (stale row?)", row.line, row.name));
            }
            for entry in &row.in_crate {
                if !(1..=entry.len()).any(|k| self.modules.contains(&entry[..k])) {
                    let entry = entry.join("::");
                    problems.push(format!("ARCHITECTURE.md:{}: `{entry}` in row `{}` names no module of src/", row.line, row.name));
                }
            }
        }
        for file in self.files {
            if self.row_of(&file.module).is_none() {
                let what =
                    if file.module.is_empty() { "the crate root".to_owned() } else { format!("module `{}`", file.module.join("::")) };
                problems.push(format!("{}: {what} is covered by no row of ARCHITECTURE.md", file.rel));
            }
        }
        problems
    }
}

/// The import graph between the children of every module directory.
struct Edges {
    /// `(directory module, from child, to child)` → the first reference that makes the edge.
    edges: BTreeMap<(ModPath, String, String), (String, usize, ModPath)>,
}

impl Edges {
    fn new() -> Edges {
        Edges { edges: BTreeMap::new() }
    }

    /// A reference from `file` to `path`: an edge between the two children of the directory
    /// where their module paths part (`host::apps::curl` → `host::shell::fail`: apps → shell).
    fn add(&mut self, file: &File, line: usize, path: &[String]) {
        let k = file.module.iter().zip(path).take_while(|(a, b)| a == b).count();
        if let (Some(from), Some(to)) = (file.module.get(k), path.get(k)) {
            let key = (file.module[..k].to_vec(), from.clone(), to.clone());
            self.edges.entry(key).or_insert_with(|| (file.rel.clone(), line, path.to_vec()));
        }
    }

    /// Every strongly connected set of children in each directory, shown as its shortest cycle
    /// through its first member, with the reference behind each edge.
    fn cycles(&self, files: &[File]) -> Vec<String> {
        // The children of each directory: the next segment of every file's module path.
        let mut nodes: BTreeMap<ModPath, BTreeSet<String>> = BTreeMap::new();
        for f in files {
            for k in 0..f.module.len() {
                nodes.entry(f.module[..k].to_vec()).or_default().insert(f.module[k].clone());
            }
        }
        let mut out = Vec::new();
        for (dir, children) in &nodes {
            let next = |a: &String| -> Vec<&String> {
                children.iter().filter(|b| self.edges.contains_key(&(dir.clone(), a.clone(), (*b).clone()))).collect()
            };
            let reach = |from: &String| -> BTreeSet<&String> {
                let (mut seen, mut todo) = (BTreeSet::new(), vec![from]);
                while let Some(a) = todo.pop() {
                    for b in next(a) {
                        if seen.insert(b) {
                            todo.push(b);
                        }
                    }
                }
                seen
            };
            let reaches: BTreeMap<&String, BTreeSet<&String>> = children.iter().map(|c| (c, reach(c))).collect();
            let mut done = BTreeSet::new();
            for a in children {
                if done.contains(a) || !reaches[a].contains(a) {
                    continue;
                }
                let group: BTreeSet<&String> = children.iter().filter(|b| reaches[a].contains(b) && reaches[*b].contains(a)).collect();
                done.extend(group.iter().copied());
                let cycle = shortest_cycle(a, |x| next(x).into_iter().filter(|b| group.contains(b)).collect());
                let evidence: Vec<String> = cycle
                    .windows(2)
                    .map(|pair| {
                        let (rel, line, path) = &self.edges[&(dir.clone(), pair[0].clone(), pair[1].clone())];
                        format!("{rel}:{line} names `{}`", Target::Crate(path.clone()).show())
                    })
                    .collect();
                let shown = cycle.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" → ");
                let tangle = if group.len() + 1 > cycle.len() {
                    format!(" [all of {} depend on each other]", group.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "))
                } else {
                    String::new()
                };
                let dir = dir.iter().map(|s| format!("{s}/")).collect::<String>();
                out.push(format!("src/{dir}: import cycle {shown}{tangle} ({})", evidence.join("; ")));
            }
        }
        out
    }
}

/// The shortest path `start → … → start` along `next` (breadth first, so deterministic given a
/// deterministic `next`); `[start]` if there is none.
fn shortest_cycle<'n>(start: &'n String, next: impl Fn(&'n String) -> Vec<&'n String>) -> Vec<String> {
    let mut parent: BTreeMap<&String, &String> = BTreeMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(a) = queue.pop_front() {
        for b in next(a) {
            if b == start {
                let mut cycle = vec![b.clone(), a.clone()];
                let mut at = a;
                while at != start {
                    at = parent[at];
                    cycle.push(at.clone());
                }
                cycle.reverse();
                return cycle;
            }
            if !parent.contains_key(b) {
                parent.insert(b, a);
                queue.push_back(b);
            }
        }
    }
    vec![start.clone()]
}
