//! The SVG picture of a topology: each network a horizontal bar (name, address and the VIPs on
//! it at its left), each host a box (name, the services it starts, its VRRP instances) coloured
//! by role, and each NIC a line from its host to its network labelled with the interface name
//! and address.
//!
//! Layout, for any lab: networks that carry a VIP come first (the clients' side), then the rest in
//! file order, top to bottom. A host on the first network only sits above it (a client); a
//! host on several networks sits below the first of them, with lines down to the others (a
//! balancer); a host on one other network sits below it (a web server). Within a row, hosts are
//! grouped by role (balancers, web servers, the rest), in file order.
//!
//! The document is deterministic (integer coordinates, file order) and self-contained: no
//! scripts, no external fonts, images or style sheets; text widths are estimated from character
//! counts, since SVG cannot measure text.

use std::fmt::Write as _;

use super::{network_of, role, vips};
use crate::lab::{HostPlan, TopologyView};
use crate::observe::escape::xml as escape;

const MARGIN: i64 = 24;
/// The title's band.
const TITLE_H: i64 = 44;
/// The left column, where each network's name, address and VIPs are written.
const LABEL_W: i64 = 190;
const GAP_X: i64 = 36;
const PAD: i64 = 10;
const LINE_H: i64 = 17;
/// The height of a NIC's line between a host and a bar.
const STUB: i64 = 70;
const BAR_H: i64 = 8;
/// Estimated width of a 12 px sans-serif character.
const CHAR_W: i64 = 7;
const MIN_BOX_W: i64 = 160;
const LEGEND_H: i64 = 40;
/// How far a NIC's label reaches right of the middle of its box.
const NIC_LABEL_W: i64 = 60;

const FONT: &str = "DejaVu Sans, Helvetica, Arial, sans-serif";
const MONO: &str = "DejaVu Sans Mono, Menlo, Consolas, monospace";
const INK: &str = "#1f2937";
const BAR: &str = "#374151";
const VIP: &str = "#c2410c";

/// What a host does, from the services it starts: its colour and its place in a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Role {
    Balancer,
    Web,
    Other,
}

impl Role {
    fn of(host: &HostPlan) -> Role {
        let starts = |name: &str| host.services.iter().any(|s| s == name);
        if !host.vrrp.is_empty() || starts("nginx") || starts("keepalived") {
            Role::Balancer
        } else if starts("httpd") {
            Role::Web
        } else {
            Role::Other
        }
    }

    /// (fill, stroke, legend).
    fn style(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Role::Balancer => ("#dbeafe", "#1d4ed8", "load balancer (nginx, keepalived)"),
            Role::Web => ("#dcfce7", "#15803d", "web server (httpd)"),
            Role::Other => ("#f3f4f6", "#6b7280", "client or other host"),
        }
    }
}

/// Where a row of hosts sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Row {
    /// Above the first bar: hosts on the first network only.
    Above,
    /// Below bar `k`: hosts whose first network (in bar order) is `k`.
    Below(usize),
    /// At the bottom: hosts with no NIC.
    Unconnected,
}

/// A host placed in the picture.
struct Placed<'a> {
    host: &'a HostPlan,
    role: Role,
    row: Row,
    /// The bar of each NIC, in NIC order.
    bars: Vec<usize>,
    x: i64,
    y: i64,
    h: i64,
}

/// The picture of `view`, titled with `title` (the file it was read from).
pub(super) fn draw(view: &TopologyView, title: &str) -> String {
    // Bars: networks with a VIP first, then the others, in file order.
    let vips = vips(view);
    let mut order: Vec<usize> = Vec::new();
    for v in &vips {
        if let Some(i) = network_of(view, v.addr.0).and_then(|n| view.networks.iter().position(|x| x.name == n))
            && !order.contains(&i)
        {
            order.push(i);
        }
    }
    order.extend((0..view.networks.len()).filter(|i| !order.contains(i)).collect::<Vec<_>>());
    let bar_of = |network: &str| order.iter().position(|&i| view.networks.get(i).is_some_and(|n| n.name == network));

    let lines_of = |h: &HostPlan| -> Vec<String> {
        let mut lines = vec![h.name.clone(), if h.services.is_empty() { "no services".to_owned() } else { h.services.join(", ") }];
        lines.extend(h.vrrp.iter().map(|i| format!("{} {}", i.instance, role(i))));
        lines
    };
    let box_w = view.hosts.iter().flat_map(&lines_of).map(|l| text_width(&l, CHAR_W) + 2 * PAD).max().unwrap_or(0).max(MIN_BOX_W);

    let mut placed: Vec<Placed<'_>> = view
        .hosts
        .iter()
        .map(|host| {
            let bars: Vec<usize> = host.nics.iter().filter_map(|n| bar_of(&n.network)).collect();
            let row = match bars.iter().min() {
                None => Row::Unconnected,
                Some(0) if bars.iter().all(|b| *b == 0) => Row::Above,
                Some(&k) => Row::Below(k),
            };
            let h = 2 * PAD + LINE_H * i64::try_from(lines_of(host).len()).unwrap_or(0);
            Placed { host, role: Role::of(host), row, bars, x: 0, y: 0, h }
        })
        .collect();
    // Rows in order, each grouped by role; the sort is stable, so file order stays within a role.
    placed.sort_by_key(|p| (p.row, p.role));

    let widest = [Row::Above, Row::Unconnected].into_iter().chain((0..order.len()).map(Row::Below)).map(|r| count(&placed, r)).max();
    let area_w = (box_w + GAP_X) * widest.unwrap_or(0) - GAP_X;
    // Room on the right for the last host's NIC labels.
    let width = 2 * MARGIN + LABEL_W + area_w.max(box_w) + NIC_LABEL_W;

    // Top to bottom: the row above the first bar, then each bar and the row below it.
    let mut y = MARGIN + TITLE_H;
    let mut bar_y = Vec::new();
    if count(&placed, Row::Above) > 0 {
        y = place_row(&mut placed, Row::Above, y, box_w, area_w) + STUB;
    }
    for k in 0..order.len() {
        bar_y.push(y);
        y += BAR_H + STUB;
        if count(&placed, Row::Below(k)) > 0 {
            y = place_row(&mut placed, Row::Below(k), y, box_w, area_w) + STUB;
        }
    }
    if count(&placed, Row::Unconnected) > 0 {
        y = place_row(&mut placed, Row::Unconnected, y, box_w, area_w) + STUB / 2;
    }
    let height = y + LEGEND_H + MARGIN;

    let mut s = String::new();
    let _ = writeln!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" \
         font-family=\"{FONT}\" font-size=\"12\" fill=\"{INK}\">"
    );
    let _ = writeln!(s, "  <title>Topology of {}</title>", escape(title));
    let _ = writeln!(s, "  <rect width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>");
    let _ = writeln!(
        s,
        "  <text x=\"{MARGIN}\" y=\"{}\" font-size=\"16\" font-weight=\"bold\">Topology of {}</text>",
        MARGIN + 14,
        escape(title)
    );

    // Bars, with their names, addresses and VIPs in the left column.
    for (k, &i) in order.iter().enumerate() {
        let (Some(net), Some(&y)) = (view.networks.get(i), bar_y.get(k)) else { continue };
        let _ = writeln!(s, "  <g>");
        let _ =
            writeln!(s, "    <rect x=\"{MARGIN}\" y=\"{y}\" width=\"{}\" height=\"{BAR_H}\" rx=\"3\" fill=\"{BAR}\"/>", width - 2 * MARGIN);
        let _ = writeln!(s, "    <text x=\"{MARGIN}\" y=\"{}\" font-size=\"14\" font-weight=\"bold\">{}</text>", y - 8, escape(&net.name));
        let mut ly = y + BAR_H + 16;
        let _ =
            writeln!(s, "    <text x=\"{MARGIN}\" y=\"{ly}\" font-family=\"{MONO}\" font-size=\"11\">{}/{}</text>", net.cidr.0, net.cidr.1);
        for v in vips.iter().filter(|v| network_of(view, v.addr.0) == Some(net.name.as_str())) {
            ly += 16;
            let _ = writeln!(
                s,
                "    <text x=\"{MARGIN}\" y=\"{ly}\" font-family=\"{MONO}\" font-size=\"11\" font-weight=\"bold\" fill=\"{VIP}\">VIP {}</text>",
                v.addr.0
            );
            let mut instances: Vec<String> = Vec::new();
            for (_, i) in &v.holders {
                let name = format!("{}, virtual router {}", i.instance, i.vrid);
                if !instances.contains(&name) {
                    instances.push(name);
                }
            }
            ly += 14;
            let _ =
                writeln!(s, "    <text x=\"{MARGIN}\" y=\"{ly}\" font-size=\"11\" fill=\"{VIP}\">{}</text>", escape(&instances.join("; ")));
        }
        let _ = writeln!(s, "  </g>");
    }

    // Hosts: the NICs' lines first, so that the boxes are drawn over their ends.
    for p in &placed {
        let cx = p.x + box_w / 2;
        let _ = writeln!(s, "  <g>");
        let (up, down): (Vec<usize>, Vec<usize>) = (0..p.bars.len()).partition(|&n| match p.row {
            Row::Below(k) => p.bars.get(n) == Some(&k),
            _ => false,
        });
        for (side, nics) in [(true, &up), (false, &down)] {
            for (j, &n) in nics.iter().enumerate() {
                let (Some(nic), Some(&bar)) = (p.host.nics.get(n), p.bars.get(n)) else { continue };
                let Some(&by) = bar_y.get(bar) else { continue };
                // Lines up leave from the middle of the box, lines down a quarter of the way in, so
                // that a balancer's line down never continues a web server's line up; several
                // lines on one side spread over the box's width.
                let slots = i64::try_from(nics.len()).unwrap_or(1) + 1;
                let x = match (nics.len(), side) {
                    (1, true) => cx,
                    (1, false) => p.x + box_w / 4,
                    _ => p.x + box_w * (i64::try_from(j).unwrap_or(0) + 1) / slots,
                };
                let (y1, y2) = if side { (by + BAR_H, p.y) } else { (p.y + p.h, by) };
                let mid = (y1 + y2) / 2;
                let _ = writeln!(s, "    <line x1=\"{x}\" y1=\"{y1}\" x2=\"{x}\" y2=\"{y2}\" stroke=\"{BAR}\" stroke-width=\"2\"/>");
                let _ = writeln!(
                    s,
                    "    <text x=\"{}\" y=\"{}\" font-family=\"{MONO}\" font-size=\"11\">{}</text>",
                    x + 6,
                    mid - 3,
                    escape(&nic.name)
                );
                let _ = writeln!(
                    s,
                    "    <text x=\"{}\" y=\"{}\" font-family=\"{MONO}\" font-size=\"11\">{}/{}</text>",
                    x + 6,
                    mid + 11,
                    nic.addr.0,
                    nic.addr.1
                );
            }
        }
        let (fill, stroke, _) = p.role.style();
        let _ = writeln!(
            s,
            "    <rect x=\"{}\" y=\"{}\" width=\"{box_w}\" height=\"{}\" rx=\"6\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"1.5\"/>",
            p.x, p.y, p.h
        );
        for (l, line) in lines_of(p.host).iter().enumerate() {
            let ty = p.y + PAD + 12 + LINE_H * i64::try_from(l).unwrap_or(0);
            let style = match l {
                0 => " font-size=\"14\" font-weight=\"bold\"".to_owned(),
                1 => String::new(),
                _ => format!(" fill=\"{VIP}\""),
            };
            let _ = writeln!(s, "    <text x=\"{}\" y=\"{ty}\"{style}>{}</text>", p.x + PAD, escape(line));
        }
        let _ = writeln!(s, "  </g>");
    }

    // The legend: the roles drawn, and how the picture was made.
    let mut roles: Vec<Role> = placed.iter().map(|p| p.role).collect();
    roles.sort();
    roles.dedup();
    let ly = height - MARGIN - LEGEND_H + 12;
    let mut lx = MARGIN;
    for r in roles {
        let (fill, stroke, legend) = r.style();
        let _ =
            writeln!(s, "  <rect x=\"{lx}\" y=\"{}\" width=\"14\" height=\"14\" rx=\"3\" fill=\"{fill}\" stroke=\"{stroke}\"/>", ly - 11);
        let _ = writeln!(s, "  <text x=\"{}\" y=\"{ly}\">{}</text>", lx + 20, escape(legend));
        lx += 20 + text_width(legend, CHAR_W) + 28;
    }
    let _ = writeln!(
        s,
        "  <text x=\"{MARGIN}\" y=\"{}\" font-size=\"11\" fill=\"#6b7280\">Drawn by `labsim topo {} --svg`: bars are networks, lines are NICs (interface, address).</text>",
        ly + 24,
        escape(title)
    );
    s.push_str("</svg>\n");
    s
}

/// How many hosts sit in `row`.
fn count(placed: &[Placed<'_>], row: Row) -> i64 {
    i64::try_from(placed.iter().filter(|p| p.row == row).count()).unwrap_or(i64::MAX)
}

/// Places `row`'s hosts side by side at height `y`, centred in the hosts' area; returns the
/// height below the row.
fn place_row(placed: &mut [Placed<'_>], row: Row, y: i64, box_w: i64, area_w: i64) -> i64 {
    let n = count(placed, row);
    let mut x = MARGIN + LABEL_W + (area_w - (n * (box_w + GAP_X) - GAP_X)) / 2;
    let mut bottom = y;
    for p in placed.iter_mut().filter(|p| p.row == row) {
        p.x = x;
        p.y = y;
        x += box_w + GAP_X;
        bottom = bottom.max(y + p.h);
    }
    bottom
}

/// Estimated width of `text` in characters of `char_w` pixels.
fn text_width(text: &str, char_w: i64) -> i64 {
    i64::try_from(text.chars().count()).unwrap_or(i64::MAX / 2).saturating_mul(char_w)
}
