//! Exit codes of `labsim`, documented in one place (also in README.md).

/// The run completed and every expectation held; `check` found no problem; `bench` ran.
pub(crate) const OK: u8 = 0;
/// The run completed but some expectation failed, or the event budget ran out, or `--max-wall`
/// stopped the run.
pub(crate) const EXPECTATION_FAILED: u8 = 1;
/// The scenario is invalid, or the command line is.
pub(crate) const INVALID: u8 = 2;
/// An output file (pcap, trace, JUnit) could not be created or written.
pub(crate) const IO_ERROR: u8 = 3;
/// labsim itself crashed during the run (a panic: a bug in labsim, to be reported). 101 is what a
/// Rust program that panics exits with, so a script that knew a crash by it still does.
pub(crate) const CRASHED: u8 = 101;
