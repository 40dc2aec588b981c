//! mount.nfs's sequence against the server cores (Portmapper, Mountd, Nfsd on a MemTree):
//! every exchange the core asks for, answered by the daemon on that port, with simulated time.

use std::net::{Ipv4Addr, SocketAddrV4};

use super::mount::{MountEvent, MountNfs, NetError};
use super::options::{self, Proto};
use crate::kernel::SimTime;
use crate::proto::nfs::exports::{self, Client, Exports};
use crate::proto::nfs::memtree::MemTree;
use crate::proto::nfs::mountd::Mountd;
use crate::proto::nfs::nfsd::Nfsd;
use crate::proto::nfs::portmap::Portmapper;
use crate::wire::portmap::{IPPROTO_TCP, IPPROTO_UDP, Mapping};
use crate::wire::rpc::{self, Message};
use crate::wire::{mount, nfs3};

const WEB1: Ipv4Addr = Ipv4Addr::new(192, 168, 20, 201);
const FROM: SocketAddrV4 = SocketAddrV4::new(WEB1, 900);
const MOUNTD_PORT: u16 = 20048;

/// How the server side behaves.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Server {
    Up,
    Silent,
    Failing(NetError),
}

struct Bed {
    tree: MemTree,
    exports: Exports,
    portmap: Portmapper,
    mountd: Mountd,
    nfsd: Nfsd,
    server: Server,
    core: MountNfs,
    now: SimTime,
    /// (time, transport, port, program, version, procedure) of every message sent.
    sent: Vec<(u64, Proto, u16, u32, u32, u32)>,
    /// A port whose datagrams are lost.
    lossy: Option<u16>,
    end: Option<(SimTime, MountEvent)>,
}

impl Bed {
    fn new(exports_text: &str, spec: &str, opts: &str, server: Server) -> Bed {
        let mut tree = MemTree::new();
        tree.put("/web/index.html", b"x", 0o644, 0);
        let (exports, _) = exports::parse(exports_text, "/etc/exports", &|_| vec![]);
        let mut portmap = Portmapper::new();
        for (prog, prot, port) in
            [(nfs3::PROGRAM, IPPROTO_TCP, 2049), (mount::PROGRAM, IPPROTO_UDP, 20048), (mount::PROGRAM, IPPROTO_TCP, 20048)]
        {
            assert!(portmap.set(&Mapping { prog, vers: 3, prot, port }));
        }
        let core = MountNfs::new(SimTime::ZERO, spec, "/var/www/html", options::parse(opts).unwrap(), "web-1");
        Bed {
            tree,
            exports,
            portmap,
            mountd: Mountd::new(),
            nfsd: Nfsd::new(*b"bootverf"),
            server,
            core,
            now: SimTime::ZERO,
            sent: vec![],
            lossy: None,
            end: None,
        }
    }

    /// Runs until the core ends (or 10 minutes pass).
    fn run(&mut self) -> (SimTime, MountEvent) {
        let client = Client { addr: WEB1, names: vec!["web-1".into()] };
        while self.end.is_none() && self.now < SimTime::from_secs(600) {
            while let Some(ev) = self.core.poll_event() {
                let MountEvent::Send { id, proto, port, message } = ev else {
                    self.end = Some((self.now, ev));
                    break;
                };
                let body = if proto == Proto::Tcp { rpc::split_record(&message, 1 << 20).unwrap().unwrap().0 } else { message.clone() };
                let (Message::Call(c), _) = Message::parse(&body).unwrap() else { panic!() };
                self.sent.push((self.now.as_secs(), proto, port, c.program, c.version, c.procedure));
                match self.server {
                    Server::Silent => continue,
                    Server::Failing(e) => {
                        self.core.handle_error(self.now, id, e);
                        continue;
                    }
                    Server::Up if self.lossy == Some(port) => continue,
                    Server::Up => {}
                }
                let reply = match port {
                    111 => self.portmap.handle_message(FROM, false, &body),
                    2049 => self.nfsd.handle_message(0, FROM, &client, &body, &self.exports, &mut self.tree),
                    MOUNTD_PORT => self.mountd.handle_message(FROM, &client, &body, &self.exports, &self.tree),
                    _ => None,
                };
                match reply {
                    Some(r) if proto == Proto::Tcp => {
                        let framed = rpc::frame_record(&r, rpc::MAX_FRAGMENT);
                        self.core.handle_reply(self.now, id, &framed[..7]);
                        self.core.handle_reply(self.now, id, &framed[7..]);
                    }
                    Some(r) => self.core.handle_reply(self.now, id, &r),
                    None => self.core.handle_error(self.now, id, NetError::Refused),
                }
            }
            if self.end.is_some() {
                break;
            }
            let Some(t) = self.core.poll_timeout() else { break };
            self.now = self.now.max(t);
            self.core.handle_timeout(self.now);
        }
        self.end.clone().expect("the mount did not end")
    }

    fn calls(&self) -> Vec<(Proto, u16, u32, u32, u32)> {
        self.sent.iter().map(|&(_, a, b, c, d, e)| (a, b, c, d, e)).collect()
    }
}

const V3_SEQUENCE: [(Proto, u16, u32, u32, u32); 5] = [
    (Proto::Tcp, 111, 100_000, 2, 3),         // GETPORT(nfs, 3, tcp)
    (Proto::Tcp, 2049, 100_003, 3, 0),        // NULL
    (Proto::Udp, 111, 100_000, 2, 3),         // GETPORT(mountd, 3, udp)
    (Proto::Udp, MOUNTD_PORT, 100_005, 3, 0), // NULL
    (Proto::Udp, MOUNTD_PORT, 100_005, 3, 1), // MNT
];

fn mounted(e: &MountEvent) -> bool {
    matches!(e, MountEvent::Mounted { mountport: MOUNTD_PORT, mountproto: Proto::Udp, root } if !root.as_bytes().is_empty())
}

#[test]
fn defaults_try_v4_three_times_then_mount_v3() {
    let mut bed = Bed::new("/web *(rw,no_root_squash)\n", "192.168.20.204:/web", "defaults,rw,_netdev", Server::Up);
    let (t, end) = bed.run();
    assert!(mounted(&end), "{end:?}");
    assert_eq!(t, SimTime::ZERO);
    let mut want = vec![(Proto::Tcp, 2049, 100_003, 4, 0); 3];
    want.extend(V3_SEQUENCE);
    assert_eq!(bed.calls(), want);
}

#[test]
fn vers3_goes_straight_to_the_probes() {
    let mut bed = Bed::new("/web *(rw,no_root_squash)\n", "192.168.20.204:/web", "vers=3", Server::Up);
    assert!(mounted(&bed.run().1));
    assert_eq!(bed.calls(), V3_SEQUENCE);
    // mountproto= also skips v4 (nfs_do_mount_v4), and asks mountd's TCP port.
    let mut bed = Bed::new("/web *(rw,no_root_squash)\n", "192.168.20.204:/web", "mountproto=tcp", Server::Up);
    assert!(matches!(bed.run().1, MountEvent::Mounted { mountproto: Proto::Tcp, .. }));
    assert_eq!(bed.calls()[2], (Proto::Tcp, 111, 100_000, 2, 3));
}

#[test]
fn vers4_against_a_v3_server_is_not_supported() {
    let mut bed = Bed::new("/web *(rw)\n", "192.168.20.204:/web", "vers=4", Server::Up);
    assert_eq!(bed.run().1, MountEvent::Failed("mount.nfs: Protocol not supported".into()));
    assert_eq!(bed.calls(), [(Proto::Tcp, 2049, 100_003, 4, 0)]);
}

#[test]
fn access_denied_and_missing_export() {
    let mut bed = Bed::new("/web 10.9.9.9(rw)\n", "192.168.20.204:/web", "vers=3", Server::Up);
    assert_eq!(bed.run().1, MountEvent::Failed("mount.nfs: access denied by server while mounting 192.168.20.204:/web".into()));
    let mut bed = Bed::new("/web *(rw)\n", "192.168.20.204:/web/x", "vers=3", Server::Up);
    let (t, end) = bed.run();
    assert_eq!(
        end,
        MountEvent::Failed("mount.nfs: mounting 192.168.20.204:/web/x failed, reason given by server: No such file or directory".into())
    );
    assert_eq!((t, bed.calls().len()), (SimTime::ZERO, 5));
}

#[test]
fn silent_server_times_out_after_two_minutes() {
    let mut bed = Bed::new("/web *\n", "nfs-server:/web", "defaults", Server::Silent);
    let (t, end) = bed.run();
    assert_eq!(end, MountEvent::Failed("mount.nfs: Connection timed out".into()));
    // Each pass: the v4.2 NULL gives up after 20 s and the next pass starts at once.
    let starts: Vec<u64> = bed.sent.iter().map(|s| s.0).collect();
    assert_eq!(starts, [0, 20, 40, 60, 80, 100, 120]);
    assert_eq!(t, SimTime::from_secs(140));
}

#[test]
fn refused_or_unreachable_backs_off_then_times_out() {
    for error in [NetError::Refused, NetError::Unreachable] {
        let mut bed = Bed::new("/web *\n", "nfs-server:/web", "defaults", Server::Failing(error));
        let (t, end) = bed.run();
        assert_eq!(end, MountEvent::Failed("mount.nfs: Connection timed out".into()));
        // Each pass: v4.2 fails (refused: v3's GETPORT too); then sleep 1, 2, 4, 8, 10, 10… s
        // until a pass ends more than 2 minutes after the start.
        let v4: Vec<u64> = bed.sent.iter().filter(|s| s.4 == 4).map(|s| s.0).collect();
        assert_eq!(v4, [0, 1, 3, 7, 15, 25, 35, 45, 55, 65, 75, 85, 95, 105, 115, 125]);
        let per_pass = if error == NetError::Refused { 2 } else { 1 };
        assert_eq!(bed.sent.len(), per_pass * v4.len());
        assert_eq!(t, SimTime::from_secs(125));
    }
}

#[test]
fn udp_calls_are_resent() {
    // Only the NFS side answers: mountd's probe over UDP is re-sent every 3 s, then given up
    // at 10 s (ETIMEDOUT: a new pass at once).
    let mut bed = Bed::new("/web *\n", "nfs-server:/web", "vers=3", Server::Up);
    bed.lossy = Some(MOUNTD_PORT);
    let (_, end) = bed.run();
    assert_eq!(end, MountEvent::Failed("mount.nfs: Connection timed out".into()));
    let first: Vec<(u64, u16)> = bed.sent.iter().take(7).map(|s| (s.0, s.2)).collect();
    assert_eq!(first, [(0, 111), (0, 2049), (0, 111), (0, MOUNTD_PORT), (3, MOUNTD_PORT), (6, MOUNTD_PORT), (9, MOUNTD_PORT)]);
    assert_eq!(bed.sent[7].0, 10);
}

#[test]
fn random_replies_never_panic() {
    let mut state: u64 = 11;
    let mut next = move || {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as u32
    };
    for _ in 0..300 {
        let mut core = MountNfs::new(SimTime::ZERO, "nfs-server:/web", "/mnt", options::parse("defaults").unwrap(), "web-1");
        let mut now = SimTime::ZERO;
        for _ in 0..200 {
            let mut id = None;
            while let Some(ev) = core.poll_event() {
                if let MountEvent::Send { id: i, message, .. } = ev {
                    // Sometimes the right xid, sometimes not; random results.
                    let xid = u32::from_be_bytes([message[4], message[5], message[6], message[7]]);
                    id = Some((i, if next() % 2 == 0 { xid } else { next() }));
                }
            }
            let Some((i, xid)) = id else {
                match core.poll_timeout() {
                    Some(t) => {
                        now = now.max(t);
                        core.handle_timeout(now);
                        continue;
                    }
                    None => break,
                }
            };
            let body: Vec<u8> = (0..next() % 40).map(|_| next() as u8).collect();
            let reply = Message::Reply(rpc::Reply::accepted(xid, rpc::AcceptStat::Success)).with_body(&body);
            let bytes = if next() % 2 == 0 { rpc::frame_record(&reply, rpc::MAX_FRAGMENT) } else { reply };
            core.handle_reply(now, i, &bytes);
            if next() % 7 == 0 {
                core.handle_error(now, i, NetError::Refused);
            }
        }
    }
}
