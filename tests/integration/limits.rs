//! Bad input never crashes or stalls labsim (issue 8): no input file of at most 1 MB makes
//! `labsim check` or `labsim run` use more than 256 MiB or 5 s of CPU before it reports a problem.
//!
//! Each case is a generated worst case, written by the test (nothing this big is committed). The
//! real binary runs under `prlimit` (util-linux, essential on Debian), which sets `RLIMIT_AS` and
//! `RLIMIT_CPU` in the child before it starts labsim: a case that needs more memory or time is
//! killed by the kernel, whatever this machine's speed, rather than measured by the test's clock.
//! Each must exit 2 with `FILE:LINE:COL: …` and its message on standard error.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::invalid::positioned;
use crate::util;

/// The address space a run may use.
const MAX_MEMORY: u64 = 256 << 20;
/// The CPU seconds a run may use.
const MAX_CPU_SECONDS: u64 = 5;
/// The size of the generated files.
const MB: usize = 1_000_000;

/// A generated scenario: its file name, its bytes, and the message its first problem must carry.
struct Case {
    name: &'static str,
    bytes: Vec<u8>,
    expected: &'static str,
}

/// `prefix`, then `item` repeated to fill 1 MB (with `suffix` after), at most 1 MB in all.
fn fill(prefix: &str, item: &str, suffix: &str) -> Vec<u8> {
    let count = (MB - prefix.len() - suffix.len()) / item.len();
    [prefix, &item.repeat(count), suffix].concat().into_bytes()
}

/// `prefix`, then `item(0)`, `item(1)`… as many as fit in 1 MB with `suffix` after.
fn fill_with(prefix: &str, item: impl Fn(usize) -> String, suffix: &str) -> Vec<u8> {
    let mut text = prefix.to_string();
    for i in 0.. {
        let next = item(i);
        if text.len() + next.len() + suffix.len() > MB {
            break;
        }
        text.push_str(&next);
    }
    text.push_str(suffix);
    text.into_bytes()
}

/// `body` inside a scenario that declares nothing else.
fn scenario(body: &str) -> String {
    format!("Scenario(name: \"limits\", duration: \"10s\", {body}")
}

fn cases(dir: &Path) -> Vec<Case> {
    // A regular file of 1 MB, which thousands of `File(…)`s read; sparse, so cheap to make.
    let big = dir.join("big.bin");
    std::fs::File::create(&big).unwrap().set_len(MB as u64).unwrap();
    let net = "networks: { \"net\": Network(cidr: \"10.0.0.0/24\") }, ";
    let long_name = "h".repeat(MB / 2);
    vec![
        Case { name: "deep-paren", bytes: fill(&scenario("hosts: "), "(", ""), expected: "nesting deeper than 64 levels" },
        Case { name: "deep-bracket", bytes: fill(&scenario("hosts: "), "[", ""), expected: "nesting deeper than 64 levels" },
        Case { name: "deep-brace", bytes: fill(&scenario("hosts: "), "{", ""), expected: "nesting deeper than 64 levels" },
        Case { name: "deep-some", bytes: fill(&scenario("extends: "), "Some(", ""), expected: "nesting deeper than 64 levels" },
        Case { name: "deep-bare", bytes: fill("", "[", ""), expected: "nesting deeper than 64 levels" },
        // Nesting right at the limit, side by side, all through the file: the span index's
        // worst case, before `ron` stops at the first wrong type.
        Case {
            name: "deep-at-limit",
            bytes: fill(&scenario("hosts: {\"h\": Host(enabled: ["), &format!("{}{},", "[".repeat(60), "]".repeat(60)), "])})"),
            expected: "expected a string (a service name), found [[[[",
        },
        Case {
            name: "long-string",
            bytes: fill("Scenario(name: \"", "a", "\", duration: \"10\")"),
            expected: "duration: bad duration \"10\": missing unit",
        },
        Case {
            name: "long-line",
            bytes: fill(&scenario("timeline: ["), "At(\"1s\", \"nobody\", \"ping 10.0.0.1\"), ", "])"),
            expected: "timeline[0][1]: unknown host \"nobody\"",
        },
        Case { name: "invalid-utf8", bytes: vec![0xFF; MB], expected: "invalid UTF-8: byte 0xff at offset 0" },
        Case {
            name: "invalid-utf8-late",
            bytes: [fill(&scenario("about: \""), "é", "\u{0}"), vec![0xC3]].concat(),
            expected: "invalid UTF-8: byte 0xc3 at offset",
        },
        Case { name: "unterminated-string", bytes: fill(&scenario("about: \""), "(", ""), expected: "Expected end of string" },
        Case { name: "unterminated-comment", bytes: fill(&scenario(""), "/*", ""), expected: "Unclosed block comment" },
        Case { name: "long-number", bytes: fill(&scenario("seed: "), "9", ")"), expected: "seed: expected an integer" },
        Case {
            name: "extends-dev-zero",
            bytes: scenario("extends: \"/dev/zero\")").into_bytes(),
            expected: "extends: cannot read the topology \"/dev/zero\": not a regular file",
        },
        Case {
            name: "file-dev-urandom",
            bytes: scenario(&format!("{net}hosts: {{ \"h\": Host(files: {{ \"/f\": File(\"/dev/urandom\") }}) }})")).into_bytes(),
            expected: "cannot read \"/dev/urandom\": not a regular file",
        },
        // Thousands of reads of a 1 MB file: the budget stops them at 16 MiB.
        Case {
            name: "many-file-reads",
            bytes: fill_with(
                &scenario(&format!("{net}hosts: {{ \"h\": Host(files: {{")),
                |i| format!("\"/{i}\": File(\"big.bin\"),"),
                "}) })",
            ),
            expected: "too large: a scenario, its topology and its files may total 16 MiB",
        },
        Case {
            name: "many-hosts",
            bytes: fill_with(&scenario("hosts: {"), |i| format!("\"h{i}\": Host(nics: {{ \"e\": (\"net\", \"10.0.0.1/24\") }}),"), "})"),
            expected: "unknown network \"net\"",
        },
        Case {
            name: "many-unknown-hosts",
            bytes: fill(
                &scenario(&format!("hosts: {{ {} }}, timeline: [", (0..5000).map(|i| format!("\"h{i}\": Host(),")).collect::<String>())),
                "At(\"1s\", \"x\", \"y\"),",
                "])",
            ),
            expected: "unknown host \"x\" (known: h0, h1",
        },
        Case {
            name: "many-services",
            bytes: fill(&scenario("hosts: { \"h\": Host(enabled: ["), "\"x\",", "]) })"),
            expected: "unknown service \"x\"",
        },
        // A host with a name of half the file, and a problem for each of many services in it.
        Case {
            name: "long-key",
            bytes: fill(&scenario(&format!("hosts: {{ \"{long_name}\": Host(enabled: [")), "\"x\",", "]) })"),
            expected: "unknown service \"x\"",
        },
        Case {
            name: "many-duplicate-keys",
            bytes: fill(&scenario("hosts: {"), "\"h\": Host(),", "})"),
            expected: "hosts.\"h\": \"h\" is given twice",
        },
        Case {
            name: "many-outputs",
            bytes: fill(
                &scenario(&format!("hosts: {{ \"h\": Host() }}, timeline: [{}], expect: [", "At(\"1s\", \"h\", \"ls\"),".repeat(10_000))),
                "Output(host: \"h\", at: \"2s\", contains: \"x\"),",
                "])",
            ),
            expected: "no command is typed on \"h\" at \"2s\"",
        },
        Case {
            name: "many-vips",
            bytes: fill(
                &scenario(&format!(
                    "networks: {{ {} }}, expect: [",
                    (0..10_000).map(|i| format!("\"n{i}\": Network(cidr: \"10.{}.{}.0/24\"),", i / 256, i % 256)).collect::<String>()
                )),
                "VipOwner(vip: \"1.2.3.4\", hosts: [], at: \"1s\"),",
                "])",
            ),
            expected: "VIP 1.2.3.4 is on none of the lab's networks",
        },
    ]
}

/// `labsim ARGS` from the repository root, with the limits set in the child before it starts.
fn limited(args: &[&str], file: &Path) -> Command {
    let mut cmd = Command::new("prlimit");
    cmd.arg(format!("--as={MAX_MEMORY}")).arg(format!("--cpu={MAX_CPU_SECONDS}")).arg("--");
    cmd.arg(env!("CARGO_BIN_EXE_labsim")).args(args).arg(file).current_dir(util::root());
    cmd
}

#[test]
fn no_input_of_a_megabyte_needs_more_than_256_mib_or_5_s() {
    let dir = util::scratch("limits");
    let mut jobs = Vec::new();
    for case in cases(&dir) {
        assert!(case.bytes.len() <= MB, "{}: {} bytes", case.name, case.bytes.len());
        let file: PathBuf = dir.join(format!("{}.ron", case.name));
        std::fs::write(&file, &case.bytes).unwrap();
        for sub in ["check", "run"] {
            jobs.push((sub, case.name, file.clone(), case.expected));
        }
    }
    // Two children at a time: the limits are per child, so running them side by side changes
    // nothing but the test's duration.
    let next = std::sync::Mutex::new(jobs.into_iter());
    let failures = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                while let Some((sub, name, file, expected)) = next.lock().unwrap().next() {
                    let out = limited(&[sub], &file).output().expect("prlimit runs labsim");
                    let stderr = String::from_utf8_lossy(&out.stderr);
                    let first = stderr.lines().next().unwrap_or_default();
                    if out.status.code() != Some(2) || !positioned(first, &file.display().to_string(), expected) {
                        let first: String = first.chars().take(300).collect();
                        failures.lock().unwrap().push(format!("labsim {sub} {name}: {:?}, first line: {first}", out.status));
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(failures.is_empty(), "expected exit 2 and a positioned message:\n{}", failures.join("\n"));
}

/// The limits themselves hold: a run that needs more memory than allowed dies.
#[test]
fn the_limits_are_enforced_on_the_child() {
    let out = Command::new("prlimit").arg("--as=1000000").arg("--").arg(env!("CARGO_BIN_EXE_labsim")).arg("--version").output().unwrap();
    assert!(!out.status.success(), "labsim ran in 1 MB of address space: {out:?}");
}

/// Issue 8, finding 5: a body of 262 145 lines, printed by curl and then by nc (the regression
/// fixture `many-lines.ron`), takes well under 3 s of CPU. Cutting output into lines took time
/// quadratic in their number before: that version needed about 6 s of CPU for this file (and
/// 27 s for four times as many lines), this one under 1 s.
#[test]
fn printing_many_lines_takes_linear_time() {
    let file = util::root().join("tests/fixtures/regressions/many-lines.ron");
    let out = Command::new("prlimit")
        .arg("--cpu=3")
        .arg("--")
        .arg(env!("CARGO_BIN_EXE_labsim"))
        .arg("run")
        .arg(&file)
        .current_dir(util::root())
        .output()
        .expect("prlimit runs labsim");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{:?}\n{}", out.status, stdout.lines().rev().take(10).collect::<Vec<_>>().join("\n"));
    assert!(stdout.contains("PASSED: 3/3"), "{stdout}");
}
