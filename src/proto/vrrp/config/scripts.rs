//! The parts of keepalived's reader that read `vrrp_script` blocks and `track_script` and
//! `track_interface` entries (`vrrp_vscript_*_handler()` in `keepalived/vrrp/vrrp_parser.c`,
//! `alloc_track_script()` and `alloc_track_if()` in `vrrp_track.c`), in keepalived's words.

use std::time::Duration;

use super::Parser;
use crate::proto::vrrp::keywords;
use crate::proto::vrrp::script::{ScriptConfig, Tracked};

impl Parser {
    /// `vrrp_script NAME { … }`: its keywords, then the end handler's checks. `None` when
    /// keepalived removes the script (no `script` line).
    pub(super) fn vrrp_script(&mut self, name: &str) -> Option<ScriptConfig> {
        let mut s = ScriptConfig::new(name);
        self.block(1, true, |p, w| {
            match w[0].as_str() {
                "script" => s.command = w[1..].join(" "),
                "interval" => {
                    let Some(v) = p.param(w, 1) else { return true };
                    match p.unsigned(v, 0, u64::from(u32::MAX) / 1_000_000, true) {
                        Some(0) => {
                            p.err(format!("({name}): vrrp script interval must be greater than 0, setting to 1"));
                            s.interval = Duration::from_secs(1);
                        }
                        Some(n) => s.interval = Duration::from_secs(n),
                        None => {
                            p.err(format!("({name}): vrrp script interval '{v}' must be between 1 and {} - ignoring", u32::MAX / 1_000_000))
                        }
                    }
                }
                "timeout" => {
                    let Some(v) = p.param(w, 1) else { return true };
                    match p.unsigned(v, 0, u64::from(u32::MAX) / 1_000_000, true) {
                        Some(0) => {
                            p.err(format!("({name}): vrrp script timeout must be greater than 0, setting to 1"));
                            s.timeout = Some(Duration::from_secs(1));
                        }
                        Some(n) => s.timeout = Some(Duration::from_secs(n)),
                        None => p.err(format!("({name}): vrrp script timeout '{v}' invalid - ignoring")),
                    }
                }
                "weight" => {
                    let Some(v) = p.param(w, 1) else { return true };
                    match p.signed(v, -253, 253) {
                        Some(n) => s.weight = n,
                        // keepalived stores whatever read_int_strvec left (0 for a bad number).
                        None => {
                            p.err(format!("vrrp_script {name} weight {v} must be in [-253, 253]"));
                            s.weight = 0;
                        }
                    }
                    match w.get(2).map(String::as_str) {
                        Some("reverse") => s.reverse = true,
                        Some(other) => p.err(format!("vrrp_script {name} unknown weight option {other}")),
                        None => {}
                    }
                }
                k @ ("rise" | "fall") => {
                    let Some(v) = p.param(w, 1) else { return true };
                    let n = match p.unsigned(v, 1, i32::MAX as u64, true) {
                        Some(n) => u32::try_from(n).unwrap_or(1),
                        None => {
                            p.err(format!("({name}): vrrp script {k} value '{v}' invalid, defaulting to 1"));
                            1
                        }
                    };
                    if k == "rise" { s.rise = n } else { s.fall = n }
                }
                "user" => {
                    let Some(v) = p.param(w, 1) else { return true };
                    s.user = Some(w[1..].join(" "));
                    if v != "root" {
                        p.err(keywords::not_modelled("user"));
                    }
                }
                "init_fail" => s.init_fail = true,
                _ => return false,
            }
            true
        });
        if s.command.is_empty() {
            self.err(format!("No script set for vrrp_script {name} - removing"));
            return None;
        }
        Some(s)
    }

    /// One `track_script` entry: `NAME [weight N [reverse]]` (`alloc_track_script()` in
    /// `vrrp_track.c`). The script must have been defined above the instance.
    pub(super) fn track_script(&mut self, iname: &str, scripts: &[ScriptConfig], list: &mut Vec<Tracked>, w: &[String]) {
        let tracked = w[0].as_str();
        let Some(script) = scripts.iter().find(|s| s.name == tracked) else {
            self.err(format!("({iname}) track script {tracked} not found, ignoring..."));
            return;
        };
        if list.iter().any(|t| t.name == tracked) {
            self.err(format!("({iname}) duplicate track_script {tracked} - ignoring"));
            return;
        }
        // A track_script without a weight takes the script's own, reversed or not.
        let Some((weight, reverse)) = self.track_weight(Tracks::Script, iname, tracked, w, (script.weight, script.reverse)) else { return };
        list.push(Tracked { name: tracked.to_owned(), weight, reverse });
    }

    /// One `track_interface` entry: `IF [weight N [reverse]]` (`alloc_track_if()`). Whether
    /// the interface exists is checked when keepalived starts.
    pub(super) fn track_interface(&mut self, iname: &str, list: &mut Vec<Tracked>, w: &[String]) {
        let tracked = w[0].as_str();
        if list.iter().any(|t| t.name == tracked) {
            self.err(format!("({iname}) duplicate track_interface {tracked} - ignoring"));
            return;
        }
        let Some((weight, reverse)) = self.track_weight(Tracks::Interface, iname, tracked, w, (0, false)) else { return };
        list.push(Tracked { name: tracked.to_owned(), weight, reverse });
    }

    /// The `[weight N [reverse]]` tail of a tracked object's line, from `default` (weight,
    /// reverse); `None` when keepalived drops the whole entry. Each keyword has its own texts
    /// (`alloc_track_script()`, `alloc_track_if()`), and a track_script weight without
    /// `reverse` clears the script's own reverse, where a track_interface keeps it.
    fn track_weight(&mut self, kind: Tracks, iname: &str, tracked: &str, w: &[String], default: (i32, bool)) -> Option<(i32, bool)> {
        let (mut weight, mut reverse) = default;
        let Some(opt) = w.get(1) else { return Some(default) };
        let script = kind == Tracks::Script;
        if opt != "weight" {
            self.err(if script {
                format!("({iname}) unknown track script option {opt} - ignoring")
            } else {
                format!("({iname}) unknown track_interface {tracked} option {opt} - ignoring")
            });
            return None;
        }
        let Some(v) = w.get(2) else {
            let keyword = if script { "track script" } else { "track_interface" };
            self.err(format!("({iname}) weight without value specified for {keyword} {tracked} - ignoring"));
            return None;
        };
        match self.signed(v, -254, 254) {
            Some(n @ (-254 | 254)) => {
                self.err(format!("({iname}) weight for {tracked} cannot be +/-254. Setting to +/-253"));
                weight = n.signum() * 253;
            }
            Some(n) => weight = n,
            None if script => {
                self.err(format!("({iname}) track script {tracked}: weight must be between [-253..253] inclusive, ignoring..."));
            }
            None => self.err(format!("({iname}) weight {v} for {tracked} must be between [-253..253] inclusive. Ignoring...")),
        }
        match w.get(3).map(String::as_str) {
            Some("reverse") => reverse = true,
            // keepalived's own spelling for interfaces: `track_interace`.
            Some(other) => {
                let keyword = if script { "track_script" } else { "track_interace" };
                self.err(format!("({iname}) unknown {keyword} {tracked} weight option {other} - ignoring"));
            }
            None if script => reverse = false,
            None => {}
        }
        Some((weight, reverse))
    }
}

/// Which kind of tracked object a `[weight N [reverse]]` tail belongs to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tracks {
    Script,
    Interface,
}
