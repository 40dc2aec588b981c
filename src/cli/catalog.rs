//! Where scenario files are found: the shipped ones, in `scenarios/` of the labsim checkout (for
//! `labsim list` and `labsim bench`), and the files of a directory (`labsim run DIR`). When the
//! shipped scenarios are not there (labsim installed and run elsewhere), the message says where
//! labsim looked.

use crate::cli::stdout::outln;
use std::io;
use std::path::{Path, PathBuf};

use clap::Args;

use super::{exit, summary};
use crate::scenario::Loaded;

/// The directory of the shipped scenarios, relative to the checkout's root (and to the current
/// directory when labsim is run there).
pub(super) const SHIPPED: &str = "scenarios";

#[derive(Args, Debug)]
pub(super) struct ListArgs {
    /// A directory of scenarios (default: scenarios/ and its subdirectories, in the labsim checkout).
    dir: Option<PathBuf>,
}

/// The `*.ron` files directly in `dir`, sorted by name.
pub(super) fn ron_files(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|x| x == "ron") && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// `dir`'s `*.ron` files, then those of each of its subdirectories, by name.
fn ron_files_below(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut files = ron_files(dir)?;
    let mut subdirs: Vec<PathBuf> = std::fs::read_dir(dir)?.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_dir()).collect();
    subdirs.sort();
    for sub in subdirs {
        files.extend(ron_files(&sub)?);
    }
    Ok(files)
}

/// Why `dir` gave no scenarios, saying where labsim looked: `command` (`labsim list`) reads
/// the shipped scenarios from the checkout's `scenarios/` unless told otherwise by `instead`.
pub(super) fn not_found(command: &str, dir: &Path, error: Option<&io::Error>, instead: &str) -> String {
    let cwd = std::env::current_dir().map_or_else(|_| "the current directory".to_owned(), |d| d.display().to_string());
    let looked = if dir.is_absolute() { dir.display().to_string() } else { format!("{} in {cwd}", dir.display()) };
    let why = error.map_or_else(|| "no *.ron files".to_owned(), ToString::to_string);
    format!(
        "{command}: no scenarios found: looked for {looked} ({why}). The shipped scenarios are in scenarios/ of the \
         labsim checkout: run {command} from there, or {instead}"
    )
}

/// `labsim list [DIR]`: each scenario with its `about`, and each topology with its size. A file
/// that does not load is listed as invalid, and the listing still succeeds: it is a listing (your
/// own files in `scenarios/mine/` may be half written), and `labsim check` is the verdict.
pub(super) fn list(args: &ListArgs) -> u8 {
    let dir = args.dir.clone().unwrap_or_else(|| PathBuf::from(SHIPPED));
    let files = match ron_files_below(&dir) {
        Ok(files) if !files.is_empty() => files,
        Ok(_) => return refuse(&not_found("labsim list", &dir, None, "name a directory: labsim list DIR")),
        Err(e) => return refuse(&not_found("labsim list", &dir, Some(&e), "name a directory: labsim list DIR")),
    };
    let width = files.iter().map(|f| f.display().to_string().chars().count()).max().unwrap_or(0);
    for file in files {
        let what = match crate::scenario::load_any(&file) {
            Ok(Loaded::Scenario(s)) => {
                let about = if s.about.is_empty() { &s.name } else { &s.about };
                about.split_whitespace().collect::<Vec<_>>().join(" ")
            }
            Ok(loaded @ Loaded::Topology(_)) => format!("({}; scenarios extend it)", summary(&loaded)),
            Err(_) => format!("(invalid: `labsim check {}` says why)", file.display()),
        };
        outln!("{:<width$}  {what}", file.display().to_string());
    }
    exit::OK
}

fn refuse(message: &str) -> u8 {
    eprintln!("{message}");
    exit::INVALID
}
