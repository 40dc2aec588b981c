//! The web path (issue 4, acceptance 1 and 2): the backend-failure run against a table worked by
//! hand from spec-nginx-upstream §2–§3, and the bytes on the wire — reassembled from the `front`
//! and `back` captures with the hand-written decoder in `frames.rs`, not from the simulator's own
//! structures — against the texts of spec-nginx-upstream §5–§7 and spec-host §3.1 and §4.
//!
//! Capture timing (as in `fidelity.rs`): a frame sent at `t` is captured at `t + LINK_US`.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddrV4};

use labsim::RunResult;
use labsim::TraceKind;

use crate::frames;
use crate::util;

/// Scenario epoch: 2026-11-24T16:00:00Z (a Tuesday), in seconds since 1970.
const EPOCH_S: u64 = 1_795_536_000;
/// One-way latency of a link (host ↔ switch).
const LINK_US: u64 = 50;

const VIP: Ipv4Addr = Ipv4Addr::new(172, 2, 20, 100);
const CLIENT: Ipv4Addr = Ipv4Addr::new(172, 2, 20, 1);
const LB1_BACK: Ipv4Addr = Ipv4Addr::new(192, 168, 20, 101);
/// web-1..3.
const WEB: [Ipv4Addr; 3] = [Ipv4Addr::new(192, 168, 20, 201), Ipv4Addr::new(192, 168, 20, 202), Ipv4Addr::new(192, 168, 20, 203)];

/// What curl 7.88.1 sends for `curl http://172.2.20.100/` (spec-host §4).
const CURL_REQUEST: &str = "GET / HTTP/1.1\r\nHost: 172.2.20.100\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n";
/// What nginx sends upstream for it (spec-nginx-upstream §6 with the lab's addresses): the three
/// `proxy_set_header`s in config order, then `Connection: close`, then the client's other headers.
const UPSTREAM_REQUEST: &str = "GET / HTTP/1.0\r\nHost: 172.2.20.100\r\nX-Real-IP: 172.2.20.1\r\nX-Forwarded-For: 172.2.20.1\r\nConnection: close\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n";
/// nginx's error pages (spec-nginx-upstream §5), CRLF line ends, `server_tokens on`.
const PAGE_502: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n";
const PAGE_504: &str = "<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n<center><h1>504 Gateway Time-out</h1></center>\r\n<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n";

fn body_of(web: usize) -> String {
    format!("This is web-{web} zgh2303\n")
}

// ---- the worked table -------------------------------------------------------------------------

/// backend-failure.ron: one request a second from 4 s to 43 s (`for … curl; sleep 1`; each curl
/// takes about a millisecond, so request k starts in second 4 + k). Apache is stopped on web-2
/// from 10.5 s to 30.5 s. Columns: second, the web server whose page the client gets, whether
/// nginx logged a refused connect to web-2 (and "temporarily disabled") in that second.
///
/// Worked by hand with §2's selection and §3's accounting (weights 1, max_fails 1,
/// fail_timeout 10, `now` in whole seconds; cw = current_weight, ew = effective_weight):
/// - 4–10: plain round robin 1 2 3 1 2 3 1; after 10 the current weights are (−2, 1, 1).
/// - 11: every peer adds 1 → (−1, 2, 2); web-2 wins the tie by config order (strict `>`),
///   cw −1; its connect is refused: fails = 1, checked = accessed = 11, ew 1 → 0, "temporarily
///   disabled". The retry skips web-2 (tried): web-1 0, web-3 3 → web-3 serves; (0, −1, 1).
/// - 12–21: web-2 is ineligible (`now − checked ≤ 10`); web-3 wins 12 (1 < 2), then web-1 and
///   web-3 alternate, ending at (0, −1, 1) after 21.
/// - 22: web-2 eligible again (22 − 11 = 11 > 10) but enters with ew 0: its cw stays −1 (its ew
///   climbs to 1); (1, −1, 2) → web-3. 23: (2, 0, 1) → web-1. 24: (0, 1, 2) → web-3.
/// - 25: (1, 2, 0) → web-2 is chosen (checked = 25), refused again (Apache still down): fails 2,
///   ew 0, "temporarily disabled" again; the retry gets web-1; (0, −1, 1).
/// - 26–35: ineligible (36 − 25 = 11 is the first second past fail_timeout); 3 1 3 1 … (Apache
///   is back at 30.5 s, but nginx does not know).
/// - 36–38: as 22–24: 3 1 3 (web-2 eligible with ew 0, loses).
/// - 39: as 25, web-2 chosen, connects and serves; `accessed` 25 < `checked` 39 → fails = 0.
///   Then plain round robin again: 40 web-1, 41 web-3, 42 web-2, 43 web-1.
///
/// Only seconds 11 and 25 attempt web-2 while Apache is down, so only they log the refusal.
const BACKEND_FAILURE_TABLE: [(u64, usize, bool); 40] = [
    (4, 1, false),
    (5, 2, false),
    (6, 3, false),
    (7, 1, false),
    (8, 2, false),
    (9, 3, false),
    (10, 1, false),
    (11, 3, true), // web-2 refused → disabled (checked = 11); retried on web-3
    (12, 3, false),
    (13, 1, false),
    (14, 3, false),
    (15, 1, false),
    (16, 3, false),
    (17, 1, false),
    (18, 3, false),
    (19, 1, false),
    (20, 3, false),
    (21, 1, false),
    (22, 3, false), // web-2 eligible again, effective_weight 0: loses
    (23, 1, false),
    (24, 3, false),
    (25, 1, true), // web-2 tried, refused again (checked = 25); retried on web-1
    (26, 3, false),
    (27, 1, false),
    (28, 3, false),
    (29, 1, false),
    (30, 3, false),
    (31, 1, false),
    (32, 3, false),
    (33, 1, false),
    (34, 3, false),
    (35, 1, false),
    (36, 3, false), // web-2 eligible again (Apache back since 30.5 s), effective_weight 0: loses
    (37, 1, false),
    (38, 3, false),
    (39, 2, false), // web-2 chosen and served: fails reset
    (40, 1, false),
    (41, 3, false),
    (42, 2, false),
    (43, 1, false),
];

fn shipped(name: &str) -> &'static RunResult {
    let (_, result) =
        util::shipped_runs().iter().find(|(p, _)| p.file_name().is_some_and(|f| f == name)).unwrap_or_else(|| panic!("{name} is shipped"));
    result
}

/// `HttpTransfer`s of `host`: (start in µs, status, exit, body).
fn transfers(result: &RunResult, host: &str) -> Vec<(u64, Option<u16>, i32, String)> {
    result
        .trace
        .events()
        .iter()
        .filter_map(|e| match &e.kind {
            TraceKind::HttpTransfer { host: h, started, status, exit, body, .. } if h == host => {
                Some((started.as_micros(), *status, *exit, body.clone()))
            }
            _ => None,
        })
        .collect()
}

/// nginx's log lines on `host`: (time in µs, line).
fn nginx_log(result: &RunResult, host: &str) -> Vec<(u64, String)> {
    result
        .trace
        .events()
        .iter()
        .filter_map(|e| match &e.kind {
            TraceKind::Log { host: h, process, line, .. } if h == host && process == "nginx" => Some((e.at.as_micros(), line.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn the_hand_worked_table_is_consistent() {
    // The expected order of the brief, and one row per second.
    let order: Vec<usize> = BACKEND_FAILURE_TABLE.iter().map(|r| r.1).collect();
    let text = "1 2 3 1 2 3 1 3 3 1 3 1 3 1 3 1 3 1 3 1 3 1 3 1 3 1 3 1 3 1 3 1 3 1 3 2 1 3 2 1";
    assert_eq!(order, text.split(' ').map(|n| n.parse::<usize>().unwrap()).collect::<Vec<_>>());
    assert!(BACKEND_FAILURE_TABLE.iter().enumerate().all(|(i, r)| r.0 == 4 + i as u64));
    let refused: Vec<u64> = BACKEND_FAILURE_TABLE.iter().filter(|r| r.2).map(|r| r.0).collect();
    assert_eq!(refused, [11, 25]);
}

#[test]
fn backend_failure_follows_the_hand_worked_table() {
    let result = shipped("backend-failure.ron");
    let seen = transfers(result, "client-1");
    let log = nginx_log(result, "lb-1");
    let mut failures = Vec::new();
    if seen.len() != BACKEND_FAILURE_TABLE.len() {
        failures.push(format!("{} transfers, the table has {} rows", seen.len(), BACKEND_FAILURE_TABLE.len()));
    }
    for (&(second, web, refused), (started, status, exit, body)) in BACKEND_FAILURE_TABLE.iter().zip(&seen) {
        if started / 1_000_000 != second {
            failures.push(format!("row {second}: the transfer started at {started} µs"));
        }
        if (*status, *exit, body.as_str()) != (Some(200), 0, body_of(web).as_str()) {
            failures.push(format!("{second} s: expected 200 from web-{web}, got status {status:?}, exit {exit}, body {body:?}"));
        }
        let in_second = |needle: &str| -> Vec<&String> {
            log.iter().filter(|(t, l)| t / 1_000_000 == second && l.contains(needle)).map(|(_, l)| l).collect()
        };
        for needle in [
            "connect() failed (111: Connection refused) while connecting to upstream",
            "upstream server temporarily disabled while connecting to upstream",
        ] {
            let lines = in_second(needle);
            let want = usize::from(refused);
            if lines.len() != want {
                failures.push(format!("{second} s: {} line(s) with {needle:?}, expected {want}: {lines:?}", lines.len()));
            }
            for line in lines {
                // The error-log line names the second on nginx's clock and the peer (§8).
                let stamp = format!("2026/11/24 16:00:{second:02} ");
                if !line.starts_with(&stamp)
                    || !line.contains("upstream: \"http://192.168.20.202:80/\"")
                    || !line.contains("client: 172.2.20.1,")
                {
                    failures.push(format!("{second} s: log line not for web-2 at {stamp}: {line}"));
                }
            }
        }
    }
    // Nothing else failed in the whole run: exactly two refusals and two disablings.
    for (needle, want) in [("connect() failed", 2), ("temporarily disabled", 2), ("no live upstreams", 0), ("timed out", 0)] {
        let n = log.iter().filter(|(_, l)| l.contains(needle)).count();
        if n != want {
            failures.push(format!("{n} nginx line(s) with {needle:?}, expected {want}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---- TCP reassembly from a capture ------------------------------------------------------------

/// One TCP connection seen in a capture, its payload reassembled per direction by sequence
/// number (retransmitted bytes counted once).
#[derive(Debug, Default)]
struct Conn {
    client: Option<SocketAddrV4>,
    server: Option<SocketAddrV4>,
    /// Capture time of the first SYN, simulated µs.
    syn_at: u64,
    client_isn: u32,
    server_isn: Option<u32>,
    /// Offset → bytes, per direction.
    up: BTreeMap<u32, Vec<u8>>,
    down: BTreeMap<u32, Vec<u8>>,
    /// Capture time of the first payload byte from the server.
    first_down_at: Option<u64>,
    /// Answered with RST instead of SYN-ACK.
    refused: bool,
}

impl Conn {
    fn server(&self) -> SocketAddrV4 {
        self.server.expect("a server end")
    }

    fn assemble(segments: &BTreeMap<u32, Vec<u8>>) -> Vec<u8> {
        let mut out: Vec<u8> = Vec::new();
        for (&offset, bytes) in segments {
            let offset = offset as usize;
            assert!(offset <= out.len(), "a hole in the stream before offset {offset} (have {})", out.len());
            if offset + bytes.len() > out.len() {
                out.extend_from_slice(&bytes[out.len() - offset..]);
            }
        }
        out
    }

    /// Client → server bytes.
    fn request(&self) -> Vec<u8> {
        Self::assemble(&self.up)
    }

    /// Server → client bytes.
    fn response(&self) -> Vec<u8> {
        Self::assemble(&self.down)
    }

    /// When the server sent its first payload byte, whole simulated seconds.
    fn response_second(&self) -> u64 {
        (self.first_down_at.expect("a response") - LINK_US) / 1_000_000
    }
}

/// Every TCP connection in `network`'s capture of `result`, in the order of their first SYN.
fn connections(result: &RunResult, network: &str) -> Vec<Conn> {
    let mut conns: Vec<Conn> = Vec::new();
    let mut open: BTreeMap<(SocketAddrV4, SocketAddrV4), usize> = BTreeMap::new();
    for frame in util::read_pcap(util::pcap_of(result, network)) {
        let eth = frames::decode(&frame.bytes);
        let Some(tcp) = eth.tcp() else { continue };
        assert_eq!(eth.tcp_checksum_residue(), Some(0), "{network}: bad TCP checksum at {}", frame.unix_us);
        let ip = eth.ipv4().expect("IPv4");
        let t = frame.unix_us - EPOCH_S * 1_000_000;
        let src = SocketAddrV4::new(ip.src, tcp.src_port);
        let dst = SocketAddrV4::new(ip.dst, tcp.dst_port);
        if tcp.syn() && !tcp.ack_flag() {
            let fresh = open.get(&(src, dst)).is_none_or(|&i| conns[i].client_isn != tcp.seq);
            if fresh {
                open.insert((src, dst), conns.len());
                conns.push(Conn { client: Some(src), server: Some(dst), syn_at: t, client_isn: tcp.seq, ..Conn::default() });
            }
            continue;
        }
        let (index, from_client) = match (open.get(&(src, dst)), open.get(&(dst, src))) {
            (Some(&i), _) => (i, true),
            (None, Some(&i)) => (i, false),
            (None, None) => panic!("{network}: a segment {src} → {dst} of no connection seen opening"),
        };
        let conn = &mut conns[index];
        if tcp.syn() {
            conn.server_isn = Some(tcp.seq);
            continue;
        }
        if tcp.rst() && !from_client && conn.server_isn.is_none() {
            conn.refused = true;
        }
        if tcp.payload.is_empty() {
            continue;
        }
        if from_client {
            let offset = tcp.seq.wrapping_sub(conn.client_isn.wrapping_add(1));
            conn.up.entry(offset).or_insert(tcp.payload);
        } else {
            let isn = conn.server_isn.expect("payload after the SYN-ACK");
            let offset = tcp.seq.wrapping_sub(isn.wrapping_add(1));
            conn.first_down_at.get_or_insert(t);
            conn.down.entry(offset).or_insert(tcp.payload);
        }
    }
    conns
}

// ---- HTTP texts --------------------------------------------------------------------------------

/// RFC 1123 date of `unix` seconds (proleptic Gregorian, Howard Hinnant's days→civil).
fn http_date(unix: u64) -> String {
    let days = (unix / 86_400) as i64;
    let secs = unix % 86_400;
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][(days % 7) as usize];
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let name = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][(month - 1) as usize];
    format!("{weekday}, {day:02} {name} {year} {:02}:{:02}:{:02} GMT", secs / 3600, secs / 60 % 60, secs % 60)
}

/// The `Date` header for a response sent in simulated second `second`.
fn date_at(second: u64) -> String {
    http_date(EPOCH_S + second)
}

/// Splits a response into its head lines (without CRLF) and body; the head must end in CRLF CRLF.
fn split_response(bytes: &[u8]) -> (Vec<String>, Vec<u8>) {
    let text = String::from_utf8_lossy(bytes);
    let end = text.find("\r\n\r\n").unwrap_or_else(|| panic!("no end of head in {text:?}"));
    let head = text[..end].split("\r\n").map(str::to_owned).collect();
    (head, bytes[end + 4..].to_vec())
}

/// The value of header `name` in `head`.
fn header<'a>(head: &'a [String], name: &str) -> &'a str {
    let prefix = format!("{name}: ");
    head.iter().find_map(|l| l.strip_prefix(prefix.as_str())).unwrap_or_else(|| panic!("no {name} in {head:?}"))
}

/// Checks an Apache ETag against the body size and the Last-Modified date (spec-host §3.1):
/// `"<size hex>-<mtime µs hex>"`, lowercase, no leading zeros, the mtime in the Last-Modified second.
fn check_etag(etag: &str, size: usize, last_modified: &str) -> Result<(), String> {
    let inner = etag.strip_prefix('"').and_then(|e| e.strip_suffix('"')).ok_or(format!("ETag {etag} is not a quoted strong tag"))?;
    let (size_hex, mtime_hex) = inner.split_once('-').ok_or(format!("ETag {etag} has no '-'"))?;
    if size_hex != format!("{size:x}") {
        return Err(format!("ETag {etag}: size part {size_hex}, body is {size} = {size:x} bytes"));
    }
    let mtime_us = u64::from_str_radix(mtime_hex, 16).map_err(|e| format!("ETag {etag}: {e}"))?;
    if mtime_hex != format!("{mtime_us:x}") {
        return Err(format!("ETag {etag}: mtime part not lowercase hex without leading zeros"));
    }
    if http_date(mtime_us / 1_000_000) != last_modified {
        return Err(format!("ETag {etag}: mtime {} is not Last-Modified {last_modified}", http_date(mtime_us / 1_000_000)));
    }
    Ok(())
}

#[test]
fn http_dates_follow_rfc_1123() {
    assert_eq!(http_date(EPOCH_S), "Tue, 24 Nov 2026 16:00:00 GMT");
    assert_eq!(date_at(6), "Tue, 24 Nov 2026 16:00:06 GMT");
    // spec-host §3.1: mtime 2024-01-02T03:04:05.123456Z ↔ ETag "34-60dedc04fb580".
    assert_eq!(check_etag("\"34-60dedc04fb580\"", 52, "Tue, 02 Jan 2024 03:04:05 GMT"), Ok(()));
    assert!(check_etag("\"34-60dedc04fb580\"", 22, "Tue, 02 Jan 2024 03:04:05 GMT").is_err());
    assert!(check_etag("\"34-60dedc04fb580\"", 52, "Tue, 02 Jan 2024 03:04:06 GMT").is_err());
    assert!(check_etag("\"34-060dedc04fb580\"", 52, "Tue, 02 Jan 2024 03:04:05 GMT").is_err());
}

#[test]
fn the_error_pages_have_the_spec_lengths() {
    assert_eq!((PAGE_502.len(), PAGE_504.len()), (157, 167));
}

// ---- byte-level tests --------------------------------------------------------------------------

/// backend-failure.ron, back network: every upstream request nginx sends is §6's text; every
/// refused connect is a SYN answered by RST from web-2 at 11 s and 25 s; every httpd response is
/// §3.1's head (in order) and the page.
#[test]
fn upstream_requests_and_httpd_responses_are_byte_exact() {
    let result = shipped("backend-failure.ron");
    let conns = connections(result, "back");
    let mut failures = Vec::new();
    let refused: Vec<(u64, SocketAddrV4)> = conns.iter().filter(|c| c.refused).map(|c| (c.syn_at / 1_000_000, c.server())).collect();
    let web2 = SocketAddrV4::new(WEB[1], 80);
    if refused != [(11, web2), (25, web2)] {
        failures.push(format!("refused connects {refused:?}, expected web-2 at 11 s and 25 s"));
    }
    let served: Vec<&Conn> = conns.iter().filter(|c| !c.refused).collect();
    if served.len() != 40 {
        failures.push(format!("{} upstream connections served, expected 40", served.len()));
    }
    let order: Vec<usize> = served.iter().filter_map(|c| WEB.iter().position(|w| *w == *c.server().ip()).map(|i| i + 1)).collect();
    let table: Vec<usize> = BACKEND_FAILURE_TABLE.iter().map(|r| r.1).collect();
    if order != table {
        failures.push(format!("backends on the wire {order:?}, the table says {table:?}"));
    }
    for conn in &served {
        let at = conn.syn_at;
        if *conn.client.expect("client").ip() != LB1_BACK || conn.server().port() != 80 {
            failures.push(format!("{at} µs: connection {:?} → {} not from lb-1 to port 80", conn.client, conn.server()));
        }
        let request = conn.request();
        if request != UPSTREAM_REQUEST.as_bytes() {
            failures.push(format!("{at} µs: upstream request {:?}", String::from_utf8_lossy(&request)));
        }
        let Some(web) = WEB.iter().position(|w| w == conn.server().ip()).map(|i| i + 1) else {
            failures.push(format!("{at} µs: connection to {}", conn.server()));
            continue;
        };
        let response = conn.response();
        let (head, _) = split_response(&response);
        let names: Vec<&str> = head.iter().skip(1).map(|l| l.split(": ").next().unwrap_or_default()).collect();
        let want_names = ["Date", "Server", "Last-Modified", "ETag", "Accept-Ranges", "Content-Length", "Connection", "Content-Type"];
        if names != want_names {
            failures.push(format!("{at} µs: httpd header names {names:?}"));
            continue;
        }
        let last_modified = header(&head, "Last-Modified");
        let etag = header(&head, "ETag");
        if let Err(e) = check_etag(etag, body_of(web).len(), last_modified) {
            failures.push(format!("{at} µs: {e}"));
        }
        let expected = format!(
            "HTTP/1.1 200 OK\r\nDate: {}\r\nServer: Apache/2.4.71 (Debian)\r\nLast-Modified: {last_modified}\r\nETag: {etag}\r\nAccept-Ranges: bytes\r\nContent-Length: 22\r\nConnection: close\r\nContent-Type: text/html\r\n\r\n{}",
            date_at(conn.response_second()),
            body_of(web)
        );
        if response != expected.as_bytes() {
            failures.push(format!("{at} µs: httpd response\n  {:?}\nexpected\n  {expected:?}", String::from_utf8_lossy(&response)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// backend-failure.ron, front network: every request is curl's (§4) and every response nginx's
/// §7 head — Server, Date, Content-Type, Content-Length, Connection, then the passed-through
/// Last-Modified, ETag, Accept-Ranges of the upstream response it relays — and the page.
#[test]
fn curl_requests_and_nginx_responses_are_byte_exact() {
    let result = shipped("backend-failure.ron");
    let front = connections(result, "front");
    let back: Vec<Conn> = connections(result, "back").into_iter().filter(|c| !c.refused).collect();
    let mut failures = Vec::new();
    if front.len() != 40 || back.len() != 40 {
        failures.push(format!("{} client connections and {} served upstream ones, expected 40 each", front.len(), back.len()));
    }
    for (conn, upstream) in front.iter().zip(&back) {
        let at = conn.syn_at;
        if (*conn.client.expect("client").ip(), conn.server()) != (CLIENT, SocketAddrV4::new(VIP, 80)) {
            failures.push(format!("{at} µs: connection {:?} → {}", conn.client, conn.server()));
        }
        let request = conn.request();
        if request != CURL_REQUEST.as_bytes() {
            failures.push(format!("{at} µs: curl request {:?}", String::from_utf8_lossy(&request)));
        }
        let upstream_response = upstream.response();
        let (up_head, up_body) = split_response(&upstream_response);
        let expected = format!(
            "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: {}\r\nContent-Type: text/html\r\nContent-Length: 22\r\nConnection: keep-alive\r\nLast-Modified: {}\r\nETag: {}\r\nAccept-Ranges: bytes\r\n\r\n{}",
            date_at(conn.response_second()),
            header(&up_head, "Last-Modified"),
            header(&up_head, "ETag"),
            String::from_utf8_lossy(&up_body)
        );
        let response = conn.response();
        if response != expected.as_bytes() {
            failures.push(format!("{at} µs: nginx response\n  {:?}\nexpected\n  {expected:?}", String::from_utf8_lossy(&response)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// gateway-errors.ron, front network: the 502 at 6 s (every peer refused), the 502 at 7 s (no
/// live upstreams) and the 504 sent at 25 s (three 1 s connect timeouts from 22 s) are §5's
/// heads and pages to the byte; the requests are curl's.
#[test]
fn the_502_and_504_responses_are_byte_exact() {
    let result = shipped("gateway-errors.ron");
    let conns = connections(result, "front");
    let mut failures = Vec::new();
    let expected = [(6, 6, "502 Bad Gateway", PAGE_502), (7, 7, "502 Bad Gateway", PAGE_502), (22, 25, "504 Gateway Time-out", PAGE_504)];
    let got: Vec<u64> = conns.iter().map(|c| c.syn_at / 1_000_000).collect();
    if got != [6, 7, 22] {
        failures.push(format!("client connections opened in seconds {got:?}, expected [6, 7, 22]"));
    }
    for (conn, (opened, sent, status, page)) in conns.iter().zip(expected) {
        let request = conn.request();
        if request != CURL_REQUEST.as_bytes() {
            failures.push(format!("{opened} s: curl request {:?}", String::from_utf8_lossy(&request)));
        }
        if conn.response_second() != sent {
            failures.push(format!("{opened} s: response sent in second {}, expected {sent}", conn.response_second()));
        }
        let want = format!(
            "HTTP/1.1 {status}\r\nServer: nginx/1.22.1\r\nDate: {}\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: keep-alive\r\n\r\n{page}",
            date_at(sent),
            page.len()
        );
        let response = conn.response();
        if response != want.as_bytes() {
            failures.push(format!("{opened} s: response\n  {:?}\nexpected\n  {want:?}", String::from_utf8_lossy(&response)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
