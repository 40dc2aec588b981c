//! How wrk and the users read a response's body once its head has arrived (RFC 9112 §6.3):
//! `Content-Length` bytes; none for a 1xx, 204 or 304 without one; otherwise up to the
//! connection's end.

use crate::wire::http::ResponseHead;

/// How far a connection's current response has been read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Body {
    /// The head has not arrived.
    #[default]
    Head,
    /// This many body bytes are still to come.
    Length(usize),
    /// Read until the server closes.
    ToEof,
}

impl Body {
    /// The body that follows `head`.
    pub(crate) fn after(head: &ResponseHead) -> Body {
        match head.content_length() {
            Some(n) => Body::Length(n as usize),
            None if matches!(head.status, 204 | 304) || head.status < 200 => Body::Length(0),
            None => Body::ToEof,
        }
    }

    /// Takes the body's bytes from the front of `rx` (all of them when it runs to the end);
    /// true when that completes the body, which leaves a head to read next. Before the head
    /// there is nothing to take.
    pub(crate) fn consume(&mut self, rx: &mut Vec<u8>) -> bool {
        match *self {
            Body::Head => false,
            Body::Length(left) => {
                let n = left.min(rx.len());
                rx.drain(..n);
                *self = if n < left { Body::Length(left - n) } else { Body::Head };
                n == left
            }
            Body::ToEof => {
                rx.clear();
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::http::Version;

    fn head(status: u16, headers: &[(&str, &str)]) -> ResponseHead {
        let mut h = ResponseHead::new(Version::Http11, status, "");
        headers.iter().for_each(|(n, v)| h.push(n, *v));
        h
    }

    #[test]
    fn content_length_or_no_body_or_to_the_end() {
        assert_eq!(Body::after(&head(200, &[("Content-Length", "5")])), Body::Length(5));
        assert_eq!(Body::after(&head(204, &[])), Body::Length(0));
        assert_eq!(Body::after(&head(304, &[])), Body::Length(0));
        assert_eq!(Body::after(&head(100, &[])), Body::Length(0));
        assert_eq!(Body::after(&head(200, &[])), Body::ToEof);
    }

    #[test]
    fn a_length_is_taken_across_arrivals_and_leaves_the_next_response() {
        let mut body = Body::Length(5);
        let mut rx = b"abc".to_vec();
        assert!(!body.consume(&mut rx));
        assert_eq!((body, rx.len()), (Body::Length(2), 0));
        let mut rx = b"deHTTP/1.1".to_vec();
        assert!(body.consume(&mut rx));
        assert_eq!((body, rx.as_slice()), (Body::Head, &b"HTTP/1.1"[..]));
    }

    #[test]
    fn a_body_to_the_end_takes_everything() {
        let mut body = Body::ToEof;
        let mut rx = b"anything".to_vec();
        assert!(!body.consume(&mut rx));
        assert_eq!((body, rx.len()), (Body::ToEof, 0));
    }
}
