//! iputils `ping` (20221126, Debian 12) as a sans-IO core: argument parsing, probe schedule,
//! reply bookkeeping and the exact console text (spec-host §2; iputils `ping/ping.c`,
//! `ping/ping_common.c`, `ping/ping.h`).
//!
//! # Calling order (host glue)
//!
//! 1. [`Args::parse`] on the words after `ping`. `Err(e)`: print `e.lines` to stderr, exit
//!    `e.status`. Resolve [`Args::destination`]; if that fails print
//!    [`Args::unknown_host_error`] and exit 2.
//! 2. [`Pinger::new`], then [`Pinger::handle_start`] at the start time.
//! 3. Whenever anything happens, drain [`Pinger::poll_transmit`] (ICMP echo requests to send to
//!    the target, with their sequence number and IP TTL), [`Pinger::poll_event`] (replies matched to their
//!    probes) and [`Pinger::poll_line`] (the tests read it as text: `Pinger::poll_output`).
//! 4. Inputs: [`Pinger::handle_reply`] (received ICMP messages, IP header stripped),
//!    [`Pinger::handle_undelivered`] (the kernel hands back a message it could not deliver, e.g.
//!    when ARP resolution fails: "host unreachable" for one of our probes) or [`Pinger::handle_icmp_error`] (remote ICMP errors),
//!    [`Pinger::handle_interrupt`] (Ctrl-C), and [`Pinger::handle_timeout`] at
//!    [`Pinger::poll_timeout`].
//! 5. Once [`Pinger::exit_status`] is `Some`, the process has printed its statistics and exits.
//!
//! Modelling choices: probes go out exactly every interval (no token-bucket jitter); a negative
//! `-i` behaves as `-i 0`; options whose behaviour labsim does not model are refused with exit 2;
//! several destinations (IPv4 source routing) are refused; names are printed as `name (ip)` only
//! for the target itself.

use std::collections::VecDeque;
use std::net::Ipv4Addr;
use std::time::Duration;

use super::{ArgError, Stream};
use crate::kernel::{Calendar, SimTime};
use crate::wire::icmp::{self, Echo, EchoRepr};

/// iputils' `MININTERVAL` (ms): pacing of `-i 0` while a probe is in flight.
const MININTERVAL_MS: u64 = 10;
/// `MAXWAIT` (s): default linger time after the last probe when nothing was received.
const MAXWAIT_S: i64 = 10;
const INT_MAX: i64 = i32::MAX as i64;
const LONG_MAX: i64 = i64::MAX;

/// The `usage()` text (stderr), one entry per line.
pub(crate) const USAGE: &str = "
Usage
  ping [options] <destination>

Options:
  <destination>      dns name or ip address
  -a                 use audible ping
  -A                 use adaptive ping
  -B                 sticky source address
  -c <count>         stop after <count> replies
  -C                 call connect() syscall on socket creation
  -D                 print timestamps
  -d                 use SO_DEBUG socket option
  -e <identifier>    define identifier for ping session, default is random for
                     SOCK_RAW and kernel defined for SOCK_DGRAM
                     Imply using SOCK_RAW (for IPv4 only for identifier 0)
  -f                 flood ping
  -h                 print help and exit
  -I <interface>     either interface name or address
  -i <interval>      seconds between sending each packet
  -L                 suppress loopback of multicast packets
  -l <preload>       send <preload> number of packages while waiting replies
  -m <mark>          tag the packets going out
  -M <pmtud opt>     define mtu discovery, can be one of <do|dont|want>
  -n                 no dns name resolution
  -O                 report outstanding replies
  -p <pattern>       contents of padding byte
  -q                 quiet output
  -Q <tclass>        use quality of service <tclass> bits
  -s <size>          use <size> as number of data bytes to be sent
  -S <size>          use <size> as SO_SNDBUF socket option value
  -t <ttl>           define time to live
  -U                 print user-to-user latency
  -v                 verbose output
  -V                 print version and exit
  -w <deadline>      reply wait <deadline> in seconds
  -W <timeout>       time to wait for response

IPv4 options:
  -4                 use IPv4
  -b                 allow pinging broadcast
  -R                 record route
  -T <timestamp>     define timestamp, can be one of <tsonly|tsandaddr|tsprespec>

IPv6 options:
  -6                 use IPv6
  -F <flowlabel>     define flow label, default is random
  -N <nodeinfo opt>  use icmp6 node info query, try <help> as argument

For more details see ping(8).";

/// Options that take an argument (iputils' getopt string).
const WITH_ARG: &str = "TFNceiIlmMpQsStwW";
/// Options iputils knows that labsim accepts without modelling an effect.
const NO_EFFECT: &str = "4dnvLBCUr";
/// Options iputils knows whose behaviour labsim does not model.
const UNSUPPORTED: &str = "6FNbRTAfIlmMpQSVa";

/// One line of complaint with its exit status.
fn error(status: i32, text: String) -> ArgError {
    ArgError { lines: vec![text], status }
}

/// An optional first line, then iputils' usage text (exit 2).
fn usage_error(first: Option<String>) -> ArgError {
    let mut lines: Vec<String> = first.into_iter().collect();
    lines.extend(USAGE.split('\n').map(str::to_string));
    ArgError { lines, status: 2 }
}

/// Parsed `ping` options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Args {
    /// `-c`: stop after this many replies (and errors).
    pub count: Option<i64>,
    /// `-w`: seconds until ping exits regardless (0 = none).
    pub deadline: i64,
    /// `-i` in milliseconds (iputils' `int interval`); default 1000.
    pub interval_ms: i64,
    /// `-W` in milliseconds: linger after the last probe when nothing was received.
    pub linger_ms: i64,
    /// `-O`.
    pub outstanding: bool,
    /// `-D`.
    pub timestamps: bool,
    /// `-q`.
    pub quiet: bool,
    /// `-s`: data bytes (default 56).
    pub size: usize,
    /// `-t`.
    pub ttl: Option<u8>,
    /// `-e`: ICMP identifier.
    pub ident: Option<u16>,
    /// The destination as typed.
    pub destination: String,
    /// Non-fatal warnings iputils prints on stderr while parsing (before the header).
    pub warnings: Vec<String>,
}

impl Default for Args {
    fn default() -> Self {
        Args {
            count: None,
            deadline: 0,
            interval_ms: 1000,
            linger_ms: MAXWAIT_S * 1000,
            outstanding: false,
            timestamps: false,
            quiet: false,
            size: 56,
            ttl: None,
            ident: None,
            destination: String::new(),
            warnings: Vec::new(),
        }
    }
}

impl Args {
    /// Parse `argv` (the words after `ping`) with glibc getopt semantics (options may follow the
    /// destination; `--` ends options; values attached or separate; combined flags).
    pub(crate) fn parse(argv: &[String]) -> Result<Args, ArgError> {
        let mut a = Args::default();
        let mut operands: Vec<&str> = Vec::new();
        let mut i = 0;
        while i < argv.len() {
            let word = argv[i].as_str();
            i += 1;
            if word == "--" {
                operands.extend(argv[i..].iter().map(String::as_str));
                break;
            }
            if !word.starts_with('-') || word == "-" {
                operands.push(word);
                continue;
            }
            let body = &word[1..];
            for (pos, ch) in body.char_indices() {
                if !WITH_ARG.contains(ch) {
                    a.flag(ch)?;
                    continue;
                }
                let rest = &body[pos + ch.len_utf8()..];
                let value = if !rest.is_empty() {
                    rest.to_string()
                } else if let Some(next) = argv.get(i) {
                    i += 1;
                    next.clone()
                } else {
                    return Err(usage_error(Some(format!("ping: option requires an argument -- '{ch}'"))));
                };
                a.option(ch, &value)?;
                break;
            }
        }
        match operands.as_slice() {
            [] => Err(error(1, "ping: usage error: Destination address required".into())),
            [one] => {
                a.destination = (*one).to_string();
                Ok(a)
            }
            many if many.len() > 10 => Err(usage_error(None)),
            _ => Err(error(2, "ping: several destinations (source routing) are not supported by labsim".into())),
        }
    }

    /// The message iputils prints when the destination does not resolve (exit status 2).
    pub(crate) fn unknown_host_error(&self) -> String {
        format!("ping: {}: Name or service not known", self.destination)
    }

    fn flag(&mut self, ch: char) -> Result<(), ArgError> {
        match ch {
            'D' => self.timestamps = true,
            'O' => self.outstanding = true,
            'q' => self.quiet = true,
            'h' | '?' => return Err(usage_error(None)),
            c if NO_EFFECT.contains(c) => {}
            c if UNSUPPORTED.contains(c) => return Err(unsupported(c)),
            c => return Err(usage_error(Some(format!("ping: invalid option -- '{c}'")))),
        }
        Ok(())
    }

    fn option(&mut self, ch: char, v: &str) -> Result<(), ArgError> {
        match ch {
            'c' => self.count = Some(strtol_or_err(v, 1, LONG_MAX)?),
            'e' => self.ident = Some(u16::try_from(strtoul_or_err(v, 0, 0xFFFF)?).unwrap_or(u16::MAX)),
            's' => self.size = usize::try_from(strtol_or_err(v, 0, INT_MAX)?).unwrap_or(0),
            't' => self.ttl = Some(u8::try_from(strtol_or_err(v, 0, 255)?).unwrap_or(u8::MAX)),
            'w' => self.deadline = strtol_or_err(v, 0, INT_MAX)?,
            'i' => {
                let x = ping_strtod(v, "bad timing interval", &mut self.warnings)?;
                if x > INT_MAX as f64 / 1000.0 {
                    return Err(error(2, format!("ping: bad timing interval: {v}")));
                }
                self.interval_ms = ((x * 1000.0) as i64).max(0);
            }
            'W' => {
                let x = ping_strtod(v, "bad linger time", &mut self.warnings)?;
                if x < 0.0 || x > INT_MAX as f64 / 1000.0 {
                    return Err(error(2, format!("ping: bad linger time: {v}")));
                }
                self.linger_ms = (x * 1000.0) as i64;
            }
            c => return Err(unsupported(c)),
        }
        Ok(())
    }
}

fn unsupported(c: char) -> ArgError {
    error(2, format!("ping: option -{c} is not supported by labsim"))
}

/// C `strtol(str, &end, 10)` requiring the whole string: `None` = garbage, `Some(Err)` = ERANGE.
fn c_strtol(s: &str) -> Option<Result<i128, ()>> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut v: i128 = 0;
    for b in digits.bytes() {
        v = v * 10 + i128::from(b - b'0');
        if v > i128::from(u64::MAX) + 1 {
            return Some(Err(()));
        }
    }
    Some(Ok(if neg { -v } else { v }))
}

/// iputils `strtol_or_err(str, "invalid argument", min, max)` (exit status 1).
fn strtol_or_err(s: &str, min: i64, max: i64) -> Result<i64, ArgError> {
    match c_strtol(s) {
        None => Err(error(1, format!("ping: invalid argument: '{s}'"))),
        Some(Ok(v)) if v >= i128::from(i64::MIN) && v <= i128::from(i64::MAX) => {
            if v < i128::from(min) || v > i128::from(max) {
                return Err(error(1, format!("ping: invalid argument: '{s}': out of range: {min} <= value <= {max}")));
            }
            Ok(i64::try_from(v).unwrap_or(max))
        }
        Some(_) => Err(error(1, format!("ping: invalid argument: '{s}': Numerical result out of range"))),
    }
}

/// iputils `strtoul_or_err` (a leading `-` wraps, as C's strtoul does).
fn strtoul_or_err(s: &str, min: u64, max: u64) -> Result<u64, ArgError> {
    match c_strtol(s) {
        None => Err(error(1, format!("ping: invalid argument: '{s}'"))),
        Some(Ok(v)) if v.unsigned_abs() <= u128::from(u64::MAX) => {
            let mag = u64::try_from(v.unsigned_abs()).unwrap_or(u64::MAX);
            let n = if v < 0 { mag.wrapping_neg() } else { mag };
            if n < min || n > max {
                return Err(error(1, format!("ping: invalid argument: '{s}': out of range: {min} <= value <= {max}")));
            }
            Ok(n)
        }
        Some(_) => Err(error(1, format!("ping: invalid argument: '{s}': Numerical result out of range"))),
    }
}

/// iputils `ping_strtod`: garbage only warns (the parsed prefix, possibly 0, is used); empty,
/// infinite, NaN or subnormal values are fatal (exit 2).
fn ping_strtod(s: &str, what: &str, warnings: &mut Vec<String>) -> Result<f64, ArgError> {
    if s.is_empty() {
        return Err(error(2, format!("ping: {what}: ")));
    }
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let lead = s.len() - t.len();
    // The longest prefix that is a decimal float (strtod's hex forms are not modelled).
    let (num, end) = (1..=t.len())
        .rev()
        .filter(|n| t.is_char_boundary(*n))
        .find_map(|n| t[..n].parse::<f64>().ok().filter(|_| !t[..n].ends_with(['e', 'E'])).map(|x| (x, lead + n)))
        .unwrap_or((0.0, 0));
    let overflow = num.is_finite() && num != 0.0 && !num.is_normal();
    let huge = num.is_infinite() && !t[..end.saturating_sub(lead)].to_ascii_lowercase().contains("inf");
    if end == 0 || end < s.len() || overflow || huge {
        warnings.push(format!("ping: option argument contains garbage: {}", &s[end..]));
        warnings.push("ping: this will become fatal error in the future".to_string());
    }
    if !num.is_finite() || overflow {
        return Err(error(2, format!("ping: {what}: {s}: Numerical result out of range")));
    }
    Ok(num)
}

/// One console line (without its newline).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Line {
    /// stdout or stderr.
    pub stream: Stream,
    /// The text.
    pub text: String,
}

/// What happened to one echo request, for expectations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Probe {
    /// ICMP sequence number (1-based, wraps at 65536).
    pub seq: u16,
    /// When it was sent.
    pub sent_at: SimTime,
    /// When its first reply arrived.
    pub replied_at: Option<SimTime>,
    /// An ICMP error (e.g. Destination Host Unreachable) was reported for it.
    pub error: bool,
}

/// The IP TTL of the probes unless `-t` sets one (Linux's `net.ipv4.ip_default_ttl`).
pub(crate) const DEFAULT_TTL: u8 = 64;

/// Probes remembered: one per sequence number. A reply or an error names its probe by a 16-bit
/// sequence number, which only tells apart the last 65536 probes, so older ones are forgotten
/// and a long fast ping keeps at most this many (2 MiB), not one per probe ever sent.
const PROBE_WINDOW: usize = 1 << 16;

/// An echo request to send, from [`Pinger::poll_transmit`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct EchoRequest {
    /// Its ICMP sequence number.
    pub(crate) seq: u16,
    /// The IP TTL to send it with.
    pub(crate) ttl: u8,
    /// The whole ICMP message, checksum included.
    pub(crate) icmp: Vec<u8>,
}

/// What happened to a probe, from [`Pinger::poll_event`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    /// The first reply to probe `seq` arrived, `rtt` after the probe was sent.
    Replied {
        /// ICMP sequence number.
        seq: u16,
        /// Round-trip time.
        rtt: Duration,
    },
}

/// A running `ping` process.
#[derive(Clone, Debug)]
pub(crate) struct Pinger {
    args: Args,
    hostname: String,
    target: Ipv4Addr,
    numeric: bool,
    ident: u16,
    calendar: Calendar,
    started: Option<SimTime>,
    next_send: SimTime,
    last_send: Option<SimTime>,
    linger_until: Option<SimTime>,
    deadline_at: Option<SimTime>,
    /// Errors were read at this instant: `main_loop`'s exit checks run once the error queue
    /// is drained, not after each error.
    drained_at: Option<SimTime>,
    interrupted: bool,
    latency_fallback: bool,
    ntransmitted: u64,
    nreceived: u64,
    nrepeats: u64,
    nerrors: u64,
    tmin: i64,
    tmax: i64,
    tsum: f64,
    tsum2: f64,
    rtt: i64,
    acked: u16,
    pipesize: i64,
    rcvd: Vec<u64>,
    /// The last [`PROBE_WINDOW`] probes, in sending order (the newest is probe `ntransmitted`).
    probes: VecDeque<Probe>,
    transmit: VecDeque<EchoRequest>,
    output: VecDeque<Line>,
    events: VecDeque<Event>,
    status: Option<i32>,
}

impl Pinger {
    /// A ping of `target_ip`, typed as `target_display`, with ICMP identifier `ident` (used unless
    /// `-e` overrides it; written big-endian on the wire). `calendar` gives `-D` and the
    /// timestamps carried in the probes.
    pub(crate) fn new(args: Args, target_display: String, target_ip: Ipv4Addr, ident: u16, calendar: Calendar) -> Self {
        let numeric = target_display.parse::<Ipv4Addr>().is_ok();
        let output = args.warnings.iter().map(|w| Line { stream: Stream::Stderr, text: w.clone() }).collect();
        Pinger {
            ident: args.ident.unwrap_or(ident),
            args,
            hostname: target_display,
            target: target_ip,
            numeric,
            calendar,
            started: None,
            next_send: SimTime::ZERO,
            last_send: None,
            linger_until: None,
            deadline_at: None,
            drained_at: None,
            interrupted: false,
            latency_fallback: false,
            ntransmitted: 0,
            nreceived: 0,
            nrepeats: 0,
            nerrors: 0,
            tmin: i64::MAX,
            tmax: 0,
            tsum: 0.0,
            tsum2: 0.0,
            rtt: 0,
            acked: 0,
            pipesize: -1,
            rcvd: vec![0; 1024],
            probes: VecDeque::new(),
            transmit: VecDeque::new(),
            output,
            events: VecDeque::new(),
            status: None,
        }
    }

    /// Per-probe records, in sending order (the last [`PROBE_WINDOW`]).
    #[cfg(test)]
    pub(crate) fn probes(&self) -> &VecDeque<Probe> {
        &self.probes
    }

    /// Print the header and send the first probe.
    pub(crate) fn handle_start(&mut self, now: SimTime) {
        if self.started.is_some() || self.status.is_some() {
            return;
        }
        let size = self.args.size;
        self.out(format!("PING {} ({}) {}({}) bytes of data.", self.hostname, self.target, size, size + 28));
        self.started = Some(now);
        self.next_send = now;
        if self.args.deadline > 0 {
            self.deadline_at = Some(now + Duration::from_secs(self.args.deadline.unsigned_abs()));
        }
        self.pump(now);
    }

    /// A received ICMP message (IP header already removed) from `from` with IP TTL `ttl`.
    /// Anything but an echo reply with our identifier is ignored.
    pub(crate) fn handle_reply(&mut self, now: SimTime, icmp: &[u8], from: Ipv4Addr, ttl: u8) {
        if self.started.is_none() || self.status.is_some() {
            return;
        }
        if let Some((seq, icmp_type, code)) = self.error_about_ours(icmp) {
            self.handle_icmp_error(now, seq, from, icmp_type, code);
            return;
        }
        let echo = icmp::Packet::new_checked(icmp).and_then(|p| EchoRepr::parse(&p));
        let Ok(EchoRepr { kind: Echo::Reply, ident, seq_no: seq, data }) = echo else {
            return;
        };
        if ident != self.ident {
            return;
        }
        let cc = icmp.len();
        self.nreceived += 1;
        self.acknowledge(seq);
        let timing = self.args.size >= 16;
        let mut triptime: i64 = 0;
        if timing && data.len() >= 16 {
            let sec = i64::from_le_bytes(data[..8].try_into().unwrap_or([0; 8]));
            let usec = i64::from_le_bytes(data[8..16].try_into().unwrap_or([0; 8]));
            let now_us = i64::try_from(self.calendar.unix_micros(now)).unwrap_or(i64::MAX);
            triptime = now_us.saturating_sub(sec.saturating_mul(1_000_000).saturating_add(usec));
            if triptime < 0 {
                // "taking countermeasures": the first time, iputils re-stamps and warns again.
                let times = if self.latency_fallback { 1 } else { 2 };
                for _ in 0..times {
                    self.err(format!("ping: Warning: time of day goes back ({triptime}us), taking countermeasures"));
                }
                self.latency_fallback = true;
                triptime = 0;
            }
            self.tsum += triptime as f64;
            self.tsum2 += (triptime as f64) * (triptime as f64);
            self.tmin = self.tmin.min(triptime);
            self.tmax = self.tmax.max(triptime);
            self.rtt = if self.rtt == 0 { triptime * 8 } else { self.rtt + triptime - self.rtt / 8 };
        }
        let dup = self.rcvd_test(seq);
        if dup {
            self.nrepeats += 1;
            self.nreceived -= 1;
        } else {
            self.rcvd_set(seq);
            if let Some(p) = self.probe_mut(seq)
                && p.replied_at.is_none()
            {
                p.replied_at = Some(now);
                let rtt = now.saturating_since(p.sent_at);
                self.events.push_back(Event::Replied { seq, rtt });
            }
        }
        if !self.args.quiet {
            let mut line = format!("{cc} bytes from {}: icmp_seq={seq} ttl={ttl}", self.pr_addr(from));
            if cc < self.args.size + 8 {
                line.push_str(" (truncated)");
            } else {
                if timing {
                    line.push_str(&format!(" time={} ms", fmt_rtt(triptime)));
                }
                if dup {
                    line.push_str(" (DUP!)");
                }
                if from != self.target {
                    line.push_str(" (DIFFERENT ADDRESS!)");
                }
                line.push_str(&self.check_data(data));
            }
            let stamped = self.stamp(now, line);
            for part in stamped.split('\n') {
                self.out(part.to_string());
            }
        }
        self.pump(now);
    }

    /// An ICMP destination unreachable or time exceeded quoting one of our echo requests to the
    /// target (`ping4_parse_reply`: the quoted type is ECHO, its destination is `whereto`, its
    /// identifier ours): the probe's sequence number, the type and the code.
    fn error_about_ours(&self, icmp: &[u8]) -> Option<(u16, u8, u8)> {
        let packet = icmp::Packet::new_checked(icmp).ok()?;
        let (icmp_type, code) = (packet.msg_type(), packet.code());
        if icmp_type != icmp::TYPE_DEST_UNREACHABLE && icmp_type != 11 {
            return None;
        }
        let quoted = packet.data();
        let ip = crate::wire::ipv4::Packet::new_unchecked(quoted);
        ip.check_header_len().ok()?;
        let inner = quoted.get(ip.header_len()..ip.header_len() + icmp::HEADER_LEN)?;
        let echo = EchoRepr::parse(&icmp::Packet::new_checked(inner).ok()?).ok()?;
        (ip.protocol() == crate::wire::ipv4::PROTO_ICMP
            && echo.kind == Echo::Request
            && echo.ident == self.ident
            && ip.dst_addr() == self.target)
            .then_some((echo.seq_no, icmp_type, code))
    }

    /// The kernel reports "Destination Host Unreachable" for probe `seq` (e.g. ARP resolution
    /// failed); `from` is the reporting address (our own for a local failure).
    pub(crate) fn handle_error(&mut self, now: SimTime, seq: u16, from: Ipv4Addr) {
        self.handle_icmp_error(now, seq, from, 3, 1);
    }

    /// The kernel could not deliver `icmp` (an ICMP message we sent, IP header removed) and says
    /// so on the socket's error queue with `from` as the reporting address: if it is one of our
    /// echo requests, that probe gets "Destination Host Unreachable". Other messages are ignored.
    pub(crate) fn handle_undelivered(&mut self, now: SimTime, icmp: &[u8], from: Ipv4Addr) {
        let Ok(packet) = icmp::Packet::new_checked(icmp) else { return };
        if let Ok(echo) = EchoRepr::parse(&packet)
            && echo.kind == Echo::Request
            && echo.ident == self.ident
        {
            self.handle_error(now, echo.seq_no, from);
        }
    }

    /// An ICMP error of `icmp_type`/`code` about probe `seq`, delivered through IP_RECVERR.
    pub(crate) fn handle_icmp_error(&mut self, now: SimTime, seq: u16, from: Ipv4Addr, icmp_type: u8, code: u8) {
        if self.started.is_none() || self.status.is_some() {
            return;
        }
        self.acknowledge(seq);
        self.nerrors += 1;
        if let Some(p) = self.probe_mut(seq) {
            p.error = true;
        }
        if !self.args.quiet {
            let line = format!("From {} icmp_seq={seq} {}", self.pr_addr(from), icmp_text(icmp_type, code));
            let line = self.stamp(now, line);
            self.out(line);
        }
        // iputils' receive loop (`main_loop`) reads the error queue with MSG_DONTWAIT until it
        // is empty or nothing is in flight, and only then goes back to its exit checks
        // (`-c` reached, `-w` with an error): errors queued together are all printed. The glue
        // hands over everything queued, then calls `handle_timeout` at [`Pinger::poll_timeout`].
        self.drained_at = Some(now);
    }

    /// SIGINT: print the statistics and finish.
    pub(crate) fn handle_interrupt(&mut self, now: SimTime) {
        if self.status.is_none() {
            self.interrupted = true;
            self.pump(now);
        }
    }

    /// Time passed: send due probes, fire the linger/deadline alarms.
    pub(crate) fn handle_timeout(&mut self, now: SimTime) {
        self.pump(now);
    }

    /// When [`Pinger::handle_timeout`] must next be called.
    pub(crate) fn poll_timeout(&self) -> Option<SimTime> {
        if self.status.is_some() || self.started.is_none() {
            return None;
        }
        let send = (!self.count_reached()).then(|| self.send_due());
        [send, self.linger_until, self.deadline_at, self.drained_at].into_iter().flatten().min()
    }

    /// The next ICMP echo request to send.
    pub(crate) fn poll_transmit(&mut self) -> Option<EchoRequest> {
        self.transmit.pop_front()
    }

    /// The next thing that happened to a probe.
    pub(crate) fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// The next console line with its stream.
    pub(crate) fn poll_line(&mut self) -> Option<Line> {
        self.output.pop_front()
    }

    /// The next console line's text (stdout and stderr interleaved as on a terminal).
    #[cfg(test)]
    pub(crate) fn poll_output(&mut self) -> Option<String> {
        self.output.pop_front().map(|l| l.text)
    }

    /// The exit status, once ping has finished (0: replies received; 1: none, or fewer than
    /// `-c` within `-w`).
    pub(crate) fn exit_status(&self) -> Option<i32> {
        self.status
    }

    /// What ping is doing, in words, for a run that ends while it runs: its counters, and its
    /// newest probe when no reply has come for it yet (iputils' `-O` reports a probe only once
    /// the next one is due, so that one is still awaited, not given up on).
    pub(crate) fn state(&self) -> String {
        let mut s = format!("{} sent, {} received", self.ntransmitted, self.nreceived);
        let newest = self.ntransmitted as u16;
        if self.ntransmitted > 0 && !self.rcvd_test(newest) {
            s.push_str(&format!(", icmp_seq={} awaiting its reply", self.ntransmitted % 0x10000));
        }
        s
    }

    /// Counters: (transmitted, received, duplicates, errors).
    #[cfg(test)]
    pub(crate) fn counters(&self) -> (u64, u64, u64, u64) {
        (self.ntransmitted, self.nreceived, self.nrepeats, self.nerrors)
    }

    // ----- main loop -------------------------------------------------------------------------

    fn count_reached(&self) -> bool {
        self.args.count.is_some_and(|c| self.ntransmitted >= c.unsigned_abs()) && self.args.deadline == 0
    }

    fn send_due(&self) -> SimTime {
        if self.args.interval_ms > 0 || self.in_flight() == 0 {
            return self.next_send;
        }
        // -i 0: iputils sends as soon as nothing is in flight, else every MININTERVAL.
        self.last_send.map_or(self.next_send, |t| t + Duration::from_millis(MININTERVAL_MS))
    }

    /// One pass of iputils' `main_loop`: exit checks, then `pinger()` + `schedule_exit()`.
    fn pump(&mut self, now: SimTime) {
        if self.status.is_some() || self.started.is_none() {
            return;
        }
        self.drained_at = None;
        loop {
            let c = self.args.count.map(i64::unsigned_abs);
            let alarm = self.linger_until.is_some_and(|t| t <= now) || self.deadline_at.is_some_and(|t| t <= now);
            if self.interrupted
                || alarm
                || c.is_some_and(|c| self.nreceived + self.nerrors >= c)
                || (self.args.deadline > 0 && self.nerrors > 0)
            {
                self.finish();
                return;
            }
            if self.count_reached() || self.send_due() > now {
                break;
            }
            self.send(now);
        }
        if self.count_reached() && self.linger_until.is_none() {
            let wait_us = if self.nreceived > 0 { (2 * self.tmax).max(1000 * self.args.interval_ms) } else { self.args.linger_ms * 1000 };
            self.linger_until = Some(now + Duration::from_micros(wait_us.unsigned_abs()));
        }
    }

    fn send(&mut self, now: SimTime) {
        if self.args.outstanding && self.ntransmitted > 0 && !self.rcvd_test(self.ntransmitted as u16) {
            let line = self.stamp(now, format!("no answer yet for icmp_seq={}", self.ntransmitted % 0x10000));
            self.out(line);
        }
        let seq = (self.ntransmitted + 1) as u16;
        self.rcvd_clear(seq);
        if self.args.size + 28 > 65_535 {
            if !self.args.quiet {
                self.err("ping: sendmsg: Message too long".to_string());
            }
        } else {
            let icmp = echo_request(self.ident, seq, self.args.size, self.calendar.unix_micros(now));
            self.transmit.push_back(EchoRequest { seq, ttl: self.args.ttl.unwrap_or(DEFAULT_TTL), icmp });
        }
        self.advance_ntransmitted();
        if self.probes.len() == PROBE_WINDOW {
            self.probes.pop_front();
        }
        self.probes.push_back(Probe { seq, sent_at: now, replied_at: None, error: false });
        self.last_send = Some(now);
        let step = Duration::from_millis(self.args.interval_ms.unsigned_abs());
        self.next_send = if step.is_zero() { now } else { self.next_send + step };
    }

    /// iputils `finish()`: the statistics block and the exit status.
    fn finish(&mut self) {
        let started = self.started.unwrap_or(SimTime::ZERO);
        let elapsed_us = self.last_send.map_or(0, |t| (t - started).as_micros());
        let (tx, rx) = (self.ntransmitted, self.nreceived);
        self.out(String::new());
        self.out(format!("--- {} ping statistics ---", self.hostname));
        let mut l = format!("{tx} packets transmitted, {rx} received");
        if self.nrepeats > 0 {
            l.push_str(&format!(", +{} duplicates", self.nrepeats));
        }
        if self.nerrors > 0 {
            l.push_str(&format!(", +{} errors", self.nerrors));
        }
        if tx > 0 {
            let loss = ((tx as f64 - rx as f64) * 100.0 / tx as f64) as f32;
            l.push_str(&format!(", {}% packet loss, time {}ms", fmt_g(f64::from(loss)), (elapsed_us + 500) / 1000));
        }
        self.out(l);
        let mut l = String::new();
        let mut comma = "";
        if rx > 0 && self.args.size >= 16 {
            let total = (rx + self.nrepeats) as f64;
            let tmavg = (self.tsum / total) as i64;
            let tmvar = if self.tsum < INT_MAX as f64 {
                ((self.tsum2 - (self.tsum * self.tsum) / total) / total) as i64
            } else {
                (self.tsum2 / total - (tmavg * tmavg) as f64) as i64
            };
            let tmdev = llsqrt(tmvar);
            l.push_str(&format!(
                "rtt min/avg/max/mdev = {}.{:03}/{}.{:03}/{}.{:03}/{}.{:03} ms",
                self.tmin / 1000,
                self.tmin % 1000,
                tmavg / 1000,
                tmavg % 1000,
                self.tmax / 1000,
                self.tmax % 1000,
                tmdev / 1000,
                tmdev % 1000
            ));
            comma = ", ";
        }
        if self.pipesize > 1 {
            l.push_str(&format!("{comma}pipe {}", self.pipesize));
            comma = ", ";
        }
        if rx > 0 && self.args.interval_ms == 0 && tx > 1 {
            let ipg = i64::try_from(elapsed_us / u128::from(tx - 1)).unwrap_or(i64::MAX);
            l.push_str(&format!("{comma}ipg/ewma {}.{:03}/{}.{:03} ms", ipg / 1000, ipg % 1000, self.rtt / 8000, (self.rtt / 8) % 1000));
        }
        self.out(l);
        let short = self.args.deadline > 0 && self.args.count.is_some_and(|c| rx < c.unsigned_abs());
        self.status = Some(i32::from(rx == 0 || short));
        self.transmit.clear();
    }

    // ----- iputils helpers -------------------------------------------------------------------

    fn in_flight(&self) -> u64 {
        let diff = (self.ntransmitted as u16).wrapping_sub(self.acked);
        if diff <= 0x7FFF { u64::from(diff) } else { self.ntransmitted.saturating_sub(self.nreceived + self.nerrors) }
    }

    fn acknowledge(&mut self, seq: u16) {
        let diff = (self.ntransmitted as u16).wrapping_sub(seq);
        if diff <= 0x7FFF {
            self.pipesize = self.pipesize.max(i64::from(diff) + 1);
            if (seq.wrapping_sub(self.acked) as i16) > 0 || (self.ntransmitted as u16).wrapping_sub(self.acked) > 0x7FFF {
                self.acked = seq;
            }
        }
    }

    fn advance_ntransmitted(&mut self) {
        self.ntransmitted += 1;
        if (self.ntransmitted as u16).wrapping_sub(self.acked) > 0x7FFF {
            self.acked = (self.ntransmitted as u16).wrapping_add(1);
        }
    }

    fn rcvd_test(&self, seq: u16) -> bool {
        self.rcvd[usize::from(seq >> 6)] & (1u64 << (seq & 63)) != 0
    }

    fn rcvd_set(&mut self, seq: u16) {
        self.rcvd[usize::from(seq >> 6)] |= 1u64 << (seq & 63);
    }

    fn rcvd_clear(&mut self, seq: u16) {
        self.rcvd[usize::from(seq >> 6)] &= !(1u64 << (seq & 63));
    }

    /// The most recent probe with this sequence number.
    fn probe_mut(&mut self, seq: u16) -> Option<&mut Probe> {
        // It is `back` probes before the newest (at the back of the window).
        let back = usize::from((self.ntransmitted as u16).wrapping_sub(seq));
        let idx = self.probes.len().checked_sub(back + 1)?;
        self.probes.get_mut(idx).filter(|p| p.seq == seq)
    }

    fn pr_addr(&self, ip: Ipv4Addr) -> String {
        if !self.numeric && ip == self.target { format!("{} ({ip})", self.hostname) } else { ip.to_string() }
    }

    /// `-D` prefix.
    fn stamp(&self, now: SimTime, line: String) -> String {
        if !self.args.timestamps {
            return line;
        }
        let us = self.calendar.unix_micros(now);
        format!("[{}.{:06}] {line}", us / 1_000_000, us % 1_000_000)
    }

    /// iputils' data check after the timestamp (`data`: the echo data): a mismatch prints a dump.
    fn check_data(&self, data: &[u8]) -> String {
        let start = 16.min(self.args.size);
        for i in start..self.args.size.min(data.len()) {
            let want = i as u8;
            if data[i] != want {
                let mut s = format!("\nwrong data byte #{i} should be 0x{want:x} but was 0x{:x}", data[i]);
                for (j, b) in data.iter().enumerate().take(self.args.size).skip(16) {
                    if j % 32 == 16 {
                        s.push_str(&format!("\n#{j}\t"));
                    }
                    s.push_str(&format!("{b:x} "));
                }
                return s;
            }
        }
        String::new()
    }

    fn out(&mut self, text: String) {
        self.output.push_back(Line { stream: Stream::Stdout, text });
    }

    fn err(&mut self, text: String) {
        self.output.push_back(Line { stream: Stream::Stderr, text });
    }
}

/// An ICMP echo request as iputils builds it: timeval (LE i64 sec, i64 usec) then bytes
/// 0x10, 0x11, … (the fill pattern `i` for data byte `i`).
pub(crate) fn echo_request(ident: u16, seq: u16, size: usize, unix_us: u64) -> Vec<u8> {
    let mut data: Vec<u8> = (0..size).map(|i| i as u8).collect();
    if size >= 16 {
        let sec = i64::try_from(unix_us / 1_000_000).unwrap_or(i64::MAX);
        let usec = (unix_us % 1_000_000) as i64;
        data[..8].copy_from_slice(&sec.to_le_bytes());
        data[8..16].copy_from_slice(&usec.to_le_bytes());
    }
    EchoRepr { kind: Echo::Request, ident, seq_no: seq, data: &data }.to_bytes()
}

/// `time=` value: 3, 2, 1 or 0 decimals by magnitude, with iputils' rounding.
pub(crate) fn fmt_rtt(t: i64) -> String {
    if t >= 100_000 - 50 {
        format!("{}", (t + 500) / 1000)
    } else if t >= 10_000 - 5 {
        format!("{}.{}", (t + 50) / 1000, ((t + 50) % 1000) / 100)
    } else if t >= 1000 {
        format!("{}.{:02}", (t + 5) / 1000, ((t + 5) % 1000) / 10)
    } else {
        format!("{}.{:03}", t / 1000, t % 1000)
    }
}

/// C's `%g` (precision 6).
pub(crate) fn fmt_g(v: f64) -> String {
    if v == 0.0 {
        return "0".to_string();
    }
    if !v.is_finite() {
        return if v.is_nan() {
            "nan".into()
        } else if v > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    let e_form = format!("{v:.5e}");
    let (mant, exp) = e_form.split_once('e').unwrap_or((&e_form, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..6).contains(&exp) {
        let mant = strip_zeros(mant);
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{mant}e{sign}{:02}", exp.unsigned_abs());
    }
    let decimals = usize::try_from(5 - exp).unwrap_or(0);
    strip_zeros(&format!("{v:.decimals$}")).to_string()
}

fn strip_zeros(s: &str) -> &str {
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.') } else { s }
}

/// iputils' integer square root (Newton).
fn llsqrt(a: i64) -> i64 {
    let mut prev = i64::MAX;
    let mut x = a;
    if x > 0 {
        while x < prev {
            prev = x;
            x = (x + a / x) / 2;
        }
    }
    x
}

/// `pr_icmph` texts (iputils s20160308) for destination unreachable and time exceeded.
fn icmp_text(icmp_type: u8, code: u8) -> String {
    match (icmp_type, code) {
        (3, 0) => "Destination Net Unreachable".into(),
        (3, 1) => "Destination Host Unreachable".into(),
        (3, 2) => "Destination Protocol Unreachable".into(),
        (3, 3) => "Destination Port Unreachable".into(),
        (3, 5) => "Source Route Failed".into(),
        (3, 6) => "Destination Net Unknown".into(),
        (3, 7) => "Destination Host Unknown".into(),
        (3, 8) => "Source Host Isolated".into(),
        (3, 9) => "Destination Net Prohibited".into(),
        (3, 10) => "Destination Host Prohibited".into(),
        (3, 11) => "Destination Net Unreachable for Type of Service".into(),
        (3, 12) => "Destination Host Unreachable for Type of Service".into(),
        (3, 13) => "Packet filtered".into(),
        (3, 14) => "Precedence Violation".into(),
        (3, 15) => "Precedence Cutoff".into(),
        (3, c) => format!("Dest Unreachable, Bad Code: {c}"),
        (11, 0) => "Time to live exceeded".into(),
        (11, 1) => "Frag reassembly time exceeded".into(),
        (11, c) => format!("Time exceeded, Bad Code: {c}"),
        (t, _) => format!("Bad ICMP type: {t}"),
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

    fn pinger(cmd: &str) -> Pinger {
        let args = Args::parse(&argv(cmd)).expect("valid arguments");
        let display = args.destination.clone();
        Pinger::new(args, display, DST, 0x1234, Calendar::default())
    }

    fn ms(v: u64) -> SimTime {
        SimTime::from_millis(v)
    }

    fn lines(p: &mut Pinger) -> Vec<String> {
        std::iter::from_fn(|| p.poll_output()).collect()
    }

    /// Echo every transmitted probe back after `rtt_us` (the reply is the request with type 0).
    fn echo(p: &mut Pinger, now: SimTime, rtt_us: u64) {
        while let Some(mut req) = p.poll_transmit().map(|r| r.icmp) {
            req[0] = 0;
            p.handle_reply(now + Duration::from_micros(rtt_us), &req, DST, 64);
        }
    }

    #[test]
    fn a_long_ping_remembers_one_window_of_probes_and_still_matches_every_reply() {
        let n = PROBE_WINDOW as u64 + 4500;
        let mut p = pinger(&format!("-q -i 0.01 -c {n} 172.2.20.100"));
        p.handle_start(ms(0));
        let mut replied = 0;
        echo(&mut p, ms(0), 300);
        while let Some(t) = p.poll_timeout() {
            p.handle_timeout(t);
            echo(&mut p, t, 300);
            replied += std::iter::from_fn(|| p.poll_event()).count();
        }
        assert_eq!(p.counters(), (n, n, 0, 0));
        assert_eq!(replied as u64, n, "every probe's first reply is reported, across the sequence wrap");
        let probes = p.probes();
        assert_eq!(probes.len(), PROBE_WINDOW);
        assert_eq!(probes.back().map(|pr| pr.seq), Some(n as u16));
        assert!(probes.iter().all(|pr| pr.replied_at == Some(pr.sent_at + Duration::from_micros(300))));
    }

    #[test]
    fn five_replies_and_statistics() {
        let mut p = pinger("-c 5 172.2.20.100");
        p.handle_start(ms(0));
        let rtts = [257, 93, 1170, 12_345, 40];
        let mut i = 0;
        while p.exit_status().is_none() {
            echo(&mut p, ms(1000 * i), rtts[i as usize]);
            if let Some(t) = p.poll_timeout() {
                p.handle_timeout(t);
            }
            i += 1;
        }
        assert_eq!(
            lines(&mut p),
            vec![
                "PING 172.2.20.100 (172.2.20.100) 56(84) bytes of data.",
                "64 bytes from 172.2.20.100: icmp_seq=1 ttl=64 time=0.257 ms",
                "64 bytes from 172.2.20.100: icmp_seq=2 ttl=64 time=0.093 ms",
                "64 bytes from 172.2.20.100: icmp_seq=3 ttl=64 time=1.17 ms",
                "64 bytes from 172.2.20.100: icmp_seq=4 ttl=64 time=12.3 ms",
                "64 bytes from 172.2.20.100: icmp_seq=5 ttl=64 time=0.040 ms",
                "",
                "--- 172.2.20.100 ping statistics ---",
                "5 packets transmitted, 5 received, 0% packet loss, time 4000ms",
                "rtt min/avg/max/mdev = 0.040/2.781/12.345/4.799 ms",
            ]
        );
        assert_eq!(p.exit_status(), Some(0));
        let pr = p.probes();
        assert_eq!(pr.len(), 5);
        assert_eq!((pr[2].seq, pr[2].sent_at, pr[2].replied_at), (3, ms(2000), Some(SimTime::from_micros(2_001_170))));
    }

    #[test]
    fn echo_request_bytes() {
        let p = echo_request(0x1234, 1, 56, 1_795_536_000_000_000 + 5);
        assert_eq!(p.len(), 64);
        assert_eq!(&p[..2], &[8, 0]);
        assert_eq!(&p[4..8], &[0x12, 0x34, 0, 1]);
        assert_eq!(&p[8..16], &1_795_536_000i64.to_le_bytes());
        assert_eq!(&p[16..24], &5i64.to_le_bytes());
        assert_eq!(&p[24..27], &[0x10, 0x11, 0x12]);
        assert_eq!(p[63], 0x37);
        assert!(icmp::Packet::new_checked(&p[..]).unwrap().verify_checksum());
    }

    #[test]
    fn outstanding_and_timestamp_prefix_during_an_outage() {
        let mut p = pinger("-D -O -i 0.2 172.2.20.100");
        p.handle_start(ms(0));
        echo(&mut p, ms(0), 1000);
        for k in 1..=3 {
            p.handle_timeout(ms(200 * k));
            p.poll_transmit(); // lost
        }
        p.handle_timeout(ms(800));
        echo(&mut p, ms(800), 1170);
        p.handle_interrupt(ms(900));
        let out = lines(&mut p);
        assert_eq!(
            out[..6],
            [
                "PING 172.2.20.100 (172.2.20.100) 56(84) bytes of data.",
                "[1795536000.001000] 64 bytes from 172.2.20.100: icmp_seq=1 ttl=64 time=1.00 ms",
                "[1795536000.400000] no answer yet for icmp_seq=2",
                "[1795536000.600000] no answer yet for icmp_seq=3",
                "[1795536000.800000] no answer yet for icmp_seq=4",
                "[1795536000.801170] 64 bytes from 172.2.20.100: icmp_seq=5 ttl=64 time=1.17 ms",
            ]
        );
        assert_eq!(out[8], "5 packets transmitted, 2 received, 60% packet loss, time 800ms");
        assert_eq!(p.exit_status(), Some(0));
    }

    #[test]
    fn host_unreachable_errors_and_pipe() {
        let mut p = pinger("-c 5 172.2.20.100");
        p.handle_start(ms(0));
        for k in 1..=3 {
            p.handle_timeout(ms(1000 * k));
        }
        for seq in 1..=3 {
            p.handle_error(ms(3000), seq, ME);
        }
        p.handle_timeout(ms(4000));
        p.handle_error(ms(4000), 4, ME);
        assert_eq!(p.exit_status(), None);
        p.handle_error(ms(4500), 5, ME);
        assert_eq!(p.poll_timeout(), Some(ms(4500)));
        p.handle_timeout(ms(4500));
        let out = lines(&mut p);
        assert_eq!(out[1], "From 172.2.20.1 icmp_seq=1 Destination Host Unreachable");
        assert_eq!(out[5], "From 172.2.20.1 icmp_seq=5 Destination Host Unreachable");
        assert_eq!(out[8], "5 packets transmitted, 0 received, +5 errors, 100% packet loss, time 4000ms");
        assert_eq!(out[9], "pipe 4");
        assert_eq!(out.len(), 10);
        assert_eq!(p.exit_status(), Some(1));
        assert!(p.probes().iter().all(|pr| pr.error));
    }

    /// A firewall's host-prohibited error quoting our probe is that probe's error line; one
    /// quoting another program's probe, or a probe to another host, is not ours.
    #[test]
    fn prohibited_errors_about_our_probes() {
        let mut p = pinger("-c 2 172.2.20.100");
        p.handle_start(ms(0));
        let target: Ipv4Addr = "172.2.20.100".parse().unwrap();
        let error = |ident: u16, dst: Ipv4Addr, seq_no: u16| {
            let echo = EchoRepr { kind: Echo::Request, ident, seq_no, data: &[0; 56] }.to_bytes();
            let probe =
                crate::wire::ipv4::Repr { src: ME, dst, protocol: 1, ttl: 64, ident: 5, tos: 0, dont_frag: true, payload_len: echo.len() }
                    .to_packet(&echo);
            icmp::DestUnreachableRepr { code: 10, original: &probe }.to_bytes()
        };
        p.handle_reply(ms(1), &error(p.ident.wrapping_add(1), target, 1), target, 64);
        p.handle_reply(ms(1), &error(p.ident, "172.2.20.101".parse().unwrap(), 1), target, 64);
        p.handle_reply(ms(1), &error(p.ident, target, 1), target, 64);
        p.handle_timeout(ms(1000));
        p.handle_reply(ms(1001), &error(p.ident, target, 2), target, 64);
        p.handle_timeout(ms(1001));
        let out = lines(&mut p);
        assert_eq!(
            out[1..3],
            ["From 172.2.20.100 icmp_seq=1 Destination Host Prohibited", "From 172.2.20.100 icmp_seq=2 Destination Host Prohibited"]
        );
        assert_eq!(out[5], "2 packets transmitted, 0 received, +2 errors, 100% packet loss, time 1000ms");
        assert_eq!(icmp_text(3, 13), "Packet filtered");
        assert_eq!(icmp_text(3, 16), "Dest Unreachable, Bad Code: 16");
    }

    #[test]
    fn loss_formatting_and_no_reply_linger() {
        assert_eq!(fmt_g(f64::from(((7.0 - 6.0) * 100.0 / 7.0) as f32)), "14.2857");
        assert_eq!(fmt_g(f64::from(((50.0 - 35.0) * 100.0 / 50.0) as f32)), "30");
        assert_eq!(fmt_g(100.0), "100");
        assert_eq!(fmt_g(0.00005), "5e-05");
        // Nothing answers: -c 2 lingers 10 s after the last probe, then an empty rtt line.
        let mut p = pinger("-c 2 172.2.20.100");
        p.handle_start(ms(0));
        p.handle_timeout(ms(1000));
        assert_eq!(p.poll_timeout(), Some(ms(11_000)));
        p.handle_timeout(ms(11_000));
        let out = lines(&mut p);
        assert_eq!(out[3..], ["2 packets transmitted, 0 received, 100% packet loss, time 1000ms", ""]);
        assert_eq!(p.exit_status(), Some(1));
    }

    #[test]
    fn rtt_formatting_thresholds() {
        let cases = [
            (0, "0.000"),
            (999, "0.999"),
            (1000, "1.00"),
            (9994, "9.99"),
            (9995, "10.0"),
            (99_949, "99.9"),
            (99_950, "100"),
            (123_456, "123"),
        ];
        for (t, want) in cases {
            assert_eq!(fmt_rtt(t), want, "{t}");
        }
    }

    #[test]
    fn duplicates_and_different_address() {
        let mut p = pinger("-c 2 web-1");
        p.handle_start(ms(0));
        let mut req = p.poll_transmit().expect("probe").icmp;
        req[0] = 0;
        p.handle_reply(ms(1), &req, DST, 64);
        p.handle_reply(ms(2), &req, DST, 64);
        p.handle_reply(ms(3), &req, Ipv4Addr::new(10, 9, 9, 9), 63);
        p.handle_interrupt(ms(500));
        let out = lines(&mut p);
        assert_eq!(out[0], "PING web-1 (172.2.20.100) 56(84) bytes of data.");
        assert_eq!(out[1], "64 bytes from web-1 (172.2.20.100): icmp_seq=1 ttl=64 time=1.00 ms");
        assert_eq!(out[2], "64 bytes from web-1 (172.2.20.100): icmp_seq=1 ttl=64 time=2.00 ms (DUP!)");
        assert_eq!(out[3], "64 bytes from 10.9.9.9: icmp_seq=1 ttl=63 time=3.00 ms (DUP!) (DIFFERENT ADDRESS!)");
        assert_eq!(out[5], "--- web-1 ping statistics ---");
        assert_eq!(out[6], "1 packets transmitted, 1 received, +2 duplicates, 0% packet loss, time 0ms");
        assert_eq!(out[7], "rtt min/avg/max/mdev = 1.000/2.000/3.000/0.816 ms");
        // Other identifiers, non-replies and runts are ignored.
        let mut q = pinger("172.2.20.100");
        q.handle_start(ms(0));
        let mut req = q.poll_transmit().expect("probe").icmp;
        q.handle_reply(ms(1), &req, DST, 64); // an echo request
        req[0] = 0;
        req[4] = 0x99;
        q.handle_reply(ms(1), &req, DST, 64);
        q.handle_reply(ms(1), &[0, 0, 0], DST, 64);
        assert_eq!(q.counters(), (1, 0, 0, 0));
    }

    #[test]
    fn deadline_count_and_exit_status() {
        // -w keeps sending past -c until enough replies; status 1 if fewer than -c by the deadline.
        let mut p = pinger("-c 3 -w 5 172.2.20.100");
        p.handle_start(ms(0));
        for k in 1..=4 {
            p.handle_timeout(ms(1000 * k));
        }
        assert_eq!(p.counters().0, 5);
        let mut first = p.poll_transmit().expect("probe").icmp;
        while p.poll_transmit().is_some() {}
        first[0] = 0;
        p.handle_reply(ms(4100), &first, DST, 64);
        assert_eq!(p.poll_timeout(), Some(ms(5000)));
        p.handle_timeout(ms(5000));
        assert_eq!(p.exit_status(), Some(1));
        // -w and errors: the errors queued together are all read, then ping exits.
        let mut p = pinger("-w 10 172.2.20.100");
        p.handle_start(ms(0));
        for k in 1..=3 {
            p.handle_timeout(ms(1000 * k));
        }
        for seq in 1..=4 {
            p.handle_error(ms(3104), seq, ME);
        }
        assert_eq!(p.exit_status(), None);
        assert_eq!(p.poll_timeout(), Some(ms(3104)));
        p.handle_timeout(ms(3104));
        assert_eq!(p.exit_status(), Some(1));
        let out = lines(&mut p);
        assert_eq!(out[4], "From 172.2.20.1 icmp_seq=4 Destination Host Unreachable");
        assert_eq!(out[7], "4 packets transmitted, 0 received, +4 errors, 100% packet loss, time 3000ms");
        assert_eq!(out[8], "pipe 4");
    }

    #[test]
    fn quiet_prints_only_header_and_statistics() {
        let mut p = pinger("-q -c1 172.2.20.100");
        p.handle_start(ms(0));
        echo(&mut p, ms(0), 500);
        assert_eq!(
            lines(&mut p),
            vec![
                "PING 172.2.20.100 (172.2.20.100) 56(84) bytes of data.",
                "",
                "--- 172.2.20.100 ping statistics ---",
                "1 packets transmitted, 1 received, 0% packet loss, time 0ms",
                "rtt min/avg/max/mdev = 0.500/0.500/0.500/0.000 ms",
            ]
        );
    }

    #[test]
    fn argument_parsing() {
        let a = Args::parse(&argv("-OD -c5 -i 0.2 10.0.0.1 -W 2 -s 100 -t 3")).expect("ok");
        assert!(a.outstanding && a.timestamps);
        assert_eq!((a.count, a.interval_ms, a.linger_ms, a.size, a.ttl), (Some(5), 200, 2000, 100, Some(3)));
        assert_eq!(a.destination, "10.0.0.1");
        let a = Args::parse(&argv("-i 0 -- 10.0.0.1")).expect("ok");
        assert_eq!(a.interval_ms, 0);
        let err = |s: &str| Args::parse(&argv(s)).expect_err("should fail");
        assert_eq!(err("-c x 1.2.3.4"), ArgError { lines: vec!["ping: invalid argument: 'x'".into()], status: 1 });
        assert_eq!(err("-c 0 1.2.3.4").lines, ["ping: invalid argument: '0': out of range: 1 <= value <= 9223372036854775807"]);
        assert_eq!(err("-t 256 1.2.3.4").lines, ["ping: invalid argument: '256': out of range: 0 <= value <= 255"]);
        assert_eq!(err("-c 5"), ArgError { lines: vec!["ping: usage error: Destination address required".into()], status: 1 });
        let e = err("-z 1.2.3.4");
        assert_eq!(
            (e.lines[0].as_str(), e.lines[1].as_str(), e.lines[2].as_str(), e.status),
            ("ping: invalid option -- 'z'", "", "Usage", 2)
        );
        assert_eq!(e.lines.last().map(String::as_str), Some("For more details see ping(8)."));
        assert_eq!(err("1.2.3.4 -c").lines[0], "ping: option requires an argument -- 'c'");
        assert_eq!(err("-h").lines[1], "Usage");
        assert_eq!(err("-i inf 1.2.3.4").lines, ["ping: bad timing interval: inf: Numerical result out of range"]);
        assert_eq!(err("-W -1 1.2.3.4"), ArgError { lines: vec!["ping: bad linger time: -1".into()], status: 2 });
        // Garbage after a number only warns, as iputils 20221126 does.
        let a = Args::parse(&argv("-i 1x 1.2.3.4")).expect("ok");
        assert_eq!(a.interval_ms, 1000);
        assert_eq!(a.warnings, ["ping: option argument contains garbage: x", "ping: this will become fatal error in the future"]);
    }

    #[test]
    fn interval_zero_sends_on_reply_or_every_10ms() {
        let mut p = pinger("-i 0 -c 3 172.2.20.100");
        p.handle_start(ms(0));
        assert_eq!(p.poll_timeout(), Some(ms(10)));
        let mut req = p.poll_transmit().expect("probe").icmp;
        req[0] = 0;
        p.handle_reply(SimTime::from_micros(300), &req, DST, 64);
        assert_eq!(p.counters().0, 2); // sent at once: nothing in flight
        p.poll_transmit();
        p.handle_timeout(SimTime::from_micros(10_300)); // lost: 10 ms later
        assert_eq!(p.counters().0, 3);
        echo(&mut p, SimTime::from_micros(10_300), 300);
        // Linger 2·tmax after the last probe, since -i 0 makes the interval floor zero.
        assert_eq!(p.poll_timeout(), Some(SimTime::from_micros(10_900)));
        p.handle_timeout(SimTime::from_micros(10_900));
        let out = lines(&mut p);
        assert!(out.last().is_some_and(|l| l.contains("ipg/ewma")), "{out:?}");
    }
}
