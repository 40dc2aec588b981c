//! What `labsim run`'s report shows (issue 9, points 8 and 9), through the command: `--quiet`,
//! `--only`, `--from`/`--to`, `--color`, ping's lines folded into runs unless `--verbose`,
//! sequence numbers as ranges; the JSON report with every section, the diagnostics of an invalid
//! scenario as JSON, and `docs/json.md` checked field by field against real output.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::util;

use util::Run;

fn labsim(args: &[&str], env: &[(&str, &str)]) -> Run {
    util::run_labsim(args, env)
}

fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\n{}", run.stdout, run.stderr))
}

const FAILOVER: &str = "scenarios/failover.ron";
const FAILING: &str = "tests/fixtures/failing/wrong_owner.ron";
const HOSTS: &str = "lb-1, lb-2, client-1, web-1, web-2, web-3, nfs";

/// The consoles section of a text report: (time in µs, host, text) per line.
fn console_lines(report: &str) -> Vec<(u64, String, String)> {
    let section = report.split("\n== consoles and daemon logs ==\n").nth(1).unwrap_or_else(|| panic!("no consoles:\n{report}"));
    section
        .split("\n\n")
        .next()
        .unwrap_or("")
        .lines()
        .map(|l| {
            let mut words = l.split_whitespace();
            let at = words.next().and_then(|t| t.strip_suffix('s')).expect("a time");
            let (s, us) = at.split_once('.').expect("seconds.micros");
            let at = s.parse::<u64>().expect("seconds") * 1_000_000 + us.parse::<u64>().expect("micros");
            let host = words.next().expect("a host").to_owned();
            (at, host, words.collect::<Vec<_>>().join(" "))
        })
        .collect()
}

#[test]
fn quiet_prints_the_expectations_and_the_summary_only() {
    let run = labsim(&["run", FAILOVER, "--quiet"], &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let sections: Vec<&str> = run.stdout.lines().filter(|l| l.starts_with("== ")).collect();
    assert_eq!(sections, ["== expectations =="], "{}", run.stdout);
    assert!(run.stdout.starts_with("labsim: scenario failover (scenarios/failover.ron), seed=1\n"), "{}", run.stdout);
    assert!(
        run.stdout.ends_with("PASSED: 16/16 expectations met (seed=1)\nreproduce: labsim run scenarios/failover.ron --seed 1\n"),
        "{}",
        run.stdout
    );
    let doc = json(&labsim(&["run", FAILOVER, "--quiet", "--json"], &[]));
    assert_eq!(doc["consoles"], serde_json::json!([]), "--quiet leaves the JSON's consoles out");
    assert_eq!(doc["expectations"].as_array().map(Vec::len), Some(16));
    assert_eq!(labsim(&["run", FAILOVER, "--quiet", "--verbose"], &[]).code, Some(2), "--quiet and --verbose conflict");
}

#[test]
fn only_shows_those_hosts_and_refuses_an_unknown_one() {
    let run = labsim(&["run", FAILOVER, "--only", "lb-2"], &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let lines = console_lines(&run.stdout);
    assert!(!lines.is_empty() && lines.iter().all(|(_, h, _)| h == "lb-2"), "{}", run.stdout);
    assert!(!run.stdout.contains("\n== ping ==\n"), "client-1's ping is not lb-2's:\n{}", run.stdout);
    assert!(run.stdout.contains("\n== VIP ownership ==\n") && run.stdout.contains("PASSED: 16/16"), "verdicts stay whole:\n{}", run.stdout);

    let run = labsim(&["run", FAILOVER, "--only", "lb-1,client-1"], &[]);
    let hosts: BTreeSet<String> = console_lines(&run.stdout).into_iter().map(|(_, h, _)| h).collect();
    assert_eq!(hosts.into_iter().collect::<Vec<_>>(), ["client-1", "lb-1"]);
    assert!(run.stdout.contains("\n== ping ==\nclient-1 `ping"), "{}", run.stdout);
    let doc = json(&labsim(&["run", FAILOVER, "--only", "lb-1", "--json"], &[]));
    assert!(doc["consoles"].as_array().expect("consoles").iter().all(|c| c["host"] == "lb-1"), "{doc}");
    assert_eq!(doc["pings"], serde_json::json!([]));

    let bad = labsim(&["run", FAILOVER, "--only", "lb-1,lb3"], &[]);
    assert_eq!(bad.code, Some(2), "{}", bad.stderr);
    assert_eq!(bad.stdout, "");
    assert_eq!(
        bad.stderr,
        format!("error: invalid value 'lb3' for '--only <HOST,...>': no host of that name in scenarios/failover.ron (hosts: {HOSTS})\n")
    );
}

#[test]
fn from_and_to_take_a_window_of_simulated_time() {
    let run = labsim(&["run", FAILOVER, "--from", "10s", "--to", "10.7s"], &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let lines = console_lines(&run.stdout);
    assert!(lines.iter().all(|(at, _, _)| (10_000_000..=10_700_000).contains(at)), "{}", run.stdout);
    let first = lines.first().expect("lines in the window");
    assert_eq!((first.0, first.2.as_str()), (10_000_200, "64 bytes from 172.2.20.100: icmp_seq=91 ttl=64 time=0.200 ms"));
    assert!(lines.iter().any(|(_, _, t)| t == "[root@lb-1 ~]# systemctl stop keepalived"), "{}", run.stdout);
    assert!(run.stdout.contains("PASSED: 16/16"), "{}", run.stdout);
    let doc = json(&labsim(&["run", FAILOVER, "--from", "1m", "--json"], &[]));
    assert_eq!(doc["consoles"], serde_json::json!([]), "nothing after the 40 s run");

    let reversed = labsim(&["run", FAILOVER, "--from", "11s", "--to", "10s"], &[]);
    assert_eq!((reversed.code, reversed.stderr.as_str()), (Some(2), "error: '--to' (10 s) is before '--from' (11 s)\n"));
    let bad = labsim(&["run", FAILOVER, "--from", "10"], &[]);
    assert_eq!(bad.code, Some(2), "{}", bad.stderr);
    assert!(bad.stderr.contains("--from") && bad.stderr.contains("bad duration \"10\": missing unit"), "{}", bad.stderr);
}

#[test]
fn color_is_for_terminals_unless_asked_and_honours_no_color() {
    let green = "\x1b[32mPASS\x1b[0m  ";
    let red = "\x1b[31mFAIL\x1b[0m  ";
    let always = labsim(&["run", FAILING, "--color", "always"], &[("NO_COLOR", "1")]);
    assert_eq!(always.code, Some(1));
    assert!(always.stdout.contains(green) && always.stdout.contains(red), "{}", always.stdout);
    assert!(always.stdout.contains("\x1b[1;31mFAILED\x1b[0m: 2/4 expectations met"), "{}", always.stdout);
    let passed = labsim(&["run", FAILOVER, "--color=always", "--quiet"], &[]);
    assert!(passed.stdout.contains("\x1b[1;32mPASSED\x1b[0m: 16/16"), "{}", passed.stdout);
    // Not a terminal (a pipe here): `auto` means none, as does `never`, whatever NO_COLOR says.
    for (args, env) in [(&["--color", "never"][..], &[][..]), (&[][..], &[][..]), (&["--color", "auto"][..], &[("NO_COLOR", "")][..])] {
        let run = labsim(&[&["run", FAILING][..], args].concat(), env);
        assert!(!run.stdout.contains('\x1b'), "{args:?} {env:?}: {}", run.stdout);
        assert!(run.stdout.contains("\nFAIL  "), "{}", run.stdout);
    }
    let bad = labsim(&["run", FAILING, "--color", "sometimes"], &[]);
    assert_eq!(bad.code, Some(2), "{}", bad.stderr);
}

#[test]
fn ping_lines_fold_into_runs_unless_verbose() {
    let folded = labsim(&["run", FAILOVER, "--only", "client-1"], &[]);
    let lines = console_lines(&folded.stdout);
    let texts: Vec<&str> = lines.iter().map(|(_, _, t)| t.as_str()).collect();
    assert!(texts.contains(&"no answer yet for icmp_seq 1–25, until 3.500000s"), "{}", folded.stdout);
    assert!(texts.contains(&"no answer yet for icmp_seq 92–97, until 10.700000s"), "{}", folded.stdout);
    assert!(
        texts.iter().any(|t| t.starts_with("icmp_seq 1–91 answered by 172.2.20.100 until 10.000200s, time 0.200–")),
        "{}",
        folded.stdout
    );
    assert!(!texts.iter().any(|t| t.contains("icmp_seq=150 ")), "{}", folded.stdout);
    assert!(lines.len() < 30, "{} lines:\n{}", lines.len(), folded.stdout);

    let verbose = labsim(&["run", FAILOVER, "--only", "client-1", "--verbose"], &[]);
    let replies = console_lines(&verbose.stdout).iter().filter(|(_, _, t)| t.starts_with("64 bytes from 172.2.20.100: icmp_seq=")).count();
    assert_eq!(replies, 384, "every reply printed with --verbose");
    // The default report folds too; the sequence numbers in its summaries are ranges.
    let plain = labsim(&["run", FAILOVER], &[]);
    assert!(plain.stdout.contains("6 lost (icmp_seq 92–97), 1 awaiting"), "{}", plain.stdout);
    assert!(plain.stdout.contains("observed: 6 lost of 7 sent (icmp_seq 92–97)\n"), "{}", plain.stdout);
}

/// The JSON report carries every section of the text report.
#[test]
fn the_json_report_carries_the_whole_report() {
    let doc = json(&labsim(&["run", FAILOVER, "--json"], &[]));
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(doc["run"]["duration_us"], 40_000_000);
    assert_eq!(doc["run"]["completed"], true);
    let consoles = doc["consoles"].as_array().expect("consoles");
    let stop = consoles.iter().find(|c| c["text"] == "[root@lb-1 ~]# systemctl stop keepalived").expect("the stop command");
    assert_eq!((stop["at_us"].as_u64(), stop["host"].as_str(), stop["kind"].as_str()), (Some(10_050_000), Some("lb-1"), Some("command")));
    let replies = consoles.iter().filter(|c| c["kind"] == "stdout" && c["text"].as_str().is_some_and(|t| t.contains(" ttl=64 "))).count();
    assert_eq!(replies, 384, "JSON consoles are never folded");
    let log = consoles.iter().find(|c| c["kind"] == "log").expect("a log line");
    assert!(log.get("id").is_none(), "{log}");
    let changes = doc["vips"][0]["changes"].as_array().expect("changes");
    assert_eq!(changes[1], serde_json::json!({"at_us": 3_570_312, "holders": ["lb-1"]}));
    assert_eq!(doc["pings"][0]["lost"], serde_json::json!([92, 93, 94, 95, 96, 97]));
    assert_eq!(doc["pings"][0]["awaiting"], serde_json::json!([391]));
    let http = json(&labsim(&["run", "scenarios/roundrobin.ron", "--json"], &[]));
    assert!(http["http"][0]["statuses"][0]["count"].as_u64().is_some_and(|n| n > 0), "{}", http["http"]);
}

#[test]
fn an_invalid_scenario_gives_its_problems_as_json() {
    let run = labsim(&["run", "tests/fixtures/invalid/bad_cidr.ron", "--json"], &[]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    let doc = json(&run);
    assert_eq!(
        (doc["schema_version"].as_u64(), doc["passed"].as_bool(), doc["error"].as_str()),
        (Some(1), Some(false), Some("invalid scenario"))
    );
    let p = &doc["problems"][0];
    assert_eq!(p["file"], "tests/fixtures/invalid/bad_cidr.ron");
    assert_eq!((p["line"].as_u64(), p["column"].as_u64()), (Some(9), Some(32)));
    assert_eq!(p["path"], "networks.\"mgmt\".cidr");
    assert_eq!(p["message"], "bad cidr \"10.0.0.0\": expected an IPv4 network like \"172.2.20.0/24\"");
    assert!(run.stderr.starts_with("tests/fixtures/invalid/bad_cidr.ron:9:32: "), "the text stays on stderr: {}", run.stderr);

    let missing = labsim(&["run", "no/such/file.ron", "--json"], &[]);
    assert_eq!(missing.code, Some(2));
    let p = &json(&missing)["problems"][0];
    assert_eq!((p["line"].is_null(), p["file"].as_str()), (true, Some("no/such/file.ron")));
    assert!(p["message"].as_str().is_some_and(|m| m.starts_with("cannot read the scenario: ")), "{p}");
}

/// The field paths of `docs/json.md`'s tables, by section: (section heading, path).
fn documented() -> BTreeSet<(String, String)> {
    let doc = std::fs::read_to_string(util::root().join("docs/json.md")).expect("docs/json.md");
    let mut section = String::new();
    let mut out = BTreeSet::new();
    for line in doc.lines() {
        if let Some(h) = line.strip_prefix("## ") {
            section = h.to_owned();
        } else if let Some(rest) = line.strip_prefix("| `") {
            let field = rest.split('`').next().expect("a backticked field");
            out.insert((section.clone(), field.to_owned()));
        }
    }
    out
}

/// Every path in `value`: `run.seed`, `consoles[].at_us`.
fn paths(value: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let p = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                out.insert(p.clone());
                paths(v, &p, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| paths(v, &format!("{prefix}[]"), out)),
        _ => {}
    }
}

/// `docs/json.md` lists exactly the fields labsim writes: of the report (over runs that between
/// them have every optional field), of a crash (debug builds, which can crash on purpose), of an
/// invalid scenario's diagnostics, and of every kind of trace event (over every shipped
/// scenario and fixture).
#[test]
fn docs_json_md_lists_exactly_the_fields_written() {
    let doc = documented();
    let section = |name: &str| -> BTreeSet<String> { doc.iter().filter(|(s, _)| s == name).map(|(_, f)| f.clone()).collect() };
    let mut problems = Vec::new();
    let mut compare = |name: &str, documented: BTreeSet<String>, written: BTreeSet<String>| {
        for f in documented.difference(&written) {
            problems.push(format!("{name}: `{f}` is documented but was not written"));
        }
        for f in written.difference(&documented) {
            problems.push(format!("{name}: `{f}` is written but not documented"));
        }
    };

    let mut report = BTreeSet::new();
    for file in [
        FAILOVER,
        "tests/fixtures/failing/budget.ron",
        "tests/fixtures/regressions/unfinished.ron",
        "tests/fixtures/regressions/unfinished-body.ron",
    ] {
        paths(&json(&labsim(&["run", file, "--json"], &[])), "", &mut report);
    }
    compare("The report", section("The report"), report);

    let mut crash = BTreeSet::new();
    paths(&json(&labsim(&["run", FAILOVER, "--json"], &[("LABSIM_TEST_PANIC_AT", "1s")])), "", &mut crash);
    let crash: BTreeSet<String> = crash.into_iter().filter(|f| f.starts_with("run.crash")).collect();
    compare("A crashed run", section("A crashed run"), crash);

    let mut invalid = BTreeSet::new();
    paths(&json(&labsim(&["run", "tests/fixtures/invalid/bad_cidr.ron", "--json"], &[])), "", &mut invalid);
    compare("An invalid scenario", section("An invalid scenario"), invalid);

    let mut trace = BTreeSet::new();
    let mut files = util::shipped_scenarios();
    for dir in ["tests/fixtures/regressions", "tests/fixtures/failing"] {
        let entries = std::fs::read_dir(util::root().join(dir)).expect("fixtures");
        files.extend(entries.map(|e| e.expect("entry").path()).filter(|p| p.extension().is_some_and(|x| x == "ron")));
    }
    for file in files {
        for event in util::run(&file, None).trace.events() {
            let value: Value = serde_json::from_str(&event.to_json()).expect("a trace line is JSON");
            let kind = value["kind"].as_str().expect("a kind").to_owned();
            for key in value.as_object().expect("an object").keys() {
                trace.insert(if key == "at_us" || key == "kind" { format!("*.{key}") } else { format!("{kind}.{key}") });
            }
        }
    }
    compare("The trace", section("The trace"), trace);
    assert!(problems.is_empty(), "docs/json.md and labsim's output differ:\n{}", problems.join("\n"));
}

/// The example output in README's "Run it" section is the failover report's, line for line (a
/// `...` stands for lines left out).
#[test]
fn the_readme_example_is_the_failover_report() {
    let readme = std::fs::read_to_string(util::root().join("README.md")).expect("README.md");
    let section = readme.split("\n## Run it\n").nth(1).expect("a Run it section");
    // The first code block without a language: the report's excerpt.
    let example = section.split("```").skip(1).step_by(2).find(|b| b.starts_with('\n')).expect("the example block");
    let report = labsim(&["run", FAILOVER], &[]).stdout;
    let lines: Vec<&str> = report.lines().collect();
    let mut at = 0;
    for want in example.lines().filter(|l| *l != "...") {
        match lines[at..].iter().position(|l| *l == want) {
            Some(i) => at += i + 1,
            None => panic!("README's example line is not in the report (in order):\n{want}\n\nreport:\n{report}"),
        }
    }
}
