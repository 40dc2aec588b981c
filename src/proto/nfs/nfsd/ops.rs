//! The NFSv3 procedures, one function each, with knfsd's checks in its order: the handle, the
//! file type, the export's `ro`, the caller's permission, then the operation.

use super::{Ctx, Target, time, wcc_attr};
use crate::proto::nfs::access::{MAY_EXEC, MAY_READ, MAY_WRITE};
use crate::proto::nfs::tree::{Change, Errno, Ino, Kind};
use crate::wire::nfs3::*;
use crate::wire::xdr::List;

/// Largest READ and WRITE, preferred sizes (spec §5.3: Linux-like).
const IO_MAX: u32 = 1 << 20;

type R<T> = Result<T, Stat>;

/// Serves one decoded call.
pub(super) fn call(ctx: &mut Ctx<'_>, call: Call) -> Reply {
    match call {
        Call::Null => Reply::Null,
        Call::Getattr(fh) => Reply::Getattr(ctx.verify(&fh).map(|t| ctx.fattr(&t.attr)).map_or_else(|s| Res::Fail(s, ()), Res::Ok)),
        Call::Setattr(a) => Reply::Setattr(setattr(ctx, &a)),
        Call::Lookup(a) => Reply::Lookup(lookup(ctx, &a)),
        Call::Access(a) => Reply::Access(access(ctx, &a)),
        Call::Read(a) => Reply::Read(read(ctx, &a)),
        Call::Write(a) => Reply::Write(write(ctx, &a)),
        Call::Create(a) => Reply::Create(create(ctx, &a.place, Kind::File, &a.how)),
        Call::Mkdir(a) => Reply::Mkdir(create(ctx, &a.place, Kind::Dir, &CreateHow::Guarded(a.attributes.clone()))),
        Call::Remove(a) => Reply::Remove(remove(ctx, &a, Kind::File)),
        Call::Rmdir(a) => Reply::Rmdir(remove(ctx, &a, Kind::Dir)),
        Call::Rename(a) => Reply::Rename(rename(ctx, &a)),
        Call::Readdir(a) => Reply::Readdir(readdir(ctx, &a.dir, a.cookie, a.count, false).map_or_else(
            |(s, attr)| Res::Fail(s, attr),
            |(dir_attributes, entries, eof)| {
                let entries = entries.into_iter().map(|e| Entry { fileid: e.fileid, name: e.name, cookie: e.cookie }).collect();
                Res::Ok(ReaddirOk { dir_attributes, cookieverf: [0; 8], entries: List(entries), eof })
            },
        )),
        Call::Readdirplus(a) => Reply::Readdirplus(readdir(ctx, &a.dir, a.cookie, a.maxcount, true).map_or_else(
            |(s, attr)| Res::Fail(s, attr),
            |(dir_attributes, entries, eof)| Res::Ok(ReaddirplusOk { dir_attributes, cookieverf: [0; 8], entries: List(entries), eof }),
        )),
        Call::Fsstat(fh) => Reply::Fsstat(fsstat(ctx, &fh)),
        Call::Fsinfo(fh) => Reply::Fsinfo(fsinfo(ctx, &fh)),
        Call::Pathconf(fh) => Reply::Pathconf(pathconf(ctx, &fh)),
        Call::Commit(a) => Reply::Commit(match ctx.verify(&a.file) {
            Ok(t) => Res::Ok(CommitOk {
                file_wcc: WccData { before: Some(wcc_attr(&t.attr)), after: ctx.post(t.handle.ino) },
                verf: ctx.verifier,
            }),
            Err(s) => Res::Fail(s, WccData { before: None, after: None }),
        }),
    }
}

fn errno(e: Errno) -> Stat {
    match e {
        Errno::NoEnt => Stat::NoEnt,
        Errno::Exist => Stat::Exist,
        Errno::NotDir => Stat::NotDir,
        Errno::IsDir => Stat::IsDir,
        Errno::NoSpc => Stat::NoSpc,
        Errno::Inval => Stat::Inval,
        Errno::NotEmpty => Stat::NotEmpty,
    }
}

/// A directory the caller may change: not `ro`, write and search permission.
fn writable_dir(ctx: &Ctx<'_>, fh: &Fh) -> R<Target> {
    let t = ctx.verify(fh)?;
    if t.attr.kind != Kind::Dir {
        return Err(Stat::NotDir);
    }
    if t.options.read_only {
        return Err(Stat::Rofs);
    }
    if !t.who.may(&t.attr, MAY_WRITE | MAY_EXEC) {
        return Err(Stat::Acces);
    }
    Ok(t)
}

fn wcc_of(ctx: &Ctx<'_>, before: &Target) -> WccData {
    WccData { before: Some(wcc_attr(&before.attr)), after: ctx.post(before.handle.ino) }
}

const NO_WCC: WccData = WccData { before: None, after: None };

/// `nfsd_setattr`: `fh_verify` (a size on a directory is ISDIR, a read-only export ROFS, a size
/// without write permission ACCES unless the caller owns the file), then the guard (NOT_SYNC),
/// then the VFS's `setattr_prepare` (chmod by the owner, chown by root, chgrp by the owner to
/// one of their groups, explicit times by the owner: PERM otherwise).
fn setattr(ctx: &mut Ctx<'_>, a: &SetattrArgs) -> Res<WccData, WccData> {
    let t = match ctx.verify(&a.object) {
        Ok(t) => t,
        Err(s) => return Res::Fail(s, NO_WCC),
    };
    let unchanged = WccData { before: Some(wcc_attr(&t.attr)), after: Some(ctx.fattr(&t.attr)) };
    let fail = |s| Res::Fail(s, unchanged.clone());
    let s = &a.new_attributes;
    if s.size.is_some() && t.attr.kind == Kind::Dir {
        return fail(Stat::IsDir);
    }
    if t.options.read_only {
        return fail(Stat::Rofs);
    }
    if s.size.is_some() && !t.who.may_io(&t.attr, MAY_WRITE) {
        return fail(Stat::Acces);
    }
    if let Some(guard) = &a.guard
        && *guard != time(t.attr.ctime_us)
    {
        return fail(Stat::NotSync);
    }
    let (who, attr) = (&t.who, &t.attr);
    let root = who.uid == 0;
    let owner = root || who.uid == attr.uid;
    let chown_ok = s.uid.is_none_or(|u| root || (owner && u == attr.uid));
    let chgrp_ok = s.gid.is_none_or(|g| root || (owner && (g == attr.gid || g == who.gid || who.gids.contains(&g))));
    let times_ok = owner || !matches!((&s.atime, &s.mtime), (SetTime::ClientTime(_), _) | (_, SetTime::ClientTime(_)));
    if !(chown_ok && chgrp_ok && times_ok && (s.mode.is_none() || owner)) {
        return fail(Stat::Perm);
    }
    let change = Change {
        mode: s.mode.map(|m| m & 0o7777),
        uid: s.uid,
        gid: s.gid,
        size: s.size,
        atime_us: settime(&s.atime, ctx.now_us),
        mtime_us: settime(&s.mtime, ctx.now_us),
    };
    match ctx.tree.change(t.handle.ino, &change, ctx.now_us) {
        Ok(()) => Res::Ok(wcc_of(ctx, &t)),
        Err(e) => fail(errno(e)),
    }
}

fn lookup(ctx: &Ctx<'_>, a: &DirOp) -> Res<LookupOk, PostOpAttr> {
    let t = match ctx.verify(&a.dir) {
        Ok(t) => t,
        Err(s) => return Res::Fail(s, None),
    };
    let dir_attr = Some(ctx.fattr(&t.attr));
    let found = (|| {
        if t.attr.kind != Kind::Dir {
            return Err(Stat::NotDir);
        }
        if !t.who.may(&t.attr, MAY_EXEC) {
            return Err(Stat::Acces);
        }
        match a.name.as_str() {
            "." => return Ok(t.handle.ino),
            // `..` of the export's root is the root itself (the export hides what is above).
            ".." if t.handle.ino == t.handle.export_root => return Ok(t.handle.ino),
            _ => {}
        }
        ctx.tree.lookup(t.handle.ino, &a.name).map_err(errno)
    })();
    match found.and_then(|ino| ctx.handle_of(&t, ino).ok_or(Stat::NoEnt)) {
        Ok((object, attr)) => Res::Ok(LookupOk { object, obj_attributes: Some(ctx.fattr(&attr)), dir_attributes: dir_attr }),
        Err(s) => Res::Fail(s, dir_attr),
    }
}

fn access(ctx: &Ctx<'_>, a: &AccessArgs) -> Res<AccessOk, PostOpAttr> {
    let t = match ctx.verify(&a.object) {
        Ok(t) => t,
        Err(s) => return Res::Fail(s, None),
    };
    // `nfsd_access` (`fs/nfsd/vfs.c`): each bit asked is granted if the permission it maps to
    // in `nfs3_regaccess` or `nfs3_diraccess` is (a read-only export grants no writing).
    const FILE: [(u32, u32, bool); 4] = [
        (access::READ, MAY_READ, false),
        (access::EXECUTE, MAY_EXEC, false),
        (access::MODIFY, MAY_WRITE, true),
        (access::EXTEND, MAY_WRITE, true),
    ];
    const DIR: [(u32, u32, bool); 5] = [
        (access::READ, MAY_READ, false),
        (access::LOOKUP, MAY_EXEC, false),
        (access::MODIFY, MAY_EXEC | MAY_WRITE, true),
        (access::EXTEND, MAY_EXEC | MAY_WRITE, true),
        (access::DELETE, MAY_EXEC | MAY_WRITE, true),
    ];
    let map: &[(u32, u32, bool)] = if t.attr.kind == Kind::Dir { &DIR } else { &FILE };
    let granted = map
        .iter()
        .filter(|&&(bit, may, writes)| a.access & bit != 0 && !(writes && t.options.read_only) && t.who.may(&t.attr, may))
        .fold(0, |acc, &(bit, _, _)| acc | bit);
    Res::Ok(AccessOk { obj_attributes: Some(ctx.fattr(&t.attr)), access: granted })
}

fn read(ctx: &Ctx<'_>, a: &ReadArgs) -> Res<ReadOk, PostOpAttr> {
    let t = match ctx.verify(&a.file) {
        Ok(t) => t,
        Err(s) => return Res::Fail(s, None),
    };
    let attr = Some(ctx.fattr(&t.attr));
    if t.attr.kind == Kind::Dir {
        return Res::Fail(Stat::IsDir, attr);
    }
    if !t.who.may_io(&t.attr, MAY_READ) {
        return Res::Fail(Stat::Acces, attr);
    }
    match ctx.tree.read(t.handle.ino, a.offset, a.count.min(IO_MAX)) {
        Ok(data) => {
            let count = u32::try_from(data.len()).unwrap_or(u32::MAX);
            let eof = a.offset.saturating_add(u64::from(count)) >= t.attr.size;
            Res::Ok(ReadOk { file_attributes: attr, count, eof, data })
        }
        Err(e) => Res::Fail(errno(e), attr),
    }
}

fn write(ctx: &mut Ctx<'_>, a: &WriteArgs) -> Res<WriteOk, WccData> {
    let t = match ctx.verify(&a.file) {
        Ok(t) => t,
        Err(s) => return Res::Fail(s, NO_WCC),
    };
    let unchanged = WccData { before: Some(wcc_attr(&t.attr)), after: Some(ctx.fattr(&t.attr)) };
    let fail = |s| Res::Fail(s, unchanged.clone());
    if t.attr.kind == Kind::Dir {
        return fail(Stat::IsDir);
    }
    if t.options.read_only {
        return fail(Stat::Rofs);
    }
    if !t.who.may_io(&t.attr, MAY_WRITE) {
        return fail(Stat::Acces);
    }
    // `nfs3svc_decode_writeargs` cuts a write to the largest the server takes.
    let count = a.count.min(IO_MAX);
    let data = &a.data[..a.data.len().min(count as usize)];
    if let Err(e) = ctx.tree.write(t.handle.ino, a.offset, data, ctx.now_us) {
        return fail(errno(e));
    }
    Res::Ok(WriteOk { file_wcc: wcc_of(ctx, &t), count, committed: StableHow::FileSync, verf: ctx.verifier })
}

/// EXCLUSIVE's verifier as knfsd keeps it (`nfsd3_create_file`): in the new file's mtime and
/// atime, whole seconds, the verifier's two words as the (x86, little-endian) server reads them,
/// high bit cleared.
fn verifier_times(v: &[u8; 8]) -> (u64, u64) {
    let word = |b: &[u8]| u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) & 0x7fff_ffff) * 1_000_000;
    (word(&v[..4]), word(&v[4..]))
}

/// CREATE and MKDIR (`nfsd3_create_file`, `nfsd_create`): GUARDED and MKDIR refuse an existing
/// name with EXIST; UNCHECKED on an existing file only applies the size; EXCLUSIVE stores its
/// verifier in the times and answers a retransmission (same verifier, still empty) with the file.
/// A new file gets the caller's (squashed) ids and the mode asked (0 if none, as knfsd does).
fn create(ctx: &mut Ctx<'_>, place: &DirOp, kind: Kind, how: &CreateHow) -> Res<DiropOk, WccData> {
    let dir = match writable_dir(ctx, &place.dir) {
        Ok(t) => t,
        Err(s) => return Res::Fail(s, ctx.verify(&place.dir).map(|t| wcc_of(ctx, &t)).unwrap_or(NO_WCC)),
    };
    let fail = |ctx: &Ctx<'_>, s| Res::Fail(s, wcc_of(ctx, &dir));
    // `nfsd_create`: `.` and `..` exist.
    if place.name == "." || place.name == ".." {
        return fail(ctx, Stat::Exist);
    }
    let existing = ctx.tree.lookup(dir.handle.ino, &place.name).ok().and_then(|ino| ctx.tree.attr(ino));
    let (ino, change) = match (how, existing) {
        (CreateHow::Unchecked(s), Some(a)) if kind == Kind::File && a.kind == Kind::File => {
            (a.ino, Change { size: s.size, ..Change::default() })
        }
        (CreateHow::Exclusive(v), Some(a))
            if (a.mtime_us / 1_000_000 * 1_000_000, a.atime_us / 1_000_000 * 1_000_000) == verifier_times(v) && a.size == 0 =>
        {
            (a.ino, Change::default())
        }
        (_, Some(_)) => return fail(ctx, Stat::Exist),
        (how, None) => {
            let (mode, change) = match how {
                CreateHow::Unchecked(s) | CreateHow::Guarded(s) => (
                    s.mode.unwrap_or(0) & 0o7777,
                    Change {
                        uid: s.uid,
                        gid: s.gid,
                        size: s.size.filter(|&n| n > 0),
                        atime_us: settime(&s.atime, ctx.now_us),
                        mtime_us: settime(&s.mtime, ctx.now_us),
                        ..Change::default()
                    },
                ),
                CreateHow::Exclusive(v) => {
                    let (mtime, atime) = verifier_times(v);
                    (0, Change { atime_us: Some(atime), mtime_us: Some(mtime), ..Change::default() })
                }
            };
            match ctx.tree.create(dir.handle.ino, &place.name, kind, (mode, dir.who.uid, dir.who.gid), ctx.now_us) {
                Ok(ino) => (ino, change),
                Err(e) => return fail(ctx, errno(e)),
            }
        }
    };
    if change != Change::default()
        && let Err(e) = ctx.tree.change(ino, &change, ctx.now_us)
    {
        return fail(ctx, errno(e));
    }
    match ctx.handle_of(&dir, ino) {
        Some((fh, attr)) => Res::Ok(DiropOk { obj: Some(fh), obj_attributes: Some(ctx.fattr(&attr)), dir_wcc: wcc_of(ctx, &dir) }),
        None => fail(ctx, Stat::ServerFault),
    }
}

/// A `time_how` as µs: the server's clock, the client's time, or no change.
fn settime(st: &SetTime, now_us: u64) -> Option<u64> {
    match st {
        SetTime::DontChange => None,
        SetTime::ServerTime => Some(now_us),
        SetTime::ClientTime(c) => Some(u64::from(c.seconds) * 1_000_000 + u64::from(c.nseconds) / 1000),
    }
}

fn is_empty_dir(ctx: &Ctx<'_>, ino: Ino) -> bool {
    ctx.tree.readdir(ino).is_ok_and(|e| e.is_empty())
}

fn remove(ctx: &mut Ctx<'_>, a: &DirOp, kind: Kind) -> Res<WccData, WccData> {
    let dir = match writable_dir(ctx, &a.dir) {
        Ok(t) => t,
        Err(s) => return Res::Fail(s, ctx.verify(&a.dir).map(|t| wcc_of(ctx, &t)).unwrap_or(NO_WCC)),
    };
    let checked = (|| {
        // `nfsd_unlink`: dot names are refused with ACCES.
        if a.name == "." || a.name == ".." {
            return Err(Stat::Acces);
        }
        let ino = ctx.tree.lookup(dir.handle.ino, &a.name).map_err(errno)?;
        let attr = ctx.tree.attr(ino).ok_or(Stat::NoEnt)?;
        match (kind, attr.kind) {
            // unlink(2) of a directory: EISDIR on Linux.
            (Kind::File, Kind::Dir) => Err(Stat::IsDir),
            (Kind::Dir, Kind::File) => Err(Stat::NotDir),
            (Kind::Dir, Kind::Dir) if !is_empty_dir(ctx, ino) => Err(Stat::NotEmpty),
            _ => Ok(()),
        }
    })();
    match checked.and_then(|()| ctx.tree.unlink(dir.handle.ino, &a.name, ctx.now_us).map_err(errno)) {
        Ok(()) => Res::Ok(wcc_of(ctx, &dir)),
        Err(s) => Res::Fail(s, wcc_of(ctx, &dir)),
    }
}

fn rename(ctx: &mut Ctx<'_>, a: &RenameArgs) -> Res<RenameWcc, RenameWcc> {
    let wcc = |ctx: &Ctx<'_>, fh: &Fh| ctx.verify(fh).map(|t| wcc_of(ctx, &t)).unwrap_or(NO_WCC);
    let dirs = writable_dir(ctx, &a.from.dir).and_then(|f| Ok((f, writable_dir(ctx, &a.to.dir)?)));
    let (from, to) = match dirs {
        Ok(d) => d,
        Err(s) => return Res::Fail(s, RenameWcc { fromdir_wcc: wcc(ctx, &a.from.dir), todir_wcc: wcc(ctx, &a.to.dir) }),
    };
    let checked = (|| {
        // `nfsd_rename`: dot names are refused with PERM, then a move across exports with XDEV.
        if [&a.from.name, &a.to.name].iter().any(|n| *n == "." || *n == "..") {
            return Err(Stat::Perm);
        }
        if from.handle.export_root != to.handle.export_root {
            return Err(Stat::Xdev);
        }
        let src = ctx.tree.lookup(from.handle.ino, &a.from.name).map_err(errno)?;
        let src_kind = ctx.tree.attr(src).ok_or(Stat::NoEnt)?.kind;
        if let Ok(dst) = ctx.tree.lookup(to.handle.ino, &a.to.name)
            && dst != src
        {
            let dst_kind = ctx.tree.attr(dst).ok_or(Stat::NoEnt)?.kind;
            match (src_kind, dst_kind) {
                (Kind::File, Kind::Dir) => return Err(Stat::IsDir),
                (Kind::Dir, Kind::File) => return Err(Stat::NotDir),
                (Kind::Dir, Kind::Dir) if !is_empty_dir(ctx, dst) => return Err(Stat::NotEmpty),
                _ => {}
            }
        }
        ctx.tree.rename(from.handle.ino, &a.from.name, to.handle.ino, &a.to.name, ctx.now_us).map_err(errno)
    })();
    let out = RenameWcc { fromdir_wcc: wcc_of(ctx, &from), todir_wcc: wcc_of(ctx, &to) };
    match checked {
        Ok(()) => Res::Ok(out),
        Err(s) => Res::Fail(s, out),
    }
}

/// READDIR and READDIRPLUS: `.`, `..`, then the names, cookie n+1 for the n-th; as many as fit
/// in `count` bytes of reply (TOOSMALL if not even one does).
fn readdir(ctx: &Ctx<'_>, fh: &Fh, cookie: u64, count: u32, plus: bool) -> Result<(PostOpAttr, Vec<EntryPlus>, bool), (Stat, PostOpAttr)> {
    let t = ctx.verify(fh).map_err(|s| (s, None))?;
    let attr = Some(ctx.fattr(&t.attr));
    if t.attr.kind != Kind::Dir {
        return Err((Stat::NotDir, attr));
    }
    if !t.who.may(&t.attr, MAY_READ) {
        return Err((Stat::Acces, attr));
    }
    let parent =
        if t.handle.ino == t.handle.export_root { t.handle.ino } else { ctx.tree.lookup(t.handle.ino, "..").unwrap_or(t.handle.ino) };
    let mut names = vec![(".".to_owned(), t.handle.ino), ("..".to_owned(), parent)];
    names.extend(ctx.tree.readdir(t.handle.ino).map_err(|e| (errno(e), attr.clone()))?);
    // status, post_op_attr, verifier, list end, eof.
    let mut used = 4 + 4 + 84 + 8 + 4 + 4;
    let mut out = Vec::new();
    let start = usize::try_from(cookie).unwrap_or(usize::MAX);
    for (i, (name, ino)) in names.iter().enumerate().skip(start) {
        let mut size = 4 + 8 + 4 + name.len().div_ceil(4) * 4 + 8;
        let (handle, name_attr) = match ctx.handle_of(&t, *ino).filter(|_| plus) {
            Some((fh, a)) => (Some(fh), Some(ctx.fattr(&a))),
            None => (None, None),
        };
        if plus {
            size += 4 + 84 + 4 + 4 + 24;
        }
        if used + size > count as usize {
            if out.is_empty() {
                return Err((Stat::TooSmall, attr));
            }
            return Ok((attr, out, false));
        }
        used += size;
        out.push(EntryPlus { fileid: *ino, name: name.clone(), cookie: i as u64 + 1, name_attributes: name_attr, name_handle: handle });
    }
    Ok((attr, out, true))
}

fn fsstat(ctx: &Ctx<'_>, fh: &Fh) -> Res<FsstatOk, PostOpAttr> {
    match ctx.verify(fh) {
        Ok(t) => {
            let u = ctx.tree.usage();
            Res::Ok(FsstatOk {
                obj_attributes: Some(ctx.fattr(&t.attr)),
                tbytes: u.total_bytes,
                fbytes: u.free_bytes,
                abytes: u.free_bytes,
                tfiles: u.total_files,
                ffiles: u.free_files,
                afiles: u.free_files,
                invarsec: 0,
            })
        }
        Err(s) => Res::Fail(s, None),
    }
}

fn fsinfo(ctx: &Ctx<'_>, fh: &Fh) -> Res<FsinfoOk, PostOpAttr> {
    match ctx.verify(fh) {
        Ok(t) => Res::Ok(FsinfoOk {
            obj_attributes: Some(ctx.fattr(&t.attr)),
            rtmax: IO_MAX,
            rtpref: IO_MAX,
            rtmult: 4096,
            wtmax: IO_MAX,
            wtpref: IO_MAX,
            wtmult: 4096,
            dtpref: 4096,
            maxfilesize: i64::MAX as u64,
            time_delta: NfsTime { seconds: 0, nseconds: 1 },
            // FSF3_LINK | FSF3_SYMLINK | FSF3_HOMOGENEOUS | FSF3_CANSETTIME, as knfsd.
            properties: 0x1b,
        }),
        Err(s) => Res::Fail(s, None),
    }
}

fn pathconf(ctx: &Ctx<'_>, fh: &Fh) -> Res<PathconfOk, PostOpAttr> {
    match ctx.verify(fh) {
        Ok(t) => Res::Ok(PathconfOk {
            obj_attributes: Some(ctx.fattr(&t.attr)),
            linkmax: 65000,
            name_max: MAXNAMLEN as u32,
            no_trunc: true,
            chown_restricted: true,
            case_insensitive: false,
            case_preserving: true,
        }),
        Err(s) => Res::Fail(s, None),
    }
}
