//! The event queue: a total order on (time, insertion sequence).
//!
//! Simulated time never runs backwards: an event is pushed for the instant of the last event
//! popped or later. That makes the queue a radix heap (Ahuja, Mehlhorn, Orlin and Tarjan, "Faster
//! algorithms for the shortest path problem", 1990) instead of a binary heap. Bucket `b` holds
//! the events whose time first differs from the *base*, the instant of the last event popped, in
//! bit `b - 1`; bucket 0 holds those at the base itself. A push appends to its bucket. A pop takes
//! bucket 0's front; when bucket 0 is empty, the lowest bucket that is not is spread first over
//! the buckets below it, around its earliest time as the new base. An event only ever moves to a
//! lower bucket, so it moves at most 64 times, and in a lab's traffic a few: pushes and pops cost
//! the same at a thousand hosts as at one, where a binary heap paid a level per doubling.
//!
//! Order within an instant: pushes append, and a bucket is refilled only while it is empty, from
//! one bucket's events taken in their order. So each bucket keeps its events in insertion order,
//! and events at the same instant pop in the order they were pushed. An event pushed for an
//! instant before the base (only a caller that moves time back does that) makes the queue
//! rebuild itself around the new earliest instant, in the same total order.

use std::collections::VecDeque;

use super::SimTime;

/// Bucket 0 for the base instant, bucket `b` for a first difference in bit `b - 1` of 64.
const BUCKETS: usize = 65;

/// A priority queue of events that pops the earliest first and, among events at the same instant,
/// the one pushed first. Nothing else about an event influences the order.
#[derive(Debug)]
pub(crate) struct EventQueue<E> {
    buckets: [VecDeque<Entry<E>>; BUCKETS],
    /// The earliest instant in each bucket that holds events.
    earliest: [SimTime; BUCKETS],
    /// Bit `b` set: bucket `b` holds events.
    filled: u128,
    /// The instant the buckets are counted from.
    base: SimTime,
    next_seq: u64,
}

#[derive(Debug)]
struct Entry<E> {
    at: SimTime,
    /// Insertion order, for the rebuild of [`EventQueue::rebuild_from`].
    seq: u64,
    event: E,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue {
            buckets: std::array::from_fn(|_| VecDeque::new()),
            earliest: [SimTime::ZERO; BUCKETS],
            filled: 0,
            base: SimTime::ZERO,
            next_seq: 0,
        }
    }
}

impl<E> EventQueue<E> {
    /// An empty queue.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Schedules `event` at `at`.
    pub(crate) fn push(&mut self, at: SimTime, event: E) {
        let seq = self.next_seq;
        self.next_seq += 1;
        if at < self.base {
            self.rebuild_from(at);
        }
        self.file(Entry { at, seq, event });
    }

    /// The time of the earliest event, if any.
    pub(crate) fn peek_time(&self) -> Option<SimTime> {
        (self.filled != 0).then(|| self.earliest[self.filled.trailing_zeros() as usize])
    }

    /// Removes and returns the earliest event.
    pub(crate) fn pop(&mut self) -> Option<(SimTime, E)> {
        if self.filled & 1 == 0 {
            if self.filled == 0 {
                return None;
            }
            let lowest = self.filled.trailing_zeros() as usize;
            self.base = self.earliest[lowest];
            self.filled &= !(1 << lowest);
            // Events only move down: the bucket stays empty while it is spread, and keeps its
            // allocation for the next time it fills.
            let mut spread = std::mem::take(&mut self.buckets[lowest]);
            for entry in spread.drain(..) {
                self.file(entry);
            }
            self.buckets[lowest] = spread;
        }
        let e = self.buckets[0].pop_front()?;
        if self.buckets[0].is_empty() {
            self.filled &= !1;
        }
        Some((e.at, e.event))
    }

    /// Appends `entry` to the bucket of its instant (not before the base).
    fn file(&mut self, entry: Entry<E>) {
        let b = (u64::BITS - (entry.at.as_micros() ^ self.base.as_micros()).leading_zeros()) as usize;
        if self.filled & (1 << b) == 0 {
            self.filled |= 1 << b;
            self.earliest[b] = entry.at;
        } else {
            self.earliest[b] = self.earliest[b].min(entry.at);
        }
        self.buckets[b].push_back(entry);
    }

    /// Files every event again around `base`, earlier than the current base, in (time,
    /// insertion) order.
    fn rebuild_from(&mut self, base: SimTime) {
        let mut all: Vec<Entry<E>> = self.buckets.iter_mut().flat_map(std::mem::take).collect();
        all.sort_by_key(|e| (e.at, e.seq));
        self.filled = 0;
        self.base = base;
        for entry in all {
            self.file(entry);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_by_time_then_insertion_order() {
        let mut q = EventQueue::new();
        q.push(SimTime::from_micros(5), "c");
        q.push(SimTime::from_micros(1), "a");
        q.push(SimTime::from_micros(5), "d");
        q.push(SimTime::from_micros(1), "b");
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).map(|(_, e)| e).collect();
        assert_eq!(order, ["a", "b", "c", "d"]);
    }

    #[test]
    fn events_pushed_for_the_current_instant_keep_the_total_order() {
        let mut q = EventQueue::new();
        let t = |us| SimTime::from_micros(us);
        q.push(t(1), "a");
        q.push(t(1), "b");
        q.push(t(2), "e");
        assert_eq!(q.pop(), Some((t(1), "a")));
        // At 1 µs now: these go behind "b", pushed earlier for the same instant.
        q.push(t(1), "c");
        q.push(t(1), "d");
        q.push(t(2), "f");
        assert_eq!(q.peek_time(), Some(t(1)));
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).map(|(_, e)| e).collect();
        assert_eq!(order, ["b", "c", "d", "e", "f"]);
    }

    /// Against a reference ordered by (time, insertion), through a seeded mix of pushes (mostly
    /// at the current instant or shortly after, some far ahead, a few before the last pop) and
    /// pops: the same events pop in the same order, and the earliest time agrees throughout.
    #[test]
    fn pops_in_the_order_of_a_sorted_reference() {
        use std::collections::BTreeMap;

        use crate::kernel::SimRng;

        let mut rng = SimRng::new(3);
        let mut q = EventQueue::new();
        let mut reference = BTreeMap::new();
        let (mut now, mut seq, mut popped) = (0u64, 0u64, 0);
        for _ in 0..200_000 {
            if rng.range(0, 100) < 55 {
                let at = match rng.range(0, 100) {
                    0..40 => now,
                    40..85 => now + rng.range(1, 50),
                    85..98 => {
                        let reach = 1 << rng.range(6, 40);
                        now + rng.range(1, reach)
                    }
                    _ => now.saturating_sub(rng.range(1, 100)),
                };
                q.push(SimTime::from_micros(at), seq);
                reference.insert((at, seq), seq);
                seq += 1;
            } else {
                let expected = reference.pop_first().map(|((at, _), e)| (SimTime::from_micros(at), e));
                let got = q.pop();
                assert_eq!(got, expected);
                if let Some((at, _)) = got {
                    now = at.as_micros();
                    popped += 1;
                }
            }
            assert_eq!(q.peek_time(), reference.keys().next().map(|&(at, _)| SimTime::from_micros(at)));
        }
        assert!(popped > 50_000);
    }
}
