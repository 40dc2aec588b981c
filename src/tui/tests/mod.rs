//! The TUI without a terminal: key bindings and the app's state as plain functions, frames
//! rendered to ratatui's `TestBackend` at fixed simulated times (insta snapshots), and whole
//! sessions driven by keys over the shipped scenarios.

mod frames;
mod keys;
mod session;

use std::path::{Path, PathBuf};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

use super::keys::Key;
use super::render::Theme;
use super::session::Session;
use crate::kernel::SimTime;
use crate::lab::Lab;

pub(super) fn secs(s: f64) -> SimTime {
    SimTime::from_micros((s * 1e6).round() as u64)
}

/// A shipped scenario's path.
pub(super) fn shipped(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(name)
}

/// A session over the scenario at `path`, as `labsim run PATH --tui` opens it, without colour.
pub(super) fn open(path: &Path) -> (Lab, Session) {
    let scenario = crate::scenario::load(path).expect("the scenario loads");
    let text = std::fs::read_to_string(path).expect("the scenario reads");
    let lab = Lab::new(&scenario, scenario.seed, false);
    let session = Session::new(&scenario, scenario.seed, false, Some(text), Theme { colour: false });
    (lab, session)
}

/// Types `text`: each character a key, `⏎` Enter, `⎋` Esc.
pub(super) fn press(session: &mut Session, lab: &mut Lab, text: &str) {
    for c in text.chars() {
        let key = match c {
            '⏎' => Key::Enter,
            '⎋' => Key::Esc,
            c => Key::Char(c),
        };
        session.key(lab, key);
    }
}

/// The frame the session draws now on a `width` × `height` terminal.
pub(super) fn screen(session: &mut Session, lab: &Lab, width: u16, height: u16) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("a test terminal");
    terminal.draw(|frame| session.draw(frame, lab)).expect("the frame draws");
    terminal.backend().buffer().clone()
}

/// A buffer's text, one line per row.
pub(super) fn text(buffer: &Buffer) -> String {
    let width = buffer.area.width as usize;
    let symbols: Vec<&str> = buffer.content.iter().map(|c| c.symbol()).collect();
    symbols.chunks(width).map(|row| row.concat().trim_end().to_owned()).collect::<Vec<_>>().join("\n")
}
