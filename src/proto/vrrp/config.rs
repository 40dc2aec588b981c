//! `keepalived.conf` → [`Config`], the way keepalived 2.2.7's parser reads it (`lib/parser.c`,
//! `keepalived/vrrp/vrrp_parser.c`, `vrrp_complete_instance()` in `vrrp.c`).
//!
//! The tokenizer follows keepalived's `read_line()`: `#` and `!` start comments, and each `{` or
//! `}` is split off onto a logical line of its own, so `authentication { auth_type PASS }` is read
//! as three lines. Like keepalived, a keyword only consumes the words it needs; any further words
//! on its logical line are ignored silently (so `auth_type PASS auth_pass 1234` on one line does
//! *not* set the password — keepalived behaves the same).
//!
//! keepalived's reader (`process_stream()` in `lib/parser.c`) recurses only into the block of
//! a keyword that has sub-keywords, so its depth is that of the keyword tree, and a `{` it does
//! not expect is skipped with `Unexpected '{' - ignoring` while a counter keeps the balance
//! (`There are N missing '}'s or extra '{'s`): keepalived 2.2.7 reads 100 000 nested
//! `authentication {` lines in under a second. The reader here has the same shape (at most
//! three block levels; `Parser::skip_block` counts) and is linear in the file.
//!
//! Messages use keepalived's wording, prefixed with `(Line N) ` while the file is being read
//! (keepalived only names the file when several files are in use). Checks made after reading
//! (`vrrp_complete_instance()`) carry no line prefix. `fatal` marks what keepalived refuses:
//! a missing parameter (keepalived exits) or an instance without VRID/interface (removed).

use std::net::Ipv4Addr;
use std::time::Duration;

use super::keywords::{self, Block, VALUE_BLOCKS, support};
use super::script::{ScriptConfig, Tracked};

mod scripts;

/// A message keepalived logs while reading its configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConfigMessage {
    /// 1-based line in the file (0 when not tied to a line).
    pub line: usize,
    /// The text exactly as keepalived logs it (including any `(Line N) ` prefix).
    pub text: String,
    /// keepalived would not run this instance (or at all) because of it.
    pub fatal: bool,
}

/// The parsed file plus everything keepalived would have logged about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Parsed {
    /// The configuration, after keepalived's defaults and corrections.
    pub config: Config,
    /// Warnings and errors in order of appearance.
    pub messages: Vec<ConfigMessage>,
}

/// The parts of `keepalived.conf` labsim models.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Config {
    /// `global_defs { router_id X }`.
    pub router_id: Option<String>,
    /// The usable `vrrp_instance` blocks, in file order (fatally broken ones are left out).
    pub instances: Vec<InstanceConfig>,
    /// The `vrrp_script` blocks, in file order.
    pub scripts: Vec<ScriptConfig>,
}

/// The `state` keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InitialState {
    /// `state MASTER`.
    Master,
    /// `state BACKUP`.
    Backup,
}

/// `authentication { auth_type …; auth_pass … }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AuthConfig {
    /// No authentication block.
    None,
    /// `auth_type PASS`, with the password zero padded/truncated to 8 bytes.
    Pass([u8; 8]),
    /// `auth_type AH` (not modelled beyond the auth type byte).
    Ah,
}

/// One `virtual_ipaddress` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VipConfig {
    /// The address.
    pub addr: Ipv4Addr,
    /// Prefix length (32 when not given).
    pub prefix_len: u8,
    /// `dev IF`, when given (otherwise the instance interface).
    pub dev: Option<String>,
}

/// One `vrrp_instance NAME { … }` after `vrrp_complete_instance()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InstanceConfig {
    /// The instance name (`VI_1`).
    pub name: String,
    /// `state`, after defaults (derived from priority when absent).
    pub state: InitialState,
    /// `interface`.
    pub interface: String,
    /// `virtual_router_id`.
    pub vrid: u8,
    /// `priority` (100 by default, 255 for `state MASTER` without priority).
    pub priority: u8,
    /// `advert_int` (1 s by default), whole seconds for VRRPv2.
    pub advert_int: Duration,
    /// Authentication.
    pub auth: AuthConfig,
    /// `virtual_ipaddress` entries in order.
    pub vips: Vec<VipConfig>,
    /// `nopreempt`.
    pub nopreempt: bool,
    /// `preempt_delay` (zero = none).
    pub preempt_delay: Duration,
    /// `garp_master_delay` (5 s).
    pub garp_master_delay: Duration,
    /// `garp_master_repeat` (5).
    pub garp_master_repeat: u32,
    /// `track_script` entries, with the weight each applies.
    pub track_scripts: Vec<Tracked>,
    /// `track_interface` entries.
    pub track_interfaces: Vec<Tracked>,
    /// `notify_master`, `notify_backup`, `notify_fault`, `notify_stop` and `notify`.
    pub notify: Notify,
}

/// An instance's notify scripts (`vrrp_notify.c`): the state's own, then the generic `notify`
/// with `INSTANCE NAME STATE PRIORITY` appended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Notify {
    /// `notify_master`.
    pub master: Option<String>,
    /// `notify_backup`.
    pub backup: Option<String>,
    /// `notify_fault`.
    pub fault: Option<String>,
    /// `notify_stop`.
    pub stop: Option<String>,
    /// `notify`.
    pub any: Option<String>,
}

impl InstanceConfig {
    /// The device a VIP is added to.
    pub(crate) fn vip_dev<'a>(&'a self, vip: &'a VipConfig) -> &'a str {
        vip.dev.as_deref().unwrap_or(&self.interface)
    }
}

/// Parses `text`, the contents of the file `file` (the name is kept for messages that name it).
pub(crate) fn parse(text: &str, file: &str) -> Parsed {
    let mut p = Parser { lines: tokenize(text), pos: 0, depth: 0, msgs: Vec::new(), cur_line: 0 };
    let mut cfg = Config::default();
    let mut raw: Vec<RawInstance> = Vec::new();
    p.top(&mut cfg, &mut raw);
    if p.depth > 0 {
        p.msgs.push(ConfigMessage { line: 0, text: format!("There are {} missing '}}'s or extra '{{'s", p.depth), fatal: false });
    }
    let _ = file; // single-file configs: keepalived names no file in its messages
    let mut messages = p.msgs;
    for r in raw {
        if let Some(inst) = complete(r, &mut messages) {
            cfg.instances.push(inst);
        }
    }
    Parsed { config: cfg, messages }
}

// ---------------------------------------------------------------------------------------------
// Tokenizer

struct Line {
    no: usize,
    words: Vec<String>,
}

fn tokenize(text: &str) -> Vec<Line> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let no = i + 1;
        let mut words: Vec<String> = Vec::new();
        let mut cur = String::new();
        let flush = |cur: &mut String, words: &mut Vec<String>| {
            if !cur.is_empty() {
                words.push(std::mem::take(cur));
            }
        };
        let mut chars = raw.chars().peekable();
        while let Some(c) = chars.next() {
            if (c == '#' || c == '!') && cur.is_empty() {
                break;
            }
            if c == '{' || c == '}' {
                flush(&mut cur, &mut words);
                if !words.is_empty() {
                    out.push(Line { no, words: std::mem::take(&mut words) });
                }
                out.push(Line { no, words: vec![c.to_string()] });
                continue;
            }
            if c == '"' {
                // a quoted string is one word (quotes dropped)
                for q in chars.by_ref() {
                    if q == '"' {
                        break;
                    }
                    cur.push(q);
                }
                continue;
            }
            if c.is_whitespace() {
                flush(&mut cur, &mut words);
            } else {
                cur.push(c);
            }
        }
        flush(&mut cur, &mut words);
        if !words.is_empty() {
            out.push(Line { no, words });
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The recursive keyword reader (keepalived's process_stream)

#[derive(Default)]
struct RawInstance {
    name: String,
    line: usize,
    state: Option<InitialState>,
    interface: Option<String>,
    vrid: u8,
    priority: u8,
    advert_int_us: u64,
    auth_type: Option<u8>,
    auth_pass: [u8; 8],
    vips: Vec<VipConfig>,
    nopreempt: bool,
    preempt_delay_us: u64,
    garp_delay_s: Option<u64>,
    garp_rep: Option<u32>,
    track_scripts: Vec<Tracked>,
    track_interfaces: Vec<Tracked>,
    notify: Notify,
}

pub(super) struct Parser {
    lines: Vec<Line>,
    pos: usize,
    depth: i64,
    msgs: Vec<ConfigMessage>,
    cur_line: usize,
}

impl Parser {
    pub(super) fn err(&mut self, text: String) {
        self.msgs.push(ConfigMessage { line: self.cur_line, text: format!("(Line {}) {}", self.cur_line, text), fatal: false });
    }

    fn fatal(&mut self, text: String) {
        self.msgs.push(ConfigMessage { line: self.cur_line, text: format!("(Line {}) {}", self.cur_line, text), fatal: true });
    }

    /// The next logical line, with keepalived's block-depth bookkeeping.
    fn next(&mut self) -> Option<Vec<String>> {
        let line = self.lines.get(self.pos)?;
        self.pos += 1;
        self.cur_line = line.no;
        let words = line.words.clone();
        if words.len() == 1 && words[0] == "{" {
            self.depth += 1;
        } else if words.len() == 1 && words[0] == "}" {
            self.depth -= 1;
            if self.depth < 0 {
                self.err("Extra '}' found".to_string());
                self.depth = 0;
            }
        }
        Some(words)
    }

    /// Reads one block level. `level` 0 is the file; deeper levels end at `}`.
    /// `kind` says which keyword table applies.
    pub(super) fn block(&mut self, level: usize, mut need_bob: bool, mut on: impl FnMut(&mut Parser, &[String]) -> bool) {
        while let Some(words) = self.next() {
            let first = words[0].as_str();
            if need_bob {
                need_bob = false;
                if first == "{" && level > 0 {
                    continue;
                }
                self.err("Missing '{' at beginning of configuration block".to_string());
            } else if first == "{" {
                self.err("Unexpected '{' - ignoring".to_string());
                continue;
            }
            if first == "}" && level > 0 {
                break;
            }
            if !on(self, &words) {
                self.err(format!("Unknown keyword '{first}'"));
            }
        }
    }

    /// Skips a block that follows a known-but-ignored keyword (if one follows).
    fn skip_block(&mut self) {
        if self.lines.get(self.pos).is_some_and(|l| l.words.len() == 1 && l.words[0] == "{") {
            let _ = self.next();
            let mut depth = 1;
            while let Some(w) = self.next() {
                if w[0] == "{" {
                    depth += 1;
                } else if w[0] == "}" {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
            }
        }
    }

    /// keepalived's `alloc_value_block`: each line up to `}` is one entry.
    fn value_block(&mut self, keyword: &str) -> Vec<(usize, Vec<String>)> {
        let mut out = Vec::new();
        let mut need_bob = true;
        while let Some(words) = self.next() {
            if need_bob {
                need_bob = false;
                if words[0] == "{" {
                    continue;
                }
                self.msgs.push(ConfigMessage {
                    line: self.cur_line,
                    text: format!("'{{' missing from beginning of block {keyword}"),
                    fatal: false,
                });
            }
            if words[0] == "}" {
                break;
            }
            out.push((self.cur_line, words));
        }
        out
    }

    /// The word at `idx`, or the missing-parameter error (keepalived exits on it).
    pub(super) fn param<'a>(&mut self, words: &'a [String], idx: usize) -> Option<&'a str> {
        match words.get(idx) {
            Some(w) => Some(w.as_str()),
            None => {
                self.fatal(format!(
                    "*** Configuration line starting `{}` is missing a parameter after keyword `{}` at word position {}",
                    words[0],
                    words[idx - 1],
                    idx + 1
                ));
                None
            }
        }
    }

    /// keepalived's `read_unsigned_func` (base 10).
    pub(super) fn unsigned(&mut self, s: &str, min: u64, max: u64, ignore_error: bool) -> Option<u64> {
        let warn = if ignore_error { "WARNING - " } else { "" };
        let t = s.trim_start();
        let digits: String = t.chars().take_while(|c| c.is_ascii_digit()).collect();
        let val: Option<u64> = if digits.is_empty() { Some(0) } else { digits.parse().ok() };
        if t.starts_with('-') {
            self.err(format!("{warn}negative number '{s}'"));
            return None;
        }
        let Some(val) = val.filter(|v| *v <= u64::from(u32::MAX)) else {
            self.err(format!("{warn}number '{s}' outside unsigned integer range"));
            return None;
        };
        if digits.len() != t.len() {
            self.err(format!("{warn}invalid number '{s}'"));
            return (ignore_error && val >= min && val <= max && !digits.is_empty()).then_some(val);
        }
        if val < min || val > max {
            self.err(format!("{warn}number '{s}' outside range [{min}, {max}]"));
            return None;
        }
        Some(val)
    }

    /// keepalived's `read_int_func` (base 10, non-strict build); `None` on any error.
    pub(super) fn signed(&mut self, s: &str, min: i32, max: i32) -> Option<i32> {
        let t = s.trim_start();
        let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
            self.err(format!("WARNING - invalid number '{s}'"));
            return None;
        }
        let Some(val) = t.parse::<i64>().ok().filter(|v| i32::try_from(*v).is_ok()) else {
            self.err(format!("WARNING - number '{s}' outside integer range"));
            return None;
        };
        if val < i64::from(min) || val > i64::from(max) {
            self.err(format!("number '{s}' outside range [{min}, {max}]"));
            return None;
        }
        i32::try_from(val).ok()
    }

    /// A notify keyword's script, as keepalived's `notify_script_init()` takes it: the first
    /// word (a quoted string is one word) is the command line; a user and group may follow
    /// (`notify_master <STRING>|<QUOTED-STRING> [username [groupname]]`, keepalived.conf(5)).
    fn notify_script(&mut self, iname: &str, slot: &mut Option<String>, words: &[String]) {
        let Some(v) = self.param(words, 1) else { return };
        if slot.is_some() {
            let keyword = &words[0];
            let what = if keyword == "notify" { "notify script".to_owned() } else { format!("{keyword} script") };
            self.err(format!("({iname}) {what} already specified - ignoring {v}"));
            return;
        }
        *slot = Some(v.to_owned());
        if words.get(2).is_some_and(|user| user != "root") {
            self.err(keywords::not_modelled("user"));
        }
    }

    fn top(&mut self, cfg: &mut Config, raw: &mut Vec<RawInstance>) {
        self.block(0, false, |p, words| match words[0].as_str() {
            "global_defs" => {
                p.block(1, true, |p, w| p.global(cfg, w));
                true
            }
            "vrrp_instance" => {
                let Some(name) = p.param(words, 1) else {
                    return true;
                };
                let mut r = RawInstance { name: name.to_string(), line: p.cur_line, ..Default::default() };
                p.block(1, true, |p, w| p.instance(&mut r, &cfg.scripts, w));
                raw.push(r);
                true
            }
            "vrrp_script" => {
                let Some(name) = p.param(words, 1) else {
                    return true;
                };
                let name = name.to_owned();
                if let Some(script) = p.vrrp_script(&name) {
                    cfg.scripts.push(script);
                }
                true
            }
            k if support(Block::Top, k).is_some() => {
                p.not_modelled(k);
                p.skip_block();
                true
            }
            _ => false,
        });
    }

    /// A keyword keepalived knows and labsim does not model: the warning, and its value block
    /// read (and dropped) if keepalived reads one.
    fn not_modelled(&mut self, keyword: &str) {
        self.err(keywords::not_modelled(keyword));
        if VALUE_BLOCKS.contains(&keyword) {
            let _ = self.value_block(keyword);
        }
    }

    fn global(&mut self, cfg: &mut Config, words: &[String]) -> bool {
        match words[0].as_str() {
            "router_id" => {
                if let Some(v) = self.param(words, 1) {
                    cfg.router_id = Some(v.to_string());
                }
            }
            k if support(Block::Global, k).is_some() => self.not_modelled(k),
            _ => return false,
        }
        true
    }

    fn instance(&mut self, r: &mut RawInstance, scripts: &[ScriptConfig], words: &[String]) -> bool {
        let iname = r.name.clone();
        match words[0].as_str() {
            "state" => {
                let Some(v) = self.param(words, 1) else {
                    return true;
                };
                match v {
                    "MASTER" => r.state = Some(InitialState::Master),
                    "BACKUP" => {
                        if r.state == Some(InitialState::Master) {
                            self.err(format!("({iname}) state previously set as MASTER - ignoring BACKUP"));
                        } else {
                            r.state = Some(InitialState::Backup);
                        }
                    }
                    other => {
                        self.err(format!("({iname}) unknown state '{other}', defaulting to BACKUP"));
                        r.state = Some(InitialState::Backup);
                    }
                }
            }
            "interface" => {
                let Some(v) = self.param(words, 1) else {
                    return true;
                };
                if v.len() >= 16 {
                    self.err(format!("Interface name '{v}' too long - ignoring"));
                } else {
                    r.interface = Some(v.to_string());
                }
            }
            "virtual_router_id" => {
                let Some(v) = self.param(words, 1) else {
                    return true;
                };
                match self.unsigned(v, 1, 255, false) {
                    Some(n) => r.vrid = u8::try_from(n).unwrap_or(0),
                    None => self.err(format!("({iname}): VRID '{v}' not valid - must be between 1 & 255")),
                }
            }
            "priority" => {
                let Some(v) = self.param(words, 1) else {
                    return true;
                };
                match self.unsigned(v, 1, 255, false) {
                    Some(n) => r.priority = u8::try_from(n).unwrap_or(100),
                    None => {
                        self.err(format!("({iname}) Priority not valid! must be between 1 & 255. Using default 100"));
                        r.priority = 100;
                    }
                }
            }
            "advert_int" => {
                let Some(v) = self.param(words, 1) else {
                    return true;
                };
                match parse_decimal_us(v).filter(|us| (10_000..=255_000_000).contains(us)) {
                    Some(us) => r.advert_int_us = us,
                    None => self.err(format!("({iname}) Advert interval ({v}) not valid! Must be > 0 - ignoring")),
                }
            }
            "authentication" => {
                self.block(2, true, |p, w| match w[0].as_str() {
                    "auth_type" => {
                        let Some(v) = p.param(w, 1) else { return true };
                        match v {
                            "PASS" => r.auth_type = Some(1),
                            "AH" => r.auth_type = Some(2),
                            other => p.err(format!("({iname}) unknown authentication type '{other}'")),
                        }
                        true
                    }
                    "auth_pass" => {
                        let Some(v) = p.param(w, 1) else { return true };
                        if v.len() > 8 {
                            p.err("Truncating auth_pass to 8 characters".to_string());
                        }
                        r.auth_pass = [0; 8];
                        for (d, b) in r.auth_pass.iter_mut().zip(v.as_bytes()) {
                            *d = *b;
                        }
                        true
                    }
                    _ => false,
                });
            }
            "virtual_ipaddress" => {
                for (line, entry) in self.value_block("virtual_ipaddress") {
                    self.cur_line = line;
                    if let Some(v) = self.vip(&entry) {
                        r.vips.push(v);
                    }
                }
            }
            "nopreempt" => r.nopreempt = true,
            "preempt_delay" => {
                let Some(v) = self.param(words, 1) else {
                    return true;
                };
                match parse_decimal_us(v).filter(|us| *us <= 1_000 * 1_000_000) {
                    Some(us) => r.preempt_delay_us = us,
                    None => {
                        self.err(format!("({iname}) Preempt_delay not valid! must be between 0-1000"));
                        r.preempt_delay_us = 0;
                    }
                }
            }
            "garp_master_delay" => {
                let Some(v) = self.param(words, 1) else {
                    return true;
                };
                match self.unsigned(v, 0, u64::from(u32::MAX) / 1_000_000, true) {
                    Some(n) => r.garp_delay_s = Some(n),
                    None => self.err(format!("({iname}): garp_master_delay '{v}' invalid - ignoring")),
                }
            }
            "garp_master_repeat" => {
                let Some(v) = self.param(words, 1) else {
                    return true;
                };
                match self.unsigned(v, 0, u64::from(u32::MAX), true) {
                    Some(0) => {
                        self.err(format!("({iname}): garp_master_repeat must be greater than 0, setting to 1"));
                        r.garp_rep = Some(1);
                    }
                    Some(n) => r.garp_rep = Some(u32::try_from(n).unwrap_or(u32::MAX)),
                    None => self.err(format!("({iname}): garp_master_repeat '{v}' invalid - ignoring")),
                }
            }
            "track_script" => {
                for (line, entry) in self.value_block("track_script") {
                    self.cur_line = line;
                    self.track_script(&iname, scripts, &mut r.track_scripts, &entry);
                }
            }
            "track_interface" => {
                for (line, entry) in self.value_block("track_interface") {
                    self.cur_line = line;
                    self.track_interface(&iname, &mut r.track_interfaces, &entry);
                }
            }
            "notify_master" => self.notify_script(&iname, &mut r.notify.master, words),
            "notify_backup" => self.notify_script(&iname, &mut r.notify.backup, words),
            "notify_fault" => self.notify_script(&iname, &mut r.notify.fault, words),
            "notify_stop" => self.notify_script(&iname, &mut r.notify.stop, words),
            "notify" => self.notify_script(&iname, &mut r.notify.any, words),
            // `vrrp_preempt_handler()` clears `nopreempt`; `accept` is the default without
            // vrrp_strict.
            "preempt" => r.nopreempt = false,
            "accept" => {}
            k if support(Block::Instance, k).is_some() => self.not_modelled(k),
            _ => return false,
        }
        true
    }

    /// One `virtual_ipaddress` line: `A.B.C.D[/len] [dev IF] [label L] [scope S] …`.
    fn vip(&mut self, w: &[String]) -> Option<VipConfig> {
        let spec = w[0].as_str();
        let (addr_s, len_s) = match spec.split_once('/') {
            Some((a, l)) => (a, Some(l)),
            None => (spec, None),
        };
        let Ok(addr) = addr_s.parse::<Ipv4Addr>() else {
            self.err(format!("VRRP parsed invalid IP {spec}. skipping IP..."));
            return None;
        };
        let mut prefix_len = 32;
        if let Some(l) = len_s {
            match l.parse::<u8>() {
                Ok(n) if n <= 32 => prefix_len = n,
                _ => self.err(format!("Invalid address prefix len {l} for address {spec} - using 32")),
            }
        }
        let mut dev: Option<String> = None;
        let mut i = 1;
        while i < w.len() {
            let key = w[i].as_str();
            if key == "dev" {
                match w.get(i + 1) {
                    Some(d) if dev.is_none() => dev = Some(d.clone()),
                    Some(_) => self.err(format!("Cannot specify ipaddress device more than once for {spec}")),
                    None => {}
                }
                i += 2;
            } else if matches!(key, "label" | "scope" | "brd" | "broadcast" | "peer" | "preferred_lft" | "valid_lft") {
                i += 2;
            } else {
                i += 1;
            }
        }
        Some(VipConfig { addr, prefix_len, dev })
    }
}

/// keepalived's `read_decimal_unsigned` for seconds with up to 6 decimals, in µs.
fn parse_decimal_us(s: &str) -> Option<u64> {
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, f),
        None => (s, ""),
    };
    if int.is_empty() && frac.is_empty() || frac.len() > 6 {
        return None;
    }
    if !int.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let i: u64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let mut f: u64 = if frac.is_empty() { 0 } else { frac.parse().ok()? };
    for _ in frac.len()..6 {
        f *= 10;
    }
    i.checked_mul(1_000_000)?.checked_add(f)
}

/// `vrrp_complete_instance()`: defaults, corrections and the minimum-configuration check.
fn complete(r: RawInstance, msgs: &mut Vec<ConfigMessage>) -> Option<InstanceConfig> {
    let name = r.name.clone();
    let mut say = |text: String, fatal: bool| msgs.push(ConfigMessage { line: r.line, text, fatal });
    if r.vrid == 0 {
        say(format!("({name}) the virtual router id must be set"), true);
        return None;
    }
    let Some(interface) = r.interface.clone() else {
        say(format!("({name}) Unknown interface!"), true);
        return None;
    };
    let mut advert_us = if r.advert_int_us == 0 { 1_000_000 } else { r.advert_int_us };
    if advert_us % 1_000_000 != 0 {
        let rounded = ((advert_us + 500_000) / 1_000_000).max(1) * 1_000_000;
        say(
            format!(
                "({name}) VRRPv2 advertisement interval {}ms is not a multiple of 1 second - rounding to {}s",
                advert_us / 1_000,
                rounded / 1_000_000
            ),
            false,
        );
        advert_us = rounded;
    }
    if r.vips.is_empty() {
        say(format!("({name}) No VIP specified; at least one is sensible"), false);
    }
    let mut nopreempt = r.nopreempt;
    let mut preempt_delay_us = r.preempt_delay_us;
    if r.priority == 255 && nopreempt {
        say(format!("({name}) nopreempt is incompatible with priority 255. resetting nopreempt"), false);
        nopreempt = false;
    }
    if r.state == Some(InitialState::Master) {
        if nopreempt {
            say(format!("({name}) Warning - nopreempt will not work with initial state MASTER - clearing"), false);
            nopreempt = false;
        }
        if preempt_delay_us > 0 {
            say(format!("({name}) Warning - preempt delay will not work with initial state MASTER - clearing"), false);
            preempt_delay_us = 0;
        }
    }
    let priority = match (r.priority, r.state) {
        (0, Some(InitialState::Master)) => 255,
        (0, _) => 100,
        (p, _) => p,
    };
    let state = r.state.unwrap_or(if priority == 255 { InitialState::Master } else { InitialState::Backup });
    let auth = match r.auth_type {
        None => AuthConfig::None,
        Some(1) => AuthConfig::Pass(r.auth_pass),
        Some(_) => AuthConfig::Ah,
    };
    Some(InstanceConfig {
        name,
        state,
        interface,
        vrid: r.vrid,
        priority,
        advert_int: Duration::from_micros(advert_us),
        auth,
        vips: r.vips,
        nopreempt,
        preempt_delay: Duration::from_micros(preempt_delay_us),
        garp_master_delay: Duration::from_secs(r.garp_delay_s.unwrap_or(5)),
        garp_master_repeat: r.garp_rep.unwrap_or(5),
        track_scripts: r.track_scripts,
        track_interfaces: r.track_interfaces,
        notify: r.notify,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) const LB1: &str = "global_defs {
   router_id HA_TEST_R1
}
vrrp_instance VI_1 {
   state MASTER
   interface eno33554984
   virtual_router_id 1
   priority 110
   advert_int 1
   authentication {
      auth_type PASS
      auth_pass 123456
   }
   virtual_ipaddress {
      172.2.20.100
   }
}
";

    #[test]
    fn lab_config_parses() {
        let p = parse(LB1, "/etc/keepalived/keepalived.conf");
        assert_eq!(p.messages, vec![]);
        assert_eq!(p.config.router_id.as_deref(), Some("HA_TEST_R1"));
        let i = &p.config.instances[0];
        assert_eq!(i.name, "VI_1");
        assert_eq!(i.state, InitialState::Master);
        assert_eq!(i.interface, "eno33554984");
        assert_eq!((i.vrid, i.priority), (1, 110));
        assert_eq!(i.advert_int, Duration::from_secs(1));
        assert_eq!(i.auth, AuthConfig::Pass(*b"123456\0\0"));
        assert_eq!(i.vips, vec![VipConfig { addr: Ipv4Addr::new(172, 2, 20, 100), prefix_len: 32, dev: None }]);
        assert!(!i.nopreempt);
        assert_eq!(i.garp_master_delay, Duration::from_secs(5));
        assert_eq!(i.garp_master_repeat, 5);
    }

    #[test]
    fn braces_on_one_line_and_comments() {
        let text = "# comment\nvrrp_instance VI_2 { ! another\n interface eth0 ; \n virtual_router_id 51\n authentication { auth_type PASS }\n authentication {\n auth_pass 1111 }\n virtual_ipaddress { 10.0.0.100/24 dev eth1 }\n}\n";
        let p = parse(text, "k.conf");
        assert_eq!(p.messages, vec![]);
        let i = &p.config.instances[0];
        assert_eq!(i.priority, 100);
        assert_eq!(i.state, InitialState::Backup);
        assert_eq!(i.auth, AuthConfig::Pass(*b"1111\0\0\0\0"));
        assert_eq!(i.vips[0].prefix_len, 24);
        assert_eq!(i.vip_dev(&i.vips[0]), "eth1");
    }

    #[test]
    fn unknown_keyword_names_its_line() {
        let text = LB1.replace("   advert_int 1\n", "   advert_int 1\n   bogus_option 3\n");
        let p = parse(&text, "f");
        assert_eq!(p.messages, vec![ConfigMessage { line: 10, text: "(Line 10) Unknown keyword 'bogus_option'".into(), fatal: false }]);
        assert_eq!(p.config.instances.len(), 1);
    }

    #[test]
    fn keywords_not_modelled_are_warned_about_and_skipped_with_their_blocks() {
        let text =
            LB1.replace(
                "   router_id HA_TEST_R1\n",
                "   router_id HA_TEST_R1\n   vrrp_strict\n   notification_email {\n      root@localhost\n   }\n",
            )
            .replace(
                "   advert_int 1\n",
                "   advert_int 1\n   track_process {\n      nginx\n   }\n   notify_master_rx_lower_pri /bin/true\n   preempt\n",
            ) + "vrrp_sync_group G {\n   group {\n      VI_1\n   }\n}\n";
        let p = parse(&text, "f");
        let texts: Vec<(usize, &str)> = p.messages.iter().map(|m| (m.line, m.text.as_str())).collect();
        assert_eq!(
            texts,
            [
                (3, "(Line 3) Keyword 'vrrp_strict' is not modelled by labsim - ignoring"),
                (4, "(Line 4) Keyword 'notification_email' is not modelled by labsim - ignoring"),
                (14, "(Line 14) Keyword 'track_process' is not modelled by labsim - ignoring"),
                (17, "(Line 17) Keyword 'notify_master_rx_lower_pri' is not modelled by labsim - ignoring"),
                (27, "(Line 27) Keyword 'vrrp_sync_group' is not modelled by labsim - ignoring"),
            ]
        );
        let i = &p.config.instances[0];
        assert_eq!((i.priority, i.vips.len()), (110, 1), "the rest is read as before");
    }

    #[test]
    fn scripts_tracking_and_notify_are_read() {
        let script = "vrrp_script chk_nginx {\n   script \"killall -0 nginx\"\n   interval 2\n   weight -20 reverse\n   fall 2\n   rise 3\n   timeout 5\n   init_fail\n   user nobody\n}\n";
        let text = format!(
            "{script}{}",
            LB1.replace(
                "   advert_int 1\n",
                "   advert_int 1\n   track_script {\n      chk_nginx weight 30\n      chk_other\n   }\n   track_interface {\n      eth1 weight -10\n      eth2\n   }\n   notify_master \"/etc/keepalived/master.sh arg\"\n   notify /usr/bin/logger nobody\n   notify_master /bin/true\n",
            )
        );
        let p = parse(&text, "f");
        let texts: Vec<&str> = p.messages.iter().map(|m| m.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "(Line 9) Keyword 'user' is not modelled by labsim - ignoring",
                "(Line 22) (VI_1) track script chk_other not found, ignoring...",
                "(Line 29) Keyword 'user' is not modelled by labsim - ignoring",
                "(Line 30) (VI_1) notify_master script already specified - ignoring /bin/true",
            ]
        );
        let s = &p.config.scripts[0];
        assert_eq!((s.command.as_str(), s.interval, s.timeout), ("killall -0 nginx", Duration::from_secs(2), Some(Duration::from_secs(5))));
        assert_eq!((s.weight, s.reverse, s.rise, s.fall, s.init_fail), (-20, true, 3, 2, true));
        let i = &p.config.instances[0];
        assert_eq!(i.track_scripts, [Tracked { name: "chk_nginx".into(), weight: 30, reverse: false }]);
        assert_eq!(
            i.track_interfaces,
            [Tracked { name: "eth1".into(), weight: -10, reverse: false }, Tracked { name: "eth2".into(), weight: 0, reverse: false }]
        );
        assert_eq!(i.notify.master.as_deref(), Some("/etc/keepalived/master.sh arg"));
        assert_eq!(i.notify.any.as_deref(), Some("/usr/bin/logger"));
        // keepalived resolves a tracked script when it reads the instance: defined below, it
        // is not found.
        let p = parse(
            &format!("{}{script}", LB1.replace("   advert_int 1\n", "   advert_int 1\n   track_script {\n      chk_nginx\n   }\n")),
            "f",
        );
        assert_eq!(p.messages[0].text, "(Line 11) (VI_1) track script chk_nginx not found, ignoring...");
        assert!(p.config.instances[0].track_scripts.is_empty());
    }

    #[test]
    fn missing_close_brace_reported() {
        let text = LB1.trim_end().trim_end_matches('}');
        let p = parse(text, "f");
        assert_eq!(p.messages.last().map(|m| m.text.as_str()), Some("There are 1 missing '}'s or extra '{'s"));
        let p = parse(&format!("{LB1}}}\n"), "f");
        assert_eq!(p.messages[0].text, "(Line 18) Extra '}' found");
    }

    #[test]
    fn truncation_and_master_nopreempt_warnings() {
        let text = LB1.replace("auth_pass 123456", "auth_pass 1234567890").replace("advert_int 1\n", "advert_int 1\n nopreempt\n");
        let p = parse(&text, "f");
        let texts: Vec<_> = p.messages.iter().map(|m| m.text.as_str()).collect();
        assert_eq!(
            texts,
            vec![
                "(Line 13) Truncating auth_pass to 8 characters",
                "(VI_1) Warning - nopreempt will not work with initial state MASTER - clearing",
            ]
        );
        assert_eq!(p.config.instances[0].auth, AuthConfig::Pass(*b"12345678"));
        assert!(!p.config.instances[0].nopreempt);
    }

    #[test]
    fn bad_values_and_missing_fields() {
        let text = "vrrp_instance X {\n priority 300\n interface eth0\n}\nvrrp_instance Y {\n virtual_router_id 7\n priority 5x\n}\n";
        let p = parse(text, "f");
        let texts: Vec<_> = p.messages.iter().map(|m| (m.text.as_str(), m.fatal)).collect();
        assert_eq!(
            texts,
            vec![
                ("(Line 2) number '300' outside range [1, 255]", false),
                ("(Line 2) (X) Priority not valid! must be between 1 & 255. Using default 100", false),
                ("(Line 7) invalid number '5x'", false),
                ("(Line 7) (Y) Priority not valid! must be between 1 & 255. Using default 100", false),
                ("(X) the virtual router id must be set", true),
                ("(Y) Unknown interface!", true),
            ]
        );
        assert!(p.config.instances.is_empty());
    }

    #[test]
    fn deep_nesting_is_counted_not_recursed() {
        // As keepalived 2.2.7 (`keepalived -t`) reports these lines.
        let head = "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n";
        let p = parse(&format!("{head}{}}}\n", " authentication {\n".repeat(3)), "f");
        let texts: Vec<_> = p.messages.iter().map(|m| m.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "(Line 5) Unknown keyword 'authentication'",
                "(Line 5) Unexpected '{' - ignoring",
                "(Line 6) Unknown keyword 'authentication'",
                "(Line 6) Unexpected '{' - ignoring",
                "There are 3 missing '}'s or extra '{'s",
                "(VI_1) No VIP specified; at least one is sensible",
            ]
        );
        let p = parse(&format!("{head}{}}}\n", " authentication {\n".repeat(100_000)), "f");
        assert_eq!(p.messages.len(), 2 * 99_999 + 2);
        assert_eq!(p.messages[2 * 99_999].text, "There are 100000 missing '}'s or extra '{'s");
        let p = parse(&"{\n".repeat(100_000), "f");
        assert_eq!(p.messages.last().map(|m| m.text.as_str()), Some("There are 100000 missing '}'s or extra '{'s"));
    }

    #[test]
    fn a_megabyte_line_and_quoted_string() {
        let p = parse(&format!("{}\n", "x ".repeat(500_000)), "f");
        assert_eq!(p.messages[0].text, "(Line 1) Unknown keyword 'x'");
        let p = parse(&format!("global_defs {{\n router_id \"{}\"\n}}\n", "r".repeat(1 << 20)), "f");
        assert_eq!(p.config.router_id.map(|r| r.len()), Some(1 << 20));
    }

    #[test]
    fn missing_parameter_is_fatal() {
        let p = parse("vrrp_instance VI_1 {\n priority\n}\n", "f");
        assert!(p.messages[0].fatal);
        assert_eq!(
            p.messages[0].text,
            "(Line 2) *** Configuration line starting `priority` is missing a parameter after keyword `priority` at word position 2"
        );
    }
}
