//! The options of `labsim run` that choose what its report shows: `--quiet`, `--verbose`,
//! `--only HOST[,HOST]`, `--from`/`--to` and `--color`. They shape the text (and the JSON's
//! consoles), never the verdicts or the exit code.

use std::io::IsTerminal as _;
use std::time::Duration;

use clap::{Args, ValueEnum};

use crate::observe::options::ReportOptions;
use crate::scenario::Scenario;

/// When to colour PASS and FAIL.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub(super) enum Color {
    /// When standard output is a terminal and `NO_COLOR` is unset or empty (no-color.org).
    #[default]
    Auto,
    /// Always, even into a file or a pipe.
    Always,
    /// Never.
    Never,
}

#[derive(Args, Debug)]
pub(super) struct ReportArgs {
    /// Print only the expectations and the summary lines (no consoles or summaries).
    #[arg(long, short = 'q', conflicts_with = "verbose")]
    quiet: bool,
    /// Print every console line as it appeared (ping's replies are otherwise folded into runs:
    /// `icmp_seq 38–91 answered`).
    #[arg(long, short = 'v')]
    verbose: bool,
    /// Show only these hosts' console lines and summaries.
    #[arg(long, value_name = "HOST,...", value_delimiter = ',')]
    only: Vec<String>,
    /// Show no console line before this simulated time (e.g. 10s, 1m30s).
    #[arg(long, value_name = "DURATION", value_parser = sim_time)]
    from: Option<Duration>,
    /// Show no console line after this simulated time (e.g. 12.5s).
    #[arg(long, value_name = "DURATION", value_parser = sim_time)]
    to: Option<Duration>,
    /// Colour PASS green and FAIL red: auto (a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = Color::Auto)]
    color: Color,
}

/// A `--from`/`--to` value: a simulated time in the scenario's duration syntax.
fn sim_time(text: &str) -> Result<Duration, String> {
    crate::scenario::parse_duration(text).map_err(|e| format!("bad duration \"{text}\": {e}"))
}

impl ReportArgs {
    /// The report options for a run of `scenario`; `Err` is a usage error (an unknown host, a
    /// window that ends before it starts), worded as clap words its own.
    pub(super) fn options(&self, scenario: &Scenario) -> Result<ReportOptions, String> {
        for host in &self.only {
            if !scenario.hosts.iter().any(|h| h.name == *host) {
                let known: Vec<&str> = scenario.hosts.iter().map(|h| h.name.as_str()).collect();
                return Err(format!(
                    "invalid value '{host}' for '--only <HOST,...>': no host of that name in {} (hosts: {})",
                    scenario.path.display(),
                    known.join(", ")
                ));
            }
        }
        if let (Some(from), Some(to)) = (self.from, self.to)
            && to < from
        {
            return Err(format!("'--to' ({} s) is before '--from' ({} s)", to.as_secs_f64(), from.as_secs_f64()));
        }
        Ok(ReportOptions {
            quiet: self.quiet,
            verbose: self.verbose,
            colour: self.colour(),
            hosts: self.only.clone(),
            from: self.from,
            to: self.to,
        })
    }

    /// Whether PASS and FAIL are coloured.
    pub(super) fn colour(&self) -> bool {
        match self.color {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        }
    }

    /// The first option given that shapes one run's printed report (all but `--color`), which a
    /// run of several scenarios, printing one line each, has no use for.
    pub(super) fn one_report_option(&self) -> Option<&'static str> {
        [
            (self.quiet, "--quiet"),
            (self.verbose, "--verbose"),
            (!self.only.is_empty(), "--only"),
            (self.from.is_some(), "--from"),
            (self.to.is_some(), "--to"),
        ]
        .into_iter()
        .find_map(|(given, name)| given.then_some(name))
    }
}
