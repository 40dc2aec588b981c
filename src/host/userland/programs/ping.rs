//! `ping`: the iputils core of `proto::ping` over a raw ICMP socket (root's ping uses one too,
//! with the pid as ICMP identifier). Replies are read from the socket; a local "Destination Host
//! Unreachable" comes from the socket's error queue, where the kernel puts probes whose
//! neighbour resolution failed.

use std::net::Ipv4Addr;

use crate::host::kernel::{RawSocket, Stdio, Sys};
use crate::host::userland::net::resolve;
use crate::host::userland::process::{Exit, Invocation, Process, Signal, Unfinished, fail};
use crate::kernel::SimTime;
use crate::observe::trace::TraceKind;
use crate::proto::ping::{self as core, Event, Pinger};
use crate::wire::ipv4;

struct PingProc {
    stdio: Stdio,
    pinger: Pinger,
    socket: RawSocket,
    source: Ipv4Addr,
    target: Ipv4Addr,
    exit: Option<Exit>,
}

/// Parses the arguments and starts; on a usage error prints it and returns its exit status.
pub(crate) fn start(k: &mut Sys<'_>, run: Invocation<'_>) -> Result<Box<dyn Process>, i32> {
    let Invocation { now, stdio, pid, args, .. } = run;
    let argv: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
    let parsed = match core::Args::parse(&argv) {
        Ok(a) => a,
        Err(usage) => return Err(fail(k, now, &stdio, usage.lines, usage.status)),
    };
    let Some(target) = resolve(k.fs(), &parsed.destination) else {
        return Err(fail(k, now, &stdio, vec![parsed.unknown_host_error()], 2));
    };
    let Some(source) = k.source_for(target) else {
        return Err(fail(k, now, &stdio, vec!["ping: connect: Network is unreachable".to_owned()], 2));
    };
    let Some(socket) = k.raw_open(pid, ipv4::PROTO_ICMP) else {
        return Err(fail(k, now, &stdio, vec!["ping: socket: Operation not permitted".to_owned()], 2));
    };
    let display = parsed.destination.clone();
    let mut pinger = Pinger::new(parsed, display, target, pid as u16, k.calendar());
    pinger.handle_start(now);
    let mut p = PingProc { stdio, pinger, socket, source, target, exit: None };
    p.flush_output(k, now);
    match p.exit {
        None => Ok(Box::new(p)),
        Some(exit) => Err(exit.status()),
    }
}

impl PingProc {
    /// Traces what the core reported about its probes.
    fn flush_events(&mut self, k: &mut Sys<'_>, now: SimTime) {
        while let Some(Event::Replied { seq, rtt }) = self.pinger.poll_event() {
            let rtt_us = u64::try_from(rtt.as_micros()).unwrap_or(u64::MAX);
            k.record(now, TraceKind::PingReplied { host: k.hostname().to_owned(), id: self.stdio.id, seq, rtt_us });
        }
    }

    /// Prints pending output; once the core has an exit status, the command ends.
    fn flush_output(&mut self, k: &mut Sys<'_>, now: SimTime) -> bool {
        let mut moved = false;
        while let Some(line) = self.pinger.poll_line() {
            moved = true;
            if k.print(now, &self.stdio, line.stream.into(), line.text).is_err() {
                // SIGPIPE: nobody reads its output any more.
                self.end(k, now, Exit::Signal(Signal::Pipe), Signal::Pipe.exit_status());
                return true;
            }
        }
        if let Some(status) = self.pinger.exit_status() {
            self.end(k, now, Exit::Code(status), status);
        }
        moved
    }

    fn end(&mut self, k: &mut Sys<'_>, now: SimTime, exit: Exit, status: i32) {
        if self.exit.is_some() {
            return;
        }
        self.exit = Some(exit);
        k.exit_status(now, &self.stdio, status);
    }

    /// Probes the kernel could not deliver (neighbour resolution failed): the core tells ours
    /// from other programs' and prints "Destination Host Unreachable".
    fn read_errors(&mut self, k: &mut Sys<'_>, now: SimTime) -> bool {
        let mut moved = false;
        while let Some(packet) = k.raw_recv_error(self.socket) {
            if let Ok(ip) = ipv4::Packet::new_checked(&packet[..])
                && ip.protocol() == ipv4::PROTO_ICMP
            {
                self.pinger.handle_undelivered(now, ip.payload(), ip.src_addr());
                moved = true;
            }
        }
        moved
    }
}

impl Process for PingProc {
    fn name(&self) -> &'static str {
        "ping"
    }

    fn poll(&mut self, k: &mut Sys<'_>, now: SimTime) -> bool {
        if self.exit.is_some() {
            return false;
        }
        let mut moved = false;
        while let Some(packet) = k.raw_recv(self.socket) {
            moved = true;
            let Ok(ip) = ipv4::Packet::new_checked(&packet.bytes[..]) else { continue };
            if !k.has_addr(ip.dst_addr()) {
                continue;
            }
            self.pinger.handle_reply(now, ip.payload(), ip.src_addr(), ip.ttl());
            self.flush_events(k, now);
        }
        moved |= self.read_errors(k, now);
        if self.pinger.poll_timeout().is_some_and(|t| t <= now) {
            self.pinger.handle_timeout(now);
            moved = true;
        }
        while let Some(probe) = self.pinger.poll_transmit() {
            moved = true;
            k.record(now, TraceKind::PingSent { host: k.hostname().to_owned(), id: self.stdio.id, seq: probe.seq });
            // DF, as Linux sets with path MTU discovery on; the IP identifier follows the probe.
            let header = ipv4::Repr {
                src: self.source,
                dst: self.target,
                protocol: ipv4::PROTO_ICMP,
                ttl: probe.ttl,
                ident: probe.seq,
                tos: 0,
                dont_frag: true,
                payload_len: probe.icmp.len(),
            };
            k.raw_send(now, self.socket, header.to_packet(&probe.icmp));
        }
        moved |= self.flush_output(k, now);
        moved
    }

    fn poll_timeout(&self) -> Option<SimTime> {
        if self.exit.is_some() { None } else { self.pinger.poll_timeout() }
    }

    fn signal(&mut self, k: &mut Sys<'_>, now: SimTime, signal: Signal) {
        match signal {
            // SIGINT (Ctrl-C, or the end of the run) and SIGTERM: statistics, then exit.
            Signal::Int | Signal::Term => {
                if self.exit.is_none() {
                    self.pinger.handle_interrupt(now);
                    self.flush_output(k, now);
                }
            }
            // No statistics (SIGUSR1: iputils sets no handler, so it kills).
            Signal::Kill | Signal::Hup | Signal::Pipe | Signal::Usr1 => self.end(k, now, Exit::Signal(signal), signal.exit_status()),
            // Ignored by default.
            Signal::Winch => {}
        }
    }

    fn exit(&self) -> Option<Exit> {
        self.exit
    }

    fn unfinished(&self, _now: SimTime) -> Option<Unfinished> {
        self.exit.is_none().then(|| Unfinished { id: self.stdio.id, state: self.pinger.state(), http: None })
    }
}
