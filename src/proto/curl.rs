//! curl 7.88.1 (Debian 12) as a sans-IO core: the command line, the request bytes, reading one
//! HTTP/1.x response over one TCP connection, and what curl prints and exits with
//! (spec-host §4; curl `src/tool_getparam.c`, `src/tool_writeout.c`, `lib/http.c`,
//! `lib/connect.c`, `lib/multi.c`, `lib/transfer.c`).
//!
//! # Calling order (host glue)
//!
//! 1. [`Args::parse`] on the words after `curl`. `Err(e)`: print `e.lines` on stderr, exit
//!    `e.status`.
//! 2. Resolve [`Url::host`] of [`Args::url`] (numeric, or the host's `/etc/hosts`), then
//!    [`Transfer::new`] with the address or `None` (curl then fails with exit 6).
//! 3. If [`Transfer::remote`] is `Some((ip, port))`, open a TCP connection to it. Report the
//!    outcome with [`Transfer::handle_connected`] or [`Transfer::handle_connect_error`]; then
//!    bytes with [`Transfer::handle_data`], the peer's FIN with [`Transfer::handle_eof`], an RST
//!    with [`Transfer::handle_reset`], and [`Transfer::handle_timeout`] at
//!    [`Transfer::poll_timeout`].
//! 4. After every call drain [`Transfer::poll_transmit`] (bytes to send),
//!    [`Transfer::poll_output`] (console lines) and [`Transfer::poll_file`] (`-o`).
//! 5. Once [`Transfer::exit_status`] is `Some`, close the connection (if any) and end the
//!    process; [`Transfer::result`] summarizes the run for expectations.
//!
//! Console model: the terminal is line based, so stdout text is cut at `\n` (a trailing `\r` is
//! dropped) and an unfinished last line is flushed at exit; with `-w '%{http_code}'` after a body
//! ending in `\n` the code is a line of its own. The progress meter (shown only when the body goes
//! to a file without `-s`) is not modelled, nor chunked decoding (a chunked body is read to EOF
//! and shown raw), redirects, several URLs, or TLS.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::net::Ipv4Addr;
use std::time::Duration;

use super::ArgError;
use super::errno::Errno;
use super::lines::LineBuffer;
use crate::kernel::SimTime;
use crate::wire::http::{Parsed, ResponseHead, Version, parse_response};
use crate::wire::ipv4::Dotted;

use super::Stream;

/// Which curl binary runs: Debian 12's (the ready-made Linux hosts), CentOS 7's, or the `curl.exe` Windows 10 ships
/// since version 1803 (spec-centos7-windows §3.6). They read the same command line and speak
/// the same HTTP; they differ in their version and in the words of a few messages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Build {
    /// curl 7.88.1.
    #[default]
    Debian,
    /// curl 7.29.0, CentOS 7's: the socket error's text after `Failed connect to HOST:PORT; `
    /// (`lib/connect.c` of 7.29, spec-firewalld §5).
    CentOs7,
    /// curl 7.55.1 (Windows) with WinSSL: `lib/strerror.c`'s Winsock texts, 7.55's verbose lines.
    Windows,
}

impl Build {
    /// The version curl reports in `User-Agent`.
    pub(crate) fn user_agent(self) -> &'static str {
        match self {
            Build::Debian => "curl/7.88.1",
            Build::CentOs7 => "curl/7.29.0",
            Build::Windows => "curl/7.55.1",
        }
    }

    /// The reason after `Failed to connect to HOST port N`: 7.86 on says
    /// `curl_easy_strerror(CURLE_COULDNT_CONNECT)` whatever the error (ETIMEDOUT too: the
    /// message is written before the code becomes 28); 7.55 gave the socket error's text
    /// (Winsock's, through `get_winsock_error`: WSAETIMEDOUT is "Timed out").
    fn connect_failure(self, host: &str, port: u16, ms: u128, errno: Errno) -> String {
        match self {
            Build::Debian => format!("Failed to connect to {host} port {port} after {ms} ms: Couldn't connect to server"),
            Build::CentOs7 => format!("Failed connect to {host}:{port}; {}", errno.text()),
            Build::Windows => format!("Failed to connect to {host} port {port}: {}", winsock_text(errno)),
        }
    }

    /// `Recv failure: …` after a reset (ECONNRESET; WSAECONNRESET's text on Windows).
    fn reset(self) -> &'static str {
        match self {
            Build::Debian | Build::CentOs7 => "Recv failure: Connection reset by peer",
            Build::Windows => "Recv failure: Connection was reset",
        }
    }
}

/// `get_winsock_error()`'s text (`lib/strerror.c`) for the WSA error a connect fails with; the
/// Linux text for an errno Winsock's table does not reach here.
fn winsock_text(errno: Errno) -> &'static str {
    match errno {
        Errno::ConnRefused => "Connection refused",
        Errno::ConnReset => "Connection was reset",
        Errno::TimedOut => "Timed out",
        Errno::HostUnreach => "Host unreachable",
        Errno::NetUnreach => "Network unreachable",
        Errno::AddrNotAvail => "Address not available",
        other => other.text(),
    }
}
/// curl's default connect timeout (`DEFAULT_CONNECT_TIMEOUT`), 300 s.
pub(crate) const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(300);
/// The second line of every usage error.
pub(crate) const TRY_HELP: &str = "curl: try 'curl --help' or 'curl --manual' for more information";

/// A usage error: the complaint, then the hint to `--help` (exit 2).
fn usage_error(first: String) -> ArgError {
    ArgError { lines: vec![first, TRY_HELP.to_string()], status: 2 }
}

/// An error curl reports as a failed transfer: `curl: (CODE) MESSAGE`, exit CODE.
fn transfer_error(code: i32, msg: &str) -> ArgError {
    ArgError { lines: vec![format!("curl: ({code}) {msg}")], status: code }
}

/// A parsed `http://host[:port]/path` URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Url {
    /// Host name or dotted quad, as written.
    pub host: String,
    /// Port (80 if absent).
    pub port: u16,
    /// Path and query (`/` if absent); the fragment is dropped.
    pub target: String,
}

impl Url {
    /// Parse as curl does for the cases labsim needs: a missing scheme means `http`; other
    /// schemes are refused with exit 1, malformed URLs with exit 3.
    pub(crate) fn parse(s: &str) -> Result<Url, ArgError> {
        let malformed = || transfer_error(3, "URL using bad/illegal format or missing URL");
        let rest = match s.split_once("://") {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => rest,
            Some((scheme, _)) => {
                return Err(transfer_error(1, &format!("Protocol \"{scheme}\" not supported or disabled in libcurl")));
            }
            None => s,
        };
        if rest.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return Err(malformed());
        }
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let (host, port) = match hostport.split_once(':') {
            Some((h, "")) => (h, 80),
            Some((h, p)) => {
                if !p.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(malformed());
                }
                (h, p.parse::<u16>().map_err(|_| malformed())?)
            }
            None => (hostport, 80),
        };
        if host.is_empty() || !host.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b)) {
            return Err(malformed());
        }
        let tail = tail.split('#').next().unwrap_or("");
        let target = if tail.starts_with('/') { tail.to_string() } else { format!("/{tail}") };
        Ok(Url { host: host.to_string(), port, target })
    }

    /// The `Host` header value: the port only if it is not 80.
    pub(crate) fn host_header(&self) -> Cow<'_, str> {
        if self.port == 80 { Cow::Borrowed(&self.host) } else { Cow::Owned(format!("{}:{}", self.host, self.port)) }
    }
}

/// Parsed `curl` options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Args {
    /// The URL.
    pub url: Url,
    /// The URL as written (`%{url_effective}` prints the normalized form; labsim prints this).
    pub url_text: String,
    /// `-i`: show the response head.
    pub include: bool,
    /// `-I`: send HEAD, show the head.
    pub head: bool,
    /// `-s`.
    pub silent: bool,
    /// `-S`: show errors even with `-s`.
    pub show_error: bool,
    /// `-f`: fail (exit 22) on HTTP status ≥ 400 without showing the body.
    pub fail: bool,
    /// `-v`.
    pub verbose: bool,
    /// `-o FILE`.
    pub output: Option<String>,
    /// `-w FORMAT`.
    pub write_out: Option<String>,
    /// `-m`/`--max-time`.
    pub max_time: Option<Duration>,
    /// `--connect-timeout`.
    pub connect_timeout: Option<Duration>,
    /// `-H` values in order.
    pub headers: Vec<String>,
    /// `-X`.
    pub method: Option<String>,
    /// `-A`.
    pub user_agent: Option<String>,
    /// `-0`/`--http1.0`.
    pub http10: bool,
    /// Which curl this is (set by the glue; [`Build::Debian`] after parsing).
    pub build: Build,
}

/// Short options that take a value.
const SHORT_WITH_ARG: &str = "owmHXA";
/// Long options labsim models: (long name, equivalent short letter or a private code).
const LONG: &[(&str, char)] = &[
    ("include", 'i'),
    ("head", 'I'),
    ("silent", 's'),
    ("show-error", 'S'),
    ("fail", 'f'),
    ("verbose", 'v'),
    ("output", 'o'),
    ("write-out", 'w'),
    ("max-time", 'm'),
    ("header", 'H'),
    ("request", 'X'),
    ("user-agent", 'A'),
    ("http1.0", '0'),
    ("connect-timeout", 'c'),
    ("url", 'u'),
    ("http1.1", '1'),
    ("ipv4", '4'),
    ("no-progress-meter", 'n'),
];

impl Args {
    /// Parse `argv` (the words after `curl`): short flags may be combined (`-sS`, `-so FILE`),
    /// values may be attached (`-ofile`) or separate, options may follow the URL.
    pub(crate) fn parse(argv: &[String]) -> Result<Args, ArgError> {
        let mut b = Builder::default();
        let mut i = 0;
        while i < argv.len() {
            let word = argv[i].as_str();
            i += 1;
            if let Some(long) = word.strip_prefix("--") {
                let Some(&(_, code)) = LONG.iter().find(|(n, _)| *n == long) else {
                    return Err(usage_error(format!("curl: option {word}: is unknown")));
                };
                let value = if "owmHXAcu".contains(code) {
                    let Some(v) = argv.get(i) else {
                        return Err(usage_error(format!("curl: option {word}: requires parameter")));
                    };
                    i += 1;
                    Some(v.as_str())
                } else {
                    None
                };
                b.apply(code, value, Some(word))?;
                continue;
            }
            if word.len() < 2 || !word.starts_with('-') {
                b.urls.push(word.to_string());
                continue;
            }
            let body = &word[1..];
            for (pos, ch) in body.char_indices() {
                if !SHORT_WITH_ARG.contains(ch) {
                    b.apply(ch, None, None)?;
                    continue;
                }
                let rest = &body[pos + ch.len_utf8()..];
                let value = if !rest.is_empty() {
                    rest
                } else if let Some(next) = argv.get(i) {
                    i += 1;
                    next.as_str()
                } else {
                    return Err(usage_error(format!("curl: option -{ch}: requires parameter")));
                };
                b.apply(ch, Some(value), None)?;
                break;
            }
        }
        b.finish()
    }
}

#[derive(Default)]
struct Builder {
    urls: Vec<String>,
    include: bool,
    head: bool,
    silent: bool,
    show_error: bool,
    fail: bool,
    verbose: bool,
    output: Option<String>,
    write_out: Option<String>,
    max_time: Option<Duration>,
    connect_timeout: Option<Duration>,
    headers: Vec<String>,
    method: Option<String>,
    user_agent: Option<String>,
    http10: bool,
}

fn seconds(v: &str, opt: &str) -> Result<Duration, ArgError> {
    let bad = || usage_error(format!("curl: option {opt}: expected a proper numerical parameter"));
    let f: f64 = v.trim().parse().map_err(|_| bad())?;
    if !f.is_finite() || !(0.0..=1e9).contains(&f) {
        return Err(bad());
    }
    Ok(Duration::from_micros((f * 1e6).round() as u64))
}

impl Builder {
    /// Option `ch` with its value; `long` is how it was spelt when not as `-ch`.
    fn apply(&mut self, ch: char, v: Option<&str>, long: Option<&str>) -> Result<(), ArgError> {
        let val = || v.unwrap_or("").to_string();
        match ch {
            'i' => self.include = true,
            'I' => self.head = true,
            's' => self.silent = true,
            'S' => self.show_error = true,
            'f' => self.fail = true,
            'v' => self.verbose = true,
            '0' => self.http10 = true,
            '1' | '4' | 'n' => {}
            'o' => self.output = Some(val()),
            'w' => self.write_out = Some(val()),
            'm' => self.max_time = Some(seconds(v.unwrap_or(""), "--max-time")?),
            'c' => self.connect_timeout = Some(seconds(v.unwrap_or(""), "--connect-timeout")?),
            'H' => self.headers.push(val()),
            'X' => self.method = Some(val()),
            'A' => self.user_agent = Some(val()),
            'u' => self.urls.push(val()),
            _ => {
                let opt = long.map_or_else(|| format!("-{ch}"), str::to_string);
                return Err(usage_error(format!("curl: option {opt}: is unknown")));
            }
        }
        Ok(())
    }

    fn finish(self) -> Result<Args, ArgError> {
        let url_text = match self.urls.as_slice() {
            [] => return Err(usage_error("curl: no URL specified!".to_string())),
            [one] => one.clone(),
            _ => {
                return Err(ArgError { lines: vec!["curl: several URLs in one run are not modelled by labsim".to_string()], status: 2 });
            }
        };
        Ok(Args {
            url: Url::parse(&url_text)?,
            url_text,
            include: self.include,
            head: self.head,
            silent: self.silent,
            show_error: self.show_error,
            fail: self.fail,
            verbose: self.verbose,
            output: self.output,
            write_out: self.write_out,
            max_time: self.max_time,
            connect_timeout: self.connect_timeout,
            headers: self.headers,
            method: self.method,
            user_agent: self.user_agent,
            http10: self.http10,
            build: Build::Debian,
        })
    }
}

impl Args {
    /// The request curl sends (spec-host §4): request line, `Host`, `User-Agent`, `Accept`,
    /// then the `-H` headers. A `-H` header with the name of a built-in one replaces it (and is
    /// sent in the `-H` position); `-H 'Name:'` removes it; `-H 'Name;'` sends it empty.
    pub(crate) fn request_bytes(&self) -> Vec<u8> {
        let method = match &self.method {
            Some(m) => m.as_str(),
            None if self.head => "HEAD",
            None => "GET",
        };
        let version = if self.http10 { Version::Http10 } else { Version::Http11 };
        let mut out = String::with_capacity(128);
        for part in [method, " ", &self.url.target, " ", version.as_str(), "\r\n"] {
            out.push_str(part);
        }
        let custom = |name: &str| {
            self.headers.iter().any(|h| {
                let n = h.split([':', ';']).next().unwrap_or("");
                n.trim().eq_ignore_ascii_case(name)
            })
        };
        let header = |out: &mut String, name: &str, value: &str| {
            for part in [name, ":", if value.is_empty() { "" } else { " " }, value, "\r\n"] {
                out.push_str(part);
            }
        };
        let ua = self.user_agent.as_deref().unwrap_or(self.build.user_agent());
        for (name, value) in [("Host", &*self.url.host_header()), ("User-Agent", ua), ("Accept", "*/*")] {
            if !custom(name) && !value.is_empty() {
                header(&mut out, name, value);
            }
        }
        for h in &self.headers {
            if let Some((name, value)) = h.split_once(':') {
                let value = value.trim_start();
                if !value.is_empty() {
                    header(&mut out, name, value);
                }
            } else if let Some(name) = h.strip_suffix(';') {
                header(&mut out, name, "");
            }
        }
        out.push_str("\r\n");
        out.into_bytes()
    }
}

/// What a finished (or running) transfer amounts to, for expectations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CurlResult {
    /// The URL as typed.
    pub url: String,
    /// Response status, if a head was received.
    pub status: Option<u16>,
    /// Body bytes received.
    pub body: Vec<u8>,
    /// Exit status (`-1` while running).
    pub exit: i32,
    /// µs from start to the TCP connection (0 if it never connected).
    pub connect_us: u64,
    /// µs from start to exit (so far, while running).
    pub total_us: u64,
    /// The error line curl printed (`curl: (7) Failed to connect …`), empty when none was.
    pub error: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Connecting,
    Receiving,
    Done,
}

/// One curl run: one connection, one request, one response.
#[derive(Clone, Debug)]
pub(crate) struct Transfer {
    args: Args,
    remote: Option<Ipv4Addr>,
    start: SimTime,
    phase: Phase,
    connected_at: Option<SimTime>,
    finished_at: Option<SimTime>,
    rx: Vec<u8>,
    head: Option<ResponseHead>,
    head_len: usize,
    tx: VecDeque<Vec<u8>>,
    out: VecDeque<(Stream, String)>,
    stdout_partial: LineBuffer,
    file: Option<Vec<u8>>,
    file_ready: bool,
    exit: Option<i32>,
    /// The error line printed, for the result.
    error: String,
}

impl Transfer {
    /// Start at `now`; `resolved` is the address of the URL's host, `None` if it did not resolve.
    pub(crate) fn new(args: Args, now: SimTime, resolved: Option<Ipv4Addr>) -> Transfer {
        let mut t = Transfer {
            args,
            remote: resolved,
            start: now,
            phase: Phase::Connecting,
            connected_at: None,
            finished_at: None,
            rx: Vec::new(),
            head: None,
            head_len: 0,
            tx: VecDeque::new(),
            out: VecDeque::new(),
            stdout_partial: LineBuffer::default(),
            file: None,
            file_ready: false,
            exit: None,
            error: String::new(),
        };
        match resolved {
            None => {
                let msg = format!("Could not resolve host: {}", t.args.url.host);
                t.fail(now, 6, &msg);
            }
            Some(ip) if t.args.build != Build::Debian => t.verbose(|_| format!("*   Trying {ip}...")),
            Some(ip) => t.verbose(|t| format!("*   Trying {ip}:{}...", t.args.url.port)),
        }
        t
    }

    /// Where to connect, while a connection is wanted.
    pub(crate) fn remote(&self) -> Option<(Ipv4Addr, u16)> {
        match (self.phase, self.remote) {
            (Phase::Connecting, Some(ip)) => Some((ip, self.args.url.port)),
            _ => None,
        }
    }

    /// The TCP handshake completed: the request is queued for [`Transfer::poll_transmit`].
    pub(crate) fn handle_connected(&mut self, now: SimTime) {
        if self.phase != Phase::Connecting {
            return;
        }
        self.phase = Phase::Receiving;
        self.connected_at = Some(now);
        if self.args.build == Build::Windows {
            self.verbose(|_| "* TCP_NODELAY set".to_string());
        }
        self.verbose(|t| {
            let ip = t.remote.map_or_else(String::new, |ip| Dotted(ip).to_string());
            format!("* Connected to {} ({ip}) port {} (#0)", t.args.url.host, t.args.url.port)
        });
        let req = self.args.request_bytes();
        if self.args.verbose {
            let text = String::from_utf8_lossy(&req).into_owned();
            for line in text.split("\r\n").take_while(|l| !l.is_empty()) {
                self.verbose(|_| format!("> {line}"));
            }
            self.verbose(|_| "> ".to_string());
        }
        self.tx.push_back(req);
    }

    /// The connect failed.
    pub(crate) fn handle_connect_error(&mut self, now: SimTime, errno: Errno) {
        if self.phase != Phase::Connecting {
            return;
        }
        let build = self.args.build;
        let msg = build.connect_failure(&self.args.url.host, self.args.url.port, self.elapsed_ms(now), errno);
        // After the message, 7.55 on turn ETIMEDOUT into CURLE_OPERATION_TIMEDOUT (lib/connect.c:
        // `if(ETIMEDOUT == data->state.os_errno) result = CURLE_OPERATION_TIMEDOUT;`, WSAETIMEDOUT
        // on Windows); 7.29's `Curl_is_connected` returns CURLE_COULDNT_CONNECT whatever the errno.
        let code = if errno == Errno::TimedOut && build != Build::CentOs7 { 28 } else { 7 };
        self.fail(now, code, &msg);
    }

    /// Bytes arrived from the server.
    pub(crate) fn handle_data(&mut self, now: SimTime, data: &[u8]) {
        if self.phase != Phase::Receiving {
            return;
        }
        self.rx.extend_from_slice(data);
        self.advance(now);
    }

    /// The server closed its side (FIN).
    pub(crate) fn handle_eof(&mut self, now: SimTime) {
        if self.phase != Phase::Receiving {
            return;
        }
        match &self.head {
            None => self.fail(now, 52, "Empty reply from server"),
            Some(h) => match self.expected_body(h) {
                Some(n) => {
                    let remaining = n.saturating_sub(self.body_len() as u64);
                    self.fail(now, 18, &format!("transfer closed with {remaining} bytes remaining to read"));
                }
                None => self.complete(now),
            },
        }
    }

    /// The connection was reset (RST) after it was established.
    pub(crate) fn handle_reset(&mut self, now: SimTime) {
        match self.phase {
            Phase::Receiving => self.fail(now, 56, self.args.build.reset()),
            Phase::Connecting => self.handle_connect_error(now, Errno::ConnRefused),
            Phase::Done => {}
        }
    }

    /// Time passed; acts if [`Transfer::poll_timeout`] is due.
    pub(crate) fn handle_timeout(&mut self, now: SimTime) {
        let Some(due) = self.poll_timeout() else { return };
        if now < due {
            return;
        }
        let ms = self.elapsed_ms(now);
        let msg = match (self.phase, &self.head) {
            (Phase::Connecting, _) => format!("Connection timed out after {ms} milliseconds"),
            (_, Some(h)) if self.expected_body(h).is_some() => format!(
                "Operation timed out after {ms} milliseconds with {} out of {} bytes received",
                self.body_len(),
                self.expected_body(h).unwrap_or(0)
            ),
            _ => format!("Operation timed out after {ms} milliseconds with {} bytes received", self.body_len()),
        };
        self.fail(now, 28, &msg);
    }

    /// When [`Transfer::handle_timeout`] must be called next (1 ms after a deadline, as curl's
    /// timer check reports `5001 milliseconds` for `-m 5`).
    pub(crate) fn poll_timeout(&self) -> Option<SimTime> {
        let max = self.args.max_time.map(|d| self.start.saturating_add(d));
        let deadline = match self.phase {
            Phase::Done => return None,
            Phase::Connecting => {
                let c = self.start.saturating_add(self.args.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT));
                Some(max.map_or(c, |m| m.min(c)))
            }
            Phase::Receiving => max,
        };
        deadline.map(|d| d.saturating_add(Duration::from_millis(1)))
    }

    /// Bytes to send on the connection.
    pub(crate) fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.tx.pop_front()
    }

    /// The next console line.
    pub(crate) fn poll_output(&mut self) -> Option<(Stream, String)> {
        self.out.pop_front()
    }

    /// `-o FILE`: the file's path and contents, once, when curl exits having written to it.
    pub(crate) fn poll_file(&mut self) -> Option<(String, Vec<u8>)> {
        if !self.file_ready {
            return None;
        }
        self.file_ready = false;
        let path = self.args.output.clone()?;
        Some((path, self.file.take().unwrap_or_default()))
    }

    /// The exit status, once curl has finished.
    pub(crate) fn exit_status(&self) -> Option<i32> {
        self.exit
    }

    /// Summary for expectations (`exit` is -1 and `total_us` 0 while running).
    pub(crate) fn result(&self) -> CurlResult {
        let end = self.finished_at.unwrap_or(self.start);
        CurlResult {
            url: self.args.url_text.clone(),
            status: self.head.as_ref().map(|h| h.status),
            body: self.body().to_vec(),
            exit: self.exit.unwrap_or(-1),
            connect_us: self.connected_at.map_or(0, |c| c.saturating_since(self.start).as_micros() as u64),
            total_us: end.saturating_since(self.start).as_micros() as u64,
            error: self.error.clone(),
        }
    }

    /// Where a transfer still running at `now` stands, in words, for a run that ends before it
    /// does: `connecting to 172.2.20.100 port 80, no connection after 3.000000 s`, `request
    /// sent, no response after 20.000000 s`, `200 received, 1024 of 4096 body bytes after …`.
    pub(crate) fn state(&self, now: SimTime) -> String {
        let us = now.saturating_since(self.start).as_micros();
        let after = format!("after {}.{:06} s", us / 1_000_000, us % 1_000_000);
        match (self.phase, &self.head) {
            (Phase::Done, _) => format!("finished with exit status {}", self.exit.unwrap_or(0)),
            (Phase::Connecting, _) => {
                format!("connecting to {} port {}, no connection {after}", self.args.url.host, self.args.url.port)
            }
            (Phase::Receiving, None) => format!("request sent, no response {after}"),
            (Phase::Receiving, Some(h)) => match self.expected_body(h) {
                Some(n) => format!("{} received, {} of {n} body bytes {after}", h.status, self.body_len()),
                None => format!("{} received, {} body bytes {after}", h.status, self.body_len()),
            },
        }
    }

    /// The URL as typed.
    pub(crate) fn url(&self) -> &str {
        &self.args.url_text
    }

    /// The response's status, once its head arrived.
    pub(crate) fn status(&self) -> Option<u16> {
        self.head.as_ref().map(|h| h.status)
    }

    fn elapsed_ms(&self, now: SimTime) -> u128 {
        now.saturating_since(self.start).as_millis()
    }

    fn body(&self) -> &[u8] {
        if self.head.is_none() {
            return &[];
        }
        let b = self.rx.get(self.head_len..).unwrap_or(&[]);
        match self.head.as_ref().and_then(|h| self.expected_body(h)) {
            Some(n) => &b[..b.len().min(usize::try_from(n).unwrap_or(usize::MAX))],
            None => b,
        }
    }

    fn body_len(&self) -> usize {
        self.body().len()
    }

    /// Body length the response announces: `Some(0)` for HEAD, 1xx/204/304.
    fn expected_body(&self, h: &ResponseHead) -> Option<u64> {
        if self.args.head || matches!(h.status, 100..=199 | 204 | 304) {
            return Some(0);
        }
        h.content_length()
    }

    fn advance(&mut self, now: SimTime) {
        if self.head.is_none() {
            match parse_response(&self.rx) {
                Parsed::Partial => return,
                Parsed::Invalid(_) => {
                    self.fail(now, 1, "Received HTTP/0.9 when not allowed");
                    return;
                }
                Parsed::Complete { head, head_len } => {
                    if self.args.verbose {
                        let raw = String::from_utf8_lossy(&self.rx[..head_len]).into_owned();
                        for line in raw.split('\n') {
                            if !line.is_empty() {
                                self.verbose(|_| format!("< {}", line.trim_end_matches('\r')));
                            }
                        }
                    }
                    let show_head = self.args.include || self.args.head;
                    let fails = self.args.fail && head.status >= 400;
                    if show_head && !fails {
                        let raw = self.rx[..head_len].to_vec();
                        self.write_body(&raw);
                    }
                    self.head = Some(head);
                    self.head_len = head_len;
                }
            }
        }
        let Some(h) = self.head.as_ref() else { return };
        let (status, expected) = (h.status, self.expected_body(h));
        if self.args.fail && status >= 400 {
            let msg = format!("The requested URL returned error: {status}");
            self.fail(now, 22, &msg);
            return;
        }
        if let Some(n) = expected
            && self.body_len() as u64 >= n
        {
            self.complete(now);
        }
    }

    fn write_body(&mut self, bytes: &[u8]) {
        if self.args.output.is_some() {
            self.file.get_or_insert_with(Vec::new).extend_from_slice(bytes);
        } else {
            self.stdout(bytes);
        }
    }

    fn stdout(&mut self, bytes: &[u8]) {
        let out = &mut self.out;
        self.stdout_partial.push(bytes, |line| {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            out.push_back((Stream::Stdout, String::from_utf8_lossy(line).into_owned()));
        });
    }

    /// A `-v` line on stderr; `line` builds it only when `-v` was given.
    fn verbose(&mut self, line: impl FnOnce(&Self) -> String) {
        if self.args.verbose {
            let line = line(self);
            self.out.push_back((Stream::Stderr, line));
        }
    }

    fn complete(&mut self, now: SimTime) {
        let body = self.body().to_vec();
        self.write_body(&body);
        if self.args.output.is_some() && self.file.is_none() {
            self.file = Some(Vec::new());
        }
        self.verbose(|t| format!("* Connection #0 to host {} left intact", t.args.url.host));
        self.finish(now, 0);
    }

    fn fail(&mut self, now: SimTime, code: i32, msg: &str) {
        // The body received so far goes out first (curl writes it as it arrives); an unfinished
        // last line is ended so that the error is a line of its own.
        if self.head.is_some() && !(self.args.fail && self.head.as_ref().is_some_and(|h| h.status >= 400)) {
            let body = self.body().to_vec();
            self.write_body(&body);
        }
        self.flush_stdout();
        if !self.args.silent || self.args.show_error {
            self.error = format!("curl: ({code}) {msg}");
            self.out.push_back((Stream::Stderr, self.error.clone()));
        }
        self.finish(now, code);
    }

    fn finish(&mut self, now: SimTime, code: i32) {
        self.phase = Phase::Done;
        self.finished_at = Some(now);
        self.exit = Some(code);
        self.tx.clear();
        if let Some(fmt) = self.args.write_out.clone() {
            let text = self.write_out(&fmt, now, code);
            self.stdout(text.as_bytes());
        }
        self.flush_stdout();
        self.file_ready = self.file.is_some();
    }

    fn flush_stdout(&mut self) {
        if let Some(rest) = self.stdout_partial.take_rest() {
            self.out.push_back((Stream::Stdout, String::from_utf8_lossy(&rest).into_owned()));
        }
    }

    /// Expand a `-w` format (`tool_writeout.c`): `%{var}`, `%%`, `\n`, `\r`, `\t`, `\\`.
    fn write_out(&mut self, fmt: &str, now: SimTime, code: i32) -> String {
        let secs = |us: u64| format!("{}.{:06}", us / 1_000_000, us % 1_000_000);
        let total = now.saturating_since(self.start).as_micros() as u64;
        let connect = self.connected_at.map_or(0, |c| c.saturating_since(self.start).as_micros() as u64);
        let mut out = String::new();
        let mut rest = fmt;
        while let Some(c) = rest.chars().next() {
            if let Some(after) = rest.strip_prefix("%{")
                && let Some(end) = after.find('}')
            {
                let var = &after[..end];
                let status = self.head.as_ref().map_or(0, |h| h.status);
                match var {
                    "http_code" | "response_code" => out.push_str(&format!("{status:03}")),
                    "time_total" => out.push_str(&secs(total)),
                    "time_connect" => out.push_str(&secs(connect)),
                    "size_download" => out.push_str(&self.body_len().to_string()),
                    "size_header" => out.push_str(&self.head_len.to_string()),
                    "exitcode" => out.push_str(&code.to_string()),
                    "remote_ip" => out.push_str(&self.remote.map_or_else(String::new, |ip| ip.to_string())),
                    "remote_port" => out.push_str(&self.args.url.port.to_string()),
                    "url_effective" | "url" => out.push_str(&self.args.url_text),
                    other => self.out.push_back((Stream::Stderr, format!("curl: unknown --write-out variable: '{other}'"))),
                }
                rest = &after[end + 1..];
                continue;
            }
            if let Some(after) = rest.strip_prefix("%%") {
                out.push('%');
                rest = after;
                continue;
            }
            if let Some(after) = rest.strip_prefix('\\') {
                let Some(next) = after.chars().next() else {
                    out.push('\\');
                    break;
                };
                match next {
                    'n' => out.push('\n'),
                    'r' => out.push('\r'),
                    't' => out.push('\t'),
                    '\\' => out.push('\\'),
                    other => {
                        out.push('\\');
                        out.push(other);
                    }
                }
                rest = &after[next.len_utf8()..];
                continue;
            }
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Args {
        Args::parse(&words.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    fn arg_err(words: &[&str]) -> ArgError {
        Args::parse(&words.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap_err()
    }

    const VIP: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 100);
    const BODY: &[u8] = b"This is web-1 zgh2303\n";

    fn response(body: &[u8]) -> Vec<u8> {
        let mut r = format!(
            "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Tue, 24 Nov 2026 16:08:16 GMT\r\n\
Content-Type: text/html\r\nContent-Length: {}\r\nConnection: keep-alive\r\n\r\n",
            body.len()
        )
        .into_bytes();
        r.extend_from_slice(body);
        r
    }

    fn ms(n: u64) -> SimTime {
        SimTime::from_millis(n)
    }

    fn drain(t: &mut Transfer) -> Vec<(Stream, String)> {
        std::iter::from_fn(|| t.poll_output()).collect()
    }

    fn errline(s: &str) -> Vec<(Stream, String)> {
        vec![(Stream::Stderr, s.to_string())]
    }

    #[test]
    fn centos_7s_curl_is_7_29_0_and_names_the_socket_error() {
        let mut a = args(&["http://10.0.0.100/"]);
        a.build = Build::CentOs7;
        assert!(String::from_utf8_lossy(&a.request_bytes()).contains("\r\nUser-Agent: curl/7.29.0\r\n"));
        for (e, text) in [
            (Errno::ConnRefused, "curl: (7) Failed connect to 10.0.0.100:80; Connection refused"),
            (Errno::HostUnreach, "curl: (7) Failed connect to 10.0.0.100:80; No route to host"),
            (Errno::TimedOut, "curl: (7) Failed connect to 10.0.0.100:80; Connection timed out"),
            (Errno::NetUnreach, "curl: (7) Failed connect to 10.0.0.100:80; Network is unreachable"),
        ] {
            let mut t = Transfer::new(a.clone(), ms(0), Some(VIP));
            t.handle_connect_error(ms(1), e);
            assert_eq!(drain(&mut t), errline(text));
        }
    }

    #[test]
    fn curl_exe_is_curl_7_55_1_with_winsock_texts() {
        let mut a = args(&["-v", "http://10.0.0.100/"]);
        a.build = Build::Windows;
        assert!(String::from_utf8_lossy(&a.request_bytes()).contains("\r\nUser-Agent: curl/7.55.1\r\n"));
        let mut t = Transfer::new(a.clone(), ms(0), Some(VIP));
        t.handle_connected(ms(1));
        let lines = drain(&mut t);
        assert_eq!(
            lines[..3].iter().map(|(_, l)| l.as_str()).collect::<Vec<_>>(),
            ["*   Trying 10.0.0.100...", "* TCP_NODELAY set", "* Connected to 10.0.0.100 (10.0.0.100) port 80 (#0)"]
        );
        t.handle_reset(ms(2));
        assert_eq!(drain(&mut t), errline("curl: (56) Recv failure: Connection was reset"));
        let mut t = Transfer::new(a.clone(), ms(0), Some(VIP));
        drain(&mut t);
        t.handle_connect_error(ms(3), Errno::ConnRefused);
        assert_eq!(drain(&mut t), errline("curl: (7) Failed to connect to 10.0.0.100 port 80: Connection refused"));
        let mut t = Transfer::new(a.clone(), ms(0), Some(VIP));
        drain(&mut t);
        t.handle_connect_error(ms(3000), Errno::HostUnreach);
        assert_eq!(
            (t.exit_status(), drain(&mut t)),
            (Some(7), errline("curl: (7) Failed to connect to 10.0.0.100 port 80: Host unreachable"))
        );
        // No route: connect() fails at once with WSAENETUNREACH.
        let mut t = Transfer::new(a, ms(0), Some(VIP));
        drain(&mut t);
        t.handle_connect_error(ms(0), Errno::NetUnreach);
        assert_eq!(drain(&mut t), errline("curl: (7) Failed to connect to 10.0.0.100 port 80: Network unreachable"));
    }

    #[test]
    fn request_bytes_as_spec() {
        assert_eq!(
            args(&["http://10.0.0.100/"]).request_bytes(),
            b"GET / HTTP/1.1\r\nHost: 10.0.0.100\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n"
        );
        assert_eq!(
            args(&["-I", "-0", "10.0.0.100:8080"]).request_bytes(),
            b"HEAD / HTTP/1.0\r\nHost: 10.0.0.100:8080\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n"
        );
        assert_eq!(
            args(&["-H", "X-A: 1", "-H", "Accept:", "-H", "Host: jt", "-X", "POST", "http://h/x?y#z"]).request_bytes(),
            b"POST /x?y HTTP/1.1\r\nUser-Agent: curl/7.88.1\r\nX-A: 1\r\nHost: jt\r\n\r\n"
        );
    }

    #[test]
    fn option_parsing() {
        let a = args(&["-sSo", "/tmp/out", "-w", "%{http_code}\\n", "--max-time", "2.5", "http://web-1/"]);
        assert!(a.silent && a.show_error);
        assert_eq!(a.output.as_deref(), Some("/tmp/out"));
        assert_eq!(a.max_time, Some(Duration::from_millis(2500)));
        assert_eq!(a.url, Url { host: "web-1".into(), port: 80, target: "/".into() });
        let e = arg_err(&["-9", "http://h/"]);
        assert_eq!(e.lines, ["curl: option -9: is unknown", TRY_HELP]);
        assert_eq!(e.status, 2);
        assert_eq!(arg_err(&["--frob", "x"]).lines[0], "curl: option --frob: is unknown");
        assert_eq!(arg_err(&["http://h/", "-o"]).lines[0], "curl: option -o: requires parameter");
        assert_eq!(arg_err(&["-s"]).lines, ["curl: no URL specified!", TRY_HELP]);
        assert_eq!(arg_err(&["-m", "abc", "h"]).lines[0], "curl: option --max-time: expected a proper numerical parameter");
        let e = arg_err(&["http://"]);
        assert_eq!((e.lines[0].as_str(), e.status), ("curl: (3) URL using bad/illegal format or missing URL", 3));
        assert_eq!(arg_err(&["http://h:99999/"]).status, 3);
        let e = arg_err(&["ftp://h/"]);
        assert_eq!((e.lines[0].as_str(), e.status), ("curl: (1) Protocol \"ftp\" not supported or disabled in libcurl", 1));
    }

    #[test]
    fn simple_get() {
        let mut t = Transfer::new(args(&["http://10.0.0.100/"]), ms(0), Some(VIP));
        assert_eq!(t.remote(), Some((VIP, 80)));
        t.handle_connected(ms(1));
        assert_eq!(t.poll_transmit().unwrap(), args(&["http://10.0.0.100/"]).request_bytes());
        let resp = response(BODY);
        t.handle_data(ms(2), &resp[..40]);
        assert_eq!(t.exit_status(), None);
        t.handle_data(ms(3), &resp[40..]);
        assert_eq!(t.exit_status(), Some(0));
        assert_eq!(drain(&mut t), [(Stream::Stdout, "This is web-1 zgh2303".to_string())]);
        let url = "http://10.0.0.100/".to_owned();
        let expected =
            CurlResult { url, status: Some(200), body: BODY.to_vec(), exit: 0, connect_us: 1000, total_us: 3000, error: String::new() };
        assert_eq!(t.result(), expected);
        assert_eq!(t.poll_timeout(), None);
        assert_eq!(t.remote(), None);
    }

    #[test]
    fn include_write_out_and_output_file() {
        let mut t = Transfer::new(args(&["-i", "http://10.0.0.100/"]), ms(0), Some(VIP));
        t.handle_connected(ms(1));
        t.handle_data(ms(2), &response(BODY));
        let lines: Vec<String> = drain(&mut t).into_iter().map(|(_, l)| l).collect();
        assert_eq!(lines[0], "HTTP/1.1 200 OK");
        assert_eq!(lines[5], "Connection: keep-alive");
        assert_eq!(lines[6], "");
        assert_eq!(lines[7], "This is web-1 zgh2303");

        let mut t = Transfer::new(args(&["-s", "-o", "/dev/null", "-w", "%{http_code} %{time_total}\\n", "10.0.0.100"]), ms(0), Some(VIP));
        t.handle_connected(ms(1));
        t.handle_data(SimTime::from_micros(3063), &response(BODY));
        assert_eq!(drain(&mut t), [(Stream::Stdout, "200 0.003063".to_string())]);
        assert_eq!(t.poll_file(), Some(("/dev/null".to_string(), BODY.to_vec())));
        assert_eq!(t.poll_file(), None);

        // No newline after the body and none in -w: the code shares the last line.
        let mut t = Transfer::new(args(&["-w", "%{http_code}", "10.0.0.100"]), ms(0), Some(VIP));
        t.handle_connected(ms(1));
        t.handle_data(ms(2), &response(b"abc"));
        assert_eq!(drain(&mut t), [(Stream::Stdout, "abc200".to_string())]);

        let mut t = Transfer::new(args(&["-s", "-w", "%{nope}%%\\t|é\\", "10.0.0.100"]), ms(0), None);
        assert_eq!(
            drain(&mut t),
            [(Stream::Stderr, "curl: unknown --write-out variable: 'nope'".to_string()), (Stream::Stdout, "%\t|é\\".to_string())]
        );
    }

    #[test]
    fn head_request_needs_no_body() {
        let mut t = Transfer::new(args(&["-I", "10.0.0.100"]), ms(0), Some(VIP));
        t.handle_connected(ms(1));
        let resp = response(BODY);
        let head_only = &resp[..resp.len() - BODY.len()];
        t.handle_data(ms(2), head_only);
        assert_eq!(t.exit_status(), Some(0));
        assert_eq!(drain(&mut t).len(), 7);
    }

    #[test]
    fn body_to_eof_without_content_length() {
        let mut t = Transfer::new(args(&["10.0.0.100"]), ms(0), Some(VIP));
        t.handle_connected(ms(1));
        t.handle_data(ms(2), b"HTTP/1.0 200 OK\r\n\r\nline1\nline2");
        assert_eq!(t.exit_status(), None);
        t.handle_eof(ms(3));
        assert_eq!(t.exit_status(), Some(0));
        assert_eq!(drain(&mut t), [(Stream::Stdout, "line1".into()), (Stream::Stdout, "line2".into())]);
    }

    #[test]
    fn a_body_of_many_lines_is_printed_whole() {
        // 200 000 lines (1.3 MB) in one response, arriving in 1460-byte segments: every line
        // comes out once and in order, the unfinished last one too.
        let mut body: Vec<u8> = (0..200_000u32).flat_map(|i| format!("line {i}\r\n").into_bytes()).collect();
        body.extend_from_slice(b"tail");
        let mut t = Transfer::new(args(&["10.0.0.100"]), ms(0), Some(VIP));
        t.handle_connected(ms(1));
        for chunk in response(&body).chunks(1460) {
            t.handle_data(ms(2), chunk);
        }
        assert_eq!(t.exit_status(), Some(0));
        let lines = drain(&mut t);
        assert_eq!(lines.len(), 200_001);
        assert!(lines.iter().all(|(s, _)| *s == Stream::Stdout));
        assert!(lines[..200_000].iter().enumerate().all(|(i, (_, l))| *l == format!("line {i}")));
        assert_eq!(lines[200_000].1, "tail");
    }

    #[test]
    fn connect_failures() {
        let mut t = Transfer::new(args(&["http://10.99.0.77/"]), ms(0), Some(Ipv4Addr::new(10, 99, 0, 77)));
        t.handle_connect_error(ms(3063), Errno::HostUnreach);
        assert_eq!(t.exit_status(), Some(7));
        assert_eq!(drain(&mut t), errline("curl: (7) Failed to connect to 10.99.0.77 port 80 after 3063 ms: Couldn't connect to server"));
        assert_eq!(t.result().error, "curl: (7) Failed to connect to 10.99.0.77 port 80 after 3063 ms: Couldn't connect to server");
        assert_eq!(t.result().url, "http://10.99.0.77/");
        let mut t = Transfer::new(args(&["-w", "%{http_code}\\n", "http://172.2.20.100/"]), ms(10), Some(Ipv4Addr::new(172, 2, 20, 100)));
        t.handle_connect_error(ms(10), Errno::ConnRefused);
        assert_eq!(
            drain(&mut t),
            [
                (Stream::Stderr, "curl: (7) Failed to connect to 172.2.20.100 port 80 after 0 ms: Couldn't connect to server".into()),
                (Stream::Stdout, "000".into())
            ]
        );
        let mut t = Transfer::new(args(&["-s", "http://web-9/"]), ms(0), None);
        assert_eq!((t.exit_status(), drain(&mut t)), (Some(6), vec![]));
        let mut t = Transfer::new(args(&["-sS", "http://web-9/"]), ms(0), None);
        assert_eq!(drain(&mut t), errline("curl: (6) Could not resolve host: web-9"));
        // The kernel gave up (ETIMEDOUT): 7.88 keeps the words of CURLE_COULDNT_CONNECT but exits 28.
        let mut t = Transfer::new(args(&["http://10.99.0.77/"]), ms(0), Some(Ipv4Addr::new(10, 99, 0, 77)));
        t.handle_connect_error(ms(131_000), Errno::TimedOut);
        assert_eq!(t.exit_status(), Some(28));
        assert_eq!(
            drain(&mut t),
            errline("curl: (28) Failed to connect to 10.99.0.77 port 80 after 131000 ms: Couldn't connect to server")
        );
    }

    #[test]
    fn timeouts() {
        let mut t = Transfer::new(args(&["--connect-timeout", "5", "http://10.0.0.100/"]), ms(1000), Some(VIP));
        assert_eq!(t.poll_timeout(), Some(ms(6001)));
        t.handle_timeout(ms(6000));
        assert_eq!(t.exit_status(), None);
        t.handle_timeout(ms(6001));
        assert_eq!(t.exit_status(), Some(28));
        assert_eq!(drain(&mut t), errline("curl: (28) Connection timed out after 5001 milliseconds"));

        let mut t = Transfer::new(args(&["-m", "5", "http://10.0.0.100/"]), ms(0), Some(VIP));
        t.handle_connected(ms(1));
        assert_eq!(t.poll_timeout(), Some(ms(5001)));
        t.handle_timeout(ms(5001));
        assert_eq!(drain(&mut t), errline("curl: (28) Operation timed out after 5001 milliseconds with 0 bytes received"));

        let mut t = Transfer::new(args(&["-m", "5", "http://10.0.0.100/"]), ms(0), Some(VIP));
        t.handle_connected(ms(1));
        let resp = response(BODY);
        t.handle_data(ms(2), &resp[..resp.len() - 10]);
        t.handle_timeout(ms(5001));
        assert_eq!(
            drain(&mut t),
            [
                (Stream::Stdout, "This is web-".into()),
                (Stream::Stderr, "curl: (28) Operation timed out after 5001 milliseconds with 12 out of 22 bytes received".into())
            ]
        );
    }

    #[test]
    fn server_side_failures() {
        let mut t = Transfer::new(args(&["10.0.0.100"]), ms(0), Some(VIP));
        t.handle_connected(ms(1));
        t.handle_eof(ms(2));
        assert_eq!((t.exit_status(), drain(&mut t)), (Some(52), errline("curl: (52) Empty reply from server")));

        let mut t = Transfer::new(args(&["10.0.0.100"]), ms(0), Some(VIP));
        t.handle_connected(ms(1));
        t.handle_reset(ms(2));
        assert_eq!((t.exit_status(), drain(&mut t)), (Some(56), errline("curl: (56) Recv failure: Connection reset by peer")));

        let mut t = Transfer::new(args(&["-s", "10.0.0.100"]), ms(0), Some(VIP));
        t.handle_connected(ms(1));
        let resp = response(BODY);
        t.handle_data(ms(2), &resp[..resp.len() - 5]);
        t.handle_eof(ms(3));
        assert_eq!(t.exit_status(), Some(18));
        let mut t = Transfer::new(args(&["10.0.0.100"]), ms(0), Some(VIP));
        t.handle_connected(ms(1));
        t.handle_data(ms(2), &resp[..resp.len() - 5]);
        t.handle_eof(ms(3));
        assert_eq!(drain(&mut t).last().unwrap().1, "curl: (18) transfer closed with 5 bytes remaining to read");

        let mut t = Transfer::new(args(&["10.0.0.100"]), ms(0), Some(VIP));
        t.handle_connected(ms(1));
        t.handle_data(ms(2), b"SSH-2.0-OpenSSH\r\n\r\n");
        assert_eq!((t.exit_status(), drain(&mut t)), (Some(1), errline("curl: (1) Received HTTP/0.9 when not allowed")));

        let mut t = Transfer::new(args(&["-f", "10.0.0.100/x"]), ms(0), Some(VIP));
        t.handle_connected(ms(1));
        t.handle_data(ms(2), b"HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nabc");
        assert_eq!((t.exit_status(), drain(&mut t)), (Some(22), errline("curl: (22) The requested URL returned error: 404")));
    }

    #[test]
    fn verbose_lines() {
        let mut t = Transfer::new(args(&["-v", "http://10.0.0.100/"]), ms(0), Some(VIP));
        t.handle_connected(ms(1));
        t.handle_data(ms(2), &response(BODY));
        let lines: Vec<String> = drain(&mut t).into_iter().map(|(_, l)| l).collect();
        assert_eq!(lines[0], "*   Trying 10.0.0.100:80...");
        assert_eq!(lines[1], "* Connected to 10.0.0.100 (10.0.0.100) port 80 (#0)");
        assert_eq!(lines[2], "> GET / HTTP/1.1");
        assert_eq!(lines[6], "> ");
        assert_eq!(lines[7], "< HTTP/1.1 200 OK");
        assert!(lines.contains(&"* Connection #0 to host 10.0.0.100 left intact".to_string()));
    }
}
