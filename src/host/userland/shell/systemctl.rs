//! `systemctl start|stop|restart|reload|status|is-active|enable|disable UNIT…` with systemd
//! 252's messages and `status` layout (219's on CentOS 7 where they differ), and `poweroff`.

use super::{Ctx, Output};
use crate::host::userland::os::{Systemd, threads_max};
use crate::host::userland::process::{Reload, StartError, UnitSpec};
use crate::host::userland::units::{Unit, UnitState};
use crate::kernel::SimTime;

pub(super) fn run(ctx: &mut Ctx<'_, '_>, args: &[&str]) -> Output {
    let mut o = Output::default();
    let Some((verb, units)) = args.split_first() else {
        o.err("Too few arguments.");
        return o.status(1);
    };
    let verb = *verb;
    if !matches!(verb, "start" | "stop" | "restart" | "reload" | "status" | "is-active" | "enable" | "disable") {
        o.err(format!("Unknown command verb {verb}."));
        return o.status(1);
    }
    if units.is_empty() {
        o.err("Too few arguments.");
        return o.status(1);
    }
    let now = ctx.now;
    let systemd = ctx.u.os.spec().systemd;
    let mut status = 0;
    for name in units {
        let unit_name = if name.contains('.') { (*name).to_owned() } else { format!("{name}.service") };
        let Some(unit) = ctx.u.units.find(&unit_name).filter(|u| ctx.u.units.is_installed(*u)) else {
            let (msg, code) = match verb {
                "status" => (format!("Unit {unit_name} could not be found."), 4),
                "is-active" => {
                    o.out("inactive");
                    status = 3;
                    continue;
                }
                "stop" => (format!("Failed to stop {unit_name}: Unit {unit_name} not loaded."), 5),
                "enable" | "disable" => match systemd {
                    Systemd::V219 => ("Failed to execute operation: No such file or directory".to_owned(), 1),
                    Systemd::V252 => (format!("Failed to {verb} unit: Unit file {unit_name} does not exist."), 1),
                },
                _ => match systemd {
                    Systemd::V219 => (format!("Failed to {verb} {unit_name}: Unit not found."), 5),
                    Systemd::V252 => (format!("Failed to {verb} {unit_name}: Unit {unit_name} not found."), 5),
                },
            };
            o.err(msg);
            status = code;
            continue;
        };
        let started = match verb {
            "start" => Some(ctx.u.start_unit(ctx.k, now, unit)),
            "stop" => {
                ctx.u.units.stop(ctx.k, now, unit);
                None
            }
            "restart" => {
                ctx.u.units.stop(ctx.k, now, unit);
                Some(ctx.u.start_unit(ctx.k, now, unit))
            }
            "reload" => {
                status = status.max(reload(ctx, unit, &unit_name, &mut o));
                None
            }
            "enable" | "disable" => {
                let enable = verb == "enable";
                if systemd == Systemd::V219 && ctx.u.units.is_enabled(unit) != enable {
                    symlink_lines(ctx.u.units.spec(unit), enable, &mut o);
                }
                ctx.u.units.set_enabled(unit, enable);
                None
            }
            "is-active" => {
                let state = ctx.u.units.state(unit);
                o.out(state.word());
                if !matches!(state, UnitState::Active { .. }) {
                    status = 3;
                }
                None
            }
            _ => {
                status = status_lines(ctx, unit, &mut o);
                None
            }
        };
        if let Some(Err(e)) = started {
            let name = ctx.u.units.spec(unit).name;
            // systemd's explanation of the unit's result (`bus-wait-for-jobs.c`).
            let why = match e {
                StartError::Exit(_) => "the control process exited with error code",
                StartError::Segfault => "a fatal signal was delivered causing the control process to dump core",
            };
            o.err(format!("Job for {name}.service failed because {why}."));
            o.err(format!("See \"systemctl status {name}.service\" and \"journalctl -xeu {name}.service\" for details."));
            status = 1;
        }
    }
    o.status(status)
}

/// `systemctl reload`: what the unit's `ExecReload=` does; systemd refuses a unit without one
/// and invalidates the job of one that is not running (`bus-wait-for-jobs.c`).
fn reload(ctx: &mut Ctx<'_, '_>, unit: Unit, unit_name: &str, o: &mut Output) -> i32 {
    let spec = ctx.u.units.spec(unit);
    let active = matches!(ctx.u.units.state(unit), UnitState::Active { .. });
    match spec.reload {
        Reload::NotApplicable => {
            o.err(format!("Failed to reload {unit_name}: Job type reload is not applicable for unit {unit_name}."));
            return 1;
        }
        _ if !active => {
            o.err(format!("Job for {unit_name} invalid."));
            return 1;
        }
        Reload::Signal(signal) => {
            ctx.u.signal_unit(ctx.k, ctx.now, unit, signal);
        }
        Reload::Command(words) => {
            // Its output goes to the journal, not to the console.
            let _ = ctx.u.run_builtin(ctx.k, ctx.now, ctx.id, words);
        }
        Reload::Restart => {
            ctx.u.units.stop(ctx.k, ctx.now, unit);
            let _ = ctx.u.start_unit(ctx.k, ctx.now, unit);
        }
    }
    0
}

/// `systemctl status`: systemd's `print_status_info` (`systemctl-show.c` in 252,
/// `systemctl.c` in 219, whose labels are two columns narrower, whose `Loaded:` line says
/// `vendor preset:` and whose dot is `●` whatever the state), with `Status:` (the daemon's
/// `sd_notify` text) and, from 252 on (tasks accounting is on by default since 228), `Tasks:`
/// and its limit (`DefaultTasksMax=15%`).
fn status_lines(ctx: &Ctx<'_, '_>, unit: Unit, o: &mut Output) -> i32 {
    let units = &ctx.u.units;
    let spec = units.spec(unit);
    let os = ctx.u.os.spec();
    let v219 = os.systemd == Systemd::V219;
    let width = if v219 { 10 } else { 12 };
    let label = |name: &str| format!("{name:>width$}");
    let enabled = if units.is_enabled(unit) { "enabled" } else { "disabled" };
    let state = units.state(unit);
    let dot = match state {
        _ if v219 => "●",
        UnitState::Active { .. } | UnitState::Deactivating { .. } => "●",
        UnitState::Failed { .. } => "×",
        UnitState::Inactive => "○",
    };
    o.out(format!("{dot} {}.service - {}", spec.name, spec.description));
    let preset = if os.presets_enabled.is_none_or(|p| p.contains(&spec.name)) { "enabled" } else { "disabled" };
    o.out(if v219 {
        format!("{} loaded (/usr/lib/systemd/system/{}.service; {enabled}; vendor preset: {preset})", label("Loaded:"), spec.name)
    } else {
        format!("{} loaded (/lib/systemd/system/{}.service; {enabled}; preset: {preset})", label("Loaded:"), spec.name)
    });
    let since = |t: SimTime| {
        let d = ctx.k.calendar().date(t);
        let ago = (ctx.now - t).as_secs();
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
    let (active, main, status) = match state {
        UnitState::Active { since: t, pid } => (format!("active (running) {}", since(t)), Some(pid), 0),
        UnitState::Deactivating { since: t, pid } => (format!("deactivating (stop-sigterm) {}", since(t)), Some(pid), 3),
        UnitState::Failed { since: t, result } => (format!("failed (Result: {result}) {}", since(t)), None, 3),
        UnitState::Inactive => ("inactive (dead)".to_owned(), None, 3),
    };
    o.out(format!("{} {active}", label("Active:")));
    // `Docs:` (every `Documentation=` under the first), `Main PID:`, `Status:`, `Tasks:`, then
    // the `CGroup:` tree of the unit's processes with their command lines.
    for (i, doc) in spec.docs.iter().enumerate() {
        o.out(format!("{} {doc}", label(if i == 0 { "Docs:" } else { "" })));
    }
    let Some(pid) = main else { return status };
    o.out(format!("{} {pid} ({})", label("Main PID:"), spec.name));
    let Some(proc) = units.main(unit) else { return status };
    if let Some(text) = proc.process.status_text(ctx.now) {
        o.out(format!("{} \"{text}\"", label("Status:")));
    }
    let pids = proc.pids();
    if !v219 {
        let tasks = proc.process.tasks().unwrap_or(pids.len() as u32);
        // `system_tasks_max()`: the least of kernel.threads-max and kernel.pid_max - 1.
        let limit = threads_max().min(u64::from(os.pid_max) - 1) * 15 / 100;
        o.out(format!("{} {tasks} (limit: {limit})", label("Tasks:")));
    }
    if spec.command_lines.is_empty() {
        return status;
    }
    o.out(format!("{} /system.slice/{}.service", label("CGroup:"), spec.name));
    for (n, p) in pids.iter().enumerate() {
        let branch = if n + 1 == pids.len() { "└─" } else { "├─" };
        let command = spec.command_lines.get((p - proc.pid) as usize).or(spec.command_lines.last()).copied().unwrap_or_default();
        o.out(format!("{} {branch}{p} {command}", label("")));
    }
    status
}

/// `poweroff` (also `halt`, `shutdown`): the command's exit status is the last thing the
/// console shows; every process and all network state vanish, the disk stays.
pub(super) fn poweroff(ctx: &mut Ctx<'_, '_>, _: &[&str]) -> Output {
    ctx.k.console_exit(ctx.now, ctx.id, 0);
    ctx.k.power_off(ctx.now);
    ctx.u.kill_all();
    Output::default()
}

/// What systemd 219's `enable`/`disable` print about the links they make or remove
/// (`install.c`: `Created symlink from LINK to TARGET.`, `Removed symlink LINK.`): the unit's
/// `Alias=` link and its `WantedBy=multi-user.target` link.
fn symlink_lines(spec: &UnitSpec, enable: bool, o: &mut Output) {
    let target = format!("/usr/lib/systemd/system/{}.service", spec.name);
    let wants = format!("/etc/systemd/system/multi-user.target.wants/{}.service", spec.name);
    let alias = spec.alias.map(|a| format!("/etc/systemd/system/{a}"));
    if enable {
        for link in alias.iter().chain(std::iter::once(&wants)) {
            o.err(format!("Created symlink from {link} to {target}."));
        }
    } else {
        for link in std::iter::once(&wants).chain(alias.iter()) {
            o.err(format!("Removed symlink {link}."));
        }
    }
}
