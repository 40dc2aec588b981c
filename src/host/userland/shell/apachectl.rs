//! Apache's control commands: CentOS 7's `apachectl` (Red Hat's script, which hands each action
//! to systemd: `graceful` is `systemctl reload httpd.service`, or `start` when it is not
//! active; `graceful-stop` is `systemctl stop httpd.service`, whose `ExecStop=` is SIGWINCH) and
//! `httpd -k ACTION` (`server/mpm_unix.c` `ap_signal_server`: the signal to the running parent,
//! SIGTERM for `stop`, SIGHUP for `restart`, SIGUSR1 for `graceful`, SIGWINCH for
//! `graceful-stop`).

use super::{Ctx, Output, systemctl};
use crate::host::userland::process::Signal;
use crate::host::userland::units::UnitState;

/// The unit's name as apachectl passes it to systemctl.
const UNIT: &str = "httpd.service";

pub(super) fn apachectl(ctx: &mut Ctx<'_, '_>, args: &[&str]) -> Output {
    let action = args.first().copied().unwrap_or_default();
    match action {
        "start" | "stop" | "restart" | "status" => systemctl::run(ctx, &[action, UNIT]),
        "graceful" => {
            let active = ctx.u.units.find(UNIT).is_some_and(|u| matches!(ctx.u.units.state(u), UnitState::Active { .. }));
            systemctl::run(ctx, &[if active { "reload" } else { "start" }, UNIT])
        }
        "graceful-stop" => systemctl::run(ctx, &["stop", UNIT]),
        "configtest" | "-t" | "-v" | "-V" | "fullstatus" => {
            let mut o = Output::default();
            o.err(format!("apachectl: labsim: {action} is not modelled"));
            o.status(1)
        }
        _ => {
            let mut o = Output::default();
            o.err(format!("apachectl: The \"{action}\" option is not supported."));
            o.status(2)
        }
    }
}

pub(super) fn httpd(ctx: &mut Ctx<'_, '_>, args: &[&str]) -> Output {
    let mut o = Output::default();
    let ["-k", action] = args else {
        o.err("httpd: labsim: only `httpd -k start|stop|restart|graceful|graceful-stop` is modelled");
        return o.status(1);
    };
    let signal = match *action {
        "start" => None,
        "stop" => Some(Signal::Term),
        "restart" => Some(Signal::Hup),
        "graceful" => Some(Signal::Usr1),
        "graceful-stop" => Some(Signal::Winch),
        _ => {
            o.err("httpd: labsim: only `httpd -k start|stop|restart|graceful|graceful-stop` is modelled");
            return o.status(1);
        }
    };
    let Some(unit) = ctx.u.units.find(UNIT).filter(|u| ctx.u.units.is_installed(*u)) else {
        o.err(format!("{}: httpd: command not found", ctx.u.shell_name()));
        return o.status(127);
    };
    let running = match ctx.u.units.state(unit) {
        UnitState::Active { pid, .. } => Some(pid),
        _ => None,
    };
    match (running, signal) {
        (Some(pid), None) => o.out(format!("httpd (pid {pid}) already running")),
        (Some(_), Some(signal)) => {
            ctx.u.signal_unit(ctx.k, ctx.now, unit, signal);
        }
        // Not running: stop and graceful-stop say so, the others start it (labsim starts the
        // unit: a server started by hand outside systemd is not modelled).
        (None, Some(Signal::Term | Signal::Winch)) => o.out("httpd (no pid file) not running"),
        (None, signal) => {
            if signal.is_some() {
                o.out("httpd not running, trying to start");
            }
            if ctx.u.start_unit(ctx.k, ctx.now, unit).is_err() {
                return o.status(1);
            }
        }
    }
    o
}
