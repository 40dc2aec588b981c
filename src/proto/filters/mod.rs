//! The text filters a lab pipes output through, as GNU coreutils 9.1, GNU grep 3.8 and awk
//! print them: `cat`, `grep`, `head`, `tail`, `wc`, `sort`, `uniq` and `awk '{print $N}'`.
//! Each is a sans-IO core fed line by line ([`Filter`]): the shell hands it the lines of its
//! files or of the pipe before it as they arrive, and passes on what it prints. Usage errors
//! are the tools' own, word for word.
//!
//! Input is lines without their newlines, as the console's output is; a file whose last line
//! has no newline says so at its end (`wc -c` counts it). Memory is what the tool itself
//! keeps: nothing for `grep`, `head` and `wc`, N lines for `tail -n N`, every line for `sort`.

mod awk;
mod grep;
mod head;
mod sort;
mod wc;

pub(crate) use awk::start as awk;
pub(crate) use grep::start as grep;
pub(crate) use head::{start_head as head, start_tail as tail, tail_args};
pub(crate) use sort::{start_sort as sort, start_uniq as uniq};
pub(crate) use wc::start as wc;

use super::{ArgError, Stream};

/// What a filter reads: its standard input or a file operand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Input {
    /// Standard input (no operand, or `-`).
    Stdin,
    /// A file operand, as written.
    File(String),
}

/// Lines a filter printed, in order.
#[derive(Debug, Default)]
pub(crate) struct Out {
    /// Each line and its stream.
    pub(crate) lines: Vec<(Stream, String)>,
}

impl Out {
    pub(crate) fn out(&mut self, line: impl Into<String>) {
        self.lines.push((Stream::Stdout, line.into()));
    }

    pub(crate) fn err(&mut self, line: impl Into<String>) {
        self.lines.push((Stream::Stderr, line.into()));
    }
}

/// A running filter. The shell calls [`Filter::stat`] for every input, then for each input in
/// order [`Filter::begin`], [`Filter::line`] per line and [`Filter::end`] (or
/// [`Filter::unreadable`]), then [`Filter::finish`].
pub(crate) trait Filter {
    /// What it reads, in order.
    fn inputs(&self) -> &[Input];

    /// Input `input` is a regular file of `size` bytes (`None`: a pipe or a terminal).
    fn stat(&mut self, _input: usize, _size: Option<u64>) {}

    /// Input `input` starts.
    fn begin(&mut self, _input: usize, _out: &mut Out) {}

    /// One line of the current input.
    fn line(&mut self, line: &str, out: &mut Out);

    /// The current input ended; `unterminated` if its last line had no newline.
    fn end(&mut self, _unterminated: bool, _out: &mut Out) {}

    /// Input `input` cannot be read: `why` is `No such file or directory` or `Is a directory`.
    fn unreadable(&mut self, input: usize, why: &str, out: &mut Out);

    /// All inputs are read: what is left to print, and the exit status.
    fn finish(&mut self, out: &mut Out) -> i32;

    /// Whether it wants no more input (`head` has its lines): the shell closes its standard
    /// input, and a program writing to it gets SIGPIPE.
    fn is_satisfied(&self) -> bool {
        false
    }
}

/// How a filter is started from its arguments.
pub(crate) type StartFilter = fn(&[&str]) -> Result<Box<dyn Filter>, ArgError>;

/// `cat`: the `cat` filter.
pub(crate) fn cat(args: &[&str]) -> Result<Box<dyn Filter>, ArgError> {
    let mut inputs = Vec::new();
    for arg in args {
        match *arg {
            "-" => inputs.push(Input::Stdin),
            a if a.starts_with('-') && a.len() > 1 => return Err(invalid_option("cat", a, 1)),
            a => inputs.push(Input::File(a.to_owned())),
        }
    }
    if inputs.is_empty() {
        inputs.push(Input::Stdin);
    }
    Ok(Box::new(Cat { inputs, status: 0 }))
}

struct Cat {
    inputs: Vec<Input>,
    status: i32,
}

impl Filter for Cat {
    fn inputs(&self) -> &[Input] {
        &self.inputs
    }

    fn line(&mut self, line: &str, out: &mut Out) {
        out.out(line);
    }

    fn unreadable(&mut self, input: usize, why: &str, out: &mut Out) {
        out.err(format!("cat: {}: {why}", name(&self.inputs, input)));
        self.status = 1;
    }

    fn finish(&mut self, _: &mut Out) -> i32 {
        self.status
    }
}

/// An input's name in messages.
fn name(inputs: &[Input], input: usize) -> &str {
    match inputs.get(input) {
        Some(Input::File(f)) => f,
        _ => "-",
    }
}

/// `TOOL: invalid option -- 'X'` (GNU getopt) and the tool's `Try` line.
fn invalid_option(tool: &str, arg: &str, status: i32) -> ArgError {
    let first = if let Some(long) = arg.strip_prefix("--") {
        format!("{tool}: unrecognized option '--{long}'")
    } else {
        format!("{tool}: invalid option -- '{}'", arg.chars().nth(1).unwrap_or('-'))
    };
    ArgError { lines: vec![first, format!("Try '{tool} --help' for more information.")], status }
}

/// `TOOL: option requires an argument -- 'X'` and the `Try` line.
fn missing_argument(tool: &str, option: char, status: i32) -> ArgError {
    ArgError {
        lines: vec![format!("{tool}: option requires an argument -- '{option}'"), format!("Try '{tool} --help' for more information.")],
        status,
    }
}

/// Command-line words split GNU-style: options (bundled short flags, values attached or in the
/// next word) wherever they are, operands in order, and everything after `--` an operand.
/// `with_value` names the short options that take a value.
/// Options with their values, and operands.
type Split<'a> = (Vec<(char, Option<&'a str>)>, Vec<&'a str>);

fn getopt<'a>(args: &[&'a str], with_value: &str) -> Result<Split<'a>, GetoptError<'a>> {
    let mut options = Vec::new();
    let mut operands = Vec::new();
    let mut i = 0;
    let mut only_operands = false;
    while i < args.len() {
        let arg = args[i];
        i += 1;
        if only_operands || arg == "-" || !arg.starts_with('-') {
            operands.push(arg);
            continue;
        }
        if arg == "--" {
            only_operands = true;
            continue;
        }
        if arg.starts_with("--") {
            return Err(GetoptError::Unknown(arg));
        }
        let flags = &arg[1..];
        for (at, c) in flags.char_indices() {
            if with_value.contains(c) {
                let rest = &flags[at + c.len_utf8()..];
                let value = if !rest.is_empty() {
                    rest
                } else if let Some(next) = args.get(i) {
                    i += 1;
                    next
                } else {
                    return Err(GetoptError::Missing(c));
                };
                options.push((c, Some(value)));
                break;
            }
            options.push((c, None));
        }
    }
    Ok((options, operands))
}

/// Why [`getopt`] stopped.
enum GetoptError<'a> {
    /// An option it does not know, or a long one: the word.
    Unknown(&'a str),
    /// A short option missing its value.
    Missing(char),
}

/// Inputs from operands: files, `-` as standard input, none as standard input.
fn inputs(operands: &[&str]) -> Vec<Input> {
    if operands.is_empty() {
        return vec![Input::Stdin];
    }
    operands.iter().map(|o| if *o == "-" { Input::Stdin } else { Input::File((*o).to_owned()) }).collect()
}

#[cfg(test)]
mod tests;
