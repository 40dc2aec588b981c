//! VRRPv2 advertisements (RFC 3768 §5) exactly as keepalived 2.2.x builds them, plus the two
//! compositions keepalived makes with other formats: the IPv4 packet around an advert (it writes
//! its own IP header) and its gratuitous ARP frame (spec-vrrp.md §1, §4.6).
//!
//! Layout of the VRRP message (spec §1.2):
//!
//! ```text
//! 0: version<<4 | type   1: VRID   2: priority   3: count IP addrs
//! 4: auth type           5: advert int (s)       6..8: checksum
//! 8..8+4n: addresses     8+4n..16+4n: authentication data (8 bytes)
//! ```
//!
//! The checksum (RFC 1071, [`super::checksum`]) covers the whole message including the 8 auth
//! bytes, with no pseudo-header. [`Repr::parse`] checks lengths only: version, type, auth type
//! and checksum are kept as parsed so that the receiver can run keepalived's checks in
//! keepalived's order and log what it saw.

use std::net::Ipv4Addr;

use super::{Error, Result};
use super::{arp, checksum, ethernet, ipv4};

/// The IPv4 protocol number of VRRP.
pub(crate) const IP_PROTO_VRRP: u8 = 112;
/// The VRRP multicast group, 224.0.0.18.
pub(crate) const MCAST_GROUP: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);
/// The TTL keepalived sends with and requires on receipt.
pub(crate) const TTL: u8 = 255;
/// The VRRP version keepalived uses by default.
pub(crate) const VERSION_2: u8 = 2;
/// Message type ADVERTISEMENT.
pub(crate) const TYPE_ADVERT: u8 = 1;
/// Length of the authentication data.
pub(crate) const AUTH_LEN: usize = 8;
/// Length of the fixed VRRP header (before the addresses).
pub(crate) const HEADER_LEN: usize = 8;

mod field {
    use core::ops::Range;
    pub(super) const VERS_TYPE: usize = 0;
    pub(super) const VRID: usize = 1;
    pub(super) const PRIORITY: usize = 2;
    pub(super) const NADDR: usize = 3;
    pub(super) const AUTH_TYPE: usize = 4;
    pub(super) const ADVER_INT: usize = 5;
    pub(super) const CHECKSUM: Range<usize> = 6..8;
    pub(super) const ADDRS: usize = 8;
}

/// The authentication field of a VRRPv2 advertisement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Auth {
    /// Auth type 0: eight zero bytes are sent.
    None,
    /// Auth type 1 (RFC 2338 simple password): up to 8 bytes, zero padded.
    Pass([u8; AUTH_LEN]),
    /// Auth type 2 (IPsec AH); the data field is carried as received.
    Ah([u8; AUTH_LEN]),
    /// Any other auth type, as received (keepalived rejects it: `Invalid auth type: N`).
    Other(u8, [u8; AUTH_LEN]),
}

impl Auth {
    /// A PASS authentication from a password, truncated to 8 bytes and zero padded.
    #[cfg(test)]
    pub(crate) fn pass(password: &str) -> Auth {
        let mut data = [0u8; AUTH_LEN];
        for (d, b) in data.iter_mut().zip(password.as_bytes()) {
            *d = *b;
        }
        Auth::Pass(data)
    }

    /// The Auth Type byte.
    pub(crate) fn type_code(&self) -> u8 {
        match self {
            Auth::None => 0,
            Auth::Pass(_) => 1,
            Auth::Ah(_) => 2,
            Auth::Other(t, _) => *t,
        }
    }

    /// The eight authentication data bytes as sent.
    pub(crate) fn data(&self) -> [u8; AUTH_LEN] {
        match self {
            Auth::None => [0; AUTH_LEN],
            Auth::Pass(d) | Auth::Ah(d) | Auth::Other(_, d) => *d,
        }
    }

    fn from_wire(code: u8, data: [u8; AUTH_LEN]) -> Auth {
        match code {
            0 => Auth::None,
            1 => Auth::Pass(data),
            2 => Auth::Ah(data),
            t => Auth::Other(t, data),
        }
    }
}

/// The length of a VRRPv2 message carrying `naddr` addresses: 8 + 4·n + 8.
pub(crate) const fn message_len(naddr: u8) -> usize {
    HEADER_LEN + 4 * naddr as usize + AUTH_LEN
}

/// A read/write view of a VRRPv2 message.
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
    #[cfg(any(test, feature = "fuzzing"))]
    pub(crate) fn new_checked(buffer: T) -> Result<Packet<T>> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// Ok when the buffer holds the fixed header, the addresses it announces and the auth data.
    /// Trailing bytes are allowed here (the receiver compares lengths exactly, keepalived check 2).
    pub(crate) fn check_len(&self) -> Result<()> {
        let data = self.buffer.as_ref();
        if data.len() < HEADER_LEN {
            return Err(Error);
        }
        if data.len() < message_len(data[field::NADDR]) {
            return Err(Error);
        }
        Ok(())
    }

    /// Version (high nibble of byte 0).
    pub(crate) fn version(&self) -> u8 {
        self.buffer.as_ref()[field::VERS_TYPE] >> 4
    }

    /// Message type (low nibble of byte 0).
    pub(crate) fn msg_type(&self) -> u8 {
        self.buffer.as_ref()[field::VERS_TYPE] & 0x0f
    }

    /// Virtual Router ID.
    pub(crate) fn vrid(&self) -> u8 {
        self.buffer.as_ref()[field::VRID]
    }

    /// Priority.
    pub(crate) fn priority(&self) -> u8 {
        self.buffer.as_ref()[field::PRIORITY]
    }

    /// Count IP Addrs.
    pub(crate) fn addr_count(&self) -> u8 {
        self.buffer.as_ref()[field::NADDR]
    }

    /// Auth Type.
    pub(crate) fn auth_type(&self) -> u8 {
        self.buffer.as_ref()[field::AUTH_TYPE]
    }

    /// Advertisement interval in seconds.
    pub(crate) fn advert_int(&self) -> u8 {
        self.buffer.as_ref()[field::ADVER_INT]
    }

    /// The checksum field.
    #[cfg(test)]
    pub(crate) fn checksum(&self) -> u16 {
        let d = self.buffer.as_ref();
        u16::from_be_bytes([d[field::CHECKSUM.start], d[field::CHECKSUM.start + 1]])
    }

    /// Address number `i` (0-based); `None` past the buffer.
    pub(crate) fn addr(&self, i: usize) -> Option<Ipv4Addr> {
        let start = field::ADDRS + 4 * i;
        let b = self.buffer.as_ref().get(start..start + 4)?;
        Some(Ipv4Addr::new(b[0], b[1], b[2], b[3]))
    }

    /// The eight authentication bytes that follow the addresses.
    pub(crate) fn auth_data(&self) -> [u8; AUTH_LEN] {
        let start = field::ADDRS + 4 * usize::from(self.addr_count());
        let mut out = [0u8; AUTH_LEN];
        if let Some(b) = self.buffer.as_ref().get(start..start + AUTH_LEN) {
            out.copy_from_slice(b);
        }
        out
    }

    /// True when the one's-complement sum over the message (as announced by its address count)
    /// is valid.
    pub(crate) fn verify_checksum(&self) -> bool {
        let data = self.buffer.as_ref();
        let len = message_len(self.addr_count()).min(data.len());
        checksum::verify(&data[..len])
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    fn bytes_mut(&mut self) -> &mut [u8] {
        self.buffer.as_mut()
    }

    /// Sets version and type.
    pub(crate) fn set_version_type(&mut self, version: u8, msg_type: u8) {
        self.bytes_mut()[field::VERS_TYPE] = (version << 4) | (msg_type & 0x0f);
    }

    /// Sets the Virtual Router ID.
    pub(crate) fn set_vrid(&mut self, v: u8) {
        self.bytes_mut()[field::VRID] = v;
    }

    /// Sets the priority.
    pub(crate) fn set_priority(&mut self, v: u8) {
        self.bytes_mut()[field::PRIORITY] = v;
    }

    /// Sets Count IP Addrs.
    pub(crate) fn set_addr_count(&mut self, v: u8) {
        self.bytes_mut()[field::NADDR] = v;
    }

    /// Sets the Auth Type.
    pub(crate) fn set_auth_type(&mut self, v: u8) {
        self.bytes_mut()[field::AUTH_TYPE] = v;
    }

    /// Sets the advertisement interval (seconds).
    pub(crate) fn set_advert_int(&mut self, v: u8) {
        self.bytes_mut()[field::ADVER_INT] = v;
    }

    /// Sets the checksum field.
    pub(crate) fn set_checksum(&mut self, v: u16) {
        self.bytes_mut()[field::CHECKSUM].copy_from_slice(&v.to_be_bytes());
    }

    /// Sets address number `i`.
    pub(crate) fn set_addr(&mut self, i: usize, a: Ipv4Addr) {
        let start = field::ADDRS + 4 * i;
        self.bytes_mut()[start..start + 4].copy_from_slice(&a.octets());
    }

    /// Sets the auth data (placed after `addr_count()` addresses).
    pub(crate) fn set_auth_data(&mut self, d: [u8; AUTH_LEN]) {
        let start = field::ADDRS + 4 * usize::from(self.addr_count());
        self.bytes_mut()[start..start + AUTH_LEN].copy_from_slice(&d);
    }

    /// Computes and writes the checksum over the whole message.
    pub(crate) fn fill_checksum(&mut self) {
        self.set_checksum(0);
        let len = message_len(self.addr_count());
        let c = checksum::compute(&self.buffer.as_ref()[..len]);
        self.set_checksum(c);
    }
}

/// A parsed VRRPv2 advertisement (header fields kept as received).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Repr {
    /// Version nibble (2 for what keepalived sends by default).
    pub version: u8,
    /// Type nibble (1 = ADVERTISEMENT).
    pub msg_type: u8,
    /// Virtual Router ID.
    pub vrid: u8,
    /// Priority (0 = the master is stopping).
    pub priority: u8,
    /// Advertisement interval in whole seconds.
    pub advert_int_s: u8,
    /// Authentication.
    pub auth: Auth,
    /// The virtual addresses, in configuration order.
    pub addresses: Vec<Ipv4Addr>,
}

impl Repr {
    /// An advertisement as keepalived sends it (version 2, type 1).
    pub(crate) fn advert(vrid: u8, priority: u8, advert_int_s: u8, auth: Auth, addresses: Vec<Ipv4Addr>) -> Repr {
        Repr { version: VERSION_2, msg_type: TYPE_ADVERT, vrid, priority, advert_int_s, auth, addresses }
    }

    /// Parses a length-checked packet. Version, type, auth type and checksum are not judged here.
    pub(crate) fn parse<T: AsRef<[u8]>>(packet: &Packet<T>) -> Result<Repr> {
        packet.check_len()?;
        let n = usize::from(packet.addr_count());
        let addresses = (0..n).map(|i| packet.addr(i).ok_or(Error)).collect::<Result<Vec<_>>>()?;
        Ok(Repr {
            version: packet.version(),
            msg_type: packet.msg_type(),
            vrid: packet.vrid(),
            priority: packet.priority(),
            advert_int_s: packet.advert_int(),
            auth: Auth::from_wire(packet.auth_type(), packet.auth_data()),
            addresses,
        })
    }

    /// The number of bytes [`Repr::emit`] writes. More than 255 addresses are cut to 255.
    pub(crate) fn buffer_len(&self) -> usize {
        message_len(self.naddr())
    }

    fn naddr(&self) -> u8 {
        u8::try_from(self.addresses.len()).unwrap_or(u8::MAX)
    }

    /// Writes the message (with its checksum) into `packet`, whose buffer must be at least
    /// [`Repr::buffer_len`] bytes long.
    pub(crate) fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut Packet<T>) {
        packet.set_version_type(self.version, self.msg_type);
        packet.set_vrid(self.vrid);
        packet.set_priority(self.priority);
        packet.set_addr_count(self.naddr());
        packet.set_auth_type(self.auth.type_code());
        packet.set_advert_int(self.advert_int_s);
        for (i, a) in self.addresses.iter().take(usize::from(self.naddr())).enumerate() {
            packet.set_addr(i, *a);
        }
        packet.set_auth_data(self.auth.data());
        packet.fill_checksum();
    }

    /// The message as a fresh byte vector.
    #[cfg(test)]
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let mut buf = vec![0u8; self.buffer_len()];
        self.emit(&mut Packet::new_unchecked(&mut buf[..]));
        buf
    }
}

/// The IPv4 packet keepalived sends for an advertisement (`vrrp_build_ip4`): TOS 0xc0, ID from
/// the caller, DF not set, TTL 255, protocol 112, header checksum filled in.
pub(crate) fn ipv4_advert(src: Ipv4Addr, dst: Ipv4Addr, ip_id: u16, repr: &Repr) -> Vec<u8> {
    let ip = ipv4::Repr {
        src,
        dst,
        protocol: IP_PROTO_VRRP,
        ttl: TTL,
        ident: ip_id,
        tos: 0xc0,
        dont_frag: false,
        payload_len: repr.buffer_len(),
    };
    let mut buf = vec![0u8; ip.buffer_len() + ip.payload_len];
    let mut packet = ipv4::Packet::new_unchecked(&mut buf[..]);
    ip.emit(&mut packet);
    repr.emit(&mut Packet::new_unchecked(packet.payload_mut()));
    buf
}

/// The IPv4 header of a packet from keepalived's raw socket: Err unless it is version 4 and
/// the buffer holds its whole header. The total length is not judged here: keepalived compares
/// it with what it received and logs a mismatch.
pub(crate) fn ipv4_header(packet: &[u8]) -> Result<ipv4::Packet<&[u8]>> {
    let ip = ipv4::Packet::new_unchecked(packet);
    ip.check_header_len()?;
    if ip.version() != 4 {
        return Err(Error);
    }
    Ok(ip)
}

/// keepalived's gratuitous ARP (`send_gratuitous_arp_immediate`, spec §4.6): 42 bytes, broadcast
/// destination, op REQUEST, sha = `mac`, spa = tpa = `vip`, tha = ff:ff:ff:ff:ff:ff.
pub(crate) fn garp_frame(mac: [u8; 6], vip: Ipv4Addr) -> Vec<u8> {
    let garp = arp::Repr { op: arp::Operation::Request, sha: mac, spa: vip, tha: ethernet::BROADCAST, tpa: vip };
    garp.to_frame(ethernet::BROADCAST)
}

#[cfg(test)]
mod tests {
    use super::*;

    const VIP: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 100);

    const PRIO_110: [u8; 20] =
        [0x21, 0x33, 0x6e, 0x01, 0x01, 0x01, 0x4b, 0x5b, 0xc0, 0xa8, 0x01, 0x64, 0x31, 0x31, 0x31, 0x31, 0x00, 0x00, 0x00, 0x00];
    const PRIO_99: [u8; 20] =
        [0x21, 0x33, 0x63, 0x01, 0x01, 0x01, 0x56, 0x5b, 0xc0, 0xa8, 0x01, 0x64, 0x31, 0x31, 0x31, 0x31, 0x00, 0x00, 0x00, 0x00];
    const PRIO_0: [u8; 20] =
        [0x21, 0x33, 0x00, 0x01, 0x01, 0x01, 0xb9, 0x5b, 0xc0, 0xa8, 0x01, 0x64, 0x31, 0x31, 0x31, 0x31, 0x00, 0x00, 0x00, 0x00];
    const IP_PACKET: [u8; 40] = [
        0x45, 0xc0, 0x00, 0x28, 0x00, 0x01, 0x00, 0x00, 0xff, 0x70, 0x18, 0xdf, 0xc0, 0xa8, 0x01, 0x0b, 0xe0, 0x00, 0x00, 0x12, 0x21, 0x33,
        0x6e, 0x01, 0x01, 0x01, 0x4b, 0x5b, 0xc0, 0xa8, 0x01, 0x64, 0x31, 0x31, 0x31, 0x31, 0x00, 0x00, 0x00, 0x00,
    ];
    /// Observed keepalived 2.2.7 frame (spec §1.3), Ethernet header included.
    const OBSERVED_FRAME: [u8; 54] = [
        0x01, 0x00, 0x5e, 0x00, 0x00, 0x12, 0x0a, 0x5e, 0x57, 0x3c, 0x38, 0x3b, 0x08, 0x00, 0x45, 0xc0, 0x00, 0x28, 0x00, 0x01, 0x00, 0x00,
        0xff, 0x70, 0xd0, 0x24, 0x0a, 0x63, 0x00, 0x0b, 0xe0, 0x00, 0x00, 0x12, 0x21, 0x33, 0x6e, 0x01, 0x01, 0x01, 0x02, 0xa1, 0x0a, 0x63,
        0x00, 0x64, 0x31, 0x31, 0x31, 0x31, 0x00, 0x00, 0x00, 0x00,
    ];

    fn repr(prio: u8) -> Repr {
        Repr::advert(51, prio, 1, Auth::pass("1111"), vec![VIP])
    }

    #[test]
    fn construct_three_vectors() {
        assert_eq!(repr(110).to_bytes(), PRIO_110);
        assert_eq!(repr(99).to_bytes(), PRIO_99);
        assert_eq!(repr(0).to_bytes(), PRIO_0);
    }

    #[test]
    fn deconstruct_three_vectors() {
        for (bytes, prio, csum) in [(PRIO_110, 110, 0x4b5b), (PRIO_99, 99, 0x565b), (PRIO_0, 0, 0xb95b)] {
            let p = Packet::new_checked(&bytes[..]).unwrap();
            assert!(p.verify_checksum());
            assert_eq!(p.checksum(), csum);
            assert_eq!(Repr::parse(&p).unwrap(), repr(prio));
        }
    }

    #[test]
    fn ip_vector_both_directions() {
        let bytes = ipv4_advert(Ipv4Addr::new(192, 168, 1, 11), MCAST_GROUP, 1, &repr(110));
        assert_eq!(bytes, IP_PACKET);
        let ip = ipv4_header(&IP_PACKET).unwrap();
        assert!(ip.verify_checksum());
        assert_eq!(ip.ttl(), 255);
        assert_eq!(ip.protocol(), 112);
        assert_eq!(ip.total_len(), 40);
        assert_eq!(ip.src_addr(), Ipv4Addr::new(192, 168, 1, 11));
        assert_eq!(ip.dst_addr(), MCAST_GROUP);
        let p = Packet::new_checked(&IP_PACKET[ip.header_len()..]).unwrap();
        assert_eq!(Repr::parse(&p).unwrap(), repr(110));
    }

    #[test]
    fn observed_frame_both_directions() {
        let r = Repr::advert(51, 110, 1, Auth::pass("1111"), vec![Ipv4Addr::new(10, 99, 0, 100)]);
        let ip = ipv4_advert(Ipv4Addr::new(10, 99, 0, 11), MCAST_GROUP, 1, &r);
        assert_eq!(ip, OBSERVED_FRAME[14..]);
        let p = Packet::new_checked(&OBSERVED_FRAME[34..]).unwrap();
        assert_eq!(p.checksum(), 0x02a1);
        assert!(p.verify_checksum());
        assert_eq!(Repr::parse(&p).unwrap(), r);
    }

    #[test]
    fn bad_lengths_are_errors() {
        assert!(Packet::new_checked(&PRIO_110[..0]).is_err());
        assert!(Packet::new_checked(&PRIO_110[..7]).is_err());
        assert!(Packet::new_checked(&PRIO_110[..19]).is_err());
        let mut many = PRIO_110;
        many[3] = 2; // announces 2 addresses, only room for one + auth
        assert!(Packet::new_checked(&many[..]).is_err());
        assert!(Repr::parse(&Packet::new_unchecked(&PRIO_110[..12])).is_err());
        assert!(ipv4_header(&IP_PACKET[..19]).is_err());
        assert!(ipv4_header(&[]).is_err());
        assert!(ipv4_header(&[0x65; 40]).is_err());
        // The total length is keepalived's to judge: a header that announces more is returned.
        assert_eq!(ipv4_header(&IP_PACKET[..30]).unwrap().total_len(), 40);
    }

    #[test]
    fn corrupt_checksum_detected() {
        let mut b = PRIO_110;
        b[2] = 111;
        assert!(!Packet::new_checked(&b[..]).unwrap().verify_checksum());
    }

    #[test]
    fn long_password_truncated() {
        assert_eq!(Auth::pass("123456789").data(), *b"12345678");
        assert_eq!(Auth::None.data(), [0; 8]);
    }

    #[test]
    fn garp_layout() {
        let mac = [0x0a, 0x5e, 0x57, 0x3c, 0x38, 0x3b];
        let f = garp_frame(mac, Ipv4Addr::new(10, 99, 0, 100));
        let expected: [u8; 42] = [
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0a, 0x5e, 0x57, 0x3c, 0x38, 0x3b, 0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00,
            0x01, 0x0a, 0x5e, 0x57, 0x3c, 0x38, 0x3b, 0x0a, 0x63, 0x00, 0x64, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0a, 0x63, 0x00, 0x64,
        ];
        assert_eq!(f, expected);
    }
}
