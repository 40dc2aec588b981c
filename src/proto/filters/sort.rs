//! `sort [-n -r -u -k N[,M] -t SEP]` and `uniq [-c -d -u -i]` (GNU coreutils 9.1). `sort`
//! compares bytes, as in the C locale (a CentOS console's en_US.UTF-8 collation, which ignores
//! punctuation and case at first, is not modelled); `-n` compares leading numbers, lines
//! without one as 0, ties broken by the whole line. `uniq -c` prints the count in 7 columns.

use std::cmp::Ordering;

use super::{Filter, GetoptError, Input, Out, getopt, inputs, invalid_option, missing_argument};
use crate::proto::ArgError;

pub(crate) fn start_sort(args: &[&str]) -> Result<Box<dyn Filter>, ArgError> {
    let (options, operands) = match getopt(args, "ktoST") {
        Ok(v) => v,
        Err(GetoptError::Unknown(long)) => return Err(invalid_option("sort", long, 2)),
        Err(GetoptError::Missing(c)) => return Err(missing_argument("sort", c, 2)),
    };
    let mut s =
        Sort { inputs: Vec::new(), numeric: false, reverse: false, unique: false, key: None, sep: None, lines: Vec::new(), status: 0 };
    for (c, value) in options {
        match c {
            'n' => s.numeric = true,
            'r' => s.reverse = true,
            'u' => s.unique = true,
            'k' => {
                let text = value.unwrap_or_default();
                let (from, to) = text.split_once(',').map_or((text, None), |(a, b)| (a, Some(b)));
                let field = |t: &str| t.trim_end_matches(|c: char| c.is_ascii_alphabetic()).parse::<usize>().ok().filter(|n| *n > 0);
                let bad = || ArgError {
                    lines: vec![
                        format!("sort: invalid number at field start: invalid count at start of ‘{text}’"),
                        "Try 'sort --help' for more information.".to_owned(),
                    ],
                    status: 2,
                };
                let start = field(from).ok_or_else(bad)?;
                let end = match to {
                    Some(t) => Some(field(t).ok_or_else(bad)?),
                    None => None,
                };
                if from.ends_with('n') {
                    s.numeric = true;
                }
                s.key = Some((start, end));
            }
            't' => {
                let sep = value.unwrap_or_default();
                let mut chars = sep.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => s.sep = Some(c),
                    _ => return Err(ArgError { lines: vec![format!("sort: multi-character tab ‘{sep}’")], status: 2 }),
                }
            }
            'o' | 'S' | 'T' | 'b' | 'f' | 'g' | 'h' | 'M' | 'V' | 'R' | 's' | 'z' | 'c' | 'C' | 'm' | 'd' | 'i' => {
                return Err(ArgError { lines: vec![format!("sort: labsim: option -{c} is not modelled")], status: 2 });
            }
            other => return Err(invalid_option("sort", &format!("-{other}"), 2)),
        }
    }
    s.inputs = inputs(&operands);
    Ok(Box::new(s))
}

struct Sort {
    inputs: Vec<Input>,
    numeric: bool,
    reverse: bool,
    unique: bool,
    /// `-k START[,END]`, fields from 1.
    key: Option<(usize, Option<usize>)>,
    sep: Option<char>,
    lines: Vec<String>,
    status: i32,
}

impl Sort {
    /// The part of `line` the key covers: fields are separated by `sep`, or by the blanks
    /// before each field (which belong to it, as in GNU sort without `-b`).
    fn key<'a>(&self, line: &'a str) -> &'a str {
        let Some((start, end)) = self.key else { return line };
        let starts: Vec<usize> = match self.sep {
            Some(sep) => std::iter::once(0).chain(line.match_indices(sep).map(|(i, _)| i + sep.len_utf8())).collect(),
            None => {
                let mut v = vec![0];
                let b = line.as_bytes();
                for i in 1..b.len() {
                    if b[i].is_ascii_whitespace() && !b[i - 1].is_ascii_whitespace() {
                        v.push(i);
                    }
                }
                v
            }
        };
        let from = starts.get(start - 1).copied().unwrap_or(line.len());
        let to = end.and_then(|e| starts.get(e).copied()).map_or(line.len(), |t| if self.sep.is_some() { t - 1 } else { t });
        line.get(from..to.max(from)).unwrap_or("")
    }

    fn compare(&self, a: &str, b: &str) -> Ordering {
        let (ka, kb) = (self.key(a), self.key(b));
        if self.numeric { number(ka).partial_cmp(&number(kb)).unwrap_or(Ordering::Equal) } else { ka.cmp(kb) }
    }
}

/// The leading number of a key, as `sort -n` reads it (blanks first; none is 0).
fn number(key: &str) -> f64 {
    let t = key.trim_start();
    let end = t.char_indices().find(|&(i, c)| !(c.is_ascii_digit() || c == '.' || (i == 0 && c == '-'))).map_or(t.len(), |(i, _)| i);
    t[..end].parse().unwrap_or(0.0)
}

impl Filter for Sort {
    fn inputs(&self) -> &[Input] {
        &self.inputs
    }

    fn line(&mut self, line: &str, _: &mut Out) {
        self.lines.push(line.to_owned());
    }

    fn unreadable(&mut self, input: usize, why: &str, out: &mut Out) {
        let name = match &self.inputs[input] {
            Input::File(f) => f.clone(),
            Input::Stdin => "-".to_owned(),
        };
        if why == "Is a directory" {
            out.err(format!("sort: read failed: {name}: {why}"));
        } else {
            out.err(format!("sort: cannot read: {name}: {why}"));
        }
        self.status = 2;
    }

    fn finish(&mut self, out: &mut Out) -> i32 {
        if self.status != 0 {
            return self.status;
        }
        let mut lines = std::mem::take(&mut self.lines);
        lines.sort_by(|a, b| {
            let by_key = self.compare(a, b);
            // The last-resort comparison of whole lines, unless `-u`.
            let ord = if by_key == Ordering::Equal && !self.unique { a.cmp(b) } else { by_key };
            if self.reverse { ord.reverse() } else { ord }
        });
        if self.unique {
            lines.dedup_by(|b, a| self.compare(a, b) == Ordering::Equal);
        }
        lines.into_iter().for_each(|l| out.out(l));
        0
    }
}

pub(crate) fn start_uniq(args: &[&str]) -> Result<Box<dyn Filter>, ArgError> {
    let (options, operands) = match getopt(args, "fsw") {
        Ok(v) => v,
        Err(GetoptError::Unknown(long)) => return Err(invalid_option("uniq", long, 1)),
        Err(GetoptError::Missing(c)) => return Err(missing_argument("uniq", c, 1)),
    };
    let mut u = Uniq { inputs: Vec::new(), count: false, repeated: false, unique: false, ignore_case: false, last: None, status: 0 };
    for (c, _) in options {
        match c {
            'c' => u.count = true,
            'd' => u.repeated = true,
            'u' => u.unique = true,
            'i' => u.ignore_case = true,
            'f' | 's' | 'w' | 'D' | 'z' => {
                return Err(ArgError { lines: vec![format!("uniq: labsim: option -{c} is not modelled")], status: 1 });
            }
            other => return Err(invalid_option("uniq", &format!("-{other}"), 1)),
        }
    }
    if operands.len() > 1 {
        return Err(ArgError { lines: vec!["uniq: labsim: an output file operand is not modelled".to_owned()], status: 1 });
    }
    u.inputs = inputs(&operands);
    Ok(Box::new(u))
}

struct Uniq {
    inputs: Vec<Input>,
    count: bool,
    repeated: bool,
    unique: bool,
    ignore_case: bool,
    /// The group under way: its first line and how many.
    last: Option<(String, u64)>,
    status: i32,
}

impl Uniq {
    fn emit(&self, line: &str, n: u64, out: &mut Out) {
        if (self.repeated && n < 2) || (self.unique && n > 1) {
            return;
        }
        if self.count { out.out(format!("{n:>7} {line}")) } else { out.out(line) }
    }

    fn same(&self, a: &str, b: &str) -> bool {
        if self.ignore_case { a.eq_ignore_ascii_case(b) } else { a == b }
    }
}

impl Filter for Uniq {
    fn inputs(&self) -> &[Input] {
        &self.inputs
    }

    fn line(&mut self, line: &str, out: &mut Out) {
        match self.last.take() {
            Some((first, n)) if self.same(&first, line) => self.last = Some((first, n + 1)),
            Some((first, n)) => {
                self.emit(&first, n, out);
                self.last = Some((line.to_owned(), 1));
            }
            None => self.last = Some((line.to_owned(), 1)),
        }
    }

    fn unreadable(&mut self, input: usize, why: &str, out: &mut Out) {
        let name = match &self.inputs[input] {
            Input::File(f) => f.clone(),
            Input::Stdin => "-".to_owned(),
        };
        out.err(format!("uniq: {name}: {why}"));
        self.status = 1;
    }

    fn finish(&mut self, out: &mut Out) -> i32 {
        if let Some((first, n)) = self.last.take() {
            self.emit(&first, n, out);
        }
        self.status
    }
}
