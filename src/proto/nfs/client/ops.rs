//! One operation of the client as a state machine: the system calls a program makes (stat,
//! open/read/close, open/write/close, getdents, statfs) turned into NFSv3 calls the way the Linux
//! client makes them, one call at a time, the caches answering what they can.

use super::cache::{Cache, Listed};
use super::walk::{Walk, WalkOut};
use super::{Errno, FileAttr, Op, OpResult, errno_of};
use crate::kernel::SimTime;
use crate::wire::nfs3::{
    AccessArgs, Call, CommitArgs, CreateArgs, CreateHow, DirOp, Fh, Ftype, ReadArgs, ReaddirplusArgs, Reply, Res, Sattr, SetattrArgs,
    StableHow, Stat, WriteArgs, access,
};

/// `NFS_MAX_READDIR_PAGES * PAGE_SIZE`: the largest READDIRPLUS reply asked for.
const MAX_DTSIZE: u32 = 32_768;
/// The mode a created file gets: open's 0666 less the usual umask 022.
const CREATE_MODE: u32 = 0o644;

/// The transfer sizes of a mount (`nfs_server_set_fsinfo`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct IoSizes {
    /// READ size.
    pub(crate) rsize: u32,
    /// WRITE size.
    pub(crate) wsize: u32,
    /// READDIRPLUS size.
    pub(crate) dtsize: u32,
}

/// What an operation works with.
pub(super) struct Ctx<'a> {
    pub(super) now: SimTime,
    pub(super) cache: &'a mut Cache,
    pub(super) sizes: &'a mut IoSizes,
    pub(super) root: &'a Fh,
    pub(super) cto: bool,
    pub(super) ro: bool,
    pub(super) uid: u32,
}

/// What an operation does next.
#[derive(Debug)]
pub(super) enum Step {
    /// Send this call.
    Call(Call),
    /// Finished.
    Done(Result<OpResult, Errno>),
}

#[derive(Debug, Clone)]
enum Phase {
    Probe(u8),
    Walk,
    Getattr(Fh),
    Access(Fh),
    Read(Fh, Vec<u8>),
    Readdir(Fh, u64, Vec<Listed>),
    Fsstat,
    Create(Fh, String),
    Truncate(Fh),
    Write { fh: Fh, base: u64, sent: usize, unstable: bool },
    Commit(Fh),
}

/// A running operation.
#[derive(Debug, Clone)]
pub(super) struct Running {
    op: Op,
    walk: Walk,
    phase: Phase,
    stale_retried: bool,
}

fn done(r: Result<OpResult, Errno>) -> Step {
    Step::Done(r)
}

impl Running {
    /// A new operation; [`Running::start`] gives its first step.
    pub(super) fn new(op: Op, root: &Fh) -> Running {
        let walk = match &op {
            Op::Stat(p) | Op::ReadFile(p) | Op::ReadDir(p) => Walk::new(root, p, false),
            Op::WriteFile { path, .. } => Walk::new(root, path, true),
            Op::Probe | Op::StatFs => Walk::new(root, "", false),
        };
        Running { op, walk, phase: Phase::Walk, stale_retried: false }
    }

    /// The first step.
    pub(super) fn start(&mut self, cx: &mut Ctx<'_>) -> Step {
        match &self.op {
            Op::Probe => {
                self.phase = Phase::Probe(0);
                Step::Call(Call::Fsinfo(cx.root.clone()))
            }
            Op::StatFs => {
                self.phase = Phase::Fsstat;
                Step::Call(Call::Fsstat(cx.root.clone()))
            }
            Op::WriteFile { .. } if cx.ro => done(Err(Errno::Rofs)),
            _ => self.walk(cx, None),
        }
    }

    /// The reply to the call it asked for.
    pub(super) fn reply(&mut self, cx: &mut Ctx<'_>, reply: Reply) -> Step {
        let now = cx.now;
        match (std::mem::replace(&mut self.phase, Phase::Walk), reply) {
            (Phase::Walk, r) => self.walk(cx, Some(r)),
            (Phase::Probe(n), r) => self.probe(cx, n, r),
            (Phase::Fsstat, Reply::Fsstat(Res::Ok(s))) => {
                cx.cache.update_opt(now, cx.root, s.obj_attributes.as_ref());
                done(Ok(OpResult::StatFs {
                    total_bytes: s.tbytes,
                    free_bytes: s.fbytes,
                    avail_bytes: s.abytes,
                    total_files: s.tfiles,
                    free_files: s.ffiles,
                }))
            }
            (Phase::Getattr(fh), Reply::Getattr(Res::Ok(attr))) => {
                cx.cache.update(now, &fh, &attr);
                if matches!(self.op, Op::Stat(_)) { done(Ok(OpResult::Attr(FileAttr::from(&attr)))) } else { self.opened(cx, fh) }
            }
            (Phase::Getattr(fh), Reply::Getattr(Res::Fail(Stat::Stale, ()))) => self.stale(cx, &fh),
            (Phase::Access(fh), Reply::Access(Res::Ok(ok))) => {
                cx.cache.update_opt(now, &fh, ok.obj_attributes.as_ref());
                cx.cache.set_access(now, &fh, cx.uid, ok.access);
                self.permitted(cx, fh, ok.access)
            }
            (Phase::Read(fh, mut data), Reply::Read(Res::Ok(ok))) => {
                cx.cache.update_opt(now, &fh, ok.file_attributes.as_ref());
                let n = ok.data.len().min(ok.count as usize);
                data.extend_from_slice(&ok.data[..n]);
                // The end: EOF, nothing more, or the size the attributes give (`i_size`).
                let size = cx.cache.attr(&fh).map_or(0, |a| a.size);
                if ok.eof || n == 0 || data.len() as u64 >= size {
                    cx.cache.set_data(&fh, Some(data.clone()));
                    return file_result(cx, &fh, data);
                }
                self.read(cx, fh, data)
            }
            (Phase::Readdir(fh, asked, mut entries), Reply::Readdirplus(Res::Ok(ok))) => {
                cx.cache.update_opt(now, &fh, ok.dir_attributes.as_ref());
                let mut cookie = 0;
                for e in ok.entries.0 {
                    cookie = e.cookie;
                    if e.name == "." || e.name == ".." {
                        continue;
                    }
                    if let (Some(attr), Some(h)) = (e.name_attributes, e.name_handle) {
                        entries.push((e.name, h, attr));
                    }
                }
                if !ok.eof && (cookie == 0 || cookie == asked) {
                    return done(Err(Errno::Io));
                }
                if ok.eof {
                    cx.cache.set_listing(now, &fh, entries.clone());
                    return done(Ok(OpResult::Dir(entries.iter().map(|(n, _, a)| (n.clone(), FileAttr::from(a))).collect())));
                }
                self.readdir(cx, fh, cookie, ok.cookieverf, entries)
            }
            (Phase::Create(dir, name), Reply::Create(Res::Ok(ok))) => {
                cx.cache.update_wcc(now, &dir, &ok.dir_wcc);
                let Some(fh) = ok.obj else { return done(Err(Errno::Io)) };
                cx.cache.update_opt(now, &fh, ok.obj_attributes.as_ref());
                cx.cache.set_dentry(&dir, &name, Some(fh.clone()));
                self.write(cx, fh, 0, 0, false)
            }
            (Phase::Create(dir, _), Reply::Create(Res::Fail(stat, wcc))) => {
                cx.cache.update_wcc(now, &dir, &wcc);
                done(Err(errno_of(stat)))
            }
            (Phase::Truncate(fh), Reply::Setattr(Res::Ok(wcc))) => {
                cx.cache.update_wcc(now, &fh, &wcc);
                self.write(cx, fh, 0, 0, false)
            }
            (Phase::Write { fh, base, sent, unstable }, Reply::Write(Res::Ok(ok))) => {
                cx.cache.update_wcc(now, &fh, &ok.file_wcc);
                if ok.count == 0 {
                    return done(Err(Errno::Io));
                }
                let unstable = unstable || ok.committed == StableHow::Unstable;
                self.write(cx, fh, base, sent + ok.count as usize, unstable)
            }
            (Phase::Commit(fh), Reply::Commit(Res::Ok(ok))) => {
                cx.cache.update_wcc(now, &fh, &ok.file_wcc);
                self.written(cx, &fh)
            }
            (_, r) => done(Err(failure(&r))),
        }
    }

    fn probe(&mut self, cx: &mut Ctx<'_>, n: u8, reply: Reply) -> Step {
        let root = cx.root.clone();
        match reply {
            Reply::Fsinfo(Res::Ok(info)) => {
                cx.cache.update_opt(cx.now, &root, info.obj_attributes.as_ref());
                let rsize = cx.sizes.rsize.min(info.rtmax).max(1024);
                *cx.sizes = IoSizes {
                    rsize,
                    wsize: cx.sizes.wsize.min(info.wtmax).max(1024),
                    dtsize: info.dtpref.clamp(1024, MAX_DTSIZE).min(rsize),
                };
            }
            Reply::Pathconf(Res::Ok(pc)) => cx.cache.update_opt(cx.now, &root, pc.obj_attributes.as_ref()),
            r => return done(Err(failure(&r))),
        }
        // nfs_probe_fsinfo: FSINFO, PATHCONF; then nfs3_proc_get_root: FSINFO again.
        match n {
            0 => {
                self.phase = Phase::Probe(1);
                Step::Call(Call::Pathconf(root))
            }
            1 => {
                self.phase = Phase::Probe(2);
                Step::Call(Call::Fsinfo(root))
            }
            _ => match cx.cache.attr(&root) {
                Some(a) => done(Ok(OpResult::Attr(FileAttr::from(a)))),
                None => done(Err(Errno::Io)),
            },
        }
    }

    fn walk(&mut self, cx: &mut Ctx<'_>, reply: Option<Reply>) -> Step {
        self.phase = Phase::Walk;
        match self.walk.run(cx.now, cx.cache, reply) {
            WalkOut::Call(c) => Step::Call(c),
            WalkOut::Stale(fh) => self.stale(cx, &fh),
            WalkOut::Err(e) => done(Err(e)),
            WalkOut::NoEnt { dir, last: true } if matches!(self.op, Op::WriteFile { .. }) => {
                let name = self.walk.last_name().unwrap_or_default().to_owned();
                self.phase = Phase::Create(dir.clone(), name.clone());
                let how = CreateHow::Unchecked(Sattr { mode: Some(CREATE_MODE), ..Sattr::none() });
                Step::Call(Call::Create(CreateArgs { place: DirOp { dir, name }, how }))
            }
            WalkOut::NoEnt { .. } => done(Err(Errno::NoEnt)),
            WalkOut::Found(fh) => self.found(cx, fh),
        }
    }

    /// The path resolved. `stat()` uses fresh cached attributes; `open()` revalidates a file it
    /// did not just look up (close-to-open, `nfs_lookup_verify_inode` with `LOOKUP_OPEN`); the
    /// mount's root is only revalidated when its attributes expired (`nfs_weak_revalidate`).
    fn found(&mut self, cx: &mut Ctx<'_>, fh: Fh) -> Step {
        let fresh = cx.cache.fresh(cx.now, &fh);
        let force = match self.op {
            Op::Stat(_) => false,
            _ => cx.cto && !self.walk.looked_up && !self.walk.is_root(),
        };
        if force || !fresh {
            self.phase = Phase::Getattr(fh.clone());
            return Step::Call(Call::Getattr(fh));
        }
        match (&self.op, cx.cache.attr(&fh)) {
            (Op::Stat(_), Some(a)) => done(Ok(OpResult::Attr(FileAttr::from(a)))),
            _ => self.opened(cx, fh),
        }
    }

    /// ESTALE: the entry and the handle are forgotten and the walk starts again once (the
    /// VFS's retry with `LOOKUP_REVAL`).
    fn stale(&mut self, cx: &mut Ctx<'_>, fh: &Fh) -> Step {
        cx.cache.forget(fh);
        if let Some((dir, name)) = self.walk.parent().cloned() {
            cx.cache.drop_dentry(&dir, &name);
        }
        if self.stale_retried || fh == cx.root {
            return done(Err(Errno::Stale));
        }
        self.stale_retried = true;
        self.walk.restart();
        self.walk(cx, None)
    }

    /// After open's revalidation: the type, then the permission (`nfs_permission`, ACCESS
    /// cached per user).
    fn opened(&mut self, cx: &mut Ctx<'_>, fh: Fh) -> Step {
        let is_dir = cx.cache.attr(&fh).is_some_and(|a| a.ftype == Ftype::Dir);
        match (&self.op, is_dir) {
            (Op::ReadFile(_) | Op::WriteFile { .. }, true) => return done(Err(Errno::IsDir)),
            (Op::ReadDir(_), false) => return done(Err(Errno::NotDir)),
            _ => {}
        }
        if let Some(bits) = cx.cache.access(cx.now, &fh, cx.uid) {
            return self.permitted(cx, fh, bits);
        }
        // nfs3_proc_access asks for everything MAY_READ|MAY_WRITE|MAY_EXEC covers.
        let ask = if is_dir {
            access::READ | access::LOOKUP | access::MODIFY | access::EXTEND | access::DELETE
        } else {
            access::READ | access::MODIFY | access::EXTEND | access::EXECUTE
        };
        self.phase = Phase::Access(fh.clone());
        Step::Call(Call::Access(AccessArgs { object: fh, access: ask }))
    }

    fn permitted(&mut self, cx: &mut Ctx<'_>, fh: Fh, bits: u32) -> Step {
        match &self.op {
            Op::WriteFile { append, .. } => {
                if bits & (access::MODIFY | access::EXTEND) == 0 {
                    return done(Err(Errno::Acces));
                }
                if *append {
                    let base = cx.cache.attr(&fh).map_or(0, |a| a.size);
                    return self.write(cx, fh, base, 0, false);
                }
                self.phase = Phase::Truncate(fh.clone());
                let sattr = Sattr { size: Some(0), ..Sattr::none() };
                Step::Call(Call::Setattr(SetattrArgs { object: fh, new_attributes: sattr, guard: None }))
            }
            _ if bits & access::READ == 0 => done(Err(Errno::Acces)),
            Op::ReadDir(_) => match cx.cache.listing(&fh) {
                Some(l) => done(Ok(OpResult::Dir(l.iter().map(|(n, _, a)| (n.clone(), FileAttr::from(a))).collect()))),
                None => self.readdir(cx, fh, 0, [0; 8], Vec::new()),
            },
            _ => match cx.cache.data(&fh) {
                Some(d) => {
                    let d = d.clone();
                    file_result(cx, &fh, d)
                }
                None => self.read(cx, fh, Vec::new()),
            },
        }
    }

    fn read(&mut self, cx: &Ctx<'_>, fh: Fh, data: Vec<u8>) -> Step {
        let args = ReadArgs { file: fh.clone(), offset: data.len() as u64, count: cx.sizes.rsize };
        self.phase = Phase::Read(fh, data);
        Step::Call(Call::Read(args))
    }

    /// `nfs3_xdr_enc_readdirplus3args`: dircount is an eighth of the size asked for.
    fn readdir(&mut self, cx: &Ctx<'_>, fh: Fh, cookie: u64, verf: [u8; 8], entries: Vec<Listed>) -> Step {
        let args = ReaddirplusArgs { dir: fh.clone(), cookie, cookieverf: verf, dircount: cx.sizes.dtsize >> 3, maxcount: cx.sizes.dtsize };
        self.phase = Phase::Readdir(fh, cookie, entries);
        Step::Call(Call::Readdirplus(args))
    }

    /// The data from `sent` on, in wsize pieces: one FILE_SYNC WRITE when it all fits in one
    /// call, else UNSTABLE WRITEs and a COMMIT at close (`nfs_pgio_rpcsetup` with
    /// `FLUSH_STABLE` only for a single request).
    fn write(&mut self, cx: &mut Ctx<'_>, fh: Fh, base: u64, sent: usize, unstable: bool) -> Step {
        let Op::WriteFile { data, .. } = &self.op else { return done(Err(Errno::Io)) };
        if sent >= data.len() {
            if unstable {
                self.phase = Phase::Commit(fh.clone());
                return Step::Call(Call::Commit(CommitArgs { file: fh, offset: 0, count: 0 }));
            }
            return self.written(cx, &fh);
        }
        let wsize = cx.sizes.wsize as usize;
        let chunk = data[sent..].iter().take(wsize).copied().collect::<Vec<u8>>();
        let stable = if data.len() <= wsize { StableHow::FileSync } else { StableHow::Unstable };
        let args = WriteArgs { file: fh.clone(), offset: base + sent as u64, count: chunk.len() as u32, stable, data: chunk };
        self.phase = Phase::Write { fh, base, sent, unstable };
        Step::Call(Call::Write(args))
    }

    /// Closed: the page cache holds what was written over a truncated file.
    fn written(&mut self, cx: &mut Ctx<'_>, fh: &Fh) -> Step {
        let Op::WriteFile { data, append, .. } = &self.op else { return done(Err(Errno::Io)) };
        cx.cache.set_data(fh, (!append).then(|| data.clone()));
        done(Ok(OpResult::Done))
    }
}

fn file_result(cx: &Ctx<'_>, fh: &Fh, data: Vec<u8>) -> Step {
    match cx.cache.attr(fh) {
        Some(a) => done(Ok(OpResult::File { attr: FileAttr::from(a), data })),
        None => done(Err(Errno::Io)),
    }
}

/// The errno of a failed or unexpected reply (`nfs3_stat_to_errno`).
fn failure(reply: &Reply) -> Errno {
    let stat = reply.status();
    if stat == Stat::Ok { Errno::Io } else { errno_of(stat) }
}
