//! How a trace event reads in the event log and the consoles: console lines as the report
//! writes them (`observe::console`), network events in the words of the tool that would show
//! them (`ip monitor`'s for addresses and neighbours).

use crate::observe::console;
use crate::observe::trace::{TraceEvent, TraceKind};

/// The text of an event the log shows, without its time and host.
pub(crate) fn log_text(e: &TraceEvent) -> Option<String> {
    if let Some(line) = console::line(e) {
        return Some(line.shown());
    }
    Some(match &e.kind {
        TraceKind::AddrAdded { dev, addr, prefix_len, .. } => format!("inet {addr}/{prefix_len} added on {dev}"),
        TraceKind::AddrRemoved { dev, addr, prefix_len, .. } => format!("Deleted inet {addr}/{prefix_len} on {dev}"),
        TraceKind::Neigh { dev, ip, state, mac, .. } => match mac {
            Some(mac) => format!("neigh {ip} dev {dev} lladdr {mac} {state}"),
            None => format!("neigh {ip} dev {dev} {state}"),
        },
        TraceKind::Dropped { reason, .. } => format!("dropped: {reason}"),
        _ => return None,
    })
}
