//! The vocabulary of userland: the [`Process`] trait every daemon and console program
//! implements, signals and exits, and the two kinds of table row that make a program known to
//! the machine: a [`UnitSpec`] (a systemd service, `systemctl start NAME`) and a console
//! program's start function, which receives an [`Invocation`] (`ping …` typed at the prompt).

use crate::host::kernel::{Fs, NoFile, Stdio, Sys, Workers};
use crate::host::userland::os::Os;
use crate::kernel::SimTime;
use crate::observe::trace::Stream;
use crate::proto::Stream as ToolStream;

/// Signals processes understand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Signal {
    /// SIGHUP: reload the configuration (nginx), or hang up (console programs die of it).
    Hup,
    /// SIGINT: Ctrl-C.
    Int,
    /// SIGKILL: the process vanishes at once.
    Kill,
    /// SIGPIPE: it wrote to a pipe nobody reads; it dies.
    Pipe,
    /// SIGTERM: orderly shutdown.
    Term,
    /// SIGUSR1: the program's own meaning (Apache: graceful restart); it kills a program that
    /// set no handler.
    Usr1,
    /// SIGWINCH: the terminal changed size; ignored unless a handler is set (Apache: graceful
    /// stop).
    Winch,
}

impl Signal {
    /// The signal's number on Linux.
    pub(crate) fn number(self) -> i32 {
        match self {
            Signal::Hup => 1,
            Signal::Int => 2,
            Signal::Kill => 9,
            Signal::Pipe => 13,
            Signal::Term => 15,
            Signal::Usr1 => 10,
            Signal::Winch => 28,
        }
    }

    /// Whether its default action is to ignore it (signal(7): SIGWINCH's is `Ign`), so that a
    /// program without a handler for it goes on as if nothing came.
    pub(crate) fn ignored_by_default(self) -> bool {
        self == Signal::Winch
    }

    /// The exit status the shell shows for a process killed by this signal (128 + its number).
    pub(crate) fn exit_status(self) -> i32 {
        128 + self.number()
    }
}

/// How a process ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Exit {
    /// It exited with this status.
    Code(i32),
    /// A signal killed it.
    Signal(Signal),
}

impl Exit {
    /// The exit status the shell sees (`$?`): the code, or 128 + the signal's number.
    pub(crate) fn status(self) -> i32 {
        match self {
            Exit::Code(code) => code,
            Exit::Signal(signal) => signal.exit_status(),
        }
    }
}

/// A running program: a daemon of a unit or a console program. It owns its sockets and its
/// sans-IO core, and moves bytes and time between them; it reaches the machine only through
/// the system calls ([`Sys`]) it is handed.
pub(crate) trait Process {
    /// Its command name, as `pidof` and `killall` know it.
    fn name(&self) -> &'static str;

    /// Runs it: reads its sockets, fires due timers, carries out what its core decided. True if
    /// it did anything (the host then polls once more at the same instant).
    fn poll(&mut self, k: &mut Sys<'_>, now: SimTime) -> bool;

    /// When it next needs [`Process::poll`] without new input.
    fn poll_timeout(&self) -> Option<SimTime>;

    /// A signal, each program handling it its own way (ping prints its statistics on SIGINT).
    fn signal(&mut self, k: &mut Sys<'_>, now: SimTime, signal: Signal);

    /// A signal sent to one of its pids (`kill PID`); a program whose processes all act as one
    /// takes it as [`Process::signal`].
    fn signal_pid(&mut self, k: &mut Sys<'_>, now: SimTime, _pid: u32, signal: Signal) {
        self.signal(k, now, signal);
    }

    /// Its live pids, when they are not the consecutive ones it started with (keepalived's
    /// parent or child gone, its child respawned).
    fn pids(&self) -> Option<Vec<u32>> {
        None
    }

    /// Whether it forks a process now (keepalived's parent respawning its VRRP child); the
    /// process table then hands it a pid through [`Process::forked`].
    fn wants_fork(&self) -> bool {
        false
    }

    /// The process it forked got `pid`.
    fn forked(&mut self, _k: &mut Sys<'_>, _now: SimTime, _pid: u32) {}

    /// How it ended, once it has; `None` while it runs.
    fn exit(&self) -> Option<Exit>;

    /// How many consecutive pids it took when it started, when that depends on its configuration
    /// (nginx: a master and `worker_processes` workers); `None` for its unit's fixed count.
    fn pid_count(&self) -> Option<u32> {
        None
    }

    /// How many tasks (threads) its processes hold (systemd's `Tasks:`); `None`: one per pid.
    fn tasks(&self) -> Option<u32> {
        None
    }

    /// The status text it last told systemd (`sd_notify(3)`'s `STATUS=`, `systemctl status`'s
    /// `Status:`), as of `now`.
    fn status_text(&self, _now: SimTime) -> Option<String> {
        None
    }

    /// Since when it has been shutting down (SIGTERM taken, not exited yet).
    fn stopping_since(&self) -> Option<SimTime> {
        None
    }

    /// Its pool of workers, for the capacity report when the host's cost model is on (Apache:
    /// threads serving a request of `MaxRequestWorkers`; nginx: connections of
    /// `worker_connections` × workers); `None` for a daemon without one.
    fn workers(&self) -> Option<Workers> {
        None
    }

    /// Its protocol state in a few words for the lab's view (keepalived: `VI_1 MASTER`).
    fn summary(&self) -> Option<String> {
        None
    }

    /// What a console program still running at `now`, the end of the run, was doing (the
    /// report's "still running" section); `None` for a daemon.
    fn unfinished(&self, _now: SimTime) -> Option<Unfinished> {
        None
    }

    /// Command lines it wants run as its children (keepalived's `vrrp_script`s and notify
    /// scripts, forked and exec'd), each taken once.
    fn take_spawns(&mut self) -> Vec<Spawn> {
        Vec::new()
    }

    /// A child started from [`Process::take_spawns`] with `tag` ended (`waitpid`).
    fn child_exited(&mut self, _k: &mut Sys<'_>, _now: SimTime, _tag: u64, _exit: ChildExit) {}
}

/// A command line a process runs as its child: the shell runs it with its output to
/// `/dev/null`, and the process hears how it ended through [`Process::child_exited`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Spawn {
    /// The process's own name for the child.
    pub(crate) tag: u64,
    /// The command line.
    pub(crate) command: String,
    /// When the child is still running this long after it started, it is terminated
    /// (SIGTERM to its process group) and reported as [`ChildExit::TimedOut`].
    pub(crate) timeout: Option<std::time::Duration>,
}

/// How a spawned child ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ChildExit {
    /// It exited with this status (`WEXITSTATUS`).
    Code(i32),
    /// It outlived its timeout and was terminated.
    TimedOut,
}

/// What a console program was doing when the run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Unfinished {
    /// The console command it belongs to.
    pub(crate) id: usize,
    /// Where it stood, in words (`request sent, no response after 20.000000 s`).
    pub(crate) state: String,
    /// An HTTP transfer's URL and the status it got so far, if any.
    pub(crate) http: Option<(String, Option<u16>)>,
}

/// Why a daemon did not start, or why its own command (`nginx -s reload`) gave up on its
/// configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum StartError {
    /// It printed these lines and exited with an error status.
    Exit(Vec<String>),
    /// It died of SIGSEGV while reading its configuration, having printed nothing.
    Segfault,
}

/// How a unit's daemon starts: with its first pid at `now`; `Err` says how its start command
/// refused to start.
pub(crate) type StartDaemon = fn(&mut Sys<'_>, SimTime, u32) -> Result<Box<dyn Process>, StartError>;

/// What a daemon says about its configuration files when it reads them: the file, the line (0
/// when the message is not tied to one) and the line the daemon prints, without its pid.
pub(crate) type ConfigNote = (String, usize, String);

/// A systemd service: one row of the unit table.
pub(crate) struct UnitSpec {
    /// The unit's short name (`keepalived` for `keepalived.service`).
    pub(crate) name: &'static str,
    /// Its `Description=`.
    pub(crate) description: &'static str,
    /// The file or directory whose presence means the package is installed.
    pub(crate) package_marker: &'static str,
    /// Files the package installs when the scenario did not provide them (path, contents).
    pub(crate) package_files: &'static [(&'static str, &'static str)],
    /// Its `Documentation=` (`systemctl status`'s `Docs:`).
    pub(crate) docs: &'static [&'static str],
    /// The command line of each of its processes as `systemctl status` lists them under
    /// `CGroup:`, in pid order; the last one stands for the rest (nginx's workers). Empty: no
    /// process of its own (a oneshot unit).
    pub(crate) command_lines: &'static [&'static str],
    /// How many consecutive pids the daemon takes (a master and its worker), unless the process
    /// says otherwise once started ([`Process::pid_count`]).
    pub(crate) pids: u32,
    /// Its unit file's `Alias=`, linked by `enable` beside the `multi-user.target.wants` link.
    pub(crate) alias: Option<&'static str>,
    /// `After=remote-fs.target`: at boot it starts once the NFS mounts of fstab are done.
    pub(crate) after_remote_fs: bool,
    /// The units it needs (`Requires=` and `After=`): installed with it, started before it.
    pub(crate) requires: &'static [&'static str],
    /// The user each of its processes runs as, in pid order as `command_lines` (the last
    /// stands for the rest: the workers a root parent forks under its configured `User`).
    pub(crate) users: &'static [&'static str],
    /// What `systemctl stop` sends its main process: its `ExecStop=` where that is a signal
    /// (httpd.service: `/bin/kill -WINCH ${MAINPID}`), else `KillSignal=` (SIGTERM).
    pub(crate) stop_signal: Signal,
    /// What `systemctl reload` does (its `ExecReload=`).
    pub(crate) reload: Reload,
    /// Starts the daemon.
    pub(crate) start: StartDaemon,
    /// What it would say about its configuration, read from this disk, when it starts.
    pub(crate) check: fn(&Fs) -> Vec<ConfigNote>,
}

/// A unit's `ExecReload=`, as `systemctl reload` carries it out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reload {
    /// None: systemd refuses the job ("Job type reload is not applicable").
    NotApplicable,
    /// A command that sends the main process this signal (`/bin/kill -HUP $MAINPID`,
    /// `httpd -k graceful`).
    Signal(Signal),
    /// A console command, run with these words (nfs-server.service's `/usr/sbin/exportfs -r`).
    Command(&'static [&'static str]),
    /// The unit's init script, whose `reload` is its `restart` (initscripts' `network`).
    Restart,
}

/// How a console program starts: its process, or, when it was over at once (a usage error, a
/// name that does not resolve), the exit status it printed its reasons with.
pub(crate) type StartProgram = fn(&mut Sys<'_>, Invocation<'_>) -> Result<Box<dyn Process>, i32>;

/// What a console program is started with.
pub(crate) struct Invocation<'a> {
    /// When it was typed.
    pub(crate) now: SimTime,
    /// Where its output goes, and the console command it belongs to.
    pub(crate) stdio: Stdio,
    /// Its pid.
    pub(crate) pid: u32,
    /// The words after the program's name.
    pub(crate) args: &'a [&'a str],
    /// Its standard input (`< FILE`, a here-document, or what the pipeline's earlier commands
    /// printed before it started).
    pub(crate) stdin: Vec<u8>,
    /// The operating system it runs on (which build of a tool it is).
    pub(crate) os: Os,
    /// Its open-file limit, inherited from the shell that starts it.
    pub(crate) nofile: NoFile,
}

impl From<ToolStream> for Stream {
    /// A tool core's console stream as the trace records it.
    fn from(stream: ToolStream) -> Stream {
        match stream {
            ToolStream::Stdout => Stream::Stdout,
            ToolStream::Stderr => Stream::Stderr,
        }
    }
}

/// A console program that is over at once prints `lines` on stderr and ends with `status` (a
/// usage error); returns the status for its start function.
pub(crate) fn fail(k: &mut Sys<'_>, now: SimTime, stdio: &Stdio, lines: Vec<String>, status: i32) -> i32 {
    for line in lines {
        // Nobody reading its stderr changes nothing: it is exiting anyway.
        let _ = k.print(now, stdio, Stream::Stderr, line);
    }
    k.exit_status(now, stdio, status);
    status
}

/// A process in the table: its pids (a master and its workers share a group), when it started,
/// and the program itself.
pub(crate) struct Proc {
    /// Its first pid.
    pub(crate) pid: u32,
    /// How many consecutive pids it holds.
    pub(crate) npids: u32,
    /// When it started.
    pub(crate) started: SimTime,
    /// The words it was started with after its name (a console program's; a daemon's command
    /// lines are its unit's).
    pub(crate) args: Vec<String>,
    /// Whether it runs on the console's terminal (typed there; not a daemon or a daemon's child).
    pub(crate) on_console: bool,
    /// The program.
    pub(crate) process: Box<dyn Process>,
}

impl Proc {
    /// Whether `pid` is one of its live pids.
    pub(crate) fn has_pid(&self, pid: u32) -> bool {
        self.pids().contains(&pid)
    }

    /// Its live pids, in order.
    pub(crate) fn pids(&self) -> Vec<u32> {
        self.process.pids().unwrap_or_else(|| (self.pid..self.pid + self.npids).collect())
    }
}
