//! Listening sockets with Linux's backlog. smoltcp has no accept queue: one socket in LISTEN
//! becomes one connection. So a listener here is a port, a limit and two short lists: the
//! smoltcp sockets left in LISTEN (normally none between rounds) and the connections that left
//! LISTEN and were not yet accepted. Before the stack reads a batch of packets, the kernel puts
//! one LISTEN socket in place for each new SYN to the port ([`Kernel::tcp_ingress`]), so pending
//! connections cost a socket only once they exist, and the work per round follows the SYNs that
//! arrived, not the backlog.
//!
//! The limit is Linux's: `listen()` caps the backlog at `net.core.somaxconn` (`__sys_listen`);
//! a SYN finds the accept queue full when more than that many connections wait for `accept()`
//! (`sk_acceptq_is_full`: `sk_ack_backlog > sk_max_ack_backlog`), and is then dropped without
//! an answer (`tcp_conn_request` → `LINUX_MIB_LISTENDROPS`; no RST, `tcp_abort_on_overflow` is
//! 0). Connections still in SYN-RECEIVED do not count (the SYN queue overflows into syncookies,
//! which labsim does not model).

use std::net::Ipv4Addr;

use smoltcp::iface::SocketHandle;
use smoltcp::socket::tcp::{self, State};
use smoltcp::wire::{IpAddress, IpEndpoint};

use super::super::Kernel;
use super::super::syscall::{TcpListener, TcpSocket};
use super::timewait::Verdict;
use crate::kernel::SimTime;
use crate::wire::{ipv4, tcp as wire_tcp};

/// One listening port.
pub(super) struct Listener {
    id: u32,
    port: u16,
    /// `min(backlog, somaxconn)`.
    limit: usize,
    /// Sockets in LISTEN, ready for the next SYN.
    idle: Vec<SocketHandle>,
    /// Connections that left LISTEN and were not accepted yet (SYN-RECEIVED or later).
    queue: Vec<SocketHandle>,
}

impl Kernel {
    /// `listen(port, backlog)` on every address; `None` if the machine is off.
    pub(crate) fn tcp_listen(&mut self, port: u16, backlog: usize) -> Option<TcpListener> {
        self.stack.as_ref()?;
        let id = self.tcp.next_listener;
        self.tcp.next_listener += 1;
        let limit = backlog.min(self.tcp_sysctl.somaxconn);
        self.tcp.listeners.push(Listener { id, port, limit, idle: Vec::new(), queue: Vec::new() });
        Some(TcpListener(id))
    }

    /// `accept()` until it would block: the connections whose handshake is complete.
    pub(crate) fn tcp_accept(&mut self, listener: TcpListener) -> Vec<TcpSocket> {
        self.tcp_accept_max(listener, usize::MAX)
    }

    /// `accept()` at most `max` times: the others stay in the accept queue, which keeps counting
    /// against the backlog.
    pub(crate) fn tcp_accept_max(&mut self, TcpListener(id): TcpListener, max: usize) -> Vec<TcpSocket> {
        let Some(stack) = self.stack.as_mut() else { return Vec::new() };
        let Some(l) = self.tcp.listeners.iter_mut().find(|l| l.id == id) else { return Vec::new() };
        if l.queue.is_empty() && l.idle.is_empty() {
            return Vec::new();
        }
        let _ = l.sort(&stack.sockets);
        let mut accepted = Vec::new();
        l.queue.retain(|&h| {
            let ready = accepted.len() < max && !matches!(stack.sockets.get::<tcp::Socket>(h).state(), State::SynReceived);
            if ready {
                accepted.push(TcpSocket(h));
            }
            !ready
        });
        accepted
    }

    /// `close()` of the listening socket: its LISTEN sockets go without a packet, so do
    /// connections still in the handshake; accepted-but-not-taken ones are reset
    /// (`inet_csk_listen_stop` → `tcp_disconnect`).
    pub(crate) fn tcp_unlisten(&mut self, TcpListener(id): TcpListener) {
        let Some(i) = self.tcp.listeners.iter().position(|l| l.id == id) else { return };
        let l = self.tcp.listeners.remove(i);
        for h in l.idle.into_iter().chain(l.queue) {
            let Some(s) = self.tcp_socket(h) else { return };
            if matches!(s.state(), State::Listen | State::SynReceived | State::Closed) {
                super::silence(s);
            } else {
                s.abort();
            }
            self.tcp.close_later(h);
        }
    }

    /// Looks at the packets the stack is about to read: TIME-WAIT connections answer theirs,
    /// and each new SYN to a listening port gets a LISTEN socket, or is dropped if that port's
    /// accept queue is full.
    pub(in crate::host::kernel) fn tcp_ingress(&mut self, now: SimTime) {
        let tw_live = !self.tcp.time_wait.is_empty(now);
        let Some(stack) = self.stack.as_mut() else { return };
        if (!tw_live && self.tcp.listeners.is_empty()) || stack.device.rx.is_empty() {
            return;
        }
        let mut replies = Vec::new();
        let mut wanted: Vec<(usize, usize)> = Vec::new(); // (listener index, SYNs)
        let mut sorted: Vec<(usize, usize)> = Vec::new(); // (listener index, waiting)
        let mut rx = std::mem::take(&mut stack.device.rx);
        rx.retain(|packet| {
            if tw_live {
                match self.tcp.time_wait.incoming(now, packet) {
                    Verdict::Pass => {}
                    Verdict::Consumed(reply) => {
                        replies.extend(reply);
                        return false;
                    }
                }
            }
            let Some((port, remote)) = new_syn(packet) else { return true };
            let Some(i) = self.tcp.listeners.iter().position(|l| l.port == port) else { return true };
            let l = &mut self.tcp.listeners[i];
            // The sockets keep their states while the batch is read (the stack has not seen
            // it), so the listener is sorted and its waiting connections counted once per batch:
            // the same lists and count as at each of its SYNs.
            let waiting = match sorted.iter().find(|s| s.0 == i) {
                Some(&(_, waiting)) => waiting,
                None => {
                    let waiting = l.sort(&stack.sockets);
                    sorted.push((i, waiting));
                    waiting
                }
            };
            let retransmitted = l.queue.iter().any(|&h| {
                let e = stack.sockets.get::<tcp::Socket>(h).remote_endpoint();
                e == Some(IpEndpoint::new(IpAddress::Ipv4(remote.0), remote.1))
            });
            if retransmitted {
                return true;
            }
            // The batch's own SYNs count as if already waiting: labsim's accept queue is the
            // backlog's only bound (no SYN queue overflowing into syncookies).
            let taken = wanted.iter().find(|w| w.0 == i).map_or(0, |w| w.1);
            if waiting + taken > l.limit {
                return false; // LISTENDROPS: the SYN goes unanswered
            }
            match wanted.iter_mut().find(|w| w.0 == i) {
                Some(w) => w.1 += 1,
                None => wanted.push((i, 1)),
            }
            true
        });
        stack.device.rx = rx;
        for (i, syns) in wanted {
            while self.tcp.listeners[i].idle.len() < syns {
                let port = self.tcp.listeners[i].port;
                let Some(h) = self.fresh_socket() else { break };
                let Some(s) = self.tcp_socket(h) else { break };
                if s.listen(port).is_err() {
                    self.tcp.free.push(h);
                    break;
                }
                self.tcp.bind(port, h);
                self.tcp.listeners[i].idle.push(h);
            }
        }
        for r in replies {
            self.send_ip(now, r);
        }
    }
}

impl Listener {
    /// Moves sockets that a SYN took out of LISTEN to the end of the queue, and those a RST in
    /// SYN-RECEIVED returned to LISTEN to the end of the idle list, each list keeping its order;
    /// returns how many connections of the queue then wait for `accept()` (out of
    /// SYN-RECEIVED). In place: the lists are not reallocated.
    fn sort(&mut self, sockets: &smoltcp::iface::SocketSet<'static>) -> usize {
        let state = |h: SocketHandle| sockets.get::<tcp::Socket>(h).state();
        let Listener { idle, queue, .. } = self;
        let had = idle.len();
        let mut waiting = 0;
        queue.retain(|&h| match state(h) {
            State::Listen => {
                idle.push(h);
                false
            }
            s => {
                waiting += usize::from(s != State::SynReceived);
                true
            }
        });
        let mut at = 0;
        idle.retain(|&h| {
            at += 1;
            // Those pushed above are in LISTEN.
            if at > had {
                return true;
            }
            match state(h) {
                State::Listen => true,
                s => {
                    waiting += usize::from(s != State::SynReceived);
                    queue.push(h);
                    false
                }
            }
        });
        waiting
    }
}

/// The destination port and source of `packet` if it is a bare SYN (a connection request).
fn new_syn(packet: &[u8]) -> Option<(u16, (Ipv4Addr, u16))> {
    let ip = ipv4::Packet::new_checked(packet).ok()?;
    if ip.protocol() != ipv4::PROTO_TCP {
        return None;
    }
    let seg = wire_tcp::Packet::new_checked(ip.payload()).ok()?;
    (seg.syn() && !seg.ack() && !seg.rst()).then(|| (seg.dst_port(), (ip.src_addr(), seg.src_port())))
}

#[cfg(test)]
mod tests {
    use smoltcp::iface::{Config, Interface, SocketSet};
    use smoltcp::time::Instant;
    use smoltcp::wire::{HardwareAddress, IpCidr};

    use super::*;
    use crate::kernel::SimRng;

    /// The sort as it was written first: partitions into new lists.
    fn sorted_by_partition(l: &Listener, sockets: &SocketSet<'static>) -> (Vec<SocketHandle>, Vec<SocketHandle>, usize) {
        let listening = |h: &SocketHandle| sockets.get::<tcp::Socket>(*h).state() == State::Listen;
        let (left, idle): (Vec<_>, Vec<_>) = l.idle.iter().partition(|h| !listening(h));
        let (back, queue): (Vec<_>, Vec<_>) = l.queue.iter().partition(|h| listening(h));
        let idle: Vec<_> = idle.into_iter().chain(back).collect();
        let queue: Vec<_> = queue.into_iter().chain(left).collect();
        let waiting = queue.iter().filter(|&&h| sockets.get::<tcp::Socket>(h).state() != State::SynReceived).count();
        (idle, queue, waiting)
    }

    #[test]
    fn sorting_in_place_gives_the_lists_and_count_of_the_partition() {
        let mut rng = SimRng::new(7);
        let mut device = super::super::super::device::IpDevice::default();
        let mut iface = Interface::new(Config::new(HardwareAddress::Ip), &mut device, Instant::ZERO);
        iface.update_ip_addrs(|a| {
            let _ = a.push(IpCidr::new(IpAddress::v4(10, 0, 0, 1), 24));
        });
        let mut sockets = SocketSet::new(Vec::new());
        let handles: Vec<SocketHandle> = (0..12).map(|_| sockets.add(super::super::new_socket())).collect();
        for _ in 0..500 {
            // Each socket in LISTEN, SYN-SENT (out of LISTEN, waiting as far as the count goes)
            // or CLOSED, in one of the two lists or in neither.
            let mut l = Listener { id: 0, port: 80, limit: 8, idle: Vec::new(), queue: Vec::new() };
            for &h in &handles {
                let s = sockets.get_mut::<tcp::Socket>(h);
                s.abort();
                let _ = s.listen(1);
                s.close();
                match rng.range(0, 3) {
                    0 => {
                        let _ = s.listen(80);
                    }
                    1 => {
                        let remote = IpEndpoint::new(IpAddress::v4(10, 0, 0, 9), 4000);
                        let _ = s.connect(iface.context(), remote, 5000);
                    }
                    _ => {}
                }
                match rng.range(0, 3) {
                    0 => l.idle.push(h),
                    1 => l.queue.push(h),
                    _ => {}
                }
            }
            let expected = sorted_by_partition(&l, &sockets);
            let waiting = l.sort(&sockets);
            assert_eq!((l.idle.clone(), l.queue.clone(), waiting), expected);
        }
    }
}
