//! Classic pcap capture with simulated timestamps and a fixed (little-endian) byte order, so two
//! runs of the same scenario produce byte-identical files on every machine.

use crate::kernel::SimTime;

const LINKTYPE_ETHERNET: u32 = 1;
const SNAPLEN: u32 = 65_535;

/// An in-memory pcap file being written.
#[derive(Clone, Debug)]
pub(crate) struct PcapWriter {
    bytes: Vec<u8>,
    frames: u64,
    epoch_unix_s: u64,
}

impl PcapWriter {
    /// A capture holding only the global header; frame timestamps are `epoch_unix_s` plus the
    /// simulated time (the run's calendar, never the machine's clock).
    pub(crate) fn new(epoch_unix_s: u64) -> Self {
        let mut bytes = Vec::with_capacity(4096);
        bytes.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes()); // magic: µs timestamps
        bytes.extend_from_slice(&2u16.to_le_bytes());
        bytes.extend_from_slice(&4u16.to_le_bytes());
        bytes.extend_from_slice(&0i32.to_le_bytes()); // thiszone
        bytes.extend_from_slice(&0u32.to_le_bytes()); // sigfigs
        bytes.extend_from_slice(&SNAPLEN.to_le_bytes());
        bytes.extend_from_slice(&LINKTYPE_ETHERNET.to_le_bytes());
        PcapWriter { bytes, frames: 0, epoch_unix_s }
    }

    /// Appends one frame seen at `at`.
    pub(crate) fn record(&mut self, at: SimTime, frame: &[u8]) {
        let us = at.as_micros() + self.epoch_unix_s * 1_000_000;
        let len = u32::try_from(frame.len()).unwrap_or(u32::MAX);
        let caplen = len.min(SNAPLEN);
        self.bytes.extend_from_slice(&u32::try_from(us / 1_000_000).unwrap_or(u32::MAX).to_le_bytes());
        self.bytes.extend_from_slice(&((us % 1_000_000) as u32).to_le_bytes());
        self.bytes.extend_from_slice(&caplen.to_le_bytes());
        self.bytes.extend_from_slice(&len.to_le_bytes());
        self.bytes.extend_from_slice(&frame[..caplen as usize]);
        self.frames += 1;
    }

    /// The file's bytes so far.
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_and_record_layout() {
        let mut w = PcapWriter::new(10);
        w.record(SimTime::from_micros(3_570_412), &[0xaa; 42]);
        let b = w.bytes();
        assert_eq!(&b[0..4], &[0xd4, 0xc3, 0xb2, 0xa1]);
        assert_eq!(b.len(), 24 + 16 + 42);
        assert_eq!(&b[24..28], &13u32.to_le_bytes());
        assert_eq!(&b[28..32], &570_412u32.to_le_bytes());
        assert_eq!(&b[32..36], &42u32.to_le_bytes());
    }
}
