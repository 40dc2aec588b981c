//! `labsim run DIR` or `labsim run FILE FILE…`: several scenarios in turn, one summary line each
//! (and the failed expectations of a failed one), a total, and an exit code that is not 0 if any
//! scenario failed or was invalid.
//!
//! The options that write one run's output apply as follows:
//!
//! - `--seed N` and `--max-wall D` apply to each run.
//! - `--junit FILE` writes one `<testsuites>` document with one `<testsuite>` per scenario (an
//!   invalid scenario is a suite whose one test case, `the scenario loads`, fails with its
//!   problems), which is what CI dashboards read.
//! - `--pcap DIR` writes each scenario's captures into a subdirectory named after the file
//!   (`DIR/failover/front.pcap`); two files with one name are refused.
//! - `--json` and `--trace FILE` print or write one run's report or trace, and are refused with
//!   several scenarios; so are the options that shape one printed report (`--quiet`, `--verbose`,
//!   `--only`, `--from`, `--to`). `--color` colours the PASS and FAIL marks.
//! - A scenario that crashes labsim is reported (`CRASH`, with the panic and the reproduce line)
//!   and the others still run; the exit code is then 101.
//!
//! Output directories and the JUnit file are created before the first run, so that a path that
//! cannot be written stops the command before any time is spent.

use crate::cli::stdout::outln;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use super::RunArgs;
use crate::cli::wall::{self, Watch};
use crate::cli::{catalog, crash, exit};
use crate::observe::crash::CrashReport;
use crate::observe::escape::xml as escape;
use crate::observe::options::ReportOptions;
use crate::observe::text;

/// The name of the JUnit test case that fails when a scenario cannot be loaded.
const LOAD_CASE: &str = "the scenario loads";

/// How one scenario went.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Passed,
    Failed,
    Invalid,
    Crashed,
}

pub(super) fn run(args: &RunArgs) -> u8 {
    let files = match files(args) {
        Ok(files) => files,
        Err(message) => {
            eprintln!("labsim run: {message}");
            return exit::INVALID;
        }
    };
    let mut junit = Vec::new();
    if let Err(e) = prepare_outputs(args) {
        eprintln!("labsim run: {e:#}");
        return exit::IO_ERROR;
    }
    let colour = args.report.colour();
    let width = files.iter().map(|f| f.display().to_string().chars().count()).max().unwrap_or(0);
    let mut verdicts = Vec::new();
    let mut io_error = false;
    for file in &files {
        let shown = format!("{:<width$}", file.display().to_string());
        let scenario = match crate::scenario::load(file) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("{e}");
                outln!("INVALID  {shown}  (its problems are above, on stderr)");
                junit.push(invalid_suite(file, &e.to_string()));
                verdicts.push(Verdict::Invalid);
                continue;
            }
        };
        let seed = args.seed.unwrap_or(scenario.seed);
        let advance = |lab: &mut crate::lab::Lab| {
            // Only the verdicts are shown: the lab keeps what the expectations read.
            lab.keep_for_report(&ReportOptions { quiet: true, ..ReportOptions::default() });
            wall::advance(lab, Watch::new(args.max_wall))
        };
        let result = match crash::run(&scenario, seed, args.pcap.is_some(), advance) {
            Ok(result) => result,
            Err((crash, _)) => {
                let name = file.display().to_string();
                let report =
                    CrashReport { scenario: &scenario.name, file: &name, seed, expectations: &scenario.expectations, crash: &crash };
                outln!("CRASH    {shown}  labsim {}", report.outcome());
                outln!("         This is a bug in labsim; please report it with the scenario's files.");
                outln!("         reproduce: {}", report.reproduce());
                junit.push(report.to_junit());
                verdicts.push(Verdict::Crashed);
                continue;
            }
        };
        let report = &result.report;
        let met = report.expectations.iter().filter(|o| o.passed).count();
        let total = report.expectations.len();
        let verdict = if report.passed() { Verdict::Passed } else { Verdict::Failed };
        let mark = text::mark(verdict == Verdict::Passed, colour);
        let mut line = format!("{mark}     {shown}  {met}/{total} expectations met, {} simulated (seed {seed})", report.run.duration);
        if report.run.outcome != "completed" {
            let _ = write!(line, "; outcome: {}", report.run.outcome);
        }
        outln!("{line}");
        if verdict == Verdict::Failed {
            for o in report.expectations.iter().filter(|o| !o.passed) {
                outln!(
                    "         {}  {}  [{}]\n               observed: {}",
                    text::mark(false, colour),
                    o.expectation,
                    o.location,
                    o.observed
                );
            }
            outln!("         reproduce: {}", report.reproduce);
        }
        verdicts.push(verdict);
        if let Some(dir) = &args.pcap
            && let Err(e) = write_pcaps(&dir.join(stem(file)), &result.pcaps)
        {
            eprintln!("labsim run: {e:#}");
            io_error = true;
        }
        if args.junit.is_some() {
            junit.push(report.to_junit());
        }
    }
    let count = |v: Verdict| verdicts.iter().filter(|x| **x == v).count();
    let (passed, failed, invalid, crashed) =
        (count(Verdict::Passed), count(Verdict::Failed), count(Verdict::Invalid), count(Verdict::Crashed));
    let crashes = if crashed > 0 { format!(", {crashed} crashed labsim") } else { String::new() };
    outln!("\n{} scenarios: {passed} passed, {failed} failed, {invalid} invalid{crashes}", verdicts.len());
    if let Some(path) = &args.junit
        && let Err(e) = write_junit(path, &junit)
    {
        eprintln!("labsim run: {e:#}");
        io_error = true;
    }
    if crashed > 0 {
        exit::CRASHED
    } else if invalid > 0 {
        exit::INVALID
    } else if io_error {
        exit::IO_ERROR
    } else if failed > 0 {
        exit::EXPECTATION_FAILED
    } else {
        exit::OK
    }
}

/// The scenario files to run, directories expanded to their `*.ron` files; or why the command
/// line makes no sense.
fn files(args: &RunArgs) -> Result<Vec<PathBuf>, String> {
    if args.json {
        return Err(
            "--json prints one run's report: give one scenario file (for several, read the summary lines, or write --junit FILE)".into()
        );
    }
    if args.trace.is_some() {
        return Err("--trace writes one run's trace: give one scenario file".into());
    }
    if args.plots.is_some() {
        return Err("--plots writes one run's capacity report: give one scenario file".into());
    }
    if let Some(option) = args.report.one_report_option() {
        return Err(format!("{option} shapes one run's report: give one scenario file (several print one line each)"));
    }
    let mut files = Vec::new();
    for arg in std::iter::once(&args.file).chain(&args.more) {
        if arg.is_dir() {
            let found = catalog::ron_files(arg).map_err(|e| format!("cannot list {}: {e}", arg.display()))?;
            if found.is_empty() {
                return Err(format!("no *.ron files in {}", arg.display()));
            }
            files.extend(found);
        } else {
            files.push(arg.clone());
        }
    }
    if args.pcap.is_some() {
        let mut seen: BTreeMap<String, &PathBuf> = BTreeMap::new();
        for file in &files {
            if let Some(other) = seen.insert(stem(file), file) {
                return Err(format!(
                    "--pcap writes each scenario's captures into DIR/NAME/, and {} and {} are both named {}",
                    other.display(),
                    file.display(),
                    stem(file)
                ));
            }
        }
    }
    Ok(files)
}

/// The file's name without `.ron`: its captures' subdirectory.
fn stem(file: &Path) -> String {
    file.file_stem().map_or_else(|| file.display().to_string(), |s| s.to_string_lossy().into_owned())
}

/// Creates the `--pcap` directory and the `--junit` file (with its directory), so that a path
/// that cannot be written is known before anything runs.
fn prepare_outputs(args: &RunArgs) -> anyhow::Result<()> {
    if let Some(dir) = &args.pcap {
        fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    if let Some(path) = &args.junit {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
        }
        fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

fn write_pcaps(dir: &Path, pcaps: &[(String, Vec<u8>)]) -> anyhow::Result<()> {
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for (net, bytes) in pcaps {
        let path = dir.join(format!("{net}.pcap"));
        fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// A JUnit document for a scenario that could not be loaded: one suite named after the file, whose
/// one test case fails with the problems.
fn invalid_suite(file: &Path, problems: &str) -> String {
    let name = escape(&file.display().to_string());
    let first = problems.lines().next().unwrap_or_default();
    format!(
        "<testsuites tests=\"1\" failures=\"1\">\n  <testsuite name=\"{name}\" tests=\"1\" failures=\"1\">\n    <testcase classname=\"{name}\" \
         name=\"{LOAD_CASE}\">\n      <failure message=\"{}\">{}</failure>\n    </testcase>\n  </testsuite>\n</testsuites>\n",
        escape(first),
        escape(problems)
    )
}

/// One scenario's `<testsuite>` element out of its JUnit document, with its `tests` and
/// `failures` counts.
fn suite(doc: &str) -> Option<(&str, u64, u64)> {
    let start = doc.find("<testsuite ")?;
    let end = doc.rfind("</testsuite>")? + "</testsuite>".len();
    let tag = doc.get(start..start + doc.get(start..)?.find('>')?)?;
    let attr = |name: &str| tag.split(&format!(" {name}=\"")).nth(1)?.split('"').next()?.parse().ok();
    Some((doc.get(start..end)?, attr("tests")?, attr("failures")?))
}

/// Writes the scenarios' suites as one `<testsuites>` document.
fn write_junit(path: &Path, docs: &[String]) -> anyhow::Result<()> {
    let mut suites = String::new();
    let (mut tests, mut failures) = (0, 0);
    for doc in docs {
        let (xml, t, f) = suite(doc).context("internal error: a JUnit report has no <testsuite> to combine")?;
        let _ = writeln!(suites, "  {xml}");
        tests += t;
        failures += f;
    }
    let text = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites tests=\"{tests}\" failures=\"{failures}\">\n{suites}</testsuites>\n"
    );
    fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_a_suite_and_its_counts_out_of_a_junit_document() {
        let doc = invalid_suite(Path::new("a<b.ron"), "a<b.ron:1:1: bad\nsecond");
        let (xml, tests, failures) = suite(&doc).unwrap();
        assert_eq!((tests, failures), (1, 1));
        assert!(xml.starts_with("<testsuite name=\"a&lt;b.ron\"") && xml.ends_with("</testsuite>"), "{xml}");
        assert!(xml.contains("message=\"a&lt;b.ron:1:1: bad\">a&lt;b.ron:1:1: bad\nsecond</failure>"), "{xml}");
        assert_eq!(suite("<testsuites/>"), None);
    }
}
