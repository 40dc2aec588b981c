//! `labsim topo FILE [--svg]`: a lab's networks, hosts, NICs, addresses, services and the VIPs
//! its keepalived configurations float, as text or as an SVG picture ([`svg`]), read from a
//! scenario or topology file without running it. `assets/lab.svg` is this command's picture of
//! `scenarios/lab/lab.ron` (a test redraws it and compares).

mod svg;

use crate::cli::stdout::out;
use std::fmt::Write as _;
use std::net::Ipv4Addr;
use std::path::PathBuf;

use clap::Args;

use super::{exit, summary};
use crate::lab::{TopologyView, topology};

#[derive(Args, Debug)]
pub(super) struct TopoArgs {
    /// A scenario file, or a topology file (`Lab(…)`), such as scenarios/lab/lab.ron.
    file: PathBuf,
    /// Print an SVG picture instead of text (`labsim topo scenarios/lab/lab.ron --svg > lab.svg`).
    #[arg(long)]
    svg: bool,
}

pub(super) fn topo(args: &TopoArgs) -> u8 {
    let loaded = match crate::scenario::load_any(&args.file) {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("{e}");
            return exit::INVALID;
        }
    };
    let view = topology(loaded.networks(), loaded.hosts());
    let title = args.file.display().to_string();
    if args.svg {
        out!("{}", svg::draw(&view, &title));
    } else {
        out!("{}: {}\n\n{}", title, summary(&loaded), text(&view));
    }
    exit::OK
}

/// One VIP: its address and prefix, and each instance that floats it (host, instance).
struct Vip<'a> {
    addr: (Ipv4Addr, u8),
    holders: Vec<(&'a str, &'a crate::lab::VrrpPlan)>,
}

/// The VIPs of every host's keepalived configuration, in order of first appearance.
fn vips(view: &TopologyView) -> Vec<Vip<'_>> {
    let mut vips: Vec<Vip<'_>> = Vec::new();
    for host in &view.hosts {
        for instance in &host.vrrp {
            for (addr, prefix, _) in &instance.vips {
                match vips.iter_mut().find(|v| v.addr.0 == *addr) {
                    Some(v) => v.holders.push((&host.name, instance)),
                    None => vips.push(Vip { addr: (*addr, *prefix), holders: vec![(&host.name, instance)] }),
                }
            }
        }
    }
    vips
}

/// The network `addr` lies in, if any.
fn network_of(view: &TopologyView, addr: Ipv4Addr) -> Option<&str> {
    view.networks
        .iter()
        .find(|n| {
            let mask = u32::MAX.checked_shl(32 - u32::from(n.cidr.1)).unwrap_or(0);
            u32::from(addr) & mask == u32::from(n.cidr.0)
        })
        .map(|n| n.name.as_str())
}

/// `MASTER, priority 110`.
fn role(instance: &crate::lab::VrrpPlan) -> String {
    format!("{}, priority {}", if instance.master { "MASTER" } else { "BACKUP" }, instance.priority)
}

/// The text view: networks, hosts with their NICs, services and VRRP instances, and the VIPs.
fn text(view: &TopologyView) -> String {
    let mut t = String::from("networks:\n");
    let width = view.networks.iter().map(|n| n.name.chars().count()).max().unwrap_or(0);
    for n in &view.networks {
        let cidr = format!("{}/{}", n.cidr.0, n.cidr.1);
        let _ = writeln!(t, "  {:<width$}  {cidr:<18}  latency {:?}", n.name, n.latency);
    }
    t.push_str("\nhosts:\n");
    let host_w = view.hosts.iter().map(|h| h.name.chars().count()).max().unwrap_or(0);
    let nic_w = view.hosts.iter().flat_map(|h| &h.nics).map(|n| n.name.chars().count()).max().unwrap_or(0);
    for h in &view.hosts {
        let mut lines = Vec::new();
        for nic in &h.nics {
            lines.push(format!("{:<nic_w$}  {:<width$}  {}/{}", nic.name, nic.network, nic.addr.0, nic.addr.1));
        }
        if let Some(gateway) = h.gateway {
            lines.push(format!("default via {gateway}"));
        }
        lines.push(format!("starts: {}", if h.services.is_empty() { "no services".to_owned() } else { h.services.join(", ") }));
        for i in &h.vrrp {
            let addrs: Vec<String> = i
                .vips
                .iter()
                .map(|(a, p, dev)| if *dev == i.interface { format!("{a}/{p}") } else { format!("{a}/{p} on {dev}") })
                .collect();
            lines.push(format!(
                "keepalived.conf: {} on {}, virtual router {}, {}, VIP {}",
                i.instance,
                i.interface,
                i.vrid,
                role(i),
                addrs.join(", ")
            ));
        }
        for (k, line) in lines.iter().enumerate() {
            let name = if k == 0 { h.name.as_str() } else { "" };
            let _ = writeln!(t, "  {name:<host_w$}  {line}");
        }
    }
    let vips = vips(view);
    if !vips.is_empty() {
        t.push_str("\nVIPs (from keepalived.conf):\n");
        for v in vips {
            let on = network_of(view, v.addr.0).map_or_else(String::new, |n| format!(" on {n}"));
            let holders: Vec<String> = v.holders.iter().map(|(host, i)| format!("{host} ({} {})", i.instance, role(i))).collect();
            let _ = writeln!(t, "  {}/{}{on}: {}", v.addr.0, v.addr.1, holders.join(", "));
        }
    }
    t
}
