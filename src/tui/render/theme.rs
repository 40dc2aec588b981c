//! Colours and emphasis. With `NO_COLOR` (no-color.org) the screen keeps bold, dim and reversed
//! text but no colour, and every state still reads from its symbol or word (`█` held, `✗` lost,
//! `!` unreachable, `MASTER`, `○` stopped, `↓` a link down), never from colour alone.

use ratatui::style::{Color, Modifier, Style};

/// How the screen is painted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Theme {
    /// Whether colours are used.
    pub(crate) colour: bool,
}

impl Theme {
    fn fg(self, colour: Color) -> Style {
        if self.colour { Style::new().fg(colour) } else { Style::new() }
    }

    /// Something working: an answered probe, an active service, a 2xx.
    pub(crate) fn ok(self) -> Style {
        self.fg(Color::Green)
    }

    /// Something broken: a lost probe, a failed service, an error, a split brain.
    pub(crate) fn bad(self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    /// Worth a look: an unreachable probe, a 4xx, a status message.
    pub(crate) fn warn(self) -> Style {
        self.fg(Color::Yellow)
    }

    /// The VIP and who holds it.
    pub(crate) fn vip(self) -> Style {
        self.fg(Color::Magenta).add_modifier(Modifier::BOLD)
    }

    /// Secondary text; a powered-off host.
    pub(crate) fn dim(self) -> Style {
        self.fg(Color::DarkGray).add_modifier(Modifier::DIM)
    }

    /// Keys, times, names that matter.
    pub(crate) fn strong(self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    /// The selected host's row.
    pub(crate) fn selected(self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    /// A pane's border.
    pub(crate) fn border(self) -> Style {
        self.fg(Color::DarkGray)
    }

    /// The focused pane's border.
    pub(crate) fn focus(self) -> Style {
        self.fg(Color::Cyan)
    }

    /// A pane's title.
    pub(crate) fn title(self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    /// The focused pane's title and the title bar's name.
    pub(crate) fn title_focused(self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD | Modifier::REVERSED)
    }
}
