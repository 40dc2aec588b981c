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
    /// A ping with no probe counted yet.
    fn unsent(host: &str, id: usize, command: &str, typed_at: SimTime) -> PingReport {
        let (host, command) = (host.to_owned(), command.to_owned());
        PingReport { host, id, command, typed_at, sent: 0, replied: 0, lost: vec![], awaiting: vec![] }
    }

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
        let by_host = ClientEvents::of(trace);
        let mut unfinished = Vec::new();
        for e in trace {
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
        // Ping command number -> its place in `pings`.
        let mut ping_at: BTreeMap<usize, usize> = BTreeMap::new();
        for (host, events) in by_host.pinging().filter(|(h, _)| options.shows_host(h)) {
            for probe in expect::ping_probes(host, all, events.iter().copied()) {
                let i = *ping_at.entry(probe.id).or_insert_with(|| {
                    let (typed_at, line) = command(probe.id);
                    pings.push(PingReport::unsent(host, probe.id, line, typed_at));
                    pings.len() - 1
                });
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
                && !ping_at.contains_key(id)
            {
                ping_at.insert(*id, pings.len());
                pings.push(PingReport::unsent(host, *id, line, e.at));
            }
        }
        pings.sort_by_key(|p| p.id);
        let http = by_host.fetching().filter(|(h, _)| options.shows_host(h)).map(|(host, events)| http_report(host, events)).collect();
        unfinished.retain(|u| options.shows_host(&u.host));
        Summaries { pings, http, unfinished }
    }
}

/// The ping and HTTP events of a trace, host by host, gathered in one pass so that a report on
/// a thousand client hosts reads the trace once rather than once per host.
struct ClientEvents<'a> {
    /// Each host with such events, in the order of its first one, with them in the trace's order.
    hosts: Vec<(&'a str, Vec<&'a TraceEvent>)>,
    /// Which of them sent a ping probe, in the order of their first probe.
    pinging: Vec<usize>,
    /// Which of them started an HTTP transfer, in the order of their first one.
    fetching: Vec<usize>,
}

impl<'a> ClientEvents<'a> {
    fn of(trace: &'a [TraceEvent]) -> Self {
        // Host -> (its place in `hosts`, whether it is in `pinging`, whether in `fetching`).
        let mut index: BTreeMap<&str, (usize, bool, bool)> = BTreeMap::new();
        let mut this = ClientEvents { hosts: Vec::new(), pinging: Vec::new(), fetching: Vec::new() };
        for e in trace {
            let (host, pings, fetches) = match &e.kind {
                TraceKind::PingSent { host, .. } => (host, true, false),
                TraceKind::HttpTransfer { host, .. } | TraceKind::Unfinished { host, url: Some(_), .. } => (host, false, true),
                TraceKind::PingReplied { host, .. } | TraceKind::Unfinished { host, .. } => (host, false, false),
                _ => continue,
            };
            let (i, pinging, fetching) = index.entry(host).or_insert_with(|| {
                this.hosts.push((host, Vec::new()));
                (this.hosts.len() - 1, false, false)
            });
            if pings && !*pinging {
                *pinging = true;
                this.pinging.push(*i);
            }
            if fetches && !*fetching {
                *fetching = true;
                this.fetching.push(*i);
            }
            this.hosts[*i].1.push(e);
        }
        this
    }

    /// The hosts that sent ping probes, each with its events.
    fn pinging(&self) -> impl Iterator<Item = (&'a str, &[&'a TraceEvent])> {
        self.listed(&self.pinging)
    }

    /// The hosts that made HTTP transfers, each with its events.
    fn fetching(&self) -> impl Iterator<Item = (&'a str, &[&'a TraceEvent])> {
        self.listed(&self.fetching)
    }

    fn listed<'s>(&'s self, list: &'s [usize]) -> impl Iterator<Item = (&'a str, &'s [&'a TraceEvent])> {
        list.iter().map(|&i| (self.hosts[i].0, self.hosts[i].1.as_slice()))
    }
}

fn http_report(host: &str, events: &[&TraceEvent]) -> HttpReport {
    let all = expect::transfers(host, Window::Between(SimTime::ZERO, SimTime::MAX), events.iter().copied());
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

#[cfg(test)]
mod tests {
    use super::*;

    fn at(us: u64, kind: TraceKind) -> TraceEvent {
        TraceEvent { at: SimTime::from_micros(us), kind }
    }

    fn fetched(host: &str, id: usize, us: u64, status: u16) -> TraceEvent {
        let (host, url, body, error) = (host.to_owned(), "http://vip/".to_owned(), String::new(), String::new());
        let started = SimTime::from_micros(us);
        at(us, TraceKind::HttpTransfer { host, id, url, started, status: Some(status), exit: 0, body, error, total_us: 1 })
    }

    fn ping(host: &str, id: usize, us: u64, seq: u16, replied: bool) -> Vec<TraceEvent> {
        let mut events = vec![at(us, TraceKind::PingSent { host: host.to_owned(), id, seq })];
        if replied {
            events.push(at(us + 1, TraceKind::PingReplied { host: host.to_owned(), id, seq, rtt_us: 1 }));
        }
        events
    }

    /// Hosts' events interleaved in the trace are told apart: HTTP hosts come in the order of
    /// their first transfer, pings in the order typed, each with only its own host's probes.
    #[test]
    fn interleaved_hosts_are_summarised_each_with_its_own_events() {
        let mut trace = vec![fetched("b", 3, 1, 200)];
        trace.extend(ping("a", 2, 2, 1, true));
        trace.push(fetched("a", 4, 3, 502));
        trace.extend(ping("b", 1, 4, 1, false));
        trace.push(fetched("b", 3, 5, 200));
        trace.extend(ping("a", 2, 6, 2, false));
        let s = Summaries::of(&trace, &ReportOptions::default());
        let http: Vec<String> = s.http.iter().map(HttpReport::line).collect();
        assert_eq!(http.len(), 2);
        assert!(http[0].starts_with("b: 2 transfer(s): 2 × 200;"), "{}", http[0]);
        assert!(http[1].starts_with("a: 1 transfer(s): 1 × 502;"), "{}", http[1]);
        let pings: Vec<(&str, usize, usize, usize, &[u16])> =
            s.pings.iter().map(|p| (p.host.as_str(), p.id, p.sent, p.replied, p.lost.as_slice())).collect();
        assert_eq!(pings, [("b", 1, 1, 0, &[1][..]), ("a", 2, 2, 1, &[2][..])]);
    }
}
