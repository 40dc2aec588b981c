//! keepalived 2.2.x's VRRPv2 (spec-vrrp.md), as sans-IO cores.
//!
//! - [`config`]: `keepalived.conf` text → [`Config`](config::Config) plus keepalived's config messages.
//! - [`keywords`]: the keywords keepalived 2.2.7 knows and the ones labsim models.
//! - [`script`]: `vrrp_script` blocks, `track_script`/`track_interface` entries, and the
//!   rise/fall counting of a script's runs.
//! - [`instance`]: one `vrrp_instance` state machine ([`Instance`](instance::Instance)), emitting [`Action`]s.
//! - [`daemon`]: the whole keepalived process pair of one host ([`Daemon`]): start-up and stop
//!   log lines, packet routing by interface and VRID, SIGTERM with its 1 s shutdown timer, either
//!   process dying alone.
//! - [`respawn`]: the parent's lines and delay when its VRRP child dies.
//!
//! Calling order for the glue (quinn-proto style): feed inputs with `handle_*(now, …)`, then drain
//! `poll_action()` until `None`, then sleep until `poll_timeout()` and call
//! `handle_timeout(now)` at that instant. Packets are whole IPv4 packets; outgoing ones are whole
//! IPv4 packets for `224.0.0.18` (Ethernet dst `01:00:5e:00:00:12`, src the interface MAC).

pub(crate) mod config;
pub(crate) mod daemon;
pub(crate) mod instance;
pub(crate) mod keywords;
pub(crate) mod respawn;
pub(crate) mod script;

pub(crate) use daemon::{Daemon, DaemonOptions, Interface};
pub(crate) use instance::{Action, Process, State};

#[cfg(test)]
mod tests;
