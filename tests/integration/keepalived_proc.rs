//! keepalived's two processes, its start-up and the kernel under it (issue 13), on the wire and
//! in `/var/log/messages`: SIGKILL to the parent alone (the VRRP child's `PR_SET_PDEATHSIG`
//! SIGTERM: a priority-0 advert, the VIP removed) or to the child alone (the parent respawns it,
//! and the new child removes the VIP the killed one left); each transition to MASTER's own
//! delayed GARP burst; the IGMPv3 reports of joining and leaving 224.0.0.18; the hosts'
//! seeded start-up latency.

use std::net::Ipv4Addr;
use std::path::PathBuf;

use labsim::RunResult;

use crate::util;

/// Scenario epoch: 2026-11-24T16:00:00Z, in µs since 1970.
const EPOCH_US: u64 = 1_795_536_000 * 1_000_000;
/// A frame is captured when it reaches the switch, 50 µs after it left its host.
const LINK_US: u64 = 50;
const VIP: Ipv4Addr = Ipv4Addr::new(172, 2, 20, 100);
const LB1_IP: Ipv4Addr = Ipv4Addr::new(172, 2, 20, 101);

/// Runs a scenario on the shipped lab written from `timeline` and `expect` (RON lines).
fn run(name: &str, duration: &str, extra: &str, timeline: &str, expect: &str) -> RunResult {
    let dir = util::scratch(name);
    let lab = util::root().join("scenarios/lab/lab.ron");
    let text = format!(
        "Scenario(name: \"{name}\", extends: \"{}\", seed: 1, duration: \"{duration}\", {extra}\n timeline: [{timeline}], expect: [{expect}])",
        lab.display()
    );
    let path: PathBuf = dir.join(format!("{name}.ron"));
    std::fs::write(&path, text).unwrap();
    let result = util::run(&path, None);
    assert!(result.report.passed(), "{name}: {:#?}", result.report);
    result
}

/// The front network's frames: (simulated µs when sent, bytes).
fn front(result: &RunResult) -> Vec<(u64, Vec<u8>)> {
    util::read_pcap(util::pcap_of(result, "front")).into_iter().map(|f| (f.unix_us - EPOCH_US - LINK_US, f.bytes)).collect()
}

fn ip_at(bytes: &[u8], at: usize) -> Ipv4Addr {
    Ipv4Addr::new(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3])
}

/// The VRRP adverts on the front network: (time, source, priority).
fn adverts(result: &RunResult) -> Vec<(u64, Ipv4Addr, u8)> {
    front(result)
        .into_iter()
        .filter(|(_, b)| b[12..14] == [0x08, 0x00] && b[23] == 112)
        .map(|(t, b)| (t, ip_at(&b, 26), b[14 + 20 + 2]))
        .collect()
}

/// The times of the gratuitous ARPs for the VIP.
fn garps(result: &RunResult) -> Vec<u64> {
    front(result)
        .into_iter()
        .filter(|(_, b)| b[12..14] == [0x08, 0x06] && ip_at(b, 28) == VIP && ip_at(b, 38) == VIP)
        .map(|(t, _)| t)
        .collect()
}

/// The IGMP reports on the front network: (time, source, record types).
fn igmp_reports(result: &RunResult) -> Vec<(u64, Ipv4Addr, Vec<u8>)> {
    front(result)
        .into_iter()
        .filter(|(_, b)| b[12..14] == [0x08, 0x00] && b[23] == 2)
        .map(|(t, b)| {
            // Linux's header: IHL 6 (Router Alert), TOS 0xc0, DF, TTL 1, to 224.0.0.22.
            assert_eq!(b[0..6], [0x01, 0x00, 0x5e, 0x00, 0x00, 0x16], "to 224.0.0.22's MAC");
            assert_eq!((b[14], b[15], b[20], b[22]), (0x46, 0xc0, 0x40, 1), "IHL 6, TOS 0xc0, DF, TTL 1");
            assert_eq!(b[34..38], [0x94, 0x04, 0x00, 0x00], "Router Alert");
            assert_eq!(ip_at(&b, 30), Ipv4Addr::new(224, 0, 0, 22));
            assert_eq!(b[38], 0x22, "IGMPv3 report");
            let n = usize::from(u16::from_be_bytes([b[44], b[45]]));
            let kinds = (0..n).map(|k| b[46 + 8 * k]).collect::<Vec<u8>>();
            for k in 0..n {
                assert_eq!(ip_at(&b, 46 + 8 * k + 4), Ipv4Addr::new(224, 0, 0, 18));
            }
            (t, ip_at(&b, 26), kinds)
        })
        .collect()
}

#[test]
fn sigkill_to_the_parent_stops_the_child_cleanly_and_to_the_child_respawns_it() {
    let r = run(
        "ka-parent-child",
        "16s",
        "",
        r#"At("5s", "lb-1", "pgrep -l keepalived"),
           At("6s", "lb-1", "kill -9 $(cat /run/vrrp.pid)"),
           At("6.5s", "lb-1", "pgrep -l keepalived"),
           At("12s", "lb-1", "kill -9 $(cat /run/keepalived.pid)"),
           At("12.5s", "lb-1", "pidof keepalived"),
           At("14s", "lb-1", "systemctl status keepalived"),
           At("14s", "lb-1", "pgrep keepalived"),
           At("15s", "lb-1", "grep Keepalived /var/log/messages"),"#,
        r#"Output(host: "lb-1", at: "5s", contains: "1002 keepalived"),
           Output(host: "lb-1", at: "5s", contains: "1003 keepalived"),
           Log(host: "lb-1", contains: "pid 1003 exited due to signal 9 (Killed) - has rlimit_rttime been exceeded?", between: ("6s", "6s"), exactly: 1),
           Log(host: "lb-1", contains: "VRRP child process(1003) died: Respawning", between: ("6s", "6s"), exactly: 1),
           Log(host: "lb-1", contains: "Restart of VRRP process delayed 0 seconds to limit respawn rate", between: ("6s", "6s"), exactly: 1),
           Log(host: "lb-1", contains: "Starting VRRP child process, pid=1004", between: ("6s", "6s"), exactly: 1),
           Log(host: "lb-1", contains: "(VI_1) Entering BACKUP STATE (init)", between: ("6s", "6s"), exactly: 1),
           VipOwner(vip: "172.2.20.100", hosts: [], at: "6.5s"),
           Output(host: "lb-1", at: "6.5s", contains: "1002 keepalived"),
           Output(host: "lb-1", at: "6.5s", contains: "1004 keepalived"),
           Log(host: "lb-1", contains: "(VI_1) Entering MASTER STATE", between: ("9.570312s", "9.570312s"), exactly: 1),
           Output(host: "lb-1", at: "12.5s", contains: "1004"),
           Log(host: "lb-1", contains: "Stopped", between: ("13s", "13s"), exactly: 1),
           Log(host: "lb-1", contains: "Stopping", between: ("0s", "16s"), exactly: 0),
           Log(host: "lb-1", contains: "Stopped Keepalived", between: ("0s", "16s"), exactly: 0),
           Log(host: "lb-2", contains: "(VI_1) Entering MASTER STATE", between: ("12.613381s", "12.613381s"), exactly: 1),
           VipOwner(vip: "172.2.20.100", host: "lb-2", at: "13s"),
           Output(host: "lb-1", at: "14s", contains: "Active: failed (Result: signal)"),
           Output(host: "lb-1", at: "15s", contains: "lb-1 Keepalived[1002]: VRRP child process(1003) died: Respawning"),
           Output(host: "lb-1", at: "15s", contains: "lb-1 Keepalived[1002]: Starting VRRP child process, pid=1004"),
           Output(host: "lb-1", at: "15s", contains: "lb-1 Keepalived_vrrp[1004]: (VI_1) Entering MASTER STATE"),
           Output(host: "lb-1", at: "15s", contains: "lb-1 Keepalived_vrrp[1004]: Stopped"),"#,
    );
    // The child killed at 6 s sent nothing; the one killed with its parent at 12 s sent
    // priority 0 at once, as `systemctl stop` would.
    let lb1: Vec<(u64, u8)> = adverts(&r).into_iter().filter(|(_, src, _)| *src == LB1_IP).map(|(t, _, p)| (t, p)).collect();
    assert!(
        !lb1.iter().any(|(t, _)| (5_570_313..9_570_312).contains(t)),
        "no advert from lb-1 between its child's death and the new child's MASTER: {lb1:?}"
    );
    assert_eq!(lb1.iter().filter(|(_, p)| *p == 0).collect::<Vec<_>>(), [&(12_000_000, 0)]);
}

#[test]
fn pkill_9_is_still_the_silent_crash() {
    let r = run(
        "ka-pkill",
        "9s",
        "",
        r#"At("5s", "lb-1", "pkill -9 keepalived"), At("6s", "lb-1", "pgrep keepalived"),"#,
        r#"Log(host: "lb-1", contains: "Keepalived", between: ("5s", "9s"), exactly: 0),
           VipOwner(vip: "172.2.20.100", host: "lb-1", at: "6s"),"#,
    );
    assert!(adverts(&r).iter().all(|(_, _, p)| *p != 0));
}

#[test]
fn each_transition_to_master_schedules_its_own_garp_repeat() {
    // A valid advert of priority 50 makes lb-1 (MASTER since 3.570312 s) force a new election
    // at 5 s, with a burst of its own; the repeat of the first burst still comes at 8.570312 s.
    let r = run(
        "ka-garp-race",
        "12s",
        r#"hosts: { "client-1": Host(gateway: "172.2.20.254") },"#,
        r#"At("5s", "client-1", "sendip -p ipv4 -ip 112 -d 0x21013201010151f9ac0214643132333435360000 224.0.0.18"),"#,
        r#"Log(host: "lb-1", contains: "with lower priority 50, ours 110, forcing new election", between: ("5s", "5.001s"), exactly: 1),"#,
    );
    let forced = util::log_times(&r, "lb-1", "forcing new election")[0];
    let g = garps(&r);
    assert_eq!(g, [[3_570_312; 5], [forced; 5], [8_570_312; 5], [forced + 5_000_000; 5]].concat());
}

#[test]
fn joining_and_leaving_the_vrrp_group_sends_igmpv3_reports() {
    let r = run(
        "ka-igmp",
        "10s",
        "",
        r#"At("5s", "lb-1", "systemctl stop keepalived"),"#,
        r#"Log(host: "lb-1", contains: "Stopped", between: ("6s", "6s"), exactly: 2),"#,
    );
    let lb1: Vec<(u64, Vec<u8>)> = igmp_reports(&r).into_iter().filter(|(_, src, _)| *src == LB1_IP).map(|(t, _, k)| (t, k)).collect();
    assert_eq!(lb1.len(), 4, "two joins, two leaves: {lb1:?}");
    // igmp_ifc_event(): 2 jiffies (8 ms at HZ=250) after the join; the retransmission a random
    // number of jiffies below 1 s later, plus 2.
    assert_eq!(lb1[0], (8_000, vec![4]), "CHANGE_TO_EXCLUDE {{}}");
    assert_eq!(lb1[1].1, [4]);
    assert!((16_000..=1_012_000).contains(&lb1[1].0) && lb1[1].0.is_multiple_of(4_000), "{lb1:?}");
    // The socket closes when the child exits, 1 s after SIGTERM: the leave, twice.
    assert_eq!(lb1[2], (6_008_000, vec![3]), "CHANGE_TO_INCLUDE {{}}");
    assert_eq!(lb1[3].1, [3]);
    assert!((6_016_000..=7_012_000).contains(&lb1[3].0), "{lb1:?}");
}

/// lb-1's first advert with `startup_latency: ("20ms", "300ms")` on lb-1, at `seed`.
fn first_advert_with_latency(seed: u64) -> u64 {
    let dir = util::scratch(&format!("ka-latency-{seed}"));
    let lab = util::root().join("scenarios/lab/lab.ron");
    let text = format!(
        "Scenario(name: \"latency\", extends: \"{}\", seed: {seed}, duration: \"5s\",\n hosts: {{ \"lb-1\": Host(startup_latency: (\"20ms\", \"300ms\")) }})",
        lab.display()
    );
    let path = dir.join("latency.ron");
    std::fs::write(&path, text).unwrap();
    let result = util::run(&path, None);
    adverts(&result).into_iter().find(|(_, src, _)| *src == LB1_IP).unwrap().0
}

#[test]
fn a_start_up_latency_delays_the_first_advert_by_a_seeded_amount() {
    // Without it keepalived starts at boot and lb-1 sends its first advert at exactly
    // 3 x 1 s + skew(110) = 3.570312 s (the lessons' figure).
    let off = adverts(&run("ka-latency-off", "5s", "", "", "")).into_iter().find(|(_, src, _)| *src == LB1_IP).unwrap().0;
    assert_eq!(off, 3_570_312);
    let delays: Vec<u64> = [1, 2, 3, 1].into_iter().map(|seed| first_advert_with_latency(seed) - off).collect();
    for d in &delays {
        assert!((20_000..=300_000).contains(d), "{delays:?}");
    }
    assert_eq!(delays[0], delays[3], "the same seed gives the same latency");
    assert!(delays[0] != delays[1] && delays[1] != delays[2] && delays[0] != delays[2], "seeds differ: {delays:?}");
}
