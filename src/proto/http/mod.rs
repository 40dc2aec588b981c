//! HTTP/1.1 connection cores shared by the servers (sans-IO, like every core in `proto`).
//!
//! - [`server`]: the lifecycle of one server-side connection ([`ServerConnection`]): buffering
//!   input, reading request heads and bodies under a server's limits, refusals, pipelining,
//!   keep-alive and idle deadlines, the peer's FIN or RST, lingering close, retirement after a
//!   reload. Apache httpd ([`super::httpd`]) and nginx ([`super::nginx`]) differ only by the
//!   [`Policy`] they give it; what a request is answered with stays theirs.
//!
//! A directory rather than a flat `http_server.rs`, as `nginx/` and `vrrp/`: the client side
//! (curl's [`super::curl::Transfer`]) is the natural neighbour if it is ever split the same
//! way, and the tests sit beside the core in `tests.rs`. Message heads themselves are
//! [`crate::wire::http`], shared with curl.

pub(crate) mod server;

pub(crate) use server::{Close, Event, Policy, Refusal, ServerConnection};

#[cfg(test)]
mod tests;
