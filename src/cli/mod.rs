//! L7: the `labsim` command: argument parsing, subcommands and exit codes ([`exit`]). `anyhow`
//! lives here only. Only `bench` (timing whole runs) and `wall` (`run`'s progress line and
//! `--max-wall`) read the wall clock.

mod bench;
pub(crate) mod exit;
mod run;
mod wall;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// labsim: a deterministic simulator of a highly-available web cluster lab.
#[derive(Parser, Debug)]
#[command(name = "labsim", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a scenario and print its report.
    Run(run::RunArgs),
    /// Validate scenario files without running them.
    Check {
        /// Scenario files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Measure simulation speed on scenarios (default: every file in scenarios/).
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
        Command::Check { files } => check(&files),
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
        match crate::scenario::load(f) {
            Ok(s) => {
                println!(
                    "{}: ok ({} hosts, {} timeline entries, {} expectations)",
                    f.display(),
                    s.hosts.len(),
                    s.timeline.len(),
                    s.expectations.len()
                );
                for note in crate::lab::config_notes(&s) {
                    eprintln!("{}", config_warning(f, &note));
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
