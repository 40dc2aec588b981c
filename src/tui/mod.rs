//! L7: the terminal UI (issue 11), everything but the terminal. [`Session`] owns what the
//! screen shows and remembers ([`App`](app::App): the selected host, the focused pane, paused or running
//! and how fast, the line being typed, the commands typed with their simulated times, the event
//! log's filters) and what the panes derive from the trace as it grows ([`History`](history::History), with what
//! the HTTP pane keeps of a load's capacity intervals, [`intervals`]); it carries
//! out keys ([`keys::handle_key`]) and wall-clock ticks ([`keys::on_tick`]) on the
//! [`Lab`](crate::lab::Lab) and draws frames ([`render::draw`], ratatui). `w` writes
//! [`record::scenario_text`].
//!
//! Nothing here touches a terminal, tokio or a clock: keys arrive as [`Key`] values (the CLI's
//! terminal loop maps crossterm's events onto them) and wall time as a `Duration`, so every
//! binding and every frame is tested as a plain function (`TestBackend` snapshots).

mod app;
mod history;
mod intervals;
mod keys;
mod lines;
pub(crate) mod record;
mod render;
mod session;

pub(crate) use keys::Key;
pub(crate) use render::Theme;
pub(crate) use session::{Flow, Session};

#[cfg(test)]
mod tests;
