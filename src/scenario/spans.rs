//! Where each value of a RON file is: a walk over the [`lexer`](super::lexer)'s tokens that
//! records the line:column of every struct field, map key and list/tuple element, as a tree
//! looked up by field path.
//!
//! serde throws positions away, so semantic problems found after deserialising are located by
//! looking their path up here, and `ron`'s own errors are given the path of the value they are
//! in. The walk gives up on text that is not RON in the way it expects; then lookups return
//! `None` and problems are reported without a position rather than with a made-up one. It also
//! finds duplicate map keys, which serde's maps would silently merge.
//!
//! Memory and time are linear in the text: each value is one node that names its parent and
//! its own step (a token, or an element number), so a path is never copied per level; map keys
//! and struct fields are found through one ordered map, list elements through a range of their
//! parent's. The walk recurses once per bracket, which the [`lexer`](super::lexer) bounds
//! before it runs.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::rc::Rc;

use super::lexer::{Kind, LineCol, Token};
use super::shown;

/// One step of a field path. Names are shared, so extending a path under a long key (a host's
/// name can be as long as the file) copies no text.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Segment {
    /// A struct field: `hosts`.
    Field(Rc<str>),
    /// A map key: `"lb-1"`.
    Key(Rc<str>),
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
        self.with(Segment::Field(name.into()))
    }

    /// This path, then map key `key`.
    pub(super) fn key(&self, key: &str) -> Self {
        self.with(Segment::Key(key.into()))
    }

    /// This path, then element `i`.
    pub(super) fn index(&self, i: usize) -> Self {
        self.with(Segment::Index(i))
    }

    fn with(&self, segment: Segment) -> Self {
        let mut segments = Vec::with_capacity(self.0.len() + 1);
        segments.extend_from_slice(&self.0);
        segments.push(segment);
        FieldPath(segments)
    }

    /// Its steps from the top.
    pub(super) fn segments(&self) -> &[Segment] {
        &self.0
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            let dot = if i == 0 { "" } else { "." };
            match segment {
                Segment::Field(name) => write!(f, "{dot}{name}")?,
                Segment::Key(key) => write!(f, "{dot}{}", shown::quoted(key))?,
                Segment::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// Which position of an entry a problem points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Target {
    /// The field name or map key (for problems with the name itself).
    Key,
    /// The value.
    Value,
}

/// How a node is reached from its parent.
#[derive(Clone, Copy, Debug)]
enum Step {
    /// The top-level value.
    Root,
    /// A struct field, by the index of its name's token.
    Field(u32),
    /// A map key, by the index of its (string) token.
    Key(u32),
    /// A list or tuple element.
    Index(u32),
}

/// One value written in the file.
#[derive(Clone, Debug)]
struct Node {
    parent: u32,
    depth: u32,
    step: Step,
    /// Its tokens (for `Some(x)`, those of `x`).
    tokens: Range<u32>,
    /// Its elements, if a list or tuple: a range of [`SpanIndex::elements`].
    elements: Range<u32>,
}

/// A value found at a position by [`SpanIndex::value_at`].
#[derive(Clone, Debug)]
pub(super) struct Found {
    /// Where it starts.
    pub(super) at: LineCol,
    /// The path of the innermost indexed value it is in (its own, if it is indexed).
    pub(super) path: FieldPath,
    /// Whether it is the value at `path` itself, rather than something inside it (such as a
    /// field name, or a map key, which is not indexed).
    pub(super) starts: bool,
    /// Its text on one line, shortened.
    pub(super) text: String,
}

/// The positions of one file's values, by field path.
pub(super) struct SpanIndex {
    text: String,
    tokens: Vec<Token>,
    /// The top-level value first, then every value in the order it starts in the file.
    nodes: Vec<Node>,
    /// Struct fields and map keys: `(parent, step) → node`.
    named: BTreeMap<(u32, Segment), u32>,
    /// List and tuple elements, each list's together, in order.
    elements: Vec<u32>,
    /// Map keys given again: the map's node and the repeated key's token.
    duplicates: Vec<(u32, u32)>,
    /// The steps of the last path looked up, with their nodes. The validator looks up many paths
    /// below one key (every service of a host), built from one [`FieldPath`] whose key is
    /// shared: a key that is the very same text as last time is not compared again, so a long
    /// key costs once, not once per problem below it.
    last: Cell<Vec<(Segment, u32)>>,
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl SpanIndex {
    /// Indexes `text`, given all its [`lex`](super::lexer::lex)ed tokens; `None` if it is not
    /// RON this walk understands.
    pub(super) fn build(text: &str, tokens: Vec<Token>) -> Option<SpanIndex> {
        let mut walk =
            Walk { text, tokens: &tokens, pos: 0, nodes: Vec::new(), named: BTreeMap::new(), elements: Vec::new(), duplicates: Vec::new() };
        walk.skip_attributes()?;
        walk.nodes.push(Node { parent: 0, depth: 0, step: Step::Root, tokens: 0..0, elements: 0..0 });
        walk.value(Some(0))?;
        let Walk { nodes, named, elements, duplicates, .. } = walk;
        Some(SpanIndex { text: text.to_string(), tokens, nodes, named, elements, duplicates, last: Cell::default() })
    }

    fn node(&self, id: u32) -> Option<&Node> {
        self.nodes.get(id as usize)
    }

    fn token(&self, i: u32) -> Option<&Token> {
        self.tokens.get(i as usize)
    }

    /// The node at `path`, or the deepest node on the way to it; and whether it is at `path`.
    fn nearest(&self, path: &FieldPath) -> (u32, bool) {
        let mut last = self.last.take();
        let same = |(a, b): (&Segment, &Segment)| match (a, b) {
            (Segment::Key(a), Segment::Key(b)) => Rc::ptr_eq(a, b),
            // Field names are the validator's own, short.
            _ => a == b,
        };
        let known = last.iter().map(|(segment, _)| segment).zip(&path.0).take_while(|&pair| same(pair)).count();
        last.truncate(known);
        let found = self.descend(path, &mut last);
        self.last.set(last);
        found
    }

    /// Continues `path`'s lookup after the steps already in `steps`, adding the ones found.
    fn descend(&self, path: &FieldPath, steps: &mut Vec<(Segment, u32)>) -> (u32, bool) {
        let mut id = steps.last().map_or(0, |&(_, id)| id);
        for segment in path.0.iter().skip(steps.len()) {
            let next = match segment {
                Segment::Index(i) => self.node(id).and_then(|node| {
                    let at = node.elements.start as usize + i;
                    (at < node.elements.end as usize).then(|| self.elements.get(at).copied()).flatten()
                }),
                named => self.named.get(&(id, named.clone())).copied(),
            };
            match next {
                Some(next) => {
                    id = next;
                    steps.push((segment.clone(), id));
                }
                None => return (id, false),
            }
        }
        (id, true)
    }

    /// Where `path` is; for a path with no entry of its own, where its nearest ancestor is.
    pub(super) fn find(&self, path: &FieldPath, target: Target) -> Option<LineCol> {
        let node = self.node(self.nearest(path).0)?;
        let name = match node.step {
            Step::Field(token) | Step::Key(token) if target == Target::Key => Some(token),
            _ => None,
        };
        Some(self.token(name.unwrap_or(node.tokens.start))?.at())
    }

    /// Where byte `byte` of the string value at `path` is written: a problem inside a string
    /// (a shell command's offending token), found by decoding the string as written (escapes,
    /// line continuations, raw strings) up to that byte. `None` if `path` is not a string.
    pub(super) fn find_in_string(&self, path: &FieldPath, byte: usize) -> Option<LineCol> {
        let (id, exact) = self.nearest(path);
        let token = self.token(self.node(id).filter(|_| exact)?.tokens.start)?;
        if token.kind != Kind::Str {
            return None;
        }
        let text = token.text(&self.text);
        let skip = source_offset(text, byte)?;
        let mut at = token.at();
        for c in text.get(..skip)?.chars() {
            if c == '\n' {
                at.line += 1;
                at.column = 1;
            } else {
                at.column += 1;
            }
        }
        Some(at)
    }

    /// The path of a node, rebuilt from its steps.
    fn path_of(&self, mut id: u32) -> Option<FieldPath> {
        let mut segments = Vec::new();
        loop {
            let node = self.node(id)?;
            segments.push(match node.step {
                Step::Root => break,
                Step::Field(token) => {
                    let name = self.token(token)?.text(&self.text);
                    Segment::Field(name.strip_prefix("r#").unwrap_or(name).into())
                }
                Step::Key(token) => Segment::Key(decode_string(self.token(token)?.text(&self.text))?.into()),
                Step::Index(i) => Segment::Index(i as usize),
            });
            id = node.parent;
        }
        segments.reverse();
        Some(FieldPath(segments))
    }

    /// The byte offset of `at` in the text (the end of the text if it is past it).
    fn offset(&self, at: LineCol) -> usize {
        let mut line_start = 0;
        for _ in 1..at.line {
            match self.text.get(line_start..).and_then(|rest| rest.find('\n')) {
                Some(newline) => line_start += newline + 1,
                None => return self.text.len(),
            }
        }
        let line = self.text.get(line_start..).unwrap_or_default();
        line_start + line.char_indices().nth(at.column.saturating_sub(1)).map_or(line.len(), |(i, _)| i)
    }

    /// The innermost value (with its field name or key) written around `at`: the path of the
    /// value a `ron` error position falls in.
    pub(super) fn path_at(&self, at: LineCol) -> Option<FieldPath> {
        self.path_of(self.node_at(to_u32(self.offset(at)))?)
    }

    /// The innermost node written around byte `offset`.
    fn node_at(&self, offset: u32) -> Option<u32> {
        let contains = |node: &Node| {
            let first = match node.step {
                Step::Field(token) | Step::Key(token) => token,
                _ => node.tokens.start,
            };
            let start = self.token(first).map(|t| t.start);
            let end = node.tokens.end.checked_sub(1).and_then(|last| self.token(last)).map(|t| t.end);
            start.is_some_and(|start| start <= offset) && end.is_some_and(|end| offset < end)
        };
        let (id, _) =
            self.nodes.iter().enumerate().filter(|(_, node)| contains(node)).max_by_key(|(_, node)| (node.depth, node.tokens.start))?;
        Some(to_u32(id))
    }

    /// The value written at or just after `at` (a `ron` error position, which may be in the
    /// whitespace before it).
    pub(super) fn value_at(&self, at: LineCol) -> Option<Found> {
        let offset = to_u32(self.offset(at));
        let first = self.tokens.partition_point(|t| t.end <= offset);
        let token = self.tokens.get(first)?;
        // A bracketed value (or `Name(…)`) runs to its closing bracket.
        let opens = |t: &Token| matches!(t.kind, Kind::Punct('(' | '[' | '{'));
        let named = token.kind == Kind::Ident && self.tokens.get(first + 1).is_some_and(opens);
        let mut end = first + 1;
        if opens(token) || named {
            let mut depth = 0usize;
            for (i, t) in self.tokens.iter().enumerate().skip(first) {
                match t.kind {
                    Kind::Punct('(' | '[' | '{') => depth += 1,
                    Kind::Punct(')' | ']' | '}') => depth = depth.saturating_sub(1),
                    _ => {}
                }
                end = i + 1;
                if depth == 0 && i > first {
                    break;
                }
            }
        }
        let node = self.node_at(token.start)?;
        let starts = self.node(node).and_then(|n| self.token(n.tokens.start)).is_some_and(|t| t.start == token.start);
        let text = shown::code(&self.render(to_u32(first)..to_u32(end))?);
        Some(Found { at: token.at(), path: self.path_of(node)?, starts, text })
    }

    /// Map keys given more than once (the later occurrences): the position of each, and a
    /// function that makes its path (only wanted for the problems listed).
    pub(super) fn duplicate_keys(&self) -> impl Iterator<Item = (LineCol, impl FnOnce() -> Option<FieldPath>)> {
        self.duplicates.iter().filter_map(move |&(map, token)| {
            let token = self.token(token)?;
            Some((token.at(), move || Some(self.path_of(map)?.key(&decode_string(token.text(&self.text))?))))
        })
    }

    /// The value at `path` as written, on one line: comments dropped, whitespace normalised,
    /// trailing commas removed.
    pub(super) fn one_line(&self, path: &FieldPath) -> Option<String> {
        let (id, exact) = self.nearest(path);
        if !exact {
            return None;
        }
        self.render(self.node(id)?.tokens.clone())
    }

    fn render(&self, range: Range<u32>) -> Option<String> {
        let tokens = self.tokens.get(range.start as usize..range.end as usize)?;
        let mut out = String::new();
        for (i, token) in tokens.iter().enumerate() {
            let next = tokens.get(i + 1).map(|t| t.kind);
            let closes = |k: Option<Kind>| matches!(k, Some(Kind::Punct(')' | ']' | '}')));
            if token.kind == Kind::Punct(',') && closes(next) {
                continue;
            }
            out.push_str(token.text(&self.text));
            if matches!(token.kind, Kind::Punct(',' | ':')) && !closes(next) {
                out.push(' ');
            }
        }
        Some(out)
    }
}

struct Walk<'t> {
    text: &'t str,
    tokens: &'t [Token],
    pos: usize,
    nodes: Vec<Node>,
    named: BTreeMap<(u32, Segment), u32>,
    elements: Vec<u32>,
    duplicates: Vec<(u32, u32)>,
}

impl Walk<'_> {
    fn peek(&self) -> Option<Kind> {
        self.tokens.get(self.pos).map(|t| t.kind)
    }

    fn peek_at(&self, ahead: usize) -> Option<Kind> {
        self.tokens.get(self.pos + ahead).map(|t| t.kind)
    }

    fn bump(&mut self) -> Option<Token> {
        let token = *self.tokens.get(self.pos)?;
        self.pos += 1;
        Some(token)
    }

    fn expect(&mut self, c: char) -> Option<()> {
        (self.bump()?.kind == Kind::Punct(c)).then_some(())
    }

    /// After an element: a comma, or the closing bracket (left for the caller).
    fn separator(&mut self, close: char) -> Option<()> {
        match self.peek()? {
            Kind::Punct(',') => {
                self.pos += 1;
                Some(())
            }
            Kind::Punct(c) if c == close => Some(()),
            _ => None,
        }
    }

    fn skip_attributes(&mut self) -> Option<()> {
        while self.peek() == Some(Kind::Punct('#')) {
            let mut depth = 0usize;
            loop {
                match self.bump()?.kind {
                    Kind::Punct('[') => depth += 1,
                    Kind::Punct(']') => {
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

    /// A new node below `parent`.
    fn add(&mut self, parent: u32, step: Step) -> u32 {
        let depth = self.nodes.get(parent as usize).map_or(0, |p| p.depth + 1);
        self.nodes.push(Node { parent, depth, step, tokens: 0..0, elements: 0..0 });
        to_u32(self.nodes.len() - 1)
    }

    /// A new node for field or key `segment` below `parent`, unless it already has one.
    fn add_named(&mut self, parent: u32, segment: Segment, step: Step) -> Option<u32> {
        let std::collections::btree_map::Entry::Vacant(entry) = self.named.entry((parent, segment)) else { return None };
        entry.insert(to_u32(self.nodes.len()));
        Some(self.add(parent, step))
    }

    /// One value, recorded as `node` if given (a value that is not indexed, such as a map key or
    /// a repeated key's value, is walked over with `None`).
    fn value(&mut self, node: Option<u32>) -> Option<()> {
        let first = self.pos;
        let mut elements = Vec::new();
        match self.peek()? {
            Kind::Punct('[') => {
                self.pos += 1;
                let mut i = 0;
                while self.peek()? != Kind::Punct(']') {
                    let element = node.map(|n| self.add(n, Step::Index(i)));
                    elements.extend(element);
                    self.value(element)?;
                    self.separator(']')?;
                    i += 1;
                }
                self.pos += 1;
            }
            Kind::Punct('{') => {
                self.pos += 1;
                while self.peek()? != Kind::Punct('}') {
                    let key = self.pos;
                    // The key's own structure is not indexed.
                    self.value(None)?;
                    self.expect(':')?;
                    let name = self.tokens.get(key).filter(|t| t.kind == Kind::Str && self.pos == key + 2);
                    let name = name.and_then(|t| decode_string(t.text(self.text)));
                    let entry = match (node, name) {
                        (Some(map), Some(name)) => {
                            let entry = self.add_named(map, Segment::Key(name.into()), Step::Key(to_u32(key)));
                            if entry.is_none() {
                                // Keep the first occurrence's positions; walk the repeat out of the way.
                                self.duplicates.push((map, to_u32(key)));
                            }
                            entry
                        }
                        _ => None,
                    };
                    self.value(entry)?;
                    self.separator('}')?;
                }
                self.pos += 1;
            }
            Kind::Punct('(') => self.parens(node, &mut elements)?,
            Kind::Ident => {
                let name = self.bump()?.text(self.text);
                if self.peek() == Some(Kind::Punct('(')) {
                    if name == "Some" {
                        // Options are transparent in serde paths: index the inner value in place.
                        self.pos += 1;
                        self.value(node)?;
                        if self.peek() == Some(Kind::Punct(',')) {
                            self.pos += 1;
                        }
                        return self.expect(')');
                    }
                    self.parens(node, &mut elements)?;
                }
            }
            Kind::Str | Kind::Other => self.pos += 1,
            Kind::Punct(_) => return None,
        }
        if let Some(node) = node.and_then(|n| self.nodes.get_mut(n as usize)) {
            let start = to_u32(self.elements.len());
            self.elements.extend(elements);
            node.tokens = to_u32(first)..to_u32(self.pos);
            node.elements = start..to_u32(self.elements.len());
        }
        Some(())
    }

    /// `( … )`: struct fields if it starts with `name:`, else tuple elements (added to
    /// `elements`).
    fn parens(&mut self, node: Option<u32>, elements: &mut Vec<u32>) -> Option<()> {
        self.expect('(')?;
        let named = self.peek_at(1) == Some(Kind::Punct(':'));
        let mut i = 0;
        while self.peek()? != Kind::Punct(')') {
            if named {
                let at = self.pos;
                let token = *self.tokens.get(at)?;
                let field = if token.kind == Kind::Ident {
                    self.pos += 1;
                    let name = token.text(self.text);
                    let name = name.strip_prefix("r#").unwrap_or(name).into();
                    // A field given twice is `ron`'s to report; the repeat is not indexed.
                    node.and_then(|n| self.add_named(n, Segment::Field(name), Step::Field(to_u32(at))))
                } else {
                    // Not a field name (`"seed": 1`): `ron`'s to report, walked over unindexed.
                    self.value(None)?;
                    None
                };
                self.expect(':')?;
                self.value(field)?;
            } else {
                let element = node.map(|n| self.add(n, Step::Index(i)));
                elements.extend(element);
                self.value(element)?;
            }
            self.separator(')')?;
            i += 1;
        }
        self.pos += 1;
        Some(())
    }
}

/// The value of a string token: `"…"` with its escapes, or raw `r#"…"#`.
/// The offset in a string token's text of byte `byte` of its value (decoded as
/// [`decode_string`] does); the closing quote's offset for the end of the value.
fn source_offset(token: &str, byte: usize) -> Option<usize> {
    if let Some(raw) = token.strip_prefix('r') {
        let hashes = raw.len() - raw.trim_start_matches('#').len();
        let start = 1 + hashes + 1;
        return Some((start + byte).min(token.len().checked_sub(hashes + 1)?));
    }
    let body = token.strip_prefix('"')?.strip_suffix('"')?;
    let mut decoded = 0;
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if decoded >= byte {
            return Some(1 + i);
        }
        if c != '\\' {
            decoded += c.len_utf8();
            continue;
        }
        match chars.next()?.1 {
            'x' => {
                chars.nth(1)?;
                decoded += 1;
            }
            'u' => {
                let mut hex = String::new();
                for (_, h) in chars.by_ref().skip(1).take_while(|&(_, h)| h != '}').take(8) {
                    hex.push(h);
                }
                decoded += char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?.len_utf8();
            }
            '\n' | '\r' => while chars.next_if(|&(_, c)| matches!(c, ' ' | '\t' | '\n' | '\r')).is_some() {},
            _ => decoded += 1,
        }
    }
    Some(token.len() - 1)
}

fn decode_string(token: &str) -> Option<String> {
    if let Some(raw) = token.strip_prefix('r') {
        let hashes = raw.len() - raw.trim_start_matches('#').len();
        return raw.get(hashes + 1..raw.len().checked_sub(hashes + 1)?).map(str::to_string);
    }
    let body = token.strip_prefix('"')?.strip_suffix('"')?;
    let mut value = String::with_capacity(body.len());
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            value.push(c);
            continue;
        }
        match chars.next()? {
            'n' => value.push('\n'),
            't' => value.push('\t'),
            'r' => value.push('\r'),
            '0' => value.push('\0'),
            'x' => {
                let hex: String = chars.by_ref().take(2).collect();
                value.push(char::from(u8::from_str_radix(&hex, 16).ok()?));
            }
            'u' => {
                (chars.next()? == '{').then_some(())?;
                let hex: String = chars.by_ref().take_while(|&c| c != '}').take(8).collect();
                value.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
            }
            // A line continuation: the newline and the next line's indentation are dropped.
            '\n' | '\r' => while chars.next_if(|&c| matches!(c, ' ' | '\t' | '\n' | '\r')).is_some() {},
            other => value.push(other),
        }
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::lexer::lex;

    /// The index of `text`, as the validator builds it: only for text that lexes completely.
    fn index(text: &str) -> Option<SpanIndex> {
        let lexed = lex(text);
        if lexed.stop.is_none() { SpanIndex::build(text, lexed.tokens) } else { None }
    }

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
        let index = index(TEXT).unwrap();
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
        let duplicates: Vec<_> = index.duplicate_keys().map(|(at, path)| (path(), at)).collect();
        assert_eq!(duplicates, [(Some(host.clone()), LineCol { line: 8, column: 9 })]);
        assert_eq!(nic.to_string(), r#"hosts."lb-1".nics."eth0""#);
        assert_eq!(root.field("expect").index(3).field("at").to_string(), "expect[3].at");
    }

    #[test]
    fn renders_values_on_one_line() {
        let index = index(TEXT).unwrap();
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
        let index = index(TEXT).unwrap();
        let path_at = |line, column| index.path_at(LineCol { line, column }).map(|path| path.to_string());
        assert_eq!(path_at(6, 9).as_deref(), Some(r#"hosts."lb-1""#));
        assert_eq!(path_at(6, 22).as_deref(), Some(r#"hosts."lb-1".nics"#));
        assert_eq!(path_at(6, 48).as_deref(), Some(r#"hosts."lb-1".nics."eth0"[1]"#));
        assert_eq!(path_at(12, 18).as_deref(), Some("expect[0].at"));
        assert_eq!(path_at(3, 1).as_deref(), Some(""));
        assert_eq!(path_at(1, 1), None);
    }

    #[test]
    fn gives_up_on_broken_text() {
        assert!(index("Scenario(name: ").is_none());
        assert!(index("\"unterminated").is_none());
    }
}
