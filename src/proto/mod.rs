//! L2: sans-IO protocol cores (quinn-proto style; see ARCHITECTURE.md).
//!
//! The contract every core follows: inputs are `handle_*(now, …)` calls (packets, link changes,
//! signals, timer expiry), outputs are pulled with `poll_*()` until they return `None`, and the
//! core asks for its next wake-up with `poll_timeout()`. Time is always passed in as a
//! [`crate::kernel::SimTime`]; nothing here reads a clock, opens a socket or touches smoltcp's
//! `iface`/`socket` types. Cores report what happened through their own enums (e.g.
//! [`vrrp::Action`]); the host glue translates those into frames, address changes and trace events.

pub(crate) mod curl;
pub(crate) mod errno;
pub(crate) mod filters;
pub(crate) mod firewalld;
pub(crate) mod http;
pub(crate) mod httpd;
pub(crate) mod ifcfg;
pub(crate) mod journalctl;
pub(crate) mod lines;
pub(crate) mod loadgen;
pub(crate) mod nc;
pub(crate) mod neigh;
pub(crate) mod netfilter;
pub(crate) mod nfs;
pub(crate) mod nginx;
pub(crate) mod ping;
pub(crate) mod selinux;
pub(crate) mod sh;
pub(crate) mod vrrp;
pub(crate) mod windows;
pub(crate) mod yum;

#[cfg(test)]
mod readme;

/// A command line a console tool refuses: what it prints on stderr and its exit status (each
/// tool's core builds its own texts).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ArgError {
    /// stderr lines, without newlines.
    pub(crate) lines: Vec<String>,
    /// Exit status.
    pub(crate) status: i32,
}

/// Where a console tool's line goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}
