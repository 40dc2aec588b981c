//! The `w` key's file: the opened scenario's text, as written, with the commands typed in the
//! session appended to its timeline at the simulated times they were typed. A scenario cannot
//! extend another scenario (only a topology), so the file copies the opened one; it must be
//! written in the same directory, where its `extends` and `File(…)` paths still resolve. Run
//! without the TUI, it types the same commands at the same instants, after the timeline's own
//! entries of each instant, as the TUI did, so it reports what the session showed.

use super::app::Recorded;
use crate::scenario::{AppendError, append_commands};

/// The text of the new scenario: `opened` (the opened scenario file's text) with `recorded`
/// appended to its timeline.
pub(crate) fn scenario_text(opened: &str, recorded: &[Recorded]) -> Result<String, AppendError> {
    let commands: Vec<_> = recorded.iter().map(|r| (r.at, r.host.as_str(), r.line.as_str())).collect();
    append_commands(opened, &commands)
}
