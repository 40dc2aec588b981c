//! The event queue: a total order on (time, insertion sequence).
//!
//! Most events a lab schedules are for the instant being processed (a host's wake-up for the
//! frames that just reached it), so those skip the heap: an event pushed for the time of the
//! last event popped joins a FIFO of that instant, whose sequence numbers are all greater than
//! those of the heap's events at the same time. Popping takes the smaller (time, sequence) of
//! the heap's top and the FIFO's front, so the order is exactly the heap's alone.

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, VecDeque};

use super::SimTime;

/// A priority queue of events that pops the earliest first and, among events at the same instant,
/// the one pushed first. Nothing else about an event influences the order.
#[derive(Debug)]
pub(crate) struct EventQueue<E> {
    heap: BinaryHeap<Reverse<Entry<E>>>,
    /// Events pushed for the instant of the last pop, in insertion order.
    instant: VecDeque<Entry<E>>,
    /// When the last popped event was due.
    last_popped: Option<SimTime>,
    next_seq: u64,
}

#[derive(Debug)]
struct Entry<E> {
    at: SimTime,
    seq: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue { heap: BinaryHeap::new(), instant: VecDeque::new(), last_popped: None, next_seq: 0 }
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
        let entry = Entry { at, seq, event };
        if self.last_popped == Some(at) && self.instant.back().is_none_or(|e| e.at == at) {
            self.instant.push_back(entry);
        } else {
            self.heap.push(Reverse(entry));
        }
    }

    /// The time of the earliest event, if any.
    pub(crate) fn peek_time(&self) -> Option<SimTime> {
        [self.heap.peek().map(|Reverse(e)| e.at), self.instant.front().map(|e| e.at)].into_iter().flatten().min()
    }

    /// Removes and returns the earliest event.
    pub(crate) fn pop(&mut self) -> Option<(SimTime, E)> {
        let from_heap = match (self.heap.peek(), self.instant.front()) {
            (Some(Reverse(h)), Some(f)) => h < f,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return None,
        };
        let e = if from_heap { self.heap.pop().map(|Reverse(e)| e) } else { self.instant.pop_front() }?;
        self.last_popped = Some(e.at);
        Some((e.at, e.event))
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
}
