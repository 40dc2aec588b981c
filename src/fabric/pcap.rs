//! Classic pcap capture with simulated timestamps and a fixed (little-endian) byte order, so two
//! runs of the same scenario produce byte-identical files on every machine. A capture is kept in
//! memory, or written to its file as frames are seen ([`PcapWriter::stream`]), so that a long
//! run's captures do not grow its memory.

use std::fmt;
use std::io::{self, Write};

use crate::kernel::SimTime;

const LINKTYPE_ETHERNET: u32 = 1;
const SNAPLEN: u32 = 65_535;

/// A pcap file being written: in memory, or to a stream.
pub(crate) struct PcapWriter {
    /// The bytes not yet written to the stream (all of them when there is none).
    bytes: Vec<u8>,
    frames: u64,
    epoch_unix_s: u64,
    /// Where the bytes go as they come, with the first error writing them.
    stream: Option<(Box<dyn Write + Send + Sync>, io::Result<()>)>,
}

impl fmt::Debug for PcapWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PcapWriter").field("frames", &self.frames).field("streamed", &self.stream.is_some()).finish()
    }
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
        PcapWriter { bytes, frames: 0, epoch_unix_s, stream: None }
    }

    /// From now on, writes the file to `out` as frames are seen, starting with what it holds.
    pub(crate) fn stream(&mut self, out: Box<dyn Write + Send + Sync>) {
        self.stream = Some((out, Ok(())));
        self.flush_to_stream();
    }

    /// Flushes the stream: whether every byte reached it (`None` when there is none).
    pub(crate) fn end_stream(&mut self) -> Option<io::Result<()>> {
        let (mut out, status) = self.stream.take()?;
        Some(status.and_then(|()| out.flush()))
    }

    /// Hands the bytes held to the stream, if there is one.
    fn flush_to_stream(&mut self) {
        if let Some((out, status)) = &mut self.stream {
            if status.is_ok() {
                *status = out.write_all(&self.bytes);
            }
            self.bytes.clear();
        }
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
        self.flush_to_stream();
    }

    /// The file's bytes so far (none of those already streamed).
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
