//! firewalld (0.6.3, CentOS 7's): at start it reads the permanent zone (`/etc/firewalld/zones/`
//! over the package's `/usr/lib/firewalld/zones/`) and installs its rules into the kernel; on
//! SIGTERM it flushes them (`CleanupOnExit=yes`, `Firewall.stop()` in `fw.py`) and exits, so a
//! stopped firewalld leaves an empty, all-ACCEPT filter. SIGKILL leaves the rules behind, as a
//! killed daemon cleans nothing up. systemd's lines about the unit are filed under it
//! (`journalctl -u firewalld` shows them). The runtime settings live in the rules installed;
//! `firewall-cmd` changes them there (D-Bus is not modelled).

use crate::host::kernel::Sys;
use crate::host::userland::process::{Exit, Process, Reload, Signal, UnitSpec};
use crate::kernel::SimTime;
use crate::proto::firewalld::zone;

/// The unit's name.
const NAME: &str = "firewalld";

/// `firewalld.service` (`Description=firewalld - dynamic firewall daemon`).
pub(crate) const UNIT: UnitSpec = UnitSpec {
    name: NAME,
    description: "firewalld - dynamic firewall daemon",
    package_marker: "/usr/sbin/firewalld",
    package_files: &[(zone::PACKAGE_PATH, zone::PACKAGE_FILE)],
    docs: &["man:firewalld(1)"],
    command_lines: &["/usr/bin/python2 -Es /usr/sbin/firewalld --nofork --nopid"],
    pids: 1,
    alias: Some("dbus-org.fedoraproject.FirewallD1.service"),
    requires: &[],
    // firewalld.service: `ExecReload=/bin/kill -HUP $MAINPID`.
    users: &["root"],
    stop_signal: Signal::Term,
    reload: Reload::Signal(Signal::Hup),
    after_remote_fs: false,
    start: |k, now, _| {
        k.systemd_log(now, NAME, "Starting firewalld - dynamic firewall daemon...".to_owned());
        install_permanent(k);
        k.systemd_log(now, NAME, "Started firewalld - dynamic firewall daemon.".to_owned());
        Ok(Box::new(Firewalld { exit: None }))
    },
    check: |_| Vec::new(),
};

/// Installs the permanent zone's rules (start and `--reload`).
pub(crate) fn install_permanent(k: &mut Sys<'_>) {
    let zone = permanent(k);
    k.netfilter_install(zone);
}

/// The permanent zone as the files on the disk hold it.
pub(crate) fn permanent(k: &Sys<'_>) -> crate::proto::firewalld::Zone {
    zone::permanent(k.fs().read_text(zone::ETC_PATH).as_deref(), k.fs().read_text(zone::PACKAGE_PATH).as_deref())
}

struct Firewalld {
    exit: Option<Exit>,
}

impl Process for Firewalld {
    fn name(&self) -> &'static str {
        "firewalld"
    }

    fn poll(&mut self, _k: &mut Sys<'_>, _now: SimTime) -> bool {
        false
    }

    fn poll_timeout(&self) -> Option<SimTime> {
        None
    }

    fn signal(&mut self, k: &mut Sys<'_>, now: SimTime, signal: Signal) {
        if signal == Signal::Hup || signal.ignored_by_default() || self.exit.is_some() {
            return;
        }
        if signal == Signal::Kill {
            self.exit = Some(Exit::Signal(Signal::Kill));
            return;
        }
        k.systemd_log(now, NAME, "Stopping firewalld - dynamic firewall daemon...".to_owned());
        k.netfilter_flush();
        k.systemd_log(now, NAME, "Stopped firewalld - dynamic firewall daemon.".to_owned());
        self.exit = Some(Exit::Code(0));
    }

    fn exit(&self) -> Option<Exit> {
        self.exit
    }
}
