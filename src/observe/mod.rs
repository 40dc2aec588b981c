//! L1: what happened. The vocabulary every layer reports in: trace events, expectations over
//! them, the report rendered from both, and running summaries for a live view.

pub mod expect;
pub mod report;
pub mod tally;
pub mod trace;
