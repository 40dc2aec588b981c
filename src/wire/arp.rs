//! ARP for IPv4 over Ethernet (RFC 826): the only hardware/protocol pair labsim's hosts speak.
//!
//! ```text
//! 0..2: hardware type (1)   2..4: protocol type (0x0800)   4: hw len (6)   5: proto len (4)
//! 6..8: operation           8..14: sender MAC   14..18: sender IPv4
//! 18..24: target MAC        24..28: target IPv4
//! ```
//!
//! [`Packet::check_len`] only asks for the 28 bytes of this layout; [`Repr::parse`] then refuses
//! any other hardware or protocol type or address length. An operation other than request or
//! reply parses (as [`Operation::Unknown`]) so that the receiver can ignore it quietly, as
//! Linux does, rather than count it as malformed.

use std::net::Ipv4Addr;

use super::ethernet;
use super::{Error, Result};

/// Length of an Ethernet/IPv4 ARP packet.
pub(crate) const PACKET_LEN: usize = 28;
/// Length of an Ethernet frame carrying one, without padding.
pub(crate) const FRAME_LEN: usize = ethernet::HEADER_LEN + PACKET_LEN;

const HTYPE_ETHERNET: u16 = 1;

mod field {
    use core::ops::Range;
    pub(super) const HTYPE: Range<usize> = 0..2;
    pub(super) const PTYPE: Range<usize> = 2..4;
    pub(super) const HLEN: usize = 4;
    pub(super) const PLEN: usize = 5;
    pub(super) const OPER: Range<usize> = 6..8;
    pub(super) const SHA: Range<usize> = 8..14;
    pub(super) const SPA: Range<usize> = 14..18;
    pub(super) const THA: Range<usize> = 18..24;
    pub(super) const TPA: Range<usize> = 24..28;
}

/// The ARP operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// 1: who has `tpa`?
    Request,
    /// 2: `spa` is at `sha`.
    Reply,
    /// Anything else (RARP and friends), as received.
    Unknown(u16),
}

impl From<u16> for Operation {
    fn from(code: u16) -> Operation {
        match code {
            1 => Operation::Request,
            2 => Operation::Reply,
            other => Operation::Unknown(other),
        }
    }
}

impl From<Operation> for u16 {
    fn from(op: Operation) -> u16 {
        match op {
            Operation::Request => 1,
            Operation::Reply => 2,
            Operation::Unknown(code) => code,
        }
    }
}

/// A read/write view of an Ethernet/IPv4 ARP packet.
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

    /// Ok when the buffer holds the 28 bytes of the Ethernet/IPv4 layout (trailing padding is
    /// allowed).
    pub(crate) fn check_len(&self) -> Result<()> {
        if self.buffer.as_ref().len() < PACKET_LEN { Err(Error) } else { Ok(()) }
    }

    fn u16_at(&self, at: usize) -> u16 {
        let d = self.buffer.as_ref();
        u16::from_be_bytes([d[at], d[at + 1]])
    }

    /// Hardware type (1 for Ethernet).
    pub(crate) fn hardware_type(&self) -> u16 {
        self.u16_at(field::HTYPE.start)
    }

    /// Protocol type (0x0800 for IPv4).
    pub(crate) fn protocol_type(&self) -> u16 {
        self.u16_at(field::PTYPE.start)
    }

    /// Hardware address length (6).
    pub(crate) fn hardware_len(&self) -> u8 {
        self.buffer.as_ref()[field::HLEN]
    }

    /// Protocol address length (4).
    pub(crate) fn protocol_len(&self) -> u8 {
        self.buffer.as_ref()[field::PLEN]
    }

    /// The operation.
    pub(crate) fn operation(&self) -> Operation {
        Operation::from(self.u16_at(field::OPER.start))
    }

    /// Sender hardware address.
    pub(crate) fn sha(&self) -> [u8; 6] {
        let mut out = [0u8; 6];
        out.copy_from_slice(&self.buffer.as_ref()[field::SHA]);
        out
    }

    /// Sender protocol address.
    pub(crate) fn spa(&self) -> Ipv4Addr {
        ipv4_at(self.buffer.as_ref(), field::SPA.start)
    }

    /// Target hardware address.
    pub(crate) fn tha(&self) -> [u8; 6] {
        let mut out = [0u8; 6];
        out.copy_from_slice(&self.buffer.as_ref()[field::THA]);
        out
    }

    /// Target protocol address.
    pub(crate) fn tpa(&self) -> Ipv4Addr {
        ipv4_at(self.buffer.as_ref(), field::TPA.start)
    }
}

fn ipv4_at(d: &[u8], at: usize) -> Ipv4Addr {
    Ipv4Addr::new(d[at], d[at + 1], d[at + 2], d[at + 3])
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Sets the hardware type.
    pub(crate) fn set_hardware_type(&mut self, v: u16) {
        self.buffer.as_mut()[field::HTYPE].copy_from_slice(&v.to_be_bytes());
    }

    /// Sets the protocol type.
    pub(crate) fn set_protocol_type(&mut self, v: u16) {
        self.buffer.as_mut()[field::PTYPE].copy_from_slice(&v.to_be_bytes());
    }

    /// Sets the hardware address length.
    pub(crate) fn set_hardware_len(&mut self, v: u8) {
        self.buffer.as_mut()[field::HLEN] = v;
    }

    /// Sets the protocol address length.
    pub(crate) fn set_protocol_len(&mut self, v: u8) {
        self.buffer.as_mut()[field::PLEN] = v;
    }

    /// Sets the operation.
    pub(crate) fn set_operation(&mut self, op: Operation) {
        self.buffer.as_mut()[field::OPER].copy_from_slice(&u16::from(op).to_be_bytes());
    }

    /// Sets the sender hardware address.
    pub(crate) fn set_sha(&mut self, mac: [u8; 6]) {
        self.buffer.as_mut()[field::SHA].copy_from_slice(&mac);
    }

    /// Sets the sender protocol address.
    pub(crate) fn set_spa(&mut self, ip: Ipv4Addr) {
        self.buffer.as_mut()[field::SPA].copy_from_slice(&ip.octets());
    }

    /// Sets the target hardware address.
    pub(crate) fn set_tha(&mut self, mac: [u8; 6]) {
        self.buffer.as_mut()[field::THA].copy_from_slice(&mac);
    }

    /// Sets the target protocol address.
    pub(crate) fn set_tpa(&mut self, ip: Ipv4Addr) {
        self.buffer.as_mut()[field::TPA].copy_from_slice(&ip.octets());
    }
}

/// An Ethernet/IPv4 ARP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Repr {
    /// The operation.
    pub op: Operation,
    /// Sender hardware address.
    pub sha: [u8; 6],
    /// Sender protocol address.
    pub spa: Ipv4Addr,
    /// Target hardware address.
    pub tha: [u8; 6],
    /// Target protocol address.
    pub tpa: Ipv4Addr,
}

impl Repr {
    /// Parses a packet; Err unless it is Ethernet/IPv4 ARP with 6- and 4-byte addresses.
    pub(crate) fn parse<T: AsRef<[u8]>>(packet: &Packet<T>) -> Result<Repr> {
        packet.check_len()?;
        if packet.hardware_type() != HTYPE_ETHERNET
            || packet.protocol_type() != ethernet::ETHERTYPE_IPV4
            || packet.hardware_len() != 6
            || packet.protocol_len() != 4
        {
            return Err(Error);
        }
        Ok(Repr { op: packet.operation(), sha: packet.sha(), spa: packet.spa(), tha: packet.tha(), tpa: packet.tpa() })
    }

    /// The number of bytes [`Repr::emit`] writes.
    #[cfg(test)]
    pub(crate) const fn buffer_len(&self) -> usize {
        PACKET_LEN
    }

    /// Writes the packet into `packet`, whose buffer must be at least [`PACKET_LEN`] bytes long.
    pub(crate) fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut Packet<T>) {
        packet.set_hardware_type(HTYPE_ETHERNET);
        packet.set_protocol_type(ethernet::ETHERTYPE_IPV4);
        packet.set_hardware_len(6);
        packet.set_protocol_len(4);
        packet.set_operation(self.op);
        packet.set_sha(self.sha);
        packet.set_spa(self.spa);
        packet.set_tha(self.tha);
        packet.set_tpa(self.tpa);
    }

    /// The whole 42-byte Ethernet frame carrying this packet from `sha` to `dst` (no padding).
    pub(crate) fn to_frame(self, dst: [u8; 6]) -> Vec<u8> {
        let mut buf = vec![0u8; FRAME_LEN];
        let mut frame = ethernet::Frame::new_unchecked(&mut buf[..]);
        ethernet::Repr { dst, src: self.sha, ethertype: ethernet::ETHERTYPE_ARP }.emit(&mut frame);
        self.emit(&mut Packet::new_unchecked(frame.payload_mut()));
        buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAC_A: [u8; 6] = [0x02, 0x00, 0x00, 0x00, 0x00, 0x0a];
    const MAC_B: [u8; 6] = [0x02, 0x00, 0x00, 0x00, 0x00, 0x0b];
    const IP_A: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 10);
    const IP_B: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 11);

    /// Who has 10.0.0.11? Tell 10.0.0.10 — a broadcast frame, target MAC zero (Linux's probe).
    const REQUEST_FRAME: [u8; 42] = [
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,
        0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x0a, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x0b,
    ];
    /// 10.0.0.11 is at 02:00:00:00:00:0b — the unicast answer.
    const REPLY: [u8; 28] = [
        0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x0a, 0x00, 0x00, 0x0b, 0x02, 0x00, 0x00, 0x00,
        0x00, 0x0a, 0x0a, 0x00, 0x00, 0x0a,
    ];

    fn request() -> Repr {
        Repr { op: Operation::Request, sha: MAC_A, spa: IP_A, tha: [0; 6], tpa: IP_B }
    }

    fn reply() -> Repr {
        Repr { op: Operation::Reply, sha: MAC_B, spa: IP_B, tha: MAC_A, tpa: IP_A }
    }

    #[test]
    fn deconstruct() {
        let eth = ethernet::Frame::new_checked(&REQUEST_FRAME[..]).unwrap();
        assert_eq!(eth.ethertype(), ethernet::ETHERTYPE_ARP);
        let p = Packet::new_checked(eth.payload()).unwrap();
        assert_eq!((p.hardware_type(), p.protocol_type(), p.hardware_len(), p.protocol_len()), (1, 0x0800, 6, 4));
        assert_eq!(Repr::parse(&p).unwrap(), request());
        assert_eq!(Repr::parse(&Packet::new_checked(&REPLY[..]).unwrap()).unwrap(), reply());
    }

    #[test]
    fn construct() {
        assert_eq!(request().to_frame(ethernet::BROADCAST), REQUEST_FRAME);
        let mut buf = [0u8; PACKET_LEN];
        reply().emit(&mut Packet::new_unchecked(&mut buf[..]));
        assert_eq!(buf, REPLY);
        assert_eq!(reply().buffer_len(), REPLY.len());
    }

    #[test]
    fn padding_is_ignored() {
        let mut padded = REPLY.to_vec();
        padded.extend_from_slice(&[0; 18]);
        assert_eq!(Repr::parse(&Packet::new_checked(&padded[..]).unwrap()).unwrap(), reply());
    }

    #[test]
    fn unknown_operation_parses() {
        let mut rarp = REPLY;
        rarp[7] = 3;
        let r = Repr::parse(&Packet::new_checked(&rarp[..]).unwrap()).unwrap();
        assert_eq!(r.op, Operation::Unknown(3));
        let mut buf = [0u8; PACKET_LEN];
        r.emit(&mut Packet::new_unchecked(&mut buf[..]));
        assert_eq!(buf, rarp);
    }

    #[test]
    fn bad_lengths_and_types_are_errors() {
        assert!(Packet::new_checked(&REPLY[..27]).is_err());
        assert!(Packet::new_checked(&[][..]).is_err());
        assert!(Repr::parse(&Packet::new_unchecked(&REPLY[..8])).is_err());
        for (at, value) in [(1, 6), (2, 0x86), (4, 8), (5, 16)] {
            let mut other = REPLY;
            other[at] = value;
            assert!(Repr::parse(&Packet::new_checked(&other[..]).unwrap()).is_err(), "byte {at} = {value}");
        }
    }
}
