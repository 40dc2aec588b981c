//! Reading one source file without a Rust parser: comments and literals are blanked (keeping every
//! line where it was), then one pass over the text finds the module scopes the file opens
//! (`mod tests { … }`), the modules and items each scope declares, every `use` tree (flattened,
//! with the name each leaf binds) and every other path written `a::b`.

use std::collections::{BTreeMap, BTreeSet};

/// A module path below the crate root: `["host", "apps"]` is `crate::host::apps`, `[]` the root.
pub(super) type ModPath = Vec<String>;

/// What a `use` leaf binds in its module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Binds {
    /// A path in code, or `use x as _`.
    Nothing,
    /// `use a::b;` binds `b`, `use a::b as c;` binds `c`, `use a::{self}` binds `a`.
    Name(String),
    /// `use a::*;`.
    Glob,
}

/// One path as written in a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Written {
    /// 1-based line of the path's first segment.
    pub line: usize,
    /// The module the path is written in: the file's module plus any `mod x { … }` around it.
    pub scope: ModPath,
    /// The segments as written: `super::x::Y` → `["super", "x", "Y"]`; a leading `::` gives `""`.
    /// A `use` leaf has its group prefixes prepended and a trailing `self` removed.
    pub segments: Vec<String>,
    /// What the path binds (only `use` leaves bind).
    pub binds: Binds,
}

/// What a file declares and names.
#[derive(Debug, Default)]
pub(super) struct Scanned {
    /// Every path written in the file, in text order.
    pub paths: Vec<Written>,
    /// Per module scope: the child modules it declares (`mod x;` and `mod x { … }`).
    pub modules: BTreeMap<ModPath, BTreeSet<String>>,
    /// Per module scope: the names it defines (`fn`, `struct`, …, `mod`, `macro_rules!`), a
    /// superset (associated items count too) used only to let a name shadow a glob import.
    pub items: BTreeMap<ModPath, BTreeSet<String>>,
}

/// Blanks `//` and `/* */` comments (doc comments included), string literal contents and char
/// literals, keeping line structure (and one byte per blanked char) so positions stay right.
pub(super) fn blank(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        // Only ever at an ASCII byte, so `&src[i..]` is on a char boundary.
        let rest = &src[i..];
        let len = match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => Some(rest.find('\n').unwrap_or(rest.len())),
            b'/' if b.get(i + 1) == Some(&b'*') => Some(rest.find("*/").map_or(rest.len(), |e| e + 2)),
            b'r' | b'b' if i == 0 || !is_ident(b[i - 1]) => raw_string_start(rest).map(|(open, hashes)| {
                let close = format!("\"{}", "#".repeat(hashes));
                rest[open..].find(&close).map_or(rest.len(), |e| open + e + close.len())
            }),
            b'\'' => char_literal_len(rest),
            b'"' => {
                let mut j = 1;
                while j < rest.len() && b[i + j] != b'"' {
                    j += if b[i + j] == b'\\' { 2 } else { 1 };
                }
                Some((j + 1).min(rest.len()))
            }
            _ => None,
        };
        let Some(len) = len else {
            // Copy up to the next byte that may open a comment or literal.
            let next = b[i + 1..].iter().position(|c| matches!(c, b'/' | b'r' | b'b' | b'\'' | b'"')).map_or(b.len(), |n| i + 1 + n);
            out.extend_from_slice(&b[i..next]);
            i = next;
            continue;
        };
        // One space per blanked char (not per byte), newlines kept.
        out.extend(b[i..i + len].iter().filter(|&&c| c & 0xC0 != 0x80).map(|&c| if c == b'\n' { b'\n' } else { b' ' }));
        i += len;
    }
    String::from_utf8(out).expect("blanking keeps UTF-8")
}

/// For a raw string literal starting at `s` (`r"…"`, `r#"…"#`, `br#"…"#`): the length of its
/// opening (up to and including the quote) and its number of `#`.
fn raw_string_start(s: &str) -> Option<(usize, usize)> {
    let b = usize::from(s.starts_with('b'));
    let after_r = s[b..].strip_prefix('r')?;
    let hashes = after_r.len() - after_r.trim_start_matches('#').len();
    after_r[hashes..].starts_with('"').then_some((b + 2 + hashes, hashes))
}

/// The length of a char literal starting at `s` (`'{'`, `'\''`, `'\u{7f}'`), or `None` for a
/// lifetime or label (`'a`, `'outer:`).
fn char_literal_len(s: &str) -> Option<usize> {
    let body = s.strip_prefix('\'')?;
    if let Some(escaped) = body.strip_prefix('\\') {
        let first = escaped.chars().next()?;
        let close = escaped[first.len_utf8()..].find('\'')?;
        return Some(2 + first.len_utf8() + close + 1);
    }
    let c = body.chars().next()?;
    body[c.len_utf8()..].starts_with('\'').then_some(1 + c.len_utf8() + 1)
}

/// Line numbers of byte offsets.
struct Lines(Vec<usize>);

impl Lines {
    fn new(text: &str) -> Lines {
        Lines(std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect())
    }

    fn at(&self, offset: usize) -> usize {
        self.0.partition_point(|&start| start <= offset)
    }
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// The end of the identifier starting at `i`, if one does.
fn ident_at(t: &[u8], i: usize) -> Option<usize> {
    let first = *t.get(i)?;
    if !is_ident(first) || first.is_ascii_digit() {
        return None;
    }
    Some(t[i..].iter().position(|&b| !is_ident(b)).map_or(t.len(), |n| i + n))
}

fn skip_ws(t: &[u8], mut i: usize) -> usize {
    while t.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    i
}

/// The identifier after `i` (skipping whitespace) and where it ends.
fn next_ident(text: &str, i: usize) -> Option<(String, usize)> {
    let start = skip_ws(text.as_bytes(), i);
    let end = ident_at(text.as_bytes(), start)?;
    Some((text[start..end].to_owned(), end))
}

/// `a :: b :: c` from `i`: the segments and where the last one ends. Stops before `::<`, `::{`.
fn path_segments(text: &str, i: usize) -> (Vec<String>, usize) {
    let t = text.as_bytes();
    let (mut segments, mut at, mut end) = (Vec::new(), i, i);
    while let Some(e) = ident_at(t, at) {
        segments.push(text[at..e].to_owned());
        end = e;
        let j = skip_ws(t, e);
        if !t[j..].starts_with(b"::") {
            break;
        }
        at = skip_ws(t, j + 2);
    }
    (segments, end)
}

/// Whether the identifier at `i` starts a path: not the tail of a longer path or identifier
/// (`a::b`, `$crate`), except after a leading `::` (`<::smoltcp::X>`), which gives `Some(true)`.
fn starts_path(t: &[u8], i: usize) -> Option<bool> {
    let Some(i) = i.checked_sub(1) else { return Some(false) };
    match t[i] {
        b'$' => None,
        b if is_ident(b) => None,
        b':' if i >= 1 && t[i - 1] == b':' => {
            let before = t[..i - 1].iter().rposition(|b| !b.is_ascii_whitespace());
            match before.map(|k| t[k]) {
                Some(b) if is_ident(b) || b == b'>' || b == b':' || b == b')' => None,
                _ => Some(true),
            }
        }
        b':' => None,
        _ => Some(false),
    }
}

/// Scans blanked source text of the module `module`.
pub(super) fn scan(text: &str, module: &[String]) -> Scanned {
    let t = text.as_bytes();
    let lines = Lines::new(text);
    let mut out = Scanned::default();
    // Inline modules open at this point, each with the brace depth of its body.
    let mut open: Vec<(String, usize)> = Vec::new();
    let mut pending: Option<String> = None;
    let mut depth = 0;
    let mut i = 0;
    while i < t.len() {
        match t[i] {
            b'{' => {
                depth += 1;
                if let Some(name) = pending.take() {
                    open.push((name, depth));
                }
                i += 1;
                continue;
            }
            b'}' => {
                if open.last().is_some_and(|(_, d)| *d == depth) {
                    open.pop();
                }
                depth = depth.saturating_sub(1);
                i += 1;
                continue;
            }
            b';' => pending = None,
            _ => {}
        }
        if !is_ident(t[i]) {
            i += 1;
            continue;
        }
        let end = t[i..].iter().position(|&b| !is_ident(b)).map_or(t.len(), |n| i + n);
        if t[i].is_ascii_digit() || (i > 0 && is_ident(t[i - 1])) {
            i = end; // a number, or the rest of a word
            continue;
        }
        let scope = || -> ModPath { module.iter().cloned().chain(open.iter().map(|(n, _)| n.clone())).collect() };
        let word = &text[i..end];
        i = end;
        match word {
            "use" => {
                let mut leaves = Vec::new();
                let tree_end = use_tree(text, end, &[], &mut leaves);
                let scope = scope();
                for (at, segments, binds) in leaves {
                    out.paths.push(Written { line: lines.at(at), scope: scope.clone(), segments, binds });
                }
                i = text[tree_end..].find(';').map_or(t.len(), |k| tree_end + k + 1);
            }
            "mod" => {
                if let Some((name, after)) = next_ident(text, end) {
                    if t.get(skip_ws(t, after)) == Some(&b'{') {
                        pending = Some(name.clone());
                    }
                    out.modules.entry(scope()).or_default().insert(name.clone());
                    out.items.entry(scope()).or_default().insert(name);
                    i = after;
                }
            }
            "fn" | "struct" | "enum" | "union" | "trait" | "type" | "const" | "static" | "macro_rules" => {
                let from = if word == "macro_rules" { skip_ws(t, end) + 1 } else { end };
                let name = next_ident(text, from).and_then(|(n, e)| if n == "mut" { next_ident(text, e) } else { Some((n, e)) });
                if let Some((name, _)) = name {
                    out.items.entry(scope()).or_default().insert(name);
                }
            }
            "extern" => {
                if let Some((_, after)) = next_ident(text, end).filter(|(w, _)| w == "crate")
                    && let Some((name, after)) = next_ident(text, after)
                {
                    let alias = next_ident(text, after).filter(|(w, _)| w == "as").and_then(|(_, e)| next_ident(text, e));
                    let bound = alias.map_or(name.clone(), |(a, _)| a);
                    out.paths.push(Written { line: lines.at(end), scope: scope(), segments: vec![name], binds: Binds::Name(bound) });
                    i = after;
                }
            }
            _ => {
                let start = end - word.len();
                let Some(leading) = starts_path(t, start) else { continue };
                let (mut segments, path_end) = path_segments(text, start);
                if segments.len() < 2 {
                    continue;
                }
                if leading {
                    segments.insert(0, String::new());
                }
                out.paths.push(Written { line: lines.at(start), scope: scope(), segments, binds: Binds::Nothing });
                i = path_end;
            }
        }
    }
    out
}

/// A flattened `use` leaf: where its text starts, its segments and what it binds.
type Leaf = (usize, Vec<String>, Binds);

/// Flattens the use tree at `i` below `prefix` into `leaves`; returns where the tree ends.
/// `{kernel::{A, B as C}, wire::*}` gives `kernel::A` (binds `A`), `kernel::B` (binds `C`) and
/// `wire` (a glob). Whitespace and newlines may appear anywhere (rustfmt splits long groups).
fn use_tree(text: &str, i: usize, prefix: &[String], leaves: &mut Vec<Leaf>) -> usize {
    let t = text.as_bytes();
    let mut i = skip_ws(t, i);
    let start = i;
    let mut segments = prefix.to_vec();
    if t[i..].starts_with(b"::") {
        segments.push(String::new());
        i += 2;
    }
    loop {
        i = skip_ws(t, i);
        match t.get(i) {
            Some(b'*') => {
                leaves.push((start, segments, Binds::Glob));
                return i + 1;
            }
            Some(b'{') => return use_group(text, i + 1, &segments, leaves),
            _ => {}
        }
        let Some(end) = ident_at(t, i) else { return i };
        segments.push(text[i..end].to_owned());
        i = end;
        let j = skip_ws(t, i);
        if !t[j..].starts_with(b"::") {
            break;
        }
        i = j + 2;
    }
    if segments.last().is_some_and(|s| s == "self") {
        segments.pop();
    }
    let mut binds = segments.last().map_or(Binds::Nothing, |s| Binds::Name(s.clone()));
    if let Some((_, after)) = next_ident(text, i).filter(|(w, _)| w == "as")
        && let Some((alias, end)) = next_ident(text, after)
    {
        binds = if alias == "_" { Binds::Nothing } else { Binds::Name(alias) };
        i = end;
    }
    if !segments.is_empty() {
        leaves.push((start, segments, binds));
    }
    i
}

/// The items of a `{ … }` group whose `{` is just before `i`; returns where the group ends.
fn use_group(text: &str, mut i: usize, prefix: &[String], leaves: &mut Vec<Leaf>) -> usize {
    let t = text.as_bytes();
    loop {
        i = skip_ws(t, i);
        match t.get(i) {
            None => return i,
            Some(b'}') => return i + 1,
            Some(b',') => i += 1,
            Some(_) => {
                let before = i;
                i = use_tree(text, i, prefix, leaves);
                if i == before {
                    i += 1; // not a use tree: step over it rather than loop
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(path: &str) -> ModPath {
        path.split("::").filter(|s| !s.is_empty()).map(str::to_owned).collect()
    }

    fn paths(src: &str, m: &str) -> Vec<(usize, String, Binds)> {
        scan(&blank(src), &module(m)).paths.into_iter().map(|w| (w.line, w.segments.join("::"), w.binds)).collect()
    }

    fn name(s: &str) -> Binds {
        Binds::Name(s.to_owned())
    }

    #[test]
    fn comments_strings_and_char_literals_are_blanked() {
        let src =
            "let a = '{'; let b = '\\''; let c: &'static str = \"crate::x\"; // crate::y\nlet d = r#\"a \"q\" crate::z\"#; crate::w::V;";
        let blanked = blank(src);
        assert_eq!(blanked.len(), src.len());
        assert!(!blanked.contains('{') && !blanked.contains("crate::x") && !blanked.contains("crate::y") && !blanked.contains("crate::z"));
        assert!(blanked.contains("&'static str") && blanked.contains("crate::w::V"), "{blanked}");
        assert_eq!(paths(src, "proto"), [(2, "crate::w::V".to_owned(), Binds::Nothing)]);
    }

    #[test]
    fn use_trees_are_flattened_with_their_names_and_lines() {
        let src = "use crate::{kernel::SimTime, observe::{a as b, self}};\nuse super::{\n    wire::{\n        V,\n    },\n    lab as _,\n    fabric::*,\n};\npub use ::smoltcp::wire;\nextern crate tokio as t;\n";
        let expected = [
            (1, "crate::kernel::SimTime", name("SimTime")),
            (1, "crate::observe::a", name("b")),
            (1, "crate::observe", name("observe")),
            (4, "super::wire::V", name("V")),
            (6, "super::lab", Binds::Nothing),
            (7, "super::fabric", Binds::Glob),
            (9, "::smoltcp::wire", name("wire")),
            (10, "tokio", name("t")),
        ];
        let expected: Vec<_> = expected.into_iter().map(|(l, p, b)| (l, p.to_owned(), b)).collect();
        assert_eq!(paths(src, "proto"), expected);
    }

    #[test]
    fn paths_in_code_are_found_at_their_start_only() {
        let src = "fn f() -> Vec<crate::host::X> { let t = std::time::Instant::now(); $crate::cli::x(); a.b::<T>(); <::smoltcp::wire::A>::f(); Foo::<T>::bar; self::x::y }";
        let found: Vec<String> = paths(src, "proto").into_iter().map(|(_, p, _)| p).collect();
        assert_eq!(found, ["crate::host::X", "std::time::Instant::now", "::smoltcp::wire::A", "self::x::y"]);
    }

    #[test]
    fn inline_modules_scope_what_they_contain() {
        let src = "mod a;\npub mod ft { pub const X: u8 = 1; fn g() { let _ = '}'; } }\nuse x::Y;\n#[cfg(test)]\nmod tests {\n    use super::*;\n    struct Z;\n}\nstatic mut W: u8 = 0;\nmacro_rules! m { () => {} }\n";
        let scanned = scan(&blank(src), &module("proto::nginx"));
        let scopes: Vec<(usize, String)> = scanned.paths.iter().map(|w| (w.line, w.scope.join("::"))).collect();
        assert_eq!(scopes, [(3, "proto::nginx".to_owned()), (6, "proto::nginx::tests".to_owned())]);
        let set = |xs: &[&str]| xs.iter().map(|s| (*s).to_owned()).collect::<BTreeSet<String>>();
        assert_eq!(scanned.modules[&module("proto::nginx")], set(&["a", "ft", "tests"]));
        assert_eq!(scanned.items[&module("proto::nginx")], set(&["W", "a", "ft", "m", "tests"]));
        assert_eq!(scanned.items[&module("proto::nginx::ft")], set(&["X", "g"]));
        assert_eq!(scanned.items[&module("proto::nginx::tests")], set(&["Z"]));
    }
}
