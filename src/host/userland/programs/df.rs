//! `df [-h] [FILE…]` (GNU coreutils 8.22, CentOS 7): the size and use of the file systems, the
//! local disk and every NFS mount; an NFS mount's figures come from the server (FSSTAT), so
//! `df` waits on a server that does not answer, as the real one does on a hard mount.

use crate::host::kernel::{FileCall, FileReply, FsUsage, Pending, Stdio, Sys, Ticket};
use crate::host::userland::process::{Exit, Invocation, Process, Signal, Unfinished, fail};
use crate::kernel::SimTime;
use crate::observe::trace::Stream;

/// The local file systems `df` lists first (a default CentOS 7 install).
const LOCAL: &[(&str, &str)] = &[("/dev/mapper/centos-root", "/"), ("/dev/sda1", "/boot")];

/// The narrowest each column may be (coreutils `df.c`, `field_data`).
const MIN_WIDTHS: [usize; 6] = [14, 5, 5, 5, 4, 0];

struct Row {
    source: String,
    target: String,
    usage: Option<Result<FsUsage, String>>,
    ticket: Option<Ticket>,
}

struct DfProc {
    stdio: Stdio,
    human: bool,
    rows: Vec<Row>,
    exit: Option<Exit>,
}

pub(crate) fn start(k: &mut Sys<'_>, run: Invocation<'_>) -> Result<Box<dyn Process>, i32> {
    let Invocation { now, stdio, args, pid, .. } = run;
    let mut human = false;
    let mut files = Vec::new();
    for &a in args {
        match a {
            "-h" | "--human-readable" => human = true,
            _ if a.starts_with('-') && a.len() > 1 => {
                let lines = vec![
                    format!("df: invalid option -- '{}'", a.trim_start_matches('-')),
                    "Try 'df --help' for more information.".to_owned(),
                ];
                return Err(fail(k, now, &stdio, lines, 1));
            }
            _ => files.push(a),
        }
    }
    let mounts = k.mounts();
    let mut all: Vec<(String, String)> = LOCAL.iter().map(|(s, t)| ((*s).to_owned(), (*t).to_owned())).collect();
    all.extend(mounts.iter().map(|m| (m.source.clone(), m.target.clone())));
    let chosen: Vec<(String, String)> = if files.is_empty() {
        all
    } else {
        let mut chosen = Vec::new();
        for f in files {
            // The most specific mount holding the file.
            let best =
                all.iter().filter(|(_, t)| f == t || f.starts_with(&format!("{}/", t.trim_end_matches('/')))).max_by_key(|(_, t)| t.len());
            if let Some(m) = best {
                chosen.push(m.clone());
            }
        }
        chosen
    };
    let mut rows = Vec::new();
    for (source, target) in chosen {
        let (usage, ticket) = match k.file_call(pid, now, FileCall::StatFs(target.clone()), 0) {
            Pending::Ready(FileReply::StatFs(r)) => (Some(r.map_err(|e| e.text().to_owned())), None),
            Pending::Ready(_) => (Some(Err("Input/output error".to_owned())), None),
            Pending::Wait(t) => (None, Some(t)),
        };
        rows.push(Row { source, target, usage, ticket });
    }
    let mut p = DfProc { stdio, human, rows, exit: None };
    p.poll(k, now);
    match p.exit {
        Some(exit) => Err(exit.status()),
        None => Ok(Box::new(p)),
    }
}

/// coreutils' `human_readable` with `-h`: powers of 1024, rounded up, one decimal below 10.
fn human(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["K", "M", "G", "T", "P", "E"];
    if bytes < 1024 {
        return bytes.to_string();
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if value < 10.0 {
        let tenths = (value * 10.0).ceil() / 10.0;
        if tenths < 10.0 {
            return format!("{tenths:.1}{}", UNITS[unit]);
        }
    }
    format!("{}{}", value.ceil() as u64, UNITS[unit])
}

impl DfProc {
    fn print(&mut self, k: &mut Sys<'_>, now: SimTime) {
        let mut table = vec![[
            "Filesystem".to_owned(),
            if self.human { "Size" } else { "1K-blocks" }.to_owned(),
            "Used".to_owned(),
            if self.human { "Avail" } else { "Available" }.to_owned(),
            "Use%".to_owned(),
            "Mounted on".to_owned(),
        ]];
        let mut status = 0;
        for row in &self.rows {
            match &row.usage {
                Some(Ok(u)) => {
                    let used = u.total_bytes.saturating_sub(u.free_bytes);
                    let size = |b: u64| if self.human { human(b) } else { b.div_ceil(1024).to_string() };
                    let pct = if used + u.avail_bytes == 0 {
                        "-".to_owned()
                    } else {
                        format!("{}%", (used * 100).div_ceil(used + u.avail_bytes))
                    };
                    table.push([row.source.clone(), size(u.total_bytes), size(used), size(u.avail_bytes), pct, row.target.clone()]);
                }
                Some(Err(why)) => {
                    let _ = k.print(now, &self.stdio, Stream::Stderr, format!("df: ‘{}’: {why}", row.target));
                    status = 1;
                }
                None => {}
            }
        }
        // Each column is as wide as its widest cell, and at least as wide as df.c's
        // `field_data` says (14 for the source, 5 for sizes, 4 for the percentage).
        let width = |c: usize| table.iter().map(|r| r[c].chars().count()).max().unwrap_or(0).max(MIN_WIDTHS[c]);
        let w: Vec<usize> = (0..6).map(width).collect();
        for r in &table {
            let line = format!(
                "{:<w0$} {:>w1$} {:>w2$} {:>w3$} {:>w4$} {}",
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                r[5],
                w0 = w[0],
                w1 = w[1],
                w2 = w[2],
                w3 = w[3],
                w4 = w[4]
            );
            let _ = k.print(now, &self.stdio, Stream::Stdout, line);
        }
        k.exit_status(now, &self.stdio, status);
        self.exit = Some(Exit::Code(status));
    }
}

impl Process for DfProc {
    fn name(&self) -> &'static str {
        "df"
    }

    fn poll(&mut self, k: &mut Sys<'_>, now: SimTime) -> bool {
        if self.exit.is_some() {
            return false;
        }
        let mut moved = false;
        for row in &mut self.rows {
            if let Some(ticket) = row.ticket
                && let Some(reply) = k.file_reply(ticket)
            {
                row.ticket = None;
                row.usage = Some(match reply {
                    FileReply::StatFs(r) => r.map_err(|e| e.text().to_owned()),
                    _ => Err("Input/output error".to_owned()),
                });
                moved = true;
            }
        }
        if self.rows.iter().all(|r| r.usage.is_some()) {
            self.print(k, now);
            return true;
        }
        moved
    }

    fn poll_timeout(&self) -> Option<SimTime> {
        None
    }

    fn signal(&mut self, k: &mut Sys<'_>, now: SimTime, signal: Signal) {
        if self.exit.is_none() {
            for t in self.rows.iter().filter_map(|r| r.ticket) {
                k.file_forget(t);
            }
            self.exit = Some(Exit::Signal(signal));
            k.exit_status(now, &self.stdio, signal.exit_status());
        }
    }

    fn exit(&self) -> Option<Exit> {
        self.exit
    }

    fn unfinished(&self, _now: SimTime) -> Option<Unfinished> {
        self.exit.is_none().then(|| Unfinished { id: self.stdio.id, state: "waiting for the NFS server (statfs)".to_owned(), http: None })
    }
}
