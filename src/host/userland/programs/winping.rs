//! `ping` on a Windows 10 host: the `ping.exe` core of `proto::windows::ping` over a raw ICMP
//! socket, standing in for `IcmpSendEcho2`. Echo requests carry Windows' fixed identifier and
//! the host-wide sequence number the kernel hands out, with TTL 128 and no DF bit (Windows sets
//! DF only with `-f`). A local "Destination host unreachable" comes from the socket's error
//! queue, where the kernel puts echoes whose neighbour resolution failed. Everything `ping.exe`
//! prints, complaints included, goes to standard output.

use std::net::Ipv4Addr;

use crate::host::kernel::{RawSocket, Stdio, Sys};
use crate::host::userland::net::resolve;
use crate::host::userland::process::{Exit, Invocation, Process, Signal, Unfinished};
use crate::kernel::SimTime;
use crate::observe::trace::{Stream, TraceKind};
use crate::proto::ping::Event;
use crate::proto::windows::ping::{Args, WinPing};
use crate::wire::ipv4;

struct WinPingProc {
    stdio: Stdio,
    ping: WinPing,
    socket: RawSocket,
    source: Ipv4Addr,
    target: Ipv4Addr,
    exit: Option<Exit>,
}

/// Prints `lines` on stdout and ends with `status`, as `ping.exe` does with what it refuses.
fn refuse(k: &mut Sys<'_>, now: SimTime, stdio: &Stdio, lines: Vec<String>, status: i32) -> i32 {
    for line in lines {
        // Nobody reading its output changes nothing: it is exiting anyway.
        let _ = k.print(now, stdio, Stream::Stdout, line);
    }
    k.exit_status(now, stdio, status);
    status
}

/// Parses the arguments and starts; on a refused command line prints why and returns the status.
pub(crate) fn start(k: &mut Sys<'_>, run: Invocation<'_>) -> Result<Box<dyn Process>, i32> {
    let Invocation { now, stdio, pid, args, .. } = run;
    let argv: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
    let parsed = match Args::parse(&argv) {
        Ok(a) => a,
        Err(r) => return Err(refuse(k, now, &stdio, r.lines, r.status)),
    };
    let Some(target) = resolve(k.fs(), &parsed.target) else {
        return Err(refuse(k, now, &stdio, vec![parsed.unknown_host()], 1));
    };
    // No route (Windows prints this for every echo; labsim once) or no socket.
    let general_failure = || vec!["PING: transmit failed. General failure.".to_owned()];
    let Some(source) = k.source_for(target) else {
        return Err(refuse(k, now, &stdio, general_failure(), 1));
    };
    let Some(socket) = k.raw_open(pid, ipv4::PROTO_ICMP) else {
        return Err(refuse(k, now, &stdio, general_failure(), 1));
    };
    let mut ping = WinPing::new(parsed, target);
    ping.handle_start(now);
    let mut p = WinPingProc { stdio, ping, socket, source, target, exit: None };
    p.flush_output(k, now);
    Ok(Box::new(p))
}

impl WinPingProc {
    /// Prints pending output; once the core has an exit status, the command ends.
    fn flush_output(&mut self, k: &mut Sys<'_>, now: SimTime) -> bool {
        let mut moved = false;
        while let Some(line) = self.ping.poll_line() {
            moved = true;
            if k.print(now, &self.stdio, Stream::Stdout, line).is_err() {
                // The reader of its pipe is gone: the write fails and ping.exe ends.
                self.end(k, now, Exit::Signal(Signal::Pipe), Signal::Pipe.exit_status());
                return true;
            }
        }
        if let Some(status) = self.ping.exit_status() {
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

    /// Traces what the core reported about its echoes.
    fn flush_events(&mut self, k: &mut Sys<'_>, now: SimTime) {
        while let Some(Event::Replied { seq, rtt }) = self.ping.poll_event() {
            let rtt_us = u64::try_from(rtt.as_micros()).unwrap_or(u64::MAX);
            k.record(now, TraceKind::PingReplied { host: k.hostname().to_owned(), id: self.stdio.id, seq, rtt_us });
        }
    }
}

impl Process for WinPingProc {
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
            if k.has_addr(ip.dst_addr()) {
                self.ping.handle_reply(now, ip.payload(), ip.src_addr(), ip.ttl());
                self.flush_events(k, now);
            }
        }
        while let Some(packet) = k.raw_recv_error(self.socket) {
            moved = true;
            if let Ok(ip) = ipv4::Packet::new_checked(&packet[..])
                && ip.protocol() == ipv4::PROTO_ICMP
            {
                self.ping.handle_undelivered(now, ip.payload(), ip.src_addr());
            }
        }
        if self.ping.poll_timeout().is_some_and(|t| t <= now) {
            self.ping.handle_timeout(now);
            moved = true;
        }
        while let Some(echo) = self.ping.poll_transmit(|| k.icmp_echo_seq()) {
            moved = true;
            k.record(now, TraceKind::PingSent { host: k.hostname().to_owned(), id: self.stdio.id, seq: echo.seq });
            let header = ipv4::Repr {
                src: self.source,
                dst: self.target,
                protocol: ipv4::PROTO_ICMP,
                ttl: echo.ttl,
                ident: echo.seq,
                tos: 0,
                dont_frag: false,
                payload_len: echo.icmp.len(),
            };
            // The header goes out as built (IP_HDRINCL): smoltcp's raw socket would re-emit it
            // with DF set, which Windows does not set.
            k.raw_sendto(now, header.to_packet(&echo.icmp));
        }
        moved |= self.flush_output(k, now);
        moved
    }

    fn poll_timeout(&self) -> Option<SimTime> {
        if self.exit.is_some() { None } else { self.ping.poll_timeout() }
    }

    fn signal(&mut self, k: &mut Sys<'_>, now: SimTime, signal: Signal) {
        match signal {
            // Ctrl+C (or the end of the run) and a polite stop: statistics, then exit.
            Signal::Int | Signal::Term => {
                if self.exit.is_none() {
                    self.ping.handle_interrupt(now);
                    self.flush_output(k, now);
                }
            }
            Signal::Kill | Signal::Hup | Signal::Pipe | Signal::Usr1 => self.end(k, now, Exit::Signal(signal), signal.exit_status()),
            // Ignored by default.
            Signal::Winch => {}
        }
    }

    fn exit(&self) -> Option<Exit> {
        self.exit
    }

    fn unfinished(&self, _now: SimTime) -> Option<Unfinished> {
        self.exit.is_none().then(|| Unfinished { id: self.stdio.id, state: self.ping.state(), http: None })
    }
}
