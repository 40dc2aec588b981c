//! HTTP/1.x message heads (request line or status line plus header fields), shared by the httpd,
//! nginx and curl cores.
//!
//! Parsing is incremental: the caller keeps the bytes received so far in a buffer and calls
//! [`parse_request`] / [`parse_response`] after each arrival. The answer is [`Parsed::Partial`]
//! (need more bytes), [`Parsed::Complete`] with the number of bytes the head used (the body, if
//! any, follows), or [`Parsed::Invalid`] with a [`HeadError`] saying *why*, so that each server can
//! answer as the real one does (Apache: 400 / 414; nginx: 400 / 414 / "Request Header Or Cookie
//! Too Large"). Size limits are checked line by line *before* the head is complete, as both
//! servers do, so an endless header line is refused as soon as it passes the limit.
//!
//! Line syntax is left to `httparse` (this module is the crate's only user of it); this module
//! adds the limits, owned heads that keep header order and spelling, and exact emitting
//! (`RequestHead::to_bytes` for the tests and fuzzing, [`ResponseHead::to_bytes`]): `<start line>\r\n` then
//! `Name: value\r\n` per header, then `\r\n`.
//!
//! nginx reads an upstream's response differently from the above: it judges each line as it
//! arrives, so bad syntax is refused before the head is complete, and it tells a bad status line
//! from a bad header line. [`parse_response_eager`] does that.
//!
//! Not modelled: obsolete line folding (refused as malformed), chunked bodies (the caller sees the
//! `Transfer-Encoding` header and decides).

use std::borrow::Cow;
use std::fmt;

/// HTTP protocol version of a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Version {
    /// `HTTP/1.0`.
    Http10,
    /// `HTTP/1.1`.
    Http11,
}

impl Version {
    /// The protocol token, `HTTP/1.0` or `HTTP/1.1`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Version::Http10 => "HTTP/1.0",
            Version::Http11 => "HTTP/1.1",
        }
    }

    fn from_minor(minor: u8) -> Version {
        if minor == 0 { Version::Http10 } else { Version::Http11 }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Size limits applied while a head is read. `None` = unlimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Limits {
    /// Longest request/status line, without its line end.
    pub max_start_line: Option<usize>,
    /// Longest header line (`Name: value`), without its line end.
    pub max_field_line: Option<usize>,
    /// Most header fields.
    pub max_fields: Option<usize>,
    /// Largest whole head, line ends included.
    pub max_head: Option<usize>,
}

impl Limits {
    /// Apache 2.4 defaults: `LimitRequestLine 8190`, `LimitRequestFieldSize 8190`,
    /// `LimitRequestFields 100` (no separate limit on the whole head).
    pub(crate) const APACHE: Limits =
        Limits { max_start_line: Some(8190), max_field_line: Some(8190), max_fields: Some(100), max_head: None };

    /// nginx defaults, `large_client_header_buffers 4 8k`: every line (request line or header)
    /// must fit in one 8 KiB buffer, line end included, and the head in four of them.
    pub(crate) const NGINX: Limits =
        Limits { max_start_line: Some(8192 - 2), max_field_line: Some(8192 - 2), max_fields: None, max_head: Some(4 * 8192) };

    /// No limits (responses read by curl; curl's own 100 KiB header cap is far above anything the
    /// lab's servers send).
    pub(crate) const NONE: Limits = Limits { max_start_line: None, max_field_line: None, max_fields: None, max_head: None };
}

/// Why a head was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum HeadError {
    /// Not HTTP/1.x syntax (bad request line, header without `:`, bad characters, bad version).
    Malformed,
    /// The request/status line is longer than [`Limits::max_start_line`] (Apache: 414).
    StartLineTooLong,
    /// A header line is longer than [`Limits::max_field_line`]; `name` is the part before the
    /// first `:` (or the whole prefix seen), for Apache's log line.
    FieldTooLong {
        /// The field name, as far as it was received.
        name: String,
    },
    /// More than [`Limits::max_fields`] header fields.
    TooManyFields,
    /// The whole head is larger than [`Limits::max_head`].
    HeadTooLarge,
}

impl fmt::Display for HeadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HeadError::Malformed => f.write_str("malformed HTTP head"),
            HeadError::StartLineTooLong => f.write_str("start line too long"),
            HeadError::FieldTooLong { name } => write!(f, "header field too long: {name}"),
            HeadError::TooManyFields => f.write_str("too many header fields"),
            HeadError::HeadTooLarge => f.write_str("head too large"),
        }
    }
}

/// Why [`parse_response_eager`] refused a response head.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ResponseError {
    /// The status line is not `HTTP/1.x NNN reason` (bad version or status code; nginx: "upstream
    /// sent no valid HTTP/1.0 header").
    StatusLine,
    /// Anything else: a bad header line or line end, or more than [`EAGER_MAX_FIELDS`] header
    /// fields (nginx: "upstream sent invalid header").
    Header,
}

/// Result of feeding the bytes received so far to a head parser.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Parsed<H, E = HeadError> {
    /// A whole head was parsed; it used the first `head_len` bytes of the buffer.
    Complete {
        /// The head.
        head: H,
        /// Bytes used, including the empty line that ends the head.
        head_len: usize,
    },
    /// The head is not complete yet (and no limit is exceeded so far).
    Partial,
    /// The bytes can never become a valid head.
    Invalid(E),
}

/// Headers as received or to be sent: `(name, value)` in order, spelling preserved.
pub(crate) type Headers = Vec<Header>;

/// One header: its name and value.
pub(crate) type Header = (HeaderName, String);

/// A header's name as spelled. The names the lab's servers and clients send are shared
/// statics, so that a parsed head allocates for its values only.
pub(crate) type HeaderName = Cow<'static, str>;

/// The names that [`header_name`] shares: those curl, ab, wrk, the user-population generator,
/// nginx and httpd send, in their usual spelling.
const COMMON_NAMES: [&str; 18] = [
    "Host",
    "User-Agent",
    "Accept",
    "Connection",
    "Date",
    "Server",
    "Content-Length",
    "Content-Type",
    "Last-Modified",
    "ETag",
    "Accept-Ranges",
    "Keep-Alive",
    "Accept-Encoding",
    "X-Real-IP",
    "X-Forwarded-For",
    "Location",
    "Cache-Control",
    "Vary",
];

/// `name` as a [`HeaderName`]: a shared static when it is one of the common names spelled
/// the same, else a copy.
pub(crate) fn header_name(name: &str) -> HeaderName {
    COMMON_NAMES.iter().find(|&&common| common == name).map_or_else(|| Cow::Owned(name.to_owned()), |&common| Cow::Borrowed(common))
}

/// The first value of header `name` (ASCII case-insensitive).
pub(crate) fn find_header<'a>(headers: &'a [Header], name: &str) -> Option<&'a str> {
    headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

/// Whether the comma-separated header `name` (e.g. `Connection`) contains `token`
/// (case-insensitive), looking at every occurrence of the header.
pub(crate) fn header_has_token(headers: &[Header], name: &str, token: &str) -> bool {
    headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .flat_map(|(_, v)| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

fn content_length_of(headers: &[Header]) -> Option<u64> {
    let v = find_header(headers, "Content-Length")?.trim();
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    v.parse().ok()
}

fn emit_headers(out: &mut Vec<u8>, headers: &[Header]) {
    for (n, v) in headers {
        out.extend_from_slice(n.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(v.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
}

/// A request line and its headers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RequestHead {
    /// Method token as sent (`GET`, `HEAD`, …; case preserved).
    pub method: String,
    /// Request target as sent (`/`, `/index.html?x=1`, or an absolute URI).
    pub target: String,
    /// Protocol version.
    pub version: Version,
    /// Header fields in order.
    pub headers: Headers,
}

impl RequestHead {
    /// A request with no headers.
    #[cfg(test)]
    pub(crate) fn new(method: &str, target: &str, version: Version) -> Self {
        RequestHead { method: method.to_string(), target: target.to_string(), version, headers: Vec::new() }
    }

    /// Append a header (builder style).
    #[cfg(test)]
    pub(crate) fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((header_name(name), value.to_string()));
        self
    }

    /// The first value of header `name` (case-insensitive).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// `Content-Length` as a number; `None` if absent or not a plain decimal number.
    pub(crate) fn content_length(&self) -> Option<u64> {
        content_length_of(&self.headers)
    }

    /// The bytes this request occupies (head plus `Content-Length` body), or `None` when the
    /// declared length cannot be buffered (over `max_body`, or beyond what memory can address):
    /// servers answer that with 413.
    pub(crate) fn extent(&self, head_len: usize, max_body: u64) -> Option<usize> {
        let body = self.content_length().unwrap_or(0);
        if body > max_body {
            return None;
        }
        head_len.checked_add(usize::try_from(body).ok()?)
    }

    /// The request line without its line end: `GET / HTTP/1.1`.
    pub(crate) fn request_line(&self) -> String {
        let mut line = String::with_capacity(self.method.len() + self.target.len() + 10);
        self.push_request_line(&mut line);
        line
    }

    /// Appends the request line (without its line end) to `out`.
    pub(crate) fn push_request_line(&self, out: &mut String) {
        for part in [self.method.as_str(), " ", self.target.as_str(), " ", self.version.as_str()] {
            out.push_str(part);
        }
    }

    /// The head as sent on the wire.
    #[cfg(any(test, feature = "fuzzing"))]
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.buffer_len());
        out.extend_from_slice(self.request_line().as_bytes());
        out.extend_from_slice(b"\r\n");
        emit_headers(&mut out, &self.headers);
        out
    }

    /// Length of [`RequestHead::to_bytes`].
    #[cfg(any(test, feature = "fuzzing"))]
    pub(crate) fn buffer_len(&self) -> usize {
        self.method.len() + self.target.len() + 8 + 4 + headers_len(&self.headers) + 2
    }
}

pub(crate) fn headers_len(headers: &[Header]) -> usize {
    headers.iter().map(|(n, v)| n.len() + v.len() + 4).sum()
}

/// A status line and its headers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ResponseHead {
    /// Protocol version of the status line.
    pub version: Version,
    /// Status code.
    pub status: u16,
    /// Reason phrase (may be empty).
    pub reason: String,
    /// Header fields in order.
    pub headers: Headers,
}

impl ResponseHead {
    /// A response with no headers.
    pub(crate) fn new(version: Version, status: u16, reason: &str) -> Self {
        ResponseHead { version, status, reason: reason.to_string(), headers: Vec::new() }
    }

    /// Append a header.
    pub(crate) fn push(&mut self, name: &str, value: impl Into<String>) {
        self.headers.push((header_name(name), value.into()));
    }

    /// The first value of header `name` (case-insensitive).
    #[cfg(any(test, feature = "fuzzing"))]
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// `Content-Length` as a number; `None` if absent or not a plain decimal number.
    pub(crate) fn content_length(&self) -> Option<u64> {
        content_length_of(&self.headers)
    }

    /// Whether the connection persists after this response, as a client judges it (RFC 9112
    /// §9.3; http-parser's `http_should_keep_alive`, which wrk uses): HTTP/1.1 unless
    /// `Connection: close`, HTTP/1.0 only with `Connection: keep-alive` (tokens
    /// case-insensitive). That a body read to the connection's end ends it too is the caller's.
    pub(crate) fn keeps_alive(&self) -> bool {
        match self.version {
            Version::Http10 => header_has_token(&self.headers, "Connection", "keep-alive"),
            Version::Http11 => !header_has_token(&self.headers, "Connection", "close"),
        }
    }

    /// The status line without its line end: `HTTP/1.1 200 OK`. The code has its three digits,
    /// as it was received (`004` parses as 4).
    pub(crate) fn status_line(&self) -> String {
        format!("{} {:03} {}", self.version, self.status, self.reason)
    }

    /// The head as sent on the wire.
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.buffer_len());
        out.extend_from_slice(self.status_line().as_bytes());
        out.extend_from_slice(b"\r\n");
        emit_headers(&mut out, &self.headers);
        out
    }

    /// Length of [`ResponseHead::to_bytes`].
    pub(crate) fn buffer_len(&self) -> usize {
        8 + 1 + 3 + 1 + self.reason.len() + 2 + headers_len(&self.headers) + 2
    }
}

/// The standard reason phrase of `status` as Apache and nginx write it ("" if unknown).
pub(crate) fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        411 => "Length Required",
        413 => "Request Entity Too Large",
        414 => "Request-URI Too Long",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}

/// Where the head ends, after checking the per-line limits.
enum Scan {
    /// `head_len` bytes, `fields` header lines.
    Done {
        head_len: usize,
        fields: usize,
    },
    Partial,
    Invalid(HeadError),
}

fn too_long(len: usize, limit: Option<usize>) -> bool {
    limit.is_some_and(|max| len > max)
}

fn line_len(line: &[u8]) -> usize {
    line.strip_suffix(b"\r").unwrap_or(line).len()
}

fn field_name(line: &[u8]) -> String {
    let end = line.iter().position(|&b| b == b':').unwrap_or(line.len());
    String::from_utf8_lossy(&line[..end.min(256)]).into_owned()
}

fn scan(buf: &[u8], limits: &Limits) -> Scan {
    // Empty lines before the start line are skipped by Apache, nginx and httparse alike.
    let mut pos = 0;
    while pos < buf.len() && (buf[pos] == b'\r' || buf[pos] == b'\n') {
        pos += 1;
    }
    let mut fields = 0usize;
    let mut first = true;
    loop {
        let rest = &buf[pos..];
        let Some(nl) = rest.iter().position(|&b| b == b'\n') else {
            // An unfinished line: refuse as soon as it cannot fit any more.
            let limit = if first { limits.max_start_line } else { limits.max_field_line };
            if too_long(rest.strip_suffix(b"\r").unwrap_or(rest).len(), limit) {
                return Scan::Invalid(if first { HeadError::StartLineTooLong } else { HeadError::FieldTooLong { name: field_name(rest) } });
            }
            if too_long(buf.len(), limits.max_head) {
                return Scan::Invalid(HeadError::HeadTooLarge);
            }
            return Scan::Partial;
        };
        let line = &rest[..nl];
        let len = line_len(line);
        pos += nl + 1;
        if first {
            if too_long(len, limits.max_start_line) {
                return Scan::Invalid(HeadError::StartLineTooLong);
            }
            first = false;
        } else if len == 0 {
            if too_long(pos, limits.max_head) {
                return Scan::Invalid(HeadError::HeadTooLarge);
            }
            return Scan::Done { head_len: pos, fields };
        } else {
            if too_long(len, limits.max_field_line) {
                return Scan::Invalid(HeadError::FieldTooLong { name: field_name(line) });
            }
            fields += 1;
            if too_long(fields, limits.max_fields) {
                return Scan::Invalid(HeadError::TooManyFields);
            }
        }
        if too_long(pos, limits.max_head) {
            return Scan::Invalid(HeadError::HeadTooLarge);
        }
    }
}

fn owned_headers(headers: &[httparse::Header<'_>]) -> Headers {
    // A value is nearly always valid UTF-8, which `from_utf8` checks far faster than the lossy
    // conversion walks it.
    let value = |v: &[u8]| std::str::from_utf8(v).map_or_else(|_| String::from_utf8_lossy(v).into_owned(), str::to_owned);
    headers.iter().map(|h| (header_name(h.name), value(h.value))).collect()
}

/// Parse a request head from the start of `buf` under `limits`.
pub(crate) fn parse_request(buf: &[u8], limits: &Limits) -> Parsed<RequestHead> {
    let (head_len, fields) = match scan(buf, limits) {
        Scan::Done { head_len, fields } => (head_len, fields),
        Scan::Partial => return Parsed::Partial,
        Scan::Invalid(e) => return Parsed::Invalid(e),
    };
    let mut storage = vec![httparse::EMPTY_HEADER; fields];
    let mut req = httparse::Request::new(&mut storage);
    match req.parse(&buf[..head_len]) {
        Ok(httparse::Status::Complete(n)) if n == head_len => {}
        _ => return Parsed::Invalid(HeadError::Malformed),
    }
    let (Some(method), Some(target), Some(minor)) = (req.method, req.path, req.version) else {
        return Parsed::Invalid(HeadError::Malformed);
    };
    let head = RequestHead {
        method: method.to_string(),
        target: target.to_string(),
        version: Version::from_minor(minor),
        headers: owned_headers(req.headers),
    };
    Parsed::Complete { head, head_len }
}

/// Parse a response head from the start of `buf`, without limits.
pub(crate) fn parse_response(buf: &[u8]) -> Parsed<ResponseHead> {
    parse_response_with(buf, &Limits::NONE)
}

/// Parse a response head from the start of `buf` under `limits` (nginx's `proxy_buffer_size`
/// can be expressed as [`Limits::max_head`]).
pub(crate) fn parse_response_with(buf: &[u8], limits: &Limits) -> Parsed<ResponseHead> {
    let (head_len, fields) = match scan(buf, limits) {
        Scan::Done { head_len, fields } => (head_len, fields),
        Scan::Partial => return Parsed::Partial,
        Scan::Invalid(e) => return Parsed::Invalid(e),
    };
    let mut storage = vec![httparse::EMPTY_HEADER; fields];
    let mut resp = httparse::Response::new(&mut storage);
    match resp.parse(&buf[..head_len]) {
        Ok(httparse::Status::Complete(n)) if n == head_len => {}
        _ => return Parsed::Invalid(HeadError::Malformed),
    }
    match response_head(&resp) {
        Some(head) => Parsed::Complete { head, head_len },
        None => Parsed::Invalid(HeadError::Malformed),
    }
}

/// An owned head from what `httparse` read; `None` without a version or status.
fn response_head(resp: &httparse::Response<'_, '_>) -> Option<ResponseHead> {
    Some(ResponseHead {
        version: Version::from_minor(resp.version?),
        status: resp.code?,
        reason: resp.reason.unwrap_or("").to_string(),
        headers: owned_headers(resp.headers),
    })
}

/// The most header fields [`parse_response_eager`] accepts.
pub(crate) const EAGER_MAX_FIELDS: usize = 64;

/// Parse a response head from the start of `buf` as nginx reads an upstream's response: syntax
/// is judged on the bytes so far (an error can come before the head is complete), there are no
/// line-length limits (the caller bounds the buffer) and at most [`EAGER_MAX_FIELDS`] fields.
pub(crate) fn parse_response_eager(buf: &[u8]) -> Parsed<ResponseHead, ResponseError> {
    let mut storage = [httparse::EMPTY_HEADER; EAGER_MAX_FIELDS];
    let mut resp = httparse::Response::new(&mut storage);
    let head_len = match resp.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Parsed::Partial,
        Err(httparse::Error::Version | httparse::Error::Status) => return Parsed::Invalid(ResponseError::StatusLine),
        Err(_) => return Parsed::Invalid(ResponseError::Header),
    };
    match response_head(&resp) {
        Some(head) => Parsed::Complete { head, head_len },
        None => Parsed::Invalid(ResponseError::StatusLine),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// curl's request (spec-host §4).
    const CURL_REQ: &[u8] = b"GET / HTTP/1.1\r\nHost: 10.0.0.100\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n";

    /// nginx's request upstream (spec-nginx-upstream §6).
    const NGINX_REQ: &[u8] = b"GET / HTTP/1.0\r\nHost: 10.99.0.11\r\nX-Real-IP: 10.99.0.50\r\n\
X-Forwarded-For: 10.99.0.50\r\nConnection: close\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n";

    /// Apache's 200 head (spec-host §3.1).
    const APACHE_200: &[u8] = b"HTTP/1.1 200 OK\r\nDate: Tue, 24 Nov 2026 16:07:42 GMT\r\n\
Server: Apache/2.4.71 (Debian)\r\nLast-Modified: Tue, 02 Jan 2024 03:04:05 GMT\r\n\
ETag: \"34-60dedc04fb580\"\r\nAccept-Ranges: bytes\r\nContent-Length: 52\r\nContent-Type: text/html\r\n\r\n";

    /// nginx's 200 head to the client (spec-nginx-upstream §7).
    const NGINX_200: &[u8] = b"HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Tue, 24 Nov 2026 16:08:16 GMT\r\n\
Content-Type: text/html\r\nContent-Length: 327\r\nConnection: keep-alive\r\n\
Last-Modified: Tue, 24 Nov 2026 16:07:56 GMT\r\nETag: \"147-66107e9e3903c\"\r\nAccept-Ranges: bytes\r\n\
Vary: Accept-Encoding\r\n\r\n";

    fn complete<H, E: fmt::Debug>(p: Parsed<H, E>) -> (H, usize) {
        match p {
            Parsed::Complete { head, head_len } => (head, head_len),
            Parsed::Partial => panic!("partial"),
            Parsed::Invalid(e) => panic!("invalid: {e:?}"),
        }
    }

    #[test]
    fn curl_request_both_ways() {
        let (head, len) = complete(parse_request(CURL_REQ, &Limits::APACHE));
        assert_eq!(len, CURL_REQ.len());
        let built = RequestHead::new("GET", "/", Version::Http11)
            .with_header("Host", "10.0.0.100")
            .with_header("User-Agent", "curl/7.88.1")
            .with_header("Accept", "*/*");
        assert_eq!(head, built);
        assert_eq!(built.to_bytes(), CURL_REQ);
        assert_eq!(built.buffer_len(), CURL_REQ.len());
        assert_eq!(head.header("user-agent"), Some("curl/7.88.1"));
        assert_eq!(head.content_length(), None);
    }

    #[test]
    fn nginx_request_round_trips() {
        let (head, len) = complete(parse_request(NGINX_REQ, &Limits::APACHE));
        assert_eq!(len, NGINX_REQ.len());
        assert_eq!(head.version, Version::Http10);
        assert_eq!(head.headers.len(), 6);
        assert!(header_has_token(&head.headers, "connection", "Close"));
        assert_eq!(head.to_bytes(), NGINX_REQ);
    }

    #[test]
    fn responses_round_trip() {
        for fixture in [APACHE_200, NGINX_200] {
            let mut buf = fixture.to_vec();
            buf.extend_from_slice(b"body bytes");
            let (head, len) = complete(parse_response(&buf));
            assert_eq!(len, fixture.len());
            assert_eq!(head.to_bytes(), fixture);
            assert_eq!(head.buffer_len(), fixture.len());
            assert_eq!(head.status, 200);
            assert_eq!(head.reason, "OK");
        }
        let (head, _) = complete(parse_response(APACHE_200));
        assert_eq!(head.content_length(), Some(52));
        assert_eq!(head.header("etag"), Some("\"34-60dedc04fb580\""));
    }

    /// Whether the response `head` (without its final empty line) keeps the connection alive.
    fn keeps_alive(head: &str) -> bool {
        complete(parse_response(format!("{head}\r\n\r\n").as_bytes())).0.keeps_alive()
    }

    #[test]
    fn http_1_1_keeps_alive_unless_connection_close() {
        assert!(keeps_alive("HTTP/1.1 200 OK"));
        assert!(keeps_alive("HTTP/1.1 200 OK\r\nConnection: keep-alive"));
        assert!(!keeps_alive("HTTP/1.1 200 OK\r\nConnection: close"));
        assert!(!keeps_alive("HTTP/1.1 200 OK\r\nConnection: Upgrade, close"));
    }

    #[test]
    fn http_1_0_keeps_alive_only_with_connection_keep_alive() {
        assert!(!keeps_alive("HTTP/1.0 200 OK"));
        assert!(!keeps_alive("HTTP/1.0 200 OK\r\nConnection: close"));
        assert!(keeps_alive("HTTP/1.0 200 OK\r\nConnection: keep-alive"));
    }

    #[test]
    fn the_connection_tokens_are_case_insensitive() {
        assert!(keeps_alive("HTTP/1.0 200 OK\r\nconnection: Keep-Alive"));
        assert!(!keeps_alive("HTTP/1.1 200 OK\r\nCONNECTION: CLOSE"));
    }

    #[test]
    fn every_prefix_is_partial() {
        for n in 0..CURL_REQ.len() {
            assert_eq!(parse_request(&CURL_REQ[..n], &Limits::APACHE), Parsed::Partial, "{n}");
        }
        for n in 0..APACHE_200.len() {
            assert_eq!(parse_response(&APACHE_200[..n]), Parsed::Partial, "{n}");
        }
    }

    #[test]
    fn bare_lf_and_leading_empty_lines() {
        let (head, len) = complete(parse_request(b"\r\nGET /a HTTP/1.0\nHost: x\n\nrest", &Limits::APACHE));
        assert_eq!(head.target, "/a");
        assert_eq!(len, 27);
    }

    #[test]
    fn garbage_is_malformed() {
        for bad in [
            &b"hello world\r\n\r\n"[..],
            b"GET / HTTP/1.1\r\nNoColon\r\n\r\n",
            b"GET / FTP/1.0\r\n\r\n",
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",
        ] {
            assert_eq!(parse_request(bad, &Limits::APACHE), Parsed::Invalid(HeadError::Malformed));
        }
        assert_eq!(parse_response(b"HTTP/1.1 abc OK\r\n\r\n"), Parsed::Invalid(HeadError::Malformed));
    }

    #[test]
    fn apache_limits() {
        // A field of exactly 8190 bytes is fine; 8191 is refused, even before its line ends.
        let ok_field = format!("X-A: {}", "a".repeat(8190 - 5));
        let req = format!("GET / HTTP/1.1\r\nHost: h\r\n{ok_field}\r\n\r\n");
        assert!(matches!(parse_request(req.as_bytes(), &Limits::APACHE), Parsed::Complete { .. }));
        let long = format!("GET / HTTP/1.1\r\nHost: h\r\nCookie: {}", "c".repeat(9000));
        assert_eq!(parse_request(long.as_bytes(), &Limits::APACHE), Parsed::Invalid(HeadError::FieldTooLong { name: "Cookie".into() }));
        let line = format!("GET /{} HTTP/1.1\r\n\r\n", "u".repeat(8190));
        assert_eq!(parse_request(line.as_bytes(), &Limits::APACHE), Parsed::Invalid(HeadError::StartLineTooLong));
        let mut many = String::from("GET / HTTP/1.1\r\n");
        for i in 0..100 {
            many.push_str(&format!("X-{i}: v\r\n"));
        }
        let hundred = format!("{many}\r\n");
        assert!(matches!(parse_request(hundred.as_bytes(), &Limits::APACHE), Parsed::Complete { .. }));
        many.push_str("X-last: v\r\n");
        assert_eq!(parse_request(many.as_bytes(), &Limits::APACHE), Parsed::Invalid(HeadError::TooManyFields));
    }

    #[test]
    fn nginx_limits() {
        let mut req = String::from("GET / HTTP/1.1\r\n");
        for i in 0..5 {
            req.push_str(&format!("X-{i}: {}\r\n", "v".repeat(8000)));
        }
        assert_eq!(parse_request(req.as_bytes(), &Limits::NGINX), Parsed::Invalid(HeadError::HeadTooLarge));
        let line = format!("GET /{} HTTP/1.1\r\n", "u".repeat(8200));
        assert_eq!(parse_request(line.as_bytes(), &Limits::NGINX), Parsed::Invalid(HeadError::StartLineTooLong));
    }

    #[test]
    fn eager_response_both_ways() {
        let mut buf = APACHE_200.to_vec();
        buf.extend_from_slice(b"body bytes");
        let (head, len) = complete(parse_response_eager(&buf));
        assert_eq!(len, APACHE_200.len());
        assert_eq!(head.to_bytes(), APACHE_200);
        assert_eq!((head.status, head.version, head.content_length()), (200, Version::Http11, Some(52)));
        for n in 0..APACHE_200.len() {
            assert_eq!(parse_response_eager(&APACHE_200[..n]), Parsed::Partial, "{n}");
        }
    }

    #[test]
    fn eager_response_errors() {
        // Refused as soon as the bytes show it, before the head is complete.
        assert_eq!(parse_response_eager(b"HTTP/2.0 200"), Parsed::Invalid(ResponseError::StatusLine));
        assert_eq!(parse_response_eager(b"SSH-2.0-OpenSSH"), Parsed::Invalid(ResponseError::StatusLine));
        assert_eq!(parse_response_eager(b"HTTP/1.1 abc OK\r\n"), Parsed::Invalid(ResponseError::StatusLine));
        assert_eq!(parse_response_eager(b"HTTP/1.1 200 OK\r\nBad Header\r\n"), Parsed::Invalid(ResponseError::Header));
        let mut many = String::from("HTTP/1.1 200 OK\r\n");
        for i in 0..EAGER_MAX_FIELDS {
            many.push_str(&format!("X-{i}: v\r\n"));
        }
        assert!(matches!(parse_response_eager(format!("{many}\r\n").as_bytes()), Parsed::Complete { .. }));
        many.push_str("X-last: v\r\n\r\n");
        assert_eq!(parse_response_eager(many.as_bytes()), Parsed::Invalid(ResponseError::Header));
    }

    #[test]
    fn never_panics_on_any_prefix_of_noise() {
        let mut x: u32 = 12345;
        let mut noise = Vec::new();
        for _ in 0..4096 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let b = (x >> 16) as u8;
            noise.push(if b.is_multiple_of(7) { b'\n' } else { b });
        }
        for n in (0..noise.len()).step_by(13) {
            let _ = parse_request(&noise[..n], &Limits::APACHE);
            let _ = parse_response(&noise[..n]);
            let _ = parse_response_eager(&noise[..n]);
        }
    }

    /// Found by the `http_response` fuzz target (`HTTP/1.1 004\n\n`): a code below 100 is
    /// emitted with its three digits, so that the head parses back.
    #[test]
    fn a_status_below_100_keeps_its_three_digits() {
        let Parsed::Complete { head, .. } = parse_response(b"HTTP/1.1 004\n\n") else { panic!("not complete") };
        assert_eq!(head.status, 4);
        assert_eq!(head.status_line(), "HTTP/1.1 004 ");
        let bytes = head.to_bytes();
        assert_eq!(bytes, b"HTTP/1.1 004 \r\n\r\n");
        assert_eq!(bytes.len(), head.buffer_len());
        assert_eq!(parse_response(&bytes), Parsed::Complete { head, head_len: bytes.len() });
    }
}
