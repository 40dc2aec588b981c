//! ab's state machine against a scripted server: who connects when, what is counted, what is
//! printed.

use super::super::scaffold::{VIP, actions, argv, lines, us};
use super::*;
use crate::proto::Stream;

fn start(words: &[&str]) -> Ab {
    Ab::start(&argv(words), SimTime::ZERO, |_, _| Some(VIP)).map(|(ab, _)| ab).unwrap_or_else(|f| panic!("{f:?}"))
}

fn stdout(ab: &mut Ab) -> Vec<String> {
    lines(ab).into_iter().filter(|(s, _)| *s == Stream::Stdout).map(|(_, l)| l).collect()
}

fn response(body: &str, keep_alive: bool) -> Vec<u8> {
    let ka = if keep_alive { "Connection: keep-alive\r\n" } else { "Connection: close\r\n" };
    format!("HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nContent-Length: {}\r\n{ka}\r\n{body}", body.len()).into_bytes()
}

#[test]
fn the_other_connections_start_after_the_first_head() {
    let mut ab = start(&["-n", "4", "-c", "2", "http://10.0.0.100/"]);
    assert_eq!(actions(&mut ab), [Action::Connect(0)]);
    ab.handle_connected(us(100), 0);
    assert!(matches!(actions(&mut ab).as_slice(), [Action::Send(0, r)] if r.starts_with(b"GET / HTTP/1.0\r\nHost: 10.0.0.100\r\n")));
    ab.handle_data(us(300), 0, &response("hello", false));
    assert_eq!(actions(&mut ab), [Action::Connect(1)]);
    ab.handle_eof(us(350), 0);
    assert_eq!(actions(&mut ab), [Action::Close(0), Action::Connect(0)]);
    let mut done = Vec::new();
    for (t, slot) in [(400, 0), (420, 1)] {
        ab.handle_connected(us(t), slot);
        ab.handle_data(us(t + 200), slot, &response("hello", false));
        ab.handle_eof(us(t + 250), slot);
        done.extend(actions(&mut ab).into_iter().map(|a| match a {
            Action::Send(s, _) => format!("send {s}"),
            Action::Close(s) => format!("close {s}"),
            Action::Connect(s) => format!("connect {s}"),
        }));
    }
    assert_eq!(done, ["send 0", "close 0", "connect 0", "send 1", "close 1", "connect 1"]);
    // Four requests are started once slot 0 sends again, so slot 1 sends nothing when it
    // connects, and ab ends with the fourth response.
    ab.handle_connected(us(700), 0);
    assert!(matches!(actions(&mut ab).as_slice(), [Action::Send(0, _)]));
    ab.handle_connected(us(710), 1);
    assert_eq!(actions(&mut ab), [], "all four requests are started");
    ab.handle_data(us(900), 0, &response("hello", false));
    assert_eq!(ab.exit_status(), None);
    ab.handle_eof(us(950), 0);
    assert_eq!(ab.exit_status(), Some(0));
}

#[test]
fn a_full_run_prints_the_report() {
    let mut ab = start(&["-n", "3", "-c", "1", "http://10.0.0.100/"]);
    // Each connection starts when the previous one ends.
    let mut t = 0;
    for _ in 0..3 {
        let _ = actions(&mut ab);
        ab.handle_connected(us(t + 100), 0);
        ab.handle_data(us(t + 1600), 0, &response("hello", false));
        ab.handle_eof(us(t + 1700), 0);
        t += 1700;
    }
    assert_eq!(ab.exit_status(), Some(0));
    let out = stdout(&mut ab);
    assert_eq!(out[4], "Benchmarking 10.0.0.100 (be patient).....done");
    assert!(out.contains(&"Document Length:        5 bytes".to_owned()));
    assert!(out.contains(&"Complete requests:      3".to_owned()));
    assert!(out.contains(&"Time taken for tests:   0.005 seconds".to_owned()), "{out:#?}");
    // Each request: connect 0.1 ms, total 1.7 ms, waiting 1.5 ms.
    assert!(out.contains(&"Connect:        0    0   0.0      0       0".to_owned()), "{out:#?}");
    assert!(out.contains(&"Total:          2    2   0.0      2       2".to_owned()), "{out:#?}");
    assert!(out.contains(&" 100%      2 (longest request)".to_owned()));
}

#[test]
fn keep_alive_reuses_the_connection_and_counts_lengths() {
    let mut ab = start(&["-k", "-n", "3", "http://10.0.0.100/"]);
    assert!(matches!(actions(&mut ab).as_slice(), [Action::Connect(0)]));
    ab.handle_connected(us(100), 0);
    let sent = actions(&mut ab);
    assert!(matches!(sent.as_slice(), [Action::Send(0, r)] if r.windows(24).any(|w| w == b"Connection: Keep-Alive\r\n")));
    ab.handle_data(us(500), 0, &response("hello", true));
    assert!(matches!(actions(&mut ab).as_slice(), [Action::Send(0, _)]), "the next request goes on the same connection");
    ab.handle_data(us(900), 0, &response("hello!", true));
    ab.handle_data(us(1300), 0, &response("hello", true));
    assert_eq!(ab.exit_status(), Some(0));
    let out = stdout(&mut ab);
    assert!(out.contains(&"Keep-Alive requests:    3".to_owned()));
    assert!(out.contains(&"Failed requests:        1".to_owned()));
    assert!(out.contains(&"   (Connect: 0, Receive: 0, Length: 1, Exceptions: 0)".to_owned()));
}

#[test]
fn non_2xx_responses_are_counted() {
    let mut ab = start(&["-n", "1", "http://10.0.0.100/x"]);
    let _ = actions(&mut ab);
    ab.handle_connected(us(100), 0);
    ab.handle_data(us(200), 0, b"HTTP/1.1 404 Not Found\r\nServer: Apache\r\nContent-Length: 3\r\n\r\nno!");
    ab.handle_eof(us(300), 0);
    let out = stdout(&mut ab);
    assert!(out.contains(&"Non-2xx responses:      1".to_owned()));
    assert!(out.contains(&"Server Software:        Apache".to_owned()));
    assert!(!out.iter().any(|l| l.starts_with("Percentage")), "one request has no percentile table");
}

#[test]
fn a_refused_connection_ends_ab() {
    let mut ab = start(&["-n", "10", "-c", "2", "http://10.0.0.100:81/"]);
    let _ = actions(&mut ab);
    ab.handle_error(us(200), 0, Errno::ConnRefused);
    assert_eq!(ab.exit_status(), Some(111));
    assert_eq!(
        lines(&mut ab)[4..],
        [
            (Stream::Stdout, "Benchmarking 10.0.0.100 (be patient)...".to_owned()),
            (Stream::Stderr, "apr_socket_recv: Connection refused (111)".to_owned())
        ]
    );
}

#[test]
fn silence_for_the_timeout_ends_ab() {
    let mut ab = start(&["-s", "5", "-n", "10", "http://10.0.0.100/"]);
    let _ = actions(&mut ab);
    ab.handle_connected(us(100), 0);
    assert_eq!(ab.poll_timeout(), Some(us(5_000_100)));
    ab.handle_timeout(us(5_000_100));
    assert_eq!(ab.exit_status(), Some(70007 % 256));
    assert_eq!(lines(&mut ab).last().unwrap().1, "apr_pollset_poll: The timeout specified has expired (70007)");
}

#[test]
fn a_name_that_does_not_resolve() {
    let argv = vec!["http://web-9/".to_owned()];
    let Err(f) = Ab::start(&argv, SimTime::ZERO, |_, _| None) else { panic!("it cannot start") };
    assert_eq!(f.status, 50);
    assert_eq!(f.lines.last().unwrap().1, "apr_sockaddr_info_get() for web-9: Name or service not known (670002)");
}

#[test]
fn a_connect_that_fails_at_once_is_tried_twelve_times_then_ends_ab() {
    let mut ab = start(&["-n", "10", "-c", "2", "http://10.9.9.9/"]);
    assert_eq!(actions(&mut ab), [Action::Connect(0)]);
    for attempt in 1..=11 {
        ab.handle_connect_failed(us(0), 0, Errno::NetUnreach);
        assert_eq!(actions(&mut ab), [Action::Connect(0)], "attempt {attempt} is tried again");
    }
    ab.handle_connect_failed(us(0), 0, Errno::NetUnreach);
    assert_eq!(actions(&mut ab), []);
    assert_eq!(ab.exit_status(), Some(101));
    assert_eq!(
        lines(&mut ab)[4..],
        [
            (Stream::Stdout, "Benchmarking 10.9.9.9 (be patient)...".to_owned()),
            (Stream::Stderr, String::new()),
            (Stream::Stderr, "Test aborted after 10 failures".to_owned()),
            (Stream::Stderr, String::new()),
            (Stream::Stderr, "apr_socket_connect(): Network is unreachable (101)".to_owned()),
        ]
    );
}

#[test]
fn an_abort_after_completed_requests_says_how_many() {
    let mut ab = start(&["-n", "10", "-c", "1", "http://10.0.0.100/"]);
    let _ = actions(&mut ab);
    ab.handle_connected(us(100), 0);
    ab.handle_data(us(200), 0, &response("hello", false));
    ab.handle_eof(us(300), 0);
    let _ = actions(&mut ab);
    // Then every port towards the server is taken (EADDRNOTAVAIL).
    for _ in 0..12 {
        ab.handle_connect_failed(us(400), 0, Errno::AddrNotAvail);
    }
    assert_eq!(ab.exit_status(), Some(99));
    let all = lines(&mut ab);
    assert_eq!(
        all[all.len() - 2..],
        [
            (Stream::Stderr, "apr_socket_connect(): Cannot assign requested address (99)".to_owned()),
            (Stream::Stdout, "Total of 1 requests completed".to_owned()),
        ]
    );
}

#[test]
fn a_time_limit_ends_the_run_at_its_first_news_past_it() {
    let mut ab = start(&["-t", "1", "-c", "1", "http://10.0.0.100/"]);
    let mut t = 0;
    while ab.exit_status().is_none() {
        assert_eq!(actions(&mut ab).last(), Some(&Action::Connect(0)), "at {t} µs");
        ab.handle_connected(us(t + 100), 0);
        let _ = actions(&mut ab);
        ab.handle_data(us(t + 200), 0, &response("hello", false));
        ab.handle_eof(us(t + 300), 0);
        t += 300_000;
    }
    // The fourth response ends at 0.9003 s, before the limit; the fifth request's write, at
    // 1.2001 s, is the first news past it, and the time taken runs to it.
    let all = lines(&mut ab);
    let out: Vec<&str> = all.iter().map(|(_, l)| l.as_str()).collect();
    assert!(out.contains(&"Benchmarking 10.0.0.100 (be patient)"), "{out:#?}");
    assert!(out.contains(&"Finished 4 requests"), "{out:#?}");
    assert!(out.contains(&"Complete requests:      4"), "{out:#?}");
    assert!(out.contains(&"Time taken for tests:   1.200 seconds"), "{out:#?}");
    assert_eq!(ab.exit_status(), Some(0));
}

#[test]
fn no_concurrency_is_a_poll_on_nothing() {
    let err = Ab::start(&argv(&["-c", "0", "-n", "5", "http://10.0.0.100/"]), SimTime::ZERO, |_, _| Some(VIP)).err().expect("ab ends");
    assert_eq!(err.status, 22);
    assert_eq!(
        err.lines[4..],
        [
            (Stream::Stdout, "Benchmarking 10.0.0.100 (be patient)...".to_owned()),
            (Stream::Stderr, "apr_pollset_poll: Invalid argument (22)".to_owned())
        ]
    );
}

#[test]
fn a_socket_past_the_open_file_limit_ends_ab() {
    let mut ab = start(&["-n", "10", "-c", "2", "http://10.0.0.100/"]);
    assert_eq!(ab.own_fds(), 6);
    let _ = actions(&mut ab);
    ab.handle_socket_failed(us(0), 0, Errno::MFile);
    assert_eq!(ab.exit_status(), Some(24));
    assert_eq!(lines(&mut ab).last(), Some(&(Stream::Stderr, "socket: Too many open files (24)".to_owned())));
}
