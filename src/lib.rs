//! labsim: a deterministic simulator of a highly-available web cluster lab.
//!
//! The whole lab (load balancers running keepalived, web servers, a client) runs in one process
//! against a simulated clock. Same scenario + same seed gives a byte-identical report, trace and
//! pcap.
//!
//! # Modules
//!
//! - [`kernel`]: simulated time, event queue, seeded RNG streams, calendar
//! - [`wire`]: byte formats smoltcp lacks (VRRPv2, HTTP/1.x heads)
//! - [`observe`]: trace events, expectations, report
//! - [`proto`]: sans-IO cores: keepalived, nginx, Apache httpd, curl, ping, Linux neighbour table
//! - [`fabric`]: switches, links, pcap capture
//! - [`host`]: one machine: smoltcp + labsim L2 and TCP bookkeeping + filesystem + processes + shell
//! - [`scenario`]: RON text → validated [`scenario::Scenario`]
//! - [`lab`]: the composition root: runs a scenario
//! - [`cli`]: arguments, subcommands, exit codes
//!
//! Their layers, and what each may use inside and outside the crate, are the table of
//! `ARCHITECTURE.md` at the repository root, which `tests/integration/architecture/` checks
//! against the sources.

pub mod cli;
pub mod fabric;
pub mod host;
pub mod kernel;
pub mod lab;
pub mod observe;
pub mod proto;
pub mod scenario;
pub mod wire;
