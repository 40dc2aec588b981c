//! `labsim bench`: for each scenario, simulated seconds per wall second, events, simulated
//! HTTP requests and NFS READs served per wall second, wall microseconds per request, frame
//! deliveries per wall second (median of `--runs`) and per CPU second, memory per host, and the
//! TUI's frame time. It reads the wall clock, outside the simulation, to time whole runs and
//! frames.
//!
//! A long run folds its trace digest on a second thread (`observe::digest`), so wall time
//! understates what a run costs a machine. The CPU time of the runs, every thread's (the
//! process's CPU clock before and after them, divided by `--runs`: a mean, where the wall time is
//! a median), gives the frame deliveries per CPU second: per core.
//!
//! The frame time is that of the scenario played in the TUI at 120×40: the run in 100 slices of
//! simulated time, a frame drawn (into ratatui's `TestBackend`) after each, as at 100× speed a
//! 100-second run would be; mean and slowest, each frame including the panes' update with the
//! slice's new events.
//!
//! Memory is measured in a fresh child process per scenario (`labsim bench --memory FILE`): the
//! peak resident set (`VmHWM`) after the run minus the one before the lab was built, divided by
//! the number of hosts, for a run that keeps what `labsim run --quiet` keeps (the trace events
//! its expectations read).

use crate::cli::stdout::outln;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use clap::Args;

use super::{catalog, exit};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::lab::Lab;
use crate::observe::options::ReportOptions;
use crate::observe::trace::TraceKind;
use crate::scenario::Scenario;
use crate::tui::{Session, Theme};

#[derive(Args, Debug)]
pub(super) struct BenchArgs {
    /// Scenario files (default: every *.ron in scenarios/ and scenarios/bench/).
    files: Vec<PathBuf>,
    /// Runs per scenario (at least 1); the median is reported.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..))]
    runs: u64,
    /// Internal: run FILE once and print the memory it took (used in a child process).
    #[arg(long, value_name = "FILE", hide = true)]
    memory: Option<PathBuf>,
}

pub(super) fn bench(args: &BenchArgs) -> u8 {
    if let Some(file) = &args.memory {
        return memory_child(file);
    }
    let files = if args.files.is_empty() {
        match shipped_scenarios() {
            Ok(files) => files,
            Err(message) => {
                eprintln!("{message}");
                return exit::INVALID;
            }
        }
    } else {
        args.files.clone()
    };
    if cfg!(debug_assertions) {
        // Unoptimised code runs the simulator several times slower (bench/http-load.ron: 17.3 s
        // against 2.0 s in a release build), so its figures describe the build, not the simulator.
        eprintln!(
            "labsim bench: warning: this is a debug build; its figures are not meaningful (build with `cargo build --release`, or run `cargo run --release -- bench`)"
        );
    }
    outln!(
        "{:<36} {:>7} {:>9} {:>12} {:>13} {:>9} {:>15} {:>10} {:>17} {:>16} {:>9} {:>14} {:>11} {:>8} {:>6}",
        "scenario",
        "sim s",
        "wall ms",
        "sim s/wall s",
        "events/wall s",
        "requests",
        "requests/wall s",
        "µs/request",
        "deliveries/wall s",
        "deliveries/CPU s",
        "NFS reads",
        "reads/wall s",
        "KiB/host",
        "frame ms",
        "max"
    );
    for file in files {
        let scenario = match crate::scenario::load(&file) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("{e}");
                return exit::INVALID;
            }
        };
        let mut walls = Vec::new();
        let mut last = None;
        let cpu_before = cpu_seconds();
        for _ in 0..args.runs {
            #[allow(clippy::disallowed_methods)] // timing whole runs from outside the simulation
            let start = Instant::now();
            let mut lab = Lab::new(&scenario, scenario.seed, false);
            lab.run_until(lab.end());
            let deliveries = lab.frame_deliveries();
            let result = lab.finish();
            walls.push(start.elapsed());
            last = Some((result, deliveries));
        }
        let cpu = cpu_before.zip(cpu_seconds()).map(|(before, after)| (after - before) / args.runs as f64);
        walls.sort();
        let wall = walls[walls.len() / 2].as_secs_f64();
        let Some((result, deliveries)) = last else { continue };
        let requests = result.trace.events().iter().filter(|e| matches!(e.kind, TraceKind::HttpTransfer { .. })).count();
        let reads = result.trace.events().iter().filter(|e| is_nfs_read(&e.kind)).count();
        let sim = scenario.duration.as_micros() as f64 / 1e6;
        let per_host = memory_of(&file).map_or_else(|| "n/a".to_owned(), |kib| format!("{:.0}", kib as f64 / scenario.hosts.len() as f64));
        let (frame_mean, frame_max) = frame_times(&scenario);
        outln!(
            "{:<36} {:>7.1} {:>9.1} {:>12.0} {:>13.0} {:>9} {:>15.0} {:>10} {:>17.0} {:>16} {:>9} {:>14.0} {:>11} {:>8.2} {:>6.2}",
            file.display(),
            sim,
            wall * 1e3,
            sim / wall,
            result.events as f64 / wall,
            requests,
            requests as f64 / wall,
            if requests == 0 { "–".to_owned() } else { format!("{:.1}", wall * 1e6 / requests as f64) },
            deliveries as f64 / wall,
            cpu.map_or_else(|| "n/a".to_owned(), |cpu| format!("{:.0}", deliveries as f64 / cpu)),
            reads,
            reads as f64 / wall,
            per_host,
            frame_mean * 1e3,
            frame_max * 1e3
        );
    }
    exit::OK
}

/// The mean and slowest frame, in seconds, of `scenario` played in the TUI at 120×40 (see the
/// module's doc).
fn frame_times(scenario: &Scenario) -> (f64, f64) {
    const SLICES: u64 = 100;
    let mut lab = Lab::new(scenario, scenario.seed, false);
    let mut session = Session::new(scenario, scenario.seed, false, None, Theme { colour: true });
    let Ok(mut terminal) = Terminal::new(TestBackend::new(120, 40));
    let mut frames = Vec::new();
    let slice = Duration::from_micros(scenario.duration.as_micros() / SLICES);
    for _ in 0..SLICES {
        lab.run_until(lab.now() + slice);
        #[allow(clippy::disallowed_methods)] // timing frames from outside the simulation
        let start = Instant::now();
        let _ = terminal.draw(|frame| session.draw(frame, &lab));
        frames.push(start.elapsed().as_secs_f64());
    }
    (frames.iter().sum::<f64>() / frames.len() as f64, frames.iter().copied().fold(0.0, f64::max))
}

/// An NFSv3 READ (program 100003, version 3, procedure 6) that knfsd answered, as its trace
/// event words the call (`… 100003/3/6 Ok`).
fn is_nfs_read(kind: &TraceKind) -> bool {
    matches!(kind, TraceKind::Rpc { process, answered: true, detail, .. } if process == "nfsd" && detail.contains(" 100003/3/6 "))
}

/// Peak RSS growth of one run of `file`, in KiB, measured by a child process.
fn memory_of(file: &Path) -> Option<u64> {
    let exe = std::env::current_exe().ok()?;
    let out = Command::new(exe).args(["bench", "--memory"]).arg(file).output().ok()?;
    String::from_utf8(out.stdout).ok()?.trim().parse().ok()
}

fn memory_child(file: &Path) -> u8 {
    let Ok(scenario) = crate::scenario::load(file) else { return exit::INVALID };
    let before = peak_rss_kib();
    let mut lab = Lab::new(&scenario, scenario.seed, false);
    // What `labsim run --quiet` keeps: the events its expectations read.
    lab.keep_for_report(&ReportOptions { quiet: true, ..ReportOptions::default() });
    let result = lab.run();
    let after = peak_rss_kib();
    drop(result);
    match (before, after) {
        (Some(b), Some(a)) => outln!("{}", a.saturating_sub(b)),
        _ => outln!("n/a"),
    }
    exit::OK
}

/// `VmHWM` from `/proc/self/status` (Linux), in KiB.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The CPU time this process has used so far, every thread's (those that ended too), in seconds:
/// `CLOCK_PROCESS_CPUTIME_ID`, where there is one.
#[cfg(unix)]
fn cpu_seconds() -> Option<f64> {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ProcessCPUTime);
    Some(t.tv_sec as f64 + t.tv_nsec as f64 / 1e9)
}

/// No CPU clock outside Unix.
#[cfg(not(unix))]
fn cpu_seconds() -> Option<f64> {
    None
}

/// The shipped lessons and benchmark loads (`scenarios/*.ron`, `scenarios/bench/*.ron`), or why
/// there are none here.
fn shipped_scenarios() -> Result<Vec<PathBuf>, String> {
    let shipped = Path::new(catalog::SHIPPED);
    let instead = "name the files to measure: labsim bench FILE…";
    let mut files = catalog::ron_files(shipped).map_err(|e| catalog::not_found("labsim bench", shipped, Some(&e), instead))?;
    files.extend(catalog::ron_files(&shipped.join("bench")).unwrap_or_default());
    if files.is_empty() {
        return Err(catalog::not_found("labsim bench", shipped, None, instead));
    }
    Ok(files)
}
