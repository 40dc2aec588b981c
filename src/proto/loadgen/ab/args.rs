//! ab's command line (`main()` of `support/ab.c`, httpd 2.4.x): APR's `apr_getopt` over
//! `"n:c:t:s:b:T:p:u:v:lrkVhwiIx:y:z:C:H:P:A:g:X:de:SqB:m:Z:f:E:"`, then exactly one URL.
//! apr_getopt stops at the first word that is not an option and at an illegal one (after saying
//! so), so `ab -j URL` still runs and `ab URL -n 5` has the wrong number of arguments. Numbers
//! are read with `atoi`.

use super::super::{Finished, usage_lines, valid_host};
use crate::proto::Stream;

/// ab's usage text (`usage()`, Debian's build with OpenSSL), after `Usage: ab …`; exit `EINVAL`.
const USAGE: &str = include_str!("usage.txt");
/// `exit(EINVAL)`.
const EINVAL: i32 = 22;
/// `MAX_CONCURRENCY` of 2.4.x.
const MAX_CONCURRENCY: i64 = 20000;
/// `MAX_REQUESTS`: what `-t` sets `-n` to ("need to size data array on something").
const MAX_REQUESTS: i64 = 50000;
/// Options that take a value.
const WITH_VALUE: &str = "nctsbTpuvxyzCHPAgXeBmZfE";
/// Options without a value.
const FLAGS: &str = "lrkVhwiIdSq";
/// Options labsim models.
const MODELLED: &str = "nctsklidSqVh";

/// `copyright()`: the banner every run starts with (`-V` prints it alone).
pub(crate) const BANNER: [&str; 4] = [
    "This is ApacheBench, Version 2.3 <$Revision$>",
    "Copyright 1996 Adam Twiss, Zeus Technology Ltd, http://www.zeustech.net/",
    "Licensed to The Apache Software Foundation, http://www.apache.org/",
    "",
];

/// A parsed `ab` command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Args {
    /// `-n`.
    pub requests: u64,
    /// `-c`.
    pub concurrency: usize,
    /// `-k`.
    pub keepalive: bool,
    /// `-i`: HEAD instead of GET.
    pub head: bool,
    /// `-l`: accept a variable document length.
    pub nolength: bool,
    /// `-d` clears it: print the percentile table.
    pub percentile: bool,
    /// `-S` clears it: print the confidence estimators and warnings.
    pub confidence: bool,
    /// Print `Completed N requests` every this many (0: never; `-q`, or 150 requests or fewer).
    pub heartbeat: u64,
    /// `-s`, in seconds (30 by default).
    pub timeout_s: i64,
    /// `-t`, in seconds: the run ends at its first socket news this long after its start (0:
    /// no limit; a negative one ends it at its first news).
    pub tlimit_s: i64,
    /// The URL's host as written.
    pub host: String,
    /// The URL's port.
    pub port: u16,
    /// The path (with the query).
    pub path: String,
}

fn usage(lines: &mut Vec<(Stream, String)>, first: Option<String>) -> Finished {
    if let Some(first) = first {
        lines.push((Stream::Stderr, first));
    }
    lines.push((Stream::Stderr, "Usage: ab [options] [http[s]://]hostname[:port]/path".to_owned()));
    lines.extend(usage_lines(USAGE, Stream::Stderr));
    Finished { lines: std::mem::take(lines), status: EINVAL }
}

/// `err()`: the message, an empty line (the message's own `\n` and err's), exit 1.
fn err(msg: &str) -> Finished {
    Finished { lines: vec![(Stream::Stderr, msg.to_owned()), (Stream::Stderr, String::new())], status: 1 }
}

/// C's `atoi`: leading blanks, a sign, digits; anything else ends it.
fn atoi(s: &str) -> i64 {
    let t = s.trim_start();
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let n = digits.bytes().take_while(u8::is_ascii_digit).fold(0i64, |n, d| n.saturating_mul(10).saturating_add(i64::from(d - b'0')));
    if neg { -n } else { n }
}

impl Args {
    /// Parse the words after `ab`; `Err` is what ab prints and its exit status.
    pub(crate) fn parse(argv: &[String]) -> Result<Args, Finished> {
        let mut lines = Vec::new();
        let (mut requests, mut concurrency, mut timeout_s, mut tlimit_s) = (1i64, 1i64, 30i64, 0i64);
        let (mut keepalive, mut head, mut nolength, mut percentile, mut confidence, mut quiet) = (false, false, false, true, true, false);
        let mut ind = 0;
        'words: while ind < argv.len() {
            let word = &argv[ind];
            if word == "--" {
                ind += 1;
                break;
            }
            if !word.starts_with('-') || word.len() < 2 {
                break;
            }
            let body: Vec<char> = word[1..].chars().collect();
            ind += 1;
            let mut pos = 0;
            while pos < body.len() {
                let ch = body[pos];
                pos += 1;
                if !WITH_VALUE.contains(ch) && !FLAGS.contains(ch) {
                    lines.push((Stream::Stderr, format!("ab: illegal option -- {ch}")));
                    if pos < body.len() {
                        ind -= 1;
                    }
                    break 'words;
                }
                let value = if WITH_VALUE.contains(ch) {
                    let rest: String = body[pos..].iter().collect();
                    pos = body.len();
                    if !rest.is_empty() {
                        Some(rest)
                    } else if let Some(next) = argv.get(ind) {
                        ind += 1;
                        Some(next.clone())
                    } else {
                        lines.push((Stream::Stderr, format!("ab: option requires an argument -- {ch}")));
                        break 'words;
                    }
                } else {
                    None
                };
                if !MODELLED.contains(ch) {
                    return Err(Finished {
                        lines: vec![(Stream::Stderr, format!("ab: option -{ch} is not modelled by labsim"))],
                        status: 2,
                    });
                }
                let v = value.as_deref().unwrap_or("");
                match ch {
                    'n' => {
                        requests = atoi(v);
                        if requests <= 0 {
                            return Err(err("Invalid number of requests"));
                        }
                    }
                    'c' => concurrency = atoi(v),
                    't' => {
                        tlimit_s = atoi(v);
                        requests = MAX_REQUESTS;
                    }
                    's' => timeout_s = atoi(v),
                    'k' => keepalive = true,
                    'l' => nolength = true,
                    'i' => head = true,
                    'd' => percentile = false,
                    'S' => confidence = false,
                    'q' => quiet = true,
                    'V' => return Err(Finished { lines: BANNER.iter().map(|l| (Stream::Stdout, (*l).to_owned())).collect(), status: 0 }),
                    _ => return Err(usage(&mut lines, None)),
                }
            }
        }
        if ind + 1 != argv.len() {
            return Err(usage(&mut lines, Some("ab: wrong number of arguments".to_owned())));
        }
        let Some((host, port, path)) = parse_url(&argv[ind]) else {
            return Err(usage(&mut lines, Some("ab: invalid URL".to_owned())));
        };
        if !(0..=MAX_CONCURRENCY).contains(&concurrency) {
            return Err(usage(&mut lines, Some(format!("ab: Invalid Concurrency [Range 0..{MAX_CONCURRENCY}]"))));
        }
        if concurrency > requests {
            return Err(usage(&mut lines, Some("ab: Cannot use concurrency level greater than total number of requests".to_owned())));
        }
        let requests = requests as u64;
        // "Print line every 10% of requests … but never more often than once every 100".
        let heartbeat = if !quiet && requests > 150 { (requests / 10).max(100) } else { 0 };
        Ok(Args {
            requests,
            concurrency: concurrency as usize,
            keepalive,
            head,
            nolength,
            percentile,
            confidence,
            heartbeat,
            timeout_s,
            tlimit_s,
            host,
            port,
            path,
        })
    }

    /// The request ab sends on every connection (`test()`): HTTP/1.0, `Connection: Keep-Alive`
    /// with `-k`, then `Host` (with the port unless 80), `User-Agent` and `Accept`.
    pub(crate) fn request(&self) -> Vec<u8> {
        let method = if self.head { "HEAD" } else { "GET" };
        let ka = if self.keepalive { "Connection: Keep-Alive\r\n" } else { "" };
        let colonhost = if self.port == 80 { String::new() } else { format!(":{}", self.port) };
        format!(
            "{method} {} HTTP/1.0\r\n{ka}Host: {}{colonhost}\r\nUser-Agent: ApacheBench/2.3\r\nAccept: */*\r\n\r\n",
            self.path, self.host
        )
        .into_bytes()
    }
}

/// `parse_url()`: an optional `http://`, then `host[:port]` up to the first `/`, which starts
/// the path (a URL without one is invalid). `https://` is TLS, which labsim does not model.
fn parse_url(url: &str) -> Option<(String, u16, String)> {
    let rest = if url.len() > 7 && url.starts_with("http://") { &url[7..] } else { url };
    let slash = rest.find('/')?;
    let (hostport, path) = rest.split_at(slash);
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) => (h, p.parse::<u16>().ok().filter(|p| *p != 0)?),
        None => (hostport, 80),
    };
    if !valid_host(host) {
        return None;
    }
    Some((host.to_owned(), port, path.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(words: &[&str]) -> Result<Args, Finished> {
        Args::parse(&super::super::super::scaffold::argv(words))
    }

    #[test]
    fn options_and_url() {
        let a = parse(&["-kq", "-n100", "-c", "10", "http://10.0.0.100:8080/x?y"]).unwrap();
        assert_eq!((a.requests, a.concurrency, a.keepalive, a.heartbeat), (100, 10, true, 0));
        assert_eq!((a.host.as_str(), a.port, a.path.as_str()), ("10.0.0.100", 8080, "/x?y"));
        assert_eq!(
            a.request(),
            b"GET /x?y HTTP/1.0\r\nConnection: Keep-Alive\r\nHost: 10.0.0.100:8080\r\nUser-Agent: ApacheBench/2.3\r\nAccept: */*\r\n\r\n"
        );
        assert_eq!(parse(&["-n", "1000", "web/"]).unwrap().heartbeat, 100);
        assert_eq!(parse(&["-n", "5000", "web/"]).unwrap().heartbeat, 500);
        // `-t` sets `-n` to 50 000, and an `-n` after it wins.
        let t = parse(&["-n", "100", "-t", "5", "web/"]).unwrap();
        assert_eq!((t.requests, t.tlimit_s, t.heartbeat), (50_000, 5, 5_000));
        assert_eq!(parse(&["-t", "5", "-n", "100", "web/"]).unwrap().requests, 100);
    }

    #[test]
    fn errors_as_ab_prints_them() {
        let e = parse(&["-j", "-n", "5", "http://h/"]).unwrap_err();
        assert_eq!(e.status, 22);
        assert_eq!(e.lines[0].1, "ab: illegal option -- j");
        assert_eq!(e.lines[1].1, "ab: wrong number of arguments");
        // An illegal option ends the options; one word left is the URL, and ab runs.
        assert!(parse(&["-n", "5", "-j", "http://h/"]).is_ok());
        assert_eq!(parse(&["-n", "0", "h/"]).unwrap_err(), err("Invalid number of requests"));
        assert_eq!(parse(&["-n", "10", "h:80"]).unwrap_err().lines[0].1, "ab: invalid URL");
        assert_eq!(parse(&["h/", "-n", "5"]).unwrap_err().lines[0].1, "ab: wrong number of arguments");
        let e = parse(&["-n", "5", "-c", "10", "h/"]).unwrap_err();
        assert_eq!(e.lines[0].1, "ab: Cannot use concurrency level greater than total number of requests");
        assert_eq!(parse(&["-V"]).unwrap_err().status, 0);
    }
}
