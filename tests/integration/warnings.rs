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
            "tests/fixtures/warnings/lb-1-keepalived.conf:3: warning: lb-1: Keepalived_vrrp: (Line 3) Keyword 'vrrp_script' is not modelled by labsim - ignoring",
            "tests/fixtures/warnings/lb-1-keepalived.conf:26: warning: lb-1: Keepalived_vrrp: (Line 26) Keyword 'track_script' is not modelled by labsim - ignoring",
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
