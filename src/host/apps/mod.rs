//! The processes of a host: daemons managed as systemd units (keepalived) and foreground console
//! commands that outlive the instant they were typed at (ping). Each is glue between a sans-IO
//! core in `proto` and the host's network; this module owns their lifecycle: pids, signals,
//! unit states, and the routing of packets and link events to them.

mod curl;
mod httpd;
mod keepalived;
mod nc;
mod net;
mod nginx;
mod ping;

use super::Host;
use crate::kernel::SimTime;
use crate::observe::trace::TraceKind;
use curl::CurlProc;
use httpd::HttpdProc;
use keepalived::Keepalived;
use nc::NcProc;
use nginx::NginxProc;
use ping::PingProc;

/// A systemd unit labsim knows how to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Unit {
    /// `keepalived.service`.
    Keepalived,
    /// `httpd.service` (Apache).
    Httpd,
    /// `nginx.service`.
    Nginx,
}

impl Unit {
    /// `keepalived.service` or `keepalived` → the unit.
    pub(crate) fn from_name(name: &str) -> Option<Unit> {
        match name.trim_end_matches(".service") {
            "keepalived" => Some(Unit::Keepalived),
            "httpd" => Some(Unit::Httpd),
            "nginx" => Some(Unit::Nginx),
            _ => None,
        }
    }

    /// The unit's short name (`keepalived`).
    pub(crate) fn name(self) -> &'static str {
        match self {
            Unit::Keepalived => "keepalived",
            Unit::Httpd => "httpd",
            Unit::Nginx => "nginx",
        }
    }

    /// The unit's `Description=`.
    pub(crate) fn description(self) -> &'static str {
        match self {
            Unit::Keepalived => "Keepalive Daemon (LVS and VRRP)",
            Unit::Httpd => "The Apache HTTP Server",
            Unit::Nginx => "A high performance web server and a reverse proxy server",
        }
    }

    /// The file or directory whose presence means the package is installed.
    fn marker(self) -> &'static str {
        match self {
            Unit::Keepalived => "/etc/keepalived/keepalived.conf",
            Unit::Httpd => "/var/www/html",
            Unit::Nginx => "/etc/nginx",
        }
    }
}

/// What `systemctl status` reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum UnitState {
    /// Never started or cleanly stopped.
    Inactive,
    /// Running.
    Active { since: SimTime, pid: u32 },
    /// Stopping (SIGTERM sent, not exited yet).
    Deactivating { since: SimTime, pid: u32 },
    /// Killed by a signal, or refused to start.
    Failed { since: SimTime, result: &'static str },
}

/// The exit status of a process killed by `signal` (128 + its number, as the shell shows it).
pub(crate) fn killed_status(signal: Signal) -> i32 {
    128 + match signal {
        Signal::Int => 2,
        Signal::Kill => 9,
        Signal::Term => 15,
    }
}

/// Signals the shell can send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Signal {
    /// SIGTERM: orderly shutdown.
    Term,
    /// SIGKILL: the process vanishes at once.
    Kill,
    /// SIGINT: Ctrl-C.
    Int,
}

pub(super) struct Processes {
    next_pid: u32,
    keepalived: Option<Keepalived>,
    /// Units that died or failed to start: when, and systemd's `Result:` (`signal`, `exit-code`).
    failed: Vec<(Unit, SimTime, &'static str)>,
    /// A `systemctl start`/`restart` that waits for the stopping keepalived to exit.
    keepalived_restart: bool,
    httpd: Option<HttpdProc>,
    nginx: Option<NginxProc>,
    /// Console programs that outlive the instant they were typed at, in start order.
    programs: Vec<Box<dyn Program>>,
}

/// A program typed on the console that runs until it exits (ping, curl, nc).
pub(super) trait Program {
    /// Its name, as `pidof` knows it.
    fn name(&self) -> &'static str;
    /// Its pid.
    fn pid(&self) -> u32;
    /// Whether it has exited (it then reported its exit status).
    fn is_finished(&self) -> bool;
    /// When it next needs [`Program::poll`].
    fn poll_timeout(&self) -> Option<SimTime>;
    /// Runs it; true if it did anything.
    fn poll(&mut self, host: &mut Host, now: SimTime) -> bool;
    /// A signal: each program exits its own way (ping prints its statistics on SIGINT).
    fn signal(&mut self, host: &mut Host, now: SimTime, signal: Signal);
    /// Neighbour resolution failed for `packet`; true if the packet was this program's.
    fn unreachable(&mut self, _host: &mut Host, _now: SimTime, _packet: &[u8]) -> bool {
        false
    }
}

impl Default for Processes {
    fn default() -> Self {
        // Pids after boot-time services, as on a freshly booted small VM.
        Processes {
            next_pid: 1000,
            keepalived: None,
            failed: Vec::new(),
            keepalived_restart: false,
            httpd: None,
            nginx: None,
            programs: Vec::new(),
        }
    }
}

impl Processes {
    fn alloc_pids(&mut self, n: u32) -> u32 {
        let first = self.next_pid;
        self.next_pid += n;
        first
    }

    /// Runs every process once; true if any of them did something.
    pub(super) fn poll(&mut self, host: &mut Host, now: SimTime) -> bool {
        let mut moved = false;
        if let Some(k) = self.keepalived.as_mut() {
            moved |= k.poll(host, now);
            if k.is_exited() {
                self.keepalived = None;
                if std::mem::take(&mut self.keepalived_restart) {
                    let pid = self.alloc_pids(2);
                    self.keepalived = Some(Keepalived::start(host, now, pid));
                }
            }
        }
        if let Some(h) = self.httpd.as_mut() {
            moved |= h.poll(host, now);
        }
        if let Some(n) = self.nginx.as_mut() {
            moved |= n.poll(host, now);
        }
        for p in &mut self.programs {
            moved |= p.poll(host, now);
        }
        self.programs.retain(|p| !p.is_finished());
        moved
    }

    pub(super) fn poll_timeout(&self) -> Option<SimTime> {
        let k = self.keepalived.as_ref().and_then(Keepalived::poll_timeout);
        let h = self.httpd.as_ref().and_then(HttpdProc::poll_timeout);
        let n = self.nginx.as_ref().and_then(NginxProc::poll_timeout);
        let p = self.programs.iter().filter_map(|p| p.poll_timeout()).min();
        [k, h, n, p].into_iter().flatten().min()
    }

    /// Power off: everything dies without a word.
    pub(super) fn kill_all(&mut self) {
        *self = Processes::default();
    }

    pub(super) fn interrupt_commands(&mut self, host: &mut Host, now: SimTime) {
        for p in &mut self.programs {
            p.signal(host, now, Signal::Int);
        }
    }

    /// A VRRP packet arrived on `dev`; true if keepalived took it (as its raw socket would).
    pub(super) fn deliver_vrrp(&mut self, host: &mut Host, now: SimTime, dev: &str, packet: &[u8]) -> bool {
        match self.keepalived.as_mut() {
            Some(k) => {
                k.deliver(host, now, dev, packet);
                true
            }
            None => false,
        }
    }

    /// Neighbour resolution failed for `packet`: the sending process gets EHOSTUNREACH.
    pub(super) fn host_unreachable(&mut self, host: &mut Host, now: SimTime, packet: &[u8]) {
        for p in &mut self.programs {
            if p.unreachable(host, now, packet) {
                return;
            }
        }
    }

    pub(super) fn link_changed(&mut self, host: &mut Host, now: SimTime, dev: &str, up: bool) {
        if let Some(k) = self.keepalived.as_mut() {
            k.link_changed(host, now, dev, up);
        }
    }

    /// Starts `ping`; its pid, or `None` when it failed at once (it printed why).
    pub(super) fn start_ping(&mut self, host: &mut Host, now: SimTime, id: usize, args: &[&str]) -> Option<u32> {
        let pid = self.alloc_pids(1);
        let p = PingProc::start(host, now, id, pid, args)?;
        self.programs.push(Box::new(p));
        Some(pid)
    }

    /// Starts `curl`; its pid, or `None` when it failed at once (it printed why).
    pub(super) fn start_curl(&mut self, host: &mut Host, now: SimTime, id: usize, args: &[&str]) -> Option<u32> {
        let pid = self.alloc_pids(1);
        let c = CurlProc::start(host, now, id, pid, args)?;
        let done = c.is_finished();
        self.programs.push(Box::new(c));
        (!done).then_some(pid)
    }

    /// Starts `nc` with `stdin` as its input; its pid, or `None` when it failed at once.
    pub(super) fn start_nc(&mut self, host: &mut Host, now: SimTime, id: usize, args: &[&str], stdin: Vec<u8>) -> Option<u32> {
        let pid = self.alloc_pids(1);
        let n = NcProc::start(host, now, id, pid, args, stdin)?;
        self.programs.push(Box::new(n));
        Some(pid)
    }

    fn processes(&self) -> Vec<(u32, &'static str)> {
        let mut all = Vec::new();
        if let Some(k) = &self.keepalived {
            all.extend(k.pids().map(|p| (p, "keepalived")));
        }
        if let Some(h) = &self.httpd {
            all.push((h.pid(), "httpd"));
        }
        if let Some(n) = &self.nginx {
            all.extend(n.pids().map(|p| (p, "nginx")));
        }
        all.extend(self.programs.iter().map(|p| (p.pid(), p.name())));
        all
    }

    fn signal(&mut self, host: &mut Host, now: SimTime, pid: u32, signal: Signal) -> bool {
        if let Some(k) = self.keepalived.as_mut()
            && k.pids().contains(&pid)
        {
            match signal {
                Signal::Term | Signal::Int => k.terminate(host, now),
                Signal::Kill => {
                    // The whole process group dies at once: no priority-0 advert, the VIP
                    // stays configured (spec-vrrp §4.9).
                    k.kill(host);
                    self.keepalived = None;
                    self.failed.push((Unit::Keepalived, now, "signal"));
                }
            }
            return true;
        }
        if let Some(h) = self.httpd.as_mut()
            && h.pid() == pid
        {
            // httpd stops on SIGTERM and SIGKILL alike: its sockets close with the process.
            h.stop(host);
            self.httpd = None;
            if signal == Signal::Kill {
                self.failed.push((Unit::Httpd, now, "signal"));
            }
            return true;
        }
        if let Some(n) = self.nginx.as_mut()
            && n.pids().contains(&pid)
        {
            n.stop(host);
            self.nginx = None;
            if signal == Signal::Kill {
                self.failed.push((Unit::Nginx, now, "signal"));
            }
            return true;
        }
        match self.programs.iter_mut().find(|p| p.pid() == pid) {
            Some(p) => {
                p.signal(host, now, signal);
                true
            }
            None => false,
        }
    }
}

/// The units installed on a disk prepared with `enabled` services and these files.
pub(super) fn installed_units(fs: &crate::host::Fs, enabled: &[String]) -> Vec<Unit> {
    [Unit::Keepalived, Unit::Httpd, Unit::Nginx]
        .into_iter()
        .filter(|u| enabled.iter().any(|e| e == u.name()) || fs.read(u.marker()).is_some() || fs.is_dir(u.marker()))
        .collect()
}

/// The files a package installs that a scenario did not provide: nginx's stock `nginx.conf` and
/// `mime.types` on a host that runs nginx (enabled, or given any file under `/etc/nginx/`).
pub(super) fn install_packages(fs: &mut crate::host::Fs, enabled: &[String]) {
    use crate::proto::nginx::config::{DEFAULT_MIME_TYPES, DEFAULT_NGINX_CONF, MIME_TYPES_PATH, NGINX_CONF_PATH};
    if enabled.iter().any(|e| e == "nginx") || fs.is_dir("/etc/nginx") {
        for (path, text) in [(NGINX_CONF_PATH, DEFAULT_NGINX_CONF), (MIME_TYPES_PATH, DEFAULT_MIME_TYPES)] {
            if fs.read(path).is_none() {
                fs.write(path, text.as_bytes().to_vec(), SimTime::ZERO);
            }
        }
    }
}

impl Host {
    /// Whether the package behind `unit` is installed: enabled in the scenario, or its
    /// configuration (file or directory) was on the disk at first boot.
    pub(crate) fn is_installed(&self, unit: Unit) -> bool {
        self.installed.contains(&unit)
    }

    /// `systemctl start UNIT` (also at boot for enabled units). `Err` carries what the unit's
    /// start command printed when it refused to start (the unit is then failed).
    pub(crate) fn service_start(&mut self, now: SimTime, unit: Unit) -> Result<(), Vec<String>> {
        self.procs.failed.retain(|(u, _, _)| *u != unit);
        match unit {
            Unit::Keepalived => {
                match &self.procs.keepalived {
                    None => {
                        let pid = self.procs.alloc_pids(2);
                        let k = Keepalived::start(self, now, pid);
                        self.procs.keepalived = Some(k);
                    }
                    // Still shutting down: systemd starts it again once it has exited.
                    Some(k) if k.stopping_since().is_some() => self.procs.keepalived_restart = true,
                    Some(_) => {}
                }
            }
            Unit::Httpd => {
                if self.procs.httpd.is_none() {
                    let pid = self.procs.alloc_pids(1);
                    self.procs.httpd = Some(HttpdProc::start(self, now, pid));
                }
            }
            Unit::Nginx => {
                if self.procs.nginx.is_none() {
                    let pid = self.procs.alloc_pids(2);
                    match NginxProc::start(self, now, pid) {
                        Ok(n) => self.procs.nginx = Some(n),
                        Err(lines) => {
                            self.procs.failed.push((Unit::Nginx, now, "exit-code"));
                            for line in &lines {
                                let kind =
                                    TraceKind::Log { host: self.name().to_owned(), process: "nginx".to_owned(), pid, line: line.clone() };
                                self.emit(now, kind);
                            }
                            return Err(lines);
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Starts an enabled service by name at boot; unknown names were rejected by the scenario.
    pub(super) fn start_enabled(&mut self, now: SimTime, name: &str) {
        if let Some(unit) = Unit::from_name(name) {
            // A unit that fails at boot is left failed; its messages are in its log.
            let _ = self.service_start(now, unit);
        }
    }

    /// `systemctl stop UNIT`: SIGTERM, then the unit is inactive once the process exits.
    pub(crate) fn service_stop(&mut self, now: SimTime, unit: Unit) {
        match unit {
            Unit::Keepalived => {
                self.with_procs(|procs, h| {
                    if let Some(k) = procs.keepalived.as_mut() {
                        k.terminate(h, now);
                    }
                });
            }
            Unit::Httpd => {
                if let Some(mut h) = self.procs.httpd.take() {
                    h.stop(self);
                }
            }
            Unit::Nginx => {
                if let Some(mut n) = self.procs.nginx.take() {
                    n.stop(self);
                }
            }
        }
        self.procs.failed.retain(|(u, _, _)| *u != unit);
    }

    /// `nginx -t`.
    pub(crate) fn nginx_test(&self) -> (Vec<String>, i32) {
        nginx::test_config(self)
    }

    /// `nginx -s reload`: `Err` with nginx's messages when the new configuration is refused or
    /// nginx is not running.
    pub(crate) fn nginx_reload(&mut self) -> Result<(), Vec<String>> {
        self.with_procs(|procs, h| match procs.nginx.as_mut() {
            Some(n) => n.reload(h),
            None => Err(vec!["nginx: [error] open() \"/run/nginx.pid\" failed (2: No such file or directory)".to_owned()]),
        })
    }

    pub(crate) fn unit_state(&self, unit: Unit) -> UnitState {
        let running = match unit {
            Unit::Keepalived => self.procs.keepalived.as_ref().map(|k| match k.stopping_since() {
                Some(since) => (since, k.pids()[0], true),
                None => (k.started_at(), k.pids()[0], false),
            }),
            Unit::Httpd => self.procs.httpd.as_ref().map(|h| (h.started_at(), h.pid(), false)),
            Unit::Nginx => self.procs.nginx.as_ref().map(|n| (n.started_at(), n.pids()[0], false)),
        };
        let failed = self.procs.failed.iter().find(|(u, _, _)| *u == unit).map(|(_, at, why)| (*at, *why));
        match (running, failed) {
            (Some((since, pid, true)), _) => UnitState::Deactivating { since, pid },
            (Some((since, pid, false)), _) => UnitState::Active { since, pid },
            (None, Some((since, result))) => UnitState::Failed { since, result },
            (None, None) => UnitState::Inactive,
        }
    }

    /// Sends `signal` to process `pid`; false if there is none.
    pub(crate) fn signal_pid(&mut self, now: SimTime, pid: u32, signal: Signal) -> bool {
        self.with_procs(|procs, h| procs.signal(h, now, pid, signal))
    }

    /// Sends `signal` to every process called `name`; returns how many got it.
    pub(crate) fn signal_name(&mut self, now: SimTime, name: &str, signal: Signal) -> usize {
        let pids = self.pids_of(name);
        // keepalived's parent and child are one process group and take one signal as a whole.
        let targets = if name == "keepalived" { &pids[..pids.len().min(1)] } else { &pids[..] };
        targets.iter().filter(|&&pid| self.signal_pid(now, pid, signal)).count()
    }

    /// Whether process `pid` is running.
    pub(crate) fn pid_alive(&self, pid: u32) -> bool {
        self.procs.processes().iter().any(|(p, _)| *p == pid)
    }

    /// `pidof NAME`.
    pub(crate) fn pids_of(&self, name: &str) -> Vec<u32> {
        self.procs.processes().into_iter().filter(|(_, n)| *n == name).map(|(p, _)| p).collect()
    }
}
