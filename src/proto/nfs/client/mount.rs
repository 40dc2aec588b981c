//! `mount -t nfs SERVER:/EXPORT DIR` before the kernel's client takes over, sans-IO: nfs-utils'
//! version negotiation and port probes (`nfs_autonegotiate`, `nfs_try_mount_v3v2`,
//! `nfsmount_fg` in `utils/mount/stropts.c`; `nfs_probe_bothports` in `utils/mount/network.c`),
//! and the kernel's MNT call (spec-nfs.md §1, §7 steps 1–5):
//!
//! 1. without `vers=`: the kernel's NFSv4 mounts, 4.2, 4.1, 4.0, each an RPC NULL to program
//!    100003 version 4 over a new TCP connection to 2049; PROG_MISMATCH is EPROTONOSUPPORT, the
//!    next minor version, then v3 (ECONNREFUSED goes to v3 at once). `mountport=`,
//!    `mountproto=` or `mountvers=` skip v4 (`nfs_do_mount_v4`);
//! 2. portmap GETPORT(100003, 3, TCP) over TCP to 111, then NULL to that port over TCP;
//! 3. GETPORT(100005, 3, UDP) over UDP to 111 (then TCP if mountd has no UDP port and
//!    `mountproto=` was not given: `probe_udp_first`), then NULL to mountd;
//! 4. the kernel's MNT over the mount transport with AUTH_SYS uid 0: the root handle.
//!
//! Temporary errors (ECONNREFUSED, EHOSTUNREACH, ETIMEDOUT) start the whole sequence again after
//! 1, 2, 4, 8, 10, 10… s (none after ETIMEDOUT) until `retry=` minutes (2) have passed, then
//! `mount.nfs: Connection timed out`; other errors end it with `mount_error()`'s line
//! (`utils/mount/error.c`). User-space probes use AUTH_NONE, the kernel's calls AUTH_SYS.
//!
//! Per-exchange timers are labsim's reading of libtirpc and the kernel, not measured: a TCP
//! exchange (connect, call, reply) gives up after 20 s (`CONNECT_TIMEOUT`); user-space UDP
//! calls are re-sent every 3 s and give up after 10 s (`PMAP_TIMEOUT`); the kernel's MNT over
//! UDP follows `xprt_adjust_timeout` with the UDP defaults (1.1 s doubling, 3 retries).

use std::collections::VecDeque;
use std::time::Duration;

use super::options::{Options, Proto};
use crate::kernel::SimTime;
use crate::wire::nfs3::{self, Fh};
use crate::wire::rpc::{self, AcceptStat, AuthSys, Message, OpaqueAuth, ReplyBody};
use crate::wire::{mount, portmap};

/// An exchange's number.
pub(crate) type ExchangeId = u64;

/// Why an exchange failed, as the glue saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NetError {
    /// ECONNREFUSED (a RST, or ICMP port unreachable for UDP).
    Refused,
    /// EHOSTUNREACH / ENETUNREACH.
    Unreachable,
    /// ETIMEDOUT: the kernel gave up a TCP connect after its SYN retransmissions.
    TimedOut,
}

/// What the mount core wants done or reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum MountEvent {
    /// Send `message` to the server's `port`: over TCP a new connection from a reserved port for
    /// this exchange, the message record-marked, closed after the reply; over UDP one datagram
    /// from the reserved-port socket (the same `id` again is a retransmission).
    Send {
        /// The exchange.
        id: ExchangeId,
        /// Transport.
        proto: Proto,
        /// Server port.
        port: u16,
        /// The bytes.
        message: Vec<u8>,
    },
    /// Mounted: the root handle and the mount daemon's port and transport (for `/proc/mounts`).
    Mounted {
        /// The root handle.
        root: Fh,
        /// mountd's port.
        mountport: u16,
        /// mountd's transport.
        mountproto: Proto,
    },
    /// Failed, with mount.nfs's line.
    Failed(String),
}

/// errno values of the sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum E {
    ProtoNoSupport,
    ConnRefused,
    HostUnreach,
    TimedOut,
    OpNotSupp,
    Acces,
    NoEnt,
    Perm,
    NotDir,
    Io,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    V4Null(u32),
    GetportNfs,
    NullNfs,
    GetportMnt(Proto),
    NullMnt,
    Mnt,
}

#[derive(Debug, Clone)]
struct Exchange {
    id: ExchangeId,
    xid: u32,
    proto: Proto,
    port: u16,
    message: Vec<u8>,
    /// When to send again (UDP), and the wait after that.
    resend: Option<(SimTime, Duration)>,
    give_up: SimTime,
    rx: Vec<u8>,
}

/// One `mount.nfs` run.
#[derive(Debug, Clone)]
pub(crate) struct MountNfs {
    spec: String,
    node: String,
    export: String,
    options: Options,
    machinename: String,
    deadline: SimTime,
    next_id: ExchangeId,
    next_xid: u32,
    step: Step,
    current: Option<Exchange>,
    sleep: Option<SimTime>,
    backoff: u64,
    nfs_port: u16,
    mnt_port: u16,
    mnt_proto: Proto,
    events: VecDeque<MountEvent>,
    done: bool,
}

/// `NFS_DEF_FG_TIMEOUT_MINUTES`.
const FG_RETRY_MINUTES: u64 = 2;
const TCP_EXCHANGE: Duration = Duration::from_secs(20);
const UDP_RESEND: Duration = Duration::from_secs(3);
const UDP_EXCHANGE: Duration = Duration::from_secs(10);
/// `NFS_DEF_UDP_TIMEO` (1.1 s) and `NFS_DEF_UDP_RETRANS` (3): the kernel's MNT over UDP.
const MNT_UDP_TIMEO: Duration = Duration::from_millis(1100);
const MNT_UDP_RETRANS: u32 = 3;

impl MountNfs {
    /// Mounts `spec` (`nfs-server:/web`) on `node` with `options`; `machinename` is the host's
    /// name (AUTH_SYS). The first exchange is ready at once.
    pub(crate) fn new(now: SimTime, spec: &str, node: &str, options: Options, machinename: &str) -> MountNfs {
        let export = spec.split_once(':').map_or(spec, |(_, e)| e).to_owned();
        let mut m = MountNfs {
            spec: spec.to_owned(),
            node: node.to_owned(),
            export,
            deadline: now.saturating_add(Duration::from_secs(60 * FG_RETRY_MINUTES)),
            options,
            machinename: machinename.to_owned(),
            next_id: 1,
            next_xid: (now.as_micros() as u32) ^ 0x6d6e_7400,
            step: Step::GetportNfs,
            current: None,
            sleep: None,
            backoff: 1,
            nfs_port: nfs3::PORT,
            mnt_port: 0,
            mnt_proto: Proto::Udp,
            events: VecDeque::new(),
            done: false,
        };
        m.begin_pass(now);
        m
    }

    /// `nfs_try_mount`: v3 when asked for (or when mountd options are given), one v4 attempt
    /// for `vers=4`, else v4.2 first.
    fn begin_pass(&mut self, now: SimTime) {
        let o = &self.options;
        let v3 = o.vers == Some(3) || o.mountport.is_some() || o.mountproto.is_some() || o.mountvers.is_some();
        match (v3, o.vers) {
            (true, _) => self.start_v3(now),
            (false, Some(4)) => self.send(now, Step::V4Null(0)),
            (false, _) => self.send(now, Step::V4Null(2)),
        }
    }

    fn start_v3(&mut self, now: SimTime) {
        match self.options.port {
            Some(p) => {
                self.nfs_port = p;
                self.send(now, Step::NullNfs);
            }
            None => self.send(now, Step::GetportNfs),
        }
    }

    fn start_mountd(&mut self, now: SimTime) {
        self.mnt_proto = self.options.mountproto.unwrap_or(Proto::Udp);
        match self.options.mountport {
            Some(p) => {
                self.mnt_port = p;
                self.send(now, Step::NullMnt);
            }
            None => self.send(now, Step::GetportMnt(self.mnt_proto)),
        }
    }

    fn send(&mut self, now: SimTime, step: Step) {
        self.step = step;
        let root = AuthSys { stamp: 0, machine_name: self.machinename.clone(), uid: 0, gid: 0, gids: vec![] }.to_auth();
        let getport = |prog, prot| portmap::Call::Getport(portmap::Mapping { prog, vers: 3, prot, port: 0 }).to_bytes();
        let (proto, port, (program, version, procedure), cred, args) = match step {
            Step::V4Null(_) => (Proto::Tcp, nfs3::PORT, (nfs3::PROGRAM, 4, 0), root, vec![]),
            Step::GetportNfs => (
                Proto::Tcp,
                portmap::PORT,
                (portmap::PROGRAM, portmap::VERSION, portmap::proc::GETPORT),
                OpaqueAuth::none(),
                getport(nfs3::PROGRAM, portmap::IPPROTO_TCP),
            ),
            Step::NullNfs => (Proto::Tcp, self.nfs_port, (nfs3::PROGRAM, nfs3::VERSION, 0), OpaqueAuth::none(), vec![]),
            Step::GetportMnt(p) => {
                let prot = if p == Proto::Udp { portmap::IPPROTO_UDP } else { portmap::IPPROTO_TCP };
                (
                    p,
                    portmap::PORT,
                    (portmap::PROGRAM, portmap::VERSION, portmap::proc::GETPORT),
                    OpaqueAuth::none(),
                    getport(mount::PROGRAM, prot),
                )
            }
            Step::NullMnt => {
                (self.mnt_proto, self.mnt_port, (mount::PROGRAM, mount::VERSION, mount::proc::NULL), OpaqueAuth::none(), vec![])
            }
            Step::Mnt => (
                self.mnt_proto,
                self.mnt_port,
                (mount::PROGRAM, mount::VERSION, mount::proc::MNT),
                root,
                mount::Call::Mnt(self.export.clone()).to_bytes(),
            ),
        };
        let xid = self.next_xid;
        self.next_xid = self.next_xid.wrapping_add(1);
        let body =
            Message::Call(rpc::Call { xid, rpc_version: rpc::RPC_VERSION, program, version, procedure, cred, verf: OpaqueAuth::none() })
                .with_body(&args);
        let message = if proto == Proto::Tcp { rpc::frame_record(&body, rpc::MAX_FRAGMENT) } else { body };
        let (resend, give_up) = match (proto, step) {
            (Proto::Tcp, _) => (None, TCP_EXCHANGE),
            (Proto::Udp, Step::Mnt) => {
                let total = (0..=MNT_UDP_RETRANS).map(|i| MNT_UDP_TIMEO * (1 << i)).sum::<Duration>().min(Duration::from_secs(60));
                (Some((now.saturating_add(MNT_UDP_TIMEO), MNT_UDP_TIMEO * 2)), total)
            }
            (Proto::Udp, _) => (Some((now.saturating_add(UDP_RESEND), UDP_RESEND)), UDP_EXCHANGE),
        };
        let id = self.next_id;
        self.next_id += 1;
        self.events.push_back(MountEvent::Send { id, proto, port, message: message.clone() });
        self.current = Some(Exchange { id, xid, proto, port, message, resend, give_up: now.saturating_add(give_up), rx: Vec::new() });
    }

    /// The server's answer to exchange `id`: TCP stream bytes (any cut) or one UDP datagram.
    pub(crate) fn handle_reply(&mut self, now: SimTime, id: ExchangeId, bytes: &[u8]) {
        let Some(ex) = self.current.as_mut().filter(|e| e.id == id) else { return };
        let message = if ex.proto == Proto::Tcp {
            ex.rx.extend_from_slice(bytes);
            match rpc::split_record(&ex.rx, 1 << 16) {
                Ok(Some((m, _))) => m,
                Ok(None) => return,
                Err(_) => return self.finish_step(now, Err(E::Io)),
            }
        } else {
            bytes.to_vec()
        };
        let Ok((Message::Reply(reply), at)) = Message::parse(&message) else { return };
        if reply.xid != ex.xid {
            return;
        }
        let result = match reply.body {
            ReplyBody::Accepted { stat: AcceptStat::Success, .. } => Ok(message[at..].to_vec()),
            ReplyBody::Accepted { stat: AcceptStat::ProgMismatch { .. }, .. } => Err(E::ProtoNoSupport),
            ReplyBody::Accepted { stat: AcceptStat::ProgUnavail, .. } => Err(E::OpNotSupp),
            ReplyBody::Denied(rpc::RejectStat::AuthError(_)) => Err(E::Acces),
            _ => Err(E::Io),
        };
        self.finish_step(now, result);
    }

    /// Exchange `id` could not be made.
    pub(crate) fn handle_error(&mut self, now: SimTime, id: ExchangeId, error: NetError) {
        if self.current.as_ref().is_some_and(|e| e.id == id) {
            let e = match error {
                NetError::Refused => E::ConnRefused,
                NetError::Unreachable => E::HostUnreach,
                NetError::TimedOut => E::TimedOut,
            };
            self.finish_step(now, Err(e));
        }
    }

    /// When [`MountNfs::handle_timeout`] wants to run.
    pub(crate) fn poll_timeout(&self) -> Option<SimTime> {
        if self.done {
            return None;
        }
        let ex = self.current.as_ref().map(|e| e.resend.map_or(e.give_up, |(t, _)| t.min(e.give_up)));
        ex.into_iter().chain(self.sleep).min()
    }

    /// Fires the timers due at `now`.
    pub(crate) fn handle_timeout(&mut self, now: SimTime) {
        if self.sleep.is_some_and(|t| t <= now) {
            self.sleep = None;
            self.begin_pass(now);
            return;
        }
        let Some(ex) = self.current.as_mut() else { return };
        if ex.give_up <= now {
            return self.finish_step(now, Err(E::TimedOut));
        }
        if let Some((at, wait)) = ex.resend
            && at <= now
        {
            let doubling = self.step == Step::Mnt;
            ex.resend = Some((now.saturating_add(wait), if doubling { wait * 2 } else { wait }));
            self.events.push_back(MountEvent::Send { id: ex.id, proto: ex.proto, port: ex.port, message: ex.message.clone() });
        }
    }

    /// The next thing to do or report.
    pub(crate) fn poll_event(&mut self) -> Option<MountEvent> {
        self.events.pop_front()
    }

    fn finish_step(&mut self, now: SimTime, result: Result<Vec<u8>, E>) {
        self.current = None;
        match (self.step, result) {
            // `vers=4`: no fall-back (`nfs_autonegotiate` returns for V_GENERAL minor 0).
            (Step::V4Null(_), Ok(_) | Err(E::ProtoNoSupport)) if self.options.vers == Some(4) => self.fail(now, E::ProtoNoSupport),
            (Step::V4Null(minor), Ok(_) | Err(E::ProtoNoSupport)) => {
                // labsim's client speaks v3 only: a v4 server is treated as one without v4.
                if minor > 0 { self.send(now, Step::V4Null(minor - 1)) } else { self.start_v3(now) }
            }
            (Step::V4Null(_), Err(E::ConnRefused)) => self.start_v3(now),
            (Step::GetportNfs, Ok(r)) => match portmap::Reply::decode(portmap::proc::GETPORT, &r) {
                Ok(portmap::Reply::Getport(p)) if p != 0 && p <= u32::from(u16::MAX) => {
                    self.nfs_port = p as u16;
                    self.send(now, Step::NullNfs);
                }
                _ => self.fail(now, E::OpNotSupp),
            },
            (Step::NullNfs, Ok(_)) => self.start_mountd(now),
            (Step::GetportMnt(proto), Ok(r)) => match portmap::Reply::decode(portmap::proc::GETPORT, &r) {
                Ok(portmap::Reply::Getport(p)) if p != 0 && p <= u32::from(u16::MAX) => {
                    self.mnt_port = p as u16;
                    self.mnt_proto = proto;
                    self.send(now, Step::NullMnt);
                }
                _ if proto == Proto::Udp && self.options.mountproto.is_none() => self.send(now, Step::GetportMnt(Proto::Tcp)),
                _ => self.fail(now, E::OpNotSupp),
            },
            (Step::NullMnt, Ok(_)) => self.send(now, Step::Mnt),
            (Step::Mnt, Ok(r)) => match mount::Reply::decode(mount::proc::MNT, &r) {
                Ok(mount::Reply::Mnt(mount::MntRes::Ok { fhandle, .. }))
                    if !fhandle.is_empty()
                        && let Some(root) = Fh::new(&fhandle) =>
                {
                    self.done = true;
                    self.events.push_back(MountEvent::Mounted { root, mountport: self.mnt_port, mountproto: self.mnt_proto });
                }
                Ok(mount::Reply::Mnt(mount::MntRes::Err(stat))) => self.fail(now, mnt_errno(stat)),
                _ => self.fail(now, E::Io),
            },
            (_, Err(e)) => self.fail(now, e),
        }
    }

    /// The end of a pass (`nfsmount_fg`): a permanent error ends the mount; a temporary one
    /// starts again after the back-off, or ends it with ETIMEDOUT once `retry=` has passed.
    fn fail(&mut self, now: SimTime, e: E) {
        let temporary = matches!(e, E::TimedOut | E::ConnRefused | E::HostUnreach);
        if !temporary {
            return self.end(self.message(e));
        }
        if now.as_secs() > self.deadline.as_secs() {
            return self.end(self.message(E::TimedOut));
        }
        if e == E::TimedOut {
            return self.begin_pass(now);
        }
        self.sleep = Some(now.saturating_add(Duration::from_secs(self.backoff)));
        self.backoff = (self.backoff * 2).min(10);
    }

    fn end(&mut self, line: String) {
        self.done = true;
        self.sleep = None;
        self.events.push_back(MountEvent::Failed(line));
    }

    /// `mount_error()`.
    fn message(&self, e: E) -> String {
        let spec = &self.spec;
        match e {
            E::Acces => format!("mount.nfs: access denied by server while mounting {spec}"),
            E::OpNotSupp => "mount.nfs: requested NFS version or transport protocol is not supported".into(),
            E::NotDir => format!("mount.nfs: mount spec {spec} or point {} is not a directory", self.node),
            E::NoEnt => format!("mount.nfs: mounting {spec} failed, reason given by server: No such file or directory"),
            E::Io => "mount.nfs: mount system call failed".into(),
            E::Perm => "mount.nfs: Operation not permitted".into(),
            E::ProtoNoSupport => "mount.nfs: Protocol not supported".into(),
            E::ConnRefused => "mount.nfs: Connection refused".into(),
            E::HostUnreach => "mount.nfs: No route to host".into(),
            E::TimedOut => "mount.nfs: Connection timed out".into(),
        }
    }
}

/// The kernel's `nfs_mount()` (`fs/nfs/mount_clnt.c`, `mnt_errtbl`): MNT status → errno.
fn mnt_errno(stat: mount::MountStat) -> E {
    use mount::MountStat as S;
    match stat {
        S::Perm => E::Perm,
        S::NoEnt => E::NoEnt,
        S::Acces => E::Acces,
        S::NotDir => E::NotDir,
        _ => E::Io,
    }
}
