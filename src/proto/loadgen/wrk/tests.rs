//! wrk's run against a scripted server: the test connection, the keep-alive loop, the rate
//! records, the report.

use super::super::scaffold::{VIP, actions, argv, us};
use super::*;

fn start(words: &[&str]) -> Wrk {
    Wrk::start(&argv(words), SimTime::ZERO, |_, _| Some(VIP)).map(|(w, _)| w).unwrap_or_else(|f| panic!("{f:?}"))
}

/// The lines printed so far, without their streams.
fn lines(w: &mut Wrk) -> Vec<String> {
    super::super::scaffold::lines(w).into_iter().map(|(_, l)| l).collect()
}

const RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";

#[test]
fn a_test_connection_first_then_every_connection_stays_busy() {
    let mut w = start(&["-t1", "-c2", "-d1s", "--latency", "http://10.0.0.100/"]);
    assert_eq!(actions(&mut w), [Action::Connect(0)]);
    w.handle_connected(us(100), 0);
    assert_eq!(actions(&mut w), [Action::Close(0), Action::Connect(0), Action::Connect(1)]);
    assert_eq!(lines(&mut w), ["Running 1s test @ http://10.0.0.100/", "  1 threads and 2 connections"]);
    for slot in 0..2 {
        w.handle_connected(us(200), slot);
    }
    let sent = actions(&mut w);
    assert_eq!(sent.len(), 2);
    assert!(matches!(&sent[0], Action::Send(0, r) if r == b"GET / HTTP/1.1\r\nHost: 10.0.0.100\r\n\r\n"));
    // Each connection answers every 1 ms: a new request goes out at once.
    let mut t = 200;
    while t < 1_100_000 {
        t += 1000;
        if let Some(next) = w.poll_timeout().filter(|n| n.as_micros() <= t) {
            w.handle_timeout(next);
        }
        if w.exit_status().is_some() {
            break;
        }
        for slot in 0..2 {
            w.handle_data(us(t), slot, RESPONSE);
        }
        assert_eq!(actions(&mut w).len(), 2, "one request per response");
    }
    assert_eq!(w.exit_status(), Some(0));
    let out = lines(&mut w);
    assert_eq!(out[0], "  Thread Stats   Avg      Stdev     Max   +/- Stdev");
    assert_eq!(out[1], "    Latency     1.00ms    0.00us   1.00ms  100.00%");
    assert_eq!(out[3], "  Latency Distribution");
    assert_eq!(out[4], "     50%    1.00ms");
    // A record every 100 ms of about 200 responses: about 2000 requests/s.
    assert!(out[2].starts_with("    Req/Sec     2.00k "), "{out:#?}");
    // Responses at 1.2 ms, 2.2 ms … 999.2 ms on both connections (999 × 2, 43 bytes each); the
    // run ends at the first record at or after 1 s from its start (0.1 ms).
    assert_eq!(out[8], "  1998 requests in 1.00s, 83.90KB read");
    assert_eq!(out[9], "Requests/sec:   1998.00");
}

#[test]
fn errors_and_statuses_are_counted() {
    let mut w = start(&["-t1", "-c1", "-d1s", "http://10.0.0.100:8080/x"]);
    let _ = actions(&mut w);
    w.handle_connected(us(100), 0);
    let _ = actions(&mut w);
    w.handle_connected(us(200), 0);
    let _ = actions(&mut w);
    w.handle_data(us(300), 0, b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n");
    let _ = actions(&mut w);
    w.handle_data(us(400), 0, b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nhal");
    w.handle_eof(us(500), 0);
    assert_eq!(actions(&mut w), [Action::Close(0), Action::Connect(0)], "a read error reconnects");
    w.handle_error(us(600), 0, Errno::ConnRefused);
    for t in (100_000..=1_000_000).step_by(100_000) {
        w.handle_timeout(us(t + 100));
    }
    let out = lines(&mut w);
    assert!(out.contains(&"  Socket errors: connect 0, read 2, write 0, timeout 0".to_owned()), "{out:#?}");
    assert!(out.contains(&"  Non-2xx or 3xx responses: 1".to_owned()), "{out:#?}");
}

/// The test connection failing ends wrk with strerror's words, whether the SYN was refused or
/// `connect()` failed at once.
#[test]
fn a_failed_test_connection_ends_wrk() {
    let refused: fn(&mut Wrk) = |w| w.handle_error(us(100), 0, Errno::ConnRefused);
    let no_route: fn(&mut Wrk) = |w| w.handle_connect_failed(us(0), 0, Errno::NetUnreach);
    for (fail, said) in [(refused, "Connection refused"), (no_route, "Network is unreachable")] {
        let mut w = start(&["http://10.0.0.100/"]);
        let _ = actions(&mut w);
        fail(&mut w);
        assert_eq!(w.exit_status(), Some(1));
        assert_eq!(lines(&mut w), [format!("unable to connect to 10.0.0.100:http {said}")]);
    }
}

/// A connection whose `connect()` fails at once (no port left) or whose `socket()` does (past
/// the open-file limit) is a connect error, and wrk does not try it again.
#[test]
fn a_connection_that_cannot_be_opened_is_a_connect_error_and_given_up() {
    let connect: fn(&mut Wrk) = |w| w.handle_connect_failed(us(100), 1, Errno::AddrNotAvail);
    let socket: fn(&mut Wrk) = |w| w.handle_socket_failed(us(100), 1, Errno::MFile);
    for fail in [connect, socket] {
        let mut w = start(&["-t1", "-c2", "-d1s", "http://10.0.0.100/"]);
        let _ = actions(&mut w);
        w.handle_connected(us(100), 0);
        assert_eq!(actions(&mut w), [Action::Close(0), Action::Connect(0), Action::Connect(1)]);
        fail(&mut w);
        assert_eq!(actions(&mut w), [], "wrk does not try it again");
        w.handle_connected(us(200), 0);
        let _ = actions(&mut w);
        for t in (100_000..=1_000_000).step_by(100_000) {
            w.handle_timeout(us(t + 100));
        }
        let out = lines(&mut w);
        assert!(out.contains(&"  Socket errors: connect 1, read 0, write 0, timeout 0".to_owned()), "{out:#?}");
    }
}

/// Measured with `ulimit -n 1024`: `-c 1100` gets 82, 83 and 85 connect errors with -t1, -t2
/// and -t4, so 1 018, 1 017 and 1 015 sockets fit beside wrk's own descriptors.
#[test]
fn its_own_descriptors_are_five_and_one_a_thread() {
    for (threads, own) in [("-t1", 6), ("-t2", 7), ("-t4", 9)] {
        assert_eq!(start(&[threads, "-c8", "http://10.0.0.100/"]).own_fds(), own);
    }
}
