//! Windows 10's console tools as the lab manual's client runs them (spec-centos7-windows §3):
//! `ping.exe` as a sans-IO core ([`ping`]), and the text of `arp -a` ([`arp`]) and `ipconfig`
//! ([`ipconfig`]) from what the glue reads off the machine. `curl.exe` is the curl core of
//! [`super::curl`] in its Windows build.
//!
//! Windows' console tools print their complaints on standard output, not standard error, so a
//! refused command line is a [`Refusal`] here rather than a [`super::ArgError`].

pub(crate) mod arp;
pub(crate) mod ipconfig;
pub(crate) mod ping;

/// A command line a Windows tool refuses: what it prints on standard output, and its exit status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Refusal {
    /// stdout lines, without line endings.
    pub(crate) lines: Vec<String>,
    /// Exit status (`%ERRORLEVEL%`).
    pub(crate) status: i32,
}
