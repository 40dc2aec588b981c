//! The daemons labsim runs as systemd units, each the glue between a sans-IO core in `proto`
//! and the kernel. Each file exports its [`UnitSpec`](super::process::UnitSpec) as `UNIT`; the
//! unit table in [`super::units`] lists them.

pub(crate) mod httpd;
pub(crate) mod keepalived;
pub(crate) mod nginx;
