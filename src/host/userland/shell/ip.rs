//! `ip` (iproute2): `addr` show/add/del, `link` show/set up|down, `neigh` show, `route` show —
//! printed in iproute2's format. IPv6 is not modelled, so no `inet6` lines appear.

use std::net::Ipv4Addr;

use super::{Ctx, Output};
use crate::host::kernel::{IfAddr, Sys};
use crate::kernel::SimTime;
use crate::wire::ethernet::format_mac;

const USAGE: &str = "Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }";

/// iproute2 accepts any unambiguous prefix of an object or command word.
fn matches(word: &str, full: &str, min: usize) -> bool {
    word.len() >= min && full.starts_with(word)
}

pub(super) fn run(ctx: &mut Ctx<'_, '_>, args: &[&str]) -> Output {
    let (k, now) = (&mut *ctx.k, ctx.now);
    let mut o = Output::default();
    let Some((object, rest)) = args.split_first() else {
        o.err(USAGE);
        return o.status(255);
    };
    if matches(object, "address", 1) {
        addr(k, now, rest)
    } else if matches(object, "link", 1) {
        link(k, now, rest)
    } else if matches(object, "neighbour", 1) || matches(object, "neighbor", 1) {
        neigh(k, rest)
    } else if matches(object, "route", 1) {
        route(k, rest)
    } else if *object == "help" {
        o.err(USAGE);
        o.status(255)
    } else {
        o.err(format!("Object \"{object}\" is unknown, try \"ip help\"."));
        o.status(255)
    }
}

/// `[dev] NAME` after `show`; `None` when absent.
fn device_arg<'a>(rest: &[&'a str]) -> Option<&'a str> {
    match rest {
        ["dev", name, ..] => Some(name),
        [name, ..] => Some(name),
        [] => None,
    }
}

fn addr(k: &mut Sys<'_>, now: SimTime, args: &[&str]) -> Output {
    let mut o = Output::default();
    match args.split_first() {
        None => show_addrs(k, None, true),
        Some((cmd, rest)) if matches(cmd, "show", 1) || matches(cmd, "list", 1) => show_addrs(k, device_arg(rest), true),
        Some((cmd, rest)) if matches(cmd, "add", 1) || matches(cmd, "delete", 1) => {
            let adding = cmd.starts_with('a');
            let (Some(spec), Some(dev)) = (rest.first(), rest.iter().position(|w| *w == "dev").and_then(|i| rest.get(i + 1))) else {
                o.err("Not enough information: \"dev\" argument is required.");
                return o.status(1);
            };
            let Some(addr) = parse_cidr(spec) else {
                o.err(format!("Error: any valid prefix is expected rather than \"{spec}\"."));
                return o.status(1);
            };
            let Some(nic) = k.interfaces().into_iter().find(|n| n.name == *dev) else {
                o.err(format!("Cannot find device \"{dev}\""));
                return o.status(1);
            };
            let done = if adding { !nic.addrs.contains(&addr) && k.add_addr(now, dev, addr) } else { k.del_addr(now, dev, addr) };
            if !done {
                o.err(if adding { "RTNETLINK answers: File exists" } else { "RTNETLINK answers: Cannot assign requested address" });
                return o.status(2);
            }
            o
        }
        Some((cmd, _)) => {
            o.err(format!("Command \"{cmd}\" is unknown, try \"ip address help\"."));
            o.status(255)
        }
    }
}

fn parse_cidr(spec: &str) -> Option<IfAddr> {
    let (ip, len) = match spec.split_once('/') {
        Some((ip, len)) => (ip, len.parse().ok().filter(|l| *l <= 32)?),
        None => (spec, 32),
    };
    Some(IfAddr { addr: ip.parse::<Ipv4Addr>().ok()?, prefix_len: len })
}

fn link_header(index: usize, name: &str, up: bool) -> String {
    let flags = if up { "<BROADCAST,MULTICAST,UP,LOWER_UP>" } else { "<BROADCAST,MULTICAST>" };
    let state = if up { "UP" } else { "DOWN" };
    format!("{index}: {name}: {flags} mtu 1500 qdisc fq_codel state {state} group default qlen 1000")
}

fn show_addrs(k: &Sys<'_>, dev: Option<&str>, with_inet: bool) -> Output {
    let nics = k.interfaces();
    let mut o = Output::default();
    if let Some(dev) = dev
        && dev != "lo"
        && !nics.iter().any(|n| n.name == dev)
    {
        o.err(format!("Device \"{dev}\" does not exist."));
        return o.status(1);
    }
    if dev.is_none() || dev == Some("lo") {
        o.out("1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000");
        o.out("    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00");
        if with_inet {
            o.out("    inet 127.0.0.1/8 scope host lo");
            o.out("       valid_lft forever preferred_lft forever");
        }
    }
    for (i, nic) in nics.iter().enumerate() {
        if dev.is_some_and(|d| d != nic.name) {
            continue;
        }
        o.out(link_header(i + 2, &nic.name, nic.up));
        o.out(format!("    link/ether {} brd ff:ff:ff:ff:ff:ff", format_mac(nic.mac)));
        if !with_inet {
            continue;
        }
        for a in &nic.addrs {
            let brd = if a.prefix_len < 31 { format!(" brd {}", a.broadcast()) } else { String::new() };
            o.out(format!("    inet {}/{}{brd} scope global {}", a.addr, a.prefix_len, nic.name));
            o.out("       valid_lft forever preferred_lft forever");
        }
    }
    o
}

fn link(k: &mut Sys<'_>, now: SimTime, args: &[&str]) -> Output {
    let mut o = Output::default();
    match args.split_first() {
        None => show_addrs(k, None, false),
        Some((cmd, rest)) if matches(cmd, "show", 1) || matches(cmd, "list", 1) => show_addrs(k, device_arg(rest), false),
        Some((cmd, rest)) if matches(cmd, "set", 1) => {
            let rest = match rest {
                ["dev", tail @ ..] => tail,
                tail => tail,
            };
            let Some((dev, changes)) = rest.split_first() else {
                o.err("Not enough information: \"dev\" argument is required.");
                return o.status(255);
            };
            let mut up = None;
            for word in changes {
                match *word {
                    "up" => up = Some(true),
                    "down" => up = Some(false),
                    other => {
                        o.err(format!("Error: either \"dev\" is duplicate, or \"{other}\" is a garbage."));
                        return o.status(255);
                    }
                }
            }
            if !k.interfaces().iter().any(|n| n.name == *dev) {
                o.err(format!("Cannot find device \"{dev}\""));
                return o.status(1);
            }
            if let Some(up) = up {
                k.set_link(now, dev, up);
            }
            o
        }
        Some((cmd, _)) => {
            o.err(format!("Command \"{cmd}\" is unknown, try \"ip link help\"."));
            o.status(255)
        }
    }
}

fn neigh(k: &Sys<'_>, args: &[&str]) -> Output {
    let mut o = Output::default();
    let dev = match args.split_first() {
        None => None,
        Some((cmd, rest)) if matches(cmd, "show", 1) || matches(cmd, "list", 1) => device_arg(rest),
        Some((cmd, _)) => {
            o.err(format!("Command \"{cmd}\" is unknown, try \"ip neigh help\"."));
            return o.status(255);
        }
    };
    for nic in k.interfaces() {
        if dev.is_some_and(|d| d != nic.name) {
            continue;
        }
        for e in k.neighbours(&nic.name) {
            match e.mac {
                Some(mac) => o.out(format!("{} dev {} lladdr {} {}", e.ip, nic.name, format_mac(mac), e.state.as_str())),
                None => o.out(format!("{} dev {}  {}", e.ip, nic.name, e.state.as_str())),
            }
        }
    }
    o
}

fn route(k: &Sys<'_>, args: &[&str]) -> Output {
    let mut o = Output::default();
    if let Some((cmd, _)) = args.split_first()
        && !(matches(cmd, "show", 1) || matches(cmd, "list", 1))
    {
        o.err(format!("Command \"{cmd}\" is unknown, try \"ip route help\"."));
        return o.status(255);
    }
    let nics = k.interfaces();
    if let Some(gw) = k.gateway()
        && let Some((nic, _)) = k.route(gw)
    {
        o.out(format!("default via {gw} dev {}", nics[nic].name));
    }
    for nic in nics.iter().filter(|n| n.up) {
        for a in nic.addrs.iter().filter(|a| a.prefix_len < 32) {
            let net = Ipv4Addr::from(u32::from(a.addr) & a.mask());
            o.out(format!("{net}/{} dev {} proto kernel scope link src {}", a.prefix_len, nic.name, a.addr));
        }
    }
    o
}
