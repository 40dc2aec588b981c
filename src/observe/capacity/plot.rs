//! The capacity report's files: `capacity.csv` (a header line, then one row per interval) and
//! one SVG per plot, `throughput.svg` (requests per second, all and per backend),
//! `latency.svg` (p50, p95, p99 and max per interval) and `utilisation.svg` (each host's CPU and
//! worker pools in %, for the hosts with a cost model). The SVG is written by hand: a few
//! polylines, axes and labels need no crate, and every number is formatted with fixed
//! decimals, so the same run gives the same bytes.

use std::fmt::Write as _;

use super::{Capacity, Interval, PERCENTILES};
use crate::observe::escape::xml as escape;

/// The names of the files, in the order [`files`] gives them.
pub(crate) const FILE_NAMES: [&str; 4] = ["capacity.csv", "throughput.svg", "latency.svg", "utilisation.svg"];

/// The files of the capacity report of `c`: (name, text).
pub(crate) fn files(c: &Capacity) -> Vec<(&'static str, String)> {
    FILE_NAMES.into_iter().zip([csv(c), throughput(c), latency(c), utilisation(c)]).collect()
}

/// A CSV field, quoted when it has to be (RFC 4180).
fn field(text: &str) -> String {
    if text.contains([',', '"', '\n']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text.to_owned() }
}

/// Seconds with six decimals.
fn seconds(us: u64) -> String {
    format!("{}.{:06}", us / 1_000_000, us % 1_000_000)
}

/// The CSV: `start_s,requests,errors,p50_us,p95_us,p99_us,max_us`, then `served:HOST` per
/// backend, `errors:KIND` per error kind seen in the run, and per host with a cost model
/// `cpu_pct:HOST` and `workers_pct:HOST:DAEMON` per worker pool (utilisation in %, two
/// decimals). Latency cells are empty in an interval without responses, utilisation cells in
/// one without a pool (its daemon stopped).
pub(crate) fn csv(c: &Capacity) -> String {
    let kinds: Vec<String> = c.total().errors.into_keys().collect();
    let mut header = vec!["start_s".to_owned(), "requests".into(), "errors".into()];
    header.extend(PERCENTILES.iter().map(|(_, name)| format!("{name}_us")));
    header.push("max_us".into());
    header.extend(c.backends().iter().map(|b| format!("served:{}", b.host)));
    header.extend(kinds.iter().map(|k| format!("errors:{k}")));
    for l in c.loaded() {
        header.push(format!("cpu_pct:{}", l.host));
        header.extend(l.pools.iter().map(|p| format!("workers_pct:{}:{p}", l.host)));
    }
    let mut out: String = header.iter().map(|h| field(h)).collect::<Vec<_>>().join(",") + "\n";
    for (start, i) in c.intervals() {
        let mut row = vec![seconds(start), i.requests.to_string(), i.error_count().to_string()];
        let cell = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
        row.extend(PERCENTILES.iter().map(|(q, _)| cell(i.latency.percentile(*q))));
        row.push(cell(i.latency.max()));
        row.extend((0..c.backends().len()).map(|b| i.served.get(b).copied().unwrap_or(0).to_string()));
        row.extend(kinds.iter().map(|k| i.errors.get(k).copied().unwrap_or(0).to_string()));
        let pct = |v: Option<f64>| v.map(|v| format!("{v:.2}")).unwrap_or_default();
        for (h, l) in c.loaded().iter().enumerate() {
            let usage = i.usage.get(h).cloned().unwrap_or_default();
            row.push(pct(usage.cpu()));
            row.extend((0..l.pools.len()).map(|p| pct(usage.workers(p))));
        }
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}

/// One line of a chart: its name and a value (or none) per interval.
struct Series {
    name: String,
    values: Vec<Option<f64>>,
}

fn per_interval(c: &Capacity, f: impl Fn(&Interval) -> Option<f64>) -> Vec<Option<f64>> {
    c.intervals().map(|(_, i)| f(&i)).collect()
}

fn throughput(c: &Capacity) -> String {
    let secs = c.interval().as_secs_f64();
    let mut series = vec![Series { name: "requests ended".into(), values: per_interval(c, |i| Some(i.requests as f64 / secs)) }];
    for (b, backend) in c.backends().iter().enumerate() {
        let values = per_interval(c, |i| Some(i.served.get(b).copied().unwrap_or(0) as f64 / secs));
        series.push(Series { name: format!("served by {}", backend.host), values });
    }
    chart(c, "Throughput", "requests/s", &series)
}

fn latency(c: &Capacity) -> String {
    let ms = |v: Option<u64>| v.map(|us| us as f64 / 1000.0);
    let mut series: Vec<Series> = PERCENTILES
        .iter()
        .map(|(q, name)| Series { name: (*name).to_owned(), values: per_interval(c, |i| ms(i.latency.percentile(*q))) })
        .collect();
    series.push(Series { name: "max".into(), values: per_interval(c, |i| ms(i.latency.max())) });
    chart(c, "Latency", "ms", &series)
}

fn utilisation(c: &Capacity) -> String {
    let mut series = Vec::new();
    for (h, l) in c.loaded().iter().enumerate() {
        series.push(Series { name: format!("{} CPU", l.host), values: per_interval(c, |i| i.usage.get(h).and_then(|u| u.cpu())) });
        for (p, pool) in l.pools.iter().enumerate() {
            let values = per_interval(c, |i| i.usage.get(h).and_then(|u| u.workers(p)));
            series.push(Series { name: format!("{} {pool} workers", l.host), values });
        }
    }
    chart(c, "Utilisation", "%", &series)
}

const WIDTH: f64 = 800.0;
const HEIGHT: f64 = 400.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 180.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 50.0;
const COLOURS: [&str; 8] = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];

/// A "nice" step (1, 2 or 5 × a power of ten) for about five ticks up to `max`, and its
/// decimals.
fn step(max: f64) -> (f64, usize) {
    let raw = (max / 5.0).max(1e-3);
    let power = raw.log10().floor();
    let base = 10f64.powf(power);
    let mult = [1.0, 2.0, 5.0, 10.0].into_iter().find(|m| m * base >= raw).unwrap_or(10.0);
    (mult * base, (-power).max(0.0) as usize)
}

/// A line chart over the run's intervals: x is the interval's middle in seconds, y from zero.
fn chart(c: &Capacity, title: &str, unit: &str, series: &[Series]) -> String {
    let secs = c.interval().as_secs_f64();
    let n = series.first().map_or(0, |s| s.values.len());
    let x_end = (n as f64 * secs).max(secs);
    let y_max = series.iter().flat_map(|s| s.values.iter().flatten()).fold(0.0f64, |a, &b| a.max(b));
    let (y_step, y_dec) = step(y_max);
    let y_top = (y_max / y_step).ceil().max(1.0) * y_step;
    let (x_step, x_dec) = step(x_end);
    let (w, h) = (WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM);
    let x = |s: f64| LEFT + s / x_end * w;
    let y = |v: f64| TOP + h - v / y_top * h;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{HEIGHT}\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" font-family=\"sans-serif\" font-size=\"12\">"
    );
    let _ = writeln!(out, "<rect width=\"{WIDTH}\" height=\"{HEIGHT}\" fill=\"white\"/>");
    let _ = writeln!(out, "<text x=\"{LEFT}\" y=\"24\" font-size=\"16\">{} ({})</text>", escape(title), escape(unit));
    for k in 0..=((y_top / y_step).round() as u64) {
        let v = k as f64 * y_step;
        let _ = writeln!(out, "<line x1=\"{LEFT:.1}\" y1=\"{0:.1}\" x2=\"{1:.1}\" y2=\"{0:.1}\" stroke=\"#ddd\"/>", y(v), LEFT + w);
        let _ = writeln!(out, "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{v:.y_dec$}</text>", LEFT - 6.0, y(v) + 4.0);
    }
    for k in 0..=((x_end / x_step).floor() as u64) {
        let s = k as f64 * x_step;
        let _ = writeln!(out, "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{s:.x_dec$}</text>", x(s), TOP + h + 18.0);
    }
    let _ = writeln!(out, "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">simulated time (s)</text>", LEFT + w / 2.0, HEIGHT - 10.0);
    let _ = writeln!(out, "<rect x=\"{LEFT}\" y=\"{TOP}\" width=\"{w}\" height=\"{h}\" fill=\"none\" stroke=\"black\"/>");
    for (k, s) in series.iter().enumerate() {
        let colour = COLOURS[k % COLOURS.len()];
        // One polyline per run of intervals with a value.
        let mut runs: Vec<Vec<String>> = vec![Vec::new()];
        for (j, v) in s.values.iter().enumerate() {
            match v {
                Some(v) => runs.last_mut().map(|r| r.push(format!("{:.1},{:.1}", x((j as f64 + 0.5) * secs), y(*v)))).unwrap_or(()),
                None if runs.last().is_some_and(|r| !r.is_empty()) => runs.push(Vec::new()),
                None => {}
            }
        }
        for points in runs.iter().filter(|r| !r.is_empty()) {
            let _ = writeln!(out, "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.5\" points=\"{}\"/>", points.join(" "));
        }
        let ly = TOP + 10.0 + k as f64 * 18.0;
        let lx = LEFT + w + 12.0;
        let _ = writeln!(
            out,
            "<line x1=\"{lx:.1}\" y1=\"{ly:.1}\" x2=\"{:.1}\" y2=\"{ly:.1}\" stroke=\"{colour}\" stroke-width=\"3\"/>",
            lx + 20.0
        );
        let _ = writeln!(out, "<text x=\"{:.1}\" y=\"{:.1}\">{}</text>", lx + 26.0, ly + 4.0, escape(&s.name));
    }
    out.push_str("</svg>\n");
    out
}
