//! `labsim run FILE`: run a scenario, print the report, write the requested files. Several
//! files, or a directory, are [`batch`]'s.

mod batch;

use crate::cli::stdout::{out, outln};
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::outputs::Outputs;
use super::report_args::ReportArgs;
use super::wall::{self, Watch};
use super::{crash, diagnostics, exit, tui};
use crate::observe::capacity::plot;
use crate::observe::crash::CrashReport;
use crate::observe::{json, text};
use crate::tui::Session;

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
    /// Write one pcap per network into this directory (NETWORK.pcap), created if missing.
    #[arg(long, value_name = "DIR")]
    pcap: Option<PathBuf>,
    /// Write the trace as JSON lines to this file (its directory is created if missing).
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
    /// Write the capacity report into this directory, created if missing: capacity.csv (one row
    /// per interval: requests, errors, latency percentiles, requests per backend, errors by
    /// kind, CPU and worker utilisation of hosts with a cost model), throughput.svg, latency.svg
    /// and utilisation.svg; the text report gains a `capacity` section.
    #[arg(long, value_name = "DIR")]
    plots: Option<PathBuf>,
    /// The capacity report's interval of simulated time (e.g. 1s, 500ms; at least 1ms).
    #[arg(long, value_name = "DURATION", value_parser = parse_interval, default_value = "1s", requires = "plots")]
    plot_interval: Duration,
    /// Print the report as JSON instead of text (docs/json.md).
    #[arg(long)]
    json: bool,
    /// Write a JUnit XML report (one test case per expectation) to this file (its directory is
    /// created if missing).
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Stop the run after this much wall time (e.g. 30s, 5m): the report says where it stopped,
    /// and the exit code is 1, as for an exhausted event budget.
    #[arg(long, value_name = "DURATION", value_parser = wall::parse_wall, conflicts_with = "tui")]
    max_wall: Option<Duration>,
    /// Watch and drive the run in a terminal UI (`?` lists the keys); the report is printed
    /// when it is quit, as far as the run got.
    #[arg(long)]
    pub(super) tui: bool,
    #[command(flatten)]
    report: ReportArgs,
}

/// `--plot-interval`: a duration of at least 1 ms (so that a run's rows stay countable).
fn parse_interval(text: &str) -> Result<Duration, String> {
    let d = wall::parse_wall(text)?;
    if d < Duration::from_millis(1) {
        return Err(format!("bad interval \"{text}\": at least 1ms"));
    }
    Ok(d)
}

pub(super) fn run(args: &RunArgs) -> u8 {
    if !args.more.is_empty() || args.file.is_dir() {
        if args.tui {
            eprintln!("labsim: --tui runs one scenario file");
            return exit::INVALID;
        }
        return batch::run(args);
    }
    let file = args.file.display().to_string();
    let scenario = match crate::scenario::load(&args.file) {
        Ok(s) => s,
        Err(e) => {
            if args.json {
                outln!("{}", diagnostics::to_json(&file, &e));
            }
            eprintln!("{e}");
            return exit::INVALID;
        }
    };
    let options = match args.report.options(&scenario) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::INVALID;
        }
    };
    let networks = scenario.networks.iter().map(|n| n.name.as_str());
    let mut outputs =
        match Outputs::create(args.trace.as_deref(), args.junit.as_deref(), args.pcap.as_deref(), args.plots.as_deref(), networks) {
            Ok(o) => o,
            Err(e) => {
                eprintln!("labsim: {e:#}");
                return exit::IO_ERROR;
            }
        };
    let seed = args.seed.unwrap_or(scenario.seed);
    let capture = args.pcap.is_some();
    let mut terminal_error = None;
    let ran = if args.tui {
        if let Err(e) = tui::check_terminal() {
            eprintln!("labsim: {e}");
            return exit::INVALID;
        }
        let opened = std::fs::read_to_string(&args.file).ok();
        let mut session = Session::new(&scenario, seed, capture, opened, tui::theme());
        crash::run(&scenario, seed, capture, |lab| {
            lab.set_capacity_interval(args.plot_interval);
            tui::drive(lab, &mut session).unwrap_or_else(|e| {
                let why = format!("when the terminal failed ({e})");
                terminal_error = Some(e);
                Some(why)
            })
        })
    } else {
        crash::run(&scenario, seed, capture, |lab| {
            lab.set_capacity_interval(args.plot_interval);
            // The trace and pcaps go to their files as the run goes (from its start: before
            // the lab drops events), and the lab keeps only what the report will read.
            outputs.stream_into(lab);
            lab.keep_for_report(&options);
            wall::advance(lab, Watch::new(args.max_wall))
        })
    };
    if let Some(e) = terminal_error {
        eprintln!("labsim: the terminal: {e}");
    }
    let mut result = match ran {
        Ok(result) => result,
        Err((crash, backtrace)) => {
            let report = CrashReport { scenario: &scenario.name, file: &file, seed, expectations: &scenario.expectations, crash: &crash };
            let written = outputs.write_crash(&report);
            eprintln!("labsim: internal error: labsim crashed {}", report.outcome().trim_start_matches("crashed "));
            if let Some(trace) = backtrace {
                eprintln!("{trace}");
            }
            eprintln!("This is a bug in labsim; please report it with the scenario's files and this command:\n    {}", report.reproduce());
            if let Err(e) = written {
                eprintln!("labsim: {e:#}");
            }
            out!("{}", if args.json { report.to_json() + "\n" } else { report.to_text() });
            return exit::CRASHED;
        }
    };
    if let Some(dir) = &args.plots {
        result.report.capacity = result.capacity.lines();
        let names: Vec<String> = plot::FILE_NAMES.iter().map(|name| dir.join(name).display().to_string()).collect();
        result.report.capacity.push(format!("plots: {}", names.join(", ")));
    }
    let written = outputs.write(&result);
    if let Err(e) = &written {
        eprintln!("labsim: {e:#}");
    }
    let report = &result.report;
    if args.json {
        outln!("{}", json::render(report, result.trace.events(), &options));
    } else {
        out!("{}", text::render(report, result.trace.events(), &options));
    }
    if written.is_err() {
        exit::IO_ERROR
    } else if report.passed() {
        exit::OK
    } else {
        exit::EXPECTATION_FAILED
    }
}
