//! A Linux neighbour (ARP) table for one NIC, as a sans-IO core (spec-host §1).
//!
//! It models the NUD state machine of `net/core/neighbour.c` (`__neigh_event_send`,
//! `neigh_timer_handler`, `__neigh_update`) and the table updates of `arp_process()` in
//! `net/ipv4/arp.c` with `arp_accept = 0`. It does not parse or build ARP frames, and it does not
//! answer requests: the host does both.
//!
//! # Calling order (host glue)
//!
//! 1. Outgoing IPv4 packet to next hop `ip`: [`NeighTable::resolve`]. [`Resolved::Send`] → frame it
//!    to `mac` now; [`Resolved::Queued`] → the table holds it; [`Resolved::Dropped`] → discard.
//! 2. Incoming ARP frame: [`NeighTable::handle_arp`] with the parsed fields (and, separately, the
//!    host answers requests for its own addresses).
//! 3. TCP forward progress towards `ip`: [`NeighTable::confirm`].
//! 4. At [`NeighTable::poll_timeout`]: [`NeighTable::handle_timeout`].
//! 5. After each of the calls above, drain [`NeighTable::poll_action`] until `None`: ARP probes to
//!    send, queued packets released by a resolution, and packets whose resolution failed (the host
//!    turns each into a local "host unreachable" error: EHOSTUNREACH / ping's
//!    "Destination Host Unreachable").
//! 6. Link down: [`NeighTable::flush`].
//! 7. Whenever convenient (labsim: once per host poll round), drain [`NeighTable::poll_event`]:
//!    one [`Event::Changed`] per entry whose state or shown MAC changed since it was last
//!    reported, in address order.
//!
//! Modelling choices: a `REACHABLE` entry is used through the cached hardware header
//! (`neigh_hh_output`), which does not refresh `used`, so an expiring `REACHABLE` entry normally
//! goes to `STALE`, not `DELAY` ([`Params::hh_cache`] switches this off). The unresolved queue is
//! capped by an approximate `skb->truesize` of `len + 576` bytes. There is no garbage collection:
//! Linux only collects above `gc_thresh1` = 128 entries. On Linux ≥ 4.8 ([`Params::timer_wheel`])
//! the entry timer fires when the kernel's timer wheel fires it ([`wheel`]), not at the exact
//! deadline: a 1 s probe timer (250 jiffies at HZ=250, wheel level 1) runs up to 32 ms late, and
//! the lateness adds up over the probes of one resolution, which fails 3.04–3.1 s after it began. That decides a race a
//! program sending once a second runs against the resolution failing (`ping` to an address
//! nobody answers: its 4th probe, sent at 3 s, still joins the queue, so a resolution fails with 4
//! probes and the next one starts a second later, as `pipe 4` in real ping statistics shows).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::net::Ipv4Addr;
use std::time::Duration;

use crate::kernel::{SimRng, SimTime};
use crate::wire::ipv4;

/// `HZ/100`: the kernel's floor for probe spacing and timer re-arming.
const MIN_TIMER: Duration = Duration::from_millis(10);
/// `HZ` of the Linux 6.x hosts (Debian 12's kernel, `CONFIG_HZ_250=y`): a jiffy is 4 ms.
const HZ: u64 = 250;
const JIFFY_US: u64 = 1_000_000 / HZ;
/// `INITIAL_JIFFIES` (`include/linux/jiffies.h`, `(unsigned int)(-300 * HZ)`): jiffies start
/// 300 s before the 32-bit wrap; the wheel's grid is counted from there.
const INITIAL_JIFFIES: u64 = (1 << 32) - 300 * HZ;

/// When the timer wheel (`kernel/time/timer.c`, `calc_wheel_index` / `calc_index`) fires a timer
/// armed at `now` for `at`: the level is chosen by the distance in jiffies (level `n` from
/// `LVL_START(n) = 63 << 3(n-1)` on, granularity `8^n` jiffies), and the expiry is rounded *up*
/// past the level's grid (`expires = (expires >> LVL_SHIFT(lvl)) + 1`), so a timer never fires
/// early and fires up to one granule late.
fn wheel(now: SimTime, at: SimTime) -> SimTime {
    let clk = now.as_micros() / JIFFY_US + INITIAL_JIFFIES;
    let expires = at.as_micros().div_ceil(JIFFY_US) + INITIAL_JIFFIES;
    let delta = expires.saturating_sub(clk);
    let mut level = 0;
    while level < 8 && delta >= 63 << (3 * level) {
        level += 1;
    }
    let shift = 3 * level;
    let fires = ((expires >> shift) + 1) << shift;
    SimTime::from_micros((fires - INITIAL_JIFFIES) * JIFFY_US)
}

/// When an entry timer armed at `now` for `at` fires: on the timer wheel of Linux ≥ 4.8
/// ([`Params::timer_wheel`]), else at `at` (3.10's cascading wheel fires a timer in the jiffy it
/// is due; its `apply_slack` adds at most 0.4 %, a few jiffies here, which labsim leaves out).
fn arm(timer_wheel: bool, now: SimTime, at: SimTime) -> SimTime {
    if timer_wheel { wheel(now, at) } else { at }
}

/// Approximate `skb->truesize` overhead of a queued packet (`SKB_TRUESIZE(0)`).
const SKB_OVERHEAD: usize = 576;
/// `neigh_periodic_work` re-draws `reachable_time` once more than 300 s have passed since the last
/// draw; it runs every `base_reachable_time / 2`, so with defaults the draw happens every 315 s.
const REDRAW_AFTER: Duration = Duration::from_secs(300);

/// Per-interface neighbour parameters (`net.ipv4.neigh.<if>.*`). `Default` = Linux defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Params {
    /// `base_reachable_time_ms`: REACHABLE lasts a random time in [base/2, 3·base/2).
    pub base_reachable_time: Duration,
    /// `delay_first_probe_time`: time in DELAY before unicast probing.
    pub delay_first_probe_time: Duration,
    /// `retrans_time_ms`: spacing of ARP probes.
    pub retrans_time: Duration,
    /// `ucast_solicit`: unicast probes in PROBE.
    pub ucast_solicit: u32,
    /// `mcast_solicit`: broadcast probes when resolving (INCOMPLETE).
    pub mcast_solicit: u32,
    /// `app_solicit`: probes via a user-space daemon (not modelled beyond counting).
    pub app_solicit: u32,
    /// `mcast_resolicit`: broadcast probes after the unicast ones in PROBE.
    pub mcast_resolicit: u32,
    /// `locktime`: an ARP update within this time of the last change does not override the MAC.
    pub locktime: Duration,
    /// `unres_qlen_bytes`: cap on packets queued for resolution (oldest dropped).
    pub unres_qlen_bytes: usize,
    /// Whether REACHABLE entries are used through the hardware-header cache (Ethernet: yes), which
    /// does not refresh the entry's `used` time.
    pub hh_cache: bool,
    /// Whether entry timers run on the timer wheel of Linux ≥ 4.8 (`kernel/time/timer.c`), which
    /// fires them up to one granule of their level late ([`wheel`]); off for CentOS 7's 3.10 and
    /// for Windows, whose timers fire when due.
    pub timer_wheel: bool,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            base_reachable_time: Duration::from_secs(30),
            delay_first_probe_time: Duration::from_secs(5),
            retrans_time: Duration::from_secs(1),
            ucast_solicit: 3,
            mcast_solicit: 3,
            app_solicit: 0,
            mcast_resolicit: 0,
            locktime: Duration::from_secs(1),
            unres_qlen_bytes: 212_992,
            hh_cache: true,
            timer_wheel: true,
        }
    }
}

/// NUD state of an entry (no entry = NUD_NONE).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum State {
    /// Resolving: broadcast probes, packets queued.
    Incomplete,
    /// Confirmed recently; used without probing.
    Reachable,
    /// Unconfirmed; still used; the next packet starts DELAY.
    Stale,
    /// Used while STALE; waiting for an upper-layer confirmation before probing.
    Delay,
    /// Unicast probing the cached MAC.
    Probe,
    /// Resolution failed; the next packet restarts it.
    Failed,
}

impl State {
    /// The name `ip neigh` prints.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            State::Incomplete => "INCOMPLETE",
            State::Reachable => "REACHABLE",
            State::Stale => "STALE",
            State::Delay => "DELAY",
            State::Probe => "PROBE",
            State::Failed => "FAILED",
        }
    }

    /// `NUD_VALID` (the cached MAC may be used).
    fn valid(self) -> bool {
        matches!(self, State::Reachable | State::Stale | State::Delay | State::Probe)
    }
}

/// ARP operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ArpOp {
    /// `who-has` (1).
    Request,
    /// `is-at` (2).
    Reply,
}

/// The fields of a received ARP packet the table needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ArpInfo {
    /// Operation.
    pub op: ArpOp,
    /// Sender hardware address.
    pub sha: [u8; 6],
    /// Sender protocol address.
    pub spa: Ipv4Addr,
    /// Target hardware address.
    pub tha: [u8; 6],
    /// Target protocol address.
    pub tpa: Ipv4Addr,
    /// The Ethernet destination was our own MAC (`PACKET_HOST`), not broadcast.
    pub dst_mac_is_us: bool,
    /// `tpa` is one of this host's addresses on the interface.
    pub for_us: bool,
}

/// What [`NeighTable::resolve`] did with a packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Resolved {
    /// Send it now to `mac`.
    Send {
        /// Destination MAC.
        mac: [u8; 6],
        /// The packet, handed back.
        packet: Vec<u8>,
    },
    /// Held until resolution succeeds or fails (see [`Action`]).
    Queued,
    /// Discarded (resolution impossible with these parameters).
    Dropped,
}

/// Something the host must do, from [`NeighTable::poll_action`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    /// Send an ARP request for `target`.
    Probe {
        /// The address being resolved.
        target: Ipv4Addr,
        /// Unicast to this MAC; `None` = broadcast.
        dst: Option<[u8; 6]>,
        /// IPv4 source of the newest queued packet: `arp_solicit` uses it as the ARP sender
        /// address if it is local (arp_announce 0); otherwise the host picks its primary address.
        src_hint: Option<Ipv4Addr>,
    },
    /// Send a previously queued packet to `mac` (resolution succeeded).
    Transmit {
        /// Destination MAC.
        mac: [u8; 6],
        /// The queued packet.
        packet: Vec<u8>,
    },
    /// Resolution failed for this queued packet: report host unreachable to its sender.
    Unreachable {
        /// The next hop that could not be resolved.
        target: Ipv4Addr,
        /// The queued packet.
        packet: Vec<u8>,
    },
}

/// What changed in the table, from [`NeighTable::poll_event`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    /// An entry appeared, or its state or shown MAC changed; the view is the entry as it is now.
    /// Several changes between two polls are reported once, with the latest state.
    Changed(EntryView),
}

/// One line of `ip neigh`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct EntryView {
    /// Neighbour address.
    pub ip: Ipv4Addr,
    /// Cached MAC, shown only in valid states (as `ip neigh` does).
    pub mac: Option<[u8; 6]>,
    /// NUD state.
    pub state: State,
}

#[derive(Clone, Debug)]
struct Entry {
    state: State,
    /// `neigh->ha`; kept across FAILED (not shown then).
    mac: Option<[u8; 6]>,
    updated: SimTime,
    used: SimTime,
    /// `None` = long ago (Linux sets `now - 2·base` when the MAC changes unconfirmed).
    confirmed: Option<SimTime>,
    probes: u32,
    timer: Option<SimTime>,
    queue: VecDeque<Vec<u8>>,
    queue_bytes: usize,
    /// The (state, shown MAC) last reported by [`NeighTable::poll_event`].
    reported: Option<(State, Option<[u8; 6]>)>,
}

impl Entry {
    fn new(now: SimTime) -> Self {
        Entry {
            state: State::Failed,
            mac: None,
            updated: now,
            used: now,
            confirmed: None,
            probes: 0,
            timer: None,
            queue: VecDeque::new(),
            queue_bytes: 0,
            reported: None,
        }
    }
}

/// The neighbour table of one interface.
#[derive(Clone, Debug)]
pub(crate) struct NeighTable {
    params: Params,
    rng: SimRng,
    reachable_time: Duration,
    next_redraw: SimTime,
    entries: BTreeMap<Ipv4Addr, Entry>,
    /// Every armed entry timer, by deadline: the entries' own `timer` fields, kept here too by
    /// [`set_timer`] so that the earliest deadline and the entries due are found without
    /// visiting every entry (a balancer has one per client).
    timers: BTreeSet<(SimTime, Ipv4Addr)>,
    actions: VecDeque<Action>,
    /// The entries created or updated since [`NeighTable::poll_event`] last looked at them: the
    /// only ones whose state or MAC can differ from what it reported.
    unreported: BTreeSet<Ipv4Addr>,
}

impl NeighTable {
    /// An empty table. `rng` should be a stream forked for this interface; `reachable_time` is
    /// drawn from it now (time zero) and again about every 315 s.
    pub(crate) fn new(params: Params, rng: SimRng) -> Self {
        let mut t = NeighTable {
            params,
            rng,
            reachable_time: Duration::ZERO,
            next_redraw: SimTime::ZERO,
            entries: BTreeMap::new(),
            timers: BTreeSet::new(),
            actions: VecDeque::new(),
            unreported: BTreeSet::new(),
        };
        t.reachable_time = t.draw_reachable_time();
        t.next_redraw = SimTime::ZERO + t.redraw_period();
        t
    }

    /// The current `reachable_time` (re-drawn about every 315 s).
    #[cfg(test)]
    pub(crate) fn reachable_time(&self) -> Duration {
        self.reachable_time
    }

    /// Route an outgoing packet to next hop `ip` (`neigh_resolve_output` / `__neigh_event_send`).
    pub(crate) fn resolve(&mut self, now: SimTime, ip: Ipv4Addr, packet: Vec<u8>) -> Resolved {
        self.advance(now);
        self.unreported.insert(ip);
        let p = &self.params;
        let on = p.timer_wheel;
        let probes_possible = p.mcast_solicit + p.app_solicit > 0;
        let (ucast, retrans, delay, qcap, hh) =
            (p.ucast_solicit, p.retrans_time.max(MIN_TIMER), p.delay_first_probe_time, p.unres_qlen_bytes, p.hh_cache);
        let e = self.entries.entry(ip).or_insert_with(|| Entry::new(now));
        match (e.state, e.mac) {
            (State::Reachable, Some(mac)) => {
                if !hh {
                    e.used = now;
                }
                return Resolved::Send { mac, packet };
            }
            (State::Delay | State::Probe, Some(mac)) => {
                e.used = now;
                return Resolved::Send { mac, packet };
            }
            (State::Stale, Some(mac)) => {
                e.used = now;
                e.state = State::Delay;
                e.updated = now;
                set_timer(&mut self.timers, ip, e, Some(arm(on, now, now + delay)));
                return Resolved::Send { mac, packet };
            }
            (State::Incomplete, _) => {
                e.used = now;
                enqueue(e, packet, qcap);
                return Resolved::Queued;
            }
            _ => {}
        }
        // NONE (new entry), FAILED, or a valid state without a MAC (cannot happen): resolve anew.
        e.used = now;
        if !probes_possible {
            e.state = State::Failed;
            e.updated = now;
            set_timer(&mut self.timers, ip, e, None);
            return Resolved::Dropped;
        }
        e.state = State::Incomplete;
        e.probes = ucast;
        e.updated = now;
        set_timer(&mut self.timers, ip, e, Some(arm(on, now, now + retrans)));
        enqueue(e, packet, qcap);
        self.probe(ip);
        Resolved::Queued
    }

    /// A received ARP packet (`arp_process`, arp_accept = 0, arp_ignore = 0). Returns whether it
    /// reached an entry of the table (created or looked at for an update): one that does not
    /// leaves the table as it was, as most ARP requests a host sees do (for other hosts'
    /// addresses, from senders it never talked to).
    pub(crate) fn handle_arp(&mut self, now: SimTime, arp: &ArpInfo) -> bool {
        let sip = arp.spa;
        if sip.is_unspecified() || sip.is_multicast() || sip.is_broadcast() || sip.is_loopback() {
            return false; // ARP probes (sip 0.0.0.0) and nonsense senders never touch the table
        }
        // Most ARP a host hears is a broadcast request about others from a sender it has no
        // entry for, which changes nothing (below): that is decided before anything else.
        if !arp.for_us && !self.entries.contains_key(&sip) {
            return false; // arp_accept = 0: no creation, not even for GARPs
        }
        self.advance(now);
        if arp.op == ArpOp::Request && arp.for_us {
            // neigh_event_ns(): create or update the sender's entry as STALE (override); the
            // host sends the reply. arp_process() then skips the generic update.
            self.entries.entry(sip).or_insert_with(|| Entry::new(now));
            self.unreported.insert(sip);
            self.update(now, sip, arp.sha, State::Stale, true);
            return true;
        }
        let Some(e) = self.entries.get(&sip) else {
            return false; // arp_accept = 0: no creation, not even for GARPs
        };
        let is_garp = sip == arp.tpa && (arp.op == ArpOp::Request || arp.tha == arp.sha) && !arp.for_us;
        let overrides = now > e.updated + self.params.locktime || is_garp;
        let state = if arp.op == ArpOp::Reply && arp.dst_mac_is_us { State::Reachable } else { State::Stale };
        self.update(now, sip, arp.sha, state, overrides);
        true
    }

    /// Upper-layer confirmation that `ip` is reachable (`neigh_confirm`: TCP forward progress).
    pub(crate) fn confirm(&mut self, now: SimTime, ip: Ipv4Addr) {
        if let Some(e) = self.entries.get_mut(&ip) {
            e.confirmed = Some(now);
        }
    }

    /// Run the entry timers due at `now`.
    pub(crate) fn handle_timeout(&mut self, now: SimTime) {
        self.advance(now);
        loop {
            // Entries due at once fire in address order, whatever their deadlines.
            let mut due: Vec<Ipv4Addr> = self.timers.iter().take_while(|(t, _)| *t <= now).map(|&(_, ip)| ip).collect();
            due.sort_unstable();
            if due.is_empty() {
                return;
            }
            for ip in due {
                self.on_timer(now, ip);
            }
        }
    }

    /// The earliest pending entry timer.
    pub(crate) fn poll_timeout(&self) -> Option<SimTime> {
        self.timers.first().map(|&(t, _)| t)
    }

    /// The next thing the host must do.
    pub(crate) fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// The next entry change to report (in address order), until `None`.
    pub(crate) fn poll_event(&mut self) -> Option<Event> {
        while let Some(ip) = self.unreported.pop_first() {
            let Some(e) = self.entries.get_mut(&ip) else { continue };
            let shown = view(ip, e);
            if e.reported != Some((shown.state, shown.mac)) {
                e.reported = Some((shown.state, shown.mac));
                return Some(Event::Changed(shown));
            }
        }
        None
    }

    /// Link down: forget every entry; queued packets are discarded silently, pending actions too.
    pub(crate) fn flush(&mut self) {
        self.entries.clear();
        self.timers.clear();
        self.unreported.clear();
        self.actions.clear();
    }

    /// `ip neigh flush` (RTM_DELNEIGH, `neigh_delete`): removes the entries `pick` selects; their
    /// queued packets are freed without an error report (`neigh_remove_one` after an admin
    /// update to FAILED, which does not invalidate).
    pub(crate) fn delete(&mut self, pick: impl Fn(Ipv4Addr) -> bool) {
        self.entries.retain(|ip, _| !pick(*ip));
        self.timers.retain(|(_, ip)| !pick(*ip));
        self.unreported.retain(|ip| !pick(*ip));
    }

    /// The table as `ip neigh` shows it, ordered by address.
    pub(crate) fn entries(&self) -> impl Iterator<Item = EntryView> + '_ {
        self.entries.iter().map(|(ip, e)| view(*ip, e))
    }

    /// One entry, if present.
    #[cfg(test)]
    pub(crate) fn lookup(&self, ip: Ipv4Addr) -> Option<EntryView> {
        self.entries.get(&ip).map(|e| view(ip, e))
    }

    fn draw_reachable_time(&mut self) -> Duration {
        // neigh_rand_reach_time(): base ? get_random_u32() % base + (base >> 1) : 0, in jiffies.
        let base = u64::try_from(self.params.base_reachable_time.as_micros()).unwrap_or(u64::MAX);
        if base == 0 {
            return Duration::ZERO;
        }
        Duration::from_micros(self.rng.range(base / 2, base / 2 + base))
    }

    fn redraw_period(&self) -> Duration {
        // The periodic work runs every base/2; the first run more than 300 s after the last draw
        // re-draws.
        let step = (self.params.base_reachable_time / 2).max(MIN_TIMER);
        let n = REDRAW_AFTER.as_micros() / step.as_micros() + 1;
        step * u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// Catch up with the periodic re-draws of `reachable_time` up to `now`.
    fn advance(&mut self, now: SimTime) {
        while self.next_redraw <= now && self.next_redraw < SimTime::MAX {
            self.reachable_time = self.draw_reachable_time();
            self.next_redraw += self.redraw_period();
        }
    }

    /// `__neigh_update` for a valid new state (REACHABLE or STALE), without the ADMIN flag.
    fn update(&mut self, now: SimTime, ip: Ipv4Addr, lladdr: [u8; 6], new: State, overrides: bool) {
        let reachable_time = self.reachable_time;
        let (delay, on) = (self.params.delay_first_probe_time, self.params.timer_wheel);
        let Some(e) = self.entries.get_mut(&ip) else { return };
        self.unreported.insert(ip);
        let old = e.state;
        let same_mac = old.valid() && e.mac == Some(lladdr);
        if new == State::Reachable {
            e.confirmed = Some(now);
        }
        let mut new = new;
        if old.valid() {
            if !same_mac && !overrides {
                return;
            }
            if same_mac && new == State::Stale {
                new = old;
            }
        }
        if new != old || !same_mac {
            e.updated = now;
        }
        if new != old {
            set_timer(&mut self.timers, ip, e, (new == State::Reachable).then(|| arm(on, now, now + reachable_time)));
            if new == State::Probe {
                e.probes = 0;
            }
            e.state = new;
        }
        if !same_mac {
            e.mac = Some(lladdr);
            if new != State::Reachable {
                e.confirmed = None;
            }
        }
        if new == old || old.valid() {
            return;
        }
        // Newly valid: send the queue through neigh->output. In STALE that is
        // neigh_resolve_output, whose neigh_event_send moves the entry to DELAY.
        let queue = std::mem::take(&mut e.queue);
        e.queue_bytes = 0;
        if !queue.is_empty() && e.state == State::Stale {
            e.used = now;
            e.state = State::Delay;
            e.updated = now;
            set_timer(&mut self.timers, ip, e, Some(arm(on, now, now + delay)));
        }
        for packet in queue {
            self.actions.push_back(Action::Transmit { mac: lladdr, packet });
        }
    }

    /// `neigh_timer_handler` for the entry of `ip`.
    fn on_timer(&mut self, now: SimTime, ip: Ipv4Addr) {
        let p = &self.params;
        let on = p.timer_wheel;
        let retrans = p.retrans_time.max(MIN_TIMER);
        let (delay, reachable_time) = (p.delay_first_probe_time, self.reachable_time);
        let probe_max =
            |state: State| p.ucast_solicit + p.app_solicit + if state == State::Probe { p.mcast_resolicit } else { p.mcast_solicit };
        let Some(e) = self.entries.get_mut(&ip) else { return };
        self.unreported.insert(ip);
        let mut next = now + Duration::from_secs(1);
        match e.state {
            State::Reachable => {
                let confirmed_until = e.confirmed.map(|c| c + reachable_time);
                if confirmed_until.is_some_and(|t| now <= t) {
                    next = confirmed_until.unwrap_or(next);
                } else if now <= e.used + delay {
                    e.state = State::Delay;
                    e.updated = now;
                    next = now + delay;
                } else {
                    e.state = State::Stale;
                    e.updated = now;
                }
            }
            State::Delay => {
                if e.confirmed.is_some_and(|c| now <= c + delay) {
                    e.state = State::Reachable;
                    e.updated = now;
                    next = e.confirmed.map_or(next, |c| c + reachable_time);
                } else {
                    e.state = State::Probe;
                    e.updated = now;
                    e.probes = 0;
                    next = now + retrans;
                }
            }
            State::Incomplete | State::Probe => next = now + retrans,
            State::Stale | State::Failed => {
                set_timer(&mut self.timers, ip, e, None);
                return;
            }
        }
        if matches!(e.state, State::Incomplete | State::Probe) && e.probes >= probe_max(e.state) {
            e.state = State::Failed;
            set_timer(&mut self.timers, ip, e, None);
            e.queue_bytes = 0;
            for packet in std::mem::take(&mut e.queue) {
                self.actions.push_back(Action::Unreachable { target: ip, packet });
            }
            return;
        }
        if matches!(e.state, State::Reachable | State::Delay | State::Probe | State::Incomplete) {
            set_timer(&mut self.timers, ip, e, Some(arm(on, now, next.max(now + MIN_TIMER))));
        } else {
            set_timer(&mut self.timers, ip, e, None);
        }
        if matches!(e.state, State::Incomplete | State::Probe) {
            self.probe(ip);
        }
    }

    /// `neigh_probe` → `arp_solicit`: one ARP request, then `probes += 1`.
    fn probe(&mut self, ip: Ipv4Addr) {
        let (ucast, app) = (self.params.ucast_solicit, self.params.app_solicit);
        let Some(e) = self.entries.get_mut(&ip) else { return };
        let src_hint = e.queue.back().and_then(|p| ipv4_src(p));
        let n = e.probes;
        e.probes = e.probes.saturating_add(1);
        let dst = if n < ucast {
            e.mac
        } else if n - ucast < app {
            return; // an application (arpd) probe: nothing on the wire
        } else {
            None
        };
        self.actions.push_back(Action::Probe { target: ip, dst, src_hint });
    }
}

/// Arms (or, with `None`, stops) the timer of entry `ip`, in the entry and in the table's index.
fn set_timer(timers: &mut BTreeSet<(SimTime, Ipv4Addr)>, ip: Ipv4Addr, e: &mut Entry, at: Option<SimTime>) {
    if let Some(old) = e.timer {
        timers.remove(&(old, ip));
    }
    if let Some(new) = at {
        timers.insert((new, ip));
    }
    e.timer = at;
}

fn view(ip: Ipv4Addr, e: &Entry) -> EntryView {
    EntryView { ip, mac: if e.state.valid() { e.mac } else { None }, state: e.state }
}

/// Queue `packet`, dropping the oldest packets while the byte cap would be exceeded.
fn enqueue(e: &mut Entry, packet: Vec<u8>, cap: usize) {
    let size = packet.len() + SKB_OVERHEAD;
    while e.queue_bytes + size > cap {
        match e.queue.pop_front() {
            Some(old) => e.queue_bytes = e.queue_bytes.saturating_sub(old.len() + SKB_OVERHEAD),
            None => break,
        }
    }
    if e.queue_bytes + size > cap {
        return; // a single packet larger than the whole queue
    }
    e.queue_bytes += size;
    e.queue.push_back(packet);
}

/// The IPv4 source address of a packet, if it looks like IPv4.
fn ipv4_src(packet: &[u8]) -> Option<Ipv4Addr> {
    if packet.len() < ipv4::HEADER_LEN {
        return None;
    }
    let header = ipv4::Packet::new_unchecked(packet);
    (header.version() == 4).then(|| header.src_addr())
}

#[cfg(test)]
mod tests {
    use super::*;

    const US: [u8; 6] = [2, 0, 0, 0, 0, 1];
    const A: [u8; 6] = [2, 0, 0, 0, 0, 0xaa];
    const B: [u8; 6] = [2, 0, 0, 0, 0, 0xbb];
    const ME: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 50);
    const PEER: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 100);

    fn t(ms: u64) -> SimTime {
        SimTime::from_millis(ms)
    }

    fn table(seed: u64) -> NeighTable {
        NeighTable::new(Params::default(), SimRng::new(seed).fork("neigh/test"))
    }

    fn pkt(n: u8) -> Vec<u8> {
        let mut p = vec![0u8; 84];
        p[0] = 0x45;
        p[12..16].copy_from_slice(&ME.octets());
        p[83] = n;
        p
    }

    fn actions(nt: &mut NeighTable) -> Vec<Action> {
        std::iter::from_fn(|| nt.poll_action()).collect()
    }

    fn run_until(nt: &mut NeighTable, end: SimTime) -> Vec<(SimTime, Action)> {
        let mut out = Vec::new();
        while let Some(at) = nt.poll_timeout().filter(|at| *at <= end) {
            nt.handle_timeout(at);
            out.extend(actions(nt).into_iter().map(|a| (at, a)));
        }
        out
    }

    fn reply(sha: [u8; 6], spa: Ipv4Addr) -> ArpInfo {
        ArpInfo { op: ArpOp::Reply, sha, spa, tha: US, tpa: ME, dst_mac_is_us: true, for_us: true }
    }

    fn garp(sha: [u8; 6], ip: Ipv4Addr) -> ArpInfo {
        ArpInfo { op: ArpOp::Request, sha, spa: ip, tha: [0; 6], tpa: ip, dst_mac_is_us: false, for_us: false }
    }

    fn bcast(target: Ipv4Addr) -> Action {
        Action::Probe { target, dst: None, src_hint: Some(ME) }
    }

    /// Resolve PEER to `mac` at time `at` and drain the actions.
    fn learn(nt: &mut NeighTable, at: SimTime, mac: [u8; 6]) {
        assert_eq!(nt.resolve(at, PEER, pkt(0)), Resolved::Queued);
        nt.handle_arp(at, &reply(mac, PEER));
        actions(nt);
    }

    #[test]
    fn incomplete_probes_three_times_then_fails_with_all_queued_packets() {
        let mut nt = table(1);
        assert_eq!(nt.resolve(t(0), PEER, pkt(1)), Resolved::Queued);
        assert_eq!(actions(&mut nt), vec![bcast(PEER)]);
        assert_eq!(nt.resolve(t(500), PEER, pkt(2)), Resolved::Queued);
        assert_eq!(nt.lookup(PEER).map(|e| e.state), Some(State::Incomplete));
        let got = run_until(&mut nt, t(10_000));
        assert_eq!(
            got,
            vec![
                // Each 1 s timer fires on the timer wheel's 32 ms grid, after its deadline.
                (t(1024), bcast(PEER)),
                (t(2048), bcast(PEER)),
                (t(3072), Action::Unreachable { target: PEER, packet: pkt(1) }),
                (t(3072), Action::Unreachable { target: PEER, packet: pkt(2) }),
            ]
        );
        assert_eq!(nt.lookup(PEER), Some(EntryView { ip: PEER, mac: None, state: State::Failed }));
        assert_eq!(nt.poll_timeout(), None);
        // FAILED: the next packet restarts resolution with a broadcast.
        assert_eq!(nt.resolve(t(20_000), PEER, pkt(3)), Resolved::Queued);
        assert_eq!(actions(&mut nt), vec![bcast(PEER)]);
        assert_eq!(nt.poll_timeout(), Some(t(21_024)));
        // CentOS 7's 3.10: the timers fire when due, the entry fails 3 s after the first probe.
        let mut nt = NeighTable::new(Params { timer_wheel: false, ..Params::default() }, SimRng::new(1));
        nt.resolve(t(0), PEER, pkt(1));
        actions(&mut nt);
        let got = run_until(&mut nt, t(10_000));
        let times: Vec<SimTime> = got.iter().map(|(at, _)| *at).collect();
        assert_eq!(times, vec![t(1000), t(2000), t(3000)]);
    }

    #[test]
    fn the_timer_wheel_rounds_up_past_its_level_grid() {
        // HZ=250 (4 ms jiffies); level 0 (< 63 jiffies): the next jiffy after the due one.
        assert_eq!(wheel(t(0), t(10)), t(16));
        // Level 1 (1 s = 250 jiffies): a grid of 8 jiffies, 32 ms.
        assert_eq!(wheel(t(0), t(1000)), t(1024));
        assert_eq!(wheel(t(1024), t(2024)), t(2048));
        // Level 2 (5 s): 64 jiffies, 256 ms, counted from INITIAL_JIFFIES (≡ 8 mod 64).
        assert_eq!(wheel(t(3000), t(8000)), t(8160));
        // Without the wheel (3.10, Windows) a timer fires when due.
        assert_eq!(arm(false, t(0), t(1000)), t(1000));
    }

    #[test]
    fn reply_makes_reachable_and_releases_the_queue() {
        let mut nt = table(2);
        nt.resolve(t(0), PEER, pkt(1));
        nt.resolve(t(100), PEER, pkt(2));
        actions(&mut nt);
        nt.handle_arp(t(300), &reply(A, PEER));
        assert_eq!(actions(&mut nt), vec![Action::Transmit { mac: A, packet: pkt(1) }, Action::Transmit { mac: A, packet: pkt(2) }]);
        assert_eq!(nt.lookup(PEER), Some(EntryView { ip: PEER, mac: Some(A), state: State::Reachable }));
        assert_eq!(nt.resolve(t(400), PEER, pkt(3)), Resolved::Send { mac: A, packet: pkt(3) });
        assert_eq!(nt.poll_timeout(), Some(wheel(t(300), t(300) + nt.reachable_time())));
    }

    #[test]
    fn reachable_expires_to_stale_then_delay_probe_failed() {
        let mut nt = table(3);
        learn(&mut nt, t(0), A);
        let rt = nt.reachable_time();
        // Used while REACHABLE (through the header cache): still goes STALE at expiry.
        nt.resolve(t(1000), PEER, pkt(1));
        // The timer wheel fires after confirmed + reachable_time: straight to STALE.
        let fires = wheel(t(0), t(0) + rt);
        assert!(fires > t(0) + rt);
        assert!(run_until(&mut nt, SimTime::from_micros(fires.as_micros() - 1)).is_empty());
        assert_eq!(nt.lookup(PEER).map(|e| e.state), Some(State::Reachable));
        assert!(run_until(&mut nt, fires).is_empty());
        assert_eq!(nt.lookup(PEER).map(|e| e.state), Some(State::Stale));
        assert_eq!(nt.poll_timeout(), None);
        let t0 = t(100_000);
        assert_eq!(nt.resolve(t0, PEER, pkt(2)), Resolved::Send { mac: A, packet: pkt(2) });
        assert_eq!(nt.lookup(PEER).map(|e| e.state), Some(State::Delay));
        let uni = Action::Probe { target: PEER, dst: Some(A), src_hint: None };
        let got = run_until(&mut nt, t0 + Duration::from_secs(20));
        let s = |secs| t0 + Duration::from_secs(secs);
        let p1 = wheel(t0, s(5));
        let p2 = wheel(p1, p1 + Duration::from_secs(1));
        let p3 = wheel(p2, p2 + Duration::from_secs(1));
        assert_eq!(got, vec![(p1, uni.clone()), (p2, uni.clone()), (p3, uni)]);
        // Packets keep going to the cached MAC while probing.
        assert_eq!(nt.lookup(PEER).map(|e| e.state), Some(State::Failed));
        assert_eq!(nt.resolve(s(9), PEER, pkt(3)), Resolved::Queued);
        assert_eq!(actions(&mut nt), vec![bcast(PEER)]);
    }

    #[test]
    fn probe_answered_goes_reachable_and_delay_confirmed_goes_reachable() {
        let mut nt = table(4);
        learn(&mut nt, t(0), A);
        nt.handle_arp(t(2000), &garp(B, PEER)); // → STALE with B
        nt.resolve(t(3000), PEER, pkt(1)); // → DELAY
        run_until(&mut nt, t(8200)); // PROBE at 8.16 s (5 s on the wheel's 256 ms grid), first unicast probe
        assert_eq!(nt.lookup(PEER).map(|e| e.state), Some(State::Probe));
        assert_eq!(nt.resolve(t(8300), PEER, pkt(2)), Resolved::Send { mac: B, packet: pkt(2) });
        nt.handle_arp(t(8400), &reply(B, PEER));
        assert_eq!(nt.lookup(PEER).map(|e| e.state), Some(State::Reachable));

        // DELAY + upper-layer confirmation → REACHABLE without probing.
        let mut nt = table(5);
        learn(&mut nt, t(0), A);
        nt.handle_arp(t(2000), &garp(B, PEER));
        nt.resolve(t(3000), PEER, pkt(1));
        nt.confirm(t(4000), PEER);
        assert!(run_until(&mut nt, t(8200)).is_empty());
        assert_eq!(nt.lookup(PEER).map(|e| e.state), Some(State::Reachable));
        assert_eq!(nt.poll_timeout(), Some(wheel(t(8160), t(4000) + nt.reachable_time())));
    }

    #[test]
    fn garp_updates_existing_entry_even_within_locktime_but_creates_nothing() {
        let mut nt = table(6);
        learn(&mut nt, t(0), A);
        nt.handle_arp(t(200), &garp(B, PEER));
        assert_eq!(nt.lookup(PEER), Some(EntryView { ip: PEER, mac: Some(B), state: State::Stale }));
        let vip = Ipv4Addr::new(10, 0, 0, 1);
        nt.handle_arp(t(300), &garp(B, vip));
        assert_eq!(nt.lookup(vip), None);
        // A GARP reply needs tha == sha.
        let mut r = garp(A, PEER);
        r.op = ArpOp::Reply;
        r.tha = US;
        nt.handle_arp(t(400), &r);
        assert_eq!(nt.lookup(PEER).map(|e| e.mac), Some(Some(B)));
    }

    #[test]
    fn reply_within_locktime_does_not_override_but_later_does() {
        let mut nt = table(7);
        learn(&mut nt, t(0), A);
        nt.handle_arp(t(500), &reply(B, PEER));
        assert_eq!(nt.lookup(PEER).map(|e| e.mac), Some(Some(A)));
        nt.handle_arp(t(1500), &reply(B, PEER));
        assert_eq!(nt.lookup(PEER), Some(EntryView { ip: PEER, mac: Some(B), state: State::Reachable }));
        // A broadcast reply (not PACKET_HOST) only asserts STALE.
        let mut r = reply(A, PEER);
        r.dst_mac_is_us = false;
        nt.handle_arp(t(3000), &r);
        assert_eq!(nt.lookup(PEER), Some(EntryView { ip: PEER, mac: Some(A), state: State::Stale }));
    }

    #[test]
    fn same_mac_stale_update_keeps_state_and_does_not_move_locktime() {
        let mut nt = table(8);
        learn(&mut nt, t(0), A);
        // A broadcast request from PEER for someone else: same MAC, STALE → state kept.
        let req = ArpInfo {
            op: ArpOp::Request,
            sha: A,
            spa: PEER,
            tha: [0; 6],
            tpa: Ipv4Addr::new(10, 0, 0, 7),
            dst_mac_is_us: false,
            for_us: false,
        };
        nt.handle_arp(t(900), &req);
        assert_eq!(nt.lookup(PEER).map(|e| e.state), Some(State::Reachable));
        // `updated` stayed at 0, so a different MAC at 1.1 s overrides.
        nt.handle_arp(t(1100), &reply(B, PEER));
        assert_eq!(nt.lookup(PEER).map(|e| e.mac), Some(Some(B)));
    }

    #[test]
    fn request_for_us_creates_stale_and_releases_queue_into_delay() {
        let mut nt = table(9);
        let req = ArpInfo { op: ArpOp::Request, sha: A, spa: PEER, tha: [0; 6], tpa: ME, dst_mac_is_us: false, for_us: true };
        nt.handle_arp(t(0), &req);
        assert_eq!(nt.lookup(PEER), Some(EntryView { ip: PEER, mac: Some(A), state: State::Stale }));
        let other = Ipv4Addr::new(10, 0, 0, 9);
        nt.resolve(t(0), other, pkt(1));
        actions(&mut nt);
        let req = ArpInfo { spa: other, sha: B, ..req };
        nt.handle_arp(t(10), &req);
        assert_eq!(actions(&mut nt), vec![Action::Transmit { mac: B, packet: pkt(1) }]);
        assert_eq!(nt.lookup(other).map(|e| e.state), Some(State::Delay));
        // Replies (not GARPs) never create entries.
        let stranger = Ipv4Addr::new(10, 0, 0, 8);
        nt.handle_arp(t(20), &reply(A, stranger));
        assert_eq!(nt.lookup(stranger), None);
    }

    #[test]
    fn reachable_time_is_in_range_and_seed_deterministic() {
        for seed in 0..200 {
            let rt = table(seed).reachable_time();
            assert!(rt >= Duration::from_secs(15) && rt < Duration::from_secs(45), "{rt:?}");
        }
        assert_eq!(table(42).reachable_time(), table(42).reachable_time());
        let mut nt = table(42);
        let first = nt.reachable_time();
        nt.handle_timeout(SimTime::from_secs(314));
        assert_eq!(nt.reachable_time(), first);
        nt.handle_timeout(SimTime::from_secs(315));
        let second = nt.reachable_time();
        let mut other = table(42);
        other.handle_timeout(SimTime::from_secs(400));
        assert_eq!(other.reachable_time(), second);
    }

    #[test]
    fn queue_is_capped_by_bytes_oldest_dropped_and_flush_discards() {
        let params = Params { unres_qlen_bytes: 3 * (84 + SKB_OVERHEAD), ..Params::default() };
        let mut nt = NeighTable::new(params, SimRng::new(1));
        for i in 0..5 {
            nt.resolve(t(u64::from(i)), PEER, pkt(i));
        }
        actions(&mut nt);
        nt.handle_arp(t(10), &reply(A, PEER));
        let sent: Vec<_> = actions(&mut nt);
        assert_eq!(sent.len(), 3);
        assert_eq!(sent[0], Action::Transmit { mac: A, packet: pkt(2) });
        nt.resolve(t(20), Ipv4Addr::new(10, 0, 0, 9), pkt(9));
        nt.flush();
        assert_eq!(nt.entries().count(), 0);
        assert_eq!(nt.poll_action(), None);
        assert_eq!(nt.poll_timeout(), None);
    }

    /// The timer index and the unreported set agree with a walk over the entries, through a
    /// seeded mix of resolutions, replies, gratuitous ARPs, confirmations, deletes and timers.
    #[test]
    fn the_timer_index_and_the_unreported_set_follow_the_entries() {
        let mut nt = table(7);
        let mut rng = SimRng::new(9);
        let mut now = t(0);
        let mut events = 0;
        for step in 0..5000u64 {
            now += Duration::from_millis(rng.range(0, 400));
            while let Some(at) = nt.poll_timeout().filter(|at| *at <= now) {
                nt.handle_timeout(at);
            }
            let ip = Ipv4Addr::new(10, 0, 0, u8::try_from(rng.range(1, 24)).unwrap());
            let mac = [2, 0, 0, 0, 1, u8::try_from(rng.range(0, 3)).unwrap()];
            match rng.range(0, 8) {
                0 | 1 => drop(nt.resolve(now, ip, pkt(u8::try_from(step % 256).unwrap()))),
                2 => drop(nt.handle_arp(now, &reply(mac, ip))),
                3 => drop(nt.handle_arp(now, &garp(mac, ip))),
                4 => nt.confirm(now, ip),
                5 => nt.delete(|a| a == ip),
                _ => events += std::iter::from_fn(|| nt.poll_event()).count(),
            }
            actions(&mut nt);
            let walked: BTreeSet<(SimTime, Ipv4Addr)> = nt.entries.iter().filter_map(|(ip, e)| e.timer.map(|at| (at, *ip))).collect();
            assert_eq!(nt.timers, walked, "step {step}");
            for (ip, e) in &nt.entries {
                let shown = view(*ip, e);
                if e.reported != Some((shown.state, shown.mac)) {
                    assert!(nt.unreported.contains(ip), "step {step}: {ip} changed unnoticed");
                }
            }
        }
        assert!(events > 100, "the mix reports changes ({events})");
    }
}
