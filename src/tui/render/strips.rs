//! The strips pane. Per VIP, one row per host that held it, over the whole run's simulated time
//! (`█` held for the whole cell, `▌` for part of it, `·` not held, blank: not yet simulated): the
//! failover is where one row stops and the other starts, a split brain is two rows filled at
//! once. Per ping, its counts and when the losses were, a row on the same time axis (each cell
//! the worst that befell the probes sent in it), and a row with one cell per probe, the latest
//! on the right. Probes read `█` answered, `✗` lost, `!` an ICMP error such as Destination Host
//! Unreachable, `·` waiting.

use std::time::Duration;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::{Scene, Theme, short_time};
use crate::kernel::SimTime;
use crate::observe::expect::VipTimeline;
use crate::observe::tally::{PingSummary, ProbeSummary};
use crate::tui::app::App;
use crate::tui::history::History;

/// How long an unanswered probe is waited for before the strip calls it lost, when no later
/// probe was sent (iputils' default interval: after it the next probe would have gone).
const PROBE_WAIT: Duration = Duration::from_secs(1);

pub(super) fn draw(frame: &mut Frame<'_>, area: Rect, block: Block<'static>, scene: &Scene<'_>) {
    let Scene { app, view, history, theme } = *scene;
    let inner = block.inner(area);
    let width = inner.width as usize;
    let label = view.hosts.iter().map(|h| h.name.chars().count()).max().unwrap_or(0) + 1;
    let mut lines = Vec::new();
    for timeline in &history.vips {
        lines.extend(vip_rows(timeline, app, view.now, label, width.saturating_sub(label), theme));
    }
    if history.vips.is_empty() {
        lines.push(Line::styled("no VIP", theme.dim()));
    }
    for ping in view.pings {
        lines.extend(ping_rows(ping, history, app, view.now, (label, width.saturating_sub(label)), theme));
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// The VIP's header (who holds it now, since when) and a row per host that held it.
fn vip_rows(timeline: &VipTimeline, app: &App, now: SimTime, label: usize, cells: usize, theme: Theme) -> Vec<Line<'static>> {
    let holders = timeline.holders_at(now);
    let since = timeline.changes.last().map_or(SimTime::ZERO, |(t, _)| *t);
    let mut header = vec![Span::styled(format!("{} ", timeline.vip), theme.vip())];
    header.push(match holders.len() {
        0 => Span::styled("held by nobody".to_owned(), theme.bad()),
        1 => Span::raw(format!("{} since {}", holders[0], short_time(since))),
        _ => Span::styled(format!("SPLIT BRAIN: {} since {}", holders.join(" + "), short_time(since)), theme.bad()),
    });
    let mut lines = vec![Line::from(header)];
    let mut ever: Vec<&str> = Vec::new();
    for (_, names) in &timeline.changes {
        for n in names {
            if !ever.contains(&n.as_str()) {
                ever.push(n);
            }
        }
    }
    ever.sort_by_key(|n| app.hosts.iter().position(|h| h == n));
    for host in ever {
        let mut row = vec![Span::styled(format!("{host:<label$}"), theme.strong())];
        for c in 0..cells {
            let (a, b) = cell(app, c, cells, now);
            if a >= now {
                row.push(Span::raw(" "));
                continue;
            }
            let held = held_for(timeline, host, a, b);
            let style = if timeline.holders_at(a).len() > 1 || timeline.holders_at(b).len() > 1 { theme.bad() } else { theme.vip() };
            row.push(match held {
                h if h == b - a => Span::styled("█", style),
                h if h > Duration::ZERO => Span::styled("▌", style),
                _ => Span::styled("·", theme.dim()),
            });
        }
        lines.push(Line::from(row));
    }
    lines
}

/// The simulated time cell `c` of `cells` covers on a strip over the whole run, cut at `now`.
fn cell(app: &App, c: usize, cells: usize, now: SimTime) -> (SimTime, SimTime) {
    let end = app.end.as_micros().max(1);
    let at = |c: usize| SimTime::from_micros(end * c as u64 / cells.max(1) as u64);
    (at(c), at(c + 1).min(now))
}

/// How long `host` held the VIP between `a` and `b`.
fn held_for(timeline: &VipTimeline, host: &str, a: SimTime, b: SimTime) -> Duration {
    let changes = &timeline.changes;
    let mut total = Duration::ZERO;
    for (i, (from, names)) in changes.iter().enumerate() {
        let to = changes.get(i + 1).map_or(SimTime::MAX, |(t, _)| *t);
        if names.iter().any(|n| n == host) {
            let (s, e) = ((*from).max(a), to.min(b));
            if e > s {
                total += e - s;
            }
        }
    }
    total
}

/// What became of one probe, as of `now`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fate {
    Answered,
    Lost,
    Unreachable,
    Waiting,
}

fn fate(ping: &PingSummary, i: usize, probe: &ProbeSummary, history: &History, now: SimTime) -> Fate {
    if probe.rtt.is_some() {
        Fate::Answered
    } else if history.is_unreachable(&ping.host, ping.id, probe.seq) {
        Fate::Unreachable
    } else if i + 1 < ping.probes.len() || now - probe.sent_at >= PROBE_WAIT {
        Fate::Lost
    } else {
        Fate::Waiting
    }
}

/// The ping's header with its counts and losses, its row on the run's time axis and its latest
/// probes.
fn ping_rows(
    ping: &PingSummary,
    history: &History,
    app: &App,
    now: SimTime,
    (label, cells): (usize, usize),
    theme: Theme,
) -> Vec<Line<'static>> {
    let fates: Vec<Fate> = ping.probes.iter().enumerate().map(|(i, p)| fate(ping, i, p, history, now)).collect();
    let count = |f: Fate| fates.iter().filter(|x| **x == f).count();
    let lost = count(Fate::Lost);
    let mut header = vec![
        Span::styled(format!("{} ping ", ping.host), theme.strong()),
        Span::styled(format!("{}/{} ok", count(Fate::Answered), ping.probes.len()), theme.ok()),
        Span::styled(format!(", {lost} lost"), if lost > 0 { theme.bad() } else { theme.dim() }),
    ];
    if count(Fate::Unreachable) > 0 {
        header.push(Span::styled(format!(", {} unreachable", count(Fate::Unreachable)), theme.warn()));
    }
    if let Some(losses) = losses(ping, &fates) {
        header.push(Span::styled(format!(" {losses}"), theme.bad()));
    }
    let symbol = |f: Fate| match f {
        Fate::Answered => Span::styled("█", theme.ok()),
        Fate::Lost => Span::styled("✗", theme.bad()),
        Fate::Unreachable => Span::styled("!", theme.warn()),
        Fate::Waiting => Span::styled("·", theme.dim()),
    };
    // The run's axis: the worst fate of the probes sent in each cell.
    let mut axis = vec![Span::raw(" ".repeat(label))];
    let mut next = 0;
    for c in 0..cells {
        let (_, b) = cell(app, c, cells, now);
        let first = next;
        while next < ping.probes.len() && ping.probes[next].sent_at < b {
            next += 1;
        }
        let worst = fates[first..next].iter().max_by_key(|f| match f {
            Fate::Answered => 0,
            Fate::Waiting => 1,
            Fate::Unreachable => 2,
            Fate::Lost => 3,
        });
        axis.push(worst.map_or_else(|| Span::raw(" "), |f| symbol(*f)));
    }
    let width = label + cells;
    let latest: Vec<Span<'static>> = fates[fates.len().saturating_sub(width)..].iter().map(|f| symbol(*f)).collect();
    vec![Line::from(header), Line::from(axis), Line::from(latest)]
}

/// `(10.200s–11.200s)`: when the latest run of lost or unreachable probes was sent (and how
/// many runs before it).
fn losses(ping: &PingSummary, fates: &[Fate]) -> Option<String> {
    let bad = |f: &Fate| matches!(f, Fate::Lost | Fate::Unreachable);
    let last = fates.iter().rposition(bad)?;
    let first = fates[..last].iter().rposition(|f| !bad(f)).map_or(0, |i| i + 1);
    let runs = fates.windows(2).filter(|w| !bad(&w[0]) && bad(&w[1])).count() + usize::from(fates.first().is_some_and(bad));
    let (a, b) = (ping.probes[first].sent_at, ping.probes[last].sent_at);
    let earlier = if runs > 1 { format!(", {} earlier", runs - 1) } else { String::new() };
    Some(if first == last { format!("at {}{earlier}", short_time(a)) } else { format!("{}–{}{earlier}", short_time(a), short_time(b)) })
}
