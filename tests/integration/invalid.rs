//! Invalid input through the command line: each `tests/fixtures/invalid/**/*.ron` fixture gives
//! exit code 2 and its message at `FILE:LINE:COL`; missing files and bad usage give exit code 2.

use std::path::{Path, PathBuf};

use crate::util;

/// Exit code for an invalid scenario or command line (`src/cli/exit.rs`).
const INVALID: i32 = 2;

fn fixtures(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display())) {
        let path = entry.expect("readable entry").path();
        if path.is_dir() {
            fixtures(&path, out);
        } else if path.extension().is_some_and(|x| x == "ron") {
            out.push(path);
        }
    }
}

/// `(fixture as typed from the repository root, expected message)` for every fixture whose first
/// line is `// expect: MESSAGE`.
fn expecting_fixtures() -> Vec<(String, String)> {
    let mut paths = Vec::new();
    fixtures(&util::root().join("tests/fixtures/invalid"), &mut paths);
    paths.sort();
    let list: Vec<(String, String)> = paths
        .iter()
        .filter_map(|p| {
            // Bytes: a fixture may hold invalid UTF-8 after its first line.
            let text = String::from_utf8_lossy(&std::fs::read(p).expect("readable fixture")).into_owned();
            let expected = text.lines().next()?.strip_prefix("// expect: ")?.to_owned();
            Some((util::relative(p), expected))
        })
        .collect();
    assert!(list.len() >= 40, "only {} invalid fixtures with `// expect:` found", list.len());
    list
}

/// Whether `line` is `FILE:LINE:COL: …MESSAGE…`.
pub(crate) fn positioned(line: &str, file: &str, message: &str) -> bool {
    let Some(rest) = line.strip_prefix(file).and_then(|r| r.strip_prefix(':')) else { return false };
    let mut parts = rest.splitn(3, ':');
    let numeric = |s: Option<&str>| s.is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()));
    numeric(parts.next()) && numeric(parts.next()) && parts.next().is_some_and(|tail| tail.starts_with(' ') && tail.contains(message))
}

#[test]
fn positioned_recognises_file_line_col() {
    assert!(positioned("a.ron:3:14: x: bad thing", "a.ron", "bad thing"));
    assert!(!positioned("a.ron: x: bad thing", "a.ron", "bad thing"));
    assert!(!positioned("a.ron:3:: bad thing", "a.ron", "bad thing"));
    assert!(!positioned("b.ron:3:14: bad thing", "a.ron", "bad thing"));
    assert!(!positioned("a.ron:3:14: good thing", "a.ron", "bad thing"));
}

#[test]
fn check_and_run_reject_every_invalid_fixture_with_its_position_and_message() {
    let mut failures = Vec::new();
    for (file, expected) in expecting_fixtures() {
        let out = util::labsim().args(["check", &file]).output().expect("labsim runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        if out.status.code() != Some(INVALID) {
            failures.push(format!("labsim check {file}: exit {:?}, expected {INVALID}", out.status.code()));
        }
        if !stderr.lines().any(|line| positioned(line, &file, &expected)) {
            failures.push(format!("labsim check {file}: stderr lacks `{file}:LINE:COL: …{expected}`; it was:\n{stderr}"));
        }
        if !out.stdout.is_empty() {
            failures.push(format!("labsim check {file}: printed on stdout: {}", String::from_utf8_lossy(&out.stdout)));
        }
        let run = util::labsim().args(["run", &file]).output().expect("labsim runs");
        if run.status.code() != Some(INVALID) {
            failures.push(format!("labsim run {file}: exit {:?}, expected {INVALID}", run.status.code()));
        }
        if String::from_utf8_lossy(&run.stderr) != stderr {
            failures.push(format!("labsim run {file}: stderr differs from `labsim check`:\n{}", String::from_utf8_lossy(&run.stderr)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn problems_in_an_extended_topology_name_the_topology_file() {
    let file = "tests/fixtures/invalid/base/uses_bad_base.ron";
    let out = util::labsim().args(["check", file]).output().expect("labsim runs");
    assert_eq!(out.status.code(), Some(INVALID));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.lines().any(|l| l.contains("bad_lab.ron:8:37: ") && l.contains("is outside network")), "{stderr}");
}

#[test]
fn check_reports_every_bad_file_and_still_checks_the_good_ones() {
    let out = util::labsim()
        .args(["check", "tests/fixtures/invalid/bad_cidr.ron", "scenarios/failover.ron", "tests/fixtures/invalid/bad_mac.ron"])
        .output()
        .expect("labsim runs");
    assert_eq!(out.status.code(), Some(INVALID));
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("scenarios/failover.ron: ok"), "{stdout}");
    assert!(stderr.contains("bad_cidr.ron:") && stderr.contains("bad_mac.ron:"), "{stderr}");
}

#[test]
fn a_missing_scenario_file_is_exit_2_with_a_clear_message() {
    for sub in ["check", "run"] {
        let out = util::labsim().args([sub, "scenarios/no-such-scenario.ron"]).output().expect("labsim runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(INVALID), "labsim {sub}: {stderr}");
        assert!(stderr.contains("scenarios/no-such-scenario.ron") && stderr.contains("cannot read"), "labsim {sub}: {stderr}");
        assert!(stderr.to_lowercase().contains("no such file"), "labsim {sub} should say why: {stderr}");
    }
}

#[test]
fn bad_usage_is_exit_2() {
    let cases: [&[&str]; 8] = [
        &[],
        &["frobnicate"],
        &["run"],
        &["check"],
        &["run", "scenarios/failover.ron", "--no-such-flag"],
        &["run", "scenarios/failover.ron", "--seed"],
        &["run", "scenarios/failover.ron", "--seed", "seven"],
        &["bench", "--runs", "-1"],
    ];
    for args in cases {
        let out = util::labsim().args(args).output().expect("labsim runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(INVALID), "labsim {args:?}: {stderr}");
        assert!(!stderr.trim().is_empty(), "labsim {args:?}: says nothing on stderr");
        assert!(out.stdout.is_empty(), "labsim {args:?}: a usage error must not print a report");
    }
}

/// A scenario with one host that enables `service` and asks systemd for its status at 1 s.
fn one_service(service: &str) -> String {
    format!(
        r#"Scenario(
    name: "service",
    duration: "2s",
    networks: {{ "front": Network(cidr: "10.0.0.0/24") }},
    hosts: {{ "h": Host(nics: {{ "eth0": ("front", "10.0.0.1/24") }}, enabled: ["{service}"]) }},
    timeline: [ At("1s", "h", "systemctl status {service}") ],
    expect: [ Output(host: "h", at: "1s", contains: "Loaded: loaded") ],
)
"#
    )
}

/// `labsim check` and a run read the same unit table: every service `check` names as known is a
/// unit the run's systemd knows (`nfs-server` and `rpcbind` among them), and a service it refuses is
/// refused with its position by both `check` and `run`.
#[test]
fn check_and_run_agree_on_every_service_name() {
    let dir = util::scratch("services");
    let bogus = dir.join("bogus.ron");
    std::fs::write(&bogus, one_service("bogus")).unwrap();
    let out = util::labsim().arg("check").arg(&bogus).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let known = stderr.split("(known: ").nth(1).and_then(|k| k.split(')').next()).unwrap_or_else(|| panic!("{stderr}"));
    let known: Vec<&str> = known.split(", ").collect();
    assert!(known.len() >= 5 && known.contains(&"nfs-server") && known.contains(&"rpcbind"), "{known:?}");
    for service in known {
        let file = dir.join(format!("{service}.ron"));
        std::fs::write(&file, one_service(service)).unwrap();
        util::labsim().arg("check").arg(&file).assert().code(0);
        let result = util::run(&file, None);
        assert!(result.report.passed(), "{service}:\n{}", result.report.to_text(result.trace.events()));
        let first = result.trace.events().iter().find_map(|e| match &e.kind {
            labsim::TraceKind::Output { line, .. } => Some(line.clone()),
            _ => None,
        });
        assert!(first.as_deref().is_some_and(|l| l.contains(&format!("{service}.service - "))), "{service}: {first:?}");
    }
    for cmd in ["check", "run"] {
        let out = util::labsim().arg(cmd).arg(&bogus).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{cmd}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let file = bogus.display().to_string();
        assert!(stderr.contains(&format!("{file}:5:")) && stderr.contains("unknown service \"bogus\""), "{cmd}: {stderr}");
    }
}
