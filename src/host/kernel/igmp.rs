//! The kernel's IGMPv3 host side (Linux 6.1 `net/ipv4/igmp.c`): the groups each NIC is a
//! member of, counted over the sockets that joined them, and the unsolicited reports a change
//! sends.
//!
//! Joining a group a NIC was not in (`ip_mc_inc_group()` → `igmp_group_added()`) or leaving
//! the last membership (`igmp_group_dropped()` → `igmpv3_add_delrec()`) gives the group a
//! retransmission count of the robustness variable (2) and calls `igmp_ifc_event()`: the
//! interface's report timer is set 2 jiffies ahead (`igmp_ifc_start_timer(in_dev, 1)`: a random
//! 0 below 1, plus 2). When it fires (`igmp_ifc_timer_expire()`), `igmpv3_send_cr()` sends one
//! report with a record for every group whose count is not spent (a leave as
//! CHANGE_TO_INCLUDE, a join as CHANGE_TO_EXCLUDE, both with no source) and counts it down;
//! while the interface's own count (2) lasts, the timer is set again a random number of jiffies
//! below the unsolicited report interval (1000 ms for v3) plus 2. So a join or leave gives two
//! reports, the second 8 ms to 1.004 s after the first. 224.0.0.1 is never reported
//! (`ip_mc_may_report()`). Jiffies are Debian's `CONFIG_HZ=250`, 4 ms.
//!
//! Sockets join and leave where no clock is at hand (a process exits while the table reaps
//! it); the changes wait here until the host's next round at the same instant
//! ([`Kernel::poll_igmp`]), which also sends the reports that are due.

use std::net::Ipv4Addr;
use std::time::Duration;

use super::Kernel;
use crate::kernel::{SimRng, SimTime};
use crate::wire::ethernet::{self, multicast_mac};
use crate::wire::igmp::{self, ALL_V3_ROUTERS, GroupRecord, RecordType, Repr};

/// One jiffy at `CONFIG_HZ=250`.
const JIFFY_US: u64 = 4_000;
/// `IGMP_QUERY_ROBUSTNESS_VARIABLE` (`sysctl_igmp_qrv`).
const QRV: u32 = 2;
/// `IGMP_V3_UNSOLICITED_REPORT_INTERVAL`, in jiffies (1 s).
const V3_UNSOLICITED_JIFFIES: u64 = 250;
/// All hosts, which every interface joins and nobody reports.
const ALL_HOSTS: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 1);

struct Group {
    addr: Ipv4Addr,
    /// Sockets that joined it (`im->users`).
    users: u32,
    /// Reports still to carry it (`im->crcount`).
    crcount: u32,
}

/// One NIC's memberships and report timer (`struct in_device`'s `mc_list`, `mc_tomb`,
/// `mr_ifc_count`, `mr_ifc_timer`).
struct Iface {
    dev: String,
    groups: Vec<Group>,
    /// Left groups whose leave reports are not all sent (`mc_tomb`).
    left: Vec<Group>,
    ifc_count: u32,
    timer: Option<SimTime>,
    rng: SimRng,
}

/// The memberships of every NIC of one boot.
pub(super) struct Igmp {
    ifaces: Vec<Iface>,
    rng: SimRng,
    /// Joins (`true`) and leaves not applied yet: NIC, group.
    pending: Vec<(String, Ipv4Addr, bool)>,
}

impl Igmp {
    /// No membership yet; `rng` is this boot's stream, forked per NIC.
    pub(super) fn new(rng: SimRng) -> Igmp {
        Igmp { ifaces: Vec::new(), rng, pending: Vec::new() }
    }

    /// A socket joins (`true`) or leaves `group` on `dev`, applied at the next poll.
    pub(super) fn request(&mut self, dev: &str, group: Ipv4Addr, join: bool) {
        self.pending.push((dev.to_owned(), group, join));
    }

    fn iface(&mut self, dev: &str) -> &mut Iface {
        let k = match self.ifaces.iter().position(|i| i.dev == dev) {
            Some(k) => k,
            None => {
                let rng = self.rng.fork(&format!("igmp/{dev}"));
                self.ifaces.push(Iface { dev: dev.to_owned(), groups: Vec::new(), left: Vec::new(), ifc_count: 0, timer: None, rng });
                self.ifaces.len() - 1
            }
        };
        &mut self.ifaces[k]
    }

    /// A socket joined `group` on `dev` (`ip_mc_inc_group()`).
    fn join(&mut self, now: SimTime, dev: &str, group: Ipv4Addr) {
        let i = self.iface(dev);
        if let Some(g) = i.groups.iter_mut().find(|g| g.addr == group) {
            g.users += 1;
            return;
        }
        i.left.retain(|g| g.addr != group);
        i.groups.push(Group { addr: group, users: 1, crcount: QRV });
        if group != ALL_HOSTS {
            i.ifc_event(now);
        }
    }

    /// A socket's membership of `group` on `dev` ended (`ip_mc_dec_group()`).
    fn leave(&mut self, now: SimTime, dev: &str, group: Ipv4Addr) {
        let i = self.iface(dev);
        let Some(k) = i.groups.iter().position(|g| g.addr == group) else { return };
        i.groups[k].users -= 1;
        if i.groups[k].users > 0 {
            return;
        }
        i.groups.remove(k);
        if group != ALL_HOSTS {
            i.left.push(Group { addr: group, users: 0, crcount: QRV });
            i.ifc_event(now);
        }
    }

    /// When [`Igmp::poll`] must next run: `now` while changes wait.
    pub(super) fn poll_at(&self, now: SimTime) -> Option<SimTime> {
        let pending = (!self.pending.is_empty()).then_some(now);
        self.ifaces.iter().filter_map(|i| i.timer).chain(pending).min()
    }

    /// Applies the waiting joins and leaves, then fires the due report timers: the reports to
    /// send, by NIC name.
    fn poll(&mut self, now: SimTime) -> Vec<(String, Repr)> {
        for (dev, group, join) in std::mem::take(&mut self.pending) {
            if join {
                self.join(now, &dev, group);
            } else {
                self.leave(now, &dev, group);
            }
        }
        let mut out = Vec::new();
        for i in &mut self.ifaces {
            if i.timer.is_none_or(|t| t > now) {
                continue;
            }
            i.timer = None;
            if let Some(repr) = i.send_cr() {
                out.push((i.dev.clone(), repr));
            }
            if i.ifc_count > 0 {
                i.ifc_count -= 1;
                i.start_timer(now, V3_UNSOLICITED_JIFFIES);
            }
        }
        out
    }
}

impl Iface {
    /// `igmp_ifc_event()`.
    fn ifc_event(&mut self, now: SimTime) {
        self.ifc_count = QRV;
        self.start_timer(now, 1);
    }

    /// `igmp_ifc_start_timer()`: a random number of jiffies below `delay`, plus 2.
    fn start_timer(&mut self, now: SimTime, delay: u64) {
        let tv = self.rng.range(0, delay);
        self.timer = Some(now + Duration::from_micros((tv + 2) * JIFFY_US));
    }

    /// `igmpv3_send_cr()`: the left groups' records, then the joined ones', each counted down.
    fn send_cr(&mut self) -> Option<Repr> {
        let mut records = Vec::new();
        for g in self.left.iter_mut().filter(|g| g.crcount > 0) {
            g.crcount -= 1;
            records.push(GroupRecord { kind: RecordType::ChangeToInclude, group: g.addr, sources: Vec::new() });
        }
        self.left.retain(|g| g.crcount > 0);
        for g in self.groups.iter_mut().filter(|g| g.crcount > 0 && g.addr != ALL_HOSTS) {
            g.crcount -= 1;
            records.push(GroupRecord { kind: RecordType::ChangeToExclude, group: g.addr, sources: Vec::new() });
        }
        (!records.is_empty()).then_some(Repr { records })
    }
}

impl Kernel {
    /// Applies the memberships' changes and sends the IGMP reports that are due, each from
    /// its NIC's primary address to 224.0.0.22 (nothing on a NIC that is down); true if any
    /// left.
    pub(crate) fn poll_igmp(&mut self, now: SimTime) -> bool {
        let mut moved = false;
        for (dev, repr) in self.igmp.poll(now) {
            let Some(nic) = self.nics.iter().position(|n| n.name == dev && n.up) else { continue };
            let src = self.nics[nic].primary().map_or(Ipv4Addr::UNSPECIFIED, |a| a.addr);
            let frame = ethernet::ipv4_frame(igmp::ipv4_report(src, &repr), multicast_mac(ALL_V3_ROUTERS), self.nics[nic].mac);
            self.frames_out.push((nic, frame));
            moved = true;
        }
        moved
    }
}
