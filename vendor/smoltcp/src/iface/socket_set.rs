use core::fmt;
use managed::ManagedSlice;

#[cfg(feature = "alloc")]
use alloc::collections::BTreeMap;
#[cfg(feature = "alloc")]
use alloc::vec::Vec;

#[cfg(feature = "alloc")]
use crate::wire::IpAddress;

use super::socket_meta::Meta;
use crate::socket::{AnySocket, Socket};

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
/// dispatch tries before it walks the set.
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
    tcp_hints: BTreeMap<TcpKey, usize>,
}

/// A TCP 4-tuple as a packet carries it, seen from the receiving side.
#[cfg(feature = "alloc")]
pub(crate) type TcpKey = (IpAddress, u16, IpAddress, u16);

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
            SocketSet {
                sockets,
                others,
                tcp_hints: BTreeMap::new(),
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

        let handle = 'put: {
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
    pub fn get_mut<T: AnySocket<'a>>(&mut self, handle: SocketHandle) -> &mut T {
        match self.sockets[handle.0].inner.as_mut() {
            Some(item) => T::downcast_mut(&mut item.socket)
                .expect("handle refers to a socket of a wrong type"),
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
        match self.sockets[handle.0].inner.take() {
            Some(item) => item.socket,
            None => panic!("handle does not refer to a valid socket"),
        }
    }

    /// Get an iterator to the inner sockets.
    pub fn iter(&self) -> impl Iterator<Item = (SocketHandle, &Socket<'a>)> {
        self.items().map(|i| (i.meta.handle, &i.socket))
    }

    /// Get a mutable iterator to the inner sockets.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (SocketHandle, &mut Socket<'a>)> {
        self.items_mut().map(|i| (i.meta.handle, &mut i.socket))
    }

    /// Iterate every socket in this set.
    pub(crate) fn items(&self) -> impl Iterator<Item = &Item<'a>> + '_ {
        self.sockets.iter().filter_map(|x| x.inner.as_ref())
    }

    /// Iterate every socket in this set.
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

    /// Every socket with its slot, in slot order.
    pub(crate) fn slots_mut(&mut self) -> impl Iterator<Item = (usize, &mut Item<'a>)> + '_ {
        self.sockets.iter_mut().enumerate().filter_map(|(i, x)| Some((i, x.inner.as_mut()?)))
    }

    /// The socket in slot `slot`, if any.
    pub(crate) fn slot_mut(&mut self, slot: usize) -> Option<&mut Item<'a>> {
        self.sockets.get_mut(slot)?.inner.as_mut()
    }

    /// The slot of the TCP socket that took `key`'s last packet, if known.
    #[cfg(feature = "alloc")]
    pub(crate) fn tcp_hint(&self, key: &TcpKey) -> Option<usize> {
        self.tcp_hints.get(key).copied()
    }

    /// Remembers that the TCP socket in `slot` took a packet of `key`. The hints are dropped
    /// when they outnumber twice the slots, so finished connections cannot grow them forever.
    #[cfg(feature = "alloc")]
    pub(crate) fn set_tcp_hint(&mut self, key: TcpKey, slot: usize) {
        if self.tcp_hints.len() >= 2 * self.sockets.len() + 64 {
            self.tcp_hints.clear();
        }
        self.tcp_hints.insert(key, slot);
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
        self.tcp_hints.remove(key);
    }
}
