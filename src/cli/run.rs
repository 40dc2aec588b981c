//! `labsim run FILE`: run a scenario, print the report, write the requested files. Several
//! files, or a directory, are [`batch`]'s.

mod batch;

use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;

use super::exit;
use super::wall::{self, Watch};
use crate::lab::Lab;

#[derive(Args, Debug)]
pub(super) struct RunArgs {
    /// The scenario file, or a directory of them.
    file: PathBuf,
    /// More scenario files: each runs in turn and gets one summary line.
    #[arg(value_name = "FILE")]
    more: Vec<PathBuf>,
    /// Seed for this run (overrides the scenario's).
    #[arg(long)]
    seed: Option<u64>,
    /// Write one pcap per network into this directory (NETWORK.pcap).
    #[arg(long, value_name = "DIR")]
    pcap: Option<PathBuf>,
    /// Write the trace as JSON lines to this file.
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
    /// Print the report as JSON instead of text.
    #[arg(long)]
    json: bool,
    /// Write a JUnit XML report (one test case per expectation) to this file.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Stop the run after this much wall time (e.g. 30s, 5m): the report says where it stopped,
    /// and the exit code is 1, as for an exhausted event budget.
    #[arg(long, value_name = "DURATION", value_parser = wall::parse_wall)]
    max_wall: Option<Duration>,
}

pub(super) fn run(args: &RunArgs) -> u8 {
    if !args.more.is_empty() || args.file.is_dir() {
        return batch::run(args);
    }
    let scenario = match crate::scenario::load(&args.file) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return exit::INVALID;
        }
    };
    let seed = args.seed.unwrap_or(scenario.seed);
    let lab = Lab::new(&scenario, seed, args.pcap.is_some());
    let result = wall::drive(lab, Watch::new(args.max_wall));
    let report = &result.report;
    if args.json {
        println!("{}", report.to_json());
    } else {
        print!("{}", report.to_text(result.trace.events()));
    }
    if let Err(e) = write_outputs(args, &result) {
        eprintln!("labsim: {e:#}");
        return exit::IO_ERROR;
    }
    if report.passed() { exit::OK } else { exit::EXPECTATION_FAILED }
}

fn write_outputs(args: &RunArgs, result: &crate::lab::RunResult) -> anyhow::Result<()> {
    if let Some(dir) = &args.pcap {
        fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        for (net, bytes) in &result.pcaps {
            write(&dir.join(format!("{net}.pcap")), bytes)?;
        }
    }
    if let Some(path) = &args.trace {
        // Line by line: a long run's trace is not copied whole into memory a second time.
        let context = || format!("cannot write {}", path.display());
        let mut out = io::BufWriter::new(fs::File::create(path).with_context(context)?);
        for e in result.trace.events() {
            writeln!(out, "{}", e.to_json()).with_context(context)?;
        }
        out.flush().with_context(context)?;
    }
    if let Some(path) = &args.junit {
        write(path, result.report.to_junit().as_bytes())?;
    }
    Ok(())
}

fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}
