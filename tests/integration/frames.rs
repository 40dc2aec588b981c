//! A small, hand-written frame decoder for the fidelity tests: Ethernet → ARP, or IPv4 → ICMP /
//! VRRP / TCP, straight from byte offsets (RFC 826, RFC 791, RFC 792, RFC 3768 §5.1, RFC 9293 §3.1),
//! so that the tests
//! do not depend on the simulator's own parsers. It panics on anything truncated: every frame a
//! run captures must decode.

#![allow(dead_code)] // each test uses a different subset

use std::net::Ipv4Addr;

/// `ff:ff:ff:ff:ff:ff`.
pub(crate) const BROADCAST: [u8; 6] = [0xff; 6];
/// EtherType IPv4.
pub(crate) const ETHERTYPE_IPV4: u16 = 0x0800;
/// EtherType ARP.
pub(crate) const ETHERTYPE_ARP: u16 = 0x0806;
/// IP protocol ICMP.
pub(crate) const PROTO_ICMP: u8 = 1;
/// IP protocol VRRP.
pub(crate) const PROTO_VRRP: u8 = 112;
/// IP protocol TCP.
pub(crate) const PROTO_TCP: u8 = 6;

/// TCP flag bits (RFC 9293 §3.1).
pub(crate) const TCP_FIN: u8 = 0x01;
pub(crate) const TCP_SYN: u8 = 0x02;
pub(crate) const TCP_RST: u8 = 0x04;
pub(crate) const TCP_PSH: u8 = 0x08;
pub(crate) const TCP_ACK: u8 = 0x10;

/// An ARP packet (Ethernet/IPv4 only).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Arp {
    pub htype: u16,
    pub ptype: u16,
    pub hlen: u8,
    pub plen: u8,
    /// 1 request, 2 reply.
    pub op: u16,
    pub sha: [u8; 6],
    pub spa: Ipv4Addr,
    pub tha: [u8; 6],
    pub tpa: Ipv4Addr,
}

impl Arp {
    /// Gratuitous: sender and target protocol addresses are the same (`arp_is_garp()`).
    pub(crate) fn is_gratuitous(&self) -> bool {
        self.spa == self.tpa
    }
}

/// An IPv4 header (no options expected) and its payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Ipv4 {
    /// The 20 header bytes as captured.
    pub header: Vec<u8>,
    pub version_ihl: u8,
    pub tos: u8,
    pub total_len: u16,
    pub id: u16,
    /// Flags (3 bits) and fragment offset (13 bits).
    pub flags_frag: u16,
    pub ttl: u8,
    pub proto: u8,
    pub checksum: u16,
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    /// Bytes after the header, up to `total_len`.
    pub payload: Vec<u8>,
}

/// An ICMP echo request or reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Echo {
    /// 8 request, 0 reply.
    pub icmp_type: u8,
    pub ident: u16,
    pub seq: u16,
}

/// A VRRPv2 advertisement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Vrrp {
    pub version_type: u8,
    pub vrid: u8,
    pub priority: u8,
    pub count: u8,
    pub auth_type: u8,
    pub adver_int: u8,
    pub checksum: u16,
    pub addrs: Vec<Ipv4Addr>,
    pub auth: [u8; 8],
}

/// A TCP segment: the fixed header fields and the payload after the options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Tcp {
    pub src_port: u16,
    pub dst_port: u16,
    pub seq: u32,
    pub ack: u32,
    /// Header length in bytes (data offset · 4).
    pub header_len: usize,
    /// The low 8 flag bits (CWR ECE URG ACK PSH RST SYN FIN).
    pub flags: u8,
    pub window: u16,
    pub checksum: u16,
    /// Bytes after the header (and options).
    pub payload: Vec<u8>,
}

impl Tcp {
    pub(crate) fn syn(&self) -> bool {
        self.flags & TCP_SYN != 0
    }
    pub(crate) fn fin(&self) -> bool {
        self.flags & TCP_FIN != 0
    }
    pub(crate) fn rst(&self) -> bool {
        self.flags & TCP_RST != 0
    }
    pub(crate) fn ack_flag(&self) -> bool {
        self.flags & TCP_ACK != 0
    }
    /// Sequence space the segment occupies: payload plus one each for SYN and FIN.
    pub(crate) fn seq_len(&self) -> u32 {
        self.payload.len() as u32 + u32::from(self.syn()) + u32::from(self.fin())
    }
}

/// What an Ethernet frame carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Payload {
    Arp(Arp),
    Ipv4(Ipv4),
    Other(u16),
}

/// A decoded Ethernet frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Eth {
    pub dst: [u8; 6],
    pub src: [u8; 6],
    pub ethertype: u16,
    pub payload: Payload,
}

fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

fn mac(b: &[u8], at: usize) -> [u8; 6] {
    b[at..at + 6].try_into().expect("6 bytes")
}

fn ip(b: &[u8], at: usize) -> Ipv4Addr {
    Ipv4Addr::new(b[at], b[at + 1], b[at + 2], b[at + 3])
}

/// Decodes an Ethernet II frame.
pub(crate) fn decode(frame: &[u8]) -> Eth {
    assert!(frame.len() >= 14, "frame shorter than an Ethernet header: {frame:02x?}");
    let ethertype = be16(frame, 12);
    let body = &frame[14..];
    let payload = match ethertype {
        ETHERTYPE_ARP => {
            assert!(body.len() >= 28, "truncated ARP: {frame:02x?}");
            Payload::Arp(Arp {
                htype: be16(body, 0),
                ptype: be16(body, 2),
                hlen: body[4],
                plen: body[5],
                op: be16(body, 6),
                sha: mac(body, 8),
                spa: ip(body, 14),
                tha: mac(body, 18),
                tpa: ip(body, 24),
            })
        }
        ETHERTYPE_IPV4 => {
            assert!(body.len() >= 20, "truncated IPv4 header: {frame:02x?}");
            let total_len = be16(body, 2);
            assert!(body.len() >= usize::from(total_len), "IPv4 total length beyond the frame: {frame:02x?}");
            Payload::Ipv4(Ipv4 {
                header: body[..20].to_vec(),
                version_ihl: body[0],
                tos: body[1],
                total_len,
                id: be16(body, 4),
                flags_frag: be16(body, 6),
                ttl: body[8],
                proto: body[9],
                checksum: be16(body, 10),
                src: ip(body, 12),
                dst: ip(body, 16),
                payload: body[20..usize::from(total_len)].to_vec(),
            })
        }
        other => Payload::Other(other),
    };
    Eth { dst: mac(frame, 0), src: mac(frame, 6), ethertype, payload }
}

impl Eth {
    /// The ARP packet, if this is one.
    pub(crate) fn arp(&self) -> Option<&Arp> {
        match &self.payload {
            Payload::Arp(a) => Some(a),
            _ => None,
        }
    }

    /// The IPv4 packet, if this is one.
    pub(crate) fn ipv4(&self) -> Option<&Ipv4> {
        match &self.payload {
            Payload::Ipv4(p) => Some(p),
            _ => None,
        }
    }

    /// The VRRP message, if this is an IPv4 packet with protocol 112.
    pub(crate) fn vrrp(&self) -> Option<Vrrp> {
        let p = self.ipv4().filter(|p| p.proto == PROTO_VRRP)?;
        let b = &p.payload;
        assert!(b.len() >= 8, "truncated VRRP: {b:02x?}");
        let count = b[3];
        let n = usize::from(count);
        assert!(b.len() >= 8 + 4 * n + 8, "truncated VRRP: {b:02x?}");
        Some(Vrrp {
            version_type: b[0],
            vrid: b[1],
            priority: b[2],
            count,
            auth_type: b[4],
            adver_int: b[5],
            checksum: be16(b, 6),
            addrs: (0..n).map(|i| ip(b, 8 + 4 * i)).collect(),
            auth: b[8 + 4 * n..16 + 4 * n].try_into().expect("8 bytes"),
        })
    }

    /// The TCP segment, if this is an IPv4 packet with protocol 6.
    pub(crate) fn tcp(&self) -> Option<Tcp> {
        let p = self.ipv4().filter(|p| p.proto == PROTO_TCP)?;
        let b = &p.payload;
        assert!(b.len() >= 20, "truncated TCP header: {b:02x?}");
        let header_len = usize::from(b[12] >> 4) * 4;
        assert!((20..=b.len()).contains(&header_len), "bad TCP data offset {header_len}: {b:02x?}");
        Some(Tcp {
            src_port: be16(b, 0),
            dst_port: be16(b, 2),
            seq: u32::from_be_bytes(b[4..8].try_into().expect("4 bytes")),
            ack: u32::from_be_bytes(b[8..12].try_into().expect("4 bytes")),
            header_len,
            flags: b[13],
            window: be16(b, 14),
            checksum: be16(b, 16),
            payload: b[header_len..].to_vec(),
        })
    }

    /// The TCP checksum over the IPv4 pseudo-header and the segment: 0 when it is right.
    pub(crate) fn tcp_checksum_residue(&self) -> Option<u16> {
        let p = self.ipv4().filter(|p| p.proto == PROTO_TCP)?;
        let mut data = Vec::with_capacity(12 + p.payload.len());
        data.extend_from_slice(&p.src.octets());
        data.extend_from_slice(&p.dst.octets());
        data.extend_from_slice(&[0, PROTO_TCP]);
        data.extend_from_slice(&(p.payload.len() as u16).to_be_bytes());
        data.extend_from_slice(&p.payload);
        Some(internet_checksum(&data))
    }

    /// The ICMP echo request/reply, if this is one.
    pub(crate) fn echo(&self) -> Option<Echo> {
        let p = self.ipv4().filter(|p| p.proto == PROTO_ICMP)?;
        let b = &p.payload;
        assert!(b.len() >= 8, "truncated ICMP: {b:02x?}");
        matches!(b[0], 0 | 8).then(|| Echo { icmp_type: b[0], ident: be16(b, 4), seq: be16(b, 6) })
    }
}

/// The Internet checksum (RFC 1071): one's complement of the one's-complement sum of 16-bit words.
/// Over data whose checksum field holds the right value, it returns 0.
pub(crate) fn internet_checksum(data: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    for pair in data.chunks(2) {
        let word = u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)]);
        sum += u32::from(word);
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// `aa:bb:cc:dd:ee:ff` → bytes.
pub(crate) fn parse_mac(text: &str) -> [u8; 6] {
    let bytes: Vec<u8> = text.split(':').map(|h| u8::from_str_radix(h, 16).expect("hex MAC byte")).collect();
    bytes.try_into().unwrap_or_else(|_| panic!("not a MAC: {text}"))
}

/// Bytes → `aa:bb:cc:dd:ee:ff`.
pub(crate) fn fmt_mac(mac: [u8; 6]) -> String {
    mac.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":")
}

#[test]
fn checksum_matches_the_spec_test_vectors() {
    // spec-vrrp §1.3: VRID 51, prio 110, VIP 192.168.1.100, PASS "1111" → checksum 0x4b5b.
    let vrrp = [0x21, 0x33, 0x6e, 0x01, 0x01, 0x01, 0, 0, 0xc0, 0xa8, 0x01, 0x64, 0x31, 0x31, 0x31, 0x31, 0, 0, 0, 0];
    assert_eq!(internet_checksum(&vrrp), 0x4b5b);
    // The IPv4 header of the same vector: checksum 0x18df.
    let ip = [0x45, 0xc0, 0x00, 0x28, 0x00, 0x01, 0x00, 0x00, 0xff, 0x70, 0, 0, 0xc0, 0xa8, 0x01, 0x0b, 0xe0, 0, 0, 0x12];
    assert_eq!(internet_checksum(&ip), 0x18df);
}
