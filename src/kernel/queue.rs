//! The event queue: a total order on (time, insertion sequence).
//!
//! Most events a lab schedules are for the instant being processed (a host's wake-up for the
//! frames that just reached it), so those skip the heap: an event pushed for the time of the
//! last event popped joins a FIFO of that instant, whose sequence numbers are all greater than
//! those of the heap's events at the same time. Popping takes the smaller (time, sequence) of
//! the heap's top and the FIFO's front, so the order is exactly the heap's alone.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use super::SimTime;

/// A priority queue of events that pops the earliest first and, among events at the same instant,
/// the one pushed first. Nothing else about an event influences the order.
#[derive(Debug)]
pub(crate) struct EventQueue<E> {
    /// The keys of the events not for the current instant. Their events wait in `slots`, so
    /// that sifting moves small keys, not events.
    heap: BinaryHeap<Reverse<Key>>,
    /// The heap's events, by [`Key::slot`]; `None` where a slot is free.
    slots: Vec<Option<E>>,
    /// Free indices of `slots`.
    free: Vec<usize>,
    /// Events pushed for the instant of the last pop, in insertion order, with their time
    /// and sequence.
    instant: VecDeque<(SimTime, u64, E)>,
    /// When the last popped event was due.
    last_popped: Option<SimTime>,
    next_seq: u64,
}

/// Where an event stands in the order: its time, then its insertion sequence (unique, so
/// the slot never decides).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    at: SimTime,
    seq: u64,
    slot: usize,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            slots: Vec::new(),
            free: Vec::new(),
            instant: VecDeque::new(),
            last_popped: None,
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
        if self.last_popped == Some(at) && self.instant.back().is_none_or(|&(t, _, _)| t == at) {
            self.instant.push_back((at, seq, event));
            return;
        }
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot] = Some(event);
                slot
            }
            None => {
                self.slots.push(Some(event));
                self.slots.len() - 1
            }
        };
        self.heap.push(Reverse(Key { at, seq, slot }));
    }

    /// The time of the earliest event, if any.
    pub(crate) fn peek_time(&self) -> Option<SimTime> {
        [self.heap.peek().map(|Reverse(k)| k.at), self.instant.front().map(|&(t, _, _)| t)].into_iter().flatten().min()
    }

    /// Removes and returns the earliest event.
    pub(crate) fn pop(&mut self) -> Option<(SimTime, E)> {
        let from_heap = match (self.heap.peek(), self.instant.front()) {
            (Some(Reverse(h)), Some(&(at, seq, _))) => (h.at, h.seq) < (at, seq),
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return None,
        };
        let (at, event) = if from_heap {
            let Reverse(key) = self.heap.pop()?;
            self.free.push(key.slot);
            (key.at, self.slots[key.slot].take()?)
        } else {
            let (at, _, event) = self.instant.pop_front()?;
            (at, event)
        };
        self.last_popped = Some(at);
        Some((at, event))
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

    #[test]
    fn reused_slots_keep_the_order_of_a_sorted_reference() {
        let mut q = EventQueue::new();
        let mut reference: Vec<(SimTime, u64)> = Vec::new();
        let (mut x, mut now, mut seq) = (7u64, 0u64, 0u64);
        for round in 0..2000 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            // Pushes at the current instant and later ones, then pops some: slots are freed
            // and taken again while the heap still holds older events.
            for i in 0..(x >> 61) {
                let at = SimTime::from_micros(now + (x >> (40 + i)) % 50);
                q.push(at, seq);
                reference.push((at, seq));
                seq += 1;
            }
            if round % 3 != 0 {
                reference.sort();
                let Some((at, event)) = q.pop() else { continue };
                assert_eq!((at, event), reference.remove(0));
                now = at.as_micros();
            }
        }
        reference.sort();
        let rest: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(rest, reference);
    }
}
