//! The path walk of one operation: each component through the dentry cache, or LOOKUP when
//! the cache cannot answer, revalidating the parent directory first when its attributes
//! expired (`link_path_walk` → `nfs_lookup_revalidate` / `nfs_lookup` in `fs/nfs/dir.c`).

use super::Errno;
use super::cache::{Cache, Lookup};
use super::errno_of;
use crate::kernel::SimTime;
use crate::wire::nfs3::{Call, DirOp, Fh, Ftype, Reply, Res, Stat};

/// Where a walk is.
#[derive(Debug, Clone)]
pub(super) struct Walk {
    names: Vec<String>,
    root: Fh,
    i: usize,
    dir: Fh,
    /// The parent of `dir` and `dir`'s name, once a component was resolved.
    parent: Option<(Fh, String)>,
    /// The current directory was just revalidated.
    dir_checked: bool,
    /// The last component was resolved by a LOOKUP just now (its attributes are new).
    pub(super) looked_up: bool,
    /// An `O_CREAT` open: a negative last entry is trusted as it is.
    create: bool,
}

/// What a walk needs or found.
#[derive(Debug, Clone)]
pub(super) enum WalkOut {
    /// Send this call and give its reply to [`Walk::run`].
    Call(Call),
    /// The file's handle.
    Found(Fh),
    /// A component does not exist; `last` when it is the final one (whose directory is `dir`).
    NoEnt { dir: Fh, last: bool },
    /// The server called this handle (the current directory) stale.
    Stale(Fh),
    /// Another error.
    Err(Errno),
}

impl Walk {
    /// A walk of `path` (relative to the mount's root, `""` for the root).
    pub(super) fn new(root: &Fh, path: &str, create: bool) -> Walk {
        let names = path.split('/').filter(|n| !n.is_empty() && *n != ".").map(str::to_owned).collect();
        Walk { names, root: root.clone(), i: 0, dir: root.clone(), parent: None, dir_checked: false, looked_up: false, create }
    }

    /// Starts again from the root (after ESTALE).
    pub(super) fn restart(&mut self) {
        *self = Walk::new(&self.root, &self.names.join("/"), self.create);
    }

    /// Whether the path names the mount's root.
    pub(super) fn is_root(&self) -> bool {
        self.names.is_empty()
    }

    /// The last component's name.
    pub(super) fn last_name(&self) -> Option<&str> {
        self.names.last().map(String::as_str)
    }

    /// The found file's directory and name, for dropping its entry.
    pub(super) fn parent(&self) -> Option<&(Fh, String)> {
        self.parent.as_ref()
    }

    /// Goes on with the walk, first taking the reply to the call it asked for.
    pub(super) fn run(&mut self, now: SimTime, cache: &mut Cache, reply: Option<Reply>) -> WalkOut {
        match reply {
            None => {}
            Some(Reply::Getattr(Res::Ok(attr))) => {
                cache.update(now, &self.dir, &attr);
                self.dir_checked = true;
            }
            Some(Reply::Lookup(Res::Ok(ok))) => {
                let name = &self.names[self.i];
                cache.update_opt(now, &self.dir, ok.dir_attributes.as_ref());
                cache.update_opt(now, &ok.object, ok.obj_attributes.as_ref());
                cache.set_dentry(&self.dir, name, Some(ok.object.clone()));
                self.descend(ok.object, true);
            }
            Some(Reply::Lookup(Res::Fail(Stat::NoEnt, dir_attr))) => {
                cache.update_opt(now, &self.dir, dir_attr.as_ref());
                cache.set_dentry(&self.dir, &self.names[self.i], None);
                return self.noent();
            }
            Some(Reply::Lookup(Res::Fail(Stat::Stale, _)) | Reply::Getattr(Res::Fail(Stat::Stale, ()))) => {
                return WalkOut::Stale(self.dir.clone());
            }
            Some(Reply::Lookup(Res::Fail(stat, dir_attr))) => {
                cache.update_opt(now, &self.dir, dir_attr.as_ref());
                return WalkOut::Err(errno_of(stat));
            }
            Some(Reply::Getattr(Res::Fail(stat, ()))) => return WalkOut::Err(errno_of(stat)),
            Some(_) => return WalkOut::Err(Errno::Io),
        }
        loop {
            if self.i > 0 && self.i < self.names.len() && cache.attr(&self.dir).is_some_and(|a| a.ftype != Ftype::Dir) {
                return WalkOut::Err(Errno::NotDir);
            }
            let Some(name) = self.names.get(self.i) else { return WalkOut::Found(self.dir.clone()) };
            let create = self.create && self.i + 1 == self.names.len();
            match cache.lookup(now, &self.dir, name, self.dir_checked, create) {
                Lookup::Hit(Some(fh)) => self.descend(fh, false),
                Lookup::Hit(None) => return self.noent(),
                Lookup::RevalidateDir => return WalkOut::Call(Call::Getattr(self.dir.clone())),
                Lookup::Miss => return WalkOut::Call(Call::Lookup(DirOp { dir: self.dir.clone(), name: name.clone() })),
            }
        }
    }

    fn descend(&mut self, fh: Fh, looked_up: bool) {
        self.parent = Some((self.dir.clone(), self.names[self.i].clone()));
        self.dir = fh;
        self.i += 1;
        self.dir_checked = looked_up;
        self.looked_up = looked_up;
    }

    fn noent(&self) -> WalkOut {
        WalkOut::NoEnt { dir: self.dir.clone(), last: self.i + 1 == self.names.len() }
    }
}
