//! `labsim new NAME`: writes `NAME.ron`, a scenario that extends the lab, from a template
//! (`new.ron`) whose comments explain each part, ready for `labsim check` and `labsim run`. It
//! never overwrites a file. The `extends` path is written relative to the new file, so the
//! scenario can live anywhere (`scenarios/mine/` is the place README suggests).

use crate::cli::stdout::outln;
use std::fs;
use std::io::{ErrorKind, Write as _};
use std::path::{Path, PathBuf};

use clap::Args;

use super::{catalog, exit};
use crate::scenario::relative_path;

/// The template; `{NAME}` and `{EXTENDS}` are filled in.
const TEMPLATE: &str = include_str!("new.ron");

#[derive(Args, Debug)]
pub(super) struct NewArgs {
    /// The new file: `NAME` writes NAME.ron, `DIR/NAME` writes DIR/NAME.ron (creating DIR).
    name: PathBuf,
    /// The topology to extend (default: the checkout's scenarios/lab/lab.ron).
    #[arg(long, value_name = "FILE")]
    lab: Option<PathBuf>,
}

pub(super) fn new(args: &NewArgs) -> u8 {
    match write(args) {
        Ok((path, extends)) => {
            outln!("wrote {} (extends {extends})", path.display());
            outln!("next: labsim check {0}; labsim run {0}", path.display());
            exit::OK
        }
        Err((code, message)) => {
            eprintln!("labsim new: {message}");
            code
        }
    }
}

/// Writes the file; returns its path and the `extends` path written in it, or an exit code and
/// why not.
fn write(args: &NewArgs) -> Result<(PathBuf, String), (u8, String)> {
    let Some(file_name) = args.name.file_name() else { return Err((exit::INVALID, format!("{} names no file", args.name.display()))) };
    let mut file_name = file_name.to_owned();
    if Path::new(&file_name).extension().is_none_or(|x| x != "ron") {
        // `my.test` becomes `my.test.ron`, not `my.ron`.
        file_name.push(".ron");
    }
    let path = args.name.parent().unwrap_or(Path::new("")).join(&file_name);
    let name = path.file_stem().map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    let lab = args.lab.clone().unwrap_or_else(|| Path::new(catalog::SHIPPED).join("lab/lab.ron"));
    if !lab.is_file() {
        let cwd = std::env::current_dir().map_or_else(|_| "the current directory".to_owned(), |d| d.display().to_string());
        let message = if args.lab.is_some() {
            format!("cannot find the topology {} (in {cwd})", lab.display())
        } else {
            format!(
                "cannot find the lab to extend: looked for {} in {cwd}. Run labsim new from the labsim checkout, or name the topology: --lab FILE",
                lab.display()
            )
        };
        return Err((exit::INVALID, message));
    }
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    if !dir.as_os_str().is_empty() {
        fs::create_dir_all(&dir).map_err(|e| (exit::IO_ERROR, format!("cannot create {}: {e}", dir.display())))?;
    }
    let extends = relative_path(&dir, &lab).ok_or_else(|| (exit::IO_ERROR, format!("cannot resolve {}", lab.display())))?;
    let extends = extends.display().to_string();
    // RON strings: the name and path go between double quotes.
    let quote = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
    let text = TEMPLATE.replace("{NAME}", &quote(&name)).replace("{EXTENDS}", &quote(&extends));
    let mut file = match fs::OpenOptions::new().write(true).create_new(true).open(&path) {
        Ok(file) => file,
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {
            return Err((
                exit::INVALID,
                format!("{} already exists; not overwriting it (choose another name, or remove it)", path.display()),
            ));
        }
        Err(e) => return Err((exit::IO_ERROR, format!("cannot write {}: {e}", path.display()))),
    };
    file.write_all(text.as_bytes()).map_err(|e| (exit::IO_ERROR, format!("cannot write {}: {e}", path.display())))?;
    Ok((path, extends))
}
