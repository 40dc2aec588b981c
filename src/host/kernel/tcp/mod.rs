//! TCP for the host's processes: smoltcp sockets with the kernel's bookkeeping that smoltcp
//! leaves to its user, so that the wire looks like Linux's. Connections get an ephemeral port
//! (Linux's 32768–60999, skipping 4-tuples in TIME-WAIT) and the source address of the outgoing
//! NIC; listening ports keep Linux's backlog ([`listen`]); a connect's SYN is retransmitted on
//! Linux's schedule and given up silently ([`syn`]); a connect whose SYN cannot be delivered
//! because neighbour resolution failed ends with EHOSTUNREACH, as Linux reports it.
//!
//! Closing is Linux's `tcp_close`: a FIN after the queued data, or a RST if received data was
//! never read (`tcp_send_active_reset`); a connect that is abandoned sends nothing. The side that
//! closed first ends in TIME-WAIT, kept in a table without a socket ([`timewait`]); sockets are
//! recycled once their close is over, without a packet.

mod changed;
mod connects;
mod listen;
mod syn;
mod timewait;

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

use smoltcp::iface::SocketHandle;
use smoltcp::socket::tcp::{self, State};
use smoltcp::wire::{IpAddress, IpEndpoint, IpListenEndpoint};

pub(crate) use syn::SynSchedule;

use super::Kernel;
use super::syscall::{TcpSnapshot, TcpSocket, TcpStatus as Status};
use crate::kernel::SimTime;
use crate::proto::errno::Errno;
use changed::Changed;

const EPHEMERAL: std::ops::Range<u16> = 32_768..61_000;
const BUFFER: usize = 16 * 1024;

/// Per-host TCP bookkeeping that outlives individual sockets.
#[derive(Default)]
pub(super) struct TcpState {
    next_port: u16,
    /// What the kernel notes of each socket, by its handle's index (every system call on a
    /// socket looks at them, so a host with thousands of connections indexes a vector).
    marks: Vec<Marks>,
    /// Closed by their owner, recycled once the close handshake is over.
    closing: Vec<SocketHandle>,
    /// Closed sockets kept for reuse: their buffers are allocated once, not per connection.
    free: Vec<SocketHandle>,
    /// Connects in SYN-SENT, whose SYN the kernel retransmits.
    connecting: connects::Connects,
    /// The SYN schedule of this kernel's version.
    schedule: Option<SynSchedule>,
    /// Connections in TIME-WAIT.
    time_wait: timewait::Table,
    /// Listening ports.
    listeners: Vec<listen::Listener>,
    /// The sockets given each local port by a connect or a listen, the only ways a socket gets
    /// one (it keeps it until smoltcp clears its 4-tuple): a connect finds the ports in use
    /// here instead of walking every socket of the host. Stale entries go when looked at.
    /// (A set: a listening port is given to every connection it accepts.)
    bound: BTreeMap<u16, BTreeSet<SocketHandle>>,
    next_listener: u32,
    /// The time of the stack's last round (system calls carry no clock).
    now: SimTime,
    /// Sockets that changed other than by their owner's system calls (a segment, a TCP timer,
    /// a connect the kernel ended) since the processes last ran: see [`Kernel::tcp_changes_seen`].
    pub(super) changed: Changed,
}

/// What the kernel notes of a socket besides smoltcp's state.
#[derive(Clone, Copy, Debug, Default)]
struct Marks {
    /// Its connect failed with an error a RST does not explain: EHOSTUNREACH or ETIMEDOUT.
    failed: Option<Status>,
    /// It was established at some point (to tell a refusal from a reset).
    established: bool,
    /// It is in [`TcpState::closing`] (a lookup there would walk every closing connection).
    closing: bool,
}

impl TcpState {
    /// The marks of `h` (none for a socket never marked).
    fn marks(&self, h: SocketHandle) -> Marks {
        self.marks.get(h.index()).copied().unwrap_or_default()
    }

    /// Keeps `h` until its close completes ([`Kernel::reap_sockets`]).
    fn close_later(&mut self, h: SocketHandle) {
        self.closing.push(h);
        self.marks_mut(h).closing = true;
    }

    /// The marks of `h`, to change them.
    fn marks_mut(&mut self, h: SocketHandle) -> &mut Marks {
        let i = h.index();
        if i >= self.marks.len() {
            self.marks.resize(i + 1, Marks::default());
        }
        &mut self.marks[i]
    }

    /// Fresh state at boot; the first ephemeral port is drawn from `rng`, as Linux starts from a
    /// hashed offset rather than from the bottom of the range.
    pub(super) fn new(mut rng: crate::kernel::SimRng, schedule: SynSchedule) -> TcpState {
        let first = rng.range(u64::from(EPHEMERAL.start), u64::from(EPHEMERAL.end));
        TcpState { next_port: u16::try_from(first).unwrap_or(EPHEMERAL.start), schedule: Some(schedule), ..TcpState::default() }
    }
}

/// Linux gives up on an established connection after `tcp_retries2` (15) unanswered
/// retransmissions: ≈924 s.
const DATA_GIVE_UP: smoltcp::time::Duration = smoltcp::time::Duration::from_secs(924);
/// Listening sockets keep smoltcp's bound on a handshake that never completes.
const SYN_RECEIVED_GIVE_UP: smoltcp::time::Duration = smoltcp::time::Duration::from_secs(127);

fn new_socket() -> tcp::Socket<'static> {
    // Storage only as far as bytes are written (vendor/README.md): a connection of a few
    // hundred bytes does not zero (and fault in) 2 × 16 KiB.
    let mut s = tcp::Socket::new(tcp::SocketBuffer::new_lazy(BUFFER), tcp::SocketBuffer::new_lazy(BUFFER));
    // Linux acknowledges at once when the peer sends a full request/response exchange; a
    // delayed ACK would only add latency to every simulated request.
    s.set_ack_delay(None);
    s.set_nagle_enabled(false);
    s
}

/// Puts `socket` in CLOSED without a packet, whatever its state, keeping its buffers. smoltcp's
/// `close` and `abort` send a RST wherever a peer is known (and a RST to a peer that is gone
/// starts a new neighbour resolution); `listen` forgets the peer without sending anything, and
/// closing a LISTEN socket sends nothing either.
fn silence(socket: &mut tcp::Socket<'static>) {
    socket.abort();
    let _ = socket.listen(1);
    socket.close();
}

impl TcpState {
    /// Records that `handle` was given local port `port`.
    fn bind(&mut self, port: u16, handle: SocketHandle) {
        self.bound.entry(port).or_default().insert(handle);
    }
}

/// Whether a TCP socket has local port `port` (its 4-tuple holds it); forgets the sockets of
/// `bound` that no longer do.
fn port_in_use(bound: &mut BTreeMap<u16, BTreeSet<SocketHandle>>, sockets: &smoltcp::iface::SocketSet<'static>, port: u16) -> bool {
    let Some(holders) = bound.get_mut(&port) else { return false };
    holders.retain(|&h| sockets.get::<tcp::Socket>(h).local_endpoint().is_some_and(|e| e.port == port));
    if holders.is_empty() {
        bound.remove(&port);
        return false;
    }
    true
}

impl Kernel {
    /// Opens a connection to `dst:port` (`connect()`) from an ephemeral port; fails as Linux's
    /// `connect()` does at once: ENETUNREACH without a route, EADDRNOTAVAIL when every ephemeral
    /// port towards `dst:port` is taken (`__inet_hash_connect`).
    pub(crate) fn tcp_connect(&mut self, dst: Ipv4Addr, port: u16) -> Result<TcpSocket, Errno> {
        let Some(stack) = self.stack.as_ref() else { return Err(Errno::NetUnreach) };
        let sockets = &stack.sockets;
        let mut local = 0;
        for _ in 0..EPHEMERAL.len() {
            if self.tcp.next_port < EPHEMERAL.start || self.tcp.next_port >= EPHEMERAL.end {
                self.tcp.next_port = EPHEMERAL.start;
            }
            let candidate = self.tcp.next_port;
            self.tcp.next_port += 1;
            if !port_in_use(&mut self.tcp.bound, sockets, candidate) && !self.tcp.time_wait.holds(self.tcp.now, candidate, (dst, port)) {
                local = candidate;
                break;
            }
        }
        if local == 0 {
            return Err(Errno::AddrNotAvail);
        }
        self.tcp_connect_from(dst, port, local).ok_or(Errno::NetUnreach)
    }

    /// Opens a connection to `dst:port` from `local_port` (`bind()` then `connect()`, as the
    /// kernel's RPC client does from a reserved port); `None` when there is no route.
    pub(crate) fn tcp_connect_from(&mut self, dst: Ipv4Addr, port: u16, local_port: u16) -> Option<TcpSocket> {
        let src = self.source_for(dst)?;
        let handle = self.fresh_socket()?;
        let stack = self.stack.as_mut()?;
        let socket = stack.sockets.get_mut::<tcp::Socket>(handle);
        // The kernel, not smoltcp, decides when a connect gives up (`syn`).
        socket.set_timeout(None);
        let remote = IpEndpoint::new(IpAddress::Ipv4(dst), port);
        let local = IpListenEndpoint { addr: Some(IpAddress::Ipv4(src)), port: local_port };
        if socket.connect(stack.iface.context(), remote, local).is_err() {
            self.tcp.free.push(handle);
            return None;
        }
        // The vendored smoltcp's dispatch hint (vendor/README.md): the SYN-ACK finds its socket
        // without walking every socket of the host.
        stack.sockets.hint_tcp(handle, IpEndpoint::new(IpAddress::Ipv4(src), local_port), remote);
        self.tcp.bind(local_port, handle);
        self.tcp.connecting.push(syn::Connecting { handle, local_port, remote: (dst, port), first: None, sent: 0 });
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
        let h = match self.tcp.free.pop() {
            Some(h) => h,
            None => stack.sockets.add(new_socket()),
        };
        stack.sockets.get_mut::<tcp::Socket>(h).set_timeout(Some(SYN_RECEIVED_GIVE_UP));
        Some(h)
    }

    /// The socket, to change it (the stack's next egress looks at it).
    fn tcp_socket(&mut self, h: SocketHandle) -> Option<&mut tcp::Socket<'static>> {
        Some(self.stack.as_mut()?.sockets.get_mut::<tcp::Socket>(h))
    }

    /// The socket, to read it.
    fn tcp_socket_ref(&self, h: SocketHandle) -> Option<&tcp::Socket<'static>> {
        Some(self.stack.as_ref()?.sockets.get::<tcp::Socket>(h))
    }

    /// Takes what smoltcp's last round changed into [`TcpState::changed`].
    pub(super) fn tcp_collect_changes(&mut self) {
        if let Some(stack) = self.stack.as_mut() {
            self.tcp.changed.extend(stack.sockets.drain_changed());
            // Besides the kernel's own calls, which forget the connect there and then, a
            // connect's socket leaves SYN-SENT only by a segment or its own dispatch: the
            // connects to look at again are among those of the changed sockets.
            if !self.tcp.connecting.is_empty() && self.tcp.schedule.is_some() {
                for &h in self.tcp.changed.iter() {
                    self.tcp.connecting.socket_changed(h);
                }
            }
        }
    }

    /// The processes have all run since the changes were collected: they are forgotten.
    pub(crate) fn tcp_changes_seen(&mut self) {
        self.tcp.changed.clear();
    }

    /// The connection's status.
    pub(crate) fn tcp_status(&mut self, TcpSocket(h): TcpSocket) -> Status {
        let marks = self.tcp.marks(h);
        if let Some(status) = marks.failed {
            return status;
        }
        let Some(state) = self.tcp_socket_ref(h).map(|s| s.state()) else { return Status::Reset };
        let was_established = marks.established;
        let status = match state {
            State::SynSent | State::SynReceived | State::Listen => Status::Connecting,
            State::Established | State::FinWait1 | State::FinWait2 => Status::Open,
            State::CloseWait | State::LastAck | State::Closing | State::TimeWait => Status::PeerClosed,
            State::Closed if was_established => Status::Reset,
            State::Closed => Status::Refused,
        };
        if matches!(status, Status::Open | Status::PeerClosed) && !was_established {
            self.tcp.marks_mut(h).established = true;
            if let Some(s) = self.tcp_socket(h) {
                s.set_timeout(Some(DATA_GIVE_UP));
            }
        }
        status
    }

    /// What the next look at the socket depends on (see [`TcpSnapshot`]).
    pub(crate) fn tcp_snapshot(&mut self, TcpSocket(h): TcpSocket) -> TcpSnapshot {
        let Marks { failed, established, .. } = self.tcp.marks(h);
        let marks = (failed, established);
        let socket = self.tcp_socket_ref(h).map(|s| (s.state(), s.recv_queue(), s.send_queue()));
        TcpSnapshot { socket, marks }
    }

    /// The peer's address and port.
    pub(crate) fn tcp_remote(&mut self, TcpSocket(h): TcpSocket) -> Option<(Ipv4Addr, u16)> {
        let e = self.tcp_socket_ref(h)?.remote_endpoint()?;
        match e.addr {
            IpAddress::Ipv4(a) => Some((a, e.port)),
        }
    }

    /// The local address and port.
    pub(crate) fn tcp_local(&mut self, TcpSocket(h): TcpSocket) -> Option<(Ipv4Addr, u16)> {
        let e = self.tcp_socket_ref(h)?.local_endpoint()?;
        match e.addr {
            IpAddress::Ipv4(a) => Some((a, e.port)),
        }
    }

    /// Everything received so far.
    pub(crate) fn tcp_recv(&mut self, TcpSocket(h): TcpSocket) -> Vec<u8> {
        let mut out = Vec::new();
        if !self.tcp_socket_ref(h).is_some_and(|s| s.can_recv()) {
            return out;
        }
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
        if data.is_empty() {
            return 0;
        }
        self.tcp_socket(h).and_then(|s| s.send_slice(data).ok()).unwrap_or(0)
    }

    /// `close()` of the descriptor, as `tcp_close` does it: a connect not yet answered ends
    /// without a packet (SYN-SENT goes straight to CLOSE); data received and never read makes it
    /// a RST (`tcp_send_active_reset`); otherwise a FIN follows the queued data, and the socket
    /// lingers until its close is over.
    pub(crate) fn tcp_release(&mut self, TcpSocket(h): TcpSocket) {
        if self.tcp.marks(h).closing {
            return;
        }
        self.tcp.connecting.remove_socket(h);
        if let Some(s) = self.tcp_socket(h) {
            match s.state() {
                State::SynSent | State::Listen | State::Closed => silence(s),
                _ if s.recv_queue() > 0 => s.abort(),
                _ => s.close(),
            }
            self.tcp.close_later(h);
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

    /// Ends the connect that sent SYN `packet`, without a packet (a failed connect ends in
    /// `tcp_done`).
    fn tcp_connect_failed(&mut self, packet: &[u8], refused: bool) -> bool {
        let Some((local_port, remote)) = syn::syn_tuple(packet) else { return false };
        let Some(h) = self.tcp.connecting.find(local_port, remote).and_then(|n| self.tcp.connecting.remove(n)).map(|c| c.handle) else {
            return false;
        };
        let Some(s) = self.tcp_socket(h) else { return false };
        if s.state() != State::SynSent {
            return false;
        }
        silence(s);
        if !refused {
            self.tcp.marks_mut(h).failed = Some(Status::Unreachable);
        }
        self.tcp.changed.insert(h);
        true
    }

    /// A packet smoltcp is sending: the first SYN of a connect is kept for its retransmissions;
    /// smoltcp's own retransmissions of it are dropped (true).
    pub(super) fn tcp_outgoing(&mut self, now: SimTime, packet: &[u8]) -> bool {
        if self.tcp.connecting.is_empty() {
            return false;
        }
        let Some((local_port, remote)) = syn::syn_tuple(packet) else { return false };
        let Some(n) = self.tcp.connecting.find(local_port, remote) else { return false };
        if self.tcp.connecting.get(n).is_some_and(|c| c.first.is_some()) {
            return true;
        }
        self.tcp.connecting.started(n, now, packet.to_vec(), self.tcp.schedule.as_ref());
        false
    }

    /// Runs the connects' SYN timers: retransmissions due at `now`, and connects Linux gives up.
    /// Connects whose socket left SYN-SENT are forgotten.
    pub(super) fn tcp_timers(&mut self, now: SimTime) {
        self.tcp.now = now;
        if self.tcp.connecting.is_empty() {
            return;
        }
        let Some(stack) = self.stack.as_mut() else { return };
        let Some(schedule) = self.tcp.schedule.as_ref() else { return };
        let mut out = Vec::new();
        let mut timed_out = Vec::new();
        let connecting = &mut self.tcp.connecting;
        let look = connecting.take_due(now);
        for &n in &look {
            let Some(c) = connecting.get(n) else { continue };
            let h = c.handle;
            if stack.sockets.get::<tcp::Socket>(h).state() != State::SynSent {
                connecting.remove(n);
                continue;
            }
            let Some(due) = c.next_due(schedule) else { continue };
            if due > now {
                continue;
            }
            if c.sent >= schedule.retransmits.len() {
                // ETIMEDOUT: `tcp_write_err` → `tcp_done`, nothing on the wire; `connect()`
                // (or `SO_ERROR` after a non-blocking one) reports ETIMEDOUT.
                silence(stack.sockets.get_mut::<tcp::Socket>(h));
                timed_out.push(h);
                connecting.remove(n);
                continue;
            }
            out.extend(c.retransmission());
            connecting.retransmitted(n, schedule);
        }
        connecting.looked(look);
        for h in timed_out {
            self.tcp.marks_mut(h).failed = Some(Status::TimedOut);
            self.tcp.changed.insert(h);
        }
        for p in out {
            self.send_ip(now, p);
        }
    }

    /// When a connect's SYN timer next fires, if any (never without a schedule: no connect is
    /// then filed under a deadline).
    pub(super) fn tcp_poll_at(&self) -> Option<SimTime> {
        self.tcp.connecting.earliest()
    }

    /// Recycles sockets whose close is complete: CLOSED once any RST has gone out, and
    /// TIME-WAIT, which moves to the TIME-WAIT table.
    pub(crate) fn reap_sockets(&mut self, now: SimTime) {
        let Some(stack) = self.stack.as_mut() else { return };
        let tcp = &mut self.tcp;
        tcp.closing.retain(|&h| {
            let socket = stack.sockets.get_mut::<tcp::Socket>(h);
            let done = match socket.state() {
                State::Closed => socket.remote_endpoint().is_none(),
                State::TimeWait => {
                    if let (Some(l), Some(r)) = (socket.local_endpoint(), socket.remote_endpoint()) {
                        let (IpAddress::Ipv4(la), IpAddress::Ipv4(ra)) = (l.addr, r.addr);
                        tcp.time_wait.insert(now, (la, l.port), (ra, r.port));
                    }
                    true
                }
                _ => false,
            };
            if done {
                silence(socket);
                if let Some(marks) = tcp.marks.get_mut(h.index()) {
                    *marks = Marks::default();
                }
                tcp.free.push(h);
            }
            !done
        });
    }
}

#[cfg(test)]
mod buffer_tests;
#[cfg(test)]
mod dispatch_tests;
#[cfg(test)]
mod tests;
