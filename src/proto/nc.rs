//! `nc` (OpenBSD netcat, Debian 12's `netcat-openbsd` 1.219-1) as a TCP client, as a sans-IO
//! core: the command line, one connection to `HOST PORT`, standard input (a file given with
//! `< FILE`) sent once connected, what comes back printed line by line, and the exit: when the
//! peer closes, `-q N` seconds after the input was sent, after `-w N` seconds without data, on a
//! failed connect or on a signal (netcat-openbsd `netcat.c` 1.219 with Debian's patches:
//! `main()`, `strtoport()`, `build_ports()`, `remote_connect()`, `readwrite()`, `usage()`).
//!
//! # Calling order (host glue)
//!
//! 1. [`Args::parse`] on the words after `nc`. `Err(e)`: print `e.lines` on stderr, exit
//!    `e.status`; no process is left running.
//! 2. Resolve [`Args::host`] (numeric, or the host's `/etc/hosts`), then [`Session::new`] with the
//!    address or `None` and the bytes of standard input. Drain the outputs (step 5): if
//!    [`Session::exit_status`] is already `Some` (the name did not resolve) the command is over.
//! 3. Otherwise open a TCP connection to [`Session::remote`]. If the host cannot even start one
//!    (`connect()` fails at once: ENETUNREACH without a route), call
//!    [`Session::handle_connect_failed`] with that errno at the same instant and drain (the
//!    command is then over).
//! 4. Each time the program runs, first move the socket's bytes (receive everything queued), then
//!    report the connection status the host sees, in this order:
//!    - `Connecting`: nothing.
//!    - `Open` or `PeerClosed`: the first time, [`Session::handle_connected`], then queue the
//!      [`Session::poll_transmit`] bytes on the connection and push them to TCP at once (the
//!      input goes out in the same instant the handshake is seen). Then, if bytes arrived,
//!      [`Session::handle_data`] with all of them; then, if `PeerClosed`,
//!      [`Session::handle_peer_closed`].
//!    - A failure: [`Session::handle_connect_failed`] with the socket's errno (ECONNREFUSED,
//!      EHOSTUNREACH when neighbour resolution failed, ETIMEDOUT when the kernel gave up its SYN
//!      retransmissions, ECONNRESET). The core knows whether the connection had been
//!      established (then it exits 0 silently).
//!
//!    Then, still in the same run, [`Session::handle_timeout`] with the current time (it does
//!    nothing unless [`Session::poll_timeout`] is due), and drain.
//! 5. Draining, after every call: [`Session::poll_transmit`] (bytes to queue on the connection),
//!    [`Session::poll_output`] (console lines, in order), [`Session::poll_close`] (release the
//!    socket, abortively if it is still open) and finally [`Session::exit_status`] (once `Some`,
//!    the process has exited with that status: trace the exit after the lines).
//! 6. Wake the program at [`Session::poll_timeout`]; deliver signals with
//!    [`Session::handle_signal`] (exit status 128 + the signal number, as the shell shows it).
//!
//! Every `handle_*` after the exit is ignored. Nothing here reads a clock or touches a socket.
//!
//! # Model
//!
//! - Console: the terminal is line based, so what comes back is cut at `\n` with the trailing
//!   `\r`/`\n` characters trimmed; an unfinished last line is printed as it is when nc exits.
//! - One alarm: `-w N` arms it for `N` s at start (connect timeout) and re-arms it for `N` s
//!   whenever data arrives; `-q N` arms it for `N` s at the handshake (the input is a file, so
//!   it is all read, and its end seen, at once). The last arming wins. Expiry before the
//!   handshake is a failed connect (exit 1), after it a normal exit (0).
//! - Once connected, any end of the connection (FIN, RST, failure status) ends nc with status 0
//!   and no message, as `readwrite()` returns normally when the network side goes away.
//! - A failed connect prints `nc: connect to IP port PORT (tcp) failed: REASON` and exits 1
//!   (`Operation timed out` when `-w` expires). labsim prints it with or without `-v`, so that a
//!   lab shows why nc gave up; Debian's `remote_connect()` warns only under `-v`, naming the host
//!   as typed (with the address in parentheses when they differ) and, on a `-w` expiry, saying
//!   `timed out: Operation now in progress`.
//! - When nc exits its socket is released abortively (no FIN is sent on its behalf; `-N` and the
//!   `shutdown(SHUT_WR)` that `-q` implies in Debian's netcat are not modelled).
//! - Only `-n`, `-v`, `-N`, `-q` and `-w` are accepted; every other option (real or not) is
//!   refused as an invalid option. `-v` prints nothing more. One port only (no lists or ranges).

use std::collections::VecDeque;
use std::net::Ipv4Addr;
use std::time::Duration;

use super::ArgError;
use super::errno::Errno;
use super::lines::LineBuffer;
use crate::kernel::SimTime;

use super::Stream;

/// `usage()` in `netcat.c` (Debian 1.219-1), one entry per stderr line.
pub(crate) const USAGE: [&str; 5] = [
    "usage: nc [-46CDdFhklNnrStUuvZz] [-I length] [-i interval] [-M ttl]",
    "\t  [-m minttl] [-O length] [-P proxy_username] [-p source_port]",
    "\t  [-q seconds] [-s sourceaddr] [-T keyword] [-V rtable] [-W recvlimit]",
    "\t  [-w timeout] [-X proxy_protocol] [-x proxy_address[:port]]",
    "\t  [destination] [port]",
];

/// `-w`'s upper bound in seconds: `strtonum(optarg, 0, INT_MAX / 1000, …)` (the value is kept
/// in milliseconds in an `int`).
const MAX_WAIT_SECS: i64 = i32::MAX as i64 / 1000;

/// TCP services of Debian's `/etc/services` (netbase) that `getservbyname()` finds, with their
/// aliases: a port may be given by name (`build_ports()` tries the name first).
const SERVICES: &[(&str, u16)] = &[
    ("ftp", 21),
    ("ssh", 22),
    ("telnet", 23),
    ("smtp", 25),
    ("mail", 25),
    ("domain", 53),
    ("http", 80),
    ("www", 80),
    ("pop3", 110),
    ("pop-3", 110),
    ("imap2", 143),
    ("imap", 143),
    ("https", 443),
];

/// `errx(1, …)`: one line, exit 1.
fn error(text: String) -> ArgError {
    ArgError { lines: vec![text], status: 1 }
}

/// `usage(1)`: an optional first line (getopt's complaint), then the usage text, exit 1.
fn usage_error(first: Option<String>) -> ArgError {
    let mut lines: Vec<String> = first.into_iter().collect();
    lines.extend(USAGE.iter().map(|l| (*l).to_string()));
    ArgError { lines, status: 1 }
}

/// Parsed `nc` options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Args {
    /// The destination, as written.
    pub host: String,
    /// The destination port.
    pub port: u16,
    /// `-w N`: connect timeout and idle timeout.
    pub wait: Option<Duration>,
    /// `-q N` with `N >= 0`: quit `N` s after the end of the input (a negative `N` is the default,
    /// never quit on that account).
    pub quit: Option<Duration>,
    /// `-n`: no name resolution (the destination must be a numeric address).
    pub numeric: bool,
    /// `-v`: accepted; its extra messages are not modelled.
    pub verbose: bool,
    /// `-N`: accepted; the `shutdown()` after the input is not modelled.
    pub shutdown: bool,
}

/// `strtonum(3)` (libbsd, as used by `netcat.c`): a base-10 `long long` with optional leading
/// white space and sign and nothing after it, within `min..=max`; the error is strtonum's
/// `errstr` (`invalid`, `too small`, `too large`).
fn strtonum(s: &str, min: i64, max: i64) -> Result<i64, &'static str> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (negative, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err("invalid");
    }
    // strtoll saturates at LLONG_MIN/LLONG_MAX (ERANGE), which strtonum reports as too small/large.
    let magnitude = digits.bytes().try_fold(0i128, |acc, b| {
        let v = acc * 10 + i128::from(b - b'0');
        (v <= i128::from(i64::MAX) + 1).then_some(v)
    });
    let value = match (magnitude, negative) {
        (None, true) => return Err("too small"),
        (None, false) => return Err("too large"),
        (Some(m), true) => -m,
        (Some(m), false) => m,
    };
    if value < i128::from(min) {
        Err("too small")
    } else if value > i128::from(max) {
        Err("too large")
    } else {
        // In range, so it fits.
        Ok(value as i64)
    }
}

/// `build_ports()` + `strtoport()` for one port word.
fn parse_port(word: &str) -> Result<u16, ArgError> {
    let service = || SERVICES.iter().find(|(name, _)| *name == word).map(|&(_, port)| port);
    if let Some(port) = service() {
        return Ok(port);
    }
    if word.starts_with(|c: char| c.is_ascii_digit()) && word.contains('-') {
        // A port range: netcat tries each port in turn, which labsim does not model; it keeps
        // refusing the word as before.
        return Err(error(format!("nc: port number invalid: {word}")));
    }
    match strtonum(word, 1, i64::from(u16::MAX)) {
        Ok(port) => Ok(port as u16),
        Err("invalid") => Err(error(format!("nc: service \"{word}\" unknown"))),
        Err(why) => Err(error(format!("nc: port number {why}: {word}"))),
    }
}

impl Args {
    /// Parse `argv` (the words after `nc`) as glibc's `getopt()` does for netcat: options may be
    /// combined (`-nv`), values attached (`-w5`) or separate (`-w 5`), options may follow the
    /// operands, `--` ends the options and `-` alone is an operand. Then `HOST PORT`.
    pub(crate) fn parse(argv: &[String]) -> Result<Args, ArgError> {
        let (mut wait, mut quit) = (None, None);
        let (mut numeric, mut verbose, mut shutdown) = (false, false, false);
        let mut operands: Vec<&str> = Vec::new();
        let mut options_done = false;
        let mut i = 0;
        while i < argv.len() {
            let word = argv[i].as_str();
            i += 1;
            if options_done || word == "-" || !word.starts_with('-') {
                operands.push(word);
                continue;
            }
            if word == "--" {
                options_done = true;
                continue;
            }
            let body = &word[1..];
            for (pos, ch) in body.char_indices() {
                match ch {
                    'n' => numeric = true,
                    'v' => verbose = true,
                    'N' => shutdown = true,
                    'w' | 'q' => {
                        let rest = &body[pos + ch.len_utf8()..];
                        let value = if !rest.is_empty() {
                            rest
                        } else if let Some(next) = argv.get(i) {
                            i += 1;
                            next.as_str()
                        } else {
                            return Err(usage_error(Some(format!("nc: option requires an argument -- '{ch}'"))));
                        };
                        if ch == 'w' {
                            // netcat.c main(): `timeout = strtonum(optarg, 0, INT_MAX / 1000, &errstr);
                            // if (errstr) errx(1, "timeout %s: %s", errstr, optarg);`
                            let secs = strtonum(value, 0, MAX_WAIT_SECS).map_err(|e| error(format!("nc: timeout {e}: {value}")))?;
                            wait = Some(Duration::from_secs(secs.unsigned_abs()));
                        } else {
                            // Debian's quit-timer patch: `qflag = strtonum(optarg, INT_MIN, INT_MAX,
                            // &errstr); if (errstr) errx(1, "quit timer %s: %s", errstr, optarg);`;
                            // a negative value means no quit timer (the default, -1).
                            let secs = strtonum(value, i64::from(i32::MIN), i64::from(i32::MAX))
                                .map_err(|e| error(format!("nc: quit timer {e}: {value}")))?;
                            quit = (secs >= 0).then(|| Duration::from_secs(secs.unsigned_abs()));
                        }
                        break;
                    }
                    // glibc getopt's complaint, then `usage(1)` from the `default:` case.
                    other => return Err(usage_error(Some(format!("nc: invalid option -- '{other}'")))),
                }
            }
        }
        let (host, port) = match operands.as_slice() {
            [] => return Err(usage_error(None)),
            // netcat.c main(): one operand without -l or -U sets no port: "missing port number".
            [_] => return Err(error("nc: missing port number".to_string())),
            [host, port] => (*host, parse_port(port)?),
            // Several ports (a port list) are not modelled: refused with the usage, as before.
            _ => return Err(usage_error(None)),
        };
        Ok(Args { host: host.to_string(), port, wait, quit, numeric, verbose, shutdown })
    }
}

/// Signals that end nc (it installs no handler for them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Signal {
    /// SIGHUP (1): the terminal hung up.
    Hup,
    /// SIGINT (2): Ctrl-C.
    Int,
    /// SIGTERM (15).
    Term,
    /// SIGKILL (9).
    Kill,
    /// SIGPIPE (13): its output went to a pipe nobody reads any more.
    Pipe,
    /// SIGUSR1 (10).
    Usr1,
}

impl Signal {
    /// The exit status the shell shows for a process killed by it: 128 + the signal number.
    pub(crate) fn exit_status(self) -> i32 {
        128 + match self {
            Signal::Hup => 1,
            Signal::Int => 2,
            Signal::Kill => 9,
            Signal::Usr1 => 10,
            Signal::Pipe => 13,
            Signal::Term => 15,
        }
    }
}

/// What to do with the connection (see [`Session::poll_close`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Close {
    /// nc exited: release the socket, abortively (RST) if it is still open; nothing if the
    /// connect never produced a socket.
    Abort,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Connecting,
    Connected,
    Done,
}

/// One `nc HOST PORT < FILE` run.
#[derive(Clone, Debug)]
pub(crate) struct Session {
    args: Args,
    remote: Option<Ipv4Addr>,
    stdin: Vec<u8>,
    phase: Phase,
    /// The one alarm (`-w`, `-q`).
    deadline: Option<SimTime>,
    /// Received bytes after the last `\n`.
    partial: LineBuffer,
    transmit: VecDeque<Vec<u8>>,
    output: VecDeque<(Stream, String)>,
    close: Option<Close>,
    exit: Option<i32>,
}

impl Session {
    /// Start at `now` with `stdin` as the input; `resolved` is the address of [`Args::host`],
    /// `None` if it did not resolve (nc then exits 1 with getaddrinfo's complaint).
    pub(crate) fn new(args: Args, resolved: Option<Ipv4Addr>, stdin: Vec<u8>, now: SimTime) -> Session {
        // -n sets AI_NUMERICHOST (netcat.c main()): a name is then not looked up, and
        // getaddrinfo() fails with EAI_NONAME.
        let resolved = resolved.filter(|_| !args.numeric || args.host.parse::<Ipv4Addr>().is_ok());
        let mut s = Session {
            remote: resolved,
            stdin,
            phase: Phase::Connecting,
            deadline: args.wait.map(|w| now.saturating_add(w)),
            partial: LineBuffer::default(),
            transmit: VecDeque::new(),
            output: VecDeque::new(),
            close: None,
            exit: None,
            args,
        };
        if resolved.is_none() {
            let line = format!("nc: getaddrinfo for host \"{}\" port {}: Name or service not known", s.args.host, s.args.port);
            s.output.push_back((Stream::Stderr, line));
            s.end(1);
        }
        s
    }

    /// Where to connect, while the connection is being made.
    pub(crate) fn remote(&self) -> Option<(Ipv4Addr, u16)> {
        match (self.phase, self.remote) {
            (Phase::Connecting, Some(ip)) => Some((ip, self.args.port)),
            _ => None,
        }
    }

    /// The handshake completed: the input is queued for [`Session::poll_transmit`] and `-q`
    /// starts counting (its end is seen at once: the input is a file).
    pub(crate) fn handle_connected(&mut self, now: SimTime) {
        if self.phase != Phase::Connecting {
            return;
        }
        self.phase = Phase::Connected;
        if !self.stdin.is_empty() {
            self.transmit.push_back(std::mem::take(&mut self.stdin));
        }
        if let Some(q) = self.args.quit {
            self.deadline = Some(now.saturating_add(q));
        }
    }

    /// Bytes arrived: complete lines are printed, `-w` starts counting again.
    pub(crate) fn handle_data(&mut self, now: SimTime, data: &[u8]) {
        if data.is_empty() || self.phase == Phase::Done {
            return;
        }
        // Data can only come over an established connection.
        self.handle_connected(now);
        if let Some(w) = self.args.wait {
            self.deadline = Some(now.saturating_add(w));
        }
        let output = &mut self.output;
        self.partial.push(data, |line| {
            let text = String::from_utf8_lossy(line).trim_end_matches(['\n', '\r']).to_string();
            output.push_back((Stream::Stdout, text));
        });
    }

    /// The peer closed its side (FIN): nc exits 0 once what it received is printed.
    pub(crate) fn handle_peer_closed(&mut self, now: SimTime) {
        if self.phase == Phase::Done {
            return;
        }
        self.handle_connected(now);
        self.end(0);
    }

    /// The connection failed: before the handshake nc prints why and exits 1; after it (the
    /// host's status can turn to a failure once established) it exits 0 without a word.
    pub(crate) fn handle_connect_failed(&mut self, _now: SimTime, errno: Errno) {
        match self.phase {
            Phase::Connecting => {
                let ip = self.remote.map_or_else(String::new, |ip| ip.to_string());
                let line = format!("nc: connect to {ip} port {} (tcp) failed: {}", self.args.port, errno.text());
                self.output.push_back((Stream::Stderr, line));
                self.end(1);
            }
            Phase::Connected => self.end(0),
            Phase::Done => {}
        }
    }

    /// Time passed; acts if [`Session::poll_timeout`] is due: before the handshake the connect
    /// timed out (exit 1), after it nc simply exits (0).
    pub(crate) fn handle_timeout(&mut self, now: SimTime) {
        if self.deadline.is_none_or(|d| now < d) {
            return;
        }
        match self.phase {
            Phase::Connecting => {
                let ip = self.remote.map_or_else(String::new, |ip| ip.to_string());
                let line = format!("nc: connect to {ip} port {} (tcp) failed: Operation timed out", self.args.port);
                self.output.push_back((Stream::Stderr, line));
                self.end(1);
            }
            Phase::Connected => self.end(0),
            Phase::Done => {}
        }
    }

    /// A signal kills nc (status 128 + its number); what it had received is on the terminal.
    pub(crate) fn handle_signal(&mut self, _now: SimTime, signal: Signal) {
        if self.phase != Phase::Done {
            self.end(signal.exit_status());
        }
    }

    /// Where the session stands, in words, for a run that ends while it runs.
    pub(crate) fn state(&self) -> &'static str {
        match self.phase {
            Phase::Connecting => "connecting",
            Phase::Connected => "connected",
            Phase::Done => "finished",
        }
    }

    /// When [`Session::handle_timeout`] must be called next.
    pub(crate) fn poll_timeout(&self) -> Option<SimTime> {
        if self.phase == Phase::Done { None } else { self.deadline }
    }

    /// Bytes to send on the connection.
    pub(crate) fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.transmit.pop_front()
    }

    /// The next console line.
    pub(crate) fn poll_output(&mut self) -> Option<(Stream, String)> {
        self.output.pop_front()
    }

    /// What to do with the connection, once, when nc exits.
    pub(crate) fn poll_close(&mut self) -> Option<Close> {
        self.close.take()
    }

    /// The exit status, once nc has exited.
    pub(crate) fn exit_status(&self) -> Option<i32> {
        self.exit
    }

    /// Exit with `status`: the unfinished last line is printed as it is, the socket released.
    fn end(&mut self, status: i32) {
        if let Some(rest) = self.partial.take_rest() {
            self.output.push_back((Stream::Stdout, String::from_utf8_lossy(&rest).into_owned()));
        }
        if self.remote.is_some() {
            self.close = Some(Close::Abort);
        }
        self.phase = Phase::Done;
        self.deadline = None;
        self.exit = Some(status);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WEB: Ipv4Addr = Ipv4Addr::new(172, 2, 20, 100);

    fn words(w: &[&str]) -> Vec<String> {
        w.iter().map(|s| (*s).to_string()).collect()
    }

    fn args(w: &[&str]) -> Args {
        Args::parse(&words(w)).unwrap()
    }

    fn arg_err(w: &[&str]) -> Vec<String> {
        let e = Args::parse(&words(w)).unwrap_err();
        assert_eq!(e.status, 1, "{w:?}");
        e.lines
    }

    fn usage_after(first: &str) -> Vec<String> {
        std::iter::once(first).chain(USAGE).map(str::to_string).collect()
    }

    fn ms(n: u64) -> SimTime {
        SimTime::from_millis(n)
    }

    fn session(w: &[&str], stdin: &[u8], now: SimTime) -> Session {
        Session::new(args(w), Some(WEB), stdin.to_vec(), now)
    }

    fn drain(s: &mut Session) -> Vec<(Stream, String)> {
        std::iter::from_fn(|| s.poll_output()).collect()
    }

    fn out(lines: &[&str]) -> Vec<(Stream, String)> {
        lines.iter().map(|l| (Stream::Stdout, (*l).to_string())).collect()
    }

    fn err(line: &str) -> Vec<(Stream, String)> {
        vec![(Stream::Stderr, line.to_string())]
    }

    #[test]
    fn accepted_command_lines() {
        let a = args(&["172.2.20.100", "80"]);
        assert_eq!(
            a,
            Args { host: "172.2.20.100".into(), port: 80, wait: None, quit: None, numeric: false, verbose: false, shutdown: false }
        );
        let a = args(&["-q", "2", "-w", "5", "web-1", "8080"]);
        assert_eq!((a.quit, a.wait, a.host.as_str(), a.port), (Some(Duration::from_secs(2)), Some(Duration::from_secs(5)), "web-1", 8080));
        // getopt: clusters, attached values, options after the operands, `--`, `-` as an operand.
        let a = args(&["-nvNw5", "h", "80", "-q1"]);
        assert!(a.numeric && a.verbose && a.shutdown);
        assert_eq!((a.wait, a.quit), (Some(Duration::from_secs(5)), Some(Duration::from_secs(1))));
        assert_eq!(args(&["--", "-", "80"]).host, "-");
        assert_eq!(args(&["-w", " +7", "h", "80"]).wait, Some(Duration::from_secs(7)));
        // A negative -q is the default: no quit timer.
        assert_eq!(args(&["-q", "-1", "h", "80"]).quit, None);
        assert_eq!(args(&["-q", "0", "h", "80"]).quit, Some(Duration::ZERO));
        assert_eq!(args(&["-w", "2147483", "h", "80"]).wait, Some(Duration::from_secs(2_147_483)));
        // Ports by service name, and the bounds.
        assert_eq!(args(&["h", "http"]).port, 80);
        assert_eq!(args(&["h", "https"]).port, 443);
        assert_eq!(args(&["h", "65535"]).port, 65535);
    }

    #[test]
    fn usage_errors() {
        assert_eq!(arg_err(&[]), USAGE);
        assert_eq!(arg_err(&["-n"]), USAGE);
        assert_eq!(arg_err(&["h", "80", "81"]), USAGE);
        assert_eq!(arg_err(&["172.2.20.100"]), ["nc: missing port number"]);
        assert_eq!(arg_err(&["-z", "h", "80"]), usage_after("nc: invalid option -- 'z'"));
        assert_eq!(arg_err(&["-vx", "h", "80"]), usage_after("nc: invalid option -- 'x'"));
        assert_eq!(arg_err(&["--frob", "h", "80"]), usage_after("nc: invalid option -- '-'"));
        assert_eq!(arg_err(&["-é", "h", "80"]), usage_after("nc: invalid option -- 'é'"));
        assert_eq!(arg_err(&["h", "80", "-w"]), usage_after("nc: option requires an argument -- 'w'"));
        assert_eq!(arg_err(&["h", "80", "-q"]), usage_after("nc: option requires an argument -- 'q'"));
        assert_eq!(arg_err(&["-w", "abc", "h", "80"]), ["nc: timeout invalid: abc"]);
        assert_eq!(arg_err(&["-w", "5s", "h", "80"]), ["nc: timeout invalid: 5s"]);
        assert_eq!(arg_err(&["-w", "", "h", "80"]), ["nc: timeout invalid: "]);
        assert_eq!(arg_err(&["-w", "-1", "h", "80"]), ["nc: timeout too small: -1"]);
        assert_eq!(arg_err(&["-w", "2147484", "h", "80"]), ["nc: timeout too large: 2147484"]);
        assert_eq!(arg_err(&["-w", "99999999999999999999999", "h", "80"]), ["nc: timeout too large: 99999999999999999999999"]);
        assert_eq!(arg_err(&["-q", "x", "h", "80"]), ["nc: quit timer invalid: x"]);
        assert_eq!(arg_err(&["-q", "2147483648", "h", "80"]), ["nc: quit timer too large: 2147483648"]);
        assert_eq!(arg_err(&["-q", "-99999999999999999999", "h", "80"]), ["nc: quit timer too small: -99999999999999999999"]);
        assert_eq!(arg_err(&["h", "0"]), ["nc: port number too small: 0"]);
        assert_eq!(arg_err(&["h", "65536"]), ["nc: port number too large: 65536"]);
        assert_eq!(arg_err(&["h", "abc"]), ["nc: service \"abc\" unknown"]);
        assert_eq!(arg_err(&["h", ""]), ["nc: service \"\" unknown"]);
        assert_eq!(arg_err(&["h", "80-82"]), ["nc: port number invalid: 80-82"]);
        // Option errors come first, in order; operand errors after all options.
        assert_eq!(arg_err(&["h", "x", "-w", "y", "-z"]), ["nc: timeout invalid: y"]);
    }

    #[test]
    fn name_not_resolved() {
        let mut s = Session::new(args(&["web-9", "80"]), None, b"x".to_vec(), ms(5000));
        assert_eq!(s.exit_status(), Some(1));
        assert_eq!(drain(&mut s), err("nc: getaddrinfo for host \"web-9\" port 80: Name or service not known"));
        assert_eq!((s.remote(), s.poll_close(), s.poll_timeout(), s.poll_transmit()), (None, None, None, None));
        // -n: a name is not looked up even where /etc/hosts knows it; a number is fine.
        let mut s = Session::new(args(&["-n", "web-1", "80"]), Some(WEB), Vec::new(), ms(0));
        assert_eq!(drain(&mut s), err("nc: getaddrinfo for host \"web-1\" port 80: Name or service not known"));
        let s = Session::new(args(&["-n", "172.2.20.100", "80"]), Some(WEB), Vec::new(), ms(0));
        assert_eq!((s.remote(), s.exit_status()), (Some((WEB, 80)), None));
    }

    #[test]
    fn connect_failures() {
        let cases = [
            (Errno::ConnRefused, "Connection refused"),
            (Errno::TimedOut, "Connection timed out"),
            (Errno::HostUnreach, "No route to host"),
            (Errno::NetUnreach, "Network is unreachable"),
            (Errno::ConnReset, "Connection reset by peer"),
        ];
        for (why, text) in cases {
            let mut s = session(&["172.2.20.100", "80"], b"GET /\r\n", ms(5000));
            assert_eq!(s.remote(), Some((WEB, 80)));
            assert_eq!(s.poll_timeout(), None);
            s.handle_connect_failed(ms(5003), why);
            assert_eq!(s.exit_status(), Some(1));
            assert_eq!(drain(&mut s), err(&format!("nc: connect to 172.2.20.100 port 80 (tcp) failed: {text}")));
            assert_eq!((s.poll_close(), s.poll_close()), (Some(Close::Abort), None));
            assert_eq!((s.poll_transmit(), s.remote()), (None, None));
        }
    }

    #[test]
    fn connect_timeout_with_w() {
        let mut s = session(&["-w", "3", "172.2.20.100", "80"], b"x", ms(5000));
        assert_eq!(s.poll_timeout(), Some(ms(8000)));
        s.handle_timeout(ms(7999));
        assert_eq!((s.exit_status(), drain(&mut s)), (None, vec![]));
        s.handle_timeout(ms(8000));
        assert_eq!(s.exit_status(), Some(1));
        assert_eq!(drain(&mut s), err("nc: connect to 172.2.20.100 port 80 (tcp) failed: Operation timed out"));
        assert_eq!((s.poll_close(), s.poll_timeout(), s.poll_transmit()), (Some(Close::Abort), None, None));
    }

    #[test]
    fn answer_split_across_arrivals_then_peer_close() {
        let mut s = session(&["172.2.20.100", "80"], b"HELLO THERE !!!\r\n\r\n", ms(5000));
        assert_eq!(s.poll_transmit(), None);
        s.handle_connected(ms(5001));
        assert_eq!(s.poll_transmit(), Some(b"HELLO THERE !!!\r\n\r\n".to_vec()));
        assert_eq!((s.poll_transmit(), s.remote(), s.poll_timeout()), (None, None, None));
        s.handle_data(ms(5002), b"HTTP/1.1 400 Bad Request\r\nServer: ngi");
        assert_eq!(drain(&mut s), out(&["HTTP/1.1 400 Bad Request"]));
        s.handle_data(ms(5002), b"nx/1.22.1\r\n\r\n<html>\r\n");
        assert_eq!(drain(&mut s), out(&["Server: nginx/1.22.1", "", "<html>"]));
        s.handle_data(ms(5003), b"</html>\r\n");
        assert_eq!(s.exit_status(), None);
        s.handle_peer_closed(ms(5003));
        assert_eq!(drain(&mut s), out(&["</html>"]));
        assert_eq!((s.exit_status(), s.poll_close()), (Some(0), Some(Close::Abort)));
        // Nothing more after the exit.
        s.handle_data(ms(5004), b"late\n");
        s.handle_signal(ms(5004), Signal::Kill);
        assert_eq!((drain(&mut s), s.exit_status(), s.poll_close()), (vec![], Some(0), None));
    }

    #[test]
    fn partial_last_line_is_flushed_at_exit() {
        let mut s = session(&["h", "80"], b"", ms(0));
        s.handle_connected(ms(1));
        // Empty input: nothing to send.
        assert_eq!(s.poll_transmit(), None);
        s.handle_data(ms(2), b"a\r\r\nb\xffc\r");
        assert_eq!(drain(&mut s), out(&["a"]));
        s.handle_peer_closed(ms(3));
        assert_eq!(drain(&mut s), out(&["b\u{fffd}c\r"]));
        assert_eq!(s.exit_status(), Some(0));
        // A UTF-8 character cut between two arrivals is whole in its line.
        let mut s = session(&["h", "80"], b"", ms(0));
        s.handle_connected(ms(1));
        s.handle_data(ms(2), b"caf\xc3");
        s.handle_data(ms(3), b"\xa9\n");
        assert_eq!(drain(&mut s), out(&["café"]));
        // The peer closing without sending anything: no line at all.
        let mut s = session(&["h", "80"], b"x", ms(0));
        s.handle_connected(ms(1));
        s.handle_peer_closed(ms(2));
        assert_eq!((drain(&mut s), s.exit_status()), (vec![], Some(0)));
    }

    #[test]
    fn many_lines_arrive_whole() {
        // 200 000 lines in segments that cut lines anywhere: each printed once, in order.
        let data: Vec<u8> = (0..200_000u32).flat_map(|i| format!("row {i}\n").into_bytes()).collect();
        let mut s = session(&["h", "80"], b"", ms(0));
        s.handle_connected(ms(1));
        for chunk in data.chunks(1000) {
            s.handle_data(ms(2), chunk);
        }
        s.handle_peer_closed(ms(3));
        let lines = drain(&mut s);
        assert_eq!(lines.len(), 200_000);
        assert!(lines.iter().enumerate().all(|(i, l)| *l == (Stream::Stdout, format!("row {i}"))));
        assert_eq!(s.exit_status(), Some(0));
    }

    #[test]
    fn quit_after_input() {
        // As http-malformed.ron's `nc -q 2 172.2.20.100 80 < /root/cut.txt`.
        let mut s = session(&["-q", "2", "172.2.20.100", "80"], b"GET / HTTP/1.1\r\nHost: 172.2.20.10", ms(7000));
        assert_eq!(s.poll_timeout(), None);
        s.handle_connected(ms(7001));
        assert_eq!(s.poll_transmit(), Some(b"GET / HTTP/1.1\r\nHost: 172.2.20.10".to_vec()));
        assert_eq!(s.poll_timeout(), Some(ms(9001)));
        // Without -w, data does not move the alarm.
        s.handle_data(ms(8000), b"partial");
        assert_eq!(s.poll_timeout(), Some(ms(9001)));
        s.handle_timeout(ms(9000));
        assert_eq!(s.exit_status(), None);
        s.handle_timeout(ms(9001));
        assert_eq!((s.exit_status(), drain(&mut s), s.poll_close()), (Some(0), out(&["partial"]), Some(Close::Abort)));
        // -q 0: out as soon as connected (the glue checks the alarm in the same run).
        let mut s = session(&["-q", "0", "h", "80"], b"x", ms(0));
        s.handle_connected(ms(4));
        assert_eq!(s.poll_timeout(), Some(ms(4)));
        s.handle_timeout(ms(4));
        assert_eq!(s.exit_status(), Some(0));
    }

    #[test]
    fn idle_timeout_after_data() {
        let mut s = session(&["-w", "5", "h", "80"], b"x", ms(1000));
        assert_eq!(s.poll_timeout(), Some(ms(6000)));
        // The handshake does not re-arm -w: the connect timeout runs on until data comes.
        s.handle_connected(ms(1100));
        assert_eq!(s.poll_timeout(), Some(ms(6000)));
        s.handle_data(ms(4000), b"line\npart");
        assert_eq!(s.poll_timeout(), Some(ms(9000)));
        s.handle_data(ms(4000), b"");
        assert_eq!(s.poll_timeout(), Some(ms(9000)));
        s.handle_timeout(ms(8999));
        assert_eq!(s.exit_status(), None);
        s.handle_timeout(ms(9000));
        assert_eq!(s.exit_status(), Some(0));
        assert_eq!(drain(&mut s), out(&["line", "part"]));
        // With -q as well, the last arming wins: the handshake arms -q, data re-arms -w.
        let mut s = session(&["-q", "2", "-w", "5", "h", "80"], b"x", ms(0));
        assert_eq!(s.poll_timeout(), Some(ms(5000)));
        s.handle_connected(ms(1000));
        assert_eq!(s.poll_timeout(), Some(ms(3000)));
        s.handle_data(ms(2000), b"y\n");
        assert_eq!(s.poll_timeout(), Some(ms(7000)));
        s.handle_timeout(ms(7000));
        assert_eq!((s.exit_status(), drain(&mut s)), (Some(0), out(&["y"])));
    }

    #[test]
    fn connection_ends_after_the_handshake() {
        // A reset, or the host's status turning to a failure, once connected: exit 0, no message.
        let mut s = session(&["h", "80"], b"x", ms(0));
        s.handle_connected(ms(1));
        s.handle_data(ms(2), b"half");
        s.handle_connect_failed(ms(3), Errno::ConnReset);
        assert_eq!((s.exit_status(), drain(&mut s), s.poll_close()), (Some(0), out(&["half"]), Some(Close::Abort)));
        let mut s = session(&["h", "80"], b"x", ms(0));
        s.handle_connected(ms(1));
        s.handle_connect_failed(ms(2), Errno::ConnRefused);
        assert_eq!((s.exit_status(), drain(&mut s)), (Some(0), vec![]));
        // Data or a FIN seen before the handshake was reported imply it.
        let mut s = session(&["-q", "1", "h", "80"], b"in", ms(0));
        s.handle_data(ms(10), b"hi\n");
        assert_eq!((s.poll_transmit(), s.poll_timeout()), (Some(b"in".to_vec()), Some(ms(1010))));
        let mut s = session(&["h", "80"], b"in", ms(0));
        s.handle_peer_closed(ms(10));
        assert_eq!((s.poll_transmit(), s.exit_status()), (Some(b"in".to_vec()), Some(0)));
    }

    #[test]
    fn signals() {
        for (sig, status) in [(Signal::Int, 130), (Signal::Term, 143), (Signal::Kill, 137)] {
            let mut s = session(&["-w", "5", "h", "80"], b"x", ms(0));
            s.handle_connected(ms(1));
            s.handle_data(ms(2), b"a\nb");
            assert_eq!(drain(&mut s), out(&["a"]));
            s.handle_signal(ms(3), sig);
            assert_eq!((s.exit_status(), drain(&mut s), s.poll_close()), (Some(status), out(&["b"]), Some(Close::Abort)));
            assert_eq!(s.poll_timeout(), None);
            // Later events change nothing.
            s.handle_timeout(ms(10_000));
            s.handle_peer_closed(ms(10_000));
            assert_eq!((s.exit_status(), drain(&mut s)), (Some(status), vec![]));
        }
        // While connecting.
        let mut s = session(&["h", "80"], b"x", ms(0));
        s.handle_signal(ms(3), Signal::Int);
        assert_eq!((s.exit_status(), drain(&mut s), s.poll_close()), (Some(130), vec![], Some(Close::Abort)));
    }
}
