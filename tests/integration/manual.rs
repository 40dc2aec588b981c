//! The lab manual as a scenario (issue 12): `scenarios/lab-manual.ron` types each host's §4
//! commands in the manual's order (read from the manual itself, `docs/lab-manual.zh.txt`), its
//! §5 checks come after in §5's order, and it passes; the not-enabled lesson, fixed, runs clean.

use labsim::{Outcome, TimelineAction, load_scenario};

use crate::util;

/// §4's subsections and the host each configures.
const SECTIONS: &[(&str, &str)] =
    &[("4.1web-1", "web-1"), ("4.2web-2", "web-2"), ("4.3web-3", "web-3"), ("4.4NFS", "nfs"), ("4.5Lb-1", "lb-1"), ("4.6 Lb-2", "lb-2")];

/// The manual's own mistakes, typed as meant (each explained in lab-manual.ron's header):
/// (host, as printed, as typed).
const CORRECTIONS: &[(&str, &str, &str)] = &[(
    "lb-1",
    "nmcli connection modify eno16777736 ipv4.addresses 172.2.20.101/24 ipv4.method manual",
    "nmcli connection modify eno33554984 ipv4.addresses 172.2.20.101/24 ipv4.method manual",
)];

/// A command as printed in the manual, made comparable: its `//` note dropped, the word
/// processor's typography undone (curly quotes, the en dash of `nginx –t`), spaces folded.
fn printed(line: &str) -> String {
    let line = line.split(" //").next().unwrap_or(line);
    let line = line.replace(['“', '”'], "\"").replace('–', "-");
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A typed command, made comparable with the manual's: a here-document that writes a file is the
/// manual's `vim FILE`, the copy of the shipped repository file is its `wget`.
fn typed(line: &str) -> String {
    let first = line.lines().next().unwrap_or(line);
    let words: Vec<&str> = first.split_whitespace().collect();
    match words.as_slice() {
        ["cat", ">" | ">>", file, here, ..] if here.starts_with("<<") => format!("vim {file}"),
        ["cp", "/root/epel-7.repo", dest] => format!("wget -O {dest} http://mirrors.aliyun.com/repo/epel-7.repo"),
        _ => words.join(" "),
    }
}

/// Each host's commands in §4 of the manual, in order.
fn manual_commands() -> Vec<(&'static str, Vec<String>)> {
    let text = std::fs::read_to_string(util::root().join("docs/lab-manual.zh.txt")).expect("the manual is in docs/");
    // The body starts at the second "4.项目实践过程" (the first is the table of contents).
    let body_at = text.match_indices("4.项目实践过程").nth(1).map(|(i, _)| i).expect("§4's body");
    let end = text[body_at..].find("5.项目验证与测试").map(|i| body_at + i).expect("§5");
    let body = &text[body_at..end];
    let mut hosts: Vec<(&str, Vec<String>)> = Vec::new();
    for line in body.lines() {
        if let Some((_, host)) = SECTIONS.iter().find(|(heading, _)| line.starts_with(heading)) {
            hosts.push((host, Vec::new()));
            continue;
        }
        let Some(command) = line.trim_start().strip_prefix("[root@").and_then(|l| l.split_once("]#")).map(|(_, c)| c) else {
            continue;
        };
        let (host, commands) = hosts.last_mut().expect("a command under a host's section");
        let mut command = printed(command);
        if let Some((_, _, meant)) = CORRECTIONS.iter().find(|(h, p, _)| h == host && *p == command) {
            command = (*meant).to_owned();
        }
        commands.push(command);
    }
    hosts
}

#[test]
fn each_host_types_the_manuals_section_4_in_order_then_section_5_runs_in_order() {
    let scenario = load_scenario(&util::scenario_path("lab-manual.ron")).unwrap();
    let commands: Vec<(u64, &str, &str)> = scenario
        .timeline
        .iter()
        .filter_map(|e| match &e.action {
            TimelineAction::Command(line) => Some((e.at.as_micros(), e.host.as_str(), line.as_str())),
            TimelineAction::PowerOn | TimelineAction::Users(_) => None,
        })
        .collect();
    let manual = manual_commands();
    assert_eq!(manual.len(), 6, "six hosts configured in §4");
    let mut last_of_section_4 = 0u64;
    for (host, printed) in &manual {
        let typed_lines: Vec<String> =
            commands.iter().filter(|(_, h, _)| h == host).map(|(_, _, l)| typed(l)).take(printed.len()).collect();
        assert_eq!(&typed_lines, printed, "{host}: §4's commands, in the manual's order");
        let at = commands.iter().filter(|(_, h, _)| h == host).nth(printed.len() - 1).map(|(t, _, _)| *t).unwrap();
        last_of_section_4 = last_of_section_4.max(at);
    }
    // §4.1–§4.3 then §4.5–§4.6 keep the manual's order of hosts; §4.4 (NFS) goes first, as the
    // web servers' mounts need it.
    let first = |host: &str| commands.iter().find(|(_, h, _)| *h == host).map(|(t, _, _)| *t).unwrap();
    let order = ["nfs", "web-1", "web-2", "web-3", "lb-1", "lb-2"].map(first);
    assert!(order.windows(2).all(|w| w[0] < w[1]), "hosts in order: {order:?}");
    // §5: round robin, then the changed page, then the VIP on lb-1 only, the client's ping, the
    // stop on lb-1, lb-2's log.
    let at = |host: &str, prefix: &str| {
        commands
            .iter()
            .find(|(t, h, l)| *t > last_of_section_4 && *h == host && l.starts_with(prefix))
            .map(|(t, _, _)| *t)
            .unwrap_or_else(|| panic!("§5: {host} types {prefix:?}"))
    };
    let checks = [
        at("client-1", "curl.exe http://172.2.20.100/"),
        at("nfs", "echo \"This is NFS zgh2303, changed\""),
        at("lb-1", "ip addr"),
        at("client-1", "ping 172.2.20.100 -t"),
        at("lb-1", "systemctl stop keepalived"),
        at("lb-2", "grep Keepalived_vrrp /var/log/messages"),
    ];
    assert!(checks.windows(2).all(|w| w[0] < w[1]), "§5 in order: {checks:?}");
}

#[test]
fn the_lab_manual_passes_from_its_first_command_to_its_last_check() {
    let result = util::run(&util::scenario_path("lab-manual.ron"), None);
    assert_eq!(result.outcome, Outcome::Completed);
    assert!(result.report.passed(), "{}", result.report.to_text(result.trace.events()));
    let text = result.report.to_text(result.trace.events());
    // The report reads like the manual's screenshots: yum's summary, the test page, the mount.
    for shown in [
        "Install  1 Package (+4 Dependent packages)",
        "Complete!",
        "Export list for 192.168.20.204:",
        "Pinging 172.2.20.100 with 32 bytes of data:",
        "Request timed out.",
    ] {
        assert!(text.contains(shown), "the report shows {shown:?}");
    }
}

#[test]
fn with_nginx_enabled_the_reboot_of_lb_1_loses_nothing() {
    let text = std::fs::read_to_string(util::scenario_path("mistake-not-enabled.ron")).unwrap();
    let lab = util::root().join("scenarios/lab/");
    let text = text.replace("\"lab/", &format!("\"{}", lab.display()));
    let forgotten = r#""lb-1": Host(enabled: ["keepalived"]),"#;
    assert!(text.contains(forgotten));
    let text = text.replace(forgotten, r#""lb-1": Host(enabled: ["nginx", "keepalived"]),"#);
    let cut = text.find("    expect: [").expect("the lesson has expectations");
    let expect = r#"        HttpStatus(host: "client-1", status: 200, exactly: 10),
        HttpErrors(host: "client-1", exactly: 0),
        VipOwner(vip: "172.2.20.100", host: "lb-1", at: "30s"),"#;
    let text = format!("{}    expect: [\n{expect}\n    ],\n)\n", &text[..cut]);
    let file = util::scratch("fixed-not-enabled").join("mistake-not-enabled-fixed.ron");
    std::fs::write(&file, text).unwrap();
    let result = util::run(&file, None);
    assert_eq!(result.outcome, Outcome::Completed);
    assert!(result.report.passed(), "{}", result.report.to_text(result.trace.events()));
}
