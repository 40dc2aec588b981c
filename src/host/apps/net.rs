//! Socket plumbing shared by the network daemons and clients: a pool of listening sockets that
//! is refilled as connections are accepted, and a buffered byte stream over one connection.

use smoltcp::iface::SocketHandle;

use crate::host::Host;
use crate::host::tcp::Status;

/// Listening sockets kept open per port: the simulated kernel's accept backlog. Connections
/// that arrive in the same instant beyond this many would be reset, so it is sized above the
/// concurrency a lab produces.
const POOL: usize = 16;

/// Listening sockets on one port.
pub(super) struct ListenerPool {
    port: u16,
    idle: Vec<SocketHandle>,
}

impl ListenerPool {
    /// Starts listening on `port` (on every address).
    pub(super) fn open(host: &mut Host, port: u16) -> ListenerPool {
        let mut pool = ListenerPool { port, idle: Vec::new() };
        pool.refill(host);
        pool
    }

    fn refill(&mut self, host: &mut Host) {
        while self.idle.len() < POOL {
            match host.tcp_listen(self.port) {
                Some(h) => self.idle.push(h),
                None => break,
            }
        }
    }

    /// The port.
    pub(super) fn port(&self) -> u16 {
        self.port
    }

    /// Connections that arrived since the last call.
    pub(super) fn accept(&mut self, host: &mut Host) -> Vec<SocketHandle> {
        if !self.idle.iter().any(|&h| host.tcp_accepted(h)) {
            return Vec::new();
        }
        let (accepted, idle): (Vec<_>, Vec<_>) = self.idle.iter().partition(|&&h| host.tcp_accepted(h));
        self.idle = idle;
        self.refill(host);
        accepted
    }

    /// Stops listening: later SYNs to the port are answered with a RST.
    pub(super) fn close(&mut self, host: &mut Host) {
        for h in self.idle.drain(..) {
            host.tcp_release(h);
        }
    }
}

/// One connection with an input buffer and an output queue.
pub(super) struct Stream {
    pub(super) handle: SocketHandle,
    pub(super) input: Vec<u8>,
    output: Vec<u8>,
    close_when_flushed: bool,
    closed: bool,
}

impl Stream {
    pub(super) fn new(handle: SocketHandle) -> Stream {
        Stream { handle, input: Vec::new(), output: Vec::new(), close_when_flushed: false, closed: false }
    }

    /// Queues bytes to send.
    pub(super) fn send(&mut self, bytes: &[u8]) {
        self.output.extend_from_slice(bytes);
    }

    /// Closes (FIN) once everything queued has been handed to TCP.
    pub(super) fn close_when_flushed(&mut self) {
        self.close_when_flushed = true;
    }

    /// Whether the owner asked for a close.
    pub(super) fn closing(&self) -> bool {
        self.close_when_flushed || self.closed
    }

    /// Whether the socket was closed or released (the host reaps it).
    pub(super) fn is_finished(&self) -> bool {
        self.closed
    }

    /// Moves bytes both ways; returns the connection status and whether anything moved.
    pub(super) fn pump(&mut self, host: &mut Host) -> (Status, bool) {
        let status = host.tcp_status(self.handle);
        let mut moved = false;
        if matches!(status, Status::Open | Status::PeerClosed) {
            let data = host.tcp_recv(self.handle);
            moved |= !data.is_empty();
            self.input.extend_from_slice(&data);
            if !self.output.is_empty() {
                let n = host.tcp_send(self.handle, &self.output);
                self.output.drain(..n);
                moved |= n > 0;
            }
        }
        if self.close_when_flushed && self.output.is_empty() && !self.closed {
            host.tcp_close(self.handle);
            self.closed = true;
            moved = true;
        }
        (status, moved)
    }

    /// Gives the socket back (abortive if still open, otherwise after its close completes).
    pub(super) fn release(&mut self, host: &mut Host) {
        if !self.closed {
            host.tcp_release(self.handle);
            self.closed = true;
        }
    }
}
