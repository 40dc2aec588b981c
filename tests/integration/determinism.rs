//! Determinism: the same scenario and seed give an identical report, trace digest and pcap bytes,
//! through the library and through `labsim run`; and every shipped scenario holds for every seed
//! of a sweep (`LABSIM_SEEDS`, default `0..20`), each seed run twice giving the same run.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use labsim::{Outcome, RunResult};

use crate::util;

/// Everything that must be identical between two runs with one seed, as text for a readable diff.
fn differences(path: &Path, a: &RunResult, b: &RunResult) -> Vec<String> {
    let name = path.display();
    let mut out = Vec::new();
    if a.trace.digest() != b.trace.digest() {
        out.push(format!("{name}: trace digests differ: {} vs {}", a.trace.digest(), b.trace.digest()));
    }
    if a.trace.events() != b.trace.events() {
        let at = a.trace.events().iter().zip(b.trace.events()).position(|(x, y)| x != y);
        out.push(format!(
            "{name}: traces differ (first difference at event {at:?} of {}/{})",
            a.trace.events().len(),
            b.trace.events().len()
        ));
    }
    if a.events != b.events || a.outcome != b.outcome {
        out.push(format!("{name}: {} events ({:?}) vs {} events ({:?})", a.events, a.outcome, b.events, b.outcome));
    }
    let (ta, tb) = (a.report.to_text(a.trace.events()), b.report.to_text(b.trace.events()));
    if ta != tb {
        let line = ta.lines().zip(tb.lines()).find(|(x, y)| x != y);
        out.push(format!("{name}: text reports differ, first at {line:?}"));
    }
    if a.report.to_json(a.trace.events()) != b.report.to_json(b.trace.events()) {
        out.push(format!("{name}: JSON reports differ"));
    }
    let nets = |r: &RunResult| r.pcaps.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    if nets(a) != nets(b) {
        out.push(format!("{name}: captured networks differ: {:?} vs {:?}", nets(a), nets(b)));
    }
    for ((net, x), (_, y)) in a.pcaps.iter().zip(&b.pcaps) {
        if x != y {
            let at = x.iter().zip(y).position(|(p, q)| p != q);
            out.push(format!("{name}: {net}.pcap differs ({} vs {} bytes, first at byte {at:?})", x.len(), y.len()));
        }
    }
    out
}

#[test]
fn same_seed_twice_gives_identical_report_trace_and_pcaps() {
    let mut failures = Vec::new();
    for (path, first) in util::shipped_runs() {
        assert!(!first.pcaps.is_empty() && !first.trace.events().is_empty(), "{}: nothing to compare", path.display());
        let second = util::run(path, None);
        failures.extend(differences(path, first, &second));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `LABSIM_SEEDS`: `A..B`, `A..=B`, `N` (seeds 0..N) or a comma list; default `0..20`.
fn seeds() -> Vec<u64> {
    let text = std::env::var("LABSIM_SEEDS").unwrap_or_else(|_| "0..20".to_owned());
    parse_seeds(&text).unwrap_or_else(|| panic!("LABSIM_SEEDS={text:?}: expected A..B, A..=B, N or a,b,c"))
}

fn parse_seeds(text: &str) -> Option<Vec<u64>> {
    let text = text.trim();
    if let Some((a, b)) = text.split_once("..=") {
        return Some((a.trim().parse::<u64>().ok()?..=b.trim().parse::<u64>().ok()?).collect());
    }
    if let Some((a, b)) = text.split_once("..") {
        let range: Range<u64> = a.trim().parse().ok()?..b.trim().parse().ok()?;
        return Some(range.collect());
    }
    if text.contains(',') {
        return text.split(',').map(|s| s.trim().parse().ok()).collect();
    }
    Some((0..text.parse().ok()?).collect())
}

#[test]
fn seeds_parse() {
    assert_eq!(parse_seeds("0..3"), Some(vec![0, 1, 2]));
    assert_eq!(parse_seeds("5..=6"), Some(vec![5, 6]));
    assert_eq!(parse_seeds("2"), Some(vec![0, 1]));
    assert_eq!(parse_seeds("7, 9"), Some(vec![7, 9]));
    assert_eq!(parse_seeds("x..3"), None);
}

/// What is wrong with one seed of one scenario: a run that does not complete or misses an
/// expectation, or a second run that differs from the first.
fn sweep_one(path: &Path, seed: u64) -> Vec<String> {
    let (a, b) = (util::run(path, Some(seed)), util::run(path, Some(seed)));
    let mut out = Vec::new();
    if a.report.run.seed != seed {
        out.push(format!("{}: the report names seed {}, not {seed}", path.display(), a.report.run.seed));
    }
    if a.outcome != Outcome::Completed || !a.report.passed() {
        let failed: Vec<String> = a.report.to_text(a.trace.events()).lines().filter(|l| l.starts_with("FAIL")).map(str::to_owned).collect();
        out.push(format!("{} --seed {seed}: {:?}, {}", util::relative(path), a.outcome, failed.join("; ")));
    }
    out.extend(differences(path, &a, &b).into_iter().map(|d| format!("seed={seed}: {d}")));
    out
}

/// A shipped lesson holds whatever the seed: every scenario, with every seed of `LABSIM_SEEDS`,
/// completes and meets all its expectations, and the same seed run twice gives the same run.
/// The runs share the machine's cores (each `Lab` is independent).
#[test]
fn seed_sweep_passes_and_is_deterministic() {
    let seeds = seeds();
    eprintln!("seed sweep over {seeds:?} (set LABSIM_SEEDS=A..B for others)");
    let jobs: Vec<(PathBuf, u64)> =
        util::shipped_scenarios().into_iter().flat_map(|p| seeds.iter().map(move |&s| (p.clone(), s))).collect();
    let next = AtomicUsize::new(0);
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut failures: Vec<String> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut found = Vec::new();
                    while let Some((path, seed)) = jobs.get(next.fetch_add(1, Ordering::Relaxed)) {
                        found.extend(sweep_one(path, *seed));
                    }
                    found
                })
            })
            .collect();
        workers.into_iter().flat_map(|w| w.join().expect("a sweep thread panicked")).collect()
    });
    failures.sort();
    assert!(failures.is_empty(), "{} problem(s):\n{}", failures.len(), failures.join("\n"));
}

/// Through the binary: two `labsim run X --pcap D --trace T` runs write identical stdout, trace
/// and pcap files, and the pcap files are the ones the library produces.
#[test]
fn cli_runs_are_byte_identical() {
    let mut failures = Vec::new();
    for (path, library) in util::shipped_runs() {
        let rel = util::relative(path);
        let stem = path.file_stem().expect("a file name").to_string_lossy().into_owned();
        let mut outputs = Vec::new();
        for i in 0..2 {
            let dir = util::scratch(&format!("determinism-cli-{stem}-{i}"));
            let pcaps = dir.join("pcap");
            let trace = dir.join("trace.jsonl");
            let out = util::labsim().args(["run", &rel, "--pcap"]).arg(&pcaps).arg("--trace").arg(&trace).output().expect("labsim runs");
            assert_eq!(out.status.code(), Some(0), "{rel}: {}", String::from_utf8_lossy(&out.stderr));
            let trace = std::fs::read(&trace).expect("trace written");
            outputs.push((out.stdout, trace, util::files_in(&pcaps)));
        }
        let (a, b) = (&outputs[0], &outputs[1]);
        if a.0 != b.0 {
            failures.push(format!("{rel}: stdout differs between two runs"));
        }
        if a.1 != b.1 {
            failures.push(format!("{rel}: trace files differ between two runs"));
        }
        if a.2 != b.2 {
            failures.push(format!("{rel}: pcap files differ between two runs"));
        }
        let expected: Vec<(String, Vec<u8>)> = library.pcaps.iter().map(|(n, bytes)| (format!("{n}.pcap"), bytes.clone())).collect();
        if a.2 != expected {
            let names: Vec<&String> = a.2.iter().map(|f| &f.0).collect();
            failures.push(format!("{rel}: `labsim run --pcap` files {names:?} differ from the library run's captures"));
        }
        let stdout = String::from_utf8_lossy(&a.0);
        if !stdout.contains(&format!("trace digest {}", library.trace.digest())) {
            failures.push(format!("{rel}: stdout does not show the library run's digest {}", library.trace.digest()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The comparison above can fail, and the seed reaches the simulation: another seed changes the
/// trace (the neighbour table's REACHABLE time is drawn from the seeded RNG).
#[test]
fn another_seed_gives_another_run() {
    let (path, first) = util::shipped_runs().iter().find(|(p, _)| p.ends_with("scenarios/failover.ron")).expect("failover is shipped");
    let other = util::run(path, Some(first.report.run.seed + 1));
    let found = differences(path, first, &other);
    assert!(
        found.iter().any(|d| d.contains("trace digests differ")),
        "seed {} and {} gave the same run: {found:?}",
        first.report.run.seed,
        first.report.run.seed + 1
    );
}
