//! The layering of `ARCHITECTURE.md`, checked against every file of `src/`.
//!
//! The layer table lives in `ARCHITECTURE.md` (one place for each fact); this module reads it
//! ([`table`]), reads each source file without a parser ([`scan`]), resolves every path a file
//! writes, through imports and re-exports, and checks it against the file's row ([`check`]).
//! [`probes`] tests the test: it plants one violation at a time in a copy of the tree and
//! checks that exactly that violation is reported, with its file and line.

mod check;
mod probes;
mod scan;
mod table;

use std::sync::OnceLock;

use crate::util;

/// What the checker finds on the real tree, computed once per test binary.
fn real_tree() -> &'static check::Findings {
    static FINDINGS: OnceLock<check::Findings> = OnceLock::new();
    FINDINGS.get_or_init(|| check::check(&util::root()))
}

#[test]
fn the_table_covers_exactly_the_modules_of_src() {
    let found = &real_tree().table;
    assert!(found.is_empty(), "the layer table of ARCHITECTURE.md does not match src/:\n{}", found.join("\n"));
}

#[test]
fn every_module_names_only_what_its_row_allows() {
    let found = &real_tree().references;
    assert!(found.is_empty(), "names the layer table of ARCHITECTURE.md does not allow:\n{}", found.join("\n"));
}

#[test]
fn no_module_directory_has_an_import_cycle() {
    let found = &real_tree().cycles;
    assert!(found.is_empty(), "import cycles between sibling modules:\n{}", found.join("\n"));
}

#[test]
fn only_the_benchmark_and_the_runs_wall_clock_side_read_the_wall_clock() {
    let found = &real_tree().clocks;
    assert!(found.is_empty(), "wall-clock reads outside {:?}:\n{}", check::WALL_CLOCK_READERS, found.join("\n"));
}
