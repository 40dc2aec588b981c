//! Running summaries of a trace, kept up to date one event at a time, so that a live look at a
//! run (the lab's view, the TUI) reads them without scanning the whole trace: every ping's
//! probes, every finished HTTP transfer, every address added at run time (the VIPs).

use std::net::Ipv4Addr;
use std::time::Duration;

use super::trace::{TraceEvent, TraceKind};
use crate::kernel::SimTime;

/// One probe of a ping.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProbeSummary {
    /// ICMP sequence number.
    pub seq: u16,
    /// When it was sent.
    pub sent_at: SimTime,
    /// Its round-trip time, once the first reply arrived.
    pub rtt: Option<Duration>,
}

/// One ping command and its probes so far.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PingSummary {
    /// The host it runs on.
    pub host: String,
    /// The console command it belongs to.
    pub id: usize,
    /// Its probes, in sending order.
    pub probes: Vec<ProbeSummary>,
}

impl PingSummary {
    /// Probes sent and probes answered.
    pub fn counts(&self) -> (usize, usize) {
        (self.probes.len(), self.probes.iter().filter(|p| p.rtt.is_some()).count())
    }
}

/// One finished HTTP transfer (a curl run). Its host, URL and body are in the trace, at
/// [`TransferSummary::event`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TransferSummary {
    /// The index of its `HttpTransfer` event in the trace.
    pub event: usize,
    /// When it started.
    pub started: SimTime,
    /// When it ended.
    pub ended: SimTime,
    /// The HTTP status, if a response head arrived.
    pub status: Option<u16>,
    /// curl's exit status.
    pub exit: i32,
}

/// The running summaries.
#[derive(Clone, Debug, Default)]
pub(crate) struct Tally {
    pings: Vec<PingSummary>,
    transfers: Vec<TransferSummary>,
    vips: Vec<Ipv4Addr>,
}

impl Tally {
    /// Takes one more event into account: the trace's event number `index`.
    pub(crate) fn record(&mut self, index: usize, event: &TraceEvent) {
        match &event.kind {
            TraceKind::PingSent { host, id, seq } => {
                let probe = ProbeSummary { seq: *seq, sent_at: event.at, rtt: None };
                match self.pings.iter_mut().find(|p| p.id == *id && p.host == *host) {
                    Some(ping) => ping.probes.push(probe),
                    None => self.pings.push(PingSummary { host: host.clone(), id: *id, probes: vec![probe] }),
                }
            }
            TraceKind::PingReplied { host, id, seq, rtt_us } => {
                let ping = self.pings.iter_mut().find(|p| p.id == *id && p.host == *host);
                // The latest unanswered probe with that number (sequence numbers wrap).
                if let Some(probe) = ping.and_then(|p| p.probes.iter_mut().rev().find(|p| p.seq == *seq && p.rtt.is_none())) {
                    probe.rtt = Some(Duration::from_micros(*rtt_us));
                }
            }
            TraceKind::HttpTransfer { started, status, exit, .. } => {
                self.transfers.push(TransferSummary { event: index, started: *started, ended: event.at, status: *status, exit: *exit });
            }
            TraceKind::AddrAdded { addr, .. } if !self.vips.contains(addr) => self.vips.push(*addr),
            _ => {}
        }
    }

    /// Every ping so far, in start order.
    pub(crate) fn pings(&self) -> &[PingSummary] {
        &self.pings
    }

    /// Every finished HTTP transfer, in the order they ended.
    pub(crate) fn transfers(&self) -> &[TransferSummary] {
        &self.transfers
    }

    /// Every address added to a NIC during the run (VIPs), in the order first seen.
    pub(crate) fn vips(&self) -> &[Ipv4Addr] {
        &self.vips
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(at: u64, kind: TraceKind) -> TraceEvent {
        TraceEvent { at: SimTime::from_micros(at), kind }
    }

    #[test]
    fn replies_match_the_latest_unanswered_probe() {
        let mut t = Tally::default();
        let host = || "c".to_owned();
        t.record(0, &event(0, TraceKind::PingSent { host: host(), id: 3, seq: 1 }));
        t.record(0, &event(100, TraceKind::PingSent { host: host(), id: 3, seq: 2 }));
        t.record(0, &event(150, TraceKind::PingReplied { host: host(), id: 3, seq: 2, rtt_us: 50 }));
        t.record(0, &event(160, TraceKind::PingReplied { host: host(), id: 4, seq: 1, rtt_us: 1 }));
        let ping = &t.pings()[0];
        assert_eq!(t.pings().len(), 1);
        assert_eq!(ping.counts(), (2, 1));
        assert_eq!(ping.probes[1].rtt, Some(Duration::from_micros(50)));
        assert_eq!(ping.probes[0].rtt, None);
    }

    #[test]
    fn transfers_and_vips() {
        let mut t = Tally::default();
        let vip = Ipv4Addr::new(10, 0, 0, 100);
        let added = || TraceKind::AddrAdded { host: "lb".into(), dev: "eth0".into(), addr: vip, prefix_len: 32 };
        t.record(0, &event(1, added()));
        t.record(0, &event(2, added()));
        let kind = TraceKind::HttpTransfer {
            host: "c".into(),
            id: 1,
            url: "http://10.0.0.100/".into(),
            started: SimTime::from_micros(5),
            status: Some(200),
            exit: 0,
            body: "web-1\nmore\n".into(),
            error: String::new(),
            total_us: 7,
        };
        t.record(7, &event(12, kind));
        assert_eq!(t.vips(), [vip]);
        assert_eq!(t.transfers()[0].event, 7);
        assert_eq!(t.transfers()[0].ended, SimTime::from_micros(12));
    }
}
