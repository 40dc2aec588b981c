//! L1: every byte format labsim reads or writes itself, as `Packet<T>`/`Repr` pairs
//! (after smoltcp's `wire`). smoltcp keeps its own copies for the stack it
//! runs; these are for labsim's L2 (Ethernet, ARP, peeking at IPv4 and TCP), the programs that
//! build whole packets (keepalived, ping, sendip) and the HTTP cores.
//!
//! Untrusted bytes go through `Packet::new_checked` and then `Repr::parse`; emitting writes into a
//! buffer of exactly `Repr::buffer_len()` bytes. Errors are a unit [`Error`]: a malformed packet is
//! dropped by the caller (and reported as a trace event), never surfaced to the user. Getters on
//! a `new_checked` packet never index out of bounds.
//!
//! | module | format |
//! |---|---|
//! | [`checksum`] | the Internet checksum (RFC 1071) |
//! | [`ethernet`] | Ethernet II header, multicast MACs (RFC 894, RFC 1112 §6.4) |
//! | [`arp`] | Ethernet/IPv4 ARP (RFC 826) |
//! | [`ipv4`] | IPv4 header (RFC 791) |
//! | [`icmp`] | ICMPv4 header and echo (RFC 792) |
//! | [`igmp`] | IGMPv3 membership reports (RFC 3376) |
//! | [`tcp`] | TCP header, read-only (RFC 9293) |
//! | [`vrrp`] | VRRPv2 advertisement (RFC 3768) |
//! | [`http`] | HTTP/1.x message heads (RFC 9112) |
//! | [`xdr`] | XDR, the encoding of ONC RPC (RFC 4506) |
//! | [`rpc`] | ONC RPC v2 message headers and TCP record marking (RFC 5531) |
//! | [`portmap`] | portmap v2's arguments and results (RFC 1833 §3) |
//! | [`mount`] | MOUNT v3's arguments and results (RFC 1813 Appendix I) |
//! | [`nfs3`] | NFSv3's types, arguments and results (RFC 1813) |
//! | [`text`] | numbers in header, log and trace text (`%d`, `%0Nx`) |

pub(crate) mod arp;
pub(crate) mod checksum;
pub(crate) mod ethernet;
pub(crate) mod http;
pub(crate) mod icmp;
pub(crate) mod igmp;
pub(crate) mod ipv4;
pub(crate) mod mount;
pub(crate) mod nfs3;
pub(crate) mod portmap;
pub(crate) mod rpc;
pub(crate) mod tcp;
pub(crate) mod text;
pub(crate) mod vrrp;
pub(crate) mod xdr;

use core::fmt;

/// A packet could not be parsed (too short, inconsistent lengths, unsupported field values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Error;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("wire::Error")
    }
}

impl std::error::Error for Error {}

/// The result type of every parser in this module.
pub(crate) type Result<T> = core::result::Result<T, Error>;
