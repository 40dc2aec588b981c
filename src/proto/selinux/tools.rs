//! The SELinux commands a student types, as libselinux 2.5 and policycoreutils 2.5 word them
//! (spec §1.1–§1.5): what each prints for the machine's state and its arguments, and what it
//! asks the kernel to change. The glue carries the change out.

use super::Mode;
use super::ausearch::Printed;
use super::booleans::{Booleans, parse_value};

fn out(lines: Vec<String>) -> Printed {
    Printed { stdout: lines, stderr: Vec::new(), status: 0 }
}

fn err(lines: &[&str], status: i32) -> Printed {
    Printed { stdout: Vec::new(), stderr: lines.iter().map(|l| (*l).to_owned()).collect(), status }
}

/// `getenforce` (`libselinux/utils/getenforce.c`): its arguments are ignored.
pub(crate) fn getenforce(mode: Mode) -> Printed {
    let word = match mode {
        Mode::Disabled => "Disabled",
        Mode::Permissive => "Permissive",
        Mode::Enforcing => "Enforcing",
    };
    out(vec![word.to_owned()])
}

/// `setenforce ARG` (`libselinux/utils/setenforce.c`): the runtime mode to set, or what it
/// prints. Its checks in order: one argument, SELinux enabled, the argument's value.
pub(crate) fn setenforce(argv0: &str, args: &[&str], mode: Mode) -> Result<Mode, Printed> {
    let usage = format!("usage:  {argv0} [ Enforcing | Permissive | 1 | 0 ]");
    let [arg] = args else { return Err(err(&[&usage], 1)) };
    if mode == Mode::Disabled {
        return Err(err(&[&format!("{argv0}: SELinux is disabled")], 1));
    }
    match *arg {
        "1" => Ok(Mode::Enforcing),
        "0" => Ok(Mode::Permissive),
        a if a.eq_ignore_ascii_case("enforcing") => Ok(Mode::Enforcing),
        a if a.eq_ignore_ascii_case("permissive") => Ok(Mode::Permissive),
        _ => Err(err(&[&usage], 1)),
    }
}

/// `sestatus [-b]` (`policycoreutils/sestatus/sestatus.c`: labels left-justified in 32 columns;
/// CentOS 7's line set, without the later `Memory protection checking:` line). `config` is the
/// mode `/etc/selinux/config` names, if it names one.
pub(crate) fn sestatus(args: &[&str], mode: Mode, config: Option<Mode>, booleans: &Booleans) -> Printed {
    let row = |label: &str, value: &str| format!("{label:<32}{value}");
    if mode == Mode::Disabled {
        return out(vec![row("SELinux status:", "disabled")]);
    }
    let from_config = config.map_or("error (No such file or directory)", Mode::word);
    let mut lines = vec![
        row("SELinux status:", "enabled"),
        row("SELinuxfs mount:", "/sys/fs/selinux"),
        row("SELinux root directory:", "/etc/selinux"),
        row("Loaded policy name:", "targeted"),
        row("Current mode:", mode.word()),
        row("Mode from config file:", from_config),
        row("Policy MLS status:", "enabled"),
        row("Policy deny_unknown status:", "allowed"),
        row("Max kernel policy version:", "31"),
    ];
    if args.contains(&"-b") {
        let width = booleans.all().map(|(n, _)| n.len()).max().unwrap_or(0) + 1;
        lines.push(String::new());
        lines.push("Policy booleans:".to_owned());
        lines.extend(booleans.all().map(|(n, v)| format!("{n:<width$}{}", if v { "on" } else { "off" })));
    }
    out(lines)
}

/// `getsebool -a | NAME…` (`libselinux/utils/getsebool.c`): the names up to the first unknown
/// one are printed, then the error.
pub(crate) fn getsebool(args: &[&str], mode: Mode, booleans: &Booleans) -> Printed {
    if args.is_empty() {
        return err(&["usage:  getsebool -a or getsebool boolean..."], 1);
    }
    if mode == Mode::Disabled {
        return err(&["getsebool:  SELinux is disabled"], 1);
    }
    let line = |name: &str, value: bool| format!("{name} --> {}", if value { "on" } else { "off" });
    if args.contains(&"-a") {
        return out(booleans.all().map(|(n, v)| line(n, v)).collect());
    }
    let mut printed = out(Vec::new());
    for name in args {
        let Some(value) = booleans.get(name) else {
            printed.stderr.push(format!("Error getting active value for {name}"));
            printed.status = 255;
            break;
        };
        printed.stdout.push(line(name, value));
    }
    printed
}

/// What `setsebool` asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SetBooleans {
    /// Each boolean, its new value, and the value as typed (for the syslog notice).
    pub(crate) changes: Vec<(String, bool, String)>,
    /// `-P`: committed to the policy store, kept across reboots.
    pub(crate) persistent: bool,
}

impl SetBooleans {
    /// The notice setsebool logs for each change (`setsebool.c`, LOG_NOTICE).
    pub(crate) fn notices(&self) -> Vec<String> {
        self.changes.iter().map(|(name, _, typed)| format!("The {name} policy boolean was changed to {typed} by root")).collect()
    }
}

/// `setsebool [-NPV] NAME VALUE | NAME=VALUE…` (`policycoreutils/setsebool/setsebool.c`): the
/// changes to make, or what it prints. The early `SELinux is disabled` check is from setsebool
/// 2.x as remembered (Unverified, spec §1.5).
pub(crate) fn setsebool(args: &[&str], mode: Mode, booleans: &Booleans) -> Result<SetBooleans, Printed> {
    let usage = || err(&["", "Usage:  setsebool [ -NPV ] boolean value | bool1=val1 bool2=val2...", ""], 1);
    let flags = args.iter().take_while(|a| a.starts_with('-') && a.len() > 1).count();
    let (opts, rest) = args.split_at(flags);
    if opts.iter().any(|o| o[1..].chars().any(|c| !matches!(c, 'N' | 'P' | 'V'))) || rest.is_empty() {
        return Err(usage());
    }
    if mode == Mode::Disabled {
        return Err(err(&["setsebool:  SELinux is disabled."], 1));
    }
    let persistent = opts.iter().any(|o| o.contains('P'));
    let pairs: Vec<(&str, &str)> = match rest {
        [name, value] if !name.contains('=') => vec![(*name, *value)],
        _ if rest.iter().all(|a| a.contains('=')) => rest.iter().filter_map(|a| a.split_once('=')).collect(),
        _ => return Err(usage()),
    };
    let mut changes = Vec::new();
    for (name, typed) in pairs {
        let Some(value) = parse_value(typed) else {
            return Err(err(&[&format!("setsebool: illegal value {typed} for boolean {name}")], 255));
        };
        if booleans.get(name).is_none() {
            let line = if persistent {
                format!("Boolean {name} is not defined")
            } else {
                "Could not change active booleans: Invalid boolean".to_owned()
            };
            return Err(err(&[&line], 255));
        }
        changes.push((name.to_owned(), value, typed.to_owned()));
    }
    Ok(SetBooleans { changes, persistent })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setenforce_checks_in_order() {
        let usage = "usage:  setenforce [ Enforcing | Permissive | 1 | 0 ]";
        assert_eq!(setenforce("setenforce", &[], Mode::Enforcing).unwrap_err().stderr, [usage]);
        assert_eq!(setenforce("setenforce", &["foo"], Mode::Disabled).unwrap_err().stderr, ["setenforce: SELinux is disabled"]);
        assert_eq!(setenforce("setenforce", &["01"], Mode::Enforcing).unwrap_err().stderr, [usage]);
        assert_eq!(setenforce("setenforce", &["0"], Mode::Enforcing), Ok(Mode::Permissive));
        assert_eq!(setenforce("setenforce", &["ENFORCING"], Mode::Permissive), Ok(Mode::Enforcing));
        assert_eq!(setenforce("/usr/sbin/setenforce", &[], Mode::Enforcing).unwrap_err().status, 1);
    }

    #[test]
    fn sestatus_after_setenforce_0() {
        let p = sestatus(&[], Mode::Permissive, Some(Mode::Enforcing), &Booleans::default());
        assert_eq!(p.stdout[0], "SELinux status:                 enabled");
        assert_eq!(p.stdout[4], "Current mode:                   permissive");
        assert_eq!(p.stdout[5], "Mode from config file:          enforcing");
        assert_eq!(p.stdout.len(), 9);
        assert_eq!(sestatus(&[], Mode::Disabled, None, &Booleans::default()).stdout, ["SELinux status:                 disabled"]);
        let b = sestatus(&["-b"], Mode::Enforcing, Some(Mode::Enforcing), &Booleans::default());
        assert!(b.stdout.contains(&"httpd_use_nfs                off".to_owned()), "{:?}", b.stdout);
    }

    #[test]
    fn getsebool_lines_and_errors() {
        let b = Booleans::default();
        assert_eq!(getsebool(&["httpd_use_nfs"], Mode::Enforcing, &b).stdout, ["httpd_use_nfs --> off"]);
        let p = getsebool(&["httpd_use_nfs", "nosuch"], Mode::Enforcing, &b);
        assert_eq!((p.stdout.len(), p.stderr, p.status), (1, vec!["Error getting active value for nosuch".to_owned()], 255));
        assert_eq!(getsebool(&["-a"], Mode::Disabled, &b).stderr, ["getsebool:  SELinux is disabled"]);
        assert_eq!(getsebool(&[], Mode::Enforcing, &b).status, 1);
        assert_eq!(getsebool(&["-a"], Mode::Enforcing, &b).stdout.len(), b.all().count());
    }

    #[test]
    fn setsebool_forms_and_errors() {
        let b = Booleans::default();
        let set = setsebool(&["-P", "httpd_use_nfs", "1"], Mode::Enforcing, &b).unwrap();
        assert!(set.persistent);
        assert_eq!(set.notices(), ["The httpd_use_nfs policy boolean was changed to 1 by root"]);
        let set = setsebool(&["httpd_use_nfs=on", "httpd_use_cifs=off"], Mode::Permissive, &b).unwrap();
        assert_eq!(set.changes.len(), 2);
        assert!(!set.persistent);
        assert_eq!(
            setsebool(&["httpd_use_nfs"], Mode::Enforcing, &b).unwrap_err().stderr[1],
            "Usage:  setsebool [ -NPV ] boolean value | bool1=val1 bool2=val2..."
        );
        assert_eq!(
            setsebool(&["httpd_use_nfs", "yes"], Mode::Enforcing, &b).unwrap_err().stderr,
            ["setsebool: illegal value yes for boolean httpd_use_nfs"]
        );
        assert_eq!(
            setsebool(&["nosuch", "1"], Mode::Enforcing, &b).unwrap_err().stderr,
            ["Could not change active booleans: Invalid boolean"]
        );
        assert_eq!(setsebool(&["-P", "nosuch", "1"], Mode::Enforcing, &b).unwrap_err().stderr, ["Boolean nosuch is not defined"]);
        assert_eq!(setsebool(&["-P", "httpd_use_nfs", "1"], Mode::Disabled, &b).unwrap_err().status, 1);
    }
}
