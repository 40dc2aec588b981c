//! The consoles section of a report: which trace events a person at the consoles would have
//! seen (typed commands, their output, daemons' log lines, power and link changes) and how each
//! reads; and, for the text report, ping's replies and `no answer yet` lines folded into runs
//! (`icmp_seq 26–91 answered`).

use serde::Serialize;

use super::trace::{Stream, TraceEvent, TraceKind};
use crate::kernel::SimTime;

/// One console or log line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct ConsoleLine<'a> {
    /// When it appeared.
    #[serde(rename = "at_us")]
    pub at: SimTime,
    /// The host.
    pub host: &'a str,
    /// `command`, `stdout`, `stderr`, `log`, `power` or `link`.
    pub kind: &'static str,
    /// The console command it belongs to (commands and their output).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<usize>,
    /// The line as the console shows it (`[root@lb-1 ~]# systemctl stop keepalived`,
    /// `Keepalived[1002]: Stopping`, `(link eno33554984 down)`).
    pub text: String,
}

impl ConsoleLine<'_> {
    /// The line as the text report prints it after the time and host: standard error marked.
    pub(crate) fn shown(&self) -> String {
        if self.kind == "stderr" { format!("{}  (stderr)", self.text) } else { self.text.clone() }
    }
}

/// The console line of a trace event, if it is one.
pub(crate) fn line(e: &TraceEvent) -> Option<ConsoleLine<'_>> {
    let (host, kind, id, text) = match &e.kind {
        TraceKind::Command { host, id, line, prompt } => (host, "command", Some(*id), format!("{}{line}", prompt.shown(host))),
        TraceKind::Output { host, id, line, stream } => {
            let kind = if *stream == Stream::Stdout { "stdout" } else { "stderr" };
            (host, kind, Some(*id), line.clone())
        }
        // The kernel's own lines (pid 0) carry no pid, as syslog shows them (`kernel: …`).
        TraceKind::Log { host, process, pid: 0, line } => (host, "log", None, format!("{process}: {line}")),
        TraceKind::Log { host, process, pid, line } => (host, "log", None, format!("{process}[{pid}]: {line}")),
        TraceKind::Power { host, on } => (host, "power", None, if *on { "(powered on)" } else { "(powered off)" }.to_owned()),
        TraceKind::Link { host, dev, up } => (host, "link", None, format!("(link {dev} {})", if *up { "up" } else { "down" })),
        _ => return None,
    };
    Some(ConsoleLine { at: e.at, host, kind, id, text })
}

/// A line of ping's that folds into a run: a reply or a `no answer yet`.
#[derive(Clone, Debug, PartialEq)]
enum PingLine {
    /// `64 bytes from 172.2.20.100: icmp_seq=7 ttl=64 time=0.200 ms` (the time as printed).
    Reply { from: String, seq: u16, time: String },
    /// `no answer yet for icmp_seq=7`.
    NoAnswer { seq: u16 },
}

impl PingLine {
    fn seq(&self) -> u16 {
        match self {
            PingLine::Reply { seq, .. } | PingLine::NoAnswer { seq } => *seq,
        }
    }
}

/// Reads iputils' reply and `-O` lines (with or without `-D`'s `[timestamp] ` in front);
/// anything else (a duplicate, an error, a truncated reply) is not folded.
fn ping_line(text: &str) -> Option<PingLine> {
    let text = match text.strip_prefix('[') {
        Some(rest) => rest.split_once("] ")?.1,
        None => text,
    };
    if let Some(seq) = text.strip_prefix("no answer yet for icmp_seq=") {
        return Some(PingLine::NoAnswer { seq: seq.parse().ok()? });
    }
    let (bytes, rest) = text.split_once(" bytes from ")?;
    bytes.parse::<u32>().ok()?;
    let (from, rest) = rest.split_once(": icmp_seq=")?;
    let (seq, rest) = rest.split_once(" ttl=")?;
    let (ttl, rest) = rest.split_once(" time=")?;
    ttl.parse::<u8>().ok()?;
    let time = rest.strip_suffix(" ms")?;
    time.parse::<f64>().ok()?;
    Some(PingLine::Reply { from: from.to_owned(), seq: seq.parse().ok()?, time: time.to_owned() })
}

/// A run of folded ping lines being gathered.
struct Run<'a> {
    first: ConsoleLine<'a>,
    last_at: SimTime,
    from_seq: u16,
    kind: PingLine,
    count: usize,
    /// The shortest and longest round trips, as printed.
    fastest: String,
    slowest: String,
}

impl<'a> Run<'a> {
    fn start(line: ConsoleLine<'a>, ping: PingLine) -> Run<'a> {
        let time = if let PingLine::Reply { time, .. } = &ping { time.clone() } else { String::new() };
        Run { last_at: line.at, from_seq: ping.seq(), first: line, kind: ping, count: 1, fastest: time.clone(), slowest: time }
    }

    /// Takes `line` if it continues the run: the same command, the same kind of line, the next
    /// sequence number (and, for replies, the same sender).
    fn extend(&mut self, line: &ConsoleLine<'a>, ping: &PingLine) -> bool {
        let next = self.kind.seq().wrapping_add(1) == ping.seq();
        let same = match (&self.kind, ping) {
            (PingLine::Reply { from: a, .. }, PingLine::Reply { from: b, .. }) => a == b,
            (PingLine::NoAnswer { .. }, PingLine::NoAnswer { .. }) => true,
            _ => false,
        };
        if !(next && same && line.host == self.first.host && line.id == self.first.id && line.kind == self.first.kind) {
            return false;
        }
        if let PingLine::Reply { time, .. } = ping {
            let ms = |t: &str| t.parse::<f64>().unwrap_or(0.0);
            if ms(time) < ms(&self.fastest) {
                self.fastest.clone_from(time);
            }
            if ms(time) > ms(&self.slowest) {
                self.slowest.clone_from(time);
            }
        }
        self.kind = ping.clone();
        self.last_at = line.at;
        self.count += 1;
        true
    }

    /// The run as one line (a run of one is the line itself).
    fn finish(self) -> ConsoleLine<'a> {
        if self.count == 1 {
            return self.first;
        }
        let (from, to) = (self.from_seq, self.kind.seq());
        let text = match self.kind {
            PingLine::Reply { from: sender, .. } => {
                let time = if self.fastest == self.slowest { self.fastest } else { format!("{}–{}", self.fastest, self.slowest) };
                format!("icmp_seq {from}–{to} answered by {sender} until {}, time {time} ms", self.last_at)
            }
            PingLine::NoAnswer { .. } => format!("no answer yet for icmp_seq {from}–{to}, until {}", self.last_at),
        };
        ConsoleLine { text, ..self.first }
    }
}

/// Folds runs of ping replies (and of `no answer yet` lines) of one command with consecutive
/// sequence numbers into one line each, placed at the run's first line; any other line shown in
/// between ends a run, so the section stays in time order.
pub(crate) fn fold<'a>(lines: impl Iterator<Item = ConsoleLine<'a>>) -> impl Iterator<Item = ConsoleLine<'a>> {
    let mut run: Option<Run<'a>> = None;
    let mut lines = lines.fuse();
    let mut pending: Option<ConsoleLine<'a>> = None;
    std::iter::from_fn(move || {
        loop {
            if let Some(line) = pending.take() {
                return Some(line);
            }
            let Some(line) = lines.next() else { return run.take().map(Run::finish) };
            let ping = if line.kind == "stdout" { ping_line(&line.text) } else { None };
            if let (Some(r), Some(p)) = (run.as_mut(), ping.as_ref())
                && r.extend(&line, p)
            {
                continue;
            }
            let done = match ping {
                Some(p) => run.replace(Run::start(line, p)).map(Run::finish),
                None => {
                    let done = run.take().map(Run::finish);
                    if done.is_none() {
                        return Some(line);
                    }
                    pending = Some(line);
                    done
                }
            };
            if done.is_some() {
                return done;
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(at: u64, id: usize, text: &str) -> TraceEvent {
        let kind = TraceKind::Output { host: "c".into(), id, stream: Stream::Stdout, line: text.into() };
        TraceEvent { at: SimTime::from_micros(at), kind }
    }

    fn folded(trace: &[TraceEvent]) -> Vec<String> {
        fold(trace.iter().filter_map(line)).map(|l| format!("{} {}", l.at.as_micros(), l.text)).collect()
    }

    #[test]
    fn reads_ping_lines() {
        let reply = ping_line("64 bytes from 172.2.20.100: icmp_seq=26 ttl=64 time=2570.812 ms");
        assert_eq!(reply, Some(PingLine::Reply { from: "172.2.20.100".into(), seq: 26, time: "2570.812".into() }));
        assert_eq!(ping_line("[1795536000.400000] no answer yet for icmp_seq=2"), Some(PingLine::NoAnswer { seq: 2 }));
        for other in [
            "64 bytes from 172.2.20.100: icmp_seq=26 ttl=64 time=0.2 ms (DUP!)",
            "From 172.2.20.1 icmp_seq=3 Destination Host Unreachable",
            "PING 172.2.20.100 (172.2.20.100) 56(84) bytes of data.",
            "no answer yet for icmp_seq=x",
        ] {
            assert_eq!(ping_line(other), None, "{other}");
        }
    }

    #[test]
    fn consecutive_replies_fold_and_anything_else_ends_a_run() {
        let reply = |at: u64, seq: u16| out(at, 1, &format!("64 bytes from 10.0.0.1: icmp_seq={seq} ttl=64 time=0.{seq}00 ms"));
        let trace = vec![
            out(0, 1, "PING 10.0.0.1 (10.0.0.1) 56(84) bytes of data."),
            out(1, 1, "no answer yet for icmp_seq=1"),
            out(2, 1, "no answer yet for icmp_seq=2"),
            reply(3, 1),
            reply(3, 2),
            reply(4, 3),
            out(5, 2, "something else"),
            reply(6, 4),
            reply(7, 6),
            reply(8, 7),
        ];
        assert_eq!(
            folded(&trace),
            [
                "0 PING 10.0.0.1 (10.0.0.1) 56(84) bytes of data.",
                "1 no answer yet for icmp_seq 1–2, until 0.000002s",
                "3 icmp_seq 1–3 answered by 10.0.0.1 until 0.000004s, time 0.100–0.300 ms",
                "5 something else",
                "6 64 bytes from 10.0.0.1: icmp_seq=4 ttl=64 time=0.400 ms",
                "7 icmp_seq 6–7 answered by 10.0.0.1 until 0.000008s, time 0.600–0.700 ms",
            ]
        );
    }
}
