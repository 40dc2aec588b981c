//! The daemons labsim runs as systemd units, each the glue between a sans-IO core in `proto`
//! and the kernel. Each file exports its [`UnitSpec`](super::process::UnitSpec) as `UNIT`; the
//! unit table in [`super::units`] lists them. The web servers share [`carry_out`], which moves
//! what a client connection's HTTP core decided onto its socket.

pub(crate) mod httpd;
pub(crate) mod keepalived;
pub(crate) mod network;
pub(crate) mod nfs_server;
pub(crate) mod nginx;
pub(crate) mod rpcbind;
mod rpcsvc;

use super::net::Stream;
use crate::host::kernel::Sys;
use crate::proto::http::{Close, ServerConnection};

/// Carries out what a server connection's HTTP core decided: its bytes go to the stream, and a
/// close closes it (gracefully once flushed, or at once for an abort). Returns the last close.
pub(crate) fn carry_out(http: &mut ServerConnection, stream: &mut Stream, k: &mut Sys<'_>) -> Option<Close> {
    while let Some(bytes) = http.poll_transmit() {
        stream.send(&bytes);
    }
    let mut last = None;
    while let Some(close) = http.poll_close() {
        match close {
            Close::Graceful(_) => stream.close_when_flushed(),
            Close::Abort(_) => stream.release(k),
        }
        last = Some(close);
    }
    last
}
