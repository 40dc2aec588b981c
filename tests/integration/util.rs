//! Helpers shared by the integration tests: run a scenario through the public library API or the
//! `labsim` binary, and read the pcap files a run produced.

#![allow(dead_code)] // each test module uses a different subset

use std::path::{Path, PathBuf};

use labsim::{Lab, RunResult, TraceKind};

/// The repository root (where `scenarios/` lives).
pub(crate) fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `scenarios/NAME`.
pub(crate) fn scenario_path(name: &str) -> PathBuf {
    root().join("scenarios").join(name)
}

/// Every shipped scenario: the `*.ron` files directly in `scenarios/` (not the topology in `lab/`).
pub(crate) fn shipped_scenarios() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("scenarios"))
        .expect("scenarios/ exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .collect();
    files.sort();
    files
}

/// Loads and runs a scenario (with pcap capture) with its own seed or `seed`.
pub(crate) fn run(path: &Path, seed: Option<u64>) -> RunResult {
    let scenario = labsim::load_scenario(path).unwrap_or_else(|e| panic!("{} does not load:\n{e}", path.display()));
    let seed = seed.unwrap_or(scenario.seed);
    Lab::new(&scenario, seed, true).run()
}

/// The `labsim` binary, run from the repository root.
pub(crate) fn labsim() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("labsim").expect("labsim binary is built");
    cmd.current_dir(root());
    cmd
}

/// How a `labsim` command ended and what it printed.
pub(crate) struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `cmd` (a [`labsim`] command) to its end.
pub(crate) fn output(cmd: &mut assert_cmd::Command) -> Run {
    let out = cmd.output().expect("labsim runs");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `labsim ARGS`, from the repository root, with these environment variables set.
pub(crate) fn run_labsim(args: &[&str], env: &[(&str, &str)]) -> Run {
    output(labsim().args(args).envs(env.iter().copied()))
}

/// A path as a command-line argument.
pub(crate) fn arg(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

/// One captured frame: its timestamp (µs since the Unix epoch) and bytes.
#[derive(Clone, Debug)]
pub(crate) struct Frame {
    /// Capture time, µs since 1970.
    pub unix_us: u64,
    /// Ethernet frame.
    pub bytes: Vec<u8>,
}

/// Reads a classic little-endian pcap file (as labsim writes it).
pub(crate) fn read_pcap(bytes: &[u8]) -> Vec<Frame> {
    assert_eq!(&bytes[0..4], &[0xd4, 0xc3, 0xb2, 0xa1], "little-endian µs pcap magic");
    assert_eq!(u32::from_le_bytes(bytes[20..24].try_into().expect("4 bytes")), 1, "LINKTYPE_ETHERNET");
    let mut frames = Vec::new();
    let mut at = 24;
    while at < bytes.len() {
        let word = |o: usize| u64::from(u32::from_le_bytes(bytes[at + o..at + o + 4].try_into().expect("4 bytes")));
        let (secs, micros, caplen) = (word(0), word(4), word(8) as usize);
        frames.push(Frame { unix_us: secs * 1_000_000 + micros, bytes: bytes[at + 16..at + 16 + caplen].to_vec() });
        at += 16 + caplen;
    }
    frames
}

/// The pcap of `network` from a run.
pub(crate) fn pcap_of<'a>(result: &'a RunResult, network: &str) -> &'a [u8] {
    &result.pcaps.iter().find(|(n, _)| n == network).unwrap_or_else(|| panic!("no capture of {network}")).1
}

/// Every shipped scenario run once with its own seed (and pcap capture), computed on first use
/// and shared by the tests that only read the results, so each scenario runs once per test binary.
pub(crate) fn shipped_runs() -> &'static [(PathBuf, RunResult)] {
    static RUNS: std::sync::OnceLock<Vec<(PathBuf, RunResult)>> = std::sync::OnceLock::new();
    RUNS.get_or_init(|| {
        shipped_scenarios()
            .into_iter()
            .map(|p| {
                let r = run(&p, None);
                (p, r)
            })
            .collect()
    })
}

/// `scenarios/NAME.ron` as the user would type it from the repository root.
pub(crate) fn relative(path: &Path) -> String {
    path.strip_prefix(root()).unwrap_or(path).display().to_string()
}

/// An empty scratch directory for one test, under Cargo's per-target temporary directory.
pub(crate) fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("labsim-tests").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    dir
}

/// The files of `dir`, sorted by name, with their bytes.
pub(crate) fn files_in(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| {
            let path = e.expect("readable entry").path();
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            (path.file_name().expect("a file name").to_string_lossy().into_owned(), bytes)
        })
        .collect();
    files.sort();
    files
}

/// Times (µs) of `host`'s daemon log lines containing `text`, in order.
pub(crate) fn log_times(result: &RunResult, host: &str, text: &str) -> Vec<u64> {
    result
        .trace
        .events()
        .iter()
        .filter_map(|e| match &e.kind {
            TraceKind::Log { host: h, line, .. } if h == host && line.contains(text) => Some(e.at.as_micros()),
            _ => None,
        })
        .collect()
}
