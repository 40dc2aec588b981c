//! `firewall-cmd` (firewalld 0.6.3): the [`cmd`] core run against the daemon's runtime zone (the
//! rules it installed in the kernel, when its unit is active) and the permanent zone file. A
//! changed permanent zone is written to `/etc/firewalld/zones/public.xml` as `zone_writer` does;
//! changed runtime settings are installed at once.

use super::{Ctx, Output};
use crate::host::userland::daemons::firewalld;
use crate::host::userland::units::UnitState;
use crate::proto::Stream;
use crate::proto::firewalld::{Zone, cmd, zone};

pub(super) fn run(ctx: &mut Ctx<'_, '_>, args: &[&str]) -> Output {
    let mut o = Output::default();
    let Some(unit) = ctx.u.units.find("firewalld").filter(|u| ctx.u.units.is_installed(*u)) else {
        o.err("bash: firewall-cmd: command not found");
        return o.status(127);
    };
    let running = matches!(ctx.u.units.state(unit), UnitState::Active { .. });
    let mut runtime: Option<Zone> = running.then(|| ctx.k.netfilter_rules().cloned().unwrap_or_else(Zone::public));
    let mut permanent = firewalld::permanent(ctx.k);
    let interfaces: Vec<String> = ctx.k.interfaces().into_iter().map(|n| n.name).filter(|n| n != "lo").collect();
    let target = cmd::Target { runtime: runtime.as_mut(), permanent: &mut permanent, interfaces: &interfaces };
    let outcome = cmd::run(args, target);
    if outcome.permanent_changed {
        ctx.k.fs_mut().write(zone::ETC_PATH, zone::write(&permanent).into_bytes(), ctx.now);
    }
    if outcome.runtime_changed
        && let Some(zone) = runtime
    {
        ctx.k.netfilter_install(zone);
    }
    for (stream, line) in outcome.lines {
        match stream {
            Stream::Stdout => o.out(line),
            Stream::Stderr => o.err(line),
        }
    }
    o.status(outcome.status)
}
