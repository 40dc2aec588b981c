//! The `nginx` command: `-t` (test the configuration), `-s reload|stop|quit`, `-v`, and plain
//! `nginx` (start, like `systemctl start nginx`), with nginx 1.22's messages on stderr.

use super::Output;
use crate::host::Host;
use crate::host::apps::Unit;
use crate::kernel::SimTime;

const VERSION: &str = "nginx version: nginx/1.22.1";

pub(super) fn run(host: &mut Host, now: SimTime, args: &[&str]) -> Output {
    let mut o = Output::default();
    match args {
        ["-t"] | ["-t", "-q"] | ["-q", "-t"] => {
            let (lines, status) = host.nginx_test();
            let quiet = args.contains(&"-q");
            for line in lines.into_iter().filter(|l| !quiet || l.contains("[emerg]")) {
                o.err(line);
            }
            o.status(status)
        }
        ["-v"] => {
            o.err(VERSION);
            o
        }
        ["-s", signal] => match *signal {
            "reload" => match host.nginx_reload() {
                Ok(()) => o,
                Err(lines) => {
                    lines.into_iter().for_each(|l| o.err(l));
                    o.status(1)
                }
            },
            "stop" | "quit" => {
                if host.pids_of("nginx").is_empty() {
                    o.err("nginx: [error] open() \"/run/nginx.pid\" failed (2: No such file or directory)");
                    return o.status(1);
                }
                host.service_stop(now, Unit::Nginx);
                o
            }
            other => {
                o.err(format!("nginx: invalid option: \"-s {other}\""));
                o.status(1)
            }
        },
        [] => {
            if !host.pids_of("nginx").is_empty() {
                o.err("nginx: [emerg] bind() to 0.0.0.0:80 failed (98: Address already in use)");
                return o.status(1);
            }
            match host.service_start(now, Unit::Nginx) {
                Ok(()) => o,
                Err(lines) => {
                    lines.into_iter().for_each(|l| o.err(l));
                    o.status(1)
                }
            }
        }
        [other, ..] => {
            o.err(format!("nginx: invalid option: \"{}\"", other.trim_start_matches('-')));
            o.status(1)
        }
    }
}
