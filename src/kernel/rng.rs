//! Seeded random streams: one per component, derived by name from the run's seed.

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

/// A deterministic, portable random stream (ChaCha8).
///
/// [`SimRng::fork`] derives an independent stream from a label, so adding a component does not
/// change the numbers any other component draws.
#[derive(Clone, Debug)]
pub(crate) struct SimRng {
    seed: u64,
    rng: ChaCha8Rng,
}

impl SimRng {
    /// The root stream of a run.
    pub(crate) fn new(seed: u64) -> Self {
        SimRng { seed, rng: ChaCha8Rng::seed_from_u64(seed) }
    }

    /// An independent stream named `label` (for example `"neigh/lb-1/eno33554984"`).
    pub(crate) fn fork(&self, label: &str) -> SimRng {
        let seed = self.seed ^ fnv1a64(label.as_bytes()).rotate_left(17);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(fnv1a64(label.as_bytes()));
        SimRng { seed, rng }
    }

    /// A uniformly distributed `u64`.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.rng.next_u64()
    }

    /// A uniformly distributed value in `low..high` (`low` when the range is empty).
    pub(crate) fn range(&mut self, low: u64, high: u64) -> u64 {
        if high <= low {
            return low;
        }
        // Rejection sampling keeps the draw unbiased.
        let span = high - low;
        let zone = u64::MAX - (u64::MAX % span);
        loop {
            let v = self.rng.next_u64();
            if v < zone {
                return low + v % span;
            }
        }
    }
}

/// FNV-1a, 64 bit: a stable hash for labels and digests (std's hasher is not stable across
/// releases).
pub(crate) fn fnv1a64(bytes: &[u8]) -> u64 {
    fnv1a64_extend(FNV1A64_OFFSET, bytes)
}

/// The FNV-1a 64-bit offset basis: the hash of nothing.
pub(crate) const FNV1A64_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// Continues an FNV-1a 64-bit hash over more bytes.
pub(crate) fn fnv1a64_extend(mut hash: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forks_are_reproducible_and_independent() {
        let root = SimRng::new(7);
        let a1: Vec<_> = (0..4)
            .map({
                let mut r = root.fork("a");
                move |_| r.next_u64()
            })
            .collect();
        let a2: Vec<_> = (0..4)
            .map({
                let mut r = SimRng::new(7).fork("a");
                move |_| r.next_u64()
            })
            .collect();
        let b: Vec<_> = (0..4)
            .map({
                let mut r = root.fork("b");
                move |_| r.next_u64()
            })
            .collect();
        assert_eq!(a1, a2);
        assert_ne!(a1, b);
        let mut r = root.fork("range");
        assert!((0..1000).all(|_| (15..45).contains(&r.range(15, 45))));
    }
}
