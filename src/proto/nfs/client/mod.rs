//! The Linux NFSv3 client, sans-IO (spec-nfs.md §1, §7–§9): what `mount.nfs` does in user
//! space before the kernel mounts ([`mount`]), and the kernel's client of one mount
//! ([`NfsClient`]): operations the glue starts for processes (stat, open and read, readdir,
//! statfs, open and write), each a small state machine over the caches and one TCP connection.
//!
//! | module | what |
//! |---|---|
//! | [`options`] | nfs(5) mount options, their messages, the `/proc/mounts` string |
//! | [`fstab`] | `/etc/fstab` as libmount reads it |
//! | [`mount`] | mount.nfs's probes and MNT, over portmap, NFS NULL and mountd |
//! | [`transport`] | the RPC client: xids, record marking, timers, reconnection, the log lines |
//! | [`cache`] | attributes (`attrtimeo`), data, ACCESS results, dentries |
//! | `walk`, `ops` | a path walk; each operation's calls |

pub(crate) mod cache;
pub(crate) mod fstab;
pub(crate) mod mount;
pub(crate) mod options;
pub(crate) mod transport;

#[cfg(test)]
mod mount_tests;
mod ops;
#[cfg(test)]
mod tests;
mod walk;

use std::collections::{BTreeMap, VecDeque};

use self::cache::Cache;
use self::ops::{Ctx, IoSizes, Running, Step};
use self::transport::{CallError, Timeout, Transport};
use crate::kernel::SimTime;
use crate::wire::nfs3::{self, Fattr, Fh, Ftype, NfsTime, Reply, Stat};
use crate::wire::rpc::{AuthSys, MAX_GIDS};

pub(crate) use self::options::Options;
pub(crate) use crate::proto::errno::Errno;

/// What the kernel was given to mount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MountInfo {
    /// The server as written in the mount source, for log lines.
    pub(crate) server: String,
    /// The exported path.
    pub(crate) export: String,
    /// The root handle MNT returned.
    pub(crate) root: Fh,
    /// The mount options.
    pub(crate) options: Options,
    /// The client's host name (AUTH_SYS machinename).
    pub(crate) machinename: String,
}

/// The calling process's file-system identity (fsuid, fsgid, supplementary groups).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cred {
    /// fsuid.
    pub(crate) uid: u32,
    /// fsgid.
    pub(crate) gid: u32,
    /// Supplementary groups (the first 16 are sent).
    pub(crate) gids: Vec<u32>,
}

/// An operation's number.
pub(crate) type OpId = u64;

/// What a process asks of the mount. Paths are relative to the mount's root (`""` = the root,
/// no leading slash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Op {
    /// After MNT: FSINFO, PATHCONF and FSINFO of the root (`nfs_probe_fsinfo`,
    /// `nfs3_proc_get_root`); sets rsize/wsize; gives the root's attributes.
    Probe,
    /// stat(2): cached attributes while fresh, else GETATTR.
    Stat(String),
    /// open(2), read(2) to the end, close(2): close-to-open GETATTR (ESTALE → LOOKUP again),
    /// ACCESS unless cached, READ in rsize pieces unless the data cache is valid.
    ReadFile(String),
    /// opendir(3) and readdir(3): READDIRPLUS unless the listing is cached; names and
    /// attributes (no client program asks yet: `ls` of a mount is to come).
    #[cfg_attr(not(test), allow(dead_code))]
    ReadDir(String),
    /// statfs(2): FSSTAT.
    StatFs,
    /// open(2) with O_CREAT and O_TRUNC or O_APPEND, write(2), close(2) (no client program
    /// writes through a mount yet).
    #[cfg_attr(not(test), allow(dead_code))]
    WriteFile {
        /// The file.
        path: String,
        /// What is written.
        data: Vec<u8>,
        /// O_APPEND (else O_TRUNC).
        append: bool,
    },
}

/// What an operation gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum OpResult {
    /// stat's (and Probe's) attributes.
    Attr(FileAttr),
    /// The attributes the file had and its bytes.
    File {
        /// Attributes.
        attr: FileAttr,
        /// Contents.
        data: Vec<u8>,
    },
    /// A directory's entries (without `.` and `..`), in the server's order.
    Dir(Vec<(String, FileAttr)>),
    /// statfs.
    StatFs {
        /// Size in bytes.
        total_bytes: u64,
        /// Free bytes.
        free_bytes: u64,
        /// Bytes available to unprivileged users.
        avail_bytes: u64,
        /// Inodes.
        total_files: u64,
        /// Free inodes.
        free_files: u64,
    },
    /// Written.
    Done,
}

/// A file's attributes as stat(2) shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileAttr {
    /// A directory.
    pub(crate) is_dir: bool,
    /// `st_mode`: the type bits (`S_IFREG`, `S_IFDIR`, …) and the permission bits.
    pub(crate) mode: u32,
    /// Links.
    pub(crate) nlink: u32,
    /// Owner.
    pub(crate) uid: u32,
    /// Group.
    pub(crate) gid: u32,
    /// Size.
    pub(crate) size: u64,
    /// Inode number.
    pub(crate) fileid: u64,
    /// Modification time, µs since the Unix epoch.
    pub(crate) mtime_us: u64,
    /// Change time, µs since the Unix epoch.
    pub(crate) ctime_us: u64,
}

fn micros(t: &NfsTime) -> u64 {
    u64::from(t.seconds) * 1_000_000 + u64::from(t.nseconds) / 1_000
}

impl From<&Fattr> for FileAttr {
    /// `nfs_fattr_to_...`: `fattr3`'s type becomes `st_mode`'s type bits.
    fn from(a: &Fattr) -> FileAttr {
        let kind = match a.ftype {
            Ftype::Reg => 0o100_000,
            Ftype::Dir => 0o040_000,
            Ftype::Blk => 0o060_000,
            Ftype::Chr => 0o020_000,
            Ftype::Lnk => 0o120_000,
            Ftype::Sock => 0o140_000,
            Ftype::Fifo => 0o010_000,
        };
        FileAttr {
            is_dir: a.ftype == Ftype::Dir,
            mode: kind | (a.mode & 0o7777),
            nlink: a.nlink,
            uid: a.uid,
            gid: a.gid,
            size: a.size,
            fileid: a.fileid,
            mtime_us: micros(&a.mtime),
            ctime_us: micros(&a.ctime),
        }
    }
}

/// `nfs3_stat_to_errno` / `nfs_stat_to_errno` (`fs/nfs/nfs3xdr.c`): each status's errno; the
/// statuses with kernel-internal errnos (BADHANDLE, NOTSUPP, SERVERFAULT, …) and the rest as EIO.
pub(crate) fn errno_of(stat: Stat) -> Errno {
    match stat {
        Stat::Perm => Errno::Perm,
        Stat::NoEnt => Errno::NoEnt,
        Stat::Acces => Errno::Acces,
        Stat::Exist => Errno::Exist,
        Stat::NotDir => Errno::NotDir,
        Stat::IsDir => Errno::IsDir,
        Stat::Inval => Errno::Inval,
        Stat::Fbig => Errno::Fbig,
        Stat::NoSpc => Errno::NoSpc,
        Stat::Rofs => Errno::Rofs,
        Stat::NameTooLong => Errno::NameTooLong,
        Stat::NotEmpty => Errno::NotEmpty,
        Stat::Dquot => Errno::Dquot,
        Stat::Stale => Errno::Stale,
        _ => Errno::Io,
    }
}

/// What the client reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ClientEvent {
    /// An operation ended.
    Done {
        /// Which.
        op: OpId,
        /// How.
        result: Result<OpResult, Errno>,
    },
    /// A kernel log line (`nfs: server 192.168.20.204 not responding, still trying`).
    Log(String),
}

/// One running operation and the procedure of its outstanding call.
#[derive(Debug, Clone)]
struct Slot {
    running: Running,
    cred: Cred,
    procedure: u32,
}

/// The kernel's client of one NFSv3 mount.
#[derive(Debug, Clone)]
pub(crate) struct NfsClient {
    mount: MountInfo,
    transport: Transport,
    cache: Cache,
    sizes: IoSizes,
    next_op: OpId,
    /// Boxed: a slot is large, and a tree node moves its neighbours on each insert and removal.
    ops: BTreeMap<OpId, Box<Slot>>,
    events: VecDeque<ClientEvent>,
}

/// FNV-1a, to draw a first xid from the host name and the time (the kernel's is random,
/// `xprt_init_xid`; labsim's must be reproducible).
fn first_xid(name: &str, now: SimTime) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in name.bytes().chain(now.as_micros().to_be_bytes()) {
        h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    h
}

/// What an operation of `uid` works with.
fn ctx<'a>(now: SimTime, cache: &'a mut Cache, sizes: &'a mut IoSizes, mount: &'a MountInfo, uid: u32) -> Ctx<'a> {
    Ctx { now, cache, sizes, root: &mount.root, cto: mount.options.cto, ro: mount.options.ro, uid }
}

impl NfsClient {
    /// The client of a mount MNT just gave the root of.
    pub(crate) fn new(now: SimTime, mount: MountInfo) -> NfsClient {
        let o = &mount.options;
        let transport = Transport::new(mount.server.clone(), o.hard, Timeout::tcp(o.timeo, o.retrans), first_xid(&mount.machinename, now));
        let cache = Cache::new(o);
        let sizes = IoSizes { rsize: o.rsize, wsize: o.wsize, dtsize: 4096 };
        NfsClient { transport, cache, sizes, next_op: 1, ops: BTreeMap::new(), events: VecDeque::new(), mount }
    }

    /// Starts an operation for a process with `cred`; its end is a [`ClientEvent::Done`].
    pub(crate) fn start(&mut self, now: SimTime, op: Op, cred: Cred) -> OpId {
        let id = self.next_op;
        self.next_op += 1;
        let mut running = Running::new(op, &self.mount.root);
        match running.start(&mut ctx(now, &mut self.cache, &mut self.sizes, &self.mount, cred.uid)) {
            // Answered at once (from the caches): `apply` would remove the slot just inserted
            // and cancel the calls of an id no call carries yet, leaving only the event.
            Step::Done(result) => self.events.push_back(ClientEvent::Done { op: id, result }),
            step => {
                self.ops.insert(id, Box::new(Slot { running, cred, procedure: 0 }));
                self.apply(now, id, step);
            }
        }
        id
    }

    fn apply(&mut self, now: SimTime, id: OpId, step: Step) {
        match step {
            Step::Call(call) => {
                let Some(slot) = self.ops.get_mut(&id) else { return };
                slot.procedure = call.procedure();
                let c = &slot.cred;
                let gids = c.gids.iter().take(MAX_GIDS).copied().collect();
                let auth = AuthSys { stamp: 0, machine_name: self.mount.machinename.clone(), uid: c.uid, gid: c.gid, gids }.to_auth();
                self.transport.call(now, id, (nfs3::PROGRAM, nfs3::VERSION, call.procedure()), auth, &call.to_bytes());
            }
            Step::Done(result) => {
                self.ops.remove(&id);
                self.transport.cancel(id);
                self.events.push_back(ClientEvent::Done { op: id, result });
            }
        }
    }

    /// True when calls wait and no connection is up: the glue connects to the server's port
    /// 2049 from a reserved source port, then reports [`NfsClient::handle_connected`] or
    /// [`NfsClient::handle_disconnected`]. It stays true while the glue connects, so the
    /// glue asks only when it has no connection attempt of its own running.
    pub(crate) fn wants_connection(&self) -> bool {
        self.transport.wants_connection()
    }

    /// True when the server sent bytes that are not RPC records: the glue closes (resets) the
    /// connection and reports [`NfsClient::handle_disconnected`].
    pub(crate) fn wants_close(&self) -> bool {
        self.transport.wants_close()
    }

    /// The connection is up: outstanding calls are (re)sent.
    pub(crate) fn handle_connected(&mut self, now: SimTime) {
        self.transport.connected(now);
    }

    /// The connection broke or could not be made (reset, refused, unreachable, closed by the
    /// peer): the next attempt comes after the reconnect delay.
    pub(crate) fn handle_disconnected(&mut self, now: SimTime) {
        self.transport.disconnected(now);
    }

    /// The next record-marked bytes for the stream.
    pub(crate) fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.transport.poll_transmit()
    }

    /// Bytes from the stream, cut anywhere.
    pub(crate) fn handle_data(&mut self, now: SimTime, bytes: &[u8]) {
        self.transport.handle_data(now, bytes);
        self.drain(now);
    }

    /// Fires the timers due at `now`.
    pub(crate) fn handle_timeout(&mut self, now: SimTime) {
        self.transport.handle_timeout(now);
        self.drain(now);
    }

    /// When [`NfsClient::handle_timeout`] wants to run.
    pub(crate) fn poll_timeout(&self) -> Option<SimTime> {
        self.transport.poll_timeout()
    }

    /// The next thing that happened.
    pub(crate) fn poll_event(&mut self) -> Option<ClientEvent> {
        self.events.pop_front()
    }

    /// Operations running (umount refuses with "target is busy").
    pub(crate) fn has_work(&self) -> bool {
        !self.ops.is_empty()
    }

    /// The options string `/proc/mounts` shows, with the negotiated sizes.
    pub(crate) fn proc_mounts(&self, addr: &str, mountport: u16) -> String {
        self.mount.options.proc_mounts(self.sizes.rsize, self.sizes.wsize, addr, mountport)
    }

    /// The attribute cache of the mount (for tests and `/proc`-like views).
    #[cfg(test)]
    pub(crate) fn cache(&self) -> &Cache {
        &self.cache
    }

    /// Hands the transport's replies and failures to their operations.
    fn drain(&mut self, now: SimTime) {
        while let Some(event) = self.transport.poll_event() {
            match event {
                transport::Event::Log(line) => self.events.push_back(ClientEvent::Log(line)),
                transport::Event::Failed { tag, error } => {
                    let errno = match error {
                        CallError::Auth => Errno::Acces,
                        CallError::TimedOut | CallError::Rpc => Errno::Io,
                    };
                    self.apply(now, tag, Step::Done(Err(errno)));
                }
                transport::Event::Reply { tag, results } => {
                    let Some(slot) = self.ops.get_mut(&tag) else { continue };
                    let step = match Reply::decode(slot.procedure, &results) {
                        Ok(reply) => slot.running.reply(&mut ctx(now, &mut self.cache, &mut self.sizes, &self.mount, slot.cred.uid), reply),
                        Err(_) => Step::Done(Err(Errno::Io)),
                    };
                    self.apply(now, tag, step);
                }
            }
        }
    }
}
