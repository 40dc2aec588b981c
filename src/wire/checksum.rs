//! The Internet checksum (RFC 1071), used by the IPv4 header, ICMP and VRRP (RFC 3768 §5.2.8).
//!
//! The checksum field holds the one's complement of the one's-complement sum of the message's
//! 16-bit words (an odd last byte is padded with a zero byte), computed with the field itself
//! set to zero. Summing a message that carries a correct checksum therefore gives 0xffff, whose
//! complement is 0: [`verify`] checks exactly that.

/// The value to put in a checksum field: the one's complement of the one's-complement sum of
/// `data`, read as big-endian 16-bit words.
pub(crate) fn compute(data: &[u8]) -> u16 {
    // A u64 accumulator cannot overflow for any slice that fits in memory; the carries are
    // folded back in once at the end (RFC 1071 §2 (B), deferred carries).
    let mut sum: u64 = 0;
    let mut words = data.chunks_exact(2);
    for w in &mut words {
        sum += u64::from(u16::from_be_bytes([w[0], w[1]]));
    }
    if let [last] = words.remainder() {
        sum += u64::from(u16::from_be_bytes([*last, 0]));
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    // `sum` is now at most 0xffff.
    !(u16::try_from(sum).unwrap_or(u16::MAX))
}

/// Whether `data`, checksum field included, carries a correct checksum.
pub(crate) fn verify(data: &[u8]) -> bool {
    compute(data) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of RFC 1071 §3: words 0001 f203 f4f5 f6f7 sum to ddf2, so the checksum is 220d.
    const RFC1071: [u8; 8] = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];

    /// An IPv4 header as keepalived sends it (spec-vrrp §1.3), checksum 0xd024 at bytes 10..12.
    const IPV4_HEADER: [u8; 20] =
        [0x45, 0xc0, 0x00, 0x28, 0x00, 0x01, 0x00, 0x00, 0xff, 0x70, 0xd0, 0x24, 0x0a, 0x63, 0x00, 0x0b, 0xe0, 0x00, 0x00, 0x12];

    #[test]
    fn rfc1071_example() {
        assert_eq!(compute(&RFC1071), !0xddf2);
        assert_eq!(compute(&RFC1071), 0x220d);
    }

    #[test]
    fn header_verifies_and_recomputes() {
        assert!(verify(&IPV4_HEADER));
        let mut zeroed = IPV4_HEADER;
        zeroed[10..12].copy_from_slice(&[0, 0]);
        assert_eq!(compute(&zeroed), 0xd024);
        zeroed[11] = 0x25;
        assert!(!verify(&zeroed));
    }

    #[test]
    fn odd_length_and_empty() {
        // An odd last byte counts as the high byte of a word padded with zero.
        assert_eq!(compute(&[0x12, 0x34, 0x56]), !(0x1234 + 0x5600));
        assert_eq!(compute(&[]), 0xffff);
    }

    #[test]
    fn carries_fold_around() {
        // 0xffff + 0x0002 = 0x1_0001 → 0x0002 after the end-around carry.
        assert_eq!(compute(&[0xff, 0xff, 0x00, 0x02]), !0x0002);
        // Many words: no overflow, and the same answer as summing one word at a time.
        let big = vec![0xffu8; 1 << 20];
        assert_eq!(compute(&big), 0);
    }
}
