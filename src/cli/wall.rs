//! The wall-clock side of `labsim run`: a progress line on stderr when it is a terminal, and
//! `--max-wall`, which stops a run after that much wall time. With neither, the lab simply runs.
//!
//! This file and `bench.rs` are the only ones that read the wall clock (a test checks it). The
//! lab never does: [`advance`] runs it in slices of simulated time ([`Lab::run_until`]) and looks
//! at the clock between slices; the caller ends the run with [`Lab::finish`] (or [`Lab::stop`]
//! when the wall time is up). Slicing changes nothing in the run: a completed run, or one that
//! spends its event budget, gives exactly the report of [`Lab::run`]. Slices adapt to the run's speed so that each
//! takes about [`SLICE_TARGET`] of wall time, which bounds how late a stop comes and how stale
//! the progress line gets (a single simulated instant is never split, though).

use std::io::{IsTerminal as _, Write as _};
use std::time::{Duration, Instant};

use crossterm::{QueueableCommand as _, cursor, style, terminal};

use crate::lab::Lab;

/// Wall time one slice of simulated time should take.
const SLICE_TARGET: Duration = Duration::from_millis(50);
/// The first slice of simulated time (then doubled or halved to take about [`SLICE_TARGET`]).
const FIRST_SLICE: Duration = Duration::from_millis(10);
/// No progress line for runs shorter than this: a quick run prints nothing but its report.
const QUIET_START: Duration = Duration::from_millis(500);
/// How often the progress line is redrawn.
const REFRESH: Duration = Duration::from_millis(250);

/// How a run is watched.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Watch {
    /// Stop the run after this much wall time (`--max-wall`).
    pub max_wall: Option<Duration>,
    /// Draw a progress line on stderr (only ever set when stderr is a terminal).
    pub progress: bool,
}

impl Watch {
    /// `max_wall`, with a progress line when stderr is a terminal (and not a dumb one).
    pub(super) fn new(max_wall: Option<Duration>) -> Watch {
        let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
        Watch { max_wall, progress: std::io::stderr().is_terminal() && !dumb }
    }
}

/// Runs `lab` up to its end (everything due before it), or until `watch.max_wall` of wall time
/// has passed; then [`Lab::finish`] completes the run, or, when this returns why the run was
/// stopped, [`Lab::stop`] reports it stopped (`after 30 s of wall time`).
pub(super) fn advance(lab: &mut Lab, watch: Watch) -> Option<String> {
    if watch.max_wall.is_none() && !watch.progress {
        lab.run_until(lab.end());
        return None;
    }
    #[allow(clippy::disallowed_methods)] // the CLI's progress line and --max-wall, outside the lab
    let start = Instant::now();
    let mut line = ProgressLine::new(watch.progress, start, lab.now().as_micros(), lab.events());
    let mut slice = FIRST_SLICE;
    while lab.next_event_at().is_some() {
        if let Some(max) = watch.max_wall
            && start.elapsed() >= max
        {
            line.clear();
            return Some(format!("after {} of wall time", show_wall(max)));
        }
        #[allow(clippy::disallowed_methods)]
        let slice_start = Instant::now();
        lab.run_until(lab.now() + slice);
        let took = slice_start.elapsed();
        if took < SLICE_TARGET / 2 {
            slice = (slice * 2).min(Duration::from_secs(3600));
        } else if took > SLICE_TARGET * 2 {
            slice = (slice / 2).max(Duration::from_micros(1));
        }
        line.update(lab);
    }
    line.clear();
    None
}

/// `30 s`, `5 min`, `1 ms`, `1.5 s`: a `--max-wall` value as the report says it.
fn show_wall(d: Duration) -> String {
    let us = d.as_micros();
    let (value, unit) = match us {
        0 => return "0 s".to_owned(),
        _ if us.is_multiple_of(3_600_000_000) => (us / 3_600_000_000, "h"),
        _ if us.is_multiple_of(60_000_000) => (us / 60_000_000, "min"),
        _ if us.is_multiple_of(1_000_000) => (us / 1_000_000, "s"),
        _ if us.is_multiple_of(1_000) && us < 1_000_000 => (us / 1_000, "ms"),
        _ if us < 1_000 => (us, "µs"),
        _ => return format!("{} s", d.as_secs_f64()),
    };
    format!("{value} {unit}")
}

/// Parses a `--max-wall` value: one or more `<number><unit>` parts, units `h`, `m`, `s`, `ms`,
/// `us` from largest to smallest (`30s`, `5m`, `1m30s`, `1.5s`, `250ms`), as in scenario files.
pub(super) fn parse_wall(text: &str) -> Result<Duration, String> {
    const UNITS: [(&str, f64); 5] = [("h", 3600.0), ("m", 60.0), ("s", 1.0), ("ms", 1e-3), ("us", 1e-6)];
    let bad = |why: &str| format!("bad duration \"{text}\": {why} (write a number with a unit: h, m, s, ms or us, like 30s or 5m)");
    if text.is_empty() {
        return Err(bad("empty"));
    }
    let mut rest = text;
    let mut total = 0.0;
    let mut last = None;
    while !rest.is_empty() {
        let n = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let number: f64 = rest[..n].parse().map_err(|_| bad("expected a number"))?;
        rest = &rest[n..];
        let u = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let rank = UNITS.iter().position(|(name, _)| *name == &rest[..u]).ok_or_else(|| bad("missing or unknown unit"))?;
        if last.is_some_and(|l| rank <= l) {
            return Err(bad("units must go from largest to smallest, each at most once"));
        }
        last = Some(rank);
        total += number * UNITS[rank].1;
        rest = &rest[u..];
    }
    Duration::try_from_secs_f64(total).map_err(|_| bad("too large"))
}

/// The progress line: simulated time reached, events per second, an estimate of the wall time
/// left. Drawn on stderr after [`QUIET_START`], redrawn every [`REFRESH`], erased at the end.
struct ProgressLine {
    on: bool,
    start: Instant,
    drawn: bool,
    /// When it was last drawn (or the run started), and the lab's events then.
    last: (Instant, u64),
    /// Simulated time (µs) when the run started to be watched (a lab may have run before).
    from_us: u64,
}

impl ProgressLine {
    fn new(on: bool, start: Instant, from_us: u64, events: u64) -> ProgressLine {
        ProgressLine { on, start, drawn: false, last: (start, events), from_us }
    }

    fn update(&mut self, lab: &Lab) {
        if !self.on {
            return;
        }
        #[allow(clippy::disallowed_methods)]
        let now = Instant::now();
        if now.duration_since(self.start) < QUIET_START || now.duration_since(self.last.0) < REFRESH {
            return;
        }
        let wall = now.duration_since(self.start).as_secs_f64();
        let rate = (lab.events() - self.last.1) as f64 / now.duration_since(self.last.0).as_secs_f64();
        self.last = (now, lab.events());
        let (at, end) = (lab.now().as_micros() as f64 / 1e6, lab.end().as_micros() as f64 / 1e6);
        let done = at - self.from_us as f64 / 1e6;
        let eta = if done > 0.0 { format!("ETA {}", show_eta((end - at) * wall / done)) } else { "ETA ?".to_owned() };
        let percent = if end > 0.0 { 100.0 * at / end } else { 100.0 };
        let text =
            format!("labsim: {at:.1} s of {end:.1} s simulated ({percent:.0}%), {} events/s, {:.0} s wall, {eta}", show_count(rate), wall);
        self.draw(&text);
    }

    /// Replaces the line with `text`, cut to the terminal's width.
    fn draw(&mut self, text: &str) {
        let width = terminal::size().map_or(80, |(w, _)| usize::from(w)).saturating_sub(1).max(10);
        let text: String = text.chars().take(width).collect();
        let mut err = std::io::stderr().lock();
        let _ = err.queue(cursor::MoveToColumn(0));
        let _ = err.queue(style::Print(text));
        let _ = err.queue(terminal::Clear(terminal::ClearType::UntilNewLine));
        let _ = err.flush();
        self.drawn = true;
    }

    /// Erases the line, if it was drawn, so that the report starts on a clean line.
    fn clear(&mut self) {
        if !self.drawn {
            return;
        }
        let mut err = std::io::stderr().lock();
        let _ = err.queue(cursor::MoveToColumn(0));
        let _ = err.queue(terminal::Clear(terminal::ClearType::UntilNewLine));
        let _ = err.flush();
        self.drawn = false;
    }
}

/// `950`, `12 k`, `2.3 M`.
fn show_count(n: f64) -> String {
    if n >= 1e6 {
        format!("{:.1} M", n / 1e6)
    } else if n >= 1e4 {
        format!("{:.0} k", n / 1e3)
    } else {
        format!("{n:.0}")
    }
}

/// `42 s`, `3 min 20 s`, `2 h 05 min`.
fn show_eta(secs: f64) -> String {
    let s = secs.max(0.0).round() as u64;
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min {:02} s", s / 60, s % 60),
        _ => format!("{} h {:02} min", s / 3600, s % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wall_durations_parse_as_in_scenarios() {
        let ok = |t: &str| parse_wall(t).unwrap();
        assert_eq!(ok("30s"), Duration::from_secs(30));
        assert_eq!(ok("5m"), Duration::from_secs(300));
        assert_eq!(ok("1m30s"), Duration::from_secs(90));
        assert_eq!(ok("1.5s"), Duration::from_millis(1500));
        assert_eq!(ok("1ms"), Duration::from_millis(1));
        assert_eq!(ok("2h"), Duration::from_secs(7200));
        for bad in ["", "30", "s", "1x", "1s1m", "1s1s", "-1s", "1..5s"] {
            assert!(parse_wall(bad).is_err(), "{bad} accepted");
        }
        assert!(parse_wall("30").unwrap_err().contains("unit"));
    }

    #[test]
    fn wall_durations_show_in_their_unit() {
        assert_eq!(show_wall(Duration::from_secs(30)), "30 s");
        assert_eq!(show_wall(Duration::from_secs(300)), "5 min");
        assert_eq!(show_wall(Duration::from_secs(7200)), "2 h");
        assert_eq!(show_wall(Duration::from_millis(1)), "1 ms");
        assert_eq!(show_wall(Duration::from_millis(1500)), "1.5 s");
        assert_eq!(show_wall(Duration::from_secs(90)), "90 s");
    }

    #[test]
    fn counts_and_etas_are_short() {
        assert_eq!(show_count(950.0), "950");
        assert_eq!(show_count(12_345.0), "12 k");
        assert_eq!(show_count(2_345_678.0), "2.3 M");
        assert_eq!(show_eta(42.4), "42 s");
        assert_eq!(show_eta(200.0), "3 min 20 s");
        assert_eq!(show_eta(7500.0), "2 h 05 min");
    }
}
