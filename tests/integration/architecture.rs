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
    ("scenario", &["kernel", "observe"]),
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

/// The top-level crate modules named at `rest`, which follows `crate::` (a name or a `{…}` group).
fn named_modules(rest: &str) -> Vec<String> {
    let rest = rest.trim_start();
    if let Some(group) = rest.strip_prefix('{') {
        // Top-level items of the group: split at commas outside nested braces.
        let mut names = Vec::new();
        let (mut depth, mut item) = (0, String::new());
        for c in group.chars() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => break,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    names.push(std::mem::take(&mut item));
                    continue;
                }
                _ => {}
            }
            item.push(c);
        }
        names.push(item);
        return names.iter().filter_map(|n| first_ident(n)).collect();
    }
    first_ident(rest).into_iter().collect()
}

fn first_ident(s: &str) -> Option<String> {
    let s = s.trim_start();
    let len = s.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(s.len());
    (len > 0).then(|| s[..len].to_owned())
}

/// `(line, module named)` for each reference to a top-level crate module in `src`.
fn references(src: &str, module: &[String]) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in src.lines().enumerate() {
        let mut search = 0;
        while let Some(i) = line[search..].find("crate::").map(|i| i + search) {
            search = i + 7;
            let before = line[..i].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
                continue; // `$crate::` or an identifier ending in `crate`
            }
            out.extend(named_modules(&line[i + 7..]).into_iter().map(|m| (n + 1, m)));
        }
        // `super::super::x` from a file module resolves to the crate root when it climbs out of
        // the whole module path (`src/host/mod.rs`: `super::x` is `crate::x`).
        let mut search = 0;
        while let Some(i) = line[search..].find("super::").map(|i| i + search) {
            if line[..i].ends_with("::") || line[..i].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_') {
                search = i + 7;
                continue;
            }
            let mut depth = 0;
            let mut j = i;
            while line[j..].starts_with("super::") {
                depth += 1;
                j += 7;
            }
            search = j;
            if depth >= module.len() {
                out.extend(named_modules(&line[j..]).into_iter().map(|m| (n + 1, m)));
            }
        }
    }
    out
}

#[test]
fn the_scanner_finds_references() {
    let m = |p: &str| p.split('/').map(str::to_owned).collect::<Vec<_>>();
    let src = strip_comments("use crate::{kernel::SimTime, observe::{a, b}, wire};\n// crate::lab\nlet x = crate::host::X; \"crate::cli\"\nuse super::fabric::Y;\n");
    assert_eq!(
        references(&src, &m("proto")),
        [(1, "kernel".to_owned()), (1, "observe".to_owned()), (1, "wire".to_owned()), (3, "host".to_owned()), (4, "fabric".to_owned())]
    );
    assert_eq!(references(&src, &m("proto/vrrp"))[4..], [], "super:: from a submodule stays inside proto");
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
        for (n, line) in src.lines().enumerate() {
            let compact: String = line.split_whitespace().collect();
            let direct = ["smoltcp::iface", "smoltcp::socket"].iter().any(|p| compact.contains(p));
            let grouped = compact.find("smoltcp::{").is_some_and(|i| {
                named_modules(&compact[i + "smoltcp::".len()..]).iter().any(|m| m == "iface" || m == "socket")
            });
            if direct || grouped {
                violations.push(format!("{rel}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    assert!(violations.is_empty(), "smoltcp iface/socket outside src/host/:\n{}", violations.join("\n"));
}

#[test]
fn only_the_benchmark_reads_the_wall_clock() {
    let mut violations = Vec::new();
    for (rel, src) in sources() {
        if rel == "src/cli/bench.rs" {
            continue;
        }
        // `std::time::Instant`, `std::time::{Duration, Instant}`, `time::SystemTime` after `use std::time`.
        let compact: String = src.split_whitespace().collect::<Vec<_>>().join(" ");
        let imports_std_time = compact.contains("use std::time;") || compact.contains("std::time::{self");
        for (n, line) in src.lines().enumerate() {
            let l: String = line.split_whitespace().collect();
            let mut hit = ["std::time::Instant", "std::time::SystemTime", "std::time::UNIX_EPOCH"].iter().any(|p| l.contains(p));
            if let Some(i) = l.find("std::time::{") {
                hit |= named_modules(&l[i + "std::time::".len()..]).iter().any(|m| m == "Instant" || m == "SystemTime" || m == "UNIX_EPOCH");
            }
            if imports_std_time {
                hit |= ["time::Instant", "time::SystemTime"].iter().any(|p| l.contains(p) && !l.contains(&format!("smoltcp::{p}")));
            }
            if hit {
                violations.push(format!("{rel}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    assert!(violations.is_empty(), "wall-clock types outside src/cli/bench.rs:\n{}", violations.join("\n"));
}
