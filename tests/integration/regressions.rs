//! Regressions: each `tests/fixtures/regressions/*.ron` reproduces a bug found in review (its
//! header comment says which) and must now complete within its event budget and meet its
//! expectations.

use labsim::Outcome;
use labsim::TraceKind;

use crate::util;

fn fixtures() -> Vec<std::path::PathBuf> {
    let dir = util::root().join("tests/fixtures/regressions");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("the regressions folder exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .collect();
    files.sort();
    files
}

fn output_lines(result: &labsim::RunResult, host: &str) -> Vec<String> {
    result
        .trace
        .events()
        .iter()
        .filter_map(|e| match &e.kind {
            TraceKind::Output { host: h, line, .. } if h == host => Some(line.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn every_regression_fixture_completes_and_meets_its_expectations() {
    let files = fixtures();
    assert!(files.len() >= 8, "the regression fixtures are there");
    for path in files {
        let result = util::run(&path, None);
        assert_eq!(result.outcome, Outcome::Completed, "{}", path.display());
        assert!(result.report.passed(), "{}\n{}", path.display(), result.report.to_text(result.trace.events()));
    }
}

#[test]
fn a_loop_dies_with_its_host() {
    let result = util::run(&util::root().join("tests/fixtures/regressions/jobs-poweroff.ron"), None);
    let lines = output_lines(&result, "web-1");
    assert!(lines.iter().any(|l| l == "tick 1"));
    assert!(!lines.iter().any(|l| l.starts_with("tick ") && l != "tick 1"), "{lines:?}");
}

#[test]
fn sleep_infinity_never_returns() {
    let result = util::run(&util::root().join("tests/fixtures/regressions/sleep-infinity.ron"), None);
    assert!(!output_lines(&result, "web-1").iter().any(|l| l == "never"));
}
