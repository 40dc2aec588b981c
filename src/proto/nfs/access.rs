//! Who a call acts as and what it may do: the export's squash rules (`nfsd_setuser` in
//! `fs/nfsd/auth.c`) and the Unix permission check knfsd makes through the VFS
//! (`nfsd_permission` in `fs/nfsd/vfs.c`, `generic_permission`).

use super::exports::Options;
use super::rpc::Cred;
use super::tree::{Attr, Kind};

/// The identity a call acts as, after squashing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Who {
    /// User.
    pub(crate) uid: u32,
    /// Group.
    pub(crate) gid: u32,
    /// Supplementary groups.
    pub(crate) gids: Vec<u32>,
}

/// Read permission.
pub(crate) const MAY_READ: u32 = 4;
/// Write permission.
pub(crate) const MAY_WRITE: u32 = 2;
/// Execute (search) permission.
pub(crate) const MAY_EXEC: u32 = 1;

impl Who {
    /// The caller's identity under an export's options: AUTH_NONE and `all_squash` give the
    /// anonymous ids; `root_squash` maps uid 0 and gid 0 (also among the groups) to them.
    pub(crate) fn squashed(cred: &Cred, o: &Options) -> Who {
        let anon = Who { uid: o.anonuid, gid: o.anongid, gids: Vec::new() };
        let Cred::Sys(sys) = cred else { return anon };
        if o.all_squash {
            return anon;
        }
        let mut who = Who { uid: sys.uid, gid: sys.gid, gids: sys.gids.clone() };
        if o.root_squash {
            if who.uid == 0 {
                who.uid = o.anonuid;
            }
            if who.gid == 0 {
                who.gid = o.anongid;
            }
            for g in &mut who.gids {
                if *g == 0 {
                    *g = o.anongid;
                }
            }
        }
        who
    }

    /// `generic_permission`: root may read and write anything and execute anything with an
    /// execute bit (or a directory); others get the owner's, the group's or the others' bits.
    pub(crate) fn may(&self, attr: &Attr, want: u32) -> bool {
        if self.uid == 0 {
            return want & MAY_EXEC == 0 || attr.kind == Kind::Dir || attr.mode & 0o111 != 0;
        }
        let bits = if self.uid == attr.uid {
            attr.mode >> 6
        } else if self.gid == attr.gid || self.gids.contains(&attr.gid) {
            attr.mode >> 3
        } else {
            attr.mode
        } & 7;
        bits & want == want
    }

    /// `nfsd_permission` with `NFSD_MAY_OWNER_OVERRIDE` (READ, WRITE, SETATTR of size): the
    /// owner may read and write their file whatever its mode says.
    pub(crate) fn may_io(&self, attr: &Attr, want: u32) -> bool {
        self.uid == attr.uid || self.may(attr, want)
    }
}
