//! Cutting a line into tokens as bash's `read_token` does: operators, words with their quoting
//! and expansions, `IO_NUMBER`s (`2` in `2>&1`), newlines, and here-document bodies, which are
//! read after the newline that ends the line naming them (`gather_here_documents`).
//!
//! A `$(` in a word interrupts it: the lexer saves the word and hands the parser an
//! [`Tok::Open`]; the parser reads the list inside, and at its `)` calls [`Lexer::resume`],
//! after which the word goes on. Saved words are a stack, so nesting costs no recursion.

use super::{ParseError, Part, Word};

/// Root's home directory, what `~` stands for.
const HOME: &str = "/root";

/// An operator token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Op {
    Pipe,
    PipeAmp,
    And,
    Or,
    Amp,
    Semi,
    DSemi,
    SemiAmp,
    DSemiAmp,
    LParen,
    RParen,
    Less,
    DLess,
    DLessDash,
    TLess,
    LessAmp,
    LessGreat,
    Great,
    DGreat,
    GreatAmp,
    Clobber,
    AmpGreat,
    AmpDGreat,
}

/// Operators, longest first (the lexer takes the longest that matches).
const OPS: &[(&str, Op)] = &[
    (";;&", Op::DSemiAmp),
    ("<<-", Op::DLessDash),
    ("<<<", Op::TLess),
    ("&>>", Op::AmpDGreat),
    ("||", Op::Or),
    ("|&", Op::PipeAmp),
    ("&&", Op::And),
    ("&>", Op::AmpGreat),
    (";;", Op::DSemi),
    (";&", Op::SemiAmp),
    ("<<", Op::DLess),
    ("<&", Op::LessAmp),
    ("<>", Op::LessGreat),
    (">>", Op::DGreat),
    (">&", Op::GreatAmp),
    (">|", Op::Clobber),
    ("|", Op::Pipe),
    ("&", Op::Amp),
    (";", Op::Semi),
    ("(", Op::LParen),
    (")", Op::RParen),
    ("<", Op::Less),
    (">", Op::Great),
];

impl Op {
    /// The operator as written.
    pub(super) fn text(self) -> &'static str {
        OPS.iter().find(|(_, op)| *op == self).map_or("", |(text, _)| text)
    }
}

/// A token.
#[derive(Debug)]
pub(super) enum Tok {
    /// A word; `raw` is its text as written, `plain` its text if it was written without any
    /// quoting or expansion (reserved words and assignments are recognised only then).
    Word { word: Word, raw: String, plain: Option<String> },
    /// Digits just before `<` or `>`.
    IoNumber { fd: u32, at: usize },
    /// An operator.
    Op { op: Op, at: usize },
    /// A newline.
    Newline { at: usize },
    /// The end of the line.
    Eof { at: usize },
    /// `$(` in a word: the parser reads a list, then calls [`Lexer::resume`].
    Open { at: usize, quoted: bool },
}

/// A word being read.
#[derive(Debug, Default)]
struct Partial {
    parts: Vec<Part>,
    text: String,
    text_quoted: bool,
    at: usize,
    in_dquote: bool,
    /// Whether anything was quoted or expanded.
    special: bool,
}

impl Partial {
    fn push_char(&mut self, c: char, quoted: bool) {
        self.push_str(c.encode_utf8(&mut [0; 4]), quoted);
    }

    fn push_str(&mut self, s: &str, quoted: bool) {
        if quoted != self.text_quoted && !self.text.is_empty() {
            self.flush();
        }
        self.text_quoted = quoted;
        self.text.push_str(s);
    }

    fn flush(&mut self) {
        if self.text.is_empty() {
            return;
        }
        let text = std::mem::take(&mut self.text);
        self.parts.push(if self.text_quoted { Part::Quoted(text) } else { Part::Literal(text) });
    }

    fn push_part(&mut self, part: Part) {
        self.flush();
        self.special = true;
        self.parts.push(part);
    }
}

/// A `$(…)` of a here-document body: [`Lexer::here_substitutions`].
#[derive(Debug)]
pub(super) struct HereSubstitution {
    pub(super) slot: usize,
    pub(super) part: usize,
    pub(super) text: String,
    pub(super) at: usize,
}

/// A here-document whose body comes after the next newline.
#[derive(Debug)]
struct PendingHere {
    slot: usize,
    delimiter: String,
    strip_tabs: bool,
    quoted: bool,
    /// Line (1-based) of the `<<`, for bash's warning.
    line: usize,
}

pub(super) struct Lexer<'s> {
    src: &'s str,
    pos: usize,
    /// The word a `$(` interrupted, resumed at its `)`.
    current: Option<Partial>,
    saved: Vec<Partial>,
    pending: Vec<PendingHere>,
    /// Here-document bodies and here-strings, by slot.
    pub(super) heres: Vec<Word>,
    pub(super) warnings: Vec<String>,
    /// `$(…)` in here-document bodies, to be read as lines of their own: the here-document's
    /// slot, the part of its word that stands for it, its text and where that starts. The reader
    /// reads them into its arena when the line is over ([`super::parse`]).
    pub(super) here_substitutions: Vec<HereSubstitution>,
    /// How many here-document substitutions this line is inside.
    pub(super) here_depth: usize,
}

/// The deepest here-document `$(…)` nesting read (a here-document in a substitution in a
/// here-document…): each level reads its text once more.
pub(super) const MAX_HERE_DEPTH: usize = 8;

fn unsupported(what: impl Into<String>, at: usize) -> ParseError {
    ParseError::Unsupported { what: what.into(), at }
}

fn eof_looking_for(c: char, at: usize) -> ParseError {
    ParseError::Syntax { message: format!("bash: unexpected EOF while looking for matching `{c}'"), at }
}

fn is_meta(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '|' | '&' | ';' | '(' | ')' | '<' | '>')
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

impl<'s> Lexer<'s> {
    pub(super) fn new(src: &'s str, here_depth: usize) -> Lexer<'s> {
        Lexer {
            src,
            pos: 0,
            current: None,
            saved: Vec::new(),
            pending: Vec::new(),
            heres: Vec::new(),
            warnings: Vec::new(),
            here_substitutions: Vec::new(),
            here_depth,
        }
    }

    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn peek_at(&self, ahead: usize) -> Option<char> {
        self.src[self.pos..].chars().nth(ahead)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn line_of(&self, at: usize) -> usize {
        self.src[..at].bytes().filter(|&b| b == b'\n').count() + 1
    }

    /// Whether the line has `text` at byte `at`.
    pub(super) fn starts_with_at(&self, at: usize, text: &str) -> bool {
        self.src.get(at..).is_some_and(|rest| rest.starts_with(text))
    }

    /// The `$(` before the innermost unfinished `)`, if a word is waiting for one.
    pub(super) fn open_depth(&self) -> usize {
        self.saved.len()
    }

    /// Registers a here-document (`<<WORD`, `<<-WORD`) read after the next newline; returns
    /// its slot.
    pub(super) fn here_doc(&mut self, delimiter: &Word, strip_tabs: bool, at: usize) -> Result<usize, ParseError> {
        let mut text = String::new();
        let mut quoted = false;
        for part in &delimiter.parts {
            match part {
                Part::Literal(s) => text.push_str(s),
                Part::Quoted(s) => {
                    quoted = true;
                    text.push_str(s);
                }
                _ => return Err(unsupported("expansions in a here-document's delimiter", delimiter.at)),
            }
        }
        let slot = self.heres.len();
        self.heres.push(Word { parts: Vec::new(), at });
        let line = self.line_of(at);
        self.pending.push(PendingHere { slot, delimiter: text, strip_tabs, quoted, line });
        Ok(slot)
    }

    /// Registers a here-string (`<<<WORD`): the word and a newline; returns its slot.
    pub(super) fn here_string(&mut self, mut word: Word) -> usize {
        word.parts.push(Part::Quoted("\n".to_owned()));
        self.heres.push(word);
        self.heres.len() - 1
    }

    /// Goes on with the word a `$(` interrupted, `part` being the substitution.
    pub(super) fn resume(&mut self, part: Part) {
        if let Some(mut word) = self.saved.pop() {
            word.push_part(part);
            self.current = Some(word);
        }
    }

    /// The next token.
    pub(super) fn next(&mut self) -> Result<Tok, ParseError> {
        if let Some(word) = self.current.take() {
            return self.word(word);
        }
        loop {
            match self.peek() {
                Some(' ' | '\t') => {
                    self.pos += 1;
                }
                Some('\\') if self.peek_at(1) == Some('\n') => self.pos += 2,
                Some('#') => {
                    while self.peek().is_some_and(|c| c != '\n') {
                        self.bump();
                    }
                }
                _ => break,
            }
        }
        let at = self.pos;
        let Some(c) = self.peek() else {
            self.end_of_input()?;
            return Ok(Tok::Eof { at });
        };
        if c == '\n' {
            self.pos += 1;
            self.gather_here_documents()?;
            return Ok(Tok::Newline { at });
        }
        if self.src[at..].starts_with("<(") || self.src[at..].starts_with(">(") {
            return Err(unsupported(format!("process substitution (`{}…)`)", &self.src[at..at + 2]), at));
        }
        if let Some((text, op)) = OPS.iter().find(|(text, _)| self.src[at..].starts_with(text)) {
            self.pos += text.len();
            return Ok(Tok::Op { op: *op, at });
        }
        // An IO_NUMBER: digits immediately before `<` or `>`.
        let digits = self.src[at..].bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && matches!(self.src.as_bytes().get(at + digits), Some(b'<' | b'>')) {
            self.pos += digits;
            let fd = self.src[at..at + digits].parse().unwrap_or(u32::MAX);
            return Ok(Tok::IoNumber { fd, at });
        }
        self.word(Partial { at, ..Partial::default() })
    }

    /// Here-documents still waiting for a newline at the end of the line: bash warns and
    /// takes empty bodies.
    fn end_of_input(&mut self) -> Result<(), ParseError> {
        for here in std::mem::take(&mut self.pending) {
            self.warnings
                .push(format!("bash: warning: here-document at line {} delimited by end-of-file (wanted `{}')", here.line, here.delimiter));
        }
        Ok(())
    }

    /// Reads the bodies of the pending here-documents, each up to its delimiter line.
    fn gather_here_documents(&mut self) -> Result<(), ParseError> {
        for here in std::mem::take(&mut self.pending) {
            let start = self.pos;
            let mut body = String::new();
            let mut found = false;
            while self.pos < self.src.len() {
                let rest = &self.src[self.pos..];
                let (line, len) = match rest.find('\n') {
                    Some(i) => (&rest[..i], i + 1),
                    None => (rest, rest.len()),
                };
                self.pos += len;
                let line = if here.strip_tabs { line.trim_start_matches('\t') } else { line };
                if line == here.delimiter {
                    found = true;
                    break;
                }
                body.push_str(line);
                body.push('\n');
            }
            if !found {
                self.warnings.push(format!(
                    "bash: warning: here-document at line {} delimited by end-of-file (wanted `{}')",
                    here.line, here.delimiter
                ));
            }
            let word = if here.quoted {
                Word { parts: vec![Part::Quoted(body)], at: start }
            } else {
                here_body(&body, start, self.here_depth, here.slot, &mut self.here_substitutions)?
            };
            self.heres[here.slot] = word;
        }
        Ok(())
    }

    /// Reads a word from `w`'s state to its end (or to a `$(`).
    fn word(&mut self, mut w: Partial) -> Result<Tok, ParseError> {
        // An unquoted `*` or `?` was read: a `/` after it would make a directory pattern.
        let mut pattern = false;
        loop {
            let Some(c) = self.peek() else {
                if w.in_dquote {
                    return Err(eof_looking_for('"', self.src.len()));
                }
                break;
            };
            let here = self.pos;
            if w.in_dquote {
                self.bump();
                match c {
                    '"' => w.in_dquote = false,
                    '\\' => match self.peek() {
                        Some('\n') => {
                            self.bump();
                        }
                        Some(e @ ('$' | '`' | '"' | '\\')) => {
                            self.bump();
                            w.push_char(e, true);
                        }
                        _ => w.push_char('\\', true),
                    },
                    '$' => {
                        if let Some(tok) = self.dollar(&mut w, here, true)? {
                            return Ok(tok);
                        }
                    }
                    '`' => return Err(unsupported("command substitution with backquotes (`…`; write $(…))", here)),
                    c => w.push_char(c, true),
                }
                continue;
            }
            if is_meta(c) {
                break;
            }
            self.bump();
            w.special |= matches!(c, '\'' | '"' | '\\' | '$' | '`');
            match c {
                '\'' => {
                    let Some(len) = self.src[self.pos..].find('\'') else {
                        return Err(eof_looking_for('\'', self.src.len()));
                    };
                    let text = &self.src[self.pos..self.pos + len];
                    self.pos += len + 1;
                    w.push_str(text, true);
                }
                '"' => w.in_dquote = true,
                '\\' => match self.bump() {
                    Some('\n') => {}
                    Some(e) => w.push_char(e, true),
                    None => w.push_char('\\', false),
                },
                '$' => {
                    if let Some(tok) = self.dollar(&mut w, here, false)? {
                        return Ok(tok);
                    }
                }
                '`' => return Err(unsupported("command substitution with backquotes (`…`; write $(…))", here)),
                '~' if here == w.at => match self.peek() {
                    None | Some('/') => w.push_str(HOME, false),
                    Some(c) if is_meta(c) => w.push_str(HOME, false),
                    Some(_) => return Err(unsupported("`~USER` expansion", here)),
                },
                // `[` and `[[` as words of their own (the test commands) are not patterns.
                '[' if here == w.at
                    && matches!(self.src[self.pos..].trim_start_matches('['), r if r.is_empty() || r.starts_with(is_meta)) =>
                {
                    while self.peek() == Some('[') {
                        self.bump();
                    }
                    w.push_str(&self.src[here..self.pos], false);
                }
                // Pathname expansion: the shell matches the word's last component against the
                // directory's names.
                '*' | '?' => {
                    pattern = true;
                    w.push_char(c, false);
                }
                '/' if pattern => {
                    return Err(unsupported("pathname expansion in a directory component (`*` or `?` before a `/`)", here));
                }
                '[' => {
                    return Err(unsupported("pathname expansion with brackets (`[`; quote the word to pass it as it is)", here));
                }
                c => w.push_char(c, false),
            }
        }
        w.flush();
        // `''` and `""` are an empty word, not nothing.
        if w.parts.is_empty() && w.special {
            w.parts.push(Part::Quoted(String::new()));
        }
        let raw = self.src[w.at..self.pos].to_owned();
        let plain = (!w.special).then(|| raw.clone());
        check_braces(&w.parts, w.at)?;
        Ok(Tok::Word { word: Word { parts: w.parts, at: w.at }, raw, plain })
    }

    /// After a `$` at `at`: adds the expansion to `w`, or for `$(` saves `w` and returns the
    /// token that opens the substitution.
    fn dollar(&mut self, w: &mut Partial, at: usize, quoted: bool) -> Result<Option<Tok>, ParseError> {
        match self.peek() {
            Some('(') if self.peek_at(1) == Some('(') => Err(unsupported("arithmetic expansion (`$((…))`)", at)),
            Some('(') => {
                self.bump();
                let mut saved = std::mem::take(w);
                saved.special = true;
                self.saved.push(saved);
                Ok(Some(Tok::Open { at, quoted }))
            }
            Some('{') => {
                self.bump();
                let rest = &self.src[self.pos..];
                let Some(end) = rest.find('}') else { return Err(eof_looking_for('}', self.src.len())) };
                let name = &rest[..end];
                if name == "?" {
                    w.push_part(Part::Status);
                } else if name.starts_with(is_name_start) && name.chars().all(is_name_char) {
                    w.push_part(Part::Var { name: name.to_owned(), quoted });
                } else {
                    return Err(unsupported(format!("parameter expansion `${{{name}}}`"), at));
                }
                self.pos += end + 1;
                Ok(None)
            }
            Some('?') => {
                self.bump();
                w.push_part(Part::Status);
                Ok(None)
            }
            Some(c) if is_name_start(c) => {
                let rest = &self.src[self.pos..];
                let len = rest.find(|c: char| !is_name_char(c)).unwrap_or(rest.len());
                w.push_part(Part::Var { name: rest[..len].to_owned(), quoted });
                self.pos += len;
                Ok(None)
            }
            Some('[') => Err(unsupported("arithmetic expansion (`$[…]`)", at)),
            Some('\'') if !quoted => Err(unsupported("ANSI-C quoting (`$'…'`)", at)),
            Some('"') if !quoted => Err(unsupported("locale quoting (`$\"…\"`)", at)),
            Some(c @ ('0'..='9' | '@' | '*' | '#' | '$' | '!' | '-')) => Err(unsupported(format!("special parameter `${c}`"), at)),
            // A lone `$` is itself.
            _ => {
                w.push_char('$', quoted);
                Ok(None)
            }
        }
    }
}

/// Brace expansion: `{A..B}` of integers is expanded when the command runs; other forms
/// (`{a,b}`, `{a..e}`, `{1..9..2}`) are not modelled.
fn check_braces(parts: &[Part], at: usize) -> Result<(), ParseError> {
    for part in parts {
        let Part::Literal(text) = part else { continue };
        let mut rest = text.as_str();
        while let Some(open) = rest.find('{') {
            let after = &rest[open + 1..];
            let Some(close) = after.find('}') else { break };
            let inner = &after[..close];
            if inner.contains(',') || (inner.contains("..") && brace_range(inner).is_none()) {
                return Err(unsupported(format!("brace expansion `{{{inner}}}`"), at));
            }
            rest = &after[close + 1..];
        }
    }
    Ok(())
}

/// `A..B` of integers.
pub(crate) fn brace_range(inner: &str) -> Option<(i64, i64)> {
    let (a, b) = inner.split_once("..")?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

/// The body of a here-document whose delimiter was not quoted: `$NAME`, `${NAME}`, `$?`,
/// `$(…)`, and `\` before `$`, `` ` ``, `\` or a newline; everything else is taken as it is.
/// Each `$(…)` is to be read as a line of its own: the word holds a placeholder part for it, and
/// it goes in `substitutions` (here-document `slot`'s).
fn here_body(body: &str, start: usize, depth: usize, slot: usize, substitutions: &mut Vec<HereSubstitution>) -> Result<Word, ParseError> {
    let mut w = Partial { at: start, ..Partial::default() };
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => match chars.peek().map(|&(_, c)| c) {
                Some('\n') => {
                    chars.next();
                }
                Some(e @ ('$' | '`' | '\\')) => {
                    chars.next();
                    w.push_char(e, true);
                }
                _ => w.push_char('\\', true),
            },
            '`' => return Err(unsupported("command substitution with backquotes (`…`; write $(…))", start + i)),
            '$' => {
                let rest = &body[i + 1..];
                let next = rest.chars().next();
                match next {
                    Some('(') if rest.starts_with("((") => return Err(unsupported("arithmetic expansion (`$((…))`)", start + i)),
                    Some('(') => {
                        if depth >= MAX_HERE_DEPTH {
                            return Err(unsupported(
                                format!("command substitutions in here-documents nested more than {MAX_HERE_DEPTH} deep"),
                                start + i,
                            ));
                        }
                        let inner = start + i + 2;
                        let len = matching_paren(&rest[1..]).ok_or_else(|| eof_looking_for(')', start + body.len()))?;
                        w.push_part(Part::Subst { list: usize::MAX, quoted: true });
                        substitutions.push(HereSubstitution {
                            slot,
                            part: w.parts.len() - 1,
                            text: rest[1..1 + len].to_owned(),
                            at: inner,
                        });
                        // `(`, the text and `)`.
                        for _ in 0..len + 2 {
                            chars.next();
                        }
                    }
                    Some('?') => {
                        chars.next();
                        w.push_part(Part::Status);
                    }
                    Some('{') => {
                        let Some(end) = rest.find('}') else { return Err(eof_looking_for('}', start + body.len())) };
                        let name = &rest[1..end];
                        if name == "?" {
                            w.push_part(Part::Status);
                        } else if name.starts_with(is_name_start) && name.chars().all(is_name_char) {
                            w.push_part(Part::Var { name: name.to_owned(), quoted: true });
                        } else {
                            return Err(unsupported(format!("parameter expansion `${{{name}}}`"), start + i));
                        }
                        for _ in 0..=end {
                            chars.next();
                        }
                    }
                    Some(c) if is_name_start(c) => {
                        let len = rest.find(|c: char| !is_name_char(c)).unwrap_or(rest.len());
                        w.push_part(Part::Var { name: rest[..len].to_owned(), quoted: true });
                        for _ in 0..len {
                            chars.next();
                        }
                    }
                    Some(c @ ('0'..='9' | '@' | '*' | '#' | '$' | '!' | '-' | '[')) => {
                        return Err(unsupported(format!("special parameter `${c}` in a here-document"), start + i));
                    }
                    _ => w.push_char('$', true),
                }
            }
            c => w.push_char(c, true),
        }
    }
    w.flush();
    Ok(Word { parts: w.parts, at: start })
}

/// The length of the text before the `)` that closes a `$(` whose text `rest` is: quotes,
/// backslashes and nested parentheses skipped over. `None` if it is not closed.
fn matching_paren(rest: &str) -> Option<usize> {
    let mut depth = 1usize;
    let mut chars = rest.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '\'' => loop {
                if chars.next()?.1 == '\'' {
                    break;
                }
            },
            '"' => loop {
                match chars.next()?.1 {
                    '\\' => {
                        chars.next();
                    }
                    '"' => break,
                    _ => {}
                }
            },
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}
