//! The `resok` arms of NFSv3 results that are more than one item (RFC 1813 §3.3).

use super::{Fh, NfsTime, PostOpAttr, StableHow, WccData};
use crate::wire::xdr::{List, xdr_struct};

xdr_struct!(
    /// LOOKUP3resok.
    LookupOk {
        /// The handle of the name.
        object: Fh,
        /// Its attributes.
        obj_attributes: PostOpAttr,
        /// The directory's attributes.
        dir_attributes: PostOpAttr,
    }
);

xdr_struct!(
    /// ACCESS3resok.
    AccessOk {
        /// The file's attributes.
        obj_attributes: PostOpAttr,
        /// The bits granted (a subset of those asked).
        access: u32,
    }
);

xdr_struct!(
    /// READ3resok.
    ReadOk {
        /// The file's attributes.
        file_attributes: PostOpAttr,
        /// Bytes returned.
        count: u32,
        /// The read reached the end of the file.
        eof: bool,
        /// The bytes.
        data: Vec<u8>,
    }
);

xdr_struct!(
    /// WRITE3resok.
    WriteOk {
        /// The file's attributes before and after.
        file_wcc: WccData,
        /// Bytes written.
        count: u32,
        /// How stable they are.
        committed: StableHow,
        /// The server instance's verifier (changes when it reboots).
        verf: [u8; 8],
    }
);

xdr_struct!(
    /// CREATE3resok and MKDIR3resok.
    DiropOk {
        /// `post_op_fh3`: the new file's handle.
        obj: Option<Fh>,
        /// Its attributes.
        obj_attributes: PostOpAttr,
        /// The directory's attributes before and after.
        dir_wcc: WccData,
    }
);

xdr_struct!(
    /// RENAME3resok and RENAME3resfail.
    RenameWcc {
        /// The source directory.
        fromdir_wcc: WccData,
        /// The target directory.
        todir_wcc: WccData,
    }
);

xdr_struct!(
    /// `entry3`.
    Entry {
        /// Inode number.
        fileid: u64,
        /// Name.
        name: String,
        /// Where to continue after this entry.
        cookie: u64,
    }
);

xdr_struct!(
    /// READDIR3resok.
    ReaddirOk {
        /// The directory's attributes.
        dir_attributes: PostOpAttr,
        /// The verifier to send back with the cookie.
        cookieverf: [u8; 8],
        /// The entries.
        entries: List<Entry>,
        /// No more entries after these.
        eof: bool,
    }
);

xdr_struct!(
    /// `entryplus3`.
    EntryPlus {
        /// Inode number.
        fileid: u64,
        /// Name.
        name: String,
        /// Where to continue after this entry.
        cookie: u64,
        /// Its attributes.
        name_attributes: PostOpAttr,
        /// `post_op_fh3`: its handle.
        name_handle: Option<Fh>,
    }
);

xdr_struct!(
    /// READDIRPLUS3resok.
    ReaddirplusOk {
        /// The directory's attributes.
        dir_attributes: PostOpAttr,
        /// The verifier to send back with the cookie.
        cookieverf: [u8; 8],
        /// The entries.
        entries: List<EntryPlus>,
        /// No more entries after these.
        eof: bool,
    }
);

xdr_struct!(
    /// FSSTAT3resok.
    FsstatOk {
        /// The root's attributes.
        obj_attributes: PostOpAttr,
        /// Total bytes.
        tbytes: u64,
        /// Free bytes.
        fbytes: u64,
        /// Bytes available to the user.
        abytes: u64,
        /// Total inodes.
        tfiles: u64,
        /// Free inodes.
        ffiles: u64,
        /// Inodes available to the user.
        afiles: u64,
        /// Seconds these figures stay valid.
        invarsec: u32,
    }
);

xdr_struct!(
    /// FSINFO3resok.
    FsinfoOk {
        /// The root's attributes.
        obj_attributes: PostOpAttr,
        /// Largest READ.
        rtmax: u32,
        /// Preferred READ.
        rtpref: u32,
        /// READ size multiple.
        rtmult: u32,
        /// Largest WRITE.
        wtmax: u32,
        /// Preferred WRITE.
        wtpref: u32,
        /// WRITE size multiple.
        wtmult: u32,
        /// Preferred READDIR size.
        dtpref: u32,
        /// Largest file.
        maxfilesize: u64,
        /// Time granularity.
        time_delta: NfsTime,
        /// FSF_LINK 0x1, FSF_SYMLINK 0x2, FSF_HOMOGENEOUS 0x8, FSF_CANSETTIME 0x10.
        properties: u32,
    }
);

xdr_struct!(
    /// PATHCONF3resok.
    PathconfOk {
        /// The file's attributes.
        obj_attributes: PostOpAttr,
        /// Most hard links.
        linkmax: u32,
        /// Longest name.
        name_max: u32,
        /// Long names are refused, not cut.
        no_trunc: bool,
        /// Only root may chown.
        chown_restricted: bool,
        /// Names are case-insensitive.
        case_insensitive: bool,
        /// Case is preserved.
        case_preserving: bool,
    }
);

xdr_struct!(
    /// COMMIT3resok.
    CommitOk {
        /// The file's attributes before and after.
        file_wcc: WccData,
        /// The server instance's verifier.
        verf: [u8; 8],
    }
);
