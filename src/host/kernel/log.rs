//! Where daemons' log lines go besides the trace: the journal (systemd-journald, which keeps
//! each line with the unit its process runs in, for `journalctl -u UNIT`) and
//! `/var/log/messages` (rsyslog's `*.info` file on CentOS 7, in its traditional format:
//! `Nov 24 16:00:03 lb-1 Keepalived_vrrp[1003]: (VI_1) Entering MASTER STATE`). The daemons
//! log through syslog(3); rsyslog and journald are not processes of their own here: a line is
//! in both places the instant it is logged.
//!
//! Both are bounded. The journal is volatile on CentOS 7 (`Storage=auto` without
//! `/var/log/journal`: it lives in `/run`, a tmpfs) and goes with a power cycle; journald's
//! `RuntimeMaxUse=` (journald.conf(5): 10% of the file system, at most 4 GiB) is modelled as
//! [`JOURNAL_MAX_BYTES`], past which the oldest entries go. `/var/log/messages`, and the files
//! daemons write themselves (httpd's `access_log` and `error_log`, nginx's `access.log`: their
//! packages' `/etc/logrotate.d/httpd` and `/etc/logrotate.d/nginx` rotate them), are rotated by
//! logrotate (`/etc/logrotate.conf`: `dateext`) when one passes [`LOG_MAX_BYTES`], as a `size`
//! rule would: it is renamed to `PATH-YYYYMMDD` (replacing an older one of that day) and a new
//! one begins, which the daemon writes from its next line on (httpd's `postrotate` reloads it,
//! nginx's sends it `USR1` to reopen its logs). The real rules are weekly or daily; a cap keeps
//! a long run's memory bounded whatever it logs.
//!
//! The line format is rsyslog's `RSYSLOG_TraditionalFileFormat` (rsyslog's reserved template
//! names: `"%TIMESTAMP% %HOSTNAME% %syslogtag%%msg:::sp-if-no-1st-sp%%msg:::drop-last-lf%\n"`),
//! the default of CentOS 7's `rsyslog.conf` (`$ActionFileDefaultTemplate
//! RSYSLOG_TraditionalFileFormat`): `%TIMESTAMP%` is RFC 3164's `Mmm dd hh:mm:ss` with the day
//! padded by a space (`Nov  4`), unlike journalctl's zero (`Nov 04`, see `proto::journalctl`).

use std::collections::VecDeque;

use super::fs::Fs;
use super::syscall::JournalEntry;
use crate::kernel::{Calendar, SimTime};

/// The journal's size past which its oldest entries go.
pub(super) const JOURNAL_MAX_BYTES: usize = 4 << 20;

/// The size past which a log file is rotated.
pub(super) const LOG_MAX_BYTES: usize = 4 << 20;

/// rsyslog's file.
const MESSAGES: &str = "/var/log/messages";

/// The journal of one boot.
#[derive(Debug, Default)]
pub(super) struct Journal {
    entries: VecDeque<JournalEntry>,
    bytes: usize,
    /// Entries ever written, so that a reader can say where it is (a cursor).
    written: u64,
}

impl Journal {
    pub(super) fn push(&mut self, entry: JournalEntry) {
        self.bytes += entry.size();
        self.entries.push_back(entry);
        self.written += 1;
        while self.bytes > JOURNAL_MAX_BYTES {
            let Some(old) = self.entries.pop_front() else { break };
            self.bytes -= old.size();
        }
    }

    /// The entries, with their cursors (numbered from the first entry of the boot).
    pub(super) fn entries(&self) -> impl DoubleEndedIterator<Item = (u64, &JournalEntry)> {
        let first = self.written - self.entries.len() as u64;
        self.entries.iter().enumerate().map(move |(i, e)| (first + i as u64, e))
    }

    /// The cursor the next entry will have.
    pub(super) fn end(&self) -> u64 {
        self.written
    }
}

/// Appends a line to `/var/log/messages`, rotating it first if it is full.
pub(super) fn messages(fs: &mut Fs, calendar: Calendar, now: SimTime, host: &str, ident: &str, pid: u32, line: &str) {
    let d = calendar.date(now);
    let tag = crate::proto::journalctl::syslog_tag(ident, pid);
    let text = format!("{} {:>2} {:02}:{:02}:{:02} {host} {tag}: {line}\n", d.month_name(), d.day, d.hour, d.minute, d.second);
    append_rotated(fs, calendar, now, MESSAGES, text.as_bytes());
}

/// Appends `text` to the log file `path`, rotating it first if it would pass [`LOG_MAX_BYTES`].
pub(super) fn append_rotated(fs: &mut Fs, calendar: Calendar, now: SimTime, path: &str, text: &[u8]) {
    if !fs.append_within(path, text, LOG_MAX_BYTES, now) {
        let d = calendar.date(now);
        fs.rename(path, &format!("{path}-{}{:02}{:02}", d.year, d.month, d.day), now);
        fs.append(path, text, now);
    }
}
