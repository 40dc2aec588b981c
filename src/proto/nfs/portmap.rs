//! The portmapper (rpcbind's portmap v2 service, RFC 1833 §3): a registry of which port serves
//! which program, version and protocol. Daemons on the same host register through
//! [`Portmapper::set`]; remote callers may only query (rpcbind's `pmapproc_change` refuses SET
//! and UNSET from anything but the host itself).
//!
//! Version 2 only: rpcbind also answers versions 3 and 4 (universal addresses), which labsim
//! does not model; a call for them gets PROG_MISMATCH 2–2.

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddrV4;

use super::rpc::Outcome;
use super::{Answer, Event, serve_message};
use crate::wire::portmap::{self as wire, Call, IPPROTO_TCP, IPPROTO_UDP, Mapping, Reply};

/// The registry and what it did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Portmapper {
    map: BTreeMap<(u32, u32, u32), u32>,
    events: VecDeque<Event>,
}

impl Default for Portmapper {
    fn default() -> Portmapper {
        Portmapper::new()
    }
}

impl Portmapper {
    /// A registry holding the portmapper itself (111 on TCP and UDP), as rpcbind starts.
    pub(crate) fn new() -> Portmapper {
        let mut map = BTreeMap::new();
        for prot in [IPPROTO_TCP, IPPROTO_UDP] {
            map.insert((wire::PROGRAM, wire::VERSION, prot), u32::from(wire::PORT));
        }
        Portmapper { map, events: VecDeque::new() }
    }

    /// Registers a mapping; false if that program, version and protocol already has one.
    pub(crate) fn set(&mut self, m: &Mapping) -> bool {
        if self.map.contains_key(&(m.prog, m.vers, m.prot)) {
            return false;
        }
        self.map.insert((m.prog, m.vers, m.prot), m.port);
        true
    }

    /// Removes every mapping of a program and version; false if there was none.
    pub(crate) fn unset(&mut self, prog: u32, vers: u32) -> bool {
        let before = self.map.len();
        self.map.retain(|&(p, v, _), _| (p, v) != (prog, vers));
        self.map.len() != before
    }

    /// The port of a program, version and protocol; 0 if not registered.
    pub(crate) fn getport(&self, prog: u32, vers: u32, prot: u32) -> u32 {
        self.map.get(&(prog, vers, prot)).copied().unwrap_or(0)
    }

    /// Every mapping, ordered by program, version and protocol (`rpcinfo -p`).
    pub(crate) fn dump(&self) -> Vec<Mapping> {
        self.map.iter().map(|(&(prog, vers, prot), &port)| Mapping { prog, vers, prot, port }).collect()
    }

    /// Answers one message from `from`; `local` when it comes from this host.
    pub(crate) fn handle_message(&mut self, from: SocketAddrV4, local: bool, message: &[u8]) -> Option<Vec<u8>> {
        let mut events = std::mem::take(&mut self.events);
        let reply = serve_message(message, from, (wire::PROGRAM, wire::VERSION, wire::VERSION), &mut events, |req, _| {
            let call = match Call::decode(req.procedure, req.args) {
                Ok(Some(call)) => call,
                Ok(None) => return (Outcome::ProcUnavail, Answer::ProcUnavail),
                Err(_) => return (Outcome::GarbageArgs, Answer::GarbageArgs),
            };
            let reply = match call {
                Call::Null => Reply::Null,
                Call::Set(m) => Reply::Set(local && self.set(&m)),
                Call::Unset(m) => Reply::Unset(local && self.unset(m.prog, m.vers)),
                Call::Getport(m) => Reply::Getport(self.getport(m.prog, m.vers, m.prot)),
                Call::Dump => Reply::Dump(self.dump()),
            };
            (Outcome::Results(reply.to_bytes()), Answer::Done)
        });
        self.events = events;
        reply
    }

    /// The next thing that happened.
    pub(crate) fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }
}
