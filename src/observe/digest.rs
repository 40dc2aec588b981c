//! The run's determinism digest: FNV-1a over every event and frame, in the order they happen.
//!
//! FNV-1a folds one byte at a time, each step waiting on the one before (a multiply's latency a
//! byte), and a long run feeds it gigabytes of frames: on the simulating thread that was several
//! per cent of the run. So once a run has digested [`IN_PLACE`] bytes (folded as they come), the
//! bytes are copied into blocks instead, and a thread of its own folds the blocks, in order,
//! while the simulation goes on. The value is the same as folding every byte in place: the same
//! bytes, in the same order, through the same function. A lesson, which digests a few hundred
//! KiB, never starts the thread (starting it and handing blocks over would cost it more than
//! folding saves); a run on a machine that refuses one folds in place.
//!
//! The blocks are a fixed few, allocated by the simulating thread when the folding one starts
//! and passed back and forth: the simulation waits for an emptied block when the folder is
//! behind. So the memory the digest holds is the same on every run, however the two threads'
//! timing falls (a long run's memory is measured to the request, `tests/integration/memory.rs`),
//! and no block is freed by a thread other than the one that allocated it.

use std::hash::Hasher;
use std::sync::Mutex;
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread::JoinHandle;

use crate::kernel::{FNV1A64_OFFSET, fnv1a64_extend};

/// Bytes copied before a block goes to the folding thread.
const BLOCK: usize = 64 * 1024;

/// The blocks that go round between the two threads.
const BLOCKS: usize = 4;

/// Bytes folded as they come, before the thread starts. The lessons digest 0.1–0.3 MiB
/// (`failover.ron` 0.2 MiB), and with the thread started at their first block they took
/// 0.1–0.2 ms (5–15 %) longer (`labsim bench --runs 21`, runs of 1.5–2 ms); a long run folds
/// only its first MiB in place.
const IN_PLACE: usize = 16 * BLOCK;

/// What the folding thread is told.
enum Message {
    /// More bytes, to be given back emptied.
    Block(Vec<u8>),
    /// Send the value over every block so far.
    Value(SyncSender<u64>),
}

/// The folding thread, where its blocks go and where it gives them back emptied.
struct Folder {
    blocks: SyncSender<Message>,
    /// Behind a mutex only for the trace to be shared between threads; one thread takes from it.
    emptied: Mutex<Receiver<Vec<u8>>>,
    thread: Option<JoinHandle<()>>,
}

/// FNV-1a 64 over the bytes written, folded on a thread of its own once there are many.
pub(crate) struct Digest {
    /// Bytes copied for the thread and not yet handed over (none before [`IN_PLACE`]).
    pending: Vec<u8>,
    /// The value over the bytes folded in place (before any thread, or without one).
    folded: u64,
    /// How many bytes were folded in place (what decides when the thread starts).
    folded_bytes: usize,
    folder: Option<Folder>,
    /// Whether starting the thread failed (then everything is folded in place).
    in_place: bool,
}

impl Default for Digest {
    fn default() -> Self {
        Digest { pending: Vec::new(), folded: FNV1A64_OFFSET, folded_bytes: 0, folder: None, in_place: false }
    }
}

impl Digest {
    /// The value over every byte written so far.
    pub(crate) fn value(&self) -> u64 {
        let Some(folder) = &self.folder else {
            return fnv1a64_extend(self.folded, &self.pending);
        };
        let (reply, value) = mpsc::sync_channel(1);
        // The thread folds its blocks in the order sent, so its answer covers every block
        // handed over. It only ends when the digest is dropped, or if it panicked (it cannot: it
        // folds bytes); then there is no value to give.
        let sent = folder.blocks.send(Message::Value(reply));
        let folded = sent.ok().and_then(|()| value.recv().ok()).unwrap_or(0);
        fnv1a64_extend(folded, &self.pending)
    }

    /// Hands a full block over to the thread, started the first time (past [`IN_PLACE`]); if
    /// the machine refuses a thread, folds it here, as every later byte will be.
    fn hand_over(&mut self) {
        if self.folder.is_none() {
            self.folder = start(self.folded);
            self.in_place = self.folder.is_none();
        }
        let Some(folder) = &self.folder else {
            self.folded = fnv1a64_extend(self.folded, &self.pending);
            self.pending = Vec::new();
            return;
        };
        let block = std::mem::take(&mut self.pending);
        // Waits for the folder when all the other blocks are with it. A folder that is gone (it
        // cannot panic: it folds bytes) leaves the digest without a value (see `value`).
        if folder.blocks.send(Message::Block(block)).is_ok()
            && let Some(block) = folder.emptied.lock().ok().and_then(|e| e.recv().ok())
        {
            self.pending = block;
        }
    }
}

/// Starts the folding thread, from `value` (the bytes folded in place so far), with its blocks.
fn start(value: u64) -> Option<Folder> {
    let (blocks, inbox) = mpsc::sync_channel::<Message>(BLOCKS);
    let (giving_back, emptied) = mpsc::sync_channel::<Vec<u8>>(BLOCKS);
    for _ in 1..BLOCKS {
        giving_back.send(Vec::with_capacity(BLOCK)).ok()?;
    }
    let fold = move || {
        let mut value = value;
        for message in inbox {
            match message {
                Message::Block(mut block) => {
                    value = fnv1a64_extend(value, &block);
                    block.clear();
                    // Room for every block there is: this never waits.
                    if giving_back.send(block).is_err() {
                        return;
                    }
                }
                Message::Value(reply) => {
                    let _ = reply.send(value);
                }
            }
        }
    };
    let thread = std::thread::Builder::new().name("digest".into()).spawn(fold).ok()?;
    Some(Folder { blocks, emptied: Mutex::new(emptied), thread: Some(thread) })
}

impl Drop for Folder {
    fn drop(&mut self) {
        // Closing the channel ends the thread's loop.
        let (closed, _) = mpsc::sync_channel(0);
        drop(std::mem::replace(&mut self.blocks, closed));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Events are digested through their derived `Hash`, which feeds integers in little-endian
/// order and strings with a terminator, the same on every 64-bit platform (std's default hasher
/// is seeded per process and may change between releases).
impl Hasher for Digest {
    /// Not the digest (see [`Digest::value`]): `Hash` never reads it.
    fn finish(&self) -> u64 {
        self.folded
    }

    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        if self.folder.is_none() && (self.in_place || self.folded_bytes < IN_PLACE) {
            self.folded = fnv1a64_extend(self.folded, bytes);
            self.folded_bytes = self.folded_bytes.saturating_add(bytes.len());
            return;
        }
        self.pending.extend_from_slice(bytes);
        if self.pending.len() >= BLOCK {
            self.hand_over();
        }
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.write(&(n as u64).to_le_bytes());
    }
}

impl std::fmt::Debug for Digest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Digest").field("pending", &self.pending.len()).field("threaded", &self.folder.is_some()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::fnv1a64;

    #[test]
    fn the_value_is_fnv_over_every_byte_in_order_threaded_or_not() {
        // Pieces of every size, past several rounds of the blocks, read in the middle and at
        // the end.
        let mut bytes = Vec::new();
        let mut digest = Digest::default();
        let mut x = 1u64;
        for i in 0..6_000u64 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let piece: Vec<u8> = (0..(x >> 54)).map(|j| (x >> (j % 56)) as u8).collect();
            digest.write(&piece);
            bytes.extend_from_slice(&piece);
            if i % 700 == 0 {
                assert_eq!(digest.value(), fnv1a64(&bytes), "after {} bytes", bytes.len());
            }
        }
        assert!(bytes.len() > IN_PLACE + 3 * BLOCKS * BLOCK, "{} bytes: the blocks must have gone round", bytes.len());
        assert!(digest.folder.is_some());
        assert_eq!(digest.value(), fnv1a64(&bytes));
        let mut small = Digest::default();
        small.write(b"abc");
        assert_eq!(small.value(), fnv1a64(b"abc"));
        assert!(small.folder.is_none());
    }
}
