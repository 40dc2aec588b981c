//! A small in-memory file system for the server's tests: inodes in a map, numbers never reused
//! within a run but generations bumped as a real file system would on reuse (`forget` +
//! `recreate` in the tests make a reused number).

use std::collections::BTreeMap;

use super::tree::{Attr, Change, Errno, FileTree, Ino, Kind, Usage};

#[derive(Debug, Clone)]
struct Node {
    attr: Attr,
    data: Vec<u8>,
    entries: BTreeMap<String, Ino>,
    parent: Ino,
}

/// The tree; inode 1 is `/`.
#[derive(Debug, Clone)]
pub(crate) struct MemTree {
    nodes: BTreeMap<Ino, Node>,
    next: Ino,
    generations: BTreeMap<Ino, u32>,
}

impl MemTree {
    /// An empty root directory owned by root, 0755.
    pub(crate) fn new() -> MemTree {
        let mut t = MemTree { nodes: BTreeMap::new(), next: 2, generations: BTreeMap::new() };
        t.nodes.insert(1, Node { attr: attr(Kind::Dir, 1, 0, 0o755, 0, 0, 0), data: Vec::new(), entries: BTreeMap::new(), parent: 1 });
        t
    }

    /// Makes `path`'s parents and writes a file there (as `echo … > path` on the server).
    pub(crate) fn put(&mut self, path: &str, data: &[u8], mode: u32, uid: u32) -> Ino {
        let mut dir = 1;
        let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        for part in &parts[..parts.len() - 1] {
            dir = self
                .lookup(dir, part)
                .unwrap_or_else(|_| self.create(dir, part, Kind::Dir, (0o755, 0, 0), 0).expect("a missing directory is made"));
        }
        let name = parts[parts.len() - 1];
        let ino = self
            .lookup(dir, name)
            .unwrap_or_else(|_| self.create(dir, name, Kind::File, (mode, uid, uid), 0).expect("a missing file is made"));
        self.change(ino, &Change { size: Some(0), ..Change::default() }, 0).expect("a file can be truncated");
        self.write(ino, 0, data, 0).expect("a file can be written");
        ino
    }

    /// Reuses a freed inode number for the next file (as ext4 does), with a new generation.
    #[cfg(test)]
    pub(crate) fn reuse_next(&mut self, ino: Ino) {
        self.next = ino;
    }
}

fn attr(kind: Kind, ino: Ino, generation: u32, mode: u32, uid: u32, gid: u32, now: u64) -> Attr {
    let size = if kind == Kind::Dir { 4096 } else { 0 };
    let nlink = if kind == Kind::Dir { 2 } else { 1 };
    Attr { kind, mode, nlink, uid, gid, size, ino, generation, atime_us: now, mtime_us: now, ctime_us: now }
}

impl MemTree {
    fn node(&self, ino: Ino) -> Result<&Node, Errno> {
        self.nodes.get(&ino).ok_or(Errno::NoEnt)
    }

    fn node_mut(&mut self, ino: Ino) -> Result<&mut Node, Errno> {
        self.nodes.get_mut(&ino).ok_or(Errno::NoEnt)
    }

    fn dir(&self, ino: Ino) -> Result<&Node, Errno> {
        let n = self.node(ino)?;
        if n.attr.kind == Kind::Dir { Ok(n) } else { Err(Errno::NotDir) }
    }

    fn touch_dir(&mut self, dir: Ino, now: u64) {
        if let Some(n) = self.nodes.get_mut(&dir) {
            n.attr.mtime_us = now;
            n.attr.ctime_us = now;
        }
    }
}

impl FileTree for MemTree {
    fn fsid(&self) -> u64 {
        0x801
    }

    fn resolve(&self, path: &str) -> Result<Ino, Errno> {
        path.split('/').filter(|p| !p.is_empty()).try_fold(1, |dir, name| self.lookup(dir, name))
    }

    fn attr(&self, ino: Ino) -> Option<Attr> {
        self.nodes.get(&ino).map(|n| n.attr.clone())
    }

    fn lookup(&self, dir: Ino, name: &str) -> Result<Ino, Errno> {
        let d = self.dir(dir)?;
        if name == ".." {
            return Ok(d.parent);
        }
        d.entries.get(name).copied().ok_or(Errno::NoEnt)
    }

    fn read(&self, ino: Ino, offset: u64, count: u32) -> Result<Vec<u8>, Errno> {
        let n = self.node(ino)?;
        if n.attr.kind == Kind::Dir {
            return Err(Errno::IsDir);
        }
        let start = usize::try_from(offset).unwrap_or(usize::MAX).min(n.data.len());
        let end = start.saturating_add(count as usize).min(n.data.len());
        Ok(n.data[start..end].to_vec())
    }

    fn write(&mut self, ino: Ino, offset: u64, data: &[u8], now: u64) -> Result<(), Errno> {
        let n = self.node_mut(ino)?;
        let start = usize::try_from(offset).map_err(|_| Errno::NoSpc)?;
        let end = start.checked_add(data.len()).filter(|&e| e <= 1 << 30).ok_or(Errno::NoSpc)?;
        if n.data.len() < end {
            n.data.resize(end, 0);
        }
        n.data[start..end].copy_from_slice(data);
        n.attr.size = n.data.len() as u64;
        n.attr.mtime_us = now;
        n.attr.ctime_us = now;
        Ok(())
    }

    fn create(&mut self, dir: Ino, name: &str, kind: Kind, (mode, uid, gid): (u32, u32, u32), now: u64) -> Result<Ino, Errno> {
        if self.dir(dir)?.entries.contains_key(name) {
            return Err(Errno::Exist);
        }
        let ino = self.next;
        self.next = self.nodes.keys().next_back().copied().unwrap_or(1).max(ino) + 1;
        let generation = self.generations.get(&ino).map_or(0, |g| g + 1);
        self.generations.insert(ino, generation);
        self.nodes.insert(
            ino,
            Node { attr: attr(kind, ino, generation, mode, uid, gid, now), data: Vec::new(), entries: BTreeMap::new(), parent: dir },
        );
        self.node_mut(dir)?.entries.insert(name.to_owned(), ino);
        self.touch_dir(dir, now);
        Ok(ino)
    }

    fn unlink(&mut self, dir: Ino, name: &str, now: u64) -> Result<(), Errno> {
        let ino = self.node_mut(dir)?.entries.remove(name).ok_or(Errno::NoEnt)?;
        self.nodes.remove(&ino);
        self.touch_dir(dir, now);
        Ok(())
    }

    fn rename(&mut self, from_dir: Ino, from: &str, to_dir: Ino, to: &str, now: u64) -> Result<(), Errno> {
        let ino = self.lookup(from_dir, from)?;
        if let Ok(old) = self.lookup(to_dir, to)
            && old != ino
        {
            self.nodes.remove(&old);
        }
        self.node_mut(from_dir)?.entries.remove(from);
        self.node_mut(to_dir)?.entries.insert(to.to_owned(), ino);
        self.node_mut(ino)?.parent = to_dir;
        self.node_mut(ino)?.attr.ctime_us = now;
        self.touch_dir(from_dir, now);
        self.touch_dir(to_dir, now);
        Ok(())
    }

    fn readdir(&self, dir: Ino) -> Result<Vec<(String, Ino)>, Errno> {
        Ok(self.dir(dir)?.entries.iter().map(|(n, &i)| (n.clone(), i)).collect())
    }

    fn change(&mut self, ino: Ino, c: &Change, now: u64) -> Result<(), Errno> {
        let n = self.node_mut(ino)?;
        if let Some(size) = c.size {
            let size = usize::try_from(size).ok().filter(|&s| s <= 1 << 30).ok_or(Errno::NoSpc)?;
            n.data.resize(size, 0);
            n.attr.size = size as u64;
            n.attr.mtime_us = now;
        }
        if let Some(m) = c.mode {
            n.attr.mode = m;
        }
        if let Some(u) = c.uid {
            n.attr.uid = u;
        }
        if let Some(g) = c.gid {
            n.attr.gid = g;
        }
        if let Some(a) = c.atime_us {
            n.attr.atime_us = a;
        }
        if let Some(m) = c.mtime_us {
            n.attr.mtime_us = m;
        }
        n.attr.ctime_us = now;
        Ok(())
    }

    fn usage(&self) -> Usage {
        Usage { total_bytes: 1 << 30, free_bytes: 1 << 29, total_files: 65536, free_files: 65536 - self.nodes.len() as u64 }
    }
}
