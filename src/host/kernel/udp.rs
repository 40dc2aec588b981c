//! UDP for the host's processes: smoltcp's UDP sockets with what a kernel adds. A socket is
//! bound to a given port, an ephemeral one (Linux's 32768–60999, from a hashed start), or a
//! reserved one as the kernel's RPC client picks it (`xs_get_random_port` in
//! `net/sunrpc/xprtsock.c`: a random port in `xprt_min_resvport..=xprt_max_resvport`,
//! 665..=1023, then `xs_next_srcport` steps down past ports in use, wrapping to the top). A
//! datagram carries its source address; the sender's address is the one Linux would pick for
//! the destination. A datagram to a port nobody holds is answered by smoltcp with ICMP port
//! unreachable (`iface/interface/udp.rs`), as Linux's `__udp4_lib_rcv` does. Processes are polled
//! every round, which is when they read what arrived; a process's sockets close when it exits.

use std::net::Ipv4Addr;

use smoltcp::iface::SocketHandle;
use smoltcp::socket::udp;
use smoltcp::wire::{IpAddress, IpEndpoint, IpListenEndpoint};

use super::Kernel;
use super::syscall::UdpSocket;
use crate::kernel::SimRng;

const EPHEMERAL: std::ops::RangeInclusive<u16> = 32_768..=60_999;
/// `xprt_min_resvport` and `xprt_max_resvport` (`/proc/sys/sunrpc/{min,max}_resvport`).
pub(super) const RESERVED: std::ops::RangeInclusive<u16> = 665..=1023;
/// Datagrams a socket buffers each way, and their bytes.
const PACKETS: usize = 64;
const BYTES: usize = 256 * 1024;

/// The UDP sockets of one boot and the port cursors.
#[derive(Default)]
pub(super) struct UdpState {
    owners: Vec<(u32, SocketHandle)>,
    next_ephemeral: u16,
    next_reserved: u16,
}

impl UdpState {
    /// Fresh state at boot; both cursors start at a port drawn from `rng`.
    pub(super) fn new(mut rng: SimRng) -> UdpState {
        let draw = |rng: &mut SimRng, r: &std::ops::RangeInclusive<u16>| {
            u16::try_from(rng.range(u64::from(*r.start()), u64::from(*r.end()) + 1)).unwrap_or(*r.start())
        };
        let next_ephemeral = draw(&mut rng, &EPHEMERAL);
        let next_reserved = draw(&mut rng, &RESERVED);
        UdpState { owners: Vec::new(), next_ephemeral, next_reserved }
    }
}

impl Kernel {
    /// Ports bound by UDP sockets (`udp`) or TCP sockets (`!udp`).
    fn ports_in_use(&self, udp: bool) -> Vec<u16> {
        let Some(stack) = self.stack.as_ref() else { return Vec::new() };
        stack
            .sockets
            .iter()
            .filter_map(|(_, s)| match s {
                smoltcp::socket::Socket::Udp(u) if udp && u.is_open() => Some(u.endpoint().port),
                smoltcp::socket::Socket::Tcp(t) if !udp => t.local_endpoint().map(|e| e.port),
                _ => None,
            })
            .collect()
    }

    /// A free reserved port for a socket of that kind, stepping down from the cursor
    /// (`xs_next_srcport`).
    pub(super) fn pick_reserved(&mut self, udp: bool) -> Option<u16> {
        let in_use = self.ports_in_use(udp);
        for _ in RESERVED {
            let port = self.udp.next_reserved;
            self.udp.next_reserved = if port <= *RESERVED.start() { *RESERVED.end() } else { port - 1 };
            if !in_use.contains(&port) {
                return Some(port);
            }
        }
        None
    }

    fn pick_ephemeral(&mut self) -> Option<u16> {
        let in_use = self.ports_in_use(true);
        for _ in EPHEMERAL {
            let port = self.udp.next_ephemeral;
            self.udp.next_ephemeral = if port >= *EPHEMERAL.end() { *EPHEMERAL.start() } else { port + 1 };
            if !in_use.contains(&port) {
                return Some(port);
            }
        }
        None
    }

    /// `socket(AF_INET, SOCK_DGRAM)` + `bind()` for process `pid` on `port` (0: an ephemeral
    /// port); `None` when the port is taken (EADDRINUSE) or the machine is off.
    pub(crate) fn udp_bind(&mut self, pid: u32, port: u16) -> Option<UdpSocket> {
        let port = match port {
            0 => self.pick_ephemeral()?,
            p if self.ports_in_use(true).contains(&p) => return None,
            p => p,
        };
        self.udp_open(pid, port)
    }

    /// `bindresvport()`: a reserved port, chosen as the kernel's RPC client does.
    pub(crate) fn udp_bind_reserved(&mut self, pid: u32) -> Option<UdpSocket> {
        let port = self.pick_reserved(true)?;
        self.udp_open(pid, port)
    }

    fn udp_open(&mut self, pid: u32, port: u16) -> Option<UdpSocket> {
        let stack = self.stack.as_mut()?;
        let buffer = || udp::PacketBuffer::new(vec![udp::PacketMetadata::EMPTY; PACKETS], vec![0; BYTES]);
        let mut socket = udp::Socket::new(buffer(), buffer());
        socket.bind(IpListenEndpoint { addr: None, port }).ok()?;
        let handle = stack.sockets.add(socket);
        self.udp.owners.push((pid, handle));
        Some(UdpSocket(handle))
    }

    fn udp_socket(&mut self, h: SocketHandle) -> Option<&mut udp::Socket<'static>> {
        self.udp.owners.iter().any(|(_, o)| *o == h).then_some(())?;
        Some(self.stack.as_mut()?.sockets.get_mut::<udp::Socket>(h))
    }

    /// `sendto()`: queues one datagram; false if there is no route or the buffer is full.
    pub(crate) fn udp_send_to(&mut self, UdpSocket(h): UdpSocket, dst: (Ipv4Addr, u16), data: &[u8]) -> bool {
        let Some(src) = self.source_for(dst.0) else { return false };
        let Some(socket) = self.udp_socket(h) else { return false };
        let meta = udp::UdpMetadata {
            endpoint: IpEndpoint::new(IpAddress::Ipv4(dst.0), dst.1),
            local_address: Some(IpAddress::Ipv4(src)),
            meta: Default::default(),
        };
        socket.send_slice(data, meta).is_ok()
    }

    /// `recvfrom()`: the next datagram and its sender.
    pub(crate) fn udp_recv(&mut self, UdpSocket(h): UdpSocket) -> Option<(Vec<u8>, (Ipv4Addr, u16))> {
        let (data, meta) = self.udp_socket(h)?.recv().ok()?;
        let IpAddress::Ipv4(ip) = meta.endpoint.addr;
        Some((data.to_vec(), (ip, meta.endpoint.port)))
    }

    /// `close()`.
    pub(crate) fn udp_close(&mut self, UdpSocket(h): UdpSocket) {
        let Some(at) = self.udp.owners.iter().position(|(_, o)| *o == h) else { return };
        self.udp.owners.remove(at);
        if let Some(stack) = self.stack.as_mut() {
            stack.sockets.remove(h);
        }
    }

    /// Process `pid` exited: its UDP sockets close.
    pub(super) fn close_process_udp(&mut self, pid: u32) {
        let held: Vec<SocketHandle> = self.udp.owners.iter().filter(|(p, _)| *p == pid).map(|(_, h)| *h).collect();
        held.into_iter().for_each(|h| self.udp_close(UdpSocket(h)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::kernel::IfAddr;
    use crate::kernel::{Calendar, SimTime};

    fn booted() -> Kernel {
        let mut k = Kernel::new("nfs".to_owned(), None, SimRng::new(7), Calendar::default());
        k.plug_nic("eth0".to_owned(), [2, 0, 0, 0, 0, 1], IfAddr { addr: Ipv4Addr::new(192, 168, 20, 204), prefix_len: 24 });
        k.power_on(SimTime::ZERO);
        k
    }

    #[test]
    fn datagrams_cross_the_loopback_with_their_source() {
        let mut k = booted();
        let server = k.udp_bind(1, 111).unwrap();
        assert!(k.udp_bind(2, 111).is_none(), "EADDRINUSE");
        let client = k.udp_bind_reserved(2).unwrap();
        for _ in 0..3 {
            k.udp_send_to(client, (Ipv4Addr::LOCALHOST, 111), b"call");
            k.poll_stack(SimTime::ZERO);
            k.flush_ip_tx(SimTime::ZERO);
        }
        k.poll_stack(SimTime::ZERO);
        let (data, (ip, port)) = k.udp_recv(server).unwrap();
        assert_eq!((data.as_slice(), ip), (&b"call"[..], Ipv4Addr::LOCALHOST));
        assert!(RESERVED.contains(&port));
        k.close_process_udp(2);
        assert!(k.udp_bind(3, port).is_some(), "the exited process's port is free again");
    }

    #[test]
    fn a_datagram_to_a_closed_port_is_answered_with_icmp_port_unreachable() {
        let mut k = booted();
        let icmp = k.raw_open(9, 1).unwrap();
        let client = k.udp_bind(2, 0).unwrap();
        assert!(k.udp_send_to(client, (Ipv4Addr::LOCALHOST, 999), b"anyone?"));
        for _ in 0..4 {
            k.poll_stack(SimTime::ZERO);
            k.flush_ip_tx(SimTime::ZERO);
        }
        let packet = k.raw_recv(icmp).expect("an ICMP error came back").bytes;
        let ihl = usize::from(packet[0] & 0x0f) * 4;
        assert_eq!((packet[ihl], packet[ihl + 1]), (3, 3), "destination unreachable, port unreachable");
    }

    #[test]
    fn reserved_ports_step_down_from_a_random_start_and_tcp_connects_from_one() {
        let mut k = booted();
        let a = k.udp_bind_reserved(1).unwrap();
        let b = k.udp_bind_reserved(1).unwrap();
        let (a, b) = (k.udp_socket(a.0).unwrap().endpoint().port, k.udp_socket(b.0).unwrap().endpoint().port);
        assert!(RESERVED.contains(&a) && (b == a - 1 || (a == *RESERVED.start() && b == *RESERVED.end())));
        let port = k.tcp_reserved_port().unwrap();
        assert!(RESERVED.contains(&port));
        let s = k.tcp_connect_from(Ipv4Addr::new(192, 168, 20, 201), 2049, port).unwrap();
        assert_eq!(k.tcp_local(s), Some((Ipv4Addr::new(192, 168, 20, 204), port)));
    }
}
