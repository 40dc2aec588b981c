//! The packet filter's hooks (netfilter with the rules firewalld installs): every IPv4 packet a
//! NIC hands up passes INPUT ([`Kernel::netfilter_input`]) before raw sockets or smoltcp see it;
//! every packet the host sends passes OUTPUT, which filters nothing but is where conntrack learns
//! of the flows the host opens. Loopback traffic never reaches a NIC, so `-i lo -j ACCEPT` holds.
//!
//! firewalld installs the rules when it starts and flushes them when it stops (`CleanupOnExit`),
//! unloading the conntrack modules with them: with no rules installed nothing is tracked or
//! filtered. The verdict is [`Zone::verdict`]'s, conntrack is [`Conntrack`], a REJECT's ICMP
//! error is [`Rejecter`]'s; a drop or a reject is traced with the rule that decided it.
//!
//! An ICMP destination unreachable that passes INPUT and quotes a SYN of a connecting socket
//! ends that connect, as `tcp_v4_err` does in SYN_SENT: ECONNREFUSED for protocol/port
//! unreachable, EHOSTUNREACH for the others (`icmp_err_convert`).

use std::net::Ipv4Addr;

use super::Kernel;
use crate::kernel::SimTime;
use crate::proto::firewalld::{Inbound, Verdict, Zone};
use crate::proto::netfilter::conntrack::{Conntrack, Flow, Tuple};
use crate::proto::netfilter::reject::{Refused, Rejecter};
use crate::wire::{icmp, ipv4};

/// The filter table while firewalld's rules are installed.
pub(super) struct Active {
    zone: Zone,
    conntrack: Conntrack,
    rejecter: Rejecter,
}

/// The machine's packet filter: nothing, or firewalld's rules.
#[derive(Default)]
pub(super) struct Netfilter {
    active: Option<Active>,
}

fn describe(t: &Tuple) -> String {
    let proto = match t.protocol {
        ipv4::PROTO_TCP => "tcp".to_owned(),
        ipv4::PROTO_UDP => "udp".to_owned(),
        ipv4::PROTO_ICMP => "icmp".to_owned(),
        112 => "vrrp".to_owned(),
        2 => "igmp".to_owned(),
        p => format!("proto {p}"),
    };
    if matches!(t.protocol, ipv4::PROTO_TCP | ipv4::PROTO_UDP) {
        format!("{proto} {}:{} > {}:{}", t.src, t.sport, t.dst, t.dport)
    } else {
        format!("{proto} {} > {}", t.src, t.dst)
    }
}

impl Kernel {
    /// Installs `zone`'s rules (firewalld's start or reload); the connections tracked so far
    /// are kept when rules were installed already.
    pub(crate) fn netfilter_install(&mut self, zone: Zone) {
        match self.netfilter.active.as_mut() {
            Some(active) => active.zone = zone,
            None => {
                let first_ident = u16::try_from(self.rng.fork("icmp-ident").range(0, 65_536)).unwrap_or(0);
                self.netfilter.active = Some(Active { zone, conntrack: Conntrack::default(), rejecter: Rejecter::new(first_ident) });
            }
        }
    }

    /// Flushes every rule and forgets every tracked connection (firewalld's stop).
    pub(crate) fn netfilter_flush(&mut self) {
        self.netfilter.active = None;
    }

    /// The installed rules, if any.
    pub(crate) fn netfilter_rules(&self) -> Option<&Zone> {
        self.netfilter.active.as_ref().map(|a| &a.zone)
    }

    /// OUTPUT: conntrack records the packet the host sends.
    pub(super) fn netfilter_output(&mut self, now: SimTime, packet: &[u8]) {
        if let Some(active) = self.netfilter.active.as_mut()
            && let Some(flow) = Flow::of(packet)
        {
            active.conntrack.confirm(now, &flow);
        }
    }

    /// INPUT for `packet` (whole, checksum verified) from NIC `nic`; `link_unicast` when the
    /// frame was addressed to the NIC's own MAC. False when the packet goes no further.
    pub(super) fn netfilter_input(&mut self, now: SimTime, nic: usize, packet: &[u8], link_unicast: bool) -> bool {
        if self.netfilter.active.is_none() {
            return true;
        }
        let Some(flow) = Flow::of(packet) else { return true };
        let ip = ipv4::Packet::new_unchecked(packet);
        let (src, dst) = (ip.src_addr(), ip.dst_addr());
        let ip_group =
            dst.is_multicast() || dst.is_broadcast() || self.nics[nic].addrs.iter().any(|a| a.prefix_len < 32 && a.broadcast() == dst);
        let Some(active) = self.netfilter.active.as_mut() else { return true };
        let state = active.conntrack.state(now, &flow);
        let dport = match flow {
            Flow::Packet { tuple, .. } if matches!(tuple.protocol, ipv4::PROTO_TCP | ipv4::PROTO_UDP | 33 | 132) => Some(tuple.dport),
            _ => None,
        };
        let inbound = Inbound { loopback: false, protocol: ip.protocol(), src, dst, dport, state };
        let decision = active.zone.verdict(&inbound);
        if decision.verdict == Verdict::Accept {
            active.conntrack.confirm(now, &flow);
            return true;
        }
        let what = match flow {
            Flow::Packet { tuple, .. } => describe(&tuple),
            Flow::Error { .. } => format!("icmp error {src} > {dst}"),
        };
        let dev = self.nics[nic].name.clone();
        let reason = match decision.verdict {
            Verdict::Reject(code) => {
                let refused = Refused { packet, link_unicast, ip_group, mtu: 1500 };
                match active.rejecter.refuse(now, code, &refused) {
                    Ok(reply) => {
                        self.transmit_ip(now, reply);
                        format!("{dev}: firewalld: {what} rejected by {} (ICMP type 3 code {code} sent)", decision.rule)
                    }
                    Err(silent) => format!("{dev}: firewalld: {what} rejected by {} (no ICMP: {})", decision.rule, silent.as_str()),
                }
            }
            _ => format!("{dev}: firewalld: {what} dropped by {}", decision.rule),
        };
        self.drop_traced(now, reason);
        false
    }

    /// An ICMP destination unreachable that was let in: a connect it is about fails.
    pub(super) fn icmp_unreachable_in(&mut self, packet: &[u8]) {
        let Ok(ip) = ipv4::Packet::new_checked(packet) else { return };
        if ip.protocol() != ipv4::PROTO_ICMP {
            return;
        }
        let Ok(msg) = icmp::Packet::new_checked(ip.payload()) else { return };
        let Ok(unreach) = icmp::DestUnreachableRepr::parse(&msg) else { return };
        let quoted = unreach.original;
        // Our own SYN, as we sent it: the quote's source must be ours.
        let ours = quoted.len() >= ipv4::HEADER_LEN && self.has_addr(Ipv4Addr::from([quoted[12], quoted[13], quoted[14], quoted[15]]));
        if ours {
            let refused = matches!(unreach.code, 2 | 3);
            self.tcp_icmp_error(quoted, refused);
        }
    }
}
