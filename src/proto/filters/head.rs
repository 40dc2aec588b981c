//! `head` and `tail` (GNU coreutils 9.1) with `-n N` (or `-N`): the first lines, or the last,
//! of each input; `==> NAME <==` headers when there are several (`-q` none, `-v` always).
//! `tail -f` follows a file as it grows, which is a program, not a filter (the shell starts
//! it in its place).

use std::collections::VecDeque;

use super::{Filter, GetoptError, Input, Out, getopt, inputs, invalid_option, missing_argument};
use crate::proto::ArgError;

/// Which end.
#[derive(Clone, Copy, PartialEq, Eq)]
enum End {
    Head,
    Tail,
}

impl End {
    fn tool(self) -> &'static str {
        match self {
            End::Head => "head",
            End::Tail => "tail",
        }
    }
}

/// What `head` or `tail` was asked for: the line count, the inputs, whether to print headers
/// and whether to follow (`tail -f`).
pub(crate) struct Args {
    /// Lines to print.
    pub(crate) lines: u64,
    /// What to read.
    pub(crate) inputs: Vec<Input>,
    /// `==> NAME <==` headers.
    pub(crate) headers: bool,
    /// `tail -f`.
    pub(crate) follow: bool,
}

/// `tail`'s arguments, for the shell to tell `tail -f` (a program) from a filter.
pub(crate) fn tail_args(args: &[&str]) -> Result<Args, ArgError> {
    parse(End::Tail, args)
}

fn parse(end: End, args: &[&str]) -> Result<Args, ArgError> {
    let tool = end.tool();
    // The obsolete `-N` form, as the first word.
    let mut owned: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    if let Some(first) = owned.first()
        && let Some(n) = first.strip_prefix('-')
        && !n.is_empty()
        && n.bytes().all(|b| b.is_ascii_digit())
    {
        owned[0] = format!("-n{n}");
    }
    let words: Vec<&str> = owned.iter().map(String::as_str).collect();
    let (options, operands) = match getopt(&words, "nc") {
        Ok(v) => v,
        Err(GetoptError::Unknown(long)) => return Err(invalid_option(tool, long, 1)),
        Err(GetoptError::Missing(c)) => return Err(missing_argument(tool, c, 1)),
    };
    let mut lines = 10;
    let (mut quiet, mut verbose, mut follow) = (false, false, false);
    for (c, value) in options {
        match c {
            'n' => {
                let text = value.unwrap_or_default();
                let digits = text.strip_prefix('+').or_else(|| text.strip_prefix('-')).unwrap_or(text);
                if text.starts_with('+') {
                    return Err(ArgError { lines: vec![format!("{tool}: labsim: `-n +N` is not modelled")], status: 1 });
                }
                lines = digits
                    .parse()
                    .map_err(|_| ArgError { lines: vec![format!("{tool}: invalid number of lines: ‘{text}’")], status: 1 })?;
            }
            'q' => quiet = true,
            'v' => verbose = true,
            'f' if end == End::Tail => follow = true,
            'c' => return Err(ArgError { lines: vec![format!("{tool}: labsim: option -c is not modelled")], status: 1 }),
            other => return Err(invalid_option(tool, &format!("-{other}"), 1)),
        }
    }
    let inputs = inputs(&operands);
    let headers = verbose || (!quiet && inputs.len() > 1);
    Ok(Args { lines, inputs, headers, follow })
}

pub(crate) fn start_head(args: &[&str]) -> Result<Box<dyn Filter>, ArgError> {
    let args = parse(End::Head, args)?;
    Ok(Box::new(HeadTail { end: End::Head, args, seen: 0, kept: VecDeque::new(), status: 0, printed_header: false }))
}

pub(crate) fn start_tail(args: &[&str]) -> Result<Box<dyn Filter>, ArgError> {
    let args = parse(End::Tail, args)?;
    Ok(Box::new(HeadTail { end: End::Tail, args, seen: 0, kept: VecDeque::new(), status: 0, printed_header: false }))
}

struct HeadTail {
    end: End,
    args: Args,
    /// Lines seen in the current input.
    seen: u64,
    /// `tail`: the last lines so far.
    kept: VecDeque<String>,
    status: i32,
    printed_header: bool,
}

impl HeadTail {
    fn header(&mut self, input: usize, out: &mut Out) {
        if !self.args.headers {
            return;
        }
        if self.printed_header {
            out.out("");
        }
        self.printed_header = true;
        let name = match &self.args.inputs[input] {
            Input::File(f) => f.clone(),
            Input::Stdin => "standard input".to_owned(),
        };
        out.out(format!("==> {name} <=="));
    }
}

impl Filter for HeadTail {
    fn inputs(&self) -> &[Input] {
        &self.args.inputs
    }

    fn begin(&mut self, input: usize, out: &mut Out) {
        self.seen = 0;
        self.kept.clear();
        self.header(input, out);
    }

    fn line(&mut self, line: &str, out: &mut Out) {
        self.seen += 1;
        match self.end {
            End::Head if self.seen <= self.args.lines => out.out(line),
            End::Head => {}
            End::Tail => {
                if self.args.lines == 0 {
                    return;
                }
                if self.kept.len() as u64 == self.args.lines {
                    self.kept.pop_front();
                }
                self.kept.push_back(line.to_owned());
            }
        }
    }

    fn end(&mut self, _: bool, out: &mut Out) {
        for line in self.kept.drain(..) {
            out.out(line);
        }
    }

    fn unreadable(&mut self, input: usize, why: &str, out: &mut Out) {
        let name = match &self.args.inputs[input] {
            Input::File(f) => f.clone(),
            Input::Stdin => "standard input".to_owned(),
        };
        if why == "Is a directory" {
            out.err(format!("{}: error reading '{name}': {why}", self.end.tool()));
        } else {
            out.err(format!("{}: cannot open '{name}' for reading: {why}", self.end.tool()));
        }
        self.status = 1;
    }

    fn finish(&mut self, _: &mut Out) -> i32 {
        self.status
    }

    fn is_satisfied(&self) -> bool {
        self.end == End::Head && self.args.inputs.len() == 1 && self.seen >= self.args.lines
    }
}
