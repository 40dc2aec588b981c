//! TCP on the wire as Linux puts it there (issue 13): how connections close in every shipped
//! capture, the SYN retransmission schedule of a connect that hears nothing, and a burst of
//! connects to a listening port.

use std::collections::BTreeSet;
use std::net::Ipv4Addr;

use super::frames::{self, Tcp};
use super::util;

/// Scenario epoch: 2026-11-24T16:00:00Z, in µs since 1970.
const EPOCH_US: u64 = 1_795_536_000 * 1_000_000;

/// One endpoint: address and port.
type End = (Ipv4Addr, u16);

/// One TCP connection as a capture shows it, from its first SYN on.
struct Conn {
    client: End,
    server: End,
    /// The server answered the SYN (SYN-ACK).
    accepted: bool,
    /// Sequence numbers of the FINs each side sent (a retransmission repeats one).
    client_fins: BTreeSet<u32>,
    server_fins: BTreeSet<u32>,
    /// Whether each side's FIN was acknowledged by the other side.
    client_fin_acked: bool,
    server_fin_acked: bool,
    /// RSTs: (sent by the server, the server had accepted the connection).
    rsts: Vec<(bool, bool)>,
}

/// The connections of one capture.
fn connections(pcap: &[u8]) -> Vec<Conn> {
    let mut conns: Vec<Conn> = Vec::new();
    for f in util::read_pcap(pcap) {
        let eth = frames::decode(&f.bytes);
        let (Some(ip), Some(seg)) = (eth.ipv4().cloned(), eth.tcp()) else { continue };
        let (from, to) = ((ip.src, seg.src_port), (ip.dst, seg.dst_port));
        let open = |c: &Conn| c.client == from && c.server == to && c.rsts.is_empty() && c.client_fins.is_empty();
        if seg.syn() && !seg.ack_flag() && !conns.iter().any(open) {
            conns.push(Conn {
                client: from,
                server: to,
                accepted: false,
                client_fins: BTreeSet::new(),
                server_fins: BTreeSet::new(),
                client_fin_acked: false,
                server_fin_acked: false,
                rsts: Vec::new(),
            });
        }
        let Some(c) = conns.iter_mut().rev().find(|c| (c.client, c.server) == (from, to) || (c.client, c.server) == (to, from)) else {
            panic!("a segment of no connection: {from:?} -> {to:?} {:#04x}", seg.flags)
        };
        observe(c, from == c.server, &seg);
    }
    conns
}

fn observe(c: &mut Conn, from_server: bool, seg: &Tcp) {
    if from_server && seg.syn() && seg.ack_flag() {
        c.accepted = true;
    }
    if seg.rst() {
        c.rsts.push((from_server, c.accepted));
    }
    let (mine, theirs, theirs_acked) = if from_server {
        (&mut c.server_fins, &c.client_fins, &mut c.client_fin_acked)
    } else {
        (&mut c.client_fins, &c.server_fins, &mut c.server_fin_acked)
    };
    if seg.fin() {
        mine.insert(seg.seq.wrapping_add(seg.payload.len() as u32));
    }
    if seg.ack_flag() && theirs.iter().any(|&fin| seg.ack == fin.wrapping_add(1)) {
        *theirs_acked = true;
    }
}

/// Every shipped scenario's captures, connection by connection, against the rule of a Linux
/// host: a connection closes with one FIN from each side (the first closer's FIN, acknowledged,
/// is answered by the other side's FIN), and a RST appears only where Linux sends one. In the
/// shipped lessons that is a SYN to a port nobody listens on (`tcp_v4_send_reset` from a host
/// that never accepted the connection); none of them closes a socket with unread data or
/// uses SO_LINGER 0, the other two cases. A connection may still be open, or half-closed towards
/// a host that stopped answering (powered off, unplugged), when the capture ends.
#[test]
fn connections_close_with_a_fin_each_way_and_rst_only_refuses_a_syn() {
    let mut problems = Vec::new();
    let mut closed = 0;
    for (path, result) in util::shipped_runs() {
        for (network, pcap) in &result.pcaps {
            for c in connections(pcap) {
                let what = format!("{} {network}: {:?} -> {:?}", util::relative(path), c.client, c.server);
                if c.rsts.iter().any(|&(from_server, accepted)| !from_server || accepted) {
                    problems.push(format!("{what}: RST other than a refused SYN: {:?}", c.rsts));
                }
                if c.client_fins.len() > 1 || c.server_fins.len() > 1 {
                    problems.push(format!("{what}: more than one FIN from a side"));
                }
                if c.client_fin_acked && c.server_fins.is_empty() || c.server_fin_acked && c.client_fins.is_empty() {
                    problems.push(format!("{what}: a FIN was acknowledged but never answered with a FIN"));
                }
                closed += usize::from(c.client_fin_acked && c.server_fin_acked);
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(closed > 100, "the shipped captures close many connections ({closed})");
}

/// The SYN retransmissions of a connect that hears nothing (web-2's firewall drops it), from the
/// capture: Linux 6.x (`tcp_syn_linear_timeouts` 4, `tcp_syn_retries` 6) on lb-1, Linux 3.10 on
/// the CentOS 7 host; after the last one, nothing (connect() fails with ETIMEDOUT, silently).
#[test]
fn a_connect_to_a_silent_host_retransmits_its_syn_on_linuxs_schedule() {
    let result = util::run(&util::root().join("tests/fixtures/tcp/syn-schedule.ron"), None);
    let syns_from = |src: Ipv4Addr| -> Vec<u64> {
        util::read_pcap(util::pcap_of(&result, "back"))
            .iter()
            .filter_map(|f| {
                let eth = frames::decode(&f.bytes);
                let (ip, seg) = (eth.ipv4()?.clone(), eth.tcp()?);
                (ip.src == src && seg.dst_port == 80).then(|| {
                    assert!(seg.syn() && !seg.ack_flag() && !seg.rst(), "only SYNs to the silent port: {seg:?}");
                    f.unix_us - EPOCH_US
                })
            })
            .collect()
    };
    // connect() is called at 3 s (lb-1) and 4 s (old-1); the first SYN waits 200 µs for ARP, and
    // the retransmission timer runs from the connect.
    let offsets = |syns: &[u64], start: u64| -> Vec<u64> { syns.iter().map(|t| (t - start) / 1_000).collect() };
    let linux6 = syns_from(Ipv4Addr::new(192, 168, 20, 101));
    assert_eq!(offsets(&linux6, 3_000_000), [0, 1_000, 2_000, 3_000, 4_000, 5_000, 7_000, 11_000, 19_000, 35_000, 67_000]);
    let linux310 = syns_from(Ipv4Addr::new(192, 168, 20, 210));
    assert_eq!(offsets(&linux310, 4_000_000), [0, 1_000, 3_000, 7_000, 15_000, 31_000, 63_000]);
    // curl's `echo "exit $?"` follows connect()'s ETIMEDOUT: 131 s and 127 s after the connect
    // (curl 7.88 exits 28 for ETIMEDOUT, CentOS 7's 7.29 exits 7).
    assert_eq!(output_at(&result, "lb-1", "exit 28"), Some(134_000_000));
    assert_eq!(output_at(&result, "old-1", "exit 7"), Some(131_000_000));
}

/// When `host` first printed `line`, in µs.
fn output_at(result: &labsim::RunResult, host: &str, line: &str) -> Option<u64> {
    result.trace.events().iter().find_map(|e| match &e.kind {
        labsim::TraceKind::Output { host: h, line: l, .. } if h == host && l == line => Some(e.at.as_micros()),
        _ => None,
    })
}

/// A connect the kernel gives up (ETIMEDOUT, not ECONNREFUSED) is reported in each tool's words
/// for a timed-out connect, when the kernel gives up: curl 7.88 (exit 28) and nc on Linux 6.x at
/// +131 s, CentOS 7's curl 7.29 at +127 s.
#[test]
fn a_connect_the_kernel_gives_up_is_reported_as_timed_out() {
    let result = util::run(&util::root().join("tests/fixtures/tcp/connect-timed-out.ron"), None);
    assert!(result.report.passed(), "{}", result.report.to_text(result.trace.events()));
    let curl = "curl: (28) Failed to connect to 192.168.20.202 port 80 after 131000 ms: Couldn't connect to server";
    assert_eq!(output_at(&result, "lb-1", curl), Some(134_000_000));
    assert_eq!(output_at(&result, "old-1", "curl: (7) Failed connect to 192.168.20.202:80; Connection timed out"), Some(131_000_000));
    let nc = "nc: connect to 192.168.20.202 port 80 (tcp) failed: Connection timed out";
    assert_eq!(output_at(&result, "lb-1", nc), Some(136_000_000));
}

/// `clients` hosts on the front network curl the VIP (nginx on lb-1) and as many on the back
/// network curl web-1 (Apache) directly, all at the same instant: both listen with a backlog of
/// 511, so every connect is accepted (the simulated kernel once kept 16 listening sockets per
/// port and refused the rest with a RST).
#[test]
fn a_burst_of_simultaneous_connects_is_accepted_by_nginx_and_apache() {
    const CLIENTS: u8 = 40;
    let lab = util::root().join("scenarios/lab/lab.ron");
    let mut hosts = String::new();
    let mut timeline = String::new();
    for i in 1..=CLIENTS {
        hosts += &format!("\"front-{i}\": Host(nics: {{ \"eth0\": (\"front\", \"172.2.20.{}/24\") }}),\n", 10 + u16::from(i));
        hosts += &format!("\"back-{i}\": Host(nics: {{ \"eth0\": (\"back\", \"192.168.20.{}/24\") }}),\n", 10 + u16::from(i));
        timeline += &format!("At(\"4s\", \"front-{i}\", \"curl -s -o /dev/null -w '%{{http_code}}\\\\n' http://172.2.20.100/\"),\n");
        timeline += &format!("At(\"4s\", \"back-{i}\", \"curl -s -o /dev/null -w '%{{http_code}}\\\\n' http://192.168.20.201/\"),\n");
    }
    let text = format!(
        "Scenario(name: \"burst\", extends: {:?}, seed: 1, duration: \"8s\", hosts: {{ {hosts} }}, timeline: [ {timeline} ])",
        util::arg(&lab)
    );
    let dir = util::scratch("tcp-burst");
    let path = dir.join("burst.ron");
    std::fs::write(&path, text).unwrap();
    let result = util::run(&path, None);
    let answers: Vec<String> = result
        .trace
        .events()
        .iter()
        .filter_map(|e| match &e.kind {
            labsim::TraceKind::Output { host, line, .. } if host.starts_with("front-") || host.starts_with("back-") => {
                Some(format!("{host}: {line}"))
            }
            _ => None,
        })
        .filter(|l| !l.contains("# curl"))
        .collect();
    let ok = answers.iter().filter(|l| l.ends_with(": 200")).count();
    assert_eq!(ok, 2 * usize::from(CLIENTS), "every client got its page:\n{}", answers.join("\n"));
    for network in ["front", "back"] {
        let syns = util::read_pcap(util::pcap_of(&result, network))
            .iter()
            .filter_map(|f| frames::decode(&f.bytes).tcp())
            .filter(|s| s.syn() && !s.ack_flag() && (s.dst_port == 80))
            .count();
        assert!(syns >= usize::from(CLIENTS), "{network}: {syns} SYNs");
        for c in connections(util::pcap_of(&result, network)) {
            assert!(c.rsts.is_empty() && c.accepted, "{network}: {:?} -> {:?} refused", c.client, c.server);
        }
    }
}
