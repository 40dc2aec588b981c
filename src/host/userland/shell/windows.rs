//! The commands of the Windows 10 client's `cmd.exe`.

use super::{Command, coreutils};

/// Every command a Windows console knows, sorted by name.
pub(crate) const WINDOWS_COMMANDS: &[(&str, Command)] = &[("hostname", Command::Builtin(coreutils::hostname))];
