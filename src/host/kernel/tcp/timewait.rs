//! TIME-WAIT without a socket. Linux keeps the side that closed first in TIME-WAIT for
//! `TCP_TIMEWAIT_LEN` (60 s) as a small `inet_timewait_sock`, not a full socket; labsim does the
//! same: when a smoltcp socket reaches TIME-WAIT the kernel notes its 4-tuple here and frees the
//! socket without a packet (smoltcp would hold it 10 s, or send a RST if aborted).
//!
//! A segment for a 4-tuple in the table is answered as `tcp_timewait_state_process` does (with
//! `tcp_rfc1337` 0, the default): a RST ends TIME-WAIT silently; a bare SYN ends it and opens a
//! new connection (`TCP_TW_SYN`); a segment carrying a FIN or data, such as the peer's
//! retransmitted FIN when our last ACK was lost, gets an ACK (`TCP_TW_ACK` →
//! `tcp_v4_timewait_ack`: sequence number the peer acknowledged, acknowledgment after its
//! segment) and restarts the 60 s; a bare ACK is taken silently (and restarts it too). The table is only consulted
//! while it holds a live entry, and entries simply lapse.

use std::collections::{BTreeMap, VecDeque};
use std::net::Ipv4Addr;
use std::time::Duration;

use crate::kernel::SimTime;
use crate::wire::{ipv4, tcp};

/// `TCP_TIMEWAIT_LEN`.
pub(crate) const TIMEWAIT_LEN: Duration = Duration::from_secs(60);
/// The window the ACK advertises: the closed socket's empty receive buffer (16 KiB, no scaling).
const WINDOW: u16 = 16 * 1024;

/// A connection's key: remote address and port, local port, local address, packed in that
/// order (most significant first) into one integer, so that it sorts as that tuple would (the
/// entries towards one peer and port together) and a lookup compares integers, not byte arrays.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Key(u128);

impl Key {
    fn new(remote: (Ipv4Addr, u16), local_port: u16, local_ip: Ipv4Addr) -> Key {
        let remote_ip = u128::from(u32::from(remote.0));
        Key(remote_ip << 64 | u128::from(remote.1) << 48 | u128::from(local_port) << 32 | u128::from(u32::from(local_ip)))
    }
}

/// The host's connections in TIME-WAIT: a map for lookups and the expiry instants in the order
/// they were set (60 s after each other), so lapsed entries go in constant time per entry.
#[derive(Default)]
pub(super) struct Table {
    entries: BTreeMap<Key, SimTime>,
    expiries: VecDeque<(SimTime, Key)>,
}

/// What the kernel does with an incoming segment.
pub(super) enum Verdict {
    /// Not for a TIME-WAIT connection (or a SYN that ends one): the stack takes it.
    Pass,
    /// Consumed; send this packet in reply, if any.
    Consumed(Option<Vec<u8>>),
}

impl Table {
    /// Forgets the entries that lapsed by `now`.
    fn expire(&mut self, now: SimTime) {
        while let Some(&(at, key)) = self.expiries.front() {
            if at > now {
                break;
            }
            self.expiries.pop_front();
            if self.entries.get(&key).is_some_and(|&e| e <= now) {
                self.entries.remove(&key);
            }
        }
    }

    /// (Re)starts the 60 s of `key` at `now`.
    fn arm(&mut self, now: SimTime, key: Key) {
        let expires = now + TIMEWAIT_LEN;
        self.entries.insert(key, expires);
        self.expiries.push_back((expires, key));
    }

    /// Whether no entry is alive at `now` (forgetting lapsed ones).
    pub(super) fn is_empty(&mut self, now: SimTime) -> bool {
        self.expire(now);
        self.entries.is_empty()
    }

    /// `local` ↔ `remote` enters TIME-WAIT at `now`.
    pub(super) fn insert(&mut self, now: SimTime, local: (Ipv4Addr, u16), remote: (Ipv4Addr, u16)) {
        self.arm(now, Key::new(remote, local.1, local.0));
    }

    /// Whether local port `port` towards `remote` is in TIME-WAIT at `now` (so `connect()` may
    /// not take it: `__inet_check_established` refuses the 4-tuple).
    pub(super) fn holds(&self, now: SimTime, port: u16, remote: (Ipv4Addr, u16)) -> bool {
        let range = Key::new(remote, port, Ipv4Addr::UNSPECIFIED)..=Key::new(remote, port, Ipv4Addr::BROADCAST);
        self.entries.range(range).any(|(_, &expires)| expires > now)
    }

    /// Handles an incoming IPv4 `packet` at `now`.
    pub(super) fn incoming(&mut self, now: SimTime, packet: &[u8]) -> Verdict {
        let Ok(ip) = ipv4::Packet::new_checked(packet) else { return Verdict::Pass };
        if ip.protocol() != ipv4::PROTO_TCP {
            return Verdict::Pass;
        }
        let Ok(seg) = tcp::Packet::new_checked(ip.payload()) else { return Verdict::Pass };
        let (local, remote) = ((ip.dst_addr(), seg.dst_port()), (ip.src_addr(), seg.src_port()));
        let key = Key::new(remote, local.1, local.0);
        if self.entries.get(&key).is_none_or(|&expires| expires <= now) {
            return Verdict::Pass;
        }
        if seg.rst() {
            self.entries.remove(&key);
            return Verdict::Consumed(None);
        }
        if seg.syn() && !seg.ack() {
            self.entries.remove(&key);
            return Verdict::Pass;
        }
        self.arm(now, key);
        if seg.segment_len() == 0 {
            return Verdict::Consumed(None);
        }
        let ack = tcp::Control {
            src_port: local.1,
            dst_port: remote.1,
            seq: seg.ack_number(),
            ack: seg.seq_number().wrapping_add(seg.segment_len()),
            flags: tcp::FLAGS_ACK,
            window: WINDOW,
        }
        .to_bytes(local.0, remote.0);
        let header = ipv4::Repr {
            src: local.0,
            dst: remote.0,
            protocol: ipv4::PROTO_TCP,
            ttl: 64,
            ident: 0,
            tos: 0,
            dont_frag: true,
            payload_len: ack.len(),
        };
        Verdict::Consumed(Some(header.to_packet(&ack)))
    }
}
