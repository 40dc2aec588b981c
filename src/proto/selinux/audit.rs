//! The AVC record auditd writes to `/var/log/audit/audit.log` for a denial (spec §1.7; Linux
//! `security/selinux/avc.c` `avc_audit_pre_callback`/`avc_audit_post_callback`,
//! `security/lsm_audit.c`), and the header every record starts with, read back for `ausearch`.
//!
//! labsim writes the AVC record of an event only: the `SYSCALL` and `PROCTITLE` records the
//! kernel adds to the same event carry register values and process details it does not model.

use super::policy::{Class, Domain, FileType, Perm};

/// Where auditd writes.
pub(crate) const LOG: &str = "/var/log/audit/audit.log";

/// One denial of a path-based check (a `stat()` or `open()` of a file).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Denial<'a> {
    /// The event's time, µs since the Unix epoch.
    pub(crate) unix_us: u64,
    /// The audit event's serial number.
    pub(crate) serial: u64,
    /// What was denied.
    pub(crate) perm: Perm,
    /// The process.
    pub(crate) pid: u32,
    /// Its name (`comm`).
    pub(crate) comm: &'a str,
    /// The object's path.
    pub(crate) path: &'a str,
    /// The file system's device: `MAJ:MIN`, or the block device's name (an NFS superblock has
    /// an anonymous device, major 0).
    pub(crate) dev: &'a str,
    /// The object's inode number (an NFS file's fileid).
    pub(crate) ino: u64,
    /// The process's domain.
    pub(crate) domain: Domain,
    /// The object's type.
    pub(crate) ty: FileType,
    /// The object's class.
    pub(crate) class: Class,
    /// Made in permissive mode (allowed, logged).
    pub(crate) permissive: bool,
}

impl Denial<'_> {
    /// The record's line: `type=AVC msg=audit(SECONDS.MMM:SERIAL): avc:  denied  { perm } for
    /// pid=… comm="…" path="…" dev="0:NN" ino=… scontext=… tcontext=… tclass=… permissive=N`.
    /// The doubled spaces are the kernel's: `avc:  %s ` then ` {`, and ` for ` then ` pid=`.
    pub(crate) fn line(&self) -> String {
        format!(
            "{} avc:  denied  {{ {} }} for  pid={} comm={} path={} dev=\"{}\" ino={} scontext={} tcontext={} tclass={} permissive={}",
            header("AVC", self.unix_us, self.serial),
            self.perm.name(),
            self.pid,
            untrusted(self.comm),
            untrusted(self.path),
            self.dev,
            self.ino,
            self.domain.context(),
            self.ty.context(),
            self.class.name(),
            u8::from(self.permissive),
        )
    }
}

/// `type=TYPE msg=audit(SECONDS.MMM:SERIAL):` (kernel `audit_log_start`: milliseconds always
/// three digits).
fn header(ty: &str, unix_us: u64, serial: u64) -> String {
    format!("type={ty} msg=audit({}.{:03}:{serial}):", unix_us / 1_000_000, unix_us / 1000 % 1000)
}

/// A string as `audit_log_untrustedstring` writes it: quoted, or in upper-case hex when it holds
/// a quote, a blank, a control character or a byte past `~` (`audit_string_contains_control`).
fn untrusted(s: &str) -> String {
    if s.bytes().any(|b| b == b'"' || !(0x21..=0x7e).contains(&b)) {
        s.bytes().map(|b| format!("{b:02X}")).collect()
    } else {
        format!("\"{s}\"")
    }
}

/// A record's type, time (whole seconds since the Unix epoch) and event id (`SECONDS.MMM:SERIAL`),
/// read from its header; `None` for a line that is not a record.
pub(crate) fn parse_header(line: &str) -> Option<(&str, u64, &str)> {
    let rest = line.strip_prefix("type=")?;
    let (ty, rest) = rest.split_once(' ')?;
    let id = rest.strip_prefix("msg=audit(")?.split_once("):")?.0;
    let secs = id.split_once('.')?.0.parse().ok()?;
    Some((ty, secs, id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_line() {
        let d = Denial {
            unix_us: 1_700_000_000_123_456,
            serial: 456,
            perm: Perm::Getattr,
            pid: 1234,
            comm: "httpd",
            path: "/var/www/html/index.html",
            dev: "0:40",
            ino: 1_311_234,
            domain: Domain::Httpd,
            ty: FileType::Nfs,
            class: Class::File,
            permissive: false,
        };
        assert_eq!(
            d.line(),
            "type=AVC msg=audit(1700000000.123:456): avc:  denied  { getattr } for  pid=1234 comm=\"httpd\" \
             path=\"/var/www/html/index.html\" dev=\"0:40\" ino=1311234 scontext=system_u:system_r:httpd_t:s0 \
             tcontext=system_u:object_r:nfs_t:s0 tclass=file permissive=0"
        );
        assert_eq!(parse_header(&d.line()), Some(("AVC", 1_700_000_000, "1700000000.123:456")));
        assert_eq!(parse_header("garbage"), None);
    }

    #[test]
    fn odd_strings_are_hex() {
        assert_eq!(untrusted("a b"), "612062");
        assert_eq!(untrusted("/x\"y"), "2F782279");
        assert_eq!(untrusted("/ok"), "\"/ok\"");
    }
}
