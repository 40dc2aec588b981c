//! `kill`, `killall`/`pkill`, `pidof` and `pgrep`. Signal 0 (`killall -0 nginx`, keepalived's
//! classic check) sends nothing: it only says whether such a process exists (kill(2): "If sig is
//! 0, then no signal is sent, but existence and permission checks are still performed"). Besides
//! process ids, `kill` accepts a process name
//! (`kill -9 keepalived`): a labsim convenience, since scenario authors cannot know pids in
//! advance; it signals every process of that name, like `killall`.

use super::{Ctx, Output};
use crate::host::userland::process::Signal;

/// A signal to send, or `None` for signal 0 (an existence check).
fn parse_signal(spec: &str) -> Option<Option<Signal>> {
    let name = spec.trim_start_matches("SIG");
    if name == "0" {
        return Some(None);
    }
    let signal = match name {
        "1" | "HUP" => Some(Signal::Hup),
        "9" | "KILL" => Some(Signal::Kill),
        "15" | "TERM" => Some(Signal::Term),
        "2" | "INT" => Some(Signal::Int),
        "10" | "USR1" => Some(Signal::Usr1),
        "28" | "WINCH" => Some(Signal::Winch),
        _ => None,
    };
    signal.map(Some)
}

/// Splits `[-SIG | -s SIG | -n SIG] targets…`; `Err` carries the invalid signal text.
fn signal_and_targets<'a>(args: &[&'a str]) -> Result<(Option<Signal>, Vec<&'a str>), String> {
    let mut signal = Some(Signal::Term);
    let mut rest = args;
    if let Some((first, tail)) = rest.split_first() {
        if (*first == "-s" || *first == "-n") && !tail.is_empty() {
            signal = parse_signal(tail[0]).ok_or_else(|| tail[0].to_owned())?;
            rest = &tail[1..];
        } else if let Some(spec) = first.strip_prefix('-').filter(|s| !s.is_empty()) {
            signal = parse_signal(spec).ok_or_else(|| spec.to_owned())?;
            rest = tail;
        }
    }
    Ok((signal, rest.to_vec()))
}

pub(super) fn kill(ctx: &mut Ctx<'_, '_>, args: &[&str]) -> Output {
    let mut o = Output::default();
    let (signal, targets) = match signal_and_targets(args) {
        Ok(v) => v,
        Err(bad) => {
            o.err(format!("bash: kill: {bad}: invalid signal specification"));
            return o.status(1);
        }
    };
    if targets.is_empty() {
        o.err("kill: usage: kill [-s sigspec | -n signum | -sigspec] pid | jobspec ... or kill -l [sigspec]");
        return o.status(2);
    }
    let mut status = 0;
    for target in targets {
        let hit = match (target.parse::<u32>(), signal) {
            (Ok(pid), Some(signal)) => ctx.u.signal_pid(ctx.k, ctx.now, pid, signal),
            (Ok(pid), None) => ctx.u.pid_exists(pid),
            (Err(_), Some(signal)) => ctx.u.signal_name(ctx.k, ctx.now, target, signal) > 0,
            (Err(_), None) => !ctx.u.pids_of(target).is_empty(),
        };
        if !hit {
            o.err(format!("bash: kill: ({target}) - No such process"));
            status = 1;
        }
    }
    o.status(status)
}

pub(super) fn killall(ctx: &mut Ctx<'_, '_>, args: &[&str]) -> Output {
    let cmd = ctx.name;
    let mut o = Output::default();
    let (signal, names) = match signal_and_targets(args) {
        Ok(v) => v,
        Err(bad) => {
            o.err(format!("{cmd}: unknown signal; {cmd} -l lists signals."));
            o.err(format!("({bad})"));
            return o.status(1);
        }
    };
    if names.is_empty() {
        o.err(format!("Usage: {cmd} [OPTION]... [--] NAME..."));
        return o.status(if cmd == "pkill" { 2 } else { 1 });
    }
    let mut status = 0;
    for name in names {
        let found = match signal {
            Some(signal) => ctx.u.signal_name(ctx.k, ctx.now, name, signal) > 0,
            None => !ctx.u.pids_of(name).is_empty(),
        };
        if !found {
            if cmd == "killall" {
                o.err(format!("{name}: no process found"));
            }
            status = 1;
        }
    }
    o.status(status)
}

pub(super) fn pidof(ctx: &mut Ctx<'_, '_>, args: &[&str]) -> Output {
    let mut o = Output::default();
    let pids: Vec<String> = args.iter().flat_map(|name| ctx.u.pids_of(name)).map(|p| p.to_string()).collect();
    if pids.is_empty() {
        return o.status(1);
    }
    o.out(pids.join(" "));
    o
}

/// procps-ng's `pgrep [-l] [-x] PATTERN`: the pids of the processes whose command name holds
/// PATTERN (`-x`: is PATTERN), one a line in pid order (`-l`: with the name); status 1 when none
/// matches. The pattern is matched as plain text (procps takes an extended regular expression).
pub(super) fn pgrep(ctx: &mut Ctx<'_, '_>, args: &[&str]) -> Output {
    let mut o = Output::default();
    let (mut list_name, mut exact, mut patterns) = (false, false, Vec::new());
    for arg in args {
        match arg.strip_prefix('-').filter(|f| !f.is_empty()) {
            Some(flags) => {
                for flag in flags.chars() {
                    match flag {
                        'l' => list_name = true,
                        'x' => exact = true,
                        other => {
                            o.err(format!("pgrep: invalid option -- '{other}'"));
                            o.err("Usage:");
                            o.err(" pgrep [options] <pattern>");
                            return o.status(2);
                        }
                    }
                }
            }
            None => patterns.push(*arg),
        }
    }
    let pattern = match patterns.as_slice() {
        [one] => *one,
        [] => {
            o.err("pgrep: no matching criteria specified");
            o.err("Try `pgrep --help' for more information.");
            return o.status(2);
        }
        _ => {
            o.err("pgrep: only one pattern can be provided");
            o.err("Try `pgrep --help' for more information.");
            return o.status(2);
        }
    };
    let found: Vec<(u32, &str)> =
        ctx.u.processes().into_iter().filter(|(_, name)| if exact { *name == pattern } else { name.contains(pattern) }).collect();
    for (pid, name) in &found {
        o.out(if list_name { format!("{pid} {name}") } else { pid.to_string() });
    }
    o.status(if found.is_empty() { 1 } else { 0 })
}
