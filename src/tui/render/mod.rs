//! One frame of the TUI, drawn from the [`App`], the lab's [`LabView`] and the [`History`]: a
//! pure function of them (no terminal: ratatui's `TestBackend` renders the same frame in the
//! snapshot tests). The screen, top to bottom: the title bar (scenario, simulated time, paused
//! or running and how fast); hosts with their services and the VIP beside the VIP and ping
//! strips; the HTTP pane beside the event log; the selected host's console; the key bar. `?`
//! lays the key table over it. Once a load generator has reported a request, the HTTP pane
//! shows the load ([`load`]) instead of curl's transfers ([`http`]), over half the width and
//! most of the console's rows (and, on a small screen, some of the host list's).

mod http;
mod load;
mod log;
mod strips;
mod theme;
mod topology;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

pub(crate) use theme::Theme;

use super::app::{App, Mode, Pane, Speed};
use super::history::History;
use super::intervals;
use super::keys::BINDINGS;
use crate::kernel::SimTime;
use crate::lab::LabView;

/// What every pane draws from.
pub(super) struct Scene<'a> {
    /// The session's state.
    pub(super) app: &'a App,
    /// The lab now.
    pub(super) view: &'a LabView<'a>,
    /// What the panes derived from the trace.
    pub(super) history: &'a History,
    /// How to paint.
    pub(super) theme: Theme,
}

/// Draws the whole screen.
pub(crate) fn draw(frame: &mut Frame<'_>, app: &App, view: &LabView<'_>, history: &History, theme: Theme) {
    let [title, body, keys] = Layout::vertical([Constraint::Length(1), Constraint::Min(0), Constraint::Length(1)]).areas(frame.area());
    title_bar(frame, title, app, view, theme);
    key_bar(frame, keys, app, theme);

    let wide = body.width >= 100 && body.height >= 30;
    // Under a load the HTTP pane has more to show: it takes half the width and most of the
    // console's rows, and on a small screen some of the host list's.
    let loaded = intervals::is_loaded(view.capacity);
    let hosts = topology::height(view, wide);
    let top_height = (hosts + 2).min(body.height / if loaded && !wide { 3 } else { 2 }).max(4);
    let (http_share, console_fill) = if loaded { (50, 1) } else { (40, 2) };
    let [top, middle, bottom] =
        Layout::vertical([Constraint::Length(top_height), Constraint::Fill(3), Constraint::Fill(console_fill)]).areas(body);
    let [hosts_area, strips_area] = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(top);
    let [http_area, log_area] =
        Layout::horizontal([Constraint::Percentage(http_share), Constraint::Percentage(100 - http_share)]).areas(middle);

    let block = |pane: Pane, title: String| pane_block(app, pane, title, theme);
    let scene = Scene { app, view, history, theme };
    topology::draw(frame, hosts_area, block(Pane::Topology, "Hosts".to_owned()), &scene, wide);
    strips::draw(frame, strips_area, block(Pane::Strips, "VIP and pings".to_owned()), &scene);
    if loaded {
        load::draw(frame, http_area, block(Pane::Http, "HTTP load".to_owned()), &scene);
    } else {
        http::draw(frame, http_area, block(Pane::Http, "HTTP".to_owned()), &scene);
    }
    log::draw_log(frame, log_area, block(Pane::Log, log::title(app)), &scene);
    let console_title = format!("Console {}", app.selected_host().unwrap_or("-"));
    log::draw_console(frame, bottom, block(Pane::Console, console_title), &scene);

    if app.help {
        help_overlay(frame, theme);
    }
}

/// A pane's border and title, highlighted when it has the focus.
fn pane_block(app: &App, pane: Pane, title: String, theme: Theme) -> Block<'static> {
    let focused = app.focus == pane;
    let style = if focused { theme.focus() } else { theme.border() };
    Block::bordered()
        .border_style(style)
        .title(Span::styled(format!(" {title} "), if focused { theme.title_focused() } else { theme.title() }))
}

/// Values as a sparkline, a cell each, scaled to the largest of them (`▁` for nothing).
fn spark(values: &[u64]) -> String {
    const SPARKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let most = values.iter().copied().max().unwrap_or(0).max(1);
    values.iter().map(|v| SPARKS[((v * 7 + most / 2) / most).min(7) as usize]).collect()
}

/// A duration of `us` µs as the panes show it: `1.9ms`.
fn ms(us: u64) -> String {
    format!("{:.1}ms", us as f64 / 1000.0)
}

/// `12.400s` (milliseconds: what a person reads on screen; the report keeps microseconds).
pub(crate) fn short_time(t: SimTime) -> String {
    let ms = t.as_micros() / 1000;
    format!("{}.{:03}s", ms / 1000, ms % 1000)
}

fn title_bar(frame: &mut Frame<'_>, area: Rect, app: &App, view: &LabView<'_>, theme: Theme) {
    let state = if app.budget_spent {
        "event budget spent".to_owned()
    } else if app.now >= app.end {
        "ended".to_owned()
    } else if app.paused {
        "paused".to_owned()
    } else {
        format!(
            "running {}",
            match app.speed {
                Speed::X1 => "1×",
                Speed::X10 => "10×",
                Speed::X100 => "100×",
                Speed::Max => "max",
            }
        )
    };
    let spans = vec![
        Span::styled(" labsim ", theme.title_focused()),
        Span::raw(format!(" {}  ", app.scenario)),
        Span::styled(format!("{} / {}", short_time(view.now), short_time(app.end)), theme.strong()),
        Span::raw(format!("  {state}  seed {}", app.seed)),
    ];
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn key_bar(frame: &mut Frame<'_>, area: Rect, app: &App, theme: Theme) {
    let line = match (&app.mode, &app.status) {
        // What the last key did (an error, the file `w` wrote), until the next key.
        (_, Some(status)) => Line::styled(format!(" {status}"), theme.warn()),
        (Mode::Normal, None) => {
            let keys = [
                "space pause",
                "n step",
                "1-4 speed",
                "g jump",
                "j/k host",
                "i type",
                "f kind",
                "h host",
                "/ search",
                "w write",
                "? help",
                "q quit",
            ];
            Line::from(keys.iter().flat_map(|k| key_spans(k, theme)).collect::<Vec<_>>())
        }
        (Mode::Typing, _) => Line::from(vec![
            Span::styled(" Enter", theme.strong()),
            Span::raw(format!(" runs the line on {} at {}  ", app.selected_host().unwrap_or("-"), short_time(app.now))),
            Span::styled("Esc", theme.strong()),
            Span::raw(" leaves the console"),
        ]),
        (Mode::Jump, _) => Line::from(vec![
            Span::styled(" jump to: ", theme.strong()),
            Span::raw(format!("{}▏", app.input)),
            Span::styled("  e.g. 12s or 10.5s, Enter jumps (backwards too), Esc cancels", theme.dim()),
        ]),
        (Mode::Search, _) => Line::from(vec![
            Span::styled(" search the log: ", theme.strong()),
            Span::raw(format!("{}▏", app.input)),
            Span::styled("  Enter keeps it, Esc clears it", theme.dim()),
        ]),
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// `space pause` as the key in bold and its meaning.
fn key_spans(binding: &str, theme: Theme) -> [Span<'static>; 2] {
    let (key, what) = binding.split_once(' ').unwrap_or((binding, ""));
    [Span::styled(format!(" {key}"), theme.strong()), Span::raw(format!(" {what} "))]
}

fn help_overlay(frame: &mut Frame<'_>, theme: Theme) {
    let area = frame.area();
    let width = area.width.min(64);
    let height = area.height.min(BINDINGS.len() as u16 + 4);
    let popup = Rect { x: area.x + (area.width - width) / 2, y: area.y + (area.height - height) / 2, width, height };
    let lines: Vec<Line<'_>> = BINDINGS
        .iter()
        .map(|(key, what)| Line::from(vec![Span::styled(format!(" {key:<16}"), theme.strong()), Span::raw(*what)]))
        .chain([Line::from(""), Line::styled(" any key closes this", theme.dim())])
        .collect();
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(lines).block(Block::bordered().title(" Keys ").border_style(theme.focus())), popup);
}
