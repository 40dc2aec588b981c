//! The connects in SYN-SENT whose SYN the kernel retransmits ([`super::syn`]), found by their
//! socket, by their 4-tuple and by when they next need the kernel: a host with thousands of
//! connects under way (`ab -c 15000`) no longer walks them all for every packet it sends, every
//! socket it closes and every poll.
//!
//! They are kept in the order they were made, the order in which the kernel looks at them (so
//! that retransmissions leave in that order). A connect whose socket has left SYN-SENT (answered,
//! refused) stays until the kernel next looks at the connects ([`Connects::take_due`]), as it
//! did when they were a list walked at each poll: until then its next deadline still counts and
//! a lookup by 4-tuple still finds it first.
//!
//! A few connects (a client's one, nginx's to its backends) are looked up by walking them: two
//! B-tree indexes, updated for every connect, would cost more than the walks (about 3 000
//! instructions a connection). Past [`INDEX_ABOVE`] connects the indexes are built, and they go
//! again below [`WALK_BELOW`].

use std::collections::{BTreeSet, VecDeque};
use std::net::Ipv4Addr;

use smoltcp::iface::SocketHandle;

use super::syn::{Connecting, SynSchedule};
use crate::kernel::SimTime;

/// More connects than this are indexed.
const INDEX_ABOVE: usize = 32;
/// Fewer connects than this are walked again (apart from [`INDEX_ABOVE`], so that a count going
/// up and down around one value does not build and drop the indexes each time).
const WALK_BELOW: usize = 16;

/// (local port, remote address, remote port), what a SYN and its ICMP errors carry, packed
/// into one integer (cheap to compare).
type Tuple = u64;

/// A connect and the deadline it is filed under (once its first SYN has left).
type Entry = (Connecting, Option<SimTime>);

/// The connects, each under the number of its `connect()` (ascending: the order they were made).
#[derive(Default)]
pub(super) struct Connects {
    next: u64,
    /// Each connect by number, ascending: the connect (`None` once it is gone) and the deadline
    /// it is filed under (once its first SYN has left). A vector, not a tree, so that a
    /// connection costs no allocation: the gone ones leave from the front, and the list is
    /// compacted when they outnumber the others.
    entries: VecDeque<(u64, Option<Entry>)>,
    /// How many entries hold a connect.
    live: usize,
    /// By socket slot, its connects (one, but for a socket connected again before the kernel
    /// looked at its first connect).
    by_socket: Vec<Vec<u64>>,
    /// Kept while there are many connects.
    index: Option<Index>,
    /// Connects whose socket changed since the kernel last looked (it may have left SYN-SENT).
    changed: Vec<u64>,
}

/// The connects by 4-tuple and by deadline.
#[derive(Default)]
struct Index {
    by_tuple: BTreeSet<(Tuple, u64)>,
    due: BTreeSet<(SimTime, u64)>,
}

impl Index {
    /// Files connect `n`, of deadline `due`.
    fn file(&mut self, n: u64, c: &Connecting, due: Option<SimTime>) {
        self.by_tuple.insert((tuple(c.local_port, c.remote), n));
        if let Some(t) = due {
            self.due.insert((t, n));
        }
    }

    /// Takes connect `n`, filed under deadline `due`, out.
    fn unfile(&mut self, n: u64, c: &Connecting, due: Option<SimTime>) {
        self.by_tuple.remove(&(tuple(c.local_port, c.remote), n));
        if let Some(t) = due {
            self.due.remove(&(t, n));
        }
    }
}

impl Connects {
    /// Whether no connect is under way.
    pub(super) fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// The connects, in the order they were made.
    fn iter(&self) -> impl Iterator<Item = (u64, &Connecting, Option<SimTime>)> {
        self.entries.iter().filter_map(|(n, e)| e.as_ref().map(|(c, due)| (*n, c, *due)))
    }

    /// Where connect `n`'s entry is, unless it left the list.
    fn position(&self, n: u64) -> Option<usize> {
        self.entries.binary_search_by_key(&n, |&(m, _)| m).ok()
    }

    /// Connect `n` and its deadline, unless it is gone.
    fn entry_mut(&mut self, n: u64) -> Option<&mut Entry> {
        let i = self.position(n)?;
        self.entries[i].1.as_mut()
    }

    /// A new connect (its first SYN not sent yet).
    pub(super) fn push(&mut self, c: Connecting) {
        let n = self.next;
        self.next += 1;
        let slot = c.handle.index();
        if self.by_socket.len() <= slot {
            self.by_socket.resize_with(slot + 1, Vec::new);
        }
        self.by_socket[slot].push(n);
        if let Some(index) = self.index.as_mut() {
            index.file(n, &c, None);
        }
        self.entries.push_back((n, Some((c, None))));
        self.live += 1;
        if self.index.is_none() && self.live > INDEX_ABOVE {
            let mut index = Index::default();
            for (n, c, due) in self.iter() {
                index.file(n, c, due);
            }
            self.index = Some(index);
        }
    }

    /// Forgets every connect of socket `h` (`close()`).
    pub(super) fn remove_socket(&mut self, h: SocketHandle) {
        while let Some(&n) = self.by_socket.get(h.index()).and_then(|ns| ns.first()) {
            self.remove(n);
        }
    }

    /// The first connect (in the order they were made) with this 4-tuple.
    pub(super) fn find(&self, local_port: u16, remote: (Ipv4Addr, u16)) -> Option<u64> {
        match &self.index {
            Some(index) => {
                let t = tuple(local_port, remote);
                index.by_tuple.range((t, 0)..=(t, u64::MAX)).next().map(|&(_, n)| n)
            }
            None => self.iter().find(|(_, c, _)| c.local_port == local_port && c.remote == remote).map(|(n, _, _)| n),
        }
    }

    /// Connect `n`, unless it is gone.
    pub(super) fn get(&self, n: u64) -> Option<&Connecting> {
        let i = self.position(n)?;
        self.entries[i].1.as_ref().map(|(c, _)| c)
    }

    /// Takes connect `n` out.
    pub(super) fn remove(&mut self, n: u64) -> Option<Connecting> {
        let i = self.position(n)?;
        let (c, due) = self.entries[i].1.take()?;
        self.live -= 1;
        while self.entries.front().is_some_and(|(_, e)| e.is_none()) {
            self.entries.pop_front();
        }
        if self.entries.len() > 2 * self.live + INDEX_ABOVE {
            self.entries.retain(|(_, e)| e.is_some());
        }
        if let Some(ns) = self.by_socket.get_mut(c.handle.index()) {
            ns.retain(|&m| m != n);
        }
        if let Some(index) = self.index.as_mut() {
            index.unfile(n, &c, due);
            if self.live < WALK_BELOW {
                self.index = None;
            }
        }
        Some(c)
    }

    /// Connect `n`'s first SYN left at `at` (its bytes kept for the retransmissions).
    pub(super) fn started(&mut self, n: u64, at: SimTime, syn: Vec<u8>, schedule: Option<&SynSchedule>) {
        let Some((c, _)) = self.entry_mut(n) else { return };
        c.first = Some((at, syn));
        self.refile(n, schedule);
    }

    /// Connect `n` sent its next retransmission.
    pub(super) fn retransmitted(&mut self, n: u64, schedule: &SynSchedule) {
        let Some((c, _)) = self.entry_mut(n) else { return };
        c.sent += 1;
        self.refile(n, Some(schedule));
    }

    /// Files connect `n` under its next deadline.
    fn refile(&mut self, n: u64, schedule: Option<&SynSchedule>) {
        let Some((c, filed)) = self.entry_mut(n) else { return };
        let due = schedule.and_then(|s| c.next_due(s));
        let old = std::mem::replace(filed, due);
        if let Some(index) = self.index.as_mut() {
            if let Some(t) = old {
                index.due.remove(&(t, n));
            }
            if let Some(t) = due {
                index.due.insert((t, n));
            }
        }
    }

    /// Notes that socket `h` changed (an incoming segment, its own dispatch): the kernel looks
    /// at its connects at the next [`Connects::take_due`].
    pub(super) fn socket_changed(&mut self, h: SocketHandle) {
        if let Some(ns) = self.by_socket.get(h.index()) {
            self.changed.extend_from_slice(ns);
        }
    }

    /// The connects the kernel must look at `now`, in the order they were made: those due and
    /// those whose socket changed. Every other one is in SYN-SENT and not due, and would be
    /// left as it is. The list goes back with [`Connects::looked`], so that its room serves
    /// again.
    pub(super) fn take_due(&mut self, now: SimTime) -> Vec<u64> {
        let mut look = std::mem::take(&mut self.changed);
        match &self.index {
            Some(index) => look.extend(index.due.iter().take_while(|&&(t, _)| t <= now).map(|&(_, n)| n)),
            None => look.extend(self.iter().filter(|(_, _, due)| due.is_some_and(|t| t <= now)).map(|(n, _, _)| n)),
        }
        look.sort_unstable();
        look.dedup();
        look
    }

    /// The kernel has looked at the connects [`Connects::take_due`] gave.
    pub(super) fn looked(&mut self, mut look: Vec<u64>) {
        if self.changed.is_empty() {
            look.clear();
            self.changed = look;
        }
    }

    /// When the earliest connect next needs the kernel, if any has started.
    pub(super) fn earliest(&self) -> Option<SimTime> {
        match &self.index {
            Some(index) => index.due.first().map(|&(t, _)| t),
            None => self.iter().filter_map(|(_, _, due)| due).min(),
        }
    }
}

/// The key of a 4-tuple.
fn tuple(local_port: u16, (addr, port): (Ipv4Addr, u16)) -> Tuple {
    u64::from(local_port) << 48 | u64::from(addr.to_bits()) << 16 | u64::from(port)
}

#[cfg(test)]
mod tests {
    use smoltcp::iface::SocketSet;
    use smoltcp::socket::tcp;

    use super::*;
    use crate::host::kernel::syscall::TcpSysctl;

    const SERVER: (Ipv4Addr, u16) = (Ipv4Addr::new(10, 0, 0, 1), 80);

    fn handles(n: usize) -> Vec<SocketHandle> {
        let mut set = SocketSet::new(vec![]);
        let socket = || tcp::Socket::new(tcp::SocketBuffer::new(vec![0; 1]), tcp::SocketBuffer::new(vec![0; 1]));
        (0..n).map(|_| set.add(socket())).collect()
    }

    fn connect(handle: SocketHandle, local_port: u16) -> Connecting {
        Connecting { handle, local_port, remote: SERVER, first: None, sent: 0 }
    }

    fn at(ms: u64) -> SimTime {
        SimTime::from_micros(ms * 1000)
    }

    #[test]
    fn a_tuple_finds_its_first_connect_and_a_close_forgets_every_connect_of_the_socket() {
        let h = handles(2);
        let mut c = Connects::default();
        c.push(connect(h[0], 40000));
        c.push(connect(h[1], 40000));
        c.push(connect(h[0], 40001));
        assert_eq!(c.find(40000, SERVER), Some(0));
        assert_eq!(c.find(40001, SERVER), Some(2));
        assert_eq!(c.find(40002, SERVER), None);
        c.remove_socket(h[0]);
        assert_eq!(c.find(40000, SERVER), Some(1));
        assert_eq!(c.find(40001, SERVER), None);
        assert_eq!(c.remove(1).map(|x| x.handle), Some(h[1]));
        assert!(c.is_empty());
    }

    #[test]
    fn the_kernel_looks_at_the_due_and_the_changed_connects_in_the_order_they_were_made() {
        let schedule = SynSchedule::of(&TcpSysctl::LINUX_3_10);
        let h = handles(3);
        let mut c = Connects::default();
        for (i, &handle) in h.iter().enumerate() {
            c.push(connect(handle, 40000 + i as u16));
        }
        // Not started: nothing is due, whatever the time.
        assert_eq!(c.earliest(), None);
        assert!(c.take_due(at(10_000)).is_empty());
        c.started(2, at(0), vec![], Some(&schedule));
        c.started(1, at(500), vec![], Some(&schedule));
        assert_eq!(c.earliest(), Some(at(1000)), "the first retransmission, 1 s after the SYN");
        c.socket_changed(h[0]);
        assert_eq!(c.take_due(at(999)), vec![0]);
        assert_eq!(c.take_due(at(1500)), vec![1, 2]);
        // After its first retransmission, connect 2 is next due 3 s after its SYN.
        c.retransmitted(2, &schedule);
        assert_eq!(c.earliest(), Some(at(1500)));
        c.remove(1);
        assert_eq!(c.earliest(), Some(at(3000)));
        assert_eq!(c.get(2).map(|x| x.sent), Some(1));
    }

    /// The list the kernel used to walk, for comparison: (number, handle, tuple, deadline).
    #[derive(Default)]
    struct Walked(Vec<(u64, SocketHandle, u16, Option<SimTime>)>);

    /// Random connects, starts, retransmissions, closes and changes, with up to 80 connects at
    /// once (so that the indexes are built and dropped again and again): every answer is the
    /// walk's.
    #[test]
    fn indexed_or_walked_the_answers_are_those_of_a_walk_over_every_connect() {
        let schedule = SynSchedule::of(&TcpSysctl::LINUX_6);
        let h = handles(100);
        let mut rng = crate::kernel::SimRng::new(3).fork("connects");
        let (mut c, mut walked) = (Connects::default(), Walked::default());
        let (mut now, mut changed) = (0, Vec::new());
        let (mut indexed, mut walked_again) = (false, false);
        for step in 0..20_000 {
            // The population drifts up to 80 and back down to a few, over and over.
            let target = if (step / 2_000) % 2 == 0 { 80 } else { 4 };
            let port = 40_000 + rng.range(0, 8) as u16;
            let grow = walked.0.len() < target;
            match rng.range(0, 6) {
                0 | 1 if grow => {
                    let socket = h[rng.range(0, 100) as usize];
                    walked.0.push((c.next, socket, port, None));
                    c.push(connect(socket, port));
                }
                0..=2 => {
                    if let Some(&(_, socket, _, _)) = walked.0.get(rng.range(0, walked.0.len().max(1) as u64) as usize) {
                        c.remove_socket(socket);
                        walked.0.retain(|e| e.1 != socket);
                    }
                }
                3 => {
                    if let Some(e) = walked.0.iter_mut().find(|e| e.2 == port) {
                        let n = e.0;
                        let first = c.get(n).is_some_and(|x| x.first.is_some());
                        if !first {
                            c.started(n, at(now), vec![], Some(&schedule));
                        } else if c.get(n).is_some_and(|x| x.sent < schedule.retransmits.len()) {
                            c.retransmitted(n, &schedule);
                        }
                        e.3 = c.get(n).and_then(|x| x.next_due(&schedule));
                    }
                }
                4 if rng.range(0, 2) == 0 => now += rng.range(0, 3_000),
                4 => {
                    let socket = h[rng.range(0, 100) as usize];
                    c.socket_changed(socket);
                    changed.extend(walked.0.iter().filter(|e| e.1 == socket).map(|e| e.0));
                }
                _ => {
                    let look = c.take_due(at(now));
                    let mut due = std::mem::take(&mut changed);
                    due.extend(walked.0.iter().filter(|e| e.3.is_some_and(|t| t <= at(now))).map(|e| e.0));
                    due.sort_unstable();
                    due.dedup();
                    assert_eq!(look, due, "step {step}");
                    c.looked(look);
                }
            }
            indexed |= c.index.is_some();
            walked_again |= indexed && c.index.is_none();
            assert_eq!(c.earliest(), walked.0.iter().filter_map(|e| e.3).min(), "step {step}");
            let first = walked.0.iter().find(|e| e.2 == port).map(|e| e.0);
            assert_eq!(c.find(port, SERVER), first, "step {step}");
            assert_eq!(c.is_empty(), walked.0.is_empty());
        }
        assert!(indexed && walked_again, "the indexes were built and dropped");
    }
}
