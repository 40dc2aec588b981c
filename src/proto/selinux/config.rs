//! `/etc/selinux/config`: CentOS 7's stock text (the one place labsim keeps it) and how
//! libselinux reads its `SELINUX=` line.

use super::Mode;

/// Where the configuration lives.
pub(crate) const PATH: &str = "/etc/selinux/config";

/// CentOS 7's stock `/etc/selinux/config` (spec §1.3, as pasted from CentOS 7 machines: the
/// leading empty line, the trailing space after `protected.`; the `three values` wording of the
/// `SELINUXTYPE=` comment is the one pinned). Scenarios ship the same bytes as
/// `scenarios/lab/centos7/selinux-config`.
pub(crate) const CENTOS7: &str = include_str!("../../../scenarios/lab/centos7/selinux-config");

/// The mode a configuration file asks for, as libselinux's `selinux_getenforcemode` reads it: the
/// first line that starts with `SELINUX=` exactly and whose value, after blanks, starts with
/// `enforcing`, `permissive` or `disabled` in any case. `None` when no line does (the file
/// absent or without such a line): nothing is loaded at boot.
pub(crate) fn mode(text: &str) -> Option<Mode> {
    text.lines().find_map(|line| {
        let value = line.strip_prefix("SELINUX=")?.trim_start().as_bytes();
        let starts = |word: &str| value.len() >= word.len() && value[..word.len()].eq_ignore_ascii_case(word.as_bytes());
        [("enforcing", Mode::Enforcing), ("permissive", Mode::Permissive), ("disabled", Mode::Disabled)]
            .into_iter()
            .find_map(|(word, mode)| starts(word).then_some(mode))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stock_file_asks_for_enforcing() {
        assert_eq!(mode(CENTOS7), Some(Mode::Enforcing));
        assert!(CENTOS7.starts_with("\n# This file controls the state of SELinux on the system.\n"));
        assert!(CENTOS7.contains("Only selected processes are protected. \n"));
    }

    #[test]
    fn libselinux_reading() {
        assert_eq!(mode("SELINUX=Permissive\n"), Some(Mode::Permissive));
        assert_eq!(mode("SELINUX=  disabled # off\n"), Some(Mode::Disabled));
        assert_eq!(mode("# SELINUX=disabled\nSELINUX=bogus\nSELINUX=enforcing\n"), Some(Mode::Enforcing));
        assert_eq!(mode(" SELINUX=disabled\n"), None);
        assert_eq!(mode(""), None);
    }
}
