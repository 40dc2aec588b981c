//! `showmount` (nfs-utils 1.3.0) and `rpcinfo` (rpcbind 0.2.0) on the console: the glue that runs
//! a [`Query`] core, one TCP connection per step, with the tool's timeout.

use std::time::Duration;

use crate::host::kernel::{Stdio, Sys};
use crate::host::userland::net::{self, Connection};
use crate::host::userland::process::{Exit, Invocation, Process, Signal, Unfinished, fail};
use crate::kernel::SimTime;
use crate::observe::trace::Stream;
use crate::proto::errno::Errno;
use crate::proto::nfs::tools::{ConnError, Kind, Query, Step, timeout_s};
use crate::wire::rpc;

/// `showmount`'s `usage()`.
const SHOWMOUNT_USAGE: [&str; 3] =
    ["Usage: showmount [-adehv]", "       [--all] [--directories] [--exports]", "       [--no-headers] [--help] [--version] [host]"];

/// `rpcinfo`'s `usage()`.
const RPCINFO_USAGE: [&str; 8] = [
    "Usage: rpcinfo [-m | -s] [host]",
    "       rpcinfo -p [host]",
    "       rpcinfo -T netid host prognum [versnum]",
    "       rpcinfo -l host prognum versnum",
    "       rpcinfo [-n portnum] -u | -t host prognum [versnum]",
    "       rpcinfo -a serv_address -T netid prognum [version]",
    "       rpcinfo -b prognum versnum",
    "       rpcinfo -d [-T netid] prognum versnum",
];

fn lines(l: &[&str]) -> Vec<String> {
    l.iter().map(|s| (*s).to_owned()).collect()
}

/// `showmount [-e] [HOST]`.
pub(crate) fn showmount(k: &mut Sys<'_>, run: Invocation<'_>) -> Result<Box<dyn Process>, i32> {
    let (mut exports, mut hosts) = (false, Vec::new());
    for a in run.args {
        match *a {
            "-e" | "--exports" => exports = true,
            "-h" | "--help" => {
                for l in SHOWMOUNT_USAGE {
                    let _ = k.print(run.now, &run.stdio, Stream::Stdout, l.to_owned());
                }
                k.exit_status(run.now, &run.stdio, 0);
                return Err(0);
            }
            "-v" | "--version" => {
                let _ = k.print(run.now, &run.stdio, Stream::Stdout, "showmount for 1.3.0".to_owned());
                k.exit_status(run.now, &run.stdio, 0);
                return Err(0);
            }
            "-a" | "--all" | "-d" | "--directories" | "--no-headers" => {
                return Err(fail(k, run.now, &run.stdio, vec![format!("showmount: labsim: {a} (the mount list) is not modelled")], 1));
            }
            o if o.starts_with("--") => {
                let mut l = vec![format!("showmount: unrecognized option '{o}'")];
                l.extend(lines(&SHOWMOUNT_USAGE));
                return Err(fail(k, run.now, &run.stdio, l, 1));
            }
            o if o.starts_with('-') && o.len() > 1 => {
                let mut l = vec![format!("showmount: invalid option -- '{}'", &o[1..2])];
                l.extend(lines(&SHOWMOUNT_USAGE));
                return Err(fail(k, run.now, &run.stdio, l, 1));
            }
            host => hosts.push(host),
        }
    }
    let host = match hosts.as_slice() {
        [] => "localhost",
        [h] => h,
        _ => return Err(fail(k, run.now, &run.stdio, lines(&SHOWMOUNT_USAGE), 1)),
    };
    if !exports {
        return Err(fail(k, run.now, &run.stdio, vec!["showmount: labsim: only -e (the export list) is modelled".to_owned()], 1));
    }
    RpcTool::start(k, run, Kind::ShowmountExports, host)
}

/// `rpcinfo -p [HOST]`.
pub(crate) fn rpcinfo(k: &mut Sys<'_>, run: Invocation<'_>) -> Result<Box<dyn Process>, i32> {
    match run.args {
        ["-p"] => RpcTool::start(k, run, Kind::RpcinfoDump, "localhost"),
        ["-p", host] => RpcTool::start(k, run, Kind::RpcinfoDump, host),
        [o, ..] if o.starts_with('-') && !["-m", "-s", "-T", "-l", "-n", "-u", "-t", "-a", "-b", "-d", "-p"].contains(o) => {
            let mut l = vec![format!("rpcinfo: invalid option -- '{}'", o.chars().nth(1).unwrap_or('-'))];
            l.extend(lines(&RPCINFO_USAGE));
            Err(fail(k, run.now, &run.stdio, l, 1))
        }
        ["-p", ..] => Err(fail(k, run.now, &run.stdio, lines(&RPCINFO_USAGE), 1)),
        _ => Err(fail(k, run.now, &run.stdio, vec!["rpcinfo: labsim: only -p [host] is modelled".to_owned()], 1)),
    }
}

struct RpcTool {
    query: Query,
    ip: std::net::Ipv4Addr,
    stdio: Stdio,
    conn: Option<Connection>,
    input: Vec<u8>,
    deadline: SimTime,
    exit: Option<Exit>,
}

impl RpcTool {
    fn start(k: &mut Sys<'_>, run: Invocation<'_>, kind: Kind, host: &str) -> Result<Box<dyn Process>, i32> {
        let Some(ip) = net::resolve(k.fs(), host).or_else(|| (host == "localhost").then_some(std::net::Ipv4Addr::LOCALHOST)) else {
            let line = match kind {
                Kind::ShowmountExports => "clnt_create: RPC: Unknown host",
                Kind::RpcinfoDump => "rpcinfo: can't contact portmapper: RPC: Unknown host",
            };
            return Err(fail(k, run.now, &run.stdio, vec![line.to_owned()], 1));
        };
        let machine = k.hostname().to_owned();
        // The xid: libtirpc seeds it from the time of day and the pid.
        let xid = u32::try_from((k.calendar().unix_micros(run.now) ^ u64::from(run.pid)) & 0xffff_ffff).unwrap_or(0);
        let (query, first) = Query::new(kind, host, &machine, xid);
        let deadline = run.now.saturating_add(Duration::from_secs(timeout_s(kind)));
        let mut tool = RpcTool { query, ip, stdio: run.stdio, conn: None, input: Vec::new(), deadline, exit: None };
        tool.step(k, run.now, first);
        match tool.exit {
            Some(exit) => Err(exit.status()),
            None => Ok(Box::new(tool)),
        }
    }

    fn step(&mut self, k: &mut Sys<'_>, now: SimTime, step: Step) {
        match step {
            Step::Connect(port) => {
                if let Some(c) = self.conn.as_mut() {
                    c.stream.close_when_flushed();
                    c.stream.pump(k);
                }
                self.input.clear();
                match Connection::open(k, self.ip, port) {
                    Ok(c) => self.conn = Some(c),
                    Err(_) => {
                        let next = self.query.failed(ConnError::Unreachable);
                        self.step(k, now, next);
                    }
                }
            }
            Step::Send(bytes) => {
                if let Some(c) = self.conn.as_mut() {
                    c.stream.send(&bytes);
                    c.stream.pump(k);
                }
            }
            Step::Finish { out, err, status } => {
                for l in out {
                    let _ = k.print(now, &self.stdio, Stream::Stdout, l);
                }
                for l in err {
                    let _ = k.print(now, &self.stdio, Stream::Stderr, l);
                }
                if let Some(c) = self.conn.as_mut() {
                    c.stream.close_when_flushed();
                    c.stream.pump(k);
                }
                k.exit_status(now, &self.stdio, status);
                self.exit = Some(Exit::Code(status));
            }
        }
    }
}

impl Process for RpcTool {
    fn name(&self) -> &'static str {
        match self.query.kind() {
            Kind::ShowmountExports => "showmount",
            Kind::RpcinfoDump => "rpcinfo",
        }
    }

    fn poll(&mut self, k: &mut Sys<'_>, now: SimTime) -> bool {
        if self.exit.is_some() {
            return false;
        }
        let Some(conn) = self.conn.as_mut() else { return false };
        let progress = conn.poll(k);
        let mut moved = progress.io;
        self.input.extend_from_slice(&progress.data);
        let next = if progress.connected {
            Some(self.query.connected())
        } else if let Ok(Some((message, _))) = rpc::split_record(&self.input, 1 << 20) {
            Some(self.query.record(&message))
        } else if let Some(f) = progress.failed {
            Some(self.query.failed(match f {
                Errno::HostUnreach => ConnError::Unreachable,
                Errno::TimedOut => ConnError::TimedOut,
                _ => ConnError::Refused,
            }))
        } else if progress.eof || now >= self.deadline {
            Some(self.query.failed(ConnError::TimedOut))
        } else {
            None
        };
        if let Some(step) = next {
            moved = true;
            self.step(k, now, step);
            // A reply may already be waiting behind the handshake.
            if self.exit.is_none() {
                moved |= self.poll(k, now);
            }
        }
        moved
    }

    fn poll_timeout(&self) -> Option<SimTime> {
        self.exit.is_none().then_some(self.deadline)
    }

    fn signal(&mut self, k: &mut Sys<'_>, now: SimTime, signal: Signal) {
        if self.exit.is_some() {
            return;
        }
        if let Some(c) = self.conn.as_mut() {
            c.stream.release(k);
        }
        k.exit_status(now, &self.stdio, 128 + signal.number());
        self.exit = Some(Exit::Signal(signal));
    }

    fn exit(&self) -> Option<Exit> {
        self.exit
    }

    fn unfinished(&self, _now: SimTime) -> Option<Unfinished> {
        self.exit.is_none().then(|| Unfinished { id: self.stdio.id, state: "waiting for an RPC reply".to_owned(), http: None })
    }
}
