//! The system calls: everything a process may ask of the kernel, and nothing else. The host
//! drives the kernel itself (frames in and out, the stack's rounds, power on, NICs); the
//! userland gets a [`Sys`] over it, and the types that cross the boundary are defined here: socket
//! handles, what a socket reports, the addresses and NICs a process may look at.
//!
//! The calls are grouped as a manual page would list them: identity and clocks, the console and
//! syslog, files, network configuration (`ip`), TCP sockets, raw sockets and link notifications,
//! and the process table's share (closing what a process held when it exits, the wake-up list,
//! powering off).

use std::net::Ipv4Addr;

use smoltcp::iface::SocketHandle;

use super::Kernel;
use super::fs::Fs;
use crate::kernel::{Calendar, SimTime};
use crate::observe::trace::{Stream, TraceKind};
use crate::proto::neigh::EntryView;

/// A TCP socket of a process (a file descriptor, in Linux terms).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TcpSocket(pub(super) SocketHandle);

/// Where a connection stands, as its owner sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TcpStatus {
    /// SYN sent, no answer yet.
    Connecting,
    /// Data may flow.
    Open,
    /// The peer sent its FIN: no more data will come.
    PeerClosed,
    /// The connect was answered with a RST (ECONNREFUSED), or, after ≈127 s of silence, timed out
    /// (smoltcp does not say which; the programs' own connect timeouts are shorter).
    Refused,
    /// The connect failed because the next hop did not answer ARP (EHOSTUNREACH).
    Unreachable,
    /// The connection was reset after it was established (ECONNRESET), or is gone.
    Reset,
}

/// A raw IP socket of a process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RawSocket(pub(super) usize);

/// A link-change subscription of a process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct LinkWatch(pub(super) usize);

/// A packet read from a raw socket.
#[derive(Clone, Debug)]
pub(crate) struct RawPacket {
    /// The NIC it arrived on (`None` for packets the stack delivered, such as ICMP).
    pub(crate) dev: Option<String>,
    /// The whole IPv4 packet.
    pub(crate) bytes: Vec<u8>,
}

/// A link went up or down.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LinkEvent {
    /// Interface name.
    pub(crate) dev: String,
    /// Its state after the change.
    pub(crate) up: bool,
}

/// One IPv4 address on a NIC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct IfAddr {
    /// The address.
    pub(crate) addr: Ipv4Addr,
    /// Prefix length.
    pub(crate) prefix_len: u8,
}

impl IfAddr {
    /// The network mask as a `u32`.
    pub(crate) fn mask(&self) -> u32 {
        if self.prefix_len == 0 { 0 } else { u32::MAX << (32 - u32::from(self.prefix_len)) }
    }

    /// Whether `ip` is inside this address's subnet.
    pub(crate) fn contains(&self, ip: Ipv4Addr) -> bool {
        u32::from(ip) & self.mask() == u32::from(self.addr) & self.mask()
    }

    /// The subnet's broadcast address.
    pub(crate) fn broadcast(&self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.addr) | !self.mask())
    }
}

/// What a process sees of one NIC.
#[derive(Clone, Debug)]
pub(crate) struct NicView {
    /// Interface name.
    pub(crate) name: String,
    /// MAC address.
    pub(crate) mac: [u8; 6],
    /// Whether the link is up.
    pub(crate) up: bool,
    /// Its addresses, the primary one first.
    pub(crate) addrs: Vec<IfAddr>,
}

impl NicView {
    /// The primary address, if the NIC has any.
    pub(crate) fn primary(&self) -> Option<IfAddr> {
        self.addrs.first().copied()
    }
}

/// A process's view of the kernel: the system calls.
pub(crate) struct Sys<'a> {
    k: &'a mut Kernel,
}

impl<'a> Sys<'a> {
    /// The system calls of `kernel`.
    pub(crate) fn new(kernel: &'a mut Kernel) -> Sys<'a> {
        Sys { k: kernel }
    }

    // ----- identity and clocks ----------------------------------------------------------------

    /// The host name (`gethostname`).
    pub(crate) fn hostname(&self) -> &str {
        self.k.hostname()
    }

    /// The machine's calendar (`clock_gettime(CLOCK_REALTIME)` as dates).
    pub(crate) fn calendar(&self) -> Calendar {
        self.k.calendar()
    }

    /// Whether the machine is running.
    pub(crate) fn is_powered(&self) -> bool {
        self.k.is_powered()
    }

    // ----- console, syslog and measurements ----------------------------------------------------

    /// A daemon's syslog line (`ident[pid]: line`).
    pub(crate) fn syslog(&mut self, now: SimTime, ident: &str, pid: u32, line: String) {
        self.k.syslog(now, ident, pid, line);
    }

    /// A line printed on the console by command `id`.
    pub(crate) fn console(&mut self, now: SimTime, id: usize, stream: Stream, line: String) {
        self.k.console(now, id, stream, line);
    }

    /// Command `id` finished with `status`.
    pub(crate) fn console_exit(&mut self, now: SimTime, id: usize, status: i32) {
        self.k.console_exit(now, id, status);
    }

    /// A measurement a program reports for the lab's expectations (a probe sent or answered, a
    /// finished transfer).
    pub(crate) fn record(&mut self, now: SimTime, kind: TraceKind) {
        self.k.trace(now, kind);
    }

    // ----- files -------------------------------------------------------------------------------

    /// The file system.
    pub(crate) fn fs(&self) -> &Fs {
        self.k.fs()
    }

    /// The file system, for writing.
    pub(crate) fn fs_mut(&mut self) -> &mut Fs {
        self.k.fs_mut()
    }

    // ----- network configuration ----------------------------------------------------------------

    /// The NICs (`ip link`, `ip addr`).
    pub(crate) fn interfaces(&self) -> Vec<NicView> {
        self.k.interfaces()
    }

    /// The neighbour entries of NIC `dev` (`ip neigh`).
    pub(crate) fn neighbours(&self, dev: &str) -> Vec<EntryView> {
        self.k.neighbours(dev)
    }

    /// The default gateway (`ip route`).
    pub(crate) fn gateway(&self) -> Option<Ipv4Addr> {
        self.k.gateway()
    }

    /// The NIC index and next hop for `dst` (`ip route get`).
    pub(crate) fn route(&self, dst: Ipv4Addr) -> Option<(usize, Ipv4Addr)> {
        self.k.route(dst)
    }

    /// The source address a packet to `dst` would get.
    pub(crate) fn source_for(&self, dst: Ipv4Addr) -> Option<Ipv4Addr> {
        self.k.source_for(dst)
    }

    /// Whether `ip` is one of the host's addresses.
    pub(crate) fn has_addr(&self, ip: Ipv4Addr) -> bool {
        self.k.has_addr(ip)
    }

    /// `ip addr add`; false if the device does not exist.
    pub(crate) fn add_addr(&mut self, now: SimTime, dev: &str, addr: IfAddr) -> bool {
        self.k.add_addr(now, dev, addr)
    }

    /// `ip addr del`; false if the address was not there.
    pub(crate) fn del_addr(&mut self, now: SimTime, dev: &str, addr: IfAddr) -> bool {
        self.k.del_addr(now, dev, addr)
    }

    /// `ip link set DEV up|down`; false if there is no such device.
    pub(crate) fn set_link(&mut self, now: SimTime, dev: &str, up: bool) -> bool {
        self.k.set_link(now, dev, up)
    }

    // ----- TCP -------------------------------------------------------------------------------

    /// `connect()`; `None` when there is no route or no port left.
    pub(crate) fn tcp_connect(&mut self, dst: Ipv4Addr, port: u16) -> Option<TcpSocket> {
        self.k.tcp_connect(dst, port)
    }

    /// A socket listening on `port` on every address.
    pub(crate) fn tcp_listen(&mut self, port: u16) -> Option<TcpSocket> {
        self.k.tcp_listen(port)
    }

    /// Whether a listening socket has been connected to.
    pub(crate) fn tcp_accepted(&mut self, socket: TcpSocket) -> bool {
        self.k.tcp_accepted(socket)
    }

    /// Where the connection stands.
    pub(crate) fn tcp_status(&mut self, socket: TcpSocket) -> TcpStatus {
        self.k.tcp_status(socket)
    }

    /// The peer's address and port (`getpeername`).
    pub(crate) fn tcp_remote(&mut self, socket: TcpSocket) -> Option<(Ipv4Addr, u16)> {
        self.k.tcp_remote(socket)
    }

    /// The local address and port (`getsockname`).
    pub(crate) fn tcp_local(&mut self, socket: TcpSocket) -> Option<(Ipv4Addr, u16)> {
        self.k.tcp_local(socket)
    }

    /// Everything received so far (`recv`).
    pub(crate) fn tcp_recv(&mut self, socket: TcpSocket) -> Vec<u8> {
        self.k.tcp_recv(socket)
    }

    /// Queues as much of `data` as fits (`send`); returns how much.
    pub(crate) fn tcp_send(&mut self, socket: TcpSocket, data: &[u8]) -> usize {
        self.k.tcp_send(socket, data)
    }

    /// `close()`: FIN after the queued data.
    pub(crate) fn tcp_close(&mut self, socket: TcpSocket) {
        self.k.tcp_close(socket);
    }

    /// Gives a socket back: abortive (RST) if it is still open.
    pub(crate) fn tcp_release(&mut self, socket: TcpSocket) {
        self.k.tcp_release(socket);
    }

    // ----- raw sockets, packet sockets, link notifications ---------------------------------------

    /// `socket(AF_INET, SOCK_RAW, protocol)` for process `pid`.
    pub(crate) fn raw_open(&mut self, pid: u32, protocol: u8) -> Option<RawSocket> {
        self.k.raw_open(pid, protocol)
    }

    /// `IP_ADD_MEMBERSHIP`: the socket joins `group` on `dev`; the membership ends with the socket.
    pub(crate) fn raw_join_group(&mut self, socket: RawSocket, dev: &str, group: Ipv4Addr) {
        self.k.raw_join_group(socket, dev, group);
    }

    /// The next packet received on `socket`.
    pub(crate) fn raw_recv(&mut self, socket: RawSocket) -> Option<RawPacket> {
        self.k.raw_recv(socket)
    }

    /// The next packet of ours that could not be delivered (`MSG_ERRQUEUE`).
    pub(crate) fn raw_recv_error(&mut self, socket: RawSocket) -> Option<Vec<u8>> {
        self.k.raw_recv_error(socket)
    }

    /// Sends a whole IPv4 packet (`IP_HDRINCL`).
    pub(crate) fn raw_send(&mut self, now: SimTime, socket: RawSocket, packet: Vec<u8>) {
        self.k.raw_send(now, socket, packet);
    }

    /// Sends one whole IPv4 packet through a throwaway raw socket (`sendip`).
    pub(crate) fn raw_sendto(&mut self, now: SimTime, packet: Vec<u8>) {
        self.k.send_ip(now, packet);
    }

    /// Sends a prepared Ethernet frame on `dev` (a packet socket).
    pub(crate) fn packet_send(&mut self, dev: &str, frame: Vec<u8>) {
        self.k.packet_send(dev, frame);
    }

    /// Subscribes process `pid` to link changes (netlink `RTMGRP_LINK`).
    pub(crate) fn watch_links(&mut self, pid: u32) -> LinkWatch {
        self.k.watch_links(pid)
    }

    /// The next link change for `watch`.
    pub(crate) fn link_event(&mut self, watch: LinkWatch) -> Option<LinkEvent> {
        self.k.link_event(watch)
    }

    // ----- the process table's share -----------------------------------------------------------

    /// Process `pid` exited: its raw sockets and link subscriptions close, and their group
    /// memberships end.
    pub(crate) fn exit_process(&mut self, pid: u32) {
        self.k.close_process_sockets(pid);
    }

    /// The next process with something new on a raw socket or link subscription.
    pub(crate) fn take_wakeup(&mut self) -> Option<u32> {
        self.k.take_wakeup()
    }

    /// `poweroff`: every process and all network state vanish, the disk stays.
    pub(crate) fn power_off(&mut self, now: SimTime) {
        self.k.power_off(now);
    }
}
