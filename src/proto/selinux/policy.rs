//! The rules of CentOS 7's targeted policy that the lab exercises, and the access vector cache
//! that applies them. Each rule names its source in selinux-policy (fedora-selinux/selinux-policy,
//! `policy/modules/…`; CentOS 7's selinux-policy 3.13.1 has the same rules for these types).
//!
//! - Domains: a daemon started by systemd (`init_t`) from an `httpd_exec_t` executable runs as
//!   `httpd_t` (`apache.te`: `init_daemon_domain(httpd_t, httpd_exec_t)`); `apache.fc` labels
//!   `/usr/bin/httpd` and `/usr/bin/nginx` (`/usr/sbin` is the same directory through
//!   `file_contexts.subs_dist`) `httpd_exec_t`. Other processes are not confined by any rule
//!   labsim models: the root shell runs as `unconfined_t`.
//! - Types: local files under `/var/www` are `httpd_sys_content_t` (`apache.fc`:
//!   `/var/www(/.*)?`); every file and directory of an NFS mount is `nfs_t` (`filesystem.te`:
//!   `genfscon nfs / …nfs_t`, `fs_noxattr_type(nfs_t)`: no per-file labels).
//! - Access: `httpd_t` reads `httpd_sys_content_t` (`apache.te`: `allow httpd_t
//!   httpd_sys_content_t:dir list_dir_perms`, `read_files_pattern(httpd_t, httpd_sys_content_t,
//!   httpd_sys_content_t)`), and `nfs_t` only under `tunable_policy(\`httpd_use_nfs')`
//!   (`fs_manage_nfs_dirs(httpd_t)`, `fs_manage_nfs_files(httpd_t)`).
//!
//! The cache is the kernel's AVC as far as it shows: while enforcing, every denial fails the call
//! and is audited; while permissive, a denial is audited and then granted in the cache
//! (`avc_denied` → `avc_update_node`), so the same access is not audited again until the cache is
//! flushed, which `setenforce` and a boolean change do (`sel_write_enforce` and
//! `security_set_bools` call `avc_ss_reset`).

use std::collections::BTreeSet;

use super::Mode;
use super::booleans::Booleans;

/// A process domain labsim confines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Domain {
    /// `httpd_t`: Apache and nginx.
    Httpd,
}

impl Domain {
    /// The process context (`scontext=`).
    pub(crate) fn context(self) -> &'static str {
        match self {
            Domain::Httpd => "system_u:system_r:httpd_t:s0",
        }
    }
}

/// The executables labelled `httpd_exec_t`, and the name the kernel knows each process by.
const HTTPD_EXEC: &[(&str, &str)] = &[("httpd", "/usr/sbin/httpd"), ("nginx", "/usr/sbin/nginx")];

/// The domain a daemon runs in when systemd starts it from `exe`, if labsim confines it.
pub(crate) fn domain_of(exe: &str) -> Option<Domain> {
    HTTPD_EXEC.iter().any(|(_, e)| *e == exe).then_some(Domain::Httpd)
}

/// The executable of the unit systemd starts as `unit` (labsim's units are named after it).
pub(crate) fn exe_of(unit: &str) -> Option<&'static str> {
    HTTPD_EXEC.iter().find(|(u, _)| *u == unit).map(|(_, e)| *e)
}

/// A file type labsim models.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum FileType {
    /// `httpd_sys_content_t`: `/var/www` on the local disk.
    HttpdSysContent,
    /// `nfs_t`: anything on an NFS mount.
    Nfs,
}

impl FileType {
    /// The object context (`tcontext=`).
    pub(crate) fn context(self) -> &'static str {
        match self {
            FileType::HttpdSysContent => "system_u:object_r:httpd_sys_content_t:s0",
            FileType::Nfs => "system_u:object_r:nfs_t:s0",
        }
    }
}

/// The type of a local file at `path`, where labsim models it (`/var/www(/.*)?`).
pub(crate) fn local_type(path: &str) -> Option<FileType> {
    (path == "/var/www" || path.starts_with("/var/www/")).then_some(FileType::HttpdSysContent)
}

/// An object class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Class {
    /// `file`.
    File,
    /// `dir`.
    Dir,
}

impl Class {
    /// Its name (`tclass=`).
    pub(crate) fn name(self) -> &'static str {
        match self {
            Class::File => "file",
            Class::Dir => "dir",
        }
    }
}

/// A permission checked on a file or directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Perm {
    /// `getattr`: `stat()`.
    Getattr,
    /// `read`: opening for reading (`inode_permission` with `MAY_READ`).
    Read,
    /// `open`: the open itself (`security_file_open`).
    Open,
}

impl Perm {
    /// Its name in an AVC record.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Perm::Getattr => "getattr",
            Perm::Read => "read",
            Perm::Open => "open",
        }
    }
}

/// Whether the policy allows `domain` the permission on an object of `ty`.
pub(crate) fn allows(domain: Domain, ty: FileType, booleans: &Booleans) -> bool {
    match (domain, ty) {
        (Domain::Httpd, FileType::HttpdSysContent) => true,
        (Domain::Httpd, FileType::Nfs) => booleans.get("httpd_use_nfs") == Some(true),
    }
}

/// What one check came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Verdict {
    /// The call fails with EACCES.
    pub(crate) denied: bool,
    /// A denial to audit, and whether it was made in permissive mode (`permissive=1`).
    pub(crate) audit: Option<bool>,
}

/// The access vector cache: what permissive mode has granted since the last flush.
#[derive(Clone, Debug, Default)]
pub(crate) struct Avc {
    granted: BTreeSet<(Domain, FileType, Class, Perm)>,
}

impl Avc {
    /// `avc_has_perm` for one permission, in `mode`.
    pub(crate) fn check(&mut self, mode: Mode, booleans: &Booleans, domain: Domain, ty: FileType, class: Class, perm: Perm) -> Verdict {
        let allowed = Verdict { denied: false, audit: None };
        if mode == Mode::Disabled || allows(domain, ty, booleans) {
            return allowed;
        }
        match mode {
            Mode::Enforcing => Verdict { denied: true, audit: Some(false) },
            _ if self.granted.insert((domain, ty, class, perm)) => Verdict { denied: false, audit: Some(true) },
            _ => allowed,
        }
    }

    /// `avc_ss_reset`: the cache is emptied.
    pub(crate) fn flush(&mut self) {
        self.granted.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HTTPD: Domain = Domain::Httpd;

    #[test]
    fn httpd_reads_nfs_only_with_the_boolean() {
        let mut b = Booleans::default();
        let mut avc = Avc::default();
        let v = avc.check(Mode::Enforcing, &b, HTTPD, FileType::Nfs, Class::File, Perm::Getattr);
        assert_eq!(v, Verdict { denied: true, audit: Some(false) });
        // Every enforced denial is audited.
        assert_eq!(avc.check(Mode::Enforcing, &b, HTTPD, FileType::Nfs, Class::File, Perm::Getattr), v);
        assert!(!avc.check(Mode::Enforcing, &b, HTTPD, FileType::HttpdSysContent, Class::File, Perm::Read).denied);
        b.set("httpd_use_nfs", true);
        assert_eq!(avc.check(Mode::Enforcing, &b, HTTPD, FileType::Nfs, Class::Dir, Perm::Getattr), Verdict { denied: false, audit: None });
    }

    #[test]
    fn permissive_audits_once_until_a_flush() {
        let b = Booleans::default();
        let mut avc = Avc::default();
        let check = |avc: &mut Avc| avc.check(Mode::Permissive, &b, HTTPD, FileType::Nfs, Class::File, Perm::Getattr);
        assert_eq!(check(&mut avc), Verdict { denied: false, audit: Some(true) });
        assert_eq!(check(&mut avc), Verdict { denied: false, audit: None });
        avc.flush();
        assert_eq!(check(&mut avc).audit, Some(true));
        assert_eq!(avc.check(Mode::Disabled, &b, HTTPD, FileType::Nfs, Class::File, Perm::Read), Verdict { denied: false, audit: None });
    }

    #[test]
    fn domains_and_types() {
        assert_eq!(exe_of("httpd").and_then(domain_of), Some(HTTPD));
        assert_eq!(exe_of("nginx").and_then(domain_of), Some(HTTPD));
        assert_eq!(exe_of("keepalived"), None);
        assert_eq!(local_type("/var/www/html/index.html"), Some(FileType::HttpdSysContent));
        assert_eq!(local_type("/var/wwwx"), None);
    }
}
