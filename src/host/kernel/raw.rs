//! Raw IP sockets (`socket(AF_INET, SOCK_RAW, proto)`) and link notifications (a netlink
//! `RTMGRP_LINK` subscription), the kernel's ways of handing a process what it did not ask for at
//! the instant it arrived.
//!
//! ICMP raw sockets are smoltcp's (smoltcp also answers echo requests itself); errors for the
//! packets they sent (neighbour resolution failed: `EHOSTUNREACH`) wait in a per-socket error
//! queue, as `IP_RECVERR` delivers them. Any other protocol (VRRP's 112) is kernel-native: a
//! received packet is taken off the stack and queued on every socket of that protocol, and the
//! owner's pid goes on the wake-up list. Sending is `IP_HDRINCL`: the process writes the whole
//! IPv4 packet, and it leaves through the routing of [`super::l2`]. A socket's multicast group
//! memberships (`IP_ADD_MEMBERSHIP`) decide which multicast frames the NIC takes, and end with the
//! socket (the NIC's IGMP reports are [`super::igmp`]'s); when a process exits, everything it held here closes.

use std::collections::VecDeque;

use smoltcp::iface::SocketHandle;
use smoltcp::socket::raw;
use smoltcp::wire::{IpProtocol, IpVersion};

use std::net::Ipv4Addr;

use super::Kernel;
use super::syscall::{LinkEvent, LinkWatch, RawPacket, RawSocket};
use crate::kernel::SimTime;
use crate::wire::ethernet::multicast_mac;

/// ICMP: raw sockets of this protocol are smoltcp's.
const PROTO_ICMP: u8 = 1;
/// Packets a smoltcp raw socket buffers each way.
const SMOL_PACKETS: usize = 64;

enum Slot {
    Smol { handle: SocketHandle, errors: VecDeque<Vec<u8>> },
    Native { protocol: u8, rx: VecDeque<RawPacket> },
    Links { events: VecDeque<LinkEvent> },
}

struct Owned {
    pid: u32,
    slot: Slot,
    /// Multicast groups the socket joined (NIC name, group).
    groups: Vec<(String, Ipv4Addr)>,
}

/// The raw sockets and link subscriptions of one boot.
#[derive(Default)]
pub(super) struct RawState {
    slots: Vec<Option<Owned>>,
    /// Pids with something new on a kernel-native queue, in the order it arrived.
    wakeups: Vec<u32>,
    /// The last ICMP echo sequence number handed out by [`Kernel::icmp_echo_seq`].
    echo_seq: u16,
}

impl RawState {
    fn add(&mut self, pid: u32, slot: Slot) -> usize {
        let owned = Some(Owned { pid, slot, groups: Vec::new() });
        match self.slots.iter().position(Option::is_none) {
            Some(i) => {
                self.slots[i] = owned;
                i
            }
            None => {
                self.slots.push(owned);
                self.slots.len() - 1
            }
        }
    }

    fn wake(&mut self, pid: u32) {
        if !self.wakeups.contains(&pid) {
            self.wakeups.push(pid);
        }
    }

    /// Whether some socket joined a group on NIC `dev` whose Ethernet address is `mac`.
    pub(super) fn wants(&self, dev: &str, mac: [u8; 6]) -> bool {
        self.slots.iter().flatten().flat_map(|o| &o.groups).any(|(d, g)| d == dev && multicast_mac(*g) == mac)
    }

    /// Queues a received packet on the kernel-native sockets of its protocol; false if there is
    /// none (the stack gets it).
    pub(super) fn deliver(&mut self, protocol: u8, dev: &str, packet: &[u8]) -> bool {
        let mut taken = Vec::new();
        for owned in self.slots.iter_mut().flatten() {
            if let Slot::Native { protocol: p, rx } = &mut owned.slot
                && *p == protocol
            {
                rx.push_back(RawPacket { dev: Some(dev.to_owned()), bytes: packet.to_vec() });
                taken.push(owned.pid);
            }
        }
        taken.iter().for_each(|pid| self.wake(*pid));
        !taken.is_empty()
    }

    /// Neighbour resolution failed for `packet`: every ICMP socket gets the error, as Linux
    /// delivers ICMP errors to all raw sockets of the protocol (each program filters its own).
    pub(super) fn icmp_error(&mut self, packet: &[u8]) {
        for owned in self.slots.iter_mut().flatten() {
            if let Slot::Smol { errors, .. } = &mut owned.slot {
                errors.push_back(packet.to_vec());
            }
        }
    }

    pub(super) fn link_changed(&mut self, dev: &str, up: bool) {
        let mut woken = Vec::new();
        for owned in self.slots.iter_mut().flatten() {
            if let Slot::Links { events } = &mut owned.slot {
                events.push_back(LinkEvent { dev: dev.to_owned(), up });
                woken.push(owned.pid);
            }
        }
        woken.iter().for_each(|pid| self.wake(*pid));
    }
}

impl Kernel {
    /// The sequence number of the next echo request sent through Windows' `IcmpSendEcho2`:
    /// Windows' TCP/IP stack numbers echoes host-wide from boot (whatever process asks), so two
    /// pings in a row continue one series.
    pub(crate) fn icmp_echo_seq(&mut self) -> u16 {
        self.raw.echo_seq = self.raw.echo_seq.wrapping_add(1);
        self.raw.echo_seq
    }

    /// `socket(AF_INET, SOCK_RAW, protocol)` for process `pid`; `None` when the machine is off.
    pub(crate) fn raw_open(&mut self, pid: u32, protocol: u8) -> Option<RawSocket> {
        let stack = self.stack.as_mut()?;
        let slot = if protocol == PROTO_ICMP {
            let buffer = || raw::PacketBuffer::new(vec![raw::PacketMetadata::EMPTY; SMOL_PACKETS], vec![0; SMOL_PACKETS * 1600]);
            let socket = raw::Socket::new(Some(IpVersion::Ipv4), Some(IpProtocol::Icmp), buffer(), buffer());
            Slot::Smol { handle: stack.sockets.add(socket), errors: VecDeque::new() }
        } else {
            Slot::Native { protocol, rx: VecDeque::new() }
        };
        Some(RawSocket(self.raw.add(pid, slot)))
    }

    /// The next packet received on `socket`.
    pub(crate) fn raw_recv(&mut self, socket: RawSocket) -> Option<RawPacket> {
        match &mut self.raw.slots.get_mut(socket.0)?.as_mut()?.slot {
            Slot::Smol { handle, .. } => {
                let stack = self.stack.as_mut()?;
                let bytes = stack.sockets.get_mut::<raw::Socket>(*handle).recv().ok()?.to_vec();
                Some(RawPacket { dev: None, bytes })
            }
            Slot::Native { rx, .. } => rx.pop_front(),
            Slot::Links { .. } => None,
        }
    }

    /// The next packet of ours that could not be delivered (`MSG_ERRQUEUE`: host unreachable).
    pub(crate) fn raw_recv_error(&mut self, socket: RawSocket) -> Option<Vec<u8>> {
        match &mut self.raw.slots.get_mut(socket.0)?.as_mut()?.slot {
            Slot::Smol { errors, .. } => errors.pop_front(),
            _ => None,
        }
    }

    /// Sends a whole IPv4 packet (`IP_HDRINCL`). An ICMP socket queues it in the stack, which
    /// sends it at its next poll; a full queue loses it, as a full socket buffer would (ENOBUFS).
    pub(crate) fn raw_send(&mut self, now: SimTime, socket: RawSocket, packet: Vec<u8>) {
        let Some(Some(owned)) = self.raw.slots.get(socket.0) else { return };
        match &owned.slot {
            Slot::Smol { handle, .. } => {
                if let Some(stack) = self.stack.as_mut() {
                    let _ = stack.sockets.get_mut::<raw::Socket>(*handle).send_slice(&packet);
                }
            }
            Slot::Native { .. } => self.send_ip(now, packet),
            Slot::Links { .. } => {}
        }
    }

    /// `IP_ADD_MEMBERSHIP` on `socket` for `group` on NIC `dev`.
    pub(crate) fn raw_join_group(&mut self, socket: RawSocket, dev: &str, group: Ipv4Addr) {
        if let Some(Some(owned)) = self.raw.slots.get_mut(socket.0)
            && !owned.groups.iter().any(|(d, g)| d == dev && *g == group)
        {
            owned.groups.push((dev.to_owned(), group));
            self.igmp.request(dev, group, true);
        }
    }

    /// Process `pid` exited: everything it held here closes.
    pub(crate) fn close_process_sockets(&mut self, pid: u32) {
        let held: Vec<usize> = (0..self.raw.slots.len()).filter(|&i| self.raw.slots[i].as_ref().is_some_and(|o| o.pid == pid)).collect();
        for index in held {
            self.close_slot(index);
        }
        self.raw.wakeups.retain(|p| *p != pid);
        self.close_process_udp(pid);
    }

    fn close_slot(&mut self, index: usize) {
        let Some(owned) = self.raw.slots.get_mut(index).and_then(Option::take) else { return };
        // ip_mc_drop_socket(): the socket's memberships end with it.
        for (dev, group) in &owned.groups {
            self.igmp.request(dev, *group, false);
        }
        if let (Slot::Smol { handle, .. }, Some(stack)) = (owned.slot, self.stack.as_mut()) {
            stack.sockets.remove(handle);
        }
    }

    /// Subscribes process `pid` to link changes (netlink `RTMGRP_LINK`).
    pub(crate) fn watch_links(&mut self, pid: u32) -> LinkWatch {
        LinkWatch(self.raw.add(pid, Slot::Links { events: VecDeque::new() }))
    }

    /// The next link change for `watch`.
    pub(crate) fn link_event(&mut self, watch: LinkWatch) -> Option<LinkEvent> {
        match &mut self.raw.slots.get_mut(watch.0)?.as_mut()?.slot {
            Slot::Links { events } => events.pop_front(),
            _ => None,
        }
    }

    /// The next process with something new on a raw socket or link subscription.
    pub(crate) fn take_wakeup(&mut self) -> Option<u32> {
        (!self.raw.wakeups.is_empty()).then(|| self.raw.wakeups.remove(0))
    }
}
