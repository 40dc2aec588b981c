//! The ICMP error a `REJECT` target sends (`nf_send_unreach` in RHEL 7's
//! `net/ipv4/netfilter/nf_reject_ipv4.c`, then `icmp_send` in `net/ipv4/icmp.c`): who gets none
//! (`icmp_send`'s guards, in its order), how much of the packet is quoted, the reply's IP
//! header, and the per-peer rate limit (`inet_peer_xrlim_allow`).

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::time::Duration;

use crate::kernel::SimTime;
use crate::wire::{icmp, ipv4};

/// `icmp_ratelimit`: one token per second (HZ jiffies)…
const RATE: Duration = Duration::from_secs(1);
/// … and a bucket of `XRLIM_BURST_FACTOR` (6) of them.
const BURST: u32 = 6;
/// `room` caps the whole ICMP datagram at 576 bytes (`icmp_send`).
const MAX_DATAGRAM: usize = 576;
/// `sysctl_ip_default_ttl`.
const TTL: u8 = 64;
/// `IPTOS_TOS_MASK` and `IPTOS_PREC_INTERNETCONTROL`.
const TOS_MASK: u8 = 0x1e;
const PREC_INTERNETCONTROL: u8 = 0xc0;

/// The packet being refused, with what the receiving kernel knew of it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Refused<'a> {
    /// The whole IPv4 packet as received.
    pub(crate) packet: &'a [u8],
    /// The frame was addressed to this host's MAC (`PACKET_HOST`), not to a group or everyone.
    pub(crate) link_unicast: bool,
    /// Its IP destination is a multicast or broadcast address (`RTCF_BROADCAST|RTCF_MULTICAST`).
    pub(crate) ip_group: bool,
    /// The MTU of the route back.
    pub(crate) mtu: usize,
}

/// Why no ICMP error was sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Silent {
    /// `skb->pkt_type != PACKET_HOST`.
    LinkGroup,
    /// The destination was multicast or broadcast.
    IpGroup,
    /// A fragment other than the first.
    Fragment,
    /// It is an ICMP error itself (or of an unknown type).
    IcmpError,
    /// The peer's tokens are spent.
    RateLimited,
    /// Unreadable.
    Malformed,
}

impl Silent {
    /// In words, for the trace.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Silent::LinkGroup => "link-layer multicast/broadcast",
            Silent::IpGroup => "multicast/broadcast destination",
            Silent::Fragment => "not the first fragment",
            Silent::IcmpError => "an ICMP error is never answered with one",
            Silent::RateLimited => "icmp_ratelimit",
            Silent::Malformed => "malformed",
        }
    }
}

#[derive(Debug)]
struct Peer {
    tokens: Duration,
    last: SimTime,
}

/// The ICMP sender of one machine: its rate-limit state per peer and its IP identifiers.
#[derive(Debug)]
pub(crate) struct Rejecter {
    peers: BTreeMap<Ipv4Addr, Peer>,
    next_ident: u16,
}

impl Rejecter {
    /// A fresh sender whose first IP identifier is `first_ident` (Linux draws it per peer).
    pub(crate) fn new(first_ident: u16) -> Rejecter {
        Rejecter { peers: BTreeMap::new(), next_ident: first_ident }
    }

    /// `inet_peer_xrlim_allow`: tokens accrue with time up to the burst, each message costs one
    /// period. A new peer starts full (`rate_last` is set 60 s back, `inetpeer.c`).
    fn allow(&mut self, now: SimTime, peer: Ipv4Addr) -> bool {
        let full = RATE * BURST;
        let p = self.peers.entry(peer).or_insert(Peer { tokens: full, last: now });
        p.tokens = (p.tokens + now.saturating_since(p.last)).min(full);
        p.last = now;
        if p.tokens >= RATE {
            p.tokens -= RATE;
            true
        } else {
            false
        }
    }

    /// The destination unreachable of `code` about `r`, as a whole IPv4 packet, or why none is
    /// sent.
    pub(crate) fn refuse(&mut self, now: SimTime, code: u8, r: &Refused<'_>) -> Result<Vec<u8>, Silent> {
        let ip = ipv4::Packet::new_checked(r.packet).map_err(|_| Silent::Malformed)?;
        if !r.link_unicast {
            return Err(Silent::LinkGroup);
        }
        if r.ip_group {
            return Err(Silent::IpGroup);
        }
        if ip.frag_offset() != 0 {
            return Err(Silent::Fragment);
        }
        if ip.protocol() == ipv4::PROTO_ICMP {
            // Errors, and types icmp_pointers does not know (above NR_ICMP_TYPES, 18).
            let kind = ip.payload().first().copied().ok_or(Silent::Malformed)?;
            if icmp::is_error(kind) || kind > 18 {
                return Err(Silent::IcmpError);
            }
        }
        if !self.allow(now, ip.src_addr()) {
            return Err(Silent::RateLimited);
        }
        let whole = &r.packet[..usize::from(ip.total_len())];
        let room = r.mtu.min(MAX_DATAGRAM) - ipv4::HEADER_LEN - icmp::HEADER_LEN;
        let message = icmp::DestUnreachableRepr { code, original: &whole[..whole.len().min(room)] }.to_bytes();
        let ident = self.next_ident;
        self.next_ident = self.next_ident.wrapping_add(1);
        let header = ipv4::Repr {
            src: ip.dst_addr(),
            dst: ip.src_addr(),
            protocol: ipv4::PROTO_ICMP,
            ttl: TTL,
            ident,
            tos: (ip.tos() & TOS_MASK) | PREC_INTERNETCONTROL,
            dont_frag: false,
            payload_len: message.len(),
        };
        Ok(header.to_packet(&message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: Ipv4Addr = Ipv4Addr::new(172, 2, 20, 11);
    const B: Ipv4Addr = Ipv4Addr::new(172, 2, 20, 21);

    fn packet(src: Ipv4Addr, dst: Ipv4Addr, protocol: u8, payload: &[u8]) -> Vec<u8> {
        ipv4::Repr { src, dst, protocol, ttl: 64, ident: 9, tos: 0x10, dont_frag: true, payload_len: payload.len() }.to_packet(payload)
    }

    fn unicast(p: &[u8]) -> Refused<'_> {
        Refused { packet: p, link_unicast: true, ip_group: false, mtu: 1500 }
    }

    #[test]
    fn a_refused_syn_is_quoted_whole_from_the_refusing_address() {
        let syn = packet(A, B, 6, &[0x9c, 0x40, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0, 0xa0, 0x02, 0xff, 0xff, 0, 0, 0, 0, 2, 4, 5, 0xb4]);
        let out = Rejecter::new(100).refuse(SimTime::ZERO, 10, &unicast(&syn)).unwrap();
        let ip = ipv4::Packet::new_checked(&out[..]).unwrap();
        let repr = ipv4::Repr::parse(&ip).unwrap();
        assert_eq!((repr.src, repr.dst, repr.protocol, repr.ttl, repr.tos, repr.dont_frag, repr.ident), (B, A, 1, 64, 0xd0, false, 100));
        let msg = icmp::Packet::new_checked(ip.payload()).unwrap();
        assert!(msg.verify_checksum());
        assert_eq!(icmp::DestUnreachableRepr::parse(&msg).unwrap(), icmp::DestUnreachableRepr { code: 10, original: &syn });
    }

    #[test]
    fn a_long_datagram_is_cut_so_the_error_fits_576_bytes() {
        let long = packet(A, B, 17, &[0u8; 1000]);
        let out = Rejecter::new(0).refuse(SimTime::ZERO, 10, &unicast(&long)).unwrap();
        assert_eq!(out.len(), 576);
        assert_eq!(&out[28..], &long[..548]);
    }

    /// Each of icmp_send's guards paired with a packet it silences.
    #[test]
    fn groups_fragments_and_errors_get_nothing() {
        let vrrp = packet(A, Ipv4Addr::new(224, 0, 0, 18), 112, &[0x21; 20]);
        let udp = packet(A, B, 17, &[0; 8]);
        let mut fragment = udp.clone();
        fragment[6..8].copy_from_slice(&[0, 1]);
        let error = packet(A, B, 1, &icmp::DestUnreachableRepr { code: 3, original: &udp }.to_bytes());
        for (p, link_unicast, ip_group, silent) in [
            (&vrrp, false, true, Silent::LinkGroup),
            (&udp, true, true, Silent::IpGroup),
            (&fragment, true, false, Silent::Fragment),
            (&error, true, false, Silent::IcmpError),
        ] {
            let r = Refused { packet: p, link_unicast, ip_group, mtu: 1500 };
            assert_eq!(Rejecter::new(0).refuse(SimTime::ZERO, 10, &r), Err(silent));
        }
    }

    #[test]
    fn six_at_once_then_one_a_second_per_peer() {
        let mut r = Rejecter::new(0);
        let udp = packet(A, B, 17, &[0; 8]);
        let other = packet(Ipv4Addr::new(172, 2, 20, 12), B, 17, &[0; 8]);
        let sent = |r: &mut Rejecter, at: u64, p: &[u8]| r.refuse(SimTime::from_millis(at), 10, &unicast(p)).is_ok();
        let burst: Vec<bool> = (0..8).map(|_| sent(&mut r, 0, &udp)).collect();
        assert_eq!(burst, [true, true, true, true, true, true, false, false]);
        assert!(sent(&mut r, 0, &other), "another peer has its own bucket");
        assert!(!sent(&mut r, 999, &udp));
        assert!(sent(&mut r, 1000, &udp));
        assert!(!sent(&mut r, 1500, &udp));
        assert!(sent(&mut r, 2000, &udp));
    }
}
