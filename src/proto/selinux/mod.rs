//! SELinux on CentOS 7 as the lab meets it (docs/spec-centos7-windows.md §1): the mode read from
//! `/etc/selinux/config` at boot ([`config`]), the policy booleans and their persistent store
//! ([`booleans`]), the few rules of the targeted policy the lab exercises and the access vector
//! cache that applies them ([`policy`]), the AVC records auditd writes ([`audit`]) and the tools
//! that read and change all this: `getenforce`, `setenforce`, `sestatus`, `getsebool`,
//! `setsebool` ([`tools`]) and `ausearch` ([`ausearch`]).
//!
//! Nothing here holds a machine's state: the kernel keeps the mode, the booleans and the cache,
//! and asks these functions what each access, each typed command and each log line comes to.

pub(crate) mod audit;
pub(crate) mod ausearch;
pub(crate) mod booleans;
pub(crate) mod config;
pub(crate) mod policy;
pub(crate) mod tools;

/// SELinux's state: not loaded, or loaded and permissive or enforcing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// No policy loaded (`SELINUX=disabled`, or no configuration file at all).
    Disabled,
    /// Denials are logged, not enforced.
    Permissive,
    /// Denials are enforced and logged.
    Enforcing,
}

impl Mode {
    /// The word `sestatus` prints (lower case).
    pub(crate) fn word(self) -> &'static str {
        match self {
            Mode::Disabled => "disabled",
            Mode::Permissive => "permissive",
            Mode::Enforcing => "enforcing",
        }
    }
}
