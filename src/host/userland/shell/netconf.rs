//! CentOS 7's network and host-name tools: `nmcli connection modify ID PROPERTY VALUE…`
//! (NetworkManager 1.18 writing the connection's ifcfg file, [`crate::proto::ifcfg`]; the
//! address changes when the `network` service next brings the interface up) and `hostnamectl
//! [status] | set-hostname NAME` (systemd 219, the static host name in `/etc/hostname`).

use super::{Ctx, Output};
use crate::proto::ifcfg;

/// Where the static host name is kept.
const HOSTNAME_FILE: &str = "/etc/hostname";

/// The host name `hostname` and `hostnamectl` show: `/etc/hostname` once set, else the lab's.
pub(super) fn host_name(ctx: &Ctx<'_, '_>) -> String {
    match ctx.k.fs().read_text(HOSTNAME_FILE) {
        Some(text) if !text.trim().is_empty() => text.trim().to_owned(),
        _ => ctx.k.hostname().to_owned(),
    }
}

pub(super) fn nmcli(ctx: &mut Ctx<'_, '_>, args: &[&str]) -> Output {
    let mut o = Output::default();
    let (object, verb) = (args.first().copied().unwrap_or(""), args.get(1).copied().unwrap_or(""));
    let is = |word: &str, full: &str| !word.is_empty() && full.starts_with(word);
    if !is(object, "connection") || !is(verb, "modify") {
        o.err(format!("Error: argument '{}' not understood. Try passing --help instead.", args.join(" ")));
        return o.status(2);
    }
    let Some(id) = args.get(2) else {
        o.err("Error: No connection specified.");
        return o.status(2);
    };
    // The connection called `id` (its NAME=, or its DEVICE= as the ifcfg-rh plugin names it).
    let path = ctx.k.fs().list(ifcfg::DIR).into_iter().find(|p| {
        p.rsplit('/').next().is_some_and(|f| f.starts_with("ifcfg-"))
            && ctx.k.fs().read_text(p).is_some_and(|t| ifcfg::get(&t, "NAME").or(ifcfg::get(&t, "DEVICE")) == Some(id))
    });
    let Some(path) = path else {
        o.err(format!("Error: unknown connection '{id}'."));
        return o.status(10);
    };
    match ifcfg::modify(&args[3..]) {
        Ok(edits) => {
            let text = ctx.k.fs().read_text(&path).unwrap_or_default();
            let text = edits.iter().fold(text, |t, (k, v)| ifcfg::set(&t, k, v));
            ctx.k.fs_mut().write(&path, text.into_bytes(), ctx.now);
            o
        }
        Err(e) => {
            e.lines.into_iter().for_each(|l| o.err(l));
            o.status(e.status)
        }
    }
}

pub(super) fn hostnamectl(ctx: &mut Ctx<'_, '_>, args: &[&str]) -> Output {
    let mut o = Output::default();
    match args {
        [] | ["status"] => {
            o.out(format!("   Static hostname: {}", host_name(ctx)));
            o.out("         Icon name: computer-vm");
            o.out("           Chassis: vm");
            o.out("    Virtualization: vmware");
            o.out("  Operating System: CentOS Linux 7 (Core)");
            o.out("       CPE OS Name: cpe:/o:centos:centos:7");
            o.out("            Kernel: Linux 3.10.0-1160.el7.x86_64");
            o.out("      Architecture: x86-64");
        }
        ["set-hostname", name] => {
            ctx.k.fs_mut().write(HOSTNAME_FILE, format!("{name}\n").into_bytes(), ctx.now);
        }
        ["set-hostname"] | ["set-hostname", ..] => {
            o.err("Invalid number of arguments.");
            return o.status(1);
        }
        [verb, ..] => {
            o.err(format!("Unknown operation {verb}"));
            return o.status(1);
        }
    }
    o
}
