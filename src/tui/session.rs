//! A TUI session over one lab: the [`App`], what the panes derived from the trace so far
//! ([`History`]), and the scenario to re-simulate from when the user jumps back. It carries out
//! the [`Action`]s of keys and ticks on the [`Lab`], which the caller owns (the CLI keeps it where
//! a crash report can read its time), and draws frames. No terminal and no clock: keys arrive as
//! [`Key`]s and wall time as `Duration`s.

use std::path::PathBuf;
use std::time::Duration;

use ratatui::Frame;

use super::app::{App, Recorded};
use super::history::History;
use super::keys::{Action, Key, handle_key, on_tick};
use super::record;
use super::render::{self, Theme};
use crate::kernel::SimTime;
use crate::lab::Lab;
use crate::scenario::Scenario;

/// What the loop does after a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flow {
    /// Keep going.
    Continue,
    /// Restore the terminal and leave.
    Quit,
}

/// One session.
pub(crate) struct Session {
    scenario: Scenario,
    seed: u64,
    capture: bool,
    /// The opened scenario file's text, for `w`.
    opened: Option<String>,
    app: App,
    history: History,
    theme: Theme,
}

impl Session {
    /// A session over the lab that `Lab::new(scenario, seed, capture)` built; `opened` is the
    /// scenario file's text (without it, `w` says it cannot write).
    pub(crate) fn new(scenario: &Scenario, seed: u64, capture: bool, opened: Option<String>, theme: Theme) -> Session {
        let hosts: Vec<String> = scenario.hosts.iter().map(|h| h.name.clone()).collect();
        let mut app = App::new(hosts.clone(), scenario.duration);
        app.scenario = scenario.name.clone();
        app.seed = seed;
        // The run plays at real time from the start; space pauses it.
        app.paused = false;
        Session { scenario: scenario.clone(), seed, capture, opened, app, history: History::new(hosts), theme }
    }

    /// The state the screen shows.
    #[cfg(test)]
    pub(crate) fn app(&self) -> &App {
        &self.app
    }

    /// Handles one key.
    pub(crate) fn key(&mut self, lab: &mut Lab, key: Key) -> Flow {
        // A status line lasts until the next key.
        self.app.status = None;
        let action = handle_key(&mut self.app, key);
        self.apply(lab, action)
    }

    /// `wall` has passed since the last tick: the lab runs on at the chosen speed.
    pub(crate) fn tick(&mut self, lab: &mut Lab, wall: Duration) {
        self.app.now = lab.now();
        let action = on_tick(&self.app, wall);
        self.apply(lab, action);
    }

    /// Whether the lab has nothing left to run (its end reached or its budget spent).
    pub(crate) fn is_over(lab: &Lab) -> bool {
        lab.is_exhausted() || lab.now() >= lab.end()
    }

    fn apply(&mut self, lab: &mut Lab, action: Action) -> Flow {
        match action {
            Action::Quit => return Flow::Quit,
            Action::StepEvent => {
                if lab.step().is_none() {
                    self.app.status = Some("nothing more happens before the end of the run".to_owned());
                }
            }
            Action::RunUntil(t) => lab.run_until(t),
            Action::TypeCommand { host, line } => match lab.type_command(&host, &line) {
                Ok(()) => {
                    self.app.record(lab.now(), &host, &line);
                    // Paused or not, the line runs now, as at a machine: the lab processes
                    // this instant (the command and what else is due), as `n` would.
                    lab.step();
                }
                Err(e) => self.app.status = Some(e.to_string()),
            },
            Action::JumpTo(t) => self.jump(lab, t),
            Action::WriteScenario => self.write(),
            Action::None | Action::SetSpeed(_) | Action::SetPaused(_) | Action::ToggleHelp => {}
        }
        self.app.now = lab.now();
        self.app.budget_spent = lab.is_exhausted();
        Flow::Continue
    }

    /// Shows the lab at `t`: runs on to it, or — earlier than now — builds the lab afresh from
    /// the seed and runs it to `t` with every command typed in the session planned at its time,
    /// so what happened before `t` happens again exactly (the run is deterministic) and what was
    /// typed after `t` is typed again when the run gets there.
    fn jump(&mut self, lab: &mut Lab, t: SimTime) {
        if t < lab.now() {
            *lab = self.rebuilt();
            self.history = History::new(self.app.hosts.clone());
        }
        lab.run_until(t);
    }

    /// The lab at time zero with the session's commands planned.
    fn rebuilt(&self) -> Lab {
        let mut lab = Lab::new(&self.scenario, self.seed, self.capture);
        for Recorded { at, host, line } in &self.app.recorded {
            // Each was accepted when typed, at the same time on the same lab.
            let _ = lab.type_command_at(*at, host, line);
        }
        lab
    }

    /// `w`: the opened scenario with the typed commands, beside it, under a name not taken.
    fn write(&mut self) {
        let (Some(opened), true) = (&self.opened, self.scenario.path.is_file()) else {
            self.app.status = Some("w: the session was not opened from a scenario file".to_owned());
            return;
        };
        let text = match record::scenario_text(opened, &self.app.recorded) {
            Ok(text) => text,
            Err(e) => {
                self.app.status = Some(format!("w: {e}"));
                return;
            }
        };
        let path = self.free_path();
        self.app.status = Some(match std::fs::write(&path, text) {
            Ok(()) => format!("wrote {} ({} command(s))", path.display(), self.app.recorded.len()),
            Err(e) => format!("w: {}: {e}", path.display()),
        });
    }

    /// `failover.session-1.ron` beside `failover.ron`, the first number not taken.
    fn free_path(&self) -> PathBuf {
        // The first free number exists: there are not that many files in a directory.
        let path = &self.scenario.path;
        let stem = path.file_stem().map_or_else(|| "scenario".into(), |s| s.to_string_lossy().into_owned());
        (1..)
            .map(|n| path.with_file_name(format!("{stem}.session-{n}.ron")))
            .find(|p| !p.exists())
            .unwrap_or_else(|| path.with_file_name(format!("{stem}.session.ron")))
    }

    /// Draws the lab as it is now.
    pub(crate) fn draw(&mut self, frame: &mut Frame<'_>, lab: &Lab) {
        let view = lab.view();
        self.history.update(view.trace, view.vips.iter().map(|v| v.addr));
        self.history.load.update(view.capacity, view.now);
        self.history.filter_log(&self.app, view.trace);
        self.app.now = lab.now();
        self.app.budget_spent = lab.is_exhausted();
        render::draw(frame, &self.app, &view, &self.history, self.theme);
    }
}
