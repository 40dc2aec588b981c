//! The server cores driven through their public surface: RPC messages in, reply messages out.
//! Every NFSv3 procedure of spec-nfs.md §5.3 (and MKDIR, REMOVE, RMDIR, RENAME), with its errors.

use std::net::{Ipv4Addr, SocketAddrV4};

use super::exports::{self, Client, Exports};
use super::memtree::MemTree;
use super::mountd::Mountd;
use super::nfsd::Nfsd;
use super::portmap::Portmapper;
use super::tree::FileTree;
use super::{Answer, Event};
use crate::wire::nfs3::{self, *};
use crate::wire::rpc::{self, AcceptStat, AuthSys, Message, OpaqueAuth, RejectStat, ReplyBody};
use crate::wire::{mount, portmap};

const WEB1: Ipv4Addr = Ipv4Addr::new(192, 168, 20, 201);
const PRIV: SocketAddrV4 = SocketAddrV4::new(WEB1, 876);

fn web1() -> Client {
    Client { addr: WEB1, names: vec!["web-1".into()] }
}

fn sys(uid: u32, gid: u32) -> OpaqueAuth {
    AuthSys { stamp: 0, machine_name: "web-1".into(), uid, gid, gids: vec![] }.to_auth()
}

fn call_msg(prog: u32, vers: u32, procedure: u32, cred: OpaqueAuth, args: &[u8]) -> Vec<u8> {
    Message::Call(rpc::Call { xid: 42, rpc_version: 2, program: prog, version: vers, procedure, cred, verf: OpaqueAuth::none() })
        .with_body(args)
}

/// Splits a reply into its header body and results.
fn parse_reply(bytes: &[u8]) -> (ReplyBody, Vec<u8>) {
    let (Message::Reply(r), at) = Message::parse(bytes).unwrap() else { panic!("not a reply") };
    assert_eq!(r.xid, 42);
    (r.body, bytes[at..].to_vec())
}

struct Server {
    tree: MemTree,
    exports: Exports,
    nfsd: Nfsd,
    mountd: Mountd,
    now: u64,
}

impl Server {
    fn new(exports_text: &str) -> Server {
        let mut tree = MemTree::new();
        tree.put("/web/index.html", b"<h1>web</h1>\n", 0o644, 0);
        tree.put("/web/private.html", b"secret", 0o600, 1000);
        tree.put("/web/sub/page.html", b"sub", 0o644, 0);
        tree.put("/other/x", b"x", 0o644, 0);
        let (exports, diags) = exports::parse(exports_text, "/etc/exports", &|_| vec![]);
        assert!(diags.iter().all(|d| d.level == exports::Level::Warning));
        Server { tree, exports, nfsd: Nfsd::new(*b"bootverf"), mountd: Mountd::new(), now: 1_700_000_000_000_000 }
    }

    fn mount(&mut self, path: &str) -> mount::MntRes {
        let msg = call_msg(mount::PROGRAM, 3, mount::proc::MNT, sys(0, 0), &mount::Call::Mnt(path.into()).to_bytes());
        let reply = self.mountd.handle_message(PRIV, &web1(), &msg, &self.exports, &self.tree).unwrap();
        let (_, results) = parse_reply(&reply);
        let mount::Reply::Mnt(res) = mount::Reply::decode(mount::proc::MNT, &results).unwrap() else { panic!() };
        res
    }

    fn root(&mut self) -> Fh {
        match self.mount("/web") {
            mount::MntRes::Ok { fhandle, .. } => Fh::new(&fhandle).unwrap(),
            other => panic!("{other:?}"),
        }
    }

    fn nfs_as(&mut self, from: SocketAddrV4, cred: OpaqueAuth, call: &Call) -> Reply {
        self.now += 1_000_000;
        let msg = call_msg(nfs3::PROGRAM, 3, call.procedure(), cred, &call.to_bytes());
        let reply = self.nfsd.handle_message(self.now, from, &web1(), &msg, &self.exports, &mut self.tree).unwrap();
        let (body, results) = parse_reply(&reply);
        assert_eq!(body, ReplyBody::Accepted { verf: OpaqueAuth::none(), stat: AcceptStat::Success });
        let decoded = Reply::decode(call.procedure(), &results).unwrap();
        let Some(Event::Answered { result, .. }) = self.nfsd.poll_event() else { panic!("no event") };
        assert_eq!(result, Answer::Nfs(decoded.status()));
        decoded
    }

    /// A call the RPC layer or the decoder refuses: its reply header.
    fn refused(&mut self, call: &Call) -> ReplyBody {
        let msg = call_msg(nfs3::PROGRAM, 3, call.procedure(), sys(0, 0), &call.to_bytes());
        let reply = self.nfsd.handle_message(self.now, PRIV, &web1(), &msg, &self.exports, &mut self.tree).unwrap();
        assert!(matches!(self.nfsd.poll_event(), Some(Event::Answered { result: Answer::GarbageArgs, .. })));
        parse_reply(&reply).0
    }

    fn nfs(&mut self, call: &Call) -> Reply {
        self.nfs_as(PRIV, sys(0, 0), call)
    }

    fn lookup(&mut self, dir: &Fh, name: &str) -> Result<Fh, Stat> {
        match self.nfs(&Call::Lookup(DirOp { dir: dir.clone(), name: name.into() })) {
            Reply::Lookup(Res::Ok(ok)) => Ok(ok.object),
            Reply::Lookup(Res::Fail(s, _)) => Err(s),
            r => panic!("{r:?}"),
        }
    }
}

fn status(r: &Reply) -> Stat {
    r.status()
}

const LAB: &str = "/web *(rw,no_root_squash)\n";

#[test]
fn portmap_registry_over_rpc() {
    let mut pm = Portmapper::new();
    let mountd = portmap::Mapping { prog: mount::PROGRAM, vers: 3, prot: portmap::IPPROTO_UDP, port: 20048 };
    assert!(pm.set(&portmap::Mapping { prog: nfs3::PROGRAM, vers: 3, prot: portmap::IPPROTO_TCP, port: u32::from(nfs3::PORT) }));
    assert!(pm.set(&mountd));
    assert!(!pm.set(&mountd));
    let ask = |pm: &mut Portmapper, local: bool, call: portmap::Call| {
        let msg = call_msg(portmap::PROGRAM, 2, call.procedure(), OpaqueAuth::none(), &call.to_bytes());
        let (_, results) = parse_reply(&pm.handle_message(PRIV, local, &msg).unwrap());
        portmap::Reply::decode(call.procedure(), &results).unwrap()
    };
    let getport = |prog, prot| portmap::Call::Getport(portmap::Mapping { prog, vers: 3, prot, port: 0 });
    assert_eq!(ask(&mut pm, false, getport(nfs3::PROGRAM, portmap::IPPROTO_TCP)), portmap::Reply::Getport(2049));
    assert_eq!(ask(&mut pm, false, getport(mount::PROGRAM, portmap::IPPROTO_UDP)), portmap::Reply::Getport(20048));
    assert_eq!(ask(&mut pm, false, getport(mount::PROGRAM, portmap::IPPROTO_TCP)), portmap::Reply::Getport(0));
    // Remote SET and UNSET are refused; local ones work.
    assert_eq!(ask(&mut pm, false, portmap::Call::Unset(mountd.clone())), portmap::Reply::Unset(false));
    assert_eq!(ask(&mut pm, true, portmap::Call::Unset(mountd)), portmap::Reply::Unset(true));
    let portmap::Reply::Dump(list) = ask(&mut pm, false, portmap::Call::Dump) else { panic!() };
    assert_eq!(list.iter().map(|m| (m.prog, m.port)).collect::<Vec<_>>(), [(100_000, 111), (100_000, 111), (100_003, 2049)]);
    // Every call is reported; CALLIT (5) is not modelled.
    let msg = call_msg(portmap::PROGRAM, 2, 5, OpaqueAuth::none(), &[]);
    assert_eq!(
        parse_reply(&pm.handle_message(PRIV, false, &msg).unwrap()).0,
        ReplyBody::Accepted { verf: OpaqueAuth::none(), stat: AcceptStat::ProcUnavail }
    );
    let answers: Vec<Answer> = std::iter::from_fn(|| pm.poll_event())
        .map(|e| match e {
            Event::Answered { result, .. } => result,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(answers.len(), 7);
    assert_eq!(answers[6], Answer::ProcUnavail);
}

#[test]
fn rpc_layer_refusals() {
    let mut s = Server::new(LAB);
    let mut ask = |msg: Vec<u8>| s.nfsd.handle_message(0, PRIV, &web1(), &msg, &s.exports, &mut s.tree);
    // Version 4 and 2: PROG_MISMATCH 3–3 (spec §1), so the client falls back to v3.
    for vers in [4, 2] {
        let (body, rest) = parse_reply(&ask(call_msg(nfs3::PROGRAM, vers, 0, OpaqueAuth::none(), &[])).unwrap());
        assert_eq!(body, ReplyBody::Accepted { verf: OpaqueAuth::none(), stat: AcceptStat::ProgMismatch { low: 3, high: 3 } });
        assert!(rest.is_empty());
    }
    let refused = |bytes: Option<Vec<u8>>| parse_reply(&bytes.unwrap()).0;
    assert_eq!(
        refused(ask(call_msg(mount::PROGRAM, 3, 0, OpaqueAuth::none(), &[]))),
        ReplyBody::Accepted { verf: OpaqueAuth::none(), stat: AcceptStat::ProgUnavail }
    );
    assert_eq!(
        refused(ask(call_msg(nfs3::PROGRAM, 3, 5, sys(0, 0), &[]))),
        ReplyBody::Accepted { verf: OpaqueAuth::none(), stat: AcceptStat::ProcUnavail }
    );
    assert_eq!(
        refused(ask(call_msg(nfs3::PROGRAM, 3, 1, sys(0, 0), &[1, 2]))),
        ReplyBody::Accepted { verf: OpaqueAuth::none(), stat: AcceptStat::GarbageArgs }
    );
    // svcauth_unix_accept: an AUTH_SYS body that does not decode is GARBAGE_ARGS, 17 groups BADCRED.
    let cut = OpaqueAuth { flavor: rpc::AUTH_SYS, body: vec![0; 3] };
    assert_eq!(
        refused(ask(call_msg(nfs3::PROGRAM, 3, 0, cut, &[]))),
        ReplyBody::Accepted { verf: OpaqueAuth::none(), stat: AcceptStat::GarbageArgs }
    );
    let groups = AuthSys { stamp: 0, machine_name: "web-1".into(), uid: 0, gid: 0, gids: vec![1; 17] }.to_auth();
    assert_eq!(refused(ask(call_msg(nfs3::PROGRAM, 3, 0, groups, &[]))), ReplyBody::Denied(RejectStat::AuthError(rpc::AUTH_BADCRED)));
    let none_with_body = OpaqueAuth { flavor: rpc::AUTH_NONE, body: vec![1, 2, 3, 4] };
    assert_eq!(
        refused(ask(call_msg(nfs3::PROGRAM, 3, 0, none_with_body, &[]))),
        ReplyBody::Denied(RejectStat::AuthError(rpc::AUTH_BADCRED))
    );
    let mut bad_verf = call_msg(nfs3::PROGRAM, 3, 0, OpaqueAuth::none(), &[]);
    bad_verf[35] = 1; // the verifier's flavor: AUTH_SYS
    assert_eq!(refused(ask(bad_verf)), ReplyBody::Denied(RejectStat::AuthError(rpc::AUTH_BADVERF)));
    let gss = OpaqueAuth { flavor: 6, body: vec![] };
    assert_eq!(refused(ask(call_msg(nfs3::PROGRAM, 3, 0, gss, &[]))), ReplyBody::Denied(RejectStat::AuthError(rpc::AUTH_BADCRED)));
    let mut v3 = call_msg(nfs3::PROGRAM, 3, 0, OpaqueAuth::none(), &[]);
    v3[8..12].copy_from_slice(&3u32.to_be_bytes());
    assert_eq!(refused(ask(v3)), ReplyBody::Denied(RejectStat::RpcMismatch { low: 2, high: 2 }));
    // Garbage, a reply, a cut header: dropped, reported, never a panic.
    assert_eq!(ask(vec![0xde, 0xad]), None);
    assert_eq!(ask(call_msg(nfs3::PROGRAM, 3, 0, OpaqueAuth::none(), &[])[..20].to_vec()), None);
    let mut reply = call_msg(nfs3::PROGRAM, 3, 0, OpaqueAuth::none(), &[]);
    reply[7] = 1;
    assert_eq!(ask(reply), None);
    let events: Vec<Event> = std::iter::from_fn(|| s.nfsd.poll_event()).collect();
    assert_eq!(events.iter().filter(|e| matches!(e, Event::Dropped { .. })).count(), 3);
    assert_eq!(events.len(), 14);
}

#[test]
fn mountd_mnt_export_dump_umnt() {
    let mut s = Server::new("/web *(rw,no_root_squash)\n/other 10.0.0.0/8(ro)\n");
    let root = s.root();
    assert_eq!(Handle::parse(&root).unwrap().ino, s.tree.resolve("/web").unwrap());
    assert!(matches!(s.mount("/web/sub/"), mount::MntRes::Ok { .. }));
    assert_eq!(s.mount("/web/nothere"), mount::MntRes::Err(mount::MountStat::NoEnt));
    assert_eq!(s.mount("/other"), mount::MntRes::Err(mount::MountStat::Acces));
    assert_eq!(s.mount("/srv"), mount::MntRes::Err(mount::MountStat::Acces));
    assert_eq!(s.mount("web"), mount::MntRes::Err(mount::MountStat::Acces));
    let logs: Vec<String> = std::iter::from_fn(|| s.mountd.poll_event())
        .filter_map(|e| match e {
            Event::Log(l) => Some(l),
            _ => None,
        })
        .collect();
    assert_eq!(
        logs,
        [
            "authenticated mount request from 192.168.20.201:876 for /web (/web)",
            "authenticated mount request from 192.168.20.201:876 for /web/sub/ (/web)",
            "can't stat exported dir /web/nothere: No such file or directory",
            "refused mount request from 192.168.20.201 for /other (/): no export entry",
            "refused mount request from 192.168.20.201 for /srv (/): no export entry",
            "Bad path in mount request from 192.168.20.201: \"web\"",
        ]
    );
    // An unprivileged port on a `secure` export.
    let msg = call_msg(mount::PROGRAM, 3, 1, sys(0, 0), &mount::Call::Mnt("/web".into()).to_bytes());
    let reply = s.mountd.handle_message(SocketAddrV4::new(WEB1, 40000), &web1(), &msg, &s.exports, &s.tree).unwrap();
    assert_eq!(mount::Reply::decode(1, &parse_reply(&reply).1), Ok(mount::Reply::Mnt(mount::MntRes::Err(mount::MountStat::Acces))));
    let ask = |s: &mut Server, call: mount::Call| {
        let msg = call_msg(mount::PROGRAM, 3, call.procedure(), sys(0, 0), &call.to_bytes());
        let reply = s.mountd.handle_message(PRIV, &web1(), &msg, &s.exports, &s.tree).unwrap();
        mount::Reply::decode(call.procedure(), &parse_reply(&reply).1).unwrap()
    };
    let mount::Reply::Export(list) = ask(&mut s, mount::Call::Export) else { panic!() };
    assert_eq!(
        list.iter().map(|e| (e.dir.as_str(), e.groups.clone())).collect::<Vec<_>>(),
        [("/web", vec!["*".to_owned()]), ("/other", vec!["10.0.0.0/8".to_owned()])]
    );
    let mount::Reply::Dump(mounts) = ask(&mut s, mount::Call::Dump) else { panic!() };
    assert_eq!(mounts.len(), 2);
    ask(&mut s, mount::Call::Umnt("/web".into()));
    assert_eq!(s.mountd.mounts().len(), 1);
    ask(&mut s, mount::Call::Umntall);
    assert!(s.mountd.mounts().is_empty());
}

fn sattr_mode(mode: u32) -> Sattr {
    Sattr { mode: Some(mode), ..Sattr::none() }
}

#[test]
fn every_nfsv3_procedure_and_its_errors() {
    let mut s = Server::new(LAB);
    let root = s.root();
    assert_eq!(s.nfs(&Call::Null), Reply::Null);

    // GETATTR, LOOKUP (NOENT, NOTDIR, NAMETOOLONG, `.`, `..` at the root).
    let Reply::Getattr(Res::Ok(a)) = s.nfs(&Call::Getattr(root.clone())) else { panic!() };
    assert_eq!((a.ftype, a.mode, a.fsid), (Ftype::Dir, 0o755, 0x801));
    let index = s.lookup(&root, "index.html").unwrap();
    assert_eq!(s.lookup(&root, "missing"), Err(Stat::NoEnt));
    assert_eq!(s.lookup(&index, "x"), Err(Stat::NotDir));
    // knfsd's decoder refuses names that are empty, over 255 bytes, or hold a slash or a NUL.
    let garbage = ReplyBody::Accepted { verf: OpaqueAuth::none(), stat: AcceptStat::GarbageArgs };
    for name in ["n".repeat(256), String::new(), "a/b".into(), "a\0b".into()] {
        assert_eq!(s.refused(&Call::Lookup(DirOp { dir: root.clone(), name })), garbage);
    }
    assert_eq!(s.lookup(&root, "."), Ok(root.clone()));
    assert_eq!(s.lookup(&root, ".."), Ok(root.clone()));
    let sub = s.lookup(&root, "sub").unwrap();
    assert_eq!(s.lookup(&sub, ".."), Ok(root.clone()));

    // ACCESS: root on a rw export gets all it asks; www-data only reads index.html.
    let all = 0x3f;
    let Reply::Access(Res::Ok(ok)) = s.nfs(&Call::Access(AccessArgs { object: index.clone(), access: all })) else { panic!() };
    assert_eq!(ok.access, access::READ | access::MODIFY | access::EXTEND);
    let Reply::Access(Res::Ok(ok)) = s.nfs_as(PRIV, sys(33, 33), &Call::Access(AccessArgs { object: index.clone(), access: all })) else {
        panic!()
    };
    assert_eq!(ok.access, access::READ);
    let Reply::Access(Res::Ok(ok)) = s.nfs_as(PRIV, sys(33, 33), &Call::Access(AccessArgs { object: root.clone(), access: all })) else {
        panic!()
    };
    assert_eq!(ok.access, access::READ | access::LOOKUP);

    // READ: data and eof; ISDIR; ACCES for another user, allowed for the owner (0600, uid 1000).
    let Reply::Read(Res::Ok(r)) = s.nfs(&Call::Read(ReadArgs { file: index.clone(), offset: 0, count: 4 })) else { panic!() };
    assert_eq!((r.data.as_slice(), r.eof), (&b"<h1>"[..], false));
    let Reply::Read(Res::Ok(r)) = s.nfs(&Call::Read(ReadArgs { file: index.clone(), offset: 4, count: 100 })) else { panic!() };
    assert_eq!((r.data.as_slice(), r.eof), (&b"web</h1>\n"[..], true));
    assert_eq!(status(&s.nfs(&Call::Read(ReadArgs { file: root.clone(), offset: 0, count: 1 }))), Stat::IsDir);
    let private = s.lookup(&root, "private.html").unwrap();
    let read_private = Call::Read(ReadArgs { file: private.clone(), offset: 0, count: 10 });
    assert_eq!(status(&s.nfs_as(PRIV, sys(33, 33), &read_private)), Stat::Acces);
    assert_eq!(status(&s.nfs_as(PRIV, sys(1000, 1000), &read_private)), Stat::Ok);

    // CREATE (GUARDED, EXIST, UNCHECKED truncate, EXCLUSIVE), WRITE, COMMIT.
    let create = |name: &str, how: CreateHow| Call::Create(CreateArgs { place: DirOp { dir: root.clone(), name: name.into() }, how });
    let Reply::Create(Res::Ok(made)) = s.nfs(&create("new.html", CreateHow::Guarded(sattr_mode(0o644)))) else { panic!() };
    let new = made.obj.unwrap();
    assert_eq!(made.obj_attributes.unwrap().mode, 0o644);
    assert!(made.dir_wcc.before.is_some() && made.dir_wcc.after.is_some());
    assert_eq!(status(&s.nfs(&create("new.html", CreateHow::Guarded(Sattr::none())))), Stat::Exist);
    assert_eq!(status(&s.nfs(&create("new.html", CreateHow::Exclusive([1; 8])))), Stat::Exist);
    // EXCLUSIVE: a retransmission with the same verifier gets the same file, another verifier EXIST.
    let Reply::Create(Res::Ok(excl)) = s.nfs(&create("lock", CreateHow::Exclusive(*b"\x01\0\0\0\x02\0\0\0"))) else { panic!() };
    let excl_attr = excl.obj_attributes.unwrap();
    assert_eq!((excl_attr.mtime.seconds, excl_attr.atime.seconds, excl_attr.mode), (1, 2, 0));
    let Reply::Create(Res::Ok(again)) = s.nfs(&create("lock", CreateHow::Exclusive(*b"\x01\0\0\0\x02\0\0\0"))) else { panic!() };
    assert_eq!(again.obj, excl.obj);
    assert_eq!(status(&s.nfs(&create("lock", CreateHow::Exclusive([3; 8])))), Stat::Exist);
    assert_eq!(status(&s.nfs(&Call::Remove(DirOp { dir: root.clone(), name: "lock".into() }))), Stat::Ok);
    assert_eq!(status(&s.nfs(&create(".", CreateHow::Unchecked(Sattr::none())))), Stat::Exist);
    assert_eq!(s.refused(&create("a/b", CreateHow::Unchecked(Sattr::none()))), garbage);
    let write = |fh: &Fh, data: &[u8]| {
        Call::Write(WriteArgs { file: fh.clone(), offset: 0, count: data.len() as u32, stable: StableHow::Unstable, data: data.to_vec() })
    };
    let Reply::Write(Res::Ok(w)) = s.nfs(&write(&new, b"fresh")) else { panic!() };
    assert_eq!((w.count, w.committed, w.verf), (5, StableHow::FileSync, *b"bootverf"));
    assert_eq!((w.file_wcc.before.unwrap().size, w.file_wcc.after.unwrap().size), (0, 5));
    let Reply::Create(Res::Ok(again)) = s.nfs(&create("new.html", CreateHow::Unchecked(Sattr { size: Some(0), ..Sattr::none() }))) else {
        panic!()
    };
    assert_eq!((again.obj, again.obj_attributes.unwrap().size), (Some(new.clone()), 0));
    assert_eq!(status(&s.nfs(&write(&root, b"x"))), Stat::IsDir);
    let short = Call::Write(WriteArgs { file: new.clone(), offset: 0, count: 9, stable: StableHow::FileSync, data: b"abc".to_vec() });
    assert_eq!(s.refused(&short), garbage);
    assert_eq!(status(&s.nfs_as(PRIV, sys(33, 33), &write(&index, b"x"))), Stat::Acces);
    let Reply::Commit(Res::Ok(c)) = s.nfs(&Call::Commit(CommitArgs { file: new.clone(), offset: 0, count: 0 })) else { panic!() };
    assert_eq!(c.verf, *b"bootverf");

    // SETATTR: chmod, guard (NOT_SYNC), PERM for a non-owner, truncate of a directory.
    let Reply::Getattr(Res::Ok(before)) = s.nfs(&Call::Getattr(new.clone())) else { panic!() };
    let setattr = |fh: &Fh, sattr: Sattr, guard| Call::Setattr(SetattrArgs { object: fh.clone(), new_attributes: sattr, guard });
    assert_eq!(status(&s.nfs(&setattr(&new, sattr_mode(0o600), Some(NfsTime { seconds: 1, nseconds: 0 })))), Stat::NotSync);
    let Reply::Setattr(Res::Ok(wcc)) = s.nfs(&setattr(&new, sattr_mode(0o600), Some(before.ctime))) else { panic!() };
    assert_eq!(wcc.after.unwrap().mode, 0o600);
    assert_eq!(status(&s.nfs_as(PRIV, sys(33, 33), &setattr(&index, sattr_mode(0o777), None))), Stat::Perm);
    // The owner (uid 1000) may chgrp to a group of theirs, not to another; nor give the file away.
    let chgrp = |gid| Sattr { gid: Some(gid), ..Sattr::none() };
    let owner = AuthSys { stamp: 0, machine_name: "web-1".into(), uid: 1000, gid: 1000, gids: vec![33] }.to_auth();
    assert_eq!(status(&s.nfs_as(PRIV, owner.clone(), &setattr(&private, chgrp(33), None))), Stat::Ok);
    assert_eq!(status(&s.nfs_as(PRIV, owner.clone(), &setattr(&private, chgrp(0), None))), Stat::Perm);
    let chown = Sattr { uid: Some(33), ..Sattr::none() };
    assert_eq!(status(&s.nfs_as(PRIV, owner.clone(), &setattr(&private, chown, None))), Stat::Perm);
    // Times: "now" needs nothing more than the export's rw; an explicit time needs the owner.
    let touch = Sattr { mtime: SetTime::ServerTime, ..Sattr::none() };
    assert_eq!(status(&s.nfs_as(PRIV, sys(33, 33), &setattr(&private, touch, None))), Stat::Ok);
    let back = Sattr { mtime: SetTime::ClientTime(NfsTime { seconds: 1, nseconds: 0 }), ..Sattr::none() };
    assert_eq!(status(&s.nfs_as(PRIV, sys(33, 33), &setattr(&private, back.clone(), None))), Stat::Perm);
    assert_eq!(status(&s.nfs_as(PRIV, owner, &setattr(&private, back, None))), Stat::Ok);
    // A size needs write permission (the owner always has it).
    let trunc = Sattr { size: Some(1), ..Sattr::none() };
    assert_eq!(status(&s.nfs_as(PRIV, sys(33, 33), &setattr(&index, trunc, None))), Stat::Acces);
    assert_eq!(status(&s.nfs(&setattr(&root, Sattr { size: Some(0), ..Sattr::none() }, None))), Stat::IsDir);

    // MKDIR, RMDIR (NOTEMPTY, NOTDIR), REMOVE (ISDIR, NOENT).
    let Reply::Mkdir(Res::Ok(d)) =
        s.nfs(&Call::Mkdir(MkdirArgs { place: DirOp { dir: root.clone(), name: "d".into() }, attributes: sattr_mode(0o755) }))
    else {
        panic!()
    };
    let d = d.obj.unwrap();
    assert_eq!(
        status(&s.nfs(&Call::Mkdir(MkdirArgs { place: DirOp { dir: root.clone(), name: "d".into() }, attributes: Sattr::none() }))),
        Stat::Exist
    );
    let dirop = |dir: &Fh, name: &str| DirOp { dir: dir.clone(), name: name.into() };
    assert_eq!(status(&s.nfs(&Call::Rmdir(dirop(&root, "sub")))), Stat::NotEmpty);
    assert_eq!(status(&s.nfs(&Call::Rmdir(dirop(&root, "index.html")))), Stat::NotDir);
    assert_eq!(status(&s.nfs(&Call::Remove(dirop(&root, "d")))), Stat::IsDir);
    assert_eq!(status(&s.nfs(&Call::Remove(dirop(&root, "nothing")))), Stat::NoEnt);
    assert_eq!(status(&s.nfs(&Call::Rmdir(dirop(&root, "..")))), Stat::Acces);
    assert_eq!(status(&s.nfs(&Call::Rmdir(dirop(&root, "d")))), Stat::Ok);
    // The removed directory's handle is stale for every procedure.
    assert_eq!(status(&s.nfs(&Call::Getattr(d.clone()))), Stat::Stale);
    assert_eq!(status(&s.nfs(&Call::Readdir(ReaddirArgs { dir: d, cookie: 0, cookieverf: [0; 8], count: 4096 }))), Stat::Stale);

    // RENAME: a file over a directory (ISDIR), a missing source (NOENT), then the real rename:
    // the old handle of the replaced file goes stale.
    let rename = |from: &str, to: &str| Call::Rename(RenameArgs { from: dirop(&root, from), to: dirop(&root, to) });
    assert_eq!(status(&s.nfs(&rename("new.html", "sub"))), Stat::IsDir);
    assert_eq!(status(&s.nfs(&rename("ghost", "x"))), Stat::NoEnt);
    assert_eq!(status(&s.nfs(&rename("new.html", "."))), Stat::Perm);
    assert_eq!(status(&s.nfs(&rename("new.html", "index.html"))), Stat::Ok);
    assert_eq!(status(&s.nfs(&Call::Getattr(index.clone()))), Stat::Stale);
    assert_eq!(s.lookup(&root, "index.html"), Ok(new.clone()));
    assert_eq!(status(&s.nfs(&Call::Remove(dirop(&root, "index.html")))), Stat::Ok);
    assert_eq!(status(&s.nfs(&Call::Read(ReadArgs { file: new, offset: 0, count: 1 }))), Stat::Stale);

    // READDIR and READDIRPLUS: `.`, `..`, names in order, cookies, a small count, TOOSMALL.
    let Reply::Readdir(Res::Ok(list)) =
        s.nfs(&Call::Readdir(ReaddirArgs { dir: root.clone(), cookie: 0, cookieverf: [0; 8], count: 4096 }))
    else {
        panic!()
    };
    let names: Vec<(&str, u64)> = list.entries.0.iter().map(|e| (e.name.as_str(), e.cookie)).collect();
    assert_eq!(names, [(".", 1), ("..", 2), ("private.html", 3), ("sub", 4)]);
    assert!(list.eof);
    let Reply::Readdir(Res::Ok(rest)) =
        s.nfs(&Call::Readdir(ReaddirArgs { dir: root.clone(), cookie: 3, cookieverf: [0; 8], count: 4096 }))
    else {
        panic!()
    };
    assert_eq!(rest.entries.0.len(), 1);
    let Reply::Readdir(Res::Ok(part)) = s.nfs(&Call::Readdir(ReaddirArgs { dir: root.clone(), cookie: 0, cookieverf: [0; 8], count: 150 }))
    else {
        panic!()
    };
    assert!(!part.eof && !part.entries.0.is_empty() && part.entries.0.len() < 4);
    assert_eq!(
        status(&s.nfs(&Call::Readdir(ReaddirArgs { dir: root.clone(), cookie: 0, cookieverf: [0; 8], count: 100 }))),
        Stat::TooSmall
    );
    assert_eq!(
        status(&s.nfs(&Call::Readdir(ReaddirArgs { dir: private.clone(), cookie: 0, cookieverf: [0; 8], count: 4096 }))),
        Stat::NotDir
    );
    let plus = Call::Readdirplus(ReaddirplusArgs { dir: root.clone(), cookie: 0, cookieverf: [0; 8], dircount: 4096, maxcount: 32768 });
    let Reply::Readdirplus(Res::Ok(p)) = s.nfs(&plus) else { panic!() };
    let sub_entry = p.entries.0.iter().find(|e| e.name == "sub").unwrap();
    assert_eq!(sub_entry.name_handle, Some(sub.clone()));
    assert_eq!(sub_entry.name_attributes.as_ref().unwrap().ftype, Ftype::Dir);

    // FSSTAT, FSINFO, PATHCONF.
    let Reply::Fsstat(Res::Ok(st)) = s.nfs(&Call::Fsstat(root.clone())) else { panic!() };
    assert_eq!(st.tbytes, 1 << 30);
    let Reply::Fsinfo(Res::Ok(fi)) = s.nfs(&Call::Fsinfo(root.clone())) else { panic!() };
    assert_eq!((fi.rtmax, fi.wtmax, fi.properties), (1 << 20, 1 << 20, 0x1b));
    let Reply::Pathconf(Res::Ok(pc)) = s.nfs(&Call::Pathconf(root.clone())) else { panic!() };
    assert_eq!(pc.name_max, 255);

    // A handle this server never made.
    assert_eq!(status(&s.nfs(&Call::Getattr(Fh::new(&[9; 8]).unwrap()))), Stat::BadHandle);
}

#[test]
fn squashing_read_only_exports_and_ports() {
    // root_squash (the default): root acts as nobody, who may not write a root-owned 0644 file.
    let mut s = Server::new("/web *(rw)\n");
    let root = s.root();
    let index = s.lookup(&root, "index.html").unwrap();
    let w = Call::Write(WriteArgs { file: index.clone(), offset: 0, count: 1, stable: StableHow::FileSync, data: b"x".to_vec() });
    assert_eq!(status(&s.nfs(&w)), Stat::Acces);
    let create =
        Call::Create(CreateArgs { place: DirOp { dir: root.clone(), name: "f".into() }, how: CreateHow::Unchecked(Sattr::none()) });
    assert_eq!(status(&s.nfs(&create)), Stat::Acces);
    // all_squash with anonuid: files are created as that user, in a directory it owns.
    let mut s = Server::new("/web *(rw,all_squash,anonuid=33,anongid=33)\n");
    let root = s.root();
    let create = Call::Create(CreateArgs { place: DirOp { dir: root, name: "f".into() }, how: CreateHow::Unchecked(Sattr::none()) });
    let web = s.tree.resolve("/web").unwrap();
    s.tree.change(web, &super::tree::Change { uid: Some(33), ..Default::default() }, 0).unwrap();
    let Reply::Create(Res::Ok(made)) = s.nfs_as(PRIV, sys(1000, 1000), &create) else { panic!() };
    let attrs = made.obj_attributes.unwrap();
    assert_eq!((attrs.uid, attrs.gid, attrs.mode), (33, 33, 0));
    // ro: ROFS for changes, ACCESS grants no write bits; reads still work.
    let mut s = Server::new("/web *(ro,no_root_squash)\n");
    let root = s.root();
    let index = s.lookup(&root, "index.html").unwrap();
    let w = Call::Write(WriteArgs { file: index.clone(), offset: 0, count: 1, stable: StableHow::FileSync, data: b"x".to_vec() });
    assert_eq!(status(&s.nfs(&w)), Stat::Rofs);
    assert_eq!(status(&s.nfs(&Call::Remove(DirOp { dir: root.clone(), name: "index.html".into() }))), Stat::Rofs);
    let Reply::Access(Res::Ok(ok)) = s.nfs(&Call::Access(AccessArgs { object: index.clone(), access: 0x3f })) else { panic!() };
    assert_eq!(ok.access, access::READ);
    // AUTH_NONE on a sec=sys export: ACCES.
    assert_eq!(status(&s.nfs_as(PRIV, OpaqueAuth::none(), &Call::Getattr(root.clone()))), Stat::Acces);
    assert_eq!(s.nfs_as(PRIV, OpaqueAuth::none(), &Call::Null), Reply::Null);
    // secure: an unprivileged port gets PERM; `insecure` lets it in.
    assert_eq!(status(&s.nfs_as(SocketAddrV4::new(WEB1, 40000), sys(0, 0), &Call::Getattr(root.clone()))), Stat::Perm);
    s.exports = exports::parse("/web *(ro,insecure)\n", "/etc/exports", &|_| vec![]).0;
    assert_eq!(status(&s.nfs_as(SocketAddrV4::new(WEB1, 40000), sys(0, 0), &Call::Getattr(root.clone()))), Stat::Ok);
    // A client the export no longer lets in (after exportfs -ra): its handles are stale.
    s.exports = exports::parse("/web 10.0.0.1(rw)\n", "/etc/exports", &|_| vec![]).0;
    assert_eq!(status(&s.nfs(&Call::Getattr(root))), Stat::Stale);
}

#[test]
fn a_reused_inode_number_does_not_revive_an_old_handle() {
    let mut s = Server::new(LAB);
    let root = s.root();
    let index = s.lookup(&root, "index.html").unwrap();
    let old = Handle::parse(&index).unwrap();
    assert_eq!(status(&s.nfs(&Call::Remove(DirOp { dir: root.clone(), name: "index.html".into() }))), Stat::Ok);
    s.tree.reuse_next(old.ino);
    let again = s.tree.put("/web/index.html", b"new", 0o644, 0);
    assert_eq!(again, old.ino);
    assert_eq!(status(&s.nfs(&Call::Getattr(index))), Stat::Stale);
    let fresh = s.lookup(&root, "index.html").unwrap();
    assert_eq!(Handle::parse(&fresh).unwrap().generation, old.generation + 1);
    // Handles are deterministic: the same file gives the same bytes.
    assert_eq!(s.lookup(&root, "index.html").unwrap(), fresh);
}

#[test]
fn cut_and_corrupted_messages_never_panic() {
    let mut s = Server::new(LAB);
    let root = s.root();
    let mut pm = Portmapper::new();
    let calls = [
        call_msg(nfs3::PROGRAM, 3, 3, sys(0, 0), &Call::Lookup(DirOp { dir: root.clone(), name: "index.html".into() }).to_bytes()),
        call_msg(
            nfs3::PROGRAM,
            3,
            7,
            sys(0, 0),
            &Call::Write(WriteArgs { file: root.clone(), offset: 0, count: 2, stable: StableHow::Unstable, data: b"hi".to_vec() })
                .to_bytes(),
        ),
        call_msg(mount::PROGRAM, 3, 1, sys(0, 0), &mount::Call::Mnt("/web".into()).to_bytes()),
        call_msg(
            portmap::PROGRAM,
            2,
            3,
            OpaqueAuth::none(),
            &portmap::Call::Getport(portmap::Mapping { prog: 100_003, vers: 3, prot: 6, port: 0 }).to_bytes(),
        ),
    ];
    let mut answered = 0;
    for msg in &calls {
        let mut variants: Vec<Vec<u8>> = (0..msg.len()).map(|n| msg[..n].to_vec()).collect();
        for i in 0..msg.len() {
            for flip in [0x01, 0x80, 0xff] {
                let mut m = msg.clone();
                m[i] ^= flip;
                variants.push(m);
            }
        }
        for m in &variants {
            let replies = [
                s.nfsd.handle_message(s.now, PRIV, &web1(), m, &s.exports, &mut s.tree),
                s.mountd.handle_message(PRIV, &web1(), m, &s.exports, &s.tree),
                pm.handle_message(PRIV, false, m),
            ];
            for reply in replies.into_iter().flatten() {
                // Every reply is a well-formed reply to the call's xid.
                let (Message::Reply(r), _) = Message::parse(&reply).unwrap() else { panic!("not a reply") };
                assert_eq!(r.xid.to_be_bytes(), m[..4]);
                answered += 1;
            }
        }
    }
    assert!(answered > 1000, "{answered}");
}
