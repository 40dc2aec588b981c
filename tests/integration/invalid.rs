//! Invalid input through the command line: each `tests/fixtures/invalid/**/*.ron` fixture gives
//! exit code 2 and its message at `FILE:LINE:COL`; missing files and bad usage give exit code 2.

use std::path::{Path, PathBuf};

use crate::util;

/// Exit code for an invalid scenario or command line (`src/cli/exit.rs`).
const INVALID: i32 = 2;

fn fixtures(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display())) {
        let path = entry.expect("readable entry").path();
        if path.is_dir() {
            fixtures(&path, out);
        } else if path.extension().is_some_and(|x| x == "ron") {
            out.push(path);
        }
    }
}

/// `(fixture as typed from the repository root, expected message)` for every fixture whose first
/// line is `// expect: MESSAGE`.
fn expecting_fixtures() -> Vec<(String, String)> {
    let mut paths = Vec::new();
    fixtures(&util::root().join("tests/fixtures/invalid"), &mut paths);
    paths.sort();
    let list: Vec<(String, String)> = paths
        .iter()
        .filter_map(|p| {
            let text = std::fs::read_to_string(p).expect("readable fixture");
            let expected = text.lines().next()?.strip_prefix("// expect: ")?.to_owned();
            Some((util::relative(p), expected))
        })
        .collect();
    assert!(list.len() >= 40, "only {} invalid fixtures with `// expect:` found", list.len());
    list
}

/// Whether `line` is `FILE:LINE:COL: …MESSAGE…`.
fn positioned(line: &str, file: &str, message: &str) -> bool {
    let Some(rest) = line.strip_prefix(file).and_then(|r| r.strip_prefix(':')) else { return false };
    let mut parts = rest.splitn(3, ':');
    let numeric = |s: Option<&str>| s.is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()));
    numeric(parts.next()) && numeric(parts.next()) && parts.next().is_some_and(|tail| tail.starts_with(' ') && tail.contains(message))
}

#[test]
fn positioned_recognises_file_line_col() {
    assert!(positioned("a.ron:3:14: x: bad thing", "a.ron", "bad thing"));
    assert!(!positioned("a.ron: x: bad thing", "a.ron", "bad thing"));
    assert!(!positioned("a.ron:3:: bad thing", "a.ron", "bad thing"));
    assert!(!positioned("b.ron:3:14: bad thing", "a.ron", "bad thing"));
    assert!(!positioned("a.ron:3:14: good thing", "a.ron", "bad thing"));
}

#[test]
fn check_and_run_reject_every_invalid_fixture_with_its_position_and_message() {
    let mut failures = Vec::new();
    for (file, expected) in expecting_fixtures() {
        let out = util::labsim().args(["check", &file]).output().expect("labsim runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        if out.status.code() != Some(INVALID) {
            failures.push(format!("labsim check {file}: exit {:?}, expected {INVALID}", out.status.code()));
        }
        if !stderr.lines().any(|line| positioned(line, &file, &expected)) {
            failures.push(format!("labsim check {file}: stderr lacks `{file}:LINE:COL: …{expected}`; it was:\n{stderr}"));
        }
        if !out.stdout.is_empty() {
            failures.push(format!("labsim check {file}: printed on stdout: {}", String::from_utf8_lossy(&out.stdout)));
        }
        let run = util::labsim().args(["run", &file]).output().expect("labsim runs");
        if run.status.code() != Some(INVALID) {
            failures.push(format!("labsim run {file}: exit {:?}, expected {INVALID}", run.status.code()));
        }
        if String::from_utf8_lossy(&run.stderr) != stderr {
            failures.push(format!("labsim run {file}: stderr differs from `labsim check`:\n{}", String::from_utf8_lossy(&run.stderr)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn problems_in_an_extended_topology_name_the_topology_file() {
    let file = "tests/fixtures/invalid/base/uses_bad_base.ron";
    let out = util::labsim().args(["check", file]).output().expect("labsim runs");
    assert_eq!(out.status.code(), Some(INVALID));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.lines().any(|l| l.contains("bad_lab.ron:8:37: ") && l.contains("is outside network")), "{stderr}");
}

#[test]
fn check_reports_every_bad_file_and_still_checks_the_good_ones() {
    let out = util::labsim()
        .args(["check", "tests/fixtures/invalid/bad_cidr.ron", "scenarios/failover.ron", "tests/fixtures/invalid/bad_mac.ron"])
        .output()
        .expect("labsim runs");
    assert_eq!(out.status.code(), Some(INVALID));
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("scenarios/failover.ron: ok"), "{stdout}");
    assert!(stderr.contains("bad_cidr.ron:") && stderr.contains("bad_mac.ron:"), "{stderr}");
}

#[test]
fn a_missing_scenario_file_is_exit_2_with_a_clear_message() {
    for sub in ["check", "run"] {
        let out = util::labsim().args([sub, "scenarios/no-such-scenario.ron"]).output().expect("labsim runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(INVALID), "labsim {sub}: {stderr}");
        assert!(stderr.contains("scenarios/no-such-scenario.ron") && stderr.contains("cannot read"), "labsim {sub}: {stderr}");
        assert!(stderr.to_lowercase().contains("no such file"), "labsim {sub} should say why: {stderr}");
    }
}

#[test]
fn bad_usage_is_exit_2() {
    let cases: [&[&str]; 8] = [
        &[],
        &["frobnicate"],
        &["run"],
        &["check"],
        &["run", "scenarios/failover.ron", "--no-such-flag"],
        &["run", "scenarios/failover.ron", "--seed"],
        &["run", "scenarios/failover.ron", "--seed", "seven"],
        &["bench", "--runs", "-1"],
    ];
    for args in cases {
        let out = util::labsim().args(args).output().expect("labsim runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(INVALID), "labsim {args:?}: {stderr}");
        assert!(!stderr.trim().is_empty(), "labsim {args:?}: says nothing on stderr");
        assert!(out.stdout.is_empty(), "labsim {args:?}: a usage error must not print a report");
    }
}
