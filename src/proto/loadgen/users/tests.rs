//! The population against a scripted server: Poisson arrivals, a page then its assets over at
//! most `connections` kept-alive connections, think time, the keep-alive race's resend.

use super::*;

fn params() -> Params {
    Params {
        mean_gap: Duration::from_secs(1),
        until: SimTime::from_micros(u64::MAX / 2),
        pages: 2,
        assets: 8,
        think: Duration::from_secs(10),
        connections: 6,
        keepalive: true,
        warm: false,
        host: "10.0.0.100".to_owned(),
        page: "/".to_owned(),
        asset: "/logo.png".to_owned(),
    }
}

fn actions(u: &mut Users) -> Vec<Action> {
    std::iter::from_fn(|| u.poll_action()).collect()
}

fn samples(u: &mut Users) -> Vec<Sample> {
    std::iter::from_fn(|| u.poll_sample()).collect()
}

const OK: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

/// Runs to the first arrival, the only one; returns the time.
fn first_arrival(u: &mut Users) -> SimTime {
    let at = u.poll_timeout().expect("an arrival is planned");
    u.params.until = at + Duration::from_micros(1);
    u.handle_timeout(at);
    assert_eq!(u.next_arrival, None, "one arrival only");
    at
}

#[test]
fn ln_matches_the_library_to_the_last_bits() {
    for x in [1e-300, 1e-9, 0.001, 0.25, 0.5, 0.75, 0.999_999, 1.0] {
        assert!((ln(x) - x.ln()).abs() <= 1e-14 * x.ln().abs().max(1.0), "{x}");
    }
}

#[test]
fn arrivals_are_poisson_with_the_given_mean_and_stop_at_until() {
    let mut p = params();
    p.until = SimTime::from_micros(20_000 * 1_000_000);
    let mut u = Users::new(p, SimRng::new(7).fork("users/test"), SimTime::ZERO);
    let mut gaps = Vec::new();
    let mut last = SimTime::ZERO;
    while let Some(at) = u.next_arrival {
        gaps.push(at.saturating_since(last).as_secs_f64());
        last = at;
        let next = at + u.exponential(Duration::from_secs(1));
        u.next_arrival = (next < SimTime::from_micros(20_000 * 1_000_000)).then_some(next);
    }
    let n = gaps.len() as f64;
    let mean = gaps.iter().sum::<f64>() / n;
    let var = gaps.iter().map(|g| (g - mean) * (g - mean)).sum::<f64>() / n;
    // 20 000 s at one per second: the mean and the standard deviation of an exponential are
    // both 1 s (within 3 %).
    assert!((n - 20_000.0).abs() < 600.0, "{n} arrivals");
    assert!((mean - 1.0).abs() < 0.03 && (var.sqrt() - 1.0).abs() < 0.03, "mean {mean}, sd {}", var.sqrt());
}

#[test]
fn a_page_then_its_assets_over_six_kept_alive_connections_then_think_time() {
    let mut u = Users::new(params(), SimRng::new(1).fork("users/test"), SimTime::ZERO);
    let t0 = first_arrival(&mut u);
    assert_eq!(actions(&mut u), [Action::Connect(0)]);
    u.handle_connected(t0 + Duration::from_millis(1), 0);
    let sent = actions(&mut u);
    assert!(
        matches!(&sent[..], [Action::Send(0, r)] if r.starts_with(b"GET / HTTP/1.1\r\nHost: 10.0.0.100\r\nUser-Agent: Mozilla/5.0")),
        "{sent:?}"
    );
    let t1 = t0 + Duration::from_millis(3);
    u.handle_data(t1, 0, OK);
    assert_eq!(samples(&mut u), [Sample { status: Some(200), latency_us: 3000, error: None }]);
    // The first asset on the kept-alive connection, five more connections for seven others.
    let next = actions(&mut u);
    assert!(matches!(&next[0], Action::Send(0, r) if r.starts_with(b"GET /logo.png HTTP/1.1")), "{next:?}");
    assert_eq!(next[1..], [1, 2, 3, 4, 5].map(Action::Connect));
    for slot in 1..6 {
        u.handle_connected(t1 + Duration::from_millis(1), slot);
    }
    assert_eq!(actions(&mut u).len(), 5);
    // Each response frees its connection for a waiting asset: 8 assets, 6 connections.
    let t2 = t1 + Duration::from_millis(5);
    for slot in 0..6 {
        u.handle_data(t2, slot, OK);
    }
    assert_eq!(actions(&mut u).len(), 2, "the last two assets on reused connections");
    assert_eq!(samples(&mut u).len(), 6);
    assert!(u.thinking.is_empty(), "two assets still to come");
    u.handle_data(t2 + Duration::from_millis(1), 0, OK);
    u.handle_data(t2 + Duration::from_millis(1), 1, OK);
    // The page is over: the user thinks, the connections stay open.
    assert!(actions(&mut u).is_empty());
    assert_eq!(u.thinking.len(), 1);
    let (wake, _) = *u.thinking.first().expect("thinking");
    u.handle_timeout(wake);
    let next = actions(&mut u);
    assert!(matches!(&next[..], [Action::Send(0, r)] if r.starts_with(b"GET / HTTP")), "{next:?}");
}

#[test]
fn a_get_closed_or_reset_before_its_response_is_restarted_up_to_ten_attempts() {
    let mut p = params();
    p.assets = 0;
    let mut u = Users::new(p, SimRng::new(1).fork("users/test"), SimTime::ZERO);
    let t0 = first_arrival(&mut u);
    actions(&mut u);
    u.handle_connected(t0, 0);
    u.handle_data(t0, 0, OK);
    actions(&mut u);
    let (wake, _) = *u.thinking.first().expect("thinking");
    u.handle_timeout(wake);
    actions(&mut u);
    // The keep-alive race: the server's idle timeout closed it as the request left.
    u.handle_eof(wake, 0);
    assert_eq!(actions(&mut u), [Action::Close(0), Action::Connect(0)]);
    assert_eq!(samples(&mut u).len(), 1, "only the first page's");
    // Eight more resets on fresh connections: attempts 2 to 9 are restarted too.
    for _ in 0..8 {
        u.handle_connected(wake, 0);
        actions(&mut u);
        u.handle_error(wake, 0, Errno::ConnReset);
        assert_eq!(actions(&mut u), [Action::Close(0), Action::Connect(0)]);
    }
    assert!(samples(&mut u).is_empty());
    // The tenth attempt's failure is the request's.
    u.handle_connected(wake, 0);
    actions(&mut u);
    u.handle_error(wake, 0, Errno::ConnReset);
    assert_eq!(samples(&mut u), [Sample { status: None, latency_us: 0, error: Some("Connection reset by peer") }]);
    // The last page ended (with an error): the session is over.
    assert!(u.sessions.iter().all(Option::is_none));
}

#[test]
fn a_refused_connection_fails_its_request_at_once() {
    let mut p = params();
    p.pages = 1;
    let mut u = Users::new(p, SimRng::new(1).fork("users/test"), SimTime::ZERO);
    let t0 = first_arrival(&mut u);
    actions(&mut u);
    u.handle_error(t0 + Duration::from_millis(1), 0, Errno::ConnRefused);
    assert_eq!(samples(&mut u), [Sample { status: None, latency_us: 1000, error: Some("Connection refused") }]);
    assert!(u.sessions.iter().all(Option::is_none));
    assert_eq!(u.exit_status(), Some(0));
}

#[test]
fn without_keep_alive_every_request_has_its_own_connection() {
    let mut p = params();
    p.keepalive = false;
    p.assets = 1;
    p.pages = 1;
    let mut u = Users::new(p, SimRng::new(1).fork("users/test"), SimTime::ZERO);
    let t0 = first_arrival(&mut u);
    actions(&mut u);
    u.handle_connected(t0, 0);
    let sent = actions(&mut u);
    assert!(matches!(&sent[..], [Action::Send(0, r)] if r.ends_with(b"Connection: close\r\n\r\n")));
    u.handle_data(t0, 0, OK);
    assert_eq!(actions(&mut u), [Action::Close(0), Action::Connect(0)]);
}

#[test]
fn a_warm_start_holds_the_steady_state_sessions_thinking() {
    let mut p = params();
    p.pages = 11;
    p.think = Duration::from_secs(100);
    p.warm = true;
    let u = Users::new(p, SimRng::new(3).fork("users/test"), SimTime::ZERO);
    // 10 stages × Poisson(100 s / 1 s): about 1000 sessions, each thinking.
    let n = u.thinking.len();
    assert!((900..=1100).contains(&n), "{n} sessions");
    assert_eq!(n, u.sessions.len());
    let left: u32 = u.sessions.iter().flatten().map(|s| s.pages_left).sum();
    // Pages left are 1..=10, evenly: a mean of 5.5.
    assert!((left as f64 / n as f64 - 5.5).abs() < 0.3, "{left}");
}
