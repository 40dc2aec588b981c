//! SELinux in the kernel: the mode, the booleans and the access vector cache of one boot, the
//! checks on a confined process's file calls, and the AVC records of its denials in auditd's
//! `/var/log/audit/audit.log`. The decisions are [`crate::proto::selinux`]'s.
//!
//! At boot the mode comes from `/etc/selinux/config` (absent, or without a `SELINUX=` line that
//! libselinux accepts: SELinux stays disabled, as on the lab's ready-made hosts) and the
//! booleans from their defaults with the policy store's local values over them
//! ([`booleans::STORE`], what `setsebool -P` writes). `setenforce` and `setsebool` without `-P`
//! change the running state only; a reboot reads the files again.
//!
//! A file call is checked once its path has been looked up, when the reply is in: a path that
//! does not exist fails before any check, and an NFS file's inode number (its fileid) is known
//! for the record. The process's domain comes from the unit it runs in (its cgroup), that is,
//! from the executable systemd started ([`policy::exe_of`]). The records carry the kernel's audit
//! serial, counted per boot from 1 by labsim (which audits nothing else), and the time of the
//! simulated clock. auditd rotates the log past [`AUDIT_MAX_BYTES`] (auditd.conf's
//! `max_log_file = 8` MB, `max_log_file_action = ROTATE`), keeping one old file here.

use super::Kernel;
use super::fs::Fs;
use super::syscall::{FileCall, FileReply, FileStat};
use crate::kernel::SimTime;
use crate::proto::errno::Errno;
use crate::proto::selinux::audit::{self, Denial};
use crate::proto::selinux::booleans::{self, Booleans};
use crate::proto::selinux::policy::{self, Avc, Class, Domain, FileType, Perm};
use crate::proto::selinux::tools::SetBooleans;
use crate::proto::selinux::{Mode, config};

/// The size past which auditd rotates its log.
const AUDIT_MAX_BYTES: usize = 8 << 20;

/// The device name of the local root file system (CentOS 7's LVM root, `/dev/dm-0`).
const ROOT_DEV: &str = "dm-0";

/// One boot's SELinux.
pub(super) struct Selinux {
    mode: Mode,
    booleans: Booleans,
    avc: Avc,
    serial: u64,
}

impl Default for Selinux {
    fn default() -> Self {
        Selinux { mode: Mode::Disabled, booleans: Booleans::default(), avc: Avc::default(), serial: 0 }
    }
}

impl Selinux {
    /// The state a boot loads from the disk.
    pub(super) fn boot(fs: &Fs) -> Selinux {
        let mode = fs.read_text(config::PATH).and_then(|t| config::mode(&t)).unwrap_or(Mode::Disabled);
        let booleans = fs.read_text(booleans::STORE).map_or_else(Booleans::default, |t| Booleans::with_store(&t));
        Selinux { mode, booleans, ..Selinux::default() }
    }
}

/// A confined process's file call, to be checked when its reply comes.
pub(super) struct Access {
    pid: u32,
    domain: Domain,
    comm: &'static str,
    path: String,
    ty: FileType,
    dev: String,
    perms: &'static [Perm],
}

impl Kernel {
    /// The running mode.
    pub(crate) fn selinux_mode(&self) -> Mode {
        self.selinux.mode
    }

    /// `/sys/fs/selinux/enforce`: the running mode changes (not to or from disabled, which the
    /// caller has refused) and the cache is flushed.
    pub(crate) fn selinux_set_mode(&mut self, mode: Mode) {
        if self.selinux.mode != Mode::Disabled && mode != Mode::Disabled {
            self.selinux.mode = mode;
            self.selinux.avc.flush();
        }
    }

    /// The running booleans.
    pub(crate) fn selinux_booleans(&self) -> &Booleans {
        &self.selinux.booleans
    }

    /// Sets booleans (the cache is flushed); persistent ones are also written to the policy
    /// store, for the next boot.
    pub(crate) fn selinux_set_booleans(&mut self, now: SimTime, set: &SetBooleans) {
        let mut store = self.fs.read_text(booleans::STORE).map_or_else(Booleans::default, |t| Booleans::with_store(&t));
        for (name, value, _) in &set.changes {
            self.selinux.booleans.set(name, *value);
            store.set(name, *value);
        }
        self.selinux.avc.flush();
        if set.persistent {
            self.fs.write(booleans::STORE, store.store_text().into_bytes(), now);
        }
    }

    /// What a file call of process `pid` is checked for, if SELinux confines the process and
    /// labsim models the object's type.
    pub(super) fn selinux_access(&self, pid: u32, call: &FileCall) -> Option<Access> {
        if self.selinux.mode == Mode::Disabled {
            return None;
        }
        let exe = self.cgroups.get(&pid).and_then(|unit| policy::exe_of(unit))?;
        let domain = policy::domain_of(exe)?;
        let (path, perms): (&str, &'static [Perm]) = match call {
            FileCall::Stat(p) => (p, &[Perm::Getattr]),
            FileCall::Read(p) => (p, &[Perm::Read, Perm::Open]),
            FileCall::StatFs(_) => return None,
        };
        let path = match path.trim_end_matches('/') {
            "" => "/",
            p => p,
        };
        let (ty, dev) = match self.nfs_device(path) {
            Some(dev) => (FileType::Nfs, dev),
            None => (policy::local_type(path)?, ROOT_DEV.to_owned()),
        };
        let comm = exe.rsplit('/').next().unwrap_or(exe);
        Some(Access { pid, domain, comm, path: path.to_owned(), ty, dev, perms })
    }

    /// The reply to a checked call: the checks made in order, each denial audited, and EACCES
    /// instead of the reply if one was enforced. A call that failed anyway is not checked.
    pub(super) fn selinux_enforce(&mut self, now: SimTime, access: Option<Access>, reply: FileReply) -> FileReply {
        let Some(a) = access else { return reply };
        let stat: FileStat = match &reply {
            FileReply::Stat(Ok(s)) | FileReply::Read(Ok((s, _))) => *s,
            _ => return reply,
        };
        let class = if stat.is_dir { Class::Dir } else { Class::File };
        let mut serial = None;
        for &perm in a.perms {
            let s = &mut self.selinux;
            let verdict = s.avc.check(s.mode, &s.booleans, a.domain, a.ty, class, perm);
            if let Some(permissive) = verdict.audit {
                // One audit event per system call: its records share the serial.
                let serial = *serial.get_or_insert_with(|| {
                    self.selinux.serial += 1;
                    self.selinux.serial
                });
                let denial = Denial {
                    unix_us: self.calendar.unix_micros(now),
                    serial,
                    perm,
                    pid: a.pid,
                    comm: a.comm,
                    path: &a.path,
                    dev: &a.dev,
                    ino: stat.ino,
                    domain: a.domain,
                    ty: a.ty,
                    class,
                    permissive,
                };
                self.audit_log(now, denial.line());
            }
            if verdict.denied {
                return match reply {
                    FileReply::Read(_) => FileReply::Read(Err(Errno::Acces)),
                    _ => FileReply::Stat(Err(Errno::Acces)),
                };
            }
        }
        reply
    }

    /// auditd writes a record (and the trace shows it as auditd's line).
    fn audit_log(&mut self, now: SimTime, line: String) {
        if self.fs.read(audit::LOG).is_some_and(|f| f.contents.len() + line.len() >= AUDIT_MAX_BYTES) {
            self.fs.rename(audit::LOG, &format!("{}.1", audit::LOG), now);
        }
        self.fs.append_line(audit::LOG, &line, now);
        self.log_event(now, "auditd", 0, line);
    }
}
