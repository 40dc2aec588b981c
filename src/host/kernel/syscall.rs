//! The system calls: everything a process may ask of the kernel, and nothing else. The host
//! drives the kernel itself (frames in and out, the stack's rounds, power on, NICs); the
//! userland gets a [`Sys`] over it, and the types that cross the boundary are defined here: socket
//! handles, what a socket reports, the addresses and NICs a process may look at.
//!
//! The calls are grouped as a manual page would list them: identity and clocks, the console and
//! syslog, files, SELinux, network configuration (`ip`), TCP sockets, raw sockets and link
//! notifications, and the process table's share (closing what a process held when it exits, the wake-up list,
//! powering off).

use std::net::Ipv4Addr;
use std::time::Duration;

use smoltcp::iface::SocketHandle;

use super::Kernel;
use super::fs::Fs;
use crate::kernel::{Calendar, SimTime};
use crate::observe::trace::{Stream, TraceKind};
use crate::proto::errno::Errno;
use crate::proto::firewalld::Zone;
use crate::proto::neigh::EntryView;
use crate::proto::nfs::client::MountInfo;
use crate::proto::selinux::Mode;
use crate::proto::selinux::booleans::Booleans;
use crate::proto::selinux::tools::SetBooleans;

/// A TCP socket of a process (a file descriptor, in Linux terms).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct TcpSocket(pub(super) SocketHandle);

impl TcpSocket {
    /// Its slot in the kernel's socket table: small, and reused once the socket is gone.
    pub(crate) fn slot(self) -> usize {
        self.0.index()
    }
}

/// A listening TCP socket of a process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TcpListener(pub(super) u32);

/// The TCP settings of a kernel version that show on the wire (sysctl defaults).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TcpSysctl {
    /// `net.core.somaxconn`: the cap on a listen backlog.
    pub(crate) somaxconn: usize,
    /// `net.ipv4.tcp_syn_retries`.
    pub(crate) syn_retries: u32,
    /// `net.ipv4.tcp_syn_linear_timeouts` (Linux 6.5 and later; none before).
    pub(crate) syn_linear_timeouts: u32,
}

impl TcpSysctl {
    /// Linux 6.x: somaxconn 4096 (since 5.4), 6 SYN retries after 4 linear ones (since 6.5).
    pub(crate) const LINUX_6: TcpSysctl = TcpSysctl { somaxconn: 4096, syn_retries: 6, syn_linear_timeouts: 4 };
    /// Linux 3.10 (CentOS 7): somaxconn 128, 6 exponentially backed-off SYN retries.
    pub(crate) const LINUX_3_10: TcpSysctl = TcpSysctl { somaxconn: 128, syn_retries: 6, syn_linear_timeouts: 0 };
}

/// A UDP socket of a process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct UdpSocket(pub(super) SocketHandle);

/// What a look at a TCP socket would find, compared rather than read: its state, the bytes
/// waiting to be read and to be acknowledged, and the kernel's marks (connect failed and how,
/// once established). Two equal snapshots mean that nothing happened to the socket in between (no
/// segment changed it, no timer moved its state), as `epoll` would report no event for it; an
/// owner that found nothing to do at the first may skip the socket until it differs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TcpSnapshot {
    pub(super) socket: Option<(smoltcp::socket::tcp::State, usize, usize)>,
    pub(super) marks: (Option<TcpStatus>, bool),
}

/// Where a connection stands, as its owner sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TcpStatus {
    /// SYN sent, no answer yet.
    Connecting,
    /// Data may flow.
    Open,
    /// The peer sent its FIN: no more data will come.
    PeerClosed,
    /// The connect was answered with a RST (ECONNREFUSED).
    Refused,
    /// The connect gave up after its SYN retransmissions (ETIMEDOUT: 131 s on Linux 6.x, 127 s
    /// on CentOS 7's 3.10, see `tcp::SynSchedule`).
    TimedOut,
    /// The connect failed because the next hop did not answer ARP (EHOSTUNREACH).
    Unreachable,
    /// The connection was reset after it was established (ECONNRESET), or is gone.
    Reset,
}

/// A pipe of a process's standard output or error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct PipeId(pub(super) u32);

/// The reading end of a pipe was closed (EPIPE).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct BrokenPipe;

/// One line of the journal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct JournalEntry {
    /// When it was logged.
    pub(crate) at: SimTime,
    /// The syslog identifier (`Keepalived_vrrp`).
    pub(crate) ident: String,
    /// The process.
    pub(crate) pid: u32,
    /// The unit the process runs in (`keepalived`), as journald reads it from its cgroup.
    pub(crate) unit: Option<&'static str>,
    /// The message.
    pub(crate) line: String,
}

impl JournalEntry {
    /// What it counts for against the journal's size limit.
    pub(crate) fn size(&self) -> usize {
        // Fields and their names, roughly as journald stores them.
        64 + self.ident.len() + self.line.len()
    }
}

/// Where one of a console program's output descriptors leads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fd {
    /// The terminal: the console of the command.
    Console,
    /// A pipe the shell reads.
    Pipe(PipeId),
    /// `/dev/null`.
    Null,
}

/// The command number of a line no console typed: a daemon's child (keepalived's scripts), whose
/// output and exit the console never shows.
pub(crate) const NO_CONSOLE: usize = usize::MAX;

/// A process's `RLIMIT_NOFILE`: a process holding `soft` descriptors gets EMFILE from
/// `socket()`; `hard` bounds `soft`, and only a privileged process raises it (up to
/// [`NR_OPEN`]). A process inherits its parent's; a shell's are what `ulimit -n` shows and sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct NoFile {
    pub(crate) soft: u64,
    pub(crate) hard: u64,
}

/// `fs.nr_open`, the kernel's default (1024 × 1024): no `RLIMIT_NOFILE` goes above it, root's
/// neither (`do_prlimit`: EPERM).
pub(crate) const NR_OPEN: u64 = 1_048_576;

impl NoFile {
    /// `setrlimit(RLIMIT_NOFILE, new)` by root, as `do_prlimit` checks it: a soft limit above the
    /// hard one is EINVAL, a hard one above [`NR_OPEN`] EPERM (root may raise its hard limit up
    /// to there: it has `CAP_SYS_RESOURCE`).
    pub(crate) fn set(new: NoFile) -> Result<NoFile, Errno> {
        if new.soft > new.hard {
            return Err(Errno::Inval);
        }
        if new.hard > NR_OPEN {
            return Err(Errno::Perm);
        }
        Ok(new)
    }
}

/// A console program's standard output and error, the command it belongs to, and whether its
/// exit status is the command's (a program alone on its line reports its own exit status when
/// it ends; in a pipeline, the shell reports the pipeline's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Stdio {
    /// The console command's number in the run.
    pub(crate) id: usize,
    /// Standard output.
    pub(crate) out: Fd,
    /// Standard error.
    pub(crate) err: Fd,
    /// Whether the program's exit status ends the console command.
    pub(crate) reports_exit: bool,
}

/// A file system call that may have to wait (its path is on an NFS mount).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum FileCall {
    /// `stat()`.
    Stat(String),
    /// `open()`, read to the end, `close()`.
    Read(String),
    /// `statfs()` of the file system holding the path.
    StatFs(String),
}

/// What a [`FileCall`] returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum FileReply {
    /// `stat()`'s result.
    Stat(Result<FileStat, Errno>),
    /// The file's attributes when opened, and its bytes.
    Read(Result<(FileStat, Vec<u8>), Errno>),
    /// The file system's size and use.
    StatFs(Result<FsUsage, Errno>),
}

/// What `statfs()` says, in bytes and inodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FsUsage {
    /// Size.
    pub(crate) total_bytes: u64,
    /// Free.
    pub(crate) free_bytes: u64,
    /// Free to unprivileged users.
    pub(crate) avail_bytes: u64,
}

/// What `stat()` says about a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FileStat {
    /// A directory.
    pub(crate) is_dir: bool,
    /// Bytes.
    pub(crate) size: u64,
    /// Last modification, µs since the Unix epoch.
    pub(crate) mtime_unix_us: u64,
    /// Inode number.
    pub(crate) ino: u64,
}

/// A call's reply, or the ticket to collect it with once it has come.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Pending<T> {
    /// Answered at once.
    Ready(T),
    /// Answered later: [`Sys::file_reply`].
    Wait(Ticket),
}

/// What `mount` asks the kernel (mount(2) with the options mount.nfs prepared).
pub(crate) struct MountRequest {
    /// The directory mounted on.
    pub(crate) target: String,
    /// `server:/export`, as written.
    pub(crate) source: String,
    /// The server's address.
    pub(crate) server: Ipv4Addr,
    /// mountd's port (for `/proc/mounts`).
    pub(crate) mountport: u16,
    /// The root handle and options.
    pub(crate) info: MountInfo,
}

/// A mounted file system, as `/proc/mounts` lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct MountView {
    /// What is mounted (`192.168.20.204:/web`).
    pub(crate) source: String,
    /// Where.
    pub(crate) target: String,
    /// Its type (`nfs`).
    pub(crate) fstype: &'static str,
    /// Its options as the kernel shows them.
    pub(crate) options: String,
}

/// The DVD drive's device (`/dev/cdrom` links to it).
pub(crate) const CDROM_DEVICE: &str = "/dev/sr0";

/// A file system call still waiting for its reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Ticket(pub(super) u64);

/// CPU work handed to the kernel ([`Sys::cpu_run`]), until it is done.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct CpuTicket(pub(super) u64);

/// A raw IP socket of a process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RawSocket(pub(super) usize);

/// A link-change subscription of a process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct LinkWatch(pub(super) usize);

/// A packet read from a raw socket.
#[derive(Clone, Debug)]
pub(crate) struct RawPacket {
    /// The NIC it arrived on (`None` for packets the stack delivered, such as ICMP).
    pub(crate) dev: Option<String>,
    /// The whole IPv4 packet.
    pub(crate) bytes: Vec<u8>,
}

/// A link went up or down.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LinkEvent {
    /// Interface name.
    pub(crate) dev: String,
    /// Its state after the change.
    pub(crate) up: bool,
}

/// One IPv4 address on a NIC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct IfAddr {
    /// The address.
    pub(crate) addr: Ipv4Addr,
    /// Prefix length.
    pub(crate) prefix_len: u8,
}

impl IfAddr {
    /// The network mask as a `u32`.
    pub(crate) fn mask(&self) -> u32 {
        if self.prefix_len == 0 { 0 } else { u32::MAX << (32 - u32::from(self.prefix_len)) }
    }

    /// Whether `ip` is inside this address's subnet.
    pub(crate) fn contains(&self, ip: Ipv4Addr) -> bool {
        u32::from(ip) & self.mask() == u32::from(self.addr) & self.mask()
    }

    /// The subnet's broadcast address.
    pub(crate) fn broadcast(&self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.addr) | !self.mask())
    }
}

/// What a process sees of one NIC.
#[derive(Clone, Debug)]
pub(crate) struct NicView {
    /// Interface name.
    pub(crate) name: String,
    /// MAC address.
    pub(crate) mac: [u8; 6],
    /// Whether the link is up.
    pub(crate) up: bool,
    /// Its addresses, the primary one first.
    pub(crate) addrs: Vec<IfAddr>,
    /// Its counters.
    pub(crate) stats: NicStats,
}

impl NicView {
    /// The primary address, if the NIC has any.
    pub(crate) fn primary(&self) -> Option<IfAddr> {
        self.addrs.first().copied()
    }
}

/// The counters of `struct rtnl_link_stats64` a simulated NIC moves (since boot): frames it
/// took in (for this host: its MAC, broadcast, or a multicast group it joined) and frames it
/// sent, with their Ethernet lengths.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct NicStats {
    /// `rx_packets`.
    pub(crate) rx_packets: u64,
    /// `rx_bytes`.
    pub(crate) rx_bytes: u64,
    /// `multicast`: received frames to a multicast (or broadcast) address.
    pub(crate) multicast: u64,
    /// `tx_packets`.
    pub(crate) tx_packets: u64,
    /// `tx_bytes`.
    pub(crate) tx_bytes: u64,
}

/// A process's view of the kernel: the system calls.
/// What work costs on a host whose cost model is on (`Host(costs: …)`; the figures and their
/// sources are in `scenarios/FORMAT.md`, Cost model).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Costs {
    /// CPU time of one request Apache answers from a static file.
    pub(crate) httpd_request: Duration,
    /// CPU time of one request nginx proxies.
    pub(crate) nginx_request: Duration,
}

/// A share of the scenario's user population (`Users(…)` in the timeline) that one client host
/// runs, as the lab hands it over (the figures are `proto::loadgen::users::Params`'s, plus where
/// its requests go and the name of its random stream).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct UserLoad {
    /// The mean time between two arrivals on this host.
    pub(crate) mean_gap: Duration,
    /// No session arrives from then on.
    pub(crate) until: SimTime,
    /// Pages per session.
    pub(crate) pages: u32,
    /// Assets per page.
    pub(crate) assets: u32,
    /// The mean think time between pages.
    pub(crate) think: Duration,
    /// Connections per session at most.
    pub(crate) connections: usize,
    /// Keep-alive.
    pub(crate) keepalive: bool,
    /// Start with the sessions a steady state holds.
    pub(crate) warm: bool,
    /// Where the requests go.
    pub(crate) target: (Ipv4Addr, u16),
    /// The `Host` header.
    pub(crate) host_header: String,
    /// The page's path.
    pub(crate) page: String,
    /// The assets' path.
    pub(crate) asset: String,
    /// The label of the host's random stream it draws from.
    pub(crate) stream: String,
}

/// One daemon's pool: how many of its workers are in use, of how many.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Workers {
    /// Workers in use (Apache: threads serving a request; nginx: connections).
    pub(crate) in_use: u64,
    /// How many there can be (`MaxRequestWorkers`; `worker_connections` × workers).
    pub(crate) limit: u64,
}

pub(crate) struct Sys<'a> {
    k: &'a mut Kernel,
}

impl<'a> Sys<'a> {
    /// The system calls of `kernel`.
    pub(crate) fn new(kernel: &'a mut Kernel) -> Sys<'a> {
        Sys { k: kernel }
    }

    /// An independent random stream of the host's, named `label` (forked from the host's own).
    pub(crate) fn fork_rng(&self, label: &str) -> crate::kernel::SimRng {
        self.k.rng.fork(label)
    }

    // ----- CPU ---------------------------------------------------------------------------------

    /// The host's cost model, if it is on (without one, work takes no time).
    pub(crate) fn costs(&self) -> Option<Costs> {
        self.k.costs
    }

    /// Hands the CPUs `work` at `now`; `None` when the cost model is off (the work is done).
    pub(crate) fn cpu_run(&mut self, now: SimTime, work: Duration) -> Option<CpuTicket> {
        Some(self.k.cpu.as_mut()?.run(now, work))
    }

    /// Whether the job is done (true once).
    pub(crate) fn cpu_done(&mut self, ticket: CpuTicket) -> bool {
        self.k.cpu.as_mut().is_none_or(|cpu| cpu.take_done(ticket))
    }

    /// The job is not wanted any more.
    pub(crate) fn cpu_forget(&mut self, now: SimTime, ticket: CpuTicket) {
        if let Some(cpu) = self.k.cpu.as_mut() {
            cpu.forget(now, ticket);
        }
    }

    /// The running daemons' worker pools as of `now` (cost model on; for the capacity report).
    pub(crate) fn set_workers(&mut self, now: SimTime, pools: &[(&'static str, Workers)]) {
        self.k.load.set_pools(now, pools);
    }

    // ----- identity and clocks ----------------------------------------------------------------

    /// The host name (`gethostname`).
    pub(crate) fn hostname(&self) -> &str {
        self.k.hostname()
    }

    /// The CPUs online (`sysconf(_SC_NPROCESSORS_ONLN)`).
    pub(crate) fn cpus(&self) -> u32 {
        self.k.cpus()
    }

    /// The machine's calendar (`clock_gettime(CLOCK_REALTIME)` as dates).
    pub(crate) fn calendar(&self) -> Calendar {
        self.k.calendar()
    }

    /// Whether the machine is running.
    pub(crate) fn is_powered(&self) -> bool {
        self.k.is_powered()
    }

    // ----- console, syslog and measurements ----------------------------------------------------

    /// A daemon's syslog line (`ident[pid]: line`): into the journal and `/var/log/messages`.
    pub(crate) fn syslog(&mut self, now: SimTime, ident: &str, pid: u32, line: String) {
        self.k.syslog(now, ident, pid, line);
    }

    /// systemd's own line about `unit`, which `journalctl -u UNIT` shows.
    pub(crate) fn systemd_log(&mut self, now: SimTime, unit: &'static str, line: String) {
        self.k.systemd_log(now, unit, line);
    }

    /// A daemon's line in a log file of its own (nginx's and httpd's `access_log`,
    /// `error_log`): appended to `path`, not to syslog.
    pub(crate) fn file_log(&mut self, now: SimTime, ident: &str, pid: u32, path: &str, line: String) {
        self.k.file_log(now, ident, pid, path, line);
    }

    /// How long the daemon started now takes before it runs its own code (the host's seeded
    /// start-up latency; zero when it has none).
    pub(crate) fn startup_delay(&mut self) -> std::time::Duration {
        self.k.startup_delay()
    }

    /// systemd puts processes `pid..pid + count` in the cgroup of `unit` (journald names the
    /// unit of each line by it).
    pub(crate) fn cgroup_attach(&mut self, pid: u32, count: u32, unit: &'static str) {
        self.k.cgroup_attach(pid, count, unit);
    }

    /// The journal's entries of this boot with their cursors, oldest first.
    pub(crate) fn journal(&self) -> impl DoubleEndedIterator<Item = (u64, &JournalEntry)> {
        self.k.journal.entries()
    }

    /// The cursor of the next journal entry.
    pub(crate) fn journal_end(&self) -> u64 {
        self.k.journal.end()
    }

    /// A line printed on the console by command `id`.
    pub(crate) fn console(&mut self, now: SimTime, id: usize, stream: Stream, line: String) {
        self.k.console(now, id, stream, line);
    }

    /// Command `id` finished with `status`.
    pub(crate) fn console_exit(&mut self, now: SimTime, id: usize, status: i32) {
        self.k.console_exit(now, id, status);
    }

    /// `write(2)` of one line to a program's standard output or error; EPIPE if that leads to
    /// a pipe nobody reads any more.
    pub(crate) fn print(&mut self, now: SimTime, stdio: &Stdio, stream: Stream, line: String) -> Result<(), BrokenPipe> {
        let fd = match stream {
            Stream::Stdout => stdio.out,
            Stream::Stderr => stdio.err,
        };
        match fd {
            Fd::Console => {
                self.k.console(now, stdio.id, stream, line);
                Ok(())
            }
            Fd::Pipe(pipe) => self.k.pipes.write(pipe, line),
            Fd::Null => Ok(()),
        }
    }

    /// A program ended with `status`: the console command ends with it if that is the
    /// program's to say.
    pub(crate) fn exit_status(&mut self, now: SimTime, stdio: &Stdio, status: i32) {
        if stdio.reports_exit {
            self.k.console_exit(now, stdio.id, status);
        }
    }

    /// `pipe(2)`: a new pipe, both ends open.
    pub(crate) fn pipe_open(&mut self) -> PipeId {
        self.k.pipes.open()
    }

    /// The next line waiting in a pipe.
    pub(crate) fn pipe_read(&mut self, pipe: PipeId) -> Option<String> {
        self.k.pipes.read(pipe)
    }

    /// Whether a pipe's writer has closed and every line was read.
    pub(crate) fn pipe_at_eof(&self, pipe: PipeId) -> bool {
        self.k.pipes.at_eof(pipe)
    }

    /// Closes a pipe's writing end (its writer exited).
    pub(crate) fn pipe_close_writer(&mut self, pipe: PipeId) {
        self.k.pipes.close_writer(pipe);
    }

    /// Closes a pipe's reading end: its writer's next write fails with EPIPE.
    pub(crate) fn pipe_close_reader(&mut self, pipe: PipeId) {
        self.k.pipes.close_reader(pipe);
    }

    /// A measurement a program reports for the lab's expectations (a probe sent or answered, a
    /// finished transfer).
    pub(crate) fn record(&mut self, now: SimTime, kind: TraceKind) {
        self.k.trace(now, kind);
    }

    // ----- files -------------------------------------------------------------------------------

    /// The file system.
    pub(crate) fn fs(&self) -> &Fs {
        self.k.fs()
    }

    /// The file system, for writing.
    pub(crate) fn fs_mut(&mut self) -> &mut Fs {
        self.k.fs_mut()
    }

    /// A file system call of process `pid` running as `uid`: answered at once for a local
    /// path, later for one on an NFS mount.
    pub(crate) fn file_call(&mut self, pid: u32, now: SimTime, call: FileCall, uid: u32) -> Pending<FileReply> {
        let fs = self.k.fs();
        let call = match call {
            FileCall::Stat(path) => FileCall::Stat(fs.absolute(&path).into_owned()),
            FileCall::Read(path) => FileCall::Read(fs.absolute(&path).into_owned()),
            FileCall::StatFs(path) => FileCall::StatFs(fs.absolute(&path).into_owned()),
        };
        self.k.file_call(pid, now, call, uid)
    }

    /// The reply to a call that had to wait, once it has come.
    pub(crate) fn file_reply(&mut self, ticket: Ticket) -> Option<FileReply> {
        self.k.file_reply(ticket)
    }

    /// mount(2) of an NFS export; the ticket is answered with the root's attributes once the
    /// kernel has probed the server, or the error.
    pub(crate) fn nfs_mount(&mut self, now: SimTime, req: MountRequest) -> Ticket {
        self.k.nfs_mount(now, req)
    }

    /// The kernel's line about a mount(2) it refused (`NFS: bad mount option value …`).
    pub(crate) fn mount_refused(&mut self, now: SimTime, line: String) {
        self.k.kernel_log(now, line);
    }

    /// Whether `path` is on an NFS mount (what the shell's file builtins and redirections do not
    /// reach yet).
    pub(crate) fn on_nfs_mount(&self, path: &str) -> bool {
        self.k.on_nfs_mount(&self.k.fs().absolute(path))
    }

    /// mount(2) of the DVD drive (iso9660, read-only) at `target`.
    pub(crate) fn mount_cdrom(&mut self, now: SimTime, target: &str) -> Result<(), &'static str> {
        self.k.mount_cdrom(now, target)
    }

    /// umount(2).
    pub(crate) fn umount(&mut self, target: &str) -> Result<(), Errno> {
        let target = self.k.fs().absolute(target).into_owned();
        self.k.umount(&target)
    }

    /// The mounted file systems besides the root (`/proc/mounts`).
    pub(crate) fn mounts(&self) -> Vec<MountView> {
        self.k.mounts()
    }

    /// The caller no longer wants the reply to `ticket` (its connection closed).
    pub(crate) fn file_forget(&mut self, ticket: Ticket) {
        self.k.file_forget(ticket);
    }

    // ----- SELinux ---------------------------------------------------------------------------------

    /// The running mode (`/sys/fs/selinux/enforce`, or disabled).
    pub(crate) fn selinux_mode(&self) -> Mode {
        self.k.selinux_mode()
    }

    /// Writes `/sys/fs/selinux/enforce` (the caller refuses disabled).
    pub(crate) fn selinux_set_mode(&mut self, mode: Mode) {
        self.k.selinux_set_mode(mode);
    }

    /// The running booleans.
    pub(crate) fn selinux_booleans(&self) -> &Booleans {
        self.k.selinux_booleans()
    }

    /// Sets booleans, and commits them to the policy store if asked.
    pub(crate) fn selinux_set_booleans(&mut self, now: SimTime, set: &SetBooleans) {
        self.k.selinux_set_booleans(now, set);
    }

    // ----- network configuration ----------------------------------------------------------------

    /// The NICs (`ip link`, `ip addr`).
    pub(crate) fn interfaces(&self) -> Vec<NicView> {
        self.k.interfaces()
    }

    /// The neighbour entries of NIC `dev` (`ip neigh`).
    pub(crate) fn neighbours(&self, dev: &str) -> Vec<EntryView> {
        self.k.neighbours(dev)
    }

    /// `ip neigh flush`: the entries of `dev` (every NIC with `None`) that `pick` selects.
    pub(crate) fn neigh_flush(&mut self, dev: Option<&str>, pick: impl Fn(Ipv4Addr) -> bool + Copy) {
        self.k.neigh_flush(dev, pick);
    }

    /// The default gateway (`ip route`).
    pub(crate) fn gateway(&self) -> Option<Ipv4Addr> {
        self.k.gateway()
    }

    /// The NIC index and next hop for `dst` (`ip route get`).
    pub(crate) fn route(&self, dst: Ipv4Addr) -> Option<(usize, Ipv4Addr)> {
        self.k.route(dst)
    }

    /// The source address a packet to `dst` would get.
    pub(crate) fn source_for(&self, dst: Ipv4Addr) -> Option<Ipv4Addr> {
        self.k.source_for(dst)
    }

    /// Whether `ip` is one of the host's addresses.
    pub(crate) fn has_addr(&self, ip: Ipv4Addr) -> bool {
        self.k.has_addr(ip)
    }

    /// `ip addr add`; false if the device does not exist.
    pub(crate) fn add_addr(&mut self, now: SimTime, dev: &str, addr: IfAddr) -> bool {
        self.k.add_addr(now, dev, addr)
    }

    /// `ip addr del`; false if the address was not there.
    pub(crate) fn del_addr(&mut self, now: SimTime, dev: &str, addr: IfAddr) -> bool {
        self.k.del_addr(now, dev, addr)
    }

    /// `ip link set DEV up|down`; false if there is no such device.
    pub(crate) fn set_link(&mut self, now: SimTime, dev: &str, up: bool) -> bool {
        self.k.set_link(now, dev, up)
    }

    // ----- packet filter (iptables, as firewalld drives it) ------------------------------------

    /// Installs `zone`'s rules in the filter table (firewalld's start and reload).
    pub(crate) fn netfilter_install(&mut self, zone: Zone) {
        self.k.netfilter_install(zone);
    }

    /// Flushes the filter table and conntrack (firewalld's stop with `CleanupOnExit`).
    pub(crate) fn netfilter_flush(&mut self) {
        self.k.netfilter_flush();
    }

    /// The rules installed, if any.
    pub(crate) fn netfilter_rules(&self) -> Option<&Zone> {
        self.k.netfilter_rules()
    }

    // ----- TCP -------------------------------------------------------------------------------

    /// `connect()`; the errno when it fails at once (no route, no port left).
    pub(crate) fn tcp_connect(&mut self, dst: Ipv4Addr, port: u16) -> Result<TcpSocket, Errno> {
        self.k.tcp_connect(dst, port)
    }

    /// `bind()` to `local_port` then `connect()` (the RPC client's reserved ports).
    pub(crate) fn tcp_connect_from(&mut self, dst: Ipv4Addr, port: u16, local_port: u16) -> Option<TcpSocket> {
        self.k.tcp_connect_from(dst, port, local_port)
    }

    /// A free reserved port for [`Sys::tcp_connect_from`] (`bindresvport()`, 665..=1023).
    pub(crate) fn tcp_reserved_port(&mut self) -> Option<u16> {
        self.k.tcp_reserved_port()
    }

    /// `listen(port, backlog)` on every address (the kernel caps the backlog at somaxconn).
    pub(crate) fn tcp_listen(&mut self, port: u16, backlog: usize) -> Option<TcpListener> {
        self.k.tcp_listen(port, backlog)
    }

    /// `accept()` until it would block: the connections whose handshake is complete.
    pub(crate) fn tcp_accept(&mut self, listener: TcpListener) -> Vec<TcpSocket> {
        self.k.tcp_accept(listener)
    }

    /// `accept()` at most `max` times (a server with no idle worker leaves the rest queued).
    pub(crate) fn tcp_accept_max(&mut self, listener: TcpListener, max: usize) -> Vec<TcpSocket> {
        self.k.tcp_accept_max(listener, max)
    }

    /// `close()` of a listening socket.
    pub(crate) fn tcp_unlisten(&mut self, listener: TcpListener) {
        self.k.tcp_unlisten(listener);
    }

    /// Where the connection stands.
    pub(crate) fn tcp_status(&mut self, socket: TcpSocket) -> TcpStatus {
        self.k.tcp_status(socket)
    }

    /// The sockets an incoming segment, a TCP timer or the kernel changed since the processes
    /// last ran (what `epoll` would report, less the changes a process made itself), in
    /// handle order. A process with thousands of connections serves those, not all.
    pub(crate) fn tcp_changed(&self) -> impl Iterator<Item = TcpSocket> + '_ {
        self.k.tcp.changed.iter().map(|&h| TcpSocket(h))
    }

    /// Whether `socket` is among [`Sys::tcp_changed`].
    pub(crate) fn tcp_is_changed(&self, socket: TcpSocket) -> bool {
        self.k.tcp.changed.contains(&socket.0)
    }

    /// What a look at the socket would find (see [`TcpSnapshot`]).
    pub(crate) fn tcp_snapshot(&mut self, socket: TcpSocket) -> TcpSnapshot {
        self.k.tcp_snapshot(socket)
    }

    /// The peer's address and port (`getpeername`).
    pub(crate) fn tcp_remote(&mut self, socket: TcpSocket) -> Option<(Ipv4Addr, u16)> {
        self.k.tcp_remote(socket)
    }

    /// The local address and port (`getsockname`).
    pub(crate) fn tcp_local(&mut self, socket: TcpSocket) -> Option<(Ipv4Addr, u16)> {
        self.k.tcp_local(socket)
    }

    /// Everything received so far (`recv`).
    pub(crate) fn tcp_recv(&mut self, socket: TcpSocket) -> Vec<u8> {
        self.k.tcp_recv(socket)
    }

    /// Queues as much of `data` as fits (`send`); returns how much.
    pub(crate) fn tcp_send(&mut self, socket: TcpSocket, data: &[u8]) -> usize {
        self.k.tcp_send(socket, data)
    }

    /// `close()`: a FIN after the queued data (a RST if received data was left unread;
    /// nothing for a connect not yet answered).
    pub(crate) fn tcp_close(&mut self, socket: TcpSocket) {
        self.k.tcp_release(socket);
    }

    /// Gives a socket back: [`Sys::tcp_close`], for an owner that did not close it yet.
    pub(crate) fn tcp_release(&mut self, socket: TcpSocket) {
        self.k.tcp_release(socket);
    }

    // ----- UDP -------------------------------------------------------------------------------

    /// `socket(AF_INET, SOCK_DGRAM)` + `bind()` on `port` (0: ephemeral) for process `pid`;
    /// `None` if the port is taken.
    pub(crate) fn udp_bind(&mut self, pid: u32, port: u16) -> Option<UdpSocket> {
        self.k.udp_bind(pid, port)
    }

    /// A UDP socket on a reserved port (`bindresvport()`, 665..=1023) for process `pid`.
    pub(crate) fn udp_bind_reserved(&mut self, pid: u32) -> Option<UdpSocket> {
        self.k.udp_bind_reserved(pid)
    }

    /// `sendto()`: one datagram; false if there is no route or the buffer is full.
    pub(crate) fn udp_send_to(&mut self, socket: UdpSocket, dst: (Ipv4Addr, u16), data: &[u8]) -> bool {
        self.k.udp_send_to(socket, dst, data)
    }

    /// `recvfrom()`: the next datagram and its sender.
    pub(crate) fn udp_recv(&mut self, socket: UdpSocket) -> Option<(Vec<u8>, (Ipv4Addr, u16))> {
        self.k.udp_recv(socket)
    }

    /// `close()`.
    pub(crate) fn udp_close(&mut self, socket: UdpSocket) {
        self.k.udp_close(socket);
    }

    // ----- raw sockets, packet sockets, link notifications ---------------------------------------

    /// `socket(AF_INET, SOCK_RAW, protocol)` for process `pid`.
    pub(crate) fn raw_open(&mut self, pid: u32, protocol: u8) -> Option<RawSocket> {
        self.k.raw_open(pid, protocol)
    }

    /// `IcmpSendEcho2`'s share: the host-wide sequence number of the next echo request (Windows).
    pub(crate) fn icmp_echo_seq(&mut self) -> u16 {
        self.k.icmp_echo_seq()
    }

    /// `IP_ADD_MEMBERSHIP`: the socket joins `group` on `dev`; the membership ends with the socket.
    pub(crate) fn raw_join_group(&mut self, socket: RawSocket, dev: &str, group: Ipv4Addr) {
        self.k.raw_join_group(socket, dev, group);
    }

    /// The next packet received on `socket`.
    pub(crate) fn raw_recv(&mut self, socket: RawSocket) -> Option<RawPacket> {
        self.k.raw_recv(socket)
    }

    /// The next packet of ours that could not be delivered (`MSG_ERRQUEUE`).
    pub(crate) fn raw_recv_error(&mut self, socket: RawSocket) -> Option<Vec<u8>> {
        self.k.raw_recv_error(socket)
    }

    /// Sends a whole IPv4 packet (`IP_HDRINCL`).
    pub(crate) fn raw_send(&mut self, now: SimTime, socket: RawSocket, packet: Vec<u8>) {
        self.k.raw_send(now, socket, packet);
    }

    /// Sends one whole IPv4 packet through a throwaway raw socket (`sendip`).
    pub(crate) fn raw_sendto(&mut self, now: SimTime, packet: Vec<u8>) {
        self.k.send_ip(now, packet);
    }

    /// Sends a prepared Ethernet frame on `dev` (a packet socket).
    pub(crate) fn packet_send(&mut self, dev: &str, frame: Vec<u8>) {
        self.k.packet_send(dev, frame);
    }

    /// Subscribes process `pid` to link changes (netlink `RTMGRP_LINK`).
    pub(crate) fn watch_links(&mut self, pid: u32) -> LinkWatch {
        self.k.watch_links(pid)
    }

    /// The next link change for `watch`.
    pub(crate) fn link_event(&mut self, watch: LinkWatch) -> Option<LinkEvent> {
        self.k.link_event(watch)
    }

    // ----- the process table's share -----------------------------------------------------------

    /// Process `pid` exited: its raw sockets and link subscriptions close, and their group
    /// memberships end.
    pub(crate) fn exit_process(&mut self, pid: u32) {
        self.k.close_process_sockets(pid);
        self.k.cgroups.remove(&pid);
    }

    /// The next process with something new on a raw socket or link subscription.
    pub(crate) fn take_wakeup(&mut self) -> Option<u32> {
        self.k.take_wakeup()
    }

    /// `poweroff`: every process and all network state vanish, the disk stays.
    pub(crate) fn power_off(&mut self, now: SimTime) {
        self.k.power_off(now);
    }
}
