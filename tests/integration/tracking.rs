//! keepalived's trackers (issue 13): `vrrp_script`, `track_script`, `track_interface`, weights
//! and notify scripts, seen on the wire (the priority field of the adverts in the `front`
//! capture, the priority-0 advert of a FAULT) and in the log (`/var/log/messages`, keepalived's
//! 2.2.7 wording from `vrrp_scheduler.c` and `vrrp_track.c`).

use std::net::Ipv4Addr;

use labsim::{RunResult, TraceKind};

use crate::frames;
use crate::util;

/// Scenario epoch: 2026-11-24T16:00:00Z, in µs since 1970.
const EPOCH_US: u64 = 1_795_536_000 * 1_000_000;
const LB1: Ipv4Addr = Ipv4Addr::new(172, 2, 20, 101);
const LB2: Ipv4Addr = Ipv4Addr::new(172, 2, 20, 102);

/// Every advert of the `front` capture: (µs since the start, source address, priority).
fn adverts(result: &RunResult) -> Vec<(u64, Ipv4Addr, u8)> {
    util::read_pcap(util::pcap_of(result, "front"))
        .into_iter()
        .filter_map(|f| {
            let eth = frames::decode(&f.bytes);
            let vrrp = eth.vrrp()?;
            Some((f.unix_us - EPOCH_US, eth.ipv4()?.src, vrrp.priority))
        })
        .collect()
}

/// The priorities `src` advertised in `[from, to)` µs, in order.
fn priorities(adverts: &[(u64, Ipv4Addr, u8)], src: Ipv4Addr, from: u64, to: u64) -> Vec<u8> {
    adverts.iter().filter(|(t, s, _)| *s == src && (from..to).contains(t)).map(|(_, _, p)| *p).collect()
}

/// The lines a command typed on `host` at `at_us` printed.
fn output(result: &RunResult, host: &str, at_us: u64) -> Vec<String> {
    result
        .trace
        .events()
        .iter()
        .filter_map(|e| match &e.kind {
            TraceKind::Output { host: h, line, .. } if h == host && e.at.as_micros() == at_us => Some(line.clone()),
            _ => None,
        })
        .collect()
}

fn passed(path: &std::path::Path) -> RunResult {
    let result = util::run(path, None);
    assert!(result.report.passed(), "{}", result.report.to_text(result.trace.events()));
    result
}

/// nginx-dies-tracked: lb-1 advertises 110 until the second failed check (14 s), then 90 until
/// lb-2 (99) takes over at 17.183693 s; after nginx is back (check at 22 s) lb-1 preempts with
/// 110 at 24.754105 s. lb-2 advertises 99 in between.
#[test]
fn a_failing_check_lowers_the_priority_on_the_wire() {
    let result = passed(&util::scenario_path("nginx-dies-tracked.ron"));
    let a = adverts(&result);
    let before = priorities(&a, LB1, 3_000_000, 14_000_000);
    assert_eq!(before.len(), 11, "one a second from 3.57 s to 13.57 s: {before:?}");
    assert!(before.iter().all(|p| *p == 110), "{before:?}");
    assert_eq!(priorities(&a, LB1, 14_000_000, 17_183_693), [90, 90, 90], "14.57, 15.57, 16.57 s");
    assert_eq!(priorities(&a, LB1, 17_183_693, 24_754_000), Vec::<u8>::new(), "lb-1 is BACKUP: silent");
    let lb2 = priorities(&a, LB2, 0, 24_754_200);
    assert_eq!(lb2.len(), 8, "17.18 s to 24.18 s: {lb2:?}");
    assert!(lb2.iter().all(|p| *p == 99), "{lb2:?}");
    let after = priorities(&a, LB1, 24_754_000, 40_000_000);
    assert!(after.len() >= 15 && after.iter().all(|p| *p == 110), "{after:?}");
    // The log, as `grep` shows /var/log/messages on lb-1 at 39 s.
    let messages = output(&result, "lb-1", 39_000_000);
    let expected = [
        "Keepalived_vrrp[1003]: VRRP_Script(chk_nginx) succeeded",
        "Keepalived_vrrp[1003]: Script `chk_nginx` now returning 1",
        "Keepalived_vrrp[1003]: VRRP_Script(chk_nginx) failed (exited with status 1)",
        "Keepalived_vrrp[1003]: (VI_1) Changing effective priority from 110 to 90",
        "Keepalived_vrrp[1003]: Script `chk_nginx` now returning 0",
        "Keepalived_vrrp[1003]: (VI_1) Changing effective priority from 90 to 110",
    ];
    let mut at = 0;
    for line in expected {
        let found =
            messages[at..].iter().position(|m| m.ends_with(line)).unwrap_or_else(|| panic!("{line:?} after line {at}: {messages:#?}"));
        at += found + 1;
    }
}

/// nginx-dies: keepalived does not watch nginx, so lb-1 advertises 110 all the time and lb-2
/// never sends an advert.
#[test]
fn an_untracked_crash_changes_nothing_on_the_wire() {
    let result = passed(&util::scenario_path("nginx-dies.ron"));
    let a = adverts(&result);
    let lb1 = priorities(&a, LB1, 0, 30_000_000);
    assert!(lb1.len() >= 26 && lb1.iter().all(|p| *p == 110), "{lb1:?}");
    assert_eq!(priorities(&a, LB2, 0, 30_000_000), Vec::<u8>::new());
}

/// The trackers fixture: a timed-out check (weight -7), a weight-0 check (FAULT: one
/// priority-0 advert), a tracked interface (weight -30), curl and systemctl checks on lb-2.
#[test]
fn weights_fault_and_tracked_interfaces_on_the_wire() {
    let result = passed(&util::root().join("tests/fixtures/keepalived/tracking.ron"));
    let a = adverts(&result);
    let master = priorities(&a, LB1, 3_000_000, 11_000_000);
    assert!(master.len() == 8 && master.iter().all(|p| *p == 103), "110 − 7: {master:?}");
    assert_eq!(priorities(&a, LB1, 11_000_000, 25_597_000), [0], "FAULT from MASTER: one priority-0 advert");
    let lb2 = priorities(&a, LB2, 11_000_000, 25_598_000);
    assert!(lb2.len() == 14 && lb2.iter().all(|p| *p == 101), "99 + 1 + 1: {lb2:?}");
    assert!(priorities(&a, LB1, 25_597_000, 30_200_000).iter().all(|p| *p == 103));
    assert_eq!(priorities(&a, LB1, 30_200_000, 33_203_224), [73, 73, 73], "103 − 30 with the back NIC down");
    let notes = output(&result, "lb-1", 39_000_000);
    assert_eq!(
        notes,
        [
            "now BACKUP",
            "generic",
            "now MASTER",
            "generic",
            "now FAULT",
            "generic",
            "now BACKUP",
            "generic",
            "now MASTER",
            "generic",
            "now BACKUP",
            "generic"
        ],
        "notify_* then the generic notify, at each change"
    );
}
