//! `mount` (util-linux 2.23, CentOS 7) for NFS: with no arguments it lists the mounts; `-a`
//! mounts the NFS entries of `/etc/fstab` that are not mounted yet; `mount [-t nfs] [-o OPTS]
//! SERVER:/EXPORT DIR` and `mount DIR` (from fstab) mount one. Each NFS mount runs
//! `mount.nfs`'s sequence (the sans-IO [`MountNfs`] core: version negotiation, portmap probes,
//! MNT) over sockets from reserved ports, then asks the kernel to mount the root handle it got
//! ([`Sys::nfs_mount`]); entries are mounted one after another. At boot systemd runs the same
//! program for the `_netdev` entries (`remote-fs.target`): its lines go to the journal.

use std::collections::{BTreeMap, VecDeque};
use std::net::Ipv4Addr;

use crate::host::kernel::{CDROM_DEVICE, FileReply, MountRequest, Stdio, Sys, TcpSocket, TcpStatus, Ticket, UdpSocket};
use crate::host::userland::net::resolve;
use crate::host::userland::process::{Exit, Invocation, Process, Signal, Unfinished, fail};
use crate::kernel::SimTime;
use crate::observe::trace::Stream;
use crate::proto::nfs::client::mount::{ExchangeId, MountEvent, MountNfs, NetError};
use crate::proto::nfs::client::options::{self, Proto};
use crate::proto::nfs::client::{MountInfo, fstab};

/// `/etc/fstab`.
pub(crate) const FSTAB: &str = "/etc/fstab";

/// mount's exit status for a failed mount (`MOUNT_EX_FAIL`).
const EX_FAIL: i32 = 32;
/// Usage errors (`MOUNT_EX_USAGE`).
const EX_USAGE: i32 = 1;

/// The mounts a CentOS 7 machine has before any NFS, as `mount` lists them (the root and boot
/// file systems of a default install).
const LOCAL_MOUNTS: &[&str] = &[
    "/dev/mapper/centos-root on / type xfs (rw,relatime,seclabel,attr2,inode64,noquota)",
    "/dev/sda1 on /boot type xfs (rw,relatime,seclabel,attr2,inode64,noquota)",
];

/// One NFS mount to make.
#[derive(Clone, Debug)]
pub(crate) struct Todo {
    pub(crate) source: String,
    pub(crate) target: String,
    pub(crate) options: String,
}

/// Where its messages go.
#[derive(Clone, Copy)]
enum Out {
    /// A command typed on the console.
    Console(Stdio),
    /// systemd's mount at boot: the journal.
    Journal,
}

/// A TCP exchange of the mount sequence.
struct TcpExchange {
    socket: TcpSocket,
    message: Vec<u8>,
    sent: bool,
}

/// The mount being made.
struct Current {
    todo: Todo,
    server: Ipv4Addr,
    options: options::Options,
    core: MountNfs,
    tcp: BTreeMap<ExchangeId, TcpExchange>,
    udp: Option<UdpSocket>,
    /// The UDP exchange whose replies the socket gets.
    udp_id: Option<ExchangeId>,
    /// The kernel's mount(2), once the sequence gave a root handle.
    mounting: Option<Ticket>,
}

struct MountProc {
    pid: u32,
    out: Out,
    todo: VecDeque<Todo>,
    current: Option<Current>,
    status: i32,
    exit: Option<Exit>,
}

/// Starts `mount ARGS` typed on the console.
pub(crate) fn start(k: &mut Sys<'_>, run: Invocation<'_>) -> Result<Box<dyn Process>, i32> {
    let Invocation { now, stdio, args, pid, .. } = run;
    if args.iter().any(|a| !a.starts_with('-')) && args.len() == 1 || args.iter().any(|a| matches!(*a, "-a" | "--all")) {
        // libmount reads fstab and warns about each line it skips.
        let text = k.fs().read_text(FSTAB).unwrap_or_default();
        for warning in fstab::parse(&text, FSTAB).1 {
            let _ = k.print(now, &stdio, Stream::Stderr, warning);
        }
    }
    if let Some(status) = cdrom(k, now, &stdio, args) {
        k.exit_status(now, &stdio, status);
        return Err(status);
    }
    let todo = match what(k, args) {
        Ok(Some(todo)) => todo,
        Ok(None) => {
            for line in LOCAL_MOUNTS.iter().map(|l| (*l).to_owned()).chain(list(k)) {
                let _ = k.print(now, &stdio, Stream::Stdout, line);
            }
            k.exit_status(now, &stdio, 0);
            return Err(0);
        }
        Err((lines, status)) => return Err(fail(k, now, &stdio, lines, status)),
    };
    let mut p = MountProc::new(pid, Out::Console(stdio), todo);
    p.poll(k, now);
    match p.exit {
        Some(exit) => Err(exit.status()),
        None => Ok(Box::new(p)),
    }
}

/// `mount /dev/cdrom DIR` (or `/dev/sr0`): the DVD, read-only, as util-linux 2.23 says when
/// the medium is write-protected. `None` when the arguments are not about the drive.
fn cdrom(k: &mut Sys<'_>, now: SimTime, stdio: &Stdio, args: &[&str]) -> Option<i32> {
    let words: Vec<&str> = args.iter().copied().filter(|a| !a.starts_with('-')).collect();
    let ["/dev/cdrom" | CDROM_DEVICE, target] = words.as_slice() else { return None };
    let lines = match k.mount_cdrom(now, target) {
        Ok(()) => return Some(print_lines(k, now, stdio, &[format!("mount: {CDROM_DEVICE} is write-protected, mounting read-only")], 0)),
        Err("is already mounted") => vec![format!("mount: {CDROM_DEVICE} is already mounted or {target} busy")],
        Err(_) => vec![format!("mount: mount point {target} does not exist")],
    };
    Some(print_lines(k, now, stdio, &lines, EX_FAIL))
}

fn print_lines(k: &mut Sys<'_>, now: SimTime, stdio: &Stdio, lines: &[String], status: i32) -> i32 {
    for line in lines {
        let _ = k.print(now, stdio, Stream::Stderr, line.clone());
    }
    status
}

/// The NFS entries of fstab that systemd mounts at boot (`auto` ones).
fn boot_entries(k: &Sys<'_>) -> VecDeque<Todo> {
    let Some(text) = k.fs().read_text(FSTAB) else { return VecDeque::new() };
    fstab::parse(&text, FSTAB)
        .0
        .into_iter()
        .filter(mounted_by_all)
        .map(|e| Todo { source: e.source, target: e.target, options: e.options })
        .collect()
}

/// An entry `mount -a` (and systemd at boot) mounts: NFS, not `noauto`.
fn mounted_by_all(e: &fstab::Entry) -> bool {
    e.fstype == "nfs" && !e.options.split(',').any(|o| o == "noauto")
}

/// Whether fstab has NFS entries to mount at boot.
pub(crate) fn has_boot_mounts(k: &Sys<'_>) -> bool {
    !boot_entries(k).is_empty()
}

/// systemd mounting the NFS entries of fstab at boot (`remote-fs.target`); `None` when there
/// are none.
pub(crate) fn boot(k: &mut Sys<'_>, now: SimTime, pid: u32) -> Option<Box<dyn Process>> {
    let todo = boot_entries(k);
    if todo.is_empty() {
        return None;
    }
    let mut p = MountProc::new(pid, Out::Journal, todo);
    p.poll(k, now);
    Some(Box::new(p))
}

/// The NFS mounts as `mount` lists them.
fn list(k: &Sys<'_>) -> Vec<String> {
    k.mounts().into_iter().map(|m| format!("{} on {} type {} ({})", m.source, m.target, m.fstype, m.options)).collect()
}

/// What the arguments ask for: `None` to list the mounts.
fn what(k: &Sys<'_>, args: &[&str]) -> Result<Option<VecDeque<Todo>>, (Vec<String>, i32)> {
    let mut all = false;
    let mut fstype = None;
    let mut opts = None;
    let mut words = Vec::new();
    let mut it = args.iter();
    while let Some(&a) = it.next() {
        match a {
            "-a" | "--all" => all = true,
            "-t" | "--types" => fstype = Some(it.next().copied().ok_or_else(|| usage_missing("t"))?),
            "-o" | "--options" => opts = Some(it.next().copied().ok_or_else(|| usage_missing("o"))?),
            "-v" | "--verbose" => {}
            _ if a.starts_with('-') && a.len() > 1 => {
                return Err((vec![format!("mount: invalid option -- '{}'", a.trim_start_matches('-')), USAGE_HINT.to_owned()], EX_USAGE));
            }
            _ => words.push(a),
        }
    }
    if fstype.is_some_and(|t| t != "nfs") {
        let t = fstype.unwrap_or_default();
        return Err((vec![format!("mount: unknown filesystem type '{t}'")], EX_FAIL));
    }
    let mounted: Vec<String> = k.mounts().into_iter().map(|m| m.target).collect();
    let table = || {
        let text = k.fs().read_text(FSTAB).unwrap_or_default();
        fstab::parse(&text, FSTAB)
    };
    let todo: VecDeque<Todo> = match (all, words.as_slice()) {
        (false, []) => return Ok(None),
        (true, _) => table()
            .0
            .into_iter()
            .filter(mounted_by_all)
            .filter(|e| !mounted.contains(&e.target))
            .map(|e| Todo { source: e.source, target: e.target, options: e.options })
            .collect(),
        (false, [one]) => {
            let one = one.trim_end_matches('/');
            let Some(e) = table().0.into_iter().find(|e| e.target == one || e.source == one) else {
                return Err((vec![format!("mount: can't find {one} in {FSTAB}")], EX_USAGE));
            };
            if e.fstype != "nfs" {
                return Err((vec![format!("mount: {} is already mounted or {} busy", e.source, e.target)], EX_FAIL));
            }
            VecDeque::from([Todo { source: e.source, target: e.target, options: e.options }])
        }
        (false, [source, target]) => VecDeque::from([Todo {
            source: (*source).to_owned(),
            target: target.trim_end_matches('/').to_owned(),
            options: opts.unwrap_or("defaults").to_owned(),
        }]),
        (false, _) => return Err((vec![USAGE_HINT.to_owned()], EX_USAGE)),
    };
    Ok(Some(todo))
}

const USAGE_HINT: &str = "Try 'mount --help' for more information.";

fn usage_missing(option: &str) -> (Vec<String>, i32) {
    (vec![format!("mount: option requires an argument -- '{option}'"), USAGE_HINT.to_owned()], EX_USAGE)
}

impl MountProc {
    fn new(pid: u32, out: Out, todo: VecDeque<Todo>) -> MountProc {
        MountProc { pid, out, todo, current: None, status: 0, exit: None }
    }

    fn say(&mut self, k: &mut Sys<'_>, now: SimTime, line: String) {
        match self.out {
            Out::Console(stdio) => {
                let _ = k.print(now, &stdio, Stream::Stderr, line);
            }
            Out::Journal => k.syslog(now, "mount", self.pid, line),
        }
    }

    /// The mount of `current` ended: `Err` with mount.nfs's line.
    fn finish(&mut self, k: &mut Sys<'_>, now: SimTime, result: Result<(), String>) {
        let Some(cur) = self.current.take() else { return };
        for (_, ex) in cur.tcp {
            k.tcp_close(ex.socket);
        }
        if let Some(udp) = cur.udp {
            k.udp_close(udp);
        }
        let target = cur.todo.target;
        match result {
            Ok(()) => {
                if let Out::Journal = self.out {
                    k.syslog(now, "systemd", 1, format!("Mounted {target}."));
                }
            }
            Err(line) => {
                self.say(k, now, line);
                if let Out::Journal = self.out {
                    k.syslog(now, "systemd", 1, format!("Failed to mount {target}."));
                }
                self.status = EX_FAIL;
            }
        }
    }

    /// Starts the next mount of the list; `false` when there is none.
    fn begin(&mut self, k: &mut Sys<'_>, now: SimTime) -> bool {
        while let Some(todo) = self.todo.pop_front() {
            if let Out::Journal = self.out {
                k.syslog(now, "systemd", 1, format!("Mounting {}...", todo.target));
            }
            let host = todo.source.split_once(':').map_or(todo.source.as_str(), |(h, _)| h).to_owned();
            if !todo.source.contains(":/") {
                let line = "mount.nfs: remote share not in 'host:dir' format".to_owned();
                self.say(k, now, line);
                self.status = EX_FAIL;
                continue;
            }
            if !k.fs().is_dir(&todo.target) {
                self.say(k, now, format!("mount.nfs: mount point {} does not exist", todo.target));
                self.status = EX_FAIL;
                continue;
            }
            if k.mounts().iter().any(|m| m.target == todo.target) {
                self.say(k, now, format!("mount.nfs: {} is busy or already mounted", todo.target));
                self.status = EX_FAIL;
                continue;
            }
            let options = match options::parse(&todo.options) {
                Ok(o) => o,
                Err(bad) => {
                    if let Some(line) = bad.kernel {
                        k.mount_refused(now, line);
                    }
                    self.say(k, now, bad.message);
                    self.status = EX_FAIL;
                    continue;
                }
            };
            let Some(server) = resolve(k.fs(), &host) else {
                self.say(k, now, format!("mount.nfs: Failed to resolve server {host}: Name or service not known"));
                self.status = EX_FAIL;
                continue;
            };
            let machinename = k.hostname().to_owned();
            let core = MountNfs::new(now, &todo.source, &todo.target, options.clone(), &machinename);
            self.current = Some(Current { todo, server, options, core, tcp: BTreeMap::new(), udp: None, udp_id: None, mounting: None });
            return true;
        }
        false
    }

    /// Moves the current mount on; true if anything happened.
    fn drive(&mut self, k: &mut Sys<'_>, now: SimTime) -> bool {
        let mut moved = false;
        let Some(cur) = self.current.as_mut() else { return false };
        if let Some(ticket) = cur.mounting {
            let Some(reply) = k.file_reply(ticket) else { return false };
            let result = match reply {
                FileReply::Stat(Ok(_)) => Ok(()),
                FileReply::Stat(Err(e)) => Err(format!("mount.nfs: {}", e.text())),
                _ => Err("mount.nfs: mount system call failed".to_owned()),
            };
            self.finish(k, now, result);
            return true;
        }
        // TCP exchanges: connect, send, read the reply.
        let ids: Vec<ExchangeId> = cur.tcp.keys().copied().collect();
        for id in ids {
            let Some(ex) = cur.tcp.get_mut(&id) else { continue };
            match k.tcp_status(ex.socket) {
                TcpStatus::Connecting => {}
                TcpStatus::Open | TcpStatus::PeerClosed => {
                    if !ex.sent {
                        k.tcp_send(ex.socket, &ex.message);
                        ex.sent = true;
                        moved = true;
                    }
                    let bytes = k.tcp_recv(ex.socket);
                    if !bytes.is_empty() {
                        cur.core.handle_reply(now, id, &bytes);
                        moved = true;
                    }
                }
                status @ (TcpStatus::Refused | TcpStatus::Unreachable | TcpStatus::TimedOut | TcpStatus::Reset) => {
                    let error = match status {
                        TcpStatus::Unreachable => NetError::Unreachable,
                        TcpStatus::TimedOut => NetError::TimedOut,
                        _ => NetError::Refused,
                    };
                    k.tcp_release(ex.socket);
                    cur.tcp.remove(&id);
                    cur.core.handle_error(now, id, error);
                    moved = true;
                }
            }
        }
        if let (Some(udp), Some(id)) = (cur.udp, cur.udp_id) {
            while let Some((bytes, _)) = k.udp_recv(udp) {
                cur.core.handle_reply(now, id, &bytes);
                moved = true;
            }
        }
        if cur.core.poll_timeout().is_some_and(|t| t <= now) {
            cur.core.handle_timeout(now);
            moved = true;
        }
        while let Some(event) = self.current.as_mut().and_then(|c| c.core.poll_event()) {
            moved = true;
            match event {
                MountEvent::Send { id, proto: Proto::Tcp, port, message } => {
                    let Some(cur) = self.current.as_mut() else { break };
                    // An exchange over: its connection closes (the reply has been read).
                    for (_, ex) in std::mem::take(&mut cur.tcp) {
                        k.tcp_close(ex.socket);
                    }
                    let socket = k.tcp_reserved_port().and_then(|local| k.tcp_connect_from(cur.server, port, local));
                    match socket {
                        Some(socket) => {
                            cur.tcp.insert(id, TcpExchange { socket, message, sent: false });
                        }
                        None => cur.core.handle_error(now, id, NetError::Unreachable),
                    }
                }
                MountEvent::Send { id, proto: Proto::Udp, port, message } => {
                    let pid = self.pid;
                    let Some(cur) = self.current.as_mut() else { break };
                    if cur.udp.is_none() {
                        cur.udp = k.udp_bind_reserved(pid);
                    }
                    cur.udp_id = Some(id);
                    let sent = cur.udp.is_some_and(|udp| k.udp_send_to(udp, (cur.server, port), &message));
                    if !sent {
                        cur.core.handle_error(now, id, NetError::Unreachable);
                    }
                }
                MountEvent::Mounted { root, mountport, .. } => {
                    let Some(cur) = self.current.as_mut() else { break };
                    let info = MountInfo {
                        server: cur.todo.source.split_once(':').map_or("", |(h, _)| h).to_owned(),
                        export: cur.todo.source.split_once(':').map_or("", |(_, e)| e).to_owned(),
                        root,
                        options: cur.options.clone(),
                        machinename: k.hostname().to_owned(),
                    };
                    let req = MountRequest {
                        target: cur.todo.target.clone(),
                        source: cur.todo.source.clone(),
                        server: cur.server,
                        mountport,
                        info,
                    };
                    cur.mounting = Some(k.nfs_mount(now, req));
                }
                MountEvent::Failed(line) => {
                    self.finish(k, now, Err(line));
                    break;
                }
            }
        }
        moved
    }
}

impl Process for MountProc {
    fn name(&self) -> &'static str {
        "mount"
    }

    fn poll(&mut self, k: &mut Sys<'_>, now: SimTime) -> bool {
        if self.exit.is_some() {
            return false;
        }
        let mut moved = false;
        loop {
            if self.current.is_none() && !self.begin(k, now) {
                self.exit = Some(Exit::Code(self.status));
                if let Out::Console(stdio) = self.out {
                    k.exit_status(now, &stdio, self.status);
                }
                return true;
            }
            let progressed = self.drive(k, now);
            moved |= progressed;
            if self.current.is_some() {
                return moved;
            }
        }
    }

    fn poll_timeout(&self) -> Option<SimTime> {
        self.current.as_ref().filter(|c| c.mounting.is_none()).and_then(|c| c.core.poll_timeout())
    }

    /// mount.nfs sleeps in the kernel only for the mount(2) itself; a signal ends it.
    fn signal(&mut self, k: &mut Sys<'_>, now: SimTime, signal: Signal) {
        if self.exit.is_some() {
            return;
        }
        if let Some(cur) = self.current.take() {
            for (_, ex) in cur.tcp {
                k.tcp_release(ex.socket);
            }
            if let Some(udp) = cur.udp {
                k.udp_close(udp);
            }
        }
        self.exit = Some(Exit::Signal(signal));
        if let Out::Console(stdio) = self.out {
            k.exit_status(now, &stdio, signal.exit_status());
        }
    }

    fn exit(&self) -> Option<Exit> {
        self.exit
    }

    fn unfinished(&self, _now: SimTime) -> Option<Unfinished> {
        let Out::Console(stdio) = self.out else { return None };
        let cur = self.current.as_ref()?;
        Some(Unfinished { id: stdio.id, state: format!("mounting {} on {}", cur.todo.source, cur.todo.target), http: None })
    }
}
