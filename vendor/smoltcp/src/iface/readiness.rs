//! labsim patch (see `vendor/README.md`): which TCP sockets of a [`SocketSet`] egress must visit,
//! and which ones changed for their user.
//!
//! A TCP socket is *busy* from the moment it is touched (handed out by `get_mut`, given an
//! incoming segment, added) until egress visits it, and stays busy while its `poll_at` says
//! "now"; otherwise it is filed under its timer, or under nothing when it waits for a segment.
//! Every other TCP socket would send nothing if visited, so egress and `poll_at` skip it. The
//! bookkeeping is a few vector writes per socket and a heap of timers whose stale entries (a
//! socket filed again under a new time) are dropped when they reach the top, so that the top is
//! always a live timer.
//!
//! [`SocketSet`]: super::SocketSet

use alloc::collections::BinaryHeap;
use alloc::vec::Vec;
use core::cmp::Reverse;

use crate::socket::PollAt;
use crate::time::Instant;

#[derive(Debug, Default)]
pub(crate) struct Readiness {
    /// Per slot: whether it is listed in `busy`.
    is_busy: Vec<bool>,
    /// The busy slots, in no order.
    busy: Vec<usize>,
    /// Per slot: the time it is filed under.
    timer_of: Vec<Option<Instant>>,
    /// How many slots are filed under a time.
    timed: usize,
    /// (when, slot), earliest on top; an entry whose slot is now filed otherwise is stale.
    timers: BinaryHeap<Reverse<(Instant, usize)>>,
    /// Per slot: whether it is listed in `changed`.
    is_changed: Vec<bool>,
    /// Slots an incoming segment or their own dispatch changed since the user last looked.
    changed: Vec<usize>,
    /// The slots of the egress walk under way (kept to spare an allocation per walk).
    visits: Vec<usize>,
    /// Whether the filings are up to date: not while the set is small (egress walks every
    /// socket and nothing is filed).
    current: bool,
}

impl Readiness {
    #[inline]
    fn grow(&mut self, slot: usize) {
        if slot >= self.is_busy.len() {
            let len = slot + 1;
            self.is_busy.resize(len, false);
            self.timer_of.resize(len, None);
            self.is_changed.resize(len, false);
        }
    }

    /// The socket in `slot` was touched: the next egress visits it.
    pub(crate) fn touch(&mut self, slot: usize) {
        self.grow(slot);
        if !self.is_busy[slot] {
            self.is_busy[slot] = true;
            self.busy.push(slot);
        }
    }

    /// The socket in `slot` took an incoming segment: the next egress visits it, and its user
    /// hears of it.
    pub(crate) fn touch_changed(&mut self, slot: usize) {
        self.touch(slot);
        self.mark_changed(slot);
    }

    /// The socket in `slot` changed in a visit.
    pub(crate) fn mark_changed(&mut self, slot: usize) {
        self.grow(slot);
        if !self.is_changed[slot] {
            self.is_changed[slot] = true;
            self.changed.push(slot);
        }
    }

    /// The socket in `slot` left the set.
    pub(crate) fn forget(&mut self, slot: usize) {
        self.grow(slot);
        self.is_busy[slot] = false;
        self.busy.retain(|&s| s != slot);
        self.is_changed[slot] = false;
        self.changed.retain(|&s| s != slot);
        self.set_timer(slot, None);
    }

    /// Egress walks every socket (the set is small): the filings go out of date.
    pub(crate) fn walk_all(&mut self) {
        self.current = false;
    }

    /// Brings out-of-date filings up to date: they are dropped and `tcp` (every TCP slot) made
    /// busy, so that the next egress visits and files each.
    pub(crate) fn refresh(&mut self, tcp: impl Iterator<Item = usize>) {
        if self.current {
            return;
        }
        self.current = true;
        for slot in self.busy.drain(..) {
            self.is_busy[slot] = false;
        }
        self.timer_of.fill(None);
        self.timed = 0;
        self.timers.clear();
        for slot in tcp {
            self.touch(slot);
        }
    }

    /// The changed slots since the last call, ascending (the list keeps its room for the next
    /// round).
    pub(crate) fn drain_changed(&mut self) -> alloc::vec::Drain<'_, usize> {
        for &slot in &self.changed {
            self.is_changed[slot] = false;
        }
        self.changed.sort_unstable();
        self.changed.drain(..)
    }

    /// The busy slots.
    pub(crate) fn busy(&self) -> &[usize] {
        &self.busy
    }

    /// The earliest time a socket is filed under.
    pub(crate) fn earliest(&self) -> Option<Instant> {
        self.timers.peek().map(|Reverse((t, _))| *t)
    }

    /// The slots egress visits at `now`, ascending: `others`, the busy ones and those whose
    /// time has come. Each is taken out of its filing until [`Readiness::settle`] (or
    /// [`Readiness::give_back`]) files it again.
    pub(crate) fn take_visits(&mut self, now: Instant, others: &[usize]) -> Vec<usize> {
        let mut visits = core::mem::take(&mut self.visits);
        visits.clear();
        visits.extend_from_slice(others);
        for slot in self.busy.drain(..) {
            self.is_busy[slot] = false;
            visits.push(slot);
        }
        while let Some(&Reverse((t, slot))) = self.timers.peek() {
            if t > now {
                break;
            }
            self.timers.pop();
            if self.timer_of[slot] == Some(t) {
                self.timer_of[slot] = None;
                self.timed -= 1;
                visits.push(slot);
            }
        }
        self.drop_stale();
        visits.sort_unstable();
        visits.dedup();
        visits
    }

    /// The walk is over: `visits[from..]` were not visited (the device was full) and stay busy.
    pub(crate) fn give_back(&mut self, visits: Vec<usize>, from: usize) {
        for &slot in &visits[from.min(visits.len())..] {
            self.touch(slot);
        }
        self.visits = visits;
    }

    /// Files the TCP socket in `slot` after its visit by its `poll_at`; `changed` if the visit
    /// changed its state or queues.
    pub(crate) fn settle(&mut self, slot: usize, at: PollAt, changed: bool) {
        self.grow(slot);
        if changed {
            self.mark_changed(slot);
        }
        match at {
            PollAt::Now => {
                self.set_timer(slot, None);
                self.touch(slot);
            }
            PollAt::Time(t) => self.set_timer(slot, Some(t)),
            PollAt::Ingress => self.set_timer(slot, None),
        }
    }

    fn set_timer(&mut self, slot: usize, at: Option<Instant>) {
        let old = self.timer_of[slot];
        if old == at {
            return;
        }
        self.timed = self.timed + usize::from(at.is_some()) - usize::from(old.is_some());
        self.timer_of[slot] = at;
        if let Some(t) = at {
            self.timers.push(Reverse((t, slot)));
        }
        if self.timers.len() > 2 * self.timed + 64 {
            // Mostly stale: rebuilt from the live filings, so the heap stays linear in them.
            let live = self.timer_of.iter().enumerate().filter_map(|(s, t)| Some(Reverse(((*t)?, s))));
            self.timers = live.collect();
        }
        self.drop_stale();
    }

    /// Pops stale entries off the top, so that the top is a live filing.
    fn drop_stale(&mut self) {
        while let Some(&Reverse((t, slot))) = self.timers.peek() {
            if self.timer_of.get(slot).copied().flatten() == Some(t) {
                break;
            }
            self.timers.pop();
        }
    }
}
