//! L1: what happened. The vocabulary every layer reports in: trace events, expectations over
//! them, the report rendered from both (as text, JSON or JUnit XML, with what it shows chosen by
//! [`options::ReportOptions`]), a crashed run's report, running summaries for a live view, and the
//! capacity report (throughput, latency percentiles, errors) aggregated as the run goes.

pub(crate) mod capacity;
pub(crate) mod console;
pub(crate) mod crash;
pub(crate) mod diagnostics;
mod digest;
pub(crate) mod escape;
pub(crate) mod expect;
pub(crate) mod json;
pub(crate) mod keep;
pub(crate) mod options;
pub(crate) mod report;
pub(crate) mod summary;
pub(crate) mod tally;
pub(crate) mod text;
pub(crate) mod trace;
pub(crate) mod window;
