//! One integration-test binary (ripgrep/bottom pattern). Each module says what belongs in it.

#![allow(clippy::unwrap_used)] // tests fail loudly on unexpected errors

/// Shared helpers: running scenarios through the library, the `labsim` command, pcap reading.
mod util;

/// A hand-written Ethernet/ARP/IPv4/ICMP/VRRP decoder, independent of the simulator's parsers.
mod frames;

/// Wire-level fidelity of the failover scenarios against spec-vrrp's figures (issue 3, 2–6).
mod fidelity;
