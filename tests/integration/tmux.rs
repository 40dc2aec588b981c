//! A terminal for the tests that need one (`progress`, `tui`): a tmux server of their own running
//! one pane, keys sent to it and its screen read back. Whether tmux is there at all is
//! [`available`]: without it those tests fail under CI and are skipped elsewhere (`.ci/run`
//! installs it).

use std::process::{Command, Output};
use std::time::Duration;

use crate::util;

/// A tmux server of our own (its own socket) with one session, `labsim`; killed when dropped.
pub(crate) struct Tmux {
    socket: String,
}

impl Tmux {
    /// Starts `command` (run by the shell) in a `width`×`height` pane, in the repository's root.
    /// `name` tells the server apart from those of other tests running at the same time.
    pub(crate) fn start(name: &str, (width, height): (u16, u16), command: &str) -> Tmux {
        let tmux = Tmux { socket: format!("labsim-test-{name}-{}", std::process::id()) };
        let root = util::root();
        let root = root.to_str().expect("UTF-8 path");
        let (width, height) = (width.to_string(), height.to_string());
        let started = tmux.run(&["new-session", "-d", "-s", "labsim", "-x", &width, "-y", &height, "-c", root, command]);
        assert!(started.status.success(), "tmux new-session: {}", String::from_utf8_lossy(&started.stderr));
        tmux
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux").arg("-L").arg(&self.socket).args(args).output().expect("tmux runs")
    }

    /// Sends keys as `tmux send-keys` names them (`Space`, `Enter`, `Escape`, `C-c`, or a
    /// character).
    pub(crate) fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "labsim"];
        args.extend_from_slice(keys);
        let sent = self.run(&args);
        assert!(sent.status.success(), "tmux send-keys {keys:?}: {}", String::from_utf8_lossy(&sent.stderr));
    }

    /// Types `text` literally, character by character.
    pub(crate) fn type_text(&self, text: &str) {
        let sent = self.run(&["send-keys", "-t", "labsim", "-l", text]);
        assert!(sent.status.success(), "tmux send-keys -l {text:?}: {}", String::from_utf8_lossy(&sent.stderr));
    }

    /// The pane's whole text, history included, wrapped lines joined.
    pub(crate) fn capture(&self) -> String {
        self.capture_with(&["-J", "-S", "-"])
    }

    /// What the pane shows now, one line per row, with the escape sequences of its colours and
    /// attributes.
    pub(crate) fn screen_with_escapes(&self) -> String {
        self.capture_with(&["-e"])
    }

    fn capture_with(&self, options: &[&str]) -> String {
        let mut args = vec!["capture-pane", "-p", "-t", "labsim"];
        args.extend_from_slice(options);
        String::from_utf8_lossy(&self.run(&args).stdout).into_owned()
    }

    /// `tmux display-message -p`: what `format` (`#{alternate_on}`, …) says of the pane.
    pub(crate) fn format(&self, format: &str) -> String {
        let out = self.run(&["display-message", "-p", "-t", "labsim", format]);
        String::from_utf8_lossy(&out.stdout).trim_end().to_owned()
    }

    /// Captures every 50 ms until `done` holds, for about `patience` at most (counted in tries,
    /// not read from a clock); returns the last capture.
    pub(crate) fn wait_for(&self, patience: Duration, mut done: impl FnMut(&str) -> bool) -> String {
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

    /// As [`Tmux::wait_for`], but `done` must hold on a screen that the next capture, 50 ms
    /// later, shows again unchanged: a program that redraws (the TUI) may be caught half-way
    /// through writing a frame.
    pub(crate) fn wait_for_settled(&self, patience: Duration, done: impl Fn(&str) -> bool) -> String {
        let mut last = String::new();
        self.wait_for(patience, |screen| {
            let settled = screen == last && done(screen);
            last = screen.to_owned();
            settled
        })
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

/// Whether tmux can run; without it a test that needs it fails under CI and is skipped
/// elsewhere. `check` names what the caller would have checked, for the messages.
pub(crate) fn available(check: &str) -> bool {
    match Command::new("tmux").arg("-V").output() {
        Ok(out) if out.status.success() => true,
        outcome => {
            let why = match outcome {
                Ok(out) => format!("`tmux -V` exited with {}", out.status),
                Err(e) => format!("cannot run tmux: {e}"),
            };
            let ci = std::env::var("CI").is_ok_and(|v| !matches!(v.as_str(), "" | "0" | "false"));
            assert!(!ci, "CI is set and {why}: install tmux (`apt-get install -y tmux`; .ci/run does it) to check {check}");
            eprintln!("note: skipping the check of {check}: {why} (it is required when CI is set)");
            false
        }
    }
}
