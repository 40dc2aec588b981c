//! Commands added to a scenario's text: the file as written (comments, layout and all), with
//! more `At("…", "host", "line")` entries at the end of its timeline. What the TUI's record
//! feature writes: the timeline's own entries keep their place, so at an equal time they still
//! run first, as they did when the commands were typed into the run.
//!
//! The text is read with the scenario's own lexer, so a bracket inside a string or a comment is
//! never taken for the timeline's end.

use std::fmt::Write as _;

use super::lexer::{self, Kind, Token};
use crate::kernel::SimTime;

/// Why commands cannot be added to a text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum AppendError {
    /// The text is not a `Scenario(…)` whose brackets match.
    #[error("the opened file is not a Scenario(…) whose brackets match")]
    NotAScenario,
}

/// `text` with one `At(…)` entry per command appended to its timeline (a `timeline: […]` field
/// is added before the scenario's closing `)` when it has none). Each command is (time, host,
/// line).
pub(crate) fn append_commands(text: &str, commands: &[(SimTime, &str, &str)]) -> Result<String, AppendError> {
    let lexed = lexer::lex(text);
    if lexed.stop.is_some() {
        return Err(AppendError::NotAScenario);
    }
    let tokens = &lexed.tokens;
    let is = |i: usize, c: char| tokens.get(i).is_some_and(|t| t.kind == Kind::Punct(c));
    if !(tokens.first().is_some_and(|t| t.text(text) == "Scenario") && is(1, '(')) {
        return Err(AppendError::NotAScenario);
    }
    let close = matching(tokens, 1).ok_or(AppendError::NotAScenario)?;
    let timeline = (2..close).find(|&i| {
        depth_one(tokens, i) && tokens[i].kind == Kind::Ident && tokens[i].text(text) == "timeline" && is(i + 1, ':') && is(i + 2, '[')
    });
    let (open, end) = match timeline {
        Some(i) => (i + 2, matching(tokens, i + 2).ok_or(AppendError::NotAScenario)?),
        None => (1, close),
    };
    let mut entries = String::new();
    for (at, host, line) in commands {
        let _ = writeln!(entries, "        At({}, {}, {}),", quoted(&duration_text(*at)), quoted(host), quoted(line));
    }
    if timeline.is_none() {
        entries = format!("    timeline: [\n{entries}    ],\n");
    }
    let before = tokens[end - 1];
    let needs_comma = end - 1 != open && before.kind != Kind::Punct(',');
    let (b, cut) = (before.end as usize, tokens[end].start as usize);
    let gap = &text[b..cut];
    // The closing bracket on a line of its own: the entries go on lines before it.
    let own_line = gap.rfind('\n').filter(|&n| gap[n + 1..].trim().is_empty());
    let (insert_at, entries) = match own_line {
        Some(n) => (b + n + 1, entries),
        None => (cut, format!("\n{entries}")),
    };
    let mut out = String::with_capacity(text.len() + entries.len() + 1);
    out.push_str(&text[..b]);
    if needs_comma {
        out.push(',');
    }
    out.push_str(&text[b..insert_at]);
    out.push_str(&entries);
    out.push_str(&text[insert_at..]);
    Ok(out)
}

/// Whether token `i` is directly inside the scenario's `(` (depth one).
fn depth_one(tokens: &[Token], i: usize) -> bool {
    let mut depth = 0i32;
    for t in &tokens[..i] {
        match t.kind {
            Kind::Punct('(' | '[' | '{') => depth += 1,
            Kind::Punct(')' | ']' | '}') => depth -= 1,
            _ => {}
        }
    }
    depth == 1
}

/// The index of the bracket closing the one at `open`.
fn matching(tokens: &[Token], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, t) in tokens.iter().enumerate().skip(open) {
        match t.kind {
            Kind::Punct('(' | '[' | '{') => depth += 1,
            Kind::Punct(')' | ']' | '}') => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// A time as the format writes it, exact to the microsecond: `10s`, `10.05s`, `10.000001s`.
fn duration_text(at: SimTime) -> String {
    let us = at.as_micros();
    let (s, frac) = (us / 1_000_000, us % 1_000_000);
    if frac == 0 {
        return format!("{s}s");
    }
    let digits = format!("{frac:06}");
    format!("{s}.{}s", digits.trim_end_matches('0'))
}

/// A RON string literal.
fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(us: u64) -> SimTime {
        SimTime::from_micros(us)
    }

    #[test]
    fn entries_go_before_the_timelines_closing_bracket_on_their_own_lines() {
        let text = "Scenario(\n    name: \"x\",\n    timeline: [\n        At(\"1s\", \"a\", \"ls ]\"), // ]\n    ],\n)\n";
        let out = append_commands(text, &[(t(10_050_000), "lb-1", "echo \"hi\" \\ there")]).unwrap();
        let want = "Scenario(\n    name: \"x\",\n    timeline: [\n        At(\"1s\", \"a\", \"ls ]\"), // ]\n        At(\"10.05s\", \"lb-1\", \"echo \\\"hi\\\" \\\\ there\"),\n    ],\n)\n";
        assert_eq!(out, want);
    }

    #[test]
    fn a_missing_trailing_comma_is_added() {
        let out = append_commands("Scenario(timeline: [At(\"1s\", \"a\", \"x\")])", &[(t(1), "b", "y")]).unwrap();
        assert_eq!(out, "Scenario(timeline: [At(\"1s\", \"a\", \"x\"),\n        At(\"0.000001s\", \"b\", \"y\"),\n])");
    }

    #[test]
    fn a_scenario_without_a_timeline_gets_one() {
        let out = append_commands("Scenario(\n    name: \"x\"\n)\n", &[(t(2_000_000), "b", "y")]).unwrap();
        assert_eq!(out, "Scenario(\n    name: \"x\",\n    timeline: [\n        At(\"2s\", \"b\", \"y\"),\n    ],\n)\n");
    }

    #[test]
    fn a_nested_timeline_word_is_not_the_field() {
        let text = "Scenario(expect: [Log(timeline: [])], timeline: [])";
        let out = append_commands(text, &[(t(0), "b", "y")]).unwrap();
        assert!(out.ends_with("timeline: [\n        At(\"0s\", \"b\", \"y\"),\n])"), "{out}");
    }

    #[test]
    fn text_that_is_not_a_scenario_is_refused() {
        for text in ["Lab(networks: {})", "Scenario(", "Scenario(name: \"x", ""] {
            assert_eq!(append_commands(text, &[]), Err(AppendError::NotAScenario), "{text}");
        }
    }
}
