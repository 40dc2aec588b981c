//! nginx's built-in error pages and the response head its header filter writes
//! (spec-nginx-upstream §5, §7; `ngx_http_special_response.c`, `ngx_http_header_filter_module.c`).

use std::fmt::Write as _;

use crate::kernel::DateTime;
use crate::wire::http::Header;

/// `NGINX_VER` with `server_tokens on` (Debian 12's nginx 1.22.1).
pub(crate) const NGINX_VER: &str = "nginx/1.22.1";

/// nginx's pseudo-status for "Request Header Or Cookie Too Large" (sent as 400).
pub(crate) const REQUEST_HEADER_TOO_LARGE: u16 = 494;

/// The reason phrase nginx writes for `status` (its `ngx_http_status_lines[]`).
pub(crate) fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Moved Temporarily",
        304 => "Not Modified",
        400 | REQUEST_HEADER_TOO_LARGE => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Not Allowed",
        408 => "Request Time-out",
        413 => "Request Entity Too Large",
        414 => "Request-URI Too Large",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Temporarily Unavailable",
        504 => "Gateway Time-out",
        _ => "",
    }
}

/// The body of nginx's page for `status` (CRLF line ends, `server_tokens on`).
pub(crate) fn error_body(status: u16) -> Vec<u8> {
    let head = if status == REQUEST_HEADER_TOO_LARGE {
        "<html>\r\n<head><title>400 Request Header Or Cookie Too Large</title></head>\r\n<body>\r\n\
         <center><h1>400 Bad Request</h1></center>\r\n<center>Request Header Or Cookie Too Large</center>\r\n"
            .to_string()
    } else {
        let title = format!("{status} {}", reason(status));
        format!("<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n")
    };
    format!("{head}<hr><center>{NGINX_VER}</center>\r\n</body>\r\n</html>\r\n").into_bytes()
}

/// Whether nginx closes the client connection after answering `status` with its page
/// (`ngx_http_special_response_handler()`: 400, 413, 414, 494, 500, 501 drop keep-alive).
pub(crate) fn closes_connection(status: u16) -> bool {
    matches!(status, 400 | 413 | 414 | REQUEST_HEADER_TOO_LARGE | 500 | 501)
}

/// nginx's response for `status` when the request cannot be served (also when it cannot even be
/// parsed): (head, body). `keep_alive` is what the client asked for; it is dropped for the
/// statuses of [`closes_connection`].
pub(crate) fn error_response(status: u16, date: &DateTime, keep_alive: bool) -> (Vec<u8>, Vec<u8>) {
    let body = error_body(status);
    let keep = keep_alive && !closes_connection(status);
    let wire_status = if status == REQUEST_HEADER_TOO_LARGE { 400 } else { status };
    let head = response_head((wire_status, reason(status)), date, Some("text/html"), Some(body.len() as u64), false, keep, &[]);
    (head, body)
}

/// [`error_response`] for a request nginx could not parse (the connection is closed for 400).
pub(crate) fn error_page(status: u16, date: &DateTime) -> (Vec<u8>, Vec<u8>) {
    error_response(status, date, false)
}

/// The head the header filter writes: status line (always `HTTP/1.1`), `Server`, `Date`,
/// `Content-Type`, `Content-Length`, `Transfer-Encoding: chunked`, `Connection`, then `extra`
/// in order.
pub(crate) fn response_head<'a>(
    (status, reason): (u16, &str),
    date: &DateTime,
    content_type: Option<&str>,
    content_length: Option<u64>,
    chunked: bool,
    keep_alive: bool,
    extra: impl IntoIterator<Item = &'a Header>,
) -> Vec<u8> {
    let mut h = String::with_capacity(256);
    let _ = write!(h, "HTTP/1.1 {status} ");
    for part in [reason, "\r\nServer: ", NGINX_VER, "\r\nDate: ", &date.http_date(), "\r\n"] {
        h.push_str(part);
    }
    if let Some(ct) = content_type {
        for part in ["Content-Type: ", ct, "\r\n"] {
            h.push_str(part);
        }
    }
    if let Some(n) = content_length {
        let _ = write!(h, "Content-Length: {n}\r\n");
    }
    if chunked {
        h.push_str("Transfer-Encoding: chunked\r\n");
    }
    h.push_str(if keep_alive { "Connection: keep-alive\r\n" } else { "Connection: close\r\n" });
    for (k, v) in extra {
        for part in [k, ": ", v, "\r\n"] {
            h.push_str(part);
        }
    }
    h.push_str("\r\n");
    h.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::{Calendar, SimTime};

    #[test]
    fn page_lengths() {
        assert_eq!(error_body(502).len(), 157);
        assert_eq!(error_body(504).len(), 167);
        assert_eq!(error_body(404).len(), 153);
        let d = Calendar::default().date(SimTime::from_secs(8 * 60 + 33));
        let (head, body) = error_page(REQUEST_HEADER_TOO_LARGE, &d);
        let head = String::from_utf8(head).unwrap();
        assert!(head.starts_with("HTTP/1.1 400 Bad Request\r\n"));
        assert!(head.ends_with("Connection: close\r\n\r\n"));
        assert!(String::from_utf8(body).unwrap().contains("<center>Request Header Or Cookie Too Large</center>\r\n"));
    }
}
