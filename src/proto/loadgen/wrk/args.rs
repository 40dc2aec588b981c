//! wrk's command line (`parse_args()` of `src/wrk.c`): glibc's `getopt_long` over
//! `"t:c:d:s:H:T:Lrv?"` and the long options; any problem prints the usage on stdout and exits 1.

use super::super::{Finished, usage_lines, valid_host};
use super::stats::{scan_metric, scan_time};
use crate::proto::Stream;

/// `usage()`, with its trailing spaces.
const USAGE: &str = include_str!("usage.txt");
/// `-v`: `printf("wrk %s [%s] ", VERSION, aeGetApiName())` and the copyright.
pub(crate) const VERSION: &str = "wrk debian/4.1.0-3+b2 [epoll] Copyright (C) 2012 Will Glozer";

/// A parsed `wrk` command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Args {
    /// `-t` (2).
    pub threads: u64,
    /// `-c` (10).
    pub connections: u64,
    /// `-d`, seconds (10).
    pub duration_s: u64,
    /// `--timeout`, ms (2000, `SOCKET_TIMEOUT_MS`).
    pub timeout_ms: u64,
    /// `--latency`.
    pub latency: bool,
    /// The URL as written.
    pub url: String,
    /// Its host.
    pub host: String,
    /// Its port as written, if any (`service` is the port or the scheme).
    pub port: Option<u16>,
    /// The path and query (`/` if none).
    pub path: String,
    /// Lines `-v` printed before the run.
    pub printed: Vec<(Stream, String)>,
}

fn usage(mut lines: Vec<(Stream, String)>) -> Finished {
    lines.extend(usage_lines(USAGE, Stream::Stdout));
    Finished { lines, status: 1 }
}

/// `-t`'s and friends' long names.
const LONG: &[(&str, char, bool)] = &[
    ("connections", 'c', true),
    ("duration", 'd', true),
    ("threads", 't', true),
    ("script", 's', true),
    ("header", 'H', true),
    ("latency", 'L', false),
    ("timeout", 'T', true),
    ("help", 'h', false),
    ("version", 'v', false),
];

impl Args {
    /// Parse the words after `wrk`.
    pub(crate) fn parse(argv: &[String]) -> Result<Args, Finished> {
        let mut lines = Vec::new();
        let (mut threads, mut connections, mut duration_s, mut timeout_ms, mut latency) = (2u64, 10u64, 10u64, 2000u64, false);
        let mut operands = Vec::new();
        let mut i = 0;
        // getopt_long permutes: operands may come before options.
        while i < argv.len() {
            let word = argv[i].as_str();
            i += 1;
            let mut opts: Vec<(char, Option<String>)> = Vec::new();
            if word == "--" {
                operands.extend(argv[i..].iter().cloned());
                break;
            } else if let Some(long) = word.strip_prefix("--") {
                let (name, attached) = match long.split_once('=') {
                    Some((n, v)) => (n, Some(v.to_owned())),
                    None => (long, None),
                };
                let found: Vec<_> = LONG.iter().filter(|(n, _, _)| n.starts_with(name)).collect();
                let Some(&&(full, ch, takes)) = found.iter().find(|(n, _, _)| *n == name).or(found.first().filter(|_| found.len() == 1))
                else {
                    lines.push((Stream::Stderr, format!("wrk: unrecognized option '{word}'")));
                    return Err(usage(lines));
                };
                let value = if takes {
                    match attached.or_else(|| argv.get(i).cloned().inspect(|_| i += 1)) {
                        Some(v) => Some(v),
                        None => {
                            lines.push((Stream::Stderr, format!("wrk: option '--{full}' requires an argument")));
                            return Err(usage(lines));
                        }
                    }
                } else {
                    None
                };
                opts.push((ch, value));
            } else if word.len() > 1 && word.starts_with('-') {
                let body: Vec<char> = word[1..].chars().collect();
                let mut p = 0;
                while p < body.len() {
                    let ch = body[p];
                    p += 1;
                    if "tcdsHT".contains(ch) {
                        let rest: String = body[p..].iter().collect();
                        let value = if !rest.is_empty() {
                            rest
                        } else if let Some(v) = argv.get(i) {
                            i += 1;
                            v.clone()
                        } else {
                            lines.push((Stream::Stderr, format!("wrk: option requires an argument -- '{ch}'")));
                            return Err(usage(lines));
                        };
                        opts.push((ch, Some(value)));
                        break;
                    } else if "Lrv?".contains(ch) {
                        opts.push((ch, None));
                    } else {
                        lines.push((Stream::Stderr, format!("wrk: invalid option -- '{ch}'")));
                        return Err(usage(lines));
                    }
                }
            } else {
                operands.push(word.to_owned());
            }
            for (ch, value) in opts {
                let v = value.as_deref().unwrap_or("");
                let ok = match ch {
                    't' => scan_metric(v).map(|n| threads = n).is_some(),
                    'c' => scan_metric(v).map(|n| connections = n).is_some(),
                    'd' => scan_time(v).map(|n| duration_s = n).is_some(),
                    'T' => scan_time(v).map(|n| timeout_ms = n.saturating_mul(1000)).is_some(),
                    'L' => {
                        latency = true;
                        true
                    }
                    'v' => {
                        lines.push((Stream::Stdout, VERSION.to_owned()));
                        true
                    }
                    's' | 'H' => {
                        return Err(Finished {
                            lines: vec![(Stream::Stderr, format!("wrk: option -{ch} is not modelled by labsim"))],
                            status: 2,
                        });
                    }
                    _ => false,
                };
                if !ok {
                    return Err(usage(lines));
                }
            }
        }
        if operands.is_empty() || threads == 0 || duration_s == 0 {
            return Err(usage(lines));
        }
        let url = operands[0].clone();
        let Some((host, port, path)) = parse_url(&url) else {
            lines.push((Stream::Stderr, format!("invalid URL: {url}")));
            return Err(usage(lines));
        };
        if connections == 0 || connections < threads {
            lines.push((Stream::Stderr, "number of connections must be >= threads".to_owned()));
            return Err(usage(lines));
        }
        Ok(Args { threads, connections, duration_s, timeout_ms, latency, url, host, port, path, printed: lines })
    }

    /// The request of `wrk.format()` with only the `Host` header (`host[:port]` as written).
    pub(crate) fn request(&self) -> Vec<u8> {
        let host = match self.port {
            Some(p) => format!("{}:{p}", self.host),
            None => self.host.clone(),
        };
        format!("GET {} HTTP/1.1\r\nHost: {host}\r\n\r\n", self.path).into_bytes()
    }

    /// `service`: the port as written, else the scheme.
    pub(crate) fn service(&self) -> String {
        self.port.map_or_else(|| "http".to_owned(), |p| p.to_string())
    }
}

/// `http_parser_parse_url` for `http://host[:port][/path]`; `https` is TLS, not modelled.
fn parse_url(url: &str) -> Option<(String, Option<u16>, String)> {
    let (scheme, rest) = url.split_once("://")?;
    if !scheme.eq_ignore_ascii_case("http") {
        return None;
    }
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (hostport, tail) = rest.split_at(end);
    let (host, port) = match hostport.split_once(':') {
        Some((h, p)) => (h, Some(p.parse::<u16>().ok()?)),
        None => (hostport, None),
    };
    if !valid_host(host) {
        return None;
    }
    let path = if tail.starts_with('/') {
        tail.to_owned()
    } else if tail.is_empty() {
        "/".to_owned()
    } else {
        format!("/{tail}")
    };
    Some((host.to_owned(), port, path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(words: &[&str]) -> Result<Args, Finished> {
        Args::parse(&super::super::super::scaffold::argv(words))
    }

    #[test]
    fn options() {
        let a = parse(&["-t2", "-c", "10", "-d2s", "--latency", "http://10.0.0.100/"]).unwrap();
        assert_eq!((a.threads, a.connections, a.duration_s, a.latency), (2, 10, 2, true));
        assert_eq!(a.request(), b"GET / HTTP/1.1\r\nHost: 10.0.0.100\r\n\r\n");
        assert_eq!(a.service(), "http");
        assert_eq!(parse(&["http://h:8080", "-d", "1m"]).unwrap().duration_s, 60);
    }

    #[test]
    fn errors() {
        let e = parse(&["-Z", "http://h/"]).unwrap_err();
        assert_eq!((e.status, e.lines[0].clone()), (1, (Stream::Stderr, "wrk: invalid option -- 'Z'".to_owned())));
        assert_eq!(e.lines[1].1, "Usage: wrk <options> <url>                            ");
        assert_eq!(parse(&["-t2"]).unwrap_err().lines.len(), 14);
        let e = parse(&["-t", "4", "-c", "2", "http://h/"]).unwrap_err();
        assert_eq!(e.lines[0].1, "number of connections must be >= threads");
        assert_eq!(parse(&["h/"]).unwrap_err().lines[0].1, "invalid URL: h/");
    }
}
