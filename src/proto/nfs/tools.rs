//! The RPC query tools of nfs-utils and rpcbind, sans-IO: `showmount -e HOST`
//! (`utils/showmount/showmount.c`: libtirpc's `clnt_create` asks the portmapper for mountd v3
//! over TCP, then EXPORT) and `rpcinfo -p [HOST]` (`pmapdump` in rpcbind's `src/rpcinfo.c`:
//! portmap DUMP over TCP). Each is a chain of TCP connections carrying one record-marked call;
//! the glue connects where [`Step::Connect`] says, sends [`Step::Send`]'s record, and hands back
//! what happened. Output and errors are the tools' words (libtirpc's `clnt_spcreateerror`).

use crate::wire::mount::{self, ExportNode};
use crate::wire::portmap::{self, IPPROTO_TCP, IPPROTO_UDP, Mapping};
use crate::wire::rpc::{self, AcceptStat, Call, Message, OpaqueAuth, ReplyBody};

/// Where a chain stands, for the glue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    /// Connect over TCP to this port of the host.
    Connect(u16),
    /// Send these bytes (one record) on the connection.
    Send(Vec<u8>),
    /// Done: lines for stdout, lines for stderr, the exit status.
    Finish { out: Vec<String>, err: Vec<String>, status: i32 },
}

/// Why a connection failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ConnError {
    /// ECONNREFUSED.
    Refused,
    /// EHOSTUNREACH (no ARP answer).
    Unreachable,
    /// No answer within the tool's timeout.
    TimedOut,
}

/// Which tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `showmount -e`.
    ShowmountExports,
    /// `rpcinfo -p`.
    RpcinfoDump,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Portmap,
    Mountd,
}

/// One run of a tool.
#[derive(Debug, Clone)]
pub(crate) struct Query {
    kind: Kind,
    host: String,
    machine: String,
    xid: u32,
    stage: Stage,
}

/// How long showmount and rpcinfo wait for an answer (libtirpc's `clnt_create` rpcbind
/// timeout, `tottimeout` in `rpcb_clnt.c`: 60 s; showmount's own `TOTAL_TIMEOUT` is 20 s).
pub(crate) const fn timeout_s(kind: Kind) -> u64 {
    match kind {
        Kind::ShowmountExports => 20,
        Kind::RpcinfoDump => 60,
    }
}

/// `clnt_create`'s `rpc_createerr` for a failed portmapper exchange.
fn pmap_failure(e: ConnError) -> String {
    match e {
        ConnError::Refused => "RPC: Port mapper failure - Unable to receive: errno 111 (Connection refused)".to_owned(),
        ConnError::Unreachable => "RPC: Port mapper failure - Unable to receive: errno 113 (No route to host)".to_owned(),
        ConnError::TimedOut => "RPC: Port mapper failure - Timed out".to_owned(),
    }
}

/// A call message with `cred` and an AUTH_NONE verifier.
fn call(xid: u32, (program, version, procedure): (u32, u32, u32), cred: OpaqueAuth, args: &[u8]) -> Vec<u8> {
    let header = Message::Call(Call { xid, rpc_version: 2, program, version, procedure, cred, verf: OpaqueAuth::none() });
    rpc::frame_record(&header.with_body(args), rpc::MAX_FRAGMENT)
}

/// The results of a successful reply to `xid`, or the `clnt_sperrno` words for what it was.
fn results(xid: u32, message: &[u8]) -> Result<&[u8], &'static str> {
    match Message::parse(message) {
        Ok((Message::Reply(r), at)) if r.xid == xid => match r.body {
            ReplyBody::Accepted { stat: AcceptStat::Success, .. } => Ok(&message[at..]),
            ReplyBody::Accepted { stat: AcceptStat::ProgUnavail, .. } => Err("RPC: Program unavailable"),
            ReplyBody::Accepted { stat: AcceptStat::ProgMismatch { .. }, .. } => Err("RPC: Program/version mismatch"),
            ReplyBody::Accepted { stat: AcceptStat::ProcUnavail, .. } => Err("RPC: Procedure unavailable"),
            ReplyBody::Accepted { stat: AcceptStat::GarbageArgs, .. } => Err("RPC: Server can't decode arguments"),
            ReplyBody::Accepted { stat: AcceptStat::SystemErr, .. } => Err("RPC: Remote system error"),
            ReplyBody::Denied(rpc::RejectStat::RpcMismatch { .. }) => Err("RPC: Incompatible versions of RPC"),
            ReplyBody::Denied(rpc::RejectStat::AuthError(_)) => Err("RPC: Authentication error"),
        },
        _ => Err("RPC: Can't decode result"),
    }
}

impl Query {
    /// Starts a tool for `host` (as typed) on the machine called `machine`; the first step is
    /// always a connection to the portmapper.
    pub(crate) fn new(kind: Kind, host: &str, machine: &str, xid: u32) -> (Query, Step) {
        let q = Query { kind, host: host.to_owned(), machine: machine.to_owned(), xid, stage: Stage::Portmap };
        (q, Step::Connect(portmap::PORT))
    }

    /// Which tool.
    pub(crate) fn kind(&self) -> Kind {
        self.kind
    }

    /// The connection is up: the call to send.
    pub(crate) fn connected(&mut self) -> Step {
        let xid = self.xid;
        match (self.kind, self.stage) {
            (Kind::ShowmountExports, Stage::Portmap) => {
                let args = portmap::Call::Getport(Mapping { prog: mount::PROGRAM, vers: mount::VERSION, prot: IPPROTO_TCP, port: 0 });
                Step::Send(call(xid, (portmap::PROGRAM, portmap::VERSION, portmap::proc::GETPORT), OpaqueAuth::none(), &args.to_bytes()))
            }
            (Kind::ShowmountExports, Stage::Mountd) => {
                // showmount calls with `authunix_create_default()`: root on its host.
                let cred = rpc::AuthSys { stamp: 0, machine_name: self.machine.clone(), uid: 0, gid: 0, gids: vec![0] }.to_auth();
                Step::Send(call(xid, (mount::PROGRAM, mount::VERSION, mount::proc::EXPORT), cred, &[]))
            }
            (Kind::RpcinfoDump, _) => {
                Step::Send(call(xid, (portmap::PROGRAM, portmap::VERSION, portmap::proc::DUMP), OpaqueAuth::none(), &[]))
            }
        }
    }

    /// The connection failed or the answer did not come in time.
    pub(crate) fn failed(&mut self, e: ConnError) -> Step {
        let line = match (self.kind, self.stage) {
            (Kind::ShowmountExports, Stage::Portmap) => format!("clnt_create: {}", pmap_failure(e)),
            (Kind::ShowmountExports, Stage::Mountd) => match e {
                ConnError::TimedOut => "rpc mount export: RPC: Timed out".to_owned(),
                ConnError::Refused => "clnt_create: RPC: Unable to receive; errno = Connection refused".to_owned(),
                ConnError::Unreachable => "clnt_create: RPC: Unable to receive; errno = No route to host".to_owned(),
            },
            (Kind::RpcinfoDump, _) => {
                let why = match e {
                    ConnError::Refused => "RPC: Remote system error - Connection refused",
                    ConnError::Unreachable => "RPC: Remote system error - No route to host",
                    ConnError::TimedOut => "RPC: Timed out",
                };
                format!("rpcinfo: can't contact portmapper: {why}")
            }
        };
        Step::Finish { out: Vec::new(), err: vec![line], status: 1 }
    }

    /// A whole reply record arrived.
    pub(crate) fn record(&mut self, message: &[u8]) -> Step {
        let res = results(self.xid, message);
        match (self.kind, self.stage) {
            (Kind::ShowmountExports, Stage::Portmap) => {
                let port = res.ok().and_then(|r| match portmap::Reply::decode(portmap::proc::GETPORT, r) {
                    Ok(portmap::Reply::Getport(p)) => Some(p),
                    _ => None,
                });
                match port.and_then(|p| u16::try_from(p).ok()) {
                    Some(0) | None => {
                        Step::Finish { out: Vec::new(), err: vec!["clnt_create: RPC: Program not registered".to_owned()], status: 1 }
                    }
                    Some(port) => {
                        self.stage = Stage::Mountd;
                        self.xid = self.xid.wrapping_add(1);
                        Step::Connect(port)
                    }
                }
            }
            (Kind::ShowmountExports, Stage::Mountd) => match res.map(|r| mount::Reply::decode(mount::proc::EXPORT, r)) {
                Ok(Ok(mount::Reply::Export(list))) => Step::Finish { out: export_lines(&self.host, &list), err: Vec::new(), status: 0 },
                Ok(_) => Step::Finish { out: Vec::new(), err: vec!["rpc mount export: RPC: Can't decode result".to_owned()], status: 1 },
                Err(why) => Step::Finish { out: Vec::new(), err: vec![format!("rpc mount export: {why}")], status: 1 },
            },
            (Kind::RpcinfoDump, _) => match res.map(|r| portmap::Reply::decode(portmap::proc::DUMP, r)) {
                Ok(Ok(portmap::Reply::Dump(list))) => Step::Finish { out: dump_lines(&list), err: Vec::new(), status: 0 },
                Ok(_) | Err(_) => Step::Finish {
                    out: Vec::new(),
                    err: vec!["rpcinfo: can't contact portmapper: RPC: Can't decode result".to_owned()],
                    status: 1,
                },
            },
        }
    }
}

/// showmount's export list: `Export list for HOST:`, then each directory padded to the longest
/// and its groups joined with `,` (or `(everyone)`).
fn export_lines(host: &str, list: &[ExportNode]) -> Vec<String> {
    let width = list.iter().map(|e| e.dir.len()).max().unwrap_or(0);
    let mut out = vec![format!("Export list for {host}:")];
    for e in list {
        let groups = if e.groups.is_empty() { "(everyone)".to_owned() } else { e.groups.join(",") };
        out.push(format!("{:<width$} {groups}", e.dir));
    }
    out
}

/// The `/etc/rpc` names `rpcinfo` prints.
fn rpc_name(prog: u32) -> Option<&'static str> {
    Some(match prog {
        100_000 => "portmapper",
        100_003 => "nfs",
        100_005 => "mountd",
        100_021 => "nlockmgr",
        100_024 => "status",
        100_227 => "nfs_acl",
        _ => return None,
    })
}

/// `rpcinfo -p`'s table (`pmapdump`: `%10ld%5ld`, the protocol in 6, the port in 7, then the
/// service name).
fn dump_lines(list: &[Mapping]) -> Vec<String> {
    let mut out = vec!["   program vers proto   port  service".to_owned()];
    for m in list {
        let proto = match m.prot {
            IPPROTO_TCP => "tcp".to_owned(),
            IPPROTO_UDP => "udp".to_owned(),
            p => p.to_string(),
        };
        let name = rpc_name(m.prog).map(|n| format!("  {n}")).unwrap_or_default();
        out.push(format!("{:>10}{:>5}{proto:>6}{:>7}{name}", m.prog, m.vers, m.port));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::nfs::portmap::Portmapper;
    use std::net::SocketAddrV4;

    fn record_body(step: Step) -> Vec<u8> {
        let Step::Send(bytes) = step else { panic!("expected a send, got {step:?}") };
        rpc::split_record(&bytes, 1 << 20).unwrap().unwrap().0
    }

    #[test]
    fn showmount_asks_the_portmapper_then_mountd() {
        let mut pm = Portmapper::new();
        let from = SocketAddrV4::new([192, 168, 20, 201].into(), 1011);
        let (mut q, first) = Query::new(Kind::ShowmountExports, "nfs", "web-1", 7);
        assert_eq!(first, Step::Connect(111));
        let reply = pm.handle_message(from, false, &record_body(q.connected())).unwrap();
        assert_eq!(
            q.clone().record(&reply).clone(),
            Step::Finish { out: vec![], err: vec!["clnt_create: RPC: Program not registered".into()], status: 1 }
        );
        pm.set(&Mapping { prog: mount::PROGRAM, vers: 3, prot: IPPROTO_TCP, port: 20048 });
        let reply = pm.handle_message(from, false, &record_body(q.connected())).unwrap();
        assert_eq!(q.record(&reply), Step::Connect(20048));
        let list = vec![ExportNode { dir: "/web".into(), groups: vec!["*".into()] }];
        assert_eq!(export_lines("nfs", &list), ["Export list for nfs:", "/web *"]);
        assert_eq!(
            q.failed(ConnError::Refused).clone(),
            Step::Finish { out: vec![], err: vec!["clnt_create: RPC: Unable to receive; errno = Connection refused".into()], status: 1 }
        );
    }

    #[test]
    fn rpcinfo_prints_pmapdump_columns() {
        let lines = dump_lines(&Portmapper::new().dump());
        assert_eq!(
            lines,
            [
                "   program vers proto   port  service",
                "    100000    2   tcp    111  portmapper",
                "    100000    2   udp    111  portmapper"
            ]
        );
    }
}
