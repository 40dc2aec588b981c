//! File system calls that may have to wait, as a process makes them: `stat()` and reading a
//! whole file. A local path is answered at once from the disk ([`super::Fs`]); a path under an
//! NFS mount is handed to that mount's client and answered when the server has replied (the
//! process sleeps meanwhile, as in the kernel's D state), so a caller gets either the reply or
//! a [`Ticket`] to collect it with at a later poll.

use std::collections::{BTreeMap, BTreeSet};

use super::Kernel;
use super::selinux::Access;
use super::syscall::{FileCall, FileReply, FileStat, FsUsage, Pending, Ticket};
use crate::kernel::SimTime;
use crate::proto::errno::Errno;

/// Replies waiting to be collected, by ticket.
#[derive(Default)]
pub(super) struct Vfs {
    next_ticket: u64,
    ready: BTreeMap<u64, FileReply>,
    /// Tickets whose reply nobody wants any more.
    forgotten: BTreeSet<u64>,
    /// What SELinux checks on each reply when it comes.
    checks: BTreeMap<u64, Access>,
}

impl Vfs {
    /// A ticket for a call that will be answered later.
    pub(super) fn ticket(&mut self) -> Ticket {
        self.next_ticket += 1;
        Ticket(self.next_ticket)
    }

    /// The reply to `ticket`, if it has come.
    pub(super) fn take(&mut self, ticket: Ticket) -> Option<FileReply> {
        self.ready.remove(&ticket.0)
    }

    /// The reply to `ticket` has come (checked already).
    fn answer(&mut self, ticket: Ticket, reply: FileReply) {
        if !self.forgotten.remove(&ticket.0) {
            self.ready.insert(ticket.0, reply);
        }
    }
}

impl Kernel {
    /// Makes a file system call for process `pid` (running as `uid`).
    /// SELinux checks the call when its reply is in.
    pub(crate) fn file_call(&mut self, pid: u32, now: SimTime, call: FileCall, uid: u32) -> Pending<FileReply> {
        let access = self.selinux_access(pid, &call);
        match self.nfs_call(now, &call, uid) {
            Some(Pending::Ready(reply)) => Pending::Ready(self.selinux_enforce(now, access, reply)),
            Some(Pending::Wait(ticket)) => {
                if let Some(access) = access {
                    self.vfs.checks.insert(ticket.0, access);
                }
                Pending::Wait(ticket)
            }
            None => {
                let reply = self.local_call(&call, uid);
                Pending::Ready(self.selinux_enforce(now, access, reply))
            }
        }
    }

    /// The reply to `ticket` has come: checked if it must be, then kept for its caller.
    pub(super) fn answer_call(&mut self, now: SimTime, ticket: Ticket, reply: FileReply) {
        let access = self.vfs.checks.remove(&ticket.0);
        let reply = self.selinux_enforce(now, access, reply);
        self.vfs.answer(ticket, reply);
    }

    /// The reply to a call that had to wait, once it has come.
    pub(crate) fn file_reply(&mut self, ticket: Ticket) -> Option<FileReply> {
        self.vfs.take(ticket)
    }

    /// The reply to `ticket` is not wanted: dropped now or when it comes.
    pub(crate) fn file_forget(&mut self, ticket: Ticket) {
        if self.vfs.ready.remove(&ticket.0).is_none() {
            self.vfs.forgotten.insert(ticket.0);
        }
    }

    fn local_call(&self, call: &FileCall, _uid: u32) -> FileReply {
        match call {
            FileCall::Stat(path) => FileReply::Stat(self.local_stat(path)),
            FileCall::Read(path) => FileReply::Read(self.local_stat(path).and_then(|stat| {
                if stat.is_dir {
                    return Err(Errno::IsDir);
                }
                Ok((stat, self.fs.read(path).map(|f| f.contents.clone()).unwrap_or_default()))
            })),
            FileCall::StatFs(path) => {
                let (total_bytes, used) = self.fs.disk_usage(path);
                FileReply::StatFs(Ok(FsUsage { total_bytes, free_bytes: total_bytes - used, avail_bytes: total_bytes - used }))
            }
        }
    }

    fn local_stat(&self, path: &str) -> Result<FileStat, Errno> {
        let calendar = self.calendar;
        if let Some(f) = self.fs.read(path) {
            let mtime = calendar.unix_micros(f.mtime);
            return Ok(FileStat { is_dir: false, size: f.contents.len() as u64, mtime_unix_us: mtime, ino: f.ino });
        }
        if self.fs.is_dir(path) {
            return Ok(FileStat { is_dir: true, size: 4096, mtime_unix_us: calendar.unix_micros(SimTime::ZERO), ino: 0 });
        }
        Err(Errno::NoEnt)
    }
}
