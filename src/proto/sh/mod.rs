//! The shell grammar of a lab console, as bash 5.2 reads a typed line: words and quoting,
//! `$NAME`, `${NAME}`, `$?`, `$(…)`, `~`, pipelines (`|`, `!`), lists (`;`, newline, `&&`,
//! `||`), `for NAME in WORDS; do …; done`, `NAME=VALUE`, redirections (`<`, `>`, `>>`, `2>`,
//! `2>&1`, `&>`) and here-documents (`<<WORD`, `<<'WORD'`, `<<-WORD`, `<<<WORD`). Reading is
//! a decision procedure with no input or output, shared by the console (which runs what it
//! reads) and `labsim check` (which refuses, at its position, what labsim does not model).
//!
//! A line is valid bash, a bash syntax error ([`ParseError::Syntax`], which the console prints as
//! bash does, so a scenario may show one), or valid bash that labsim does not model
//! ([`ParseError::Unsupported`]: background jobs, subshells, `if`/`while`/`case`, functions,
//! arithmetic, parameter operators, process substitution, pathname expansion…), which a
//! scenario check refuses rather than letting it run differently from bash.
//!
//! Bad input costs linear time and bounded memory: the reader ([`read`]) keeps its own stack
//! of open constructs rather than recursing, the tree is an arena of lists named by index (so
//! dropping it does not recurse either), and the nesting that bash itself refuses is refused
//! where bash refuses it (see [`parse`] for the parser-stack model).

mod glob;
mod lexer;
mod parse;

pub(crate) use glob::glob_match;

pub(crate) use lexer::brace_range;
pub(crate) use parse::read;

/// A list of the arena: one of [`Script::lists`].
pub(crate) type ListId = usize;

/// A read line: its lists in an arena; list 0 is the line itself.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Script {
    /// Every list: the line's (0), loop bodies and command substitutions.
    pub(crate) lists: Vec<List>,
    /// Here-document bodies and here-strings, by [`Target::Here`] number.
    pub(crate) heres: Vec<Word>,
    /// Warnings bash prints while reading (a here-document ended by the end of the line).
    pub(crate) warnings: Vec<String>,
}

/// Commands run one after the other (`;`, newline), each an and-or list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct List {
    /// The and-or lists, in order.
    pub(crate) items: Vec<AndOr>,
}

/// Pipelines joined by `&&` and `||`, evaluated left to right.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct AndOr {
    /// The first pipeline.
    pub(crate) first: Pipeline,
    /// Each further pipeline with the operator before it.
    pub(crate) rest: Vec<(Connector, Pipeline)>,
}

/// `&&` or `||`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Connector {
    /// `&&`: runs if the status so far is 0.
    And,
    /// `||`: runs if the status so far is not 0.
    Or,
}

/// Commands joined by `|`; its status is the last command's (no `pipefail`), inverted by `!`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Pipeline {
    /// `!` before it.
    pub(crate) bang: bool,
    /// The commands, at least one.
    pub(crate) commands: Vec<Command>,
}

/// One command of a pipeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Command {
    /// Words, assignments and redirections.
    Simple(Simple),
    /// `for NAME in WORDS; do BODY; done`.
    For {
        /// The loop variable.
        var: String,
        /// The words after `in`.
        words: Vec<Word>,
        /// The body.
        body: ListId,
    },
}

/// A simple command.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Simple {
    /// `NAME=VALUE` words before the command (alone: shell variables).
    pub(crate) assignments: Vec<(String, Word)>,
    /// The command's words.
    pub(crate) words: Vec<Word>,
    /// Its redirections, in order.
    pub(crate) redirects: Vec<Redirect>,
}

/// A word as written: its parts, and where it starts in the line (a byte offset).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Word {
    /// Its parts, in order.
    pub(crate) parts: Vec<Part>,
    /// Byte offset of its first character.
    pub(crate) at: usize,
}

impl Word {
    /// The word's text when it is all literal (quoted or not), as the command name is looked up.
    pub(crate) fn literal(&self) -> Option<String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(s) | Part::Quoted(s) => out.push_str(s),
                _ => return None,
            }
        }
        Some(out)
    }
}

/// A piece of a word.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Part {
    /// Unquoted text (brace expansion `{A..B}` applies; `~` already replaced).
    Literal(String),
    /// Quoted or escaped text, taken as it is.
    Quoted(String),
    /// `$NAME` or `${NAME}`; `quoted` inside double quotes (no field splitting).
    Var {
        /// The name.
        name: String,
        /// Inside double quotes.
        quoted: bool,
    },
    /// `$?`.
    Status,
    /// `$(…)`: the output of a list, trailing newlines removed.
    Subst {
        /// The list.
        list: ListId,
        /// Inside double quotes (no field splitting).
        quoted: bool,
    },
}

/// A redirection of a simple command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Redirect {
    /// The file descriptor redirected: 0, 1 or 2.
    pub(crate) fd: u32,
    /// What it becomes.
    pub(crate) to: Target,
    /// Byte offset of the operator.
    pub(crate) at: usize,
}

/// Where a redirected descriptor goes or comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// `< FILE`.
    Read(Word),
    /// `> FILE` (`append`: `>> FILE`).
    Write {
        /// The file.
        file: Word,
        /// `>>`.
        append: bool,
    },
    /// `N>&M`: a copy of descriptor M.
    Dup(u32),
    /// `&> FILE` / `&>> FILE`: standard output and error both.
    Both {
        /// The file.
        file: Word,
        /// `&>>`.
        append: bool,
    },
    /// A here-document's body (expansions done when it runs, unless its delimiter was quoted:
    /// then one quoted part), or a here-string's word and a newline: an index of
    /// [`Script::heres`].
    Here(usize),
}

/// Why a line cannot be run as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ParseError {
    /// bash refuses it: its message as the console prints it.
    Syntax {
        /// bash's message, `bash: syntax error near unexpected token `done'`.
        message: String,
        /// Byte offset of the token bash stopped at.
        at: usize,
    },
    /// Valid bash that labsim does not model.
    Unsupported {
        /// What it is, in words: "background jobs (`&`)".
        what: String,
        /// Byte offset of the construct.
        at: usize,
    },
}

impl ParseError {
    /// Byte offset in the line.
    pub(crate) fn at(&self) -> usize {
        match self {
            ParseError::Syntax { at, .. } | ParseError::Unsupported { at, .. } => *at,
        }
    }

    /// The same problem in a line that holds this one's text from byte `offset` on.
    pub(crate) fn shifted(self, offset: usize) -> ParseError {
        match self {
            ParseError::Syntax { message, at } => ParseError::Syntax { message, at: at + offset },
            ParseError::Unsupported { what, at } => ParseError::Unsupported { what, at: at + offset },
        }
    }

    /// The problem `labsim check` reports for a scenario that types it.
    pub(crate) fn check_message(&self) -> String {
        match self {
            ParseError::Syntax { message, .. } => message.clone(),
            ParseError::Unsupported { what, .. } => format!("labsim does not model {what}"),
        }
    }

    /// The line the console prints for it.
    pub(crate) fn console_message(&self) -> String {
        match self {
            ParseError::Syntax { message, .. } => message.clone(),
            ParseError::Unsupported { what, .. } => format!("labsim: {what} not modelled"),
        }
    }
}

#[cfg(test)]
mod tests;
