//! RON's lexical structure: the text as tokens with their positions, and the bound on nesting
//! checked on those tokens before anything recursive reads the text.
//!
//! Everything after this step recurses once per bracket level (`ron`'s deserialiser, serde's
//! derived visitors and the span index's walk), so a file of a million `[` would overflow the
//! stack. The lexer does not recurse and works in one pass over the text, so it can look at any
//! input first: it stops at the first bracket past [`MAX_DEPTH`] levels.
//!
//! Strings, chars, comments (`//` to the end of the line, `/* … */` nested) and raw strings
//! (`r"…"`, `r#"…"#`, `br"…"`) are lexed the way `ron` reads them, so a bracket inside them is
//! never counted and a bracket `ron` would read is never missed. Where the text stops being RON
//! (an unterminated string or comment), lexing stops: `ron` fails there too, without reading
//! further, and reports it.

/// A 1-based line and column (in characters, as `ron` counts them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

/// The deepest nesting of brackets (`(`, `[`, `{`, of any kind together) a file may have.
///
/// The deepest a scenario means anything is six levels
/// (`Scenario(hosts: {"h": Host(nics: {"e": Some(("net", "addr"))})})`), and no shipped scenario
/// goes past five. 64 leaves room for any hand-written or generated file while keeping the
/// recursion of `ron` and of the span index small: in a debug build each level takes a few KiB
/// of stack, and tests run on threads with 2 MiB stacks.
pub(super) const MAX_DEPTH: usize = 64;

/// What a token is; its text is `Token::start..Token::end` of the source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    /// One punctuation character: brackets, `,`, `:`, `#`, or anything else `ron` would refuse.
    Punct(char),
    /// An identifier, raw (`r#name`) or not.
    Ident,
    /// A string, `"…"` or raw `r#"…"#`.
    Str,
    /// A number, char, byte string or byte literal.
    Other,
}

/// One token. Offsets and positions are `u32`: input files are at most 16 MiB
/// ([`super::input::MAX_INPUT_BYTES`]), and longer texts saturate rather than wrap.
#[derive(Clone, Copy, Debug)]
pub(super) struct Token {
    /// What it is.
    pub(super) kind: Kind,
    /// 1-based line of its first character.
    line: u32,
    /// 1-based column of its first character, in characters.
    column: u32,
    /// Byte offset of its first character.
    pub(super) start: u32,
    /// Byte offset after its last character.
    pub(super) end: u32,
}

impl Token {
    /// Where it starts.
    pub(super) fn at(&self) -> LineCol {
        LineCol { line: self.line as usize, column: self.column as usize }
    }

    /// Its text in `source`.
    pub(super) fn text<'s>(&self, source: &'s str) -> &'s str {
        source.get(self.start as usize..self.end as usize).unwrap_or_default()
    }
}

/// The tokens of a text, and why they stop before its end, if they do.
#[derive(Clone, Debug)]
pub(super) struct Lexed {
    /// In text order; comments and whitespace dropped.
    pub(super) tokens: Vec<Token>,
    /// `None` if the whole text was lexed.
    pub(super) stop: Option<Stop>,
}

/// Why lexing stopped before the end of the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Stop {
    /// A string, char or comment that never ends.
    Unterminated,
    /// The first opening bracket nested deeper than [`MAX_DEPTH`] levels, here.
    TooDeep(LineCol),
}

/// Whitespace as `ron` defines it (not quite Rust's: U+200E and U+200F are, U+00A0 is not).
fn is_whitespace(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0B' | '\x0C' | '\u{85}' | '\u{200E}' | '\u{200F}' | '\u{2028}' | '\u{2029}')
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A cursor over the text that keeps the line and column of its position. It moves byte by
/// byte where it can (everything that ends a string, comment or token is ASCII), so long
/// strings and comments cost little even in a debug build.
struct Cursor<'t> {
    text: &'t str,
    pos: usize,
    line: usize,
    column: usize,
}

impl Cursor<'_> {
    fn byte(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn peek(&self) -> Option<char> {
        match self.byte()? {
            b if b.is_ascii() => Some(char::from(b)),
            _ => self.text.get(self.pos..)?.chars().next(),
        }
    }

    fn starts_with(&self, s: &str) -> bool {
        self.text.as_bytes().get(self.pos..).is_some_and(|rest| rest.starts_with(s.as_bytes()))
    }

    /// Moves over one byte: a newline starts a line, and each character's first byte is a column.
    fn advance_byte(&mut self) {
        match self.byte() {
            Some(b'\n') => {
                self.line += 1;
                self.column = 1;
            }
            // UTF-8 continuation bytes (0b10xx_xxxx) belong to the character before.
            Some(b) if b & 0xC0 != 0x80 => self.column += 1,
            Some(_) => {}
            None => return,
        }
        self.pos += 1;
    }

    /// Moves over one character.
    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        for _ in 0..c.len_utf8() {
            self.advance_byte();
        }
        Some(c)
    }

    /// Moves over bytes while `keep` holds.
    fn skip_bytes(&mut self, keep: impl Fn(u8) -> bool) {
        while self.byte().is_some_and(&keep) {
            self.advance_byte();
        }
    }

    /// Moves over characters while `keep` holds, ASCII ones a byte at a time.
    fn skip_while(&mut self, keep: impl Fn(char) -> bool) {
        loop {
            self.skip_bytes(|b| b.is_ascii() && keep(char::from(b)));
            match self.peek() {
                Some(c) if !c.is_ascii() && keep(c) => {
                    self.bump();
                }
                _ => return,
            }
        }
    }

    /// After an opening quote: through the closing `quote`, a backslash escaping the next
    /// character (as `ron` reads `"…"`, `b"…"` and `'…'`). `None` if it never closes.
    fn quoted(&mut self, quote: u8) -> Option<()> {
        loop {
            self.skip_bytes(|b| b != quote && b != b'\\');
            let b = self.byte()?;
            self.advance_byte();
            if b == quote {
                return Some(());
            }
            self.bump()?;
        }
    }

    /// At `r`, `br`, `r#` or `br#`: the number of `#`s if a raw string starts here.
    fn raw_string_hashes(&self) -> Option<usize> {
        let rest = self.text.get(self.pos..)?;
        let rest = rest.strip_prefix('b').unwrap_or(rest).strip_prefix('r')?;
        let hashes = rest.len() - rest.trim_start_matches('#').len();
        rest[hashes..].starts_with('"').then_some(hashes)
    }

    /// A raw string with `hashes` `#`s, from its `r` or `b` through its closing `"#…`.
    fn raw_string(&mut self, hashes: usize) -> Option<()> {
        self.skip_bytes(|b| b != b'"');
        self.advance_byte();
        let closing: String = std::iter::once('"').chain(std::iter::repeat_n('#', hashes)).collect();
        let end = self.pos + self.text.get(self.pos..)?.find(&closing)? + closing.len();
        while self.pos < end {
            self.advance_byte();
        }
        Some(())
    }

    /// After `/*`: through the matching `*/`, counting nested `/*` as `ron` does.
    fn block_comment(&mut self) -> Option<()> {
        let mut level = 1usize;
        while level > 0 {
            self.skip_bytes(|b| b != b'/' && b != b'*');
            if self.starts_with("/*") {
                level += 1;
                self.advance_byte();
            } else if self.starts_with("*/") {
                level -= 1;
                self.advance_byte();
            }
            self.byte()?;
            self.advance_byte();
        }
        Some(())
    }
}

/// Splits `text` into tokens, stopping at the first string, char or comment that never ends, or
/// at the first bracket nested too deep.
pub(super) fn lex(text: &str) -> Lexed {
    let mut cur = Cursor { text, pos: 0, line: 1, column: 1 };
    let mut tokens = Vec::new();
    let unterminated = |tokens| Lexed { tokens, stop: Some(Stop::Unterminated) };
    let mut depth = 0usize;
    while let Some(c) = cur.peek() {
        let (start, line, column) = (cur.pos, cur.line, cur.column);
        let kind = if is_whitespace(c) {
            cur.skip_while(is_whitespace);
            continue;
        } else if cur.starts_with("//") {
            cur.skip_bytes(|b| b != b'\n');
            continue;
        } else if cur.starts_with("/*") {
            cur.advance_byte();
            cur.advance_byte();
            if cur.block_comment().is_none() {
                return unterminated(tokens);
            }
            continue;
        } else if let Some(hashes) = (c == 'r' || c == 'b').then(|| cur.raw_string_hashes()).flatten() {
            if cur.raw_string(hashes).is_none() {
                return unterminated(tokens);
            }
            if c == 'r' { Kind::Str } else { Kind::Other }
        } else if c == '"' || c == '\'' || (c == 'b' && (cur.starts_with("b\"") || cur.starts_with("b'"))) {
            if c == 'b' {
                cur.advance_byte();
            }
            let quote = cur.byte().unwrap_or(b'"');
            cur.advance_byte();
            if cur.quoted(quote).is_none() {
                return unterminated(tokens);
            }
            if c == '"' { Kind::Str } else { Kind::Other }
        } else if cur.starts_with("r#") && cur.text.get(cur.pos + 2..).and_then(|r| r.chars().next()).is_some_and(is_ident_start) {
            cur.advance_byte();
            cur.advance_byte();
            cur.skip_while(is_ident);
            Kind::Ident
        } else if is_ident_start(c) {
            cur.skip_while(is_ident);
            Kind::Ident
        } else if c.is_ascii_digit() || c == '-' || c == '+' || c == '.' {
            cur.advance_byte();
            while let Some(b) = cur.byte().filter(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'.') {
                cur.advance_byte();
                // An exponent's sign: 1e-3.
                if matches!(b, b'e' | b'E') && matches!(cur.byte(), Some(b'-' | b'+')) {
                    cur.advance_byte();
                }
            }
            Kind::Other
        } else {
            cur.bump();
            Kind::Punct(c)
        };
        let token = Token { kind, line: to_u32(line), column: to_u32(column), start: to_u32(start), end: to_u32(cur.pos) };
        match kind {
            Kind::Punct('(' | '[' | '{') => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Lexed { tokens, stop: Some(Stop::TooDeep(token.at())) };
                }
            }
            // More closing than opening brackets is `ron`'s to report.
            Kind::Punct(')' | ']' | '}') => depth = depth.saturating_sub(1),
            _ => {}
        }
        tokens.push(token);
    }
    Lexed { tokens, stop: None }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(Kind, &str)> {
        lex(text).tokens.iter().map(|t| (t.kind, t.text(text))).collect()
    }

    #[test]
    fn splits_ron_into_tokens() {
        let text = "A(x: r#\"a\"b\"#, y: 'c', z: -1.5e-3, /* /* ( */ */ w: br\"[\", v: b'\\'', r#u: \"\\\"(\") // (\n";
        assert_eq!(
            kinds(text),
            [
                (Kind::Ident, "A"),
                (Kind::Punct('('), "("),
                (Kind::Ident, "x"),
                (Kind::Punct(':'), ":"),
                (Kind::Str, "r#\"a\"b\"#"),
                (Kind::Punct(','), ","),
                (Kind::Ident, "y"),
                (Kind::Punct(':'), ":"),
                (Kind::Other, "'c'"),
                (Kind::Punct(','), ","),
                (Kind::Ident, "z"),
                (Kind::Punct(':'), ":"),
                (Kind::Other, "-1.5e-3"),
                (Kind::Punct(','), ","),
                (Kind::Ident, "w"),
                (Kind::Punct(':'), ":"),
                (Kind::Other, "br\"[\""),
                (Kind::Punct(','), ","),
                (Kind::Ident, "v"),
                (Kind::Punct(':'), ":"),
                (Kind::Other, "b'\\''"),
                (Kind::Punct(','), ","),
                (Kind::Ident, "r#u"),
                (Kind::Punct(':'), ":"),
                (Kind::Str, "\"\\\"(\""),
                (Kind::Punct(')'), ")"),
            ]
        );
        let lexed = lex("x\n  é \"a\nb\" y");
        let at: Vec<LineCol> = lexed.tokens.iter().map(Token::at).collect();
        assert_eq!(
            at,
            [
                LineCol { line: 1, column: 1 },
                LineCol { line: 2, column: 3 },
                LineCol { line: 2, column: 5 },
                LineCol { line: 3, column: 4 }
            ]
        );
        // ron's whitespace: U+200E is, U+00A0 is not.
        assert_eq!(kinds("a\u{200E}b\u{A0}"), [(Kind::Ident, "a"), (Kind::Ident, "b"), (Kind::Punct('\u{A0}'), "\u{A0}")]);
    }

    #[test]
    fn stops_where_a_string_char_or_comment_never_ends() {
        for text in ["[ \"abc", "[ 'a", "[ r#\"abc\"", "[ /* /* */", "[ b\"\\\""] {
            let lexed = lex(text);
            assert_eq!(lexed.stop, Some(Stop::Unterminated), "{text}");
            assert_eq!(lexed.tokens.len(), 1, "{text}");
        }
        assert_eq!(lex("[ // unclosed line comment").stop, None);
    }

    #[test]
    fn bounds_the_nesting_of_every_bracket_kind_together() {
        let too_deep = |text: &str| match lex(text).stop {
            Some(Stop::TooDeep(at)) => Some(at),
            _ => None,
        };
        for open in ["(", "[", "{", "Some("] {
            let at_limit = open.repeat(MAX_DEPTH);
            assert_eq!(too_deep(&at_limit), None, "{open}");
            let over = format!("{at_limit}{open}");
            let column = at_limit.chars().count() + open.len();
            assert_eq!(too_deep(&over), Some(LineCol { line: 1, column }), "{open}");
        }
        let mixed = "([{".repeat(MAX_DEPTH / 3 + 1);
        assert_eq!(too_deep(&mixed), Some(LineCol { line: 1, column: MAX_DEPTH + 1 }));
        // Closed brackets do not count, nor brackets in strings, chars and comments.
        let flat = "[]".repeat(1000) + &"\"[\" '(' r#\"{\"# /* ( */ // [\n".repeat(1000);
        assert_eq!(lex(&flat).stop, None);
        let second_line = format!("{}\n  {}", "[".repeat(MAX_DEPTH - 1), "{(");
        assert_eq!(too_deep(&second_line), Some(LineCol { line: 2, column: 4 }));
        // Lexing stops there: a file of a million brackets costs no more than one of 65.
        assert_eq!(lex(&"[".repeat(1_000_000)).tokens.len(), MAX_DEPTH);
    }
}
