//! A job: a typed line running, one pipeline after another, as bash runs it. Lists run in
//! order; `&&` and `||` look at the status of the pipeline before (`$?`); `for` loops set
//! their variable for each turn; a command substitution runs its list with its output
//! captured before the word it is in is expanded. A pipeline that starts a program holds the
//! job until it has ended, across simulated time; `sleep N` holds it for N seconds. Ctrl-C (the
//! end of the run) stops the job where it is.
//!
//! The job keeps its place on a stack of frames of its own (lists, and-or lists, loops,
//! substitutions), so nesting costs no recursion. One line may run at most [`MAX_COMMANDS`]
//! commands and loop turns and capture at most [`MAX_BYTES`] of command substitution output.

use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::Duration;

use super::expand::{Pending, Values};
use super::expand::{has_pattern, pathnames};
use super::pipeline::{Dest, Env, FilterStage, Kind, Running, Stage, Stdin};
use super::{Command, Ctx, MAX_COMMANDS, Output, coreutils};
use crate::host::kernel::{Fd, Stdio, Sys};
use crate::host::userland::Userland;
use crate::host::userland::process::{Invocation, Proc};
use crate::kernel::SimTime;
use crate::observe::trace::Stream;
use crate::proto::filters::{Filter, Input};
use crate::proto::sh::{Connector, ListId, Pipeline, Script, Target};

/// Most bytes of command substitution output one line may capture.
const MAX_BYTES: usize = 64 << 20;

/// Where a job is.
enum Frame {
    /// A list, at its next and-or list.
    List { list: ListId, next: usize },
    /// An and-or list, at its next pipeline.
    AndOr { list: ListId, item: usize, next: usize },
    /// A loop, with the values left.
    Loop { var: String, values: std::vec::IntoIter<String>, body: ListId, turns: usize },
    /// A command substitution, capturing its list's output.
    Capture { list: ListId, text: String },
}

/// A running job.
pub(crate) struct Job {
    id: usize,
    script: Rc<Script>,
    frames: Vec<Frame>,
    running: Option<Running>,
    /// Outputs of the command substitutions of the command about to run.
    substitutions: BTreeMap<ListId, String>,
    /// The status of the last command substitution (an assignment's status).
    substitution_status: Option<i32>,
    work: usize,
    warned: bool,
    done: bool,
    /// Set when a daemon, not the console, runs the line.
    child: Option<Box<Child>>,
}

/// A line a daemon runs as its child (keepalived's scripts): its own shell variables, who
/// hears its end, and when it is terminated if still running.
pub(crate) struct Child {
    /// The daemon's pid.
    pub(crate) owner: u32,
    /// The daemon's name for it.
    pub(crate) tag: u64,
    /// When it is terminated, if still running.
    pub(crate) deadline: Option<SimTime>,
    /// The child's shell variables (`$?`, `$PWD`), apart from the console's.
    pub(crate) vars: super::Vars,
}

/// What starting a pipeline did.
enum Step {
    /// A command substitution must run first.
    Pending(ListId),
    /// It runs.
    Started(Running),
    /// It is a loop.
    Loop(Frame),
    /// The line must stop here, saying why.
    Stop(String),
    /// The machine powered off.
    Gone,
}

impl Job {
    /// The job of a read line typed as console command `id`.
    pub(crate) fn new(id: usize, script: Script) -> Job {
        Job {
            id,
            script: Rc::new(script),
            frames: vec![Frame::List { list: 0, next: 0 }],
            running: None,
            substitutions: BTreeMap::new(),
            substitution_status: None,
            work: 0,
            warned: false,
            done: false,
            child: None,
        }
    }

    /// The job of `command` run as a daemon's child on a machine whose disk is `fs`. keepalived
    /// splits a script into words and execs the first (`system_call_script()` in keepalived's
    /// `lib/notify.c`): a command of the table runs as typed; `sh -c TEXT` (or `bash -c`) runs
    /// TEXT; a file starting with `#!` runs its lines. A line the shell cannot read ends at once
    /// with bash's status 2.
    pub(crate) fn spawned(fs: &crate::host::kernel::Fs, command: &str, mut child: Child) -> Job {
        let text = child_text(fs, command);
        match crate::proto::sh::read(&text) {
            Ok(script) => {
                let mut job = Job::new(crate::host::kernel::NO_CONSOLE, script);
                job.child = Some(Box::new(child));
                job
            }
            Err(_) => {
                child.vars.status = 2;
                let mut job = Job::new(crate::host::kernel::NO_CONSOLE, Script::default());
                job.child = Some(Box::new(child));
                job.done = true;
                job
            }
        }
    }

    /// The daemon's child this job is, if it is one.
    pub(crate) fn child_mut(&mut self) -> Option<&mut Child> {
        self.child.as_deref_mut()
    }

    /// Takes the daemon's child this job is, once it is over.
    pub(crate) fn take_child(&mut self) -> Option<Box<Child>> {
        self.child.take()
    }

    /// The pids of the programs it runs now.
    pub(crate) fn program_pids(&self) -> Vec<u32> {
        self.running.as_ref().map(Running::program_pids).unwrap_or_default()
    }

    /// Whether the line is one simple command other than `sleep`, which runs as it is typed
    /// (anything else starts at the host's next round).
    pub(crate) fn runs_at_once(&self) -> bool {
        let Some(list) = self.script.lists.first() else { return false };
        let [item] = list.items.as_slice() else { return false };
        let [crate::proto::sh::Command::Simple(simple)] = item.first.commands.as_slice() else { return false };
        item.rest.is_empty()
            && self.script.warnings.is_empty()
            && simple.words.first().and_then(|w| w.literal()).is_some_and(|w| w != "sleep")
    }

    pub(crate) fn is_done(&self) -> bool {
        self.done
    }

    /// The console command the job runs as.
    pub(crate) fn id(&self) -> usize {
        self.id
    }

    /// While the job sleeps: since when, and until when.
    pub(crate) fn asleep(&self) -> Option<(SimTime, SimTime)> {
        if self.done || self.child.is_some() { None } else { self.running.as_ref().and_then(Running::asleep) }
    }

    /// When the job next needs a poll without news (a `sleep` ends).
    pub(crate) fn poll_timeout(&self) -> Option<SimTime> {
        if self.done {
            return None;
        }
        let deadline = self.child.as_ref().and_then(|c| c.deadline);
        [self.running.as_ref().and_then(Running::poll_timeout), deadline].into_iter().flatten().min()
    }

    /// Ctrl-C: the job stops where it is; nothing more is read from its programs.
    pub(crate) fn interrupt(&mut self, k: &mut Sys<'_>) {
        if let Some(running) = self.running.as_mut() {
            running.interrupt(k);
        }
        self.running = None;
        self.done = true;
    }

    fn capturing(&self) -> bool {
        self.frames.iter().any(|f| matches!(f, Frame::Capture { .. }))
    }

    /// Counts `n` commands or loop turns; `Err` with the message once the line ran too many.
    fn count(&mut self, n: usize) -> Result<(), String> {
        self.work = self.work.saturating_add(n);
        if self.work > MAX_COMMANDS {
            return Err(format!("labsim: the line ran more than {MAX_COMMANDS} commands and loop turns; stopped"));
        }
        Ok(())
    }

    /// Adds captured lines to the innermost command substitution.
    fn capture(&mut self, lines: Vec<String>) -> Result<(), String> {
        let Some(Frame::Capture { text, .. }) = self.frames.iter_mut().rev().find(|f| matches!(f, Frame::Capture { .. })) else {
            return Ok(());
        };
        for line in lines {
            text.push_str(&line);
            text.push('\n');
        }
        if text.len() > MAX_BYTES {
            return Err(format!("labsim: command substitution output over {} MiB; stopped", MAX_BYTES >> 20));
        }
        Ok(())
    }

    /// Ends the line with a message.
    fn stop(&mut self, k: &mut Sys<'_>, now: SimTime, message: String) {
        k.console(now, self.id, Stream::Stderr, message);
        k.console_exit(now, self.id, 2);
        self.done = true;
        if let Some(running) = self.running.as_mut() {
            running.interrupt(k);
        }
        self.running = None;
    }
}

impl Userland {
    /// Moves `job` on as far as it goes at `now`; true if it moved. `exits` are the statuses of
    /// programs that ended since the last round.
    pub(super) fn run_job(&mut self, k: &mut Sys<'_>, now: SimTime, job: &mut Job, exits: &BTreeMap<u32, i32>) -> bool {
        let mut moved = false;
        if !job.warned {
            job.warned = true;
            for warning in &job.script.warnings {
                k.console(now, job.id, Stream::Stderr, warning.clone());
            }
        }
        let script = Rc::clone(&job.script);
        while !job.done {
            if let Some(running) = job.running.as_mut() {
                let env = Env { id: job.id, now, exits };
                moved |= running.poll(k, &env);
                let captured = std::mem::take(&mut running.captured);
                let over = running.is_over();
                if let Err(message) = job.capture(captured) {
                    job.stop(k, now, message);
                    return true;
                }
                if !over {
                    return moved;
                }
                let Some(running) = job.running.take() else { continue };
                let status = running.status();
                self.vars.status = status;
                if running.traces_exit && !job.capturing() {
                    k.console_exit(now, job.id, status);
                }
                continue;
            }
            // Only starting something is news for the rest of the machine: a job that merely
            // ends asks for no further round.
            let Some(frame) = job.frames.last_mut() else {
                job.done = true;
                break;
            };
            match frame {
                Frame::List { list, next } => {
                    let (list, item) = (*list, *next);
                    if item < script.lists[list].items.len() {
                        *next += 1;
                        job.frames.push(Frame::AndOr { list, item, next: 0 });
                    } else {
                        job.frames.pop();
                    }
                }
                Frame::AndOr { list, item, next } => {
                    let andor = &script.lists[*list].items[*item];
                    let n = *next;
                    let (connector, pipeline) = match n.checked_sub(1) {
                        None => (None, &andor.first),
                        Some(i) => match andor.rest.get(i) {
                            Some((c, p)) => (Some(*c), p),
                            None => {
                                job.frames.pop();
                                continue;
                            }
                        },
                    };
                    let skip = match connector {
                        Some(Connector::And) => self.vars.status != 0,
                        Some(Connector::Or) => self.vars.status == 0,
                        None => false,
                    };
                    if skip {
                        *next += 1;
                        continue;
                    }
                    match self.start_pipeline(k, now, job, &script, pipeline) {
                        Step::Pending(list) => {
                            job.frames.push(Frame::Capture { list, text: String::new() });
                            job.frames.push(Frame::List { list, next: 0 });
                        }
                        Step::Started(running) => {
                            advance(job);
                            job.running = Some(running);
                            moved = true;
                        }
                        Step::Loop(frame) => {
                            advance(job);
                            job.frames.push(frame);
                        }
                        Step::Stop(message) => {
                            job.stop(k, now, message);
                            moved = true;
                        }
                        Step::Gone => return true,
                    }
                }
                Frame::Loop { var, values, body, turns } => match values.next() {
                    Some(value) => {
                        let (var, body) = (var.clone(), *body);
                        *turns += 1;
                        self.vars.set(&var, value);
                        if let Err(message) = job.count(1) {
                            job.stop(k, now, message);
                            moved = true;
                        } else {
                            job.frames.push(Frame::List { list: body, next: 0 });
                        }
                    }
                    None => {
                        if *turns == 0 {
                            self.vars.status = 0;
                        }
                        job.frames.pop();
                    }
                },
                Frame::Capture { list, text } => {
                    let (list, text) = (*list, std::mem::take(text));
                    job.frames.pop();
                    job.substitutions.insert(list, text);
                    job.substitution_status = Some(self.vars.status);
                }
            }
        }
        moved
    }

    /// Expands a pipeline's words and starts its commands.
    fn start_pipeline(&mut self, k: &mut Sys<'_>, now: SimTime, job: &mut Job, script: &Script, pipeline: &Pipeline) -> Step {
        use crate::proto::sh::Command as Cmd;
        // Relative paths of the commands start from the shell's directory.
        k.fs_mut().set_cwd(self.vars.get("PWD"));
        let values = Values { vars: &self.vars, substitutions: &job.substitutions };
        let mut used = Vec::new();
        // A loop runs as frames of the job.
        if let [Cmd::For { var, words, body }] = pipeline.commands.as_slice() {
            let mut list = Vec::new();
            for w in words {
                match values.fields(w, MAX_COMMANDS) {
                    Ok(Ok(fields)) if has_pattern(w) => fields.iter().for_each(|f| list.extend(pathnames(k.fs(), f))),
                    Ok(Ok(fields)) => list.extend(fields),
                    Ok(Err(message)) => return Step::Stop(message),
                    Err(Pending(list)) => return Step::Pending(list),
                }
            }
            collect_substitutions(words.iter(), &mut used);
            used.iter().for_each(|l| {
                job.substitutions.remove(l);
            });
            return Step::Loop(Frame::Loop { var: var.clone(), values: list.into_iter(), body: *body, turns: 0 });
        }
        // Every word first: a substitution that has not run yet runs before anything starts.
        let mut commands = Vec::new();
        for command in &pipeline.commands {
            let Cmd::Simple(simple) = command else {
                return Step::Stop("labsim: a loop in a pipeline is not modelled".to_owned());
            };
            let mut fields = Vec::new();
            for w in &simple.words {
                match values.fields(w, MAX_COMMANDS) {
                    Ok(Ok(f)) if has_pattern(w) => f.iter().for_each(|f| fields.extend(pathnames(k.fs(), f))),
                    Ok(Ok(f)) => fields.extend(f),
                    Ok(Err(message)) => return Step::Stop(message),
                    Err(Pending(list)) => return Step::Pending(list),
                }
            }
            let mut assignments = Vec::new();
            for (name, w) in &simple.assignments {
                match values.text(w) {
                    Ok(v) => assignments.push((name.clone(), v)),
                    Err(Pending(list)) => return Step::Pending(list),
                }
            }
            let mut redirects = Vec::new();
            for r in &simple.redirects {
                let target = match &r.to {
                    Target::Read(w) => values.text(w).map(Redirect::Read),
                    Target::Write { file, append } => values.text(file).map(|f| Redirect::Write(r.fd, f, *append)),
                    Target::Both { file, append } => values.text(file).map(|f| Redirect::Both(f, *append)),
                    Target::Dup(m) => Ok(Redirect::Dup(r.fd, *m)),
                    Target::Here(slot) => match script.heres.get(*slot) {
                        Some(w) => values.text(w).map(Redirect::Here),
                        None => Ok(Redirect::Here(String::new())),
                    },
                };
                match target {
                    Ok(t) => redirects.push(t),
                    Err(Pending(list)) => {
                        // bash expands a here-document when it performs that redirection, after
                        // the ones before it: `cat > f <<EOF` with `$(cat f)` in it reads the
                        // file already truncated.
                        if matches!(r.to, Target::Here(_)) {
                            for before in &redirects {
                                if let Redirect::Write(_, path, false) | Redirect::Both(path, false) = before {
                                    open_file(k, now, path, false);
                                }
                            }
                        }
                        return Step::Pending(list);
                    }
                }
            }
            collect_substitutions(simple.words.iter().chain(simple.assignments.iter().map(|(_, w)| w)), &mut used);
            commands.push((fields, assignments, redirects));
        }
        used.iter().for_each(|l| {
            job.substitutions.remove(l);
        });
        if let Err(message) = job.count(commands.len()) {
            return Step::Stop(message);
        }
        let capturing = job.capturing();
        let single = commands.len() == 1;
        let mut running = Running::new(pipeline.bang, capturing);
        let count = commands.len();
        for (i, (fields, assignments, redirects)) in commands.into_iter().enumerate() {
            let last = i + 1 == count;
            let mut stage = Stage {
                kind: Kind::Done(0),
                out: if last { Dest::Sink } else { Dest::Next },
                err: Dest::Console,
                inbox: Default::default(),
            };
            // Bytes: `nc < FILE` sends a file as it is.
            let mut stdin: Option<(Vec<u8>, Option<u64>)> = None;
            let mut failed = None;
            for r in redirects {
                let named = match &r {
                    Redirect::Read(p) | Redirect::Write(_, p, _) | Redirect::Both(p, _) => Some(p.as_str()),
                    Redirect::Dup(..) | Redirect::Here(_) => None,
                };
                if let Some(message) = named.and_then(|p| refused_on_mount(k, p)) {
                    failed = Some(message);
                    break;
                }
                match r {
                    Redirect::Read(path) => match k.fs().read(&path) {
                        Some(f) => stdin = Some((f.contents.clone(), Some(f.contents.len() as u64))),
                        None => {
                            failed = Some(format!("bash: {path}: No such file or directory"));
                            break;
                        }
                    },
                    Redirect::Here(text) => stdin = Some((text.into_bytes(), None)),
                    Redirect::Write(fd, path, append) => {
                        let dest = open_file(k, now, &path, append);
                        if fd == 2 { stage.err = dest } else { stage.out = dest }
                    }
                    Redirect::Both(path, append) => {
                        let dest = open_file(k, now, &path, append);
                        stage.out = dest.clone();
                        stage.err = dest;
                    }
                    Redirect::Dup(n, m) => {
                        let copy = if m == 2 { stage.err.clone() } else { stage.out.clone() };
                        // fd 2 as a copy of a pipe or the sink keeps the stream apart for the console.
                        if n == 2 { stage.err = copy } else { stage.out = copy }
                    }
                }
            }
            let handoff = std::mem::take(&mut running.handoff);
            if let Some(message) = failed {
                running.stages.push(stage);
                running.route(k, &Env { id: job.id, now, exits: &BTreeMap::new() }, i, Stream::Stderr, message);
                running.stages[i].kind = Kind::Done(1);
                continue;
            }
            let Some((name, args)) = fields.split_first() else {
                // Assignments alone (or redirections alone).
                for (name, value) in assignments {
                    self.vars.set(&name, value);
                }
                stage.kind = Kind::Done(job.substitution_status.take().unwrap_or(0));
                running.stages.push(stage);
                continue;
            };
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let mut output = Output::default();
            let name = super::in_path(name);
            match self.lookup(name) {
                None => {
                    let (lines, status) = self.not_found(name);
                    lines.into_iter().for_each(|l| output.err(l));
                    stage.kind = Kind::Done(status);
                }
                Some(Command::Builtin(run)) => {
                    output = run(&mut Ctx { u: self, k, now, id: job.id, name }, &args);
                    if !k.is_powered() {
                        return Step::Gone;
                    }
                    // What the command changed (a link taken down) reaches the processes
                    // watching it before the command's prompt returns.
                    self.run_wakeups(k, now);
                    stage.kind = Kind::Done(output.status);
                }
                Some(Command::Sleep) => match args.first().and_then(|a| a.parse::<f64>().ok()).filter(|s| *s >= 0.0) {
                    Some(secs) => {
                        // `sleep infinity` (or any span past the end of time) never wakes.
                        stage.kind = Kind::Sleep { since: now, until: Duration::try_from_secs_f64(secs).map_or(SimTime::MAX, |d| now + d) };
                        if single {
                            running.traces_exit = false;
                        }
                    }
                    None => {
                        output = coreutils::sleep_usage();
                        stage.kind = Kind::Done(output.status);
                    }
                },
                Some(Command::Filter(start)) => stage.kind = start_filter(k, start, &args, stdin.take(), i, &mut output),
                Some(Command::FilterOrProgram(filter, follows, program)) => {
                    if follows(&args) {
                        if self.start_program(k, now, job.id, program, &args, single && !capturing, &mut stage, Vec::new()) {
                            running.traces_exit = false;
                        }
                    } else {
                        stage.kind = start_filter(k, filter, &args, stdin.take(), i, &mut output);
                    }
                }
                Some(Command::Program { start, reads_stdin }) => {
                    let input = match stdin.take() {
                        Some((bytes, _)) => bytes,
                        None if reads_stdin && i > 0 => {
                            if !running.stages[i - 1].is_finished() {
                                return Step::Stop(format!("labsim: {name} reading the output of a command still running is not modelled"));
                            }
                            handoff.iter().flat_map(|l| l.bytes().chain(std::iter::once(b'\n'))).collect()
                        }
                        None => Vec::new(),
                    };
                    if self.start_program(k, now, job.id, start, &args, single && !capturing, &mut stage, input) {
                        running.traces_exit = false;
                    }
                }
            }
            if let Kind::Filter(f) = &stage.kind
                && matches!(f.stdin, Stdin::Pipe)
            {
                stage.inbox = handoff.into();
            }
            running.stages.push(stage);
            let env = Env { id: job.id, now, exits: &BTreeMap::new() };
            for (stream, line) in output.lines {
                running.route(k, &env, i, stream, line);
            }
        }
        Step::Started(running)
    }

    /// Starts a program as stage `stage`: its output to the console when `alone` and not
    /// redirected, else into pipes the pipeline reads. True if the program reports the console
    /// command's exit status itself.
    #[allow(clippy::too_many_arguments)]
    fn start_program(
        &mut self,
        k: &mut Sys<'_>,
        now: SimTime,
        id: usize,
        start: crate::host::userland::process::StartProgram,
        args: &[&str],
        alone: bool,
        stage: &mut Stage,
        stdin: Vec<u8>,
    ) -> bool {
        let pipe_for = |dest: &Dest, k: &mut Sys<'_>| match dest {
            Dest::Sink if alone => (Fd::Console, None),
            Dest::Console => (Fd::Console, None),
            Dest::Null => (Fd::Null, None),
            _ => {
                let p = k.pipe_open();
                (Fd::Pipe(p), Some(p))
            }
        };
        let (out, out_pipe) = pipe_for(&stage.out, k);
        let (err, err_pipe) = pipe_for(&stage.err, k);
        let reports_exit = alone && out == Fd::Console && err == Fd::Console;
        let stdio = Stdio { id, out, err, reports_exit };
        let pid = self.next_pid;
        self.next_pid += 1;
        let on_console = id != crate::host::kernel::NO_CONSOLE;
        // A daemon's child inherits the daemon's limit, which no console `ulimit` changed.
        let nofile = if on_console { self.nofile } else { self.os.spec().nofile };
        let status = match start(k, Invocation { now, stdio, pid, args, stdin, os: self.os, nofile }) {
            Ok(process) => {
                let args = args.iter().map(|a| (*a).to_owned()).collect();
                self.programs.push(Proc { pid, npids: 1, started: now, args, on_console, process });
                None
            }
            // Over at once; whatever it opened closes with it.
            Err(status) => {
                k.exit_process(pid);
                Some(status)
            }
        };
        stage.kind = Kind::Program { pid, out: out_pipe, err: err_pipe, status };
        reports_exit
    }
}

/// What a daemon's child runs: `sh -c TEXT`'s TEXT, a `#!` file's lines, or the command itself.
fn child_text(fs: &crate::host::kernel::Fs, command: &str) -> String {
    let trimmed = command.trim_start();
    for shell in ["sh", "/bin/sh", "bash", "/bin/bash", "/usr/bin/bash", "/usr/bin/sh"] {
        if let Some(rest) = trimmed.strip_prefix(shell).and_then(|r| r.trim_start().strip_prefix("-c ")) {
            let rest = rest.trim();
            for q in ['\'', '"'] {
                if let Some(inner) = rest.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
                    return inner.to_owned();
                }
            }
            return rest.to_owned();
        }
    }
    let first = trimmed.split_whitespace().next().unwrap_or_default();
    if first.starts_with('/')
        && let Some(file) = fs.read(first)
        && file.contents.starts_with(b"#!")
    {
        let text = String::from_utf8_lossy(&file.contents);
        return text.split_once('\n').map_or(String::new(), |(_, body)| body.to_owned());
    }
    command.to_owned()
}

/// Moves the and-or list on the top of the stack to its next pipeline.
fn advance(job: &mut Job) {
    if let Some(Frame::AndOr { next, .. }) = job.frames.last_mut() {
        *next += 1;
    }
}

/// The command substitutions directly in `words`.
fn collect_substitutions<'a>(words: impl Iterator<Item = &'a crate::proto::sh::Word>, used: &mut Vec<ListId>) {
    for w in words {
        for part in &w.parts {
            if let crate::proto::sh::Part::Subst { list, .. } = part {
                used.push(*list);
            }
        }
    }
}

/// A redirection with its words expanded.
enum Redirect {
    Read(String),
    Write(u32, String, bool),
    Both(String, bool),
    Dup(u32, u32),
    Here(String),
}

/// What bash would say about a file a redirection names on an NFS mount: labsim's shell
/// reads and writes the local disk only (Apache, `cat` and the filters read through the mount).
fn refused_on_mount(k: &Sys<'_>, path: &str) -> Option<String> {
    k.on_nfs_mount(path).then(|| format!("bash: {path}: labsim does not model redirections to or from a file on an NFS mount"))
}

/// Opens a file for output as bash does before the command runs: `>` truncates it now;
/// `/dev/null` swallows everything.
fn open_file(k: &mut Sys<'_>, now: SimTime, path: &str, append: bool) -> Dest {
    if path == "/dev/null" {
        return Dest::Null;
    }
    if !append || k.fs().read(path).is_none() {
        if append {
            k.fs_mut().append(path, b"", now);
        } else {
            k.fs_mut().write(path, Vec::new(), now);
        }
    }
    Dest::File(path.to_owned())
}

/// Starts filter `start` as stage `i`: its standard input is a redirection's text, the previous
/// stage's output (already `handoff`, more to come), or, first in the line, the terminal.
fn start_filter(
    k: &mut Sys<'_>,
    start: crate::proto::filters::StartFilter,
    args: &[&str],
    stdin: Option<(Vec<u8>, Option<u64>)>,
    i: usize,
    output: &mut Output,
) -> Kind {
    let mut filter: Box<dyn Filter> = match start(args) {
        Ok(f) => f,
        Err(e) => {
            for line in e.lines {
                output.err(line);
            }
            return Kind::Done(e.status);
        }
    };
    let (stdin, stdin_size) = match stdin {
        Some((bytes, size)) => (Stdin::Text(String::from_utf8_lossy(&bytes).into_owned()), size),
        None if i > 0 => (Stdin::Pipe, None),
        None => (Stdin::Terminal, None),
    };
    let inputs = filter.inputs().to_vec();
    for (n, input) in inputs.iter().enumerate() {
        let size = match input {
            Input::Stdin => stdin_size,
            Input::File(path) => k.fs().read(path).map(|f| f.contents.len() as u64),
        };
        filter.stat(n, size);
    }
    Kind::Filter(Box::new(FilterStage { filter, next_input: 0, stdin, began: false, broken: false, reading: None, status: None }))
}
