//! The files `labsim run` writes besides its report: the trace (`--trace`), the JUnit XML
//! (`--junit`), one pcap per network (`--pcap DIR`) and the capacity report's CSV and plots
//! (`--plots DIR`). All are created, with any missing
//! directories, before the run starts, so that a path that cannot be written is reported (exit 3)
//! before any simulated time is spent; after the run they are written before the report is
//! printed, so an error never comes after `PASSED`.

use std::fs::{self, File};
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::lab::{Lab, RunResult};
use crate::observe::capacity::plot;
use crate::observe::crash::CrashReport;

/// One output file, created and empty.
struct Target {
    path: PathBuf,
    file: File,
}

impl Target {
    /// Creates (or truncates) `path`, creating its missing parent directories.
    fn create(path: &Path) -> anyhow::Result<Target> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir).with_context(|| format!("cannot create directory {}", dir.display()))?;
        }
        let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
        Ok(Target { path: path.to_owned(), file })
    }

    fn write(self, bytes: &[u8]) -> anyhow::Result<()> {
        let mut out = self.file;
        out.write_all(bytes).and_then(|()| out.flush()).with_context(|| format!("cannot write {}", self.path.display()))
    }

    /// Removes a file nothing could be written to (a crashed run's trace and pcaps).
    fn discard(self) -> anyhow::Result<()> {
        drop(self.file);
        fs::remove_file(&self.path).with_context(|| format!("cannot remove {}", self.path.display()))
    }
}

/// The output files of one run.
pub(super) struct Outputs {
    /// The files the lab writes as the run goes: what it calls each (`trace`, a network's
    /// name) and where it is.
    streamed: Vec<(String, PathBuf)>,
    trace: Option<Target>,
    junit: Option<Target>,
    /// (network, its file).
    pcaps: Vec<(String, Target)>,
    /// (file name, its file): the capacity report's.
    plots: Vec<(&'static str, Target)>,
}

impl Outputs {
    /// Creates the files asked for: `trace`, `junit`, `DIR/NETWORK.pcap` for each of
    /// `networks` when `pcap_dir` is given, and the capacity report's files in `plots_dir`.
    pub(super) fn create<'a>(
        trace: Option<&Path>,
        junit: Option<&Path>,
        pcap_dir: Option<&Path>,
        plots_dir: Option<&Path>,
        networks: impl Iterator<Item = &'a str>,
    ) -> anyhow::Result<Outputs> {
        let trace = trace.map(Target::create).transpose()?;
        let junit = junit.map(Target::create).transpose()?;
        let mut pcaps = Vec::new();
        if let Some(dir) = pcap_dir {
            fs::create_dir_all(dir).with_context(|| format!("cannot create directory {}", dir.display()))?;
            for net in networks {
                pcaps.push((net.to_owned(), Target::create(&dir.join(format!("{net}.pcap")))?));
            }
        }
        let mut plots = Vec::new();
        if let Some(dir) = plots_dir {
            fs::create_dir_all(dir).with_context(|| format!("cannot create directory {}", dir.display()))?;
            for name in plot::FILE_NAMES {
                plots.push((name, Target::create(&dir.join(name))?));
            }
        }
        Ok(Outputs { streamed: Vec::new(), trace, junit, pcaps, plots })
    }

    /// Hands the trace and the pcaps to `lab`, which writes them as the run goes, so that they
    /// never wait whole in memory (buffered: a write per event would cost more than the event).
    pub(super) fn stream_into(&mut self, lab: &mut Lab) {
        if let Some(t) = self.trace.take() {
            lab.stream_trace(Box::new(BufWriter::new(t.file)));
            self.streamed.push(("trace".to_owned(), t.path));
        }
        for (net, t) in std::mem::take(&mut self.pcaps) {
            lab.stream_pcap(&net, Box::new(BufWriter::new(t.file)));
            self.streamed.push((net, t.path));
        }
    }

    /// Writes a finished run's trace (one JSON object per line), JUnit report and pcaps, and
    /// says whether those the lab wrote as it went were all written.
    pub(super) fn write(self, result: &RunResult) -> anyhow::Result<()> {
        for (what, status) in &result.streamed {
            if let (Err(e), Some((_, path))) = (status, self.streamed.iter().find(|(w, _)| w == what)) {
                anyhow::bail!("cannot write {}: {e}", path.display());
            }
        }
        if let Some(t) = self.trace {
            // Line by line: a long run's trace is not copied whole into memory a second time.
            let context = || format!("cannot write {}", t.path.display());
            let mut out = BufWriter::new(t.file);
            for e in result.trace.events() {
                writeln!(out, "{}", e.to_json()).with_context(context)?;
            }
            out.flush().with_context(context)?;
        }
        if let Some(j) = self.junit {
            j.write(result.report.to_junit().as_bytes())?;
        }
        for (net, target) in self.pcaps {
            let bytes = result.pcaps.iter().find(|(n, _)| *n == net).map_or(&[][..], |(_, b)| b.as_slice());
            target.write(bytes)?;
        }
        if self.plots.is_empty() {
            // Rendering the plots costs more than a short run's whole report: only when asked.
            return Ok(());
        }
        let files = plot::files(&result.capacity);
        for (name, target) in self.plots {
            let text = files.iter().find(|(n, _)| *n == name).map_or("", |(_, t)| t.as_str());
            target.write(text.as_bytes())?;
        }
        Ok(())
    }

    /// After a crash: the JUnit report says so; the trace and pcaps, lost with the run's state,
    /// are removed rather than left empty.
    pub(super) fn write_crash(self, report: &CrashReport<'_>) -> anyhow::Result<()> {
        if let Some(j) = self.junit {
            j.write(report.to_junit().as_bytes())?;
        }
        if let Some(t) = self.trace {
            t.discard()?;
        }
        for (_, path) in self.streamed {
            fs::remove_file(&path).with_context(|| format!("cannot remove {}", path.display()))?;
        }
        for (_, target) in self.pcaps {
            target.discard()?;
        }
        for (_, target) in self.plots {
            target.discard()?;
        }
        Ok(())
    }
}
