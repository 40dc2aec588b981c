//! The HTTP pane under a load (a user population, `ab`, `wrk`: once one reported a request),
//! drawn from the lab's capacity aggregation, the report's own figures: the requests per second
//! of the latest intervals as a sparkline; the latency percentiles (the report's [`PERCENTILES`]
//! and maximum, from its histograms) of the latest interval and of the whole run so far; the
//! run's errors by kind; and per backend and loaded host, the latest interval's requests per
//! second, CPU and worker-pool utilisation ([`Usage::cpu`], [`Usage::workers`]). The latest
//! interval is the last that ended before now ([`intervals::ended`]).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::{Scene, Theme, ms, spark};
use crate::lab::LabView;
use crate::observe::capacity::histogram::Histogram;
use crate::observe::capacity::{Capacity, Interval, PERCENTILES, Usage};
use crate::tui::intervals;

/// Utilisation from which a host's figure is drawn as worth a look.
const BUSY: f64 = 80.0;

pub(super) fn draw(frame: &mut Frame<'_>, area: Rect, block: Block<'static>, scene: &Scene<'_>) {
    let Scene { view, history, theme, .. } = *scene;
    let capacity = view.capacity;
    let width = block.inner(area).width as usize;
    let ended = intervals::ended(capacity, view.now);
    let empty = Interval::default();
    // The latest interval's span and what it saw.
    let latest = ended.checked_sub(1).map(|n| (span_label(capacity, n), capacity.numbered(n..ended).next().map_or(&empty, |(_, i)| i)));
    let run = history.load.total(capacity);

    let mut lines = vec![throughput(capacity, ended, width, theme)];
    let mut rows: Vec<(&str, &Histogram)> = latest.iter().map(|(label, i)| (label.as_str(), &i.latency)).collect();
    rows.push(("run", &run.latency));
    lines.extend(latency(&rows, theme));
    lines.push(errors(&run, latest.as_ref().map(|(label, i)| (*i, label.as_str())), theme));
    lines.extend(hosts(view, latest.as_ref().map_or(&empty, |(_, i)| *i), theme));
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// Interval `n`'s span, `9–10s`.
fn span_label(capacity: &Capacity, n: u64) -> String {
    let us = capacity.interval().as_micros() as u64;
    format!("{}–{}s", seconds(n * us), seconds((n + 1) * us))
}

/// µs as seconds, without trailing zeros: `9`, `9.25`.
fn seconds(us: u64) -> String {
    match us % 1_000_000 {
        0 => format!("{}", us / 1_000_000),
        frac => format!("{}.{}", us / 1_000_000, format!("{frac:06}").trim_end_matches('0')),
    }
}

/// Requests per second in one interval.
fn rate(capacity: &Capacity, requests: u64) -> f64 {
    requests as f64 / capacity.interval().as_secs_f64()
}

/// `req/s ▁▁▅▇█▇ 302 (peak 318)`: the ended intervals' requests, as many of the latest as fit.
fn throughput(capacity: &Capacity, ended: u64, width: usize, theme: Theme) -> Line<'static> {
    if ended == 0 {
        return Line::from(vec![Span::styled("req/s ", theme.strong()), Span::styled("no interval ended yet", theme.dim())]);
    }
    let cells = (width.saturating_sub(24) as u64).clamp(1, ended);
    let first = ended - cells;
    let mut requests = vec![0; cells as usize];
    for (n, interval) in capacity.numbered(first..ended) {
        requests[(n - first) as usize] = interval.requests;
    }
    let latest = requests.last().copied().unwrap_or(0);
    let peak = requests.iter().copied().max().unwrap_or(0);
    Line::from(vec![
        Span::styled("req/s ", theme.strong()),
        Span::styled(spark(&requests), theme.ok()),
        Span::raw(format!(" {:.0}", rate(capacity, latest))),
        Span::styled(format!(" (peak {:.0})", rate(capacity, peak)), theme.dim()),
    ])
}

/// The latency table: a header with the percentiles' names, a row per histogram.
fn latency(rows: &[(&str, &Histogram)], theme: Theme) -> Vec<Line<'static>> {
    let label = rows.iter().map(|(l, _)| l.chars().count()).max().unwrap_or(0) + 1;
    let names = PERCENTILES.iter().map(|(_, name)| *name).chain(["max"]);
    let header = format!("{:<label$}{}", "", names.map(|n| format!("{n:>8}")).collect::<String>());
    let mut lines = vec![Line::styled(header, theme.dim())];
    for (name, histogram) in rows {
        let values = PERCENTILES.iter().map(|(q, _)| histogram.percentile(*q)).chain([histogram.max()]);
        let cells: String = values.map(|us| format!("{:>8}", us.map_or_else(|| "-".to_owned(), ms))).collect();
        lines.push(Line::from(vec![Span::styled(format!("{name:<label$}"), theme.strong()), Span::raw(cells)]));
    }
    lines
}

/// `errors: none`, or the run's errors by kind and how many the latest interval had.
fn errors(run: &Interval, latest: Option<(&Interval, &str)>, theme: Theme) -> Line<'static> {
    if run.errors.is_empty() {
        return Line::from(vec![Span::styled("errors ", theme.strong()), Span::styled("none", theme.dim())]);
    }
    let kinds: Vec<String> = run.errors.iter().map(|(kind, n)| format!("{kind} × {n}")).collect();
    let mut spans = vec![Span::styled("errors ", theme.strong()), Span::styled(kinds.join(", "), theme.bad())];
    if let Some((interval, label)) = latest {
        spans.push(Span::styled(format!(" ({} in {label})", interval.error_count()), theme.dim()));
    }
    Line::from(spans)
}

/// A row per backend and loaded host, in scenario order: the latest interval's requests per
/// second, CPU and each worker pool's utilisation.
fn hosts(view: &LabView<'_>, latest: &Interval, theme: Theme) -> Vec<Line<'static>> {
    let capacity = view.capacity;
    let mut names: Vec<&str> = capacity.backends().iter().map(|b| b.host.as_str()).collect();
    for loaded in capacity.loaded() {
        if !names.contains(&loaded.host.as_str()) {
            names.push(&loaded.host);
        }
    }
    names.sort_by_key(|n| view.hosts.iter().position(|h| h.name == *n).unwrap_or(usize::MAX));
    let label = names.iter().map(|n| n.chars().count()).max().unwrap_or(0).max(4) + 1;
    let mut lines = vec![Line::styled(format!("{:<label$}{:>6}{:>7}  workers", "host", "req/s", "CPU"), theme.dim())];
    for name in names {
        let served = capacity.backends().iter().position(|b| b.host == name).map(|b| latest.served.get(b).copied().unwrap_or(0));
        let served = served.map_or_else(|| "-".to_owned(), |n| format!("{:.0}", rate(capacity, n)));
        let mut spans = vec![Span::styled(format!("{name:<label$}"), theme.strong()), Span::raw(format!("{served:>6}"))];
        let loaded = capacity.loaded().iter().position(|l| l.host == name);
        let usage = loaded.and_then(|h| latest.usage.get(h));
        spans.push(percent(usage.and_then(Usage::cpu), 7, theme));
        for (p, pool) in loaded.map_or(&[][..], |h| &capacity.loaded()[h].pools).iter().enumerate() {
            spans.push(Span::raw(format!("  {pool} ")));
            spans.push(percent(usage.and_then(|u| u.workers(p)), 0, theme));
        }
        lines.push(Line::from(spans));
    }
    lines
}

/// `12.3%` right-aligned in `width` (`-` for none), drawn as a warning from [`BUSY`].
fn percent(value: Option<f64>, width: usize, theme: Theme) -> Span<'static> {
    match value {
        Some(v) if v >= BUSY => Span::styled(format!("{:>width$}", format!("{v:.1}%")), theme.warn()),
        Some(v) => Span::raw(format!("{:>width$}", format!("{v:.1}%"))),
        None => Span::raw(format!("{:>width$}", "-")),
    }
}
