//! The progress line of `labsim run` as a person sees it: in a terminal (a tmux pane), a long run
//! shows how far it got while it runs, and the line is gone when the report is printed. Without a
//! terminal (every other test, CI logs) nothing is drawn: `cli` checks that stderr stays empty.
//!
//! Needs `tmux`. Without it the test prints a note and passes, unless `CI` is set, where it fails
//! (`.ci/run` installs tmux).

use std::process::{Command, Output};
use std::time::Duration;

use crate::util;

/// A tmux server of our own (its own socket), killed when dropped.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux").arg("-L").arg(&self.socket).args(args).output().expect("tmux runs")
    }

    /// The pane's whole text, history included.
    fn capture(&self) -> String {
        let out = self.run(&["capture-pane", "-p", "-J", "-S", "-", "-t", "labsim"]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Captures every 50 ms until `done` holds, for about `patience` at most (counted in tries,
    /// not read from a clock); returns the last capture.
    fn wait_for(&self, patience: Duration, done: impl Fn(&str) -> bool) -> String {
        const EVERY: Duration = Duration::from_millis(50);
        let mut screen = self.capture();
        for _ in 0..patience.as_millis() / EVERY.as_millis() {
            if done(&screen) {
                break;
            }
            std::thread::sleep(EVERY);
            screen = self.capture();
        }
        screen
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

/// Whether tmux can run; without it the test fails under CI and is skipped elsewhere.
fn tmux_available() -> bool {
    match Command::new("tmux").arg("-V").output() {
        Ok(out) if out.status.success() => true,
        outcome => {
            let why = match outcome {
                Ok(out) => format!("`tmux -V` exited with {}", out.status),
                Err(e) => format!("cannot run tmux: {e}"),
            };
            let ci = std::env::var("CI").is_ok_and(|v| !matches!(v.as_str(), "" | "0" | "false"));
            assert!(!ci, "CI is set and {why}: install tmux (`apt-get install -y tmux`; .ci/run does it) to check the progress line");
            eprintln!("note: skipping the progress-line check: {why} (it is required when CI is set)");
            false
        }
    }
}

#[test]
fn a_long_run_on_a_terminal_shows_its_progress_then_erases_it() {
    if !tmux_available() {
        return;
    }
    let tmux = Tmux { socket: format!("labsim-test-{}", std::process::id()) };
    // A quiet JSON report (no consoles) is short enough for the pane's history to hold it all.
    // The shell keeps the pane open after labsim exits, with its exit status on the last line.
    let command = format!(
        "'{}' run tests/fixtures/wall/long.ron --max-wall 4s --json --quiet; echo \"labsim exited with $?\"; sleep 60",
        env!("CARGO_BIN_EXE_labsim")
    );
    let root = util::root();
    let root = root.to_str().expect("UTF-8 path");
    let started = tmux.run(&["new-session", "-d", "-s", "labsim", "-x", "120", "-y", "40", "-c", root, &command]);
    assert!(started.status.success(), "tmux new-session: {}", String::from_utf8_lossy(&started.stderr));

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
