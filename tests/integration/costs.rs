//! Server cost models (`Host(costs: …)`, issue 14): each `tests/fixtures/costs/*.ron` completes
//! and meets its expectations (Apache's requests queue for the CPU and for worker threads, and
//! AH00484 is logged once past `MaxRequestWorkers`; nginx's `worker_connections` alerts exactly
//! past the limit), and the capacity report's utilisation is what the arithmetic predicts.

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

/// The CSV as rows of cells by column name, with its header.
fn read_csv(path: &std::path::Path) -> (Vec<String>, Vec<std::collections::BTreeMap<String, String>>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(str::to_owned).collect();
    let rows = lines.map(|l| header.iter().cloned().zip(l.split(',').map(str::to_owned)).collect()).collect();
    (header, rows)
}

fn cell(row: &std::collections::BTreeMap<String, String>, column: &str) -> f64 {
    row[column].parse().unwrap_or_else(|_| panic!("{column} in {row:?}"))
}

/// `utilisation.ron`: 400 requests of 10 ms of CPU on a two-CPU web server are 4 s of CPU, so
/// the run's 10 intervals of 1 s add up to 4 s / (2 CPUs × 1 s) = 200 % of an interval, the
/// run reads 20.0 %, and each interval about what the requests served in it cost (a request's
/// CPU may straddle a boundary: four at a time, 2 % at most). Workers are at most the 4 of 150
/// ab keeps busy. The host without a cost model has no utilisation.
#[test]
fn utilisation_is_what_the_arithmetic_predicts() {
    let dir = util::scratch("costs-utilisation");
    let run = util::run_labsim(&["run", "tests/fixtures/costs/utilisation.ron", "--plots", util::arg(&dir)], &[]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("\nweb-1: CPU 20.0 % mean, peak 98.0 % per interval; httpd workers "), "{}", run.stdout);
    let (header, rows) = read_csv(&dir.join("capacity.csv"));
    let loads: Vec<&str> = header.iter().filter(|h| h.contains("_pct:")).map(String::as_str).collect();
    assert_eq!(loads, ["cpu_pct:web-1", "workers_pct:web-1:httpd"]);
    assert_eq!(rows.len(), 10);
    let total: f64 = rows.iter().map(|r| cell(r, "cpu_pct:web-1")).sum();
    assert!((total - 200.0).abs() <= 0.05, "{total}");
    for row in &rows {
        let cpu = cell(row, "cpu_pct:web-1");
        let cost = cell(row, "served:web-1") * 10e-3 / 2.0 * 100.0;
        assert!((cpu - cost).abs() <= 2.0, "{row:?}");
        let workers = cell(row, "workers_pct:web-1:httpd");
        assert!((0.0..=4.0 / 150.0 * 100.0).contains(&workers), "{row:?}");
    }
    assert!(cell(&rows[2], "workers_pct:web-1:httpd") > 2.0, "{:?}", rows[2]);
    let svg = std::fs::read_to_string(dir.join("utilisation.svg")).unwrap();
    let root = crate::xml::parse(&svg).unwrap_or_else(|e| panic!("utilisation.svg: {e}"));
    let texts: Vec<String> = root.descendants().into_iter().filter(|e| e.name == "text").map(|e| e.text.clone()).collect();
    assert!(texts.iter().any(|t| t == "web-1 CPU") && texts.iter().any(|t| t == "web-1 httpd workers"), "{texts:?}");
}
