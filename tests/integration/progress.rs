//! The progress line of `labsim run` as a person sees it: in a terminal (a tmux pane), a long run
//! shows how far it got while it runs, and the line is gone when the report is printed. Without a
//! terminal (every other test, CI logs) nothing is drawn: `cli` checks that stderr stays empty.
//!
//! Needs `tmux` ([`crate::tmux`]). Without it the test prints a note and passes, unless `CI` is
//! set, where it fails (`.ci/run` installs tmux).

use std::time::Duration;

use crate::tmux::{self, Tmux};

#[test]
fn a_long_run_on_a_terminal_shows_its_progress_then_erases_it() {
    if !tmux::available("the progress line") {
        return;
    }
    // A quiet JSON report (no consoles) is short enough for the pane's history to hold it all.
    // The shell keeps the pane open after labsim exits, with its exit status on the last line.
    let command = format!(
        "'{}' run tests/fixtures/wall/long.ron --max-wall 4s --json --quiet; echo \"labsim exited with $?\"; sleep 60",
        env!("CARGO_BIN_EXE_labsim")
    );
    let tmux = Tmux::start("progress", (120, 40), &command);

    let progress =
        |screen: &str| screen.lines().any(|l| l.starts_with("labsim: ") && l.contains(" s simulated (") && l.contains(" events/s"));
    let during = tmux.wait_for(Duration::from_secs(20), |s| progress(s) || s.contains("labsim exited"));
    assert!(progress(&during), "no progress line while the run went on:\n{during}");
    let line = during.lines().find(|l| progress(l)).expect("the progress line");
    assert!(line.contains(" of 36000.0 s simulated (") && line.contains(", ETA "), "{line}");

    let after = tmux.wait_for(Duration::from_secs(30), |s| s.contains("labsim exited"));
    assert!(after.contains("labsim exited with 1"), "--max-wall ends the run with exit 1:\n{after}");
    assert!(!after.lines().any(progress), "the progress line is erased at the end:\n{after}");
    // The report starts at the beginning of a line, where the progress line was.
    assert!(after.lines().any(|l| l == "{"), "{after}");
    assert!(after.contains("\"outcome\": \"stopped after 4 s of wall time at "), "{after}");
}
