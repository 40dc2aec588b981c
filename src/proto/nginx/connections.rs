//! `worker_connections`: each worker's fixed array of connections (`ngx_event_process_init`
//! allocates `cycle->connection_n` of them), taken by everything the worker holds open — one
//! per listening socket (`ngx_event_process_init`), one for the channel to the master
//! (`ngx_add_channel_event` in `ngx_worker_process_init`), then each accepted client
//! (`ngx_event_accept`) and each upstream connection (`ngx_event_connect_peer`).
//!
//! When none is free, `ngx_get_connection` (`src/core/ngx_connection.c`) logs
//! `[alert] N worker_connections are not enough` in the context of the log it was given: the
//! listening socket's (`ngx_accept_log_error`: ` while accepting new connection on ADDR`; the
//! accepted socket is then closed, `ngx_close_socket`) or the request's (`while connecting to
//! upstream, client: …`; `ngx_http_upstream_connect` then finalizes the request with 500).
//! Neither takes a connection number (`ngx_connection_counter` is advanced after the
//! connection is taken).

use std::net::Ipv4Addr;

use super::config::error_log_prefix;
use crate::kernel::DateTime;

/// The connections a worker holds before any client: its listening sockets and its channel.
pub(crate) fn fixed(listening: usize) -> usize {
    listening + 1
}

/// `ngx_get_connection`'s message.
pub(crate) fn not_enough(worker_connections: usize) -> String {
    format!("{worker_connections} worker_connections are not enough")
}

/// The error-log line of a worker (`pid`) out of connections when it accepts on `listen`
/// (`listen 80` is `0.0.0.0:80`, the socket's `addr_text`).
pub(crate) fn accept_alert(date: &DateTime, pid: u32, worker_connections: usize, listen: (Option<Ipv4Addr>, u16)) -> String {
    let (addr, port) = (listen.0.unwrap_or(Ipv4Addr::UNSPECIFIED), listen.1);
    format!("{}{} while accepting new connection on {addr}:{port}", error_log_prefix(date, "alert", pid), not_enough(worker_connections))
}
