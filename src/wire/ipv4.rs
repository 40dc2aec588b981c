//! The IPv4 header (RFC 791 §3.1), for the packets labsim builds or inspects itself:
//! keepalived's adverts, ping's probes, `sendip`'s hand-made packets, and the host's L2 looking
//! at what arrives before smoltcp does.
//!
//! ```text
//! 0: version<<4 | IHL   1: TOS        2..4: total length
//! 4..6: identification  6..8: flags (reserved, DF, MF) << 13 | fragment offset
//! 8: TTL   9: protocol  10..12: header checksum
//! 12..16: source        16..20: destination      20..4·IHL: options
//! ```
//!
//! [`Packet`] has a getter and a setter for every field, so that a tool such as `sendip` can
//! write any value, however wrong. [`Packet::check_len`] is smoltcp's (`wire/ipv4.rs`): the
//! buffer holds the header and the total length, and the header fits in the total length; the
//! version and the checksum are left to the reader (or to `Repr::parse`, the tests' and the fuzz targets' reader). [`Dotted`] writes
//! an address as text the way the servers' logs do, cheaply.

use std::fmt;
use std::net::Ipv4Addr;

use super::checksum;
use super::{Error, Result};

/// An address in dotted-quad form, as `Ipv4Addr`'s `Display` writes it but without formatting
/// each octet through `core::fmt` (that costs about a thousand instructions; the servers write
/// an address or two per request, as `ngx_sock_ntop` and `apr_sockaddr_ip_get` do).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Dotted(pub(crate) Ipv4Addr);

impl Dotted {
    /// Appends the address to `out`, without going through `core::fmt` at all.
    pub(crate) fn push_onto(self, out: &mut String) {
        let (text, len) = self.digits();
        // Digits and dots only: always UTF-8.
        out.push_str(std::str::from_utf8(&text[..len]).unwrap_or_default());
    }

    /// The dotted-quad text, in a buffer, and its length.
    fn digits(self) -> ([u8; 15], usize) {
        let mut text = [0u8; 15];
        let mut len = 0;
        for (i, octet) in self.0.octets().into_iter().enumerate() {
            if i > 0 {
                text[len] = b'.';
                len += 1;
            }
            for (digit, shown) in [(octet / 100, octet >= 100), (octet / 10 % 10, octet >= 10), (octet % 10, true)] {
                if shown {
                    text[len] = b'0' + digit;
                    len += 1;
                }
            }
        }
        (text, len)
    }
}

impl fmt::Display for Dotted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if f.width().is_some() || f.precision().is_some() {
            return self.0.fmt(f);
        }
        let (text, len) = self.digits();
        f.write_str(std::str::from_utf8(&text[..len]).map_err(|_| fmt::Error)?)
    }
}

/// Length of a header without options.
pub(crate) const HEADER_LEN: usize = 20;
/// Protocol number of ICMP.
pub(crate) const PROTO_ICMP: u8 = 1;
/// Protocol number of TCP.
pub(crate) const PROTO_TCP: u8 = 6;
/// Protocol number of UDP.
pub(crate) const PROTO_UDP: u8 = 17;

mod field {
    use core::ops::Range;
    pub(super) const VER_IHL: usize = 0;
    pub(super) const TOS: usize = 1;
    pub(super) const LENGTH: Range<usize> = 2..4;
    pub(super) const IDENT: Range<usize> = 4..6;
    pub(super) const FLG_OFF: Range<usize> = 6..8;
    pub(super) const TTL: usize = 8;
    pub(super) const PROTOCOL: usize = 9;
    pub(super) const CHECKSUM: Range<usize> = 10..12;
    pub(super) const SRC: Range<usize> = 12..16;
    pub(super) const DST: Range<usize> = 16..20;
}

const FLAG_RESERVED: u16 = 0x8000;
const FLAG_DF: u16 = 0x4000;
const FLAG_MF: u16 = 0x2000;
const FRAG_OFFSET: u16 = 0x1fff;

/// A read/write view of an IPv4 packet.
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

    /// Ok when the buffer holds the whole header as the IHL announces it, and the IHL is at
    /// least 5. The total length is not compared with the buffer: for readers that judge it
    /// themselves (keepalived logs a mismatch). Every getter is then in bounds.
    pub(crate) fn check_header_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        if len < HEADER_LEN || self.header_len() < HEADER_LEN || len < self.header_len() { Err(Error) } else { Ok(()) }
    }

    /// [`Packet::check_header_len`], and the total length covers the header and fits in the
    /// buffer (which may be longer: Ethernet padding).
    pub(crate) fn check_len(&self) -> Result<()> {
        self.check_header_len()?;
        let total = usize::from(self.total_len());
        if total < self.header_len() || self.buffer.as_ref().len() < total { Err(Error) } else { Ok(()) }
    }

    fn u16_at(&self, at: usize) -> u16 {
        let d = self.buffer.as_ref();
        u16::from_be_bytes([d[at], d[at + 1]])
    }

    /// Version (high nibble of byte 0).
    pub(crate) fn version(&self) -> u8 {
        self.buffer.as_ref()[field::VER_IHL] >> 4
    }

    /// The IHL field: the header length in 32-bit words (low nibble of byte 0).
    pub(crate) fn ihl(&self) -> u8 {
        self.buffer.as_ref()[field::VER_IHL] & 0x0f
    }

    /// The header length in bytes (IHL·4).
    pub(crate) fn header_len(&self) -> usize {
        usize::from(self.ihl()) * 4
    }

    /// Type of service (DSCP and ECN).
    pub(crate) fn tos(&self) -> u8 {
        self.buffer.as_ref()[field::TOS]
    }

    /// Total length: header plus payload, in bytes.
    pub(crate) fn total_len(&self) -> u16 {
        self.u16_at(field::LENGTH.start)
    }

    /// Identification.
    pub(crate) fn ident(&self) -> u16 {
        self.u16_at(field::IDENT.start)
    }

    /// The reserved flag (bit 0 of the flags, must be zero).
    #[cfg(test)]
    pub(crate) fn reserved_flag(&self) -> bool {
        self.u16_at(field::FLG_OFF.start) & FLAG_RESERVED != 0
    }

    /// Don't Fragment.
    #[cfg(any(test, feature = "fuzzing"))]
    pub(crate) fn dont_frag(&self) -> bool {
        self.u16_at(field::FLG_OFF.start) & FLAG_DF != 0
    }

    /// More Fragments.
    #[cfg(any(test, feature = "fuzzing"))]
    pub(crate) fn more_frags(&self) -> bool {
        self.u16_at(field::FLG_OFF.start) & FLAG_MF != 0
    }

    /// Fragment offset, in units of 8 bytes.
    pub(crate) fn frag_offset(&self) -> u16 {
        self.u16_at(field::FLG_OFF.start) & FRAG_OFFSET
    }

    /// Time to live.
    pub(crate) fn ttl(&self) -> u8 {
        self.buffer.as_ref()[field::TTL]
    }

    /// Protocol number of the payload.
    pub(crate) fn protocol(&self) -> u8 {
        self.buffer.as_ref()[field::PROTOCOL]
    }

    /// The header checksum field.
    #[cfg(test)]
    pub(crate) fn checksum(&self) -> u16 {
        self.u16_at(field::CHECKSUM.start)
    }

    /// Source address.
    pub(crate) fn src_addr(&self) -> Ipv4Addr {
        let d = &self.buffer.as_ref()[field::SRC];
        Ipv4Addr::new(d[0], d[1], d[2], d[3])
    }

    /// Destination address.
    pub(crate) fn dst_addr(&self) -> Ipv4Addr {
        let d = &self.buffer.as_ref()[field::DST];
        Ipv4Addr::new(d[0], d[1], d[2], d[3])
    }

    /// Whether the header checksum (over IHL·4 bytes) is correct. False when the buffer is
    /// shorter than that.
    pub(crate) fn verify_checksum(&self) -> bool {
        self.buffer.as_ref().get(..self.header_len()).is_some_and(checksum::verify)
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Packet<&'a T> {
    /// The payload: from the end of the header to the total length (Ethernet padding after it
    /// is left out). Empty where those bounds do not fit the buffer.
    pub(crate) fn payload(&self) -> &'a [u8] {
        let data = self.buffer.as_ref();
        data.get(self.header_len()..usize::from(self.total_len())).unwrap_or(&[])
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    fn set_u16_at(&mut self, at: usize, v: u16) {
        self.buffer.as_mut()[at..at + 2].copy_from_slice(&v.to_be_bytes());
    }

    fn set_flag(&mut self, flag: u16, on: bool) {
        let v = self.u16_at(field::FLG_OFF.start);
        self.set_u16_at(field::FLG_OFF.start, if on { v | flag } else { v & !flag });
    }

    /// Sets the version (high nibble of byte 0; `v` is cut to 4 bits).
    pub(crate) fn set_version(&mut self, v: u8) {
        let b = &mut self.buffer.as_mut()[field::VER_IHL];
        *b = (*b & 0x0f) | (v << 4);
    }

    /// Sets the IHL field, in 32-bit words (low nibble of byte 0; `v` is cut to 4 bits).
    pub(crate) fn set_ihl(&mut self, v: u8) {
        let b = &mut self.buffer.as_mut()[field::VER_IHL];
        *b = (*b & 0xf0) | (v & 0x0f);
    }

    /// Sets the type of service.
    pub(crate) fn set_tos(&mut self, v: u8) {
        self.buffer.as_mut()[field::TOS] = v;
    }

    /// Sets the total length.
    pub(crate) fn set_total_len(&mut self, v: u16) {
        self.set_u16_at(field::LENGTH.start, v);
    }

    /// Sets the identification.
    pub(crate) fn set_ident(&mut self, v: u16) {
        self.set_u16_at(field::IDENT.start, v);
    }

    /// Sets the reserved flag.
    pub(crate) fn set_reserved_flag(&mut self, on: bool) {
        self.set_flag(FLAG_RESERVED, on);
    }

    /// Sets Don't Fragment.
    pub(crate) fn set_dont_frag(&mut self, on: bool) {
        self.set_flag(FLAG_DF, on);
    }

    /// Sets More Fragments.
    pub(crate) fn set_more_frags(&mut self, on: bool) {
        self.set_flag(FLAG_MF, on);
    }

    /// Sets the fragment offset (in units of 8 bytes; `v` is cut to 13 bits).
    pub(crate) fn set_frag_offset(&mut self, v: u16) {
        let flags = self.u16_at(field::FLG_OFF.start) & !FRAG_OFFSET;
        self.set_u16_at(field::FLG_OFF.start, flags | (v & FRAG_OFFSET));
    }

    /// Sets the time to live.
    pub(crate) fn set_ttl(&mut self, v: u8) {
        self.buffer.as_mut()[field::TTL] = v;
    }

    /// Sets the protocol number.
    pub(crate) fn set_protocol(&mut self, v: u8) {
        self.buffer.as_mut()[field::PROTOCOL] = v;
    }

    /// Sets the checksum field.
    pub(crate) fn set_checksum(&mut self, v: u16) {
        self.set_u16_at(field::CHECKSUM.start, v);
    }

    /// Sets the source address.
    pub(crate) fn set_src_addr(&mut self, a: Ipv4Addr) {
        self.buffer.as_mut()[field::SRC].copy_from_slice(&a.octets());
    }

    /// Sets the destination address.
    pub(crate) fn set_dst_addr(&mut self, a: Ipv4Addr) {
        self.buffer.as_mut()[field::DST].copy_from_slice(&a.octets());
    }

    /// Computes the checksum over the IHL·4 header bytes and writes it; the buffer must hold
    /// them.
    pub(crate) fn fill_checksum(&mut self) {
        self.set_checksum(0);
        let c = checksum::compute(&self.buffer.as_ref()[..self.header_len()]);
        self.set_checksum(c);
    }

    /// The payload, writable: from the end of the header to the total length, which must fit
    /// the buffer.
    pub(crate) fn payload_mut(&mut self) -> &mut [u8] {
        let range = self.header_len()..usize::from(self.total_len());
        &mut self.buffer.as_mut()[range]
    }
}

/// An IPv4 header without options, of an unfragmented packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Repr {
    /// Source address.
    pub src: Ipv4Addr,
    /// Destination address.
    pub dst: Ipv4Addr,
    /// Protocol number of the payload.
    pub protocol: u8,
    /// Time to live.
    pub ttl: u8,
    /// Identification.
    pub ident: u16,
    /// Type of service.
    pub tos: u8,
    /// Don't Fragment.
    pub dont_frag: bool,
    /// Length of the payload in bytes.
    pub payload_len: usize,
}

impl Repr {
    /// Parses a packet; Err unless it is version 4 with a correct header checksum and is not a
    /// fragment. Options are skipped (`payload_len` counts from the end of the header).
    #[cfg(any(test, feature = "fuzzing"))]
    pub(crate) fn parse<T: AsRef<[u8]>>(packet: &Packet<T>) -> Result<Repr> {
        packet.check_len()?;
        if packet.version() != 4 || !packet.verify_checksum() || packet.more_frags() || packet.frag_offset() != 0 {
            return Err(Error);
        }
        Ok(Repr {
            src: packet.src_addr(),
            dst: packet.dst_addr(),
            protocol: packet.protocol(),
            ttl: packet.ttl(),
            ident: packet.ident(),
            tos: packet.tos(),
            dont_frag: packet.dont_frag(),
            payload_len: usize::from(packet.total_len()) - packet.header_len(),
        })
    }

    /// The number of header bytes [`Repr::emit`] writes (the payload follows them).
    pub(crate) const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }

    /// Writes the header, checksum included, into `packet`, whose buffer must be at least
    /// [`Repr::buffer_len`] bytes long. A `payload_len` too large for the total length field
    /// writes 65535.
    pub(crate) fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut Packet<T>) {
        let total = u16::try_from(HEADER_LEN + self.payload_len).unwrap_or(u16::MAX);
        packet.set_version(4);
        packet.set_ihl(5);
        packet.set_tos(self.tos);
        packet.set_total_len(total);
        packet.set_ident(self.ident);
        packet.set_u16_at(field::FLG_OFF.start, if self.dont_frag { FLAG_DF } else { 0 });
        packet.set_ttl(self.ttl);
        packet.set_protocol(self.protocol);
        packet.set_src_addr(self.src);
        packet.set_dst_addr(self.dst);
        packet.fill_checksum();
    }

    /// The whole packet: this header followed by `payload` (whose length should be
    /// `payload_len`).
    pub(crate) fn to_packet(self, payload: &[u8]) -> Vec<u8> {
        let mut buf = vec![0u8; HEADER_LEN + payload.len()];
        self.emit(&mut Packet::new_unchecked(&mut buf[..]));
        buf[HEADER_LEN..].copy_from_slice(payload);
        buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: Ipv4Addr = Ipv4Addr::new(172, 2, 20, 1);
    const DST: Ipv4Addr = Ipv4Addr::new(172, 2, 20, 100);

    #[test]
    fn dotted_writes_what_display_writes() {
        for ip in [SRC, DST, Ipv4Addr::UNSPECIFIED, Ipv4Addr::BROADCAST, Ipv4Addr::new(10, 0, 99, 109)] {
            assert_eq!(Dotted(ip).to_string(), ip.to_string());
            assert_eq!(format!("[{:>16}]", Dotted(ip)), format!("[{ip:>16}]"));
        }
    }

    /// ping's probe as the host sends it: DF, TTL 64, ICMP, ID = sequence 1, with an 8-byte
    /// echo request (id 0x1234, seq 1, no data) as payload.
    const PROBE: [u8; 28] = [
        0x45, 0x00, 0x00, 0x1c, 0x00, 0x01, 0x40, 0x00, 0x40, 0x01, 0xba, 0x76, 0xac, 0x02, 0x14, 0x01, 0xac, 0x02, 0x14, 0x64, 0x08, 0x00,
        0xe5, 0xca, 0x12, 0x34, 0x00, 0x01,
    ];

    fn probe_repr() -> Repr {
        Repr { src: SRC, dst: DST, protocol: PROTO_ICMP, ttl: 64, ident: 1, tos: 0, dont_frag: true, payload_len: 8 }
    }

    #[test]
    fn deconstruct() {
        let p = Packet::new_checked(&PROBE[..]).unwrap();
        assert_eq!((p.version(), p.ihl(), p.header_len(), p.tos(), p.total_len()), (4, 5, 20, 0, 28));
        assert_eq!((p.ident(), p.reserved_flag(), p.dont_frag(), p.more_frags(), p.frag_offset()), (1, false, true, false, 0));
        assert_eq!((p.ttl(), p.protocol(), p.checksum()), (64, PROTO_ICMP, 0xba76));
        assert_eq!((p.src_addr(), p.dst_addr()), (SRC, DST));
        assert!(p.verify_checksum());
        assert_eq!(p.payload(), &PROBE[20..]);
        assert_eq!(Repr::parse(&p).unwrap(), probe_repr());
    }

    #[test]
    fn construct() {
        assert_eq!(probe_repr().to_packet(&PROBE[20..]), PROBE);
        let mut buf = [0u8; 28];
        let mut p = Packet::new_unchecked(&mut buf[..]);
        probe_repr().emit(&mut p);
        p.payload_mut().copy_from_slice(&PROBE[20..]);
        assert_eq!(buf, PROBE);
        assert_eq!(probe_repr().buffer_len(), HEADER_LEN);
    }

    #[test]
    fn every_field_by_setters() {
        // sendip -iv 6 -ih 6 -iy 0xb8 -il 999 -ii 0xbeef -ifr 1 -ifm 1 -if 0x1abc -it 3 -ip 99 -ic 0x1234
        let mut buf = [0u8; 20];
        let mut p = Packet::new_unchecked(&mut buf[..]);
        p.set_version(6);
        p.set_ihl(6);
        p.set_tos(0xb8);
        p.set_total_len(999);
        p.set_ident(0xbeef);
        p.set_reserved_flag(true);
        p.set_dont_frag(false);
        p.set_more_frags(true);
        p.set_frag_offset(0x1abc);
        p.set_ttl(3);
        p.set_protocol(99);
        p.set_checksum(0x1234);
        p.set_src_addr(SRC);
        p.set_dst_addr(DST);
        let want = [0x66, 0xb8, 0x03, 0xe7, 0xbe, 0xef, 0xba, 0xbc, 0x03, 0x63, 0x12, 0x34, 0xac, 0x02, 0x14, 0x01, 0xac, 0x02, 0x14, 0x64];
        assert_eq!(buf, want);
        let p = Packet::new_unchecked(&buf[..]);
        assert_eq!(
            (p.version(), p.ihl(), p.reserved_flag(), p.dont_frag(), p.more_frags(), p.frag_offset()),
            (6, 6, true, false, true, 0x1abc)
        );
        // Flags and offset are independent: clearing one keeps the others.
        let mut buf2 = buf;
        let mut p = Packet::new_unchecked(&mut buf2[..]);
        p.set_reserved_flag(false);
        p.set_dont_frag(true);
        assert_eq!((p.reserved_flag(), p.dont_frag(), p.more_frags(), p.frag_offset()), (false, true, true, 0x1abc));
    }

    #[test]
    fn padding_is_not_payload() {
        let mut padded = PROBE.to_vec();
        padded.extend_from_slice(&[0; 18]);
        let p = Packet::new_checked(&padded[..]).unwrap();
        assert_eq!(p.payload(), &PROBE[20..]);
        assert_eq!(Repr::parse(&p).unwrap().payload_len, 8);
    }

    #[test]
    fn options_are_skipped() {
        // IHL 6: one 4-byte option (NOPs), total length 32.
        let mut with_opt = vec![0x46, 0x00, 0x00, 0x20, 0x00, 0x01, 0x40, 0x00, 0x40, 0x01, 0, 0];
        with_opt.extend_from_slice(&PROBE[12..20]);
        with_opt.extend_from_slice(&[1, 1, 1, 1]);
        with_opt.extend_from_slice(&PROBE[20..]);
        Packet::new_unchecked(&mut with_opt[..]).fill_checksum();
        let p = Packet::new_checked(&with_opt[..]).unwrap();
        assert!(p.verify_checksum());
        assert_eq!(p.payload(), &PROBE[20..]);
        assert_eq!(Repr::parse(&p).unwrap(), probe_repr());
    }

    #[test]
    fn bad_lengths_are_errors() {
        assert!(Packet::new_checked(&PROBE[..19]).is_err());
        assert!(Packet::new_checked(&PROBE[..27]).is_err(), "shorter than the total length");
        assert!(Packet::new_checked(&[][..]).is_err());
        let mut b = PROBE;
        b[0] = 0x44; // IHL 4: shorter than the fixed header
        assert!(Packet::new_checked(&b[..]).is_err());
        b[0] = 0x48; // IHL 8: 32 bytes of header in a 28-byte buffer
        assert!(Packet::new_unchecked(&b[..]).check_header_len().is_err());
        assert!(!Packet::new_unchecked(&b[..]).verify_checksum());
        let mut b = PROBE;
        b[3] = 19; // total length shorter than the header
        assert!(Packet::new_checked(&b[..]).is_err());
        assert!(Packet::new_unchecked(&b[..]).check_header_len().is_ok(), "the header alone is whole");
        assert_eq!(Packet::new_unchecked(&b[..]).payload(), &[] as &[u8]);
        assert!(Repr::parse(&Packet::new_unchecked(&PROBE[..10])).is_err());
    }

    #[test]
    fn repr_refuses_other_versions_bad_sums_and_fragments() {
        let mut v6 = PROBE;
        v6[0] = 0x65;
        assert!(Packet::new_checked(&v6[..]).is_ok(), "check_len does not judge the version");
        let mut p = Packet::new_unchecked(&mut v6[..]);
        p.fill_checksum();
        assert!(Repr::parse(&Packet::new_unchecked(&v6[..])).is_err());
        let mut bad_sum = PROBE;
        bad_sum[8] = 63;
        assert!(!Packet::new_checked(&bad_sum[..]).unwrap().verify_checksum());
        assert!(Repr::parse(&Packet::new_checked(&bad_sum[..]).unwrap()).is_err());
        let mut frag = PROBE;
        let mut p = Packet::new_unchecked(&mut frag[..]);
        p.set_more_frags(true);
        p.fill_checksum();
        assert!(Repr::parse(&Packet::new_unchecked(&frag[..])).is_err());
    }
}
