//! What the panes read from the trace, kept up to date one event at a time so that a frame costs
//! the same at the start of a run as after a million events: who held each VIP when (the
//! report's own rule, [`VipTimeline`]), which events the log may show and which lines belong to
//! each host's console, each web server's access-log lines, and each ping probe that came back
//! `Destination Host Unreachable`; and, from the capacity aggregation, a load's requests over
//! the intervals that ended ([`RunSoFar`]).

use std::net::Ipv4Addr;

use crate::kernel::SimTime;
use crate::observe::expect::VipTimeline;
use crate::observe::trace::{TraceEvent, TraceKind};

use super::app::{App, LogKind};
use super::intervals::RunSoFar;
use super::lines::log_text;

/// One request a web server answered, from its access log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Served {
    /// The web server's index in the host list.
    pub(crate) host: usize,
    /// When it answered.
    pub(crate) at: SimTime,
    /// The status it logged.
    pub(crate) status: u16,
}

/// The derived data, as of `seen` trace events.
#[derive(Clone, Debug)]
pub(crate) struct History {
    hosts: Vec<String>,
    /// How many trace events have been taken into account.
    seen: usize,
    /// One timeline per VIP, in the order the view lists them.
    pub(crate) vips: Vec<VipTimeline>,
    /// Trace indices of the events the log shows, with their kind.
    pub(crate) log: Vec<(usize, LogKind)>,
    /// Per host, trace indices of its console's lines (commands and their output).
    pub(crate) consoles: Vec<Vec<usize>>,
    /// Every request a web server logged, in order.
    pub(crate) served: Vec<Served>,
    /// Per host, the requests it served and how many of them were not 2xx.
    pub(crate) served_by: Vec<(usize, usize)>,
    /// The clients' finished transfers by HTTP status, lowest first, and curl's failures.
    pub(crate) statuses: Vec<(u16, usize)>,
    pub(crate) failed: usize,
    /// nginx's `[error]` lines (an upstream refused, timed out, failed).
    pub(crate) nginx_errors: usize,
    /// (host, command, icmp_seq) of every probe ping reported unreachable.
    pub(crate) unreachable: Vec<(String, usize, u16)>,
    /// A load's client requests so far, from the capacity aggregation's ended intervals.
    pub(crate) load: RunSoFar,
    /// The log's filters as last applied, how far into `log` they were applied, and the trace
    /// indices they let through.
    filter: Option<(Option<usize>, LogKind, String)>,
    filtered_upto: usize,
    pub(crate) filtered: Vec<usize>,
}

impl History {
    /// Nothing seen yet of a lab with these hosts.
    pub(crate) fn new(hosts: Vec<String>) -> History {
        let consoles = vec![Vec::new(); hosts.len()];
        let served_by = vec![(0, 0); hosts.len()];
        History {
            hosts,
            seen: 0,
            vips: Vec::new(),
            log: Vec::new(),
            consoles,
            served: Vec::new(),
            served_by,
            statuses: Vec::new(),
            failed: 0,
            nginx_errors: 0,
            unreachable: Vec::new(),
            load: RunSoFar::default(),
            filter: None,
            filtered_upto: 0,
            filtered: Vec::new(),
        }
    }

    /// Takes in the trace's events not seen yet; `vips` are the addresses the view lists (a VIP
    /// first seen now is followed from the start of the trace).
    pub(crate) fn update(&mut self, trace: &[TraceEvent], vips: impl Iterator<Item = Ipv4Addr>) {
        for vip in vips {
            if !self.vips.iter().any(|v| v.vip == vip) {
                let mut timeline = VipTimeline::new(vip);
                trace[..self.seen].iter().for_each(|e| timeline.take(e));
                self.vips.push(timeline);
            }
        }
        for (i, e) in trace.iter().enumerate().skip(self.seen) {
            self.take(i, e);
        }
        self.seen = trace.len();
    }

    fn take(&mut self, i: usize, e: &TraceEvent) {
        for v in &mut self.vips {
            v.take(e);
        }
        if let Some(kind) = log_kind(&e.kind) {
            self.log.push((i, kind));
        }
        let host = |name: &str| self.hosts.iter().position(|h| h == name);
        match &e.kind {
            TraceKind::Command { host: h, .. } | TraceKind::Output { host: h, .. } => {
                if let Some(h) = host(h) {
                    self.consoles[h].push(i);
                }
                if let TraceKind::Output { host: h, id, line, .. } = &e.kind
                    && let Some(seq) = unreachable_seq(line)
                {
                    self.unreachable.push((h.clone(), *id, seq));
                }
            }
            TraceKind::Log { host: h, process, line, .. } if process == "httpd" => {
                if let (Some(h), Some(status)) = (host(h), access_status(line)) {
                    self.served.push(Served { host: h, at: e.at, status });
                    self.served_by[h].0 += 1;
                    self.served_by[h].1 += usize::from(!(200..300).contains(&status));
                }
            }
            TraceKind::Log { process, line, .. } if process == "nginx" && line.contains(" [error] ") => self.nginx_errors += 1,
            TraceKind::HttpTransfer { status, exit, .. } => {
                if let Some(status) = *status {
                    match self.statuses.binary_search_by_key(&status, |(s, _)| *s) {
                        Ok(i) => self.statuses[i].1 += 1,
                        Err(i) => self.statuses.insert(i, (status, 1)),
                    }
                }
                self.failed += usize::from(*exit != 0);
            }
            _ => {}
        }
    }

    /// Applies the app's log filters (host, kind, search text) to the events not filtered yet,
    /// or to all of them when the filters changed, into `filtered`.
    pub(crate) fn filter_log(&mut self, app: &App, trace: &[TraceEvent]) {
        let key = (app.log_host_only.then_some(app.selected), app.log_kind, app.log_search.clone());
        if self.filter.as_ref() != Some(&key) {
            self.filtered.clear();
            self.filtered_upto = 0;
        }
        let host = key.0.and_then(|h| self.hosts.get(h)).map(String::as_str);
        for &(i, kind) in &self.log[self.filtered_upto..] {
            let e = &trace[i];
            let shown = (key.1 == LogKind::All || key.1 == kind)
                && host.is_none_or(|h| e.kind.host() == Some(h))
                && (key.2.is_empty()
                    || log_text(e).is_some_and(|t| t.contains(&key.2) || e.kind.host().is_some_and(|h| h.contains(&key.2))));
            if shown {
                self.filtered.push(i);
            }
        }
        self.filtered_upto = self.log.len();
        self.filter = Some(key);
    }

    /// The web server that served the only request answered between `from` and `to`, if
    /// exactly one was.
    pub(crate) fn served_between(&self, from: SimTime, to: SimTime) -> Option<usize> {
        let first = self.served.partition_point(|s| s.at < from);
        let mut during = self.served[first..].iter().take_while(|s| s.at <= to);
        match (during.next(), during.next()) {
            (Some(s), None) => Some(s.host),
            _ => None,
        }
    }

    /// Whether ping command `id` on `host` reported probe `seq` unreachable.
    pub(crate) fn is_unreachable(&self, host: &str, id: usize, seq: u16) -> bool {
        self.unreachable.iter().any(|(h, i, s)| h == host && *i == id && *s == seq)
    }
}

/// The log's kind of an event, if the log shows it.
fn log_kind(kind: &TraceKind) -> Option<LogKind> {
    Some(match kind {
        TraceKind::Command { .. } | TraceKind::Output { .. } => LogKind::Commands,
        TraceKind::Log { .. } => LogKind::Daemons,
        TraceKind::AddrAdded { .. }
        | TraceKind::AddrRemoved { .. }
        | TraceKind::Link { .. }
        | TraceKind::Power { .. }
        | TraceKind::Neigh { .. }
        | TraceKind::Dropped { .. } => LogKind::Network,
        _ => return None,
    })
}

/// The status of an Apache access-log line in the common or combined format
/// (`%h %l %u %t "%r" %>s %b …`): the number after the quoted request line.
fn access_status(line: &str) -> Option<u16> {
    let (_, after_time) = line.split_once("] \"")?;
    let (_, rest) = after_time.split_once("\" ")?;
    let status = rest.split(' ').next()?;
    (status.len() == 3).then(|| status.parse().ok()).flatten()
}

/// The probe of an ICMP error line of iputils' ping (`From 172.2.20.1 icmp_seq=7 Destination
/// Host Unreachable`, also `Net Unreachable`, `Time to live exceeded`…: `pr_icmph`).
fn unreachable_seq(line: &str) -> Option<u16> {
    let rest = line.strip_prefix("From ")?;
    let (_, seq) = rest.split_once(" icmp_seq=")?;
    seq.split(' ').next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_log_statuses_are_read_from_the_combined_format() {
        let line = r#"192.168.20.201 - - [04/Jun/2024:10:00:04 +0800] "GET / HTTP/1.0" 200 6 "-" "curl/7.29.0""#;
        assert_eq!(access_status(line), Some(200));
        assert_eq!(access_status(r#"1.2.3.4 - - [x] "GET /a\"b HTTP/1.0" 404 - "-" "-""#), Some(404));
        assert_eq!(access_status("[Mon Jun 04 10:00:04 2024] [core:error] [pid 1] AH00036: access to / failed"), None);
    }

    #[test]
    fn unreachable_probes_are_read_from_pings_lines() {
        assert_eq!(unreachable_seq("From 172.2.20.1 icmp_seq=17 Destination Host Unreachable"), Some(17));
        assert_eq!(unreachable_seq("From 10.0.0.1 icmp_seq=3 Destination Net Unreachable"), Some(3));
        assert_eq!(unreachable_seq("64 bytes from 172.2.20.100: icmp_seq=17 ttl=64 time=0.2 ms"), None);
    }
}
