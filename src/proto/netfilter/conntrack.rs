//! Connection tracking (`nf_conntrack`, RHEL 7): each flow is known by its original tuple and
//! its reply tuple; a packet of a flow that has seen both directions is ESTABLISHED, an ICMP
//! error quoting a tracked packet is RELATED, anything else is NEW (TCP is picked up mid-stream,
//! `nf_conntrack_tcp_loose` 1) or INVALID (a TCP RST or an ICMP error about no known flow).
//!
//! Entries expire after the kernel's default timeouts (`nf_conntrack_proto_*.c`): TCP 120 s
//! while only the SYN was seen, 5 days once established, 120 s after both FINs (TIME_WAIT), 10 s
//! after a RST; UDP 30 s unreplied, 180 s replied; ICMP 30 s; other protocols 600 s. A packet is
//! recorded ([`Conntrack::confirm`]) only once it was let through, as an unconfirmed entry
//! dies with a dropped packet.

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

use crate::kernel::SimTime;
use crate::proto::firewalld::CtState;
use crate::wire::{icmp, ipv4, tcp};

/// A flow's tuple in one direction: protocol, source and its port, destination and its port.
/// ICMP echo puts its identifier in the source port of a request and the destination port of a
/// reply, so that a reply's tuple is its request's reversed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Tuple {
    pub(crate) protocol: u8,
    pub(crate) src: Ipv4Addr,
    pub(crate) sport: u16,
    pub(crate) dst: Ipv4Addr,
    pub(crate) dport: u16,
}

impl Tuple {
    fn reversed(self) -> Tuple {
        Tuple { protocol: self.protocol, src: self.dst, sport: self.dport, dst: self.src, dport: self.sport }
    }
}

/// TCP flags conntrack's state machine looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) struct TcpFlags {
    pub(crate) syn: bool,
    pub(crate) fin: bool,
    pub(crate) rst: bool,
}

/// What conntrack reads from one IPv4 packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flow {
    /// A packet of a flow of its own.
    Packet { tuple: Tuple, tcp: Option<TcpFlags> },
    /// An ICMP error, with the tuple of the packet it quotes (if readable).
    Error { quoted: Option<Tuple> },
}

/// The tuple of an IPv4 datagram (`bytes` from its IP header on), reading only the first 8 bytes
/// of its payload, as a quote in an ICMP error holds at least those. `None` for a non-first
/// fragment or an unreadable header.
fn tuple_of(bytes: &[u8]) -> Option<Tuple> {
    let ip = ipv4::Packet::new_checked(bytes).ok().or_else(|| {
        // A quote may be cut short of the total length its header states.
        let p = ipv4::Packet::new_unchecked(bytes);
        p.check_header_len().ok().map(|_| p)
    })?;
    if ip.frag_offset() != 0 {
        return None;
    }
    let l4 = bytes.get(ip.header_len()..)?;
    let port = |at: usize| l4.get(at..at + 2).map(|b| u16::from_be_bytes([b[0], b[1]]));
    let (protocol, src, dst) = (ip.protocol(), ip.src_addr(), ip.dst_addr());
    let (sport, dport) = match protocol {
        ipv4::PROTO_TCP | ipv4::PROTO_UDP | 33 | 132 => (port(0)?, port(2)?),
        ipv4::PROTO_ICMP => match *l4.first()? {
            icmp::TYPE_ECHO_REQUEST => (port(4)?, 0),
            icmp::TYPE_ECHO_REPLY => (0, port(4)?),
            _ => (0, 0),
        },
        _ => (0, 0),
    };
    Some(Tuple { protocol, src, sport, dst, dport })
}

impl Flow {
    /// What conntrack makes of an IPv4 packet (`None` when it cannot read it).
    pub(crate) fn of(packet: &[u8]) -> Option<Flow> {
        let ip = ipv4::Packet::new_checked(packet).ok()?;
        let payload = ip.payload();
        if ip.protocol() == ipv4::PROTO_ICMP && payload.first().is_some_and(|t| icmp::is_error(*t)) {
            return Some(Flow::Error { quoted: payload.get(icmp::HEADER_LEN..).and_then(tuple_of) });
        }
        let tuple = tuple_of(packet)?;
        let tcp = (ip.protocol() == ipv4::PROTO_TCP).then(|| tcp::Packet::new_checked(payload).ok()).flatten().map(|s| TcpFlags {
            syn: s.syn(),
            fin: s.fin(),
            rst: s.rst(),
        });
        Some(Flow::Packet { tuple, tcp })
    }
}

#[derive(Debug)]
struct Conn {
    replied: bool,
    fin_original: bool,
    fin_reply: bool,
    expires: SimTime,
}

/// The connection tracking table of one machine.
#[derive(Debug, Default)]
pub(crate) struct Conntrack {
    /// By original tuple.
    conns: BTreeMap<Tuple, Conn>,
    /// Reply tuple → original tuple.
    replies: BTreeMap<Tuple, Tuple>,
    /// (expiry, original tuple), to forget entries in time order.
    timers: BTreeSet<(SimTime, Tuple)>,
}

impl Conntrack {
    /// How many flows are tracked.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.conns.len()
    }

    fn expire(&mut self, now: SimTime) {
        while let Some(&(at, original)) = self.timers.first() {
            if at > now {
                break;
            }
            self.timers.pop_first();
            self.conns.remove(&original);
            self.replies.remove(&original.reversed());
        }
    }

    /// The original tuple of the flow `tuple` belongs to, and whether `tuple` is its reply
    /// direction.
    fn find(&self, tuple: &Tuple) -> Option<(Tuple, bool)> {
        if self.conns.contains_key(tuple) {
            return Some((*tuple, false));
        }
        self.replies.get(tuple).map(|o| (*o, true))
    }

    /// The packet's state (`--ctstate`), before it is let through.
    pub(crate) fn state(&mut self, now: SimTime, flow: &Flow) -> CtState {
        self.expire(now);
        match flow {
            Flow::Error { quoted } => {
                if quoted.is_some_and(|q| self.find(&q).is_some()) {
                    CtState::Related
                } else {
                    CtState::Invalid
                }
            }
            Flow::Packet { tuple, tcp } => match self.find(tuple) {
                Some((_, true)) => CtState::Established,
                Some((original, false)) if self.conns.get(&original).is_some_and(|c| c.replied) => CtState::Established,
                Some(_) => CtState::New,
                // tcp_new(): a RST opens nothing.
                None if tcp.is_some_and(|f| f.rst) => CtState::Invalid,
                None => CtState::New,
            },
        }
    }

    /// Records a packet that was let through (received and accepted, or sent).
    pub(crate) fn confirm(&mut self, now: SimTime, flow: &Flow) {
        let Flow::Packet { tuple, tcp } = *flow else { return };
        self.expire(now);
        let (original, reply) = match self.find(&tuple) {
            Some(found) => found,
            None => {
                self.conns.insert(tuple, Conn { replied: false, fin_original: false, fin_reply: false, expires: SimTime::ZERO });
                self.replies.insert(tuple.reversed(), tuple);
                (tuple, false)
            }
        };
        let Some(conn) = self.conns.get_mut(&original) else { return };
        conn.replied |= reply;
        if let Some(f) = tcp {
            if reply {
                conn.fin_reply |= f.fin;
            } else {
                conn.fin_original |= f.fin;
            }
        }
        let timeout = match (original.protocol, tcp) {
            (_, Some(f)) if f.rst => 10,
            (_, Some(_)) if conn.fin_original && conn.fin_reply => 120,
            (_, Some(_)) if !conn.replied => 120,
            (_, Some(_)) => 432_000,
            (ipv4::PROTO_UDP, _) if conn.replied => 180,
            (ipv4::PROTO_UDP, _) => 30,
            (ipv4::PROTO_ICMP, _) => 30,
            _ => 600,
        };
        self.timers.remove(&(conn.expires, original));
        conn.expires = now.saturating_add(std::time::Duration::from_secs(timeout));
        self.timers.insert((conn.expires, original));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: Ipv4Addr = Ipv4Addr::new(172, 2, 20, 11);
    const B: Ipv4Addr = Ipv4Addr::new(172, 2, 20, 21);

    fn tcp_flow(src: Ipv4Addr, sport: u16, dst: Ipv4Addr, dport: u16, flags: TcpFlags) -> Flow {
        Flow::Packet { tuple: Tuple { protocol: 6, src, sport, dst, dport }, tcp: Some(flags) }
    }

    fn t(s: u64) -> SimTime {
        SimTime::from_secs(s)
    }

    const SYN: TcpFlags = TcpFlags { syn: true, fin: false, rst: false };
    const ACK: TcpFlags = TcpFlags { syn: false, fin: false, rst: false };
    const FIN: TcpFlags = TcpFlags { syn: false, fin: true, rst: false };
    const RST: TcpFlags = TcpFlags { syn: false, fin: false, rst: true };

    #[test]
    fn a_reply_to_a_flow_this_host_opened_is_established() {
        let mut ct = Conntrack::default();
        let out = tcp_flow(A, 40000, B, 80, SYN);
        assert_eq!(ct.state(t(0), &out), CtState::New);
        ct.confirm(t(0), &out);
        let back = tcp_flow(B, 80, A, 40000, SYN);
        assert_eq!(ct.state(t(0), &back), CtState::Established);
        // Another port of the same peer is another flow.
        assert_eq!(ct.state(t(0), &tcp_flow(B, 81, A, 40000, SYN)), CtState::New);
        assert_eq!(ct.state(t(0), &tcp_flow(B, 80, A, 40000, RST)), CtState::Established);
        assert_eq!(ct.state(t(0), &tcp_flow(B, 80, A, 40001, RST)), CtState::Invalid);
    }

    #[test]
    fn an_accepted_flow_is_established_once_answered() {
        let mut ct = Conntrack::default();
        let syn = tcp_flow(A, 40000, B, 80, SYN);
        ct.confirm(t(0), &syn);
        assert_eq!(ct.state(t(0), &syn), CtState::New, "a retransmitted SYN before any answer");
        ct.confirm(t(0), &tcp_flow(B, 80, A, 40000, SYN));
        assert_eq!(ct.state(t(0), &tcp_flow(A, 40000, B, 80, ACK)), CtState::Established);
    }

    #[test]
    fn icmp_errors_about_tracked_packets_are_related() {
        let mut ct = Conntrack::default();
        let q = Tuple { protocol: 17, src: A, sport: 700, dst: B, dport: 111 };
        assert_eq!(ct.state(t(0), &Flow::Error { quoted: Some(q) }), CtState::Invalid);
        ct.confirm(t(0), &Flow::Packet { tuple: q, tcp: None });
        assert_eq!(ct.state(t(0), &Flow::Error { quoted: Some(q) }), CtState::Related);
        assert_eq!(ct.state(t(0), &Flow::Error { quoted: None }), CtState::Invalid);
    }

    /// Each kind of flow paired with how long it is remembered.
    #[test]
    fn entries_expire_after_the_kernels_timeouts() {
        let udp = Tuple { protocol: 17, src: A, sport: 700, dst: B, dport: 111 };
        let vrrp = Tuple { protocol: 112, src: A, sport: 0, dst: Ipv4Addr::new(224, 0, 0, 18), dport: 0 };
        for (packets, last, lives) in [
            (vec![Flow::Packet { tuple: udp, tcp: None }], 0, 30),
            (vec![Flow::Packet { tuple: udp, tcp: None }, Flow::Packet { tuple: udp.reversed(), tcp: None }], 0, 180),
            (vec![Flow::Packet { tuple: vrrp, tcp: None }], 0, 600),
            (vec![tcp_flow(A, 1, B, 2, SYN)], 0, 120),
            (vec![tcp_flow(A, 1, B, 2, SYN), tcp_flow(B, 2, A, 1, SYN)], 0, 432_000),
            (vec![tcp_flow(A, 1, B, 2, SYN), tcp_flow(B, 2, A, 1, SYN), tcp_flow(A, 1, B, 2, FIN), tcp_flow(B, 2, A, 1, FIN)], 0, 120),
            (vec![tcp_flow(A, 1, B, 2, SYN), tcp_flow(B, 2, A, 1, RST)], 0, 10),
        ] {
            let mut ct = Conntrack::default();
            for p in &packets {
                ct.confirm(t(last), p);
            }
            let first = packets[0];
            ct.state(t(lives - 1), &first);
            assert_eq!(ct.len(), 1, "{packets:?} alive at {}", lives - 1);
            ct.state(t(lives), &first);
            assert_eq!(ct.len(), 0, "{packets:?} gone at {lives}");
        }
    }

    #[test]
    fn flows_are_read_from_packets_and_quotes() {
        let udp = ipv4::Repr { src: A, dst: B, protocol: 17, ttl: 64, ident: 1, tos: 0, dont_frag: false, payload_len: 8 }
            .to_packet(&[0x02, 0xbc, 0x00, 0x6f, 0, 8, 0, 0]);
        let tuple = Tuple { protocol: 17, src: A, sport: 700, dst: B, dport: 111 };
        assert_eq!(Flow::of(&udp), Some(Flow::Packet { tuple, tcp: None }));
        let icmp = icmp::DestUnreachableRepr { code: 10, original: &udp }.to_bytes();
        let err = ipv4::Repr { src: B, dst: A, protocol: 1, ttl: 64, ident: 2, tos: 0xc0, dont_frag: false, payload_len: icmp.len() }
            .to_packet(&icmp);
        assert_eq!(Flow::of(&err), Some(Flow::Error { quoted: Some(tuple) }));
        let echo = icmp::EchoRepr { kind: icmp::Echo::Request, ident: 7, seq_no: 1, data: &[] }.to_bytes();
        let ping = ipv4::Repr { src: A, dst: B, protocol: 1, ttl: 64, ident: 3, tos: 0, dont_frag: false, payload_len: 8 }.to_packet(&echo);
        let Some(Flow::Packet { tuple: req, .. }) = Flow::of(&ping) else { panic!() };
        let pong = icmp::EchoRepr { kind: icmp::Echo::Reply, ident: 7, seq_no: 1, data: &[] }.to_bytes();
        let pong = ipv4::Repr { src: B, dst: A, protocol: 1, ttl: 64, ident: 4, tos: 0, dont_frag: false, payload_len: 8 }.to_packet(&pong);
        let Some(Flow::Packet { tuple: rep, .. }) = Flow::of(&pong) else { panic!() };
        assert_eq!(req.reversed(), rep);
        assert_eq!(Flow::of(&udp[..10]), None);
    }
}
