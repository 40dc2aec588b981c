//! labsim-owned layer 2 of a host (smoltcp runs on `Medium::Ip`; see ARCHITECTURE.md): Ethernet framing, ARP as Linux does it
//! (answers for any local address, `arp_ignore` 0; the neighbour table of `proto::neigh` per NIC),
//! routing of smoltcp's outgoing IPv4 packets to a NIC and next hop, multicast group filtering,
//! and per-NIC link state.

use std::borrow::Cow;
use std::net::Ipv4Addr;

use super::Kernel;
use crate::kernel::SimTime;
use crate::observe::trace::TraceKind;
use crate::proto::neigh::{Action as NeighAction, ArpInfo, ArpOp, Event as NeighEvent, Resolved};
use crate::wire::ethernet::{self, BROADCAST, format_mac, multicast_mac};
use crate::wire::{arp, ipv4, tcp};

const ALL_HOSTS: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 1);

impl Kernel {
    pub(super) fn drop_traced(&mut self, now: SimTime, reason: String) {
        let host = self.name.clone();
        self.trace(now, TraceKind::Dropped { host, reason });
    }

    /// A frame reached NIC `nic`. The stack processes it at its next [`Kernel::poll_stack`], so
    /// frames arriving at the same instant are handled in one go; a packet for a raw socket is
    /// queued there at once. Returns whether the frame gave the machine anything to do: false
    /// for a frame the NIC filters out, and for an ARP packet that changes nothing (Linux's
    /// `arp_process` only updates an *existing* entry for a request about another address;
    /// `net/ipv4/arp.c`), decided here at L2 so that the stack need not run for it. A frame
    /// handed over owned keeps its buffer as the stack's packet; a lent one is copied.
    pub(crate) fn receive(&mut self, now: SimTime, nic: usize, frame: Cow<'_, [u8]>) -> bool {
        if self.stack.is_none() || !self.nics.get(nic).is_some_and(|n| n.up) {
            return false;
        }
        let Ok(eth) = ethernet::Frame::new_checked(&frame[..]) else {
            let reason = format!("{}: truncated Ethernet frame ({} bytes)", self.nics[nic].name, frame.len());
            self.drop_traced(now, reason);
            return true;
        };
        let dst = eth.dst_addr();
        let n = &self.nics[nic];
        let wanted =
            dst == n.mac || dst == BROADCAST || (dst[0] & 1 == 1 && (dst == multicast_mac(ALL_HOSTS) || self.raw.wants(&n.name, dst)));
        if !wanted {
            return false;
        }
        let stats = &mut self.nics[nic].stats;
        stats.rx_packets += 1;
        stats.rx_bytes += frame.len() as u64;
        if dst[0] & 1 == 1 {
            stats.multicast += 1;
        }
        match eth.ethertype() {
            ethernet::ETHERTYPE_ARP => self.receive_arp(now, nic, eth.payload(), dst == self.nics[nic].mac),
            ethernet::ETHERTYPE_IPV4 => {
                self.receive_ipv4(now, nic, frame, dst == self.nics[nic].mac);
                true
            }
            _ => false,
        }
    }

    /// An ARP packet; returns whether it changed anything (a neighbour entry, a reply to send,
    /// a drop to report).
    fn receive_arp(&mut self, now: SimTime, nic: usize, payload: &[u8], unicast_to_us: bool) -> bool {
        let parsed = arp::Packet::new_checked(payload).and_then(|p| arp::Repr::parse(&p));
        let Ok(arp::Repr { op: operation, sha, spa, tha, tpa }) = parsed else {
            let reason = format!("{}: malformed ARP packet", self.nics[nic].name);
            self.drop_traced(now, reason);
            return true;
        };
        // ARP claiming one of our own addresses (another VRRP master's gratuitous ARP for a VIP
        // we also hold): Linux would log nothing and answer it; labsim ignores it so that the
        // sender's own neighbour state is not polluted with its own address.
        if self.has_addr(spa) {
            return false;
        }
        let op = match operation {
            arp::Operation::Request => ArpOp::Request,
            arp::Operation::Reply => ArpOp::Reply,
            arp::Operation::Unknown(_) => return false,
        };
        let for_us = self.has_addr(tpa);
        let info = ArpInfo { op, sha, spa, tha, tpa, dst_mac_is_us: unicast_to_us, for_us };
        let touched = self.nics[nic].neigh.handle_arp(now, &info);
        if op == ArpOp::Request && for_us {
            let mac = self.nics[nic].mac;
            let reply = arp::Repr { op: arp::Operation::Reply, sha: mac, spa: tpa, tha: sha, tpa: spa }.to_frame(sha);
            self.frames_out.push((nic, reply));
            return true;
        }
        touched
    }

    /// An Ethernet frame (checked to hold a whole header) carrying an IPv4 packet.
    fn receive_ipv4(&mut self, now: SimTime, nic: usize, frame: Cow<'_, [u8]>, link_unicast: bool) {
        let payload = &frame[ethernet::HEADER_LEN..];
        let packet = match ipv4::Packet::new_checked(payload) {
            Ok(p) if p.verify_checksum() => p,
            _ => {
                let reason = format!("{}: malformed IPv4 packet ({} bytes)", self.nics[nic].name, payload.len());
                return self.drop_traced(now, reason);
            }
        };
        // Ethernet may have padded the packet; the IP total length says where it ends.
        let end = ethernet::HEADER_LEN + usize::from(packet.total_len());
        let bytes = &frame[ethernet::HEADER_LEN..end];
        if !self.netfilter_input(now, nic, bytes, link_unicast) {
            return;
        }
        if packet.protocol() == ipv4::PROTO_ICMP {
            self.icmp_unreachable_in(bytes);
        }
        if packet.protocol() == ipv4::PROTO_TCP
            && let Ok(seg) = tcp::Packet::new_checked(packet.payload())
            && seg.ack()
        {
            // TCP forward progress confirms the neighbour (Linux dst_confirm on ACKs): labsim
            // takes any ACK from an on-link peer as progress.
            let src = packet.src_addr();
            if self.nics[nic].on_link(src).is_some() {
                self.nics[nic].neigh.confirm(now, src);
            }
        }
        let protocol = packet.protocol();
        if ![ipv4::PROTO_ICMP, ipv4::PROTO_TCP, ipv4::PROTO_UDP].contains(&protocol)
            && self.raw.deliver(protocol, &self.nics[nic].name, bytes)
        {
            return;
        }
        if let Some(stack) = self.stack.as_mut() {
            let packet = match frame {
                Cow::Owned(mut frame) => {
                    frame.truncate(end);
                    frame.drain(..ethernet::HEADER_LEN);
                    frame
                }
                Cow::Borrowed(frame) => frame[ethernet::HEADER_LEN..end].to_vec(),
            };
            stack.device.rx.push_back(packet);
        }
    }

    /// Moves smoltcp's outgoing packets into L2.
    pub(crate) fn flush_ip_tx(&mut self, now: SimTime) -> bool {
        let Some(stack) = self.stack.as_mut() else { return false };
        if stack.device.tx.is_empty() {
            return false;
        }
        let mut packets = std::mem::take(&mut stack.device.tx);
        for p in packets.drain(..) {
            if self.tcp_outgoing(now, &p) {
                continue;
            }
            self.send_ip(now, p);
        }
        // The emptied queue goes back, so the next poll's packets need no new allocation.
        if let Some(stack) = self.stack.as_mut()
            && stack.device.tx.is_empty()
        {
            stack.device.tx = packets;
        }
        true
    }

    /// The NIC and next hop for `dst` (Linux: the most specific connected route of an up NIC,
    /// else the default gateway).
    pub(crate) fn route(&self, dst: Ipv4Addr) -> Option<(usize, Ipv4Addr)> {
        // The up NIC with the most specific connected subnet holding `ip` (first NIC on a tie).
        let on_link = |ip: Ipv4Addr| {
            self.nics
                .iter()
                .enumerate()
                .filter(|(_, n)| n.up)
                .filter_map(|(i, n)| n.on_link(ip).map(|len| (len, i)))
                .max_by_key(|&(len, i)| (len, std::cmp::Reverse(i)))
                .map(|(_, i)| i)
        };
        if let Some(nic) = on_link(dst) {
            return Some((nic, dst));
        }
        let gw = self.gateway?;
        Some((on_link(gw)?, gw))
    }

    /// Whether `dst` is this host's own (one of its addresses, or 127.0.0.0/8).
    pub(crate) fn is_local(&self, dst: Ipv4Addr) -> bool {
        dst.is_loopback() || self.has_addr(dst)
    }

    /// The source address Linux would pick for a packet to `dst`: the destination itself for a
    /// local address (the route goes through `lo`), else the primary address of the outgoing NIC.
    pub(crate) fn source_for(&self, dst: Ipv4Addr) -> Option<Ipv4Addr> {
        if self.is_local(dst) {
            return Some(dst);
        }
        let (nic, _) = self.route(dst)?;
        self.nics[nic].primary().map(|a| a.addr)
    }

    /// Sends a whole IPv4 packet (from smoltcp or from a raw-socket process such as keepalived).
    pub(crate) fn send_ip(&mut self, now: SimTime, packet: Vec<u8>) {
        if packet.len() < ipv4::HEADER_LEN {
            return;
        }
        let dst = ipv4::Packet::new_unchecked(&packet[..]).dst_addr();
        if self.is_local(dst) {
            // Local traffic goes through the loopback device, never onto a NIC.
            if let Some(stack) = self.stack.as_mut() {
                stack.device.rx.push_back(packet);
            }
            return;
        }
        self.netfilter_output(now, &packet);
        self.transmit_ip(now, packet);
    }

    /// Routes a packet for another host onto a NIC, past the OUTPUT hook (the kernel's own ICMP
    /// errors, which conntrack ties to the flow they are about).
    pub(super) fn transmit_ip(&mut self, now: SimTime, packet: Vec<u8>) {
        if packet.len() < ipv4::HEADER_LEN {
            return;
        }
        let header = ipv4::Packet::new_unchecked(&packet[..]);
        let (src, dst) = (header.src_addr(), header.dst_addr());
        if dst.is_multicast() || dst.is_broadcast() {
            // Multicast and limited broadcast leave by the NIC that owns the source address.
            let Some(nic) = self.nics.iter().position(|n| n.has_addr(src) && n.up) else {
                return self.drop_traced(now, format!("no up interface with source {src} for {dst}"));
            };
            let mac = if dst.is_broadcast() { BROADCAST } else { multicast_mac(dst) };
            let frame = ethernet::ipv4_frame(packet, mac, self.nics[nic].mac);
            self.frames_out.push((nic, frame));
            return;
        }
        let Some((nic, next_hop)) = self.route(dst) else {
            return self.drop_traced(now, format!("no route to {dst} (Network is unreachable)"));
        };
        if self.nics[nic].addrs.iter().any(|a| a.prefix_len < 32 && a.broadcast() == dst) {
            let frame = ethernet::ipv4_frame(packet, BROADCAST, self.nics[nic].mac);
            self.frames_out.push((nic, frame));
            return;
        }
        match self.nics[nic].neigh.resolve(now, next_hop, packet) {
            Resolved::Send { mac, packet } => {
                let frame = ethernet::ipv4_frame(packet, mac, self.nics[nic].mac);
                self.frames_out.push((nic, frame));
            }
            Resolved::Queued => {}
            Resolved::Dropped => self.drop_traced(now, format!("neighbour {next_hop} cannot be resolved")),
        }
    }

    /// Sends a prepared Ethernet frame on `dev` (a packet socket: keepalived's gratuitous ARPs).
    pub(crate) fn packet_send(&mut self, dev: &str, frame: Vec<u8>) {
        if let Some(nic) = self.nics.iter().position(|n| n.name == dev && n.up) {
            self.frames_out.push((nic, frame));
        }
    }

    /// Fires due neighbour timers and carries out the tables' actions.
    pub(crate) fn poll_neighbours(&mut self, now: SimTime) -> bool {
        let mut moved = false;
        for nic in 0..self.nics.len() {
            if self.nics[nic].neigh.poll_timeout().is_some_and(|t| t <= now) {
                self.nics[nic].neigh.handle_timeout(now);
                moved = true;
            }
            while let Some(action) = self.nics[nic].neigh.poll_action() {
                moved = true;
                self.neigh_action(nic, action);
            }
            while let Some(NeighEvent::Changed(e)) = self.nics[nic].neigh.poll_event() {
                let kind = TraceKind::Neigh {
                    host: self.name.clone(),
                    dev: self.nics[nic].name.clone(),
                    ip: e.ip,
                    state: e.state.as_str().to_owned(),
                    mac: e.mac.map(format_mac),
                };
                self.trace(now, kind);
            }
        }
        moved
    }

    fn neigh_action(&mut self, nic: usize, action: NeighAction) {
        let n = &self.nics[nic];
        match action {
            NeighAction::Probe { target, dst, src_hint } => {
                // arp_solicit(): the source address of the packet that needs resolving when it
                // is ours on this NIC (a VIP replying to a ping), else the NIC's primary address.
                let spa = src_hint.filter(|s| n.has_addr(*s)).or_else(|| n.primary().map(|a| a.addr));
                let Some(spa) = spa else { return };
                let frame =
                    arp::Repr { op: arp::Operation::Request, sha: n.mac, spa, tha: [0; 6], tpa: target }.to_frame(dst.unwrap_or(BROADCAST));
                self.frames_out.push((nic, frame));
            }
            NeighAction::Transmit { mac, packet } => {
                let frame = ethernet::ipv4_frame(packet, mac, n.mac);
                self.frames_out.push((nic, frame));
            }
            NeighAction::Unreachable { packet, .. } => self.unreachable(packet),
        }
    }

    /// Neighbour resolution failed for `packet`: the kernel reports EHOSTUNREACH to its sender
    /// (a connecting TCP socket, or the error queue of the raw sockets).
    fn unreachable(&mut self, packet: Vec<u8>) {
        if !self.tcp_unreachable(&packet) {
            self.raw.icmp_error(&packet);
        }
    }
}
