//! GNU grep 3.8: `grep [-i -v -c -E -F -n -q -w -x -h -H -s -e PATTERN -m N] PATTERNS [FILE]…`.
//! Patterns are basic (BRE) unless `-E` (ERE) or `-F`; both are translated to the `regex`
//! crate's syntax, whose matching takes time linear in the line. Back-references (`\1`) have
//! no such translation and are refused with a `labsim:` message. Exit status: 0 if a line was
//! selected, 1 if none, 2 on an error (unless `-q` selected a line).

use regex::{Regex, RegexBuilder};

use super::{Filter, GetoptError, Input, Out, getopt, inputs};
use crate::proto::ArgError;

/// Compiled patterns bigger than this are refused (the crate's own limit is 10 MiB).
const REGEX_SIZE_LIMIT: usize = 1 << 20;

fn usage(first: Option<String>) -> ArgError {
    let mut lines: Vec<String> = first.into_iter().collect();
    lines.push("Usage: grep [OPTION]... PATTERNS [FILE]...".to_owned());
    lines.push("Try 'grep --help' for more information.".to_owned());
    ArgError { lines, status: 2 }
}

fn fail(line: impl Into<String>) -> ArgError {
    ArgError { lines: vec![line.into()], status: 2 }
}

pub(crate) fn start(args: &[&str]) -> Result<Box<dyn Filter>, ArgError> {
    let (options, mut operands) = match getopt(args, "emABCdDf") {
        Ok(v) => v,
        Err(GetoptError::Unknown(long)) => return Err(usage(Some(format!("grep: unrecognized option '{long}'")))),
        Err(GetoptError::Missing(c)) => return Err(usage(Some(format!("grep: option requires an argument -- '{c}'")))),
    };
    let mut g = Grep::default();
    let mut patterns: Vec<String> = Vec::new();
    let (mut extended, mut fixed, mut ignore_case, mut word, mut whole_line) = (false, false, false, false, false);
    let mut prefix: Option<bool> = None;
    for (c, value) in options {
        match c {
            'i' | 'y' => ignore_case = true,
            'v' => g.invert = true,
            'c' => g.count_only = true,
            'E' => extended = true,
            'G' => extended = false,
            'F' => fixed = true,
            'n' => g.numbers = true,
            'q' => g.quiet = true,
            's' => g.silent = true,
            'w' => word = true,
            'x' => whole_line = true,
            'h' => prefix = Some(false),
            'H' => prefix = Some(true),
            'e' => patterns.extend(value.unwrap_or_default().split('\n').map(str::to_owned)),
            'm' => match value.unwrap_or_default().parse::<i64>() {
                Ok(n) => g.max = Some(u64::try_from(n).unwrap_or(u64::MAX)),
                Err(_) => return Err(fail("grep: invalid max count")),
            },
            'A' | 'B' | 'C' | 'd' | 'D' | 'f' | 'o' | 'l' | 'L' | 'r' | 'R' | 'z' | 'P' | 'b' | 'a' | 'I' | 'T' | 'U' | 'Z' => {
                return Err(fail(format!("grep: labsim: option -{c} is not modelled")));
            }
            other => return Err(usage(Some(format!("grep: invalid option -- '{other}'")))),
        }
    }
    if patterns.is_empty() {
        if operands.is_empty() {
            return Err(usage(None));
        }
        patterns.extend(operands.remove(0).split('\n').map(str::to_owned));
    }
    g.inputs = inputs(&operands);
    g.prefix = prefix.unwrap_or(g.inputs.len() > 1);
    let mut alternatives = Vec::new();
    for p in &patterns {
        let translated = if fixed { regex::escape(p) } else { translate(p, extended)? };
        let translated = match (word, whole_line) {
            (_, true) => format!("^(?:{translated})$"),
            (true, false) => format!(r"\b(?:{translated})\b"),
            _ => translated,
        };
        alternatives.push(format!("(?:{translated})"));
    }
    let built = RegexBuilder::new(&alternatives.join("|")).case_insensitive(ignore_case).size_limit(REGEX_SIZE_LIMIT).build();
    g.regex = Some(built.map_err(|_| fail("grep: Invalid regular expression"))?);
    Ok(Box::new(g))
}

/// A GNU pattern (BRE, or ERE with `extended`) in the `regex` crate's syntax.
fn translate(pattern: &str, extended: bool) -> Result<String, ArgError> {
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut chars = pattern.chars().peekable();
    // Open groups, for GNU's "Unmatched ( or \(".
    let mut groups = 0usize;
    // Where `*` is an ordinary character in a BRE: at the start, after `\(`, `\|` or `^`.
    let mut at_start = true;
    while let Some(c) = chars.next() {
        let was_start = at_start;
        at_start = false;
        match c {
            '\\' => {
                let Some(e) = chars.next() else { return Err(fail("grep: Trailing backslash")) };
                match e {
                    '(' | ')' | '{' | '}' | '|' | '+' | '?' if !extended => {
                        match e {
                            '(' => {
                                groups += 1;
                                at_start = true;
                            }
                            ')' if groups == 0 => return Err(fail("grep: Unmatched ) or \\)")),
                            ')' => groups -= 1,
                            '|' => at_start = true,
                            '{' if !pattern.contains("\\}") => return Err(fail("grep: Unmatched \\{")),
                            _ => {}
                        }
                        out.push(e);
                    }
                    '1'..='9' => return Err(fail("grep: labsim: back-references are not modelled")),
                    '<' | '>' => out.push_str(r"\b"),
                    'w' | 'W' | 's' | 'S' | 'b' | 'B' => {
                        out.push('\\');
                        out.push(e);
                    }
                    e => push_literal(&mut out, e),
                }
            }
            '[' => bracket(&mut chars, &mut out)?,
            '(' | ')' | '|' | '+' | '?' | '{' | '}' if !extended => push_literal(&mut out, c),
            '(' if extended => {
                groups += 1;
                at_start = true;
                out.push(c);
            }
            ')' if extended && groups == 0 => push_literal(&mut out, c),
            ')' if extended => {
                groups -= 1;
                out.push(c);
            }
            '|' if extended => {
                at_start = true;
                out.push(c);
            }
            '{' if extended => {
                // An interval only when a valid one follows; otherwise a literal brace, as GNU.
                let rest: String = chars.clone().collect();
                let interval = rest.find('}').map(|end| &rest[..end]).filter(|body| {
                    !body.is_empty() && body.chars().all(|c| c.is_ascii_digit() || c == ',') && body.matches(',').count() <= 1
                });
                match interval {
                    Some(_) if !was_start => out.push('{'),
                    _ => push_literal(&mut out, '{'),
                }
            }
            '}' if extended => push_literal(&mut out, c),
            '*' if was_start => push_literal(&mut out, c),
            '^' => {
                at_start = true;
                out.push(c);
            }
            c => push_literal_or_meta(&mut out, c),
        }
    }
    if groups > 0 {
        return Err(fail("grep: Unmatched ( or \\("));
    }
    Ok(out)
}

/// Characters that mean the same in both syntaxes.
fn push_literal_or_meta(out: &mut String, c: char) {
    match c {
        '.' | '*' | '$' | '+' | '?' => out.push(c),
        c => push_literal(out, c),
    }
}

fn push_literal(out: &mut String, c: char) {
    let mut buf = [0; 4];
    out.push_str(&regex::escape(c.encode_utf8(&mut buf)));
}

/// A POSIX bracket expression `[…]`, after its `[`: copied with the crate's special
/// characters escaped (a backslash is itself in POSIX); classes `[:alpha:]` kept.
fn bracket(chars: &mut std::iter::Peekable<std::str::Chars<'_>>, out: &mut String) -> Result<(), ArgError> {
    out.push('[');
    if chars.peek() == Some(&'^') {
        chars.next();
        out.push('^');
    }
    let mut first = true;
    loop {
        let Some(c) = chars.next() else { return Err(fail("grep: Unmatched [, [^, [:, [., or [=")) };
        match c {
            ']' if !first => break,
            '[' if matches!(chars.peek(), Some(':')) => {
                let class: String = chars.by_ref().take_while(|&c| c != ']').collect();
                if !class.ends_with(':') {
                    return Err(fail("grep: Unmatched [, [^, [:, [., or [="));
                }
                out.push('[');
                out.push_str(&class);
                out.push(']');
            }
            '\\' | '[' | '&' | '~' | ']' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
        first = false;
    }
    out.push(']');
    Ok(())
}

#[derive(Default)]
struct Grep {
    inputs: Vec<Input>,
    regex: Option<Regex>,
    invert: bool,
    count_only: bool,
    numbers: bool,
    quiet: bool,
    silent: bool,
    prefix: bool,
    max: Option<u64>,
    /// Lines selected in the current input, and its line number.
    selected: u64,
    line_no: u64,
    any_selected: bool,
    error: bool,
    current: usize,
}

impl Grep {
    fn done_with_input(&self) -> bool {
        self.max.is_some_and(|m| self.selected >= m)
    }
}

impl Filter for Grep {
    fn inputs(&self) -> &[Input] {
        &self.inputs
    }

    fn begin(&mut self, input: usize, _: &mut Out) {
        self.current = input;
        self.selected = 0;
        self.line_no = 0;
    }

    fn line(&mut self, line: &str, out: &mut Out) {
        self.line_no += 1;
        if self.done_with_input() || (self.quiet && self.any_selected) {
            return;
        }
        let matched = self.regex.as_ref().is_some_and(|r| r.is_match(line));
        if matched == self.invert {
            return;
        }
        self.selected += 1;
        self.any_selected = true;
        if self.quiet || self.count_only {
            return;
        }
        let mut text = String::new();
        if self.prefix {
            text.push_str(&input_name(&self.inputs, self.current));
            text.push(':');
        }
        if self.numbers {
            text.push_str(&format!("{}:", self.line_no));
        }
        text.push_str(line);
        out.out(text);
    }

    fn end(&mut self, _: bool, out: &mut Out) {
        if self.count_only && !self.quiet {
            if self.prefix {
                out.out(format!("{}:{}", input_name(&self.inputs, self.current), self.selected));
            } else {
                out.out(self.selected.to_string());
            }
        }
    }

    fn unreadable(&mut self, input: usize, why: &str, out: &mut Out) {
        self.error = true;
        if !self.silent {
            out.err(format!("grep: {}: {why}", input_name(&self.inputs, input)));
        }
    }

    fn finish(&mut self, _: &mut Out) -> i32 {
        match (self.any_selected, self.error) {
            (true, _) if self.quiet => 0,
            (_, true) => 2,
            (true, false) => 0,
            (false, false) => 1,
        }
    }

    fn is_satisfied(&self) -> bool {
        // `-q` stops at the first selected line; `-m` at its count on standard input alone.
        (self.quiet && self.any_selected) || (self.inputs.len() == 1 && self.done_with_input())
    }
}

fn input_name(inputs: &[Input], input: usize) -> String {
    match inputs.get(input) {
        Some(Input::File(f)) => f.clone(),
        _ => "(standard input)".to_owned(),
    }
}
