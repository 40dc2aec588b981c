//! `ip` (iproute2): the options `-4` and `-s`, `addr` show/add/del, `link` show/set up|down,
//! `neigh` show/flush, `route` show — printed in iproute2's format (`ip/ip.c`, `ipaddress.c`,
//! `ipneigh.c`). IPv6 is not modelled, so no `inet6` lines appear.

use std::net::Ipv4Addr;

use super::{Ctx, Output};
use crate::host::kernel::{IfAddr, NicView, Sys};
use crate::kernel::SimTime;
use crate::wire::ethernet::format_mac;

const USAGE: &str = "Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }";

/// iproute2 accepts any unambiguous prefix of an object or command word.
fn matches(word: &str, full: &str, min: usize) -> bool {
    word.len() >= min && full.starts_with(word)
}

/// The global options before the object (`ip.c`'s `main`).
#[derive(Clone, Copy, Default)]
struct Opts {
    /// `-4`: IPv4 only (`preferred_family = AF_INET`): no `link/ether` lines, and only links
    /// with an IPv4 address.
    inet: bool,
    /// `-s`: `show_stats` (the link's counters).
    stats: bool,
}

pub(super) fn run(ctx: &mut Ctx<'_, '_>, args: &[&str]) -> Output {
    let (k, now) = (&mut *ctx.k, ctx.now);
    let mut o = Output::default();
    let mut opts = Opts::default();
    let mut args = args;
    while let Some((opt, rest)) = args.split_first().filter(|(a, _)| a.starts_with('-')) {
        let word = opt.strip_prefix("--").map_or(*opt, |w| &opt[1..][..w.len() + 1]);
        if *opt == "--" {
            args = rest;
            break;
        }
        if word == "-4" {
            opts.inet = true;
        } else if word.len() >= 2 && ("-stats".starts_with(word) || "-statistics".starts_with(word)) {
            opts.stats = true;
        } else {
            o.err(format!("Option \"{opt}\" is unknown, try \"ip -help\"."));
            return o.status(255);
        }
        args = rest;
    }
    let Some((object, rest)) = args.split_first() else {
        o.err(USAGE);
        return o.status(255);
    };
    if matches(object, "address", 1) {
        addr(k, now, rest, opts)
    } else if matches(object, "link", 1) {
        link(k, now, rest, opts)
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

fn addr(k: &mut Sys<'_>, now: SimTime, args: &[&str], opts: Opts) -> Output {
    let mut o = Output::default();
    match args.split_first() {
        None => show_addrs(k, None, true, opts),
        Some((cmd, rest)) if matches(cmd, "show", 1) || matches(cmd, "list", 1) => show_addrs(k, device_arg(rest), true, opts),
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

/// `print_stats64` with `show_stats` 1: each column as wide as its header or its widest value
/// (`size_columns`), the bytes column at least as wide as `*X errors:`.
fn stats_lines(o: &mut Output, nic: Option<&NicView>) {
    let s = nic.map(|n| n.stats).unwrap_or_default();
    let rx = [s.rx_bytes, s.rx_packets, 0, 0, 0, s.multicast, 0, 0];
    let tx = [s.tx_bytes, s.tx_packets, 0, 0, 0, 0, 0, 0];
    let mut cols = [
        "*X errors:".len(),
        "packets".len(),
        "errors".len(),
        "dropped".len(),
        "heartbt".len(),
        "overrun".len(),
        "compressed".len(),
        "otherhost".len(),
    ];
    for v in rx.iter().chain(&tx).enumerate().map(|(i, v)| (i % 8, v.to_string().len())) {
        cols[v.0] = cols[v.0].max(v.1);
    }
    // The header's seventh column is "compressed" only when that counter is not zero.
    let head = |dir: &str, fifth: &str, sixth: &str| {
        let names = ["packets", "errors", "dropped", fifth, sixth, ""];
        let rest: String = names.iter().enumerate().map(|(i, n)| format!(" {n:>w$}", w = cols[i + 1])).collect();
        format!("    {dir}: {:>w$}{rest}", "bytes", w = cols[0] - 4)
    };
    let nums = |v: [u64; 8]| format!("    {}", (0..6).map(|i| format!("{:>w$} ", v[i], w = cols[i])).collect::<String>());
    o.out(head("RX", "missed", "mcast"));
    o.out(nums(rx));
    o.out(head("TX", "carrier", "collsns"));
    o.out(nums(tx));
}

fn show_addrs(k: &Sys<'_>, dev: Option<&str>, with_inet: bool, opts: Opts) -> Output {
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
        if !opts.inet {
            o.out("    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00");
        }
        if opts.stats && !with_inet {
            stats_lines(&mut o, None);
        }
        if with_inet {
            o.out("    inet 127.0.0.1/8 scope host lo");
            o.out("       valid_lft forever preferred_lft forever");
        }
        if opts.stats && with_inet {
            stats_lines(&mut o, None);
        }
    }
    for (i, nic) in nics.iter().enumerate() {
        // With `-4`, a link without an IPv4 address is left out (`ipaddr_filter`).
        if dev.is_some_and(|d| d != nic.name) || (opts.inet && nic.addrs.is_empty()) {
            continue;
        }
        o.out(link_header(i + 2, &nic.name, nic.up));
        if !opts.inet {
            o.out(format!("    link/ether {} brd ff:ff:ff:ff:ff:ff", format_mac(nic.mac)));
        }
        // `ip -s link`: the counters follow the link lines; `ip -s addr`: the addresses.
        if opts.stats && !with_inet {
            stats_lines(&mut o, Some(nic));
        }
        if !with_inet {
            continue;
        }
        for a in &nic.addrs {
            let brd = if a.prefix_len < 31 { format!(" brd {}", a.broadcast()) } else { String::new() };
            o.out(format!("    inet {}/{}{brd} scope global {}", a.addr, a.prefix_len, nic.name));
            o.out("       valid_lft forever preferred_lft forever");
        }
        if opts.stats {
            stats_lines(&mut o, Some(nic));
        }
    }
    o
}

fn link(k: &mut Sys<'_>, now: SimTime, args: &[&str], opts: Opts) -> Output {
    let mut o = Output::default();
    // `ip link` lists links whatever the family.
    let opts = Opts { inet: false, ..opts };
    match args.split_first() {
        None => show_addrs(k, None, false, opts),
        Some((cmd, rest)) if matches(cmd, "show", 1) || matches(cmd, "list", 1) => show_addrs(k, device_arg(rest), false, opts),
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

/// `ip neigh { show | flush } [ to ] [ PREFIX ] [ dev DEV ]` (`do_show_or_flush`).
fn neigh(k: &mut Sys<'_>, args: &[&str]) -> Output {
    let mut o = Output::default();
    let (flush, rest) = match args.split_first() {
        None => (false, args),
        Some((cmd, rest)) if matches(cmd, "show", 1) || matches(cmd, "list", 1) => (false, rest),
        Some((cmd, rest)) if matches(cmd, "flush", 1) => (true, rest),
        Some((cmd, _)) => {
            o.err(format!("Command \"{cmd}\" is unknown, try \"ip neigh help\"."));
            return o.status(255);
        }
    };
    if flush && rest.is_empty() {
        o.err("Flush requires arguments.");
        return o.status(255);
    }
    let (mut dev, mut prefix): (Option<&str>, Option<IfAddr>) = (None, None);
    let mut words = rest.iter();
    while let Some(&word) = words.next() {
        if word == "dev" {
            let Some(&name) = words.next() else {
                o.err("Command line is not complete. Try option \"help\"");
                return o.status(255);
            };
            if dev.is_some() {
                o.err(format!("Error: duplicate \"dev\": \"{name}\" is the second value."));
                return o.status(255);
            }
            dev = Some(name);
            continue;
        }
        let target = if word == "to" {
            match words.next() {
                Some(&t) => t,
                None => {
                    o.err("Command line is not complete. Try option \"help\"");
                    return o.status(255);
                }
            }
        } else {
            word
        };
        // `get_prefix`: "all", "any" and "default" are 0/0.
        let parsed = if matches!(target, "all" | "any" | "default") {
            Some(IfAddr { addr: Ipv4Addr::UNSPECIFIED, prefix_len: 0 })
        } else {
            parse_cidr(target)
        };
        match parsed {
            Some(p) => prefix = Some(p),
            None => {
                o.err(format!("Error: argument \"{target}\" is wrong: to value is invalid"));
                o.err("");
                return o.status(255);
            }
        }
    }
    if let Some(d) = dev
        && !k.interfaces().iter().any(|n| n.name == d)
    {
        o.err(format!("Cannot find device \"{d}\""));
        return o.status(1);
    }
    if flush {
        // Every entry the filter matches is deleted (RTM_DELNEIGH); nothing is printed without -s.
        k.neigh_flush(dev, |ip| prefix.is_none_or(|p| p.prefix_len == 0 || p.contains(ip)));
        return o;
    }
    for nic in k.interfaces() {
        if dev.is_some_and(|d| d != nic.name) {
            continue;
        }
        for e in k.neighbours(&nic.name) {
            if prefix.is_some_and(|p| p.prefix_len > 0 && !p.contains(e.ip)) {
                continue;
            }
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
