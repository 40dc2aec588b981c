//! IGMPv3 membership reports (RFC 3376 §4.2), as Linux sends them when a socket joins or leaves
//! a group, and the IPv4 packet around them (`igmpv3_newpack()` in Linux's `net/ipv4/igmp.c`:
//! TOS 0xc0, DF, TTL 1, a Router Alert option, to 224.0.0.22; the identification is 0, as
//! `ip_select_ident()` leaves it for a DF packet sent without a socket).
//!
//! Layout of a report:
//!
//! ```text
//! 0: type 0x22   1: reserved   2..4: checksum   4..6: reserved   6..8: number of group records
//! 8..: group records, each  0: record type  1: aux data len (words)  2..4: number of sources
//!                           4..8: multicast address  8..: sources, then aux data
//! ```
//!
//! The checksum (RFC 1071, [`super::checksum`]) covers the whole IGMP message.

use std::net::Ipv4Addr;

#[cfg(any(test, feature = "fuzzing"))]
use super::{Error, Result};
use super::{checksum, ipv4};

/// The IPv4 protocol number of IGMP.
pub(crate) const IP_PROTO_IGMP: u8 = 2;
/// All IGMPv3-capable routers, 224.0.0.22: where v3 reports go.
pub(crate) const ALL_V3_ROUTERS: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 22);
/// The message type of a version 3 membership report.
pub(crate) const TYPE_V3_REPORT: u8 = 0x22;
/// Length of the report header, before the group records.
pub(crate) const HEADER_LEN: usize = 8;
/// Length of a group record without sources or aux data.
pub(crate) const RECORD_LEN: usize = 8;
/// The IPv4 Router Alert option (RFC 2113), as `igmpv3_newpack()` writes it.
const ROUTER_ALERT: [u8; 4] = [0x94, 0x04, 0x00, 0x00];

mod field {
    use core::ops::Range;
    pub(super) const TYPE: usize = 0;
    pub(super) const CHECKSUM: Range<usize> = 2..4;
    pub(super) const NRECORDS: Range<usize> = 6..8;
}

/// A group record's type (RFC 3376 §4.2.12).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RecordType {
    /// 3, CHANGE_TO_INCLUDE_MODE: with no source, a leave.
    ChangeToInclude,
    /// 4, CHANGE_TO_EXCLUDE_MODE: with no source, a join of every source.
    ChangeToExclude,
}

impl RecordType {
    fn code(self) -> u8 {
        match self {
            RecordType::ChangeToInclude => 3,
            RecordType::ChangeToExclude => 4,
        }
    }

    /// The two types a host sends on a join or leave; Err for the others.
    #[cfg(any(test, feature = "fuzzing"))]
    fn from_code(code: u8) -> Result<RecordType> {
        match code {
            3 => Ok(RecordType::ChangeToInclude),
            4 => Ok(RecordType::ChangeToExclude),
            _ => Err(Error),
        }
    }
}

/// One group record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GroupRecord {
    /// Its type.
    pub(crate) kind: RecordType,
    /// The multicast address.
    pub(crate) group: Ipv4Addr,
    /// The sources.
    pub(crate) sources: Vec<Ipv4Addr>,
}

/// A read view of an IGMP message (labsim only sends reports; tests read them back).
#[cfg(any(test, feature = "fuzzing"))]
#[derive(Debug, Clone)]
pub(crate) struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

#[cfg(any(test, feature = "fuzzing"))]
impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps a buffer that holds at least the report header.
    pub(crate) fn new_checked(buffer: T) -> Result<Packet<T>> {
        if buffer.as_ref().len() < HEADER_LEN {
            return Err(Error);
        }
        Ok(Packet { buffer })
    }

    /// The message type.
    pub(crate) fn msg_type(&self) -> u8 {
        self.buffer.as_ref()[field::TYPE]
    }

    /// The number of group records.
    pub(crate) fn record_count(&self) -> u16 {
        let b = &self.buffer.as_ref()[field::NRECORDS];
        u16::from_be_bytes([b[0], b[1]])
    }

    /// Whether the checksum over the whole message is right.
    pub(crate) fn verify_checksum(&self) -> bool {
        checksum::verify(self.buffer.as_ref())
    }
}

/// A version 3 membership report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Repr {
    /// Its group records, in order.
    pub(crate) records: Vec<GroupRecord>,
}

impl Repr {
    /// Parses a v3 report; Err for another type, a bad checksum, records that do not fit or
    /// of another type than [`RecordType`]'s.
    #[cfg(any(test, feature = "fuzzing"))]
    pub(crate) fn parse<T: AsRef<[u8]>>(packet: &Packet<T>) -> Result<Repr> {
        if packet.msg_type() != TYPE_V3_REPORT || !packet.verify_checksum() {
            return Err(Error);
        }
        let bytes = packet.buffer.as_ref();
        let mut at = HEADER_LEN;
        let mut records = Vec::new();
        for _ in 0..packet.record_count() {
            let head = bytes.get(at..at + RECORD_LEN).ok_or(Error)?;
            let nsrc = usize::from(u16::from_be_bytes([head[2], head[3]]));
            let aux = usize::from(head[1]) * 4;
            let end = at + RECORD_LEN + nsrc * 4 + aux;
            let body = bytes.get(at + RECORD_LEN..end).ok_or(Error)?;
            let sources = body[..nsrc * 4].chunks_exact(4).map(|c| Ipv4Addr::new(c[0], c[1], c[2], c[3])).collect();
            let group = Ipv4Addr::new(head[4], head[5], head[6], head[7]);
            records.push(GroupRecord { kind: RecordType::from_code(head[0])?, group, sources });
            at = end;
        }
        Ok(Repr { records })
    }

    /// The length of the message [`Repr::emit`] writes.
    pub(crate) fn buffer_len(&self) -> usize {
        HEADER_LEN + self.records.iter().map(|r| RECORD_LEN + 4 * r.sources.len()).sum::<usize>()
    }

    /// Writes the message, checksum included, into a buffer of exactly [`Repr::buffer_len`]
    /// bytes. Counts beyond 65535 are cut to 65535.
    pub(crate) fn emit(&self, buf: &mut [u8]) {
        buf.fill(0);
        buf[field::TYPE] = TYPE_V3_REPORT;
        let n = u16::try_from(self.records.len()).unwrap_or(u16::MAX);
        buf[field::NRECORDS].copy_from_slice(&n.to_be_bytes());
        let mut at = HEADER_LEN;
        for r in &self.records {
            buf[at] = r.kind.code();
            let nsrc = u16::try_from(r.sources.len()).unwrap_or(u16::MAX);
            buf[at + 2..at + 4].copy_from_slice(&nsrc.to_be_bytes());
            buf[at + 4..at + 8].copy_from_slice(&r.group.octets());
            at += RECORD_LEN;
            for s in &r.sources {
                buf[at..at + 4].copy_from_slice(&s.octets());
                at += 4;
            }
        }
        let c = checksum::compute(buf);
        buf[field::CHECKSUM].copy_from_slice(&c.to_be_bytes());
    }
}

/// The IPv4 packet Linux sends a report in, from `src` (`igmpv3_newpack()`).
pub(crate) fn ipv4_report(src: Ipv4Addr, repr: &Repr) -> Vec<u8> {
    let header_len = ipv4::HEADER_LEN + ROUTER_ALERT.len();
    let mut buf = vec![0u8; header_len + repr.buffer_len()];
    let ip = ipv4::Repr {
        src,
        dst: ALL_V3_ROUTERS,
        protocol: IP_PROTO_IGMP,
        ttl: 1,
        ident: 0,
        tos: 0xc0,
        dont_frag: true,
        payload_len: buf.len() - ipv4::HEADER_LEN,
    };
    let mut packet = ipv4::Packet::new_unchecked(&mut buf[..]);
    ip.emit(&mut packet);
    packet.set_ihl(6);
    buf[ipv4::HEADER_LEN..header_len].copy_from_slice(&ROUTER_ALERT);
    ipv4::Packet::new_unchecked(&mut buf[..]).fill_checksum();
    repr.emit(&mut buf[header_len..]);
    buf
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A join of 224.0.0.18 from 172.2.20.101 as Linux 6.1 sends it (bytes checked field by
    /// field against RFC 3376 and `igmpv3_newpack()`, and dissected by tshark in
    /// `tests/integration/tshark.rs`).
    const JOIN: [u8; 40] = [
        0x46, 0xc0, 0x00, 0x28, 0x00, 0x00, 0x40, 0x00, 0x01, 0x02, 0x43, 0x92, 0xac, 0x02, 0x14, 0x65, 0xe0, 0x00, 0x00, 0x16, 0x94, 0x04,
        0x00, 0x00, // IPv4 with Router Alert
        0x22, 0x00, 0xf9, 0xeb, 0x00, 0x00, 0x00, 0x01, // v3 report, one record
        0x04, 0x00, 0x00, 0x00, 0xe0, 0x00, 0x00, 0x12, // CHANGE_TO_EXCLUDE 224.0.0.18, no source
    ];

    fn join() -> Repr {
        Repr { records: vec![GroupRecord { kind: RecordType::ChangeToExclude, group: Ipv4Addr::new(224, 0, 0, 18), sources: vec![] }] }
    }

    #[test]
    fn join_both_directions() {
        assert_eq!(ipv4_report(Ipv4Addr::new(172, 2, 20, 101), &join()), JOIN);
        let ip = ipv4::Packet::new_checked(&JOIN[..]).unwrap();
        assert!(ip.verify_checksum());
        assert_eq!((ip.header_len(), ip.ttl(), ip.tos(), ip.protocol()), (24, 1, 0xc0, IP_PROTO_IGMP));
        assert_eq!(Repr::parse(&Packet::new_checked(&JOIN[24..]).unwrap()), Ok(join()));
    }

    #[test]
    fn leave_and_sources_round_trip() {
        let repr = Repr {
            records: vec![
                GroupRecord { kind: RecordType::ChangeToInclude, group: Ipv4Addr::new(224, 0, 0, 18), sources: vec![] },
                GroupRecord {
                    kind: RecordType::ChangeToExclude,
                    group: Ipv4Addr::new(239, 1, 1, 1),
                    sources: vec![Ipv4Addr::new(10, 0, 0, 1)],
                },
            ],
        };
        let mut buf = vec![0u8; repr.buffer_len()];
        repr.emit(&mut buf);
        assert_eq!(buf[8], 3, "CHANGE_TO_INCLUDE is type 3");
        assert_eq!(Repr::parse(&Packet::new_checked(&buf[..]).unwrap()), Ok(repr));
    }

    #[test]
    fn truncated_or_corrupt_reports_are_errors() {
        let report = &JOIN[24..];
        for len in 0..report.len() {
            if let Ok(p) = Packet::new_checked(&report[..len]) {
                assert!(Repr::parse(&p).is_err(), "{len} bytes");
            }
        }
        let mut bad = report.to_vec();
        bad[12] ^= 1;
        assert!(Repr::parse(&Packet::new_checked(&bad[..]).unwrap()).is_err());
    }
}
