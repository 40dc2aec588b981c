//! nginx's configuration tokenizer, after `ngx_conf_read_token()` (`src/core/ngx_conf_file.c`,
//! nginx 1.22): words separated by blanks, `"…"` / `'…'` quoting, `\` escapes, `#` comments,
//! and `;`, `{`, `}` ending a directive or closing a block. `${var}` keeps its braces.
//!
//! Line numbers follow nginx: an error is reported at the line the reader has reached, which
//! for a directive is the line of its terminating `;` or `{`.
//!
//! nginx reads a file through a buffer of `NGX_CONF_BUFFER` (4096) bytes and keeps the token
//! being read at its front when it refills it; a token that fills the whole buffer is refused
//! with `too long parameter "0123456789..." started` (or `too long parameter, probably missing
//! terminating """ character` inside quotes), reported at the line where it started. The lexer
//! keeps the same account of where nginx's buffer ends, so the same files are refused, and no
//! word it builds is longer than the buffer.

/// What ended one call of [`Lexer::next_directive`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Token {
    /// Words terminated by `;` (nginx `NGX_OK`).
    Directive(Vec<String>),
    /// Words terminated by `{` (`NGX_CONF_BLOCK_START`).
    BlockStart(Vec<String>),
    /// A `}` (`NGX_CONF_BLOCK_DONE`).
    BlockEnd,
    /// End of the file (`NGX_CONF_FILE_DONE`).
    Eof,
}

/// A tokenizer error: nginx's message (without ` in FILE:LINE`) and the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct LexError {
    /// The message, e.g. `unexpected "}"`.
    pub text: String,
    /// 1-based line.
    pub line: usize,
}

/// `NGX_CONF_BUFFER` (`src/core/ngx_conf_file.c`): the bytes of a file nginx holds at once.
const NGX_CONF_BUFFER: usize = 4096;

/// Reads one file's text directive by directive.
pub(super) struct Lexer {
    src: Vec<u8>,
    pos: usize,
    line: usize,
    /// Where nginx's buffer runs out: it is refilled when the reader gets there.
    buf_end: usize,
}

impl Lexer {
    /// A lexer at the start of `text`, line 1.
    pub(super) fn new(text: String) -> Self {
        Lexer { src: text.into_bytes(), pos: 0, line: 1, buf_end: 0 }
    }

    /// The line the reader has reached (used for errors raised after a directive was read).
    pub(super) fn line(&self) -> usize {
        self.line
    }

    fn err(&self, text: impl Into<String>) -> LexError {
        LexError { text: text.into(), line: self.line }
    }

    /// Reads words up to the next `;`, `{` or `}` (or the end of the file).
    pub(super) fn next_directive(&mut self) -> Result<Token, LexError> {
        let mut args: Vec<String> = Vec::new();
        let mut word: Vec<u8> = Vec::new();
        let mut need_space = false;
        let mut last_space = true;
        let mut sharp_comment = false;
        let mut variable = false;
        let mut quoted = false;
        let mut d_quoted = false;
        let mut s_quoted = false;
        // Where the token being read starts in nginx's buffer, and its line.
        let mut start = self.pos;
        let mut start_line = self.line;
        loop {
            if self.pos >= self.buf_end {
                if self.pos >= self.src.len() {
                    if !args.is_empty() || !last_space {
                        return Err(self.err("unexpected end of file, expecting \";\" or \"}\""));
                    }
                    return Ok(Token::Eof);
                }
                // The refill keeps the token's bytes read so far; when they fill the buffer,
                // there is no room left.
                let kept = self.pos - start;
                if kept >= NGX_CONF_BUFFER {
                    let text = if d_quoted || s_quoted {
                        format!("too long parameter, probably missing terminating \"{}\" character", if d_quoted { '"' } else { '\'' })
                    } else {
                        let head = self.src.get(start..start + 10).unwrap_or_default();
                        format!("too long parameter \"{}...\" started", String::from_utf8_lossy(head))
                    };
                    return Err(LexError { text, line: start_line });
                }
                self.buf_end = self.pos + (NGX_CONF_BUFFER - kept).min(self.src.len() - self.pos);
            }
            let ch = self.src[self.pos];
            self.pos += 1;
            if ch == b'\n' {
                self.line += 1;
                sharp_comment = false;
            }
            if sharp_comment {
                continue;
            }
            if quoted {
                quoted = false;
                word.push(ch);
                continue;
            }
            let blank = matches!(ch, b' ' | b'\t' | b'\r' | b'\n');
            if need_space {
                if blank {
                    last_space = true;
                    need_space = false;
                    continue;
                }
                match ch {
                    b';' => return Ok(Token::Directive(args)),
                    b'{' => return Ok(Token::BlockStart(args)),
                    b')' => {
                        last_space = true;
                        need_space = false;
                    }
                    _ => return Err(self.err(format!("unexpected \"{}\"", ch as char))),
                }
            }
            if last_space {
                start = self.pos - 1;
                start_line = self.line;
                if blank {
                    continue;
                }
                word.clear();
                match ch {
                    b';' | b'{' => {
                        if args.is_empty() {
                            return Err(self.err(format!("unexpected \"{}\"", ch as char)));
                        }
                        return Ok(if ch == b'{' { Token::BlockStart(args) } else { Token::Directive(args) });
                    }
                    b'}' => {
                        if !args.is_empty() {
                            return Err(self.err("unexpected \"}\""));
                        }
                        return Ok(Token::BlockEnd);
                    }
                    b'#' => {
                        sharp_comment = true;
                        continue;
                    }
                    b'\\' => {
                        quoted = true;
                        last_space = false;
                        word.push(ch);
                        continue;
                    }
                    b'"' => {
                        start += 1;
                        d_quoted = true;
                        last_space = false;
                        continue;
                    }
                    b'\'' => {
                        start += 1;
                        s_quoted = true;
                        last_space = false;
                        continue;
                    }
                    b'$' => {
                        variable = true;
                        last_space = false;
                        word.push(ch);
                        continue;
                    }
                    _ => {
                        last_space = false;
                        word.push(ch);
                        continue;
                    }
                }
            }
            // Inside a word.
            if ch == b'{' && variable {
                word.push(ch);
                continue;
            }
            variable = false;
            if ch == b'\\' {
                quoted = true;
                word.push(ch);
                continue;
            }
            if ch == b'$' {
                variable = true;
                word.push(ch);
                continue;
            }
            let mut found = false;
            if d_quoted {
                if ch == b'"' {
                    d_quoted = false;
                    need_space = true;
                    found = true;
                }
            } else if s_quoted {
                if ch == b'\'' {
                    s_quoted = false;
                    need_space = true;
                    found = true;
                }
            } else if blank || ch == b';' || ch == b'{' {
                last_space = true;
                found = true;
            }
            if !found {
                word.push(ch);
                continue;
            }
            args.push(unescape(&word));
            word.clear();
            if !need_space {
                if ch == b';' {
                    return Ok(Token::Directive(args));
                }
                if ch == b'{' {
                    return Ok(Token::BlockStart(args));
                }
            }
        }
    }
}

/// nginx's escape handling when a word is stored: `\"`, `\'`, `\\` lose the backslash, `\t`,
/// `\r`, `\n` become control characters, any other `\x` is kept as is.
fn unescape(raw: &[u8]) -> String {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'\\' {
            match raw.get(i + 1) {
                Some(b'"' | b'\'' | b'\\') => i += 1,
                Some(b't') => {
                    out.push(b'\t');
                    i += 2;
                    continue;
                }
                Some(b'r') => {
                    out.push(b'\r');
                    i += 2;
                    continue;
                }
                Some(b'n') => {
                    out.push(b'\n');
                    i += 2;
                    continue;
                }
                _ => {}
            }
        }
        out.push(raw[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &str) -> Result<Vec<Token>, LexError> {
        let mut l = Lexer::new(text.to_owned());
        let mut v = Vec::new();
        loop {
            let t = l.next_directive()?;
            if t == Token::Eof {
                return Ok(v);
            }
            v.push(t);
        }
    }

    fn words(w: &[&str]) -> Vec<String> {
        w.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn words_quotes_comments() {
        let t = all("a b;# c;\nx \"y z\" 'q'{ }\nlog '$a \"b\"'\n  'c';").unwrap();
        assert_eq!(
            t,
            vec![
                Token::Directive(words(&["a", "b"])),
                Token::BlockStart(words(&["x", "y z", "q"])),
                Token::BlockEnd,
                Token::Directive(words(&["log", "$a \"b\"", "c"])),
            ]
        );
        let t = all("proxy_set_header Connection \"\";").unwrap();
        assert_eq!(t, vec![Token::Directive(words(&["proxy_set_header", "Connection", ""]))]);
    }

    #[test]
    fn a_token_filling_nginx_buffer_is_too_long() {
        // What nginx 1.22.1 says of each file (`nginx -t`).
        let e = all(&format!("#{}\nserver {{ listen 8080; }}\n", "c".repeat(5000))).unwrap_err();
        assert_eq!((e.text.as_str(), e.line), ("too long parameter \"#ccccccccc...\" started", 1));
        // 4 095 bytes and the blank after them fill the buffer the word was carried into.
        let e = all(&format!("server {{ listen 8080; server_name {} b; }}\n", "a".repeat(4095))).unwrap_err();
        assert_eq!(e.text, "too long parameter \"aaaaaaaaaa...\" started");
        let e = all(&format!("x\ny \"{}\"; }}\n", "a".repeat(5000))).unwrap_err();
        assert_eq!((e.text.as_str(), e.line), ("too long parameter, probably missing terminating \"\"\" character", 2));
        let e = all(&format!("y '{}", "a".repeat(5000))).unwrap_err();
        assert_eq!(e.text, "too long parameter, probably missing terminating \"'\" character");
        assert!(all(&format!("server {{ server_name {} {}; }}\n", "a".repeat(3000), "b".repeat(3000))).is_ok());
        assert_eq!(all(&format!("a {};", "b".repeat(5000))).unwrap_err().text, "too long parameter \"bbbbbbbbbb...\" started");
        assert_eq!(all(&format!("a {};", "b".repeat(4095))).unwrap(), vec![Token::Directive(words(&["a", &"b".repeat(4095)]))]);
        // The end of the file comes before the refill.
        assert_eq!(all(&format!("a {}", "b".repeat(4096))).unwrap_err().text, "unexpected end of file, expecting \";\" or \"}\"");
    }

    #[test]
    fn a_megabyte_line_of_words() {
        let line = "a ".repeat(500_000) + ";";
        let Token::Directive(args) = Lexer::new(line).next_directive().unwrap() else { panic!("not a directive") };
        assert_eq!(args.len(), 500_000);
    }

    #[test]
    fn a_variable_keeps_its_braces_at_a_word_start() {
        assert_eq!(all("return 200 ${host}x;").unwrap(), vec![Token::Directive(words(&["return", "200", "${host}x"]))]);
    }

    #[test]
    fn errors_carry_the_reader_line() {
        let e = all("a {\n  b c\n}\n").unwrap_err();
        assert_eq!((e.text.as_str(), e.line), ("unexpected \"}\"", 3));
        let e = all("a b").unwrap_err();
        assert_eq!(e.text, "unexpected end of file, expecting \";\" or \"}\"");
        let e = all("\n;").unwrap_err();
        assert_eq!((e.text.as_str(), e.line), ("unexpected \";\"", 2));
        let e = all("a \"b\"c;").unwrap_err();
        assert_eq!(e.text, "unexpected \"c\"");
    }
}
