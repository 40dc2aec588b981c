//! Two kernels on one wire, driven by hand: what their TCP puts on the wire when a connection
//! closes, read from the Ethernet frames.

use std::net::Ipv4Addr;
use std::time::Duration;

use super::*;
use crate::host::kernel::IfAddr;
use crate::kernel::{Calendar, SimRng};
use crate::wire::{ipv4, tcp as wire_tcp};

const CLIENT: Ipv4Addr = Ipv4Addr::new(192, 168, 20, 101);
const SERVER: Ipv4Addr = Ipv4Addr::new(192, 168, 20, 201);

fn booted(name: &str, ip: Ipv4Addr, mac_last: u8, seed: u64) -> Kernel {
    let mut k = Kernel::new(name.to_owned(), None, SimRng::new(seed), Calendar::default());
    k.plug_nic("eth0".to_owned(), [2, 0, 0, 0, 0, mac_last], IfAddr { addr: ip, prefix_len: 24 });
    k.power_on(SimTime::ZERO);
    k
}

/// A TCP segment as seen on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Seg {
    src: Ipv4Addr,
    src_port: u16,
    flags: u8,
    seq: u32,
    ack: u32,
}

/// The TCP segment in an Ethernet frame, if any.
fn segment(frame: &[u8]) -> Option<Seg> {
    if frame.len() < 14 || frame[12..14] != [0x08, 0x00] {
        return None;
    }
    let ip = ipv4::Packet::new_checked(&frame[14..]).ok()?;
    if ip.protocol() != ipv4::PROTO_TCP {
        return None;
    }
    let seg = wire_tcp::Packet::new_checked(ip.payload()).ok()?;
    Some(Seg { src: ip.src_addr(), src_port: seg.src_port(), flags: ip.payload()[13], seq: seg.seq_number(), ack: seg.ack_number() })
}

const FIN: u8 = 0x01;
const RST: u8 = 0x04;
const ACK: u8 = 0x10;

struct Wire {
    hosts: [Kernel; 2],
    /// Every TCP segment that crossed, in order.
    log: Vec<Seg>,
}

impl Wire {
    /// Runs both kernels at `now` until nothing moves; `lose` may drop a segment on the way.
    fn run(&mut self, now: SimTime, lose: &mut dyn FnMut(&Seg) -> bool) {
        for _ in 0..50 {
            let mut moved = false;
            for i in 0..2 {
                let k = &mut self.hosts[i];
                k.poll_stack(now);
                k.flush_ip_tx(now);
                k.poll_neighbours(now);
                k.flush_ip_tx(now);
                k.reap_sockets(now);
                let frames: Vec<Vec<u8>> = k.drain_frames().map(|(_, f)| f).collect();
                for f in frames {
                    moved = true;
                    if let Some(s) = segment(&f) {
                        if lose(&s) {
                            continue;
                        }
                        self.log.push(s);
                    }
                    self.hosts[1 - i].receive(now, 0, f.into());
                }
            }
            if !moved {
                return;
            }
        }
    }
}

#[test]
fn the_active_closer_answers_a_late_fin_from_time_wait_without_a_socket() {
    let mut wire = Wire { hosts: [booted("client", CLIENT, 1, 1), booted("server", SERVER, 2, 2)], log: Vec::new() };
    let listener = wire.hosts[1].tcp_listen(80, 511).unwrap();
    let conn = wire.hosts[0].tcp_connect(SERVER, 80).unwrap();
    let mut keep = |_: &Seg| false;
    wire.run(SimTime::ZERO, &mut keep);
    let accepted = wire.hosts[1].tcp_accept(listener);
    assert_eq!(accepted.len(), 1, "the handshake completed");
    assert_eq!(wire.hosts[0].tcp_status(conn), Status::Open);

    // The client closes first; the server answers its FIN with its own, and the client's last
    // ACK is lost.
    wire.hosts[0].tcp_release(conn);
    let t1 = SimTime::from_secs(1);
    wire.run(t1, &mut keep);
    wire.hosts[1].tcp_release(accepted[0]);
    let mut lost = None;
    let mut lose_last_ack = |s: &Seg| {
        let last = s.src == CLIENT && s.flags == ACK && lost.is_none();
        if last {
            lost = Some(*s);
        }
        last
    };
    wire.run(t1, &mut lose_last_ack);
    let lost = lost.expect("the client acknowledged the server's FIN");
    assert!(wire.hosts[0].tcp.closing.is_empty(), "the client's socket is freed at once");
    assert!(!wire.hosts[0].tcp.time_wait.is_empty(t1), "the 4-tuple is in TIME-WAIT");

    // The server retransmits its FIN after its RTO; the TIME-WAIT entry answers with the same ACK.
    let before = wire.log.len();
    let mut t = t1;
    while wire.log.len() == before || wire.log.last().is_some_and(|s| s.src == SERVER) {
        t += Duration::from_millis(100);
        assert!(t < SimTime::from_secs(10), "no answer to the retransmitted FIN: {:?}", &wire.log[before..]);
        wire.run(t, &mut keep);
    }
    let after: Vec<_> = wire.log[before..].to_vec();
    assert_eq!(after[0].src, SERVER);
    assert_eq!(after[0].flags & FIN, FIN, "the server's FIN again: {after:?}");
    assert_eq!(after[1], lost, "the same bare ACK as the lost one");
    assert!(wire.log.iter().all(|s| s.flags & RST == 0), "no RST anywhere: {:?}", wire.log);
    assert!(wire.hosts[1].tcp.closing.is_empty(), "the server's close is over");

    // TIME-WAIT lasts 60 s; until then the 4-tuple is not reused by a connect.
    let port = lost.src_port;
    assert!(wire.hosts[0].tcp.time_wait.holds(t, port, (SERVER, 80)));
    assert!(!wire.hosts[0].tcp.time_wait.holds(t1 + timewait::TIMEWAIT_LEN + Duration::from_secs(2), port, (SERVER, 80)));
}
