use core::fmt;
use managed::ManagedSlice;

#[cfg(feature = "alloc")]
use alloc::collections::{BTreeMap, BTreeSet};
#[cfg(feature = "alloc")]
use alloc::vec::Vec;

#[cfg(feature = "alloc")]
use crate::wire::IpAddress;

#[cfg(feature = "alloc")]
use super::readiness::Readiness;
#[cfg(feature = "alloc")]
use super::tcp_index::{Filing, TcpIndex};
use super::socket_meta::Meta;
use crate::socket::{AnySocket, PollAt, Socket};
use crate::time::Instant;

/// Opaque struct with space for storing one socket.
///
/// This is public so you can use it to allocate space for storing
/// sockets when creating an Interface.
#[derive(Debug, Default)]
pub struct SocketStorage<'a> {
    inner: Option<Item<'a>>,
}

impl<'a> SocketStorage<'a> {
    pub const EMPTY: Self = Self { inner: None };
}

/// An item of a socket set.
#[derive(Debug)]
pub(crate) struct Item<'a> {
    pub(crate) meta: Meta,
    pub(crate) socket: Socket<'a>,
}

/// A handle, identifying a socket in an Interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SocketHandle(usize);

// labsim patch: the slot's index, so that a user can keep a table per socket in a vector.
impl SocketHandle {
    /// The index of the handle's slot in its set (a set's handles are dense from 0).
    pub fn index(self) -> usize {
        self.0
    }
}

impl fmt::Display for SocketHandle {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// An extensible set of sockets.
///
/// The lifetime `'a` is used when storing a `Socket<'a>`.  If you're using
/// owned buffers for your sockets (passed in as `Vec`s) you can use
/// `SocketSet<'static>`.
///
/// labsim patch (see `vendor/README.md`): with `alloc`, the set also keeps the slots of its
/// sockets that are not TCP, so that the raw, ICMP and UDP walks of every incoming packet visit
/// those only, and the slot of the socket that took each TCP 4-tuple last, which the TCP
/// dispatch tries before it walks the set. It also knows which TCP sockets egress must visit
/// (readiness): those touched since their last visit (by `get_mut`, an incoming segment, or
/// being added) and those whose timer is due; every other TCP socket would send nothing, so
/// egress and `poll_at` skip it. And it collects the TCP sockets an incoming segment or a timer
/// changed, for the user's own readiness (`drain_changed`). And it files its TCP sockets by
/// their 4-tuple's ports or their listen port, so that a segment the hint does not place (a SYN) is offered to the
/// sockets that may accept it rather than to every socket (`find_tcp`).
#[derive(Debug)]
pub struct SocketSet<'a> {
    sockets: ManagedSlice<'a, SocketStorage<'a>>,
    /// Slots holding a socket that is not TCP, ascending.
    #[cfg(feature = "alloc")]
    others: Vec<usize>,
    /// (local address, local port, remote address, remote port) → the slot of the TCP socket
    /// that accepted the last packet of that 4-tuple. Only a hint: a socket is used only if it
    /// still accepts the packet.
    #[cfg(feature = "alloc")]
    tcp_hints: BTreeMap<u128, usize>,
    /// Which TCP sockets egress must visit, and which changed for their user.
    #[cfg(feature = "alloc")]
    readiness: Readiness,
    /// The TCP sockets that may accept a segment, by their 4-tuple's ports or listen port.
    #[cfg(feature = "alloc")]
    tcp_index: TcpIndex,
    /// The empty slots, so that `add` takes the lowest without walking the full ones before it.
    #[cfg(feature = "alloc")]
    vacant: BTreeSet<usize>,
}

/// labsim patch: below this many TCP slots egress walks every socket (see
/// [`SocketSet::visit_egress`]).
#[cfg(feature = "alloc")]
const WALK_BELOW: usize = 32;

/// A TCP 4-tuple as a packet carries it, seen from the receiving side.
#[cfg(feature = "alloc")]
pub(crate) type TcpKey = (IpAddress, u16, IpAddress, u16);

/// labsim patch: a 4-tuple packed into one integer, the key of the hints: a lookup then compares
/// integers, not addresses octet by octet. An IPv6 address is folded to 32 bits, so two
/// 4-tuples may share a key; a hint is used only if its socket accepts the packet, so a shared
/// key costs a search, never a wrong socket.
#[cfg(feature = "alloc")]
fn hint_key(&(local, local_port, remote, remote_port): &TcpKey) -> u128 {
    let bits = |addr: IpAddress| -> u128 {
        match addr {
            #[cfg(feature = "proto-ipv4")]
            IpAddress::Ipv4(a) => u128::from(a.to_bits()),
            #[cfg(feature = "proto-ipv6")]
            IpAddress::Ipv6(a) => {
                let b = a.to_bits();
                u128::from((b ^ (b >> 32) ^ (b >> 64) ^ (b >> 96)) as u32)
            }
        }
    };
    bits(local) << 64 | u128::from(local_port) << 48 | bits(remote) << 16 | u128::from(remote_port)
}

impl<'a> SocketSet<'a> {
    /// Create a socket set using the provided storage.
    pub fn new<SocketsT>(sockets: SocketsT) -> SocketSet<'a>
    where
        SocketsT: Into<ManagedSlice<'a, SocketStorage<'a>>>,
    {
        let sockets = sockets.into();
        #[cfg(feature = "alloc")]
        {
            let others = sockets
                .iter()
                .enumerate()
                .filter(|(_, s)| s.inner.as_ref().is_some_and(|i| !Self::is_tcp(&i.socket)))
                .map(|(i, _)| i)
                .collect();
            let mut readiness = Readiness::default();
            for (slot, s) in sockets.iter().enumerate() {
                if s.inner.as_ref().is_some_and(|i| Self::is_tcp(&i.socket)) {
                    readiness.touch(slot);
                }
            }
            let vacant = sockets
                .iter()
                .enumerate()
                .filter(|(_, s)| s.inner.is_none())
                .map(|(i, _)| i)
                .collect();
            SocketSet {
                sockets,
                others,
                tcp_hints: BTreeMap::new(),
                readiness,
                tcp_index: TcpIndex::default(),
                vacant,
            }
        }
        #[cfg(not(feature = "alloc"))]
        SocketSet { sockets }
    }

    #[cfg(feature = "alloc")]
    fn is_tcp(socket: &Socket<'a>) -> bool {
        #[cfg(feature = "socket-tcp")]
        if let Socket::Tcp(_) = socket {
            return true;
        }
        let _ = socket;
        false
    }

    /// Add a socket to the set, and return its handle.
    ///
    /// # Panics
    /// This function panics if the storage is fixed-size (not a `Vec`) and is full.
    pub fn add<T: AnySocket<'a>>(&mut self, socket: T) -> SocketHandle {
        fn put<'a>(index: usize, slot: &mut SocketStorage<'a>, socket: Socket<'a>) -> SocketHandle {
            net_trace!("[{}]: adding", index);
            let handle = SocketHandle(index);
            let mut meta = Meta::default();
            meta.handle = handle;
            *slot = SocketStorage {
                inner: Some(Item { meta, socket }),
            };
            handle
        }

        let socket = socket.upcast();
        #[cfg(feature = "alloc")]
        let other = !Self::is_tcp(&socket);
        #[cfg(feature = "alloc")]
        let filing = Self::tcp_filing(&socket);

        let handle = 'put: {
            // labsim patch: with `alloc` the lowest empty slot is known; without, it is looked for.
            #[cfg(feature = "alloc")]
            if let Some(index) = self.vacant.pop_first() {
                break 'put put(index, &mut self.sockets[index], socket);
            }
            #[cfg(not(feature = "alloc"))]
            for (index, slot) in self.sockets.iter_mut().enumerate() {
                if slot.inner.is_none() {
                    break 'put put(index, slot, socket);
                }
            }

            match &mut self.sockets {
                ManagedSlice::Borrowed(_) => panic!("adding a socket to a full SocketSet"),
                #[cfg(feature = "alloc")]
                ManagedSlice::Owned(sockets) => {
                    sockets.push(SocketStorage { inner: None });
                    let index = sockets.len() - 1;
                    put(index, &mut sockets[index], socket)
                }
            }
        };
        #[cfg(feature = "alloc")]
        if other {
            if let Err(at) = self.others.binary_search(&handle.0) {
                self.others.insert(at, handle.0);
            }
        } else if !self.is_small() {
            self.readiness.touch(handle.0);
            self.refresh_readiness();
        }
        #[cfg(feature = "alloc")]
        if self.tcp_index.is_current() {
            self.tcp_index.file(handle.0, filing);
        }
        handle
    }

    /// Get a socket from the set by its handle, as mutable.
    ///
    /// # Panics
    /// This function may panic if the handle does not belong to this socket set
    /// or the socket has the wrong type.
    pub fn get<T: AnySocket<'a>>(&self, handle: SocketHandle) -> &T {
        match self.sockets[handle.0].inner.as_ref() {
            Some(item) => {
                T::downcast(&item.socket).expect("handle refers to a socket of a wrong type")
            }
            None => panic!("handle does not refer to a valid socket"),
        }
    }

    /// Get a mutable socket from the set by its handle, as mutable.
    ///
    /// # Panics
    /// This function may panic if the handle does not belong to this socket set
    /// or the socket has the wrong type.
    ///
    /// labsim patch: a TCP socket handed out this way is visited by the next egress, and filed
    /// again for the TCP dispatch before its next lookup.
    pub fn get_mut<T: AnySocket<'a>>(&mut self, handle: SocketHandle) -> &mut T {
        // A small set is walked whole: nothing to file.
        #[cfg(feature = "alloc")]
        let file = !self.is_small();
        match self.sockets[handle.0].inner.as_mut() {
            Some(item) => {
                #[cfg(feature = "alloc")]
                if Self::is_tcp(&item.socket) {
                    if file {
                        self.readiness.touch(handle.0);
                    }
                    if self.tcp_index.is_current() {
                        self.tcp_index.mark_stale(handle.0);
                    }
                }
                T::downcast_mut(&mut item.socket)
                    .expect("handle refers to a socket of a wrong type")
            }
            None => panic!("handle does not refer to a valid socket"),
        }
    }

    /// Remove a socket from the set, without changing its state.
    ///
    /// # Panics
    /// This function may panic if the handle does not belong to this socket set.
    pub fn remove(&mut self, handle: SocketHandle) -> Socket<'a> {
        net_trace!("[{}]: removing", handle.0);
        #[cfg(feature = "alloc")]
        if let Ok(at) = self.others.binary_search(&handle.0) {
            self.others.remove(at);
        }
        #[cfg(feature = "alloc")]
        self.readiness.forget(handle.0);
        #[cfg(feature = "alloc")]
        if self.tcp_index.is_current() {
            self.tcp_index.file(handle.0, None);
        }
        match self.sockets[handle.0].inner.take() {
            Some(item) => {
                #[cfg(feature = "alloc")]
                self.vacant.insert(handle.0);
                item.socket
            }
            None => panic!("handle does not refer to a valid socket"),
        }
    }

    /// Get an iterator to the inner sockets.
    pub fn iter(&self) -> impl Iterator<Item = (SocketHandle, &Socket<'a>)> {
        self.items().map(|i| (i.meta.handle, &i.socket))
    }

    /// Get a mutable iterator to the inner sockets.
    ///
    /// labsim patch: every TCP socket is filed again before the next lookup of the TCP dispatch.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (SocketHandle, &mut Socket<'a>)> {
        #[cfg(feature = "alloc")]
        self.tcp_index.invalidate();
        self.items_mut().map(|i| (i.meta.handle, &mut i.socket))
    }

    /// Iterate every socket in this set.
    pub(crate) fn items(&self) -> impl Iterator<Item = &Item<'a>> + '_ {
        self.sockets.iter().filter_map(|x| x.inner.as_ref())
    }

    /// Iterate every socket in this set.
    ///
    /// labsim patch: the interface uses it to find sockets that are not TCP (DHCP, ICMPv6);
    /// a TCP socket changed through it would have to be filed again (`iter_mut`).
    pub(crate) fn items_mut(&mut self) -> impl Iterator<Item = &mut Item<'a>> + '_ {
        self.sockets.iter_mut().filter_map(|x| x.inner.as_mut())
    }

    /// Every socket that is not TCP, in slot order (what a walk for a raw, ICMP or UDP socket
    /// needs to visit).
    #[cfg(feature = "alloc")]
    pub(crate) fn others_mut(&mut self) -> impl Iterator<Item = &mut Item<'a>> + '_ {
        let mut slots = self.sockets.iter_mut();
        let mut next = 0;
        self.others.iter().filter_map(move |&i| {
            let slot = slots.nth(i - next)?;
            next = i + 1;
            slot.inner.as_mut()
        })
    }

    /// Every socket that is not TCP, in slot order.
    #[cfg(not(feature = "alloc"))]
    pub(crate) fn others_mut(&mut self) -> impl Iterator<Item = &mut Item<'a>> + '_ {
        self.items_mut()
    }

    /// Every socket with its slot, in slot order (the TCP dispatch's walk of a small set: only
    /// `accepts` looks at them).
    pub(crate) fn slots_mut(&mut self) -> impl Iterator<Item = (usize, &mut Item<'a>)> + '_ {
        self.sockets.iter_mut().enumerate().filter_map(|(i, x)| Some((i, x.inner.as_mut()?)))
    }

    /// The socket in slot `slot`, if any (the TCP dispatch's, which then calls `tcp_touched`).
    pub(crate) fn slot_mut(&mut self, slot: usize) -> Option<&mut Item<'a>> {
        self.sockets.get_mut(slot)?.inner.as_mut()
    }

    /// The slot of the TCP socket that took `key`'s last packet, if known.
    #[cfg(feature = "alloc")]
    pub(crate) fn tcp_hint(&self, key: &TcpKey) -> Option<usize> {
        self.tcp_hints.get(&hint_key(key)).copied()
    }

    /// Remembers that the TCP socket in `slot` took a packet of `key`. The hints are dropped
    /// when they outnumber twice the slots, so finished connections cannot grow them forever.
    #[cfg(feature = "alloc")]
    pub(crate) fn set_tcp_hint(&mut self, key: TcpKey, slot: usize) {
        if self.tcp_hints.len() >= 2 * self.sockets.len() + 64 {
            self.tcp_hints.clear();
        }
        self.tcp_hints.insert(hint_key(&key), slot);
    }

    /// labsim patch: tells the set that TCP socket `handle` was just connected from `local` to
    /// `remote`, so that the first segment back (the SYN-ACK) finds it without a walk. A wrong
    /// hint costs nothing but the walk it was meant to save.
    #[cfg(feature = "alloc")]
    pub fn hint_tcp(&mut self, handle: SocketHandle, local: crate::wire::IpEndpoint, remote: crate::wire::IpEndpoint) {
        self.set_tcp_hint((local.addr, local.port, remote.addr, remote.port), handle.0);
    }

    /// Forgets the hint of `key` (its socket no longer accepts it).
    #[cfg(feature = "alloc")]
    pub(crate) fn forget_tcp_hint(&mut self, key: &TcpKey) {
        self.tcp_hints.remove(&hint_key(key));
    }

    /// labsim patch: a TCP socket in `slot` took an incoming segment: egress visits it, the
    /// user hears of it (`drain_changed`), and it is filed again for the TCP dispatch if the
    /// segment changed its state (`refile`). Only then can `process` have changed its 4-tuple
    /// or listen endpoint: it sets the 4-tuple in LISTEN → SYN-RECEIVED and clears it in
    /// SYN-RECEIVED → LISTEN (a RST), in any state → CLOSED (a RST; `accepts` refuses CLOSED)
    /// and in LAST-ACK → CLOSED, and never touches the listen endpoint.
    #[cfg(feature = "alloc")]
    pub(crate) fn tcp_touched(&mut self, slot: usize, refile: bool) {
        if self.is_small() {
            self.readiness.mark_changed(slot);
        } else {
            self.readiness.touch_changed(slot);
        }
        if refile {
            self.refile_tcp(slot);
        }
    }

    /// Files the socket in `slot` again for the TCP dispatch (if the filings are kept).
    #[cfg(feature = "alloc")]
    fn refile_tcp(&mut self, slot: usize) {
        if self.tcp_index.is_current() {
            let filing = self.sockets.get(slot).and_then(|s| s.inner.as_ref()).and_then(|i| Self::tcp_filing(&i.socket));
            self.tcp_index.file(slot, filing);
        }
    }

    /// labsim patch: the lowest slot whose TCP socket `accepts` a segment of 4-tuple `key`, the
    /// one a walk over every socket finds. A set of fewer than [`WALK_BELOW`] TCP slots is
    /// walked; a larger one asks only the sockets filed under `key`'s ports or its local port
    /// (`iface/tcp_index.rs`: every socket that accepts the segment is among them, and they are
    /// asked in slot order), after filing again those that changed since their filing.
    #[cfg(feature = "alloc")]
    pub(crate) fn find_tcp(&mut self, key: &TcpKey, mut accepts: impl FnMut(&Socket<'a>) -> bool) -> Option<usize> {
        if self.is_small() {
            self.tcp_index.invalidate();
            return self.slots_mut().find_map(|(slot, item)| accepts(&item.socket).then_some(slot));
        }
        if self.tcp_index.is_current() {
            let stale = self.tcp_index.take_stale();
            for &slot in &stale {
                self.refile_tcp(slot);
            }
            self.tcp_index.give_back_stale(stale);
        } else {
            let sockets = self.sockets.iter().enumerate();
            let filings = sockets.filter_map(|(slot, s)| Some((slot, Self::tcp_filing(&s.inner.as_ref()?.socket)?)));
            self.tcp_index.rebuild(filings);
        }
        let sockets = &self.sockets;
        self.tcp_index
            .candidates(key)
            .find(|&slot| sockets.get(slot).and_then(|s| s.inner.as_ref()).is_some_and(|i| accepts(&i.socket)))
    }

    /// Where the TCP dispatch files `socket`: `None` for a CLOSED socket (it accepts nothing) or
    /// one that is not TCP.
    #[cfg(feature = "alloc")]
    fn tcp_filing(socket: &Socket<'a>) -> Option<Filing> {
        #[cfg(feature = "socket-tcp")]
        if let Socket::Tcp(s) = socket {
            if s.state() == crate::socket::tcp::State::Closed {
                return None;
            }
            return Some(match (s.local_endpoint(), s.remote_endpoint()) {
                (Some(l), Some(r)) => Filing::Tuple((l.addr, l.port, r.addr, r.port)),
                _ => Filing::Port(s.listen_endpoint().port),
            });
        }
        let _ = socket;
        None
    }

    /// labsim patch: the TCP sockets an incoming segment or their own dispatch (a timer) changed
    /// since the last call, each once, in slot order. What the user does to a socket
    /// (`get_mut`) is not among them: the user knows.
    #[cfg(feature = "alloc")]
    pub fn drain_changed(&mut self) -> impl Iterator<Item = SocketHandle> + '_ {
        self.readiness.drain_changed().map(SocketHandle)
    }

    /// labsim patch: visits, in slot order, every socket egress must look at at `now` (every
    /// socket that is not TCP; the TCP sockets that are busy or whose timer is due). `visit`
    /// dispatches the socket and returns, when asked to (`true`), its `poll_at` afterwards, with
    /// `true` to stop the walk. A TCP socket's state or queues that the dispatch changed count
    /// as changed for the user. A set of fewer than [`WALK_BELOW`] TCP slots is walked whole, as
    /// upstream does: the filings would cost more than the walk.
    #[cfg(feature = "alloc")]
    pub(crate) fn visit_egress(
        &mut self,
        now: Instant,
        mut visit: impl FnMut(&mut Item<'a>, bool) -> (Option<PollAt>, bool),
    ) {
        if self.is_small() {
            self.readiness.walk_all();
            // A small set's TCP dispatch walks too: its filings go out of date.
            self.tcp_index.invalidate();
            for (slot, item) in self.sockets.iter_mut().enumerate() {
                let Some(item) = item.inner.as_mut() else { continue };
                let before = Self::tcp_view(&item.socket);
                let (_, stop) = visit(item, false);
                if before.is_some() && Self::tcp_view(&item.socket) != before {
                    self.readiness.mark_changed(slot);
                }
                if stop {
                    break;
                }
            }
            return;
        }
        self.refresh_readiness();
        let visits = self.readiness.take_visits(now, &self.others);
        let mut done = visits.len();
        for (i, &slot) in visits.iter().enumerate() {
            let Some(item) = self.sockets.get_mut(slot).and_then(|s| s.inner.as_mut()) else {
                continue;
            };
            let before = Self::tcp_view(&item.socket);
            let (at, stop) = visit(item, before.is_some());
            if let (Some(_), Some(at)) = (before, at) {
                let changed = Self::tcp_view(&item.socket) != before;
                let at = if item.meta.is_waiting() { PollAt::Now } else { at };
                self.readiness.settle(slot, at, changed);
                // `dispatch` changes a socket's filing only along with its state: it clears the
                // 4-tuple of a CLOSED socket (filed nowhere before and after) and resets a
                // socket to CLOSED (its timeout, TIME-WAIT's end, its address gone).
                if changed && self.tcp_index.is_current() {
                    self.tcp_index.file(slot, Self::tcp_filing(&item.socket));
                }
            }
            if stop {
                done = i + 1;
                break;
            }
        }
        self.readiness.give_back(visits, done);
    }

    /// Brings the filings up to date if egress walked every socket since they were kept.
    #[cfg(feature = "alloc")]
    fn refresh_readiness(&mut self) {
        let tcp = self.sockets.iter().enumerate();
        let tcp = tcp.filter(|(_, s)| s.inner.as_ref().is_some_and(|i| Self::is_tcp(&i.socket)));
        self.readiness.refresh(tcp.map(|(slot, _)| slot));
    }

    /// Whether the set has so few TCP slots that walking them all costs less than filing them.
    #[cfg(feature = "alloc")]
    fn is_small(&self) -> bool {
        self.sockets.len() - self.others.len() < WALK_BELOW
    }

    /// Without `alloc`: every socket, as upstream walks them.
    #[cfg(not(feature = "alloc"))]
    pub(crate) fn visit_egress(
        &mut self,
        _now: Instant,
        mut visit: impl FnMut(&mut Item<'a>, bool) -> (Option<PollAt>, bool),
    ) {
        for item in self.items_mut() {
            if visit(item, false).1 {
                break;
            }
        }
    }

    /// labsim patch: the earliest of `poll_at` (each socket's next poll, `None` for "on
    /// ingress") over the sockets that are not TCP and the busy TCP ones, and of the TCP
    /// sockets' timers: the same as over every socket, since an idle TCP socket's `poll_at` is
    /// its timer.
    #[cfg(feature = "alloc")]
    pub(crate) fn earliest_poll_at(
        &self,
        mut poll_at: impl FnMut(&Item<'a>) -> Option<Instant>,
    ) -> Option<Instant> {
        if self.is_small() {
            return self.items().filter_map(poll_at).min();
        }
        let item = |slot: &usize| self.sockets.get(*slot).and_then(|s| s.inner.as_ref());
        let sockets = self.others.iter().chain(self.readiness.busy()).filter_map(item);
        sockets.filter_map(&mut poll_at).chain(self.readiness.earliest()).min()
    }

    /// Without `alloc`: over every socket.
    #[cfg(not(feature = "alloc"))]
    pub(crate) fn earliest_poll_at(
        &self,
        poll_at: impl FnMut(&Item<'a>) -> Option<Instant>,
    ) -> Option<Instant> {
        self.items().filter_map(poll_at).min()
    }

    /// What of a TCP socket its user reads: state and queues (`None` for other sockets).
    #[cfg(feature = "alloc")]
    fn tcp_view(socket: &Socket<'a>) -> Option<(crate::socket::tcp::State, usize, usize)> {
        #[cfg(feature = "socket-tcp")]
        if let Socket::Tcp(s) = socket {
            return Some((s.state(), s.recv_queue(), s.send_queue()));
        }
        let _ = socket;
        None
    }
}
