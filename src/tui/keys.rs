//! The key bindings: one key in, the state changed and what the loop must do with the lab out.
//! [`BINDINGS`] is the table the `?` overlay shows.

use std::time::Duration;

use super::app::{App, MAX_SLICE, Mode, Pane, Speed};
use crate::kernel::SimTime;
use crate::scenario::parse_duration;

/// Every binding, as the `?` overlay lists it.
pub(crate) const BINDINGS: [(&str, &str); 15] = [
    ("space, p", "pause / resume"),
    ("n, .", "step to the next event (and pause)"),
    ("1 2 3 4", "speed 1×, 10×, 100×, as fast as possible"),
    ("g", "jump to a time (12s, 10.5s), backwards too"),
    ("j k, ↓ ↑", "select the next / previous host"),
    ("Tab, Shift-Tab", "focus the next / previous pane"),
    ("↑ ↓ PgUp PgDn", "scroll the log when it has the focus"),
    ("i, Enter", "type into the selected host's console"),
    ("Enter / Esc", "run the line / leave the console"),
    ("h", "log: the selected host only, or every host"),
    ("f", "log: all, commands, daemons, network"),
    ("/", "search the log (Esc clears)"),
    ("w", "write the typed commands into a new scenario"),
    ("?", "this help"),
    ("q, Ctrl-C", "quit"),
];

/// A key, as the terminal side reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Key {
    /// A printable character.
    Char(char),
    /// Enter.
    Enter,
    /// Backspace.
    Backspace,
    /// Escape.
    Esc,
    /// Tab.
    Tab,
    /// Shift-Tab.
    BackTab,
    /// Arrow up.
    Up,
    /// Arrow down.
    Down,
    /// Page up.
    PageUp,
    /// Page down.
    PageDown,
    /// Ctrl-C, which quits from any mode.
    CtrlC,
}

/// What the loop does with the lab after a key (or a tick).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    /// Nothing but redraw.
    None,
    /// Restore the terminal and leave.
    Quit,
    /// `Lab::step`: process the next instant with events.
    StepEvent,
    /// `Lab::run_until` this time.
    RunUntil(SimTime),
    /// `Lab::type_command` on this host; on success `App::record` it.
    TypeCommand {
        /// The host.
        host: String,
        /// The line.
        line: String,
    },
    /// The speed changed (the loop restarts its pacing from now).
    SetSpeed(Speed),
    /// Pause (`true`) or resume (`false`).
    SetPaused(bool),
    /// Show the lab at this time: run on to it, or re-simulate from the seed up to it
    /// re-typing `App::replay_until(t)` when it is earlier than now.
    JumpTo(SimTime),
    /// Write `record::scenario_text` beside the opened scenario.
    WriteScenario,
    /// The help overlay was shown or hidden.
    ToggleHelp,
}

/// Handles one key.
pub(crate) fn handle_key(app: &mut App, key: Key) -> Action {
    if key == Key::CtrlC {
        return Action::Quit;
    }
    if app.help {
        app.help = false;
        return Action::ToggleHelp;
    }
    match app.mode {
        Mode::Normal => normal(app, key),
        Mode::Typing | Mode::Jump | Mode::Search => editing(app, key),
    }
}

fn normal(app: &mut App, key: Key) -> Action {
    let Key::Char(c) = key else {
        return match key {
            Key::Tab => focus(app, 1),
            Key::BackTab => focus(app, -1),
            Key::Down | Key::Up | Key::PageUp | Key::PageDown if app.focus == Pane::Log => scroll(app, key),
            Key::Down => select(app, 1),
            Key::Up => select(app, -1),
            Key::Enter => edit(app, Mode::Typing),
            _ => Action::None,
        };
    };
    match c {
        'q' => Action::Quit,
        ' ' | 'p' => {
            app.paused = !app.paused;
            Action::SetPaused(app.paused)
        }
        'n' | '.' => {
            app.paused = true;
            Action::StepEvent
        }
        '1' => speed(app, Speed::X1),
        '2' => speed(app, Speed::X10),
        '3' => speed(app, Speed::X100),
        '4' => speed(app, Speed::Max),
        'g' => edit(app, Mode::Jump),
        'j' => select(app, 1),
        'k' => select(app, -1),
        'i' => edit(app, Mode::Typing),
        '/' => edit(app, Mode::Search),
        'h' => {
            app.log_host_only = !app.log_host_only;
            Action::None
        }
        'f' => {
            app.log_kind = app.log_kind.next();
            Action::None
        }
        'w' => Action::WriteScenario,
        '?' => {
            app.help = true;
            Action::ToggleHelp
        }
        _ => Action::None,
    }
}

/// Keys while a line is typed: a console command, a jump time or a search.
fn editing(app: &mut App, key: Key) -> Action {
    match key {
        Key::Char(c) => app.input.push(c),
        Key::Backspace => {
            app.input.pop();
        }
        Key::Esc => {
            if app.mode == Mode::Search {
                app.log_search.clear();
            }
            app.input.clear();
            app.mode = Mode::Normal;
        }
        Key::Enter => return submit(app),
        _ => {}
    }
    Action::None
}

fn submit(app: &mut App) -> Action {
    let text = std::mem::take(&mut app.input);
    let mode = std::mem::replace(&mut app.mode, Mode::Normal);
    match mode {
        Mode::Typing => {
            // The console stays open for the next line.
            app.mode = Mode::Typing;
            match app.selected_host() {
                Some(host) if !text.trim().is_empty() => Action::TypeCommand { host: host.to_owned(), line: text },
                _ => Action::None,
            }
        }
        Mode::Jump => match parse_duration(text.trim()) {
            Ok(d) if SimTime::ZERO + d <= app.end => {
                app.paused = true;
                Action::JumpTo(SimTime::ZERO + d)
            }
            Ok(_) => {
                app.status = Some(format!("{text}: after the end of the run"));
                Action::None
            }
            Err(e) => {
                app.status = Some(format!("bad duration {text:?}: {e}"));
                Action::None
            }
        },
        Mode::Search => {
            app.log_search = text;
            Action::None
        }
        Mode::Normal => Action::None,
    }
}

fn edit(app: &mut App, mode: Mode) -> Action {
    app.input.clear();
    app.mode = mode;
    Action::None
}

fn focus(app: &mut App, by: isize) -> Action {
    app.focus = app.focus.cycled(by);
    Action::None
}

fn select(app: &mut App, by: isize) -> Action {
    let n = app.hosts.len() as isize;
    if n > 0 {
        app.selected = (app.selected as isize + by).rem_euclid(n) as usize;
    }
    Action::None
}

/// Scrolls the log back (up) or towards its newest line (down); the renderer keeps it within
/// the lines there are.
fn scroll(app: &mut App, key: Key) -> Action {
    app.log_scroll = match key {
        Key::Up => app.log_scroll.saturating_add(1),
        Key::PageUp => app.log_scroll.saturating_add(10),
        Key::Down => app.log_scroll.saturating_sub(1),
        _ => app.log_scroll.saturating_sub(10),
    };
    Action::None
}

fn speed(app: &mut App, speed: Speed) -> Action {
    app.speed = speed;
    Action::SetSpeed(speed)
}

/// `wall` has passed since the last tick: how far the lab runs, if it runs (not paused, not at
/// its end).
pub(crate) fn on_tick(app: &App, wall: Duration) -> Action {
    if app.paused || app.now >= app.end || app.budget_spent {
        return Action::None;
    }
    let slice = match app.speed {
        Speed::X1 => wall,
        Speed::X10 => wall.saturating_mul(10),
        Speed::X100 => wall.saturating_mul(100),
        Speed::Max => MAX_SLICE,
    };
    let to = app.now + slice;
    Action::RunUntil(if to > app.end { app.end } else { to })
}
