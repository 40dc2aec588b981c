//! The client core against the server cores (client bytes → `Nfsd` on a `MemTree` → reply
//! bytes → client), with simulated time: what the client sends, when, and what the operations
//! return (spec-nfs.md §8, §9).

use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Duration;

use super::options;
use super::{ClientEvent, Cred, Errno, MountInfo, NfsClient, Op, OpId, OpResult};
use crate::kernel::SimTime;
use crate::proto::nfs::exports::{self, Client, Exports};
use crate::proto::nfs::memtree::MemTree;
use crate::proto::nfs::mountd::Mountd;
use crate::proto::nfs::nfsd::Nfsd;
use crate::proto::nfs::tree::{Change, FileTree};
use crate::wire::mount;
use crate::wire::nfs3::{Call, Fh, StableHow};
use crate::wire::rpc::{self, AuthSys, Message, OpaqueAuth};

pub(super) const SERVER: &str = "192.168.20.204";
const WEB1: Ipv4Addr = Ipv4Addr::new(192, 168, 20, 201);
/// The client's reserved source port.
const FROM: SocketAddrV4 = SocketAddrV4::new(WEB1, 876);
/// The server's clock at the start of a run: µs since the Unix epoch.
const EPOCH_US: u64 = 1_700_000_000_000_000;
const WWW: Cred = Cred { uid: 33, gid: 33, gids: Vec::new() };

fn secs(s: f64) -> SimTime {
    SimTime::from_micros((s * 1e6).round() as u64)
}

/// One client, one server, and a cable that can be cut.
struct Bed {
    tree: MemTree,
    exports: Exports,
    nfsd: Nfsd,
    client: NfsClient,
    root: Fh,
    cred: Cred,
    now: SimTime,
    /// The server answers.
    up: bool,
    /// The glue's connection is up.
    conn: bool,
    /// Replies are handed over one byte at a time.
    bytewise: bool,
    /// The xid of the last call sent.
    last_xid: u32,
    /// Every call that reached the server (answered or not): when, and what.
    calls: Vec<(SimTime, Call)>,
    events: Vec<(SimTime, ClientEvent)>,
}

fn web1() -> Client {
    Client { addr: WEB1, names: vec!["web-1".into()] }
}

impl Bed {
    fn new(opts: &str) -> Bed {
        let mut tree = MemTree::new();
        tree.put("/web/index.html", b"<h1>web</h1>\n", 0o644, 0);
        tree.put("/web/sub/page.html", b"sub", 0o644, 0);
        let (exports, _) = exports::parse("/web *(rw,no_root_squash)\n", "/etc/exports", &|_| vec![]);
        let auth = AuthSys { stamp: 0, machine_name: "web-1".into(), uid: 0, gid: 0, gids: vec![] }.to_auth();
        let msg = Message::Call(rpc::Call {
            xid: 1,
            rpc_version: 2,
            program: mount::PROGRAM,
            version: 3,
            procedure: mount::proc::MNT,
            cred: auth,
            verf: OpaqueAuth::none(),
        })
        .with_body(&mount::Call::Mnt("/web".into()).to_bytes());
        let reply = Mountd::new().handle_message(FROM, &web1(), &msg, &exports, &tree).unwrap();
        let (_, at) = Message::parse(&reply).unwrap();
        let Ok(mount::Reply::Mnt(mount::MntRes::Ok { fhandle, .. })) = mount::Reply::decode(mount::proc::MNT, &reply[at..]) else {
            panic!("MNT failed")
        };
        let options = options::parse(opts).unwrap();
        let root = Fh::new(&fhandle).unwrap();
        let info = MountInfo { server: SERVER.into(), export: "/web".into(), root: root.clone(), options, machinename: "web-1".into() };
        let client = NfsClient::new(SimTime::ZERO, info);
        let nfsd = Nfsd::new(*b"bootverf");
        let mut bed = Bed {
            tree,
            exports,
            nfsd,
            client,
            root,
            cred: WWW,
            now: SimTime::ZERO,
            up: true,
            conn: false,
            bytewise: false,
            last_xid: 0,
            calls: vec![],
            events: vec![],
        };
        assert!(matches!(bed.op(Op::Probe), Ok(OpResult::Attr(a)) if a.is_dir));
        bed.calls.clear();
        bed
    }

    fn server_us(&self) -> u64 {
        EPOCH_US + self.now.as_micros()
    }

    /// Moves bytes until nothing moves.
    fn pump(&mut self) {
        loop {
            let mut moved = false;
            if !self.conn && self.client.wants_connection() {
                self.client.handle_connected(self.now);
                self.conn = true;
                moved = true;
            }
            while let Some(record) = self.client.poll_transmit() {
                moved = true;
                let (msg, used) = rpc::split_record(&record, 1 << 21).unwrap().unwrap();
                assert_eq!(used, record.len());
                let (Message::Call(c), at) = Message::parse(&msg).unwrap() else { panic!("not a call") };
                assert_eq!(AuthSys::parse(&c.cred.body).unwrap().machine_name, "web-1");
                self.calls.push((self.now, Call::decode(c.procedure, &msg[at..]).unwrap().unwrap()));
                self.last_xid = c.xid;
                if !self.up {
                    continue;
                }
                let now = self.server_us();
                let reply = self.nfsd.handle_message(now, FROM, &web1(), &msg, &self.exports, &mut self.tree).unwrap();
                let framed = rpc::frame_record(&reply, rpc::MAX_FRAGMENT);
                // The stream may cut a record anywhere.
                for piece in [&framed[..5], &framed[5..]] {
                    for chunk in piece.chunks(if self.bytewise { 1 } else { piece.len().max(1) }) {
                        self.client.handle_data(self.now, chunk);
                    }
                }
            }
            while let Some(e) = self.client.poll_event() {
                moved = true;
                self.events.push((self.now, e));
            }
            if !moved {
                break;
            }
        }
    }

    /// Runs the client's timers up to `t`.
    fn run_to(&mut self, t: SimTime) {
        loop {
            self.pump();
            match self.client.poll_timeout() {
                Some(due) if due <= t => {
                    self.now = self.now.max(due);
                    self.client.handle_timeout(self.now);
                }
                _ => break,
            }
        }
        self.now = t;
        self.pump();
    }

    fn start(&mut self, op: Op) -> OpId {
        let id = self.client.start(self.now, op, self.cred.clone());
        self.pump();
        id
    }

    fn result(&self, id: OpId) -> Option<(SimTime, Result<OpResult, Errno>)> {
        self.events.iter().find_map(|(t, e)| match e {
            ClientEvent::Done { op, result } if *op == id => Some((*t, result.clone())),
            _ => None,
        })
    }

    /// Runs an operation that the server answers at once.
    fn op(&mut self, op: Op) -> Result<OpResult, Errno> {
        let id = self.start(op);
        self.result(id).expect("not done").1
    }

    /// The calls sent since the last look, by name.
    fn sent(&mut self) -> Vec<String> {
        std::mem::take(&mut self.calls).iter().map(|(_, c)| name(c, &self.root)).collect()
    }

    fn logs(&self) -> Vec<(SimTime, String)> {
        self.events.iter().filter_map(|(t, e)| if let ClientEvent::Log(l) = e { Some((*t, l.clone())) } else { None }).collect()
    }

    fn read(&mut self, path: &str) -> Result<Vec<u8>, Errno> {
        match self.op(Op::ReadFile(path.into()))? {
            OpResult::File { data, .. } => Ok(data),
            r => panic!("{r:?}"),
        }
    }

    fn stat_size(&mut self, path: &str) -> Result<u64, Errno> {
        match self.op(Op::Stat(path.into()))? {
            OpResult::Attr(a) => Ok(a.size),
            r => panic!("{r:?}"),
        }
    }

    /// On the server: `path`'s inode.
    fn ino(&self, path: &str) -> u64 {
        self.tree.resolve(path).unwrap()
    }

    /// On the server: overwrite a file in place (same inode), as `echo … > file` does.
    fn edit(&mut self, path: &str, data: &[u8]) {
        let (ino, now) = (self.ino(path), self.server_us());
        self.tree.change(ino, &Change { size: Some(0), ..Change::default() }, now).unwrap();
        self.tree.write(ino, 0, data, now).unwrap();
    }
}

fn name(c: &Call, root: &Fh) -> String {
    match c {
        Call::Getattr(fh) if fh == root => "GETATTR root".into(),
        Call::Write(w) => format!("WRITE({})", if w.stable == StableHow::FileSync { "FILE_SYNC" } else { "UNSTABLE" }),
        Call::Lookup(d) => format!("LOOKUP {}", d.name),
        other => format!("{other:?}").split('(').next().unwrap_or_default().to_uppercase(),
    }
}

#[test]
fn probe_open_read_and_the_caches() {
    let mut bed = Bed::new("defaults,rw,_netdev");
    assert_eq!(
        bed.client.proc_mounts(SERVER, 20048),
        "rw,relatime,vers=3,rsize=1048576,wsize=1048576,namlen=255,hard,proto=tcp,timeo=600,retrans=2,sec=sys,\
         mountaddr=192.168.20.204,mountvers=3,mountport=20048,mountproto=udp,local_lock=none,addr=192.168.20.204"
    );
    // Apache: stat() (LOOKUP gives the attributes), then open() (close-to-open GETATTR, ACCESS), read().
    assert_eq!(bed.stat_size("index.html"), Ok(13));
    assert_eq!(bed.sent(), ["LOOKUP index.html"]);
    assert_eq!(bed.read("index.html"), Ok(b"<h1>web</h1>\n".to_vec()));
    assert_eq!(bed.sent(), ["GETATTR", "ACCESS", "READ"]);
    bed.run_to(secs(1.0));
    // The second request: stat from the cache, open revalidates, the pages are still good.
    assert_eq!(bed.stat_size("index.html"), Ok(13));
    assert_eq!(bed.read("index.html"), Ok(b"<h1>web</h1>\n".to_vec()));
    assert_eq!(bed.sent(), ["GETATTR"]);
    // A nested path: one LOOKUP per uncached component; a file is not a directory.
    assert_eq!(bed.read("sub/page.html"), Ok(b"sub".to_vec()));
    assert_eq!(bed.sent(), ["LOOKUP sub", "LOOKUP page.html", "ACCESS", "READ"]);
    assert_eq!(bed.op(Op::ReadFile("index.html/x".into())), Err(Errno::NotDir));
    assert_eq!(bed.op(Op::ReadFile("sub".into())), Err(Errno::IsDir));
    assert_eq!(bed.op(Op::ReadFile("nope".into())), Err(Errno::NoEnt));
    let Ok(OpResult::Dir(list)) = bed.op(Op::ReadDir(String::new())) else { panic!() };
    let names: Vec<&str> = list.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["index.html", "sub"]);
    assert_eq!(bed.sent().last().map(String::as_str), Some("READDIRPLUS"));
    // READDIRPLUS primed the entries: the next stat needs no call.
    assert!(bed.op(Op::Stat("sub".into())).is_ok());
    assert_eq!(bed.sent(), Vec::<String>::new());
    assert!(list[1].1.is_dir && list[1].1.mode == 0o040_755 && list[0].1.mode == 0o100_644);
    let Ok(OpResult::StatFs { total_bytes, .. }) = bed.op(Op::StatFs) else { panic!() };
    assert_eq!(total_bytes, 1 << 30);
}

#[test]
fn attrtimeo_doubles_while_the_file_stays_the_same() {
    let mut bed = Bed::new("defaults");
    assert_eq!(bed.stat_size("index.html"), Ok(13));
    assert_eq!(bed.sent(), ["LOOKUP index.html"]);
    // §8.1: each stat after the window asks again; unchanged attributes double attrtimeo.
    // (The directory's own attributes expire on their 30 s / 60 s cycle; those GETATTRs of the
    // root are left out.)
    let fh = crate::wire::nfs3::Handle { export_root: bed.ino("/web"), ino: bed.ino("/web/index.html"), generation: 0 }.to_fh();
    let mut at = 0.0;
    for window in [3.0, 6.0, 12.0, 24.0, 48.0, 60.0, 60.0] {
        assert_eq!(bed.client.cache().attrtimeo(&fh), Some(Duration::from_secs_f64(window)));
        bed.run_to(secs(at + window - 0.000_001));
        assert_eq!(bed.stat_size("index.html"), Ok(13));
        assert_eq!(file_calls(&mut bed), Vec::<String>::new(), "still cached just before {at}+{window}");
        at += window;
        bed.run_to(secs(at));
        assert_eq!(bed.stat_size("index.html"), Ok(13));
        assert_eq!(file_calls(&mut bed), ["GETATTR"], "revalidated at {at}");
    }
    // A change starts over at acregmin.
    bed.edit("/web/index.html", b"changed\n");
    at += 60.0;
    bed.run_to(secs(at));
    assert_eq!(bed.stat_size("index.html"), Ok(8));
    assert_eq!(bed.client.cache().attrtimeo(&fh), Some(Duration::from_secs(3)));
    bed.run_to(secs(at + 3.0));
    assert_eq!(bed.stat_size("index.html"), Ok(8));
    assert_eq!(file_calls(&mut bed), ["GETATTR", "GETATTR"]);
}

/// The calls sent since the last look, without the revalidations of the root directory.
fn file_calls(bed: &mut Bed) -> Vec<String> {
    bed.sent().into_iter().filter(|c| c != "GETATTR root").collect()
}

#[test]
fn noac_asks_every_time() {
    let mut bed = Bed::new("noac");
    assert_eq!(bed.stat_size("index.html"), Ok(13));
    assert_eq!(bed.stat_size("index.html"), Ok(13));
    // stat after LOOKUP: expired at once (GETATTR); the next walk revalidates the directory too.
    assert_eq!(bed.sent(), ["LOOKUP index.html", "GETATTR", "GETATTR root", "GETATTR"]);
}

#[test]
fn edit_in_place_stat_old_open_new() {
    let mut bed = Bed::new("defaults");
    assert_eq!(bed.read("index.html"), Ok(b"<h1>web</h1>\n".to_vec()));
    bed.run_to(secs(1.0));
    bed.edit("/web/index.html", b"<h1>new version</h1>\n");
    bed.run_to(secs(2.0));
    bed.sent();
    // §8.4: stat() within attrtimeo still says 13 bytes; open()'s GETATTR sees the change,
    // the pages are dropped and READ brings the new bytes.
    assert_eq!(bed.stat_size("index.html"), Ok(13));
    let Ok(OpResult::File { attr, data }) = bed.op(Op::ReadFile("index.html".into())) else { panic!() };
    assert_eq!((attr.size, data), (21, b"<h1>new version</h1>\n".to_vec()));
    // (The new ctime also drops the ACCESS results: `NFS_INO_INVALID_ACCESS`.)
    assert_eq!(bed.sent(), ["GETATTR", "ACCESS", "READ"]);
    assert_eq!(bed.stat_size("index.html"), Ok(21));
}

#[test]
fn replaced_by_rename_is_stale_then_looked_up_again() {
    let mut bed = Bed::new("defaults");
    assert_eq!(bed.read("index.html"), Ok(b"<h1>web</h1>\n".to_vec()));
    let web = bed.ino("/web");
    let now = bed.server_us();
    let tmp = bed.tree.create(web, ".index.tmp", crate::proto::nfs::tree::Kind::File, (0o644, 0, 0), now).unwrap();
    bed.tree.write(tmp, 0, b"renamed in\n", now).unwrap();
    bed.tree.rename(web, ".index.tmp", web, "index.html", now).unwrap();
    bed.run_to(secs(5.0));
    bed.sent();
    assert_eq!(bed.read("index.html"), Ok(b"renamed in\n".to_vec()));
    assert_eq!(bed.sent(), ["GETATTR", "LOOKUP index.html", "ACCESS", "READ"]);
}

#[test]
fn negative_entry_hides_a_new_file_until_the_directory_expires() {
    let mut bed = Bed::new("defaults");
    assert_eq!(bed.op(Op::ReadFile("new.html".into())), Err(Errno::NoEnt));
    assert_eq!(bed.sent(), ["LOOKUP new.html"]);
    bed.run_to(secs(1.0));
    bed.tree.put("/web/new.html", b"new\n", 0o644, 0);
    let (web, now) = (bed.ino("/web"), bed.server_us());
    bed.tree.change(web, &Change { mtime_us: Some(now), ..Change::default() }, now).unwrap();
    // Trusted while the directory's attributes (fetched with the LOOKUP at 0 s) are fresh.
    bed.run_to(secs(29.999_999));
    assert_eq!(bed.op(Op::ReadFile("new.html".into())), Err(Errno::NoEnt));
    assert_eq!(bed.sent(), Vec::<String>::new());
    bed.run_to(secs(30.0));
    assert_eq!(bed.read("new.html"), Ok(b"new\n".to_vec()));
    assert_eq!(bed.sent(), ["GETATTR root", "LOOKUP new.html", "ACCESS", "READ"]);
}

#[test]
fn lookupcache_positive_does_not_trust_negative_entries() {
    let mut bed = Bed::new("lookupcache=positive");
    assert_eq!(bed.op(Op::ReadFile("new.html".into())), Err(Errno::NoEnt));
    bed.tree.put("/web/new.html", b"new\n", 0o644, 0);
    bed.run_to(secs(1.0));
    assert_eq!(bed.read("new.html"), Ok(b"new\n".to_vec()));
    assert_eq!(bed.sent(), ["LOOKUP new.html", "LOOKUP new.html", "ACCESS", "READ"]);
}

#[test]
fn deleted_file_stat_may_succeed_open_fails() {
    let mut bed = Bed::new("defaults");
    assert_eq!(bed.read("index.html"), Ok(b"<h1>web</h1>\n".to_vec()));
    let (web, now) = (bed.ino("/web"), bed.server_us());
    bed.tree.unlink(web, "index.html", now).unwrap();
    bed.run_to(secs(1.0));
    bed.sent();
    assert_eq!(bed.stat_size("index.html"), Ok(13));
    assert_eq!(bed.op(Op::ReadFile("index.html".into())), Err(Errno::NoEnt));
    assert_eq!(bed.sent(), ["GETATTR", "LOOKUP index.html"]);
}

#[test]
fn writes_create_truncate_append() {
    let mut bed = Bed::new("defaults,wsize=4096");
    bed.cred = Cred { uid: 0, gid: 0, gids: vec![] };
    let op = Op::WriteFile { path: "sub/new.txt".into(), data: b"hello\n".to_vec(), append: false };
    assert_eq!(bed.op(op), Ok(OpResult::Done));
    assert_eq!(bed.sent(), ["LOOKUP sub", "LOOKUP new.txt", "CREATE", "WRITE(FILE_SYNC)"]);
    assert_eq!(bed.tree.read(bed.ino("/web/sub/new.txt"), 0, 100), Ok(b"hello\n".to_vec()));
    let big: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
    assert_eq!(bed.op(Op::WriteFile { path: "sub/new.txt".into(), data: big.clone(), append: false }), Ok(OpResult::Done));
    // More than wsize: UNSTABLE WRITEs; labsim's server commits each one (FILE_SYNC in the
    // reply), so nothing is left for a COMMIT (`nfs_write_completion`).
    assert_eq!(bed.sent(), ["GETATTR", "ACCESS", "SETATTR", "WRITE(UNSTABLE)", "WRITE(UNSTABLE)", "WRITE(UNSTABLE)"]);
    assert_eq!(bed.op(Op::WriteFile { path: "sub/new.txt".into(), data: b"tail".to_vec(), append: true }), Ok(OpResult::Done));
    let Some((_, Call::Write(w))) = bed.calls.last() else { panic!() };
    assert_eq!(w.offset, 10_000);
    let mut want = big;
    want.extend_from_slice(b"tail");
    assert_eq!(bed.tree.read(bed.ino("/web/sub/new.txt"), 0, 20_000), Ok(want));
    let mut ro = Bed::new("ro");
    assert_eq!(ro.op(Op::WriteFile { path: "x".into(), data: vec![], append: false }), Err(Errno::Rofs));
    assert_eq!(ro.sent(), Vec::<String>::new());
}

#[test]
fn hard_mount_retries_forever_and_says_so() {
    let mut bed = Bed::new("defaults");
    bed.run_to(secs(1000.0));
    bed.up = false;
    let id = bed.start(Op::ReadFile("index.html".into()));
    // §9: sent at 0, again at 60 s (timeout 120 s), major timeout at 180 s: the log line once,
    // then the cycle again (60 s, then 120 s).
    bed.run_to(secs(1000.0 + 500.0));
    let times: Vec<u64> = bed.calls.iter().map(|(t, _)| t.as_secs() - 1000).collect();
    assert_eq!(times, [0, 60, 180, 240, 360, 420]);
    assert_eq!(bed.logs(), [(secs(1180.0), format!("nfs: server {SERVER} not responding, still trying"))]);
    assert!(bed.result(id).is_none() && bed.client.has_work());
    // The server comes back: the next retransmission (at 540 s) is answered.
    bed.up = true;
    bed.run_to(secs(1000.0 + 600.0));
    assert_eq!(bed.logs()[1], (secs(1540.0), format!("nfs: server {SERVER} OK")));
    assert_eq!(
        bed.result(id),
        Some((
            secs(1540.0),
            Ok(OpResult::File {
                attr: bed
                    .result(id)
                    .map(|r| match r.1 {
                        Ok(OpResult::File { attr, .. }) => attr,
                        _ => panic!(),
                    })
                    .unwrap(),
                data: b"<h1>web</h1>\n".to_vec()
            })
        ))
    );
    assert!(!bed.client.has_work());
}

#[test]
fn soft_mount_fails_with_eio_at_the_major_timeout() {
    let mut bed = Bed::new("soft,timeo=100,retrans=3");
    bed.up = false;
    let id = bed.start(Op::Stat("nope".into()));
    // timeo 10 s, retrans 3: sent at 0, 10 (timeout 20 s), 30 (timeout 30 s, but the timer
    // stops at the major deadline min(10 + 3 * 10, 40) = 40 s).
    bed.run_to(secs(100.0));
    let times: Vec<u64> = bed.calls.iter().map(|(t, _)| t.as_secs()).collect();
    assert_eq!(times, [0, 10, 30]);
    assert_eq!(bed.result(id), Some((secs(40.0), Err(Errno::Io))));
    assert_eq!(bed.logs(), [(secs(40.0), format!("nfs: server {SERVER} not responding, timed out"))]);
}

#[test]
fn reconnect_resends_what_was_outstanding() {
    let mut bed = Bed::new("defaults");
    bed.up = false;
    let id = bed.start(Op::ReadFile("index.html".into()));
    bed.run_to(secs(1.0));
    // The server reboots: the connection is reset; the client reconnects after 3 s and sends
    // the call again without waiting for its 60 s timer.
    bed.up = true;
    bed.conn = false;
    bed.client.handle_disconnected(bed.now);
    assert!(!bed.client.wants_connection());
    bed.run_to(secs(3.999));
    assert!(bed.result(id).is_none());
    bed.run_to(secs(10.0));
    assert_eq!(bed.result(id).map(|r| r.0), Some(secs(4.0)));
    let times: Vec<SimTime> = bed.calls.iter().map(|(t, _)| *t).collect();
    assert_eq!(times[..2], [SimTime::ZERO, secs(4.0)]);
}

#[test]
fn garbage_from_the_server_never_panics() {
    let mut bed = Bed::new("defaults");
    bed.up = false;
    let id = bed.start(Op::Stat("index.html".into()));
    // A reply to nobody, a reply too short, then a fragment header past the size limit.
    let stray = Message::Reply(rpc::Reply::accepted(7, rpc::AcceptStat::Success)).with_body(&[]);
    bed.client.handle_data(bed.now, &rpc::frame_record(&stray, rpc::MAX_FRAGMENT));
    bed.client.handle_data(bed.now, &rpc::frame_record(&[1, 2, 3], rpc::MAX_FRAGMENT));
    assert!(!bed.client.wants_close());
    bed.client.handle_data(bed.now, &[0xff, 0xff, 0xff, 0xff, 0]);
    assert!(bed.client.wants_close());
    bed.pump();
    assert!(bed.result(id).is_none());
}

#[test]
fn concurrent_requests_each_wait_and_each_say_so() {
    let mut bed = Bed::new("defaults");
    bed.up = false;
    bed.run_to(secs(1000.0));
    let a = bed.start(Op::ReadFile("index.html".into()));
    bed.run_to(secs(1010.0));
    let b = bed.start(Op::Stat("sub/page.html".into()));
    bed.run_to(secs(1200.0));
    // Each call has its own timer and its own major timeout (`RPC_CALL_MAJORSEEN` is per task).
    let still = format!("nfs: server {SERVER} not responding, still trying");
    assert_eq!(bed.logs(), [(secs(1180.0), still.clone()), (secs(1190.0), still)]);
    bed.up = true;
    bed.bytewise = true;
    bed.run_to(secs(1300.0));
    let ok = format!("nfs: server {SERVER} OK");
    assert_eq!(bed.logs()[2..], [(secs(1240.0), ok.clone()), (secs(1250.0), ok)]);
    assert!(matches!(bed.result(a), Some((t, Ok(OpResult::File { .. }))) if t == secs(1240.0)));
    // The stat then walks on: LOOKUP page.html answered at once.
    assert!(matches!(bed.result(b), Some((t, Ok(OpResult::Attr(_)))) if t == secs(1250.0)));
}

#[test]
fn a_reply_that_does_not_decode_is_eio() {
    let mut bed = Bed::new("defaults");
    bed.up = false;
    let id = bed.start(Op::Stat("index.html".into()));
    let garbage = Message::Reply(rpc::Reply::accepted(bed.last_xid, rpc::AcceptStat::Success)).with_body(&[0, 0, 0, 0, 1]);
    bed.client.handle_data(bed.now, &rpc::frame_record(&garbage, rpc::MAX_FRAGMENT));
    bed.pump();
    assert_eq!(bed.result(id), Some((SimTime::ZERO, Err(Errno::Io))));
    assert!(!bed.client.has_work());
}

#[test]
fn reads_in_rsize_pieces_and_the_cache_serves_the_next_open() {
    let mut bed = Bed::new("rsize=4096");
    let big: Vec<u8> = (0..10_000u32).map(|i| (i % 253) as u8).collect();
    bed.tree.put("/web/big.bin", &big, 0o644, 0);
    assert_eq!(bed.read("big.bin"), Ok(big.clone()));
    let offsets: Vec<u64> = bed.calls.iter().filter_map(|(_, c)| if let Call::Read(r) = c { Some(r.offset) } else { None }).collect();
    assert_eq!(offsets, [0, 4096, 8192]);
    assert!(bed.calls.iter().all(|(_, c)| !matches!(c, Call::Read(r) if r.count != 4096)));
    bed.sent();
    assert_eq!(bed.read("big.bin"), Ok(big));
    assert_eq!(bed.sent(), ["GETATTR"]);
}

/// A small deterministic generator for the robustness tests.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u32 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) as u32
    }

    fn bytes(&mut self, max: u32) -> Vec<u8> {
        let n = self.next() % (max + 1);
        (0..n).map(|_| self.next() as u8).collect()
    }
}

#[test]
fn random_replies_to_outstanding_calls_never_panic() {
    let mut rng = Lcg(7);
    for round in 0..400u64 {
        let mut bed = Bed::new("defaults");
        bed.up = false;
        let op = match round % 4 {
            0 => Op::ReadFile("sub/page.html".into()),
            1 => Op::ReadDir(String::new()),
            2 => Op::WriteFile { path: "x".into(), data: vec![1; 10], append: round % 8 == 2 },
            _ => Op::Stat("index.html".into()),
        };
        let id = bed.start(op);
        // A reply with the outstanding xid and random results, or random stream bytes.
        let body = rng.bytes(160);
        let bytes = if round % 5 == 0 {
            rng.bytes(64)
        } else {
            let header = Message::Reply(rpc::Reply::accepted(bed.last_xid, rpc::AcceptStat::Success));
            rpc::frame_record(&header.with_body(&body), rpc::MAX_FRAGMENT)
        };
        bed.client.handle_data(bed.now, &bytes);
        if bed.client.wants_close() {
            bed.conn = false;
            bed.client.handle_disconnected(bed.now);
        }
        bed.up = true;
        bed.run_to(secs(400.0));
        // A reply that does not decode ends its operation (EIO, or the next step's call
        // answered). Random stream bytes may leave a record half-read: the stream stays out of
        // step, as a kernel's would, and only the size limit or a reconnection clears it.
        if round % 5 != 0 {
            assert!(bed.result(id).is_some(), "round {round}: the operation ends");
            assert!(!bed.client.has_work());
        }
    }
}
