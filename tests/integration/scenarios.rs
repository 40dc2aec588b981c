//! Whole scenarios: every `scenarios/*.ron` loads, runs to completion and meets its expectations.

use labsim::Outcome;

use crate::util;

#[test]
fn every_shipped_scenario_completes_and_meets_its_expectations() {
    let runs = util::shipped_runs();
    let names: Vec<String> = runs.iter().map(|(p, _)| util::relative(p)).collect();
    for expected in ["scenarios/failover.ron", "scenarios/failover-crash.ron", "scenarios/failover-linkdown.ron"] {
        assert!(names.iter().any(|n| n == expected), "{expected} is not among the shipped scenarios {names:?}");
    }
    let mut failures = Vec::new();
    for (path, result) in runs {
        let report = &result.report;
        let problem = if result.outcome != Outcome::Completed {
            Some(format!("outcome {:?}", result.outcome))
        } else if report.expectations.is_empty() {
            Some("no expectations: a scenario must say what it demonstrates".to_owned())
        } else if !report.passed() {
            Some("some expectation failed".to_owned())
        } else {
            None
        };
        if let Some(problem) = problem {
            failures.push(format!("{}: {problem}\n{}", path.display(), report.to_text(result.trace.events())));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_shipped_scenario_captures_the_front_network() {
    for (path, result) in util::shipped_runs() {
        let front = util::read_pcap(util::pcap_of(result, "front"));
        // VRRP adverts (IP protocol 112) every second from the master, at least.
        let vrrp = front.iter().filter(|f| f.bytes.len() > 23 && f.bytes[12..14] == [0x08, 0x00] && f.bytes[23] == 112).count();
        assert!(vrrp >= 10, "{}: only {vrrp} VRRP frames captured on front", path.display());
        for (network, bytes) in &result.pcaps {
            let frames = util::read_pcap(bytes);
            assert!(frames.windows(2).all(|w| w[0].unix_us <= w[1].unix_us), "{}: {network}: capture times go backwards", path.display());
        }
    }
}

/// A client range declares its hosts by count (`load-1` … `load-64` on consecutive addresses) and
/// a timeline entry for the range's name types the line on every one of them.
#[test]
fn a_client_range_declares_its_hosts_and_runs_the_timeline_on_each() {
    let check = util::run_labsim(&["check", "scenarios/bench/scale-64.ron"], &[]);
    assert!(check.stdout.contains("ok (71 hosts, 64 timeline entries, 2 expectations)"), "{}", check.stdout);
    let topo = util::run_labsim(&["topo", "scenarios/bench/scale-64.ron"], &[]);
    let line = |host: &str| topo.stdout.lines().find(|l| l.split_whitespace().next() == Some(host)).map(str::to_owned);
    assert!(line("load-1").is_some_and(|l| l.contains("eno33554984  front  172.2.21.1/20")), "{}", topo.stdout);
    assert!(line("load-64").is_some_and(|l| l.contains("172.2.21.64/20")), "{}", topo.stdout);
    assert!(line("load-65").is_none(), "{}", topo.stdout);

    let result = util::run(&util::root().join("scenarios/bench/scale-8.ron"), None);
    let mut per_host = std::collections::BTreeMap::<String, usize>::new();
    for e in result.trace.events() {
        if let labsim::TraceKind::HttpTransfer { host, .. } = &e.kind {
            *per_host.entry(host.clone()).or_default() += 1;
        }
    }
    let expected: std::collections::BTreeMap<String, usize> = (1..=8).map(|i| (format!("load-{i}"), 1000)).collect();
    assert_eq!(per_host, expected);
}
