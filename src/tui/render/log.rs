//! The event log (the latest events the filters let through, newest at the bottom) and the
//! selected host's console (its commands and their output, and the line being typed).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::{Scene, Theme, short_time};
use crate::observe::console;
use crate::observe::trace::{Stream, TraceEvent, TraceKind};
use crate::tui::app::{App, LogKind, Mode};
use crate::tui::lines::log_text;

/// `Log · lb-1 · daemons · /MASTER · ↑12`: the pane's title with the filters in force and how
/// far it is scrolled back.
pub(super) fn title(app: &App) -> String {
    let mut parts = vec!["Log".to_owned()];
    if app.log_host_only {
        parts.push(app.selected_host().unwrap_or("-").to_owned());
    }
    match app.log_kind {
        LogKind::All => {}
        LogKind::Commands => parts.push("commands".to_owned()),
        LogKind::Daemons => parts.push("daemons".to_owned()),
        LogKind::Network => parts.push("network".to_owned()),
    }
    if !app.log_search.is_empty() {
        parts.push(format!("/{}", app.log_search));
    }
    if app.log_scroll > 0 {
        parts.push(format!("↑{}", app.log_scroll));
    }
    parts.join(" · ")
}

pub(super) fn draw_log(frame: &mut Frame<'_>, area: Rect, block: Block<'static>, scene: &Scene<'_>) {
    let Scene { app, view, history, theme } = *scene;
    let rows = block.inner(area).height as usize;
    let end = history.filtered.len().saturating_sub(app.log_scroll).max(rows.min(history.filtered.len()));
    let shown = &history.filtered[end.saturating_sub(rows)..end];
    let host_width = app.hosts.iter().map(|h| h.chars().count()).max().unwrap_or(0);
    let lines: Vec<Line<'static>> = shown
        .iter()
        .map(|&i| {
            let e = &view.trace[i];
            let host = e.kind.host().unwrap_or("");
            Line::from(vec![
                Span::styled(format!("{} ", short_time(e.at)), theme.dim()),
                Span::styled(format!("{host:<host_width$} "), theme.strong()),
                Span::styled(log_text(e).unwrap_or_default(), style(e, theme)),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// Commands bold, standard error and drops in red, address changes (the VIP moving) in the VIP's
/// colour.
fn style(e: &TraceEvent, theme: Theme) -> ratatui::style::Style {
    match &e.kind {
        TraceKind::Command { .. } => theme.strong(),
        TraceKind::Output { stream: Stream::Stderr, .. } | TraceKind::Dropped { .. } => theme.bad(),
        TraceKind::AddrAdded { .. } | TraceKind::AddrRemoved { .. } => theme.vip(),
        TraceKind::Power { .. } | TraceKind::Link { .. } => theme.warn(),
        _ => ratatui::style::Style::new(),
    }
}

pub(super) fn draw_console(frame: &mut Frame<'_>, area: Rect, block: Block<'static>, scene: &Scene<'_>) {
    let Scene { app, view, history, theme } = *scene;
    let rows = block.inner(area).height as usize;
    let host = app.selected_host().unwrap_or("-");
    let typing = app.mode == Mode::Typing;
    let room = rows.saturating_sub(usize::from(typing));
    let own = history.consoles.get(app.selected).map_or(&[][..], Vec::as_slice);
    let mut lines: Vec<Line<'static>> = own[own.len().saturating_sub(room)..]
        .iter()
        .filter_map(|&i| console::line(&view.trace[i]))
        .map(|l| {
            let style = match l.kind {
                "command" => theme.strong(),
                "stderr" => theme.bad(),
                _ => ratatui::style::Style::new(),
            };
            Line::styled(l.text, style)
        })
        .collect();
    if typing {
        lines.push(Line::from(vec![Span::styled(format!("[root@{host} ~]# "), theme.strong()), Span::raw(format!("{}▏", app.input))]));
    } else if lines.is_empty() {
        lines.push(Line::styled(format!("i: type a command on {host} at {}", short_time(app.now)), theme.dim()));
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
