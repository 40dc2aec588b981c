//! The test of the test: each probe copies `src/`, `Cargo.toml` and `ARCHITECTURE.md` to a
//! scratch directory, plants one kind of violation and checks that the checker reports exactly
//! the new findings expected (the copy's findings minus the real tree's), file and line included.

use std::path::{Path, PathBuf};

use super::check::{self, Findings};
use crate::util;

/// A copy of the tree to plant probes in.
struct Copy {
    root: PathBuf,
}

impl Copy {
    fn new(name: &str) -> Copy {
        let root = util::scratch(&format!("architecture-{name}"));
        copy_dir(&util::root().join("src"), &root.join("src"));
        for file in ["Cargo.toml", "ARCHITECTURE.md"] {
            std::fs::copy(util::root().join(file), root.join(file)).unwrap_or_else(|e| panic!("cannot copy {file}: {e}"));
        }
        Copy { root }
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.root.join(rel)).unwrap_or_else(|e| panic!("cannot read {rel}: {e}"))
    }

    fn write(&self, rel: &str, text: &str) {
        let path = self.root.join(rel);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("a directory");
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("cannot write {rel}: {e}"));
    }

    /// Appends to a file (so that the lines already there keep their numbers).
    fn append(&self, rel: &str, text: &str) {
        self.write(rel, &format!("{}{text}", self.read(rel)));
    }

    /// Adds rows after the last row of the layer table; returns the line of the first.
    fn add_rows(&self, rows: &[&str]) -> usize {
        let md = self.read("ARCHITECTURE.md");
        let mut lines: Vec<&str> = md.lines().collect();
        let header = lines.iter().position(|l| l.to_lowercase().starts_with("| layer | module |")).expect("the table header");
        let end = header + lines[header..].iter().take_while(|l| l.starts_with('|')).count();
        lines.splice(end..end, rows.iter().copied());
        self.write("ARCHITECTURE.md", &(lines.join("\n") + "\n"));
        end + 1
    }

    /// Replaces the "may use outside the crate" cell of `module`'s row.
    fn set_outside(&self, module: &str, cell: &str) {
        let md = self.read("ARCHITECTURE.md");
        let cell_of_row = format!("| `{module}` |");
        let row = md.lines().find(|l| l.contains(&cell_of_row)).unwrap_or_else(|| panic!("no row for {module}"));
        let kept = row.trim_end().trim_end_matches('|').rsplit_once('|').expect("cells").0;
        self.write("ARCHITECTURE.md", &md.replace(row, &format!("{kept}| {cell} |")));
    }

    /// What the checker finds in the copy and not in the real tree.
    fn new_findings(&self) -> Findings {
        let (base, now) = (super::real_tree(), check::check(&self.root));
        let new = |now: Vec<String>, base: &[String]| now.into_iter().filter(|f| !base.contains(f)).collect();
        Findings {
            table: new(now.table, &base.table),
            references: new(now.references, &base.references),
            cycles: new(now.cycles, &base.cycles),
            clocks: new(now.clocks, &base.clocks),
        }
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("a directory");
    let mut entries: Vec<PathBuf> = std::fs::read_dir(from).expect("readable").map(|e| e.expect("an entry").path()).collect();
    entries.sort();
    for path in entries {
        let target = to.join(path.file_name().expect("a name"));
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copied");
        }
    }
}

fn strings(lines: &[&str]) -> Vec<String> {
    lines.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn an_untouched_copy_finds_what_the_real_tree_does() {
    let copy = Copy::new("untouched");
    let (base, now) = (super::real_tree(), check::check(&copy.root));
    assert_eq!(now.all().collect::<Vec<_>>(), base.all().collect::<Vec<_>>());
}

#[test]
fn a_single_file_module_needs_a_row_and_keeps_to_it() {
    let copy = Copy::new("gui");
    copy.append("src/lib.rs", "mod gui;\n");
    copy.write("src/gui.rs", "//! A front end.\n\nuse crate::host::Host;\n\npub fn show(_: &Host) {}\n");
    let found = copy.new_findings();
    assert_eq!(found.table, ["src/gui.rs: module `gui` is covered by no row of ARCHITECTURE.md"]);
    assert_eq!(found.references, ["src/gui.rs:3: `gui` names `crate::host::Host` (allowed: [] – no row covers this module)"]);
    assert!(found.cycles.is_empty() && found.clocks.is_empty(), "{found:?}");

    copy.add_rows(&["| L6 | `gui` | a probe front end | `lab`, `observe`, `kernel` | `ratatui` |"]);
    let found = copy.new_findings();
    assert_eq!(found.all().collect::<Vec<_>>(), ["src/gui.rs:3: `gui` names `crate::host::Host` (allowed: [lab, observe, kernel])"]);
}

#[test]
fn a_lower_layer_naming_a_higher_one_is_reported_at_each_line() {
    let copy = Copy::new("kernel");
    copy.append("src/kernel/mod.rs", "mod probe;\n");
    copy.write(
        "src/kernel/probe.rs",
        "use crate::{\n    kernel::SimTime,\n    host::{\n        Host,\n    },\n};\n\npub fn f(_: SimTime, _: &Host) -> Option<crate::host::NicView> { None }\npub fn g() -> Option<super::super::fabric::PortId> { None }\n",
    );
    let found = copy.new_findings();
    assert_eq!(
        found.references,
        strings(&[
            "src/kernel/probe.rs:4: `kernel` names `crate::host::Host` (allowed: [])",
            "src/kernel/probe.rs:8: `kernel` names `crate::host::kernel::syscall::NicView` (through `crate::host::NicView`) (allowed: [])",
            "src/kernel/probe.rs:9: `kernel` names `crate::fabric::PortId` (allowed: [])",
        ])
    );
    // kernel now names fabric and host, which name kernel: one tangle at the top level.
    assert_eq!(found.cycles.len(), 1, "{found:?}");
    assert!(found.cycles[0].starts_with("src/: import cycle fabric → kernel → fabric [all of "), "{found:?}");
    assert!(found.cycles[0].contains("src/kernel/probe.rs:9 names `crate::fabric::PortId`"), "{found:?}");
    assert!(found.table.is_empty() && found.clocks.is_empty(), "{found:?}");
}

#[test]
fn external_crates_and_their_sub_paths_keep_to_their_rows() {
    let copy = Copy::new("external");
    copy.append("src/proto/mod.rs", "pub mod probe;\n");
    copy.write("src/proto/probe.rs", "use tokio::runtime::Runtime;\n\npub fn f(_: &Runtime) {}\n");
    let found = copy.new_findings();
    assert_eq!(found.all().collect::<Vec<_>>(), ["src/proto/probe.rs:1: `proto` names `tokio::runtime::Runtime` (allowed: [regex])"]);

    // With `smoltcp::wire` allowed, the rest of smoltcp is still not.
    copy.set_outside("proto", "`regex`, `smoltcp::wire`");
    copy.write(
        "src/proto/probe.rs",
        "use smoltcp::wire::Ipv4Packet;\nuse smoltcp::iface::Interface;\nuse smoltcp;\n\npub fn f(_: &Interface, _: &Ipv4Packet<&[u8]>) -> Option<smoltcp::socket::tcp::State> { None }\n",
    );
    let found = copy.new_findings();
    assert_eq!(
        found.all().collect::<Vec<_>>(),
        [
            "src/proto/probe.rs:2: `proto` names `smoltcp::iface::Interface` (allowed: [regex, smoltcp::wire])",
            "src/proto/probe.rs:3: `proto` names `smoltcp` (allowed: [regex, smoltcp::wire])",
            "src/proto/probe.rs:5: `proto` names `smoltcp::socket::tcp::State` (allowed: [regex, smoltcp::wire])",
        ]
    );
}

#[test]
fn a_re_export_does_not_launder_a_forbidden_path() {
    let copy = Copy::new("launder");
    // `lab` may name `host` and `fabric`, and `cli` may name `lab`, but not `host` or `fabric`.
    copy.append("src/lab/mod.rs", "pub mod probe;\npub use crate::host::NicConfig as ProbeNic;\n");
    copy.write("src/lab/probe.rs", "pub use crate::host::Host as Machine;\npub use crate::fabric::*;\n");
    copy.append("src/cli/mod.rs", "mod probe;\n");
    copy.write(
        "src/cli/probe.rs",
        "use crate::lab::probe::Machine;\n\npub fn f(_: &Machine) -> Option<crate::lab::probe::PortId> { None }\npub fn g(_: crate::lab::ProbeNic) {}\n",
    );
    let found = copy.new_findings();
    let allowed = "(allowed: [lab, scenario, observe, tui])";
    assert_eq!(
        found.all().cloned().collect::<Vec<_>>(),
        [
            format!("src/cli/probe.rs:1: `cli` names `crate::host::Host` (through `crate::lab::probe::Machine`) {allowed}"),
            format!("src/cli/probe.rs:3: `cli` names `crate::fabric::PortId` (through `crate::lab::probe::PortId`) {allowed}"),
            format!("src/cli/probe.rs:4: `cli` names `crate::host::NicConfig` (through `crate::lab::ProbeNic`) {allowed}"),
        ]
    );
}

#[test]
fn two_siblings_that_name_each_other_are_a_cycle() {
    let copy = Copy::new("cycle");
    copy.append("src/observe/mod.rs", "pub mod probe_a;\npub mod probe_b;\n");
    copy.write("src/observe/probe_a.rs", "pub struct A(pub Option<Box<super::probe_b::B>>);\n");
    copy.write("src/observe/probe_b.rs", "//! B.\n\npub struct B(pub Option<Box<crate::observe::probe_a::A>>);\n");
    let found = copy.new_findings();
    assert_eq!(
        found.all().collect::<Vec<_>>(),
        [
            "src/observe/: import cycle probe_a → probe_b → probe_a (src/observe/probe_a.rs:1 names `crate::observe::probe_b::B`; src/observe/probe_b.rs:3 names `crate::observe::probe_a::A`)"
        ]
    );
}

#[test]
fn a_nested_row_keeps_its_siblings_apart() {
    let copy = Copy::new("nested");
    copy.add_rows(&[
        "| L3 | `fabric::probe_a` | a nested probe row | `kernel`, `fabric` | – |",
        "| L3 | `fabric::probe_b` | another one | `kernel`, `fabric` | – |",
    ]);
    copy.append("src/fabric/mod.rs", "mod probe_a;\nmod probe_b;\n");
    // `fabric` allows `fabric::PortId` (the `fabric` row's own), not `fabric::probe_b` (a row of its own).
    copy.write("src/fabric/probe_a.rs", "use super::PortId;\nuse super::probe_b::X;\n\npub fn f(_: PortId, _: X) {}\n");
    copy.write("src/fabric/probe_b.rs", "pub struct X(pub crate::kernel::SimTime, pub crate::fabric::PortId);\n");
    let found = copy.new_findings();
    assert_eq!(
        found.all().collect::<Vec<_>>(),
        ["src/fabric/probe_a.rs:2: `fabric::probe_a` names `crate::fabric::probe_b::X` (allowed: [kernel, fabric])"]
    );
}

#[test]
fn stale_rows_and_entries_are_reported() {
    let copy = Copy::new("stale");
    let line = copy.add_rows(&["| L3 | `fabric::gone` | a module that was removed | `kernal` | – |"]);
    let found = copy.new_findings();
    assert_eq!(
        found.all().cloned().collect::<Vec<_>>(),
        [
            format!("ARCHITECTURE.md:{line}: row `fabric::gone` names no module of src/ (stale row?)"),
            format!("ARCHITECTURE.md:{line}: `kernal` in row `fabric::gone` names no module of src/"),
        ]
    );
}

#[test]
fn the_wall_clock_is_found_through_a_module_import() {
    let copy = Copy::new("clock");
    copy.append("src/observe/mod.rs", "pub mod probe;\n");
    copy.write(
        "src/observe/probe.rs",
        "use std::time::{self, Duration};\n\npub fn f(d: Duration) -> Option<time::SystemTime> { time::UNIX_EPOCH.checked_add(d) }\n",
    );
    let found = copy.new_findings();
    assert_eq!(
        found.all().collect::<Vec<_>>(),
        [
            "src/observe/probe.rs:3: `observe` reads the wall clock: `std::time::SystemTime`",
            "src/observe/probe.rs:3: `observe` reads the wall clock: `std::time::UNIX_EPOCH`",
        ]
    );
}

#[test]
fn the_wall_clock_is_allowed_in_the_two_cli_files_that_need_it_and_nowhere_else_in_the_cli() {
    let copy = Copy::new("clock-cli");
    // A clock read in `wall.rs` is allowed; the same in `run.rs`, its caller, or in the lab is not.
    copy.append("src/cli/wall.rs", "\npub(super) fn probe() -> std::time::Instant { std::time::Instant::now() }\n");
    let run_line = copy.read("src/cli/run.rs").lines().count() + 2;
    copy.append("src/cli/run.rs", "\npub(super) fn probe() -> std::time::SystemTime { std::time::SystemTime::now() }\n");
    let lab_line = copy.read("src/lab/mod.rs").lines().count() + 2;
    copy.append("src/lab/mod.rs", "\npub fn probe() -> std::time::Instant { std::time::Instant::now() }\n");
    let found = copy.new_findings();
    assert_eq!(
        found.all().cloned().collect::<Vec<_>>(),
        [
            format!("src/cli/run.rs:{run_line}: `cli` reads the wall clock: `std::time::SystemTime`"),
            format!("src/cli/run.rs:{run_line}: `cli` reads the wall clock: `std::time::SystemTime::now`"),
            format!("src/lab/mod.rs:{lab_line}: `lab` reads the wall clock: `std::time::Instant`"),
            format!("src/lab/mod.rs:{lab_line}: `lab` reads the wall clock: `std::time::Instant::now`"),
        ]
    );
}

#[test]
fn the_kernel_never_names_userland_and_processes_reach_it_only_through_the_system_calls() {
    let copy = Copy::new("host");
    copy.append("src/host/kernel/mod.rs", "mod probe;\n");
    copy.write("src/host/kernel/probe.rs", "use crate::host::userland::Userland;\n\npub fn f(_: &Userland) {}\n");
    copy.append("src/host/userland/mod.rs", "mod probe;\n");
    copy.write(
        "src/host/userland/probe.rs",
        "use smoltcp::iface::SocketHandle;\nuse crate::host::kernel::Kernel;\n\npub fn g(_: SocketHandle, _: &Kernel, _: &super::Userland) {}\n",
    );
    let found = copy.new_findings();
    let kernel = "(allowed: [kernel, wire, proto, observe])";
    let userland = "(allowed: [host::kernel::syscall, host::kernel::fs::Fs, host::kernel::fs::Inode, kernel, wire, proto, observe])";
    assert_eq!(
        found.references,
        [
            format!("src/host/kernel/probe.rs:1: `host::kernel` names `crate::host::userland::Userland` {kernel}"),
            "src/host/userland/probe.rs:1: `host::userland` names `smoltcp::iface::SocketHandle` (allowed: [])".to_owned(),
            format!("src/host/userland/probe.rs:2: `host::userland` names `crate::host::kernel::Kernel` {userland}"),
        ]
    );
    // The kernel naming userland, which names the kernel: a cycle inside `src/host/`.
    assert_eq!(found.cycles.len(), 1, "{found:?}");
    assert!(found.cycles[0].starts_with("src/host/: import cycle kernel → userland → kernel"), "{found:?}");
}
