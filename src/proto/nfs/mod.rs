//! The NFS server side of the lab's `nfs` host, sans-IO (spec-nfs.md): the portmapper
//! (`rpcbind`), `rpc.mountd` and knfsd's NFSv3 service, each a core that takes one RPC message
//! (a UDP datagram, or a TCP record the glue cut with [`crate::wire::rpc::split_record`]) and the
//! caller's address, and returns the reply message, reporting what happened as [`Event`]s.
//!
//! | module | what |
//! |---|---|
//! | [`exports`] | `/etc/exports` (nfs-utils' parser and messages) and which export a client gets |
//! | [`tree`] | the file system an export serves, as a trait the host's file system implements |
//! | [`rpc`] | the RPC layer in front of every program: RPC_MISMATCH, AUTH_ERROR, PROG_UNAVAIL, PROG_MISMATCH |
//! | [`portmap`] | the portmapper's registry (portmap v2) |
//! | [`mountd`] | MOUNT v3: MNT checks the export and the client, the mount list, the export list |
//! | [`nfsd`] | NFSv3: the procedures, file handles, squashing and permission checks |
//! | [`client`] | the other side: mount.nfs and the Linux kernel's NFSv3 client with its caches |
//! | [`tools`] | `showmount -e` and `rpcinfo -p`: their calls, replies, output and errors |
//!
//! Files and export tables are the caller's: mountd and nfsd read the same [`exports::Exports`]
//! (as knfsd reads the kernel's export cache that mountd fills) and nfsd works on a
//! [`tree::FileTree`].

pub(crate) mod client;
pub(crate) mod exports;
pub(crate) mod mountd;
pub(crate) mod nfsd;
pub(crate) mod portmap;
pub(crate) mod rpc;
pub(crate) mod tools;
pub(crate) mod tree;

mod access;
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) mod memtree;
#[cfg(test)]
mod tests;

use std::collections::VecDeque;
use std::net::SocketAddrV4;

use crate::wire::mount::MountStat;
use crate::wire::nfs3::Stat;
use crate::wire::rpc::ReplyBody;

/// What a server core did, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Event {
    /// A message that is not an answerable call (not a call, cut short): dropped, no reply.
    Dropped {
        /// Sender.
        from: SocketAddrV4,
        /// Its length.
        len: usize,
    },
    /// A call answered.
    Answered {
        /// Caller.
        from: SocketAddrV4,
        /// Transaction id.
        xid: u32,
        /// Program, version and procedure asked for.
        call: (u32, u32, u32),
        /// How it was answered.
        result: Answer,
    },
    /// A line the daemon logs, in its words (mountd's `authenticated mount request …`).
    Log(String),
}

/// How a call was answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Answer {
    /// Refused by the RPC layer (RPC_MISMATCH, AUTH_ERROR, PROG_UNAVAIL, PROG_MISMATCH).
    Refused(ReplyBody),
    /// PROC_UNAVAIL.
    ProcUnavail,
    /// GARBAGE_ARGS.
    GarbageArgs,
    /// Served; an NFS status.
    Nfs(Stat),
    /// Served; a MOUNT status.
    Mount(MountStat),
    /// Served (a procedure with no status).
    Done,
}

/// Runs the RPC layer for a server of `program` (`low..=high`), then `serve` for a call it
/// passes (which may log to the events first); records the answer and returns the reply.
fn serve_message(
    message: &[u8],
    from: SocketAddrV4,
    (program, low, high): (u32, u32, u32),
    events: &mut VecDeque<Event>,
    serve: impl FnOnce(&rpc::Request<'_>, &mut VecDeque<Event>) -> (rpc::Outcome, Answer),
) -> Option<Vec<u8>> {
    match rpc::accept(message, program, low, high) {
        rpc::Accept::Drop => {
            events.push_back(Event::Dropped { from, len: message.len() });
            None
        }
        rpc::Accept::Refuse { reply, header, call } => {
            events.push_back(Event::Answered { from, xid: header.xid, call, result: Answer::Refused(header.body) });
            Some(reply)
        }
        rpc::Accept::Serve(req) => {
            let (outcome, result) = match serve(&req, events) {
                (rpc::Outcome::ProcUnavail, _) => (rpc::Outcome::ProcUnavail, Answer::ProcUnavail),
                (rpc::Outcome::GarbageArgs, _) => (rpc::Outcome::GarbageArgs, Answer::GarbageArgs),
                done => done,
            };
            events.push_back(Event::Answered { from, xid: req.xid, call: (program, req.version, req.procedure), result });
            Some(rpc::reply(req.xid, &outcome))
        }
    }
}
