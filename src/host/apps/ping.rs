//! `ping` on a host: the iputils core of `proto::ping` over a smoltcp raw ICMP socket (root's
//! ping uses a raw socket too, with the pid as ICMP identifier). Local "Destination Host
//! Unreachable" errors come from the host's neighbour tables (resolution failed).

use std::net::Ipv4Addr;

use smoltcp::iface::SocketHandle;
use smoltcp::socket::raw;
use smoltcp::wire::{IpProtocol, IpVersion};

use super::{Program, Signal};
use crate::host::Host;
use crate::host::shell::fail;
use crate::kernel::SimTime;
use crate::observe::trace::{Stream, TraceKind};
use crate::proto::ping::Stream as PingStream;
use crate::proto::ping::{self as core, Pinger};
use crate::wire::icmp::{self, Echo, EchoRepr};
use crate::wire::ipv4;

const TTL: u8 = 64;

pub(super) struct PingProc {
    id: usize,
    pid: u32,
    pinger: Pinger,
    socket: SocketHandle,
    source: Ipv4Addr,
    target: Ipv4Addr,
    finished: bool,
}

fn ipv4_packet(src: Ipv4Addr, dst: Ipv4Addr, id: u16, ttl: u8, icmp: &[u8]) -> Vec<u8> {
    // DF, as Linux sets with path MTU discovery on.
    let header = ipv4::Repr { src, dst, protocol: ipv4::PROTO_ICMP, ttl, ident: id, tos: 0, dont_frag: true, payload_len: icmp.len() };
    header.to_packet(icmp)
}

/// (kind, identifier, sequence) of an ICMP echo request or reply.
fn echo_fields(icmp: &[u8]) -> Option<(Echo, u16, u16)> {
    let echo = EchoRepr::parse(&icmp::Packet::new_checked(icmp).ok()?).ok()?;
    Some((echo.kind, echo.ident, echo.seq_no))
}

impl PingProc {
    /// Parses the arguments and starts; on a usage error prints it and returns `None`.
    pub(super) fn start(host: &mut Host, now: SimTime, id: usize, pid: u32, args: &[&str]) -> Option<PingProc> {
        let argv: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
        let parsed = match core::Args::parse(&argv) {
            Ok(a) => a,
            Err(usage) => {
                fail(host, now, id, usage.lines, usage.status);
                return None;
            }
        };
        let Some(target) = host.resolve(&parsed.destination) else {
            fail(host, now, id, vec![parsed.unknown_host_error()], 2);
            return None;
        };
        let Some(source) = host.source_for(target) else {
            fail(host, now, id, vec!["ping: connect: Network is unreachable".to_owned()], 2);
            return None;
        };
        let stack = host.stack.as_mut()?;
        let rx = raw::PacketBuffer::new(vec![raw::PacketMetadata::EMPTY; 64], vec![0; 64 * 1600]);
        let tx = raw::PacketBuffer::new(vec![raw::PacketMetadata::EMPTY; 64], vec![0; 64 * 1600]);
        let socket = stack.sockets.add(raw::Socket::new(Some(IpVersion::Ipv4), Some(IpProtocol::Icmp), rx, tx));
        let display = parsed.destination.clone();
        let mut pinger = Pinger::new(parsed, display, target, pid as u16, host.calendar);
        pinger.handle_start(now);
        let mut p = PingProc { id, pid, pinger, socket, source, target, finished: false };
        p.flush_output(host, now);
        Some(p)
    }

    /// `Some(replied)` if `icmp` is an echo reply to one of our probes.
    fn replied(&self, icmp: &[u8]) -> Option<bool> {
        let (kind, ident, seq) = echo_fields(icmp)?;
        if kind != Echo::Reply || ident != self.pid as u16 {
            return None;
        }
        self.pinger.probes().iter().find(|p| p.seq == seq).map(|p| p.replied_at.is_some())
    }

    /// Prints pending output; once the core has an exit status, the command ends.
    fn flush_output(&mut self, host: &mut Host, now: SimTime) -> bool {
        let mut moved = false;
        let name = host.name().to_owned();
        while let Some(line) = self.pinger.poll_line() {
            moved = true;
            let stream = match line.stream {
                PingStream::Stdout => Stream::Stdout,
                PingStream::Stderr => Stream::Stderr,
            };
            host.emit(now, TraceKind::Output { host: name.clone(), id: self.id, stream, line: line.text });
        }
        if let Some(status) = self.pinger.exit_status() {
            self.end(host, now, status);
        }
        moved
    }

    fn end(&mut self, host: &mut Host, now: SimTime, status: i32) {
        if self.finished {
            return;
        }
        self.finished = true;
        if let Some(stack) = host.stack.as_mut() {
            stack.sockets.remove(self.socket);
        }
        host.emit(now, TraceKind::Exit { host: host.name().to_owned(), id: self.id, status });
    }

    /// SIGINT (Ctrl-C, or the end of the run): statistics, then exit.
    fn interrupt(&mut self, host: &mut Host, now: SimTime) {
        if !self.finished {
            self.pinger.handle_interrupt(now);
            self.flush_output(host, now);
        }
    }

    /// SIGKILL: no statistics.
    fn kill(&mut self, host: &mut Host, now: SimTime) {
        self.end(host, now, super::killed_status(super::Signal::Kill));
    }
}

impl Program for PingProc {
    fn name(&self) -> &'static str {
        "ping"
    }

    fn pid(&self) -> u32 {
        self.pid
    }
    fn is_finished(&self) -> bool {
        self.finished
    }
    fn poll_timeout(&self) -> Option<SimTime> {
        if self.finished { None } else { self.pinger.poll_timeout() }
    }
    fn poll(&mut self, host: &mut Host, now: SimTime) -> bool {
        if self.finished {
            return false;
        }
        let mut moved = false;
        let mut received = Vec::new();
        if let Some(stack) = host.stack.as_mut() {
            let socket = stack.sockets.get_mut::<raw::Socket>(self.socket);
            while let Ok(bytes) = socket.recv() {
                received.push(bytes.to_vec());
            }
        }
        for bytes in received {
            moved = true;
            let Ok(ip) = ipv4::Packet::new_checked(&bytes[..]) else { continue };
            let (src, dst, ttl) = (ip.src_addr(), ip.dst_addr(), ip.ttl());
            if !host.has_addr(dst) {
                continue;
            }
            let icmp = ip.payload();
            let replied_before = self.replied(icmp);
            self.pinger.handle_reply(now, icmp, src, ttl);
            if let (Some(false), Some((_, _, seq))) = (replied_before, echo_fields(icmp))
                && let Some(probe) = self.pinger.probes().iter().find(|p| p.seq == seq)
                && let Some(at) = probe.replied_at
            {
                let rtt_us = (at - probe.sent_at).as_micros() as u64;
                host.emit(now, TraceKind::PingReplied { host: host.name().to_owned(), id: self.id, seq, rtt_us });
            }
        }
        if self.pinger.poll_timeout().is_some_and(|t| t <= now) {
            self.pinger.handle_timeout(now);
            moved = true;
        }
        while let Some(icmp) = self.pinger.poll_transmit() {
            moved = true;
            if let Some((_, _, seq)) = echo_fields(&icmp) {
                host.emit(now, TraceKind::PingSent { host: host.name().to_owned(), id: self.id, seq });
                let ttl = self.pinger.ttl().unwrap_or(TTL);
                let packet = ipv4_packet(self.source, self.target, seq, ttl, &icmp);
                if let Some(stack) = host.stack.as_mut() {
                    // A full send queue loses the probe, as a full socket buffer would (ENOBUFS).
                    let _ = stack.sockets.get_mut::<raw::Socket>(self.socket).send_slice(&packet);
                }
            }
        }
        moved |= self.flush_output(host, now);
        moved
    }

    fn signal(&mut self, host: &mut Host, now: SimTime, signal: Signal) {
        match signal {
            Signal::Kill => self.kill(host, now),
            Signal::Term | Signal::Int => self.interrupt(host, now),
        }
    }

    /// Neighbour resolution failed for `packet`; true if it was one of our probes.
    fn unreachable(&mut self, host: &mut Host, now: SimTime, packet: &[u8]) -> bool {
        let Ok(ip) = ipv4::Packet::new_checked(packet) else { return false };
        if self.finished || ip.protocol() != ipv4::PROTO_ICMP {
            return false;
        }
        match echo_fields(ip.payload()) {
            Some((Echo::Request, ident, seq)) if ident == self.pid as u16 => {
                self.pinger.handle_error(now, seq, ip.src_addr());
                self.flush_output(host, now);
                true
            }
            _ => false,
        }
    }
}
