//! Captures checked by Wireshark: every frame `labsim run --pcap` writes is dissected by `tshark`
//! as Ethernet/ARP/IPv4/ICMP/IGMP/VRRP/TCP/HTTP, with no malformed packet, expert error or bad
//! checksum (expert *warnings*, e.g. a RST or a retransmission, are fine).

use std::path::Path;
use std::process::Command;

use crate::util;

/// The protocol stacks a frame of the labs may have (`frame.protocols`, tshark 4.0): a TCP
/// segment without payload, one carrying an HTTP request (head only, no body), and one carrying
/// a response whose `text/html` body tshark shows as text lines (our pages and nginx's 502/504);
/// ONC RPC over UDP and TCP, read as Portmap, MOUNT or NFS, or as bare RPC where tshark does not
/// name the program's procedure (the NULL pings of mount.nfs, NFSv4 ones included); two NFS
/// messages in one segment (`nfs:nfs`); an IGMPv3 report (tshark names `igmp` twice, the report
/// and its group records).
const ALLOWED: [&str; 18] = [
    "eth:ethertype:arp",
    "eth:ethertype:ip:igmp:igmp",
    "eth:ethertype:ip:icmp",
    "eth:ethertype:ip:icmp:ip:tcp",
    "eth:ethertype:ip:icmp:data",
    "eth:ethertype:ip:vrrp",
    "eth:ethertype:ip:tcp",
    "eth:ethertype:ip:tcp:http",
    "eth:ethertype:ip:tcp:http:data-text-lines",
    "eth:ethertype:ip:tcp:rpc",
    "eth:ethertype:ip:tcp:rpc:portmap",
    "eth:ethertype:ip:tcp:rpc:mount",
    "eth:ethertype:ip:tcp:rpc:nfs",
    "eth:ethertype:ip:tcp:rpc:nfs:nfs",
    "eth:ethertype:ip:udp:rpc",
    "eth:ethertype:ip:udp:rpc:portmap",
    "eth:ethertype:ip:udp:rpc:mount",
    "eth:ethertype:ip:udp",
];

/// Display filter for what must not appear: malformed frames, expert errors, bad checksums
/// (checksum status 0 = bad; tshark reports a bad ICMP, VRRP or TCP checksum as a warning only).
const BAD: &str = "_ws.malformed || _ws.expert.severity >= \"Error\" || ip.checksum.status == 0 || icmp.checksum.status == 0 || vrrp.checksum.status == 0 || igmp.checksum.status == 0 || tcp.checksum.status == 0";

/// Whether tshark can run; without it the test fails under CI and is skipped elsewhere.
pub(crate) fn tshark_available() -> bool {
    match Command::new("tshark").arg("--version").output() {
        Ok(out) if out.status.success() => {
            let version = String::from_utf8_lossy(&out.stdout);
            eprintln!("using {}", version.lines().next().unwrap_or("tshark"));
            true
        }
        outcome => {
            let why = match outcome {
                Ok(out) => format!("`tshark --version` exited with {}", out.status),
                Err(e) => format!("cannot run tshark: {e}"),
            };
            let ci = std::env::var("CI").is_ok_and(|v| !matches!(v.as_str(), "" | "0" | "false"));
            assert!(!ci, "CI is set and {why}: install tshark (`apt-get install -y tshark`; .ci/run does it) to check the captures");
            eprintln!("note: skipping the tshark checks: {why} (they are required when CI is set)");
            false
        }
    }
}

/// tshark over `file` with checksum validation on; returns stdout (stderr may carry a warning
/// about running as root, so it is not read).
fn tshark(file: &Path, args: &[&str]) -> String {
    let out = Command::new("tshark")
        .arg("-n")
        .arg("-r")
        .arg(file)
        .args(["-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE"])
        .args(args)
        .output()
        .expect("tshark runs");
    assert!(
        out.status.success(),
        "tshark {args:?} on {} failed ({}): {}",
        file.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("tshark prints UTF-8")
}

/// Packets a scenario crafts on purpose with `sendip` (source address, IP protocol): they may be
/// malformed, so the checks skip them; everything else must still be well-formed.
fn crafted(path: &Path) -> Vec<(String, String)> {
    let scenario = labsim::load_scenario(path).expect("shipped scenarios load");
    let mut out = Vec::new();
    for entry in &scenario.timeline {
        let labsim::TimelineAction::Command(line) = &entry.action else { continue };
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.first() != Some(&"sendip") {
            continue;
        }
        let proto = words.windows(2).find(|w| w[0] == "-ip").map_or("0", |w| w[1]);
        let host = scenario.hosts.iter().find(|h| h.name == entry.host).expect("timeline hosts exist");
        for nic in &host.nics {
            out.push((nic.addr.to_string(), proto.to_owned()));
        }
    }
    out.sort();
    out.dedup();
    out
}

#[test]
fn every_captured_frame_is_well_formed_for_tshark() {
    if !tshark_available() {
        return;
    }
    let mut failures = Vec::new();
    for path in util::shipped_scenarios() {
        let rel = util::relative(&path);
        let crafted = crafted(&path);
        let stem = path.file_stem().expect("a file name").to_string_lossy().into_owned();
        let dir = util::scratch(&format!("tshark-{stem}"));
        let out = util::labsim().args(["run", &rel, "--pcap"]).arg(&dir).output().expect("labsim runs");
        assert_eq!(out.status.code(), Some(0), "{rel}: {}", String::from_utf8_lossy(&out.stderr));
        let files = util::files_in(&dir);
        assert!(
            files.iter().any(|(name, _)| name == "front.pcap"),
            "{rel}: no front.pcap in {files:?}",
            files = files.iter().map(|f| &f.0).collect::<Vec<_>>()
        );
        for (name, bytes) in files {
            let file = dir.join(&name);
            let frames = util::read_pcap(&bytes).len();
            let fields = tshark(
                &file,
                &[
                    "-T",
                    "fields",
                    "-E",
                    "separator=/t",
                    "-e",
                    "frame.number",
                    "-e",
                    "frame.protocols",
                    "-e",
                    "ip.checksum.status",
                    "-e",
                    "icmp.checksum.status",
                    "-e",
                    "vrrp.checksum.status",
                    "-e",
                    "tcp.checksum.status",
                    "-e",
                    "ip.src",
                    "-e",
                    "ip.proto",
                ],
            );
            let lines: Vec<&str> = fields.lines().collect();
            if lines.len() != frames {
                failures.push(format!("{rel}: {name}: tshark dissected {} frames, the file has {frames}", lines.len()));
            }
            for line in &lines {
                let cols: Vec<&str> = line.split('\t').collect();
                let source = (cols.get(6).copied().unwrap_or_default(), cols.get(7).copied().unwrap_or_default());
                if crafted.iter().any(|(ip, proto)| (ip.as_str(), proto.as_str()) == source) {
                    continue;
                }
                let protocols = cols.get(1).copied().unwrap_or_default();
                if !ALLOWED.contains(&protocols) {
                    failures.push(format!("{rel}: {name}: frame {}: unexpected protocols {protocols:?}", cols[0]));
                }
                // Checksum status: 0 bad, 1 good, 2 unverified; a field is empty when absent.
                for (i, field) in ["ip", "icmp", "vrrp", "tcp"].iter().enumerate() {
                    let status = cols.get(2 + i).copied().unwrap_or_default();
                    // An ICMP error carries two IP headers (its own and the quoted one): each good.
                    if !status.is_empty() && !status.split(',').all(|s| s == "1") {
                        failures.push(format!("{rel}: {name}: frame {}: {field}.checksum.status = {status} (1 = good)", cols[0]));
                    }
                }
                let expects_checksums: &[usize] = match protocols {
                    "eth:ethertype:ip:vrrp" => &[2, 4],
                    p if p.starts_with("eth:ethertype:ip:icmp") => &[2, 3],
                    p if p.starts_with("eth:ethertype:ip:tcp") => &[2, 5],
                    p if p.starts_with("eth:ethertype:ip:udp") => &[2],
                    _ => &[],
                };
                for &i in expects_checksums {
                    if cols.get(i).copied().unwrap_or_default().is_empty() {
                        failures.push(format!("{rel}: {name}: frame {}: no checksum status in column {i} of {line:?}", cols[0]));
                    }
                }
            }
            let skip: Vec<String> = crafted.iter().map(|(ip, proto)| format!(" && !(ip.src == {ip} && ip.proto == {proto})")).collect();
            let bad = tshark(&file, &["-Y", &format!("({BAD}){}", skip.concat())]);
            if !bad.trim().is_empty() {
                failures.push(format!("{rel}: {name}: malformed frames, expert errors or bad checksums:\n{bad}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The filter above is not vacuous: a capture with one bad VRRP, ICMP and IP checksum each
/// (the first frames of each kind of the failover capture) lists exactly those three frames.
#[test]
fn the_tshark_checks_catch_bad_checksums() {
    if !tshark_available() {
        return;
    }
    let (_, result) = util::shipped_runs().iter().find(|(p, _)| p.ends_with("scenarios/failover.ron")).expect("failover is shipped");
    let mut bytes = util::pcap_of(result, "front").to_vec();
    let mut corrupted = Vec::new();
    let (mut at, mut number) = (24, 1);
    while at < bytes.len() && corrupted.len() < 3 {
        let caplen = u32::from_le_bytes(bytes[at + 8..at + 12].try_into().expect("4 bytes")) as usize;
        let frame = at + 16;
        if bytes[frame + 12..frame + 14] == [0x08, 0x00] {
            let ip = frame + 14;
            // Byte offsets: VRRP checksum at 6 after a 20-byte IP header, ICMP checksum at 2,
            // IP header checksum at 10.
            let target = match (bytes[ip + 9], corrupted.len()) {
                (112, 0) => Some(ip + 20 + 6),
                (1, 1) => Some(ip + 20 + 2),
                (1, 2) => Some(ip + 10),
                _ => None,
            };
            if let Some(offset) = target {
                bytes[offset] ^= 0x5a;
                corrupted.push(number.to_string());
            }
        }
        at = frame + caplen;
        number += 1;
    }
    assert_eq!(corrupted.len(), 3, "found a VRRP frame then two ICMP frames to corrupt");
    let file = util::scratch("tshark-corrupted").join("bad.pcap");
    std::fs::write(&file, &bytes).expect("write bad.pcap");
    let listed = tshark(&file, &["-Y", BAD, "-T", "fields", "-e", "frame.number"]);
    assert_eq!(listed.lines().collect::<Vec<_>>(), corrupted, "frames flagged by `{BAD}`");
}

/// The TCP checksum check is not vacuous either: flipping one byte of the HTTP payload of the
/// first response frame of the backend-failure front capture (IP header untouched) makes
/// exactly that frame bad.
#[test]
fn the_tshark_checks_catch_a_bad_tcp_checksum() {
    if !tshark_available() {
        return;
    }
    let (_, result) =
        util::shipped_runs().iter().find(|(p, _)| p.ends_with("scenarios/backend-failure.ron")).expect("backend-failure is shipped");
    let mut bytes = util::pcap_of(result, "front").to_vec();
    let (mut at, mut number, mut corrupted) = (24, 1, None);
    while at < bytes.len() {
        let caplen = u32::from_le_bytes(bytes[at + 8..at + 12].try_into().expect("4 bytes")) as usize;
        let frame = at + 16;
        let ip = frame + 14;
        if bytes[frame + 12..frame + 14] == [0x08, 0x00] && bytes[ip + 9] == 6 {
            let tcp = ip + usize::from(bytes[ip] & 0x0f) * 4;
            let payload = tcp + usize::from(bytes[tcp + 12] >> 4) * 4;
            if payload < frame + caplen && bytes[payload..].starts_with(b"HTTP/1.1 200") {
                bytes[payload + 9] ^= 0x01; // "200" → "300"
                corrupted = Some(number.to_string());
                break;
            }
        }
        at = frame + caplen;
        number += 1;
    }
    let corrupted = corrupted.expect("a 200 response in the capture");
    let file = util::scratch("tshark-corrupted-tcp").join("bad.pcap");
    std::fs::write(&file, &bytes).expect("write bad.pcap");
    let listed = tshark(&file, &["-Y", BAD, "-T", "fields", "-e", "frame.number"]);
    assert_eq!(listed.lines().collect::<Vec<_>>(), [corrupted], "frames flagged by `{BAD}`");
}

/// Whether every HTTP exchange of a scenario is a `curl` to the VIP (no `nc` with hand-made
/// bytes, no load generator (`ab`, `wrk`, a user population) with its own requests, no host talking to itself over
/// loopback, which no capture sees).
fn only_curl_to_the_vip(path: &std::path::Path) -> bool {
    let scenario = labsim::load_scenario(path).expect("shipped scenarios load");
    scenario.timeline.iter().all(|e| match &e.action {
        labsim::TimelineAction::Command(line) => {
            let words: Vec<&str> = line.split(|c: char| c.is_whitespace() || c == ';').collect();
            !words.iter().any(|w| ["nc", "ab", "wrk"].contains(w)) && (!words.contains(&"curl") || line.contains("http://172.2.20.100/"))
        }
        labsim::TimelineAction::PowerOn => true,
        // A user population sends its own requests (a browser's, for pages and assets).
        labsim::TimelineAction::Users(_) => false,
    })
}

/// tshark finds the HTTP the client saw: on the front capture of every shipped scenario whose
/// HTTP is curl to the VIP, the requests are curl's `GET / HTTP/1.1` to the VIP and the response codes, in order, are the
/// statuses of the run's `HttpTransfer`s; on the back capture every request is nginx's
/// `GET / HTTP/1.0` and the response codes, in order, are those of Apache's access log lines (200,
/// or 403 where SELinux denied Apache the NFS docroot).
#[test]
fn tshark_dissects_the_http_exchanges() {
    if !tshark_available() {
        return;
    }
    let mut failures = Vec::new();
    let mut exchanges = 0;
    for (path, result) in util::shipped_runs() {
        if !only_curl_to_the_vip(path) {
            continue;
        }
        let rel = util::relative(path);
        let statuses: Vec<String> = result
            .trace
            .events()
            .iter()
            .filter_map(|e| match &e.kind {
                labsim::TraceKind::HttpTransfer { status: Some(s), .. } => Some(s.to_string()),
                _ => None,
            })
            .collect();
        // Apache's access log: `… "GET / HTTP/1.0" 200 247 …`.
        let backend: Vec<String> = result
            .trace
            .events()
            .iter()
            .filter_map(|e| match &e.kind {
                labsim::TraceKind::Log { process, line, .. } if process == "httpd" => {
                    Some(line.split_once("HTTP/1.0\" ")?.1.split(' ').next()?.to_owned())
                }
                _ => None,
            })
            .collect();
        let stem = path.file_stem().expect("a file name").to_string_lossy().into_owned();
        let dir = util::scratch(&format!("tshark-http-{stem}"));
        for (network, bytes) in &result.pcaps {
            let file = dir.join(format!("{network}.pcap"));
            std::fs::write(&file, bytes).expect("write the capture");
            // One pass per capture: method, version of requests; code of responses.
            let listing = tshark(
                &file,
                &[
                    "-Y",
                    "http",
                    "-T",
                    "fields",
                    "-E",
                    "separator=/t",
                    "-e",
                    "http.request.method",
                    "-e",
                    "http.request.version",
                    "-e",
                    "http.response.code",
                ],
            );
            let (mut request_lines, mut codes) = (Vec::new(), Vec::new());
            for line in listing.lines() {
                let cols: Vec<&str> = line.split('\t').collect();
                match cols.as_slice() {
                    [method, version, ""] if !method.is_empty() => request_lines.push(format!("{method} {version}")),
                    ["", "", code] if !code.is_empty() => codes.push((*code).to_owned()),
                    _ => failures.push(format!("{rel}: {network}: an HTTP frame that is neither one request nor one response: {line:?}")),
                }
            }
            let (want_request, want_codes) = match network.as_str() {
                "front" => ("GET HTTP/1.1", statuses.clone()),
                _ => ("GET HTTP/1.0", backend.clone()),
            };
            if let Some(bad) = request_lines.iter().find(|l| **l != want_request) {
                failures.push(format!("{rel}: {network}: request {bad:?}, expected {want_request:?}"));
            }
            if codes != want_codes {
                failures.push(format!("{rel}: {network}: response codes {codes:?}, expected {want_codes:?}"));
            }
            if request_lines.len() != codes.len() {
                failures.push(format!("{rel}: {network}: {} requests, {} responses", request_lines.len(), codes.len()));
            }
            exchanges += codes.len();
        }
    }
    assert!(exchanges > 0, "no HTTP exchange dissected at all");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The NFS server's RPC on the back network: in the `nfs-server` fixture (showmount from three
/// web servers, rpcinfo, mountd stopped, rpcbind stopped) every frame is Ethernet/ARP/IPv4/TCP,
/// possibly carrying ONC RPC that tshark reads as Portmap or MOUNT, none malformed; the calls
/// are, in order, the portmap GETPORTs and DUMPs and MOUNT EXPORTs the tools sent, each
/// answered, and the GETPORT replies carry mountd's port 20048 (0 once mountd unregistered).
#[test]
fn tshark_dissects_the_nfs_servers_portmap_and_mount_traffic() {
    if !tshark_available() {
        return;
    }
    let path = util::root().join("tests/fixtures/regressions/nfs-server.ron");
    let result = util::run(&path, None);
    let file = util::scratch("tshark-nfs-server").join("back.pcap");
    std::fs::write(&file, util::pcap_of(&result, "back")).expect("write the capture");
    let stacks = tshark(&file, &["-T", "fields", "-e", "frame.protocols"]);
    let allowed = [
        "eth:ethertype:arp",
        "eth:ethertype:ip:tcp",
        "eth:ethertype:ip:tcp:rpc",
        "eth:ethertype:ip:tcp:rpc:portmap",
        "eth:ethertype:ip:tcp:rpc:mount",
    ];
    let unexpected: Vec<&str> = stacks.lines().filter(|s| !allowed.contains(s)).collect();
    assert!(unexpected.is_empty(), "unexpected protocol stacks {unexpected:?}");
    let bad = tshark(&file, &["-Y", BAD]);
    assert!(bad.trim().is_empty(), "malformed frames, expert errors or bad checksums:\n{bad}");
    let rpc = tshark(
        &file,
        &[
            "-Y",
            "rpc",
            "-T",
            "fields",
            "-E",
            "separator=/t",
            "-e",
            "rpc.msgtyp",
            "-e",
            "rpc.program",
            "-e",
            "rpc.procedure",
            "-e",
            "portmap.port",
        ],
    );
    let calls: Vec<String> = rpc.lines().map(|l| l.trim_end().replace('\t', " ")).collect();
    let getport = ["0 100000 3 0", "1 100000 3 20048"];
    let export = ["0 100005 5", "1 100005 5"];
    let mut want: Vec<&str> = Vec::new();
    want.extend(getport.iter().chain(&export)); // web-1 at 1 s
    want.extend(getport.iter().chain(&export)); // web-2 at 4 s
    want.extend(["0 100000 3 0", "1 100000 3 0"]); // web-1 at 7 s: mountd gone
    want.extend(["0 100000 4", "1 100000 4 111,111,2049,20048,20048,20048,20048,20048,20048"]); // web-3 at 9 s: rpcinfo -p
    want.extend(getport.iter().chain(&export)); // web-3 at 9 s: showmount
    assert_eq!(calls, want, "the RPC calls and replies on the back network");
}

/// The NFS lesson's back network: the boot mounts of the three web servers and Apache's reads
/// over NFS dissect as Portmap, MOUNT and NFS with nothing malformed, and each mount follows
/// spec-nfs §1 and §7: three NFSv4 NULLs answered PROG_MISMATCH, GETPORT for NFS over TCP,
/// NULL, GETPORT for mountd over UDP, NULL, MNT, then the kernel's FSINFO and PATHCONF.
#[test]
fn tshark_dissects_the_nfs_mounts_and_reads() {
    if !tshark_available() {
        return;
    }
    let path = util::root().join("scenarios/nfs.ron");
    let result = util::run(&path, None);
    let file = util::scratch("tshark-nfs").join("back.pcap");
    std::fs::write(&file, util::pcap_of(&result, "back")).expect("write the capture");
    let bad = tshark(&file, &["-Y", BAD]);
    assert!(bad.trim().is_empty(), "malformed frames, expert errors or bad checksums:\n{bad}");
    let calls = tshark(
        &file,
        &[
            "-Y",
            "rpc.msgtyp == 0 && ip.src == 192.168.20.201",
            "-T",
            "fields",
            "-E",
            "separator=/s",
            "-E",
            "occurrence=f",
            "-e",
            "rpc.program",
            "-e",
            "rpc.programversion",
            "-e",
            "rpc.procedure",
        ],
    );
    let calls: Vec<&str> = calls.lines().map(str::trim_end).collect();
    let mount = [
        "100003 4 0",
        "100003 4 0",
        "100003 4 0",
        "100000 2 3",
        "100003 3 0",
        "100000 2 3",
        "100005 3 0",
        "100005 3 1",
        "100003 3 19",
        "100003 3 20",
    ];
    assert_eq!(&calls[..mount.len()], mount, "web-1's mount sequence: {calls:?}");
    assert!(calls.contains(&"100003 3 6"), "Apache's reads are NFS READs: {calls:?}");
    let mismatches = tshark(&file, &["-Y", "rpc.state_accept == 2 && ip.dst == 192.168.20.201"]);
    assert_eq!(mismatches.lines().count(), 3, "the three v4 attempts are answered PROG_MISMATCH");
}
