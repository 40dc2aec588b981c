//! Issue 13, nginx/Apache/ping/ip: nginx's worker processes (each its own round robin, the
//! worker that accepts chosen as Linux wakes `EPOLLEXCLUSIVE` waiters and nginx re-adds its
//! listening socket every 16 accepts), nginx's connection counter `*N` counting upstream
//! connections, through whole shipped runs; `ip` as iproute2 prints it.

use labsim::{RunResult, TraceKind};

use crate::util;

fn shipped(name: &str) -> &'static RunResult {
    let (_, result) =
        util::shipped_runs().iter().find(|(p, _)| p.file_name().is_some_and(|f| f == name)).unwrap_or_else(|| panic!("{name} is shipped"));
    result
}

/// Log lines of `host`'s `process` in order: (pid, line).
fn logs<'a>(result: &'a RunResult, host: &str, process: &str) -> Vec<(u32, &'a str)> {
    result
        .trace
        .events()
        .iter()
        .filter_map(|e| match &e.kind {
            TraceKind::Log { host: h, process: p, pid, line } if h == host && p == process => Some((*pid, line.as_str())),
            _ => None,
        })
        .collect()
}

/// Response bodies of `host`'s curls started in `[from_s, to_s)`, as the web server's number.
fn backends(result: &RunResult, host: &str, from_s: u64, to_s: u64) -> Vec<u8> {
    result
        .trace
        .events()
        .iter()
        .filter_map(|e| match &e.kind {
            TraceKind::HttpTransfer { host: h, started, body, .. }
                if h == host && (from_s * 1_000_000..to_s * 1_000_000).contains(&started.as_micros()) =>
            {
                body.strip_prefix("This is web-").and_then(|b| b.bytes().next()).map(|b| b - b'0')
            }
            _ => None,
        })
        .collect()
}

/// With two workers, the 20 curls one after another at 5 s: the worker that accepted each is the
/// pid of its access-log line, and each worker's own requests go 1 2 3 1 2 3 (its own smooth
/// round robin), while the whole sequence is not.
#[test]
fn two_workers_each_keep_their_own_round_robin() {
    let run = shipped("nginx-workers.ron");
    let got = backends(run, "client-1", 5, 6);
    assert_eq!(got.len(), 20);
    // lb-1's access-log lines in the same order (one per request, logged by the worker).
    let access: Vec<u32> =
        logs(run, "lb-1", "nginx").into_iter().filter(|(_, l)| l.contains("\"GET / HTTP/1.1\" 200")).map(|(pid, _)| pid).take(20).collect();
    assert_eq!(access.len(), 20);
    // Which worker: master 1000, workers 1001 and 1002. The first takes connection 1, the second
    // connection 2 (each moved to the back of the wait queue on its first accept), then the
    // first keeps the head of the queue until its 17th accept (connection 18), then the second.
    let mut want_workers = vec![1001, 1002];
    want_workers.extend([1001; 16]);
    want_workers.extend([1002; 2]);
    assert_eq!(access, want_workers);
    for worker in [1001, 1002] {
        let own: Vec<u8> = got.iter().zip(&access).filter(|(_, w)| **w == worker).map(|(b, _)| *b).collect();
        let rr: Vec<u8> = (0..own.len()).map(|i| (i % 3) as u8 + 1).collect();
        assert_eq!(own, rr, "worker {worker}'s own round robin");
    }
    assert_ne!(got, (0..20).map(|i| (i % 3) as u8 + 1).collect::<Vec<_>>(), "not one shared round robin");
}

/// Every `[error]` line's `*N` is nginx's connection counter, which every client connection and
/// every upstream connection takes (ngx_event_accept, ngx_event_connect_peer). backend-failure:
/// one curl a second from 4 s; the 8th (11 s) is the first refused by web-2, so 7 clients with
/// one upstream connection each came before it: *15; the 22nd (25 s) is the second, after 21
/// clients, 21 upstream connections and the 11 s request's retry: *44.
#[test]
fn the_connection_counter_counts_upstream_connections() {
    let run = shipped("backend-failure.ron");
    let numbers: Vec<&str> = logs(run, "lb-1", "nginx")
        .into_iter()
        .filter(|(_, l)| l.contains("[error]"))
        .filter_map(|(_, l)| l.split(' ').find(|w| w.starts_with('*')))
        .collect();
    assert_eq!(numbers, ["*15", "*44"]);
}

/// Console lines (stdout and stderr) of `command` typed on `host`.
fn output(result: &RunResult, host: &str, command: &str) -> Vec<String> {
    let events = result.trace.events();
    let Some(id) = events.iter().find_map(|e| match &e.kind {
        TraceKind::Command { host: h, id, line, .. } if h == host && line == command => Some(*id),
        _ => None,
    }) else {
        panic!("{command} was typed on {host}")
    };
    events
        .iter()
        .filter_map(|e| match &e.kind {
            TraceKind::Output { host: h, id: i, line, .. } if h == host && *i == id => Some(line.clone()),
            _ => None,
        })
        .collect()
}

/// iproute2's layouts (ip/ipaddress.c `print_stats64`, `print_linkinfo` with `-4`; ip/ipneigh.c
/// `do_show_or_flush`), with counters from the simulated NIC: client-1 pinged the VIP twice
/// (ARP request and reply, 2 echoes and replies, and the VRRP adverts it hears).
#[test]
fn ip_prints_as_iproute2() {
    let path = util::root().join("tests/fixtures/regressions/ip-commands.ron");
    let run = util::run(&path, None);
    let link = output(&run, "client-1", "ip -s link");
    assert_eq!(link[2], "    RX:  bytes packets errors dropped  missed   mcast           ");
    assert_eq!(link[3], "             0       0      0       0       0       0 ");
    assert_eq!(link[4], "    TX:  bytes packets errors dropped carrier collsns           ");
    assert_eq!(link[7], "    link/ether 00:0c:29:08:e4:4c brd ff:ff:ff:ff:ff:ff");
    let rx: Vec<u64> = link[9].split_whitespace().map(|n| n.parse().unwrap()).collect();
    let tx: Vec<u64> = link[11].split_whitespace().map(|n| n.parse().unwrap()).collect();
    // Sent: at least the ARP request and the two echo requests.
    assert!(tx[1] >= 3 && rx[1] >= 3, "{link:?}");
    assert!(rx[5] >= 1, "VRRP adverts and the ARP broadcast count as multicast: {link:?}");
    assert_eq!(
        output(&run, "client-1", "ip -4 addr"),
        [
            "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000",
            "    inet 127.0.0.1/8 scope host lo",
            "       valid_lft forever preferred_lft forever",
            "2: eno33554984: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP group default qlen 1000",
            "    inet 172.2.20.1/24 brd 172.2.20.255 scope global eno33554984",
            "       valid_lft forever preferred_lft forever",
        ]
    );
    let shown = output(&run, "client-1", "ip neigh show 172.2.20.100");
    assert_eq!(shown.len(), 1);
    assert!(shown[0].starts_with("172.2.20.100 dev eno33554984 lladdr "), "{shown:?}");
    assert!(output(&run, "client-1", "ip neigh show 172.2.20.9").is_empty());
    assert_eq!(output(&run, "client-1", "ip neigh flush"), ["Flush requires arguments."]);
    assert_eq!(output(&run, "client-1", "ip neigh flush dev eth9"), ["Cannot find device \"eth9\""]);
    assert_eq!(output(&run, "client-1", "ip -x addr"), ["Option \"-x\" is unknown, try \"ip -help\"."]);
    assert_eq!(output(&run, "client-1", "ip neigh show to bogus"), ["Error: argument \"bogus\" is wrong: to value is invalid", ""]);
    assert!(output(&run, "client-1", "ip neigh flush dev eno33554984").is_empty());
    assert!(output(&run, "client-1", "ip neigh").is_empty(), "flushed");
}
