//! The C library's networking, as daemons and clients use it: name resolution, listening
//! sockets, and a buffered byte stream over one connection.

use std::net::Ipv4Addr;

use crate::host::kernel::{Fs, Sys, TcpListener, TcpSocket, TcpStatus as Status};
use crate::proto::errno::Errno;

/// Name resolution as the host's tools do it (glibc's `files` source): a dotted quad, else
/// `/etc/hosts`.
pub(crate) fn resolve(fs: &Fs, name: &str) -> Option<Ipv4Addr> {
    if let Ok(ip) = name.parse() {
        return Some(ip);
    }
    let hosts = fs.read_text("/etc/hosts")?;
    hosts.lines().find_map(|l| {
        let mut words = l.split('#').next()?.split_whitespace();
        let ip: Ipv4Addr = words.next()?.parse().ok()?;
        words.any(|w| w == name).then_some(ip)
    })
}

/// A listening socket (`socket`, `bind`, `listen`): the kernel holds the backlog.
pub(crate) struct ListenerPool {
    listener: Option<TcpListener>,
}

impl ListenerPool {
    /// Starts listening on `port` (on every address) with `backlog` (`listen()`'s argument;
    /// the kernel caps it at `net.core.somaxconn`).
    pub(crate) fn open(k: &mut Sys<'_>, port: u16, backlog: usize) -> ListenerPool {
        ListenerPool { listener: k.tcp_listen(port, backlog) }
    }

    /// Connections that arrived since the last call (`accept()` until it would block).
    pub(crate) fn accept(&mut self, k: &mut Sys<'_>) -> Vec<TcpSocket> {
        self.listener.map(|l| k.tcp_accept(l)).unwrap_or_default()
    }

    /// At most `max` of the connections that arrived: the others wait in the accept queue.
    pub(crate) fn accept_max(&mut self, k: &mut Sys<'_>, max: usize) -> Vec<TcpSocket> {
        self.listener.map(|l| k.tcp_accept_max(l, max)).unwrap_or_default()
    }

    /// Stops listening: later SYNs to the port are answered with a RST.
    pub(crate) fn close(&mut self, k: &mut Sys<'_>) {
        if let Some(l) = self.listener.take() {
            k.tcp_unlisten(l);
        }
    }
}

/// One connection with an input buffer and an output queue.
pub(crate) struct Stream {
    pub(crate) handle: TcpSocket,
    pub(crate) input: Vec<u8>,
    output: Vec<u8>,
    close_when_flushed: bool,
    closed: bool,
}

impl Stream {
    pub(crate) fn new(handle: TcpSocket) -> Stream {
        Stream { handle, input: Vec::new(), output: Vec::new(), close_when_flushed: false, closed: false }
    }

    /// Queues bytes to send.
    pub(crate) fn send(&mut self, bytes: &[u8]) {
        self.output.extend_from_slice(bytes);
    }

    /// Closes (FIN) once everything queued has been handed to TCP.
    pub(crate) fn close_when_flushed(&mut self) {
        self.close_when_flushed = true;
    }

    /// Whether the owner asked for a close.
    pub(crate) fn closing(&self) -> bool {
        self.close_when_flushed || self.closed
    }

    /// Whether it has something to hand TCP: queued bytes, or a close once they are gone.
    pub(crate) fn has_pending(&self) -> bool {
        !self.output.is_empty() || (self.close_when_flushed && !self.closed)
    }

    /// Whether the socket was closed or released (the kernel reaps it).
    pub(crate) fn is_finished(&self) -> bool {
        self.closed
    }

    /// Moves bytes both ways; returns the connection status and whether anything moved.
    pub(crate) fn pump(&mut self, k: &mut Sys<'_>) -> (Status, bool) {
        let status = k.tcp_status(self.handle);
        let mut moved = false;
        if matches!(status, Status::Open | Status::PeerClosed) {
            let data = k.tcp_recv(self.handle);
            moved |= !data.is_empty();
            self.input.extend_from_slice(&data);
            if !self.output.is_empty() {
                let n = k.tcp_send(self.handle, &self.output);
                self.output.drain(..n);
                moved |= n > 0;
            }
        }
        if self.close_when_flushed && self.output.is_empty() && !self.closed {
            k.tcp_close(self.handle);
            self.closed = true;
            moved = true;
        }
        (status, moved)
    }

    /// Gives the socket back (`close()`: a FIN, or a RST if received data was left unread).
    pub(crate) fn release(&mut self, k: &mut Sys<'_>) {
        if !self.closed {
            k.tcp_release(self.handle);
            self.closed = true;
        }
    }
}

/// What an outgoing connection did since the last [`Connection::poll`]; each change is reported
/// once, in this order: connected, data, end of stream or failure.
#[derive(Default)]
pub(crate) struct Progress {
    /// The handshake completed.
    pub(crate) connected: bool,
    /// Bytes received.
    pub(crate) data: Vec<u8>,
    /// The peer sent its FIN.
    pub(crate) eof: bool,
    /// The connection failed or was reset: the socket's error (`SO_ERROR`), ECONNREFUSED,
    /// EHOSTUNREACH, ETIMEDOUT or ECONNRESET.
    pub(crate) failed: Option<Errno>,
    /// Bytes moved either way, or the socket closed.
    pub(crate) io: bool,
}

/// An outgoing connection (`connect()`): a [`Stream`] whose socket status the owner sees as
/// [`Progress`], so that clients (curl, nc, nginx's upstream side) read one vocabulary.
pub(crate) struct Connection {
    /// The byte stream.
    pub(crate) stream: Stream,
    connected: bool,
    ended: bool,
}

impl Connection {
    /// Connects to `ip:port`; the errno when `connect()` fails at once (ENETUNREACH without a
    /// route, EADDRNOTAVAIL without a free port).
    pub(crate) fn open(k: &mut Sys<'_>, ip: Ipv4Addr, port: u16) -> Result<Connection, Errno> {
        let socket = k.tcp_connect(ip, port)?;
        Ok(Connection { stream: Stream::new(socket), connected: false, ended: false })
    }

    /// Whether the handshake completed at some point.
    pub(crate) fn is_connected(&self) -> bool {
        self.connected
    }

    /// Moves bytes both ways and reports what changed.
    pub(crate) fn poll(&mut self, k: &mut Sys<'_>) -> Progress {
        let (status, io) = self.stream.pump(k);
        let mut progress = Progress { io, ..Progress::default() };
        if self.ended {
            return progress;
        }
        match status {
            Status::Connecting => {}
            Status::Open | Status::PeerClosed => {
                progress.connected = !self.connected;
                self.connected = true;
                progress.data = std::mem::take(&mut self.stream.input);
                progress.eof = status == Status::PeerClosed;
            }
            Status::Refused => progress.failed = Some(Errno::ConnRefused),
            Status::Unreachable => progress.failed = Some(Errno::HostUnreach),
            Status::TimedOut => progress.failed = Some(Errno::TimedOut),
            // A RST before the handshake completed refuses the connect (`tcp_reset`).
            Status::Reset => progress.failed = Some(if self.connected { Errno::ConnReset } else { Errno::ConnRefused }),
        }
        self.ended = progress.eof || progress.failed.is_some();
        progress
    }
}
