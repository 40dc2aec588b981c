//! The file system an NFS server exports, as the server core sees it: inodes with generations,
//! directories of names, and the raw operations knfsd asks the VFS for. Permission checks,
//! squashing and NFS's error rules are the server's (`nfsd.rs`); an implementation only keeps
//! files (the host's file system in the daemon phase, an in-memory tree in the tests).

/// An inode number.
pub(crate) type Ino = u64;

/// What an inode is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
}

/// An inode's attributes (times in µs since the Unix epoch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Attr {
    /// File or directory.
    pub(crate) kind: Kind,
    /// Permission bits (0o7777).
    pub(crate) mode: u32,
    /// Links.
    pub(crate) nlink: u32,
    /// Owner.
    pub(crate) uid: u32,
    /// Group.
    pub(crate) gid: u32,
    /// Bytes.
    pub(crate) size: u64,
    /// Inode number.
    pub(crate) ino: Ino,
    /// Bumped when an inode number is reused, so old handles stay stale.
    pub(crate) generation: u32,
    /// Last access.
    pub(crate) atime_us: u64,
    /// Last data change.
    pub(crate) mtime_us: u64,
    /// Last inode change.
    pub(crate) ctime_us: u64,
}

/// Why a file system operation failed (the errno the VFS would return).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Errno {
    /// ENOENT.
    NoEnt,
    /// EEXIST.
    Exist,
    /// ENOTDIR.
    NotDir,
    /// EISDIR.
    IsDir,
    /// ENOSPC.
    NoSpc,
    /// EINVAL (a directory moved under itself).
    Inval,
    /// ENOTEMPTY (a rename over a non-empty directory).
    NotEmpty,
}

/// Attributes to change (`struct iattr`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Change {
    /// New permission bits.
    pub(crate) mode: Option<u32>,
    /// New owner.
    pub(crate) uid: Option<u32>,
    /// New group.
    pub(crate) gid: Option<u32>,
    /// New size.
    pub(crate) size: Option<u64>,
    /// New access time (µs).
    pub(crate) atime_us: Option<u64>,
    /// New modification time (µs).
    pub(crate) mtime_us: Option<u64>,
}

/// Space and inode counts for FSSTAT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Usage {
    /// Total bytes.
    pub(crate) total_bytes: u64,
    /// Free bytes.
    pub(crate) free_bytes: u64,
    /// Total inodes.
    pub(crate) total_files: u64,
    /// Free inodes.
    pub(crate) free_files: u64,
}

/// A file system that can be exported. `now_us` is the server's clock (µs since the epoch).
pub(crate) trait FileTree {
    /// The file system id reported in `fattr3.fsid`.
    fn fsid(&self) -> u64;
    /// The inode of an absolute path.
    fn resolve(&self, path: &str) -> Result<Ino, Errno>;
    /// An inode's attributes; `None` if it does not exist.
    fn attr(&self, ino: Ino) -> Option<Attr>;
    /// A name in a directory (`..` is the parent).
    fn lookup(&self, dir: Ino, name: &str) -> Result<Ino, Errno>;
    /// Up to `count` bytes from `offset` (fewer at the end of the file).
    fn read(&self, ino: Ino, offset: u64, count: u32) -> Result<Vec<u8>, Errno>;
    /// Writes at `offset`, extending the file with zeros if needed.
    fn write(&mut self, ino: Ino, offset: u64, data: &[u8], now_us: u64) -> Result<(), Errno>;
    /// Makes a file or directory `name` in `dir` with `(mode, uid, gid)` (EEXIST if the name
    /// is taken).
    fn create(&mut self, dir: Ino, name: &str, kind: Kind, owner: (u32, u32, u32), now_us: u64) -> Result<Ino, Errno>;
    /// Removes the name `name` from `dir`, whatever it is.
    fn unlink(&mut self, dir: Ino, name: &str, now_us: u64) -> Result<(), Errno>;
    /// Moves a name, replacing the target name if it exists (the caller checked kinds).
    fn rename(&mut self, from_dir: Ino, from: &str, to_dir: Ino, to: &str, now_us: u64) -> Result<(), Errno>;
    /// A directory's names and inodes, in a stable order, without `.` and `..`.
    fn readdir(&self, dir: Ino) -> Result<Vec<(String, Ino)>, Errno>;
    /// Changes attributes (a size change truncates or extends).
    fn change(&mut self, ino: Ino, change: &Change, now_us: u64) -> Result<(), Errno>;
    /// Space and inodes.
    fn usage(&self) -> Usage;
}
