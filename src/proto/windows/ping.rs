//! Windows 10's `ping.exe` as a sans-IO core: its command line, one echo at a time through
//! `IcmpSendEcho2`, and the exact console text (spec-centos7-windows §3.1–§3.3; Microsoft's
//! `ping` command reference; the strings of ReactOS `base/applications/network/ping/lang/
//! en-US.rc`, in the shape Windows 10 transcripts show).
//!
//! # Calling order (host glue)
//!
//! 1. [`Args::parse`] on the words after `ping`. `Err(r)`: print `r.lines` on **stdout** (Windows
//!    prints its complaints there) and exit `r.status`. Resolve [`Args::target`]; if that fails
//!    print [`Args::unknown_host`] and exit 1.
//! 2. [`WinPing::new`], then [`WinPing::handle_start`].
//! 3. After every call drain [`WinPing::poll_transmit`] (the next echo request, numbered by the
//!    caller: Windows' TCP/IP stack numbers echoes host-wide, not per process),
//!    [`WinPing::poll_event`] and [`WinPing::poll_line`].
//! 4. Inputs: [`WinPing::handle_reply`] (received ICMP messages, IP header stripped),
//!    [`WinPing::handle_undelivered`] (an echo request of ours the stack could not deliver: ARP
//!    failed), [`WinPing::handle_interrupt`] (Ctrl+C) and [`WinPing::handle_timeout`] at
//!    [`WinPing::poll_timeout`].
//! 5. Once [`WinPing::exit_status`] is `Some`, the process has printed its statistics and exits.
//!
//! # The loop (spec §3.3)
//!
//! `ping.exe` sends one echo and waits for it: `IcmpSendEcho2` returns with the reply, with
//! `IP_REQ_TIMED_OUT` after the `-w` timeout (default 4000 ms on Windows 10, Microsoft's
//! reference), or with `IP_DEST_HOST_UNREACHABLE` when the stack's own ARP gives up. Each outcome
//! prints one line when it happens; the next echo goes out one second after the previous one
//! completed, and after the last one the statistics follow at once. ReactOS's loop (a sleep of
//! the timeout after every echo, a raw socket) is not Windows' and is not copied.
//!
//! Modelling choices (Unverified in the spec, marked there): `Sent` counts echoes that completed,
//! so one still in flight at Ctrl+C is in neither column; `time=` is the round trip truncated to
//! whole milliseconds (`IcmpSendEcho2`'s `RoundTripTime`); options Windows knows but labsim does
//! not model are refused with labsim's own message; `-4` is accepted (IPv4 is all there is).

use std::collections::VecDeque;
use std::net::Ipv4Addr;
use std::time::Duration;

use super::Refusal;
use crate::kernel::SimTime;
use crate::wire::icmp::{self, Echo, EchoRepr};
// The echo to send and what happened to it are Linux ping's types: one shape for both cores.
use crate::proto::ping::{EchoRequest, Event};

/// The ICMP identifier Windows' stack puts on every echo request (fixed, whatever the process).
pub(crate) const IDENT: u16 = 1;
/// The IP TTL of Windows' echo requests (its default TTL).
pub(crate) const TTL: u8 = 128;
/// `-w`'s default on Windows 10 (ms).
pub(crate) const DEFAULT_TIMEOUT_MS: u32 = 4000;
/// `-n`'s default.
pub(crate) const DEFAULT_COUNT: u32 = 4;
/// `-l`'s default (data bytes).
pub(crate) const DEFAULT_SIZE: u16 = 32;
/// `-l`'s largest value on Windows 10.
const MAX_SIZE: u16 = 65_500;
/// The pause between an echo's completion and the next request.
const INTERVAL: Duration = Duration::from_secs(1);
/// The exit status of a console program ended by Ctrl+C (`STATUS_CONTROL_C_EXIT`, 0xC000013A, as
/// `%ERRORLEVEL%` shows it): `ping.exe`'s handler prints the statistics and `Control-C`, then
/// leaves the rest to the default handler, and cmd.exe echoes `^C`.
pub(crate) const STATUS_CONTROL_C_EXIT: i32 = 0xC000_013Au32 as i32;

/// `ping /?` (Windows 10 `PING.EXE` 10.0.14393, as its usage is captured on stdout), one entry
/// per line; it begins and ends with an empty line.
pub(crate) const USAGE: &str = "
Usage: ping [-t] [-a] [-n count] [-l size] [-f] [-i TTL] [-v TOS]
            [-r count] [-s count] [[-j host-list] | [-k host-list]]
            [-w timeout] [-R] [-S srcaddr] [-c compartment] [-p]
            [-4] [-6] target_name

Options:
    -t             Ping the specified host until stopped.
                   To see statistics and continue - type Control-Break;
                   To stop - type Control-C.
    -a             Resolve addresses to hostnames.
    -n count       Number of echo requests to send.
    -l size        Send buffer size.
    -f             Set Don't Fragment flag in packet (IPv4-only).
    -i TTL         Time To Live.
    -v TOS         Type Of Service (IPv4-only. This setting has been deprecated
                   and has no effect on the type of service field in the IP
                   Header).
    -r count       Record route for count hops (IPv4-only).
    -s count       Timestamp for count hops (IPv4-only).
    -j host-list   Loose source route along host-list (IPv4-only).
    -k host-list   Strict source route along host-list (IPv4-only).
    -w timeout     Timeout in milliseconds to wait for each reply.
    -R             Use routing header to test reverse route also (IPv6-only).
                   Per RFC 5095 the use of this routing header has been
                   deprecated. Some systems may drop echo requests if
                   this header is used.
    -S srcaddr     Source address to use.
    -c compartment Routing compartment identifier.
    -p             Ping a Hyper-V Network Virtualization provider address.
    -4             Force using IPv4.
    -6             Force using IPv6.
";

/// Options with a value that labsim models.
const WITH_VALUE: &str = "nlw";
/// Options with a value Windows knows whose effect labsim does not model.
const UNMODELLED: &str = "ivrsjkSc";
/// Flags Windows knows whose effect labsim does not model.
const UNMODELLED_FLAGS: &str = "afRp6";

/// Parsed `ping` options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Args {
    /// `-t`: until Ctrl+C.
    pub forever: bool,
    /// `-n`.
    pub count: u32,
    /// `-w` in milliseconds.
    pub timeout_ms: u32,
    /// `-l`: data bytes.
    pub size: u16,
    /// The target as typed.
    pub target: String,
}

fn refusal(lines: Vec<String>) -> Refusal {
    Refusal { lines, status: 1 }
}

fn usage_lines() -> impl Iterator<Item = String> {
    USAGE.split('\n').map(str::to_string)
}

impl Args {
    /// Parse `argv` (the words after `ping`): `-` or `/` introduces an option, options may come
    /// before or after the target, a value is the next word.
    pub(crate) fn parse(argv: &[String]) -> Result<Args, Refusal> {
        let mut a =
            Args { forever: false, count: DEFAULT_COUNT, timeout_ms: DEFAULT_TIMEOUT_MS, size: DEFAULT_SIZE, target: String::new() };
        let mut i = 0;
        while i < argv.len() {
            let word = argv[i].as_str();
            i += 1;
            let is_option = word.len() > 1 && (word.starts_with('-') || word.starts_with('/'));
            if !is_option {
                if !a.target.is_empty() {
                    return Err(refusal(vec![format!("Bad parameter {word}.")]));
                }
                a.target = word.to_string();
                continue;
            }
            let mut chars = word[1..].chars();
            let (Some(letter), glued) = (chars.next(), chars.as_str()) else { continue };
            if letter == '?' && glued.is_empty() {
                return Err(Refusal { lines: usage_lines().collect(), status: 0 });
            }
            let takes_value = WITH_VALUE.contains(letter) || UNMODELLED.contains(letter);
            if takes_value && !glued.is_empty() {
                // `-n50`: Windows wants the value as the next word.
                return Err(refusal(vec![format!("Value must be supplied for option {word}.")]));
            }
            if !glued.is_empty() || !(takes_value || letter == 't' || letter == '4' || UNMODELLED_FLAGS.contains(letter)) {
                let mut lines = vec![format!("Bad option {word}.")];
                lines.extend(usage_lines());
                return Err(refusal(lines));
            }
            if UNMODELLED.contains(letter) || UNMODELLED_FLAGS.contains(letter) {
                return Err(refusal(vec![format!("Option {word} is not supported by labsim.")]));
            }
            if !takes_value {
                a.forever |= letter == 't';
                continue;
            }
            let Some(value) = argv.get(i) else {
                return Err(refusal(vec![format!("Value must be supplied for option {word}.")]));
            };
            i += 1;
            let (min, max) = match letter {
                'n' => (1, u64::from(u32::MAX)),
                'l' => (0, u64::from(MAX_SIZE)),
                _ => (0, u64::from(u32::MAX)),
            };
            let Some(v) = value.parse::<u64>().ok().filter(|v| (min..=max).contains(v)) else {
                return Err(refusal(vec![format!("Bad value for option {word}, valid range is from {min} to {max}.")]));
            };
            match letter {
                'n' => a.count = u32::try_from(v).unwrap_or(u32::MAX),
                'l' => a.size = u16::try_from(v).unwrap_or(MAX_SIZE),
                _ => a.timeout_ms = u32::try_from(v).unwrap_or(u32::MAX),
            }
        }
        if a.target.is_empty() {
            return Err(refusal(vec!["IP address must be specified.".to_string()]));
        }
        Ok(a)
    }

    /// What `ping.exe` prints when the target does not resolve (exit status 1).
    pub(crate) fn unknown_host(&self) -> String {
        format!("Ping request could not find host {}. Please check the name and try again.", self.target)
    }
}

/// Windows' echo data: the alphabet up to `w`, over and over (`abcdefghijklmnopqrstuvwabcdefghi`
/// for the default 32 bytes).
pub(crate) fn payload(size: u16) -> Vec<u8> {
    (0..usize::from(size)).map(|i| b'a' + (i % 23) as u8).collect()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Not started yet.
    Idle,
    /// The next echo goes out at this time.
    Pausing(SimTime),
    /// An echo is due now; it leaves when the caller numbers it.
    Sending(SimTime),
    /// Echo `seq` went out at `sent`; it times out at `deadline`.
    Waiting { seq: u16, sent: SimTime, deadline: SimTime },
    /// The statistics are printed.
    Done,
}

/// A running `ping.exe`.
#[derive(Clone, Debug)]
pub(crate) struct WinPing {
    args: Args,
    target: Ipv4Addr,
    phase: Phase,
    sent: u64,
    received: u64,
    /// Real echo replies' round trips in whole milliseconds: (count, min, max, sum).
    rtts_ms: Option<(u64, u64, u64, u64)>,
    output: VecDeque<String>,
    events: VecDeque<Event>,
    status: Option<i32>,
}

impl WinPing {
    /// A ping of `target` (the typed target's address).
    pub(crate) fn new(args: Args, target: Ipv4Addr) -> Self {
        WinPing {
            args,
            target,
            phase: Phase::Idle,
            sent: 0,
            received: 0,
            rtts_ms: None,
            output: VecDeque::new(),
            events: VecDeque::new(),
            status: None,
        }
    }

    /// Print the header; the first echo is due at once.
    pub(crate) fn handle_start(&mut self, now: SimTime) {
        if self.phase != Phase::Idle {
            return;
        }
        let named = if self.args.target.parse::<Ipv4Addr>().is_ok() {
            self.target.to_string()
        } else {
            format!("{} [{}]", self.args.target, self.target)
        };
        self.out(String::new());
        self.out(format!("Pinging {named} with {} bytes of data:", self.args.size));
        self.phase = Phase::Sending(now);
    }

    /// The echo request due now, numbered `seq` by the caller; `None` when none is due.
    pub(crate) fn poll_transmit(&mut self, seq: impl FnOnce() -> u16) -> Option<EchoRequest> {
        let Phase::Sending(sent) = self.phase else { return None };
        let seq = seq();
        let deadline = sent + Duration::from_millis(u64::from(self.args.timeout_ms));
        self.phase = Phase::Waiting { seq, sent, deadline };
        let data = payload(self.args.size);
        let icmp = EchoRepr { kind: Echo::Request, ident: IDENT, seq_no: seq, data: &data }.to_bytes();
        Some(EchoRequest { seq, ttl: TTL, icmp })
    }

    /// A received ICMP message (IP header removed) from `from` with IP TTL `ttl`: the reply to the
    /// echo being waited for ends the wait; anything else is not ours.
    pub(crate) fn handle_reply(&mut self, now: SimTime, icmp: &[u8], from: Ipv4Addr, ttl: u8) {
        let Phase::Waiting { seq, sent, .. } = self.phase else { return };
        let echo = icmp::Packet::new_checked(icmp).and_then(|p| EchoRepr::parse(&p));
        let Ok(EchoRepr { kind: Echo::Reply, ident: IDENT, seq_no, data }) = echo else { return };
        if seq_no != seq {
            return;
        }
        let rtt = now.saturating_since(sent);
        let ms = u64::try_from(rtt.as_millis()).unwrap_or(u64::MAX);
        let time = if ms == 0 { "<1ms".to_string() } else { format!("={ms}ms") };
        self.out(format!("Reply from {from}: bytes={} time{time} TTL={ttl}", data.len()));
        self.received += 1;
        let (n, min, max, sum) = self.rtts_ms.unwrap_or((0, u64::MAX, 0, 0));
        self.rtts_ms = Some((n + 1, min.min(ms), max.max(ms), sum.saturating_add(ms)));
        self.events.push_back(Event::Replied { seq, rtt });
        self.complete(now);
    }

    /// The stack could not deliver `icmp` (an ICMP message sent from this host, IP header
    /// removed) because ARP for the next hop failed; `local` is this host's address on that
    /// network. If it is the echo being waited for, Windows reports the failure as a reply from
    /// itself and counts it as received.
    pub(crate) fn handle_undelivered(&mut self, now: SimTime, icmp: &[u8], local: Ipv4Addr) {
        let Phase::Waiting { seq, .. } = self.phase else { return };
        let echo = icmp::Packet::new_checked(icmp).and_then(|p| EchoRepr::parse(&p));
        let Ok(EchoRepr { kind: Echo::Request, ident: IDENT, seq_no, .. }) = echo else { return };
        if seq_no != seq {
            return;
        }
        self.out(format!("Reply from {local}: Destination host unreachable."));
        self.received += 1;
        self.complete(now);
    }

    /// Ctrl+C: the statistics, `Control-C`, and cmd.exe's `^C`.
    pub(crate) fn handle_interrupt(&mut self, _now: SimTime) {
        if self.status.is_some() {
            return;
        }
        self.statistics();
        self.out("Control-C".to_string());
        self.out("^C".to_string());
        self.status = Some(STATUS_CONTROL_C_EXIT);
    }

    /// Time passed: the pause ends, or the echo being waited for times out.
    pub(crate) fn handle_timeout(&mut self, now: SimTime) {
        match self.phase {
            Phase::Pausing(at) if at <= now => self.phase = Phase::Sending(at),
            Phase::Waiting { deadline, .. } if deadline <= now => {
                self.out("Request timed out.".to_string());
                self.complete(now);
            }
            _ => {}
        }
    }

    /// When [`WinPing::handle_timeout`] must next be called.
    pub(crate) fn poll_timeout(&self) -> Option<SimTime> {
        match self.phase {
            Phase::Pausing(at) | Phase::Sending(at) => Some(at),
            Phase::Waiting { deadline, .. } => Some(deadline),
            Phase::Idle | Phase::Done => None,
        }
    }

    /// The next thing that happened to an echo.
    pub(crate) fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// The next console line (stdout).
    pub(crate) fn poll_line(&mut self) -> Option<String> {
        self.output.pop_front()
    }

    /// The exit status once ping has finished: 0 if anything was received (a local "Destination
    /// host unreachable" counts), 1 if not, [`STATUS_CONTROL_C_EXIT`] after Ctrl+C.
    pub(crate) fn exit_status(&self) -> Option<i32> {
        self.status
    }

    /// What ping is doing, in words, for a run that ends while it runs.
    pub(crate) fn state(&self) -> String {
        let mut s = format!("Sent = {}, Received = {}", self.sent, self.received);
        if let Phase::Waiting { seq, .. } = self.phase {
            s.push_str(&format!(", echo seq {seq} awaiting its reply"));
        }
        s
    }

    fn complete(&mut self, now: SimTime) {
        self.sent += 1;
        if !self.args.forever && self.sent >= u64::from(self.args.count) {
            self.statistics();
            self.status = Some(i32::from(self.received == 0));
        } else {
            self.phase = Phase::Pausing(now + INTERVAL);
        }
    }

    /// The statistics block (spec §3.2); the round-trip lines only if a real reply came.
    fn statistics(&mut self) {
        self.phase = Phase::Done;
        let (sent, received) = (self.sent, self.received);
        let lost = sent.saturating_sub(received);
        let percent = (lost * 100).checked_div(sent).unwrap_or(0);
        self.out(String::new());
        self.out(format!("Ping statistics for {}:", self.target));
        self.out(format!("    Packets: Sent = {sent}, Received = {received}, Lost = {lost} ({percent}% loss),"));
        if let Some((n, min, max, sum)) = self.rtts_ms {
            let average = sum / n;
            let line = format!("    Minimum = {min}ms, Maximum = {max}ms, Average = {average}ms");
            self.out("Approximate round trip times in milli-seconds:".to_string());
            self.out(line);
        }
    }

    fn out(&mut self, line: String) {
        self.output.push_back(line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DST: Ipv4Addr = Ipv4Addr::new(172, 2, 20, 100);
    const ME: Ipv4Addr = Ipv4Addr::new(172, 2, 20, 1);

    fn argv(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    fn started(cmd: &str) -> WinPing {
        let mut p = WinPing::new(Args::parse(&argv(cmd)).expect("valid arguments"), DST);
        p.handle_start(SimTime::ZERO);
        p
    }

    fn us(v: u64) -> SimTime {
        SimTime::from_micros(v)
    }

    fn lines(p: &mut WinPing) -> Vec<String> {
        std::iter::from_fn(|| p.poll_line()).collect()
    }

    /// Sends what is due (numbered `seq`) and returns it.
    fn send(p: &mut WinPing, seq: u16) -> EchoRequest {
        p.poll_transmit(|| seq).expect("an echo is due")
    }

    /// The echo turned into its reply, as a Linux host answers it.
    fn reply_to(req: &EchoRequest) -> Vec<u8> {
        let mut r = req.icmp.clone();
        r[0] = 0;
        r
    }

    /// Runs the loop: every echo answered `rtt_us` after it left; returns the send times.
    fn run_answered(p: &mut WinPing, rtt_us: &[u64]) -> Vec<u64> {
        let mut sent_at = Vec::new();
        let mut now = 0;
        for (i, rtt) in rtt_us.iter().enumerate() {
            let due = p.poll_timeout().expect("waiting to send").as_micros();
            assert!(due >= now);
            p.handle_timeout(us(due));
            let req = send(p, 100 + i as u16);
            sent_at.push(due);
            now = due + rtt;
            p.handle_reply(us(now), &reply_to(&req), DST, 64);
        }
        sent_at
    }

    #[test]
    fn four_replies_one_second_after_each_reply_then_the_statistics_at_once() {
        let mut p = started("172.2.20.100");
        let sent = run_answered(&mut p, &[300, 1_500, 12_999, 250]);
        // Each echo leaves 1 s after the previous reply arrived (spec §3.3).
        assert_eq!(sent, [0, 1_000_300, 2_001_800, 3_014_799]);
        assert_eq!(p.poll_timeout(), None, "the statistics follow the last reply at once");
        assert_eq!(
            lines(&mut p),
            [
                "",
                "Pinging 172.2.20.100 with 32 bytes of data:",
                "Reply from 172.2.20.100: bytes=32 time<1ms TTL=64",
                "Reply from 172.2.20.100: bytes=32 time=1ms TTL=64",
                "Reply from 172.2.20.100: bytes=32 time=12ms TTL=64",
                "Reply from 172.2.20.100: bytes=32 time<1ms TTL=64",
                "",
                "Ping statistics for 172.2.20.100:",
                "    Packets: Sent = 4, Received = 4, Lost = 0 (0% loss),",
                "Approximate round trip times in milli-seconds:",
                "    Minimum = 0ms, Maximum = 12ms, Average = 3ms",
            ]
        );
        assert_eq!(p.exit_status(), Some(0));
        let events: Vec<Event> = std::iter::from_fn(|| p.poll_event()).collect();
        assert_eq!(events[2], Event::Replied { seq: 102, rtt: Duration::from_micros(12_999) });
    }

    #[test]
    fn timeouts_come_four_seconds_after_the_echo_and_the_next_one_a_second_later() {
        let mut p = started("-n 2 172.2.20.100");
        p.handle_timeout(us(0));
        send(&mut p, 1);
        assert_eq!(p.poll_timeout(), Some(us(4_000_000)));
        p.handle_timeout(us(3_999_999));
        assert_eq!(p.poll_transmit(|| 2), None);
        p.handle_timeout(us(4_000_000));
        assert_eq!(p.poll_timeout(), Some(us(5_000_000)));
        p.handle_timeout(us(5_000_000));
        send(&mut p, 2);
        assert_eq!(p.poll_timeout(), Some(us(9_000_000)));
        p.handle_timeout(us(9_000_000));
        assert_eq!(
            lines(&mut p)[2..],
            [
                "Request timed out.",
                "Request timed out.",
                "",
                "Ping statistics for 172.2.20.100:",
                "    Packets: Sent = 2, Received = 0, Lost = 2 (100% loss),",
            ]
        );
        assert_eq!(p.exit_status(), Some(1));
    }

    #[test]
    fn a_shorter_wait_and_a_late_reply_that_is_not_the_current_echo() {
        let mut p = started("-w 1000 -n 3 -l 100 172.2.20.100");
        p.handle_timeout(us(0));
        let first = send(&mut p, 7);
        assert_eq!(first.icmp.len(), 108);
        assert_eq!(p.poll_timeout(), Some(us(1_000_000)));
        p.handle_timeout(us(1_000_000));
        p.handle_timeout(us(2_000_000));
        let second = send(&mut p, 8);
        // The first echo's reply arrives now: IcmpSendEcho2 waits for the second one only.
        p.handle_reply(us(2_000_400), &reply_to(&first), DST, 64);
        p.handle_reply(us(2_000_500), &reply_to(&second), Ipv4Addr::new(10, 0, 0, 9), 63);
        assert_eq!(p.poll_timeout(), Some(us(3_000_500)));
        p.handle_timeout(us(3_000_500));
        let third = send(&mut p, 9);
        let mut other = reply_to(&third);
        other[5] = 2; // another identifier
        p.handle_reply(us(3_000_600), &other, DST, 64);
        p.handle_reply(us(3_000_600), &third.icmp, DST, 64); // not a reply
        p.handle_reply(us(3_000_600), &[0, 0], DST, 64);
        p.handle_timeout(us(4_000_500));
        let out = lines(&mut p);
        assert_eq!(out[1], "Pinging 172.2.20.100 with 100 bytes of data:");
        assert_eq!(out[2..5], ["Request timed out.", "Reply from 10.0.0.9: bytes=100 time<1ms TTL=63", "Request timed out."]);
        assert_eq!(out[7], "    Packets: Sent = 3, Received = 1, Lost = 2 (66% loss),");
        assert_eq!(out[9], "    Minimum = 0ms, Maximum = 0ms, Average = 0ms");
        assert_eq!(p.exit_status(), Some(0));
    }

    #[test]
    fn arp_failure_is_a_reply_from_the_client_itself_and_counts_as_received() {
        let mut p = started("-n 2 172.2.20.100");
        p.handle_timeout(us(0));
        let req = send(&mut p, 1);
        // The stack gives up resolving after 3 probes; the echo comes back undelivered.
        p.handle_undelivered(us(3_000_000), &req.icmp, ME);
        assert_eq!(p.poll_timeout(), Some(us(4_000_000)));
        p.handle_timeout(us(4_000_000));
        let req = send(&mut p, 2);
        p.handle_undelivered(us(4_000_001), &reply_to(&req), ME); // not a request: ignored
        p.handle_undelivered(us(7_000_000), &req.icmp, ME);
        assert_eq!(
            lines(&mut p)[2..],
            [
                "Reply from 172.2.20.1: Destination host unreachable.",
                "Reply from 172.2.20.1: Destination host unreachable.",
                "",
                "Ping statistics for 172.2.20.100:",
                "    Packets: Sent = 2, Received = 2, Lost = 0 (0% loss),",
            ]
        );
        assert_eq!(p.exit_status(), Some(0), "errorlevel 0: the famous quirk");
        assert_eq!(p.poll_event(), None, "no echo reply was received");
    }

    #[test]
    fn ctrl_c_during_ping_t_prints_the_statistics_then_control_c() {
        let mut p = started("172.2.20.100 -t");
        run_answered(&mut p, &[400, 400, 400, 400, 400]);
        assert_eq!(p.poll_timeout(), Some(us(5_002_000)), "-t goes on past -n's default 4");
        p.handle_timeout(us(5_002_000));
        send(&mut p, 200);
        p.handle_interrupt(us(5_003_000)); // the sixth echo is still in flight
        let out = lines(&mut p);
        assert_eq!(
            out[out.len() - 6..],
            [
                "Ping statistics for 172.2.20.100:",
                "    Packets: Sent = 5, Received = 5, Lost = 0 (0% loss),",
                "Approximate round trip times in milli-seconds:",
                "    Minimum = 0ms, Maximum = 0ms, Average = 0ms",
                "Control-C",
                "^C",
            ]
        );
        assert_eq!(p.exit_status(), Some(STATUS_CONTROL_C_EXIT));
        assert_eq!(STATUS_CONTROL_C_EXIT, -1_073_741_510);
        assert_eq!(p.poll_timeout(), None);
        p.handle_interrupt(us(5_004_000));
        assert_eq!(p.poll_line(), None);
    }

    #[test]
    fn the_echo_request_is_windows_own() {
        let mut p = started("-l 50 172.2.20.100");
        p.handle_timeout(us(0));
        let req = send(&mut p, 0x1234);
        assert_eq!((req.seq, req.ttl), (0x1234, 128));
        assert_eq!(&req.icmp[..2], &[8, 0]);
        assert_eq!(&req.icmp[4..8], &[0x00, 0x01, 0x12, 0x34], "identifier 1, the sequence number given");
        assert_eq!(&req.icmp[8..], b"abcdefghijklmnopqrstuvwabcdefghijklmnopqrstuvwabcd");
        assert!(icmp::Packet::new_checked(&req.icmp[..]).expect("whole").verify_checksum());
        assert_eq!(payload(32), b"abcdefghijklmnopqrstuvwabcdefghi");
    }

    #[test]
    fn a_name_is_shown_with_its_address_in_brackets() {
        let mut p = WinPing::new(Args::parse(&argv("web-1")).expect("valid"), DST);
        p.handle_start(SimTime::ZERO);
        assert_eq!(lines(&mut p), ["", "Pinging web-1 [172.2.20.100] with 32 bytes of data:"]);
        assert_eq!(p.state(), "Sent = 0, Received = 0");
        p.handle_timeout(us(0));
        send(&mut p, 5);
        assert_eq!(p.state(), "Sent = 0, Received = 0, echo seq 5 awaiting its reply");
    }

    #[test]
    fn command_lines_as_windows_reads_them() {
        let a = Args::parse(&argv("172.2.20.100 -t -4 /n 3 -w 500 -l 0")).expect("valid");
        assert_eq!(a, Args { forever: true, count: 3, timeout_ms: 500, size: 0, target: "172.2.20.100".into() });
        let err = |s: &str| Args::parse(&argv(s)).expect_err("refused");
        let one = |s: &str| err(s).lines.join("\n");
        assert_eq!(one("71.51.86.11 -n50"), "Value must be supplied for option -n50.");
        assert_eq!(one("71.51.86.11 -n"), "Value must be supplied for option -n.");
        assert_eq!(one("-t"), "IP address must be specified.");
        assert_eq!(one("-n 0 1.2.3.4"), "Bad value for option -n, valid range is from 1 to 4294967295.");
        assert_eq!(one("-l 65501 1.2.3.4"), "Bad value for option -l, valid range is from 0 to 65500.");
        assert_eq!(one("-w x 1.2.3.4"), "Bad value for option -w, valid range is from 0 to 4294967295.");
        assert_eq!(one("1.2.3.4 5.6.7.8"), "Bad parameter 5.6.7.8.");
        assert_eq!(one("-a 1.2.3.4"), "Option -a is not supported by labsim.");
        assert_eq!(one("-i 5 1.2.3.4"), "Option -i is not supported by labsim.");
        let bad = err("-help 1.2.3.4");
        assert_eq!((bad.lines[0].as_str(), bad.lines[1].as_str(), bad.status), ("Bad option -help.", "", 1));
        assert_eq!(bad.lines[2], "Usage: ping [-t] [-a] [-n count] [-l size] [-f] [-i TTL] [-v TOS]");
        assert_eq!(bad.lines.last().map(String::as_str), Some(""));
        let help = err("/?");
        assert_eq!((help.lines.len(), help.status), (bad.lines.len() - 1, 0));
        assert_eq!(err("-x 1.2.3.4").lines[0], "Bad option -x.");
        let a = Args::parse(&argv("nosuchhost")).expect("valid");
        assert_eq!(a.unknown_host(), "Ping request could not find host nosuchhost. Please check the name and try again.");
    }
}
