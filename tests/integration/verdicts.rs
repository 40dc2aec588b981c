//! Verdicts that cannot mislead (issue 9, points 1, 2 and 10), through the `labsim` command:
//! a crash inside the simulation is reported in every format with its own exit code; work still
//! running when the run ends is reported and counted; the output files are created before the
//! run, so one that cannot be written stops labsim before any report.

use serde_json::Value;

use crate::{util, xml};

use util::{Run, arg};

fn labsim(args: &[&str], env: &[(&str, &str)]) -> Run {
    util::run_labsim(args, env)
}

fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\n{}", run.stdout, run.stderr))
}

const FAILOVER: &str = "scenarios/failover.ron";
const UNFINISHED: &str = "tests/fixtures/regressions/unfinished.ron";
const UNFINISHED_FALSE: &str = "tests/fixtures/failing/unfinished.ron";
/// Ten simulated hours of fast ping: a test that ran it would not end.
const LONG: &str = "tests/fixtures/wall/long.ron";

/// labsim panics on purpose at `LABSIM_TEST_PANIC_AT`: the crash is reported in text, JSON and
/// JUnit with exit 101, the trace and pcaps (lost with the run) are not left behind empty.
#[test]
fn a_crash_is_reported_in_every_format_and_exits_101() {
    let dir = util::scratch("verdicts-crash");
    let (junit, trace, pcaps) = (dir.join("out/junit.xml"), dir.join("out/trace.jsonl"), dir.join("pcaps"));
    let env = [("LABSIM_TEST_PANIC_AT", "12s")];
    let args = ["run", FAILOVER, "--junit", arg(&junit), "--trace", arg(&trace), "--pcap", arg(&pcaps)];
    let text = labsim(&args, &env);
    assert_eq!(text.code, Some(101), "{}{}", text.stdout, text.stderr);
    let what = "labsim crashed at 12.000000s simulated: LABSIM_TEST_PANIC_AT: a panic on purpose at 12.000000s (src/cli/crash.rs:";
    assert!(text.stderr.starts_with(&format!("labsim: internal error: {what}")), "{}", text.stderr);
    assert!(
        text.stderr.contains("please report it") && text.stderr.contains("    labsim run scenarios/failover.ron --seed 1\n"),
        "{}",
        text.stderr
    );
    assert!(text.stdout.contains(what), "{}", text.stdout);
    assert!(
        text.stdout.contains("\nCRASHED: 0/16 expectations evaluated (seed=1)\nreproduce: labsim run scenarios/failover.ron --seed 1\n"),
        "{}",
        text.stdout
    );
    assert!(!trace.exists() && !pcaps.join("front.pcap").exists(), "the trace and pcaps were lost with the run");

    let junit = std::fs::read_to_string(&junit).expect("--junit wrote its file");
    let root = xml::parse(&junit).unwrap_or_else(|e| panic!("{e}\n{junit}"));
    assert_eq!((root.attr("tests"), root.attr("errors"), root.attr("skipped")), (Some("17"), Some("1"), Some("16")), "{junit}");
    let cases: Vec<&xml::Element> = root.descendants().into_iter().filter(|e| e.name == "testcase").collect();
    let error = cases[0].children.iter().find(|c| c.name == "error").unwrap_or_else(|| panic!("no <error>:\n{junit}"));
    assert_eq!(cases[0].attr("name"), Some("the run completes"));
    assert!(error.attr("message").is_some_and(|m| m.starts_with("crashed at 12.000000s simulated: ")), "{junit}");
    assert!(
        error.text.contains("Please report it") && error.text.ends_with("this command: labsim run scenarios/failover.ron --seed 1"),
        "{junit}"
    );
    assert!(cases[1..].iter().all(|c| c.children.iter().any(|s| s.name == "skipped")), "every expectation skipped:\n{junit}");

    let run = labsim(&["run", FAILOVER, "--json"], &env);
    assert_eq!(run.code, Some(101), "{}", run.stderr);
    let doc = json(&run);
    assert_eq!((doc["schema_version"].as_u64(), doc["passed"].as_bool()), (Some(1), Some(false)));
    assert_eq!(doc["run"]["completed"], false);
    assert_eq!(doc["run"]["crash"]["at_us"], 12_000_000);
    assert!(doc["run"]["crash"]["message"].as_str().is_some_and(|m| m.contains("on purpose")), "{doc}");
    assert!(doc["run"]["crash"]["location"].as_str().is_some_and(|l| l.starts_with("src/cli/crash.rs:")), "{doc}");
    let expectations = doc["expectations"].as_array().expect("expectations");
    assert_eq!(expectations.len(), 16);
    assert!(expectations.iter().all(|e| e["passed"] == false && e["observed"] == "not evaluated: labsim crashed"), "{doc}");
}

/// A daemon or command that dies of a signal is behaviour the scenario asserts, not a failure of
/// the run: nginx's segfault on 13 090 nested blocks passes with its expectations.
#[test]
fn a_program_dying_of_a_signal_is_not_a_failed_run() {
    let dir = util::scratch("verdicts-signal");
    let junit = dir.join("junit.xml");
    let run = labsim(&["run", "tests/fixtures/regressions/nginx-deep-nesting.ron", "--junit", arg(&junit)], &[]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("Segmentation fault  (stderr)"), "{}", run.stdout);
    let root = xml::parse(&std::fs::read_to_string(&junit).expect("junit")).expect("XML");
    assert_eq!(root.attr("failures"), Some("0"));
}

/// Every program still running at the end is listed with where it stood; the HTTP summary and
/// expectations count unfinished transfers; ping's newest probe awaits its reply, not lost.
#[test]
fn work_still_running_at_the_end_is_reported_and_counted() {
    let text = labsim(&["run", UNFINISHED], &[]);
    assert_eq!(text.code, Some(0), "{}{}", text.stdout, text.stderr);
    let section =
        text.stdout.split("\n== still running when the run ended ==\n").nth(1).expect("a section").split("\n\n").next().unwrap_or("");
    let lines: Vec<&str> = section.lines().collect();
    assert_eq!(
        lines,
        [
            "lb-2  `for i in 1 2; do echo $i; sleep 100; done` typed at 5.000000s: sleep: sleeping, 85.000000 s left",
            "client-1  `ping -i 0.5 172.2.20.100` typed at 4.000000s: ping: 33 sent, 32 received, icmp_seq=33 awaiting its reply",
            "client-1  `curl -sS http://172.2.20.100/` typed at 12.000000s: curl: request sent, no response after 8.000000 s",
            "client-1  `curl -sS http://172.2.20.50/` typed at 19.000000s: curl: connecting to 172.2.20.50 port 80, no connection after 1.000000 s",
        ],
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("\nclient-1: 3 transfer(s): 1 × 200, 2 unfinished; 0 failed, "), "{}", text.stdout);
    assert!(
        text.stdout.contains("33 sent, 32 replied, 0 lost, 1 awaiting its reply when the run ended (icmp_seq 33)\n"),
        "{}",
        text.stdout
    );

    let doc = json(&labsim(&["run", UNFINISHED, "--json"], &[]));
    let unfinished = doc["unfinished"].as_array().expect("unfinished");
    let programs: Vec<&str> = unfinished.iter().map(|u| u["program"].as_str().expect("program")).collect();
    assert_eq!(programs, ["sleep", "ping", "curl", "curl"]);
    assert_eq!(unfinished[2]["url"], "http://172.2.20.100/");
    assert_eq!((unfinished[2]["typed_at_us"].as_u64(), unfinished[2]["started_us"].as_u64()), (Some(12_000_000), Some(12_000_000)));
    assert_eq!(doc["http"][0]["unfinished"], 2);
    assert_eq!(doc["pings"][0]["awaiting"], serde_json::json!([33]));
    assert_eq!(doc["pings"][0]["lost"], serde_json::json!([]));

    // Each rule, false on purpose, says how the unfinished transfer or probe counted.
    let run = labsim(&["run", UNFINISHED_FALSE, "--json"], &[]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let observed: Vec<String> = json(&run)["expectations"]
        .as_array()
        .expect("expectations")
        .iter()
        .map(|e| e["observed"].as_str().unwrap_or("").to_owned())
        .collect();
    assert!(observed[0].starts_with("1 of 2 transfer(s) failed or unfinished (0 failed, 1 unfinished): "), "{observed:?}");
    assert!(observed[1].ends_with("\"unfinished: request sent, no response after 8.000000 s\"]"), "{observed:?}");
    assert_eq!(observed[2], "out of bounds: [\"unfinished after 8.000000s at 12.000000s\"]");
    assert_eq!(observed[3], "0 lost of 1 sent; 1 awaiting its reply when the run ended (icmp_seq 33), not counted as lost");
}

/// The failover lesson's ping: 6 lost, as in the real lab, and the probe sent at the last instant
/// said to be awaiting its reply, where iputils' statistics (391 transmitted, 384 received) count
/// it in their loss.
#[test]
fn the_last_probe_of_failover_is_awaiting_not_lost() {
    let run = labsim(&["run", FAILOVER], &[]);
    let expected = "client-1 `ping -i 0.1 -O 172.2.20.100` (typed at 1.000000s): 391 sent, 384 replied, 6 lost (icmp_seq 92–97), 1 awaiting its reply when the run ended (icmp_seq 391)\n";
    assert!(run.stdout.contains(expected), "{}", run.stdout);
    assert!(
        run.stdout.contains("391 packets transmitted, 384 received, 1.79028% packet loss"),
        "ping's own statistics stay iputils':\n{}",
        run.stdout
    );
}

/// Missing directories of `--trace` and `--junit` are created, as `--pcap`'s are.
#[test]
fn output_files_get_their_missing_directories() {
    let dir = util::scratch("verdicts-dirs");
    let (trace, junit, pcaps) = (dir.join("a/b/trace.jsonl"), dir.join("c/junit.xml"), dir.join("d/e"));
    let run = labsim(&["run", FAILOVER, "--trace", arg(&trace), "--junit", arg(&junit), "--pcap", arg(&pcaps)], &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    for file in [trace, junit, pcaps.join("front.pcap"), pcaps.join("back.pcap")] {
        assert!(std::fs::metadata(&file).is_ok_and(|m| m.len() > 0), "{} was not written", file.display());
    }
}

/// A file that cannot be created stops labsim with exit 3 before the run: nothing on standard
/// output, and the ten simulated hours of the long fixture are never spent.
#[test]
fn an_output_that_cannot_be_created_is_exit_3_before_the_run() {
    let dir = util::scratch("verdicts-unwritable");
    let file = dir.join("a-file");
    std::fs::write(&file, "not a directory").expect("scratch file");
    let under = file.join("out");
    for (option, path) in [("--junit", under.join("junit.xml")), ("--trace", under.join("trace.jsonl")), ("--pcap", under.clone())] {
        let run = labsim(&["run", LONG, option, arg(&path)], &[]);
        assert_eq!(run.code, Some(3), "{option}: {}", run.stderr);
        assert_eq!(run.stdout, "", "{option}: no report before the files are ready");
        assert!(run.stderr.starts_with("labsim: cannot create ") && run.stderr.contains(arg(&file)), "{option}: {}", run.stderr);
    }
}
