//! What tracked objects do to an instance, as keepalived 2.2.7's `vrrp_track.c` and
//! `vrrp_scheduler.c` do it: a weight moves `total_priority`, and the effective priority
//! (clamped to 1..=254, never for the address owner, `vrrp_set_effective_priority()`) goes into
//! the next advert and every election; a weight of 0 holds the instance in FAULT while the object
//! fails (`down_instance()`, `try_up_instance()`), counted in `num_script_if_fault` together with
//! the instance's own interface.

use super::{Instance, State};
use crate::kernel::SimTime;

/// A tracked object as the instance sees it when tracking starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TrackStart {
    /// The weight the instance gives it.
    pub weight: i32,
    /// `weight N reverse`.
    pub reverse: bool,
    /// A script that has not ended a run yet (keepalived's INIT state).
    pub init: bool,
    /// Whether it is succeeding (a script) or up (an interface).
    pub ok: bool,
}

impl Instance {
    /// `initialise_track_script_state()` / `initialise_interface_tracking_priorities()` for
    /// each tracked object named `what` (`script chk_nginx`, `interface eth1`), then the
    /// effective priority. Called once, before [`Instance::start`].
    pub(crate) fn init_tracking(&mut self, objects: &[(String, TrackStart)]) {
        let n = self.cfg.name.clone();
        for (what, t) in objects {
            let multiplier = if t.reverse { -1 } else { 1 };
            if t.weight == 0 {
                if t.init {
                    self.inits += 1;
                } else if t.ok != (multiplier == 1) {
                    self.faults += 1;
                    match what.strip_prefix("interface ") {
                        Some(dev) => self.log(format!("({n}): entering FAULT state (interface {dev} down)")),
                        None => self.log(format!("({n}): entering FAULT state due to {what}")),
                    }
                    self.state = State::Fault;
                }
                continue;
            }
            if self.cfg.priority == 255 || t.init {
                continue;
            }
            if t.ok == (t.weight > 0) {
                self.total_priority += t.weight * multiplier;
            }
        }
        self.set_effective_priority();
    }

    /// A tracked script changed state (`process_script_update_priority()`); `was_init` if
    /// this was the end of its first run.
    pub(crate) fn script_changed(&mut self, now: SimTime, weight: i32, reverse: bool, was_init: bool, ok: bool) {
        if matches!(self.state, State::Init | State::Stopped) {
            return;
        }
        let multiplier = if reverse { -1 } else { 1 };
        if weight == 0 {
            let mut leaving_init = false;
            if was_init {
                self.inits = self.inits.saturating_sub(1);
                leaving_init = self.inits == 0;
            }
            if ok != (multiplier == 1) {
                self.down();
            } else if self.inits == 0 {
                self.try_up(now, leaving_init);
            }
            return;
        }
        if was_init {
            // Only a state that moves the priority counts at first.
            if ok == (weight > 0) {
                self.total_priority += weight * multiplier;
            }
        } else if ok {
            self.total_priority += weight.abs() * multiplier;
        } else {
            self.total_priority -= weight.abs() * multiplier;
        }
        self.set_effective_priority();
    }

    /// A tracked interface (not the instance's own) went up or down.
    pub(crate) fn interface_changed(&mut self, now: SimTime, weight: i32, reverse: bool, up: bool) {
        if matches!(self.state, State::Init | State::Stopped) {
            return;
        }
        let multiplier = if reverse { -1 } else { 1 };
        if weight == 0 {
            if up == (multiplier == 1) { self.try_up(now, false) } else { self.down() }
        } else if self.cfg.priority != 255 {
            if (weight > 0) == up {
                self.total_priority += weight * multiplier;
            } else {
                self.total_priority -= weight * multiplier;
            }
            self.set_effective_priority();
        }
    }

    /// `down_instance()`: one more object holds the instance in FAULT.
    pub(super) fn down(&mut self) {
        let first = self.faults == 0;
        self.faults += 1;
        if !first {
            return;
        }
        let n = self.cfg.name.clone();
        match self.state {
            // vrrp_state_leave_master() towards FAULT: a priority-0 advert, the VIPs go.
            State::Master => {
                self.log(format!("({n}) Entering FAULT STATE"));
                self.send_advert(0);
                self.detail(format!("({n}) sent 0 priority"));
                self.remove_vips();
                self.set_state(State::Fault);
            }
            State::Backup => {
                self.log(format!("({n}) Entering FAULT STATE"));
                self.set_state(State::Fault);
            }
            _ => {}
        }
        self.timer = None;
    }

    /// `try_up_instance()`: an object stopped holding the instance in FAULT; when none does
    /// (and no weight-0 script is still in INIT) it goes to BACKUP with a full down timer.
    pub(super) fn try_up(&mut self, now: SimTime, leaving_init: bool) {
        if leaving_init {
            if self.faults > 0 {
                return;
            }
        } else {
            self.faults = self.faults.saturating_sub(1);
            if self.faults > 0 || self.inits > 0 {
                return;
            }
        }
        if self.state != State::Fault {
            return;
        }
        self.log(format!("({}) Entering BACKUP STATE", self.cfg.name));
        self.set_state(State::Backup);
        self.ms_down_us = self.full_down_us();
        self.arm(now, self.ms_down_us);
    }

    /// `vrrp_set_effective_priority()`: the new priority, logged; a BACKUP's master-down timer
    /// moves by the change of its length (the skew depends on the priority).
    fn set_effective_priority(&mut self) {
        if self.cfg.priority == 255 {
            return;
        }
        let new = u8::try_from(self.total_priority.clamp(1, 254)).unwrap_or(1);
        if new == self.priority {
            return;
        }
        self.log(format!("({}) Changing effective priority from {} to {new}", self.cfg.name, self.priority));
        self.priority = new;
        let old_down = self.ms_down_us;
        self.ms_down_us = self.full_down_us();
        if self.state == State::Backup
            && let Some(t) = self.timer
        {
            let us = t.as_micros();
            self.timer = Some(SimTime::from_micros(if self.ms_down_us >= old_down {
                us.saturating_add(self.ms_down_us - old_down)
            } else {
                us.saturating_sub(old_down - self.ms_down_us)
            }));
        }
    }
}
