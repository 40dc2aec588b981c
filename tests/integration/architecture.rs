//! The layering of architecture §1.2, checked by scanning `src/`: which module may name which
//! (`crate::x`, `use crate::{x, …}`, `super::x` reaching the crate root), where smoltcp's
//! `iface`/`socket` may appear, and that only `src/cli/bench.rs` reads the wall clock.

use std::path::{Path, PathBuf};

use crate::util;

/// The crate's top-level modules and what each may name inside the crate.
const ALLOWED: [(&str, &[&str]); 9] = [
    ("kernel", &[]),
    ("wire", &[]),
    ("observe", &["kernel"]),
    ("proto", &["kernel", "wire"]),
    ("fabric", &["kernel", "observe"]),
    ("host", &["kernel", "wire", "proto", "observe"]),
    ("scenario", &["kernel", "observe", "host"]),
    ("lab", &["kernel", "wire", "observe", "proto", "fabric", "host", "scenario"]),
    ("cli", &["lab", "scenario", "observe", "kernel"]),
];

fn allowed(from: &str) -> Option<&'static [&'static str]> {
    ALLOWED.iter().find(|(m, _)| *m == from).map(|(_, a)| *a)
}

/// `(path relative to the repository root, source with comments blanked)` for every `src/**/*.rs`.
fn sources() -> Vec<(String, String)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("readable src/") {
            let path = entry.expect("readable entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|x| x == "rs") {
                out.push(path);
            }
        }
    }
    let mut paths = Vec::new();
    walk(&util::root().join("src"), &mut paths);
    paths.sort();
    paths.iter().map(|p| (util::relative(p), strip_comments(&std::fs::read_to_string(p).expect("readable source")))).collect()
}

/// Blanks `//` and `/* */` comments (doc comments included) and string literal contents, keeping
/// line structure so positions stay right.
fn strip_comments(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    let blank = |out: &mut String, s: &str| out.extend(s.chars().map(|c| if c == '\n' { '\n' } else { ' ' }));
    while i < b.len() {
        let rest = &src[i..];
        let len = if rest.starts_with("//") {
            rest.find('\n').unwrap_or(rest.len())
        } else if rest.starts_with("/*") {
            rest.find("*/").map_or(rest.len(), |e| e + 2)
        } else if let Some((open, hashes)) =
            raw_string_start(rest).filter(|_| !src[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_'))
        {
            let close = format!("\"{}", "#".repeat(hashes));
            rest[open..].find(&close).map_or(rest.len(), |e| open + e + close.len())
        } else if rest.starts_with('"') && !src[..i].ends_with('\'') {
            // A string literal (raw strings with # are rare in src/ and contain no paths we match).
            let mut j = 1;
            while j < rest.len() && rest.as_bytes()[j] != b'"' {
                j += if rest.as_bytes()[j] == b'\\' { 2 } else { 1 };
            }
            (j + 1).min(rest.len())
        } else {
            let c = rest.chars().next().expect("non-empty");
            out.push(c);
            i += c.len_utf8();
            continue;
        };
        blank(&mut out, &rest[..len]);
        i += len;
    }
    out
}

/// For a raw string literal starting at `s` (`r"…"`, `r#"…"#`, `br#"…"#`): the length of its
/// opening (up to and including the quote) and its number of `#`.
fn raw_string_start(s: &str) -> Option<(usize, usize)> {
    let b = usize::from(s.starts_with('b'));
    let after_r = s[b..].strip_prefix('r')?;
    let hashes = after_r.len() - after_r.trim_start_matches('#').len();
    after_r[hashes..].starts_with('"').then_some((b + 2 + hashes, hashes))
}

/// The top-level module a file belongs to and its module path (`src/host/apps/ping.rs` →
/// `["host", "apps", "ping"]`, `src/host/mod.rs` → `["host"]`).
fn module_path(rel: &str) -> Vec<String> {
    let inner = rel.strip_prefix("src/").expect("under src/").strip_suffix(".rs").expect("a .rs file");
    let mut parts: Vec<String> = inner.split('/').map(str::to_owned).collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// The paths a use tree or path at `rest` names, flattened: `{kernel::{A, B}, wire}` gives
/// `kernel::A`, `kernel::B`, `wire`; `host::X;` gives `host::X`. Whitespace and newlines inside
/// groups are allowed (rustfmt splits long groups over lines).
fn use_paths(rest: &str) -> Vec<String> {
    let rest = rest.trim_start();
    if let Some(group) = rest.strip_prefix('{') {
        let mut paths = Vec::new();
        let (mut depth, mut start) = (0, 0);
        for (i, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => {
                    paths.extend(use_paths(&group[start..i]));
                    break;
                }
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    paths.extend(use_paths(&group[start..i]));
                    start = i + 1;
                }
                _ => {}
            }
        }
        return paths;
    }
    let mut segments = Vec::new();
    let mut at = rest;
    loop {
        let len = at.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(at.len());
        if len == 0 {
            break;
        }
        segments.push(&at[..len]);
        let after = at[len..].trim_start();
        let Some(next) = after.strip_prefix("::") else { break };
        let next = next.trim_start();
        if next.starts_with('{') {
            let prefix = segments.join("::");
            return use_paths(next).into_iter().map(|p| format!("{prefix}::{p}")).collect();
        }
        at = next;
    }
    if segments.is_empty() { Vec::new() } else { vec![segments.join("::")] }
}

/// `(line, path)` for each path used after `prefix` (like `crate::`) in `src`, skipping matches
/// that are the tail of a longer identifier or path (`$crate::`, `smoltcp::time::` for `time::`).
fn paths_after(src: &str, prefix: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (i, _) in src.match_indices(prefix) {
        let before = src[..i].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$' || c == ':') {
            continue;
        }
        let line = src[..i].matches('\n').count() + 1;
        out.extend(use_paths(&src[i + prefix.len()..]).into_iter().map(|p| (line, p)));
    }
    out
}

fn first_segment(path: &str) -> String {
    path.split("::").next().unwrap_or_default().to_owned()
}

/// `(line, module named)` for each reference to a top-level crate module in `src`: `crate::x`,
/// and `super::…::x` when the `super`s climb out of the file's whole module path to the crate
/// root (`src/host/mod.rs`: `super::x` is `crate::x`).
fn references(src: &str, module: &[String]) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = paths_after(src, "crate::").into_iter().map(|(l, p)| (l, first_segment(&p))).collect();
    for (line, path) in paths_after(src, "super::") {
        let mut segments: Vec<&str> = path.split("::").collect();
        let mut depth = 1;
        while segments.first() == Some(&"super") {
            segments.remove(0);
            depth += 1;
        }
        if depth >= module.len() && !segments.is_empty() {
            out.push((line, segments[0].to_owned()));
        }
    }
    out.sort();
    out
}

#[test]
fn the_scanner_finds_references() {
    let m = |p: &str| p.split('/').map(str::to_owned).collect::<Vec<_>>();
    let src = strip_comments(
        "use crate::{kernel::SimTime, observe::{a, b}};\n// crate::lab\nlet x = crate::host::X; \"crate::cli\"\nuse super::fabric::Y;\nuse crate::{\n    wire::{\n        V,\n    },\n    lab as L,\n};\n$crate::cli::x();\n",
    );
    let found = |module: &str| references(&src, &m(module));
    let expected = |extra: &[(usize, &str)]| {
        let mut v: Vec<(usize, String)> = [(1, "kernel"), (1, "observe"), (1, "observe"), (3, "host"), (5, "lab"), (5, "wire")]
            .iter()
            .chain(extra)
            .map(|(l, s)| (*l, (*s).to_owned()))
            .collect();
        v.sort();
        v
    };
    assert_eq!(found("proto"), expected(&[(4, "fabric")]));
    assert_eq!(found("proto/vrrp"), expected(&[]), "super:: from a submodule stays inside proto");
    assert_eq!(use_paths(" {time::{Duration, Instant as I}, fmt}"), ["time::Duration", "time::Instant", "fmt"]);
    let clock = "use smoltcp::time::Instant; let x = std::time::Instant::now();";
    assert!(paths_after(clock, "time::").is_empty(), "`time::` inside longer paths is not a bare use");
    assert_eq!(paths_after(clock, "std::"), [(1, "time::Instant::now".to_owned())]);
    let raw = strip_comments("let s = r#\"a \"quoted\" crate::lab\"#; crate::host::X;");
    assert_eq!(references(&raw, &m("proto")), [(1, "host".to_owned())], "raw strings are blanked, code after them is not");
}

#[test]
fn modules_only_name_the_layers_the_dependency_table_allows() {
    let sources = sources();
    assert!(sources.len() > 20, "src/ scan found only {} files", sources.len());
    let top: Vec<&str> = ALLOWED.iter().map(|(m, _)| *m).collect();
    let mut violations = Vec::new();
    for (rel, src) in &sources {
        let module = module_path(rel);
        let Some(own) = module.first().filter(|_| module.len() > 1 || rel.ends_with("mod.rs")) else { continue };
        let Some(allowed) = allowed(own) else {
            violations.push(format!("{rel}: module `{own}` is not in the dependency table of this test (add its row)"));
            continue;
        };
        for (line, named) in references(src, &module) {
            if named == *own || !top.contains(&named.as_str()) && !is_top_level_module(&named) {
                continue; // inside its own layer, or an item of lib.rs that is not a module
            }
            if !allowed.contains(&named.as_str()) {
                violations.push(format!("{rel}:{line}: `{own}` uses `crate::{named}` (allowed: {allowed:?})"));
            }
        }
    }
    assert!(violations.is_empty(), "dependency table violations (architecture §1.2):\n{}", violations.join("\n"));
}

/// Whether `src/NAME/` or `src/NAME.rs` exists (a module the table must know about).
fn is_top_level_module(name: &str) -> bool {
    let src = util::root().join("src");
    src.join(name).is_dir() || src.join(format!("{name}.rs")).is_file()
}

#[test]
fn every_layer_is_in_the_table() {
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(util::root().join("src")).expect("src/") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            let name = path.file_name().expect("name").to_string_lossy().into_owned();
            if allowed(&name).is_none() {
                missing.push(name);
            }
        }
    }
    assert!(missing.is_empty(), "layers missing from the dependency table: {missing:?}");
}

#[test]
fn smoltcp_sockets_and_interfaces_appear_only_in_host() {
    let mut violations = Vec::new();
    for (rel, src) in sources() {
        if rel.starts_with("src/host/") {
            continue;
        }
        for (line, path) in paths_after(&src, "smoltcp::") {
            if ["iface", "socket"].contains(&first_segment(&path).as_str()) {
                violations.push(format!("{rel}:{line}: smoltcp::{path}"));
            }
        }
    }
    assert!(violations.is_empty(), "smoltcp iface/socket outside src/host/:\n{}", violations.join("\n"));
}

#[test]
fn only_the_benchmark_reads_the_wall_clock() {
    const CLOCKS: [&str; 3] = ["time::Instant", "time::SystemTime", "time::UNIX_EPOCH"];
    let mut violations = Vec::new();
    for (rel, src) in sources() {
        if rel == "src/cli/bench.rs" {
            continue;
        }
        // `std::time::Instant`, `std::{time::{Duration, Instant}}`, and `time::Instant` after
        // `use std::time;` (but not `smoltcp::time::Instant`, which is simulated time).
        let mut uses: Vec<(usize, String)> = paths_after(&src, "std::");
        if uses.iter().any(|(_, p)| p == "time" || p == "time::self") {
            uses.extend(paths_after(&src, "time::").into_iter().map(|(l, p)| (l, format!("time::{p}"))));
        }
        for (line, path) in uses {
            if CLOCKS.iter().any(|c| path.starts_with(c)) {
                violations.push(format!("{rel}:{line}: {path}"));
            }
        }
    }
    violations.dedup();
    assert!(violations.is_empty(), "wall-clock types outside src/cli/bench.rs:\n{}", violations.join("\n"));
}
