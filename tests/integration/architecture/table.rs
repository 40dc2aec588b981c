//! The two inputs besides the sources: the layer table of `ARCHITECTURE.md` and the dependency
//! names of `Cargo.toml` (read line by line: the test has no TOML parser and needs none).

use std::collections::BTreeSet;

use super::scan::ModPath;

/// The columns of the layer table, in order (compared case-insensitively).
pub(super) const COLUMNS: [&str; 5] = ["layer", "module", "what it is for", "may use in the crate", "may use outside the crate"];

/// The row of the crate root, `src/lib.rs` alone.
pub(super) const ROOT_ROW: &str = "crate";

/// One row of the layer table.
#[derive(Clone, Debug)]
pub(super) struct Row {
    /// 1-based line in `ARCHITECTURE.md`.
    pub line: usize,
    /// The module as written (`host::kernel`, `crate`).
    pub name: String,
    /// Its module path; `[]` for the `crate` row.
    pub module: ModPath,
    /// "may use in the crate": module or item paths.
    pub in_crate: Vec<Vec<String>>,
    /// "may use outside the crate": external crates or sub-paths of one.
    pub outside: Vec<Vec<String>>,
}

/// The rows of the layer table of `md`, and what is wrong with it (`ARCHITECTURE.md:LINE: …`).
pub(super) fn parse(md: &str) -> (Vec<Row>, Vec<String>) {
    let (mut rows, mut errors) = (Vec::new(), Vec::new());
    let lines: Vec<&str> = md.lines().collect();
    let Some(header) = lines.iter().position(|l| l.trim_start().starts_with('|') && cells(l).iter().map(|c| c.to_lowercase()).eq(COLUMNS))
    else {
        errors.push(format!("ARCHITECTURE.md: no table with the columns | {} |", COLUMNS.join(" | ")));
        return (rows, errors);
    };
    for (i, text) in lines.iter().enumerate().skip(header + 2).take_while(|(_, l)| l.trim_start().starts_with('|')) {
        let line = i + 1;
        let cells = cells(text);
        let mut problem = |what: String| errors.push(format!("ARCHITECTURE.md:{line}: {what}"));
        if cells.len() != COLUMNS.len() {
            problem(format!("{} cells, not {}", cells.len(), COLUMNS.len()));
            continue;
        }
        let parsed = (entries(cells[1]), entries(cells[3]), entries(cells[4]));
        let (module, in_crate, outside) = match parsed {
            (Ok(m), Ok(i), Ok(o)) => (m, i, o),
            (m, i, o) => {
                m.and(i).and(o).err().into_iter().for_each(&mut problem);
                continue;
            }
        };
        let [module] = <[Vec<String>; 1]>::try_from(module).unwrap_or_default();
        if module.is_empty() {
            problem(format!("the module cell `{}` must hold one backticked module path", cells[1]));
            continue;
        }
        let name = module.join("::");
        let module = if name == ROOT_ROW { Vec::new() } else { module };
        rows.push(Row { line, name, module, in_crate, outside });
    }
    (rows, errors)
}

/// The cells of a table line, trimmed.
fn cells(line: &str) -> Vec<&str> {
    let line = line.trim();
    let line = line.strip_prefix('|').unwrap_or(line);
    let line = line.strip_suffix('|').unwrap_or(line);
    line.split('|').map(str::trim).collect()
}

/// The backticked paths of a cell (`–` for none); a remark in parentheses is ignored, any other
/// text is an error (so that a permission cannot be written where the test would not read it).
fn entries(cell: &str) -> Result<Vec<Vec<String>>, String> {
    let mut text = String::new();
    let mut depth = 0usize;
    for c in cell.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 => text.push(c),
            _ => {}
        }
    }
    if text.matches('`').count() % 2 == 1 {
        return Err(format!("unbalanced backticks in `{cell}`"));
    }
    let mut paths = Vec::new();
    for (k, part) in text.split('`').enumerate() {
        if k % 2 == 1 {
            let path: Vec<String> = part.split("::").map(str::to_owned).collect();
            if path.iter().any(|s| s.is_empty() || !s.chars().all(|c| c.is_alphanumeric() || c == '_')) {
                return Err(format!("`{part}` is not a path"));
            }
            paths.push(path);
        } else if let Some(stray) = part.chars().find(|c| !(c.is_whitespace() || matches!(c, ',' | '–' | '-'))) {
            return Err(format!("`{cell}`: text outside backticks ({stray:?}…); write entries as `path`, remarks in parentheses"));
        }
    }
    Ok(paths)
}

/// What the test needs from `Cargo.toml`.
#[derive(Clone, Debug, Default)]
pub(super) struct Manifest {
    /// The library's crate name (`[lib] name`, else the package name), as code writes it.
    pub lib: String,
    /// Every dependency, dev- and build-dependency, as code writes it (`-` → `_`).
    pub dependencies: BTreeSet<String>,
}

/// Reads the crate name and the dependency names of a `Cargo.toml`.
pub(super) fn manifest(toml: &str) -> Manifest {
    let mut m = Manifest::default();
    let (mut package, mut section) = (String::new(), String::new());
    let code_name = |s: &str| s.trim().trim_matches('"').replace('-', "_");
    for line in toml.lines().map(str::trim).filter(|l| !l.starts_with('#')) {
        if let Some(header) = line.strip_prefix('[').and_then(|l| l.split(']').next()) {
            section = header.trim().to_owned();
            // `[dependencies.foo]`, `[target.'cfg(…)'.dev-dependencies.foo]`
            for table in ["dependencies.", "dev-dependencies.", "build-dependencies."] {
                if let Some(at) = section.find(table).filter(|&at| at == 0 || section[..at].ends_with('.')) {
                    m.dependencies.insert(code_name(&section[at + table.len()..]));
                }
            }
            continue;
        }
        let Some((key, value)) = line.split_once('=') else { continue };
        let key = key.trim();
        if !key.chars().all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '"')) || key.is_empty() {
            continue;
        }
        let is_deps =
            ["dependencies", "dev-dependencies", "build-dependencies"].iter().any(|d| section == *d || section.ends_with(&format!(".{d}")));
        if is_deps {
            m.dependencies.insert(code_name(key));
        } else if key == "name" && section == "package" {
            package = code_name(value);
        } else if key == "name" && section == "lib" {
            m.lib = code_name(value);
        }
    }
    if m.lib.is_empty() {
        m.lib = package;
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(p: &str) -> Vec<String> {
        p.split("::").map(str::to_owned).collect()
    }

    #[test]
    fn the_table_is_read_from_markdown() {
        let md = "# x\n\n| Layer | Module | What it is for | May use in the crate | May use outside the crate |\n|---|---|---|---|---|\n| – | `crate` | root | – | – |\n| L1 | `host::kernel` | a | `kernel`, `observe` (for data) | `smoltcp::wire` |\n| L2 | `x` | b | kernel | – |\n| L2 | `y` | c | – |\n\nafter | not a row\n";
        let (rows, errors) = parse(md);
        type Summary = (usize, String, Vec<Vec<String>>, Vec<Vec<String>>);
        let summary: Vec<Summary> = rows.into_iter().map(|r| (r.line, r.name, r.in_crate, r.outside)).collect();
        assert_eq!(
            summary,
            [
                (5, "crate".to_owned(), vec![], vec![]),
                (6, "host::kernel".to_owned(), vec![path("kernel"), path("observe")], vec![path("smoltcp::wire")])
            ]
        );
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].starts_with("ARCHITECTURE.md:7: `kernel`: text outside backticks"), "{errors:?}");
        assert_eq!(errors[1], "ARCHITECTURE.md:8: 4 cells, not 5");
        assert_eq!(
            parse("| a | b |\n").1,
            [
                "ARCHITECTURE.md: no table with the columns | layer | module | what it is for | may use in the crate | may use outside the crate |"
            ]
        );
    }

    #[test]
    fn the_manifest_gives_the_crate_and_dependency_names() {
        let toml = "[package]\nname = \"lab-sim\"\n\n[dependencies]\n# serde = \"1\"\nsmoltcp = { version = \"0.14\", features = [\"std\"] }\nrand_core = \"0.10\"\n\n[dev-dependencies]\nassert-cmd = \"2\"\n\n[dependencies.tokio]\nversion = \"1\"\n\n[target.'cfg(unix)'.dependencies]\nlibc = \"0.2\"\n\n[profile.dev.package.smoltcp]\nopt-level = 3\n";
        let m = manifest(toml);
        assert_eq!(m.lib, "lab_sim");
        assert_eq!(m.dependencies.into_iter().collect::<Vec<_>>(), ["assert_cmd", "libc", "rand_core", "smoltcp", "tokio"]);
    }
}
