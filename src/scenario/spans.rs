//! Where each value of a RON file is: a small tokenizer and a recursive walk that records the
//! line:column of every struct field, map key and list/tuple element by its field path.
//!
//! serde throws positions away, so semantic problems found after deserialising are located by
//! looking their path up here. The walk runs only on text that `ron` has already accepted, so it
//! can be simple; if it ever fails, lookups return `None` and the problem is reported without a
//! position rather than with a made-up one. It also finds duplicate map keys, which serde's maps
//! would silently merge.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

/// One step of a field path.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Segment {
    /// A struct field: `hosts`.
    Field(String),
    /// A map key: `"lb-1"`.
    Key(String),
    /// A list or tuple element: `[2]`.
    Index(usize),
}

/// A path from the top of a file to a value: `hosts."lb-1".nics."eno33554984"`, `expect[3].at`.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct FieldPath(Vec<Segment>);

impl FieldPath {
    /// The top-level value.
    pub(super) fn root() -> Self {
        FieldPath(Vec::new())
    }

    /// This path, then struct field `name`.
    pub(super) fn field(&self, name: &str) -> Self {
        self.with(Segment::Field(name.to_string()))
    }

    /// This path, then map key `key`.
    pub(super) fn key(&self, key: &str) -> Self {
        self.with(Segment::Key(key.to_string()))
    }

    /// This path, then element `i`.
    pub(super) fn index(&self, i: usize) -> Self {
        self.with(Segment::Index(i))
    }

    fn with(&self, segment: Segment) -> Self {
        let mut segments = self.0.clone();
        segments.push(segment);
        FieldPath(segments)
    }

    /// The last step, if any.
    pub(super) fn last(&self) -> Option<&Segment> {
        self.0.last()
    }

    fn parent(&self) -> Option<Self> {
        let (_, init) = self.0.split_last()?;
        Some(FieldPath(init.to_vec()))
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            let dot = if i == 0 { "" } else { "." };
            match segment {
                Segment::Field(name) => write!(f, "{dot}{name}")?,
                Segment::Key(key) => write!(f, "{dot}{key:?}")?,
                Segment::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// A 1-based line and column (in characters, as `ron` counts them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

/// Which position of an entry a problem points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Target {
    /// The field name or map key (for problems with the name itself).
    Key,
    /// The value.
    Value,
}

#[derive(Clone, Debug)]
struct Entry {
    key: Option<LineCol>,
    value: LineCol,
    tokens: Range<usize>,
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Punct(char),
    Ident(String),
    Str(String),
    Other,
}

#[derive(Clone, Debug)]
struct Token {
    tok: Tok,
    at: LineCol,
    bytes: Range<usize>,
}

/// The positions of one file's values, by field path.
#[derive(Clone, Debug, Default)]
pub(super) struct SpanIndex {
    text: String,
    tokens: Vec<Token>,
    entries: BTreeMap<FieldPath, Entry>,
    duplicates: Vec<(FieldPath, LineCol)>,
}

impl SpanIndex {
    /// Indexes `text`; `None` if it is not RON this walk understands.
    pub(super) fn build(text: &str) -> Option<SpanIndex> {
        let tokens = tokenize(text)?;
        let mut walk = Walk { tokens: &tokens, pos: 0, entries: BTreeMap::new(), duplicates: Vec::new() };
        walk.skip_attributes()?;
        walk.value(&FieldPath::root(), None)?;
        let (entries, duplicates) = (walk.entries, walk.duplicates);
        Some(SpanIndex { text: text.to_string(), tokens, entries, duplicates })
    }

    /// Where `path` is; for a path with no entry of its own, where its nearest ancestor is.
    pub(super) fn find(&self, path: &FieldPath, target: Target) -> Option<LineCol> {
        let mut path = path.clone();
        loop {
            if let Some(entry) = self.entries.get(&path) {
                return Some(match target {
                    Target::Key => entry.key.unwrap_or(entry.value),
                    Target::Value => entry.value,
                });
            }
            path = path.parent()?;
        }
    }

    /// The innermost value (with its field name or key) written around `at`: the path of the
    /// value a `ron` error position falls in.
    pub(super) fn path_at(&self, at: LineCol) -> Option<&FieldPath> {
        let contains = |entry: &Entry| {
            let first = entry.key.unwrap_or(entry.value);
            let last = entry.tokens.end.checked_sub(1).and_then(|i| self.tokens.get(i)).map(|t| t.at);
            first <= at && last.is_some_and(|last| at <= last)
        };
        self.entries
            .iter()
            .filter(|(path, entry)| !path.0.contains(&Segment::Index(usize::MAX)) && contains(entry))
            .max_by_key(|(path, entry)| (path.0.len(), entry.value))
            .map(|(path, _)| path)
    }

    /// Map keys given more than once (the later occurrences), with the position of each.
    pub(super) fn duplicate_keys(&self) -> &[(FieldPath, LineCol)] {
        &self.duplicates
    }

    /// The value at `path` as written, on one line: comments dropped, whitespace normalised,
    /// trailing commas removed.
    pub(super) fn one_line(&self, path: &FieldPath) -> Option<String> {
        let entry = self.entries.get(path)?;
        let tokens = self.tokens.get(entry.tokens.clone())?;
        let mut out = String::new();
        for (i, token) in tokens.iter().enumerate() {
            let next = tokens.get(i + 1).map(|t| &t.tok);
            let closes = |t: Option<&Tok>| matches!(t, Some(Tok::Punct(')' | ']' | '}')));
            if token.tok == Tok::Punct(',') && closes(next) {
                continue;
            }
            out.push_str(self.text.get(token.bytes.clone())?);
            let space = match &token.tok {
                Tok::Punct(',' | ':') => !closes(next),
                _ => false,
            };
            if space {
                out.push(' ');
            }
        }
        Some(out)
    }
}

struct Walk<'t> {
    tokens: &'t [Token],
    pos: usize,
    entries: BTreeMap<FieldPath, Entry>,
    duplicates: Vec<(FieldPath, LineCol)>,
}

impl Walk<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos).map(|t| &t.tok)
    }

    fn peek_at(&self, ahead: usize) -> Option<&Tok> {
        self.tokens.get(self.pos + ahead).map(|t| &t.tok)
    }

    fn bump(&mut self) -> Option<&Token> {
        let token = self.tokens.get(self.pos)?;
        self.pos += 1;
        Some(token)
    }

    fn expect(&mut self, c: char) -> Option<()> {
        (self.bump()?.tok == Tok::Punct(c)).then_some(())
    }

    /// After an element: a comma, or the closing bracket (left for the caller).
    fn separator(&mut self, close: char) -> Option<()> {
        match self.peek()? {
            Tok::Punct(',') => {
                self.pos += 1;
                Some(())
            }
            Tok::Punct(c) if *c == close => Some(()),
            _ => None,
        }
    }

    fn skip_attributes(&mut self) -> Option<()> {
        while self.peek() == Some(&Tok::Punct('#')) {
            let mut depth = 0usize;
            loop {
                match self.bump()?.tok {
                    Tok::Punct('[') => depth += 1,
                    Tok::Punct(']') => {
                        depth = depth.checked_sub(1)?;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
            }
        }
        Some(())
    }

    fn value(&mut self, path: &FieldPath, key: Option<LineCol>) -> Option<()> {
        let first = self.pos;
        let at = self.tokens.get(first)?.at;
        match self.peek()?.clone() {
            Tok::Punct('[') => {
                self.pos += 1;
                let mut i = 0;
                while self.peek()? != &Tok::Punct(']') {
                    self.value(&path.index(i), None)?;
                    self.separator(']')?;
                    i += 1;
                }
                self.pos += 1;
            }
            Tok::Punct('{') => {
                self.pos += 1;
                while self.peek()? != &Tok::Punct('}') {
                    let key_token = self.tokens.get(self.pos)?;
                    let key_at = key_token.at;
                    let name = match &key_token.tok {
                        Tok::Str(s) => s.clone(),
                        _ => String::new(),
                    };
                    // Keys are indexed by their text; the key's own structure is not indexed.
                    let key_start = self.pos;
                    self.value(&FieldPath(vec![Segment::Index(usize::MAX)]), None)?;
                    let name = if name.is_empty() { self.source_of(key_start..self.pos)? } else { name };
                    self.expect(':')?;
                    let entry_path = path.key(&name);
                    if self.entries.contains_key(&entry_path) {
                        // Keep the first occurrence's positions; walk the repeat out of the way.
                        self.duplicates.push((entry_path, key_at));
                        self.value(&path.index(usize::MAX), None)?;
                    } else {
                        self.value(&entry_path, Some(key_at))?;
                    }
                    self.separator('}')?;
                }
                self.pos += 1;
            }
            Tok::Punct('(') => self.parens(path)?,
            Tok::Ident(name) => {
                self.pos += 1;
                if self.peek() == Some(&Tok::Punct('(')) {
                    if name == "Some" {
                        // Options are transparent in serde paths: index the inner value in place.
                        self.pos += 1;
                        self.value(path, key)?;
                        if self.peek() == Some(&Tok::Punct(',')) {
                            self.pos += 1;
                        }
                        return self.expect(')');
                    }
                    self.parens(path)?;
                }
            }
            Tok::Str(_) | Tok::Other => self.pos += 1,
            Tok::Punct(_) => return None,
        }
        self.entries.insert(path.clone(), Entry { key, value: at, tokens: first..self.pos });
        Some(())
    }

    /// `( … )`: struct fields if it starts with `name:`, else tuple elements.
    fn parens(&mut self, path: &FieldPath) -> Option<()> {
        self.expect('(')?;
        let named = matches!(self.peek(), Some(Tok::Ident(_))) && self.peek_at(1) == Some(&Tok::Punct(':'));
        let mut i = 0;
        while self.peek()? != &Tok::Punct(')') {
            if named {
                let token = self.bump()?;
                let (Tok::Ident(name), at) = (token.tok.clone(), token.at) else { return None };
                self.expect(':')?;
                let name = name.strip_prefix("r#").unwrap_or(&name).to_string();
                self.value(&path.field(&name), Some(at))?;
            } else {
                self.value(&path.index(i), None)?;
            }
            self.separator(')')?;
            i += 1;
        }
        self.pos += 1;
        Some(())
    }

    fn source_of(&self, tokens: Range<usize>) -> Option<String> {
        let first = self.tokens.get(tokens.start)?;
        let last = self.tokens.get(tokens.end.checked_sub(1)?)?;
        // The caller only needs a stable name for odd (non-string) keys.
        Some(format!("@{}:{}-{}", first.at.line, first.at.column, last.bytes.end))
    }
}

/// Splits RON text into tokens with positions. Comments and whitespace are dropped.
fn tokenize(text: &str) -> Option<Vec<Token>> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    // Line and column of each char index.
    let mut positions = Vec::with_capacity(chars.len());
    let (mut line, mut column) = (1, 1);
    for &(_, c) in &chars {
        positions.push(LineCol { line, column });
        if c == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    let byte_at = |i: usize| chars.get(i).map_or(text.len(), |&(b, _)| b);
    let char_at = |i: usize| chars.get(i).map(|&(_, c)| c);
    let is_ident_start = |c: char| c.is_alphabetic() || c == '_';
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';

    let mut tokens = Vec::new();
    let mut i = 0;
    while let Some(c) = char_at(i) {
        let start = i;
        let tok = if c.is_whitespace() {
            i += 1;
            continue;
        } else if c == '/' && char_at(i + 1) == Some('/') {
            while char_at(i).is_some_and(|c| c != '\n') {
                i += 1;
            }
            continue;
        } else if c == '/' && char_at(i + 1) == Some('*') {
            let mut depth = 0usize;
            loop {
                match (char_at(i)?, char_at(i + 1)) {
                    ('/', Some('*')) => {
                        depth += 1;
                        i += 2;
                    }
                    ('*', Some('/')) => {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => i += 1,
                }
            }
            continue;
        } else if c == '"' {
            let (value, end) = quoted(&chars, i, '"')?;
            i = end;
            Tok::Str(value)
        } else if c == '\'' {
            i = quoted(&chars, i, '\'')?.1;
            Tok::Other
        } else if (c == 'r' || c == 'b') && raw_string_start(&chars, i).is_some() {
            let (value, end) = raw_string(&chars, i)?;
            i = end;
            if c == 'r' { Tok::Str(value) } else { Tok::Other }
        } else if c == 'b' && matches!(char_at(i + 1), Some('"' | '\'')) {
            let quote = char_at(i + 1)?;
            i = quoted(&chars, i + 1, quote)?.1;
            Tok::Other
        } else if c == 'r' && char_at(i + 1) == Some('#') && char_at(i + 2).is_some_and(is_ident_start) {
            i += 2;
            while char_at(i).is_some_and(is_ident) {
                i += 1;
            }
            Tok::Ident(text.get(byte_at(start)..byte_at(i))?.to_string())
        } else if is_ident_start(c) {
            while char_at(i).is_some_and(is_ident) {
                i += 1;
            }
            Tok::Ident(text.get(byte_at(start)..byte_at(i))?.to_string())
        } else if c.is_ascii_digit() || c == '-' || c == '+' || c == '.' {
            i += 1;
            while char_at(i).is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.') {
                // An exponent sign: 1e-3.
                if matches!(char_at(i), Some('e' | 'E')) && matches!(char_at(i + 1), Some('-' | '+')) {
                    i += 1;
                }
                i += 1;
            }
            Tok::Other
        } else {
            i += 1;
            Tok::Punct(c)
        };
        tokens.push(Token { tok, at: *positions.get(start)?, bytes: byte_at(start)..byte_at(i) });
    }
    Some(tokens)
}

/// A quoted string or char starting at `chars[start] == quote`: its decoded value and the index
/// after the closing quote.
fn quoted(chars: &[(usize, char)], start: usize, quote: char) -> Option<(String, usize)> {
    let mut value = String::new();
    let mut i = start + 1;
    loop {
        let c = chars.get(i)?.1;
        i += 1;
        if c == quote {
            return Some((value, i));
        }
        if c != '\\' {
            value.push(c);
            continue;
        }
        let e = chars.get(i)?.1;
        i += 1;
        match e {
            'n' => value.push('\n'),
            't' => value.push('\t'),
            'r' => value.push('\r'),
            '0' => value.push('\0'),
            'x' => {
                let hex: String = chars.get(i..i + 2)?.iter().map(|&(_, c)| c).collect();
                value.push(char::from(u8::from_str_radix(&hex, 16).ok()?));
                i += 2;
            }
            'u' if chars.get(i)?.1 == '{' => {
                let close = i + chars.get(i..)?.iter().position(|&(_, c)| c == '}')?;
                let hex: String = chars.get(i + 1..close)?.iter().map(|&(_, c)| c).collect();
                value.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                i = close + 1;
            }
            other => value.push(other),
        }
    }
}

/// If a raw string (`r"…"`, `r#"…"#`, `br"…"`) starts at `i`: the index of its opening quote and
/// its number of `#`s.
fn raw_string_start(chars: &[(usize, char)], i: usize) -> Option<(usize, usize)> {
    let mut j = i;
    if chars.get(j)?.1 == 'b' {
        j += 1;
    }
    if chars.get(j)?.1 != 'r' {
        return None;
    }
    j += 1;
    let mut hashes = 0;
    while chars.get(j)?.1 == '#' {
        hashes += 1;
        j += 1;
    }
    (chars.get(j)?.1 == '"').then_some((j, hashes))
}

fn raw_string(chars: &[(usize, char)], i: usize) -> Option<(String, usize)> {
    let (quote, hashes) = raw_string_start(chars, i)?;
    let mut value = String::new();
    let mut j = quote + 1;
    loop {
        let c = chars.get(j)?.1;
        if c == '"' && (1..=hashes).all(|k| chars.get(j + k).is_some_and(|&(_, c)| c == '#')) {
            return Some((value, j + 1 + hashes));
        }
        value.push(c);
        j += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r##"#![enable(implicit_some)]
// a comment
Scenario(
    name: "x", /* block /* nested */ */
    hosts: {
        "lb-1": Host(nics: { "eth0": ("front", "1.2.3.4/24") }),
        r"raw": Host(),
        "lb-1": Host(),
    },
    expect: [
        VipOwner(vip: "1.2.3.4",
                 at: Some("9s"),   // trailing
        ),
        Log(host: "é", contains: "a \"q\" \u{41}"),
    ],
    n: -1.5e-3,
)"##;

    #[test]
    fn indexes_fields_keys_and_elements() {
        let index = SpanIndex::build(TEXT).unwrap();
        let root = FieldPath::root();
        let host = root.field("hosts").key("lb-1");
        assert_eq!(index.find(&host, Target::Key), Some(LineCol { line: 6, column: 9 }));
        assert_eq!(index.find(&host, Target::Value), Some(LineCol { line: 6, column: 17 }));
        let nic = host.field("nics").key("eth0");
        assert_eq!(index.find(&nic.index(0), Target::Value), Some(LineCol { line: 6, column: 39 }));
        assert_eq!(index.find(&root.field("hosts").key("raw"), Target::Key), Some(LineCol { line: 7, column: 9 }));
        let at = root.field("expect").index(0).field("at");
        assert_eq!(index.find(&at, Target::Value), Some(LineCol { line: 12, column: 27 }));
        // A path without an entry falls back to its nearest ancestor.
        assert_eq!(index.find(&at.field("nothing"), Target::Value), Some(LineCol { line: 12, column: 27 }));
        assert_eq!(index.duplicate_keys(), &[(host.clone(), LineCol { line: 8, column: 9 })]);
        assert_eq!(nic.to_string(), r#"hosts."lb-1".nics."eth0""#);
        assert_eq!(root.field("expect").index(3).field("at").to_string(), "expect[3].at");
    }

    #[test]
    fn renders_values_on_one_line() {
        let index = SpanIndex::build(TEXT).unwrap();
        let expect = FieldPath::root().field("expect");
        assert_eq!(index.one_line(&expect.index(0)).unwrap(), r#"VipOwner(vip: "1.2.3.4", at: Some("9s"))"#);
        assert_eq!(index.one_line(&expect.index(1)).unwrap(), r#"Log(host: "é", contains: "a \"q\" \u{41}")"#);
        let log_host = expect.index(1).field("host");
        assert_eq!(index.find(&log_host, Target::Value), Some(LineCol { line: 14, column: 19 }));
        let contains = expect.index(1).field("contains");
        assert_eq!(index.find(&contains, Target::Key), Some(LineCol { line: 14, column: 24 }));
    }

    #[test]
    fn finds_the_innermost_value_around_a_position() {
        let index = SpanIndex::build(TEXT).unwrap();
        let path_at = |line, column| index.path_at(LineCol { line, column }).map(ToString::to_string);
        assert_eq!(path_at(6, 9).as_deref(), Some(r#"hosts."lb-1""#));
        assert_eq!(path_at(6, 22).as_deref(), Some(r#"hosts."lb-1".nics"#));
        assert_eq!(path_at(6, 48).as_deref(), Some(r#"hosts."lb-1".nics."eth0"[1]"#));
        assert_eq!(path_at(12, 18).as_deref(), Some("expect[0].at"));
        assert_eq!(path_at(3, 1).as_deref(), Some(""));
        assert_eq!(path_at(1, 1), None);
    }

    #[test]
    fn gives_up_on_broken_text() {
        assert!(SpanIndex::build("Scenario(name: ").is_none());
        assert!(SpanIndex::build("\"unterminated").is_none());
    }
}
