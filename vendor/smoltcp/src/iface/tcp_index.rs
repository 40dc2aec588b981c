//! labsim patch (see `vendor/README.md`): which TCP sockets of a [`SocketSet`] may accept a
//! segment, so that the TCP dispatch looks at those instead of walking every socket.
//!
//! `tcp::Socket::accepts` takes a segment only if the socket is not CLOSED and either its
//! 4-tuple is the segment's (when it has one) or, without a 4-tuple, its listen endpoint's port
//! is the segment's destination port (and its address matches, and a LISTEN socket refuses ACKs
//! and RSTs). So every socket that is not CLOSED is *filed* here under its 4-tuple's ports
//! (local, remote), or under its listen port when it has no 4-tuple, and the sockets that may
//! accept a segment are among the ones filed under the segment's ports or under its destination
//! port: the dispatch asks `accepts` of those, in slot order, and the first that accepts is the
//! lowest slot that accepts, the one upstream's walk finds. (The ports alone, not the
//! addresses, make the sets' keys integers, cheap to compare; a socket with the same ports and
//! other addresses is asked too, and refuses.)
//!
//! The filings are exact at a lookup: a socket's state, 4-tuple and listen endpoint change only
//! through a `&mut` to it, which the set hands out by `get_mut` (the slot is marked and filed
//! again before the next lookup), by `iter_mut` (everything is filed again), to an incoming
//! segment (`process`) and to egress (`dispatch`), which change them only along with its state
//! (the slot is then filed again at once: `SocketSet::tcp_touched`, `SocketSet::visit_egress`),
//! and a socket comes and goes with `add` and `remove`.
//!
//! [`SocketSet`]: super::SocketSet

use alloc::collections::BTreeSet;
use alloc::vec::Vec;

use super::socket_set::TcpKey;

/// Where a TCP socket that is not CLOSED is filed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Filing {
    /// Its 4-tuple, seen as the segments it takes carry it: (local address, local port, remote
    /// address, remote port).
    Tuple(TcpKey),
    /// No 4-tuple: its listen endpoint's port.
    Port(u16),
}

#[derive(Debug, Default)]
pub(crate) struct TcpIndex {
    /// Whether the filings are kept: not while the set is small (its dispatch walks every
    /// socket) nor after `iter_mut` handed out every socket, until the next lookup files every
    /// socket again.
    current: bool,
    /// Per slot: where its socket is filed.
    filed: Vec<Option<Filing>>,
    /// (local port << 16 | remote port, slot) of the sockets filed under a 4-tuple.
    tuples: BTreeSet<(u32, usize)>,
    /// (port, slot) of the sockets filed under a listen port.
    ports: BTreeSet<(u16, usize)>,
    /// Per slot: whether it is listed in `stale`.
    is_stale: Vec<bool>,
    /// Slots whose socket may have changed since it was filed (handed out by `get_mut`).
    stale: Vec<usize>,
}

impl TcpIndex {
    /// Whether the filings are kept.
    pub(crate) fn is_current(&self) -> bool {
        self.current
    }

    /// Stops keeping the filings until the next [`TcpIndex::rebuild`].
    pub(crate) fn invalidate(&mut self) {
        self.current = false;
    }

    /// Files every slot afresh: `filings` gives each slot holding a socket that is not CLOSED.
    pub(crate) fn rebuild(&mut self, filings: impl Iterator<Item = (usize, Filing)>) {
        self.filed.fill(None);
        self.tuples.clear();
        self.ports.clear();
        for slot in self.stale.drain(..) {
            self.is_stale[slot] = false;
        }
        for (slot, filing) in filings {
            self.file(slot, Some(filing));
        }
        self.current = true;
    }

    /// The socket in `slot` may change behind the set's back: it is filed again before the
    /// next lookup.
    pub(crate) fn mark_stale(&mut self, slot: usize) {
        if slot >= self.is_stale.len() {
            self.is_stale.resize(slot + 1, false);
        }
        if !self.is_stale[slot] {
            self.is_stale[slot] = true;
            self.stale.push(slot);
        }
    }

    /// Takes the slots marked stale.
    pub(crate) fn take_stale(&mut self) -> Vec<usize> {
        let stale = core::mem::take(&mut self.stale);
        for &slot in &stale {
            self.is_stale[slot] = false;
        }
        stale
    }

    /// Gives back the list [`TcpIndex::take_stale`] took, emptied (to spare an allocation).
    pub(crate) fn give_back_stale(&mut self, mut stale: Vec<usize>) {
        if self.stale.is_empty() {
            stale.clear();
            self.stale = stale;
        }
    }

    /// Files the socket in `slot` under `filing` (`None`: CLOSED, not a TCP socket, or gone).
    pub(crate) fn file(&mut self, slot: usize, filing: Option<Filing>) {
        if slot >= self.filed.len() {
            if filing.is_none() {
                return;
            }
            self.filed.resize(slot + 1, None);
        }
        let old = self.filed[slot];
        if old == filing {
            return;
        }
        match old {
            Some(Filing::Tuple(key)) => self.tuples.remove(&(ports(&key), slot)),
            Some(Filing::Port(port)) => self.ports.remove(&(port, slot)),
            None => false,
        };
        match filing {
            Some(Filing::Tuple(key)) => self.tuples.insert((ports(&key), slot)),
            Some(Filing::Port(port)) => self.ports.insert((port, slot)),
            None => false,
        };
        self.filed[slot] = filing;
    }

    /// The slots filed under the ports of 4-tuple `key` or under its local port, ascending, each
    /// once: every socket that may accept a segment of `key`.
    pub(crate) fn candidates(&self, key: &TcpKey) -> impl Iterator<Item = usize> + '_ {
        let ports_of_key = ports(key);
        let tuples = self.tuples.range((ports_of_key, 0)..=(ports_of_key, usize::MAX));
        let mut tuples = tuples.map(|&(_, s)| s).peekable();
        let mut ports = self.ports.range((key.1, 0)..=(key.1, usize::MAX)).map(|&(_, s)| s).peekable();
        // A slot is filed once, so the two lists never share one: a plain merge.
        core::iter::from_fn(move || match (tuples.peek(), ports.peek()) {
            (Some(&t), Some(&p)) if p < t => ports.next(),
            (Some(_), _) => tuples.next(),
            (None, _) => ports.next(),
        })
    }
}

/// The ports of a 4-tuple as one integer: local port << 16 | remote port.
fn ports(&(_, local, _, remote): &TcpKey) -> u32 {
    u32::from(local) << 16 | u32::from(remote)
}
