//! L7: the `labsim` command: argument parsing, subcommands and exit codes ([`exit`]). `anyhow`
//! lives here only. Only `bench` (timing whole runs), `wall` (`run`'s progress line and
//! `--max-wall`) and `tui` (pacing the terminal UI) read the wall clock.

mod bench;
mod catalog;
mod crash;
mod diagnostics;
pub(crate) mod exit;
mod new;
mod outputs;
mod report_args;
mod run;
mod stdout;
mod topo;
mod tui;
mod wall;

use crate::cli::stdout::outln;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::scenario::Loaded;

/// labsim: a deterministic simulator of a highly-available web cluster lab.
#[derive(Parser, Debug)]
#[command(
    name = "labsim",
    version,
    about,
    long_about = None,
    after_help = "Start with `labsim list` (in the labsim checkout) and `labsim run scenarios/failover.ron`; \
                  scenarios/FORMAT.md describes the file format, docs/lab.md the lab."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a scenario and print its report; run several (or a directory of them) with one summary line each.
    Run(run::RunArgs),
    /// Watch and drive a scenario in a terminal UI (`labsim run FILE --tui`).
    Tui(run::RunArgs),
    /// Validate scenario files (and topology files, `Lab(…)`) without running them.
    Check {
        /// Scenario or topology files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// List the shipped scenarios with what each one shows.
    List(catalog::ListArgs),
    /// Write a new scenario that extends the lab, with comments explaining each part.
    New(new::NewArgs),
    /// Show a lab's networks, hosts, addresses and VIPs as text, or draw it as SVG.
    Topo(topo::TopoArgs),
    /// Measure simulation speed on scenarios (default: the shipped ones, in scenarios/ and scenarios/bench/).
    Bench(bench::BenchArgs),
}

/// Entry point of the `labsim` binary.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { exit::INVALID } else { exit::OK };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let code = match cli.command {
        Command::Run(args) => run::run(&args),
        Command::Tui(mut args) => {
            args.tui = true;
            run::run(&args)
        }
        Command::Check { files } => check(&files),
        Command::List(args) => catalog::list(&args),
        Command::New(args) => new::new(&args),
        Command::Topo(args) => topo::topo(&args),
        Command::Bench(args) => bench::bench(&args),
    };
    ExitCode::from(code)
}

/// A daemon's message about a configuration file, as a warning of `labsim check`: positioned at
/// the scenario's file it came from when there is one (`scenarios/web/x.conf:12: warning: …`),
/// otherwise at the scenario and the host's file.
fn config_warning(scenario: &std::path::Path, note: &crate::lab::ConfigNote) -> String {
    let line = if note.line > 0 { format!(":{}", note.line) } else { String::new() };
    match &note.source {
        Some(source) => format!("{}{line}: warning: {}: {}", source.display(), note.host, note.text),
        None => format!("{}: warning: {}:{}{line}: {}", scenario.display(), note.host, note.path, note.text),
    }
}

fn check(files: &[PathBuf]) -> u8 {
    let mut code = exit::OK;
    for f in files {
        match crate::scenario::load_any(f) {
            Ok(loaded) => {
                outln!("{}: ok ({})", f.display(), summary(&loaded));
                if let Loaded::Scenario(s) = &loaded {
                    for note in crate::lab::config_notes(s) {
                        eprintln!("{}", config_warning(f, &note));
                    }
                }
            }
            Err(e) => {
                eprintln!("{e}");
                code = exit::INVALID;
            }
        }
    }
    code
}

/// What a checked file holds, in a few words: `7 hosts, 1 timeline entry, 3 expectations`.
fn summary(loaded: &Loaded) -> String {
    match loaded {
        Loaded::Scenario(s) => format!(
            "{}, {}, {}",
            count(s.hosts.len(), "host"),
            count(s.timeline.len(), "timeline entry"),
            count(s.expectations.len(), "expectation")
        ),
        Loaded::Topology(t) => format!("a topology: {}, {}", count(t.hosts.len(), "host"), count(t.networks.len(), "network")),
    }
}

/// `1 host`, `2 hosts`, `1 timeline entry`, `3 timeline entries`.
fn count(n: usize, one: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else if let Some(stem) = one.strip_suffix('y') {
        format!("{n} {stem}ies")
    } else {
        format!("{n} {one}s")
    }
}
