//! TCP for the host's processes: smoltcp sockets with the kernel's bookkeeping that smoltcp
//! leaves to its user. Connections get an ephemeral port (Linux's 32768–60999) and the source
//! address of the outgoing NIC; a listening socket becomes the connection when a SYN arrives
//! (smoltcp has no accept backlog: the C library keeps a pool of them per port, `userland/net.rs`);
//! a connect whose SYN cannot be delivered because neighbour resolution failed ends with
//! EHOSTUNREACH, as Linux reports it; a connect that is abandoned (closed, or failed) sends
//! nothing; finished sockets are reaped once closed.

use std::net::Ipv4Addr;

use smoltcp::iface::SocketHandle;
use smoltcp::socket::tcp::{self, State};
use smoltcp::wire::{IpAddress, IpEndpoint, IpListenEndpoint};

use super::Kernel;
use super::syscall::{TcpSocket, TcpStatus as Status};
use crate::wire::ipv4;

const EPHEMERAL: std::ops::Range<u16> = 32_768..61_000;
const BUFFER: usize = 16 * 1024;

/// Per-host TCP bookkeeping that outlives individual sockets.
#[derive(Default)]
pub(super) struct TcpState {
    next_port: u16,
    /// Sockets whose connect failed with EHOSTUNREACH.
    unreachable: Vec<SocketHandle>,
    /// Sockets that were established at some point (to tell a refusal from a reset).
    established: Vec<SocketHandle>,
    /// Closed by their owner, recycled once the close handshake is over.
    closing: Vec<SocketHandle>,
    /// Closed sockets kept for reuse: their buffers are allocated once, not per connection.
    free: Vec<SocketHandle>,
}

impl TcpState {
    /// Fresh state at boot; the first ephemeral port is drawn from `rng`, as Linux starts from a
    /// hashed offset rather than from the bottom of the range.
    pub(super) fn new(mut rng: crate::kernel::SimRng) -> TcpState {
        let first = rng.range(u64::from(EPHEMERAL.start), u64::from(EPHEMERAL.end));
        TcpState { next_port: u16::try_from(first).unwrap_or(EPHEMERAL.start), ..TcpState::default() }
    }
}

/// Linux gives up a connect after `tcp_syn_retries` (6) retransmissions: ≈127 s.
const SYN_GIVE_UP: smoltcp::time::Duration = smoltcp::time::Duration::from_secs(127);
/// … and an established connection after `tcp_retries2` (15) unanswered retransmissions: ≈924 s.
const DATA_GIVE_UP: smoltcp::time::Duration = smoltcp::time::Duration::from_secs(924);

fn new_socket() -> tcp::Socket<'static> {
    let mut s = tcp::Socket::new(tcp::SocketBuffer::new(vec![0; BUFFER]), tcp::SocketBuffer::new(vec![0; BUFFER]));
    s.set_timeout(Some(SYN_GIVE_UP));
    // Linux acknowledges at once when the peer sends a full request/response exchange; a
    // delayed ACK would only add latency to every simulated request.
    s.set_ack_delay(None);
    s.set_nagle_enabled(false);
    s
}

/// Ends a connect that has not been answered, without a packet. Linux sends nothing there:
/// `close()` in SYN_SENT goes straight to CLOSE (`tcp_close_state` has no FIN to send, and no RST
/// unless unread data was queued), and a failed connect (`tcp_v4_err` on the local host-unreachable
/// error of a failed ARP resolution) ends in `tcp_done`. smoltcp's `close` and `abort` send a RST to
/// the peer instead, which in turn starts a new neighbour resolution for a peer that is gone; so
/// the socket is replaced by a fresh closed one.
fn forget_connect(socket: &mut tcp::Socket<'static>) {
    *socket = new_socket();
}

impl Kernel {
    /// Opens a connection to `dst:port` (`connect()`) from an ephemeral port; `None` when
    /// there is no route.
    pub(crate) fn tcp_connect(&mut self, dst: Ipv4Addr, port: u16) -> Option<TcpSocket> {
        let in_use: Vec<u16> = self
            .stack
            .as_ref()?
            .sockets
            .iter()
            .filter_map(|(_, s)| match s {
                smoltcp::socket::Socket::Tcp(t) => t.local_endpoint().map(|e| e.port),
                _ => None,
            })
            .collect();
        let mut local = 0;
        for _ in 0..EPHEMERAL.len() {
            if self.tcp.next_port < EPHEMERAL.start || self.tcp.next_port >= EPHEMERAL.end {
                self.tcp.next_port = EPHEMERAL.start;
            }
            let candidate = self.tcp.next_port;
            self.tcp.next_port += 1;
            if !in_use.contains(&candidate) {
                local = candidate;
                break;
            }
        }
        if local == 0 {
            return None; // EADDRNOTAVAIL: every ephemeral port is taken
        }
        self.tcp_connect_from(dst, port, local)
    }

    /// Opens a connection to `dst:port` from `local_port` (`bind()` then `connect()`, as the
    /// kernel's RPC client does from a reserved port); `None` when there is no route.
    pub(crate) fn tcp_connect_from(&mut self, dst: Ipv4Addr, port: u16, local_port: u16) -> Option<TcpSocket> {
        let src = self.source_for(dst)?;
        let handle = self.fresh_socket()?;
        let stack = self.stack.as_mut()?;
        let socket = stack.sockets.get_mut::<tcp::Socket>(handle);
        socket.set_timeout(Some(SYN_GIVE_UP));
        let remote = IpEndpoint::new(IpAddress::Ipv4(dst), port);
        let local = IpListenEndpoint { addr: Some(IpAddress::Ipv4(src)), port: local_port };
        if socket.connect(stack.iface.context(), remote, local).is_err() {
            self.tcp.free.push(handle);
            return None;
        }
        Some(TcpSocket(handle))
    }

    /// A free reserved port for a TCP connection (`bindresvport()`), as the kernel's RPC client
    /// picks it (see [`super::udp`]).
    pub(crate) fn tcp_reserved_port(&mut self) -> Option<u16> {
        self.pick_reserved(false)
    }

    /// A closed socket: a recycled one, or a new one.
    fn fresh_socket(&mut self) -> Option<SocketHandle> {
        let stack = self.stack.as_mut()?;
        Some(match self.tcp.free.pop() {
            Some(h) => h,
            None => stack.sockets.add(new_socket()),
        })
    }

    /// A socket listening on `port` on every address (`listen 80` / `Listen 80`).
    pub(crate) fn tcp_listen(&mut self, port: u16) -> Option<TcpSocket> {
        let handle = self.fresh_socket()?;
        let socket = self.stack.as_mut()?.sockets.get_mut::<tcp::Socket>(handle);
        socket.set_timeout(Some(SYN_GIVE_UP));
        if socket.listen(port).is_err() {
            self.tcp.free.push(handle);
            return None;
        }
        Some(TcpSocket(handle))
    }

    fn tcp_socket(&mut self, h: SocketHandle) -> Option<&mut tcp::Socket<'static>> {
        Some(self.stack.as_mut()?.sockets.get_mut::<tcp::Socket>(h))
    }

    /// Whether a listening socket has been connected to (it is now a connection).
    pub(crate) fn tcp_accepted(&mut self, TcpSocket(h): TcpSocket) -> bool {
        self.tcp_socket(h).is_some_and(|s| !matches!(s.state(), State::Listen))
    }

    /// The connection's status.
    pub(crate) fn tcp_status(&mut self, TcpSocket(h): TcpSocket) -> Status {
        if self.tcp.unreachable.contains(&h) {
            return Status::Unreachable;
        }
        let Some(state) = self.tcp_socket(h).map(|s| s.state()) else { return Status::Reset };
        let was_established = self.tcp.established.contains(&h);
        let status = match state {
            State::SynSent | State::SynReceived | State::Listen => Status::Connecting,
            State::Established | State::FinWait1 | State::FinWait2 => Status::Open,
            State::CloseWait | State::LastAck | State::Closing | State::TimeWait => Status::PeerClosed,
            State::Closed if was_established => Status::Reset,
            State::Closed => Status::Refused,
        };
        if matches!(status, Status::Open | Status::PeerClosed) && !was_established {
            self.tcp.established.push(h);
            if let Some(s) = self.tcp_socket(h) {
                s.set_timeout(Some(DATA_GIVE_UP));
            }
        }
        status
    }

    /// The peer's address and port.
    pub(crate) fn tcp_remote(&mut self, TcpSocket(h): TcpSocket) -> Option<(Ipv4Addr, u16)> {
        let e = self.tcp_socket(h)?.remote_endpoint()?;
        match e.addr {
            IpAddress::Ipv4(a) => Some((a, e.port)),
        }
    }

    /// The local address and port.
    pub(crate) fn tcp_local(&mut self, TcpSocket(h): TcpSocket) -> Option<(Ipv4Addr, u16)> {
        let e = self.tcp_socket(h)?.local_endpoint()?;
        match e.addr {
            IpAddress::Ipv4(a) => Some((a, e.port)),
        }
    }

    /// Everything received so far.
    pub(crate) fn tcp_recv(&mut self, TcpSocket(h): TcpSocket) -> Vec<u8> {
        let mut out = Vec::new();
        if let Some(s) = self.tcp_socket(h) {
            // The ring buffer may wrap: at most two contiguous pieces.
            while s.can_recv() {
                let took = s.recv(|data| {
                    out.extend_from_slice(data);
                    (data.len(), data.len())
                });
                if !matches!(took, Ok(n) if n > 0) {
                    break;
                }
            }
        }
        out
    }

    /// Queues as much of `data` as fits; returns how much.
    pub(crate) fn tcp_send(&mut self, TcpSocket(h): TcpSocket, data: &[u8]) -> usize {
        self.tcp_socket(h).and_then(|s| s.send_slice(data).ok()).unwrap_or(0)
    }

    /// `close()`: FIN after the queued data; the socket is reaped when the handshake ends.
    pub(crate) fn tcp_close(&mut self, TcpSocket(h): TcpSocket) {
        if let Some(s) = self.tcp_socket(h) {
            if s.state() == State::SynSent {
                forget_connect(s);
            } else {
                s.close();
            }
            self.tcp.closing.push(h);
        }
    }

    /// Neighbour resolution failed for `packet`: if it is a SYN of a connecting socket, that
    /// connect fails with EHOSTUNREACH. Returns whether it was.
    pub(super) fn tcp_unreachable(&mut self, packet: &[u8]) -> bool {
        self.tcp_connect_failed(packet, false)
    }

    /// An ICMP destination unreachable quoted `packet`: if it is a SYN of a connecting socket,
    /// that connect fails at once (`tcp_v4_err` in SYN_SENT), with ECONNREFUSED when `refused`
    /// (protocol or port unreachable), else EHOSTUNREACH.
    pub(super) fn tcp_icmp_error(&mut self, packet: &[u8], refused: bool) -> bool {
        self.tcp_connect_failed(packet, refused)
    }

    fn tcp_connect_failed(&mut self, packet: &[u8], refused: bool) -> bool {
        let Ok(ip) = ipv4::Packet::new_checked(packet) else { return false };
        if ip.protocol() != ipv4::PROTO_TCP {
            return false;
        }
        let Ok(seg) = crate::wire::tcp::Packet::new_checked(ip.payload()) else { return false };
        let (dst, port, local_port) = (ip.dst_addr(), seg.dst_port(), seg.src_port());
        let Some(stack) = self.stack.as_mut() else { return false };
        let found = stack.sockets.iter_mut().find_map(|(h, s)| match s {
            smoltcp::socket::Socket::Tcp(t)
                if t.state() == State::SynSent
                    && t.local_endpoint().is_some_and(|e| e.port == local_port)
                    && t.remote_endpoint() == Some(IpEndpoint::new(IpAddress::Ipv4(dst), port)) =>
            {
                forget_connect(t);
                Some(h)
            }
            _ => None,
        });
        if let Some(h) = found
            && !refused
        {
            self.tcp.unreachable.push(h);
        }
        found.is_some()
    }

    /// Frees a socket its owner no longer uses (after [`Kernel::tcp_close`] it lingers until closed).
    pub(crate) fn tcp_release(&mut self, TcpSocket(h): TcpSocket) {
        if !self.tcp.closing.contains(&h) {
            if let Some(s) = self.tcp_socket(h) {
                if s.state() == State::SynSent {
                    forget_connect(s);
                } else {
                    s.abort();
                }
            }
            self.tcp.closing.push(h);
        }
    }

    /// Recycles sockets whose close is complete (TIME-WAIT is not waited out: the ephemeral
    /// ports rotate, so no 4-tuple comes back within a lab's minutes).
    pub(crate) fn reap_sockets(&mut self) {
        let Some(stack) = self.stack.as_mut() else { return };
        let tcp = &mut self.tcp;
        tcp.closing.retain(|&h| {
            let socket = stack.sockets.get_mut::<tcp::Socket>(h);
            let done = matches!(socket.state(), State::Closed | State::TimeWait);
            if done {
                socket.abort();
                tcp.unreachable.retain(|x| *x != h);
                tcp.established.retain(|x| *x != h);
                tcp.free.push(h);
            }
            !done
        });
    }
}
