//! The `labsim` command: exit codes, the report's seed and reproduce line, that `--json`,
//! `--junit` and `--trace` write well-formed files carrying the same verdicts as the text report,
//! and how a run that does not complete says so: an exhausted event budget or `--max-wall`, with
//! where the events went (the progress line on a terminal is `progress`'s).

use serde_json::Value;

use crate::{util, xml};

const FAILING: &str = "tests/fixtures/failing/wrong_owner.ron";

/// `(passed, expectation)` per `PASS`/`FAIL` line of a text report.
fn text_verdicts(text: &str) -> Vec<(bool, String)> {
    text.lines()
        .filter_map(|l| {
            let (passed, rest) = if let Some(r) = l.strip_prefix("PASS  ") { (true, r) } else { (false, l.strip_prefix("FAIL  ")?) };
            // "EXPECTATION  [file:line:col]"
            let expectation = rest.rsplit_once("  [").map_or(rest, |(e, _)| e);
            Some((passed, expectation.to_owned()))
        })
        .collect()
}

/// `(passed, expectation, observed)` per expectation of a `--json` report.
fn json_verdicts(doc: &Value) -> Vec<(bool, String, String)> {
    doc["expectations"]
        .as_array()
        .expect("`expectations` is an array")
        .iter()
        .map(|o| {
            (
                o["passed"].as_bool().expect("`passed` is a bool"),
                o["expectation"].as_str().expect("`expectation` is a string").to_owned(),
                o["observed"].as_str().expect("`observed` is a string").to_owned(),
            )
        })
        .collect()
}

use util::{Run, arg};

fn labsim(args: &[&str]) -> Run {
    util::run_labsim(args, &[])
}

/// The text, JSON and JUnit reports of one scenario agree verdict by verdict.
fn check_formats_agree(file: &str, text: &str, json: &str, junit: &str) {
    let text_v = text_verdicts(text);
    assert!(!text_v.is_empty(), "{file}: no PASS/FAIL lines in the text report:\n{text}");
    let doc: Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{file}: --json is not JSON ({e}):\n{json}"));
    let json_v = json_verdicts(&doc);
    let pairs: Vec<(bool, String)> = json_v.iter().map(|(p, e, _)| (*p, e.clone())).collect();
    assert_eq!(pairs, text_v, "{file}: --json and text verdicts differ");
    let all = text_v.iter().all(|v| v.0);
    assert_eq!(doc["passed"].as_bool(), Some(all), "{file}: JSON `passed`");
    assert!(text.contains(if all { "\nPASSED: " } else { "\nFAILED: " }), "{file}: text verdict line");

    let root = xml::parse(junit).unwrap_or_else(|e| panic!("{file}: --junit is not well-formed XML: {e}\n{junit}"));
    assert_eq!(root.name, "testsuites", "{file}: JUnit root");
    let cases: Vec<&xml::Element> = root.descendants().into_iter().filter(|e| e.name == "testcase").collect();
    assert_eq!(cases.len(), json_v.len(), "{file}: one <testcase> per expectation");
    let failures = json_v.iter().filter(|v| !v.0).count().to_string();
    assert_eq!(root.attr("failures"), Some(failures.as_str()), "{file}: <testsuites failures>");
    for (case, (passed, expectation, observed)) in cases.iter().zip(&json_v) {
        assert_eq!(case.attr("name"), Some(expectation.as_str()), "{file}: testcase name");
        let failure: Vec<&xml::Element> = case.children.iter().filter(|c| c.name == "failure").collect();
        if *passed {
            assert!(failure.is_empty(), "{file}: passing {expectation} has a <failure>");
        } else {
            assert_eq!(failure.len(), 1, "{file}: failing {expectation} needs one <failure>");
            assert_eq!(failure[0].attr("message"), Some(format!("observed: {observed}").as_str()), "{file}: {expectation}");
        }
    }
}

#[test]
fn a_passing_run_exits_0_and_all_formats_agree() {
    let dir = util::scratch("cli-passing");
    let (trace, junit) = (dir.join("trace.jsonl"), dir.join("junit.xml"));
    let text = labsim(&["run", "scenarios/failover.ron", "--trace", arg(&trace), "--junit", arg(&junit)]);
    assert_eq!(text.code, Some(0), "{}{}", text.stdout, text.stderr);
    assert!(text.stdout.starts_with("labsim: scenario failover (scenarios/failover.ron), seed=1\n"), "{}", text.stdout);
    assert!(text.stdout.contains("\nreproduce: labsim run scenarios/failover.ron --seed 1\n"), "{}", text.stdout);
    assert!(text.stdout.contains("(seed=1)"), "the verdict line names the seed:\n{}", text.stdout);
    assert!(!text_verdicts(&text.stdout).iter().any(|v| !v.0), "{}", text.stdout);

    let json = labsim(&["run", "scenarios/failover.ron", "--json"]);
    assert_eq!(json.code, Some(0), "{}", json.stderr);
    let doc: Value = serde_json::from_str(&json.stdout).expect("--json parses");
    assert_eq!(doc["run"]["seed"].as_u64(), Some(1));
    assert_eq!(doc["reproduce"].as_str(), Some("labsim run scenarios/failover.ron --seed 1"));
    let junit = std::fs::read_to_string(&junit).expect("--junit wrote its file");
    check_formats_agree("scenarios/failover.ron", &text.stdout, &json.stdout, &junit);

    // --trace: one JSON object per line, the library run's trace event for event.
    let trace = std::fs::read_to_string(&trace).expect("--trace wrote its file");
    let (path, library) = util::shipped_runs().iter().find(|(p, _)| p.ends_with("scenarios/failover.ron")).expect("failover is shipped");
    let events = library.trace.events();
    assert_eq!(trace.lines().count(), events.len(), "{}: one trace line per event", path.display());
    let mut last = 0;
    for (line, event) in trace.lines().zip(events) {
        let value: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("trace line is not JSON ({e}): {line}"));
        assert!(value.is_object(), "trace line is not an object: {line}");
        let at = value["at_us"].as_u64().unwrap_or_else(|| panic!("no numeric `at_us`: {line}"));
        assert!(at >= last, "trace goes back in time at {line}");
        last = at;
        assert_eq!(line, event.to_json());
    }
}

#[test]
fn a_failing_expectation_exits_1_and_all_formats_show_the_observed_value() {
    let dir = util::scratch("cli-failing");
    let junit = dir.join("junit.xml");
    let text = labsim(&["run", FAILING, "--junit", arg(&junit)]);
    assert_eq!(text.code, Some(1), "{}{}", text.stdout, text.stderr);
    let verdicts = text_verdicts(&text.stdout);
    assert_eq!(verdicts.iter().map(|v| v.0).collect::<Vec<_>>(), [true, false, true, false], "{}", text.stdout);
    // The false VipOwner shows who held the VIP instead, and the Log count shows 0.
    let lines: Vec<&str> = text.stdout.lines().collect();
    let fail_at = lines.iter().position(|l| l.starts_with("FAIL  ")).expect("a FAIL line");
    assert!(lines[fail_at].contains("lb-2"), "{}", lines[fail_at]);
    assert!(
        lines[fail_at + 1].trim_start().starts_with("observed: ") && lines[fail_at + 1].contains("lb-1"),
        "observed value of {}: {}",
        lines[fail_at],
        lines[fail_at + 1]
    );
    assert!(text.stdout.contains("\nFAILED: 2/4 expectations met (seed=1)\n"), "{}", text.stdout);
    assert!(text.stdout.contains(&format!("\nreproduce: labsim run {FAILING} --seed 1\n")), "{}", text.stdout);

    let json = labsim(&["run", FAILING, "--json"]);
    assert_eq!(json.code, Some(1), "{}", json.stderr);
    let junit = std::fs::read_to_string(&junit).expect("--junit wrote its file");
    check_formats_agree(FAILING, &text.stdout, &json.stdout, &junit);
    assert!(junit.contains("<failure message=\"observed: "), "{junit}");
}

#[test]
fn the_seed_option_overrides_the_scenarios_seed() {
    let run = labsim(&["run", "scenarios/failover.ron", "--seed", "7"]);
    assert!(matches!(run.code, Some(0 | 1)), "{}", run.stderr);
    assert!(run.stdout.starts_with("labsim: scenario failover (scenarios/failover.ron), seed=7\n"), "{}", run.stdout);
    assert!(run.stdout.contains("\nreproduce: labsim run scenarios/failover.ron --seed 7\n"), "{}", run.stdout);
    assert!(!run.stdout.contains("seed=1"), "{}", run.stdout);
    let passed = run.stdout.contains("\nPASSED: ");
    assert_eq!(run.code == Some(0), passed, "exit code and verdict agree:\n{}", run.stdout);
}

#[test]
fn check_accepts_the_shipped_scenarios() {
    let files: Vec<String> = util::shipped_scenarios().iter().map(|p| util::relative(p)).collect();
    let mut args = vec!["check"];
    args.extend(files.iter().map(String::as_str));
    let run = labsim(&args);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    for f in &files {
        assert!(run.stdout.contains(&format!("{f}: ok")), "{f}: {}", run.stdout);
    }
    assert_eq!(labsim(&["check", FAILING]).code, Some(0), "the failing fixture is valid, only false");
    // Files no test runs to their end: the memory measurements and the long run of --max-wall.
    let others = ["scenarios/memory/idle.ron", "scenarios/memory/ping.ron", "scenarios/memory/ping-quiet.ron", LONG];
    let run = labsim(&[&["check"][..], &others].concat());
    assert_eq!(run.code, Some(0), "{}", run.stderr);
}

const BUDGET: &str = "tests/fixtures/failing/budget.ron";
/// Ten simulated hours of fast ping: never ends within a test's patience.
const LONG: &str = "tests/fixtures/wall/long.ron";

/// The JSON breakdown of where the events went: its kinds and its hosts each add up to the run's
/// events, hosts come most events first, and each host's kinds add up to its events. Returns
/// the hosts' names in order.
fn check_breakdown(doc: &Value) -> Vec<String> {
    let run = &doc["run"];
    let events = run["events"].as_u64().expect("events");
    let b = &run["event_breakdown"];
    let n = |v: &Value, k: &str| v[k].as_u64().unwrap_or_else(|| panic!("`{k}` is a number in {v}"));
    assert_eq!(n(b, "frame_deliveries") + n(b, "wakeups") + n(b, "timeline"), events, "{b}");
    let hosts = b["hosts"].as_array().expect("`hosts` is an array");
    assert_eq!(hosts.iter().map(|h| n(h, "events")).sum::<u64>(), events, "{b}");
    for h in hosts {
        assert_eq!(n(h, "wakeups") + n(h, "frames") + n(h, "timeline"), n(h, "events"), "{h}");
    }
    assert!(hosts.windows(2).all(|w| n(&w[0], "events") >= n(&w[1], "events")), "most events first: {b}");
    hosts.iter().map(|h| h["host"].as_str().expect("a host name").to_owned()).collect()
}

/// The JUnit file of a run that did not complete: one more test case, failed, with the outcome.
fn check_run_case(junit: &str, outcome: &str) {
    let root = xml::parse(junit).unwrap_or_else(|e| panic!("--junit is not well-formed XML: {e}\n{junit}"));
    let cases: Vec<&xml::Element> = root.descendants().into_iter().filter(|e| e.name == "testcase").collect();
    let run = cases.iter().find(|c| c.attr("name") == Some("the run completes")).unwrap_or_else(|| panic!("no run case:\n{junit}"));
    let failure = run.children.iter().find(|c| c.name == "failure").expect("the run case fails");
    assert_eq!(failure.attr("message"), Some(outcome), "{junit}");
    assert!(failure.text.contains("where the events went:"), "{junit}");
    let failures = cases.iter().filter(|c| c.children.iter().any(|f| f.name == "failure")).count().to_string();
    assert_eq!(root.attr("failures"), Some(failures.as_str()), "{junit}");
    assert_eq!(root.attr("tests"), Some(cases.len().to_string().as_str()), "{junit}");
}

#[test]
fn a_run_that_exhausts_its_event_budget_is_reported_with_where_the_events_went_and_exits_1() {
    let dir = util::scratch("cli-budget");
    let junit = dir.join("junit.xml");
    let run = labsim(&["run", BUDGET, "--json", "--junit", arg(&junit)]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_eq!(run.stderr, "", "no progress line when stderr is not a terminal");
    let doc: Value = serde_json::from_str(&run.stdout).expect("the report is JSON");
    assert_eq!(doc["passed"], false);
    assert_eq!(doc["run"]["outcome"], "event budget exhausted");
    assert_eq!(doc["run"]["events"], 50);
    assert!(doc["run"]["duration_us"].as_u64().expect("a duration") < 30_000_000, "stopped early");
    assert_eq!(doc["run"]["completed"], false);
    let hosts = check_breakdown(&doc);
    assert_eq!(hosts.first().map(String::as_str), Some("client-1"), "the pinging client took most events");
    check_run_case(&std::fs::read_to_string(&junit).expect("--junit wrote its file"), "event budget exhausted");

    let text = labsim(&["run", BUDGET]);
    assert_eq!(text.code, Some(1), "{}", text.stderr);
    assert_eq!(text.stderr, "");
    let section = text.stdout.split("\n== where the events went ==\n").nth(1).unwrap_or_else(|| panic!("no breakdown:\n{}", text.stdout));
    let lines: Vec<&str> = section.lines().collect();
    assert!(
        lines[0].starts_with("50 events: ") && lines[0].contains(" frame deliveries, ") && lines[0].contains(" host wake-ups, "),
        "{section}"
    );
    assert!(lines[1].split_whitespace().eq(["host", "events", "wake-ups", "frames", "received", "timeline", "entries"]), "{section}");
    assert!(lines[2].trim_start().starts_with("client-1 "), "{section}");
    assert!(text.stdout.contains("outcome: event budget exhausted"), "{}", text.stdout);
}

#[test]
fn a_completed_run_says_nothing_of_where_the_events_went() {
    let run = labsim(&["run", FAILING, "--json"]);
    let doc: Value = serde_json::from_str(&run.stdout).expect("the report is JSON");
    assert_eq!(doc["run"]["outcome"], "completed");
    assert!(doc["run"].get("event_breakdown").is_none(), "{}", run.stdout);
    let text = labsim(&["run", FAILING]);
    assert!(!text.stdout.contains("where the events went"), "{}", text.stdout);
}

#[test]
fn max_wall_stops_a_long_run_with_the_outcome_in_every_report_and_exits_1() {
    let dir = util::scratch("cli-max-wall");
    let junit = dir.join("junit.xml");
    let text = labsim(&["run", LONG, "--max-wall", "1ms", "--junit", arg(&junit)]);
    assert_eq!(text.code, Some(1), "{}{}", text.stdout, text.stderr);
    assert_eq!(text.stderr, "", "no progress line when stderr is not a terminal");
    // "…, outcome: stopped after 1 ms of wall time at 12.345678 s simulated, trace digest …"
    let outcome = text
        .stdout
        .lines()
        .find_map(|l| l.split_once(", outcome: ")?.1.split_once(", trace digest ").map(|(o, _)| o.to_owned()))
        .unwrap_or_else(|| panic!("no outcome line:\n{}", text.stdout));
    let at = outcome.strip_prefix("stopped after 1 ms of wall time at ").and_then(|r| r.strip_suffix(" s simulated"));
    let at = at.unwrap_or_else(|| panic!("outcome: {outcome}"));
    let (secs, micros) = at.split_once('.').expect("seconds with decimals");
    assert!(secs.parse::<u64>().is_ok() && micros.len() == 6 && micros.parse::<u32>().is_ok(), "{outcome}");
    assert!(text.stdout.contains("\n== where the events went ==\n"), "{}", text.stdout);
    assert!(text.stdout.contains("\nFAILED: "), "{}", text.stdout);
    check_run_case(&std::fs::read_to_string(&junit).expect("--junit wrote its file"), &outcome);

    let json = labsim(&["run", LONG, "--max-wall", "1ms", "--json"]);
    assert_eq!(json.code, Some(1), "{}", json.stderr);
    let doc: Value = serde_json::from_str(&json.stdout).expect("the report is JSON");
    assert_eq!(doc["passed"], false);
    let outcome = doc["run"]["outcome"].as_str().expect("an outcome");
    assert!(outcome.starts_with("stopped after 1 ms of wall time at ") && outcome.ends_with(" s simulated"), "{outcome}");
    check_breakdown(&doc);
}

#[test]
fn max_wall_changes_nothing_in_a_run_that_ends_first() {
    // Driven in slices of simulated time against the wall clock, a run that completes or spends
    // its budget prints exactly the report of an unwatched run.
    for file in [FAILING, BUDGET] {
        for format in [&[][..], &["--json"][..]] {
            let plain = labsim(&[&["run", file][..], format].concat());
            let watched = labsim(&[&["run", file, "--max-wall", "1h"][..], format].concat());
            assert_eq!(watched.code, plain.code, "{file} {format:?}");
            assert_eq!(watched.stdout, plain.stdout, "{file} {format:?}");
            assert_eq!(watched.stderr, "", "{file} {format:?}");
        }
    }
}

#[test]
fn a_bad_max_wall_is_exit_2() {
    for bad in ["30", "5x", "", "1s1m"] {
        let run = labsim(&["run", BUDGET, "--max-wall", bad]);
        assert_eq!(run.code, Some(2), "--max-wall {bad:?}: {}", run.stderr);
        assert!(run.stderr.contains("--max-wall") && run.stderr.contains("bad duration"), "{}", run.stderr);
    }
}

/// A reader that closes the pipe before labsim writes (`labsim list | head -0`, a pager quit
/// early) ends labsim quietly with status 0, as ripgrep does, not with a panic on stderr.
#[test]
fn a_closed_stdout_ends_labsim_quietly() {
    for args in [&["list"][..], &["run", "scenarios/failover.ron"]] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_labsim"))
            .args(args)
            .current_dir(util::root())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("labsim starts");
        // The read end is closed before labsim has written anything: its first write fails.
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("labsim ends");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "labsim {args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "labsim {args:?} panicked: {stderr}");
    }
}
