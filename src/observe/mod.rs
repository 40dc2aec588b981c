//! L1: what happened. The vocabulary every layer reports in: trace events, expectations over
//! them, and the report rendered from both.

pub mod expect;
pub mod report;
pub mod trace;
