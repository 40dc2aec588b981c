//! Entry points for the coverage-guided fuzz targets of `fuzz/` (cargo-fuzz, libFuzzer), compiled
//! only with the `fuzzing` feature and hidden from the documentation.
//!
//! One function per target: it takes the fuzzer's bytes, feeds them to one parser the way the
//! simulator does, and returns nothing. Bad input must never panic (ARCHITECTURE.md, "Invariants"),
//! so any panic here is a finding. Where a format has an emitter, the functions also check that
//! what was parsed is emitted back as it was read (the `assert!`s below), which is a finding too.
//!
//! Nothing here changes what the simulator does: these functions are the only callers of the
//! re-exports and `cfg(feature = "fuzzing")` items they use.

use std::path::Path;

use crate::host::nginx_t;
use crate::proto::nfs::client::{Cred, MountInfo, NfsClient, Op, fstab, mount as mount_nfs, options as nfs_options};
use crate::proto::nfs::exports::{self, Client};
use crate::proto::nfs::memtree::MemTree;
use crate::proto::nfs::{mountd::Mountd, nfsd::Nfsd, portmap::Portmapper};
use crate::proto::nginx::config::{DEFAULT_MIME_TYPES, DEFAULT_NGINX_CONF, MIME_TYPES_PATH, NGINX_CONF_PATH};
use crate::proto::{curl, nc, ping, sh, vrrp};
use crate::wire::http::{self, Limits, Parsed};
use crate::wire::vrrp as vrrp_wire;
use crate::wire::{arp, ethernet, icmp, igmp, ipv4, tcp};

/// Where a fuzzed scenario is taken to live: `scenarios/`, so that `extends: "lab/lab.ron"` and
/// `File("lab/proxy.conf")` read the shipped topology and configs, as the shipped scenarios do.
const SCENARIO_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/fuzz-input.ron");

/// A scenario or topology file as `labsim check` reads it: bytes (UTF-8, a BOM, the size
/// limit) → RON → schema → validation (with `extends` and `File(…)` read from `scenarios/`,
/// regular files only, within the size limit), then every problem rendered with its position.
pub fn scenario(data: &[u8]) {
    if let Err(error) = crate::scenario::load_any_bytes(data, Path::new(SCENARIO_PATH)) {
        let _ = error.to_string();
    }
}

/// keepalived.conf, as keepalived reads `/etc/keepalived/keepalived.conf`.
pub fn keepalived_conf(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let parsed = vrrp::config::parse(&text, "/etc/keepalived/keepalived.conf");
    for instance in &parsed.config.instances {
        for vip in &instance.vips {
            let _ = instance.vip_dev(vip);
        }
    }
}

/// nginx's configuration as `nginx -t` loads it from a host's files: the bytes before the first
/// NUL are `/etc/nginx/conf.d/proxy.conf`; the bytes after it, if any, replace the stock
/// `/etc/nginx/nginx.conf` (which includes `conf.d/*.conf` and `mime.types`). The names `web-1`,
/// `web-2` and `web-3` resolve, as in the lab's `/etc/hosts`.
pub fn nginx_conf(data: &[u8]) {
    let (proxy, main) = match data.iter().position(|&b| b == 0) {
        Some(nul) => (&data[..nul], &data[nul + 1..]),
        None => (data, DEFAULT_NGINX_CONF.as_bytes()),
    };
    let _ = nginx_t([
        (NGINX_CONF_PATH, main),
        (MIME_TYPES_PATH, DEFAULT_MIME_TYPES.as_bytes()),
        ("/etc/nginx/conf.d/proxy.conf", proxy),
        ("/etc/hosts", LAB_HOSTS.as_bytes()),
    ]);
}

/// The lab's `/etc/hosts` lines for the web servers.
const LAB_HOSTS: &str = "192.168.20.201 web-1\n192.168.20.202 web-2\n192.168.20.203 web-3\n";

/// A typed command line as the console reads it (bash's grammar: quoting, pipelines, `&&` and
/// `||`, `$(…)`, here-documents, redirections, `for` loops, with bash's parser-stack limits).
pub fn shell_expand(data: &[u8]) {
    let _ = sh::read(&String::from_utf8_lossy(data));
}

/// An HTTP request head under Apache's, nginx's and no limits. A complete head must also be
/// complete on exactly its own bytes, partial one byte short, and parse back from what it emits.
pub fn http_request(data: &[u8]) {
    for limits in [Limits::APACHE, Limits::NGINX, Limits::NONE] {
        let Parsed::Complete { head, head_len } = http::parse_request(data, &limits) else { continue };
        assert!(0 < head_len && head_len <= data.len(), "head_len {head_len} of {} bytes", data.len());
        assert_eq!(http::parse_request(&data[..head_len], &limits), Parsed::Complete { head: head.clone(), head_len });
        assert_eq!(http::parse_request(&data[..head_len - 1], &limits), Parsed::Partial);
        let _ = (head.content_length(), head.extent(head_len, 1 << 20), head.header("host"), head.request_line());
        let bytes = head.to_bytes();
        assert_eq!(bytes.len(), head.buffer_len());
        assert_eq!(http::parse_request(&bytes, &Limits::NONE), Parsed::Complete { head, head_len: bytes.len() });
    }
}

/// An HTTP response head as curl reads it and as nginx reads an upstream's (eagerly). A
/// complete head must be partial one byte short and parse back from what it emits.
pub fn http_response(data: &[u8]) {
    if let Parsed::Complete { head, head_len } = http::parse_response(data) {
        assert!(0 < head_len && head_len <= data.len(), "head_len {head_len} of {} bytes", data.len());
        assert_eq!(http::parse_response(&data[..head_len - 1]), Parsed::Partial);
        let _ = (head.content_length(), head.header("content-length"));
        let bytes = head.to_bytes();
        assert_eq!(http::parse_response(&bytes), Parsed::Complete { head, head_len: bytes.len() });
    }
    if let Parsed::Complete { head, head_len } = http::parse_response_eager(data) {
        assert!(0 < head_len && head_len <= data.len(), "head_len {head_len} of {} bytes", data.len());
        let _ = (head.content_length(), head.status_line());
    }
}

/// An Ethernet frame, then its payload as the host's L2 reads it (ARP, or IPv4 and what it
/// carries). The header is emitted back byte for byte.
pub fn wire_ethernet(data: &[u8]) {
    let Ok(frame) = ethernet::Frame::new_checked(data) else { return };
    let Ok(repr) = ethernet::Repr::parse(&frame) else { return };
    let mut header = [0u8; ethernet::HEADER_LEN];
    repr.emit(&mut ethernet::Frame::new_unchecked(&mut header[..]));
    assert_eq!(header[..], data[..ethernet::HEADER_LEN]);
    let _ = (frame.dst_addr(), ethernet::format_mac(repr.src));
    match frame.ethertype() {
        ethernet::ETHERTYPE_ARP => wire_arp(frame.payload()),
        ethernet::ETHERTYPE_IPV4 => wire_ipv4(frame.payload()),
        _ => {}
    }
}

/// An ARP packet. One that parses is emitted back byte for byte (its first 28 bytes).
pub fn wire_arp(data: &[u8]) {
    let Ok(packet) = arp::Packet::new_checked(data) else { return };
    let Ok(repr) = arp::Repr::parse(&packet) else { return };
    let mut bytes = [0u8; arp::PACKET_LEN];
    repr.emit(&mut arp::Packet::new_unchecked(&mut bytes[..]));
    assert_eq!(bytes[..], data[..arp::PACKET_LEN]);
    assert_eq!(arp::Repr::parse(&arp::Packet::new_unchecked(&bytes[..])), Ok(repr));
}

/// An IPv4 packet, as the host's L2 (`new_checked`, `payload`) and keepalived (`ipv4_header`)
/// read it, then its payload by protocol (ICMP, TCP, VRRP). A header that parses is emitted
/// back with the same fields.
pub fn wire_ipv4(data: &[u8]) {
    if let Ok(header) = vrrp_wire::ipv4_header(data) {
        let _ = (header.total_len(), header.ttl(), header.protocol(), header.src_addr(), header.dst_addr(), header.verify_checksum());
    }
    let Ok(packet) = ipv4::Packet::new_checked(data) else { return };
    let payload = packet.payload();
    assert!(payload.len() <= data.len());
    if let Ok(repr) = ipv4::Repr::parse(&packet) {
        assert_eq!(repr.payload_len, payload.len());
        let bytes = repr.to_packet(payload);
        let again = ipv4::Packet::new_checked(&bytes[..]).map(|p| ipv4::Repr::parse(&p));
        assert_eq!(again, Ok(Ok(repr)));
    }
    match packet.protocol() {
        ipv4::PROTO_ICMP => wire_icmp(payload),
        ipv4::PROTO_TCP => wire_tcp(payload),
        vrrp_wire::IP_PROTO_VRRP => wire_vrrp(payload),
        igmp::IP_PROTO_IGMP => wire_igmp(payload),
        _ => {}
    }
}

/// An IGMPv3 membership report (reached through [`wire_ipv4`]). One that parses is emitted
/// again and reads back as the same report, with a checksum that verifies.
pub fn wire_igmp(data: &[u8]) {
    let Ok(packet) = igmp::Packet::new_checked(data) else { return };
    let Ok(repr) = igmp::Repr::parse(&packet) else { return };
    let mut bytes = vec![0; repr.buffer_len()];
    repr.emit(&mut bytes);
    let again = igmp::Packet::new_checked(&bytes[..]).map(|p| igmp::Repr::parse(&p));
    assert_eq!(again, Ok(Ok(repr)));
}

/// An ICMP message. An echo request or reply is emitted back with the same fields and data and
/// a valid checksum.
pub fn wire_icmp(data: &[u8]) {
    let Ok(packet) = icmp::Packet::new_checked(data) else { return };
    let _ = (packet.msg_type(), packet.code(), packet.checksum(), packet.verify_checksum(), packet.data());
    let Ok(echo) = icmp::EchoRepr::parse(&packet) else { return };
    let bytes = echo.to_bytes();
    assert_eq!(bytes.len(), data.len());
    assert_eq!((bytes[0], &bytes[4..]), (data[0], &data[4..]));
    let again = icmp::Packet::new_unchecked(&bytes[..]);
    assert!(again.verify_checksum());
    assert_eq!(icmp::EchoRepr::parse(&again), Ok(echo));
}

/// A TCP segment's header, as the host's L2 peeks at it.
pub fn wire_tcp(data: &[u8]) {
    let Ok(segment) = tcp::Packet::new_checked(data) else { return };
    assert!(segment.header_len() <= data.len());
    let _ = (segment.src_port(), segment.dst_port(), segment.ack(), segment.syn(), segment.fin(), segment.rst());
}

/// A VRRPv2 message. One that parses is emitted back byte for byte, but for its checksum (which
/// is recomputed and must verify) and the authentication data of auth type 0 (sent as zeros,
/// whatever was received).
pub fn wire_vrrp(data: &[u8]) {
    let unchecked = vrrp_wire::Packet::new_unchecked(data);
    if data.len() >= vrrp_wire::HEADER_LEN {
        // keepalived reads the header and the auth data before it judges the length.
        let _ = (unchecked.version(), unchecked.msg_type(), unchecked.vrid(), unchecked.priority(), unchecked.advert_int());
        let _ = (unchecked.auth_type(), unchecked.auth_data(), unchecked.verify_checksum(), unchecked.addr(0));
    }
    let Ok(packet) = vrrp_wire::Packet::new_checked(data) else { return };
    let Ok(repr) = vrrp_wire::Repr::parse(&packet) else { return };
    let len = repr.buffer_len();
    assert!(len <= data.len());
    let mut bytes = vec![0u8; len];
    repr.emit(&mut vrrp_wire::Packet::new_unchecked(&mut bytes[..]));
    let mut expected = data[..len].to_vec();
    expected[6..8].copy_from_slice(&bytes[6..8]);
    if repr.auth == vrrp_wire::Auth::None {
        expected[len - vrrp_wire::AUTH_LEN..].fill(0);
    }
    assert_eq!(bytes, expected);
    let again = vrrp_wire::Packet::new_unchecked(&bytes[..]);
    assert!(again.verify_checksum());
    assert_eq!(vrrp_wire::Repr::parse(&again), Ok(repr));
}

/// The words of a console tool's command line: the bytes split at each NUL (so that a word may
/// hold spaces and quotes, as after the shell's quoting), without the program's name.
fn argv(data: &[u8]) -> Vec<String> {
    if data.is_empty() {
        return Vec::new();
    }
    data.split(|&b| b == 0).map(|w| String::from_utf8_lossy(w).into_owned()).collect()
}

/// `curl`'s options and URL, then the request it would send.
pub fn curl_args(data: &[u8]) {
    if let Ok(args) = curl::Args::parse(&argv(data)) {
        let _ = args.request_bytes();
    }
}

/// `ping`'s options (iputils' getopt) and destination.
pub fn ping_args(data: &[u8]) {
    let _ = ping::Args::parse(&argv(data));
}

/// `nc`'s options, host and port.
pub fn nc_args(data: &[u8]) {
    let _ = nc::Args::parse(&argv(data));
}

/// `/etc/exports` as `exportfs -r` reads it (nfs-utils' parser), then the export list mountd
/// would answer EXPORT with; the names `web-1`…`web-3` resolve as in the lab's `/etc/hosts`.
pub fn nfs_exports(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let resolve = |name: &str| match name {
        "web-1" => vec![std::net::Ipv4Addr::new(192, 168, 20, 201)],
        "web-2" => vec![std::net::Ipv4Addr::new(192, 168, 20, 202)],
        _ => Vec::new(),
    };
    let (table, diagnostics) = exports::parse(&text, "/etc/exports", &resolve);
    let _ = table.list();
    for d in &diagnostics {
        let _ = format!("{d:?}");
    }
}

/// `/etc/fstab` as `mount -a` reads it, and each entry's options as mount.nfs reads them.
pub fn nfs_fstab(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (entries, _) = fstab::parse(&text, "/etc/fstab");
    for e in entries {
        if let Ok(options) = nfs_options::parse(&e.options) {
            let _ = options.proc_mounts(1 << 20, 1 << 20, "192.168.20.204", 20048);
        }
    }
}

/// One RPC message, as a datagram or a record the glue cut, into the portmapper, mountd and
/// nfsd of a server exporting `/web` to everyone, from a reserved and an unprivileged port.
pub fn nfs_server_message(data: &[u8]) {
    let (table, _) = exports::parse("/web *(rw,no_root_squash)\n", "/etc/exports", &|_| Vec::new());
    let mut tree = MemTree::new();
    tree.put("/web/index.html", b"This is NFS zgh2303\n", 0o644, 0);
    let client = Client { addr: std::net::Ipv4Addr::new(192, 168, 20, 201), names: vec!["web-1".to_owned()] };
    for port in [757, 40000] {
        let from = std::net::SocketAddrV4::new(client.addr, port);
        let _ = Portmapper::new().handle_message(from, false, data);
        let _ = Mountd::new().handle_message(from, &client, data, &table, &tree);
        let _ = Nfsd::new([1; 8]).handle_message(1_000_000, from, &client, data, &table, &mut tree);
    }
}

/// Bytes from a server, cut anywhere, into the kernel's NFS client while it reads a file and into
/// mount.nfs while it waits for its first reply: either takes them or drops them, never panics.
pub fn nfs_client_reply(data: &[u8]) {
    let now = crate::kernel::SimTime::ZERO;
    let Some(root) = crate::wire::nfs3::Fh::new(&[1; 20]) else { return };
    let info = MountInfo {
        server: "192.168.20.204".to_owned(),
        export: "/web".to_owned(),
        root,
        options: nfs_options::Options::default(),
        machinename: "web-1".to_owned(),
    };
    let mut client = NfsClient::new(now, info);
    let _ = client.start(now, Op::ReadFile("index.html".to_owned()), Cred { uid: 48, gid: 48, gids: Vec::new() });
    client.handle_connected(now);
    while client.poll_transmit().is_some() {}
    client.handle_data(now, data);
    while client.poll_event().is_some() {}
    let mut mount = mount_nfs::MountNfs::new(now, "192.168.20.204:/web", "/var/www/html", nfs_options::Options::default(), "web-1");
    if let Some(mount_nfs::MountEvent::Send { id, .. }) = mount.poll_event() {
        mount.handle_reply(now, id, data);
    }
    while mount.poll_event().is_some() {}
}
