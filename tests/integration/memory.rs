//! A long run's memory (issue 14) through `labsim bench --memory FILE`: the peak resident-set
//! growth of one run in a fresh process, keeping what `labsim run --quiet` keeps. A client
//! requests the VIP every 50 ms, 1 500 and then 3 000 times: both runs outlast TIME-WAIT's 60 s,
//! so the kernels' tables hold as many entries. What each request still leaves is its
//! access-log lines in nginx's and httpd's files (until logrotate's cap), which the runs measure
//! with `wc -c`; a growing file's buffer holds up to three times its bytes while it doubles. So
//! the second run's peak may be above the first's by at most three times the log bytes of the
//! extra requests plus 400 bytes each. Its trace events are digested (and written to `--trace`
//! as they happen) but not kept, as nothing the report shows reads them; a `Log` expectation
//! keeps only the lines it counts. Before, each request kept about 1.8 KiB: every trace event
//! and a running summary.
//!
//! The child process runs with mimalloc's transparent huge pages off (`MIMALLOC_ALLOW_THP=0`):
//! with them, the resident set moves in 2 MiB steps, ±1.4 KiB per extra request here, which is
//! coarser than what is measured. It also runs without address-space randomisation
//! (`setarch -R`, from util-linux, which every Debian system has): with it, where the heap and mimalloc's segments land moves the peak of one
//! binary by up to ±200 KiB from one run to the next (850 to 995 B per request here, against a
//! limit of about 940), as much noise as the growth measured; without it, every run of a binary
//! gives the same peak.

use std::path::Path;

use crate::util::{arg, labsim, output, scratch};

/// A scenario on the lab where `client-1` requests the VIP `requests` times, 50 ms apart.
fn scenario(dir: &Path, requests: u32) -> std::path::PathBuf {
    let lab = crate::util::root().join("scenarios/lab/lab.ron");
    let end = 5 + requests / 20 + 5;
    let last = end - 1;
    let text = format!(
        r#"Scenario(
    name: "long-{requests}",
    extends: "{}",
    seed: 1,
    duration: "{end}s",
    timeline: [
        At("5s", "client-1", "for i in $(seq 1 {requests}); do curl -s -o /dev/null http://172.2.20.100/; sleep 0.05; done"),
        At("{last}s", "lb-1", "wc -c /var/log/nginx/access.log"),
        At("{last}s", "web-1", "wc -c /var/log/httpd/access_log"),
        At("{last}s", "web-2", "wc -c /var/log/httpd/access_log"),
        At("{last}s", "web-3", "wc -c /var/log/httpd/access_log"),
    ],
    expect: [
        Log(host: "lb-1", contains: "Entering MASTER STATE", exactly: 1),
    ],
)
"#,
        lab.display()
    );
    let path = dir.join(format!("long-{requests}.ron"));
    std::fs::write(&path, text).expect("write the scenario");
    path
}

/// The peak resident-set growth of a run of `requests`, in bytes.
fn peak_of(dir: &Path, requests: u32) -> u64 {
    let file = scenario(dir, requests);
    let mut child = assert_cmd::Command::new("setarch");
    child.current_dir(crate::util::root()).env("MIMALLOC_ALLOW_THP", "0").arg("-R");
    let run = output(child.arg(assert_cmd::cargo::cargo_bin("labsim")).args(["bench", "--memory", arg(&file)]));
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let kib: u64 = run.stdout.trim().parse().unwrap_or_else(|_| panic!("KiB, not {:?}", run.stdout));
    kib * 1024
}

/// The bytes of the access logs that `wc -c` printed in the trace at `trace`.
fn log_bytes(trace: &str) -> u64 {
    trace
        .lines()
        .filter(|l| l.contains(r#""kind":"output""#) && l.contains("access"))
        .filter_map(|l| l.split(r#""line":""#).nth(1)?.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

#[test]
fn a_long_runs_memory_does_not_grow_with_its_requests() {
    let dir = scratch("memory");
    // Both runs pass their expectation and trace every request.
    let mut logs = Vec::new();
    for requests in [1_500, 3_000] {
        let file = scenario(&dir, requests);
        let trace = dir.join(format!("trace-{requests}.jsonl"));
        let run = output(labsim().args(["run", arg(&file), "--quiet", "--trace", arg(&trace)]));
        assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
        let text = std::fs::read_to_string(&trace).expect("the trace");
        assert_eq!(text.lines().filter(|l| l.contains(r#""kind":"http_transfer""#)).count(), requests as usize);
        logs.push(log_bytes(&text));
    }
    // Each request writes a line to nginx's log and one to an httpd's: nearly 200 bytes.
    let log_per_request = logs[1].saturating_sub(logs[0]) / 1_500;
    assert!((150..250).contains(&log_per_request), "access logs: {logs:?} bytes");
    let (short, long) = (peak_of(&dir, 1_500), peak_of(&dir, 3_000));
    let per_request = long.saturating_sub(short) / 1_500;
    let limit = 400 + 3 * log_per_request;
    assert!(
        per_request < limit,
        "peak growth {short} B for 1 500 requests, {long} B for 3 000: {per_request} B per request (limit {limit}: 400 B and three times the {log_per_request} B of log lines)"
    );
}
