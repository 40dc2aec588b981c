//! keepalived 2.2.7's `vrrp_script` blocks: how one is read (`vrrp_vscript_*_handler()` in
//! `keepalived/vrrp/vrrp_parser.c`, defaults from `alloc_vrrp_script()` in `vrrp_data.c`) and
//! how its results are counted (`vrrp_script_child_thread()` in `vrrp_scheduler.c`).
//!
//! A script runs every `interval` (1 s) as a child of the VRRP process; its exit status decides
//! (0 is success). `result` counts towards `rise` successes and `fall` failures in one number, as
//! keepalived does: it starts at `rise - 1` ("one success is enough", `vrrp_init_script()`), or at
//! 0 with `init_fail`; a success moves it up to `rise + fall - 1`, a failure down to 0, and the
//! script's state changes (`VRRP_Script(NAME) succeeded` / `failed`) when it crosses `rise`.
//! Who tracks the script and how its weight moves their priority is the instance's business
//! ([`super::instance::Instance::script_changed`]).

use std::time::Duration;

/// One `vrrp_script NAME { … }` after its end handler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ScriptConfig {
    /// `chk_nginx`.
    pub name: String,
    /// `script`: the command line, its words joined by single spaces.
    pub command: String,
    /// `interval` (1 s).
    pub interval: Duration,
    /// `timeout`: how long a run may take before it is terminated (the interval when unset).
    pub timeout: Option<Duration>,
    /// `weight` (0), in [-253, 253].
    pub weight: i32,
    /// `weight N reverse`.
    pub reverse: bool,
    /// `rise` (1).
    pub rise: u32,
    /// `fall` (1).
    pub fall: u32,
    /// `init_fail`: the script starts failed rather than in keepalived's INIT state.
    pub init_fail: bool,
    /// `user USER [GROUP]` as written (labsim runs every script as root).
    pub user: Option<String>,
}

impl ScriptConfig {
    /// A script called `name` with keepalived's defaults (`alloc_vrrp_script()`).
    pub(crate) fn new(name: &str) -> ScriptConfig {
        ScriptConfig {
            name: name.to_owned(),
            command: String::new(),
            interval: Duration::from_secs(1),
            timeout: None,
            weight: 0,
            reverse: false,
            rise: 1,
            fall: 1,
            init_fail: false,
            user: None,
        }
    }

    /// How long one run may take: `timeout`, else the interval (`vrrp_script_thread()`).
    pub(crate) fn run_timeout(&self) -> Duration {
        self.timeout.unwrap_or(self.interval)
    }
}

/// One entry of `track_script` or `track_interface`: the name and the weight it applies (the
/// script's own when the entry gives none; 0 for an interface, which then means FAULT).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Tracked {
    /// The script or interface.
    pub name: String,
    /// Its weight.
    pub weight: i32,
    /// `weight N reverse`: the weight applies the other way round.
    pub reverse: bool,
}

/// Where keepalived's path search (`find_path()` in `lib/notify.c`, systemd's PATH
/// `/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin`) finds a bare command on CentOS 7:
/// the administrator's tools in `/usr/sbin`, the rest in `/usr/bin`.
pub(crate) fn path_of(command: &str) -> String {
    const SBIN: &[&str] = &["httpd", "ip", "keepalived", "nginx", "pidof", "sestatus", "setenforce", "showmount"];
    let dir = if SBIN.contains(&command) { "/usr/sbin" } else { "/usr/bin" };
    format!("{dir}/{command}")
}

/// How one run of a script ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RunEnd {
    /// It exited with this status.
    Exited(i32),
    /// It outlived its timeout and was terminated.
    TimedOut,
}

/// A `vrrp_script` while keepalived runs it.
#[derive(Debug)]
pub(crate) struct Tracker {
    /// Its configuration.
    pub cfg: ScriptConfig,
    /// keepalived's `result`: 0 ..= rise + fall - 1; OK from `rise` up.
    result: u32,
    /// The last exit status, for `Script `NAME` now returning N`.
    last_status: i32,
    /// Not run to the end yet (keepalived's `SCRIPT_INIT_STATE_INIT`).
    init: bool,
    /// A run is under way.
    pub running: bool,
}

impl Tracker {
    /// A script about to be started (`vrrp_init_script()`).
    pub(crate) fn new(cfg: ScriptConfig) -> Tracker {
        let result = if cfg.init_fail { 0 } else { cfg.rise - 1 };
        Tracker { init: !cfg.init_fail, cfg, result, last_status: 0, running: false }
    }

    /// Whether it is still in keepalived's INIT state (no run has ended).
    pub(crate) fn in_init(&self) -> bool {
        self.init
    }

    /// Whether it counts as succeeding now.
    pub(crate) fn is_ok(&self) -> bool {
        self.result >= self.cfg.rise
    }

    /// A run ended: the lines keepalived logs, and `Some(ok)` when the script's state changed
    /// (the instances tracking it must hear it, with [`Tracker::in_init`] as it was before).
    pub(crate) fn handle_end(&mut self, end: RunEnd) -> (Vec<String>, Option<bool>) {
        let name = self.cfg.name.clone();
        let mut logs = Vec::new();
        let (exit_type, success, reason) = match end {
            RunEnd::Exited(status) => {
                if status != self.last_status {
                    logs.push(format!("Script `{name}` now returning {status}"));
                }
                self.last_status = status;
                if status == 0 { ("succeeded", true, None) } else { ("failed", false, Some(format!(" (exited with status {status})"))) }
            }
            RunEnd::TimedOut => ("timed_out", false, None),
        };
        let (rise, fall) = (self.cfg.rise, self.cfg.fall);
        let mut changed = None;
        if success {
            if self.result < rise - 1 {
                self.result += 1;
            } else if self.result != rise + fall - 1 {
                if self.result < rise {
                    logs.push(format!("VRRP_Script({name}) {exit_type}"));
                    changed = Some(true);
                }
                self.result = rise + fall - 1;
            }
        } else if self.result > rise {
            self.result -= 1;
        } else {
            if self.result == rise || self.init {
                logs.push(format!("VRRP_Script({name}) {exit_type}{}", reason.unwrap_or_default()));
                changed = Some(false);
            }
            self.result = 0;
        }
        (logs, changed)
    }

    /// Called after the instances heard a change: the script has left INIT.
    pub(crate) fn settle(&mut self) {
        self.init = false;
        self.running = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tracker(rise: u32, fall: u32) -> Tracker {
        Tracker::new(ScriptConfig { rise, fall, ..ScriptConfig::new("chk") })
    }

    fn run(t: &mut Tracker, status: i32) -> (Vec<String>, Option<bool>) {
        let r = t.handle_end(RunEnd::Exited(status));
        t.settle();
        r
    }

    #[test]
    fn fall_counts_consecutive_failures_after_a_success() {
        let mut t = tracker(1, 2);
        assert_eq!(run(&mut t, 0), (vec!["VRRP_Script(chk) succeeded".to_owned()], Some(true)));
        assert_eq!(run(&mut t, 1), (vec!["Script `chk` now returning 1".to_owned()], None));
        assert_eq!(run(&mut t, 1), (vec!["VRRP_Script(chk) failed (exited with status 1)".to_owned()], Some(false)));
        assert_eq!(run(&mut t, 1), (vec![], None));
        assert_eq!(run(&mut t, 0), (vec!["Script `chk` now returning 0".to_owned(), "VRRP_Script(chk) succeeded".to_owned()], Some(true)));
    }

    #[test]
    fn a_first_failure_counts_at_once_and_rise_needs_that_many_successes() {
        let mut t = tracker(2, 3);
        let (_, changed) = run(&mut t, 1);
        assert_eq!(changed, Some(false), "INIT: one failure is enough");
        assert_eq!(run(&mut t, 0).1, None);
        assert_eq!(run(&mut t, 0).1, Some(true));
        let mut t = tracker(1, 1);
        assert_eq!(t.handle_end(RunEnd::TimedOut), (vec!["VRRP_Script(chk) timed_out".to_owned()], Some(false)));
    }
}
