//! labsim: a deterministic simulator of a highly-available web cluster lab.
//!
//! The whole lab (load balancers running keepalived, web servers, a client) runs in one process
//! against a simulated clock. Same scenario + same seed gives a byte-identical report, trace and
//! pcap.
//!
//! # Module map (lower layers never import higher ones)
//!
//! | layer | module | what it is for | may use |
//! |---|---|---|---|
//! | L0 | [`kernel`] | simulated time, event queue, seeded RNG streams, calendar | – |
//! | L1 | [`wire`] | the byte formats labsim reads and writes itself (Ethernet, ARP, IPv4, ICMP, TCP header, VRRPv2, HTTP/1.x heads) | – |
//! | L1 | [`observe`] | trace events, expectations, report | `kernel` |
//! | L2 | [`proto`] | sans-IO cores: keepalived, nginx, Apache httpd, curl, ping, Linux neighbour table | `kernel`, `wire` |
//! | L3 | [`fabric`] | switches, links, pcap capture | `kernel`, `observe` |
//! | L3 | [`host`] | one machine: smoltcp + labsim L2 and TCP bookkeeping + filesystem + processes + shell | `kernel`, `wire`, `proto`, `observe` |
//! | L4 | [`scenario`] | RON text → validated [`scenario::Scenario`] | `kernel`, `observe` (expectation data) |
//! | L5 | [`lab`] | the composition root: runs a scenario | all of the above |
//! | L7 | [`cli`] | arguments, subcommands, exit codes | `lab`, `scenario`, `observe` |
//!
//! `tests/integration/architecture.rs` checks this table against the sources.

pub mod cli;
pub mod fabric;
pub mod host;
pub mod kernel;
pub mod lab;
pub mod observe;
pub mod proto;
pub mod scenario;
pub mod wire;
