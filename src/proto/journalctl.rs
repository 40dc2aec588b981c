//! `journalctl [-u UNIT]… [-n [N]] [-f] [-q] [--no-pager]` of systemd 219 (CentOS 7): which
//! journal entries to show and how they read. The header says when the journal begins and
//! ends (`-- Logs begin at Tue 2026-11-24 16:00:00 UTC, end at Tue 2026-11-24 16:00:40 UTC.
//! --`; when following, only when it begins), whatever the filter; entries are in the `short`
//! format, `Nov 24 16:00:03 lb-1 Keepalived_vrrp[1003]: (VI_1) Entering MASTER STATE`. With
//! `-u`, the entries of processes in those units; `-n N` the last N (10 when following, else
//! all).
//!
//! Sources: the header is systemd's `journalctl.c` (`printf("-- Logs begin at %s, end at %s.
//! --\n", format_timestamp(…))`, only `"-- Logs begin at %s. --\n"` with `arg_follow`), its
//! times `format_timestamp`'s `"%a %Y-%m-%d %H:%M:%S %Z"`; an entry is `logs-show.c`'s
//! `output_short`: `strftime(buf, sizeof(buf), "%b %d %H:%M:%S", …)` (the day zero-padded), the
//! host name, then `IDENTIFIER[PID]: MESSAGE`.

use super::ArgError;
use crate::kernel::{Calendar, SimTime};

/// What was asked for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Args {
    /// `-u`: unit names without `.service`.
    pub(crate) units: Vec<String>,
    /// `-n`: how many of the last entries.
    pub(crate) lines: Option<usize>,
    /// `-f`.
    pub(crate) follow: bool,
    /// `-q`: no header.
    pub(crate) quiet: bool,
}

fn error(line: String) -> ArgError {
    ArgError { lines: vec![line], status: 1 }
}

impl Args {
    /// Parses the arguments as journalctl's `getopt_long` does.
    pub(crate) fn parse(args: &[&str]) -> Result<Args, ArgError> {
        let mut a = Args::default();
        let mut i = 0;
        while i < args.len() {
            let arg = args[i];
            i += 1;
            let (name, inline) = match arg.split_once('=') {
                Some((n, v)) if arg.starts_with("--") => (n, Some(v)),
                _ => (arg, None),
            };
            let value = |i: &mut usize, option: &str| -> Result<String, ArgError> {
                if let Some(v) = inline {
                    return Ok(v.to_owned());
                }
                let v = args.get(*i).ok_or_else(|| {
                    error(if option.len() == 1 {
                        format!("journalctl: option requires an argument -- '{option}'")
                    } else {
                        format!("journalctl: option '--{option}' requires an argument")
                    })
                })?;
                *i += 1;
                Ok((*v).to_owned())
            };
            match name {
                "-u" | "--unit" => {
                    let unit = value(&mut i, if name == "-u" { "u" } else { "unit" })?;
                    a.units.push(unit.strip_suffix(".service").unwrap_or(&unit).to_owned());
                }
                "-f" | "--follow" => a.follow = true,
                "-q" | "--quiet" => a.quiet = true,
                "--no-pager" | "-l" | "--full" | "-a" | "--all" | "-b" | "--boot" => {}
                "-n" | "--lines" => {
                    // `-n` takes an optional value: a number in the next word, or 10.
                    let next = inline.or_else(|| args.get(i).copied().filter(|v| v.bytes().all(|b| b.is_ascii_digit()) && !v.is_empty()));
                    match next {
                        Some(v) => {
                            if inline.is_none() {
                                i += 1;
                            }
                            a.lines = Some(v.parse().map_err(|_| error(format!("Failed to parse lines '{v}'")))?);
                        }
                        None => a.lines = Some(10),
                    }
                }
                n if n.starts_with("-n") => {
                    let v = &n[2..];
                    a.lines = Some(v.parse().map_err(|_| error(format!("Failed to parse lines '{v}'")))?);
                }
                n if n.starts_with("-u") => a.units.push(n[2..].strip_suffix(".service").unwrap_or(&n[2..]).to_owned()),
                n if n.starts_with("--") => return Err(error(format!("journalctl: unrecognized option '{n}'"))),
                n if n.starts_with('-') => {
                    let c = n.chars().nth(1).unwrap_or('-');
                    return Err(error(format!("journalctl: invalid option -- '{c}'")));
                }
                other => return Err(error(format!("labsim: journalctl matches such as '{other}' are not modelled"))),
            }
        }
        if a.follow && a.lines.is_none() {
            a.lines = Some(10);
        }
        Ok(a)
    }

    /// Whether an entry of `unit` is shown.
    pub(crate) fn matches(&self, unit: Option<&str>) -> bool {
        self.units.is_empty() || unit.is_some_and(|u| self.units.iter().any(|w| w == u))
    }
}

/// The header line, for a journal whose entries run from `first` to `last`.
pub(crate) fn header(calendar: Calendar, first: SimTime, last: SimTime, follow: bool) -> String {
    if follow {
        format!("-- Logs begin at {}. --", timestamp(calendar, first))
    } else {
        format!("-- Logs begin at {}, end at {}. --", timestamp(calendar, first), timestamp(calendar, last))
    }
}

/// `format_timestamp`: `Tue 2026-11-24 16:00:00 UTC`.
fn timestamp(calendar: Calendar, t: SimTime) -> String {
    let d = calendar.date(t);
    format!("{} {}-{:02}-{:02} {:02}:{:02}:{:02} UTC", d.weekday_name(), d.year, d.month, d.day, d.hour, d.minute, d.second)
}

/// One entry in the `short` format.
pub(crate) fn short(calendar: Calendar, at: SimTime, host: &str, ident: &str, pid: u32, line: &str) -> String {
    let d = calendar.date(at);
    let tag = syslog_tag(ident, pid);
    format!("{} {:02} {:02}:{:02}:{:02} {host} {tag}: {line}", d.month_name(), d.day, d.hour, d.minute, d.second)
}

/// A line's syslog tag, `ident[pid]`, or `kernel` alone for the kernel's own lines (pid 0), as
/// journalctl and rsyslog print them.
pub(crate) fn syslog_tag(ident: &str, pid: u32) -> String {
    if pid == 0 { ident.to_owned() } else { format!("{ident}[{pid}]") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_and_formats() {
        let a = Args::parse(&["-u", "keepalived.service", "-n", "5"]).unwrap();
        assert_eq!((a.units.as_slice(), a.lines, a.follow), (&["keepalived".to_owned()][..], Some(5), false));
        assert_eq!(Args::parse(&["-f"]).unwrap().lines, Some(10));
        assert_eq!(Args::parse(&["-n"]).unwrap().lines, Some(10));
        // `-n x`: no number after it, so 10; `x` is a match, which labsim does not model.
        assert!(Args::parse(&["-n", "x"]).unwrap_err().lines[0].contains("matches"));
        assert_eq!(Args::parse(&["--lines=x"]).unwrap_err().lines, ["Failed to parse lines 'x'"]);
        assert_eq!(Args::parse(&["-z"]).unwrap_err().lines, ["journalctl: invalid option -- 'z'"]);
        assert_eq!(Args::parse(&["-u"]).unwrap_err().lines, ["journalctl: option requires an argument -- 'u'"]);
        let c = Calendar::default();
        assert_eq!(
            header(c, SimTime::ZERO, SimTime::from_secs(40), false),
            "-- Logs begin at Tue 2026-11-24 16:00:00 UTC, end at Tue 2026-11-24 16:00:40 UTC. --"
        );
        assert_eq!(short(c, SimTime::from_secs(3), "lb-1", "Keepalived_vrrp", 1003, "x"), "Nov 24 16:00:03 lb-1 Keepalived_vrrp[1003]: x");
    }
}
