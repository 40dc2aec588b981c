//! The HTTP pane: a bar per web server (the requests its access log shows, non-2xx counted
//! apart), the clients' transfers by status and their errors (and nginx's upstream errors), a
//! latency sparkline of the latest transfers, and the latest requests with the web server that
//! served each.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::{Scene, Theme, ms, short_time, spark};
use crate::lab::LabView;
use crate::observe::tally::TransferSummary;
use crate::observe::trace::TraceKind;
use crate::tui::history::History;

pub(super) fn draw(frame: &mut Frame<'_>, area: Rect, block: Block<'static>, scene: &Scene<'_>) {
    let Scene { view, history, theme, .. } = *scene;
    let inner = block.inner(area);
    let width = inner.width as usize;
    let mut lines = backends(view, history, width, theme);
    lines.push(statuses(history, theme));
    if !view.transfers.is_empty() {
        lines.push(latency(view.transfers, width, theme));
    }
    let room = (inner.height as usize).saturating_sub(lines.len());
    let latest = view.transfers.iter().rev().take(room).collect::<Vec<_>>();
    lines.extend(latest.into_iter().rev().map(|t| request(t, view, history, theme)));
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// A bar per host that runs httpd.
fn backends(view: &LabView<'_>, history: &History, width: usize, theme: Theme) -> Vec<Line<'static>> {
    let servers: Vec<usize> = (0..view.hosts.len()).filter(|i| view.hosts[*i].services.iter().any(|s| s.name == "httpd")).collect();
    let label = servers.iter().map(|i| view.hosts[*i].name.chars().count()).max().unwrap_or(0) + 1;
    let most = servers.iter().map(|i| history.served_by[*i].0).max().unwrap_or(0).max(1);
    let bar_room = width.saturating_sub(label + 14);
    servers
        .iter()
        .map(|i| {
            let (all, other) = history.served_by[*i];
            let bar = "█".repeat(all * bar_room / most);
            let mut spans = vec![
                Span::styled(format!("{:<label$}", view.hosts[*i].name), theme.strong()),
                Span::styled(bar, theme.ok()),
                Span::raw(format!(" {all}")),
            ];
            if other > 0 {
                spans.push(Span::styled(format!(" ({other} non-2xx)"), theme.warn()));
            }
            Line::from(spans)
        })
        .collect()
}

/// `200×40 502×1  0 errors`: the clients' finished transfers by status, and curl's failures.
fn statuses(history: &History, theme: Theme) -> Line<'static> {
    let mut spans: Vec<Span<'static>> = history
        .statuses
        .iter()
        .map(|(s, n)| Span::styled(format!("{s}×{n} "), if (200..300).contains(s) { theme.ok() } else { theme.warn() }))
        .collect();
    if spans.is_empty() {
        spans.push(Span::styled("no responses ", theme.dim()));
    }
    let errors = history.failed;
    spans.push(Span::styled(format!("{errors} errors"), if errors > 0 { theme.bad() } else { theme.dim() }));
    if history.nginx_errors > 0 {
        spans.push(Span::styled(format!(", nginx: {} upstream errors", history.nginx_errors), theme.warn()));
    }
    Line::from(spans)
}

/// The latest transfers' durations as a sparkline, scaled to the slowest of them.
fn latency(transfers: &[TransferSummary], width: usize, theme: Theme) -> Line<'static> {
    let shown = &transfers[transfers.len().saturating_sub(width.saturating_sub(14))..];
    let micros: Vec<u64> = shown.iter().map(|t| (t.ended - t.started).as_micros() as u64).collect();
    let most = micros.iter().copied().max().unwrap_or(0).max(1);
    Line::from(vec![Span::styled(spark(&micros), theme.vip()), Span::raw(format!(" max {}", ms(most)))])
}

/// `43.000s client-1 200 web-3 1.2ms`, or curl's error.
fn request(t: &TransferSummary, view: &LabView<'_>, history: &History, theme: Theme) -> Line<'static> {
    let TraceKind::HttpTransfer { host, body, error, .. } = &view.trace[t.event].kind else {
        return Line::raw("");
    };
    let took = ms((t.ended - t.started).as_micros() as u64);
    let mut spans = vec![Span::styled(short_time(t.ended), theme.dim()), Span::raw(format!(" {host} "))];
    match t.status {
        Some(s) => spans.push(Span::styled(format!("{s} "), if (200..300).contains(&s) { theme.ok() } else { theme.warn() })),
        None => spans.push(Span::styled("--- ", theme.bad())),
    }
    if !error.is_empty() {
        spans.push(Span::styled(error.clone(), theme.bad()));
        return Line::from(spans);
    }
    // The web server whose access log has the only request answered during the transfer; else
    // the page's first line (the lessons' pages name their server).
    let server = match history.served_between(t.started, t.ended) {
        Some(h) => view.hosts[h].name.clone(),
        None => format!("{:?}", body.lines().next().unwrap_or("").chars().take(16).collect::<String>()),
    };
    spans.push(Span::raw(format!("{server} {took}")));
    Line::from(spans)
}
