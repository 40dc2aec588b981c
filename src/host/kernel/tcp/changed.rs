//! The sockets that changed since the processes last ran, kept as a sorted vector: a host's
//! poll fills it and empties it every round, and a vector keeps its room from one round to the
//! next where a tree would allocate and free its node each time.

use smoltcp::iface::SocketHandle;

/// A set of sockets, in handle order.
#[derive(Debug, Default)]
pub(crate) struct Changed(Vec<SocketHandle>);

impl Changed {
    /// Adds `h`.
    pub(crate) fn insert(&mut self, h: SocketHandle) {
        if let Err(i) = self.0.binary_search(&h) {
            self.0.insert(i, h);
        }
    }

    /// Adds every socket of `hs`.
    pub(crate) fn extend(&mut self, hs: impl IntoIterator<Item = SocketHandle>) {
        let before = self.0.len();
        self.0.extend(hs);
        if self.0.len() > before {
            self.0.sort_unstable();
            self.0.dedup();
        }
    }

    /// Whether `h` is in.
    pub(crate) fn contains(&self, h: &SocketHandle) -> bool {
        self.0.binary_search(h).is_ok()
    }

    /// The sockets, in handle order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &SocketHandle> {
        self.0.iter()
    }

    /// Empties the set, keeping its room.
    pub(crate) fn clear(&mut self) {
        self.0.clear();
    }
}
