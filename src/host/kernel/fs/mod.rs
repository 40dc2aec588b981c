//! A host's in-memory file system, an inode tree as a Linux file system keeps it: explicit
//! directories of names, and per inode its kind, mode, owner, times and data. A write to an
//! existing file edits it in place (same inode), `rename` moves an inode and replaces the
//! target, a new file gets a new inode (so `tail -f` follows a rotated log, and an NFS client
//! holding a handle sees an edit but a replaced file as stale). Writing a file makes its missing
//! parent directories (0755, root), as the scenario's files need. It survives a power cycle (it
//! is the disk). The NFS server exports it through [`crate::proto::nfs::tree::FileTree`]
//! (`export.rs`).

mod export;
mod inodes;

use std::borrow::Cow;
use std::collections::BTreeMap;

use self::inodes::Inodes;
use crate::kernel::SimTime;
pub(crate) use crate::proto::nfs::tree::{Errno, Ino, Kind};

/// The root directory's inode number (ext4's).
const ROOT: Ino = 2;
/// root's home, where a login starts.
const HOME: &str = "/root";
/// Its inode: out of the way of the numbers files get in creation order (on an xfs root, the
/// inode numbers of directories made at install time are as far from each other).
const HOME_INO: Ino = 33_574_977;

/// One inode: a regular file or a directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Inode {
    /// File or directory.
    pub kind: Kind,
    /// Permission bits (0o7777).
    pub mode: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// A file's bytes (empty for a directory).
    pub contents: Vec<u8>,
    /// Last access.
    pub atime: SimTime,
    /// Last data change.
    pub mtime: SimTime,
    /// Last inode change.
    pub ctime: SimTime,
    /// Its inode number.
    pub ino: Ino,
    /// Its generation (inode numbers are never reused here, so it only tells file systems
    /// apart: always 0).
    pub generation: u32,
    /// A directory's names.
    entries: BTreeMap<String, Ino>,
    /// The directory holding it (the root is its own parent).
    parent: Ino,
}

impl Inode {
    fn new(kind: Kind, ino: Ino, parent: Ino, (mode, uid, gid): (u32, u32, u32), now: SimTime) -> Inode {
        Inode {
            kind,
            mode,
            uid,
            gid,
            contents: Vec::new(),
            atime: now,
            mtime: now,
            ctime: now,
            ino,
            generation: 0,
            entries: BTreeMap::new(),
            parent,
        }
    }

    /// Whether it is a directory.
    pub(crate) fn is_dir(&self) -> bool {
        self.kind == Kind::Dir
    }

    /// Its size as `stat` reports it (a directory: one 4 KiB block).
    pub(crate) fn size(&self) -> u64 {
        if self.is_dir() { 4096 } else { self.contents.len() as u64 }
    }
}

/// The file system of one host.
#[derive(Clone, Debug)]
pub(crate) struct Fs {
    inodes: Inodes,
    last_ino: Ino,
    /// `SimTime::ZERO` in µs since the Unix epoch (the host's calendar), for the NFS times.
    epoch_us: u64,
    /// The console shell's working directory, which relative paths start from.
    cwd: String,
}

impl Default for Fs {
    fn default() -> Fs {
        Fs::new(0)
    }
}

/// The mode and owner of directories made on the way to a written file.
const IMPLICIT_DIR: (u32, u32, u32) = (0o755, 0, 0);
/// The mode and owner of a file created by a write (root's umask 022).
const NEW_FILE: (u32, u32, u32) = (0o644, 0, 0);

/// The names of an absolute path.
#[allow(clippy::manual_pattern_char_comparison)] // a path's names are short: a `char` pattern's memchr per name costs more than this look at each character
fn names(path: &str) -> impl Iterator<Item = &str> {
    path.split(|c| c == '/').filter(|n| !n.is_empty() && *n != ".")
}

/// A path's parent directory and last name (`None` for `/`).
fn split(path: &str) -> Option<(&str, &str)> {
    let path = path.trim_end_matches('/');
    let (dir, name) = path.rsplit_once('/')?;
    let dir = if dir.is_empty() { "/" } else { dir };
    (!name.is_empty()).then_some((dir, name))
}

/// The disks of a default CentOS 7 install as `statfs()` sees them: where each is mounted, its
/// size and what the installed system uses on it, in bytes (`df` on a minimal install: a
/// 1014 MiB `/boot`, a 17 GiB root logical volume). What files the run writes adds to the root.
const DISKS: [(&str, u64, u64); 2] = [("/boot", 1_063_256_064, 139_460_608), ("/", 18_238_930_944, 1_291_694_080)];

impl Fs {
    /// The size of the disk holding `path` and the bytes used on it, as `statfs()` reports them.
    pub(crate) fn disk_usage(&self, path: &str) -> (u64, u64) {
        let path = &*self.absolute(path);
        let (mount, size, used) =
            DISKS.into_iter().find(|(m, _, _)| *m == "/" || path == *m || path.starts_with(&format!("{m}/"))).unwrap_or(DISKS[1]);
        let written = if mount == "/" { self.inodes.values().map(|i| i.contents.len() as u64).sum() } else { 0 };
        (size, (used + written).min(size))
    }

    /// An empty disk (a root directory and root's home, mode 550 as CentOS 7 makes it) whose
    /// `SimTime::ZERO` is `epoch_us` µs after the Unix epoch.
    pub(crate) fn new(epoch_us: u64) -> Fs {
        let mut inodes = Inodes::default();
        let mut root = Inode::new(Kind::Dir, ROOT, ROOT, IMPLICIT_DIR, SimTime::ZERO);
        root.entries.insert(HOME[1..].to_owned(), HOME_INO);
        inodes.insert(ROOT, root);
        inodes.insert(HOME_INO, Inode::new(Kind::Dir, HOME_INO, ROOT, (0o550, 0, 0), SimTime::ZERO));
        Fs { inodes, last_ino: ROOT, epoch_us, cwd: HOME.to_owned() }
    }

    /// A count that moves whenever a file, directory, name, mode or time changes (not with the
    /// working directory): the same count as at an earlier look means the same tree.
    pub(crate) fn changes(&self) -> u64 {
        self.inodes.changes()
    }

    fn new_ino(&mut self) -> Ino {
        self.last_ino += 1;
        self.last_ino
    }

    /// `path` from the root: a relative one starts from the working directory.
    pub(crate) fn absolute<'p>(&self, path: &'p str) -> Cow<'p, str> {
        if path.starts_with('/') {
            Cow::Borrowed(path)
        } else if self.cwd == "/" {
            Cow::Owned(format!("/{path}"))
        } else {
            Cow::Owned(format!("{}/{path}", self.cwd))
        }
    }

    /// The console shell's working directory.
    pub(crate) fn cwd(&self) -> &str {
        &self.cwd
    }

    /// `chdir()`: `dir` (absolute or relative), without `.` and `..`; an error if it is not a
    /// directory.
    pub(crate) fn chdir(&mut self, dir: &str) -> Result<(), Errno> {
        let dir = self.absolute(dir).into_owned();
        let ino = self.resolve_ino(&dir)?;
        if !self.inodes[&ino].is_dir() {
            return Err(Errno::NotDir);
        }
        self.cwd = self.path_of(ino).unwrap_or_else(|| "/".to_owned());
        Ok(())
    }

    /// The shell's `$PWD` (absolute, as the shell keeps it) becomes the working directory.
    pub(crate) fn set_cwd(&mut self, dir: &str) {
        if dir.starts_with('/') && dir != self.cwd {
            self.cwd = dir.to_owned();
        }
    }

    /// The inode at `path` (file or directory).
    pub(crate) fn stat(&self, path: &str) -> Option<&Inode> {
        let path = &*self.absolute(path);
        self.resolve_ino(path).ok().and_then(|i| self.inodes.get(&i))
    }

    fn resolve_ino(&self, path: &str) -> Result<Ino, Errno> {
        if !path.starts_with('/') {
            return Err(Errno::NoEnt);
        }
        names(path).try_fold(ROOT, |dir, name| self.child(dir, name))
    }

    /// `name` in directory `dir` (`..` is its parent).
    fn child(&self, dir: Ino, name: &str) -> Result<Ino, Errno> {
        let d = self.inodes.get(&dir).ok_or(Errno::NoEnt)?;
        if !d.is_dir() {
            return Err(Errno::NotDir);
        }
        if name == ".." {
            return Ok(d.parent);
        }
        d.entries.get(name).copied().ok_or(Errno::NoEnt)
    }

    /// Adds a new inode called `name` to directory `dir`.
    fn link_new(&mut self, dir: Ino, name: &str, kind: Kind, owner: (u32, u32, u32), now: SimTime) -> Result<Ino, Errno> {
        let d = self.inodes.get(&dir).ok_or(Errno::NoEnt)?;
        if !d.is_dir() {
            return Err(Errno::NotDir);
        }
        if d.entries.contains_key(name) {
            return Err(Errno::Exist);
        }
        let ino = self.new_ino();
        self.inodes.insert(ino, Inode::new(kind, ino, dir, owner, now));
        self.touch_dir(dir, now, Some((name, Some(ino))));
        Ok(ino)
    }

    /// Changes a directory's entry (`None` removes it) and its times.
    fn touch_dir(&mut self, dir: Ino, now: SimTime, entry: Option<(&str, Option<Ino>)>) {
        if let Some(d) = self.inodes.get_mut(&dir) {
            match entry {
                Some((name, Some(ino))) => {
                    d.entries.insert(name.to_owned(), ino);
                }
                Some((name, None)) => {
                    d.entries.remove(name);
                }
                None => {}
            }
            d.mtime = now;
            d.ctime = now;
        }
    }

    /// The directory at `path`, made with its parents (`mkdir -p`) if missing.
    fn make_dirs(&mut self, path: &str, now: SimTime) -> Result<Ino, Errno> {
        let mut dir = ROOT;
        for name in names(path) {
            dir = match self.child(dir, name) {
                Ok(ino) if self.inodes[&ino].is_dir() => ino,
                Ok(_) => return Err(Errno::NotDir),
                Err(Errno::NoEnt) => self.link_new(dir, name, Kind::Dir, IMPLICIT_DIR, now)?,
                Err(e) => return Err(e),
            };
        }
        Ok(dir)
    }

    /// The regular file at `path`, created (with its parents) if missing.
    fn file_mut(&mut self, path: &str, now: SimTime) -> Option<&mut Inode> {
        let ino = match self.resolve_ino(path) {
            Ok(ino) => ino,
            Err(_) => {
                let (dir, name) = split(path)?;
                let dir = self.make_dirs(dir, now).ok()?;
                self.link_new(dir, name, Kind::File, NEW_FILE, now).ok()?
            }
        };
        self.inodes.get_mut(&ino).filter(|f| !f.is_dir())
    }

    /// Writes (creates, or truncates and rewrites in place) a file; nothing if `path` is a
    /// directory or under a file.
    pub(crate) fn write(&mut self, path: &str, contents: Vec<u8>, now: SimTime) {
        let path = &*self.absolute(path);
        if let Some(file) = self.file_mut(path, now) {
            file.contents = contents;
            file.mtime = now;
            file.ctime = now;
        }
    }

    /// Appends `bytes` to a file, creating it (`>>`), without copying what it holds.
    pub(crate) fn append(&mut self, path: &str, bytes: &[u8], now: SimTime) {
        let path = &*self.absolute(path);
        if let Some(file) = self.file_mut(path, now) {
            grow(file, bytes, now);
        }
    }

    /// [`Fs::append`], unless a file at `path` would then hold more than `limit` bytes: then
    /// false, and nothing is written (a log that must be rotated first). One path lookup.
    pub(crate) fn append_within(&mut self, path: &str, bytes: &[u8], limit: usize, now: SimTime) -> bool {
        let path = &*self.absolute(path);
        let Ok(ino) = self.resolve_ino(path) else {
            self.append(path, bytes, now);
            return true;
        };
        if self.inodes.get(&ino).is_some_and(|f| !f.is_dir() && f.contents.len() + bytes.len() > limit) {
            return false;
        }
        if let Some(file) = self.inodes.get_mut(&ino).filter(|f| !f.is_dir()) {
            grow(file, bytes, now);
        }
        true
    }

    /// `rename(2)`: the inode at `from` moves to `to` (its parents made if missing), replacing
    /// the file there; false if `from` does not exist or `to` cannot take it.
    pub(crate) fn rename(&mut self, from: &str, to: &str, now: SimTime) -> bool {
        let from = &*self.absolute(from);
        let to = &*self.absolute(to);
        let (Some((from_dir, from_name)), Some((to_dir, to_name))) = (split(from), split(to)) else { return false };
        let (Ok(from_dir), Ok(to_dir)) = (self.resolve_ino(from_dir), self.make_dirs(to_dir, now)) else { return false };
        self.move_entry(from_dir, from_name, to_dir, to_name, now).is_ok()
    }

    /// Moves a name, replacing a target that is not a non-empty directory (the inode keeps its
    /// number; the replaced one is freed).
    fn move_entry(&mut self, from_dir: Ino, from: &str, to_dir: Ino, to: &str, now: SimTime) -> Result<(), Errno> {
        let ino = self.child(from_dir, from)?;
        let moving_dir = self.inodes[&ino].is_dir();
        if moving_dir && self.ancestors(to_dir).contains(&ino) {
            return Err(Errno::Inval);
        }
        match self.child(to_dir, to) {
            Ok(old) if old == ino => return Ok(()),
            Ok(old) => {
                let old_inode = &self.inodes[&old];
                match (old_inode.is_dir(), moving_dir) {
                    (true, false) => return Err(Errno::IsDir),
                    (false, true) => return Err(Errno::NotDir),
                    (true, true) if !old_inode.entries.is_empty() => return Err(Errno::NotEmpty),
                    _ => {}
                }
                self.inodes.remove(&old);
            }
            Err(Errno::NoEnt) => {}
            Err(e) => return Err(e),
        }
        self.touch_dir(from_dir, now, Some((from, None)));
        self.touch_dir(to_dir, now, Some((to, Some(ino))));
        if let Some(i) = self.inodes.get_mut(&ino) {
            i.parent = to_dir;
            i.ctime = now;
        }
        Ok(())
    }

    /// `dir` and the directories above it.
    fn ancestors(&self, mut dir: Ino) -> Vec<Ino> {
        let mut seen = vec![dir];
        while let Some(d) = self.inodes.get(&dir)
            && d.parent != dir
        {
            dir = d.parent;
            seen.push(dir);
        }
        seen
    }

    /// The path of the inode `ino`, if it still has one.
    pub(crate) fn path_of(&self, ino: Ino) -> Option<String> {
        let mut names = Vec::new();
        let mut at = ino;
        while at != ROOT {
            let parent = self.inodes.get(&at)?.parent;
            let name = self.inodes.get(&parent)?.entries.iter().find(|(_, i)| **i == at)?.0;
            names.push(name.as_str());
            at = parent;
        }
        names.reverse();
        Some(format!("/{}", names.join("/")))
    }

    /// Appends `line` and a newline to a file, creating it (log files).
    pub(crate) fn append_line(&mut self, path: &str, line: &str, now: SimTime) {
        let path = &*self.absolute(path);
        self.append(path, line.as_bytes(), now);
        self.append(path, b"\n", now);
    }

    /// Removes a file (not a directory); false if there was none.
    pub(crate) fn remove(&mut self, path: &str) -> bool {
        let path = &*self.absolute(path);
        let Some(file) = self.stat(path).filter(|i| !i.is_dir()) else { return false };
        let (ino, dir, now) = (file.ino, file.parent, file.ctime);
        let Some((_, name)) = split(path) else { return false };
        self.inodes.remove(&ino);
        self.touch_dir(dir, now, Some((name, None)));
        true
    }

    /// Reads a regular file.
    pub(crate) fn read(&self, path: &str) -> Option<&Inode> {
        let path = &*self.absolute(path);
        self.stat(path).filter(|i| !i.is_dir())
    }

    /// Reads a file as text (lossy UTF-8).
    pub(crate) fn read_text(&self, path: &str) -> Option<String> {
        let path = &*self.absolute(path);
        self.read(path).map(|f| String::from_utf8_lossy(&f.contents).into_owned())
    }

    /// The regular files directly in directory `dir`, as paths, sorted.
    pub(crate) fn list(&self, dir: &str) -> Vec<String> {
        let dir = &*self.absolute(dir);
        let Some(d) = self.stat(dir).filter(|d| d.is_dir()) else { return Vec::new() };
        let base = dir.trim_end_matches('/');
        d.entries.iter().filter(|(_, i)| self.inodes.get(i).is_some_and(|i| !i.is_dir())).map(|(n, _)| format!("{base}/{n}")).collect()
    }

    /// The names in directory `dir` and their inodes, sorted by name.
    pub(crate) fn entries(&self, dir: &str) -> Option<Vec<(&str, &Inode)>> {
        let dir = &*self.absolute(dir);
        let d = self.stat(dir).filter(|d| d.is_dir())?;
        Some(d.entries.iter().filter_map(|(n, i)| Some((n.as_str(), self.inodes.get(i)?))).collect())
    }

    /// Whether `path` is a directory.
    pub(crate) fn is_dir(&self, path: &str) -> bool {
        let path = &*self.absolute(path);
        self.stat(path).is_some_and(Inode::is_dir)
    }

    /// `mkdir(2)` with mode `mode` (after root's umask) owned by root; with `parents`, `mkdir
    /// -p`: missing parents made and an existing directory is no error.
    pub(crate) fn mkdir(&mut self, path: &str, parents: bool, now: SimTime) -> Result<(), Errno> {
        let path = &*self.absolute(path);
        if parents {
            return self.make_dirs(path, now).map(|_| ());
        }
        let Some((dir, name)) = split(path) else { return Err(Errno::Exist) };
        let dir = self.resolve_ino(dir)?;
        self.link_new(dir, name, Kind::Dir, IMPLICIT_DIR, now).map(|_| ())
    }

    /// `chmod(2)`: new permission bits.
    pub(crate) fn chmod(&mut self, path: &str, mode: u32, now: SimTime) -> Result<(), Errno> {
        let path = &*self.absolute(path);
        let ino = self.resolve_ino(path)?;
        let inode = self.inodes.get_mut(&ino).ok_or(Errno::NoEnt)?;
        inode.mode = mode & 0o7777;
        inode.ctime = now;
        Ok(())
    }

    /// Links of an inode: a directory has its own `.`, its name and each subdirectory's `..`.
    pub(crate) fn nlink(&self, inode: &Inode) -> u32 {
        if !inode.is_dir() {
            return 1;
        }
        let subdirs = inode.entries.values().filter(|i| self.inodes.get(i).is_some_and(Inode::is_dir)).count();
        2 + u32::try_from(subdirs).unwrap_or(u32::MAX - 2)
    }
}

/// Appends `bytes` to `file`, as a write at its end does.
fn grow(file: &mut Inode, bytes: &[u8], now: SimTime) {
    file.contents.extend_from_slice(bytes);
    file.mtime = now;
    file.ctime = now;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edit_keeps_the_inode_and_a_rename_replaces_the_target() {
        let mut fs = Fs::default();
        fs.write("/web/index.html", b"a".to_vec(), SimTime::ZERO);
        let ino = fs.read("/web/index.html").unwrap().ino;
        assert!(fs.is_dir("/web") && fs.is_dir("/") && !fs.is_dir("/web/index.html"));
        fs.write("/web/index.html", b"bb".to_vec(), SimTime::from_secs(1));
        assert_eq!(fs.read("/web/index.html").unwrap().ino, ino);
        fs.write("/web/new", b"c".to_vec(), SimTime::ZERO);
        let new = fs.read("/web/new").unwrap().ino;
        assert_ne!(new, ino);
        assert!(fs.rename("/web/new", "/web/index.html", SimTime::ZERO));
        assert_eq!(fs.read("/web/index.html").unwrap().ino, new);
        assert_eq!(fs.path_of(new).as_deref(), Some("/web/index.html"));
        assert_eq!(fs.path_of(ino), None);
        assert_eq!(fs.list("/web"), vec!["/web/index.html"]);
    }

    #[test]
    fn directories_are_explicit() {
        let mut fs = Fs::default();
        assert_eq!(fs.mkdir("/a/b", false, SimTime::ZERO), Err(Errno::NoEnt));
        assert_eq!(fs.mkdir("/a", false, SimTime::ZERO), Ok(()));
        assert_eq!(fs.mkdir("/a", false, SimTime::ZERO), Err(Errno::Exist));
        assert_eq!(fs.mkdir("/a/b/c", true, SimTime::ZERO), Ok(()));
        assert!(fs.is_dir("/a/b/c"));
        assert_eq!(fs.nlink(fs.stat("/a").unwrap()), 3);
        assert!(fs.list("/a").is_empty());
        assert!(!fs.remove("/a"));
        assert!(!fs.rename("/a", "/a/b/x", SimTime::ZERO));
    }

    #[test]
    fn every_change_moves_the_count_and_reads_do_not() {
        use crate::proto::nfs::tree::FileTree;
        let mut fs = Fs::default();
        let t = SimTime::from_secs(1);
        let mut last = fs.changes();
        let mut moved = |fs: &Fs| {
            let moved = fs.changes() != last;
            last = fs.changes();
            moved
        };
        fs.write("/etc/exports", b"/srv *(ro)\n".to_vec(), t);
        assert!(moved(&fs));
        let ino = fs.read("/etc/exports").unwrap().ino;
        let _ = (fs.stat("/etc"), fs.read_text("/etc/exports"), fs.list("/etc"), fs.entries("/etc"), fs.is_dir("/etc"));
        let _ = (fs.attr(ino), FileTree::read(&fs, ino, 0, 4), fs.readdir(ino), fs.usage());
        assert!(!moved(&fs));
        fs.append("/etc/exports", b"x", t);
        assert!(moved(&fs));
        fs.append_line("/etc/exports", "y", t);
        assert!(moved(&fs));
        assert_eq!(fs.chmod("/etc/exports", 0o600, t), Ok(()));
        assert!(moved(&fs));
        assert_eq!(fs.mkdir("/var", false, t), Ok(()));
        assert!(moved(&fs));
        assert!(fs.rename("/etc/exports", "/var/exports", t));
        assert!(moved(&fs));
        assert_eq!(FileTree::write(&mut fs, ino, 0, b"z", 5), Ok(()));
        assert!(moved(&fs));
        assert!(fs.remove("/var/exports"));
        assert!(moved(&fs));
    }
}
