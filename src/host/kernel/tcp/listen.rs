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
        l.sort(&stack.sockets);
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
            self.tcp.closing.push(h);
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
            l.sort(&stack.sockets);
            let retransmitted = l.queue.iter().any(|&h| {
                let e = stack.sockets.get::<tcp::Socket>(h).remote_endpoint();
                e == Some(IpEndpoint::new(IpAddress::Ipv4(remote.0), remote.1))
            });
            if retransmitted {
                return true;
            }
            let waiting = l.queue.iter().filter(|&&h| stack.sockets.get::<tcp::Socket>(h).state() != State::SynReceived).count();
            let taken = wanted.iter().find(|w| w.0 == i).map_or(0, |w| w.1);
            // The batch's own SYNs count as if already waiting: labsim's accept queue is the
            // backlog's only bound (no SYN queue overflowing into syncookies).
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
    /// Moves sockets that a SYN took out of LISTEN to the queue, and back those a RST in
    /// SYN-RECEIVED returned to LISTEN.
    fn sort(&mut self, sockets: &smoltcp::iface::SocketSet<'static>) {
        let listening = |h: &SocketHandle| sockets.get::<tcp::Socket>(*h).state() == State::Listen;
        let (left, idle): (Vec<_>, Vec<_>) = self.idle.iter().partition(|h| !listening(h));
        let (back, queue): (Vec<_>, Vec<_>) = self.queue.iter().partition(|h| listening(h));
        self.idle = idle.into_iter().chain(back).collect();
        self.queue = queue.into_iter().chain(left).collect();
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
