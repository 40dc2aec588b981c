//! Reading the files of a scenario from disk, within a size budget, and decoding RON text.
//!
//! A scenario reads its own file, the topology it `extends` and the files it places on hosts
//! with `File(…)`. All of it is held in memory (a host's files are copied onto its simulated
//! disk), so it is bounded: [`MAX_INPUT_BYTES`] for everything read for one scenario together.
//! The files a scenario names must be regular files: `/dev/zero` would otherwise be read until
//! memory runs out, and a FIFO would block `labsim` forever. The scenario file itself may be a
//! pipe (`labsim check <(generate)`), read up to the budget.

use std::fs::File;
use std::io::{self, ErrorKind, Read};
use std::path::{Component, Path, PathBuf};

use super::error::{Hint, Issue, Tried};
use super::lexer::LineCol;

/// The most bytes labsim reads for one scenario: its file, its topology and its `File(…)`s
/// together.
///
/// 16 MiB is three hundred times everything shipped in `scenarios/` (every scenario, the
/// topology, the configuration files and web pages: 51 KiB), so a generated scenario with
/// thousands of hosts, or a large page to serve, fits. It bounds what a scenario can make labsim
/// hold (a 1 MB scenario naming one 1 MB file from thousands of hosts would otherwise need
/// gigabytes). Checking RON costs about 60 bytes of memory per byte of text at worst (tokens,
/// the span index, the parsed file): 90 MiB for 1 MB, 0.9 GiB for a 16 MiB file of hosts.
pub(super) const MAX_INPUT_BYTES: u64 = 16 << 20;

/// What is left of [`MAX_INPUT_BYTES`] for one scenario.
pub(super) struct Budget {
    left: u64,
}

impl Budget {
    /// The whole budget, for a new scenario.
    pub(super) fn new() -> Self {
        Budget { left: MAX_INPUT_BYTES }
    }

    /// The scenario file: any file that can be read (a pipe too), within the budget.
    pub(super) fn read_scenario(&mut self, path: &Path) -> io::Result<Vec<u8>> {
        self.read(File::open(path)?)
    }

    /// A file the scenario names (its topology, a `File(…)`): a regular file, within the budget.
    /// Its type is checked before it is opened, since opening a FIFO waits for a writer.
    pub(super) fn read_named(&mut self, path: &Path) -> io::Result<Vec<u8>> {
        let metadata = std::fs::metadata(path)?;
        if !metadata.is_file() {
            return Err(io::Error::new(ErrorKind::InvalidInput, "not a regular file"));
        }
        if metadata.len() > self.left {
            return Err(too_large());
        }
        self.read(File::open(path)?)
    }

    /// Reads `file` to its end, or fails as soon as it goes past the budget (a file may grow
    /// after its size was checked).
    fn read(&mut self, file: File) -> io::Result<Vec<u8>> {
        let mut bytes = Vec::new();
        file.take(self.left.saturating_add(1)).read_to_end(&mut bytes)?;
        self.take(bytes.len())?;
        Ok(bytes)
    }

    /// Counts `len` bytes read against the budget, or fails if they go past it.
    pub(super) fn take(&mut self, len: usize) -> io::Result<()> {
        let len = u64::try_from(len).unwrap_or(u64::MAX);
        if len > self.left {
            return Err(too_large());
        }
        self.left -= len;
        Ok(())
    }
}

fn too_large() -> io::Error {
    let message = format!("too large: a scenario, its topology and its files may total {} MiB", MAX_INPUT_BYTES >> 20);
    io::Error::new(ErrorKind::FileTooLarge, message)
}

/// What a message says about a file named `written` in a file whose directory is `dir`, when it
/// could not be read because of `error`. When it was not found: the path opened, if it differs
/// from what is written (made absolute when `dir` is the current directory, so that the message
/// says which one), and the path to write instead if `written` names a regular file relative to
/// the current directory (the usual mistake: `extends: "scenarios/lab/lab.ron"` in a scenario
/// that is not at the root). Nothing for other errors: the file was found.
pub(super) fn looked_for(dir: &Path, written: &str, error: &io::Error) -> (Tried, Hint) {
    if error.kind() != ErrorKind::NotFound {
        return (Tried(None), Hint(None));
    }
    let mut tried = dir.join(written);
    if tried.as_os_str() == written && tried.is_relative() {
        // A scenario in the current directory: say which directory that is.
        tried = std::env::current_dir().map(|cwd| cwd.join(&tried)).unwrap_or(tried);
    }
    let shown = (tried.as_os_str() != written).then(|| tried.display().to_string());
    let here = Path::new(written);
    let hint = (here.is_relative() && here.is_file()).then(|| relative_path(dir, here)).flatten().map(|p| p.display().to_string());
    (Tried(shown), Hint(hint))
}

/// The path of `to` relative to the directory `from_dir` (both as given, relative to the current
/// directory or absolute; both must exist), with `..` where it climbs: what a file in `from_dir`
/// writes to name `to`. `None` if either cannot be resolved.
pub(crate) fn relative_path(from_dir: &Path, to: &Path) -> Option<PathBuf> {
    let from_dir = if from_dir.as_os_str().is_empty() { Path::new(".") } else { from_dir };
    let (from, to) = (from_dir.canonicalize().ok()?, to.canonicalize().ok()?);
    let common = from.components().zip(to.components()).take_while(|(a, b)| a == b).count();
    let mut path: PathBuf = from.components().skip(common).map(|_| Component::ParentDir).collect();
    path.extend(to.components().skip(common));
    Some(path)
}

/// The text of a RON file: UTF-8, with a leading byte order mark dropped (editors on Windows
/// write one). Invalid UTF-8 is reported at its first bad byte, by line and column (counted as
/// in the rest of the file, the mark not included) and by offset in the file.
pub(super) fn decode(bytes: &[u8]) -> Result<&str, (LineCol, Issue)> {
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    let body = bytes.strip_prefix(BOM).unwrap_or(bytes);
    std::str::from_utf8(body).map_err(|error| {
        let valid = body.get(..error.valid_up_to()).unwrap_or_default();
        // The valid prefix is UTF-8, so it converts without loss.
        let valid = String::from_utf8_lossy(valid);
        let line_start = valid.rfind('\n').map_or(0, |i| i + 1);
        let at = LineCol { line: 1 + valid.matches('\n').count(), column: 1 + valid[line_start..].chars().count() };
        let offset = bytes.len() - body.len() + error.valid_up_to();
        let byte = body.get(error.valid_up_to()).copied().unwrap_or_default();
        (at, Issue::InvalidUtf8 { offset, byte })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_utf8_without_its_byte_order_mark() {
        assert_eq!(decode(b"\xEF\xBB\xBFScenario()"), Ok("Scenario()"));
        assert_eq!(decode("é".as_bytes()), Ok("é"));
        let (at, issue) = decode(b"\xEF\xBB\xBFab\n\xC3\xA9c\xFFd").unwrap_err();
        assert_eq!(at, LineCol { line: 2, column: 3 });
        assert_eq!(issue, Issue::InvalidUtf8 { offset: 9, byte: 0xFF });
        // A sequence cut short by the end of the file.
        let (at, issue) = decode(b"x\xE2\x82").unwrap_err();
        assert_eq!((at, issue), (LineCol { line: 1, column: 2 }, Issue::InvalidUtf8 { offset: 1, byte: 0xE2 }));
    }

    #[test]
    fn relative_paths_climb_out_of_the_directory() {
        let dir = std::env::temp_dir().join(format!("labsim-relative-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("scenarios/lab")).unwrap();
        std::fs::create_dir_all(dir.join("scenarios/mine/deep")).unwrap();
        std::fs::write(dir.join("scenarios/lab/lab.ron"), "Lab()").unwrap();
        let lab = dir.join("scenarios/lab/lab.ron");
        assert_eq!(relative_path(&dir.join("scenarios"), &lab), Some(PathBuf::from("lab/lab.ron")));
        assert_eq!(relative_path(&dir.join("scenarios/mine/deep"), &lab), Some(PathBuf::from("../../lab/lab.ron")));
        assert_eq!(relative_path(&dir.join("nowhere"), &lab), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn reads_regular_files_within_the_budget() {
        let dir = std::env::temp_dir().join(format!("labsim-input-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let small = dir.join("small");
        std::fs::write(&small, b"abc").unwrap();
        let mut budget = Budget::new();
        assert_eq!(budget.read_named(&small).unwrap(), b"abc");
        assert_eq!(budget.left, MAX_INPUT_BYTES - 3);
        budget.left = 2;
        assert_eq!(budget.read_named(&small).unwrap_err().kind(), ErrorKind::FileTooLarge);
        assert_eq!(budget.read_scenario(&small).unwrap_err().kind(), ErrorKind::FileTooLarge);
        assert_eq!(budget.read_named(&dir).unwrap_err().to_string(), "not a regular file");
        assert_eq!(Budget::new().read_named(Path::new("/dev/zero")).unwrap_err().to_string(), "not a regular file");
        let mut budget = Budget { left: 1000 };
        assert_eq!(budget.read_scenario(Path::new("/dev/zero")).unwrap_err().kind(), ErrorKind::FileTooLarge);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
