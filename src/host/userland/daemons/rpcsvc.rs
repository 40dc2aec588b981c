//! An ONC RPC service's sockets, as libtirpc's `svc_create` and knfsd's `svc_sock` keep them: a
//! UDP socket (one datagram, one message) and a TCP listener whose connections carry records
//! (`wire::rpc::split_record`; a record over the limit closes the connection, as
//! `svc_tcp_recvfrom` does). The daemon's core answers each message; the glue only moves bytes.

use std::net::{Ipv4Addr, SocketAddrV4};

use crate::host::kernel::{Sys, TcpStatus as Status, UdpSocket};
use crate::host::userland::net::{ListenerPool, Stream};
use crate::wire::rpc;

/// libtirpc's servers listen with `SOMAXCONN` (glibc's 4096; the kernel caps it at its own
/// `net.core.somaxconn`).
const LISTEN_BACKLOG: usize = 4096;

/// The largest record a service takes (knfsd's `sv_max_mesg`: 1 MiB of data and its header).
const MAX_RECORD: usize = (1 << 20) + 4096;

/// One service's sockets on one port.
pub(super) struct RpcService {
    udp: Option<UdpSocket>,
    listeners: ListenerPool,
    conns: Vec<Stream>,
}

/// One message, where it came from, and whether that is this host.
pub(super) struct Incoming<'a> {
    pub(super) from: SocketAddrV4,
    pub(super) local: bool,
    pub(super) message: &'a [u8],
}

impl RpcService {
    /// Opens `port` on TCP, and on UDP too when `udp`.
    pub(super) fn open(k: &mut Sys<'_>, pid: u32, port: u16, udp: bool) -> RpcService {
        let udp = if udp { k.udp_bind(pid, port) } else { None };
        RpcService { udp, listeners: ListenerPool::open(k, port, LISTEN_BACKLOG), conns: Vec::new() }
    }

    /// Answers every message that arrived with `serve` (`None`: no reply); true if anything
    /// moved.
    pub(super) fn poll(&mut self, k: &mut Sys<'_>, mut serve: impl FnMut(&mut Sys<'_>, Incoming<'_>) -> Option<Vec<u8>>) -> bool {
        let mut moved = false;
        if let Some(udp) = self.udp {
            while let Some((message, (ip, port))) = k.udp_recv(udp) {
                moved = true;
                let from = SocketAddrV4::new(ip, port);
                let local = is_local(k, ip);
                if let Some(reply) = serve(k, Incoming { from, local, message: &message }) {
                    k.udp_send_to(udp, (ip, port), &reply);
                }
            }
        }
        let served = self.conns.len();
        for h in self.listeners.accept(k) {
            moved = true;
            self.conns.push(Stream::new(h));
        }
        for (i, conn) in self.conns.iter_mut().enumerate() {
            if i < served && !conn.has_pending() && !k.tcp_is_changed(conn.handle) {
                // Served in an earlier poll and idle since: a poll leaves a connection closed
                // (dropped below), with bytes or a FIN still to hand TCP (`has_pending`), or
                // with a status that asks nothing (open or connecting) and its input read up to
                // the last complete record (or not read, without a peer address). Its status,
                // bytes in and peer change only by a segment, a TCP timer or the kernel, each of
                // which marks the socket changed; until then serving it moves nothing.
                continue;
            }
            let (status, io) = conn.pump(k);
            moved |= io;
            if conn.closing() {
                continue;
            }
            let Some((ip, port)) = k.tcp_remote(conn.handle) else { continue };
            let from = SocketAddrV4::new(ip, port);
            // The records are read from an offset and their bytes dropped once, after the last
            // (`serve` never sees the buffer): what dropping each as it is read would leave,
            // without moving the rest of the buffer once per record.
            let mut read = 0;
            loop {
                match rpc::split_record(&conn.input[read..], MAX_RECORD) {
                    Ok(Some((message, used))) => {
                        read += used;
                        let local = is_local(k, ip);
                        if let Some(reply) = serve(k, Incoming { from, local, message: &message }) {
                            conn.send(&rpc::frame_record(&reply, rpc::MAX_FRAGMENT));
                        }
                        moved = true;
                    }
                    Ok(None) => break,
                    Err(_) => {
                        conn.release(k);
                        break;
                    }
                }
            }
            conn.input.drain(..read);
            match status {
                Status::PeerClosed => conn.close_when_flushed(),
                Status::Reset | Status::Refused | Status::Unreachable | Status::TimedOut => conn.release(k),
                Status::Open | Status::Connecting => {}
            }
            moved |= conn.pump(k).1;
        }
        self.conns.retain(|c| !c.is_finished());
        moved
    }

    /// Closes everything: later calls are refused (TCP RST, ICMP port unreachable).
    pub(super) fn close(&mut self, k: &mut Sys<'_>) {
        self.listeners.close(k);
        for c in &mut self.conns {
            c.release(k);
        }
        self.conns.clear();
        if let Some(udp) = self.udp.take() {
            k.udp_close(udp);
        }
    }
}

fn is_local(k: &Sys<'_>, ip: Ipv4Addr) -> bool {
    ip.is_loopback() || k.has_addr(ip)
}
