//! A long run's memory (issue 14) through `labsim bench --memory FILE`: the peak resident-set
//! growth of one run in a fresh process, keeping what `labsim run --quiet` keeps. A client
//! requests the VIP every 50 ms, 1 500 and then 3 000 times: both runs outlast TIME-WAIT's 60 s,
//! so the kernels' tables hold as many entries, and the second's peak is above the first's by
//! less than 400 bytes per extra request. What each request still leaves is its access-log lines
//! in httpd's and nginx's files (about 210 bytes, until logrotate's cap); its trace events are
//! digested (and written to `--trace` as they happen) but not kept, as nothing the report shows
//! reads them. Before, each request kept about 1.8 KiB: every trace event and a running summary.

use std::path::Path;

use crate::util::{arg, labsim, output, scratch};

/// A scenario on the lab where `client-1` requests the VIP `requests` times, 50 ms apart.
fn scenario(dir: &Path, requests: u32) -> std::path::PathBuf {
    let lab = crate::util::root().join("scenarios/lab/lab.ron");
    let end = 5 + requests / 20 + 5;
    let text = format!(
        r#"Scenario(
    name: "long-{requests}",
    extends: "{}",
    seed: 1,
    duration: "{end}s",
    timeline: [
        At("5s", "client-1", "for i in $(seq 1 {requests}); do curl -s -o /dev/null http://172.2.20.100/; sleep 0.05; done"),
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
    let run = output(labsim().args(["bench", "--memory", arg(&file)]));
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let kib: u64 = run.stdout.trim().parse().unwrap_or_else(|_| panic!("KiB, not {:?}", run.stdout));
    kib * 1024
}

#[test]
fn a_long_runs_memory_does_not_grow_with_its_requests() {
    let dir = scratch("memory");
    // Both runs pass their expectation and trace every request.
    for requests in [1_500, 3_000] {
        let file = scenario(&dir, requests);
        let trace = dir.join(format!("trace-{requests}.jsonl"));
        let run = output(labsim().args(["run", arg(&file), "--quiet", "--trace", arg(&trace)]));
        assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
        let text = std::fs::read_to_string(&trace).expect("the trace");
        assert_eq!(text.lines().filter(|l| l.contains(r#""kind":"http_transfer""#)).count(), requests as usize);
    }
    let (short, long) = (peak_of(&dir, 1_500), peak_of(&dir, 3_000));
    let per_request = long.saturating_sub(short) / 1_500;
    assert!(per_request < 400, "peak growth {short} B for 1 500 requests, {long} B for 3 000: {per_request} B per request");
}
