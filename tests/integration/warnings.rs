//! What labsim reads but does not model: keepalived keywords and nginx directives the real tools
//! know are ignored with a warning in the tool's own words where the tool prints its
//! configuration messages (`tests/fixtures/warnings/not-modelled.ron`, whose expectations see
//! them), and `labsim check` lists what the daemons would say at start as warnings, exit 0,
//! positioned at the scenario's files.

use crate::util;

const FIXTURE: &str = "tests/fixtures/warnings/not-modelled.ron";

#[test]
fn the_tools_warn_and_run_with_the_rest() {
    let result = util::run(&util::root().join(FIXTURE), None);
    assert!(result.report.passed(), "{}", result.report.to_text(result.trace.events()));
}

fn check(file: &str) -> (i32, String, Vec<String>) {
    let out = util::labsim().args(["check", file]).output().expect("labsim runs");
    let stderr = String::from_utf8_lossy(&out.stderr).lines().map(str::to_owned).collect();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), stderr)
}

#[test]
fn check_lists_them_at_the_scenarios_files_and_passes() {
    let (code, stdout, warnings) = check(FIXTURE);
    assert_eq!(code, 0);
    assert!(stdout.starts_with(&format!("{FIXTURE}: ok (")), "{stdout}");
    assert_eq!(
        warnings,
        [
            "tests/fixtures/warnings/lb-1-keepalived.conf:3: warning: lb-1: Keepalived_vrrp: (Line 3) Keyword 'vrrp_track_process' is not modelled by labsim - ignoring",
            "tests/fixtures/warnings/lb-1-keepalived.conf:26: warning: lb-1: Keepalived_vrrp: (Line 26) Keyword 'track_process' is not modelled by labsim - ignoring",
            "tests/fixtures/warnings/proxy-gzip.conf:9: warning: lb-1: nginx: [warn] \"gzip\" directive is not modelled by labsim, ignored in /etc/nginx/conf.d/proxy.conf:9",
            "tests/fixtures/warnings/proxy-gzip.conf:11: warning: lb-1: nginx: [warn] \"if\" directive is not modelled by labsim, ignored in /etc/nginx/conf.d/proxy.conf:11",
        ],
        "lb-2's /root/limit.conf is only read when copied into place, so it is not listed"
    );
}

/// A file written inline in the scenario is named by host and path; every other message of the
/// daemon about its configuration is listed too (keepalived's `Unknown keyword`).
#[test]
fn check_names_inline_files_by_host_and_path() {
    let (code, _, warnings) = check("scenarios/config-typo.ron");
    assert_eq!(code, 0);
    assert_eq!(
        warnings,
        [
            "scenarios/config-typo.ron: warning: lb-1:/etc/keepalived/keepalived.conf:8: Keepalived_vrrp: (Line 8) Unknown keyword 'priorty'",
            "scenarios/config-typo.ron: warning: lb-2:/etc/keepalived/keepalived.conf: Keepalived_vrrp: There are 1 missing '}'s or extra '{'s",
        ]
    );
}

/// The shipped lessons use nothing labsim does not model (config-typo's typos are its lesson).
#[test]
fn shipped_lessons_give_no_warning() {
    for path in util::shipped_scenarios().into_iter().filter(|p| !p.ends_with("config-typo.ron")) {
        let (code, _, warnings) = check(&util::relative(&path));
        assert_eq!((code, warnings), (0, Vec::<String>::new()), "{}", path.display());
    }
}

/// Every keyword of keepalived.conf(5)'s "VRRP instance(s)" section (keepalived 2.2.7,
/// `doc/man/man5/keepalived.conf.5.in`, the syntax block of `vrrp_instance`, in its order).
const INSTANCE_KEYWORDS: &[&str] = &[
    "state",
    "interface",
    "vrf",
    "use_vmac",
    "use_vmac_addr",
    "vmac_xmit_base",
    "use_ipvlan",
    "native_ipv6",
    "dont_track_primary",
    "track_interface",
    "track_script",
    "track_file",
    "track_process",
    "track_bfd",
    "mcast_src_ip",
    "unicast_src_ip",
    "mcast_dst_ip",
    "track_src_ip",
    "version",
    "check_unicast_src",
    "unicast_peer",
    "unicast_fault_no_peer",
    "unicast_ttl",
    "old_unicast_checksum",
    "garp_master_delay",
    "garp_master_repeat",
    "garp_lower_prio_delay",
    "garp_lower_prio_repeat",
    "garp_master_refresh",
    "garp_master_refresh_repeat",
    "garp_extra_if",
    "down_timer_adverts",
    "lower_prio_no_advert",
    "higher_prio_send_advert",
    "virtual_router_id",
    "priority",
    "advert_int",
    "authentication",
    "virtual_ipaddress",
    "virtual_ipaddress_excluded",
    "promote_secondaries",
    "virtual_routes",
    "virtual_rules",
    "accept",
    "no_accept",
    "nopreempt",
    "preempt",
    "preempt_delay",
    "skip_check_adv_addr",
    "strict_mode",
    "debug",
    "notify_master",
    "notify_backup",
    "notify_fault",
    "notify_stop",
    "notify",
    "notify_master_rx_lower_pri",
    "notify_priority_changes",
    "smtp_alert",
    "kernel_rx_buf_size",
    "linkbeat_use_polling",
];

/// The ones labsim models (README, "Not modelled").
const MODELLED: &[&str] = &[
    "state",
    "interface",
    "track_interface",
    "track_script",
    "garp_master_delay",
    "garp_master_repeat",
    "virtual_router_id",
    "priority",
    "advert_int",
    "authentication",
    "virtual_ipaddress",
    "accept",
    "nopreempt",
    "preempt",
    "preempt_delay",
    "notify_master",
    "notify_backup",
    "notify_fault",
    "notify_stop",
    "notify",
];

const INSTANCE_FIXTURE: &str = "tests/fixtures/warnings/instance-keywords.conf";

/// Acceptance 4 of issue 13: a keepalived.conf with every keyword of the man page's "VRRP
/// instance" section either works or is warned about in keepalived's words. The fixture holds
/// each keyword once, at the instance's level; `labsim check` gives each unmodelled one exactly
/// `(Line N) Keyword 'K' is not modelled by labsim - ignoring` at its line and nothing else, the
/// modelled ones nothing; and the run (its expectations) has VI_1 MASTER with the VIP.
#[test]
fn every_instance_keyword_of_the_man_page_works_or_is_warned_about() {
    let text = std::fs::read_to_string(util::root().join(INSTANCE_FIXTURE)).unwrap();
    // (line, keyword) at depth 1 of `vrrp_instance VI_1 { … }`.
    let mut depth = 0;
    let mut inside = false;
    let mut keywords = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let word = line.split_whitespace().next().unwrap_or_default();
        if word.starts_with('!') || word.is_empty() {
            continue;
        }
        if word == "vrrp_instance" {
            inside = true;
        } else if inside && depth == 1 && word != "}" {
            keywords.push((i + 1, word.to_owned()));
        }
        depth += line.matches('{').count();
        depth -= line.matches('}').count();
    }
    let names: Vec<&str> = keywords.iter().map(|(_, k)| k.as_str()).collect();
    assert_eq!(names, INSTANCE_KEYWORDS, "the fixture holds the man page's keywords, in order");

    let (code, _, warnings) = check("tests/fixtures/warnings/instance-keywords.ron");
    assert_eq!(code, 0);
    let expected: Vec<String> = keywords
        .iter()
        .filter(|(_, k)| !MODELLED.contains(&k.as_str()))
        .map(|(line, k)| {
            format!("{INSTANCE_FIXTURE}:{line}: warning: lb-1: Keepalived_vrrp: (Line {line}) Keyword '{k}' is not modelled by labsim - ignoring")
        })
        .collect();
    assert_eq!(warnings, expected);
    assert!(!warnings.iter().any(|w| w.contains("Unknown keyword")));
    let result = util::run(&util::root().join("tests/fixtures/warnings/instance-keywords.ron"), None);
    assert!(result.report.passed(), "{}", result.report.to_text(result.trace.events()));
}
