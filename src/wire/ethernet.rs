//! Ethernet II frames (IEEE 802.3 with an EtherType, RFC 894): destination and source MAC, the
//! EtherType, then the payload. No FCS and no padding: labsim's NICs hand whole frames to the
//! fabric, and the pcap captures show them as a Linux capture on the sending host would.
//!
//! Also here: the Ethernet group address of an IPv4 multicast group (RFC 1112 §6.4), and
//! [`ipv4_frame`], which frames an IPv4 packet inside its own buffer (the host's hot path).
//!
//! ```text
//! 0..6: destination MAC   6..12: source MAC   12..14: EtherType   14..: payload
//! ```

use std::net::Ipv4Addr;

use super::{Error, Result};

/// Length of the Ethernet II header.
pub(crate) const HEADER_LEN: usize = 14;
/// The broadcast address, ff:ff:ff:ff:ff:ff.
pub(crate) const BROADCAST: [u8; 6] = [0xff; 6];
/// EtherType of IPv4 (RFC 894).
pub(crate) const ETHERTYPE_IPV4: u16 = 0x0800;
/// EtherType of ARP (RFC 826).
pub(crate) const ETHERTYPE_ARP: u16 = 0x0806;

mod field {
    use core::ops::Range;
    pub(super) const DST: Range<usize> = 0..6;
    pub(super) const SRC: Range<usize> = 6..12;
    pub(super) const ETHERTYPE: Range<usize> = 12..14;
    pub(super) const PAYLOAD: usize = 14;
}

/// The Ethernet multicast address of IPv4 group `group` (RFC 1112 §6.4): 01:00:5e followed by
/// the low 23 bits of the group address.
pub(crate) fn multicast_mac(group: Ipv4Addr) -> [u8; 6] {
    let o = group.octets();
    [0x01, 0x00, 0x5e, o[1] & 0x7f, o[2], o[3]]
}

/// A read/write view of an Ethernet II frame.
#[derive(Debug, Clone)]
pub(crate) struct Frame<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Frame<T> {
    /// Wraps a buffer without checking its length; getters may then panic on short buffers.
    pub(crate) const fn new_unchecked(buffer: T) -> Frame<T> {
        Frame { buffer }
    }

    /// Wraps a buffer after [`Frame::check_len`].
    pub(crate) fn new_checked(buffer: T) -> Result<Frame<T>> {
        let frame = Self::new_unchecked(buffer);
        frame.check_len()?;
        Ok(frame)
    }

    /// Ok when the buffer holds the whole header.
    pub(crate) fn check_len(&self) -> Result<()> {
        if self.buffer.as_ref().len() < HEADER_LEN { Err(Error) } else { Ok(()) }
    }

    /// The destination MAC.
    pub(crate) fn dst_addr(&self) -> [u8; 6] {
        mac(&self.buffer.as_ref()[field::DST])
    }

    /// The source MAC.
    #[cfg(any(test, feature = "fuzzing"))]
    pub(crate) fn src_addr(&self) -> [u8; 6] {
        mac(&self.buffer.as_ref()[field::SRC])
    }

    /// The EtherType.
    pub(crate) fn ethertype(&self) -> u16 {
        let d = self.buffer.as_ref();
        u16::from_be_bytes([d[field::ETHERTYPE.start], d[field::ETHERTYPE.start + 1]])
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Frame<&'a T> {
    /// Everything after the header (with any padding the sender added).
    pub(crate) fn payload(&self) -> &'a [u8] {
        &self.buffer.as_ref()[field::PAYLOAD..]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Frame<T> {
    /// Sets the destination MAC.
    pub(crate) fn set_dst_addr(&mut self, addr: [u8; 6]) {
        self.buffer.as_mut()[field::DST].copy_from_slice(&addr);
    }

    /// Sets the source MAC.
    pub(crate) fn set_src_addr(&mut self, addr: [u8; 6]) {
        self.buffer.as_mut()[field::SRC].copy_from_slice(&addr);
    }

    /// Sets the EtherType.
    pub(crate) fn set_ethertype(&mut self, ethertype: u16) {
        self.buffer.as_mut()[field::ETHERTYPE].copy_from_slice(&ethertype.to_be_bytes());
    }

    /// Everything after the header, writable.
    pub(crate) fn payload_mut(&mut self) -> &mut [u8] {
        &mut self.buffer.as_mut()[field::PAYLOAD..]
    }
}

/// A MAC address as `ip link` prints it: `aa:bb:cc:dd:ee:ff`.
pub(crate) fn format_mac(mac: [u8; 6]) -> String {
    let [a, b, c, d, e, f] = mac;
    format!("{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{f:02x}")
}

fn mac(bytes: &[u8]) -> [u8; 6] {
    let mut out = [0u8; 6];
    out.copy_from_slice(bytes);
    out
}

/// An Ethernet II header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Repr {
    /// Destination MAC.
    pub dst: [u8; 6],
    /// Source MAC.
    pub src: [u8; 6],
    /// EtherType of the payload.
    pub ethertype: u16,
}

impl Repr {
    /// Reads the header of a frame.
    #[cfg(any(test, feature = "fuzzing"))]
    pub(crate) fn parse<T: AsRef<[u8]>>(frame: &Frame<T>) -> Result<Repr> {
        frame.check_len()?;
        Ok(Repr { dst: frame.dst_addr(), src: frame.src_addr(), ethertype: frame.ethertype() })
    }

    /// The number of bytes [`Repr::emit`] writes: the header only.
    #[cfg(test)]
    pub(crate) const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }

    /// Writes the header into `frame`, whose buffer must be at least [`HEADER_LEN`] bytes long;
    /// the payload is left as it is.
    pub(crate) fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, frame: &mut Frame<T>) {
        frame.set_dst_addr(self.dst);
        frame.set_src_addr(self.src);
        frame.set_ethertype(self.ethertype);
    }
}

/// Frames an IPv4 packet in place: the packet moves up by [`HEADER_LEN`] bytes within its own
/// buffer (no reallocation when the vector has room for 14 more bytes, as the host's packets
/// have) and the header from `src` to `dst` goes in front.
pub(crate) fn ipv4_frame(mut packet: Vec<u8>, dst: [u8; 6], src: [u8; 6]) -> Vec<u8> {
    let len = packet.len();
    packet.resize(len + HEADER_LEN, 0);
    packet.copy_within(0..len, HEADER_LEN);
    Repr { dst, src, ethertype: ETHERTYPE_IPV4 }.emit(&mut Frame::new_unchecked(&mut packet[..]));
    packet
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The head of keepalived's advertisement frame (spec-vrrp §1.3): to 224.0.0.18's group
    /// address from 0a:5e:57:3c:38:3b, IPv4, then the first bytes of the IP header.
    const ADVERT_FRAME: [u8; 18] =
        [0x01, 0x00, 0x5e, 0x00, 0x00, 0x12, 0x0a, 0x5e, 0x57, 0x3c, 0x38, 0x3b, 0x08, 0x00, 0x45, 0xc0, 0x00, 0x28];
    const MAC: [u8; 6] = [0x0a, 0x5e, 0x57, 0x3c, 0x38, 0x3b];

    fn advert_repr() -> Repr {
        Repr { dst: [0x01, 0x00, 0x5e, 0x00, 0x00, 0x12], src: MAC, ethertype: ETHERTYPE_IPV4 }
    }

    #[test]
    fn deconstruct() {
        let f = Frame::new_checked(&ADVERT_FRAME[..]).unwrap();
        assert_eq!(f.dst_addr(), multicast_mac(Ipv4Addr::new(224, 0, 0, 18)));
        assert_eq!(f.src_addr(), MAC);
        assert_eq!(f.ethertype(), ETHERTYPE_IPV4);
        assert_eq!(f.payload(), &[0x45, 0xc0, 0x00, 0x28]);
        assert_eq!(Repr::parse(&f).unwrap(), advert_repr());
    }

    #[test]
    fn construct() {
        let mut buf = [0u8; 18];
        buf[14..].copy_from_slice(&ADVERT_FRAME[14..]);
        let mut f = Frame::new_unchecked(&mut buf[..]);
        advert_repr().emit(&mut f);
        assert_eq!(f.payload_mut(), &[0x45, 0xc0, 0x00, 0x28]);
        assert_eq!(buf, ADVERT_FRAME);
        assert_eq!(advert_repr().buffer_len(), HEADER_LEN);
    }

    #[test]
    fn ipv4_frame_in_place() {
        let mut packet = Vec::with_capacity(4 + HEADER_LEN);
        packet.extend_from_slice(&ADVERT_FRAME[14..]);
        let before = packet.as_ptr();
        let frame = ipv4_frame(packet, advert_repr().dst, MAC);
        assert_eq!(frame, ADVERT_FRAME);
        assert_eq!(frame.as_ptr(), before, "framed without reallocating");
    }

    #[test]
    fn bad_lengths_are_errors() {
        assert!(Frame::new_checked(&ADVERT_FRAME[..13]).is_err());
        assert!(Frame::new_checked(&[][..]).is_err());
        assert!(Repr::parse(&Frame::new_unchecked(&ADVERT_FRAME[..5])).is_err());
        // A bare header is a frame with an empty payload.
        assert_eq!(Frame::new_checked(&ADVERT_FRAME[..14]).unwrap().payload(), &[] as &[u8]);
    }

    #[test]
    fn multicast_addresses() {
        assert_eq!(multicast_mac(Ipv4Addr::new(224, 0, 0, 1)), [0x01, 0x00, 0x5e, 0x00, 0x00, 0x01]);
        // Only 23 bits survive: 239.128.1.2 and 224.0.1.2 share an address.
        assert_eq!(multicast_mac(Ipv4Addr::new(239, 128, 1, 2)), multicast_mac(Ipv4Addr::new(224, 0, 1, 2)));
    }
}
