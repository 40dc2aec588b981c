//! Cutting a console tool's output into lines as its bytes arrive, in time linear in the bytes:
//! each byte is looked at once, and a line is copied only when it is handed out (curl and nc
//! print what they receive line by line; a body of a million lines must not shift the unread
//! rest of the buffer once per line).

/// Bytes received after the last `\n`, waiting for the end of their line.
#[derive(Clone, Debug, Default)]
pub(crate) struct LineBuffer {
    partial: Vec<u8>,
}

impl LineBuffer {
    /// Takes `bytes` and calls `line` with every line they complete, in order, without its
    /// `\n` (a `\r` before it is left for the caller to judge).
    pub(crate) fn push(&mut self, bytes: &[u8], mut line: impl FnMut(&[u8])) {
        let mut rest = bytes;
        while let Some(nl) = rest.iter().position(|&b| b == b'\n') {
            let (head, tail) = rest.split_at(nl);
            if self.partial.is_empty() {
                line(head);
            } else {
                self.partial.extend_from_slice(head);
                line(&self.partial);
                self.partial.clear();
            }
            rest = tail.get(1..).unwrap_or_default();
        }
        self.partial.extend_from_slice(rest);
    }

    /// The unfinished last line, if any, which leaves the buffer empty.
    pub(crate) fn take_rest(&mut self) -> Option<Vec<u8>> {
        (!self.partial.is_empty()).then(|| std::mem::take(&mut self.partial))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(chunks: &[&[u8]]) -> (Vec<Vec<u8>>, Option<Vec<u8>>) {
        let mut buf = LineBuffer::default();
        let mut out = Vec::new();
        for c in chunks {
            buf.push(c, |l| out.push(l.to_vec()));
        }
        (out, buf.take_rest())
    }

    #[test]
    fn lines_across_chunks() {
        let (out, rest) = lines(&[b"ab", b"c\nde", b"f\n\ng\r\nh"]);
        assert_eq!(out, [b"abc".to_vec(), b"def".to_vec(), b"".to_vec(), b"g\r".to_vec()]);
        assert_eq!(rest, Some(b"h".to_vec()));
        assert_eq!(lines(&[b"x\n"]).1, None);
        assert_eq!(lines(&[]), (vec![], None));
    }

    #[test]
    fn a_million_lines_in_one_chunk() {
        let body: Vec<u8> = (0..1_000_000u32).flat_map(|i| format!("{i}\n").into_bytes()).collect();
        let mut buf = LineBuffer::default();
        let mut n = 0u32;
        buf.push(&body, |l| {
            assert_eq!(l, n.to_string().as_bytes());
            n += 1;
        });
        assert_eq!((n, buf.take_rest()), (1_000_000, None));
    }
}
