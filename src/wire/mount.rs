//! MOUNT version 3 (RFC 1813 Appendix I; spec-nfs.md §4): the arguments and results of mountd's
//! procedures, both ways (the kernel and showmount ask, rpc.mountd answers).
//!
//! ```text
//! NULL() → void           MNT(dirpath) → mountres3     DUMP() → *mountbody
//! UMNT(dirpath) → void    UMNTALL() → void             EXPORT() → *exportnode
//! mountres3  = status; MNT3_OK: fhandle3 opaque<64>, auth_flavors int<>
//! mountbody  = ml_hostname name<255>, ml_directory dirpath<1024>
//! exportnode = ex_dir dirpath<1024>, ex_groups *groupnode{gr_name name<255>}
//! ```

use super::xdr::{List, Reader, Writer, Xdr, xdr_enum};
use super::{Error, Result};

/// mountd's program number.
pub(crate) const PROGRAM: u32 = 100_005;
/// MOUNT version 3 (the one NFSv3 uses).
pub(crate) const VERSION: u32 = 3;
/// Longest path (`MNTPATHLEN`).
pub(crate) const MNTPATHLEN: usize = 1024;
/// Longest name (`MNTNAMLEN`).
pub(crate) const MNTNAMLEN: usize = 255;
/// Longest file handle (`FHSIZE3`).
pub(crate) const FHSIZE3: usize = 64;
/// The most security flavors a MNT reply lists (Linux's `MAX_SECFLAVORS` is 12; a bound for the
/// reader, not a protocol limit).
pub(crate) const MAX_FLAVORS: usize = 64;

/// Procedure numbers.
pub(crate) mod proc {
    /// NULL.
    pub(crate) const NULL: u32 = 0;
    /// MNT.
    pub(crate) const MNT: u32 = 1;
    /// DUMP.
    pub(crate) const DUMP: u32 = 2;
    /// UMNT.
    pub(crate) const UMNT: u32 = 3;
    /// UMNTALL.
    pub(crate) const UMNTALL: u32 = 4;
    /// EXPORT.
    pub(crate) const EXPORT: u32 = 5;
}

xdr_enum!(
    /// `mountstat3`.
    MountStat {
        /// MNT3_OK.
        Ok = 0,
        /// MNT3ERR_PERM.
        Perm = 1,
        /// MNT3ERR_NOENT.
        NoEnt = 2,
        /// MNT3ERR_IO.
        Io = 5,
        /// MNT3ERR_ACCES.
        Acces = 13,
        /// MNT3ERR_NOTDIR.
        NotDir = 20,
        /// MNT3ERR_INVAL.
        Inval = 22,
        /// MNT3ERR_NAMETOOLONG.
        NameTooLong = 63,
        /// MNT3ERR_NOTSUPP.
        NotSupp = 10004,
        /// MNT3ERR_SERVERFAULT.
        ServerFault = 10006,
    }
);

/// A call's arguments, by procedure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Call {
    /// NULL.
    Null,
    /// MNT: mount this path.
    Mnt(String),
    /// DUMP: the mount list.
    Dump,
    /// UMNT: forget this client's mount of a path.
    Umnt(String),
    /// UMNTALL: forget every mount of this client.
    Umntall,
    /// EXPORT: the export list.
    Export,
}

impl Call {
    /// The procedure number.
    #[cfg(test)]
    pub(crate) const fn procedure(&self) -> u32 {
        match self {
            Call::Null => proc::NULL,
            Call::Mnt(_) => proc::MNT,
            Call::Dump => proc::DUMP,
            Call::Umnt(_) => proc::UMNT,
            Call::Umntall => proc::UMNTALL,
            Call::Export => proc::EXPORT,
        }
    }

    /// Reads the arguments of `procedure`: `Ok(None)` for an unknown procedure (PROC_UNAVAIL),
    /// an error for garbage, including a path over `MNTPATHLEN` (GARBAGE_ARGS).
    pub(crate) fn decode(procedure: u32, args: &[u8]) -> Result<Option<Call>> {
        let mut r = Reader::new(args);
        let call = match procedure {
            proc::NULL => Call::Null,
            proc::MNT => Call::Mnt(r.string(MNTPATHLEN)?.to_owned()),
            proc::DUMP => Call::Dump,
            proc::UMNT => Call::Umnt(r.string(MNTPATHLEN)?.to_owned()),
            proc::UMNTALL => Call::Umntall,
            proc::EXPORT => Call::Export,
            _ => return Ok(None),
        };
        r.finish()?;
        Ok(Some(call))
    }

    /// The encoded arguments.
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new();
        if let Call::Mnt(path) | Call::Umnt(path) = self {
            w.string(path);
        }
        w.into_bytes()
    }
}

/// MNT's result (`mountres3`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum MntRes {
    /// MNT3_OK: the root file handle and the accepted flavors.
    Ok {
        /// The export's root handle (at most 64 bytes).
        fhandle: Vec<u8>,
        /// Accepted authentication flavors (`[1]`, AUTH_SYS, for `sec=sys`).
        auth_flavors: Vec<u32>,
    },
    /// Any other status.
    Err(MountStat),
}

/// One entry of the mount list (`mountbody`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MountBody {
    /// The client.
    pub(crate) hostname: String,
    /// The path it mounted.
    pub(crate) directory: String,
}

/// One export (`exportnode`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ExportNode {
    /// The exported path.
    pub(crate) dir: String,
    /// The client names it is exported to.
    pub(crate) groups: Vec<String>,
}

struct Name(String);

impl Xdr for Name {
    fn decode(r: &mut Reader<'_>) -> Result<Name> {
        Ok(Name(r.string(MNTNAMLEN)?.to_owned()))
    }
    fn encode(&self, w: &mut Writer) {
        w.string(&self.0);
    }
}

impl Xdr for MountBody {
    fn decode(r: &mut Reader<'_>) -> Result<MountBody> {
        let hostname = r.string(MNTNAMLEN)?.to_owned();
        let directory = r.string(MNTPATHLEN)?.to_owned();
        Ok(MountBody { hostname, directory })
    }
    fn encode(&self, w: &mut Writer) {
        w.string(&self.hostname);
        w.string(&self.directory);
    }
}

impl Xdr for ExportNode {
    fn decode(r: &mut Reader<'_>) -> Result<ExportNode> {
        let dir = r.string(MNTPATHLEN)?.to_owned();
        let groups = List::<Name>::decode(r)?.0.into_iter().map(|n| n.0).collect();
        Ok(ExportNode { dir, groups })
    }
    fn encode(&self, w: &mut Writer) {
        w.string(&self.dir);
        for g in &self.groups {
            w.bool(true);
            w.string(g);
        }
        w.bool(false);
    }
}

/// A reply's results, by procedure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reply {
    /// NULL.
    Null,
    /// MNT.
    Mnt(MntRes),
    /// DUMP.
    Dump(Vec<MountBody>),
    /// UMNT.
    Umnt,
    /// UMNTALL.
    Umntall,
    /// EXPORT.
    Export(Vec<ExportNode>),
}

impl Reply {
    /// Reads the results of `procedure` (the caller knows what it asked).
    pub(crate) fn decode(procedure: u32, results: &[u8]) -> Result<Reply> {
        let mut r = Reader::new(results);
        let reply = match procedure {
            proc::NULL => Reply::Null,
            proc::MNT => Reply::Mnt(match MountStat::decode(&mut r)? {
                MountStat::Ok => {
                    let fhandle = r.opaque(FHSIZE3)?.to_vec();
                    let n = r.array_len(MAX_FLAVORS, 4)?;
                    let auth_flavors = (0..n).map(|_| r.u32()).collect::<Result<Vec<_>>>()?;
                    MntRes::Ok { fhandle, auth_flavors }
                }
                err => MntRes::Err(err),
            }),
            proc::DUMP => Reply::Dump(List::decode(&mut r)?.0),
            proc::UMNT => Reply::Umnt,
            proc::UMNTALL => Reply::Umntall,
            proc::EXPORT => Reply::Export(List::decode(&mut r)?.0),
            _ => return Err(Error),
        };
        r.finish()?;
        Ok(reply)
    }

    /// The encoded results.
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new();
        match self {
            Reply::Null | Reply::Umnt | Reply::Umntall => {}
            Reply::Mnt(MntRes::Ok { fhandle, auth_flavors }) => {
                MountStat::Ok.encode(&mut w);
                w.opaque(fhandle);
                w.u32(u32::try_from(auth_flavors.len()).unwrap_or(u32::MAX));
                for f in auth_flavors {
                    w.u32(*f);
                }
            }
            Reply::Mnt(MntRes::Err(stat)) => stat.encode(&mut w),
            Reply::Dump(list) => List(list.clone()).encode(&mut w),
            Reply::Export(list) => List(list.clone()).encode(&mut w),
        }
        w.into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::rpc::tests::{MNT_CALL, hex};
    use crate::wire::rpc::{AuthSys, Call as RpcCall, Message, OpaqueAuth, frame_record, split_record};

    #[test]
    fn mnt_vector_encodes_byte_exactly() {
        let cred = AuthSys { stamp: 0, machine_name: "web-1".into(), uid: 0, gid: 0, gids: vec![] }.to_auth();
        let header = Message::Call(RpcCall {
            xid: 0x1234,
            rpc_version: 2,
            program: PROGRAM,
            version: VERSION,
            procedure: proc::MNT,
            cred,
            verf: OpaqueAuth::none(),
        });
        let call = Call::Mnt("/web".into());
        assert_eq!(frame_record(&header.with_body(&call.to_bytes()), usize::MAX), hex(MNT_CALL));
        let (msg, _) = split_record(&hex(MNT_CALL), 1 << 20).unwrap().unwrap();
        let (_, at) = Message::parse(&msg).unwrap();
        assert_eq!(Call::decode(proc::MNT, &msg[at..]), Ok(Some(call)));
    }

    #[test]
    fn export_list_of_the_lab() {
        // `/web *`: one exportnode, one group "*", then the end of both lists.
        let reply = Reply::Export(vec![ExportNode { dir: "/web".into(), groups: vec!["*".into()] }]);
        let bytes = reply.to_bytes();
        assert_eq!(bytes, hex("00000001 00000004 2f776562 00000001 00000001 2a000000 00000000 00000000"));
        assert_eq!(Reply::decode(proc::EXPORT, &bytes), Ok(reply));
    }

    #[test]
    fn every_procedure_round_trips() {
        for call in [Call::Null, Call::Mnt("/web".into()), Call::Dump, Call::Umnt("/web".into()), Call::Umntall, Call::Export] {
            assert_eq!(Call::decode(call.procedure(), &call.to_bytes()), Ok(Some(call.clone())));
        }
        let replies = [
            (proc::NULL, Reply::Null),
            (proc::MNT, Reply::Mnt(MntRes::Ok { fhandle: vec![1; 16], auth_flavors: vec![1] })),
            (proc::MNT, Reply::Mnt(MntRes::Err(MountStat::Acces))),
            (proc::DUMP, Reply::Dump(vec![MountBody { hostname: "web-1".into(), directory: "/web".into() }])),
            (proc::UMNT, Reply::Umnt),
            (proc::UMNTALL, Reply::Umntall),
            (proc::EXPORT, Reply::Export(vec![ExportNode { dir: "/a".into(), groups: vec![] }])),
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
    fn limits_and_garbage() {
        let long = Call::Mnt("/".repeat(MNTPATHLEN + 1)).to_bytes();
        assert!(Call::decode(proc::MNT, &long).is_err());
        assert_eq!(Call::decode(6, &[]), Ok(None));
        // A 65-byte handle, an unknown status.
        let mut big = hex("00000000 00000041");
        big.resize(big.len() + 68 + 4, 0);
        assert!(Reply::decode(proc::MNT, &big).is_err());
        assert!(Reply::decode(proc::MNT, &hex("00000003")).is_err());
    }
}
