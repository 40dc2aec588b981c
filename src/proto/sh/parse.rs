//! The grammar: tokens from the [`lexer`](super::lexer) into the [`Script`] arena, as bash's
//! `yyparse` reads them, with open loops and command substitutions on a stack of frames
//! instead of in recursive calls.
//!
//! bash's parser is a bison LALR(1) parser whose stack holds at most `YYMAXDEPTH` (10 000)
//! states; deeper nesting is not refused by a rule of its own but by that stack running out,
//! which bash reports as a syntax error near the token being read. Measured with bash 5.2.15
//! (`bash -n`): 1 110 nested `for i in 1; do` pass and 1 111 fail near `do`; with a command
//! before each inner loop (followed by `;`, `&&`, `||`, `|`, a redirection or a here-document
//! alike), 833 pass and 834 fail near `in`; with `echo a;` first on the line, 1 111 fail near
//! `;`; `for i in; do` fails at 1 250; a pipeline of 3 333 `|` fails near `|` (the grammar's
//! `pipeline` rule is right-recursive), while `&&` and `;` lists of 20 000 pass (left
//! recursion reduces as it goes). [`Stack`] counts the states bash's grammar pushes for the
//! same input (each `for` level: `for`, its name, the token after it, `in`, the word list,
//! `;`, a newline list, `do` and a newline list; a command and the operator after it leave
//! three more) and fails where bash does.
//!
//! A command substitution is parsed by a parser of its own (`parse_comsub`), with a stack of
//! its own: bash 5.2.15 recurses in C for each `$(`, and with an 8 MiB stack crashes
//! (SIGSEGV) reading 1 968 nested ones (1 967 pass); deeper nesting is refused here as not
//! modelled ([`MAX_COMSUB_DEPTH`]).

use super::lexer::{HereSubstitution, Lexer, Op, Tok};
use super::{AndOr, Command, Connector, List, ListId, ParseError, Part, Pipeline, Redirect, Script, Simple, Target, Word};

/// `YYMAXDEPTH`: the states bash's parser stack holds.
const YYMAXDEPTH: usize = 10_000;

/// Nested `$(` bash 5.2.15 reads before its C stack (8 MiB) runs out.
pub(crate) const MAX_COMSUB_DEPTH: usize = 1_967;

/// The depth of bash's parser stack while it reads the same input.
#[derive(Clone, Copy, Debug)]
struct Stack {
    depth: usize,
}

impl Stack {
    /// One state more, pushed while `token` is the last token read; the 10 000th is refused.
    fn push(&mut self, token: &str, at: usize) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth >= YYMAXDEPTH {
            return Err(near(token, at));
        }
        Ok(())
    }
}

fn near(token: &str, at: usize) -> ParseError {
    ParseError::Syntax { message: format!("bash: syntax error near unexpected token `{token}'"), at }
}

fn end_of_file(at: usize) -> ParseError {
    ParseError::Syntax { message: "bash: syntax error: unexpected end of file".to_owned(), at }
}

fn unsupported(what: impl Into<String>, at: usize) -> ParseError {
    ParseError::Unsupported { what: what.into(), at }
}

/// What a frame's list belongs to.
enum Kind {
    /// The line itself.
    Top,
    /// A `for` loop's body.
    Loop { var: String, words: Vec<Word>, level: usize },
    /// A `$(…)`.
    Comsub { quoted: bool, outer: Stack },
}

/// What the next token may be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    /// The start of a command (after `;`, `|`, `&&`, a newline, `do`, `$(`).
    Start,
    /// More of a simple command, or what may follow a command.
    More,
    /// After `done`: what may follow a compound command.
    AfterLoop,
    /// The file of a redirection.
    File { fd: u32, op: Op, at: usize },
    /// `for`'s name.
    ForName { at: usize },
    /// `in` after the name.
    ForIn,
    /// The loop's words, up to `;` or a newline.
    ForWords,
    /// `do`.
    ForDo,
}

/// A list being read, with the command, pipeline and and-or list under way.
struct Frame {
    kind: Kind,
    list: List,
    /// Stack depth where the list started.
    base: usize,
    /// The and-or list under way: its pipelines so far and the connector before the next.
    andor: Option<(AndOr, Option<Connector>)>,
    /// Stack depth where the and-or list started.
    andor_base: usize,
    /// The pipeline under way.
    pipeline: Vec<Command>,
    bang: bool,
    /// Stack depth where the next command of the pipeline starts.
    cmd_base: usize,
    /// The simple command under way.
    simple: Option<Simple>,
    /// The `for` head under way: name, words.
    head: Option<(String, Vec<Word>, usize)>,
    expect: Expect,
    /// Whether the list may end here (after a separator or at its start).
    may_end: bool,
}

impl Frame {
    fn new(kind: Kind, base: usize) -> Frame {
        Frame {
            kind,
            list: List::default(),
            base,
            andor: None,
            andor_base: base,
            pipeline: Vec::new(),
            bang: false,
            cmd_base: base,
            simple: None,
            head: None,
            expect: Expect::Start,
            may_end: true,
        }
    }

    fn in_body(&self) -> bool {
        !matches!(self.kind, Kind::Top)
    }
}

/// Reads a typed line (which may span several lines: loops, here-documents, a trailing `|`).
pub(crate) fn read(line: &str) -> Result<Script, ParseError> {
    read_nested(line, 0)
}

/// Reads `line`, which is the text of a `$(…)` in a here-document `depth` levels down.
pub(super) fn read_nested(line: &str, depth: usize) -> Result<Script, ParseError> {
    let lexer = Lexer::new(line, depth);
    Reader { lexer, lists: vec![List::default()], frames: vec![Frame::new(Kind::Top, 1)], stack: Stack { depth: 1 } }.run()
}

struct Reader<'s> {
    lexer: Lexer<'s>,
    lists: Vec<List>,
    frames: Vec<Frame>,
    stack: Stack,
}

impl Reader<'_> {
    fn frame(&mut self) -> &mut Frame {
        // There is always the top frame.
        let last = self.frames.len() - 1;
        &mut self.frames[last]
    }

    fn run(mut self) -> Result<Script, ParseError> {
        loop {
            let tok = self.lexer.next()?;
            if let Some(script) = self.token(tok)? {
                return Ok(script);
            }
        }
    }

    /// Takes one token; the script once the line is over.
    fn token(&mut self, tok: Tok) -> Result<Option<Script>, ParseError> {
        let expect = self.frame().expect;
        match expect {
            Expect::File { fd, op, at } => self.file(fd, op, at, tok)?,
            Expect::ForName { at } => self.for_name(at, tok)?,
            Expect::ForIn => self.for_in(tok)?,
            Expect::ForWords => self.for_words(tok)?,
            Expect::ForDo => self.for_do(tok)?,
            Expect::Start => return self.start(tok),
            Expect::More | Expect::AfterLoop => return self.more(tok),
        }
        Ok(None)
    }

    /// At the start of a command.
    fn start(&mut self, tok: Tok) -> Result<Option<Script>, ParseError> {
        match tok {
            Tok::Word { word, raw, plain } => {
                let f = self.frame();
                let pipeline_start = f.pipeline.is_empty();
                match plain.as_deref() {
                    Some("for") => {
                        self.stack.push("for", word.at)?;
                        let level = self.stack.depth - 1;
                        let f = self.frame();
                        f.expect = Expect::ForName { at: word.at };
                        f.head = Some((String::new(), Vec::new(), level));
                    }
                    Some("done")
                        if matches!(self.frame().kind, Kind::Loop { .. })
                            && self.frame().may_end
                            && !self.frame().list.items.is_empty() =>
                    {
                        self.close_loop()?;
                    }
                    Some("!") if pipeline_start => {
                        self.stack.push("!", word.at)?;
                        let f = self.frame();
                        f.bang = !f.bang;
                        f.may_end = false;
                    }
                    Some("do" | "done" | "then" | "else" | "elif" | "fi" | "esac" | "}" | "!") => return Err(near(&raw, word.at)),
                    Some(w @ ("if" | "while" | "until" | "case" | "select")) => {
                        return Err(unsupported(format!("`{w}` compound commands"), word.at));
                    }
                    Some("function") => return Err(unsupported("shell functions", word.at)),
                    Some("{") => return Err(unsupported("command groups (`{ …; }`)", word.at)),
                    Some("[[") => return Err(unsupported("conditional expressions (`[[ … ]]`)", word.at)),
                    Some(w @ ("time" | "coproc")) => return Err(unsupported(format!("`{w}`"), word.at)),
                    _ => {
                        self.stack.push(&raw, word.at)?;
                        let mut simple = Simple::default();
                        match assignment(&word)? {
                            Some(a) => simple.assignments.push(a),
                            None => simple.words.push(word),
                        }
                        let f = self.frame();
                        f.simple = Some(simple);
                        f.expect = Expect::More;
                        f.may_end = false;
                    }
                }
                Ok(None)
            }
            Tok::IoNumber { fd, at } => {
                self.stack.push(&fd.to_string(), at)?;
                let f = self.frame();
                f.simple = Some(Simple::default());
                f.may_end = false;
                self.redirect_op(fd, at)
            }
            Tok::Op { op, at } => match op {
                Op::Less | Op::Great | Op::DGreat | Op::DLess | Op::DLessDash | Op::TLess | Op::GreatAmp | Op::AmpGreat | Op::AmpDGreat => {
                    self.stack.push(op.text(), at)?;
                    let f = self.frame();
                    f.simple = Some(Simple::default());
                    f.may_end = false;
                    self.redirection(default_fd(op), op, at)?;
                    Ok(None)
                }
                Op::RParen if matches!(self.frame().kind, Kind::Comsub { .. }) && self.frame().may_end => {
                    self.close_comsub(at)?;
                    Ok(None)
                }
                Op::LParen if self.lexer.starts_with_at(at, "((") => Err(unsupported("arithmetic commands (`((…))`)", at)),
                Op::LParen => Err(unsupported("subshells (`( … )`)", at)),
                Op::LessAmp | Op::LessGreat | Op::Clobber => Err(unsupported(format!("the `{}` redirection", op.text()), at)),
                _ => Err(near(op.text(), at)),
            },
            Tok::Newline { .. } => {
                // Blank lines, or the newlines after `|`, `&&`, `||`, `do`.
                let top_line_start = matches!(self.frame().kind, Kind::Top) && self.frames.len() == 1 && self.frame().may_end;
                if top_line_start {
                    // bash parses each line at the prompt on its own.
                    self.stack.depth = 1;
                }
                Ok(None)
            }
            Tok::Eof { at } => self.eof(at),
            Tok::Open { at, quoted } => self.open_comsub(at, quoted),
        }
    }

    /// Within or after a command.
    fn more(&mut self, tok: Tok) -> Result<Option<Script>, ParseError> {
        let after_loop = self.frame().expect == Expect::AfterLoop;
        match tok {
            Tok::Word { word, raw, .. } => {
                if after_loop {
                    return Err(near(&raw, word.at));
                }
                // Each further word is reduced into the command.
                self.stack.push(&raw, word.at)?;
                self.stack.depth -= 1;
                let Some(simple) = self.frame().simple.as_mut() else { return Ok(None) };
                if simple.words.is_empty() && !simple.assignments.is_empty() {
                    match assignment(&word)? {
                        Some(a) => simple.assignments.push(a),
                        None => return Err(unsupported("assignments before a command (`NAME=VALUE COMMAND`)", word.at)),
                    }
                } else {
                    simple.words.push(word);
                }
                Ok(None)
            }
            Tok::IoNumber { fd, at } => {
                if after_loop {
                    return Err(unsupported("redirections of a loop", at));
                }
                self.redirect_op(fd, at)
            }
            Tok::Open { at, quoted } => {
                if after_loop {
                    return Err(near("$(", at));
                }
                self.open_comsub(at, quoted)
            }
            Tok::Op { op, at } => match op {
                Op::Less | Op::Great | Op::DGreat | Op::DLess | Op::DLessDash | Op::TLess | Op::GreatAmp | Op::AmpGreat | Op::AmpDGreat => {
                    if after_loop {
                        return Err(unsupported("redirections of a loop", at));
                    }
                    self.redirection(default_fd(op), op, at)?;
                    Ok(None)
                }
                Op::Pipe => {
                    self.end_command();
                    let f = self.frame();
                    self.stack.depth = f.cmd_base + 1;
                    self.stack.push("|", at)?;
                    self.stack.push("|", at)?;
                    let depth = self.stack.depth;
                    let f = self.frame();
                    f.cmd_base = depth;
                    f.expect = Expect::Start;
                    Ok(None)
                }
                Op::And | Op::Or => {
                    self.end_pipeline();
                    let connector = if op == Op::And { Connector::And } else { Connector::Or };
                    let f = self.frame();
                    if let Some((_, pending)) = f.andor.as_mut() {
                        *pending = Some(connector);
                    }
                    self.stack.depth = f.andor_base + 1;
                    self.stack.push(op.text(), at)?;
                    self.stack.push(op.text(), at)?;
                    let depth = self.stack.depth;
                    let f = self.frame();
                    f.cmd_base = depth;
                    f.expect = Expect::Start;
                    Ok(None)
                }
                Op::Semi => {
                    self.end_andor();
                    self.separator(";", at)?;
                    Ok(None)
                }
                Op::RParen if matches!(self.frame().kind, Kind::Comsub { .. }) => {
                    self.end_andor();
                    self.close_comsub(at)?;
                    Ok(None)
                }
                Op::Amp => Err(unsupported("background jobs (`&`)", at)),
                Op::PipeAmp => Err(unsupported("`|&` pipes", at)),
                Op::LessAmp | Op::LessGreat | Op::Clobber => Err(unsupported(format!("the `{}` redirection", op.text()), at)),
                Op::LParen => Err(unsupported("shell functions", at)),
                _ => Err(near(op.text(), at)),
            },
            Tok::Newline { at } => {
                self.end_andor();
                if matches!(self.frame().kind, Kind::Top) && self.frames.len() == 1 {
                    // A new line at the prompt is a new parse.
                    self.stack.depth = 1;
                    let f = self.frame();
                    f.cmd_base = 1;
                    f.andor_base = 1;
                    f.expect = Expect::Start;
                    f.may_end = true;
                } else {
                    self.separator("\n", at)?;
                }
                Ok(None)
            }
            Tok::Eof { at } => {
                self.end_andor();
                self.eof(at)
            }
        }
    }

    /// After `;` (or a newline in a loop body): the list goes on.
    fn separator(&mut self, token: &str, at: usize) -> Result<(), ParseError> {
        let f = self.frame();
        let in_body = f.in_body();
        self.stack.depth = f.base + 1;
        self.stack.push(token, at)?;
        if in_body {
            // The newline list after it.
            self.stack.push(token, at)?;
        }
        let depth = self.stack.depth;
        let f = self.frame();
        f.cmd_base = depth;
        f.andor_base = depth;
        f.expect = Expect::Start;
        f.may_end = true;
        Ok(())
    }

    /// `N<` or `N>` operator after an IO_NUMBER.
    fn redirect_op(&mut self, fd: u32, at: usize) -> Result<Option<Script>, ParseError> {
        match self.lexer.next()? {
            Tok::Op { op, .. }
                if matches!(op, Op::Less | Op::Great | Op::DGreat | Op::DLess | Op::DLessDash | Op::TLess | Op::GreatAmp) =>
            {
                if fd > 2 {
                    return Err(unsupported(format!("file descriptor {fd}"), at));
                }
                self.redirection(fd, op, at)?;
                Ok(None)
            }
            Tok::Op { op, at } => Err(unsupported(format!("the `{}` redirection", op.text()), at)),
            _ => Err(near("newline", at)),
        }
    }

    fn redirection(&mut self, fd: u32, op: Op, at: usize) -> Result<(), ParseError> {
        self.frame().expect = Expect::File { fd, op, at };
        Ok(())
    }

    /// The word after a redirection operator.
    fn file(&mut self, fd: u32, op: Op, at: usize, tok: Tok) -> Result<(), ParseError> {
        let word = match tok {
            Tok::Word { word, .. } => word,
            Tok::Op { op, at } => return Err(near(op.text(), at)),
            Tok::IoNumber { fd, at } => return Err(near(&fd.to_string(), at)),
            Tok::Newline { at } | Tok::Eof { at } => return Err(near("newline", at)),
            Tok::Open { at, .. } => return Err(unsupported("a command substitution as a redirection's file", at)),
        };
        let to = match op {
            Op::Less => Target::Read(word),
            Op::Great => Target::Write { file: word, append: false },
            Op::DGreat => Target::Write { file: word, append: true },
            Op::AmpGreat => Target::Both { file: word, append: false },
            Op::AmpDGreat => Target::Both { file: word, append: true },
            Op::GreatAmp => match word.literal().as_deref() {
                Some(n @ ("0" | "1" | "2")) => Target::Dup(n.parse().unwrap_or(1)),
                Some("-") => return Err(unsupported("closing a file descriptor (`>&-`)", at)),
                Some(n) if n.bytes().all(|b| b.is_ascii_digit()) => return Err(unsupported(format!("file descriptor {n}"), word.at)),
                _ if fd == 1 => Target::Both { file: word, append: false },
                _ => return Err(near(op.text(), at)),
            },
            Op::DLess | Op::DLessDash => Target::Here(self.lexer.here_doc(&word, op == Op::DLessDash, at)?),
            Op::TLess => Target::Here(self.lexer.here_string(word)),
            _ => return Err(near(op.text(), at)),
        };
        let f = self.frame();
        if let Some(simple) = f.simple.as_mut() {
            simple.redirects.push(Redirect { fd, to, at });
        }
        f.expect = Expect::More;
        Ok(())
    }

    fn for_name(&mut self, at: usize, tok: Tok) -> Result<(), ParseError> {
        match tok {
            Tok::Word { word, raw, plain } => {
                let name = plain.filter(|n| n.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_'));
                let Some(name) = name.filter(|n| n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')) else {
                    return Err(ParseError::Syntax { message: format!("bash: `{raw}': not a valid identifier"), at: word.at });
                };
                self.stack.push(&raw, word.at)?;
                let f = self.frame();
                if let Some(head) = f.head.as_mut() {
                    head.0 = name;
                }
                f.expect = Expect::ForIn;
                Ok(())
            }
            other => Err(self.unexpected(other, at)),
        }
    }

    fn for_in(&mut self, tok: Tok) -> Result<(), ParseError> {
        // The token after the name is pushed as bash's lookahead.
        let (text, at) = token_text(&tok);
        self.stack.push(&text, at)?;
        match tok {
            Tok::Word { plain: Some(ref w), .. } if w == "in" => {
                self.stack.push("in", at)?;
                self.frame().expect = Expect::ForWords;
                Ok(())
            }
            Tok::Op { op: Op::Semi, at } | Tok::Newline { at } => Err(unsupported("`for NAME` without `in WORDS`", at)),
            other => Err(self.unexpected(other, at)),
        }
    }

    fn for_words(&mut self, tok: Tok) -> Result<(), ParseError> {
        match tok {
            Tok::Word { word, raw, .. } => {
                self.stack.push(&raw, word.at)?;
                let f = self.frame();
                let first = f.head.as_ref().is_some_and(|h| h.1.is_empty());
                if let Some(head) = f.head.as_mut() {
                    head.1.push(word);
                }
                if !first {
                    self.stack.depth -= 1;
                }
                Ok(())
            }
            Tok::Op { op: Op::Semi, at } | Tok::Newline { at } => {
                self.stack.push(";", at)?;
                self.stack.push(";", at)?;
                self.frame().expect = Expect::ForDo;
                Ok(())
            }
            Tok::Open { at, quoted } => self.open_comsub(at, quoted).map(|_| ()),
            other => {
                let (_, at) = token_text(&other);
                Err(self.unexpected(other, at))
            }
        }
    }

    fn for_do(&mut self, tok: Tok) -> Result<(), ParseError> {
        match tok {
            Tok::Newline { .. } => Ok(()),
            Tok::Word { word, plain: Some(ref w), .. } if w == "do" => {
                self.stack.push("do", word.at)?;
                self.stack.push("do", word.at)?;
                let f = self.frame();
                let (var, words, level) = f.head.take().unwrap_or_default();
                let depth = self.stack.depth;
                self.frames.push(Frame::new(Kind::Loop { var, words, level }, depth));
                Ok(())
            }
            other => {
                let (_, at) = token_text(&other);
                Err(self.unexpected(other, at))
            }
        }
    }

    fn unexpected(&self, tok: Tok, at: usize) -> ParseError {
        match tok {
            Tok::Eof { at } => end_of_file(at),
            other => {
                let (text, _) = token_text(&other);
                near(&text, at)
            }
        }
    }

    /// The simple command under way joins the pipeline.
    fn end_command(&mut self) {
        let f = self.frame();
        if let Some(simple) = f.simple.take() {
            f.pipeline.push(Command::Simple(simple));
        }
    }

    /// The pipeline under way joins the and-or list.
    fn end_pipeline(&mut self) {
        self.end_command();
        let f = self.frame();
        if f.pipeline.is_empty() {
            return;
        }
        let pipeline = Pipeline { bang: std::mem::take(&mut f.bang), commands: std::mem::take(&mut f.pipeline) };
        match f.andor.as_mut() {
            Some((andor, pending)) => {
                let connector = pending.take().unwrap_or(Connector::And);
                andor.rest.push((connector, pipeline));
            }
            None => f.andor = Some((AndOr { first: pipeline, rest: Vec::new() }, None)),
        }
    }

    /// The and-or list under way joins the list.
    fn end_andor(&mut self) {
        self.end_pipeline();
        let f = self.frame();
        if let Some((andor, _)) = f.andor.take() {
            f.list.items.push(andor);
        }
    }

    /// `done`: the loop becomes a command of the enclosing frame.
    fn close_loop(&mut self) -> Result<(), ParseError> {
        let Some(frame) = self.frames.pop() else { return Ok(()) };
        let Kind::Loop { var, words, level } = frame.kind else { return Ok(()) };
        let body = self.lists.len();
        self.lists.push(frame.list);
        let f = self.frame();
        f.pipeline.push(Command::For { var, words, body });
        self.stack.depth = level + 1;
        let f = self.frame();
        f.expect = Expect::AfterLoop;
        f.may_end = false;
        Ok(())
    }

    /// `$(`: a list of its own, with a parser stack of its own.
    fn open_comsub(&mut self, at: usize, quoted: bool) -> Result<Option<Script>, ParseError> {
        if self.lexer.open_depth() > MAX_COMSUB_DEPTH {
            return Err(unsupported(
                format!("command substitutions nested more than {MAX_COMSUB_DEPTH} deep (bash 5.2 runs out of its stack and crashes)"),
                at,
            ));
        }
        let outer = self.stack;
        self.stack = Stack { depth: 1 };
        self.frames.push(Frame::new(Kind::Comsub { quoted, outer }, 1));
        Ok(None)
    }

    /// `)` of a `$(`: the word it was in goes on.
    fn close_comsub(&mut self, _at: usize) -> Result<(), ParseError> {
        let Some(frame) = self.frames.pop() else { return Ok(()) };
        let Kind::Comsub { quoted, outer, .. } = frame.kind else { return Ok(()) };
        let list = self.lists.len();
        self.lists.push(frame.list);
        self.stack = outer;
        self.lexer.resume(Part::Subst { list, quoted });
        Ok(())
    }

    fn eof(&mut self, at: usize) -> Result<Option<Script>, ParseError> {
        let f = self.frame();
        match f.kind {
            Kind::Comsub { .. } => {
                Err(ParseError::Syntax { message: "bash: unexpected EOF while looking for matching `)'".to_owned(), at })
            }
            Kind::Loop { .. } => Err(end_of_file(at)),
            Kind::Top if f.expect == Expect::Start && !f.may_end => Err(end_of_file(at)),
            Kind::Top => {
                self.end_andor();
                let f = self.frame();
                self.lists[0] = std::mem::take(&mut f.list);
                // Here-documents' substitutions join the arena after the line's own lists.
                for here in std::mem::take(&mut self.lexer.here_substitutions) {
                    let HereSubstitution { slot, part, text, at } = here;
                    let inner = read_nested(&text, self.lexer.here_depth + 1).map_err(|e| e.shifted(at))?;
                    let list = self.lists.len();
                    let heres = self.lexer.heres.len();
                    let Script { lists, heres: inner_heres, warnings } = inner;
                    self.lists.extend(lists.into_iter().map(|l| shift_list(l, list, heres)));
                    self.lexer.heres.extend(inner_heres.into_iter().map(|w| shift_word(w, list)));
                    self.lexer.warnings.extend(warnings);
                    if let Some(p) = self.lexer.heres.get_mut(slot).and_then(|w| w.parts.get_mut(part)) {
                        *p = Part::Subst { list, quoted: true };
                    }
                }
                Ok(Some(Script {
                    lists: std::mem::take(&mut self.lists),
                    heres: std::mem::take(&mut self.lexer.heres),
                    warnings: std::mem::take(&mut self.lexer.warnings),
                }))
            }
        }
    }
}

/// The descriptor an operator redirects when no number is written.
fn default_fd(op: Op) -> u32 {
    match op {
        Op::Less | Op::DLess | Op::DLessDash | Op::TLess => 0,
        _ => 1,
    }
}

/// A token as bash names it in "near unexpected token".
fn token_text(tok: &Tok) -> (String, usize) {
    match tok {
        Tok::Word { raw, word, .. } => (raw.clone(), word.at),
        Tok::IoNumber { fd, at } => (fd.to_string(), *at),
        Tok::Op { op, at } => (op.text().to_owned(), *at),
        Tok::Newline { at } | Tok::Eof { at } => ("newline".to_owned(), *at),
        Tok::Open { at, .. } => ("$(".to_owned(), *at),
    }
}

/// `NAME=VALUE` at the start of a command: the name and the value's word.
fn assignment(word: &Word) -> Result<Option<(String, Word)>, ParseError> {
    let Some(Part::Literal(first)) = word.parts.first() else { return Ok(None) };
    let Some(eq) = first.find('=') else { return Ok(None) };
    let name = &first[..eq];
    if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        return Ok(None);
    }
    if name.ends_with('+') || name.contains('[') {
        return Err(unsupported("`+=` and array assignments", word.at));
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Ok(None);
    }
    let mut parts = word.parts.clone();
    let rest = first[eq + 1..].to_owned();
    if rest.is_empty() {
        parts.remove(0);
    } else {
        parts[0] = Part::Literal(rest);
    }
    Ok(Some((name.to_owned(), Word { parts, at: word.at + eq + 1 })))
}

/// A list read on its own, renumbered to start at list `lists` and here-document `heres` of
/// the arena it joins.
fn shift_list(list: List, lists: ListId, heres: usize) -> List {
    let shift_pipeline = |p: Pipeline| Pipeline {
        bang: p.bang,
        commands: p
            .commands
            .into_iter()
            .map(|c| match c {
                Command::Simple(simple) => Command::Simple(Simple {
                    assignments: simple.assignments.into_iter().map(|(n, w)| (n, shift_word(w, lists))).collect(),
                    words: simple.words.into_iter().map(|w| shift_word(w, lists)).collect(),
                    redirects: simple
                        .redirects
                        .into_iter()
                        .map(|r| Redirect {
                            to: match r.to {
                                Target::Read(w) => Target::Read(shift_word(w, lists)),
                                Target::Write { file, append } => Target::Write { file: shift_word(file, lists), append },
                                Target::Both { file, append } => Target::Both { file: shift_word(file, lists), append },
                                Target::Here(slot) => Target::Here(slot + heres),
                                dup @ Target::Dup(_) => dup,
                            },
                            ..r
                        })
                        .collect(),
                }),
                Command::For { var, words, body } => {
                    Command::For { var, words: words.into_iter().map(|w| shift_word(w, lists)).collect(), body: body + lists }
                }
            })
            .collect(),
    };
    List {
        items: list
            .items
            .into_iter()
            .map(|a| AndOr { first: shift_pipeline(a.first), rest: a.rest.into_iter().map(|(c, p)| (c, shift_pipeline(p))).collect() })
            .collect(),
    }
}

/// A word read on its own, its substitutions renumbered to start at list `lists`.
fn shift_word(mut word: Word, lists: ListId) -> Word {
    for part in &mut word.parts {
        if let Part::Subst { list, .. } = part {
            *list += lists;
        }
    }
    word
}
