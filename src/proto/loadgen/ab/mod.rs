//! ApacheBench 2.3 (`ab`, Debian's apache2-utils and CentOS 7's httpd-tools) as a sans-IO core:
//! `test()`, `start_connect()`, `write_request()`, `read_connection()` and
//! `close_connection()` of `support/ab.c` (httpd 2.4.x), over connection slots the glue opens.
//!
//! The mechanism, as in ab: one connection first; the other `-c − 1` start once its response
//! head has arrived. Each connection sends one HTTP/1.0 request and reads the answer until the
//! server closes (a request is done at EOF); with `-k` a response whose head mentions
//! `Keep-Alive` is done after `Content-Length` body bytes and the next request goes out on the
//! same connection, with a connect time of 0. No more than `-n` requests are started. The first
//! response's body length is the document length; a later one that differs is a failed
//! request (Length) unless `-l`; a status not 2xx is a Non-2xx response. A connection that
//! fails is fatal (`apr_socket_recv: Connection refused (111)`: Linux reports the refused
//! non-blocking connect at ab's first read); so is `-s` seconds (30) without any socket news
//! (`apr_pollset_poll: The timeout specified has expired (70007)`). A `connect()` that fails at
//! once (no route, no free port) is tried again until ab's failures pass ten. With `-t` the
//! run ends at its first socket news past the limit, however many of its 50 000 requests are
//! done.

mod args;
mod report;

use std::collections::VecDeque;

use super::{Action, Console, Finished, Generator, Out, Sample as LoadSample, Target};
use crate::kernel::SimTime;
use crate::proto::errno::Errno;
pub(crate) use args::{Args, BANNER};
use report::{Sample, Totals};

/// `CBUFFSIZE`: the response head buffer, and the size of one `apr_socket_recv`.
const CBUFFSIZE: usize = 8192;

/// What ab prints on stderr when its failures pass ten (`"\nTest aborted after 10
/// failures\n\n"`, without the last newline).
const ABORTED: &str = "\nTest aborted after 10 failures\n";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Unconnected,
    Connecting,
    /// Connected, no request outstanding (ab has started all `-n`).
    Connected,
    Read,
}

/// `struct connection`.
#[derive(Clone, Debug)]
struct Conn {
    state: State,
    read: usize,
    bread: usize,
    length: usize,
    cbuff: Vec<u8>,
    keepalive: bool,
    gotheader: bool,
    /// The response's status code (for the capacity report's sample; ab itself only looks at
    /// its first digit).
    status: u16,
    start: SimTime,
    connect: SimTime,
    endwrite: SimTime,
    beginread: SimTime,
}

impl Conn {
    fn new() -> Conn {
        Conn {
            state: State::Unconnected,
            read: 0,
            bread: 0,
            length: 0,
            cbuff: Vec::new(),
            keepalive: false,
            gotheader: false,
            status: 0,
            start: SimTime::ZERO,
            connect: SimTime::ZERO,
            endwrite: SimTime::ZERO,
            beginread: SimTime::ZERO,
        }
    }
}

/// One `ab` run.
pub(crate) struct Ab {
    args: Args,
    request: Vec<u8>,
    conns: Vec<Conn>,
    stats: Vec<Sample>,
    start: SimTime,
    lasttime: SimTime,
    /// `-t`'s end: the main loop stops at the first socket news once `lasttime` reaches it.
    stoptime: Option<SimTime>,
    /// The last socket news (ab's `apr_pollset_poll` waits `-s` for the next).
    last_event: SimTime,
    started: u64,
    good: u64,
    t: Totals,
    requests_initialized: bool,
    out: Out,
}

fn micros(a: SimTime, b: SimTime) -> i64 {
    a.as_micros() as i64 - b.as_micros() as i64
}

/// Case-insensitive `strstr` (`xstrcasestr`).
fn find_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w.eq_ignore_ascii_case(needle))
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

impl Ab {
    /// Parse the arguments and start at `now` towards `target` (`None`: the host did not
    /// resolve). `Err`: the run is over already.
    pub(crate) fn start(argv: &[String], now: SimTime, target: impl FnOnce(&str, u16) -> Option<Target>) -> Result<(Ab, Target), Finished> {
        let args = Args::parse(argv)?;
        let mut console = Console::default();
        for l in BANNER {
            console.out(&format!("{l}\n"));
        }
        // `test()`: the line ends with "..." and is finished by "..done", or by a newline when
        // ab prints progress on stderr.
        console.out(&format!("Benchmarking {} (be patient){}", args.host, if args.heartbeat > 0 { "\n" } else { "..." }));
        let Some(addr) = target(&args.host, args.port) else {
            // `apr_sockaddr_info_get()` fails with EAI_NONAME (APR_OS_START_EAIERR + 2).
            console.err(&format!("apr_sockaddr_info_get() for {}: Name or service not known (670002)", args.host));
            return Err(Finished { lines: console.take_all(), status: 670_002 % 256 });
        };
        if args.concurrency == 0 {
            // A poll set for no connection: `apr_pollset_poll()` refuses to wait on it.
            console.err("apr_pollset_poll: Invalid argument (22)");
            return Err(Finished { lines: console.take_all(), status: 22 });
        }
        let stoptime = match args.tlimit_s {
            0 => None,
            s => Some(now + std::time::Duration::from_secs(s.max(0).unsigned_abs())),
        };
        let t = Totals {
            hostname: args.host.clone(),
            port: args.port,
            path: args.path.clone(),
            nolength: args.nolength,
            concurrency: args.concurrency,
            keepalive: args.keepalive,
            confidence: args.confidence,
            percentile: args.percentile,
            ..Totals::default()
        };
        let mut ab = Ab {
            request: args.request(),
            conns: vec![Conn::new(); args.concurrency],
            stats: Vec::new(),
            start: now,
            lasttime: now,
            stoptime,
            last_event: now,
            started: 0,
            good: 0,
            t,
            requests_initialized: false,
            out: Out::new(console, VecDeque::new()),
            args,
        };
        ab.start_connect(now, 0);
        Ok((ab, addr))
    }

    fn start_connect(&mut self, now: SimTime, slot: usize) {
        if self.started >= self.args.requests {
            return;
        }
        let c = &mut self.conns[slot];
        *c = Conn { state: State::Connecting, start: now, ..Conn::new() };
        self.lasttime = now;
        self.out.actions.push_back(Action::Connect(slot));
    }

    fn write_request(&mut self, now: SimTime, slot: usize) {
        if self.started >= self.args.requests {
            return;
        }
        let c = &mut self.conns[slot];
        c.connect = now;
        c.endwrite = now;
        c.state = State::Read;
        self.lasttime = now;
        self.started += 1;
        self.out.actions.push_back(Action::Send(slot, self.request.clone()));
    }

    /// Saves a finished request's times (`struct data`) and prints the heartbeat.
    fn save(&mut self, now: SimTime, slot: usize) {
        if self.t.done >= self.args.requests {
            return;
        }
        let c = &self.conns[slot];
        self.stats.push(Sample {
            ctime: micros(c.connect, c.start).max(0),
            time: micros(now, c.start).max(0),
            waittime: micros(c.beginread, c.endwrite).max(0),
        });
        self.t.done += 1;
        self.out.samples.push_back(LoadSample::answered(c.start, now, c.status));
        if self.args.heartbeat > 0 && self.t.done.is_multiple_of(self.args.heartbeat) {
            self.out.console.err(&format!("Completed {} requests", self.t.done));
        }
    }

    /// The length check of a finished response.
    fn check_length(&mut self, slot: usize) {
        let bread = self.conns[slot].bread;
        if self.good == 1 {
            self.t.doclen = bread;
        } else if bread != self.t.doclen && !self.args.nolength {
            self.t.bad += 1;
            self.t.err_length += 1;
        }
    }

    fn close_connection(&mut self, now: SimTime, slot: usize) {
        let c = &self.conns[slot];
        if c.read == 0 && c.keepalive {
            // "server has legitimately shut down an idle keep alive request"
            self.good = self.good.saturating_sub(1);
        } else {
            self.check_length(slot);
            self.lasttime = now;
            self.save(now, slot);
        }
        self.conns[slot].state = State::Unconnected;
        self.out.actions.push_back(Action::Close(slot));
        self.start_connect(now, slot);
    }

    /// `apr_err()`: the message, `Total of N requests completed` if any were, exit with the
    /// status (as the shell sees it, modulo 256).
    fn apr_err(&mut self, what: &str, code: i32, text: &str) {
        self.out.console.err(&format!("{what}: {text} ({code})"));
        self.exit_with(code % 256);
    }

    /// `err()`: `text` (whole lines, without the last `\n`), `Total of N requests completed`
    /// if any were, exit 1.
    fn err(&mut self, text: &str) {
        self.out.console.err(text);
        self.exit_with(1);
    }

    fn exit_with(&mut self, status: i32) {
        if self.t.done > 0 {
            self.out.console.out(&format!("Total of {} requests completed\n", self.t.done));
        }
        self.out.console.flush();
        self.out.exit = Some(status);
    }

    fn read_connection(&mut self, now: SimTime, slot: usize, data: &[u8]) {
        let r = data.len();
        self.t.totalread += r as u64;
        let keepalive = self.args.keepalive;
        let head_only = self.args.head;
        let c = &mut self.conns[slot];
        if c.read == 0 {
            c.beginread = now;
        }
        c.read += r;
        if !c.gotheader {
            let space = CBUFFSIZE - c.cbuff.len() - 1;
            let tocopy = space.min(r);
            c.cbuff.extend_from_slice(&data[..tocopy]);
            let space = space - tocopy;
            let (end, l) = match find(&c.cbuff, b"\r\n\r\n") {
                Some(s) => (Some(s), 4),
                None => (find(&c.cbuff, b"\n\n"), 2),
            };
            let Some(s) = end else {
                if space > 0 {
                    return;
                }
                // The head is invalid or too big: close and count it.
                c.state = State::Unconnected;
                self.out.samples.push_back(LoadSample::failed(c.start, now, "bad response head"));
                self.out.actions.push_back(Action::Close(slot));
                self.t.err_response += 1;
                self.t.bad += 1;
                if self.t.bad > 11 {
                    self.err(ABORTED);
                    return;
                }
                self.start_connect(now, slot);
                return;
            };
            if self.good == 0 {
                if let Some(p) = find_ci(&c.cbuff, b"Server:") {
                    let name: Vec<u8> = c.cbuff[(p + 8).min(c.cbuff.len())..].iter().copied().take_while(|b| *b > 32).take(1023).collect();
                    self.t.servername = String::from_utf8_lossy(&name).into_owned();
                } else {
                    self.t.servername.clear();
                }
            }
            // "check response code": the three characters after "HTTP/1.x ".
            let code = find(&c.cbuff, b"HTTP").filter(|p| c.cbuff.len() - p > 9).and_then(|p| c.cbuff.get(p + 9..p + 12));
            if code.is_none_or(|code| code[0] != b'2') {
                self.t.err_response += 1;
            }
            c.status = code.and_then(|d| std::str::from_utf8(d).ok()?.parse().ok()).unwrap_or(0);
            c.gotheader = true;
            let head = &c.cbuff[..s];
            if keepalive && find_ci(head, b"Keep-Alive").is_some() {
                c.keepalive = true;
                c.length = match find_ci(head, b"Content-Length:") {
                    Some(p) if !head_only => {
                        let digits: String = String::from_utf8_lossy(head.get(p + 16..).unwrap_or(&[])).into_owned();
                        usize::try_from(args_atoi(&digits)).unwrap_or(0)
                    }
                    _ => 0,
                };
            }
            c.bread += c.cbuff.len() - (s + l) + r - tocopy;
            self.t.totalbread += c.bread as u64;
            if !self.requests_initialized {
                self.requests_initialized = true;
                for i in 1..self.args.concurrency {
                    self.start_connect(now, i);
                }
            }
        } else {
            c.bread += r;
            self.t.totalbread += r as u64;
        }
        let c = &self.conns[slot];
        if c.keepalive && c.bread >= c.length {
            // "finished a keep-alive connection"
            self.good += 1;
            self.check_length(slot);
            if self.t.done < self.args.requests {
                self.t.doneka += 1;
            }
            self.save(now, slot);
            let c = &mut self.conns[slot];
            *c = Conn { state: State::Connected, start: now, connect: now, ..Conn::new() };
            self.lasttime = now;
            self.write_request(now, slot);
        }
    }

    /// The end of the main loop: `done` reached `-n`, or `lasttime` the `-t` limit.
    fn check_done(&mut self) {
        let timed_out = self.stoptime.is_some_and(|stop| self.lasttime >= stop);
        if self.out.exit.is_some() || (self.t.done < self.args.requests && !timed_out) {
            return;
        }
        if self.args.heartbeat > 0 {
            self.out.console.err(&format!("Finished {} requests", self.t.done));
        } else {
            self.out.console.out("..done\n");
        }
        self.t.timetaken = micros(self.lasttime, self.start) as f64 / 1e6;
        for line in report::render(&self.t, &self.stats) {
            self.out.console.out(&format!("{line}\n"));
        }
        self.out.exit = Some(0);
    }

    fn event(&mut self, now: SimTime) -> bool {
        self.last_event = now;
        self.out.exit.is_none()
    }
}

/// `atoi` of a header value.
fn args_atoi(s: &str) -> i64 {
    let t = s.trim_start_matches([' ', '\t']);
    t.bytes().take_while(u8::is_ascii_digit).fold(0i64, |n, d| n.saturating_mul(10).saturating_add(i64::from(d - b'0')))
}

impl Generator for Ab {
    fn handle_connected(&mut self, now: SimTime, slot: usize) {
        if !self.event(now) || self.conns[slot].state != State::Connecting {
            return;
        }
        self.conns[slot].state = State::Connected;
        self.write_request(now, slot);
        self.check_done();
    }

    fn handle_data(&mut self, now: SimTime, slot: usize, data: &[u8]) {
        if !self.event(now) {
            return;
        }
        for chunk in data.chunks(CBUFFSIZE) {
            if self.out.exit.is_some() || !matches!(self.conns[slot].state, State::Read | State::Connected) {
                break;
            }
            self.read_connection(now, slot, chunk);
        }
        self.check_done();
    }

    fn handle_eof(&mut self, now: SimTime, slot: usize) {
        if !self.event(now) || self.conns[slot].state == State::Unconnected {
            return;
        }
        self.good += 1;
        self.close_connection(now, slot);
        self.check_done();
    }

    /// `start_connect()` when `apr_socket_connect()` fails at once: the attempt counts as a
    /// connect error and a failure, and the slot connects again, until the failures pass ten
    /// (`Test aborted after 10 failures`, then `apr_err()` with the errno).
    fn handle_connect_failed(&mut self, now: SimTime, slot: usize, errno: Errno) {
        if self.out.exit.is_some() || self.conns[slot].state != State::Connecting {
            return;
        }
        self.conns[slot].state = State::Unconnected;
        self.t.err_conn += 1;
        self.out.samples.push_back(LoadSample::failed(self.conns[slot].start, now, errno.text()));
        self.t.bad += 1;
        if self.t.bad > 11 {
            self.out.console.err(ABORTED);
            self.apr_err("apr_socket_connect()", errno.number(), errno.text());
            return;
        }
        self.start_connect(now, slot);
    }

    /// `start_connect()`'s `apr_socket_create()` failing ends ab: `socket: Too many open files
    /// (24)`.
    fn handle_socket_failed(&mut self, now: SimTime, slot: usize, errno: Errno) {
        if !self.event(now) || self.conns[slot].state != State::Connecting {
            return;
        }
        self.apr_err("socket", errno.number(), errno.text());
    }

    /// Standard input, output and error, the poll set and two more: measured with `ulimit -n
    /// 1024` (Debian 12's ab 2.3), `ab -c 1018` runs and `ab -c 1019` stops at its
    /// 1019th socket.
    fn own_fds(&self) -> usize {
        6
    }

    fn handle_error(&mut self, now: SimTime, slot: usize, errno: Errno) {
        if !self.event(now) || self.conns[slot].state == State::Unconnected {
            return;
        }
        // Not `-r`: a receive error ends ab.
        self.t.err_recv += 1;
        self.out.samples.push_back(LoadSample::failed(self.conns[slot].start, now, errno.text()));
        self.apr_err("apr_socket_recv", errno.number(), errno.text());
    }

    fn handle_timeout(&mut self, now: SimTime) {
        if self.out.exit.is_none() && self.poll_timeout().is_some_and(|t| t <= now) {
            self.apr_err("apr_pollset_poll", 70007, "The timeout specified has expired");
        }
    }

    fn poll_timeout(&self) -> Option<SimTime> {
        let timeout = std::time::Duration::from_secs(self.args.timeout_s.max(0) as u64);
        self.out.exit.is_none().then(|| self.last_event + timeout)
    }

    fn out(&self) -> &Out {
        &self.out
    }

    fn out_mut(&mut self) -> &mut Out {
        &mut self.out
    }

    fn state(&self) -> String {
        format!("benchmarking: {} of {} requests done", self.t.done, self.args.requests)
    }
}

#[cfg(test)]
mod tests;
