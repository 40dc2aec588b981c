//! labsim: a deterministic simulator of a highly-available web cluster lab.
//!
//! The whole lab (load balancers running keepalived, web servers, a client) runs in one process
//! against a simulated clock. Same scenario + same seed gives a byte-identical report, trace and
//! pcap.
//!
//! # Modules
//!
//! - `kernel`: simulated time, event queue, seeded RNG streams, calendar
//! - `wire`: the byte formats labsim reads and writes itself (Ethernet, ARP, IPv4, ICMP, TCP
//!   header, VRRPv2, HTTP/1.x heads)
//! - `observe`: trace events, expectations, report, running summaries
//! - `proto`: sans-IO cores: keepalived, nginx, the HTTP server connection, Apache httpd, curl,
//!   ping, nc, Linux neighbour table
//! - `fabric`: switches, links, pcap capture
//! - `host`: one machine: a kernel (smoltcp, labsim's L2, sockets, files) and a userland
//!   (daemons, console programs, the shell)
//! - `scenario`: RON text → validated [`Scenario`]
//! - `lab`: the composition root: runs a scenario, step by step or to the end
//! - `cli`: arguments, subcommands, exit codes
//! - `tui`: the terminal UI's pure state and key bindings (no terminal)
//! - `fuzz` (feature `fuzzing`, hidden): one entry per fuzz target of `fuzz/`
//!
//! Their layers, and what each may use inside and outside the crate, are the table of
//! `ARCHITECTURE.md` at the repository root, which `tests/integration/architecture/` checks
//! against the sources.

mod cli;
mod fabric;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzz;
mod host;
mod kernel;
mod lab;
mod observe;
mod proto;
mod scenario;
mod tui;
mod wire;

// The public surface: what the `labsim` binary, the integration tests and a front end use.
pub use cli::main;
pub use kernel::SimTime;
pub use lab::{CommandError, HostView, Lab, LabView, NicState, Outcome, RunResult, ServiceState, VipView};
pub use observe::capacity::Capacity;
pub use observe::report::Report;
pub use observe::tally::{PingSummary, ProbeSummary, TransferSummary};
pub use observe::trace::{Prompt, Stream, Trace, TraceEvent, TraceKind};
pub use scenario::{Scenario, ScenarioError, TimelineAction, TimelineEntry, load as load_scenario};
