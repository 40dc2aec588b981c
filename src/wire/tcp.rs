//! A view of the TCP header (RFC 9293 §3.1), for the host's kernel to peek at segments that
//! smoltcp will process (the ports, sequence numbers, header length and flags), and
//! [`Control`], the one kind of segment the kernel builds itself: the bare ACK a TIME-WAIT entry
//! answers a late FIN with (smoltcp builds every other segment).
//!
//! ```text
//! 0..2: source port   2..4: destination port   4..8: sequence   8..12: acknowledgment
//! 12: data offset<<4  13: flags (CWR ECE URG ACK PSH RST SYN FIN)   14..16: window
//! 16..18: checksum    18..20: urgent pointer   20..4·offset: options
//! ```
//!
//! [`Packet::check_len`] is smoltcp's: the buffer holds the header as its data offset
//! announces it, and the data offset is at least 5.

use super::{Error, Result};

/// Length of a header without options.
pub(crate) const HEADER_LEN: usize = 20;

mod field {
    use core::ops::Range;
    pub(super) const SRC_PORT: Range<usize> = 0..2;
    pub(super) const DST_PORT: Range<usize> = 2..4;
    pub(super) const SEQ: Range<usize> = 4..8;
    pub(super) const ACK: Range<usize> = 8..12;
    pub(super) const WINDOW: Range<usize> = 14..16;
    pub(super) const CHECKSUM: Range<usize> = 16..18;
    pub(super) const DATA_OFF: usize = 12;
    pub(super) const FLAGS: usize = 13;
}

const FLAG_FIN: u8 = 0x01;
const FLAG_SYN: u8 = 0x02;
const FLAG_RST: u8 = 0x04;
const FLAG_ACK: u8 = 0x10;
/// The flags of a bare acknowledgment.
pub(crate) const FLAGS_ACK: u8 = FLAG_ACK;

/// A read-only view of a TCP segment.
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

    /// Ok when the buffer holds the fixed header and the options its data offset announces.
    pub(crate) fn check_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        if len < HEADER_LEN || self.header_len() < HEADER_LEN || len < self.header_len() { Err(Error) } else { Ok(()) }
    }

    fn u16_at(&self, at: usize) -> u16 {
        let d = self.buffer.as_ref();
        u16::from_be_bytes([d[at], d[at + 1]])
    }

    fn flag(&self, flag: u8) -> bool {
        self.buffer.as_ref()[field::FLAGS] & flag != 0
    }

    /// Source port.
    pub(crate) fn src_port(&self) -> u16 {
        self.u16_at(field::SRC_PORT.start)
    }

    /// Destination port.
    pub(crate) fn dst_port(&self) -> u16 {
        self.u16_at(field::DST_PORT.start)
    }

    fn u32_at(&self, at: usize) -> u32 {
        let d = self.buffer.as_ref();
        u32::from_be_bytes([d[at], d[at + 1], d[at + 2], d[at + 3]])
    }

    /// Sequence number.
    pub(crate) fn seq_number(&self) -> u32 {
        self.u32_at(field::SEQ.start)
    }

    /// Acknowledgment number (meaningful when [`Packet::ack`]).
    pub(crate) fn ack_number(&self) -> u32 {
        self.u32_at(field::ACK.start)
    }

    /// The sequence space the segment occupies: its data, plus one for a SYN and one for a FIN.
    pub(crate) fn segment_len(&self) -> u32 {
        let data = self.buffer.as_ref().len().saturating_sub(self.header_len());
        u32::try_from(data).unwrap_or(u32::MAX).wrapping_add(u32::from(self.syn())).wrapping_add(u32::from(self.fin()))
    }

    /// Header length in bytes (data offset·4).
    pub(crate) fn header_len(&self) -> usize {
        usize::from(self.buffer.as_ref()[field::DATA_OFF] >> 4) * 4
    }

    /// SYN.
    pub(crate) fn syn(&self) -> bool {
        self.flag(FLAG_SYN)
    }

    /// ACK.
    pub(crate) fn ack(&self) -> bool {
        self.flag(FLAG_ACK)
    }

    /// FIN.
    pub(crate) fn fin(&self) -> bool {
        self.flag(FLAG_FIN)
    }

    /// RST.
    pub(crate) fn rst(&self) -> bool {
        self.flag(FLAG_RST)
    }
}

/// A segment without options or data (20 bytes), as the kernel answers for a TIME-WAIT
/// connection (`tcp_v4_timewait_ack` → `tcp_v4_send_ack`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Control {
    pub(crate) src_port: u16,
    pub(crate) dst_port: u16,
    pub(crate) seq: u32,
    pub(crate) ack: u32,
    /// Flag bits (byte 13), e.g. [`FLAGS_ACK`].
    pub(crate) flags: u8,
    pub(crate) window: u16,
}

impl Control {
    /// The segment's bytes with its checksum over the IPv4 pseudo-header of `src` → `dst`.
    pub(crate) fn to_bytes(self, src: std::net::Ipv4Addr, dst: std::net::Ipv4Addr) -> Vec<u8> {
        let mut seg = vec![0u8; HEADER_LEN];
        seg[field::SRC_PORT].copy_from_slice(&self.src_port.to_be_bytes());
        seg[field::DST_PORT].copy_from_slice(&self.dst_port.to_be_bytes());
        seg[field::SEQ].copy_from_slice(&self.seq.to_be_bytes());
        seg[field::ACK].copy_from_slice(&self.ack.to_be_bytes());
        seg[field::DATA_OFF] = 5 << 4;
        seg[field::FLAGS] = self.flags;
        seg[field::WINDOW].copy_from_slice(&self.window.to_be_bytes());
        let mut pseudo = Vec::with_capacity(12 + HEADER_LEN);
        pseudo.extend_from_slice(&src.octets());
        pseudo.extend_from_slice(&dst.octets());
        pseudo.extend_from_slice(&[0, super::ipv4::PROTO_TCP, 0, HEADER_LEN as u8]);
        pseudo.extend_from_slice(&seg);
        seg[field::CHECKSUM].copy_from_slice(&super::checksum::compute(&pseudo).to_be_bytes());
        seg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// curl's SYN from 172.2.20.1:40000 to port 80, with Linux's 20 bytes of options (MSS,
    /// SACK permitted, timestamps, NOP, window scale).
    const SYN: [u8; 40] = [
        0x9c, 0x40, 0x00, 0x50, 0x1a, 0x2b, 0x3c, 0x4d, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02, 0xfa, 0xf0, 0x00, 0x00, 0x00, 0x00, 0x02, 0x04,
        0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07,
    ];
    /// The server's FIN+ACK, no options.
    const FIN_ACK: [u8; 20] =
        [0x00, 0x50, 0x9c, 0x40, 0x00, 0x00, 0x00, 0x07, 0x1a, 0x2b, 0x3c, 0x4e, 0x50, 0x11, 0xfa, 0xf0, 0x00, 0x00, 0x00, 0x00];

    #[test]
    fn deconstruct() {
        let s = Packet::new_checked(&SYN[..]).unwrap();
        assert_eq!((s.src_port(), s.dst_port(), s.header_len()), (40000, 80, 40));
        assert_eq!((s.syn(), s.ack(), s.fin(), s.rst()), (true, false, false, false));
        let f = Packet::new_checked(&FIN_ACK[..]).unwrap();
        assert_eq!((f.src_port(), f.dst_port(), f.header_len()), (80, 40000, 20));
        assert_eq!((f.syn(), f.ack(), f.fin(), f.rst()), (false, true, true, false));
        let mut rst = FIN_ACK;
        rst[13] = 0x04;
        let r = Packet::new_checked(&rst[..]).unwrap();
        assert_eq!((r.syn(), r.ack(), r.fin(), r.rst()), (false, false, false, true));
    }

    #[test]
    fn sequence_numbers_and_length() {
        let s = Packet::new_checked(&SYN[..]).unwrap();
        assert_eq!((s.seq_number(), s.segment_len()), (0x1a2b_3c4d, 1));
        let f = Packet::new_checked(&FIN_ACK[..]).unwrap();
        assert_eq!((f.seq_number(), f.ack_number(), f.segment_len()), (7, 0x1a2b_3c4e, 1));
    }

    #[test]
    fn control_segment_round_trips_with_a_valid_checksum() {
        let (src, dst) = (std::net::Ipv4Addr::new(172, 2, 20, 1), std::net::Ipv4Addr::new(172, 2, 20, 100));
        let c = Control { src_port: 40000, dst_port: 80, seq: 0x1a2b_3c4e, ack: 8, flags: FLAGS_ACK, window: 16384 };
        let bytes = c.to_bytes(src, dst);
        let p = Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!((p.src_port(), p.dst_port(), p.seq_number(), p.ack_number()), (40000, 80, 0x1a2b_3c4e, 8));
        assert_eq!((p.syn(), p.ack(), p.fin(), p.rst(), p.segment_len()), (false, true, false, false, 0));
        let mut pseudo = [src.octets(), dst.octets()].concat();
        pseudo.extend_from_slice(&[0, 6, 0, 20]);
        pseudo.extend_from_slice(&bytes);
        assert!(crate::wire::checksum::verify(&pseudo));
    }

    #[test]
    fn bad_lengths_are_errors() {
        assert!(Packet::new_checked(&FIN_ACK[..19]).is_err());
        assert!(Packet::new_checked(&[][..]).is_err());
        assert!(Packet::new_checked(&SYN[..39]).is_err(), "options cut short");
        let mut short_offset = FIN_ACK;
        short_offset[12] = 0x40; // data offset 4: less than the fixed header
        assert!(Packet::new_checked(&short_offset[..]).is_err());
    }
}
