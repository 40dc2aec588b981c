//! The file handle labsim's knfsd hands out, a private format inside the opaque `nfs_fh3`.

use super::{FHSIZE, Fh};
use crate::wire::Result;

/// labsim's knfsd file handle (24 bytes, opaque to clients): a version word, the inode of the
/// export's root, the file's inode and its generation, so that a handle names the same file for
/// as long as it exists and a reused inode number does not revive an old handle.
///
/// ```text
/// 0..4 version (1)   4..12 export root inode   12..20 inode   20..24 generation
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Handle {
    /// The export's root inode.
    pub(crate) export_root: u64,
    /// The file's inode.
    pub(crate) ino: u64,
    /// The inode's generation.
    pub(crate) generation: u32,
}

mod handle_field {
    use core::ops::Range;
    pub(super) const VERSION: Range<usize> = 0..4;
    pub(super) const ROOT: Range<usize> = 4..12;
    pub(super) const INO: Range<usize> = 12..20;
    pub(super) const GENERATION: Range<usize> = 20..24;
    pub(super) const LEN: usize = 24;
}

impl Handle {
    /// The handle's version word.
    const VERSION: u32 = 1;

    /// Reads a handle this server made; anything else is an error (NFS3ERR_BADHANDLE).
    pub(crate) fn parse(fh: &Fh) -> Result<Handle> {
        let b = fh.as_bytes();
        if b.len() != handle_field::LEN || b[handle_field::VERSION] != Self::VERSION.to_be_bytes() {
            return Err(crate::wire::Error);
        }
        let word = |r: core::ops::Range<usize>| b[r].iter().fold(0u64, |a, &x| a << 8 | u64::from(x));
        Ok(Handle {
            export_root: word(handle_field::ROOT),
            ino: word(handle_field::INO),
            generation: u32::try_from(word(handle_field::GENERATION)).map_err(|_| crate::wire::Error)?,
        })
    }

    /// As a file handle.
    pub(crate) fn to_fh(self) -> Fh {
        let mut fh = Fh { len: handle_field::LEN as u8, bytes: [0; FHSIZE] };
        let b = &mut fh.bytes;
        b[handle_field::VERSION].copy_from_slice(&Self::VERSION.to_be_bytes());
        b[handle_field::ROOT].copy_from_slice(&self.export_root.to_be_bytes());
        b[handle_field::INO].copy_from_slice(&self.ino.to_be_bytes());
        b[handle_field::GENERATION].copy_from_slice(&self.generation.to_be_bytes());
        fh
    }
}
