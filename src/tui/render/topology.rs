//! The hosts pane: one row per host with its services' states and the VIP where it is (on both
//! hosts, in red, in a split brain); on a large screen a row per NIC under it with its network,
//! addresses and link state. A powered-off host is greyed.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::{Scene, Theme};
use crate::lab::{HostView, LabView, ServiceState};

/// Rows the pane needs inside its border.
pub(super) fn height(view: &LabView<'_>, wide: bool) -> u16 {
    let nics = if wide { view.hosts.iter().map(|h| h.nics.len()).sum() } else { 0 };
    (view.hosts.len() + nics) as u16
}

pub(super) fn draw(frame: &mut Frame<'_>, area: Rect, block: Block<'static>, scene: &Scene<'_>, wide: bool) {
    let Scene { app, view, theme, .. } = *scene;
    let name_width = view.hosts.iter().map(|h| h.name.chars().count()).max().unwrap_or(0);
    let inner = block.inner(area);
    let mut lines = Vec::new();
    let mut selected_last = 0;
    for (i, host) in view.hosts.iter().enumerate() {
        let selected = i == app.selected;
        let mut spans = vec![Span::styled(
            format!("{}{:<name_width$} ", if selected { "▸" } else { " " }, host.name),
            if selected { theme.selected() } else { theme.strong() },
        )];
        if host.powered {
            spans.extend(host.services.iter().flat_map(|s| service(s, theme)));
            if !wide {
                // `eno33554984↓`: the NIC rows say `down` on a large screen.
                spans.extend(host.nics.iter().filter(|n| !n.up).map(|n| Span::styled(format!("{}↓ ", n.name), theme.bad())));
            }
        } else {
            spans.push(Span::styled("powered off", theme.dim()));
        }
        spans.extend(vips(host, view, wide, theme));
        let line = Line::from(spans);
        lines.push(if host.powered { line } else { line.style(theme.dim()) });
        if wide {
            for n in &host.nics {
                let row = Line::from([vec![Span::raw(" ".repeat(name_width + 2))], nic(n, view, theme)].concat());
                lines.push(if host.powered { row } else { row.style(theme.dim()) });
            }
        }
        if selected {
            selected_last = lines.len();
        }
    }
    // Keep the selected host in sight.
    lines.drain(..selected_last.saturating_sub(inner.height as usize));
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// `MASTER` for keepalived (its VRRP state), `nginx●` for a running service, `nginx○` stopped,
/// `nginx✗` failed.
fn service(s: &ServiceState, theme: Theme) -> Vec<Span<'static>> {
    let short = match s.name.as_str() {
        "keepalived" => "vrrp",
        "nfs-server" => "nfs",
        name => name,
    };
    let (mark, style) = match s.state.as_str() {
        "active" => ("●", theme.ok()),
        "failed" => ("✗", theme.bad()),
        "inactive" => ("○", theme.dim()),
        _ => ("◌", theme.warn()),
    };
    let vrrp = (s.name == "keepalived" && s.state == "active").then(|| s.summary.clone()).flatten();
    match vrrp {
        // "VI_1 MASTER, VI_2 BACKUP" → "MASTER/BACKUP": the instance names take room the states need.
        Some(summary) => {
            let states: Vec<&str> = summary.split(", ").filter_map(|i| i.rsplit(' ').next()).collect();
            let style = match states.first().copied() {
                Some("MASTER") => theme.vip(),
                Some("FAULT") => theme.bad(),
                _ => theme.ok(),
            };
            vec![Span::styled(states.join("/"), style), Span::raw(" ")]
        }
        None => vec![Span::raw(short.to_owned()), Span::styled(mark, style), Span::raw(" ")],
    }
}

/// The VIPs a host holds: `★VIP` (`★172.2.20.100` on a large screen), `SPLIT` when another
/// host holds it too.
fn vips(host: &HostView, view: &LabView<'_>, wide: bool, theme: Theme) -> Vec<Span<'static>> {
    view.vips
        .iter()
        .filter(|v| v.holders.contains(&host.name))
        .flat_map(|v| {
            let split = v.holders.len() > 1;
            let text = if wide || view.vips.len() > 1 { format!("★{}", v.addr) } else { "★VIP".to_owned() };
            let mut spans = vec![Span::styled(text, if split { theme.bad() } else { theme.vip() })];
            if split {
                spans.push(Span::styled(" SPLIT", theme.bad()));
            }
            spans.push(Span::raw(" "));
            spans
        })
        .collect()
}

/// `eno16777736 front 172.2.20.101/24`, its link `down` in red; a VIP it holds is not repeated.
fn nic(n: &crate::lab::NicState, view: &LabView<'_>, theme: Theme) -> Vec<Span<'static>> {
    let is_vip = |a: &std::net::Ipv4Addr| view.vips.iter().any(|v| v.addr == *a);
    let addrs: Vec<String> = n.addrs.iter().filter(|(a, _)| !is_vip(a)).map(|(a, p)| format!("{a}/{p}")).collect();
    let mut spans = vec![Span::styled(format!("{} ", n.name), Style::new()), Span::styled(format!("{} ", n.network), theme.dim())];
    if !n.up {
        spans.push(Span::styled("down ", theme.bad()));
    }
    spans.push(Span::raw(addrs.join(" ")));
    spans
}
