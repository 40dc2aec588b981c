//! The capacity report through the command line: `labsim run FILE --plots DIR` writes
//! `capacity.csv`, `throughput.svg` and `latency.svg`, whose counts add up to the run's
//! transfers (read from `--trace`) and whose percentiles are the exact nearest-rank ones of the
//! transfers' durations within the histogram's documented bound (at most 1/32 above); without
//! `--plots`, the report has no capacity section.

use std::collections::BTreeMap;
use std::path::Path;

use crate::{util, xml};

const FIXTURE: &str = "tests/fixtures/load/capacity.ron";

/// The CSV as its header and rows of cells by column name.
fn read_csv(path: &Path) -> (Vec<String>, Vec<BTreeMap<String, String>>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(str::to_owned).collect();
    let rows = lines.map(|l| header.iter().cloned().zip(l.split(',').map(str::to_owned)).collect()).collect();
    (header, rows)
}

fn sum(rows: &[BTreeMap<String, String>], column: &str) -> u64 {
    rows.iter().map(|r| r[column].parse::<u64>().unwrap()).sum()
}

/// Each transfer in the trace: (end µs, HTTP status, curl's exit, duration µs).
fn transfers(trace: &Path) -> Vec<(u64, Option<u64>, i64, u64)> {
    std::fs::read_to_string(trace)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|e| e["kind"] == "http_transfer")
        .map(|e| (e["at_us"].as_u64().unwrap(), e["status"].as_u64(), e["exit"].as_i64().unwrap(), e["total_us"].as_u64().unwrap()))
        .collect()
}

/// The nearest-rank percentile of `values`.
fn exact(values: &mut [u64], q: f64) -> u64 {
    values.sort_unstable();
    let rank = ((q / 100.0 * values.len() as f64).ceil() as usize).clamp(1, values.len());
    values[rank - 1]
}

/// `got` is `want` or at most 1/32 above it.
fn within_bound(got: u64, want: u64) -> bool {
    got >= want && (got - want) * 32 <= want
}

#[test]
fn plots_add_up_to_the_trace_and_percentiles_are_within_the_bound() {
    let dir = util::scratch("capacity-plots");
    let trace = dir.join("trace.jsonl");
    let run = util::run_labsim(&["run", FIXTURE, "--plots", util::arg(&dir), "--trace", util::arg(&trace)], &[]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let transfers = transfers(&trace);
    assert_eq!(transfers.len(), 105);

    let (header, rows) = read_csv(&dir.join("capacity.csv"));
    assert_eq!(header[..7], ["start_s", "requests", "errors", "p50_us", "p95_us", "p99_us", "max_us"]);
    assert_eq!(rows.len(), 10, "one row per second of the 10 s run");
    assert_eq!(sum(&rows, "requests"), transfers.len() as u64);
    assert_eq!(sum(&rows, "errors"), 15);
    assert_eq!((sum(&rows, "errors:HTTP 404"), sum(&rows, "errors:curl exit 7")), (10, 5));
    // Every request that got a response was served by one of the three backends.
    let served: u64 = ["web-1", "web-2", "web-3"].iter().map(|w| sum(&rows, &format!("served:{w}"))).sum();
    assert_eq!(served, 100);

    // Per interval, against the durations of the transfers that ended in it with a response.
    for row in &rows {
        let start = (row["start_s"].parse::<f64>().unwrap() * 1e6) as u64;
        let mut d: Vec<u64> = transfers.iter().filter(|t| t.0 / 1_000_000 == start / 1_000_000 && t.1.is_some()).map(|t| t.3).collect();
        if d.is_empty() {
            assert_eq!(row["p50_us"], "", "{row:?}");
            continue;
        }
        // Known by construction: four crossings of each network at 2 ms each, at least.
        assert!(d.iter().all(|&us| us >= 16_000), "{d:?}");
        for (q, column) in [(50.0, "p50_us"), (95.0, "p95_us"), (99.0, "p99_us"), (100.0, "max_us")] {
            let got: u64 = row[column].parse().unwrap();
            assert!(within_bound(got, exact(&mut d, q)), "{column} {got} vs {} in {row:?}", exact(&mut d, q));
        }
    }

    // The whole run, in the text report.
    let mut all: Vec<u64> = transfers.iter().filter(|t| t.1.is_some()).map(|t| t.3).collect();
    let ms = |us: u64| format!("{}.{:03} ms", us / 1000, us % 1000);
    let line = run.stdout.lines().find(|l| l.starts_with("latency: ")).expect("a latency line");
    assert_eq!(
        line,
        format!(
            "latency: p50 {}, p95 {}, p99 {}, max {} (100 responses)",
            ms(exact(&mut all, 50.0)),
            ms(exact(&mut all, 95.0)),
            ms(exact(&mut all, 99.0)),
            ms(exact(&mut all, 100.0))
        ),
        "this run's durations repeat to the µs, so each bucket holds one value and the answer is exact"
    );
    assert!(run.stdout.contains("\n== capacity ==\nrequests: 105, errors: 15 (intervals of 1 s)\n"), "{}", run.stdout);
    assert!(run.stdout.contains("errors by kind: HTTP 404 × 10, curl exit 7 × 5\n"), "{}", run.stdout);

    for name in ["throughput.svg", "latency.svg"] {
        let svg = std::fs::read_to_string(dir.join(name)).unwrap();
        let root = xml::parse(&svg).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(root.name, "svg");
        let lines = root.descendants().into_iter().filter(|e| e.name == "polyline").count();
        assert!(lines >= 4, "{name}: {lines} polylines");
    }
}

#[test]
fn the_interval_is_configurable_and_the_files_are_deterministic() {
    let (a, b) = (util::scratch("capacity-interval-a"), util::scratch("capacity-interval-b"));
    for dir in [&a, &b] {
        let run = util::run_labsim(&["run", FIXTURE, "--plots", util::arg(dir), "--plot-interval", "250ms"], &[]);
        assert_eq!(run.code, Some(0), "{}", run.stderr);
    }
    assert_eq!(util::files_in(&a), util::files_in(&b));
    let (_, rows) = read_csv(&a.join("capacity.csv"));
    assert_eq!(rows.len(), 40);
    assert_eq!(rows[1]["start_s"], "0.250000");
    assert_eq!(sum(&rows, "requests"), 105);
}

#[test]
fn without_plots_there_is_no_capacity_section_and_a_bad_interval_is_refused() {
    let run = util::run_labsim(&["run", FIXTURE], &[]);
    assert_eq!(run.code, Some(0));
    assert!(!run.stdout.contains("== capacity =="));
    let bad = util::run_labsim(&["run", FIXTURE, "--plots", "/nonexistent-never", "--plot-interval", "10us"], &[]);
    assert_eq!(bad.code, Some(2), "{}", bad.stderr);
    assert!(bad.stderr.contains("at least 1ms"), "{}", bad.stderr);
    let alone = util::run_labsim(&["run", FIXTURE, "--plot-interval", "2s"], &[]);
    assert_eq!(alone.code, Some(2), "--plot-interval needs --plots: {}", alone.stderr);
}

/// The mean of a CSV column over the rows whose interval starts in `from..to` (seconds).
fn mean(rows: &[BTreeMap<String, String>], column: &str, from: f64, to: f64) -> f64 {
    let picked: Vec<f64> = rows
        .iter()
        .filter(|r| (from..to).contains(&r["start_s"].parse::<f64>().unwrap()))
        .map(|r| r[column].parse::<f64>().unwrap())
        .collect();
    picked.iter().sum::<f64>() / picked.len() as f64
}

/// The two capacity lessons write their report and all four plots; every request succeeds; the
/// utilisation columns cover the servers with a cost model; in scale-out web-4 serves once it
/// joins, and web-1 is less busy with four servers than with three.
#[test]
fn the_capacity_lessons_write_their_report_and_plots() {
    for (lesson, servers) in [("scenarios/dau-100k.ron", 3), ("scenarios/scale-out.ron", 4)] {
        let dir = util::scratch("capacity-lesson");
        let run = util::run_labsim(&["run", lesson, "--quiet", "--plots", util::arg(&dir)], &[]);
        assert_eq!(run.code, Some(0), "{lesson}: {}{}", run.stdout, run.stderr);
        assert!(run.stdout.contains("== capacity =="), "{lesson}: {}", run.stdout);
        for name in ["throughput.svg", "latency.svg", "utilisation.svg"] {
            let svg = std::fs::read_to_string(dir.join(name)).unwrap();
            assert_eq!(xml::parse(&svg).unwrap_or_else(|e| panic!("{lesson} {name}: {e}")).name, "svg");
        }
        let (header, rows) = read_csv(&dir.join("capacity.csv"));
        assert!(sum(&rows, "requests") > 1000, "{lesson}");
        assert_eq!(sum(&rows, "errors"), 0, "{lesson}");
        for web in 1..=servers {
            assert!(header.contains(&format!("served:web-{web}")), "{lesson}: {header:?}");
            assert!(header.contains(&format!("cpu_pct:web-{web}")), "{lesson}: {header:?}");
            assert!(run.stdout.contains(&format!("web-{web}: CPU ")), "{lesson}: {}", run.stdout);
        }
        if servers == 4 {
            let (before, after) = (mean(&rows, "cpu_pct:web-1", 6.0, 12.0), mean(&rows, "cpu_pct:web-1", 17.0, 30.0));
            assert!(after < before, "web-1 {before:.1} % busy before web-4, {after:.1} % after");
            assert!(mean(&rows, "served:web-4", 17.0, 30.0) > 0.0);
        }
    }
}
