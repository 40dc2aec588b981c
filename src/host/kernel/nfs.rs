//! NFS mounts, the kernel's share of them: one client core ([`NfsClient`]) per mount, its TCP
//! connection to the server's port 2049 from a reserved source port, the file calls on paths
//! under the mount handed to the core and answered by ticket when it is done, and the core's
//! lines logged as the kernel's (`kernel: nfs: server … not responding, still trying`).
//!
//! A mount hides the local files under its directory until it is unmounted. The source port is
//! a reserved one chosen once per mount and kept for reconnections, as `xs_bind` keeps
//! `transport->srcport` (net/sunrpc/xprtsock.c), so the server's `secure` check passes.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use super::Kernel;
use super::syscall::{FileCall, FileReply, FileStat, FsUsage, MountRequest, MountView, Pending, TcpSocket, TcpStatus, Ticket};
use crate::kernel::SimTime;
use crate::proto::errno::Errno;
use crate::proto::nfs::client::{ClientEvent, Cred, FileAttr, NfsClient, Op, OpId, OpResult};

/// NFS's port (`NFS_PORT`).
const NFS_PORT: u16 = 2049;

/// The minor number of the anonymous device of a boot's first NFS mount (`set_anon_super`
/// numbers superblocks without a block device in order; spec §1.7's example, pinned: earlier
/// pseudo file systems of a CentOS 7 boot hold the numbers below it). Later mounts count up.
const FIRST_NFS_MINOR: u32 = 40;

/// What a running operation answers when it ends.
#[derive(Clone, Copy)]
enum Waiter {
    /// A process's file call.
    Call(Ticket, CallKind),
    /// The `mount` system call, waiting for the probe of the new mount.
    Mount(Ticket),
}

#[derive(Clone, Copy)]
enum CallKind {
    Stat,
    Read,
    StatFs,
}

/// One NFS mount.
pub(super) struct Mount {
    target: String,
    source: String,
    server: Ipv4Addr,
    mountport: u16,
    /// Whether the probe after MNT succeeded (until then, paths under it are still local).
    ready: bool,
    /// The probe failed: the mount goes away.
    failed: bool,
    client: NfsClient,
    local_port: u16,
    /// Its superblock's device, as the kernel names it (`0:40`).
    dev: String,
    conn: Option<TcpSocket>,
    connected: bool,
    /// The connection's status at the last look, kept until the kernel reports the socket
    /// changed (`TcpState::changed`): only a segment, a TCP timer or a connect the kernel ended
    /// changes a status or brings bytes, so the client does not look again between those.
    status: Option<TcpStatus>,
    /// Bytes the socket did not take yet.
    outbox: Vec<u8>,
    waiters: BTreeMap<OpId, Waiter>,
}

/// The mounts of one boot.
#[derive(Default)]
pub(super) struct Mounts {
    list: Vec<Mount>,
    /// Mounts made this boot (each took a device number).
    made: u32,
}

impl Mounts {
    /// The ready mount a path is under (the most specific one) and the path below it.
    fn find(&self, path: &str) -> Option<(usize, String)> {
        self.list
            .iter()
            .enumerate()
            .filter(|(_, m)| m.ready)
            .filter_map(|(i, m)| {
                let rest = path.strip_prefix(m.target.as_str())?;
                (rest.is_empty() || rest.starts_with('/')).then(|| (i, m.target.len(), rest.trim_matches('/').to_owned()))
            })
            .max_by_key(|&(_, len, _)| len)
            .map(|(i, _, rest)| (i, rest))
    }
}

/// A stat-like operation's result (a `stat()`, or the probe answering `mount(2)`) as a reply.
fn stat_reply(result: Result<OpResult, Errno>) -> FileReply {
    FileReply::Stat(result.and_then(|r| match r {
        OpResult::Attr(a) => Ok(stat_of(&a)),
        _ => Err(Errno::Io),
    }))
}

fn stat_of(a: &FileAttr) -> FileStat {
    FileStat { is_dir: a.is_dir, size: a.size, mtime_unix_us: a.mtime_us, ino: a.fileid }
}

impl Kernel {
    /// mount(2) of an NFS export: the mount is probed (FSINFO, PATHCONF, GETATTR of its root)
    /// and the ticket answered with the root's attributes, or the error.
    pub(crate) fn nfs_mount(&mut self, now: SimTime, req: MountRequest) -> Ticket {
        let ticket = self.vfs.ticket();
        let local_port = self.tcp_reserved_port().unwrap_or(1023);
        let mut client = NfsClient::new(now, req.info);
        let op = client.start(now, Op::Probe, Cred { uid: 0, gid: 0, gids: Vec::new() });
        let mut waiters = BTreeMap::new();
        waiters.insert(op, Waiter::Mount(ticket));
        let dev = format!("0:{}", FIRST_NFS_MINOR + self.mounts.made);
        self.mounts.made += 1;
        self.mounts.list.push(Mount {
            target: req.target,
            source: req.source,
            server: req.server,
            mountport: req.mountport,
            ready: false,
            failed: false,
            client,
            local_port,
            dev,
            conn: None,
            connected: false,
            status: None,
            outbox: Vec::new(),
            waiters,
        });
        ticket
    }

    /// umount(2): EINVAL if nothing is mounted there, EBUSY while calls are running on it.
    pub(crate) fn umount(&mut self, target: &str) -> Result<(), Errno> {
        let target = target.trim_end_matches('/');
        let Some(i) = self.mounts.list.iter().position(|m| m.ready && m.target == target) else {
            return Err(Errno::Inval);
        };
        if self.mounts.list[i].client.has_work() {
            return Err(Errno::Busy);
        }
        let mount = self.mounts.list.remove(i);
        if let Some(conn) = mount.conn {
            self.tcp_release(conn);
        }
        Ok(())
    }

    /// Whether `path` is under a mount.
    pub(crate) fn on_nfs_mount(&self, path: &str) -> bool {
        self.mounts.find(path).is_some()
    }

    /// The device of the mount `path` is on, if it is on one.
    pub(super) fn nfs_device(&self, path: &str) -> Option<String> {
        self.mounts.find(path).map(|(i, _)| self.mounts.list[i].dev.clone())
    }

    /// The mounts, as `/proc/mounts` lists them.
    pub(crate) fn mounts(&self) -> Vec<MountView> {
        let nfs = self.mounts.list.iter().filter(|m| m.ready).map(|m| MountView {
            source: m.source.clone(),
            target: m.target.clone(),
            fstype: "nfs",
            options: m.client.proc_mounts(&m.server.to_string(), m.mountport),
        });
        // The DVD is mounted before the NFS exports in the lab's order.
        self.cdrom_mount().into_iter().chain(nfs).collect()
    }

    /// A file call on a path under an NFS mount: handed to its client. `None` if the path is
    /// local.
    pub(super) fn nfs_call(&mut self, now: SimTime, call: &FileCall, uid: u32) -> Option<Pending<FileReply>> {
        let (path, kind) = match call {
            FileCall::Stat(p) => (p, CallKind::Stat),
            FileCall::Read(p) => (p, CallKind::Read),
            FileCall::StatFs(p) => (p, CallKind::StatFs),
        };
        let (i, rest) = self.mounts.find(path)?;
        let op = match kind {
            CallKind::Stat => Op::Stat(rest),
            CallKind::Read => Op::ReadFile(rest),
            CallKind::StatFs => Op::StatFs,
        };
        let ticket = self.vfs.ticket();
        let mount = &mut self.mounts.list[i];
        let id = mount.client.start(now, op, Cred { uid, gid: uid, gids: Vec::new() });
        mount.waiters.insert(id, Waiter::Call(ticket, kind));
        self.pump_mount(now, i);
        // A reply from the caches is there already.
        Some(match self.vfs.take(ticket) {
            Some(reply) => Pending::Ready(reply),
            None => Pending::Wait(ticket),
        })
    }

    /// Moves each mount's bytes and time: connects when its client wants to, hands it what the
    /// server sent, fires its timers, sends what it queued, and delivers what it finished.
    pub(crate) fn poll_nfs(&mut self, now: SimTime) -> bool {
        let mut moved = false;
        for i in 0..self.mounts.list.len() {
            moved |= self.pump_mount(now, i);
        }
        while let Some(i) = self.mounts.list.iter().position(|m| m.failed) {
            if let Some(conn) = self.mounts.list.remove(i).conn {
                self.tcp_release(conn);
            }
        }
        moved
    }

    /// When a mount's client next needs its timers fired.
    pub(super) fn nfs_poll_at(&self) -> Option<SimTime> {
        self.mounts.list.iter().filter_map(|m| m.client.poll_timeout()).min()
    }

    fn pump_mount(&mut self, now: SimTime, i: usize) -> bool {
        let mut moved = self.pump_connection(now, i);
        let mount = &mut self.mounts.list[i];
        if mount.client.poll_timeout().is_some_and(|t| t <= now) {
            mount.client.handle_timeout(now);
            moved = true;
        }
        moved |= self.pump_connection(now, i);
        moved | self.deliver(now, i)
    }

    /// The connection's part: status changes, bytes in, bytes out.
    fn pump_connection(&mut self, now: SimTime, i: usize) -> bool {
        let mut moved = false;
        let (conn, server, port) = {
            let m = &self.mounts.list[i];
            (m.conn, m.server, m.local_port)
        };
        let Some(conn) = conn else {
            if self.mounts.list[i].client.wants_connection() {
                self.mounts.list[i].conn = self.tcp_connect_from(server, NFS_PORT, port);
                if self.mounts.list[i].conn.is_none() {
                    self.mounts.list[i].client.handle_disconnected(now);
                }
                return true;
            }
            return false;
        };
        let seen = self.mounts.list[i].status.filter(|_| !self.tcp.changed.contains(&conn.0));
        let status = seen.unwrap_or_else(|| self.tcp_status(conn));
        self.mounts.list[i].status = Some(status);
        match status {
            TcpStatus::Connecting => return false,
            TcpStatus::Open | TcpStatus::PeerClosed => {
                if !self.mounts.list[i].connected {
                    self.mounts.list[i].connected = true;
                    self.mounts.list[i].client.handle_connected(now);
                    moved = true;
                }
                // Nothing arrived since the last look took everything.
                let bytes = if seen.is_some() { Vec::new() } else { self.tcp_recv(conn) };
                if !bytes.is_empty() {
                    self.mounts.list[i].client.handle_data(now, &bytes);
                    moved = true;
                }
            }
            TcpStatus::Refused | TcpStatus::Unreachable | TcpStatus::TimedOut | TcpStatus::Reset => {}
        }
        let m = &mut self.mounts.list[i];
        if status != TcpStatus::Open || m.client.wants_close() {
            // The server closed or reset the connection, or it could not be made: the client
            // reconnects after its delay and sends again what is outstanding.
            self.tcp_release(conn);
            let m = &mut self.mounts.list[i];
            m.conn = None;
            m.connected = false;
            m.status = None;
            m.outbox.clear();
            m.client.handle_disconnected(now);
            return true;
        }
        while let Some(bytes) = m.client.poll_transmit() {
            m.outbox.extend_from_slice(&bytes);
        }
        if !m.outbox.is_empty() {
            let mut outbox = std::mem::take(&mut self.mounts.list[i].outbox);
            let sent = self.tcp_send(conn, &outbox);
            outbox.drain(..sent);
            self.mounts.list[i].outbox = outbox;
            moved |= sent > 0;
        }
        moved
    }

    /// Hands finished operations to their callers and logs the client's lines.
    fn deliver(&mut self, now: SimTime, i: usize) -> bool {
        let mut moved = false;
        while let Some(event) = self.mounts.list[i].client.poll_event() {
            moved = true;
            match event {
                ClientEvent::Log(line) => self.kernel_log(now, line),
                ClientEvent::Done { op, result } => match self.mounts.list[i].waiters.remove(&op) {
                    Some(Waiter::Call(ticket, kind)) => {
                        let reply = match kind {
                            CallKind::Stat => stat_reply(result),
                            CallKind::Read => FileReply::Read(result.and_then(|r| match r {
                                OpResult::File { attr, data } => Ok((stat_of(&attr), data)),
                                _ => Err(Errno::Io),
                            })),
                            CallKind::StatFs => FileReply::StatFs(result.and_then(|r| match r {
                                OpResult::StatFs { total_bytes, free_bytes, avail_bytes, .. } => {
                                    Ok(FsUsage { total_bytes, free_bytes, avail_bytes })
                                }
                                _ => Err(Errno::Io),
                            })),
                        };
                        self.answer_call(now, ticket, reply);
                    }
                    Some(Waiter::Mount(ticket)) => {
                        let ok = result.is_ok();
                        self.answer_call(now, ticket, stat_reply(result));
                        self.mounts.list[i].ready = ok;
                        self.mounts.list[i].failed = !ok;
                    }
                    None => {}
                },
            }
        }
        moved
    }
}
