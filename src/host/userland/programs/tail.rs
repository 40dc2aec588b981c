//! `tail -f FILE…` (GNU coreutils 9.1): the last lines of each file, then whatever is appended
//! to it, as it is appended, until the command is interrupted (`pkill tail`, or Ctrl-C at the
//! end of the run). It follows the file it opened (`--follow=descriptor`, the default): a log
//! rotated away keeps being read under its new name, and a file truncated in place is read
//! again from its start after `tail: FILE: file truncated`.

use super::streams::Streams;
use crate::host::kernel::Sys;
use crate::host::userland::process::{Exit, Invocation, Process, Signal, Unfinished, fail};
use crate::kernel::SimTime;
use crate::observe::trace::Stream;
use crate::proto::filters::{Input, tail_args};
use crate::proto::lines::LineBuffer;

/// Whether `tail`'s arguments make it follow files (`-f` with at least one file); with only its
/// standard input, `-f` changes nothing and `tail` is a filter.
pub(crate) fn follows(args: &[&str]) -> bool {
    tail_args(args).is_ok_and(|a| a.follow && a.inputs.iter().any(|i| matches!(i, Input::File(_))))
}

/// One followed file: its inode, where it was read to, and its unfinished last line.
struct Followed {
    name: String,
    ino: u64,
    offset: usize,
    partial: LineBuffer,
}

struct Tail {
    out: Streams,
    files: Vec<Followed>,
    headers: bool,
    /// The file whose header was printed last.
    last_header: Option<usize>,
}

pub(crate) fn start(k: &mut Sys<'_>, run: Invocation<'_>) -> Result<Box<dyn Process>, i32> {
    let Invocation { now, stdio, args, .. } = run;
    let parsed = match tail_args(args) {
        Ok(a) => a,
        Err(e) => return Err(fail(k, now, &stdio, e.lines, e.status)),
    };
    let count = usize::try_from(parsed.lines).unwrap_or(usize::MAX);
    let mut t = Tail { out: Streams::new(stdio), files: Vec::new(), headers: parsed.headers, last_header: None };
    let mut printed_any = false;
    for input in &parsed.inputs {
        let Input::File(name) = input else { continue };
        let Some(file) = k.fs().read(name) else {
            let why = if k.fs().is_dir(name) { "error reading" } else { "cannot open" };
            let line = if why == "error reading" {
                format!("tail: error reading '{name}': Is a directory")
            } else {
                format!("tail: cannot open '{name}' for reading: No such file or directory")
            };
            t.out.say(k, now, Stream::Stderr, line);
            continue;
        };
        let text = String::from_utf8_lossy(&file.contents).into_owned();
        let (ino, offset) = (file.ino, file.contents.len());
        let mut partial = LineBuffer::default();
        if !text.ends_with('\n')
            && let Some(last) = text.rsplit('\n').next()
        {
            partial.push(last.as_bytes(), |_| {});
        }
        if t.headers {
            if printed_any {
                t.out.say(k, now, Stream::Stdout, String::new());
            }
            t.out.say(k, now, Stream::Stdout, format!("==> {name} <=="));
            t.last_header = Some(t.files.len());
        }
        printed_any = true;
        let lines: Vec<&str> = text.lines().collect();
        for line in &lines[lines.len().saturating_sub(count)..] {
            t.out.say(k, now, Stream::Stdout, (*line).to_owned());
        }
        t.files.push(Followed { name: name.clone(), ino, offset, partial });
    }
    if t.files.is_empty() {
        return Err(fail(k, now, &t.out.stdio, vec!["tail: no files remaining".to_owned()], 1));
    }
    match t.out.exit {
        None => Ok(Box::new(t)),
        Some(exit) => Err(exit.status()),
    }
}

impl Process for Tail {
    fn name(&self) -> &'static str {
        "tail"
    }

    fn poll(&mut self, k: &mut Sys<'_>, now: SimTime) -> bool {
        let mut out: Vec<(usize, Stream, String)> = Vec::new();
        for (i, f) in self.files.iter_mut().enumerate() {
            let fs = k.fs();
            // The file it opened, wherever it is now.
            let file = match fs.read(&f.name) {
                Some(file) if file.ino == f.ino => Some(file),
                _ => fs.path_of(f.ino).and_then(|path| fs.read(&path)),
            };
            let Some(file) = file else { continue };
            if file.contents.len() < f.offset {
                out.push((i, Stream::Stderr, format!("tail: {}: file truncated", f.name)));
                f.offset = 0;
                f.partial = LineBuffer::default();
            }
            if file.contents.len() == f.offset {
                continue;
            }
            let new = &file.contents[f.offset..];
            f.offset = file.contents.len();
            f.partial.push(new, |line| out.push((i, Stream::Stdout, String::from_utf8_lossy(line).into_owned())));
        }
        let moved = !out.is_empty();
        for (i, stream, line) in out {
            if self.headers && stream == Stream::Stdout && self.last_header != Some(i) {
                self.out.say(k, now, Stream::Stdout, String::new());
                let name = self.files[i].name.clone();
                self.out.say(k, now, Stream::Stdout, format!("==> {name} <=="));
                self.last_header = Some(i);
            }
            self.out.say(k, now, stream, line);
        }
        moved
    }

    fn poll_timeout(&self) -> Option<SimTime> {
        None
    }

    /// Every signal it gets ends it.
    fn signal(&mut self, k: &mut Sys<'_>, now: SimTime, signal: Signal) {
        self.out.end(k, now, Exit::Signal(signal));
    }

    fn exit(&self) -> Option<Exit> {
        self.out.exit
    }
    fn unfinished(&self, _now: SimTime) -> Option<Unfinished> {
        self.out.unfinished(|| {
            let names: Vec<&str> = self.files.iter().map(|f| f.name.as_str()).collect();
            format!("following {}", names.join(", "))
        })
    }
}
