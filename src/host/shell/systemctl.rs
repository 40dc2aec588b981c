//! `systemctl start|stop|restart|status|is-active UNIT` with systemd 252's messages.

use super::Output;
use crate::host::Host;
use crate::host::apps::{Unit, UnitState};
use crate::kernel::SimTime;

pub(super) fn run(host: &mut Host, now: SimTime, args: &[&str]) -> Output {
    let mut o = Output::default();
    let Some((verb, units)) = args.split_first() else {
        o.err("Too few arguments.");
        return o.status(1);
    };
    let verb = *verb;
    if !matches!(verb, "start" | "stop" | "restart" | "status" | "is-active" | "enable" | "disable") {
        o.err(format!("Unknown command verb {verb}."));
        return o.status(1);
    }
    if units.is_empty() {
        o.err("Too few arguments.");
        return o.status(1);
    }
    let mut status = 0;
    for name in units {
        let unit_name = if name.contains('.') { (*name).to_owned() } else { format!("{name}.service") };
        let Some(unit) = Unit::from_name(&unit_name).filter(|u| host.is_installed(*u)) else {
            let (msg, code) = match verb {
                "status" => (format!("Unit {unit_name} could not be found."), 4),
                "is-active" => {
                    o.out("inactive");
                    status = 3;
                    continue;
                }
                "stop" => (format!("Failed to stop {unit_name}: Unit {unit_name} not loaded."), 5),
                "enable" | "disable" => (format!("Failed to {verb} unit: Unit file {unit_name} does not exist."), 1),
                _ => (format!("Failed to {verb} {unit_name}: Unit {unit_name} not found."), 5),
            };
            o.err(msg);
            status = code;
            continue;
        };
        let started = match verb {
            "start" => Some(host.service_start(now, unit)),
            "stop" => {
                host.service_stop(now, unit);
                None
            }
            "restart" => {
                host.service_stop(now, unit);
                Some(host.service_start(now, unit))
            }
            "enable" | "disable" => {
                let name = unit.name().to_owned();
                host.cfg.enabled.retain(|e| *e != name);
                if verb == "enable" {
                    host.cfg.enabled.push(name);
                }
                None
            }
            "is-active" => {
                let state = host.unit_state(unit);
                o.out(match state {
                    UnitState::Active { .. } => "active",
                    UnitState::Deactivating { .. } => "deactivating",
                    UnitState::Failed { .. } => "failed",
                    UnitState::Inactive => "inactive",
                });
                if !matches!(state, UnitState::Active { .. }) {
                    status = 3;
                }
                None
            }
            _ => {
                status = status_lines(host, now, unit, &mut o);
                None
            }
        };
        if let Some(Err(_)) = started {
            let name = unit.name();
            o.err(format!("Job for {name}.service failed because the control process exited with error code."));
            o.err(format!("See \"systemctl status {name}.service\" and \"journalctl -xeu {name}.service\" for details."));
            status = 1;
        }
    }
    o.status(status)
}

fn status_lines(host: &Host, now: SimTime, unit: Unit, o: &mut Output) -> i32 {
    let enabled = if host.cfg.enabled.iter().any(|e| e == unit.name()) { "enabled" } else { "disabled" };
    let state = host.unit_state(unit);
    let dot = match state {
        UnitState::Active { .. } | UnitState::Deactivating { .. } => "●",
        UnitState::Failed { .. } => "×",
        UnitState::Inactive => "○",
    };
    o.out(format!("{dot} {}.service - {}", unit.name(), unit.description()));
    o.out(format!("     Loaded: loaded (/lib/systemd/system/{}.service; {enabled}; preset: enabled)", unit.name()));
    let since = |t: SimTime| {
        let d = host.calendar.date(t);
        let ago = (now - t).as_secs();
        format!(
            "since {} {:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC; {ago}s ago",
            d.weekday_name(),
            d.year,
            d.month,
            d.day,
            d.hour,
            d.minute,
            d.second
        )
    };
    match state {
        UnitState::Active { since: t, pid } => {
            o.out(format!("     Active: active (running) {}", since(t)));
            o.out(format!("   Main PID: {pid} ({})", unit.name()));
            0
        }
        UnitState::Deactivating { since: t, pid } => {
            o.out(format!("     Active: deactivating (stop-sigterm) {}", since(t)));
            o.out(format!("   Main PID: {pid} ({})", unit.name()));
            3
        }
        UnitState::Failed { since: t, result } => {
            o.out(format!("     Active: failed (Result: {result}) {}", since(t)));
            3
        }
        UnitState::Inactive => {
            o.out("     Active: inactive (dead)");
            3
        }
    }
}
