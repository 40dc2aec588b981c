//! The inodes of a file system by number, and a count of the times one was handed out to be
//! changed, added or removed: a reader that remembers the count knows, when it is the same,
//! that no file, name, mode or time changed since (a daemon checking whether a file it reads
//! was rewritten asks the count first, not the path).

use std::collections::BTreeMap;
use std::ops::Deref;

use super::{Ino, Inode};

/// The inode table. Reading goes through [`Deref`] to the map; every way to change it counts.
#[derive(Clone, Debug, Default)]
pub(super) struct Inodes {
    map: BTreeMap<Ino, Inode>,
    changes: u64,
}

impl Deref for Inodes {
    type Target = BTreeMap<Ino, Inode>;

    fn deref(&self) -> &BTreeMap<Ino, Inode> {
        &self.map
    }
}

impl Inodes {
    /// The inode `ino`, to change.
    pub(super) fn get_mut(&mut self, ino: &Ino) -> Option<&mut Inode> {
        self.changes += 1;
        self.map.get_mut(ino)
    }

    /// Adds (or replaces) the inode `ino`.
    pub(super) fn insert(&mut self, ino: Ino, inode: Inode) {
        self.changes += 1;
        self.map.insert(ino, inode);
    }

    /// Removes the inode `ino`.
    pub(super) fn remove(&mut self, ino: &Ino) {
        self.changes += 1;
        self.map.remove(ino);
    }

    /// How many times the table was handed out to change (at least once per change).
    pub(super) fn changes(&self) -> u64 {
        self.changes
    }
}
