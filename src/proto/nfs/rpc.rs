//! What every ONC RPC server does before a program sees a call, in Linux's order
//! (`svc_process_common` in `net/sunrpc/svc.c`; `svc_authenticate`, and `svcauth_null_accept`
//! and `svcauth_unix_accept` in `net/sunrpc/svcauth_unix.c`, as of 6.x): drop what is not a
//! call; RPC_MISMATCH for an RPC version other than 2; the credential (AUTH_ERROR BADCRED for
//! an unknown flavor, an AUTH_NONE credential with a body or an AUTH_SYS one with more than 16
//! groups; BADVERF for a verifier other than an empty AUTH_NONE; GARBAGE_ARGS for an AUTH_SYS
//! body that does not decode); then PROG_UNAVAIL and PROG_MISMATCH. The rest goes to the program
//! with its credential; the program answers with an [`Outcome`] that [`reply`] turns into the
//! reply message.

use crate::wire::rpc::{self, AcceptStat, AuthSys, AuthSysFault, Message, RejectStat, Reply, ReplyBody};
use crate::wire::xdr::Writer;

/// The caller's identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Cred {
    /// AUTH_NONE: anonymous (knfsd maps it to the export's anonuid/anongid).
    None,
    /// AUTH_SYS.
    Sys(AuthSys),
}

/// A call for the program, checked up to its version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Request<'a> {
    /// Transaction id.
    pub(crate) xid: u32,
    /// Program version.
    pub(crate) version: u32,
    /// Procedure number.
    pub(crate) procedure: u32,
    /// Who calls.
    pub(crate) cred: Cred,
    /// The encoded arguments.
    pub(crate) args: &'a [u8],
}

/// How a program answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// SUCCESS with these encoded results.
    Results(Vec<u8>),
    /// PROC_UNAVAIL.
    ProcUnavail,
    /// GARBAGE_ARGS.
    GarbageArgs,
}

/// What the RPC layer makes of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Accept<'a> {
    /// A call for the program.
    Serve(Request<'a>),
    /// Answered here (the reply and its header, for the trace).
    Refuse {
        /// The reply message.
        reply: Vec<u8>,
        /// Its header.
        header: Reply,
        /// The call's program, version and procedure.
        call: (u32, u32, u32),
    },
    /// Not a call, or too short or malformed to answer: dropped without a reply.
    Drop,
}

/// Checks one message (a UDP datagram or a TCP record) for a server of `program` that supports
/// versions `low..=high`.
pub(crate) fn accept(message: &[u8], program: u32, low: u32, high: u32) -> Accept<'_> {
    let Ok((Message::Call(call), at)) = Message::parse(message) else { return Accept::Drop };
    let refuse = |body: ReplyBody| {
        let header = Reply { xid: call.xid, body };
        Accept::Refuse { reply: Message::Reply(header.clone()).with_body(&[]), header, call: (call.program, call.version, call.procedure) }
    };
    if call.rpc_version != rpc::RPC_VERSION {
        return refuse(ReplyBody::Denied(RejectStat::RpcMismatch { low: rpc::RPC_VERSION, high: rpc::RPC_VERSION }));
    }
    let none = || rpc::OpaqueAuth::none();
    let bad_cred = ReplyBody::Denied(RejectStat::AuthError(rpc::AUTH_BADCRED));
    let cred = match call.cred.flavor {
        rpc::AUTH_NONE if call.cred.body.is_empty() => Cred::None,
        rpc::AUTH_SYS => match AuthSys::parse(&call.cred.body) {
            Ok(sys) => Cred::Sys(sys),
            Err(AuthSysFault::TooManyGroups) => return refuse(bad_cred),
            Err(AuthSysFault::Garbage) => return refuse(ReplyBody::Accepted { verf: none(), stat: AcceptStat::GarbageArgs }),
        },
        // No other flavor is registered (`svc_authenticate`), and AUTH_NONE carries no body.
        _ => return refuse(bad_cred),
    };
    if call.verf != rpc::OpaqueAuth::none() {
        return refuse(ReplyBody::Denied(RejectStat::AuthError(rpc::AUTH_BADVERF)));
    }
    if call.program != program {
        return refuse(ReplyBody::Accepted { verf: none(), stat: AcceptStat::ProgUnavail });
    }
    if !(low..=high).contains(&call.version) {
        return refuse(ReplyBody::Accepted { verf: none(), stat: AcceptStat::ProgMismatch { low, high } });
    }
    Accept::Serve(Request { xid: call.xid, version: call.version, procedure: call.procedure, cred, args: &message[at..] })
}

/// The reply message for a served call.
pub(crate) fn reply(xid: u32, outcome: &Outcome) -> Vec<u8> {
    let stat = match outcome {
        Outcome::Results(_) => AcceptStat::Success,
        Outcome::ProcUnavail => AcceptStat::ProcUnavail,
        Outcome::GarbageArgs => AcceptStat::GarbageArgs,
    };
    let mut w = Writer::new();
    Message::Reply(Reply::accepted(xid, stat)).encode(&mut w);
    let mut out = w.into_bytes();
    if let Outcome::Results(results) = outcome {
        out.extend_from_slice(results);
    }
    out
}
