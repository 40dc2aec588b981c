//! An invalid scenario's problems as a JSON document (`labsim run --json` on a scenario that does
//! not load): each problem with its file, line, column, field path and message, so that a program
//! that reads the report reads these too. `docs/json.md` documents the fields.

use serde::Serialize;

use super::json::SCHEMA_VERSION;

/// One problem of a scenario, as plain data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Diagnostic {
    /// The file, as the user named it (or as the scenario names it).
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// The field path (`hosts."lb-1".nics`), empty when there is none.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// The document: `file`'s problems (the first ones) and how many more were not listed.
pub(crate) fn to_json(file: &str, problems: &[Diagnostic], unlisted: usize) -> String {
    #[derive(Serialize)]
    struct Doc<'a> {
        schema_version: u32,
        passed: bool,
        error: &'static str,
        file: &'a str,
        problems: &'a [Diagnostic],
        unlisted: usize,
    }
    let doc = Doc { schema_version: SCHEMA_VERSION, passed: false, error: "invalid scenario", file, problems, unlisted };
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}
