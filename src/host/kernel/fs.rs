//! A host's in-memory filesystem: absolute paths to file contents, modification times and
//! inode numbers (a file keeps its inode when rewritten or renamed, so `tail -f` can follow a
//! log file that is rotated away). It survives a power cycle (it is the disk); directories
//! exist implicitly.

use std::collections::BTreeMap;

use crate::kernel::SimTime;

/// A file's contents and modification time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct File {
    /// The bytes.
    pub contents: Vec<u8>,
    /// Last modification, in simulated time.
    pub mtime: SimTime,
    /// Its inode number.
    pub ino: u64,
}

/// The filesystem of one host.
#[derive(Clone, Debug, Default)]
pub(crate) struct Fs {
    files: BTreeMap<String, File>,
    last_ino: u64,
}

impl Fs {
    fn new_ino(&mut self) -> u64 {
        self.last_ino += 1;
        self.last_ino
    }

    /// Writes (creates, or truncates and rewrites) a file.
    pub(crate) fn write(&mut self, path: &str, contents: Vec<u8>, now: SimTime) {
        match self.files.get_mut(path) {
            Some(file) => {
                file.contents = contents;
                file.mtime = now;
            }
            None => {
                let ino = self.new_ino();
                self.files.insert(path.to_owned(), File { contents, mtime: now, ino });
            }
        }
    }

    /// Appends `bytes` to a file, creating it (`>>`), without copying what it holds.
    pub(crate) fn append(&mut self, path: &str, bytes: &[u8], now: SimTime) {
        let file = match self.files.get_mut(path) {
            Some(file) => file,
            None => {
                let ino = self.new_ino();
                self.files.entry(path.to_owned()).or_insert(File { contents: Vec::new(), mtime: now, ino })
            }
        };
        file.contents.extend_from_slice(bytes);
        file.mtime = now;
    }

    /// `rename(2)`: the file (its inode) moves to `to`, replacing what was there.
    pub(crate) fn rename(&mut self, from: &str, to: &str) -> bool {
        let Some(file) = self.files.remove(from) else { return false };
        self.files.insert(to.to_owned(), file);
        true
    }

    /// The path of the file with inode `ino`, if it still has one.
    pub(crate) fn path_of(&self, ino: u64) -> Option<&str> {
        self.files.iter().find(|(_, f)| f.ino == ino).map(|(p, _)| p.as_str())
    }

    /// Appends `line` and a newline to a file, creating it (log files).
    pub(crate) fn append_line(&mut self, path: &str, line: &str, now: SimTime) {
        self.append(path, line.as_bytes(), now);
        self.append(path, b"\n", now);
    }

    /// Removes a file; false if there was none.
    pub(crate) fn remove(&mut self, path: &str) -> bool {
        self.files.remove(path).is_some()
    }

    /// Reads a file.
    pub(crate) fn read(&self, path: &str) -> Option<&File> {
        self.files.get(path)
    }

    /// Reads a file as text (lossy UTF-8).
    pub(crate) fn read_text(&self, path: &str) -> Option<String> {
        self.read(path).map(|f| String::from_utf8_lossy(&f.contents).into_owned())
    }

    /// The files directly in directory `dir`, sorted.
    pub(crate) fn list(&self, dir: &str) -> Vec<String> {
        let prefix = format!("{}/", dir.trim_end_matches('/'));
        self.files
            .range(prefix.clone()..)
            .take_while(|(p, _)| p.starts_with(&prefix))
            .filter(|(p, _)| !p[prefix.len()..].contains('/'))
            .map(|(p, _)| p.clone())
            .collect()
    }

    /// Whether `path` is a directory (a prefix of some file's path).
    pub(crate) fn is_dir(&self, path: &str) -> bool {
        let dir = if path.ends_with('/') { path.to_owned() } else { format!("{path}/") };
        dir == "/" || self.files.range(dir.clone()..).next().is_some_and(|(p, _)| p.starts_with(&dir))
    }
}
