//! NFS version 3 (RFC 1813; spec-nfs.md §5): the basic types (file handles, `fattr3`, weak
//! cache consistency data, `sattr3`), `nfsstat3`, and the arguments and results of the
//! procedures labsim serves, both ways (the web servers' kernels ask, knfsd answers).
//!
//! Every result is `status`, then the `resok` arm if it is NFS3_OK or the `resfail` arm
//! otherwise: [`Res`]. The procedure table at the bottom ([`Call`], [`Reply`]) names each
//! procedure's number, arguments and both arms once; the enums, their procedure numbers and
//! their decoders and encoders are written from it.
//!
//! Modelled: §5.3's procedures plus MKDIR, REMOVE, RMDIR and RENAME (the directory changes a
//! client can make, and the source of NOTEMPTY). READLINK, SYMLINK, MKNOD and LINK are not
//! ([`Call::decode`] → `None`, answered PROC_UNAVAIL): labsim's file systems have no links or
//! device files.

use super::Result;
use super::xdr::{Reader, Writer, Xdr, xdr_enum, xdr_struct};

/// NFS's program number.
pub(crate) const PROGRAM: u32 = 100_003;
/// Version 3.
pub(crate) const VERSION: u32 = 3;
/// NFS's fixed port (`NFS3_PORT`).
pub(crate) const PORT: u16 = 2049;
/// The longest file handle (`NFS3_FHSIZE`).
pub(crate) const FHSIZE: usize = 64;

/// ACCESS bits (RFC 1813 §3.3.4).
pub(crate) mod access {
    /// Read data or list a directory.
    pub(crate) const READ: u32 = 0x01;
    /// Look up a name in a directory.
    pub(crate) const LOOKUP: u32 = 0x02;
    /// Rewrite existing data or directory entries.
    pub(crate) const MODIFY: u32 = 0x04;
    /// Write new data or add directory entries.
    pub(crate) const EXTEND: u32 = 0x08;
    /// Delete a directory entry.
    pub(crate) const DELETE: u32 = 0x10;
    /// Execute a file (no meaning for directories).
    pub(crate) const EXECUTE: u32 = 0x20;
}

/// A file handle (`nfs_fh3`, opaque<64>): the server's name for a file. An empty handle does
/// not decode (as in knfsd's `svcxdr_decode_nfs_fh3`). Held inline, since every call, reply,
/// walk step and cache key copies one; compared and ordered as its bytes.
#[derive(Clone)]
pub(crate) struct Fh {
    len: u8,
    bytes: [u8; FHSIZE],
}

impl Fh {
    /// The handle made of `bytes`; `None` past [`FHSIZE`] bytes.
    pub(crate) fn new(bytes: &[u8]) -> Option<Fh> {
        let mut fh = Fh { len: u8::try_from(bytes.len()).ok()?, bytes: [0; FHSIZE] };
        fh.bytes.get_mut(..bytes.len())?.copy_from_slice(bytes);
        Some(fh)
    }

    /// The handle's bytes.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

impl PartialEq for Fh {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}
impl Eq for Fh {}
impl PartialOrd for Fh {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Fh {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_bytes().cmp(other.as_bytes())
    }
}
impl std::fmt::Debug for Fh {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Fh").field(&self.as_bytes()).finish()
    }
}

impl Xdr for Fh {
    fn decode(r: &mut Reader<'_>) -> Result<Fh> {
        let b = r.opaque(FHSIZE)?;
        if b.is_empty() {
            return Err(super::Error);
        }
        Fh::new(b).ok_or(super::Error)
    }
    fn encode(&self, w: &mut Writer) {
        w.opaque(self.as_bytes());
    }
}

xdr_enum!(
    /// `nfsstat3` (RFC 1813 §2.6).
    Stat {
        /// NFS3_OK.
        Ok = 0,
        /// NFS3ERR_PERM: not the owner.
        Perm = 1,
        /// NFS3ERR_NOENT.
        NoEnt = 2,
        /// NFS3ERR_IO.
        Io = 5,
        /// NFS3ERR_NXIO.
        Nxio = 6,
        /// NFS3ERR_ACCES: permission denied.
        Acces = 13,
        /// NFS3ERR_EXIST.
        Exist = 17,
        /// NFS3ERR_XDEV.
        Xdev = 18,
        /// NFS3ERR_NODEV.
        NoDev = 19,
        /// NFS3ERR_NOTDIR.
        NotDir = 20,
        /// NFS3ERR_ISDIR.
        IsDir = 21,
        /// NFS3ERR_INVAL.
        Inval = 22,
        /// NFS3ERR_FBIG.
        Fbig = 27,
        /// NFS3ERR_NOSPC.
        NoSpc = 28,
        /// NFS3ERR_ROFS.
        Rofs = 30,
        /// NFS3ERR_MLINK.
        Mlink = 31,
        /// NFS3ERR_NAMETOOLONG.
        NameTooLong = 63,
        /// NFS3ERR_NOTEMPTY.
        NotEmpty = 66,
        /// NFS3ERR_DQUOT.
        Dquot = 69,
        /// NFS3ERR_STALE: the handle's file no longer exists.
        Stale = 70,
        /// NFS3ERR_REMOTE.
        Remote = 71,
        /// NFS3ERR_BADHANDLE: not a handle this server made.
        BadHandle = 10001,
        /// NFS3ERR_NOT_SYNC: SETATTR's guard did not match.
        NotSync = 10002,
        /// NFS3ERR_BAD_COOKIE.
        BadCookie = 10003,
        /// NFS3ERR_NOTSUPP.
        NotSupp = 10004,
        /// NFS3ERR_TOOSMALL.
        TooSmall = 10005,
        /// NFS3ERR_SERVERFAULT.
        ServerFault = 10006,
        /// NFS3ERR_BADTYPE.
        BadType = 10007,
        /// NFS3ERR_JUKEBOX.
        Jukebox = 10008,
    }
);

xdr_enum!(
    /// `ftype3`.
    Ftype {
        /// Regular file.
        Reg = 1,
        /// Directory.
        Dir = 2,
        /// Block device.
        Blk = 3,
        /// Character device.
        Chr = 4,
        /// Symbolic link.
        Lnk = 5,
        /// Socket.
        Sock = 6,
        /// Named pipe.
        Fifo = 7,
    }
);

xdr_enum!(
    /// `stable_how` (WRITE).
    StableHow {
        /// UNSTABLE: may be cached until COMMIT.
        Unstable = 0,
        /// DATA_SYNC.
        DataSync = 1,
        /// FILE_SYNC: on stable storage before the reply.
        FileSync = 2,
    }
);

xdr_struct!(
    /// `nfstime3`.
    NfsTime {
        /// Seconds since the epoch.
        seconds: u32,
        /// Nanoseconds.
        nseconds: u32,
    }
);

xdr_struct!(
    /// `specdata3`: a device's numbers.
    SpecData {
        /// Major.
        major: u32,
        /// Minor.
        minor: u32,
    }
);

xdr_struct!(
    /// `fattr3` (84 bytes).
    Fattr {
        /// File type.
        ftype: Ftype,
        /// Permission bits (no type bits).
        mode: u32,
        /// Links.
        nlink: u32,
        /// Owner.
        uid: u32,
        /// Group.
        gid: u32,
        /// Size in bytes.
        size: u64,
        /// Bytes used on disk.
        used: u64,
        /// Device numbers.
        rdev: SpecData,
        /// File system id.
        fsid: u64,
        /// Inode number.
        fileid: u64,
        /// Last access.
        atime: NfsTime,
        /// Last data change.
        mtime: NfsTime,
        /// Last attribute change.
        ctime: NfsTime,
    }
);

xdr_struct!(
    /// `wcc_attr`: the attributes a client checks its cache against before an operation.
    WccAttr {
        /// Size.
        size: u64,
        /// Modification time.
        mtime: NfsTime,
        /// Change time.
        ctime: NfsTime,
    }
);

xdr_struct!(
    /// `wcc_data`: attributes before and after an operation.
    WccData {
        /// `pre_op_attr`.
        before: Option<WccAttr>,
        /// `post_op_attr`.
        after: Option<Fattr>,
    }
);

/// `set_atime`/`set_mtime` of `sattr3` (`time_how`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SetTime {
    /// DONT_CHANGE (0).
    DontChange,
    /// SET_TO_SERVER_TIME (1).
    ServerTime,
    /// SET_TO_CLIENT_TIME (2) with the time.
    ClientTime(NfsTime),
}

impl Xdr for SetTime {
    fn decode(r: &mut Reader<'_>) -> Result<SetTime> {
        match r.u32()? {
            0 => Ok(SetTime::DontChange),
            1 => Ok(SetTime::ServerTime),
            2 => Ok(SetTime::ClientTime(NfsTime::decode(r)?)),
            _ => Err(super::Error),
        }
    }
    fn encode(&self, w: &mut Writer) {
        match self {
            SetTime::DontChange => w.u32(0),
            SetTime::ServerTime => w.u32(1),
            SetTime::ClientTime(t) => {
                w.u32(2);
                t.encode(w);
            }
        }
    }
}

xdr_struct!(
    /// `sattr3`: the attributes to set, each optional.
    Sattr {
        /// New permission bits.
        mode: Option<u32>,
        /// New owner.
        uid: Option<u32>,
        /// New group.
        gid: Option<u32>,
        /// New size (truncate or extend).
        size: Option<u64>,
        /// Access time.
        atime: SetTime,
        /// Modification time.
        mtime: SetTime,
    }
);

impl Sattr {
    /// Nothing to set.
    pub(crate) const fn none() -> Sattr {
        Sattr { mode: None, uid: None, gid: None, size: None, atime: SetTime::DontChange, mtime: SetTime::DontChange }
    }
}

xdr_struct!(
    /// `diropargs3`: a name in a directory.
    DirOp {
        /// The directory.
        dir: Fh,
        /// The name.
        name: String,
    }
);

/// `createhow3`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CreateHow {
    /// UNCHECKED (0): create or truncate.
    Unchecked(Sattr),
    /// GUARDED (1): fail with EXIST if the name exists.
    Guarded(Sattr),
    /// EXCLUSIVE (2): with the client's verifier, for O_EXCL.
    Exclusive([u8; 8]),
}

impl Xdr for CreateHow {
    fn decode(r: &mut Reader<'_>) -> Result<CreateHow> {
        match r.u32()? {
            0 => Ok(CreateHow::Unchecked(Sattr::decode(r)?)),
            1 => Ok(CreateHow::Guarded(Sattr::decode(r)?)),
            2 => Ok(CreateHow::Exclusive(<[u8; 8]>::decode(r)?)),
            _ => Err(super::Error),
        }
    }
    fn encode(&self, w: &mut Writer) {
        match self {
            CreateHow::Unchecked(s) => {
                w.u32(0);
                s.encode(w);
            }
            CreateHow::Guarded(s) => {
                w.u32(1);
                s.encode(w);
            }
            CreateHow::Exclusive(v) => {
                w.u32(2);
                v.encode(w);
            }
        }
    }
}

/// A result: `status`, then the `resok` arm (`T`) or the `resfail` arm (`F`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Res<T, F> {
    /// NFS3_OK.
    Ok(T),
    /// Another status and the failure arm.
    Fail(Stat, F),
}

impl<T: Xdr, F: Xdr> Xdr for Res<T, F> {
    fn decode(r: &mut Reader<'_>) -> Result<Res<T, F>> {
        match Stat::decode(r)? {
            Stat::Ok => Ok(Res::Ok(T::decode(r)?)),
            stat => Ok(Res::Fail(stat, F::decode(r)?)),
        }
    }
    fn encode(&self, w: &mut Writer) {
        match self {
            Res::Ok(v) => {
                Stat::Ok.encode(w);
                v.encode(w);
            }
            Res::Fail(stat, v) => {
                stat.encode(w);
                v.encode(w);
            }
        }
    }
}

impl<T, F> Res<T, F> {
    /// The status on the wire.
    pub(crate) const fn status(&self) -> Stat {
        match self {
            Res::Ok(_) => Stat::Ok,
            Res::Fail(s, _) => *s,
        }
    }
}

/// `post_op_attr`.
pub(crate) type PostOpAttr = Option<Fattr>;

/// The longest file name (`NFS3_MAXNAMLEN`).
pub(crate) const MAXNAMLEN: usize = 255;

impl Call {
    /// The file names a call carries (LOOKUP's, CREATE's, both of RENAME's, …).
    pub(crate) fn names(&self) -> Vec<&str> {
        match self {
            Call::Lookup(d) | Call::Remove(d) | Call::Rmdir(d) => vec![&d.name],
            Call::Create(a) => vec![&a.place.name],
            Call::Mkdir(a) => vec![&a.place.name],
            Call::Rename(a) => vec![&a.from.name, &a.to.name],
            _ => vec![],
        }
    }
}

mod args;
mod handle;
mod results;

pub(crate) use args::*;
pub(crate) use handle::Handle;
pub(crate) use results::*;

/// Writes the procedure table: the [`Call`] and [`Reply`] enums with one variant per procedure
/// (NULL aside, which has neither arguments nor status), their procedure numbers, decoders and
/// encoders.
macro_rules! procedures {
    ($($num:literal $(#[$m:meta])* $variant:ident($args:ty) -> $ok:ty, $fail:ty;)*) => {
        /// A call's arguments, by procedure.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub(crate) enum Call {
            /// NULL (0).
            Null,
            $($(#[$m])* $variant($args),)*
        }

        /// A reply's results, by procedure.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub(crate) enum Reply {
            /// NULL (0).
            Null,
            $($(#[$m])* $variant(Res<$ok, $fail>),)*
        }

        impl Call {
            /// The procedure number.
            pub(crate) const fn procedure(&self) -> u32 {
                match self { Call::Null => 0, $(Call::$variant(_) => $num,)* }
            }

            /// Reads the arguments of `procedure`: `Ok(None)` for a procedure not modelled
            /// (PROC_UNAVAIL), an error for garbage or trailing bytes (GARBAGE_ARGS).
            pub(crate) fn decode(procedure: u32, args: &[u8]) -> Result<Option<Call>> {
                let mut r = Reader::new(args);
                let call = match procedure {
                    0 => Call::Null,
                    $($num => Call::$variant(<$args>::decode(&mut r)?),)*
                    _ => return Ok(None),
                };
                r.finish()?;
                Ok(Some(call))
            }

            /// The encoded arguments.
            pub(crate) fn to_bytes(&self) -> Vec<u8> {
                let mut w = Writer::new();
                match self { Call::Null => {}, $(Call::$variant(a) => a.encode(&mut w),)* }
                w.into_bytes()
            }
        }

        impl Reply {
            /// The procedure number.
            #[cfg(test)]
            pub(crate) const fn procedure(&self) -> u32 {
                match self { Reply::Null => 0, $(Reply::$variant(_) => $num,)* }
            }

            /// The status (NFS3_OK for NULL).
            pub(crate) const fn status(&self) -> Stat {
                match self { Reply::Null => Stat::Ok, $(Reply::$variant(r) => r.status(),)* }
            }

            /// Reads the results of `procedure` (the caller knows what it asked).
            pub(crate) fn decode(procedure: u32, results: &[u8]) -> Result<Reply> {
                let mut r = Reader::new(results);
                let reply = match procedure {
                    0 => Reply::Null,
                    $($num => Reply::$variant(Res::decode(&mut r)?),)*
                    _ => return Err(super::Error),
                };
                r.finish()?;
                Ok(reply)
            }

            /// The encoded results.
            pub(crate) fn to_bytes(&self) -> Vec<u8> {
                let mut w = Writer::new();
                match self { Reply::Null => {}, $(Reply::$variant(r) => r.encode(&mut w),)* }
                w.into_bytes()
            }
        }
    };
}

procedures! {
    1 /// GETATTR (§3.3.1).
      Getattr(Fh) -> Fattr, ();
    2 /// SETATTR (§3.3.2).
      Setattr(SetattrArgs) -> WccData, WccData;
    3 /// LOOKUP (§3.3.3).
      Lookup(DirOp) -> LookupOk, PostOpAttr;
    4 /// ACCESS (§3.3.4).
      Access(AccessArgs) -> AccessOk, PostOpAttr;
    6 /// READ (§3.3.6).
      Read(ReadArgs) -> ReadOk, PostOpAttr;
    7 /// WRITE (§3.3.7).
      Write(WriteArgs) -> WriteOk, WccData;
    8 /// CREATE (§3.3.8).
      Create(CreateArgs) -> DiropOk, WccData;
    9 /// MKDIR (§3.3.9).
      Mkdir(MkdirArgs) -> DiropOk, WccData;
    12 /// REMOVE (§3.3.12).
      Remove(DirOp) -> WccData, WccData;
    13 /// RMDIR (§3.3.13).
      Rmdir(DirOp) -> WccData, WccData;
    14 /// RENAME (§3.3.14).
      Rename(RenameArgs) -> RenameWcc, RenameWcc;
    16 /// READDIR (§3.3.16).
      Readdir(ReaddirArgs) -> ReaddirOk, PostOpAttr;
    17 /// READDIRPLUS (§3.3.17).
      Readdirplus(ReaddirplusArgs) -> ReaddirplusOk, PostOpAttr;
    18 /// FSSTAT (§3.3.18).
      Fsstat(Fh) -> FsstatOk, PostOpAttr;
    19 /// FSINFO (§3.3.19).
      Fsinfo(Fh) -> FsinfoOk, PostOpAttr;
    20 /// PATHCONF (§3.3.20).
      Pathconf(Fh) -> PathconfOk, PostOpAttr;
    21 /// COMMIT (§3.3.21).
      Commit(CommitArgs) -> CommitOk, WccData;
}

#[cfg(test)]
mod tests;
