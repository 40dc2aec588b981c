//! `labsim bench`: simulated seconds per wall second and events per wall second for each
//! scenario, in one run. This is the only place that reads the wall clock, outside the
//! simulation, to time whole runs.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;

use super::exit;
use crate::lab::Lab;

#[derive(Args, Debug)]
pub(super) struct BenchArgs {
    /// Scenario files (default: every *.ron directly in scenarios/).
    files: Vec<PathBuf>,
    /// Runs per scenario; the median is reported.
    #[arg(long, default_value_t = 3)]
    runs: usize,
}

pub(super) fn bench(args: &BenchArgs) -> u8 {
    let files = if args.files.is_empty() { shipped_scenarios() } else { args.files.clone() };
    println!("{:<34} {:>10} {:>10} {:>12} {:>14} {:>12}", "scenario", "sim s", "wall ms", "sim s/wall s", "events/wall s", "frames");
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
        for _ in 0..args.runs.max(1) {
            #[allow(clippy::disallowed_methods)] // timing whole runs from outside the simulation
            let start = Instant::now();
            let result = Lab::new(&scenario, scenario.seed, false).run();
            walls.push(start.elapsed());
            last = Some(result);
        }
        walls.sort();
        let wall = walls[walls.len() / 2].as_secs_f64();
        let Some(result) = last else { continue };
        let sim = scenario.duration.as_micros() as f64 / 1e6;
        println!(
            "{:<34} {:>10.1} {:>10.1} {:>12.0} {:>14.0} {:>12}",
            file.display(),
            sim,
            wall * 1e3,
            sim / wall,
            result.events as f64 / wall,
            result.trace.frames()
        );
    }
    exit::OK
}

fn shipped_scenarios() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir("scenarios")
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "ron")).collect())
        .unwrap_or_default();
    files.sort();
    files
}
