//! ICMP for IPv4 (RFC 792): the common header, the echo request/reply that `ping` sends and
//! reads, and the destination unreachable a host sends about a packet it refused.
//!
//! ```text
//! 0: type   1: code   2..4: checksum (over the whole message, RFC 1071)
//! 4..8: rest of header — for echo request (8) and reply (0): 4..6 identifier, 6..8 sequence;
//!       for destination unreachable (3): unused, zero (codes labsim sends)
//! 8..: data — for an error, the offending datagram from its IP header on
//! ```
//!
//! [`EchoRepr::parse`] judges only the type: like iputils' `ping4_parse_reply`, it looks at
//! neither the code of an echo reply nor the checksum (the caller can ask
//! `Packet::verify_checksum`, in the tests and the fuzzing build).

use super::checksum;
use super::{Error, Result};

/// Length of the ICMP header, rest-of-header word included.
pub(crate) const HEADER_LEN: usize = 8;
/// Type of an echo reply.
pub(crate) const TYPE_ECHO_REPLY: u8 = 0;
/// Type of an echo request.
pub(crate) const TYPE_ECHO_REQUEST: u8 = 8;
/// Type of a destination unreachable.
pub(crate) const TYPE_DEST_UNREACHABLE: u8 = 3;
/// Destination unreachable's code for "host administratively prohibited" (`ICMP_HOST_ANO`),
/// what `REJECT --reject-with icmp-host-prohibited` sends.
pub(crate) const CODE_HOST_PROHIBITED: u8 = 10;

/// Whether `icmp_type` is an error message (`icmp_pointers[type].error` in Linux's
/// `net/ipv4/icmp.c`): destination unreachable, source quench, redirect, time exceeded,
/// parameter problem.
pub(crate) fn is_error(icmp_type: u8) -> bool {
    matches!(icmp_type, 3 | 4 | 5 | 11 | 12)
}

mod field {
    use core::ops::Range;
    pub(super) const TYPE: usize = 0;
    pub(super) const CODE: usize = 1;
    pub(super) const CHECKSUM: Range<usize> = 2..4;
    pub(super) const ECHO_IDENT: Range<usize> = 4..6;
    pub(super) const ECHO_SEQNO: Range<usize> = 6..8;
    pub(super) const DATA: usize = 8;
}

/// A read/write view of an ICMPv4 message.
#[derive(Debug, Clone)]
pub(crate) struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps a buffer without checking its length; getters may then panic on short buffers.
    pub(crate) const fn new_unchecked(buffer: T) -> Packet<T> {
        Packet { buffer }
    }

    /// Wraps a buffer after [`Packet::check_len`].
    pub(crate) fn new_checked(buffer: T) -> Result<Packet<T>> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// Ok when the buffer holds the 8-byte header. The message is the whole buffer.
    pub(crate) fn check_len(&self) -> Result<()> {
        if self.buffer.as_ref().len() < HEADER_LEN { Err(Error) } else { Ok(()) }
    }

    fn u16_at(&self, at: usize) -> u16 {
        let d = self.buffer.as_ref();
        u16::from_be_bytes([d[at], d[at + 1]])
    }

    /// Message type.
    pub(crate) fn msg_type(&self) -> u8 {
        self.buffer.as_ref()[field::TYPE]
    }

    /// Message code.
    pub(crate) fn code(&self) -> u8 {
        self.buffer.as_ref()[field::CODE]
    }

    /// The checksum field.
    #[cfg(any(test, feature = "fuzzing"))]
    pub(crate) fn checksum(&self) -> u16 {
        self.u16_at(field::CHECKSUM.start)
    }

    /// Identifier of an echo request or reply.
    pub(crate) fn echo_ident(&self) -> u16 {
        self.u16_at(field::ECHO_IDENT.start)
    }

    /// Sequence number of an echo request or reply.
    pub(crate) fn echo_seq_no(&self) -> u16 {
        self.u16_at(field::ECHO_SEQNO.start)
    }

    /// Whether the checksum over the whole message is correct.
    #[cfg(any(test, feature = "fuzzing"))]
    pub(crate) fn verify_checksum(&self) -> bool {
        checksum::verify(self.buffer.as_ref())
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Packet<&'a T> {
    /// Everything after the 8-byte header (the echo data).
    pub(crate) fn data(&self) -> &'a [u8] {
        self.buffer.as_ref().get(field::DATA..).unwrap_or(&[])
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    fn set_u16_at(&mut self, at: usize, v: u16) {
        self.buffer.as_mut()[at..at + 2].copy_from_slice(&v.to_be_bytes());
    }

    /// Sets the message type.
    pub(crate) fn set_msg_type(&mut self, v: u8) {
        self.buffer.as_mut()[field::TYPE] = v;
    }

    /// Sets the message code.
    pub(crate) fn set_code(&mut self, v: u8) {
        self.buffer.as_mut()[field::CODE] = v;
    }

    /// Sets the checksum field.
    pub(crate) fn set_checksum(&mut self, v: u16) {
        self.set_u16_at(field::CHECKSUM.start, v);
    }

    /// Sets the echo identifier.
    pub(crate) fn set_echo_ident(&mut self, v: u16) {
        self.set_u16_at(field::ECHO_IDENT.start, v);
    }

    /// Sets the echo sequence number.
    pub(crate) fn set_echo_seq_no(&mut self, v: u16) {
        self.set_u16_at(field::ECHO_SEQNO.start, v);
    }

    /// Everything after the header, writable.
    pub(crate) fn data_mut(&mut self) -> &mut [u8] {
        &mut self.buffer.as_mut()[field::DATA..]
    }

    /// Computes the checksum over the whole buffer and writes it.
    pub(crate) fn fill_checksum(&mut self) {
        self.set_checksum(0);
        let c = checksum::compute(self.buffer.as_ref());
        self.set_checksum(c);
    }
}

/// Which echo message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Echo {
    /// Type 8.
    Request,
    /// Type 0.
    Reply,
}

/// An echo request or reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EchoRepr<'a> {
    /// Request or reply.
    pub kind: Echo,
    /// Identifier (ping uses its pid).
    pub ident: u16,
    /// Sequence number.
    pub seq_no: u16,
    /// The data after the header.
    pub data: &'a [u8],
}

impl<'a> EchoRepr<'a> {
    /// Parses an echo request or reply; Err for any other type. The code and the checksum are
    /// not judged.
    pub(crate) fn parse<T: AsRef<[u8]> + ?Sized>(packet: &Packet<&'a T>) -> Result<EchoRepr<'a>> {
        packet.check_len()?;
        let kind = match packet.msg_type() {
            TYPE_ECHO_REQUEST => Echo::Request,
            TYPE_ECHO_REPLY => Echo::Reply,
            _ => return Err(Error),
        };
        Ok(EchoRepr { kind, ident: packet.echo_ident(), seq_no: packet.echo_seq_no(), data: packet.data() })
    }

    /// The number of bytes [`EchoRepr::emit`] writes: the header and the data.
    pub(crate) const fn buffer_len(&self) -> usize {
        HEADER_LEN + self.data.len()
    }

    /// Writes the message, code 0 and checksum included, into `packet`, whose buffer must be
    /// exactly [`EchoRepr::buffer_len`] bytes long (the checksum covers the whole buffer).
    pub(crate) fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut Packet<T>) {
        packet.set_msg_type(match self.kind {
            Echo::Request => TYPE_ECHO_REQUEST,
            Echo::Reply => TYPE_ECHO_REPLY,
        });
        packet.set_code(0);
        packet.set_echo_ident(self.ident);
        packet.set_echo_seq_no(self.seq_no);
        packet.data_mut()[..self.data.len()].copy_from_slice(self.data);
        packet.fill_checksum();
    }

    /// The message as a fresh byte vector.
    pub(crate) fn to_bytes(self) -> Vec<u8> {
        let mut buf = vec![0u8; self.buffer_len()];
        self.emit(&mut Packet::new_unchecked(&mut buf[..]));
        buf
    }
}

/// A destination unreachable: its code and the quoted original datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DestUnreachableRepr<'a> {
    /// Why (3: port unreachable, 10: host administratively prohibited…).
    pub code: u8,
    /// The offending datagram from its IP header on, as much as the sender quoted.
    pub original: &'a [u8],
}

impl<'a> DestUnreachableRepr<'a> {
    /// Parses a destination unreachable; Err for any other type. The checksum is not judged.
    pub(crate) fn parse<T: AsRef<[u8]> + ?Sized>(packet: &Packet<&'a T>) -> Result<DestUnreachableRepr<'a>> {
        packet.check_len()?;
        if packet.msg_type() != TYPE_DEST_UNREACHABLE {
            return Err(Error);
        }
        Ok(DestUnreachableRepr { code: packet.code(), original: packet.data() })
    }

    /// The message as a fresh byte vector: header (rest of header zero), quote, checksum.
    pub(crate) fn to_bytes(self) -> Vec<u8> {
        let mut buf = vec![0u8; HEADER_LEN + self.original.len()];
        let mut p = Packet::new_unchecked(&mut buf[..]);
        p.set_msg_type(TYPE_DEST_UNREACHABLE);
        p.set_code(self.code);
        p.data_mut().copy_from_slice(self.original);
        p.fill_checksum();
        buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// iputils' default probe: id 0x1234, seq 1, 56 data bytes — the timeval (LE sec
    /// 1795536000, usec 5), then 0x10, 0x11, … 0x37.
    fn probe_bytes() -> Vec<u8> {
        let mut b = vec![0x08, 0x00, 0x00, 0x00, 0x12, 0x34, 0x00, 0x01];
        b.extend_from_slice(&1_795_536_000i64.to_le_bytes());
        b.extend_from_slice(&5i64.to_le_bytes());
        b.extend(0x10u8..0x38);
        let c = !checksum_by_hand(&b);
        b[2..4].copy_from_slice(&c.to_be_bytes());
        b
    }

    /// An independent one's-complement sum, to check the fixture's checksum.
    fn checksum_by_hand(b: &[u8]) -> u16 {
        let mut s: u32 = 0;
        for w in b.chunks(2) {
            s += u32::from(w[0]) << 8 | u32::from(*w.get(1).unwrap_or(&0));
            s = (s & 0xffff) + (s >> 16);
        }
        s as u16
    }

    /// An echo reply to identifier 0x1234, seq 2, with 8 data bytes; checksum 0x67aa.
    const SHORT_REPLY: [u8; 16] = [0x00, 0x00, 0x67, 0xaa, 0x12, 0x34, 0x00, 0x02, 0x80, 0xb4, 0x05, 0x6b, 0x00, 0x00, 0x00, 0x00];

    #[test]
    fn deconstruct() {
        let bytes = probe_bytes();
        let p = Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!((p.msg_type(), p.code(), p.echo_ident(), p.echo_seq_no()), (8, 0, 0x1234, 1));
        assert!(p.verify_checksum());
        let r = EchoRepr::parse(&p).unwrap();
        assert_eq!((r.kind, r.ident, r.seq_no, r.data.len()), (Echo::Request, 0x1234, 1, 56));
        assert_eq!(r.data, &bytes[8..]);
        let p = Packet::new_checked(&SHORT_REPLY[..]).unwrap();
        assert!(p.verify_checksum());
        assert_eq!(p.checksum(), 0x67aa);
        assert_eq!(EchoRepr::parse(&p).unwrap(), EchoRepr { kind: Echo::Reply, ident: 0x1234, seq_no: 2, data: &SHORT_REPLY[8..] });
    }

    #[test]
    fn construct() {
        let bytes = probe_bytes();
        let r = EchoRepr { kind: Echo::Request, ident: 0x1234, seq_no: 1, data: &bytes[8..] };
        assert_eq!(r.buffer_len(), 64);
        assert_eq!(r.to_bytes(), bytes);
        let reply = EchoRepr { kind: Echo::Reply, ident: 0x1234, seq_no: 2, data: &SHORT_REPLY[8..] };
        assert_eq!(reply.to_bytes(), SHORT_REPLY);
    }

    #[test]
    fn setters_and_checksum() {
        let mut b = SHORT_REPLY;
        let mut p = Packet::new_unchecked(&mut b[..]);
        p.set_msg_type(TYPE_ECHO_REQUEST);
        p.set_code(1);
        assert!(!p.verify_checksum());
        p.fill_checksum();
        assert!(p.verify_checksum());
        // The code is not judged; other types are refused.
        let r = EchoRepr::parse(&Packet::new_unchecked(&b[..])).unwrap();
        assert_eq!(r.kind, Echo::Request);
        b[0] = 3;
        assert!(EchoRepr::parse(&Packet::new_unchecked(&b[..])).is_err());
    }

    /// A host-prohibited error quoting a 28-byte UDP datagram (172.2.20.1:40000 → 172.2.20.21:111,
    /// no payload); checksum worked out by hand below.
    #[test]
    fn dest_unreachable_round_trip() {
        let quote: [u8; 28] = [0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0, 172, 2, 20, 1, 172, 2, 20, 21, 0x9c, 0x40, 0, 111, 0, 8, 0, 0];
        let bytes = DestUnreachableRepr { code: CODE_HOST_PROHIBITED, original: &quote }.to_bytes();
        assert_eq!(&bytes[..2], &[3, 10]);
        assert_eq!(&bytes[4..8], &[0, 0, 0, 0]);
        assert_eq!(&bytes[8..], &quote);
        let mut by_hand = bytes.clone();
        by_hand[2..4].copy_from_slice(&[0, 0]);
        assert_eq!(u16::from_be_bytes([bytes[2], bytes[3]]), !checksum_by_hand(&by_hand));
        let p = Packet::new_checked(&bytes[..]).unwrap();
        assert!(p.verify_checksum());
        assert_eq!(DestUnreachableRepr::parse(&p).unwrap(), DestUnreachableRepr { code: 10, original: &quote });
        assert!(DestUnreachableRepr::parse(&Packet::new_checked(&SHORT_REPLY[..]).unwrap()).is_err());
        assert!((0..=255).filter(|t| is_error(*t)).eq([3, 4, 5, 11, 12]));
    }

    #[test]
    fn bad_lengths_are_errors() {
        assert!(Packet::new_checked(&SHORT_REPLY[..7]).is_err());
        assert!(Packet::new_checked(&[][..]).is_err());
        assert!(EchoRepr::parse(&Packet::new_unchecked(&SHORT_REPLY[..4])).is_err());
        let bare = Packet::new_checked(&SHORT_REPLY[..8]).unwrap();
        assert_eq!(bare.data(), &[] as &[u8]);
        assert_eq!(EchoRepr::parse(&bare).unwrap().data, &[] as &[u8]);
    }
}
