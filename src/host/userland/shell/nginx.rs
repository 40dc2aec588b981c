//! The `nginx` command: `-t` (test the configuration), `-s reload|stop|quit`, `-v`, and plain
//! `nginx` (start, like `systemctl start nginx`), with nginx 1.22's messages on stderr. As the
//! real binary does, `-s reload` (and plain `nginx`) parses the configuration itself before it
//! signals the master (SIGHUP), so a broken file is reported on the console, with the warnings of
//! a good one, and the running nginx keeps its old one.
//! A configuration nested deeper than nginx's stack kills it with SIGSEGV: bash then says
//! `Segmentation fault` (no core: an interactive shell keeps `ulimit -c 0`) and `$?` is 139.

use super::{Ctx, Output};
use crate::host::userland::daemons::nginx;
use crate::host::userland::process::{Signal, StartError};
use crate::proto::nginx::{TestRun, warn_line};

const VERSION: &str = "nginx version: nginx/1.22.1";
const NO_PID_FILE: &str = "nginx: [error] open() \"/run/nginx.pid\" failed (2: No such file or directory)";

pub(super) fn run(ctx: &mut Ctx<'_, '_>, args: &[&str]) -> Output {
    let mut o = Output::default();
    // Without the package there is no `nginx` binary.
    let Some(unit) = ctx.u.units.find("nginx").filter(|u| ctx.u.units.is_installed(*u)) else {
        o.err("bash: nginx: command not found");
        return o.status(127);
    };
    let running = !ctx.u.pids_of("nginx").is_empty();
    match args {
        ["-t"] | ["-t", "-q"] | ["-q", "-t"] => match nginx::test_config(ctx.k) {
            TestRun::Exit(lines, status) => {
                let quiet = args.contains(&"-q");
                for line in lines.into_iter().filter(|l| !quiet || l.contains("[emerg]")) {
                    o.err(line);
                }
                o.status(status)
            }
            TestRun::Segfault => segfault(o),
        },
        ["-v"] => {
            o.err(VERSION);
            o
        }
        ["-s", signal] => {
            let signal = match *signal {
                "reload" => Signal::Hup,
                "stop" | "quit" => Signal::Term,
                other => {
                    o.err(format!("nginx: invalid option: \"-s {other}\""));
                    return o.status(1);
                }
            };
            if !running {
                o.err(NO_PID_FILE);
                return o.status(1);
            }
            if signal == Signal::Hup {
                match nginx::load(ctx.k) {
                    Err(e) => return refused(o, e),
                    Ok(loaded) => loaded.warnings.iter().for_each(|w| o.err(warn_line(w))),
                }
            }
            ctx.u.signal_name(ctx.k, ctx.now, "nginx", signal);
            o
        }
        [] => {
            // nginx reads its configuration, printing its warnings, before it binds.
            let warnings = match nginx::load(ctx.k) {
                Err(e) => return refused(o, e),
                Ok(loaded) => loaded.warnings,
            };
            warnings.iter().for_each(|w| o.err(warn_line(w)));
            if running {
                o.err("nginx: [emerg] bind() to 0.0.0.0:80 failed (98: Address already in use)");
                return o.status(1);
            }
            match ctx.u.start_unit(ctx.k, ctx.now, unit) {
                Err(e) => refused(o, e),
                Ok(()) => o,
            }
        }
        [other, ..] => {
            o.err(format!("nginx: invalid option: \"{}\"", other.trim_start_matches('-')));
            o.status(1)
        }
    }
}

/// nginx gave up on its configuration: its messages and status 1, or its crash.
fn refused(mut o: Output, e: StartError) -> Output {
    match e {
        StartError::Exit(lines) => {
            lines.into_iter().for_each(|l| o.err(l));
            o.status(1)
        }
        StartError::Segfault => segfault(o),
    }
}

/// What bash prints when the command dies of SIGSEGV, and its status (128 + 11).
fn segfault(mut o: Output) -> Output {
    o.err("Segmentation fault");
    o.status(139)
}
