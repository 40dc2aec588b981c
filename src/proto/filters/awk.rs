//! GNU awk 4.0's `awk [-F SEP] '[/REGEX/] {print ITEM, …}' [FILE]…`: field selection, the part of awk a lab
//! uses to cut a column out of another tool's output. Items are `$N`, `$NF`, `$0`, `NR`, `NF`
//! and "strings"; a comma puts awk's output separator (a space) between them, juxtaposition
//! nothing. Fields are split on runs of blanks (leading ones ignored), or on a one-character
//! `-F` separator. Any other program is refused with a `labsim:` message, never run
//! differently from awk.

use regex::Regex;

use super::{Filter, Input, Out, inputs};
use crate::proto::ArgError;

/// One thing `print` prints.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Item {
    Field(usize),
    LastField,
    Record,
    RecordNumber,
    FieldCount,
    Text(String),
    Separator,
}

fn not_modelled(program: &str) -> ArgError {
    ArgError { lines: vec![format!("awk: labsim: only '{{print $N, …}}' programs are modelled, not '{program}'")], status: 2 }
}

/// The first lines of GNU awk 4.0's usage (it goes on with the list of its options).
fn usage() -> ArgError {
    ArgError {
        lines: vec![
            "Usage: awk [POSIX or GNU style options] -f progfile [--] file ...".to_owned(),
            "Usage: awk [POSIX or GNU style options] [--] 'program' file ...".to_owned(),
        ],
        status: 2,
    }
}

pub(crate) fn start(args: &[&str]) -> Result<Box<dyn Filter>, ArgError> {
    let mut sep: Option<String> = None;
    let mut rest = args;
    while let Some((first, tail)) = rest.split_first() {
        if let Some(s) = first.strip_prefix("-F") {
            if s.is_empty() {
                let (value, tail) = tail.split_first().ok_or_else(usage)?;
                sep = Some((*value).to_owned());
                rest = tail;
            } else {
                sep = Some(s.to_owned());
                rest = tail;
            }
        } else if *first == "--" {
            rest = tail;
            break;
        } else if first.starts_with('-') && first.len() > 1 {
            return Err(ArgError { lines: vec![format!("awk: labsim: option {first} is not modelled")], status: 2 });
        } else {
            break;
        }
    }
    let Some((program, files)) = rest.split_first() else { return Err(usage()) };
    let (pattern, items) = parse_program(program).ok_or_else(|| not_modelled(program))?;
    let sep = match sep.as_deref() {
        None | Some(" ") => None,
        Some("\\t") | Some("\t") => Some('\t'),
        Some(s) if s.chars().count() == 1 => s.chars().next(),
        Some(s) => {
            return Err(ArgError {
                lines: vec![format!("awk: labsim: field separator '{s}' (a regular expression) is not modelled")],
                status: 2,
            });
        }
    };
    Ok(Box::new(Awk { inputs: inputs(files), pattern, items, sep, records: 0, fatal: false }))
}

/// `[/RE/] { print ITEMS }`: the pattern and the items.
fn parse_program(program: &str) -> Option<(Option<Regex>, Vec<Item>)> {
    let text = program.trim();
    let (pattern, rest) = match text.strip_prefix('/') {
        Some(after) => {
            let end = after.find('/')?;
            let re = Regex::new(&after[..end]).ok()?;
            (Some(re), after[end + 1..].trim_start())
        }
        None => (None, text),
    };
    let body = rest.strip_prefix('{')?.strip_suffix('}')?.trim().trim_end_matches(';').trim();
    let args = body.strip_prefix("print")?;
    if !args.is_empty() && !args.starts_with([' ', '\t']) {
        return None;
    }
    let mut items = Vec::new();
    let mut chars = args.trim().chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => {}
            ',' => items.push(Item::Separator),
            '"' => {
                let mut s = String::new();
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => match chars.next()? {
                            'n' => s.push('\n'),
                            't' => s.push('\t'),
                            other => s.push(other),
                        },
                        other => s.push(other),
                    }
                }
                items.push(Item::Text(s));
            }
            '$' => {
                let mut name = String::new();
                while let Some(&c) = chars.peek().filter(|c| c.is_ascii_alphanumeric()) {
                    name.push(c);
                    chars.next();
                }
                items.push(match name.as_str() {
                    "NF" => Item::LastField,
                    "0" => Item::Record,
                    n => Item::Field(n.parse().ok().filter(|n| *n > 0)?),
                });
            }
            'N' => {
                let word: String = std::iter::once(c).chain(std::iter::from_fn(|| chars.next_if(|c| c.is_ascii_alphabetic()))).collect();
                items.push(match word.as_str() {
                    "NR" => Item::RecordNumber,
                    "NF" => Item::FieldCount,
                    _ => return None,
                });
            }
            _ => return None,
        }
    }
    if items.is_empty() {
        items.push(Item::Record);
    }
    Some((pattern, items))
}

struct Awk {
    inputs: Vec<Input>,
    pattern: Option<Regex>,
    items: Vec<Item>,
    sep: Option<char>,
    records: u64,
    /// A file could not be opened: awk stopped there.
    fatal: bool,
}

impl Filter for Awk {
    fn inputs(&self) -> &[Input] {
        &self.inputs
    }

    fn line(&mut self, line: &str, out: &mut Out) {
        if self.fatal {
            return;
        }
        self.records += 1;
        if self.pattern.as_ref().is_some_and(|p| !p.is_match(line)) {
            return;
        }
        let fields: Vec<&str> = match self.sep {
            None => line.split_ascii_whitespace().collect(),
            Some(sep) => line.split(sep).collect(),
        };
        let mut text = String::new();
        for item in &self.items {
            match item {
                Item::Field(n) => text.push_str(fields.get(n - 1).copied().unwrap_or("")),
                Item::LastField => text.push_str(fields.last().copied().unwrap_or("")),
                Item::Record => text.push_str(line),
                Item::RecordNumber => text.push_str(&self.records.to_string()),
                Item::FieldCount => text.push_str(&fields.len().to_string()),
                Item::Text(s) => text.push_str(s),
                Item::Separator => text.push(' '),
            }
        }
        for piece in text.split('\n') {
            out.out(piece);
        }
    }

    fn unreadable(&mut self, input: usize, why: &str, out: &mut Out) {
        if self.fatal {
            return;
        }
        let name = match &self.inputs[input] {
            Input::File(f) => f.clone(),
            Input::Stdin => "-".to_owned(),
        };
        out.err(format!("awk: fatal: cannot open file `{name}' for reading ({why})"));
        self.fatal = true;
    }

    fn finish(&mut self, _: &mut Out) -> i32 {
        if self.fatal { 2 } else { 0 }
    }
}
