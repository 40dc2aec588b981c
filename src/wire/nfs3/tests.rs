//! Byte layouts from RFC 1813 §2.5–2.6 and a round trip through every procedure, both ways.

use super::*;
use crate::wire::rpc::tests::hex;
use crate::wire::xdr::{List, to_bytes};

fn t(seconds: u32) -> NfsTime {
    NfsTime { seconds, nseconds: 5 }
}

fn fattr() -> Fattr {
    Fattr {
        ftype: Ftype::Reg,
        mode: 0o644,
        nlink: 1,
        uid: 33,
        gid: 33,
        size: 0x1_0000_0002,
        used: 4096,
        rdev: SpecData { major: 0, minor: 0 },
        fsid: 7,
        fileid: 12,
        atime: t(1),
        mtime: t(2),
        ctime: t(3),
    }
}

#[test]
fn fattr3_is_84_bytes_in_rfc_order() {
    let b = to_bytes(&fattr());
    assert_eq!(b.len(), 84);
    assert_eq!(
        b,
        hex("00000001 000001a4 00000001 00000021 00000021 00000001 00000002 00000000 00001000
             00000000 00000000 00000000 00000007 00000000 0000000c
             00000001 00000005 00000002 00000005 00000003 00000005")
    );
}

#[test]
fn results_carry_status_then_their_arm() {
    // GETATTR's failure arm is void: STALE is one word.
    let stale = Reply::Getattr(Res::Fail(Stat::Stale, ()));
    assert_eq!(stale.to_bytes(), hex("00000046"));
    // LOOKUP's failure: NOENT and the directory's post_op_attr (absent).
    let noent = Reply::Lookup(Res::Fail(Stat::NoEnt, None));
    assert_eq!(noent.to_bytes(), hex("00000002 00000000"));
    assert_eq!(Reply::decode(3, &hex("00000002 00000000")), Ok(noent));
    // An unknown status is garbage.
    assert!(Reply::decode(1, &hex("00000003")).is_err());
}

fn fh(n: u8) -> Fh {
    Fh::new(&[n; 16]).unwrap()
}

fn dirop(name: &str) -> DirOp {
    DirOp { dir: fh(1), name: name.into() }
}

fn wcc() -> WccData {
    WccData { before: Some(WccAttr { size: 3, mtime: t(1), ctime: t(1) }), after: Some(fattr()) }
}

fn sattr() -> Sattr {
    Sattr { mode: Some(0o600), uid: None, gid: Some(33), size: Some(0), atime: SetTime::ServerTime, mtime: SetTime::ClientTime(t(9)) }
}

fn calls() -> Vec<Call> {
    vec![
        Call::Null,
        Call::Getattr(fh(2)),
        Call::Setattr(SetattrArgs { object: fh(2), new_attributes: sattr(), guard: Some(t(3)) }),
        Call::Lookup(dirop("index.html")),
        Call::Access(AccessArgs { object: fh(2), access: 0x3f }),
        Call::Read(ReadArgs { file: fh(2), offset: 4096, count: 1 << 20 }),
        Call::Write(WriteArgs { file: fh(2), offset: 0, count: 5, stable: StableHow::Unstable, data: b"hello".to_vec() }),
        Call::Create(CreateArgs { place: dirop("new"), how: CreateHow::Guarded(sattr()) }),
        Call::Create(CreateArgs { place: dirop("x"), how: CreateHow::Exclusive([1, 2, 3, 4, 5, 6, 7, 8]) }),
        Call::Create(CreateArgs { place: dirop("u"), how: CreateHow::Unchecked(Sattr::none()) }),
        Call::Mkdir(MkdirArgs { place: dirop("d"), attributes: sattr() }),
        Call::Remove(dirop("old")),
        Call::Rmdir(dirop("d")),
        Call::Rename(RenameArgs { from: dirop("a"), to: DirOp { dir: fh(3), name: "b".into() } }),
        Call::Readdir(ReaddirArgs { dir: fh(1), cookie: 0, cookieverf: [0; 8], count: 4096 }),
        Call::Readdirplus(ReaddirplusArgs { dir: fh(1), cookie: 2, cookieverf: [9; 8], dircount: 4096, maxcount: 32768 }),
        Call::Fsstat(fh(1)),
        Call::Fsinfo(fh(1)),
        Call::Pathconf(fh(1)),
        Call::Commit(CommitArgs { file: fh(2), offset: 0, count: 0 }),
    ]
}

fn replies() -> Vec<Reply> {
    let attr = Some(fattr());
    vec![
        Reply::Null,
        Reply::Getattr(Res::Ok(fattr())),
        Reply::Setattr(Res::Fail(Stat::NotSync, wcc())),
        Reply::Lookup(Res::Ok(LookupOk { object: fh(2), obj_attributes: attr.clone(), dir_attributes: None })),
        Reply::Access(Res::Ok(AccessOk { obj_attributes: attr.clone(), access: access::READ | access::LOOKUP })),
        Reply::Read(Res::Ok(ReadOk { file_attributes: attr.clone(), count: 3, eof: true, data: b"abc".to_vec() })),
        Reply::Write(Res::Ok(WriteOk { file_wcc: wcc(), count: 5, committed: StableHow::FileSync, verf: [7; 8] })),
        Reply::Create(Res::Fail(Stat::Exist, wcc())),
        Reply::Mkdir(Res::Ok(DiropOk { obj: Some(fh(4)), obj_attributes: attr.clone(), dir_wcc: wcc() })),
        Reply::Remove(Res::Ok(wcc())),
        Reply::Rmdir(Res::Fail(Stat::NotEmpty, wcc())),
        Reply::Rename(Res::Ok(RenameWcc { fromdir_wcc: wcc(), todir_wcc: WccData { before: None, after: None } })),
        Reply::Readdir(Res::Ok(ReaddirOk {
            dir_attributes: attr.clone(),
            cookieverf: [0; 8],
            entries: List(vec![
                Entry { fileid: 1, name: ".".into(), cookie: 1 },
                Entry { fileid: 12, name: "index.html".into(), cookie: 2 },
            ]),
            eof: true,
        })),
        Reply::Readdirplus(Res::Ok(ReaddirplusOk {
            dir_attributes: None,
            cookieverf: [1; 8],
            entries: List(vec![EntryPlus {
                fileid: 12,
                name: "a".into(),
                cookie: 3,
                name_attributes: attr.clone(),
                name_handle: Some(fh(5)),
            }]),
            eof: false,
        })),
        Reply::Fsstat(Res::Ok(FsstatOk {
            obj_attributes: None,
            tbytes: 1,
            fbytes: 2,
            abytes: 3,
            tfiles: 4,
            ffiles: 5,
            afiles: 6,
            invarsec: 0,
        })),
        Reply::Fsinfo(Res::Ok(FsinfoOk {
            obj_attributes: attr.clone(),
            rtmax: 1 << 20,
            rtpref: 1 << 20,
            rtmult: 4096,
            wtmax: 1 << 20,
            wtpref: 1 << 20,
            wtmult: 4096,
            dtpref: 4096,
            maxfilesize: u64::MAX,
            time_delta: NfsTime { seconds: 0, nseconds: 1 },
            properties: 0x1b,
        })),
        Reply::Pathconf(Res::Fail(Stat::Stale, None)),
        Reply::Commit(Res::Ok(CommitOk { file_wcc: wcc(), verf: [7; 8] })),
    ]
}

#[test]
fn every_procedure_round_trips_both_ways() {
    for call in calls() {
        let bytes = call.to_bytes();
        assert_eq!(Call::decode(call.procedure(), &bytes), Ok(Some(call.clone())), "{call:?}");
        for n in 0..bytes.len() {
            assert!(Call::decode(call.procedure(), &bytes[..n]).is_err(), "{call:?} cut at {n}");
        }
    }
    for reply in replies() {
        let bytes = reply.to_bytes();
        assert_eq!(Reply::decode(reply.procedure(), &bytes), Ok(reply.clone()), "{reply:?}");
        for n in 0..bytes.len() {
            assert!(Reply::decode(reply.procedure(), &bytes[..n]).is_err(), "{reply:?} cut at {n}");
        }
    }
}

#[test]
fn handles_over_64_bytes_and_unmodelled_procedures() {
    let mut w = crate::wire::xdr::Writer::new();
    w.opaque(&[0; 65]);
    assert!(Call::decode(1, &w.into_bytes()).is_err());
    for unmodelled in [5, 10, 11, 15, 22, 0xffff_ffff] {
        assert_eq!(Call::decode(unmodelled, &[]), Ok(None));
    }
    // An empty handle does not decode.
    assert!(Call::decode(1, &[0, 0, 0, 0]).is_err());
    // Trailing bytes after GETATTR's handle are garbage.
    let mut b = Call::Getattr(fh(2)).to_bytes();
    b.extend_from_slice(&[0; 4]);
    assert!(Call::decode(1, &b).is_err());
}

#[test]
fn handles_round_trip_and_foreign_ones_are_refused() {
    let h = Handle { export_root: 2, ino: 0x0102_0304_0506_0708, generation: 9 };
    let fh = h.to_fh();
    assert_eq!(fh.as_bytes(), hex("00000001 00000000 00000002 01020304 05060708 00000009"));
    assert_eq!(Handle::parse(&fh), Ok(h));
    assert!(Handle::parse(&Fh::new(&fh.as_bytes()[..23]).unwrap()).is_err());
    assert!(Handle::parse(&Fh::new(&[0; 24]).unwrap()).is_err());
}

#[test]
fn handles_hold_up_to_64_bytes_and_order_as_their_bytes() {
    assert!(Fh::new(&[7; FHSIZE]).is_some());
    assert!(Fh::new(&[7; FHSIZE + 1]).is_none());
    let fh = |b: &[u8]| Fh::new(b).unwrap();
    // As byte strings order: a prefix first, then by the first differing byte.
    assert!(fh(&[1]) < fh(&[1, 0]));
    assert!(fh(&[1, 0]) < fh(&[2]));
    assert_eq!(fh(&[3, 4]), fh(&[3, 4]));
    assert_eq!(format!("{:?}", fh(&[3, 4])), "Fh([3, 4])");
}
