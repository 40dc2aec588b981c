//! ONC RPC version 2 messages (RFC 5531 §9; spec-nfs.md §2) and their record marking on TCP
//! (RFC 5531 §11; spec §2.2).
//!
//! A message is `xid, mtype` then a call or a reply header; the procedure's arguments or results
//! follow the header and are read by the program's own module (`portmap`, `mount`, `nfs3`).
//! `Packet` (the byte fixtures' reader) is a view of the fixed words at the start of a message (enough to echo the xid in
//! a reply to garbage, and to route a call); [`Message::parse`] reads the whole header and
//! returns where the body starts. Credentials are carried as [`OpaqueAuth`]; [`AuthSys`] reads
//! an `AUTH_SYS` body.
//!
//! ```text
//! call : xid mtype=0 rpcvers=2 prog vers proc | cred: flavor, opaque<400> | verf: flavor, opaque<400> | args
//! reply: xid mtype=1 MSG_ACCEPTED=0 | verf | accept_stat [low high] | results
//!        xid mtype=1 MSG_DENIED=1   | reject_stat | RPC_MISMATCH: low high / AUTH_ERROR: auth_stat
//! ```

use super::xdr::{Reader, Writer};
use super::{Error, Result};

/// The RPC protocol version (RFC 5531 §9).
pub(crate) const RPC_VERSION: u32 = 2;
/// The largest credential or verifier body (`MAX_AUTH_BYTES`).
pub(crate) const MAX_AUTH_BYTES: usize = 400;
/// The longest AUTH_SYS machine name.
pub(crate) const MAX_MACHINE_NAME: usize = 255;
/// The most supplementary groups in an AUTH_SYS credential.
pub(crate) const MAX_GIDS: usize = 16;
/// `AUTH_NONE`.
pub(crate) const AUTH_NONE: u32 = 0;
/// `AUTH_SYS` (formerly AUTH_UNIX).
pub(crate) const AUTH_SYS: u32 = 1;
/// Message type CALL.
pub(crate) const CALL: u32 = 0;
/// Message type REPLY.
pub(crate) const REPLY: u32 = 1;

mod field {
    #[cfg(test)]
    use core::ops::Range;
    #[cfg(test)]
    pub(super) const XID: Range<usize> = 0..4;
    #[cfg(test)]
    pub(super) const MTYPE: Range<usize> = 4..8;
    #[cfg(test)]
    pub(super) const RPCVERS: Range<usize> = 8..12;
    #[cfg(test)]
    pub(super) const PROG: Range<usize> = 12..16;
    #[cfg(test)]
    pub(super) const VERS: Range<usize> = 16..20;
    #[cfg(test)]
    pub(super) const PROC: Range<usize> = 20..24;
    /// Where a call's credential starts.
    #[cfg(test)]
    pub(super) const CRED: usize = 24;
    /// The record-marking header: bit 31 last fragment, bits 0–30 the length.
    pub(super) const FRAG_HEADER: usize = 4;
    pub(super) const LAST_FRAGMENT: u32 = 0x8000_0000;
}

/// A view of the fixed words of an RPC message (the byte fixtures' reader; the daemons parse
/// whole messages with [`Message::parse`]).
#[cfg(test)]
#[derive(Debug, Clone)]
pub(crate) struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

#[cfg(test)]
impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps a buffer after checking it holds a call's fixed words, or a reply's `xid, mtype`.
    pub(crate) fn new_checked(buffer: T) -> Result<Packet<T>> {
        let p = Packet { buffer };
        let len = p.buffer.as_ref().len();
        if len < field::MTYPE.end || (p.msg_type() == CALL && len < field::CRED) {
            return Err(Error);
        }
        Ok(p)
    }

    fn word(&self, r: core::ops::Range<usize>) -> u32 {
        let b = &self.buffer.as_ref()[r];
        u32::from_be_bytes([b[0], b[1], b[2], b[3]])
    }

    /// The transaction id.
    pub(crate) fn xid(&self) -> u32 {
        self.word(field::XID)
    }

    /// CALL or REPLY (or anything else a sender wrote).
    pub(crate) fn msg_type(&self) -> u32 {
        self.word(field::MTYPE)
    }

    /// A call's RPC version.
    pub(crate) fn rpc_version(&self) -> u32 {
        self.word(field::RPCVERS)
    }

    /// A call's program number.
    pub(crate) fn program(&self) -> u32 {
        self.word(field::PROG)
    }

    /// A call's program version.
    pub(crate) fn version(&self) -> u32 {
        self.word(field::VERS)
    }

    /// A call's procedure number.
    pub(crate) fn procedure(&self) -> u32 {
        self.word(field::PROC)
    }
}

/// A credential or verifier: flavor and opaque body (`opaque_auth`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OpaqueAuth {
    /// AUTH_NONE, AUTH_SYS, …
    pub(crate) flavor: u32,
    /// At most 400 bytes.
    pub(crate) body: Vec<u8>,
}

impl OpaqueAuth {
    /// AUTH_NONE with an empty body: what servers send as their verifier.
    pub(crate) const fn none() -> OpaqueAuth {
        OpaqueAuth { flavor: AUTH_NONE, body: Vec::new() }
    }

    fn decode(r: &mut Reader<'_>) -> Result<OpaqueAuth> {
        let flavor = r.u32()?;
        let body = r.opaque(MAX_AUTH_BYTES)?.to_vec();
        Ok(OpaqueAuth { flavor, body })
    }

    fn encode(&self, w: &mut Writer) {
        w.u32(self.flavor);
        w.opaque(&self.body);
    }
}

/// The body of an AUTH_SYS credential (`authsys_parms`, RFC 5531 Appendix A).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AuthSys {
    /// An arbitrary id the caller chooses (Linux sends 0).
    pub(crate) stamp: u32,
    /// The caller's host name.
    pub(crate) machine_name: String,
    /// Effective user id.
    pub(crate) uid: u32,
    /// Effective group id.
    pub(crate) gid: u32,
    /// Supplementary groups (at most 16).
    pub(crate) gids: Vec<u32>,
}

/// Why an AUTH_SYS body was refused: Linux's `svcauth_unix_accept` answers a body it cannot
/// decode with GARBAGE_ARGS and one with more than 16 groups with AUTH_BADCRED.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AuthSysFault {
    /// Cut short, a machine name over 255 bytes, or trailing bytes.
    Garbage,
    /// More than [`MAX_GIDS`] supplementary groups.
    TooManyGroups,
}

impl AuthSys {
    /// Reads the body of an AUTH_SYS credential.
    pub(crate) fn parse(body: &[u8]) -> core::result::Result<AuthSys, AuthSysFault> {
        let garbage = |_| AuthSysFault::Garbage;
        let mut r = Reader::new(body);
        let stamp = r.u32().map_err(garbage)?;
        let machine_name = r.string(MAX_MACHINE_NAME).map_err(garbage)?.to_owned();
        let uid = r.u32().map_err(garbage)?;
        let gid = r.u32().map_err(garbage)?;
        let n = r.u32().map_err(garbage)? as usize;
        if n > MAX_GIDS {
            return Err(AuthSysFault::TooManyGroups);
        }
        let gids = (0..n).map(|_| r.u32()).collect::<Result<Vec<_>>>().map_err(garbage)?;
        r.finish().map_err(garbage)?;
        Ok(AuthSys { stamp, machine_name, uid, gid, gids })
    }

    /// As a credential.
    pub(crate) fn to_auth(&self) -> OpaqueAuth {
        let mut w = Writer::new();
        w.u32(self.stamp);
        w.string(&self.machine_name);
        w.u32(self.uid);
        w.u32(self.gid);
        w.u32(u32::try_from(self.gids.len()).unwrap_or(u32::MAX));
        for g in &self.gids {
            w.u32(*g);
        }
        OpaqueAuth { flavor: AUTH_SYS, body: w.into_bytes() }
    }
}

/// A call header (`call_body`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Call {
    /// Transaction id, echoed by the reply.
    pub(crate) xid: u32,
    /// RPC version (2; anything else is answered with RPC_MISMATCH).
    pub(crate) rpc_version: u32,
    /// Program number.
    pub(crate) program: u32,
    /// Program version.
    pub(crate) version: u32,
    /// Procedure number.
    pub(crate) procedure: u32,
    /// Credential.
    pub(crate) cred: OpaqueAuth,
    /// Verifier.
    pub(crate) verf: OpaqueAuth,
}

/// `accept_stat` with its arms (spec §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AcceptStat {
    /// SUCCESS (0): the procedure's results follow.
    Success,
    /// PROG_UNAVAIL (1).
    ProgUnavail,
    /// PROG_MISMATCH (2) with the supported version range.
    ProgMismatch {
        /// Lowest version supported.
        low: u32,
        /// Highest version supported.
        high: u32,
    },
    /// PROC_UNAVAIL (3).
    ProcUnavail,
    /// GARBAGE_ARGS (4).
    GarbageArgs,
    /// SYSTEM_ERR (5).
    SystemErr,
}

/// `reject_stat` with its arms (spec §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RejectStat {
    /// RPC_MISMATCH (0) with the supported RPC versions.
    RpcMismatch {
        /// Lowest.
        low: u32,
        /// Highest.
        high: u32,
    },
    /// AUTH_ERROR (1) with an `auth_stat` (AUTH_BADCRED 1, AUTH_REJECTEDCRED 2, AUTH_TOOWEAK 5, …).
    AuthError(u32),
}

/// `auth_stat` AUTH_BADCRED: the credential is malformed.
pub(crate) const AUTH_BADCRED: u32 = 1;
/// `auth_stat` AUTH_BADVERF: the verifier is malformed.
pub(crate) const AUTH_BADVERF: u32 = 3;

/// A reply header (`reply_body`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ReplyBody {
    /// MSG_ACCEPTED: a verifier and how the call went.
    Accepted {
        /// The server's verifier (AUTH_NONE).
        verf: OpaqueAuth,
        /// The outcome.
        stat: AcceptStat,
    },
    /// MSG_DENIED.
    Denied(RejectStat),
}

/// A reply header and its xid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reply {
    /// The call's xid.
    pub(crate) xid: u32,
    /// Accepted or denied.
    pub(crate) body: ReplyBody,
}

impl Reply {
    /// An accepted reply with an AUTH_NONE verifier, as servers send.
    pub(crate) const fn accepted(xid: u32, stat: AcceptStat) -> Reply {
        Reply { xid, body: ReplyBody::Accepted { verf: OpaqueAuth::none(), stat } }
    }
}

/// An RPC message header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Message {
    /// A call.
    Call(Call),
    /// A reply.
    Reply(Reply),
}

impl Message {
    /// Reads a message header and returns it with the offset where the arguments (or results)
    /// start. Unknown message types, reply stats or flavors-too-long are errors.
    pub(crate) fn parse(bytes: &[u8]) -> Result<(Message, usize)> {
        let mut r = Reader::new(bytes);
        let xid = r.u32()?;
        let msg = match r.u32()? {
            CALL => {
                let rpc_version = r.u32()?;
                let program = r.u32()?;
                let version = r.u32()?;
                let procedure = r.u32()?;
                let cred = OpaqueAuth::decode(&mut r)?;
                let verf = OpaqueAuth::decode(&mut r)?;
                Message::Call(Call { xid, rpc_version, program, version, procedure, cred, verf })
            }
            REPLY => Message::Reply(Reply { xid, body: decode_reply_body(&mut r)? }),
            _ => return Err(Error),
        };
        Ok((msg, bytes.len() - r.remaining()))
    }

    /// Appends the header; the caller appends the arguments or results.
    pub(crate) fn encode(&self, w: &mut Writer) {
        match self {
            Message::Call(c) => {
                w.u32(c.xid);
                w.u32(CALL);
                w.u32(c.rpc_version);
                w.u32(c.program);
                w.u32(c.version);
                w.u32(c.procedure);
                c.cred.encode(w);
                c.verf.encode(w);
            }
            Message::Reply(rep) => {
                w.u32(rep.xid);
                w.u32(REPLY);
                encode_reply_body(&rep.body, w);
            }
        }
    }

    /// The header followed by `body` (encoded arguments or results), as one message.
    pub(crate) fn with_body(&self, body: &[u8]) -> Vec<u8> {
        let mut w = Writer::new();
        self.encode(&mut w);
        let mut out = w.into_bytes();
        out.extend_from_slice(body);
        out
    }
}

fn decode_reply_body(r: &mut Reader<'_>) -> Result<ReplyBody> {
    match r.u32()? {
        0 => {
            let verf = OpaqueAuth::decode(r)?;
            let stat = match r.u32()? {
                0 => AcceptStat::Success,
                1 => AcceptStat::ProgUnavail,
                2 => AcceptStat::ProgMismatch { low: r.u32()?, high: r.u32()? },
                3 => AcceptStat::ProcUnavail,
                4 => AcceptStat::GarbageArgs,
                5 => AcceptStat::SystemErr,
                _ => return Err(Error),
            };
            Ok(ReplyBody::Accepted { verf, stat })
        }
        1 => Ok(ReplyBody::Denied(match r.u32()? {
            0 => RejectStat::RpcMismatch { low: r.u32()?, high: r.u32()? },
            1 => RejectStat::AuthError(r.u32()?),
            _ => return Err(Error),
        })),
        _ => Err(Error),
    }
}

fn encode_reply_body(body: &ReplyBody, w: &mut Writer) {
    match body {
        ReplyBody::Accepted { verf, stat } => {
            w.u32(0);
            verf.encode(w);
            match *stat {
                AcceptStat::Success => w.u32(0),
                AcceptStat::ProgUnavail => w.u32(1),
                AcceptStat::ProgMismatch { low, high } => {
                    w.u32(2);
                    w.u32(low);
                    w.u32(high);
                }
                AcceptStat::ProcUnavail => w.u32(3),
                AcceptStat::GarbageArgs => w.u32(4),
                AcceptStat::SystemErr => w.u32(5),
            }
        }
        ReplyBody::Denied(reject) => {
            w.u32(1);
            match *reject {
                RejectStat::RpcMismatch { low, high } => {
                    w.u32(0);
                    w.u32(low);
                    w.u32(high);
                }
                RejectStat::AuthError(stat) => {
                    w.u32(1);
                    w.u32(stat);
                }
            }
        }
    }
}

/// The largest fragment a header can announce (bits 0–30).
pub(crate) const MAX_FRAGMENT: usize = 0x7fff_ffff;

/// A message as one record on a TCP stream, cut into fragments of at most `max_fragment` bytes
/// (Linux clients and servers send one fragment, `0x80000000 | len`). An empty message is one
/// empty last fragment.
pub(crate) fn frame_record(message: &[u8], max_fragment: usize) -> Vec<u8> {
    let size = max_fragment.clamp(1, MAX_FRAGMENT);
    let mut out = Vec::with_capacity(message.len() + field::FRAG_HEADER * (message.len() / size + 1));
    let mut chunks = message.chunks(size).peekable();
    if chunks.peek().is_none() {
        out.extend_from_slice(&field::LAST_FRAGMENT.to_be_bytes());
    }
    while let Some(chunk) = chunks.next() {
        let last = if chunks.peek().is_none() { field::LAST_FRAGMENT } else { 0 };
        // `size` ≤ MAX_FRAGMENT, so the length fits in 31 bits.
        let len = u32::try_from(chunk.len()).unwrap_or(0);
        out.extend_from_slice(&(last | len).to_be_bytes());
        out.extend_from_slice(chunk);
    }
    out
}

/// The first whole record at the start of a TCP byte stream: `Ok(None)` while more bytes are
/// needed, `Ok(Some((message, consumed)))` once the last fragment is in, and an error when the
/// fragments announce more than `max_record` bytes (the receiver then closes the connection, as
/// Linux's `svc_tcp_recvfrom` does for a record over its limit).
pub(crate) fn split_record(stream: &[u8], max_record: usize) -> Result<Option<(Vec<u8>, usize)>> {
    let mut pos = 0;
    let mut total = 0usize;
    // First pass: check lengths without copying.
    loop {
        let Some(h) = stream.get(pos..pos + field::FRAG_HEADER) else { return Ok(None) };
        let word = u32::from_be_bytes([h[0], h[1], h[2], h[3]]);
        let len = (word & !field::LAST_FRAGMENT) as usize;
        total = total.saturating_add(len);
        if total > max_record {
            return Err(Error);
        }
        pos += field::FRAG_HEADER;
        if stream.len() - pos < len {
            return Ok(None);
        }
        pos += len;
        if word & field::LAST_FRAGMENT != 0 {
            break;
        }
    }
    let mut message = Vec::with_capacity(total);
    let mut at = 0;
    while at < pos {
        let h = &stream[at..at + field::FRAG_HEADER];
        let len = (u32::from_be_bytes([h[0], h[1], h[2], h[3]]) & !field::LAST_FRAGMENT) as usize;
        at += field::FRAG_HEADER;
        message.extend_from_slice(&stream[at..at + len]);
        at += len;
    }
    Ok(Some((message, pos)))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Hex words as bytes (fixtures are written as the spec prints them).
    pub(crate) fn hex(s: &str) -> Vec<u8> {
        let digits: Vec<u8> = s.bytes().filter(u8::is_ascii_hexdigit).collect();
        digits.chunks(2).map(|p| u8::from_str_radix(core::str::from_utf8(p).unwrap(), 16).unwrap()).collect()
    }

    /// spec-nfs.md §4: MNT("/web") from web-1 over TCP, record-marked, AUTH_SYS uid/gid 0.
    pub(crate) const MNT_CALL: &str = "80 00 00 4c | 00001234 00000000 00000002 000186a5 00000003 00000001 |
        00000001 0000001c 00000000 00000005 7765622d 31000000 00000000 00000000 00000000 |
        00000000 00000000 | 00000004 2f776562";

    fn mnt_call() -> Call {
        let cred = AuthSys { stamp: 0, machine_name: "web-1".into(), uid: 0, gid: 0, gids: vec![] };
        Call { xid: 0x1234, rpc_version: 2, program: 100_005, version: 3, procedure: 1, cred: cred.to_auth(), verf: OpaqueAuth::none() }
    }

    #[test]
    fn mnt_vector_both_directions() {
        let record = hex(MNT_CALL);
        let (msg, used) = split_record(&record, 1 << 20).unwrap().unwrap();
        assert_eq!(used, record.len());
        let (header, at) = Message::parse(&msg).unwrap();
        assert_eq!(header, Message::Call(mnt_call()));
        let Message::Call(call) = &header else { unreachable!() };
        assert_eq!(AuthSys::parse(&call.cred.body).unwrap().machine_name, "web-1");
        assert_eq!(&msg[at..], hex("00000004 2f776562"));
        let p = Packet::new_checked(&msg[..]).unwrap();
        assert_eq!((p.xid(), p.msg_type(), p.rpc_version()), (0x1234, CALL, 2));
        assert_eq!((p.program(), p.version(), p.procedure()), (100_005, 3, 1));
        // Construct: header + argument, framed as one fragment.
        let built = frame_record(&header.with_body(&hex("00000004 2f776562")), MAX_FRAGMENT);
        assert_eq!(built, record);
    }

    #[test]
    fn reply_stats_round_trip() {
        let bodies = [
            ReplyBody::Accepted { verf: OpaqueAuth::none(), stat: AcceptStat::Success },
            ReplyBody::Accepted { verf: OpaqueAuth::none(), stat: AcceptStat::ProgUnavail },
            ReplyBody::Accepted { verf: OpaqueAuth::none(), stat: AcceptStat::ProgMismatch { low: 3, high: 3 } },
            ReplyBody::Accepted { verf: OpaqueAuth::none(), stat: AcceptStat::ProcUnavail },
            ReplyBody::Accepted { verf: OpaqueAuth::none(), stat: AcceptStat::GarbageArgs },
            ReplyBody::Accepted { verf: OpaqueAuth::none(), stat: AcceptStat::SystemErr },
            ReplyBody::Denied(RejectStat::RpcMismatch { low: 2, high: 2 }),
            ReplyBody::Denied(RejectStat::AuthError(AUTH_BADVERF)),
        ];
        for body in bodies {
            let msg = Message::Reply(Reply { xid: 7, body });
            let bytes = msg.with_body(&[]);
            assert_eq!(Message::parse(&bytes).unwrap(), (msg, bytes.len()));
            for n in 0..bytes.len() {
                assert!(Message::parse(&bytes[..n]).is_err());
            }
        }
        // PROG_MISMATCH low=3 high=3, word for word (spec §1, §2.3).
        let mismatch = Message::Reply(Reply::accepted(9, AcceptStat::ProgMismatch { low: 3, high: 3 }));
        assert_eq!(mismatch.with_body(&[]), hex("00000009 00000001 00000000 00000000 00000000 00000002 00000003 00000003"));
        let denied = Message::Reply(Reply { xid: 9, body: ReplyBody::Denied(RejectStat::RpcMismatch { low: 2, high: 2 }) });
        assert_eq!(denied.with_body(&[]), hex("00000009 00000001 00000001 00000000 00000002 00000002"));
    }

    #[test]
    fn garbage_headers_are_errors() {
        assert!(Message::parse(&hex("00000001 00000002")).is_err()); // mtype 2
        assert!(Message::parse(&hex("00000001 00000001 00000002")).is_err()); // reply_stat 2
        // A credential announcing 401 bytes.
        let mut long = hex("00000001 00000000 00000002 000186a0 00000002 00000000 00000001 00000191");
        long.resize(long.len() + 404 + 8, 0);
        assert!(Message::parse(&long).is_err());
        assert!(Packet::new_checked(&hex("00000001 00000000 00000002")[..]).is_err());
        assert!(Packet::new_checked(&hex("00000001 00000001")[..]).is_ok());
        // AUTH_SYS with 17 groups, a 256-byte name, a trailing word.
        let mut sys = AuthSys { stamp: 0, machine_name: "a".into(), uid: 1, gid: 1, gids: vec![0; 17] }.to_auth().body;
        assert_eq!(AuthSys::parse(&sys), Err(AuthSysFault::TooManyGroups));
        sys = AuthSys { stamp: 0, machine_name: "a".repeat(256), uid: 1, gid: 1, gids: vec![] }.to_auth().body;
        assert_eq!(AuthSys::parse(&sys), Err(AuthSysFault::Garbage));
        sys = AuthSys { stamp: 0, machine_name: "a".into(), uid: 1, gid: 1, gids: vec![] }.to_auth().body;
        sys.extend_from_slice(&[0; 4]);
        assert_eq!(AuthSys::parse(&sys), Err(AuthSysFault::Garbage));
        assert_eq!(AuthSys::parse(&sys[..10]), Err(AuthSysFault::Garbage));
    }

    #[test]
    fn records_split_across_fragments_and_reads() {
        let message: Vec<u8> = (0..=99).collect();
        let stream = frame_record(&message, 40);
        assert_eq!(&stream[..4], [0, 0, 0, 40]); // not last
        assert_eq!(&stream[stream.len() - 24..stream.len() - 20], [0x80, 0, 0, 20]);
        assert_eq!(stream.len(), 100 + 3 * 4);
        for n in 0..stream.len() {
            assert_eq!(split_record(&stream[..n], 1000), Ok(None), "prefix {n}");
        }
        let mut two = stream.clone();
        two.extend_from_slice(&frame_record(b"next", 100));
        let (got, used) = split_record(&two, 1000).unwrap().unwrap();
        assert_eq!((got, used), (message, stream.len()));
        assert_eq!(split_record(&two[used..], 1000), Ok(Some((b"next".to_vec(), 8))));
        assert_eq!(frame_record(&[], 10), [0x80, 0, 0, 0]);
    }

    #[test]
    fn records_over_the_limit_are_refused_before_they_arrive() {
        // A header announcing 2 GiB is refused with 4 bytes in hand; so are fragments adding up.
        assert_eq!(split_record(&[0xff, 0xff, 0xff, 0xff], 1 << 20), Err(Error));
        let stream = frame_record(&[0; 100], 40);
        assert_eq!(split_record(&stream, 99), Err(Error));
        assert!(split_record(&stream, 100).unwrap().is_some());
    }
}
