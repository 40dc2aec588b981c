//! knfsd's NFSv3 service (RFC 1813; spec-nfs.md §5, §6; Linux `fs/nfsd/nfs3proc.c`,
//! `fs/nfsd/vfs.c`, `fs/nfsd/nfsfh.c`). A handle is checked first (`fh_verify`): one this server
//! did not make is BADHANDLE; one whose export is gone or no longer lets this client in, or whose
//! file is gone or was replaced, is STALE (`nfsd_set_fh_dentry`: no export → nfserr_stale). The
//! caller acts as its AUTH_SYS identity after the export's squash rules; `ro` exports refuse
//! changes with ROFS, `secure` exports refuse unprivileged ports with PERM, and AUTH_NONE is
//! refused with ACCES (exports are `sec=sys`; NULL needs no handle and is always answered).
//!
//! Version 3 only: a call for version 4 (or 2) gets PROG_MISMATCH 3–3, which the Linux client
//! turns into EPROTONOSUPPORT and falls back to v3 (spec §1). WRITE is always FILE_SYNC; the
//! write verifier is given at start and stays for the server's lifetime.

mod ops;

use std::collections::VecDeque;
use std::net::SocketAddrV4;

use super::access::Who;
use super::exports::{Client, Exports, Options};
use super::rpc::Outcome;
use super::tree::{Attr, FileTree, Ino, Kind};
use super::{Answer, Event, serve_message};
use crate::wire::nfs3::{self as wire, Call, Fattr, Fh, Ftype, Handle, NfsTime, SpecData, Stat, WccAttr};

/// The NFS server's state: its write verifier and what it did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Nfsd {
    verifier: [u8; 8],
    events: VecDeque<Event>,
}

/// Ports below this are privileged (`secure` exports want them).
const IPPORT_RESERVED: u16 = 1024;

/// What one call works with.
pub(super) struct Ctx<'a> {
    pub(super) tree: &'a mut dyn FileTree,
    pub(super) exports: &'a Exports,
    pub(super) client: &'a Client,
    pub(super) from: SocketAddrV4,
    pub(super) cred: &'a super::rpc::Cred,
    pub(super) now_us: u64,
    pub(super) verifier: [u8; 8],
}

/// A verified handle: the file, its export's options and the caller's identity there.
pub(super) struct Target {
    pub(super) handle: Handle,
    pub(super) attr: Attr,
    pub(super) options: Options,
    pub(super) who: Who,
}

impl Nfsd {
    /// A server started with this write verifier (a new one at every start, so clients resend
    /// what was not committed).
    pub(crate) fn new(verifier: [u8; 8]) -> Nfsd {
        Nfsd { verifier, events: VecDeque::new() }
    }

    /// Answers one message from `client` at `from`; `now_us` is the server's clock.
    pub(crate) fn handle_message(
        &mut self,
        now_us: u64,
        from: SocketAddrV4,
        client: &Client,
        message: &[u8],
        exports: &Exports,
        tree: &mut dyn FileTree,
    ) -> Option<Vec<u8>> {
        let mut events = std::mem::take(&mut self.events);
        let verifier = self.verifier;
        let reply = serve_message(message, from, (wire::PROGRAM, wire::VERSION, wire::VERSION), &mut events, |req, _| {
            let call = match Call::decode(req.procedure, req.args) {
                Ok(Some(call)) if sane(&call) => call,
                Ok(None) => return (Outcome::ProcUnavail, Answer::ProcUnavail),
                Ok(Some(_)) | Err(_) => return (Outcome::GarbageArgs, Answer::GarbageArgs),
            };
            let mut ctx = Ctx { tree, exports, client, from, cred: &req.cred, now_us, verifier };
            let reply = ops::call(&mut ctx, call);
            (Outcome::Results(reply.to_bytes()), Answer::Nfs(reply.status()))
        });
        self.events = events;
        reply
    }

    /// The next thing that happened.
    pub(crate) fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }
}

impl Ctx<'_> {
    /// `fh_verify`: the file a handle names, its export and the caller's identity there.
    pub(super) fn verify(&self, fh: &Fh) -> Result<Target, Stat> {
        let handle = Handle::parse(fh).map_err(|_| Stat::BadHandle)?;
        let export = self.exports.exports.iter().find(|e| self.tree.resolve(&e.path) == Ok(handle.export_root)).ok_or(Stat::Stale)?;
        let (_, options) = self.exports.find(&export.path, self.client).ok_or(Stat::Stale)?;
        if options.secure && self.from.port() >= IPPORT_RESERVED {
            return Err(Stat::Perm);
        }
        // `check_nfsd_access`: exports are `sec=sys` (nfs-utils' default), so an AUTH_NONE call
        // is the wrong flavor, which `nfsd3_map_status` reports as ACCES.
        if self.cred == &super::rpc::Cred::None {
            return Err(Stat::Acces);
        }
        let attr = self.tree.attr(handle.ino).filter(|a| a.generation == handle.generation).ok_or(Stat::Stale)?;
        Ok(Target { handle, attr, options: options.clone(), who: Who::squashed(self.cred, options) })
    }

    /// The handle of another file of the same export.
    pub(super) fn handle_of(&self, t: &Target, ino: Ino) -> Option<(Fh, Attr)> {
        let attr = self.tree.attr(ino)?;
        Some((Handle { export_root: t.handle.export_root, ino, generation: attr.generation }.to_fh(), attr))
    }

    /// `fattr3` of an inode.
    pub(super) fn fattr(&self, a: &Attr) -> Fattr {
        Fattr {
            ftype: match a.kind {
                Kind::File => Ftype::Reg,
                Kind::Dir => Ftype::Dir,
            },
            mode: a.mode & 0o7777,
            nlink: a.nlink,
            uid: a.uid,
            gid: a.gid,
            size: a.size,
            used: a.size.div_ceil(4096) * 4096,
            rdev: SpecData { major: 0, minor: 0 },
            fsid: self.tree.fsid(),
            fileid: a.ino,
            atime: time(a.atime_us),
            mtime: time(a.mtime_us),
            ctime: time(a.ctime_us),
        }
    }

    /// `post_op_attr` of an inode (absent if it is gone).
    pub(super) fn post(&self, ino: Ino) -> Option<Fattr> {
        self.tree.attr(ino).map(|a| self.fattr(&a))
    }
}

/// What knfsd's decoders refuse beyond the XDR layout (`fs/nfsd/nfs3xdr.c`), answered
/// GARBAGE_ARGS: a name that is empty, longer than 255 bytes or holds a NUL or a slash
/// (`svcxdr_decode_filename3`), a WRITE whose count is not its data's length
/// (`nfs3svc_decode_writeargs`).
fn sane(call: &Call) -> bool {
    let names = call.names().into_iter().all(|n| !n.is_empty() && n.len() <= wire::MAXNAMLEN && !n.contains(['/', '\0']));
    let write = match call {
        Call::Write(w) => usize::try_from(w.count).is_ok_and(|c| c == w.data.len()),
        _ => true,
    };
    names && write
}

/// `nfstime3` of µs since the epoch.
pub(super) fn time(us: u64) -> NfsTime {
    NfsTime { seconds: u32::try_from(us / 1_000_000).unwrap_or(u32::MAX), nseconds: u32::try_from(us % 1_000_000 * 1000).unwrap_or(0) }
}

/// `wcc_attr` of an inode.
pub(super) fn wcc_attr(a: &Attr) -> WccAttr {
    WccAttr { size: a.size, mtime: time(a.mtime_us), ctime: time(a.ctime_us) }
}
