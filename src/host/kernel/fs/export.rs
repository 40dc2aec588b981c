//! The host's file system as knfsd's VFS: [`FileTree`] for [`Fs`], the operations the NFS
//! server core asks for. Times cross as µs since the Unix epoch (the host's calendar); the
//! file system keeps simulated time.

use super::{Fs, Ino, Inode, Kind};
use crate::kernel::SimTime;
use crate::proto::nfs::tree::{Attr, Change, Errno, FileTree, Usage};

/// The largest file labsim keeps (1 GiB): a write or truncation beyond it is ENOSPC.
const MAX_FILE: usize = 1 << 30;

impl Fs {
    fn unix_us(&self, t: SimTime) -> u64 {
        self.epoch_us.saturating_add(t.as_micros())
    }

    fn sim(&self, unix_us: u64) -> SimTime {
        SimTime::from_micros(unix_us.saturating_sub(self.epoch_us))
    }

    fn inode_mut(&mut self, ino: Ino) -> Result<&mut Inode, Errno> {
        self.inodes.get_mut(&ino).ok_or(Errno::NoEnt)
    }

    fn file(&mut self, ino: Ino) -> Result<&mut Inode, Errno> {
        let i = self.inode_mut(ino)?;
        if i.is_dir() { Err(Errno::IsDir) } else { Ok(i) }
    }
}

impl FileTree for Fs {
    fn fsid(&self) -> u64 {
        // The root file system's device, 8:1 (sda1) as `st_dev`.
        0x801
    }

    fn resolve(&self, path: &str) -> Result<Ino, Errno> {
        self.resolve_ino(path)
    }

    fn attr(&self, ino: Ino) -> Option<Attr> {
        let i = self.inodes.get(&ino)?;
        Some(Attr {
            kind: i.kind,
            mode: i.mode,
            nlink: self.nlink(i),
            uid: i.uid,
            gid: i.gid,
            size: i.size(),
            ino,
            generation: i.generation,
            atime_us: self.unix_us(i.atime),
            mtime_us: self.unix_us(i.mtime),
            ctime_us: self.unix_us(i.ctime),
        })
    }

    fn lookup(&self, dir: Ino, name: &str) -> Result<Ino, Errno> {
        self.child(dir, name)
    }

    fn read(&self, ino: Ino, offset: u64, count: u32) -> Result<Vec<u8>, Errno> {
        let i = self.inodes.get(&ino).ok_or(Errno::NoEnt)?;
        if i.is_dir() {
            return Err(Errno::IsDir);
        }
        let start = usize::try_from(offset).unwrap_or(usize::MAX).min(i.contents.len());
        let end = start.saturating_add(count as usize).min(i.contents.len());
        Ok(i.contents[start..end].to_vec())
    }

    fn write(&mut self, ino: Ino, offset: u64, data: &[u8], now_us: u64) -> Result<(), Errno> {
        let now = self.sim(now_us);
        let f = self.file(ino)?;
        let start = usize::try_from(offset).map_err(|_| Errno::NoSpc)?;
        let end = start.checked_add(data.len()).filter(|&e| e <= MAX_FILE).ok_or(Errno::NoSpc)?;
        if f.contents.len() < end {
            f.contents.resize(end, 0);
        }
        f.contents[start..end].copy_from_slice(data);
        f.mtime = now;
        f.ctime = now;
        Ok(())
    }

    fn create(&mut self, dir: Ino, name: &str, kind: Kind, owner: (u32, u32, u32), now_us: u64) -> Result<Ino, Errno> {
        let now = self.sim(now_us);
        self.link_new(dir, name, kind, owner, now)
    }

    fn unlink(&mut self, dir: Ino, name: &str, now_us: u64) -> Result<(), Errno> {
        let now = self.sim(now_us);
        let ino = self.child(dir, name)?;
        if self.inodes.get(&ino).is_some_and(|i| !i.entries.is_empty()) {
            return Err(Errno::NotEmpty);
        }
        self.inodes.remove(&ino);
        self.touch_dir(dir, now, Some((name, None)));
        Ok(())
    }

    fn rename(&mut self, from_dir: Ino, from: &str, to_dir: Ino, to: &str, now_us: u64) -> Result<(), Errno> {
        let now = self.sim(now_us);
        self.move_entry(from_dir, from, to_dir, to, now)
    }

    fn readdir(&self, dir: Ino) -> Result<Vec<(String, Ino)>, Errno> {
        let d = self.inodes.get(&dir).ok_or(Errno::NoEnt)?;
        if !d.is_dir() {
            return Err(Errno::NotDir);
        }
        Ok(d.entries.iter().map(|(n, &i)| (n.clone(), i)).collect())
    }

    fn change(&mut self, ino: Ino, c: &Change, now_us: u64) -> Result<(), Errno> {
        let now = self.sim(now_us);
        let (atime, mtime) = (c.atime_us.map(|t| self.sim(t)), c.mtime_us.map(|t| self.sim(t)));
        let i = self.inode_mut(ino)?;
        if let Some(size) = c.size {
            if i.is_dir() {
                return Err(Errno::IsDir);
            }
            let size = usize::try_from(size).ok().filter(|&s| s <= MAX_FILE).ok_or(Errno::NoSpc)?;
            i.contents.resize(size, 0);
            i.mtime = now;
        }
        if let Some(m) = c.mode {
            i.mode = m & 0o7777;
        }
        if let Some(u) = c.uid {
            i.uid = u;
        }
        if let Some(g) = c.gid {
            i.gid = g;
        }
        if let Some(a) = atime {
            i.atime = a;
        }
        if let Some(m) = mtime {
            i.mtime = m;
        }
        i.ctime = now;
        Ok(())
    }

    fn usage(&self) -> Usage {
        let (total_bytes, used) = self.disk_usage("/");
        let total_files = 1 << 20;
        Usage { total_bytes, free_bytes: total_bytes - used, total_files, free_files: total_files.saturating_sub(self.inodes.len() as u64) }
    }
}

#[cfg(test)]
mod tests {
    use super::super::ROOT;
    use super::*;

    #[test]
    fn nfs_times_are_unix_micros_and_writes_edit_in_place() {
        let mut fs = Fs::new(1_000_000);
        fs.write("/web/index.html", b"old".to_vec(), SimTime::ZERO);
        let web = fs.resolve("/web").unwrap();
        let ino = fs.lookup(web, "index.html").unwrap();
        assert_eq!(fs.lookup(web, "..").unwrap(), ROOT);
        FileTree::write(&mut fs, ino, 0, b"new!", 3_000_000).unwrap();
        let a = fs.attr(ino).unwrap();
        assert_eq!((a.size, a.mtime_us, a.atime_us), (4, 3_000_000, 1_000_000));
        assert_eq!(fs.read_text("/web/index.html").as_deref(), Some("new!"));
        assert_eq!(fs.stat("/web/index.html").unwrap().mtime, SimTime::from_secs(2));
        let made = fs.create(web, "sub", Kind::Dir, (0o755, 48, 48), 0).unwrap();
        assert_eq!(fs.attr(web).unwrap().nlink, 3);
        fs.create(made, "f", Kind::File, (0o644, 48, 48), 0).unwrap();
        assert_eq!(fs.unlink(web, "sub", 0), Err(Errno::NotEmpty));
        assert_eq!(fs.readdir(web).unwrap().len(), 2);
    }
}
