//! Portmap version 2 (RFC 1833 §3; spec-nfs.md §3): the arguments and results of its
//! procedures, both ways (mount.nfs and showmount ask, the NFS host's portmapper answers).
//!
//! ```text
//! mapping = prog:u32 vers:u32 prot:u32 (6 TCP, 17 UDP) port:u32
//! NULL() → void   SET(mapping) → bool   UNSET(mapping) → bool   GETPORT(mapping) → port:u32
//! DUMP() → *pmaplist (1, mapping, 1, mapping, …, 0)
//! ```
//!
//! CALLIT (5) is not modelled: the server answers it PROC_UNAVAIL ([`Call::decode`] → `None`).

use super::xdr::{List, Reader, Writer, Xdr, xdr_struct};
use super::{Error, Result};

/// The portmapper's program number.
pub(crate) const PROGRAM: u32 = 100_000;
/// Its version 2.
pub(crate) const VERSION: u32 = 2;
/// Its port, UDP and TCP.
pub(crate) const PORT: u16 = 111;
/// `IPPROTO_TCP` in a mapping.
pub(crate) const IPPROTO_TCP: u32 = 6;
/// `IPPROTO_UDP` in a mapping.
pub(crate) const IPPROTO_UDP: u32 = 17;

/// Procedure numbers.
pub(crate) mod proc {
    /// NULL.
    pub(crate) const NULL: u32 = 0;
    /// SET.
    pub(crate) const SET: u32 = 1;
    /// UNSET.
    pub(crate) const UNSET: u32 = 2;
    /// GETPORT.
    pub(crate) const GETPORT: u32 = 3;
    /// DUMP.
    pub(crate) const DUMP: u32 = 4;
}

xdr_struct!(
    /// One registration (`struct mapping`).
    Mapping {
        /// Program number.
        prog: u32,
        /// Version.
        vers: u32,
        /// IPPROTO_TCP or IPPROTO_UDP.
        prot: u32,
        /// Port (ignored in GETPORT's argument).
        port: u32,
    }
);

/// A call's arguments, by procedure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Call {
    /// NULL.
    Null,
    /// SET: register a mapping.
    Set(Mapping),
    /// UNSET: remove the mappings of a program and version (prot and port ignored).
    Unset(Mapping),
    /// GETPORT: the port of a program, version and protocol.
    Getport(Mapping),
    /// DUMP: every mapping.
    Dump,
}

impl Call {
    /// The procedure number.
    pub(crate) const fn procedure(&self) -> u32 {
        match self {
            Call::Null => proc::NULL,
            Call::Set(_) => proc::SET,
            Call::Unset(_) => proc::UNSET,
            Call::Getport(_) => proc::GETPORT,
            Call::Dump => proc::DUMP,
        }
    }

    /// Reads the arguments of procedure `procedure`: `Ok(None)` for a procedure not modelled
    /// (PROC_UNAVAIL), an error for garbage (GARBAGE_ARGS).
    pub(crate) fn decode(procedure: u32, args: &[u8]) -> Result<Option<Call>> {
        let mut r = Reader::new(args);
        let call = match procedure {
            proc::NULL => Call::Null,
            proc::SET => Call::Set(Mapping::decode(&mut r)?),
            proc::UNSET => Call::Unset(Mapping::decode(&mut r)?),
            proc::GETPORT => Call::Getport(Mapping::decode(&mut r)?),
            proc::DUMP => Call::Dump,
            _ => return Ok(None),
        };
        r.finish()?;
        Ok(Some(call))
    }

    /// The encoded arguments.
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new();
        match self {
            Call::Null | Call::Dump => {}
            Call::Set(m) | Call::Unset(m) | Call::Getport(m) => m.encode(&mut w),
        }
        w.into_bytes()
    }
}

/// A reply's results, by procedure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reply {
    /// NULL.
    Null,
    /// SET: registered.
    Set(bool),
    /// UNSET: something was removed.
    Unset(bool),
    /// GETPORT: the port, 0 if not registered.
    Getport(u32),
    /// DUMP: the mappings.
    Dump(Vec<Mapping>),
}

impl Reply {
    /// Reads the results of procedure `procedure` (the caller knows what it asked).
    pub(crate) fn decode(procedure: u32, results: &[u8]) -> Result<Reply> {
        let mut r = Reader::new(results);
        let reply = match procedure {
            proc::NULL => Reply::Null,
            proc::SET => Reply::Set(r.bool()?),
            proc::UNSET => Reply::Unset(r.bool()?),
            proc::GETPORT => Reply::Getport(r.u32()?),
            proc::DUMP => Reply::Dump(List::<Mapping>::decode(&mut r)?.0),
            _ => return Err(Error),
        };
        r.finish()?;
        Ok(reply)
    }

    /// The encoded results.
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new();
        match self {
            Reply::Null => {}
            Reply::Set(b) | Reply::Unset(b) => w.bool(*b),
            Reply::Getport(port) => w.u32(*port),
            Reply::Dump(maps) => List(maps.clone()).encode(&mut w),
        }
        w.into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::rpc::tests::hex;
    use crate::wire::rpc::{AcceptStat, Call as RpcCall, Message, OpaqueAuth, Reply as RpcReply};

    /// spec-nfs.md §3: GETPORT(100003, 3, TCP) over UDP, xid 0x5e1f0001, and its answer 2049.
    const GETPORT_CALL: &str = "5e1f0001 00000000 00000002 000186a0 00000002 00000003 00000000 00000000 00000000 00000000
        000186a3 00000003 00000006 00000000";
    const GETPORT_REPLY: &str = "5e1f0001 00000001 00000000 00000000 00000000 00000000 00000801";

    fn getport_nfs() -> Call {
        Call::Getport(Mapping { prog: 100_003, vers: 3, prot: IPPROTO_TCP, port: 0 })
    }

    #[test]
    fn getport_vector_both_directions() {
        let header = Message::Call(RpcCall {
            xid: 0x5e1f_0001,
            rpc_version: 2,
            program: PROGRAM,
            version: VERSION,
            procedure: proc::GETPORT,
            cred: OpaqueAuth::none(),
            verf: OpaqueAuth::none(),
        });
        assert_eq!(header.with_body(&getport_nfs().to_bytes()), hex(GETPORT_CALL));
        let bytes = hex(GETPORT_CALL);
        let (parsed, at) = Message::parse(&bytes).unwrap();
        assert_eq!(parsed, header);
        assert_eq!(Call::decode(proc::GETPORT, &bytes[at..]), Ok(Some(getport_nfs())));

        let reply = Message::Reply(RpcReply::accepted(0x5e1f_0001, AcceptStat::Success));
        assert_eq!(reply.with_body(&Reply::Getport(2049).to_bytes()), hex(GETPORT_REPLY));
        let bytes = hex(GETPORT_REPLY);
        let (parsed, at) = Message::parse(&bytes).unwrap();
        assert_eq!(parsed, reply);
        assert_eq!(Reply::decode(proc::GETPORT, &bytes[at..]), Ok(Reply::Getport(2049)));
    }

    #[test]
    fn every_procedure_round_trips() {
        let m = Mapping { prog: 100_005, vers: 3, prot: IPPROTO_UDP, port: 20048 };
        for call in [Call::Null, Call::Set(m.clone()), Call::Unset(m.clone()), getport_nfs(), Call::Dump] {
            assert_eq!(Call::decode(call.procedure(), &call.to_bytes()), Ok(Some(call.clone())));
        }
        let replies = [
            (proc::NULL, Reply::Null),
            (proc::SET, Reply::Set(true)),
            (proc::UNSET, Reply::Unset(false)),
            (proc::GETPORT, Reply::Getport(0)),
            (proc::DUMP, Reply::Dump(vec![m.clone(), m])),
        ];
        for (p, reply) in replies {
            let bytes = reply.to_bytes();
            assert_eq!(Reply::decode(p, &bytes), Ok(reply));
            for n in 0..bytes.len() {
                assert!(Reply::decode(p, &bytes[..n]).is_err());
            }
        }
    }

    #[test]
    fn garbage_and_unknown_procedures() {
        assert_eq!(Call::decode(5, &[]), Ok(None)); // CALLIT: not modelled
        assert!(Call::decode(proc::GETPORT, &hex("000186a3 00000003")).is_err());
        assert!(Call::decode(proc::NULL, &[0, 0, 0, 0]).is_err());
        assert!(Reply::decode(proc::SET, &hex("00000002")).is_err());
    }
}
