//! Brackets that do not match, said in words before `ron` reads the text.
//!
//! `ron` stops at the first token it cannot use and names only that token's kind: a list left
//! open before the next field gives "Unexpected variant named `expect` in enum `TimelineEntry`",
//! a `)` missing at the end of the file "Expected comma". Matching brackets on the tokens first
//! says which bracket is open, where it was opened, and what was found instead:
//!
//! - a field (`name:`) directly inside a list, which RON never allows, means the list was not
//!   closed before it: ``expected `]` (closing `timeline: [` at 5:15) before `expect:` ``;
//! - a closing bracket of the wrong kind: ``expected `)` (closing `At(` at 6:9), found `]` ``;
//! - the end of the file with brackets open, and a closing bracket with none open.
//!
//! Brackets inside strings, chars and comments are not tokens, so this never fires on text
//! `ron` accepts. It is one pass over the tokens with a stack at most
//! [`MAX_DEPTH`](super::lexer::MAX_DEPTH) deep (the lexer stops deeper nesting first).

use super::error::Issue;
use super::lexer::{Kind, LineCol, Token};
use super::shown;

/// One open bracket: where, and how it reads (`timeline: [`, `At(`, or just `[`).
struct Open {
    close: char,
    at: LineCol,
    opener: String,
}

/// The first bracket problem of `tokens` (the whole text of `text`, lexed), with its position.
pub(super) fn check(text: &str, tokens: &[Token]) -> Option<(LineCol, Issue)> {
    let mut open: Vec<Open> = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        let Kind::Punct(c) = token.kind else {
            // `name:` directly inside a list: the list should have been closed before it.
            if token.kind == Kind::Ident
                && open.last().is_some_and(|o| o.close == ']')
                && tokens.get(i + 1).is_some_and(|t| t.kind == Kind::Punct(':'))
                && let Some(list) = open.last()
            {
                let found = format!("{}:", shown::code(token.text(text)));
                return Some((token.at(), Issue::Unclosed { close: ']', opener: list.opener.clone(), opened: list.at, found }));
            }
            continue;
        };
        match c {
            '(' | '[' | '{' => {
                let close = match c {
                    '(' => ')',
                    '[' => ']',
                    _ => '}',
                };
                open.push(Open { close, at: token.at(), opener: opener(text, tokens, i, c) });
            }
            ')' | ']' | '}' => match open.pop() {
                Some(o) if o.close == c => {}
                Some(o) => {
                    return Some((token.at(), Issue::Mismatched { close: o.close, opener: o.opener, opened: o.at, found: c }));
                }
                None => return Some((token.at(), Issue::NothingOpen(c))),
            },
            _ => {}
        }
    }
    let o = open.pop()?;
    Some((end_of(text), Issue::UnclosedAtEnd { close: o.close, opener: o.opener, opened: o.at }))
}

/// How the bracket at `tokens[i]` reads with what names it: `At(` after a name, `timeline: [`
/// after a field or key, the bracket alone otherwise.
fn opener(text: &str, tokens: &[Token], i: usize, bracket: char) -> String {
    let before = |back: usize| i.checked_sub(back).and_then(|j| tokens.get(j));
    match (before(2), before(1)) {
        (_, Some(name)) if name.kind == Kind::Ident => format!("{}{bracket}", shown::code(name.text(text))),
        (Some(name), Some(colon)) if colon.kind == Kind::Punct(':') && matches!(name.kind, Kind::Ident | Kind::Str) => {
            format!("{}: {bracket}", shown::code(name.text(text)))
        }
        _ => bracket.to_string(),
    }
}

/// The position just after the last character of `text`.
fn end_of(text: &str) -> LineCol {
    let line_start = text.rfind('\n').map_or(0, |i| i + 1);
    LineCol { line: 1 + text.matches('\n').count(), column: 1 + text[line_start..].chars().count() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::lexer::lex;

    fn problem(text: &str) -> Option<String> {
        let (at, issue) = check(text, &lex(text).tokens)?;
        Some(format!("{}:{}: {issue}", at.line, at.column))
    }

    #[test]
    fn says_which_bracket_is_open_and_what_came_instead() {
        // A list left open before the next field.
        let text = "Scenario(\n  timeline: [\n    At(\"1s\", \"h\", \"c\"),\n  expect: [],\n)";
        assert_eq!(problem(text).as_deref(), Some("4:3: expected `]` (closing `timeline: [` at 2:13) before `expect:`"));
        // A closing bracket of the wrong kind.
        let text = "Scenario(timeline: [At(\"1s\", \"h\", \"c\"])";
        assert_eq!(problem(text).as_deref(), Some("1:38: expected `)` (closing `At(` at 1:23), found `]`"));
        // The end of the file with a bracket open, named by its map key.
        let text = "Scenario(hosts: {\"lb-1\": (\n";
        assert_eq!(problem(text).as_deref(), Some("2:1: expected `)` (closing `\"lb-1\": (` at 1:26) before the end of the file"));
        assert_eq!(problem("[1, 2").as_deref(), Some("1:6: expected `]` (closing `[` at 1:1) before the end of the file"));
        // A closing bracket with nothing open.
        assert_eq!(problem("Scenario(name: \"x\"))").as_deref(), Some("1:20: found `)`, but no bracket is open there"));
    }

    #[test]
    fn accepts_what_ron_accepts() {
        for text in [
            "Scenario(name: \"(\", timeline: [At(\"1s\", \"h\", \"]\")], hosts: {\"a\": Host(nics: {\"e\": (\"n\", \"a\")})})",
            "#![enable(implicit_some)]\nLab(hosts: {}) // ) ] }",
            "[(a: 1), {\"k\": [')', ']']}, /* ( */ r#\"[\"#]",
        ] {
            assert_eq!(problem(text), None, "{text}");
        }
    }
}
