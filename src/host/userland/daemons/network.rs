//! `network.service`, CentOS 7's initscripts service (`/etc/rc.d/init.d/network`, a oneshot that
//! stays active): at start each NIC with an `ifcfg-NAME` file is brought up with the file's
//! static address, every other address of the NIC flushed (`ifdown` then `ifup`, so a VIP
//! keepalived had added goes too). It is how `nmcli connection modify` + `systemctl restart
//! network` change an address in the manual's §4.5.1.

use crate::host::kernel::{IfAddr, Sys};
use crate::host::userland::process::{Exit, Process, Reload, Signal, UnitSpec};
use crate::kernel::SimTime;
use crate::proto::ifcfg;

/// `network.service`.
pub(crate) const UNIT: UnitSpec = UnitSpec {
    name: "network",
    description: "LSB: Bring up/down networking",
    package_marker: ifcfg::DIR,
    package_files: &[],
    docs: &[],
    command_lines: &[],
    pids: 1,
    alias: None,
    requires: &[],
    // The initscripts' `network reload` is its `restart`.
    users: &["root"],
    stop_signal: Signal::Term,
    reload: Reload::Restart,
    after_remote_fs: false,
    start: |k, now, pid| {
        bring_up(k, now, pid);
        Ok(Box::new(Network { exit: None }))
    },
    check: |_| Vec::new(),
};

/// `ifup` of every NIC that has a file, with its lines in the journal.
fn bring_up(k: &mut Sys<'_>, now: SimTime, pid: u32) {
    for nic in k.interfaces() {
        let Some(text) = k.fs().read_text(&ifcfg::path(&nic.name)) else { continue };
        let wanted = ifcfg::address(&text).map(|(addr, prefix_len)| IfAddr { addr, prefix_len });
        for addr in nic.addrs.iter().filter(|a| Some(**a) != wanted) {
            k.del_addr(now, &nic.name, *addr);
        }
        if let Some(addr) = wanted.filter(|w| !nic.addrs.contains(w)) {
            k.add_addr(now, &nic.name, addr);
        }
        // The init script's `action` line (`/etc/init.d/functions`), colours dropped.
        k.syslog(now, "network", pid, format!("Bringing up interface {}:  [  OK  ]", nic.name));
    }
}

/// The service once its script has run: nothing runs, the unit stays active.
struct Network {
    exit: Option<Exit>,
}

impl Process for Network {
    fn name(&self) -> &'static str {
        "network"
    }

    fn poll(&mut self, _k: &mut Sys<'_>, _now: SimTime) -> bool {
        false
    }

    fn poll_timeout(&self) -> Option<SimTime> {
        None
    }

    fn signal(&mut self, _k: &mut Sys<'_>, _now: SimTime, signal: Signal) {
        if signal != Signal::Hup && !signal.ignored_by_default() {
            self.exit = Some(Exit::Code(0));
        }
    }

    fn exit(&self) -> Option<Exit> {
        self.exit
    }
}
