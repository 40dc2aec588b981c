//! Server cost models (`Host(costs: …)`, issue 14): each `tests/fixtures/costs/*.ron` completes
//! and meets its expectations (Apache's requests queue for the CPU and for worker threads, and
//! AH00484 is logged once past `MaxRequestWorkers`).

use labsim::Outcome;

use crate::util;

#[test]
fn every_cost_fixture_completes_and_meets_its_expectations() {
    let dir = util::root().join("tests/fixtures/costs");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("the costs folder exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "the cost fixtures are there");
    for path in files {
        let result = util::run(&path, None);
        assert_eq!(result.outcome, Outcome::Completed, "{}", path.display());
        assert!(result.report.passed(), "{}\n{}", path.display(), result.report.to_text(result.trace.events()));
    }
}
