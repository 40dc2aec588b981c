//! A log-linear latency histogram, as HdrHistogram lays out its buckets: values below
//! `2 × SUB` µs each have their own bucket (exact); above, every power of two is split into
//! `SUB` equal buckets, so a bucket is never wider than 1/`SUB` of its lowest value. Memory is
//! bounded by the range (at most `SUB` buckets per power of two of the largest value), not by
//! the number of values recorded, and the buckets are kept sorted (a `BTreeMap`), so the same
//! values give the same answers in any order.
//!
//! Percentiles are nearest-rank (the smallest value with at least `q` of the values at or
//! below it). Each bucket keeps the largest value it received, and the answer is that value for
//! the bucket holding the true nearest-rank value: never below the true value, at most `1/SUB`
//! (3.125 %) above it, and exact below `2 × SUB` µs, for the maximum, and whenever that bucket
//! received one distinct value (common in a simulation, whose latencies repeat to the µs).
//!
//! Reference: HdrHistogram's bucket layout (`sub_bucket_count`, "highest equivalent value"),
//! <https://github.com/HdrHistogram/HdrHistogram_rust/blob/master/src/lib.rs>.

use std::collections::BTreeMap;

/// Buckets per power of two (5 bits of precision).
const SUB_BITS: u32 = 5;
/// Buckets per power of two.
pub(crate) const SUB: u64 = 1 << SUB_BITS;

/// Counts of values (µs) by bucket, with the exact count, minimum and maximum.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Histogram {
    /// Bucket → (values in it, the largest of them).
    buckets: BTreeMap<u32, (u64, u64)>,
    count: u64,
    max: u64,
}

/// The bucket of `v`: values below `2 × SUB` are their own bucket; above, the bucket counts
/// `SUB` per power of two from there.
fn bucket(v: u64) -> u32 {
    if v < 2 * SUB {
        return v as u32;
    }
    let exp = 63 - v.leading_zeros(); // ≥ SUB_BITS + 1
    let shift = exp - SUB_BITS;
    let sub = (v >> shift) as u32; // in SUB..2×SUB
    (shift + 1) * SUB as u32 + (sub - SUB as u32)
}

/// The highest value that falls in bucket `b` (HdrHistogram's "highest equivalent value"): the
/// bound of the error.
#[cfg(test)]
fn highest(b: u32) -> u64 {
    let sub = SUB as u32;
    if b < 2 * sub {
        return u64::from(b);
    }
    let shift = b / sub - 1;
    let low = u64::from(sub + b % sub) << shift;
    low + (1u64 << shift) - 1
}

impl Histogram {
    /// Records one value.
    pub(crate) fn record(&mut self, v: u64) {
        let (n, largest) = self.buckets.entry(bucket(v)).or_default();
        *n += 1;
        *largest = (*largest).max(v);
        self.max = self.max.max(v);
        self.count += 1;
    }

    /// Values recorded.
    pub(crate) fn count(&self) -> u64 {
        self.count
    }

    /// The largest value recorded (exact), or `None` when empty.
    pub(crate) fn max(&self) -> Option<u64> {
        (self.count > 0).then_some(self.max)
    }

    /// The `q`-th percentile (`0 < q ≤ 100`), nearest-rank, within the module's bound; `None`
    /// when empty.
    pub(crate) fn percentile(&self, q: f64) -> Option<u64> {
        if self.count == 0 {
            return None;
        }
        let rank = ((q / 100.0 * self.count as f64).ceil() as u64).clamp(1, self.count);
        let mut seen = 0;
        for &(n, largest) in self.buckets.values() {
            seen += n;
            if seen >= rank {
                return Some(largest);
            }
        }
        Some(self.max)
    }

    /// Adds `other`'s values to these.
    pub(crate) fn merge(&mut self, other: &Histogram) {
        if other.count == 0 {
            return;
        }
        for (&b, &(n, largest)) in &other.buckets {
            let (count, max) = self.buckets.entry(b).or_default();
            *count += n;
            *max = (*max).max(largest);
        }
        self.max = self.max.max(other.max);
        self.count += other.count;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The exact nearest-rank percentile of sorted values.
    fn exact(sorted: &[u64], q: f64) -> u64 {
        let rank = ((q / 100.0 * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
        sorted[rank - 1]
    }

    #[test]
    fn every_value_lies_in_its_bucket_and_buckets_are_narrow() {
        for v in (0..5000).chain([u64::MAX / 3, u64::MAX]) {
            let b = bucket(v);
            assert!(highest(b) >= v, "{v}");
            assert!(b == 0 || highest(b - 1) < v, "{v}");
            assert!((highest(b) - v) * SUB <= v.max(1), "{v}: bucket too wide");
        }
    }

    #[test]
    fn percentiles_are_within_the_bound_of_the_exact_ones() {
        // A deterministic spread over five decades (a linear congruential sequence).
        let mut x: u64 = 12345;
        let mut values = Vec::new();
        let mut h = Histogram::default();
        for _ in 0..10_000 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let v = 10 + (x >> 33) % 1_000_000 / (1 + (x >> 20) % 1000);
            values.push(v);
            h.record(v);
        }
        values.sort_unstable();
        for q in [1.0, 50.0, 95.0, 99.0, 99.9, 100.0] {
            let (got, want) = (h.percentile(q).unwrap(), exact(&values, q));
            assert!(got >= want && (got - want) * SUB <= want, "p{q}: {got} vs {want}");
        }
        assert_eq!(h.max(), values.last().copied());
        assert_eq!(h.percentile(100.0), values.last().copied());
    }

    #[test]
    fn a_bucket_with_one_distinct_value_answers_it_exactly() {
        let mut h = Histogram::default();
        (0..99).for_each(|_| h.record(1000));
        h.record(2000);
        // 1000 shares its bucket (992..=1007) with no other value: no rounding up to 1007.
        assert_eq!((h.percentile(50.0), h.percentile(99.0), h.percentile(100.0)), (Some(1000), Some(1000), Some(2000)));
    }

    #[test]
    fn small_values_and_a_single_value_are_exact() {
        let mut h = Histogram::default();
        [3, 1, 2, 40].iter().for_each(|&v| h.record(v));
        assert_eq!((h.percentile(50.0), h.percentile(75.0), h.percentile(100.0)), (Some(2), Some(3), Some(40)));
        let mut one = Histogram::default();
        one.record(123_457);
        assert_eq!(one.percentile(50.0), Some(123_457));
        assert_eq!(Histogram::default().percentile(50.0), None);
    }

    #[test]
    fn merging_equals_recording_everything_in_one() {
        let (mut a, mut b, mut all) = (Histogram::default(), Histogram::default(), Histogram::default());
        for v in [5, 700, 90_000] {
            a.record(v);
            all.record(v);
        }
        for v in [1, 65_000] {
            b.record(v);
            all.record(v);
        }
        a.merge(&b);
        assert_eq!(a, all);
    }
}
