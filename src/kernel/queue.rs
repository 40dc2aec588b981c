//! The event queue: a total order on (time, insertion sequence).
//!
//! Most events a lab schedules skip the heap. An event pushed for the time of the last event
//! popped (a host's wake-up for the frames that just reached it) joins a FIFO of that instant,
//! whose sequence numbers are all greater than those of the heap's events at the same time. An
//! event scheduled a fixed delay after the present (a frame, which reaches its NICs two link
//! latencies after it left) joins the FIFO of that delay: the present never goes back, so each
//! such FIFO is in (time, sequence) order too. Popping takes the smallest (time, sequence) of
//! the heap's top and the FIFOs' fronts, so the order is exactly the heap's alone.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::time::Duration;

use super::SimTime;

/// How many distinct delays get a FIFO of their own (a lab has one link latency per network,
/// and most labs one for all); events scheduled with any other delay go to the heap.
const MAX_LANES: usize = 4;

/// A priority queue of events that pops the earliest first and, among events at the same instant,
/// the one pushed first. Nothing else about an event influences the order.
#[derive(Debug)]
pub(crate) struct EventQueue<E> {
    /// The keys of the events in no FIFO. Their events wait in `slots`, so that sifting moves
    /// small keys, not events.
    heap: BinaryHeap<Reverse<Key>>,
    /// The heap's events, by [`Key::slot`]; `None` where a slot is free.
    slots: Vec<Option<E>>,
    /// Free indices of `slots`.
    free: Vec<usize>,
    /// Events pushed for the instant of the last pop, in insertion order.
    instant: Fifo<E>,
    /// Events scheduled a fixed delay after the present ([`EventQueue::push_after`]), one FIFO
    /// per delay, in insertion order.
    lanes: Vec<(Duration, Fifo<E>)>,
    /// When the last popped event was due.
    last_popped: Option<SimTime>,
    next_seq: u64,
    /// Events pushed and popped so far: what tells a [`Peeked`] taken before a change.
    changes: u64,
}

/// Events in (time, sequence) order, with their time and sequence.
type Fifo<E> = VecDeque<(SimTime, u64, E)>;

/// Where the earliest event waits, and when it is due ([`EventQueue::peek`]).
#[derive(Clone, Copy)]
pub(crate) struct Peeked {
    source: Source,
    /// When the event is due.
    pub(crate) at: SimTime,
    /// The queue's [`EventQueue::changes`] when it was taken.
    stamp: u64,
}

/// Where the earliest event waits.
#[derive(Clone, Copy)]
enum Source {
    Heap,
    Instant,
    Lane(usize),
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
            lanes: Vec::new(),
            last_popped: None,
            next_seq: 0,
            changes: 0,
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
        let seq = self.take_seq();
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

    /// Schedules `event` `delay` after `now`, the caller's present, which never goes back from
    /// one call to the next (when it does, the event goes to the heap: the order holds anyway).
    pub(crate) fn push_after(&mut self, now: SimTime, delay: Duration, event: E) {
        let at = now + delay;
        let lane = match self.lanes.iter().position(|(d, _)| *d == delay) {
            Some(i) => Some(i),
            None if self.lanes.len() < MAX_LANES => {
                self.lanes.push((delay, VecDeque::new()));
                Some(self.lanes.len() - 1)
            }
            None => None,
        };
        match lane {
            Some(i) if self.lanes[i].1.back().is_none_or(|&(t, _, _)| t <= at) => {
                let seq = self.take_seq();
                self.lanes[i].1.push_back((at, seq, event));
            }
            _ => self.push(at, event),
        }
    }

    fn take_seq(&mut self) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.changes += 1;
        seq
    }

    /// Where the earliest event waits, and its time.
    fn earliest(&self) -> Option<(Source, SimTime)> {
        let mut best = self.heap.peek().map(|Reverse(k)| (Source::Heap, k.at, k.seq));
        let lanes = self.lanes.iter().enumerate().map(|(i, (_, fifo))| (Source::Lane(i), fifo));
        for (source, fifo) in [(Source::Instant, &self.instant)].into_iter().chain(lanes) {
            if let Some(&(at, seq, _)) = fifo.front()
                && best.is_none_or(|(_, t, s)| (at, seq) < (t, s))
            {
                best = Some((source, at, seq));
            }
        }
        best.map(|(source, at, _)| (source, at))
    }

    /// Where the earliest event waits, for a [`Peeked`] the queue has changed since (never, in
    /// the lab's loop).
    #[cold]
    #[inline(never)]
    fn earliest_again(&self) -> Option<Source> {
        self.earliest().map(|(source, _)| source)
    }

    /// The time of the earliest event, if any.
    pub(crate) fn peek_time(&self) -> Option<SimTime> {
        self.earliest().map(|(_, at)| at)
    }

    /// The earliest event's place and time, to look at before taking it with
    /// [`EventQueue::pop_peeked`] (an event loop that peeks at every event before popping it
    /// would otherwise look for the earliest twice).
    pub(crate) fn peek(&self) -> Option<Peeked> {
        self.earliest().map(|(source, at)| Peeked { source, at, stamp: self.changes })
    }

    /// Removes and returns the earliest event.
    pub(crate) fn pop(&mut self) -> Option<(SimTime, E)> {
        let peeked = self.peek()?;
        self.pop_peeked(peeked)
    }

    /// Removes and returns the earliest event, which `peeked` says where to find unless the
    /// queue changed since [`EventQueue::peek`] took it (then it is looked for again).
    pub(crate) fn pop_peeked(&mut self, peeked: Peeked) -> Option<(SimTime, E)> {
        let source = if peeked.stamp == self.changes { peeked.source } else { self.earliest_again()? };
        self.changes += 1;
        let (at, event) = match source {
            Source::Heap => {
                let Reverse(key) = self.heap.pop()?;
                self.free.push(key.slot);
                (key.at, self.slots[key.slot].take()?)
            }
            Source::Instant => self.instant.pop_front().map(|(at, _, e)| (at, e))?,
            Source::Lane(i) => self.lanes[i].1.pop_front().map(|(at, _, e)| (at, e))?,
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
    fn a_peek_taken_before_a_change_still_pops_the_earliest() {
        let mut q = EventQueue::new();
        let t = |us| SimTime::from_micros(us);
        q.push(t(5), "late");
        let peeked = q.peek().expect("an event");
        assert_eq!(peeked.at, t(5));
        // Into a delay lane, not the heap the peek pointed at.
        q.push_after(t(0), Duration::from_micros(1), "early");
        assert_eq!(q.pop_peeked(peeked), Some((t(1), "early")));
        let peeked = q.peek().expect("an event");
        assert_eq!(q.pop(), Some((t(5), "late")));
        assert_eq!(q.pop_peeked(peeked), None);
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
    fn reused_slots_and_fixed_delays_keep_the_order_of_a_sorted_reference() {
        let mut q = EventQueue::new();
        let mut reference: Vec<(SimTime, u64)> = Vec::new();
        let (mut x, mut now, mut seq) = (7u64, 0u64, 0u64);
        for round in 0..4000 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            // Pushes at the current instant and later ones, then pops some: slots are freed
            // and taken again while the heap still holds older events. Every other event is
            // scheduled with one of more fixed delays than there are FIFOs, from a present
            // that goes back now and then (those go to the heap).
            for i in 0..(x >> 61) {
                let r = x >> (40 + i);
                let at = if r % 2 == 0 {
                    let from = SimTime::from_micros(now.saturating_sub(r % 7 / 6 * 3));
                    let delay = Duration::from_micros(r / 2 % (MAX_LANES as u64 + 2) * 10);
                    q.push_after(from, delay, seq);
                    from + delay
                } else {
                    let at = SimTime::from_micros(now + r % 50);
                    q.push(at, seq);
                    at
                };
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
