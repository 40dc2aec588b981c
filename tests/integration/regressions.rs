//! Regressions: each `tests/fixtures/regressions/*.ron` reproduces a bug found in review (its
//! header comment says which) and must now complete within its event budget and meet its
//! expectations.

use labsim::Outcome;
use labsim::TraceKind;

use crate::util;

fn fixtures() -> Vec<std::path::PathBuf> {
    let dir = util::root().join("tests/fixtures/regressions");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("the regressions folder exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .collect();
    files.sort();
    files
}

fn output_lines(result: &labsim::RunResult, host: &str) -> Vec<String> {
    result
        .trace
        .events()
        .iter()
        .filter_map(|e| match &e.kind {
            TraceKind::Output { host: h, line, .. } if h == host => Some(line.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn every_regression_fixture_completes_and_meets_its_expectations() {
    let files = fixtures();
    assert!(files.len() >= 8, "the regression fixtures are there");
    for path in files {
        let result = util::run(&path, None);
        assert_eq!(result.outcome, Outcome::Completed, "{}", path.display());
        assert!(result.report.passed(), "{}\n{}", path.display(), result.report.to_text(result.trace.events()));
    }
}

#[test]
fn a_loop_dies_with_its_host() {
    let result = util::run(&util::root().join("tests/fixtures/regressions/jobs-poweroff.ron"), None);
    let lines = output_lines(&result, "web-1");
    assert!(lines.iter().any(|l| l == "tick 1"));
    assert!(!lines.iter().any(|l| l.starts_with("tick ") && l != "tick 1"), "{lines:?}");
}

#[test]
fn sleep_infinity_never_returns() {
    let result = util::run(&util::root().join("tests/fixtures/regressions/sleep-infinity.ron"), None);
    assert!(!output_lines(&result, "web-1").iter().any(|l| l == "never"));
}

/// An abandoned connect sends nothing (Linux closes a SYN-SENT socket silently): after the
/// power-off no segment but SYNs goes to the two dead web servers, and the second ARP resolution that a RST after
/// EHOSTUNREACH used to start does not happen (three broadcast probes for web-1, not six).
#[test]
fn an_abandoned_connect_sends_nothing() {
    use std::net::Ipv4Addr;
    let result = util::run(&util::root().join("tests/fixtures/regressions/abandoned-connect.ron"), None);
    let dead = [Ipv4Addr::new(192, 168, 20, 201), Ipv4Addr::new(192, 168, 20, 202)];
    // Capture timestamps count from 2026-11-24T16:00:00Z; the web servers go off at 1.5 s.
    let power_off = 1_795_536_000 * 1_000_000 + 1_500_000;
    let frames: Vec<_> = util::read_pcap(util::pcap_of(&result, "back"))
        .iter()
        .filter(|f| f.unix_us >= power_off)
        .map(|f| crate::frames::decode(&f.bytes))
        .collect();
    let to_dead: Vec<_> = frames
        .iter()
        .filter(|e| e.ipv4().is_some_and(|ip| dead.contains(&ip.dst)))
        .filter_map(|e| e.tcp())
        .filter(|t| !t.syn() || t.ack_flag())
        .collect();
    assert!(to_dead.is_empty(), "segments other than SYNs sent to a dead host: {to_dead:?}");
    let syns_to_web2 = frames.iter().filter(|e| e.ipv4().is_some_and(|ip| ip.dst == dead[1]) && e.tcp().is_some_and(|t| t.syn())).count();
    assert!(syns_to_web2 >= 2, "the connect to web-2 is there to be abandoned: {syns_to_web2} SYN(s)");
    // lb-1's probes only: the NFS server probes web-1 too (unicast, from 5.088 s), because its
    // entry's DELAY timer, armed at boot when the NFS mounts began, fires on Linux 6.x's timer
    // wheel (5 s rounded up past a 256 ms grid) more than delay_first_probe_time after web-1's
    // last confirmation (its mount's last segments, within the first 2 ms), so
    // neigh_timer_handler moves it to PROBE instead of back to REACHABLE.
    let lb1 = Ipv4Addr::new(192, 168, 20, 101);
    let probes_for_web1 = frames.iter().filter_map(|e| e.arp()).filter(|a| a.tpa == dead[0] && a.spa == lb1).count();
    assert_eq!(probes_for_web1, 3, "one resolution of web-1 (mcast_solicit 3)");
}

/// `ps -ef` as procps prints it: each daemon's forked processes name the process that forked
/// them as their parent (keepalived's VRRP child, Apache's two children), whose own parent is
/// init; the login shell is the parent of what is typed.
#[test]
fn ps_ef_shows_who_forked_whom() {
    let result = util::run(&util::root().join("tests/fixtures/regressions/httpd-graceful.ron"), None);
    // UID PID PPID … CMD, the command line from the eighth field on.
    let rows = |host: &str| -> Vec<(String, u32, u32, String)> {
        output_lines(&result, host)
            .iter()
            .filter_map(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                let (pid, ppid) = (f.get(1)?.parse().ok()?, f.get(2)?.parse().ok()?);
                (f.len() >= 8 && f[3] == "0").then(|| (f[0].to_owned(), pid, ppid, f[7..].join(" ")))
            })
            .collect()
    };
    let keepalived: Vec<_> = rows("lb-1").into_iter().filter(|r| r.3 == "/usr/sbin/keepalived -D").collect();
    assert_eq!(keepalived.len(), 2, "{keepalived:?}");
    assert_eq!((keepalived[0].2, keepalived[1].2), (1, keepalived[0].1), "the child's PPID is the parent's PID");
    let httpd: Vec<_> = rows("web-1").into_iter().filter(|r| r.3 == "/usr/sbin/httpd -DFOREGROUND").collect();
    assert_eq!(httpd.len(), 3, "{httpd:?}");
    assert_eq!(httpd[0].0, "root");
    for child in &httpd[1..] {
        assert_eq!((child.0.as_str(), child.2), ("apache", httpd[0].1), "{httpd:?}");
    }
    let own = rows("web-1").into_iter().find(|r| r.3 == "ps -ef").expect("ps lists itself");
    let shell = rows("web-1").into_iter().find(|r| r.3 == "bash").expect("the login shell");
    assert_eq!(own.2, shell.1);
}

/// systemd 219 (CentOS 7) prints no `Tasks:` line; systemd 252 does, for the unit's threads.
#[test]
fn only_newer_systemd_counts_tasks() {
    let centos = util::run(&util::root().join("tests/fixtures/regressions/httpd-centos7.ron"), None);
    let lines = output_lines(&centos, "web-1");
    assert!(lines.iter().any(|l| l.starts_with("   CGroup: ")), "{lines:?}");
    assert!(!lines.iter().any(|l| l.contains("Tasks:")), "{lines:?}");
    let ready = util::run(&util::root().join("tests/fixtures/regressions/httpd-graceful.ron"), None);
    assert!(output_lines(&ready, "web-1").iter().any(|l| l == "      Tasks: 55 (limit: 1228)"));
}
