//! The Windows 10 client (issue 12): `scenarios/failover-windows.ron` through the library, its
//! console lines as ping.exe, arp and curl.exe print them during a failover, with their times,
//! and its echo requests on the wire as Windows sends them.

use std::net::Ipv4Addr;

use labsim::{RunResult, SimTime, TraceKind};

use crate::frames::{self, Payload};
use crate::util;

const WIN10: Ipv4Addr = Ipv4Addr::new(172, 2, 20, 10);

/// Every frame of the front network, decoded.
fn front(result: &RunResult) -> Vec<frames::Eth> {
    util::read_pcap(util::pcap_of(result, "front")).iter().map(|f| frames::decode(&f.bytes)).collect()
}

/// The MAC of the host sending from `addr` on the front network (its VRRP adverts), as Windows
/// writes it.
fn mac_of(result: &RunResult, addr: Ipv4Addr) -> String {
    let sha = front(result)
        .into_iter()
        .find_map(|e| match e.payload {
            Payload::Ipv4(ip) if ip.src == addr => Some(e.src),
            _ => None,
        })
        .expect("the host sent from that address");
    sha.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join("-")
}

/// (time in µs, line) of every console line on `host`.
fn console(result: &RunResult, host: &str) -> Vec<(u64, String)> {
    result
        .trace
        .events()
        .iter()
        .filter_map(|e| match &e.kind {
            TraceKind::Output { host: h, line, .. } if h == host => Some((e.at.as_micros(), line.clone())),
            _ => None,
        })
        .collect()
}

fn run() -> RunResult {
    util::run(&util::scenario_path("failover-windows.ron"), None)
}

#[test]
fn ping_t_shows_one_timeout_in_the_switch_then_the_statistics_and_control_c() {
    let result = run();
    assert!(result.report.passed(), "{}", result.report.to_text(result.trace.events()));
    let lines = console(&result, "win10");
    let at = |text: &str| lines.iter().filter(|(_, l)| l == text).map(|(t, _)| *t).collect::<Vec<_>>();
    // The echo sent at 10.301400 s (one second after the reply to the one before) went to lb-1
    // after it dropped the VIP; ping.exe gives up on it after its 4000 ms wait.
    assert_eq!(at("Request timed out."), [14_301_400]);
    let replies = at("Reply from 172.2.20.100: bytes=32 time<1ms TTL=64");
    let before: Vec<u64> = replies.iter().copied().filter(|t| *t < 14_301_400).collect();
    assert_eq!(before, [4_300_400, 5_300_600, 6_300_800, 7_301_000, 8_301_200, 9_301_400], "a reply, then the next echo 1 s later");
    assert_eq!(replies.iter().find(|t| **t > 14_301_400), Some(&15_301_800), "the next echo 1 s after the timeout, answered by lb-2");
    let end: Vec<&str> = lines.iter().rev().take(7).rev().map(|(_, l)| l.as_str()).collect();
    assert_eq!(
        end,
        [
            "",
            "Ping statistics for 172.2.20.100:",
            "    Packets: Sent = 18, Received = 17, Lost = 1 (5% loss),",
            "Approximate round trip times in milli-seconds:",
            "    Minimum = 0ms, Maximum = 0ms, Average = 0ms",
            "Control-C",
            "^C",
        ]
    );
}

#[test]
fn arp_failure_is_reported_as_a_reply_from_the_client_itself_3_s_after_the_echo() {
    let lines = console(&run(), "win10");
    let unreachable: Vec<u64> =
        lines.iter().filter(|(_, l)| l == "Reply from 172.2.20.10: Destination host unreachable.").map(|(t, _)| *t).collect();
    // Typed at 17 s: ARP gives up after 3 s, the next echo 1 s later, again 3 s.
    assert_eq!(unreachable, [20_000_000, 24_000_000]);
    assert!(lines.iter().any(|(t, l)| *t == 24_000_000 && l == "    Packets: Sent = 2, Received = 2, Lost = 0 (0% loss),"));
}

#[test]
fn arp_a_shows_the_vip_moving_from_lb1s_mac_to_lb2s() {
    let result = run();
    let lines = console(&result, "win10");
    let vip_row =
        |t: u64| lines.iter().find(|(at, l)| *at == t && l.starts_with("  172.2.20.100 ")).map(|(_, l)| l.clone()).expect("the VIP's row");
    let (lb1, lb2) = (mac_of(&result, Ipv4Addr::new(172, 2, 20, 101)), mac_of(&result, Ipv4Addr::new(172, 2, 20, 102)));
    assert_ne!(lb1, lb2);
    assert_eq!(vip_row(9_000_000), format!("  172.2.20.100          {lb1}     dynamic"));
    assert_eq!(vip_row(12_000_000), format!("  172.2.20.100          {lb2}     dynamic"));
    assert!(lines.iter().any(|(t, l)| *t == 9_000_000 && l == "  239.255.255.250       01-00-5e-7f-ff-fa     static"));
}

#[test]
fn curl_exe_is_curl_7_55_1() {
    let result = run();
    assert!(console(&result, "win10").iter().any(|(t, l)| *t == 16_001_800 && l == "This is NFS zgh2303"));
    let logged = result.trace.events().iter().any(|e| {
        matches!(&e.kind, TraceKind::Log { host, line, .. } if host == "lb-2" && line.contains("\"GET / HTTP/1.1\" 200 20 \"-\" \"curl/7.55.1\""))
    });
    assert!(logged, "nginx logs curl.exe's User-Agent");
    assert!(result.trace.events().iter().all(|e| e.at <= SimTime::from_secs(26)));
}

#[test]
fn echo_requests_on_the_wire_are_windows_own() {
    let requests: Vec<frames::Ipv4> = front(&run())
        .into_iter()
        .filter_map(|e| match e.payload {
            Payload::Ipv4(ip) if ip.src == WIN10 && ip.proto == frames::PROTO_ICMP && ip.payload[0] == 8 => Some(ip),
            _ => None,
        })
        .collect();
    assert_eq!(requests.len(), 18, "ping -t's; ping -n 2's echoes to 172.2.20.77 never left (no ARP answer)");
    for ip in &requests {
        assert_eq!((ip.ttl, ip.flags_frag & 0x4000), (128, 0), "TTL 128, fragmentation allowed");
        assert_eq!(&ip.payload[4..6], &[0, 1], "identifier 1");
        assert_eq!(&ip.payload[8..], b"abcdefghijklmnopqrstuvwabcdefghi");
        assert_eq!(frames::internet_checksum(&ip.payload), 0);
    }
    // One series for the whole host: both pings draw from it, ping -n 2 took 10 and 15.
    let seqs: Vec<u16> = requests.iter().map(|ip| u16::from_be_bytes([ip.payload[6], ip.payload[7]])).collect();
    assert_eq!(seqs, (1..=20).filter(|s| *s != 10 && *s != 15).collect::<Vec<u16>>());
}
