//! The calls of a mount waiting for their replies (`struct rpc_rqst` on the transport's receive
//! queue), by xid, with two indexes kept beside them so that no question walks every call: the
//! running timers in deadline order (the earliest one, and those due) and the calls of each tag
//! (an operation that ended forgets its own). With hundreds of calls outstanding, each costs a
//! few tree steps instead of a look at every call.
//!
//! Why the indexes answer as the walks they replace: a [`Pending`] enters and leaves the table
//! only through [`Calls::insert`] and [`Calls::remove`], and is never changed while in it (the
//! transport takes it out, changes it and puts it back), so `timers` holds exactly
//! `(deadline, xid)` for each call whose deadline is set and `tags` exactly `(tag, xid)` for
//! each call. Hence the first timer is the minimum of the deadlines, the timers up to `now` are
//! the due calls, and the range of a tag is the calls with that tag.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use crate::kernel::SimTime;

/// One call waiting for its reply (`struct rpc_rqst`).
#[derive(Debug, Clone)]
pub(super) struct Pending {
    /// What the call is for (the client's operation).
    pub(super) tag: u64,
    /// The record as sent, for a retransmission.
    pub(super) record: Vec<u8>,
    /// `rq_timeout`.
    pub(super) timeout: Duration,
    /// When the current timer fires (`None` until transmitted).
    pub(super) deadline: Option<SimTime>,
    /// `rq_majortimeo`.
    pub(super) major: SimTime,
    /// `RPC_CALL_MAJORSEEN`.
    pub(super) major_seen: bool,
}

/// The outstanding calls by xid, and their indexes.
#[derive(Debug, Clone, Default)]
pub(super) struct Calls {
    by_xid: BTreeMap<u32, Pending>,
    /// `(deadline, xid)` of each call whose timer runs.
    timers: BTreeSet<(SimTime, u32)>,
    /// `(tag, xid)` of each call.
    tags: BTreeSet<(u64, u32)>,
}

impl Calls {
    /// No call outstanding.
    pub(super) fn is_empty(&self) -> bool {
        self.by_xid.is_empty()
    }

    /// Adds the call `xid` (replacing one with the same xid, as a map insert does).
    pub(super) fn insert(&mut self, xid: u32, p: Pending) {
        let (tag, deadline) = (p.tag, p.deadline);
        if let Some(old) = self.by_xid.insert(xid, p) {
            self.unindex(xid, &old);
        }
        if let Some(d) = deadline {
            self.timers.insert((d, xid));
        }
        self.tags.insert((tag, xid));
    }

    /// Takes the call `xid` out.
    pub(super) fn remove(&mut self, xid: u32) -> Option<Pending> {
        let p = self.by_xid.remove(&xid)?;
        self.unindex(xid, &p);
        Some(p)
    }

    /// Drops the index entries of `p`, the call `xid` that left the table.
    fn unindex(&mut self, xid: u32, p: &Pending) {
        if let Some(d) = p.deadline {
            self.timers.remove(&(d, xid));
        }
        self.tags.remove(&(p.tag, xid));
    }

    /// Forgets every call of `tag`.
    pub(super) fn remove_tag(&mut self, tag: u64) {
        let xids: Vec<u32> = self.tags.range((tag, 0)..=(tag, u32::MAX)).map(|&(_, xid)| xid).collect();
        for xid in xids {
            self.remove(xid);
        }
    }

    /// The earliest deadline of a call.
    pub(super) fn earliest(&self) -> Option<SimTime> {
        self.timers.first().map(|&(d, _)| d)
    }

    /// The calls whose deadline is `now` or earlier, in xid order (the order a walk of the
    /// table by xid finds them in).
    pub(super) fn due(&self, now: SimTime) -> Vec<u32> {
        let mut xids: Vec<u32> = self.timers.range(..=(now, u32::MAX)).map(|&(_, xid)| xid).collect();
        xids.sort_unstable();
        xids
    }

    /// Every call's xid, in order.
    pub(super) fn xids(&self) -> Vec<u32> {
        self.by_xid.keys().copied().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::SimRng;

    fn pending(tag: u64, deadline: Option<SimTime>) -> Pending {
        Pending { tag, record: Vec::new(), timeout: Duration::ZERO, deadline, major: SimTime::ZERO, major_seen: false }
    }

    /// The indexes agree with walks of a plain map under random inserts (some replacing a call),
    /// removals, tag removals and timer questions.
    #[test]
    fn indexes_agree_with_walks_of_the_calls() {
        let mut rng = SimRng::new(25).fork("nfs/calls");
        let mut calls = Calls::default();
        let mut model: BTreeMap<u32, Pending> = BTreeMap::new();
        for _ in 0..20_000 {
            let xid = u32::try_from(rng.range(0, 64)).unwrap_or(0);
            match rng.range(0, 4) {
                0 | 1 => {
                    let deadline = (rng.range(0, 8) > 0).then(|| SimTime::from_micros(rng.range(0, 50)));
                    let p = pending(rng.range(0, 12), deadline);
                    calls.insert(xid, p.clone());
                    model.insert(xid, p);
                }
                2 => assert_eq!(calls.remove(xid).map(|p| (p.tag, p.deadline)), model.remove(&xid).map(|p| (p.tag, p.deadline))),
                _ => {
                    let tag = rng.range(0, 12);
                    calls.remove_tag(tag);
                    model.retain(|_, p| p.tag != tag);
                }
            }
            let now = SimTime::from_micros(rng.range(0, 50));
            assert_eq!(calls.earliest(), model.values().filter_map(|p| p.deadline).min());
            let due: Vec<u32> = model.iter().filter(|(_, p)| p.deadline.is_some_and(|d| d <= now)).map(|(x, _)| *x).collect();
            assert_eq!(calls.due(now), due);
            assert_eq!(calls.xids(), model.keys().copied().collect::<Vec<_>>());
            assert_eq!(calls.is_empty(), model.is_empty());
            assert_eq!(calls.timers.len(), model.values().filter(|p| p.deadline.is_some()).count());
            assert_eq!(calls.tags.len(), model.len());
        }
    }
}
