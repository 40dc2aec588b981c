//! The arguments of NFSv3 procedures that are more than a file handle or a name (RFC 1813 §3.3).

use super::{CreateHow, DirOp, Fh, NfsTime, Sattr, StableHow};
use crate::wire::xdr::xdr_struct;

xdr_struct!(
    /// SETATTR3args.
    SetattrArgs {
        /// The file.
        object: Fh,
        /// What to set.
        new_attributes: Sattr,
        /// `sattrguard3`: if present, the ctime the file must still have (else NOT_SYNC).
        guard: Option<NfsTime>,
    }
);

xdr_struct!(
    /// ACCESS3args.
    AccessArgs {
        /// The file.
        object: Fh,
        /// The bits asked about ([`super::access`]).
        access: u32,
    }
);

xdr_struct!(
    /// READ3args.
    ReadArgs {
        /// The file.
        file: Fh,
        /// Where to start.
        offset: u64,
        /// How many bytes.
        count: u32,
    }
);

xdr_struct!(
    /// WRITE3args.
    WriteArgs {
        /// The file.
        file: Fh,
        /// Where to start.
        offset: u64,
        /// How many bytes (equal to the data's length).
        count: u32,
        /// How stable the write must be before the reply.
        stable: StableHow,
        /// The bytes.
        data: Vec<u8>,
    }
);

xdr_struct!(
    /// CREATE3args.
    CreateArgs {
        /// Where.
        place: DirOp,
        /// How.
        how: CreateHow,
    }
);

xdr_struct!(
    /// MKDIR3args.
    MkdirArgs {
        /// Where.
        place: DirOp,
        /// Initial attributes.
        attributes: Sattr,
    }
);

xdr_struct!(
    /// RENAME3args.
    RenameArgs {
        /// The old name.
        from: DirOp,
        /// The new name.
        to: DirOp,
    }
);

xdr_struct!(
    /// READDIR3args.
    ReaddirArgs {
        /// The directory.
        dir: Fh,
        /// Where to continue (0 = start).
        cookie: u64,
        /// The verifier from the previous reply (0 on the first call).
        cookieverf: [u8; 8],
        /// The most bytes of reply the client takes.
        count: u32,
    }
);

xdr_struct!(
    /// READDIRPLUS3args.
    ReaddirplusArgs {
        /// The directory.
        dir: Fh,
        /// Where to continue (0 = start).
        cookie: u64,
        /// The verifier from the previous reply.
        cookieverf: [u8; 8],
        /// The most bytes of directory information (names, ids, cookies).
        dircount: u32,
        /// The most bytes of reply.
        maxcount: u32,
    }
);

xdr_struct!(
    /// COMMIT3args.
    CommitArgs {
        /// The file.
        file: Fh,
        /// Start of the range (0 with count 0 = the whole file).
        offset: u64,
        /// Length of the range.
        count: u32,
    }
);
