//! Standard output for the subcommands' results. A reader that stops early (`labsim list |
//! head -1`) is not an error: as ripgrep does (`crates/core/main.rs` exits 0 when a write fails
//! with a broken pipe), labsim then stops quietly with status 0, instead of panicking in
//! `println!`. Any other write error is an I/O error (exit status 3).

use std::fmt;
use std::io::{self, Write};
use std::process;

use super::exit;

/// Writes `text` to standard output, or ends the process as the module says.
pub(crate) fn write(text: fmt::Arguments<'_>) {
    let Err(e) = io::stdout().lock().write_fmt(text) else { return };
    if e.kind() == io::ErrorKind::BrokenPipe {
        process::exit(i32::from(exit::OK));
    }
    eprintln!("labsim: standard output: {e}");
    process::exit(i32::from(exit::IO_ERROR));
}

/// `print!` through [`write()`].
macro_rules! out {
    ($($arg:tt)*) => { $crate::cli::stdout::write(format_args!($($arg)*)) };
}

/// `println!` through [`write()`].
macro_rules! outln {
    ($($arg:tt)*) => { $crate::cli::stdout::write(format_args!("{}\n", format_args!($($arg)*))) };
}

pub(crate) use {out, outln};
