//! What a lab is made of, read from its files without running it: the networks, each host's
//! NICs and addresses, the services it starts, and the VRRP instances (with their VIPs) that its
//! `keepalived.conf` configures, read by keepalived's own configuration parser. `labsim topo`
//! prints and draws this, so the picture of a lab is always the lab the scenarios run.

use std::net::Ipv4Addr;
use std::time::Duration;

use crate::host::configured_instances;
use crate::scenario::{HostSpec, NetworkSpec};

/// A lab's networks and hosts, in file order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TopologyView {
    /// Every network.
    pub(crate) networks: Vec<NetworkPlan>,
    /// Every host.
    pub(crate) hosts: Vec<HostPlan>,
}

/// One network: one switch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct NetworkPlan {
    /// Its name (`front`).
    pub(crate) name: String,
    /// Its address and prefix length.
    pub(crate) cidr: (Ipv4Addr, u8),
    /// One-way delay between a NIC and the switch.
    pub(crate) latency: Duration,
}

/// One host as it boots.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct HostPlan {
    /// Its name.
    pub(crate) name: String,
    /// Its NICs, in order.
    pub(crate) nics: Vec<NicPlan>,
    /// Its default route.
    pub(crate) gateway: Option<Ipv4Addr>,
    /// The services it starts at boot (`enabled`), in order.
    pub(crate) services: Vec<String>,
    /// The VRRP instances of its `keepalived.conf` (whether or not keepalived is enabled).
    pub(crate) vrrp: Vec<VrrpPlan>,
}

/// One NIC.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct NicPlan {
    /// Interface name (`eno33554984`).
    pub(crate) name: String,
    /// The network it is plugged into.
    pub(crate) network: String,
    /// Its address and prefix length.
    pub(crate) addr: (Ipv4Addr, u8),
}

/// One `vrrp_instance` of a `keepalived.conf`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct VrrpPlan {
    /// The instance name (`VI_1`).
    pub(crate) instance: String,
    /// The interface it advertises on.
    pub(crate) interface: String,
    /// `virtual_router_id`.
    pub(crate) vrid: u8,
    /// `priority`, after keepalived's defaults.
    pub(crate) priority: u8,
    /// `state MASTER` in the file (otherwise BACKUP), after keepalived's defaults.
    pub(crate) master: bool,
    /// Its VIPs: address, prefix length, and the interface each is added to.
    pub(crate) vips: Vec<(Ipv4Addr, u8, String)>,
}

/// The topology of `networks` and `hosts` (a checked scenario's or topology's).
pub(crate) fn topology(networks: &[NetworkSpec], hosts: &[HostSpec]) -> TopologyView {
    let networks =
        networks.iter().map(|n| NetworkPlan { name: n.name.clone(), cidr: (n.cidr_addr, n.prefix_len), latency: n.latency }).collect();
    let hosts = hosts
        .iter()
        .map(|h| {
            let files = h.files.iter().map(|f| (f.path.as_str(), f.contents.as_slice()));
            let vrrp = configured_instances(files)
                .into_iter()
                .map(|i| VrrpPlan {
                    instance: i.name,
                    interface: i.interface,
                    vrid: i.vrid,
                    priority: i.priority,
                    master: i.master,
                    vips: i.vips,
                })
                .collect();
            HostPlan {
                name: h.name.clone(),
                nics: h
                    .nics
                    .iter()
                    .map(|n| NicPlan { name: n.name.clone(), network: n.network.clone(), addr: (n.addr, n.prefix_len) })
                    .collect(),
                gateway: h.gateway,
                services: h.enabled.clone(),
                vrrp,
            }
        })
        .collect();
    TopologyView { networks, hosts }
}
