//! An invalid scenario under `labsim run --json`: its problems as plain data for the JSON
//! document `observe::diagnostics` prints.

use crate::observe::diagnostics::{self, Diagnostic};
use crate::scenario::ScenarioError;

/// The problems of a scenario that did not load, as JSON.
pub(super) fn to_json(file: &str, error: &ScenarioError) -> String {
    let (problems, unlisted) = match error {
        ScenarioError::Read { .. } => {
            let message = error.to_string();
            // "FILE: cannot read the scenario: …" without the file, which has a field of its own.
            let message = message.strip_prefix(&format!("{file}: ")).unwrap_or(&message).to_owned();
            (vec![Diagnostic { file: file.to_owned(), line: None, column: None, path: String::new(), message }], 0)
        }
        ScenarioError::Invalid { problems, unlisted } => {
            let list = problems
                .iter()
                .map(|p| Diagnostic {
                    file: p.file.clone(),
                    line: p.position.map(|at| at.line),
                    column: p.position.map(|at| at.column),
                    path: p.path.clone(),
                    message: p.issue.to_string(),
                })
                .collect();
            (list, *unlisted)
        }
    };
    diagnostics::to_json(file, &problems, unlisted)
}
