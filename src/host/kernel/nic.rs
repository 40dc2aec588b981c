//! A network interface card: name, MAC, link state, its IPv4 addresses (the primary one first,
//! then any added at run time such as a VRRP VIP) and its Linux-like neighbour table.

use std::net::Ipv4Addr;

use crate::proto::neigh::NeighTable;

/// A NIC as it was plugged in: what a boot restores.
#[derive(Clone, Debug)]
pub(super) struct Plugged {
    pub(super) name: String,
    pub(super) mac: [u8; 6],
    pub(super) primary: IfAddr,
}

/// One IPv4 address on a NIC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct IfAddr {
    /// The address.
    pub addr: Ipv4Addr,
    /// Prefix length.
    pub prefix_len: u8,
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

pub(super) struct Nic {
    pub(super) name: String,
    pub(super) mac: [u8; 6],
    pub(super) up: bool,
    pub(super) addrs: Vec<IfAddr>,
    pub(super) neigh: NeighTable,
    /// Multicast groups joined on this NIC (besides 224.0.0.1, always joined).
    pub(super) groups: Vec<Ipv4Addr>,
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
