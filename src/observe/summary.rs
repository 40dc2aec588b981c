//! The report's summaries, computed from the trace when a report is rendered: each ping's
//! probes (replied, lost, awaiting a reply when the run ended), each client host's HTTP
//! transfers, and the console commands still running when the run ended. The text and JSON
//! reports show the same summaries; a run that is never rendered (a benchmark) never computes
//! them.

use std::collections::BTreeMap;

use serde::Serialize;

use super::expect::{self, Fate, Window};
use super::options::ReportOptions;
use super::trace::{TraceEvent, TraceKind};
use crate::kernel::SimTime;

/// One ping command and what became of its probes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct PingReport {
    /// The host it ran on.
    pub host: String,
    /// The console command's number in the run.
    pub id: usize,
    /// The command as typed.
    pub command: String,
    /// When it was typed.
    #[serde(rename = "typed_at_us")]
    pub typed_at: SimTime,
    /// Probes sent.
    pub sent: usize,
    /// Probes answered.
    pub replied: usize,
    /// Sequence numbers of the probes never answered.
    pub lost: Vec<u16>,
    /// Sequence numbers of the probes still awaiting a reply when the run ended (the newest
    /// probe of a ping that was still running): not counted as lost.
    pub awaiting: Vec<u16>,
}

impl PingReport {
    /// `client-1 `ping …` (typed at 1.000000s): 391 sent, 384 replied, 6 lost (icmp_seq 92–97),
    /// 1 awaiting its reply when the run ended (icmp_seq 391)`.
    pub(crate) fn line(&self) -> String {
        let mut line = format!(
            "{} `{}` (typed at {}): {} sent, {} replied, {} lost{}",
            self.host,
            self.command,
            self.typed_at,
            self.sent,
            self.replied,
            self.lost.len(),
            expect::lost_seqs(&self.lost)
        );
        if !self.awaiting.is_empty() {
            line.push_str(&format!(
                ", {} awaiting its reply when the run ended (icmp_seq {})",
                self.awaiting.len(),
                expect::seq_ranges(&self.awaiting)
            ));
        }
        line
    }
}

/// How many transfers got one HTTP status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct StatusCount {
    /// The status.
    pub status: u16,
    /// How many finished transfers got it.
    pub count: usize,
}

/// The slowest finished transfer of a host.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Slowest {
    /// How long it took, µs.
    pub total_us: u64,
    /// When it started.
    #[serde(rename = "started_us")]
    pub started: SimTime,
}

/// One client host's HTTP transfers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct HttpReport {
    /// The client host.
    pub host: String,
    /// Transfers started, finished or not.
    pub transfers: usize,
    /// Finished transfers by HTTP status, lowest status first (those with no response at all
    /// are not counted here).
    pub statuses: Vec<StatusCount>,
    /// Finished transfers where curl exited with an error.
    pub failed: usize,
    /// Transfers still running when the run ended.
    pub unfinished: usize,
    /// The slowest finished transfer.
    pub slowest: Option<Slowest>,
}

impl HttpReport {
    /// `client-1: 16 transfer(s): 15 × 200, 1 unfinished; 0 failed, slowest 0.001234s (started 3.000000s)`.
    pub(crate) fn line(&self) -> String {
        let mut codes: Vec<String> = self.statuses.iter().map(|s| format!("{} × {}", s.count, s.status)).collect();
        if self.unfinished > 0 {
            codes.push(format!("{} unfinished", self.unfinished));
        }
        let slow = self.slowest.map_or(String::new(), |s| format!(", slowest {:.6}s (started {})", s.total_us as f64 / 1e6, s.started));
        format!(
            "{}: {} transfer(s): {}; {} failed{slow}",
            self.host,
            self.transfers,
            if codes.is_empty() { "no response".to_owned() } else { codes.join(", ") },
            self.failed
        )
    }
}

/// A console program (or a loop's `sleep`) still running when the run ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct UnfinishedReport {
    /// The host.
    pub host: String,
    /// The console command's number in the run.
    pub id: usize,
    /// The command as typed (a whole loop, for a program the loop started).
    pub command: String,
    /// When the command was typed.
    #[serde(rename = "typed_at_us")]
    pub typed_at: SimTime,
    /// The program (`curl`, `ping`, `nc`, `sleep`).
    pub program: String,
    /// When the program started.
    #[serde(rename = "started_us")]
    pub started: SimTime,
    /// Where it stood, in words.
    pub state: String,
    /// An HTTP transfer's URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// An HTTP transfer's status so far.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
}

impl UnfinishedReport {
    /// `client-1  `curl -sS http://172.2.20.100/` typed at 20.000000s: curl: request sent, no
    /// response after 20.000000 s`; a loop's program says what it runs and since when.
    pub(crate) fn line(&self) -> String {
        let mut program = self.program.clone();
        if self.started != self.typed_at {
            if let Some(url) = &self.url {
                program.push(' ');
                program.push_str(url);
            }
            program.push_str(&format!(" (started {})", self.started));
        }
        format!("{}  `{}` typed at {}: {program}: {}", self.host, self.command, self.typed_at, self.state)
    }
}

/// The commands typed in the run, by number: (host, when, line).
fn commands(trace: &[TraceEvent]) -> BTreeMap<usize, (SimTime, &str)> {
    trace
        .iter()
        .filter_map(|e| match &e.kind {
            TraceKind::Command { id, line, .. } => Some((*id, (e.at, line.as_str()))),
            _ => None,
        })
        .collect()
}

/// The report's summaries of a trace, for the hosts shown.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Summaries {
    /// Every ping, in the order typed.
    pub pings: Vec<PingReport>,
    /// Every client host with HTTP transfers, in the order of their first transfer.
    pub http: Vec<HttpReport>,
    /// Every program still running when the run ended, in the trace's order.
    pub unfinished: Vec<UnfinishedReport>,
}

impl Summaries {
    /// Computes the summaries of `trace` for the hosts `options` shows.
    pub(crate) fn of(trace: &[TraceEvent], options: &ReportOptions) -> Summaries {
        let commands = commands(trace);
        let command = |id: usize| commands.get(&id).map_or((SimTime::ZERO, ""), |c| *c);
        let mut ping_hosts: Vec<&str> = Vec::new();
        let mut http_hosts: Vec<&str> = Vec::new();
        let mut unfinished = Vec::new();
        for e in trace {
            match &e.kind {
                TraceKind::PingSent { host, .. } if !ping_hosts.contains(&host.as_str()) => ping_hosts.push(host),
                TraceKind::HttpTransfer { host, .. } | TraceKind::Unfinished { host, url: Some(_), .. }
                    if !http_hosts.contains(&host.as_str()) =>
                {
                    http_hosts.push(host);
                }
                _ => {}
            }
            if let TraceKind::Unfinished { host, id, program, started, state, url, status } = &e.kind {
                let (typed_at, line) = command(*id);
                unfinished.push(UnfinishedReport {
                    host: host.clone(),
                    id: *id,
                    command: line.to_owned(),
                    typed_at,
                    program: program.clone(),
                    started: *started,
                    state: state.clone(),
                    url: url.clone(),
                    status: *status,
                });
            }
        }
        let all = Window::Between(SimTime::ZERO, SimTime::MAX);
        let mut pings: Vec<PingReport> = Vec::new();
        for host in ping_hosts.into_iter().filter(|h| options.shows_host(h)) {
            for probe in expect::ping_probes(host, all, trace) {
                let i = match pings.iter().position(|p| p.id == probe.id) {
                    Some(i) => i,
                    None => {
                        let (typed_at, line) = command(probe.id);
                        let (host, command) = (host.to_owned(), line.to_owned());
                        pings.push(PingReport {
                            host,
                            id: probe.id,
                            command,
                            typed_at,
                            sent: 0,
                            replied: 0,
                            lost: vec![],
                            awaiting: vec![],
                        });
                        pings.len() - 1
                    }
                };
                let p = &mut pings[i];
                p.sent += 1;
                match probe.fate {
                    Fate::Replied => p.replied += 1,
                    Fate::Lost => p.lost.push(probe.seq),
                    Fate::Awaiting => p.awaiting.push(probe.seq),
                }
            }
        }
        // A ping that sent nothing (an unknown host, no route) is listed too.
        for e in trace {
            if let TraceKind::Command { host, id, line, .. } = &e.kind
                && line.trim_start().starts_with("ping")
                && options.shows_host(host)
                && !pings.iter().any(|p| p.id == *id)
            {
                let (host, command) = (host.clone(), line.clone());
                pings.push(PingReport { host, id: *id, command, typed_at: e.at, sent: 0, replied: 0, lost: vec![], awaiting: vec![] });
            }
        }
        pings.sort_by_key(|p| p.id);
        let http = http_hosts.into_iter().filter(|h| options.shows_host(h)).map(|host| http_report(host, trace)).collect();
        unfinished.retain(|u| options.shows_host(&u.host));
        Summaries { pings, http, unfinished }
    }
}

fn http_report(host: &str, trace: &[TraceEvent]) -> HttpReport {
    let all = expect::transfers(host, Window::Between(SimTime::ZERO, SimTime::MAX), trace);
    let finished = || all.iter().filter(|t| t.unfinished.is_none());
    let mut statuses: Vec<StatusCount> = Vec::new();
    for status in finished().filter_map(|t| t.status) {
        match statuses.iter_mut().find(|s| s.status == status) {
            Some(s) => s.count += 1,
            None => statuses.push(StatusCount { status, count: 1 }),
        }
    }
    statuses.sort_by_key(|s| s.status);
    let slowest = finished().max_by_key(|t| t.total).map(|t| Slowest { total_us: t.total.as_micros() as u64, started: t.started });
    HttpReport {
        host: host.to_owned(),
        transfers: all.len(),
        statuses,
        failed: all.iter().filter(|t| t.failed()).count(),
        unfinished: all.iter().filter(|t| t.unfinished.is_some()).count(),
        slowest,
    }
}
