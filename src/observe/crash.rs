//! The report of a run that crashed: a panic inside the simulation (a bug in labsim, in a daemon,
//! a core or a host) ended it, and its state was discarded. The text, JSON and JUnit reports say
//! so in the shapes of a normal report, so that a dashboard shows a failure rather than nothing:
//! JUnit has an erroring test case, [`RUN_CASE`], and every expectation is skipped (not
//! evaluated); JSON has `passed: false`, the outcome `crashed` and where.

use std::fmt::Write as _;

use serde::Serialize;

use super::escape::xml;
use super::expect::Expectation;
use super::json::SCHEMA_VERSION;
use super::report::{Outcome, RUN_CASE};
use crate::kernel::SimTime;

/// What is known of a crash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Crash {
    /// The panic's message.
    pub message: String,
    /// Where in labsim's source it panicked (`src/host/mod.rs:120:9`), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// The simulated time the run had reached (zero while the lab was being built).
    #[serde(rename = "at_us")]
    pub at: SimTime,
}

/// What observed says of an expectation a crash left unevaluated.
const NOT_EVALUATED: &str = "not evaluated: labsim crashed";

/// A crashed run of a scenario.
pub(crate) struct CrashReport<'a> {
    /// The scenario's name.
    pub scenario: &'a str,
    /// The scenario file as given.
    pub file: &'a str,
    /// The seed of the run.
    pub seed: u64,
    /// The scenario's expectations (none was evaluated).
    pub expectations: &'a [Expectation],
    /// The crash.
    pub crash: &'a Crash,
}

impl CrashReport<'_> {
    /// The command that reproduces the run.
    pub(crate) fn reproduce(&self) -> String {
        format!("labsim run {} --seed {}", self.file, self.seed)
    }

    /// `at 12.345678s simulated: MESSAGE (src/…:1:2)`.
    fn what(&self) -> String {
        let location = self.crash.location.as_ref().map_or(String::new(), |l| format!(" ({l})"));
        format!("at {} simulated: {}{location}", self.crash.at, self.crash.message)
    }

    /// The outcome as the reports word it.
    pub(crate) fn outcome(&self) -> String {
        format!("crashed {}", self.what())
    }

    /// The text report.
    pub(crate) fn to_text(&self) -> String {
        let mut t = String::new();
        let _ = writeln!(t, "labsim: scenario {} ({}), seed={}", self.scenario, self.file, self.seed);
        let _ = writeln!(t, "\n== crash ==\nlabsim crashed {}", self.what());
        t.push_str("This is a bug in labsim, not in the scenario; the run's state was discarded.\n");
        t.push_str("Please report it with the scenario's files and the reproduce line below.\n");
        let _ = writeln!(t, "\nCRASHED: 0/{} expectations evaluated (seed={})", self.expectations.len(), self.seed);
        let _ = writeln!(t, "reproduce: {}", self.reproduce());
        t
    }

    /// The JSON report: the sections of a normal one, empty, and `run.crash`.
    pub(crate) fn to_json(&self) -> String {
        #[derive(Serialize)]
        struct Run<'a> {
            scenario: &'a str,
            file: &'a str,
            seed: u64,
            completed: bool,
            outcome: String,
            crash: &'a Crash,
        }
        #[derive(Serialize)]
        struct Doc<'a> {
            schema_version: u32,
            passed: bool,
            run: Run<'a>,
            reproduce: String,
            expectations: Vec<Outcome>,
            consoles: [(); 0],
            vips: [(); 0],
            pings: [(); 0],
            http: [(); 0],
            unfinished: [(); 0],
        }
        let expectations = self
            .expectations
            .iter()
            .map(|e| Outcome {
                expectation: e.text.clone(),
                location: format!("{}:{}:{}", e.location.file, e.location.line, e.location.column),
                passed: false,
                observed: NOT_EVALUATED.to_owned(),
            })
            .collect();
        let run =
            Run { scenario: self.scenario, file: self.file, seed: self.seed, completed: false, outcome: self.outcome(), crash: self.crash };
        let doc = Doc {
            schema_version: SCHEMA_VERSION,
            passed: false,
            run,
            reproduce: self.reproduce(),
            expectations,
            consoles: [],
            vips: [],
            pings: [],
            http: [],
            unfinished: [],
        };
        serde_json::to_string_pretty(&doc).unwrap_or_default()
    }

    /// JUnit XML: [`RUN_CASE`] in error with the panic, every expectation skipped.
    pub(crate) fn to_junit(&self) -> String {
        let n = self.expectations.len();
        let tests = n + 1;
        let class = xml(self.scenario);
        let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            x,
            "<testsuites tests=\"{tests}\" failures=\"0\" errors=\"1\" skipped=\"{n}\">\n  <testsuite name=\"{class}\" tests=\"{tests}\" failures=\"0\" errors=\"1\" skipped=\"{n}\">"
        );
        let _ = writeln!(x, "    <properties><property name=\"seed\" value=\"{}\"/></properties>", self.seed);
        let body = format!(
            "labsim crashed {}\nThis is a bug in labsim, not in the scenario. Please report it with the scenario's files and this command: {}",
            self.what(),
            self.reproduce()
        );
        let _ = writeln!(
            x,
            "    <testcase classname=\"{class}\" name=\"{RUN_CASE}\">\n      <error type=\"panic\" message=\"{}\">{}</error>\n    </testcase>",
            xml(&self.outcome()),
            xml(&body)
        );
        for e in self.expectations {
            let _ = writeln!(
                x,
                "    <testcase classname=\"{class}\" name=\"{}\">\n      <skipped message=\"{NOT_EVALUATED}\"/>\n    </testcase>",
                xml(&e.text)
            );
        }
        x.push_str("  </testsuite>\n</testsuites>\n");
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observe::expect::{Bound, Check, SourceLocation, Window};

    fn report<'a>(crash: &'a Crash, expectations: &'a [Expectation]) -> CrashReport<'a> {
        CrashReport { scenario: "s", file: "s.ron", seed: 3, expectations, crash }
    }

    fn expectation() -> Expectation {
        let window = Window::Between(SimTime::ZERO, SimTime::MAX);
        Expectation {
            check: Check::PingLost { host: "c".into(), window, bound: Bound::Exactly(0) },
            text: "PingLost(host: \"c\", exactly: 0)".into(),
            location: SourceLocation { file: "s.ron".into(), line: 4, column: 9 },
        }
    }

    /// Every format names the crash; the JSON's `run.crash` fields are those `docs/json.md`
    /// documents (the CLI test that crashes on purpose needs a debug build; this runs in all).
    #[test]
    fn every_format_says_where_it_crashed() {
        let crash = Crash { message: "boom <&>".into(), location: Some("src/x.rs:1:2".into()), at: SimTime::from_micros(1_500_000) };
        let expectations = [expectation()];
        let r = report(&crash, &expectations);
        assert_eq!(r.outcome(), "crashed at 1.500000s simulated: boom <&> (src/x.rs:1:2)");
        assert!(r.to_text().contains("\nCRASHED: 0/1 expectations evaluated (seed=3)\nreproduce: labsim run s.ron --seed 3\n"));
        let junit = r.to_junit();
        assert!(
            junit.contains("<error type=\"panic\" message=\"crashed at 1.500000s simulated: boom &lt;&amp;&gt; (src/x.rs:1:2)\">"),
            "{junit}"
        );
        assert!(
            junit.contains("errors=\"1\" skipped=\"1\"") && junit.contains("<skipped message=\"not evaluated: labsim crashed\"/>"),
            "{junit}"
        );

        let doc: serde_json::Value = serde_json::from_str(&r.to_json()).expect("JSON");
        assert_eq!(doc["run"]["crash"], serde_json::json!({"message": "boom <&>", "location": "src/x.rs:1:2", "at_us": 1_500_000}));
        assert_eq!(doc["expectations"][0]["observed"], NOT_EVALUATED);
        let docs = include_str!("../../docs/json.md");
        let section = docs.split("## A crashed run").nth(1).and_then(|s| s.split("\n## ").next()).expect("the section");
        let documented: Vec<&str> = section.lines().filter_map(|l| l.strip_prefix("| `")?.split('`').next()).collect();
        let written: Vec<String> = std::iter::once("run.crash".to_owned())
            .chain(doc["run"]["crash"].as_object().expect("an object").keys().map(|k| format!("run.crash.{k}")))
            .collect();
        let mut documented: Vec<String> = documented.into_iter().map(str::to_owned).collect();
        let mut written = written;
        documented.sort();
        written.sort();
        assert_eq!(documented, written);
    }
}
