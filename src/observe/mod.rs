//! L1: what happened. The vocabulary every layer reports in: trace events, expectations over
//! them, the report rendered from both, and running summaries for a live view.

pub(crate) mod expect;
pub(crate) mod report;
pub(crate) mod tally;
pub(crate) mod trace;
