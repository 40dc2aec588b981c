//! The SELinux commands: `getenforce`, `setenforce`, `sestatus`, `getsebool`, `setsebool` and
//! `ausearch`. What each prints and asks for is [`crate::proto::selinux`]'s; these carry it out
//! on the kernel (the running mode, the booleans, the policy store) and read the files the real
//! tools read (`/etc/selinux/config`, `/var/log/audit/audit.log`).

use super::{Ctx, Output};
use crate::proto::selinux::ausearch::{self, Printed};
use crate::proto::selinux::{audit, config, tools};

fn output(p: Printed) -> Output {
    let mut o = Output::default();
    for line in p.stdout {
        o.out(line);
    }
    for line in p.stderr {
        o.err(line);
    }
    o.status(p.status)
}

pub(crate) fn getenforce(c: &mut Ctx<'_, '_>, _args: &[&str]) -> Output {
    output(tools::getenforce(c.k.selinux_mode()))
}

pub(crate) fn setenforce(c: &mut Ctx<'_, '_>, args: &[&str]) -> Output {
    match tools::setenforce(c.name, args, c.k.selinux_mode()) {
        Ok(mode) => {
            c.k.selinux_set_mode(mode);
            Output::default()
        }
        Err(p) => output(p),
    }
}

pub(crate) fn sestatus(c: &mut Ctx<'_, '_>, args: &[&str]) -> Output {
    let from_file = c.k.fs().read_text(config::PATH).and_then(|t| config::mode(&t));
    output(tools::sestatus(args, c.k.selinux_mode(), from_file, c.k.selinux_booleans()))
}

pub(crate) fn getsebool(c: &mut Ctx<'_, '_>, args: &[&str]) -> Output {
    output(tools::getsebool(args, c.k.selinux_mode(), c.k.selinux_booleans()))
}

pub(crate) fn setsebool(c: &mut Ctx<'_, '_>, args: &[&str]) -> Output {
    match tools::setsebool(args, c.k.selinux_mode(), c.k.selinux_booleans()) {
        Ok(set) => {
            c.k.selinux_set_booleans(c.now, &set);
            for notice in set.notices() {
                c.k.syslog(c.now, "setsebool", 0, notice);
            }
            Output::default()
        }
        Err(p) => output(p),
    }
}

pub(crate) fn ausearch(c: &mut Ctx<'_, '_>, args: &[&str]) -> Output {
    let calendar = c.k.calendar();
    match ausearch::parse(args, c.now, &calendar) {
        Ok(query) => output(ausearch::search(&c.k.fs().read_text(audit::LOG).unwrap_or_default(), &query)),
        Err(p) => output(p),
    }
}
