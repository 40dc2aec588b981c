//! rpc.mountd's MOUNT v3 service (`utils/mountd/mountd.c`, `support/export/auth.c`; spec-nfs.md
//! §4, §6): MNT checks the path against the exports and the caller (the longest exported prefix
//! wins, as `auth_authenticate` walks up the path), then the directory on disk, and returns the
//! root handle with AUTH_SYS; the mount list (`rmtab`) for DUMP, UMNT and UMNTALL; the export
//! list for EXPORT (showmount -e). Each MNT is logged in mountd's words.
//!
//! Only version 3 is served (real mountd also answers 1 and 2): other versions get
//! PROG_MISMATCH 3–3.

use std::collections::VecDeque;
use std::net::SocketAddrV4;

use super::exports::{Client, Exports};
use super::rpc::Outcome;
use super::tree::{Errno, FileTree};
use super::{Answer, Event, serve_message};
use crate::wire::mount::{self as wire, Call, ExportNode, MntRes, MountBody, MountStat, Reply};
use crate::wire::nfs3::Handle;
use crate::wire::rpc::AUTH_SYS;

/// The mount list and what mountd did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Mountd {
    mounts: Vec<MountBody>,
    events: VecDeque<Event>,
}

/// Ports below this are privileged (`secure` exports want them).
const IPPORT_RESERVED: u16 = 1024;

impl Mountd {
    /// No mounts yet.
    pub(crate) fn new() -> Mountd {
        Mountd::default()
    }

    /// The mount list (`showmount -a`).
    #[cfg_attr(not(test), allow(dead_code))] // `showmount -a`, not modelled yet
    pub(crate) fn mounts(&self) -> &[MountBody] {
        &self.mounts
    }

    /// Answers one message from `client` at `from`.
    pub(crate) fn handle_message(
        &mut self,
        from: SocketAddrV4,
        client: &Client,
        message: &[u8],
        exports: &Exports,
        tree: &dyn FileTree,
    ) -> Option<Vec<u8>> {
        let mut events = std::mem::take(&mut self.events);
        let reply = serve_message(message, from, (wire::PROGRAM, wire::VERSION, wire::VERSION), &mut events, |req, log| {
            let call = match Call::decode(req.procedure, req.args) {
                Ok(Some(call)) => call,
                Ok(None) => return (Outcome::ProcUnavail, Answer::ProcUnavail),
                Err(_) => return (Outcome::GarbageArgs, Answer::GarbageArgs),
            };
            let host = client.names.first().cloned().unwrap_or_else(|| client.addr.to_string());
            let (reply, answer) = match call {
                Call::Null => (Reply::Null, Answer::Done),
                Call::Mnt(path) => {
                    let (res, line) = mnt(from, client, &path, exports, tree);
                    log.push_back(Event::Log(line));
                    let answer = Answer::Mount(match &res {
                        MntRes::Ok { .. } => MountStat::Ok,
                        MntRes::Err(e) => *e,
                    });
                    if matches!(res, MntRes::Ok { .. }) && !self.mounts.iter().any(|m| m.hostname == host && m.directory == path) {
                        self.mounts.push(MountBody { hostname: host, directory: path });
                    }
                    (Reply::Mnt(res), answer)
                }
                Call::Dump => (Reply::Dump(self.mounts.clone()), Answer::Done),
                Call::Umnt(path) => {
                    self.mounts.retain(|m| !(m.hostname == host && m.directory == path));
                    (Reply::Umnt, Answer::Done)
                }
                Call::Umntall => {
                    self.mounts.retain(|m| m.hostname != host);
                    (Reply::Umntall, Answer::Done)
                }
                Call::Export => {
                    let list = exports.list().into_iter().map(|(dir, groups)| ExportNode { dir, groups }).collect();
                    (Reply::Export(list), Answer::Done)
                }
            };
            (Outcome::Results(reply.to_bytes()), answer)
        });
        self.events = events;
        reply
    }

    /// The next thing that happened.
    pub(crate) fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }
}

/// `auth_fixpath`: no doubled or trailing slashes.
fn fixpath(path: &str) -> String {
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    format!("/{}", parts.join("/"))
}

/// `get_rootfh`: the result of MNT and mountd's log line.
fn mnt(from: SocketAddrV4, client: &Client, path: &str, exports: &Exports, tree: &dyn FileTree) -> (MntRes, String) {
    let ip = from.ip();
    if !path.starts_with('/') {
        return (MntRes::Err(MountStat::Acces), format!("Bad path in mount request from {ip}: \"{path}\""));
    }
    let mut epath = fixpath(path);
    let options = loop {
        if let Some((_, o)) = exports.find(&epath, client) {
            break o;
        }
        if epath == "/" {
            return (MntRes::Err(MountStat::Acces), format!("refused mount request from {ip} for {path} ({epath}): no export entry"));
        }
        let cut = epath.rfind('/').unwrap_or(0).max(1);
        epath.truncate(cut);
    };
    if options.secure && from.port() >= IPPORT_RESERVED {
        let port = from.port();
        return (MntRes::Err(MountStat::Acces), format!("refused mount request from {ip} for {path} ({epath}): illegal port {port}"));
    }
    let target = match tree.resolve(&fixpath(path)) {
        Ok(ino) => ino,
        Err(e) => {
            let (stat, text) = match e {
                Errno::NoEnt => (MountStat::NoEnt, "No such file or directory"),
                Errno::NotDir => (MountStat::Acces, "Not a directory"),
                _ => (MountStat::Acces, "Invalid argument"),
            };
            return (MntRes::Err(stat), format!("can't stat exported dir {path}: {text}"));
        }
    };
    let (Ok(root), Some(attr)) = (tree.resolve(&epath), tree.attr(target)) else {
        return (MntRes::Err(MountStat::ServerFault), format!("can't stat export point {epath}: No such file or directory"));
    };
    let fhandle = Handle { export_root: root, ino: target, generation: attr.generation }.to_fh().as_bytes().to_vec();
    let port = from.port();
    (MntRes::Ok { fhandle, auth_flavors: vec![AUTH_SYS] }, format!("authenticated mount request from {ip}:{port} for {path} ({epath})"))
}
