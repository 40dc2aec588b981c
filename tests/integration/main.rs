//! One integration-test binary (ripgrep/bottom pattern). Each module says what belongs in it.

#![allow(clippy::unwrap_used)] // tests fail loudly on unexpected errors

/// Shared helpers: running scenarios through the library, the `labsim` command, pcap reading.
mod util;
