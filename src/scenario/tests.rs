//! Loading tests: the invalid fixtures (one per rule), merging over `extends`, and valid files.

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::error::Issue;
use super::lexer::LineCol;
use super::*;
use crate::observe::expect::{Bound, Check, Window};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn s(secs: u64) -> SimTime {
    SimTime::from_secs(secs)
}

/// A scenario written in `scenarios/`, so that `extends: "lab/lab.ron"` finds the shared topology.
fn parse_in_scenarios(text: &str) -> Result<Scenario, ScenarioError> {
    parse(text, &root().join("scenarios/test-inline.ron"))
}

fn messages(error: &ScenarioError) -> Vec<String> {
    error.problems().iter().map(|p| format!("{}: {}", p.path, p.issue)).collect()
}

/// The fixtures in `tests/fixtures/invalid/`, one per rule (sorted).
const RULE_FIXTURES: [&str; 85] = [
    "address_outside_network",
    "bad_address",
    "bad_cidr",
    "bad_duration",
    "bad_epoch",
    "bad_gateway",
    "bad_interface_name",
    "bad_mac",
    "bad_vip",
    "capacity_no_bound",
    "cidr_host_bits",
    "clients_address_taken",
    "clients_name_taken",
    "clients_network_address",
    "clients_outside_network",
    "clients_overflow",
    "clients_too_many",
    "clients_unknown_network",
    "clients_zero_count",
    "cost_too_long",
    "duplicate_address",
    "duplicate_key",
    "duplicate_mac",
    "duplicate_service",
    "empty_command",
    "expect_unknown_host",
    "expected_identifier",
    "expected_string",
    "extends_device",
    "extends_missing",
    "extends_relative_to_cwd",
    "file_device",
    "gateway_unreachable",
    "http_errors_two_bounds",
    "http_status_no_bound",
    "invalid_utf8",
    "latency_bad_duration",
    "latency_no_bound",
    "log_two_bounds",
    "mismatched_bracket",
    "missing_field",
    "multicast_mac",
    "name_with_newline",
    "nesting_too_deep",
    "nic_tuple_length",
    "nothing_open",
    "output_without_command",
    "ping_lost_no_bound",
    "ping_lost_two_bounds",
    "power_on_unknown_host",
    "prefix_mismatch",
    "relative_file_path",
    "reserved_address",
    "responses_unknown_host",
    "seed_negative",
    "several_problems",
    "single_quotes",
    "syntax_error",
    "timeline_beyond_duration",
    "timeline_unknown_host",
    "unclosed_at_end",
    "unclosed_list",
    "unknown_expectation",
    "unknown_field",
    "unknown_network",
    "unknown_os",
    "unknown_service",
    "unreadable_file",
    "users_asset_elsewhere",
    "users_bad_url",
    "users_connections",
    "users_for_zero",
    "users_peak_share",
    "users_too_many_assets",
    "users_zero_dau",
    "users_zero_pages",
    "vip_off_network",
    "vip_owner_host_and_hosts",
    "vip_owner_no_window",
    "window_beyond_duration",
    "window_reversed",
    "wrong_type",
    "zero_cpus",
    "zero_duration",
    "zero_max_events",
];

#[test]
fn every_invalid_fixture_reports_its_expected_first_problem() {
    let dir = root().join("tests/fixtures/invalid");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "ron"))
        .collect();
    paths.sort();
    // One fixture per rule: a fixture removed or renamed must be noticed.
    let names: Vec<String> = paths.iter().filter_map(|p| Some(p.file_stem()?.to_str()?.to_string())).collect();
    assert_eq!(names, RULE_FIXTURES);
    let mut failures = Vec::new();
    for path in &paths {
        // Bytes: a fixture may hold invalid UTF-8 after its first line.
        let text = String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned();
        let expected = text
            .lines()
            .next()
            .and_then(|line| line.strip_prefix("// expect: "))
            .unwrap_or_else(|| panic!("{}: first line must be `// expect: …`", path.display()));
        // As typed from the repository's root (the tests' current directory), so that messages
        // naming the path tried read as they would for a user there.
        let error = match load(path.strip_prefix(root()).unwrap_or(path)) {
            Ok(_) => {
                failures.push(format!("{}: loaded without error", path.display()));
                continue;
            }
            Err(error) => error,
        };
        let rendered = error.to_string();
        let first = rendered.lines().next().unwrap_or_default();
        let has_position = error.problems().first().is_some_and(|p| p.position.is_some());
        if !first.ends_with(expected) || !has_position {
            failures.push(format!("{}:\n  expected …{expected}\n  got      {first}", path.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_several_problems_fixture_reports_all_of_them() {
    let path = root().join("tests/fixtures/invalid/several_problems.ron");
    let error = load(&path).unwrap_err();
    let text = error.to_string();
    assert_eq!(text.lines().count(), 5, "{text}");
    for line in text.lines() {
        assert!(line.starts_with(&format!("{}:", path.display())), "{line}");
    }
}

#[test]
fn problems_in_the_topology_point_into_the_topology_file() {
    let error = load(&root().join("tests/fixtures/invalid/base/uses_bad_base.ron")).unwrap_err();
    let problems = error.problems();
    assert_eq!(problems.len(), 2, "{error}");
    assert!(problems[0].file.ends_with("bad_base.ron"), "{error}");
    assert!(problems[0].file.contains("uses_bad_base.ron"), "scenario problems come first: {error}");
    assert!(problems[1].file.ends_with("base/bad_lab.ron"), "{error}");
    assert_eq!(problems[1].position, Some(LineCol { line: 8, column: 37 }), "{error}");
    assert_eq!(
        problems[1].to_string().rsplit_once(".ron:").unwrap().1,
        r#"8:37: hosts."h".nics."eth0"[1]: 10.9.9.9 is outside network "net" (10.0.0.0/24)"#
    );
}

const LAB_SCENARIO: &str = r#"
Scenario(
    name: "failover",
    about: "keepalived on lb-1 stops at 10 s",
    extends: "lab/lab.ron",
    seed: 7,
    duration: "40s",
    hosts: {
        // Override one file, replace the services, add a NIC and a new host.
        "lb-1": Host(
            files: { "/etc/keepalived/keepalived.conf": Text("global_defs { router_id X }\n") },
            enabled: [],
            nics: { "eno50332208": ("mgmt", "10.0.0.1/24", "00:0c:29:00:00:01") },
        ),
        "web-1": Host(files: { "/etc/motd": Text("hi\n") }),
        "client-2": Host(nics: { "eno33554984": Nic(network: "front", addr: "172.2.20.2/24") }, gateway: "172.2.20.254"),
    },
    networks: { "mgmt": Network(cidr: "10.0.0.0/24", latency: "1ms") },
    timeline: [
        At("1s",  "client-1", "ping -i 0.1 -O 172.2.20.100"),
        At("10s", "lb-1",     "systemctl stop keepalived"),
        At("10s", "lb-1",     "poweroff"),
        At("12s", "lb-2",     "ip addr show eno33554984"),
        PowerOn("30s", "lb-1"),
    ],
    expect: [
        VipOwner(vip: "172.2.20.100", host: "lb-1", at: "9s"),
        VipOwner(
            vip: "172.2.20.100",
            hosts: ["lb-1", "lb-2"],   // a split brain
            within: ("20s", "25s"),
        ),
        PingLost(host: "client-1", between: ("10s", "11s"), exactly: 6),
        PingLost(host: "client-1", at_least: 1),
        Log(host: "lb-2", contains: "(VI_1) Entering MASTER STATE", between: ("10s", "11s"), count: 1),
        Log(host: "lb-2", contains: "VRRP_Script"),
        Output(host: "lb-2", at: "12s", contains: "inet 172.2.20.100/32"),
    ],
)
"#;

#[test]
fn a_scenario_merges_over_the_lab_it_extends() {
    let scenario = parse_in_scenarios(LAB_SCENARIO).unwrap();
    assert_eq!(scenario.seed, 7);
    assert_eq!(scenario.duration, s(40));
    assert_eq!(scenario.epoch_unix_s, DEFAULT_EPOCH_UNIX_S);
    assert_eq!(scenario.max_events, DEFAULT_MAX_EVENTS);

    let networks: Vec<_> = scenario.networks.iter().map(|n| (n.name.as_str(), n.latency)).collect();
    assert_eq!(networks, [("back", DEFAULT_LATENCY), ("front", DEFAULT_LATENCY), ("mgmt", Duration::from_millis(1))]);
    let hosts: Vec<_> = scenario.hosts.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(hosts, ["lb-1", "lb-2", "client-1", "web-1", "web-2", "web-3", "nfs", "client-2"]);

    let lb1 = &scenario.hosts[0];
    let nics: Vec<_> = lb1.nics.iter().map(|n| (n.name.as_str(), n.network.as_str(), n.addr, n.mac)).collect();
    assert_eq!(
        nics,
        [
            ("eno16777736", "back", Ipv4Addr::new(192, 168, 20, 101), None),
            ("eno33554984", "front", Ipv4Addr::new(172, 2, 20, 101), None),
            ("eno50332208", "mgmt", Ipv4Addr::new(10, 0, 0, 1), Some([0, 0x0c, 0x29, 0, 0, 1])),
        ]
    );
    // The scenario's keepalived.conf replaced the lab's; the lab's proxy.conf stays.
    assert_eq!(lb1.files.len(), 2);
    assert_eq!(lb1.files[0].contents, b"global_defs { router_id X }\n");
    assert_eq!(lb1.files[1].path, "/etc/nginx/conf.d/proxy.conf");
    assert!(lb1.enabled.is_empty(), "enabled replaces");

    let lb2 = &scenario.hosts[1];
    assert_eq!(lb2.enabled, ["nginx", "keepalived"]);
    let conf = String::from_utf8(lb2.files[0].contents.clone()).unwrap();
    assert!(conf.contains("state BACKUP") && conf.contains("priority 99"), "{conf}");

    let web1 = &scenario.hosts[3];
    let files: Vec<_> = web1.files.iter().map(|f| (f.path.as_str(), f.contents.as_slice())).collect();
    assert_eq!(files[0], ("/var/www/html/index.html", &b"This is web-1 zgh2303\n"[..]));
    assert_eq!((files[1].0, files[2]), ("/etc/fstab", ("/etc/motd", &b"hi\n"[..])));
    assert_eq!(web1.enabled, ["httpd"]);
    assert_eq!(scenario.hosts[7].gateway, Some(Ipv4Addr::new(172, 2, 20, 254)));

    assert_eq!(scenario.timeline.len(), 5);
    assert_eq!(scenario.timeline[1].at, s(10));
    assert_eq!(scenario.timeline[1].action, TimelineAction::Command("systemctl stop keepalived".into()));
    assert_eq!(scenario.timeline[4].action, TimelineAction::PowerOn);
    assert_eq!((scenario.timeline[4].location.line, scenario.timeline[4].location.column), (24, 9));

    let checks: Vec<_> = scenario.expectations.iter().map(|e| e.check.clone()).collect();
    let vip = Ipv4Addr::new(172, 2, 20, 100);
    assert_eq!(checks[0], Check::VipOwner { vip, hosts: vec!["lb-1".into()], window: Window::At(s(9)) });
    assert_eq!(checks[1], Check::VipOwner { vip, hosts: vec!["lb-1".into(), "lb-2".into()], window: Window::Between(s(20), s(25)) });
    assert_eq!(checks[2], Check::PingLost { host: "client-1".into(), window: Window::Between(s(10), s(11)), bound: Bound::Exactly(6) });
    assert_eq!(checks[3], Check::PingLost { host: "client-1".into(), window: Window::Between(s(0), s(40)), bound: Bound::AtLeast(1) });
    assert!(matches!(&checks[4], Check::Log { count: Some(Bound::Exactly(1)), .. }));
    assert!(matches!(&checks[5], Check::Log { count: None, window: Window::Between(_, end), .. } if *end == s(40)));
    assert_eq!(checks[6], Check::Output { host: "lb-2".into(), at: s(12), contains: "inet 172.2.20.100/32".into() });
    let second = &scenario.expectations[1];
    assert_eq!(second.text, r#"VipOwner(vip: "172.2.20.100", hosts: ["lb-1", "lb-2"], within: ("20s", "25s"))"#);
    assert_eq!((second.location.line, second.location.column), (28, 9));
    assert!(second.location.file.ends_with("scenarios/test-inline.ron"));
}

#[test]
fn a_scenario_may_declare_everything_itself() {
    let text = r#"Scenario(
        name: "two hosts",
        duration: "1m30.5s",
        epoch: Some("2027-01-01T00:00:00Z"),
        max_events: 1000,
        networks: { "lan": Network(cidr: "10.1.0.0/16", latency: "3.5us") },
        hosts: {
            "a": Host(nics: { "eth0": ("lan", "10.1.0.1/16") }, enabled: ["nginx", "httpd"]),
            "b": Host(nics: { "eth0": ("lan", "10.1.2.3/16") }, gateway: None),
        },
        timeline: [At("1m", "a", "ping 10.1.2.3")],
    )"#;
    let error = parse(text, Path::new("inline.ron")).unwrap_err();
    assert_eq!(
        error.to_string(),
        r#"inline.ron:6:66: networks."lan".latency: bad duration "3.5us": finer than the simulator's resolution of 1us"#
    );
    let scenario = parse(&text.replace("3.5us", "3us"), Path::new("inline.ron")).unwrap();
    assert_eq!(scenario.path, Path::new("inline.ron"));
    assert_eq!(scenario.duration, SimTime::from_millis(90_500));
    assert_eq!(scenario.epoch_unix_s, 1_798_761_600);
    assert_eq!(scenario.max_events, 1000);
    assert_eq!(scenario.networks[0].cidr_addr, Ipv4Addr::new(10, 1, 0, 0));
    assert_eq!(scenario.networks[0].prefix_len, 16);
    assert_eq!(scenario.hosts[0].enabled, ["nginx", "httpd"]);
    assert_eq!(scenario.timeline[0].at, s(60));
    assert!(scenario.expectations.is_empty());
}

#[test]
fn the_shipped_lab_loads_and_matches_the_manual() {
    let scenario = parse_in_scenarios(r#"Scenario(name: "lab", extends: "lab/lab.ron", duration: "1s")"#).unwrap();
    let addrs: Vec<String> = scenario
        .hosts
        .iter()
        .flat_map(|h| h.nics.iter().map(move |n| format!("{} {} {}/{}", h.name, n.name, n.addr, n.prefix_len)))
        .collect();
    assert_eq!(
        addrs,
        [
            "lb-1 eno16777736 192.168.20.101/24",
            "lb-1 eno33554984 172.2.20.101/24",
            "lb-2 eno16777736 192.168.20.102/24",
            "lb-2 eno33554984 172.2.20.102/24",
            "client-1 eno33554984 172.2.20.1/24",
            "web-1 eno16777736 192.168.20.201/24",
            "web-2 eno16777736 192.168.20.202/24",
            "web-3 eno16777736 192.168.20.203/24",
            "nfs eno16777736 192.168.20.204/24",
        ]
    );
    let lb1 = String::from_utf8(scenario.hosts[0].files[0].contents.clone()).unwrap();
    for line in ["router_id HA_TEST_R1", "state MASTER", "interface eno33554984", "priority 110", "auth_pass 123456"] {
        assert!(lb1.contains(line), "{line}");
    }
}

#[test]
fn a_topology_file_is_checked_on_its_own_and_is_not_a_scenario() {
    let lab = root().join("scenarios/lab/lab.ron");
    let Ok(Loaded::Topology(topology)) = load_any(&lab) else { panic!("the lab does not load as a topology") };
    let from_scenario = parse_in_scenarios(r#"Scenario(name: "lab", extends: "lab/lab.ron", duration: "1s")"#).unwrap();
    assert_eq!((topology.networks, topology.hosts), (from_scenario.networks, from_scenario.hosts));
    // A scenario still loads as one.
    assert!(matches!(load_any(&root().join("scenarios/failover.ron")), Ok(Loaded::Scenario(_))));
    // A topology has nothing to run.
    let error = load(&lab).unwrap_err();
    assert_eq!(error.problems().len(), 1, "{error}");
    assert_eq!(error.problems()[0].position, Some(LineCol { line: 10, column: 1 }), "{error}");
    assert_eq!(error.problems()[0].issue, Issue::NotAScenario);
    // A topology's problems are reported in it, as when a scenario extends it.
    let error = load_any(&root().join("tests/fixtures/invalid/base/bad_lab.ron")).unwrap_err();
    assert_eq!(
        error.to_string().rsplit_once(".ron:").unwrap().1,
        r#"8:37: hosts."h".nics."eth0"[1]: 10.9.9.9 is outside network "net" (10.0.0.0/24)"#
    );
}

#[test]
fn problems_name_their_path_and_all_are_reported() {
    let text = r#"Scenario(
        name: "x",
        extends: "lab/lab.ron",
        duration: "20s",
        hosts: { "lb-1": Host(nics: { "eno33554984": ("frnt", "172.2.20.101/24") }) },
        timeline: [At("30s", "lb-3", " ")],
    )"#;
    let error = parse_in_scenarios(text).unwrap_err();
    assert_eq!(
        messages(&error),
        [
            r#"hosts."lb-1".nics."eno33554984"[0]: unknown network "frnt" (known: back, front)"#,
            r#"timeline[0][0]: "30s" is after the end of the run (duration "20s")"#,
            r#"timeline[0][1]: unknown host "lb-3" (known: lb-1, lb-2, client-1, web-1, web-2, web-3, nfs)"#,
            "timeline[0][2]: empty command",
        ]
    );
    let first = &error.problems()[0];
    assert_eq!(first.position, Some(LineCol { line: 5, column: 55 }));
}

#[test]
fn a_missing_scenario_file_is_a_read_error() {
    let error = load(Path::new("no/such/scenario.ron")).unwrap_err();
    assert!(matches!(error, ScenarioError::Read { .. }));
    assert!(error.to_string().starts_with("no/such/scenario.ron: cannot read the scenario: "));
}

#[test]
fn damaged_text_gives_errors_not_panics() {
    let path = root().join("scenarios/test-inline.ron");
    let boundaries: Vec<usize> = (0..=LAB_SCENARIO.len()).filter(|&i| LAB_SCENARIO.is_char_boundary(i)).collect();
    for window in boundaries.windows(2) {
        let (cut, next) = (window[0], window[1]);
        // Truncated (at some places), and with one character removed (at every place).
        if cut % 5 == 0 && cut < LAB_SCENARIO.trim_end().len() {
            assert!(parse(&LAB_SCENARIO[..cut], &path).is_err());
        }
        let damaged = format!("{}{}", &LAB_SCENARIO[..cut], &LAB_SCENARIO[next..]);
        if let Err(error) = parse(&damaged, &path) {
            assert!(!error.problems().is_empty());
            assert!(error.problems().iter().all(|p| p.position.is_some()), "{damaged}\n{error}");
        }
    }
}

/// A scratch directory for one test, removed by the caller.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("labsim-scenario-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_byte_order_mark_is_accepted_and_not_counted_as_a_column() {
    let dir = scratch("bom");
    let path = dir.join("bom.ron");
    std::fs::write(&path, "\u{FEFF}Scenario(name: \"bom\", duration: \"1s\")").unwrap();
    assert_eq!(load(&path).unwrap().name, "bom");
    std::fs::write(&path, "\u{FEFF}Scenario(name: \"bom\", duration: \"1\")").unwrap();
    let error = load(&path).unwrap_err();
    assert_eq!(error.problems()[0].position, Some(LineCol { line: 1, column: 33 }), "{error}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn every_problem_is_one_line_whatever_the_names_hold() {
    let text = "Scenario(
        name: \"x\",
        duration: \"1s\",
        networks: { \"n\\net\": Network(cidr: \"10.0.0.0/24\") },
        hosts: {
            \"a\\nb\": Host(nics: { \"e\\r0\": (\"n\\net\", \"10.0.0.1/24\"), \"e1\": (\"n\\u{1b}\", \"10.0.0.2/24\") }),
            \"c\\nd\": Host(nics: { \"e\\n0\": (\"n\\net\", \"10.0.0.1/24\") }),
        },
        timeline: [At(\"0s\", \"x\\ny\", \"ls\")],
    )";
    let error = parse(text, Path::new("dir\nname.ron")).unwrap_err();
    let rendered = error.to_string();
    assert_eq!(rendered.lines().count(), error.problems().len(), "{rendered}");
    assert_eq!(error.problems().len(), 5, "{rendered}");
    assert!(rendered.lines().all(|line| line.starts_with(r"dir\nname.ron:")), "{rendered}");
    assert!(rendered.contains(r#"is already used on network "n\net" by "a\nb" "e\r0""#), "{rendered}");
    assert!(rendered.contains(r#"unknown host "x\ny" (known: "a\nb", "c\nd")"#), "{rendered}");
}

#[test]
fn only_the_first_problems_are_listed_with_a_count_of_the_others() {
    let services = "\"nfs\", ".repeat(error::MAX_LISTED + 50);
    let text = format!("Scenario(name: \"x\", duration: \"1s\", hosts: {{ \"h\": Host(enabled: [{services}]) }})");
    let error = parse(&text, Path::new("many.ron")).unwrap_err();
    assert_eq!(error.problems().len(), error::MAX_LISTED);
    assert_eq!(error.problems()[0].path, r#"hosts."h".enabled[0]"#);
    let rendered = error.to_string();
    assert_eq!(rendered.lines().count(), error::MAX_LISTED + 1);
    assert_eq!(rendered.lines().last(), Some("many.ron: … and 50 more problems"));
    // Problems found out of file order are still the first ones listed.
    let text = format!(
        "Scenario(name: \"x\", duration: \"1\", hosts: {{ \"h\": Host(enabled: [{services}]) }}, timeline: [At(\"0s\", \"nobody\", \"ls\")])"
    );
    let error = parse(&text, Path::new("many.ron")).unwrap_err();
    assert_eq!(error.problems()[0].path, "duration");
    assert_eq!(error.problems().last().map(|p| p.path.as_str()), Some(r#"hosts."h".enabled[98]"#));
}

#[test]
fn nesting_is_bounded_before_anything_recurses() {
    let max = lexer::MAX_DEPTH;
    for (open, close) in [("(", ")"), ("[", "]"), ("{", "}"), ("Some(", ")")] {
        // At the limit, everything that recurses (the span index, ron, serde) runs on a test
        // thread's 2 MiB stack, in a debug build.
        let prefix = "Scenario(name: \"x\", duration: \"1s\", hosts: { \"h\": Host(enabled: [";
        let nested = |levels: usize| format!("{prefix}{}{}]) }})", open.repeat(levels), close.repeat(levels));
        let error = parse(&nested(max - 4), Path::new("deep.ron")).unwrap_err();
        assert!(!matches!(error.problems()[0].issue, error::Issue::TooDeep), "{open}: {error}");
        let error = parse(&nested(max - 3), Path::new("deep.ron")).unwrap_err();
        let column = prefix.len() + (max - 3) * open.len();
        assert_eq!(error.to_string(), format!("deep.ron:1:{column}: nesting deeper than 64 levels"), "{open}");
    }
}

#[test]
fn files_past_the_input_budget_are_refused_where_they_are_named() {
    let dir = scratch("budget");
    let big = std::fs::File::create(dir.join("big")).unwrap();
    big.set_len(input::MAX_INPUT_BYTES + 1).unwrap();
    let text = r#"Scenario(name: "x", duration: "1s", hosts: { "h": Host(files: { "/big": File("big") }) })"#;
    let error = parse(text, &dir.join("budget.ron")).unwrap_err();
    assert_eq!(
        error.to_string().rsplit_once(".ron:").unwrap().1,
        r#"1:73: hosts."h".files."/big": cannot read "big": too large: a scenario, its topology and its files may total 16 MiB"#
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
