//! Issue 13, nginx/Apache/ping/ip: nginx's worker processes (each its own round robin, the
//! worker that accepts chosen as Linux wakes `EPOLLEXCLUSIVE` waiters and nginx re-adds its
//! listening socket every 16 accepts), nginx's connection counter `*N` counting upstream
//! connections, through whole shipped runs.

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
