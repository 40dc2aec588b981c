//! L7: the terminal UI's pure side (issue 11). [`App`] is what the screen shows and remembers
//! between frames: the selected host, the focused pane, paused or running and how fast, the
//! simulated time, the line being typed, the commands typed so far with their simulated times,
//! and the event log's filters. [`handle_key`] turns one key into a change of that state and an
//! [`Action`] for the loop that owns the [`Lab`](crate::lab::Lab); [`on_tick`] turns wall time
//! into simulated time at the chosen speed. [`record::scenario_text`] is the `w` key's file.
//!
//! Nothing here touches a terminal, tokio or a clock: keys arrive as [`Key`] values (the
//! terminal side maps crossterm's events onto them) and wall time as a `Duration`, so every
//! binding is tested as a plain function.

mod app;
mod keys;
pub(crate) mod record;

pub(crate) use app::{App, LogKind, Mode, Pane, Speed};
pub(crate) use keys::{Action, Key, handle_key, on_tick};

#[cfg(test)]
mod tests;
