//! `nfs-server.service` of CentOS 7 (nfs-utils 1.3.0): `Requires=rpcbind` (the unit table
//! starts rpcbind first), `ExecStartPre=-/usr/sbin/exportfs -r` (the table read from
//! `/etc/exports` into `/var/lib/nfs/etab`, its messages logged, an error not stopping the
//! start), then `rpc.mountd` ([`Mountd`] on UDP and TCP 20048, CentOS's `/etc/services` port
//! for mountd) and knfsd ([`Nfsd`] on TCP 2049, serving the host's file system). Both register
//! with the portmapper by PMAPPROC_SET to 127.0.0.1:111, as `svc_reg` does, and unregister on
//! stop. mountd reads the export table from `etab` and reads it again when `exportfs` rewrites
//! it (`auth_reload` checks its modification time), so `exportfs -r` changes the running table.
//! knfsd's write verifier is its start time, as Linux's boot verifier is.

use std::fmt::Write as _;
use std::net::{Ipv4Addr, SocketAddrV4};

use super::rpcsvc::RpcService;
use crate::host::kernel::{Fs, Sys, UdpSocket};
use crate::host::userland::net;
use crate::host::userland::process::{ConfigNote, Exit, Process, Reload, Signal, UnitSpec};
use crate::kernel::SimTime;
use crate::observe::trace::TraceKind;
use crate::proto::nfs::exports::{self, Client, Diagnostic, Exports, Level};
use crate::proto::nfs::mountd::Mountd;
use crate::proto::nfs::nfsd::Nfsd;
use crate::proto::nfs::{Answer, Event};
use crate::wire::ipv4::Dotted;
use crate::wire::portmap::{self, IPPROTO_TCP, IPPROTO_UDP, Mapping};
use crate::wire::rpc::{Call, Message, OpaqueAuth};
use crate::wire::{mount, nfs3, text};

/// The exports file.
pub(crate) const EXPORTS: &str = "/etc/exports";
/// The table exportfs writes and mountd reads.
pub(crate) const ETAB: &str = "/var/lib/nfs/etab";
/// mountd's port (CentOS 7's `/etc/services`: `mountd 20048/tcp`, `20048/udp`).
const MOUNTD_PORT: u16 = 20048;
/// knfsd's port (`NFS_PORT`).
const NFS_PORT: u16 = 2049;
/// How long a stop waits for the portmapper to confirm the unregistrations.
const UNSET_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

/// `nfs-server.service`: exportfs, rpc.mountd and the nfsd threads take three pids.
pub(crate) const UNIT: UnitSpec = UnitSpec {
    name: "nfs-server",
    description: "NFS server and services",
    package_marker: "/usr/sbin/rpc.nfsd",
    package_files: &[(EXPORTS, "")],
    docs: &[],
    command_lines: &[],
    pids: 3,
    alias: None,
    requires: &["rpcbind"],
    // nfs-server.service: `ExecReload=/usr/sbin/exportfs -r`.
    users: &["root"],
    stop_signal: Signal::Term,
    reload: Reload::Command(&["exportfs", "-r"]),
    after_remote_fs: false,
    start: |k, now, pid| Ok(Box::new(NfsServer::start(k, now, pid))),
    check,
};

/// The errors `exportfs -r` would report about `/etc/exports` at start (its warnings, such as
/// nfs-utils 1.3.0's note on the manual's line about `no_subtree_check`, are left to the run's
/// log: they are what the real lab prints, not a mistake in the scenario).
fn check(fs: &Fs) -> Vec<ConfigNote> {
    let text = fs.read_text(EXPORTS).unwrap_or_default();
    let (_, diags) = read_exports(fs, &text, EXPORTS);
    diags
        .into_iter()
        .filter(|d| d.level == Level::Error)
        .flat_map(|d| d.lines)
        .map(|l| (EXPORTS.to_owned(), 0, format!("exportfs: {l}")))
        .collect()
}

/// Reads an exports-syntax file, names resolved through `/etc/hosts`.
pub(crate) fn read_exports(fs: &Fs, text: &str, file: &str) -> (Exports, Vec<Diagnostic>) {
    exports::parse(text, file, &|name| net::resolve(fs, name).into_iter().collect())
}

/// `exportfs -r`: `/etc/exports` into `etab`; the table and the messages about the file.
pub(crate) fn reexport(fs: &mut Fs, now: SimTime) -> (Exports, Vec<Diagnostic>) {
    let text = fs.read_text(EXPORTS).unwrap_or_default();
    let (table, diags) = read_exports(fs, &text, EXPORTS);
    let mut etab = table.export_format().join("\n");
    if !etab.is_empty() {
        etab.push('\n');
    }
    fs.write(ETAB, etab.into_bytes(), now);
    (table, diags)
}

/// The export table the server runs with (`etab`).
pub(crate) fn current(fs: &Fs) -> Exports {
    read_exports(fs, &fs.read_text(ETAB).unwrap_or_default(), ETAB).0
}

/// The names `/etc/hosts` gives an address (mountd's reverse lookup for its messages and
/// wildcard clients).
fn client(fs: &Fs, addr: Ipv4Addr) -> Client {
    let names = fs
        .read_text("/etc/hosts")
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let mut words = l.split('#').next()?.split_whitespace();
            (words.next()?.parse::<Ipv4Addr>().ok()? == addr).then(|| words.map(str::to_owned).collect::<Vec<_>>())
        })
        .flatten()
        .collect();
    Client { addr, names }
}

/// Reports what a server core did: its log lines to syslog, its answers and drops to the trace.
pub(super) fn report(k: &mut Sys<'_>, now: SimTime, ident: &str, pid: u32, event: Event) {
    let host = k.hostname().to_owned();
    let (answered, detail) = match event {
        Event::Log(line) => return k.syslog(now, ident, pid, line),
        Event::Dropped { from, len } => (false, format!("{len} bytes from {from}")),
        Event::Answered { from, xid, call: (prog, vers, procedure), result } => {
            // `IP:PORT xid 0xXXXXXXXX PROG/VERS/PROC `, without `core::fmt` for the numbers.
            let mut detail = String::with_capacity(64);
            Dotted(*from.ip()).push_onto(&mut detail);
            detail.push(':');
            text::push_decimal(&mut detail, from.port());
            detail.push_str(" xid 0x");
            text::push_hex(&mut detail, u64::from(xid), 8);
            detail.push(' ');
            for (n, after) in [(prog, '/'), (vers, '/'), (procedure, ' ')] {
                text::push_decimal(&mut detail, n);
                detail.push(after);
            }
            // Writing into a String cannot fail.
            let _ = match result {
                Answer::Refused(body) => write!(detail, "refused {body:?}"),
                Answer::ProcUnavail => detail.write_str("PROC_UNAVAIL"),
                Answer::GarbageArgs => detail.write_str("GARBAGE_ARGS"),
                Answer::Nfs(stat) => write!(detail, "{stat:?}"),
                Answer::Mount(stat) => write!(detail, "{stat:?}"),
                Answer::Done => detail.write_str("done"),
            };
            (true, detail)
        }
    };
    k.record(now, TraceKind::Rpc { host, process: ident.to_owned(), answered, detail });
}

/// The registrations: mountd's versions 1–3 on both protocols, NFS 3 on TCP.
fn mappings() -> Vec<Mapping> {
    let mut maps = Vec::new();
    for vers in 1..=3 {
        for prot in [IPPROTO_UDP, IPPROTO_TCP] {
            maps.push(Mapping { prog: mount::PROGRAM, vers, prot, port: u32::from(MOUNTD_PORT) });
        }
    }
    maps.push(Mapping { prog: nfs3::PROGRAM, vers: nfs3::VERSION, prot: IPPROTO_TCP, port: u32::from(NFS_PORT) });
    maps
}

struct NfsServer {
    pid: u32,
    mountd: Mountd,
    nfsd: Nfsd,
    exports: Exports,
    /// The `etab` read last: its inode and modification time.
    etab_seen: Option<(u64, SimTime)>,
    /// The file system's change count at the last look at `etab` ([`Fs::changes`]).
    etab_checked: Option<u64>,
    mountd_svc: RpcService,
    nfsd_svc: RpcService,
    /// The portmapper client socket and the calls not answered yet.
    pmap: Option<UdpSocket>,
    pending: u32,
    xid: u32,
    stopping_since: Option<SimTime>,
    exit: Option<Exit>,
}

impl NfsServer {
    fn mountd_pid(&self) -> u32 {
        self.pid + 1
    }

    fn start(k: &mut Sys<'_>, now: SimTime, pid: u32) -> NfsServer {
        k.syslog(now, "systemd", 1, "Starting NFS server and services...".to_owned());
        let (_, diags) = reexport(k.fs_mut(), now);
        for line in diags.into_iter().flat_map(|d| d.lines) {
            k.syslog(now, "exportfs", pid, line);
        }
        let us = k.calendar().unix_micros(now);
        let verifier = (((us / 1_000_000) << 32) | (us % 1_000_000 * 1000)).to_be_bytes();
        let mut s = NfsServer {
            pid,
            mountd: Mountd::new(),
            nfsd: Nfsd::new(verifier),
            exports: Exports::default(),
            etab_seen: None,
            etab_checked: None,
            mountd_svc: RpcService::open(k, pid + 1, MOUNTD_PORT, true),
            nfsd_svc: RpcService::open(k, pid + 2, NFS_PORT, false),
            pmap: k.udp_bind(pid + 1, 0),
            pending: 0,
            xid: u32::try_from(us & 0xffff_ffff).unwrap_or(0),
            stopping_since: None,
            exit: None,
        };
        s.reload(k);
        k.syslog(now, "rpc.mountd", pid + 1, "Version 1.3.0 starting".to_owned());
        for m in mappings() {
            s.pmap_call(k, portmap::Call::Set(m));
        }
        k.syslog(now, "systemd", 1, "Started NFS server and services.".to_owned());
        s
    }

    /// Sends one portmap call to the local portmapper.
    fn pmap_call(&mut self, k: &mut Sys<'_>, call: portmap::Call) {
        let Some(sock) = self.pmap else { return };
        self.xid = self.xid.wrapping_add(1);
        let header = Message::Call(Call {
            xid: self.xid,
            rpc_version: 2,
            program: portmap::PROGRAM,
            version: portmap::VERSION,
            procedure: call.procedure(),
            cred: OpaqueAuth::none(),
            verf: OpaqueAuth::none(),
        });
        if k.udp_send_to(sock, (Ipv4Addr::LOCALHOST, portmap::PORT), &header.with_body(&call.to_bytes())) {
            self.pending += 1;
        }
    }

    /// Reads `etab` again if it changed since the last read.
    fn reload(&mut self, k: &mut Sys<'_>) {
        // Nothing in the file system changed since the last look: `etab` is the same file with
        // the same time, and the look would find what it found then.
        let changes = k.fs().changes();
        if self.etab_checked == Some(changes) {
            return;
        }
        self.etab_checked = Some(changes);
        let seen = k.fs().read(ETAB).map(|f| (f.ino, f.mtime));
        if seen == self.etab_seen {
            return;
        }
        self.etab_seen = seen;
        self.exports = current(k.fs());
    }

    fn finish_stop(&mut self, k: &mut Sys<'_>) {
        if let Some(sock) = self.pmap.take() {
            k.udp_close(sock);
        }
        self.exit = Some(Exit::Code(0));
    }
}

impl Process for NfsServer {
    fn name(&self) -> &'static str {
        "rpc.mountd"
    }

    fn poll(&mut self, k: &mut Sys<'_>, now: SimTime) -> bool {
        if self.exit.is_some() {
            return false;
        }
        let mut moved = false;
        if let Some(sock) = self.pmap {
            while k.udp_recv(sock).is_some() {
                self.pending = self.pending.saturating_sub(1);
                moved = true;
            }
        }
        if let Some(since) = self.stopping_since {
            if self.pending == 0 || now >= since.saturating_add(UNSET_WAIT) {
                self.finish_stop(k);
                k.syslog(now, "systemd", 1, "Stopped NFS server and services.".to_owned());
                return true;
            }
            return moved;
        }
        self.reload(k);
        let (mountd_pid, nfsd_pid) = (self.mountd_pid(), self.pid + 2);
        let (mountd, exports) = (&mut self.mountd, &self.exports);
        moved |= self.mountd_svc.poll(k, |k, m| {
            let who = client(k.fs(), *m.from.ip());
            let reply = mountd.handle_message(m.from, &who, m.message, exports, k.fs());
            while let Some(event) = mountd.poll_event() {
                report(k, now, "rpc.mountd", mountd_pid, event);
            }
            reply
        });
        let nfsd = &mut self.nfsd;
        moved |= self.nfsd_svc.poll(k, |k, m| {
            let who = client(k.fs(), *m.from.ip());
            let now_us = k.calendar().unix_micros(now);
            let from: SocketAddrV4 = m.from;
            let reply = nfsd.handle_message(now_us, from, &who, m.message, exports, k.fs_mut());
            while let Some(event) = nfsd.poll_event() {
                report(k, now, "nfsd", nfsd_pid, event);
            }
            reply
        });
        moved
    }

    fn poll_timeout(&self) -> Option<SimTime> {
        self.stopping_since.map(|t| t.saturating_add(UNSET_WAIT))
    }

    /// SIGTERM (`systemctl stop`): mountd says so, unregisters and closes its sockets; knfsd's
    /// threads stop; the unit is stopped once the portmapper confirmed (or a second passed).
    /// SIGKILL: gone at once, registrations left behind as a killed rpc.mountd leaves them.
    fn signal(&mut self, k: &mut Sys<'_>, now: SimTime, signal: Signal) {
        if signal == Signal::Hup || self.exit.is_some() || self.stopping_since.is_some() {
            return;
        }
        self.mountd_svc.close(k);
        self.nfsd_svc.close(k);
        if signal == Signal::Kill {
            if let Some(sock) = self.pmap.take() {
                k.udp_close(sock);
            }
            self.exit = Some(Exit::Signal(Signal::Kill));
            return;
        }
        k.syslog(now, "systemd", 1, "Stopping NFS server and services...".to_owned());
        k.syslog(now, "rpc.mountd", self.mountd_pid(), "Caught signal 15, un-registering and exiting.".to_owned());
        self.pending = 0;
        for (prog, vers) in [(mount::PROGRAM, 1), (mount::PROGRAM, 2), (mount::PROGRAM, 3), (nfs3::PROGRAM, nfs3::VERSION)] {
            self.pmap_call(k, portmap::Call::Unset(Mapping { prog, vers, prot: 0, port: 0 }));
        }
        self.stopping_since = Some(now);
    }

    fn stopping_since(&self) -> Option<SimTime> {
        self.stopping_since
    }

    fn exit(&self) -> Option<Exit> {
        self.exit
    }
}
