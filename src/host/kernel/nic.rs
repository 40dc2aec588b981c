//! A network interface card: name, MAC, link state, its IPv4 addresses (the primary one first,
//! then any added at run time such as a VRRP VIP) and its Linux-like neighbour table.

use std::net::Ipv4Addr;

use super::syscall::{IfAddr, NicStats};
use crate::proto::neigh::NeighTable;

/// A NIC as it was plugged in: what a boot restores.
#[derive(Clone, Debug)]
pub(super) struct Plugged {
    pub(super) name: String,
    pub(super) mac: [u8; 6],
    pub(super) primary: IfAddr,
}

pub(super) struct Nic {
    pub(super) name: String,
    pub(super) mac: [u8; 6],
    pub(super) up: bool,
    pub(super) addrs: Vec<IfAddr>,
    pub(super) neigh: NeighTable,
    pub(super) stats: NicStats,
}

impl Nic {
    pub(super) fn primary(&self) -> Option<IfAddr> {
        self.addrs.first().copied()
    }

    pub(super) fn has_addr(&self, ip: Ipv4Addr) -> bool {
        self.addrs.iter().any(|a| a.addr == ip)
    }

    /// Whether `ip` is on a subnet connected to this NIC (host routes of /32 VIPs excluded).
    pub(super) fn on_link(&self, ip: Ipv4Addr) -> Option<u8> {
        self.addrs.iter().filter(|a| a.prefix_len < 32 && a.contains(ip)).map(|a| a.prefix_len).max()
    }
}
