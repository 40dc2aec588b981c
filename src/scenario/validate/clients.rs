//! Client ranges: `clients: { "load": Clients(count: 1000, network: "front", first:
//! "172.2.20.11/24") }` declares hosts `load-1` … `load-1000` on consecutive addresses from the
//! first, one NIC each (`nic:`, default `eth0`), with an optional `gateway` and `os`, and nothing
//! enabled: console machines that run what the timeline types on them. A timeline entry for the
//! range's name is one for each of its hosts.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use indexmap::IndexMap;

use super::{FieldPath, HostSpec, Issue, NicSpec, Os, Sourced, Target, Validator, interface_name_problem, mask, parse_cidr};
use crate::scenario::MAX_CLIENTS;
use crate::scenario::schema::ClientsFile;

/// Each client range's name with its hosts' names, in file order.
pub(super) type Ranges = BTreeMap<String, Vec<String>>;

/// A range's interface when it names none.
const DEFAULT_NIC: &str = "eth0";

impl Validator {
    /// Checks each range and appends its hosts to `specs` (which holds the declared hosts).
    pub(super) fn check_clients(
        &mut self,
        ranges: &IndexMap<String, Sourced<ClientsFile>>,
        lab_os: Os,
        specs: &mut Vec<HostSpec>,
    ) -> Ranges {
        let mut names: BTreeMap<String, String> = specs.iter().map(|h| (h.name.clone(), format!("host {}", h.name))).collect();
        let mut addresses: BTreeMap<(String, u32), String> = BTreeMap::new();
        for spec in specs.iter() {
            for nic in &spec.nics {
                addresses.insert((nic.network.clone(), u32::from(nic.addr)), super::owner(&spec.name, &nic.name));
            }
        }
        let mut out = Ranges::new();
        for (name, Sourced { value: range, src }) in ranges {
            let src = *src;
            let path = FieldPath::root().field("clients").key(name);
            if let Some(other) = names.get(name) {
                let issue = Issue::ClientNameTaken { what: "this range's name", name: name.clone(), other: other.clone() };
                self.report(src, &path, Target::Key, issue);
                continue;
            }
            names.insert(name.clone(), format!("client range {name}"));
            // A timeline entry for a range found wrong names no host, and is not reported again.
            out.insert(name.clone(), Vec::new());
            if !(1..=MAX_CLIENTS).contains(&range.count) {
                self.report(src, &path.field("count"), Target::Value, Issue::BadClientCount(range.count));
                continue;
            }
            let nic_name = range.nic.clone().unwrap_or_else(|| DEFAULT_NIC.to_owned());
            if let Some(reason) = interface_name_problem(&nic_name) {
                self.report(src, &path.field("nic"), Target::Value, Issue::BadInterfaceName { name: nic_name.clone(), reason });
            }
            let os = range.os.as_ref().map_or(lab_os, |os| self.os(&Sourced { value: os.clone(), src }, &path.field("os")));
            let Some((first, prefix_len)) = self.first_address(src, &path, range) else { continue };
            let gateway = range.gateway.as_ref().and_then(|text| {
                let Ok(gateway) = text.parse::<Ipv4Addr>() else {
                    self.report(src, &path.field("gateway"), Target::Value, Issue::BadGateway(text.clone()));
                    return None;
                };
                if u32::from(gateway) & mask(prefix_len) != first & mask(prefix_len) {
                    self.report(src, &path.field("gateway"), Target::Value, Issue::GatewayUnreachable(gateway.to_string()));
                }
                Some(gateway)
            });
            let hosts: Vec<String> = (1..=range.count).map(|i| format!("{name}-{i}")).collect();
            if let Some((host, other)) = hosts.iter().find_map(|h| names.get(h).map(|o| (h, o))) {
                let issue = Issue::ClientNameTaken { what: "this range's host", name: host.clone(), other: other.clone() };
                self.report(src, &path, Target::Key, issue);
                continue;
            }
            let taken = hosts.iter().zip(first..).find_map(|(_, addr)| addresses.get(&(range.network.clone(), addr)).map(|o| (addr, o)));
            if let Some((addr, other)) = taken {
                let issue = Issue::DuplicateAddress {
                    addr: Ipv4Addr::from(addr).to_string(),
                    network: range.network.clone(),
                    other: other.clone(),
                };
                self.report(src, &path.field("first"), Target::Value, issue);
                continue;
            }
            for (host, addr) in hosts.iter().zip(first..) {
                names.insert(host.clone(), format!("client range {name}"));
                addresses.insert((range.network.clone(), addr), super::owner(host, &nic_name));
                let nic =
                    NicSpec { name: nic_name.clone(), network: range.network.clone(), addr: Ipv4Addr::from(addr), prefix_len, mac: None };
                specs.push(HostSpec {
                    name: host.clone(),
                    os,
                    cpus: 1,
                    nics: vec![nic],
                    gateway,
                    files: Vec::new(),
                    enabled: Vec::new(),
                    startup_latency: None,
                    costs: None,
                });
            }
            out.insert(name.clone(), hosts);
        }
        out
    }

    /// The range's first address and prefix, if it is on its network and the range's last host
    /// fits before the network's broadcast address.
    fn first_address(&mut self, src: super::Src, path: &FieldPath, range: &ClientsFile) -> Option<(u32, u8)> {
        let Some((net, net_prefix)) = self.network_cidrs.get(&range.network).copied() else {
            let issue = Issue::UnknownNetwork { name: range.network.clone(), known: self.known_networks.clone() };
            self.report(src, &path.field("network"), Target::Value, issue);
            return None;
        };
        let first_path = path.field("first");
        let Some((addr, prefix_len)) = parse_cidr(&range.first) else {
            self.report(src, &first_path, Target::Value, Issue::BadAddress(range.first.clone()));
            return None;
        };
        let cidr = format!("{net}/{net_prefix}");
        let (first, net) = (u32::from(addr), u32::from(net));
        if first & mask(net_prefix) != net {
            let issue = Issue::OutsideNetwork { addr: addr.to_string(), network: range.network.clone(), cidr };
            self.report(src, &first_path, Target::Value, issue);
            return None;
        }
        if prefix_len != net_prefix {
            let issue = Issue::PrefixMismatch { prefix: prefix_len, network: range.network.clone(), cidr };
            self.report(src, &first_path, Target::Value, issue);
            return None;
        }
        // On a /31 or /32 every address is a host's (RFC 3021); elsewhere the first and last are
        // the network's and broadcast's.
        let reserved = net_prefix < 31;
        if reserved && first == net {
            let issue = Issue::ReservedAddress { addr: addr.to_string(), what: "network", network: range.network.clone() };
            self.report(src, &first_path, Target::Value, issue);
            return None;
        }
        let last_usable = (net | !mask(net_prefix)) - u32::from(reserved);
        if u64::from(first) + range.count - 1 > u64::from(last_usable) {
            let issue = Issue::ClientsOverflow {
                count: range.count,
                first: addr.to_string(),
                network: range.network.clone(),
                cidr,
                last: Ipv4Addr::from(last_usable).to_string(),
            };
            self.report(src, &path.field("count"), Target::Value, issue);
            return None;
        }
        Some((first, prefix_len))
    }
}
