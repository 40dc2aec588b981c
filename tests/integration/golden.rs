//! Golden digests: every shipped scenario, the benchmark load and every regression, failing and
//! warnings fixture give exactly the text report, JSON report, trace digest and pcap bytes recorded in
//! `tests/fixtures/golden.txt`. A refactoring must leave them all unchanged; a change that alters
//! behaviour on purpose re-records the file with `LABSIM_BLESS=1 cargo test --test integration
//! golden` and says in its commit which figures moved and why.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::util;

const GOLDEN: &str = "tests/fixtures/golden.txt";
/// The other seed every file is recorded with.
const SECOND_SEED: u64 = 7;

/// FNV-1a 64, written out here so the test does not trust the library's own hashing.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

/// The files whose runs are recorded, relative to the repository root, sorted.
fn recorded_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in [
        "scenarios",
        "scenarios/bench",
        "tests/fixtures/regressions",
        "tests/fixtures/failing",
        "tests/fixtures/warnings",
        "tests/fixtures/firewalld",
        "tests/fixtures/tcp",
        "tests/fixtures/keepalived",
        "tests/fixtures/load",
        "tests/fixtures/costs",
    ] {
        let entries = std::fs::read_dir(util::root().join(dir)).unwrap_or_else(|e| panic!("{dir}: {e}"));
        for entry in entries {
            let path = entry.expect("readable entry").path();
            if path.extension().is_some_and(|x| x == "ron") {
                files.push(PathBuf::from(util::relative(&path)));
            }
        }
    }
    files.sort();
    files
}

/// One line per run: the file and seed, the trace digest, and hashes of both reports and of each
/// pcap. The run uses the path relative to the repository root, as a user types it, so the
/// reports do not depend on where the clone lives.
fn record(relative: &Path, seed: Option<u64>) -> String {
    // Integration tests run in the package root, so the relative path loads, and the reports
    // (expectation locations, the reproduce line) name it as a user would have typed it.
    let scenario = labsim::load_scenario(relative).unwrap_or_else(|e| panic!("{} does not load:\n{e}", relative.display()));
    let seed = seed.unwrap_or(scenario.seed);
    let result = labsim::Lab::new(&scenario, seed, true).run();
    let mut line = format!(
        "{} seed={seed} trace={} text={:016x} json={:016x}",
        relative.display(),
        result.trace.digest(),
        fnv(result.report.to_text(result.trace.events()).as_bytes()),
        fnv(result.report.to_json(result.trace.events()).as_bytes()),
    );
    for (network, bytes) in &result.pcaps {
        let _ = write!(line, " {network}.pcap={:016x}", fnv(bytes));
    }
    line
}

/// `FILE seed=N`: what identifies a line.
fn key(line: &str) -> String {
    line.split(' ').take(2).collect::<Vec<_>>().join(" ")
}

#[test]
fn every_recorded_run_matches_its_golden_digests() {
    // Each file with its own seed, and once more with another seed so that paths the file's seed
    // does not take are covered too.
    let actual: Vec<String> = recorded_files().iter().flat_map(|p| [record(p, None), record(p, Some(SECOND_SEED))]).collect();
    let path = util::root().join(GOLDEN);
    if std::env::var_os("LABSIM_BLESS").is_some() {
        let text = format!("{}\n", actual.join("\n"));
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let expected: Vec<&str> = expected.lines().collect();
    let mut problems = Vec::new();
    for line in &actual {
        let name = key(line);
        match expected.iter().find(|e| key(e) == name) {
            Some(e) if e == line => {}
            Some(e) => problems.push(format!("{name}:\n  expected {e}\n  actual   {line}")),
            None => problems.push(format!("{name}: not recorded in {GOLDEN} (bless to add it)")),
        }
    }
    for e in &expected {
        let name = key(e);
        if !actual.iter().any(|a| key(a) == name) {
            problems.push(format!("{name}: recorded in {GOLDEN} but no longer exists"));
        }
    }
    assert!(problems.is_empty(), "runs differ from their golden digests:\n{}", problems.join("\n"));
}
