//! A newcomer's first hour through the command line (issue 9): `labsim list`, `labsim new`,
//! `labsim run DIR` and several files, `labsim check` on a topology, `labsim topo`, `labsim
//! bench` outside the checkout, and `--help` mentioning only what works.

use std::path::{Path, PathBuf};

use crate::{util, xml};

/// Exit codes (`src/cli/exit.rs`).
const FAILED: i32 = 1;
const INVALID: i32 = 2;

use util::{Run as Out, arg};

/// `labsim ARGS` in `dir`.
fn labsim_in(dir: &Path, args: &[&str]) -> Out {
    util::output(util::labsim().current_dir(dir).args(args))
}

fn labsim(args: &[&str]) -> Out {
    util::run_labsim(args, &[])
}

/// Writes a scenario with `labsim new` into `dir` (from the repository root) and returns its path.
fn new_scenario(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(format!("{name}.ron"));
    let out = labsim(&["new", arg(&dir.join(name))]);
    assert_eq!(out.code, Some(0), "labsim new {name}: {}{}", out.stdout, out.stderr);
    assert!(path.is_file(), "labsim new {name} wrote no {}", path.display());
    path
}

#[test]
fn list_shows_every_shipped_scenario_with_its_about() {
    let out = labsim(&["list"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    for path in util::shipped_scenarios() {
        let about = labsim::load_scenario(&path).expect("a shipped scenario loads").about;
        let name = util::relative(&path);
        let line =
            out.stdout.lines().find(|l| l.starts_with(&format!("{name} "))).unwrap_or_else(|| panic!("{name} not listed:\n{}", out.stdout));
        assert!(!about.is_empty(), "{name} has no `about`");
        assert!(line.trim_end().ends_with(about.as_str()), "{name}: {line}");
    }
    assert!(
        out.stdout.lines().any(|l| l.starts_with("scenarios/lab/lab.ron ") && l.contains("a topology: 7 hosts, 2 networks")),
        "{}",
        out.stdout
    );

    // Outside the checkout: where it looked, and what to do instead.
    let elsewhere = util::scratch("list-elsewhere");
    let out = labsim_in(&elsewhere, &["list"]);
    assert_eq!(out.code, Some(INVALID), "{}", out.stdout);
    let looked = format!("looked for scenarios in {}", elsewhere.display());
    assert!(out.stderr.contains(&looked) && out.stderr.contains("labsim list DIR"), "{}", out.stderr);
    let dir = util::root().join("scenarios");
    let out = labsim_in(&elsewhere, &["list", arg(&dir)]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(out.stdout.contains("failover.ron"), "{}", out.stdout);
    // A file that does not load is listed as such.
    std::fs::write(elsewhere.join("half-written.ron"), "Scenario(name: \"x\",").unwrap();
    let out = labsim_in(&elsewhere, &["list", "."]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(out.stdout.contains("./half-written.ron  (invalid: `labsim check ./half-written.ron` says why)"), "{}", out.stdout);
}

#[test]
fn new_writes_a_commented_scenario_that_checks_runs_and_is_never_overwritten() {
    let dir = util::scratch("new").join("mine");
    let path = new_scenario(&dir, "first");
    let text = std::fs::read_to_string(&path).unwrap();
    // Each part of the file has a comment just above it.
    let lines: Vec<&str> = text.lines().collect();
    for field in ["name:", "extends:", "seed:", "duration:", "timeline:", "expect:"] {
        let at = lines.iter().position(|l| l.trim_start().starts_with(field)).unwrap_or_else(|| panic!("no {field}:\n{text}"));
        assert!(lines[at - 1].trim_start().starts_with("//"), "{field} has no comment above it:\n{text}");
    }
    assert!(text.contains("name: \"first\""), "{text}");
    assert!(text.contains("cp ") && text.contains("reload"), "the template shows how to change a config mid-run:\n{text}");

    let out = labsim(&["check", arg(&path)]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let out = labsim(&["run", arg(&path)]);
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("\nPASSED: 6/6 expectations met"), "{}", out.stdout);

    // Never overwritten.
    std::fs::write(&path, "// mine\n").unwrap();
    let out = labsim(&["new", arg(&dir.join("first.ron"))]);
    assert_eq!(out.code, Some(INVALID), "{}", out.stdout);
    assert!(out.stderr.contains("already exists"), "{}", out.stderr);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "// mine\n");

    // Outside the checkout it needs to be told where the lab is.
    let out = labsim_in(&dir, &["new", "second"]);
    assert_eq!(out.code, Some(INVALID), "{}", out.stdout);
    assert!(out.stderr.contains("looked for scenarios/lab/lab.ron in") && out.stderr.contains("--lab FILE"), "{}", out.stderr);
    let lab = util::root().join("scenarios/lab/lab.ron");
    let out = labsim_in(&dir, &["new", "second", "--lab", arg(&lab)]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let out = labsim(&["check", arg(&dir.join("second.ron"))]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
}

#[test]
fn run_takes_a_directory_or_several_files_with_one_summary_line_each() {
    let dir = util::scratch("run-many");
    let pass = new_scenario(&dir, "pass");
    let fail = dir.join("fail.ron");
    let wrong = std::fs::read_to_string(&pass).unwrap().replace(r#"host: "lb-1", at: "9s")"#, r#"host: "lb-2", at: "9s")"#);
    std::fs::write(&fail, wrong).unwrap();

    // Several files: one line each, the failed expectations of the failed one, a total, exit 1.
    let (junit, pcap) = (dir.join("out/junit.xml"), dir.join("pcap"));
    let out = labsim(&["run", arg(&pass), arg(&fail), "--junit", arg(&junit), "--pcap", arg(&pcap)]);
    assert_eq!(out.code, Some(FAILED), "{}{}", out.stdout, out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(lines[0].starts_with("PASS") && lines[0].contains("pass.ron") && lines[0].contains("6/6 expectations met"), "{}", out.stdout);
    assert!(lines[1].starts_with("FAIL") && lines[1].contains("fail.ron") && lines[1].contains("5/6 expectations met"), "{}", out.stdout);
    assert!(lines[2].contains(r#"FAIL  VipOwner(vip: "172.2.20.100", host: "lb-2", at: "9s")"#), "{}", out.stdout);
    assert!(out.stdout.contains(&format!("reproduce: labsim run {} --seed 1", fail.display())), "{}", out.stdout);
    assert!(out.stdout.ends_with("\n2 scenarios: 1 passed, 1 failed, 0 invalid\n"), "{}", out.stdout);
    // One <testsuite> per scenario in one <testsuites> document, with the totals.
    let text = std::fs::read_to_string(&junit).expect("--junit wrote its file, creating its directory");
    let root = xml::parse(&text).unwrap_or_else(|e| panic!("--junit is not well-formed XML: {e}\n{text}"));
    assert_eq!(root.name, "testsuites");
    let suites: Vec<&xml::Element> = root.children.iter().filter(|e| e.name == "testsuite").collect();
    assert_eq!(suites.iter().map(|s| s.attr("failures")).collect::<Vec<_>>(), [Some("0"), Some("1")], "{text}");
    assert_eq!((root.attr("tests"), root.attr("failures")), (Some("12"), Some("1")), "{text}");
    // A directory of captures per scenario.
    for name in ["pass", "fail"] {
        for net in ["front", "back"] {
            assert!(pcap.join(name).join(format!("{net}.pcap")).is_file(), "no {name}/{net}.pcap");
        }
    }

    // A directory: its *.ron files in name order; an invalid one is a failing suite, and exit 2.
    std::fs::write(dir.join("broken.ron"), "Scenario(name: 'broken', duration: \"1s\")\n").unwrap();
    let out = labsim(&["run", arg(&dir), "--junit", arg(&junit)]);
    assert_eq!(out.code, Some(INVALID), "{}{}", out.stdout, out.stderr);
    let verdicts: Vec<&str> = out.stdout.lines().filter(|l| !l.starts_with(' ')).filter_map(|l| l.split_whitespace().next()).collect();
    assert_eq!(verdicts, ["INVALID", "FAIL", "PASS", "3"], "{}", out.stdout);
    assert!(out.stderr.contains("broken.ron:1:16: name: expected a string"), "{}", out.stderr);
    assert!(out.stdout.ends_with("\n3 scenarios: 1 passed, 1 failed, 1 invalid\n"), "{}", out.stdout);
    let text = std::fs::read_to_string(&junit).unwrap();
    let root = xml::parse(&text).unwrap_or_else(|e| panic!("--junit is not well-formed XML: {e}\n{text}"));
    let broken =
        root.children.iter().find(|s| s.attr("name").is_some_and(|n| n.ends_with("broken.ron"))).expect("a suite for the invalid file");
    let case = &broken.children[0];
    assert_eq!(case.attr("name"), Some("the scenario loads"));
    assert!(case.children[0].attr("message").is_some_and(|m| m.contains("expected a string")), "{text}");
    std::fs::remove_file(dir.join("broken.ron")).unwrap();

    // All passing: exit 0.
    let again = dir.join("again");
    std::fs::create_dir_all(&again).unwrap();
    let pass2 = new_scenario(&again, "pass2");
    let out = labsim(&["run", arg(&pass), arg(&pass2)]);
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);
    assert!(!out.stdout.contains('\x1b'), "no colour into a pipe: {}", out.stdout);
    // A crash is listed with the reproduce line, the others still run, and the exit code is 101.
    let crash_junit = dir.join("crash.xml");
    let out = util::run_labsim(&["run", arg(&pass), arg(&pass2), "--junit", arg(&crash_junit)], &[("LABSIM_TEST_PANIC_AT", "1s")]);
    assert_eq!(out.code, Some(101), "{}{}", out.stdout, out.stderr);
    let marks: Vec<&str> = out.stdout.lines().filter(|l| !l.starts_with(' ')).filter_map(|l| l.split_whitespace().next()).collect();
    assert_eq!(marks, ["CRASH", "CRASH", "2"], "{}", out.stdout);
    assert!(out.stdout.contains(&format!("reproduce: labsim run {} --seed", pass.display())), "{}", out.stdout);
    assert!(out.stdout.ends_with("\n2 scenarios: 0 passed, 0 failed, 0 invalid, 2 crashed labsim\n"), "{}", out.stdout);
    let text = std::fs::read_to_string(&crash_junit).unwrap();
    let root = xml::parse(&text).unwrap_or_else(|e| panic!("--junit is not well-formed XML: {e}\n{text}"));
    assert_eq!(root.children.iter().filter(|e| e.name == "testsuite").count(), 2, "{text}");
    // --color colours the marks, as in one run's report.
    let out = labsim(&["run", arg(&pass), arg(&pass2), "--color", "always"]);
    assert!(out.stdout.starts_with("\x1b[32mPASS\x1b[0m"), "{}", out.stdout);

    // What makes no sense with several runs is refused before anything runs.
    let same_name = again.join("pass.ron");
    std::fs::copy(&pass2, &same_name).unwrap();
    for (other, extra, says) in [
        (&pass2, vec!["--json"], "--json prints one run's report"),
        (&pass2, vec!["--trace", "t.jsonl"], "--trace writes one run's trace"),
        (&same_name, vec!["--pcap", arg(&pcap)], "are both named pass"),
        (&pass2, vec!["--quiet"], "--quiet shapes one run's report"),
        (&pass2, vec!["--only", "lb-1"], "--only shapes one run's report"),
        (&pass2, vec!["--from", "1s"], "--from shapes one run's report"),
    ] {
        let mut args = vec!["run", arg(&pass), arg(other)];
        args.extend(extra);
        let out = labsim(&args);
        assert_eq!(out.code, Some(INVALID), "{args:?}: {}", out.stdout);
        assert!(out.stdout.is_empty() && out.stderr.contains(says), "{args:?}: {}", out.stderr);
    }
}

#[test]
fn check_accepts_a_topology_and_counts_in_words() {
    let out = labsim(&["check", "scenarios/lab/lab.ron", "scenarios/failover.ron"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(out.stdout.contains("scenarios/lab/lab.ron: ok (a topology: 7 hosts, 2 networks)\n"), "{}", out.stdout);
    assert!(out.stdout.contains("scenarios/failover.ron: ok (7 hosts, 8 timeline entries, 16 expectations)\n"), "{}", out.stdout);
    let dir = util::scratch("check-words");
    let one = dir.join("one.ron");
    let text = r#"Scenario(name: "one", duration: "2s",
        networks: { "n": Network(cidr: "10.0.0.0/24") },
        hosts: { "h": Host(nics: { "eth0": ("n", "10.0.0.1/24") }) },
        timeline: [At("1s", "h", "ip addr")],
        expect: [Output(host: "h", at: "1s", contains: "10.0.0.1")])"#;
    std::fs::write(&one, text).unwrap();
    let out = labsim(&["check", arg(&one)]);
    assert!(out.stdout.ends_with("ok (1 host, 1 timeline entry, 1 expectation)\n"), "{}", out.stdout);
    // A topology has nothing to run.
    let out = labsim(&["run", "scenarios/lab/lab.ron"]);
    assert_eq!(out.code, Some(INVALID));
    assert!(out.stderr.starts_with("scenarios/lab/lab.ron:10:1: this is a topology (`Lab(…)`), not a scenario"), "{}", out.stderr);
}

#[test]
fn topo_shows_hosts_nics_addresses_and_the_vips_of_keepalived_conf() {
    let out = labsim(&["topo", "scenarios/lab/lab.ron"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let scenario = labsim::load_scenario(Path::new("tests/fixtures/failing/wrong_owner.ron")).unwrap();
    for host in &scenario.hosts {
        assert!(out.stdout.lines().any(|l| l.starts_with(&format!("  {} ", host.name))), "{} missing:\n{}", host.name, out.stdout);
        for nic in &host.nics {
            let line = format!("{}  {:<5}  {}/{}", nic.name, nic.network, nic.addr, nic.prefix_len);
            assert!(out.stdout.contains(&line), "{line} missing:\n{}", out.stdout);
        }
    }
    assert!(
        out.stdout.contains("172.2.20.100/32 on front: lb-1 (VI_1 MASTER, priority 110), lb-2 (VI_1 BACKUP, priority 99)"),
        "{}",
        out.stdout
    );
    // A scenario's topology includes what it adds: split-brain.ron's lb-2 has another password,
    // not another VIP, so the same line.
    let out = labsim(&["topo", "scenarios/split-brain.ron"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(out.stdout.starts_with("scenarios/split-brain.ron: 7 hosts, "), "{}", out.stdout);
    // An invalid file is reported as by `check`.
    let out = labsim(&["topo", "tests/fixtures/invalid/bad_cidr.ron"]);
    assert_eq!(out.code, Some(INVALID));
    assert!(out.stdout.is_empty() && out.stderr.contains("bad cidr"), "{}", out.stderr);
}

#[test]
fn bench_outside_the_checkout_says_what_it_looked_for_and_refuses_zero_runs() {
    let elsewhere = util::scratch("bench-elsewhere");
    let out = labsim_in(&elsewhere, &["bench"]);
    assert_eq!(out.code, Some(INVALID), "{}", out.stdout);
    let looked = format!("looked for scenarios in {}", elsewhere.display());
    assert!(out.stderr.contains(&looked) && out.stderr.contains("labsim bench FILE"), "{}", out.stderr);

    let out = labsim(&["bench", "--runs", "0", "scenarios/failover.ron"]);
    assert_eq!(out.code, Some(INVALID));
    assert!(out.stderr.contains("--runs") && out.stdout.is_empty(), "{}", out.stderr);

    // A debug build says its figures mean nothing; a release build does not.
    let file = elsewhere.join("tiny.ron");
    std::fs::write(
        &file,
        r#"Scenario(name: "tiny", duration: "1s", networks: { "n": Network(cidr: "10.0.0.0/24") },
           hosts: { "h": Host(nics: { "eth0": ("n", "10.0.0.1/24") }) })"#,
    )
    .unwrap();
    let out = labsim(&["bench", "--runs", "1", arg(&file)]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(out.stdout.contains("tiny.ron"), "{}", out.stdout);
    // Per core as well as per wall second: a long run folds its digest on a second thread.
    let header = out.stdout.lines().next().unwrap_or_default();
    assert!(header.contains(" deliveries/wall s ") && header.contains(" deliveries/CPU s "), "{header}");
    let warned = out.stderr.contains("this is a debug build; its figures are not meaningful");
    assert_eq!(warned, cfg!(debug_assertions), "{}", out.stderr);
}

#[test]
fn help_and_the_package_description_mention_only_what_works() {
    let cargo = std::fs::read_to_string(util::root().join("Cargo.toml")).unwrap();
    let description = cargo.lines().find(|l| l.starts_with("description = ")).expect("a description");
    assert!(!description.contains("NFS"), "{description}");
    let mut all = String::new();
    for args in [
        &["--help"][..],
        &["run", "--help"],
        &["check", "--help"],
        &["list", "--help"],
        &["new", "--help"],
        &["topo", "--help"],
        &["bench", "--help"],
    ] {
        let out = labsim(args);
        assert_eq!(out.code, Some(0), "{args:?}: {}", out.stderr);
        all.push_str(&out.stdout);
    }
    // NFS has its own issue; until then no help text promises it.
    assert!(!all.to_lowercase().contains("nfs"), "{all}");
    for command in ["run", "check", "list", "new", "topo", "bench"] {
        assert!(all.contains(&format!("\n  {command} ")), "`labsim --help` lists {command}:\n{all}");
    }
}
