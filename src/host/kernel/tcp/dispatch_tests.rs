//! The vendored smoltcp's TCP dispatch (`vendor/smoltcp/src/iface/tcp_index.rs`) against the
//! walk it replaces: on a set of sockets changed at random (listen, connect, abort, close,
//! remove and add, a change through `iter_mut`) and fed SYNs and RSTs at random, every segment
//! goes to the socket upstream's walk picks, the lowest slot whose socket accepts it. And a
//! socket added takes the lowest empty slot, as upstream's walk for one chooses it.

use std::net::Ipv4Addr;

use smoltcp::iface::{Config, Interface, SocketHandle, SocketSet};
use smoltcp::socket::{Socket, tcp};
use smoltcp::time::Instant;
use smoltcp::wire::{HardwareAddress, IpAddress, IpCidr, IpEndpoint, IpListenEndpoint};

use super::super::device::IpDevice;
use crate::kernel::SimRng;
use crate::wire::{ipv4, tcp as wire_tcp};

const LOCAL: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
/// Another address of the host, so that a listen endpoint's address can refuse a segment.
const LOCAL2: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);
const PORTS: [u16; 3] = [80, 81, 5000];
const REMOTES: [Ipv4Addr; 2] = [Ipv4Addr::new(10, 0, 0, 7), Ipv4Addr::new(10, 0, 0, 8)];
const REMOTE_PORTS: [u16; 3] = [40_000, 40_001, 40_002];
/// More TCP sockets than a set walks whole.
const SOCKETS: usize = 40;
const SYN: u8 = 0x02;
const RST: u8 = 0x04;
/// The sequence number of every SYN; a RST one past it is in the window of SYN-RECEIVED.
const ISN: u32 = 1_000;

/// An incoming segment: (source, source port, destination, destination port, flags).
type Seg = (Ipv4Addr, u16, Ipv4Addr, u16, u8);

/// `tcp::Socket::accepts` for a segment without ACK, from what the socket shows.
fn accepts(s: &tcp::Socket<'_>, (src, sport, dst, dport, flags): Seg) -> bool {
    if s.state() == tcp::State::Closed || (s.state() == tcp::State::Listen && flags & RST != 0) {
        return false;
    }
    match (s.local_endpoint(), s.remote_endpoint()) {
        (Some(l), Some(r)) => l == IpEndpoint::new(dst.into(), dport) && r == IpEndpoint::new(src.into(), sport),
        _ => {
            let e = s.listen_endpoint();
            e.addr.is_none_or(|a| a == IpAddress::Ipv4(dst)) && dport != 0 && dport == e.port
        }
    }
}

/// Upstream's walk: the first socket, in slot order, that accepts `seg`.
fn walk(sockets: &SocketSet<'_>, seg: Seg) -> Option<SocketHandle> {
    sockets.iter().find(|(_, s)| matches!(s, Socket::Tcp(t) if accepts(t, seg))).map(|(h, _)| h)
}

fn socket() -> tcp::Socket<'static> {
    tcp::Socket::new(tcp::SocketBuffer::new(vec![0; 1024]), tcp::SocketBuffer::new(vec![0; 1024]))
}

fn packet((src, sport, dst, dport, flags): Seg) -> Vec<u8> {
    let seq = if flags & RST != 0 { ISN + 1 } else { ISN };
    let seg = wire_tcp::Control { src_port: sport, dst_port: dport, seq, ack: 0, flags, window: 1024 }.to_bytes(src, dst);
    let header = ipv4::Repr { src, dst, protocol: ipv4::PROTO_TCP, ttl: 64, ident: 0, tos: 0, dont_frag: true, payload_len: seg.len() };
    header.to_packet(&seg)
}

fn pick<T: Copy>(rng: &mut SimRng, of: &[T]) -> T {
    of[usize::try_from(rng.range(0, of.len() as u64)).unwrap_or(0)]
}

#[test]
fn a_segment_goes_to_the_socket_the_walk_finds() {
    let mut rng = SimRng::new(25);
    let mut device = IpDevice::default();
    let mut iface = Interface::new(Config::new(HardwareAddress::Ip), &mut device, Instant::ZERO);
    iface.update_ip_addrs(|addrs| {
        for a in [LOCAL, LOCAL2] {
            let _ = addrs.push(IpCidr::new(IpAddress::Ipv4(a), 24));
        }
    });
    let mut sockets = SocketSet::new(Vec::new());
    let mut handles: Vec<SocketHandle> = (0..SOCKETS).map(|_| sockets.add(socket())).collect();
    let (mut by_tuple, mut by_listen, mut by_none) = (0, 0, 0);
    for _ in 0..4_000 {
        let i = usize::try_from(rng.range(0, SOCKETS as u64)).unwrap_or(0);
        let h = handles[i];
        match rng.range(0, 10) {
            0 => {
                let addr = pick(&mut rng, &[None, Some(LOCAL), Some(LOCAL2)]).map(IpAddress::Ipv4);
                let _ = sockets.get_mut::<tcp::Socket>(h).listen(IpListenEndpoint { addr, port: pick(&mut rng, &PORTS) });
            }
            1 => {
                let remote = IpEndpoint::new(pick(&mut rng, &REMOTES).into(), pick(&mut rng, &REMOTE_PORTS));
                let local = IpListenEndpoint { addr: Some(LOCAL.into()), port: pick(&mut rng, &PORTS) };
                let _ = sockets.get_mut::<tcp::Socket>(h).connect(iface.context(), remote, local);
            }
            2 => sockets.get_mut::<tcp::Socket>(h).abort(),
            3 => sockets.get_mut::<tcp::Socket>(h).close(),
            4 => {
                sockets.remove(h);
                handles[i] = sockets.add(socket());
            }
            5 => {
                if let Some((_, Socket::Tcp(s))) = sockets.iter_mut().find(|(x, _)| *x == h) {
                    s.abort();
                }
            }
            _ => {}
        }
        // Egress sends what the changes call for (an abort's RST clears its 4-tuple), so that
        // the walk below sees the sockets as the segment will.
        iface.poll(Instant::ZERO, &mut device, &mut sockets);
        device.tx.clear();
        let _ = sockets.drain_changed().count();

        let flags = pick(&mut rng, &[SYN, SYN, RST]);
        let seg =
            (pick(&mut rng, &REMOTES), pick(&mut rng, &REMOTE_PORTS), pick(&mut rng, &[LOCAL, LOCAL2]), pick(&mut rng, &PORTS), flags);
        let expected = walk(&sockets, seg);
        match expected.map(|h| sockets.get::<tcp::Socket>(h).remote_endpoint().is_some()) {
            Some(true) => by_tuple += 1,
            Some(false) => by_listen += 1,
            None => by_none += 1,
        }
        device.rx.push_back(packet(seg));
        iface.poll(Instant::ZERO, &mut device, &mut sockets);
        device.tx.clear();
        // The socket that took the segment is the one reported changed (a frozen clock fires no
        // timer).
        let took: Vec<SocketHandle> = sockets.drain_changed().collect();
        assert_eq!(took, expected.into_iter().collect::<Vec<_>>(), "segment {seg:?}");
    }
    assert!(by_tuple > 100 && by_listen > 100 && by_none > 100, "{by_tuple} {by_listen} {by_none}");
}

#[test]
fn a_socket_added_takes_the_lowest_empty_slot() {
    let mut sockets = SocketSet::new(Vec::new());
    let handles: Vec<SocketHandle> = (0..SOCKETS).map(|_| sockets.add(socket())).collect();
    for i in [30, 3, 17] {
        sockets.remove(handles[i]);
    }
    let slots: Vec<usize> = (0..4).map(|_| sockets.add(socket()).index()).collect();
    assert_eq!(slots, [3, 17, 30, SOCKETS]);
}
