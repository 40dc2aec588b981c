//! A read-only look at a lab mid-run: hosts with their NICs, links, addresses and services, who
//! holds each VIP, the pings and HTTP transfers so far, the capacity report's aggregation so far,
//! and the trace. Built on demand from the hosts' current state and the running summaries
//! (`observe::tally`); the trace and the aggregation are borrowed, not copied.

use std::net::Ipv4Addr;

use super::Lab;
use crate::kernel::SimTime;
use crate::observe::capacity::Capacity;
use crate::observe::tally::{PingSummary, TransferSummary};
use crate::observe::trace::TraceEvent;
use crate::wire::ethernet::format_mac;

/// One NIC of a host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NicState {
    /// Interface name.
    pub name: String,
    /// The network it is plugged into.
    pub network: String,
    /// MAC address, `aa:bb:cc:dd:ee:ff`.
    pub mac: String,
    /// Whether the link is up.
    pub up: bool,
    /// Its addresses with prefix lengths, the primary one first.
    pub addrs: Vec<(Ipv4Addr, u8)>,
}

/// One installed service of a host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceState {
    /// The unit (`keepalived`).
    pub name: String,
    /// `active`, `deactivating`, `failed` or `inactive`, as `systemctl is-active` says.
    pub state: String,
    /// Its protocol state in a few words (keepalived: `VI_1 MASTER`).
    pub summary: Option<String>,
}

/// One host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostView {
    /// Its name.
    pub name: String,
    /// Whether it is running.
    pub powered: bool,
    /// Its NICs, in order.
    pub nics: Vec<NicState>,
    /// Its installed services, in unit-table order.
    pub services: Vec<ServiceState>,
}

/// Who holds a VIP now (more than one host: a split brain).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VipView {
    /// The address.
    pub addr: Ipv4Addr,
    /// The hosts with the address on a NIC, in scenario order.
    pub holders: Vec<String>,
}

/// The world at [`LabView::now`].
#[derive(Debug)]
pub struct LabView<'a> {
    /// Simulated time.
    pub now: SimTime,
    /// Every host, in scenario order.
    pub hosts: Vec<HostView>,
    /// Every address added during the run (VIPs) and every VIP the expectations name.
    pub vips: Vec<VipView>,
    /// Every ping command so far.
    pub pings: &'a [PingSummary],
    /// Every finished HTTP transfer so far.
    pub transfers: &'a [TransferSummary],
    /// Everything that happened so far.
    pub trace: &'a [TraceEvent],
    /// The capacity report's aggregation so far (a load's requests, latencies, errors, the
    /// backends' and the loaded hosts' intervals).
    pub capacity: &'a Capacity,
}

pub(super) fn build(lab: &Lab) -> LabView<'_> {
    let networks: Vec<&str> = lab.fabric.network_names().collect();
    let hosts: Vec<HostView> = lab
        .hosts
        .iter()
        .enumerate()
        .map(|(h, host)| {
            let nics = host
                .interfaces()
                .into_iter()
                .enumerate()
                .map(|(i, nic)| NicState {
                    network: lab.host_ports[h].get(i).map_or_else(String::new, |p| networks[lab.port_owner[p.0].2].to_owned()),
                    mac: format_mac(nic.mac),
                    up: nic.up,
                    addrs: nic.addrs.iter().map(|a| (a.addr, a.prefix_len)).collect(),
                    name: nic.name,
                })
                .collect();
            let services = host
                .services()
                .into_iter()
                .map(|s| ServiceState { name: s.name.to_owned(), state: s.state.to_owned(), summary: s.summary })
                .collect();
            HostView { name: host.name().to_owned(), powered: host.is_powered(), nics, services }
        })
        .collect();
    let mut addrs = lab.expected_vips();
    for vip in lab.tally.as_ref().map_or(&[][..], |t| t.vips()) {
        if !addrs.contains(vip) {
            addrs.push(*vip);
        }
    }
    let vips = addrs.into_iter().map(|addr| VipView { addr, holders: holders(&hosts, addr) }).collect();
    LabView {
        now: lab.now,
        hosts,
        vips,
        pings: lab.tally.as_ref().map_or(&[], |t| t.pings()),
        transfers: lab.tally.as_ref().map_or(&[], |t| t.transfers()),
        trace: lab.trace.events(),
        capacity: &lab.capacity,
    }
}

fn holders(hosts: &[HostView], addr: Ipv4Addr) -> Vec<String> {
    hosts.iter().filter(|h| h.powered && h.nics.iter().any(|n| n.addrs.iter().any(|(a, _)| *a == addr))).map(|h| h.name.clone()).collect()
}
