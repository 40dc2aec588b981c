//! L1: byte formats that smoltcp lacks, as `Packet<T>`/`Repr` pairs (architecture habit 7).
//!
//! Untrusted bytes go through `Packet::new_checked` and then `Repr::parse`; emitting writes into a
//! buffer of exactly `Repr::buffer_len()` bytes. Errors are a unit [`Error`]: a malformed packet is
//! dropped by the caller (and reported as a trace event), never surfaced to the user.

pub mod http;
pub mod vrrp;

use core::fmt;

/// A packet could not be parsed (too short, inconsistent lengths, unsupported field values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Error;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("wire::Error")
    }
}

impl std::error::Error for Error {}

/// The result type of every parser in this module.
pub type Result<T> = core::result::Result<T, Error>;
