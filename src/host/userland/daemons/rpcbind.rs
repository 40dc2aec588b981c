//! rpcbind (CentOS 7's rpcbind 0.2.0): the [`Portmapper`] core on UDP and TCP port 111. Daemons
//! of this host register with PMAPPROC_SET over the loopback, as `svc_reg`/`pmap_set` do;
//! anyone may ask GETPORT and DUMP. The registry lives in the process: a restart forgets it
//! (rpcbind's warm start file is not modelled), and a call to a stopped rpcbind is refused.

use super::rpcsvc::RpcService;
use crate::host::kernel::Sys;
use crate::host::userland::process::{Exit, Process, Reload, Signal, UnitSpec};
use crate::kernel::SimTime;
use crate::proto::nfs::portmap::Portmapper;
use crate::wire::portmap::PORT;

/// `rpcbind.service`.
pub(crate) const UNIT: UnitSpec = UnitSpec {
    name: "rpcbind",
    description: "RPC bind service",
    package_marker: "/usr/sbin/rpcbind",
    package_files: &[],
    docs: &["man:rpcbind(8)"],
    command_lines: &["/sbin/rpcbind -w"],
    pids: 1,
    alias: None,
    requires: &[],
    // rpcbind.service has no `ExecReload=`; `rpcbind -w` drops to the `rpc` user.
    users: &["rpc"],
    stop_signal: Signal::Term,
    reload: Reload::NotApplicable,
    after_remote_fs: false,
    start: |k, _, pid| Ok(Box::new(Rpcbind { pid, core: Portmapper::new(), svc: RpcService::open(k, pid, PORT, true), exit: None })),
    check: |_| Vec::new(),
};

struct Rpcbind {
    pid: u32,
    core: Portmapper,
    svc: RpcService,
    exit: Option<Exit>,
}

impl Process for Rpcbind {
    fn name(&self) -> &'static str {
        "rpcbind"
    }

    fn poll(&mut self, k: &mut Sys<'_>, now: SimTime) -> bool {
        if self.exit.is_some() {
            return false;
        }
        let core = &mut self.core;
        let pid = self.pid;
        self.svc.poll(k, |k, m| {
            let reply = core.handle_message(m.from, m.local, m.message);
            while let Some(event) = core.poll_event() {
                super::nfs_server::report(k, now, "rpcbind", pid, event);
            }
            reply
        })
    }

    fn poll_timeout(&self) -> Option<SimTime> {
        None
    }

    fn signal(&mut self, k: &mut Sys<'_>, _now: SimTime, signal: Signal) {
        if signal == Signal::Hup || self.exit.is_some() {
            return;
        }
        self.svc.close(k);
        self.exit = Some(if signal == Signal::Kill { Exit::Signal(Signal::Kill) } else { Exit::Code(0) });
    }

    fn exit(&self) -> Option<Exit> {
        self.exit
    }
}
