//! The commands of a Windows 10 host's console (the lab manual's client, spec-centos7-windows
//! §3): `ping.exe`, `arp`, `ipconfig`, `curl.exe` and `hostname`, each also by its `.exe` name
//! as cmd.exe finds it. `arp` and `ipconfig` read the machine here and leave the text to their
//! cores in [`crate::proto::windows`]; what Windows' tools refuse they print on stdout.
//!
//! Adding a Windows command is one function (or program) plus one row in [`WINDOWS_COMMANDS`].

use std::net::Ipv4Addr;

use super::{Command, Ctx, Output};
use crate::host::userland::programs::{curl, winping};
use crate::proto::windows::{Refusal, arp, ipconfig};

/// Every command a Windows host's console knows, sorted by name.
pub(crate) const WINDOWS_COMMANDS: &[(&str, Command)] = &[
    ("arp", Command::Builtin(arp_a)),
    ("arp.exe", Command::Builtin(arp_a)),
    ("curl", Command::Program { start: curl::start_windows, reads_stdin: false }),
    ("curl.exe", Command::Program { start: curl::start_windows, reads_stdin: false }),
    ("hostname", Command::Builtin(hostname)),
    ("hostname.exe", Command::Builtin(hostname)),
    ("ipconfig", Command::Builtin(ipconfig_)),
    ("ipconfig.exe", Command::Builtin(ipconfig_)),
    ("ping", Command::Program { start: winping::start, reads_stdin: false }),
    ("ping.exe", Command::Program { start: winping::start, reads_stdin: false }),
];

/// The Windows command called `name`: cmd.exe ignores case (`PING` is `ping`).
pub(crate) fn lookup(name: &str) -> Option<Command> {
    let name = name.to_ascii_lowercase();
    WINDOWS_COMMANDS.iter().find(|(n, _)| *n == name).map(|(_, c)| *c)
}

/// Lines on stdout with a status: Windows' tools print their complaints there.
fn printed(lines: Vec<String>, status: i32) -> Output {
    let mut o = Output::default();
    lines.into_iter().for_each(|l| o.out(l));
    o.status(status)
}

fn refused(r: Refusal) -> Output {
    printed(r.lines, r.status)
}

/// `arp -a`: each NIC that is up with an address, its resolved neighbours.
fn arp_a(ctx: &mut Ctx<'_, '_>, args: &[&str]) -> Output {
    let query = match arp::parse(args) {
        Ok(q) => q,
        Err(r) => return refused(r),
    };
    let tables: Vec<arp::Table> = ctx
        .k
        .interfaces()
        .iter()
        .enumerate()
        .filter(|(_, nic)| nic.up)
        .filter_map(|(i, nic)| {
            let a = nic.primary()?;
            let dynamic = ctx.k.neighbours(&nic.name).iter().filter_map(|e| Some((e.ip, e.mac?))).collect();
            Some(arp::Table { addr: a.addr, broadcast: a.broadcast(), index: arp::interface_index(i), dynamic })
        })
        .collect();
    match arp::show(&tables, &query) {
        Ok(lines) => printed(lines, 0),
        Err(r) => refused(r),
    }
}

/// `ipconfig`: the adapters, the default gateway on the one whose network holds it.
fn ipconfig_(ctx: &mut Ctx<'_, '_>, args: &[&str]) -> Output {
    let gateway = ctx.k.gateway();
    let adapters: Vec<ipconfig::Adapter> = ctx
        .k
        .interfaces()
        .into_iter()
        .map(|nic| {
            let addrs = nic.addrs.iter().map(|a| (a.addr, Ipv4Addr::from(a.mask()))).collect();
            let gateway = gateway.filter(|g| nic.addrs.iter().any(|a| a.contains(*g)));
            ipconfig::Adapter { name: nic.name, up: nic.up, addrs, gateway }
        })
        .collect();
    match ipconfig::show(args, &adapters) {
        Ok(lines) => printed(lines, 0),
        Err(r) => refused(r),
    }
}

/// `hostname`: the computer's name; Windows' `hostname.exe` sets nothing.
fn hostname(ctx: &mut Ctx<'_, '_>, args: &[&str]) -> Output {
    match args.first() {
        None => printed(vec![ctx.k.hostname().to_owned()], 0),
        Some(&"-s") => printed(vec!["hostname -s is not supported.".to_owned()], 1),
        Some(_) => printed(vec!["sethostname: Use the Network Control Panel Applet to set hostname.".to_owned()], 1),
    }
}

#[cfg(test)]
mod tests {
    use super::{WINDOWS_COMMANDS, lookup};

    #[test]
    fn the_windows_command_table_is_sorted_and_unique() {
        assert!(WINDOWS_COMMANDS.windows(2).all(|w| w[0].0 < w[1].0), "keep WINDOWS_COMMANDS sorted by name");
        assert!(lookup("PING.EXE").is_some() && lookup("Arp").is_some());
        assert!(lookup("grep").is_none(), "a Windows console has no grep");
    }
}
