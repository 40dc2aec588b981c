//! The bits of bash a lab console needs beyond a single command: `;`-separated sequences and
//! `for VAR in WORDS; do …; done` loops, nested or not, with `{A..B}` brace expansion,
//! `$(seq [A] B)` and `$VAR`/`${VAR}` substitution. A script is parsed, then expanded up front
//! into the simple commands it runs, in order; the job that runs them starts each one when the
//! previous has finished.
//!
//! bash's parser is a bison LALR(1) parser whose stack holds at most `YYMAXDEPTH` (10 000)
//! states; deeper nesting is not refused by a rule of its own but by that stack running out,
//! which bash reports as a syntax error near the token being read. Measured with bash 5.2.15
//! (`bash -n`): 1 110 nested `for i in 1; do` pass and 1 111 fail near `do`; with a command
//! before each inner loop, 833 pass and 834 fail near `in`; with `echo a;` first on the line,
//! 1 111 fail near `;`; `for i in; do` fails at 1 250. [`Stack`] counts the states bash's
//! grammar pushes for the same input (each `for` level: `for`, its name, an empty newline list,
//! `in`, the word list, `;`, a newline list, `do` and a newline list; a command before an
//! inner one leaves three more) and fails where bash does. The parse and the expansion keep
//! stacks of their own rather than recursing with the nesting; the expansion substitutes each
//! word in one pass and counts loop turns and bytes as well as commands.

use std::collections::BTreeMap;

use super::split_words;

/// A parse failure, as bash reports it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct SyntaxError(pub(crate) String);

/// Splits a line into words and `;` separators (outside quotes). A `;` token is `None`.
fn tokens(line: &str) -> Result<Vec<Option<String>>, SyntaxError> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in line.chars() {
        match (quote, c) {
            _ if escaped => {
                escaped = false;
                current.push(c);
            }
            (_, '\\') if quote != Some('\'') => {
                escaped = true;
                current.push(c);
            }
            (None, '\'' | '"') => {
                quote = Some(c);
                current.push(c);
            }
            (Some(q), _) if c == q => {
                quote = None;
                current.push(c);
            }
            (None, ';') => {
                parts.push(std::mem::take(&mut current));
                parts.push(";".to_owned());
            }
            _ => current.push(c),
        }
    }
    if quote.is_some() {
        return Err(SyntaxError("bash: unexpected EOF while looking for matching quote".to_owned()));
    }
    parts.push(current);
    let mut out = Vec::new();
    for p in parts {
        if p == ";" {
            out.push(None);
        } else {
            let words = split_words(&p).ok_or_else(|| SyntaxError("bash: unexpected EOF while looking for matching quote".to_owned()))?;
            out.extend(words.into_iter().map(Some));
        }
    }
    Ok(out)
}

/// `YYMAXDEPTH`: the states bash's parser stack holds.
const YYMAXDEPTH: usize = 10_000;

/// The depth of bash's parser stack while it reads the same input.
struct Stack {
    depth: usize,
}

impl Stack {
    /// One state more, pushed while `token` is the last token read; the 10 000th is refused.
    fn push(&mut self, token: &str) -> Result<(), SyntaxError> {
        self.depth += 1;
        if self.depth >= YYMAXDEPTH {
            return Err(SyntaxError(format!("bash: syntax error near unexpected token `{token}'")));
        }
        Ok(())
    }
}

/// A parsed script: simple commands and loops.
#[derive(Debug, PartialEq, Eq)]
enum Node {
    Command(Vec<String>),
    For { var: String, list: Vec<String>, body: Vec<Node> },
}

/// A loop whose body is being read.
struct OpenLoop {
    var: String,
    list: Vec<String>,
    /// bash's stack depth where the loop started.
    level: usize,
}

/// A list being read: the script's, or an open loop's body.
struct OpenList {
    looping: Option<OpenLoop>,
    nodes: Vec<Node>,
    /// bash's stack depth where the list started.
    base: usize,
}

/// Reads the token list into nodes, with bash's stack alongside; open loops are kept on a
/// stack of their own, so any nesting is read without recursion.
struct Parser {
    toks: Vec<Option<String>>,
    pos: usize,
    stack: Stack,
}

impl Parser {
    fn unexpected(&self, at: usize) -> SyntaxError {
        let near = match self.toks.get(at) {
            Some(Some(w)) => w.as_str(),
            Some(None) => ";",
            None => "newline",
        };
        SyntaxError(format!("bash: syntax error near unexpected token `{near}'"))
    }

    fn word(&self, at: usize) -> Option<&str> {
        self.toks.get(at).and_then(|t| t.as_deref())
    }

    /// Commands and loops separated by `;`; a loop's body ends at a `done` where a command
    /// starts.
    fn script(&mut self) -> Result<Vec<Node>, SyntaxError> {
        let mut lists = vec![OpenList { looping: None, nodes: Vec::new(), base: self.stack.depth }];
        loop {
            while self.toks.get(self.pos) == Some(&None) {
                self.pos += 1;
            }
            let node = match self.word(self.pos) {
                None => break,
                Some("done") if lists.len() > 1 => {
                    let Some(OpenList { looping: Some(open), nodes: body, .. }) = lists.pop() else { break };
                    if body.is_empty() {
                        return Err(self.unexpected(self.pos));
                    }
                    self.pos += 1;
                    self.stack.depth = open.level + 1;
                    Node::For { var: open.var, list: open.list, body }
                }
                Some("done") => return Err(self.unexpected(self.pos)),
                Some("for") => {
                    let open = self.for_head()?;
                    lists.push(OpenList { looping: Some(open), nodes: Vec::new(), base: self.stack.depth });
                    continue;
                }
                Some(_) => self.command()?,
            };
            let Some(list) = lists.last_mut() else { break };
            list.nodes.push(node);
            // `list1 ';' newline_list list1` reduces to one `list1`.
            self.stack.depth = list.base + 1;
            if self.toks.get(self.pos) == Some(&None) {
                self.stack.push(";")?;
                if list.looping.is_some() {
                    self.stack.push(";")?; // the newline list after it
                }
            }
        }
        match lists.pop() {
            Some(list) if lists.is_empty() => Ok(list.nodes),
            _ => Err(SyntaxError("bash: syntax error: unexpected end of file".to_owned())),
        }
    }

    /// A simple command: its words up to `;` or the end.
    fn command(&mut self) -> Result<Node, SyntaxError> {
        let mut words = Vec::new();
        while let Some(Some(w)) = self.toks.get(self.pos) {
            // The first word stays on the stack; each further one is reduced into it.
            self.stack.push(w)?;
            if !words.is_empty() {
                self.stack.depth -= 1;
            }
            words.push(w.clone());
            self.pos += 1;
        }
        Ok(Node::Command(words))
    }

    /// `for VAR in WORDS; do`, at `for`.
    fn for_head(&mut self) -> Result<OpenLoop, SyntaxError> {
        let level = self.stack.depth;
        let start = self.pos;
        self.stack.push("for")?;
        let Some(var) = self.word(start + 1).map(str::to_owned) else { return Err(self.unexpected(start + 1)) };
        self.stack.push(&var)?;
        let lookahead = match self.toks.get(start + 2) {
            Some(Some(w)) => w.clone(),
            Some(None) => ";".to_owned(),
            None => "newline".to_owned(),
        };
        self.stack.push(&lookahead)?;
        if self.word(start + 2) != Some("in") {
            return Err(self.unexpected(start + 2));
        }
        self.stack.push("in")?;
        self.pos = start + 3;
        let mut list = Vec::new();
        while let Some(Some(w)) = self.toks.get(self.pos) {
            self.stack.push(w)?;
            if !list.is_empty() {
                self.stack.depth -= 1;
            }
            list.push(w.clone());
            self.pos += 1;
        }
        if self.toks.get(self.pos) == Some(&None) {
            self.stack.push(";")?;
            self.stack.push(";")?;
            self.pos += 1;
        }
        if self.word(self.pos) != Some("do") {
            return Err(self.unexpected(self.pos));
        }
        self.stack.push("do")?;
        self.stack.push("do")?;
        self.pos += 1;
        Ok(OpenLoop { var, list, level })
    }
}

/// How far one line may expand (a loop is expanded up front).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    /// Most simple commands; a loop's turns count too, so that loops running nothing cannot spin.
    pub(crate) commands: usize,
    /// Most bytes the expanded commands take in memory: each word's text and the `String` that
    /// holds it, and each command's `Vec` (counting the text alone let a line of empty words,
    /// `echo '' '' …` in a long loop, take gigabytes).
    pub(crate) bytes: usize,
}

impl Limits {
    /// A line typed at a console: 100 000 commands and loop turns, 64 MiB.
    pub(crate) const TYPED: Limits = Limits { commands: 100_000, bytes: 64 << 20 };
}

/// What an expanded command takes in memory, as [`Limits::bytes`] counts it.
fn command_bytes(words: &[String]) -> usize {
    size_of::<Vec<String>>() + words.iter().map(|w| size_of::<String>() + w.len()).sum::<usize>()
}

/// `64 MiB`, `64 KiB` or `100 bytes`.
fn size_text(bytes: usize) -> String {
    match bytes {
        b if b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b if b % (1 << 10) == 0 => format!("{} KiB", b >> 10),
        b => format!("{b} bytes"),
    }
}

/// The expansion under way: the loop variables in scope and what has been produced.
struct Expansion {
    limits: Limits,
    vars: BTreeMap<String, String>,
    commands: Vec<Vec<String>>,
    work: usize,
    bytes: usize,
}

impl Expansion {
    fn too_long(limits: Limits) -> SyntaxError {
        SyntaxError(format!("labsim: the loop would run more than {} commands", limits.commands))
    }

    fn count(&mut self, work: usize, bytes: usize) -> Result<(), SyntaxError> {
        self.work = self.work.saturating_add(work);
        self.bytes = self.bytes.saturating_add(bytes);
        if self.work > self.limits.commands {
            return Err(Self::too_long(self.limits));
        }
        if self.bytes > self.limits.bytes {
            return Err(SyntaxError(format!("labsim: the loop would expand to more than {} of commands", size_text(self.limits.bytes))));
        }
        Ok(())
    }

    /// `$VAR` and `${VAR}` of the loop variables in scope replaced, in one pass; anything
    /// else is kept as written.
    fn substitute(&self, word: &str) -> String {
        if self.vars.is_empty() || !word.contains('$') {
            return word.to_owned();
        }
        let mut out = String::with_capacity(word.len());
        let mut rest = word;
        while let Some(i) = rest.find('$') {
            out.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            let (name, len) = match after.strip_prefix('{') {
                Some(braced) => match braced.find('}') {
                    Some(end) => (&braced[..end], end + 2),
                    None => ("", 0),
                },
                None => {
                    let end = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(after.len());
                    (&after[..end], end)
                }
            };
            match self.vars.get(name).filter(|_| len > 0) {
                Some(value) => {
                    out.push_str(value);
                    rest = &after[len..];
                }
                None => {
                    out.push('$');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }

    /// Runs through `nodes`, loops turn by turn, on a stack of its own.
    fn nodes(&mut self, nodes: &[Node]) -> Result<(), SyntaxError> {
        struct Turns<'a> {
            var: &'a str,
            values: std::vec::IntoIter<String>,
            shadowed: Option<String>,
        }
        struct Level<'a> {
            body: &'a [Node],
            next: usize,
            turns: Option<Turns<'a>>,
        }
        let mut levels = vec![Level { body: nodes, next: 0, turns: None }];
        while let Some(top) = levels.last_mut() {
            let Some(node) = top.body.get(top.next) else {
                // The body is done: its next turn, or the loop is over.
                match top.turns.as_mut() {
                    Some(t) => match t.values.next() {
                        Some(value) => {
                            self.count(1, 0)?;
                            self.vars.insert(t.var.to_owned(), value);
                            top.next = 0;
                        }
                        None => {
                            match t.shadowed.take() {
                                Some(v) => self.vars.insert(t.var.to_owned(), v),
                                None => self.vars.remove(t.var),
                            };
                            levels.pop();
                        }
                    },
                    None => {
                        levels.pop();
                    }
                }
                continue;
            };
            top.next += 1;
            match node {
                Node::Command(words) => {
                    let cmd: Vec<String> = words.iter().map(|w| self.substitute(w)).collect();
                    self.count(1, command_bytes(&cmd))?;
                    self.commands.push(cmd);
                }
                Node::For { var, list, body } => {
                    let words: Vec<String> = list.iter().map(|w| self.substitute(w)).collect();
                    let values = expand_list(&words, self.limits)?.into_iter();
                    let shadowed = self.vars.get(var).cloned();
                    // Starts as a finished body, so that the first turn begins at once.
                    levels.push(Level { body, next: body.len(), turns: Some(Turns { var, values, shadowed }) });
                }
            }
        }
        Ok(())
    }
}

/// `{1..12}` → 1 … 12; `$(seq 3)`, `$(seq 2 5)` → the numbers; other words as they are.
/// A range longer than [`Limits::commands`] is refused before it is built.
fn expand_list(words: &[String], limits: Limits) -> Result<Vec<String>, SyntaxError> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        if let Some(range) = w.strip_prefix('{').and_then(|r| r.strip_suffix('}'))
            && let Some((a, b)) = range.split_once("..")
            && let (Ok(a), Ok(b)) = (a.parse::<i64>(), b.parse::<i64>())
        {
            if a.abs_diff(b) >= u64::try_from(limits.commands).unwrap_or(u64::MAX) {
                return Err(Expansion::too_long(limits));
            }
            let step = if a <= b { 1 } else { -1 };
            let mut n = a;
            loop {
                out.push(n.to_string());
                if n == b {
                    break;
                }
                n += step;
            }
        } else if w == "$(seq" || w.starts_with("$(seq") {
            // `$(seq A B)` arrives split into words: `$(seq`, `A`, `B)`.
            let mut args = Vec::new();
            let mut j = i + 1;
            while j < words.len() {
                let arg = words[j].trim_end_matches(')');
                args.push(arg.to_owned());
                if words[j].ends_with(')') {
                    break;
                }
                j += 1;
            }
            let nums: Vec<i64> = args.iter().filter_map(|a| a.parse().ok()).collect();
            let (a, b) = match nums.as_slice() {
                [b] => (1, *b),
                [a, b, ..] => (*a, *b),
                [] => (1, 0),
            };
            if b.saturating_sub(a) >= i64::try_from(limits.commands).unwrap_or(i64::MAX) {
                return Err(Expansion::too_long(limits));
            }
            out.extend((a..=b).map(|n| n.to_string()));
            i = j;
        } else {
            out.push(w.clone());
        }
        i += 1;
    }
    Ok(out)
}

/// The simple commands a line runs, in order (each a list of words).
pub(crate) fn expand(line: &str) -> Result<Vec<Vec<String>>, SyntaxError> {
    expand_within(line, Limits::TYPED)
}

/// [`expand`] within other limits (the fuzz target's, smaller, reach the same refusals sooner).
pub(crate) fn expand_within(line: &str, limits: Limits) -> Result<Vec<Vec<String>>, SyntaxError> {
    let mut parser = Parser { toks: tokens(line)?, pos: 0, stack: Stack { depth: 1 } };
    let nodes = parser.script()?;
    let mut expansion = Expansion { limits, vars: BTreeMap::new(), commands: Vec::new(), work: 0, bytes: 0 };
    expansion.nodes(&nodes)?;
    Ok(expansion.commands)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(cmds: &[&str]) -> Vec<Vec<String>> {
        cmds.iter().map(|c| c.split(' ').map(str::to_owned).collect()).collect()
    }

    #[test]
    fn loops_sequences_and_expansions() {
        assert_eq!(expand("ip addr; ip neigh").unwrap(), words(&["ip addr", "ip neigh"]));
        assert_eq!(
            expand("for i in {1..3}; do curl -s http://10.0.0.1/$i; sleep 1; done").unwrap(),
            words(&[
                "curl -s http://10.0.0.1/1",
                "sleep 1",
                "curl -s http://10.0.0.1/2",
                "sleep 1",
                "curl -s http://10.0.0.1/3",
                "sleep 1"
            ])
        );
        assert_eq!(expand("for n in $(seq 2 3); do echo ${n}x; done").unwrap(), words(&["echo 2x", "echo 3x"]));
        assert_eq!(expand("for n in 1; do echo done $n; done; hostname").unwrap(), words(&["echo done 1", "hostname"]));
        assert_eq!(
            expand("for n in a 'b c'; do echo $n; done").unwrap(),
            vec![vec!["echo".to_owned(), "a".to_owned()], vec!["echo".to_owned(), "b c".to_owned()]]
        );
        assert_eq!(expand("echo 'a;b'").unwrap(), vec![vec!["echo".to_owned(), "a;b".to_owned()]]);
        // Other variables are left as written.
        assert_eq!(expand("for i in 1; do echo $HOME $ii ${i} $; done").unwrap(), words(&["echo $HOME $ii 1 $"]));
    }

    #[test]
    fn nested_loops() {
        assert_eq!(
            expand("for h in web-1 web-2; do for i in $(seq 1 2); do echo $h $i; done; echo next $h; done").unwrap(),
            words(&["echo web-1 1", "echo web-1 2", "echo next web-1", "echo web-2 1", "echo web-2 2", "echo next web-2"])
        );
        // The inner list sees the outer variable; an inner variable of the same name shadows it.
        assert_eq!(
            expand("for n in 2 3; do for i in $(seq 1 $n); do echo $i; done; done").unwrap(),
            words(&["echo 1", "echo 2", "echo 1", "echo 2", "echo 3"])
        );
        assert_eq!(expand("for i in a; do for i in b; do echo $i; done; echo $i; done").unwrap(), words(&["echo b", "echo a"]));
    }

    #[test]
    fn syntax_errors_read_like_bash() {
        assert_eq!(expand("for i in 1 2; curl x; done").unwrap_err().0, "bash: syntax error near unexpected token `curl'");
        assert_eq!(expand("for i in 1 2; do curl x").unwrap_err().0, "bash: syntax error: unexpected end of file");
        assert_eq!(expand("for i in 1; do done").unwrap_err().0, "bash: syntax error near unexpected token `done'");
        assert_eq!(expand("echo x; done").unwrap_err().0, "bash: syntax error near unexpected token `done'");
        assert_eq!(expand("echo 'x").unwrap_err().0, "bash: unexpected EOF while looking for matching quote");
        assert!(expand("for i in {1..1000000000}; do curl x; done").unwrap_err().0.contains("more than 100000"));
        assert!(expand("for i in $(seq 1 1000000000); do curl x; done").is_err());
        // Loops that run nothing still count their turns.
        assert!(
            expand("for a in {1..99999}; do for b in {1..99999}; do for c in; do x; done; done; done")
                .unwrap_err()
                .0
                .contains("more than 100000")
        );
        let long = "x".repeat(1 << 20);
        assert_eq!(expand(&format!("echo '{long}' \"{long}\"")).unwrap(), vec![vec!["echo".to_owned(), long.clone(), long.clone()]]);
        assert!(expand(&format!("for i in {{1..99}}; do echo {long}; done")).unwrap_err().0.contains("64 MiB"));
    }

    /// Found looking into the `shell_expand` fuzz target's throughput: empty words counted
    /// nothing, so 1 000 `''` in a loop (a 3 KB line) expanded to 50 000 commands of 1 001 words,
    /// 50 million `String`s and 1.2 GB (1.4 GB and 9.7 s in the fuzz build), before the limit of
    /// 100 000 commands and turns stopped it. Their memory counts now.
    #[test]
    fn many_empty_words_count_their_memory() {
        let empty = "'' ".repeat(1_000);
        let error = expand(&format!("for i in {{1..99999}}; do echo {empty}; done")).unwrap_err().0;
        assert_eq!(error, "labsim: the loop would expand to more than 64 MiB of commands");
        // Each turn counts, and each command: 10 turns of one command are 20.
        let small = Limits { commands: 20, bytes: 1 << 10 };
        assert_eq!(expand_within("for i in {1..10}; do echo; done", small).map(|c| c.len()), Ok(10));
        assert_eq!(
            expand_within("for i in {1..11}; do echo; done", small).unwrap_err().0,
            "labsim: the loop would run more than 20 commands"
        );
        assert_eq!(
            expand_within(&format!("echo {}", "'' ".repeat(42)), small).unwrap_err().0,
            "labsim: the loop would expand to more than 1 KiB of commands"
        );
    }

    /// `n` nested `PREFIX` loops around `true`, as the lines measured with bash 5.2.
    fn nest(first: &str, prefix: &str, n: usize) -> Result<Vec<Vec<String>>, SyntaxError> {
        expand(&format!("{first}{}true{}", prefix.repeat(n), "; done".repeat(n)))
    }

    #[test]
    fn nesting_runs_out_of_bash_parser_stack_where_bash_does() {
        let near = |t: &str| Err(SyntaxError(format!("bash: syntax error near unexpected token `{t}'")));
        assert_eq!(nest("", "for i in 1; do ", 1_110).map(|c| c.len()), Ok(1));
        assert_eq!(nest("", "for i in 1; do ", 1_111), near("do"));
        assert_eq!(nest("", "for i in 1 2 3; do ", 1_111), near("do"));
        assert_eq!(nest("", "for i in 1; do echo a; ", 833).map(|c| c.len()), Ok(834));
        assert_eq!(nest("", "for i in 1; do echo a; ", 834), near("in"));
        assert_eq!(nest("", "for i in 1; do echo a; echo b; ", 834), near("in"));
        assert_eq!(nest("", "for i in 1 2 3 4 5; do echo a b c; ", 834), near("in"));
        assert_eq!(nest("echo a; ", "for i in 1; do ", 1_110).map(|c| c.len()), Ok(2));
        assert_eq!(nest("echo a b; ", "for i in 1; do ", 1_111), near(";"));
        assert_eq!(nest("", "for i in; do ", 1_249), Ok(vec![]));
        assert_eq!(nest("", "for i in; do ", 1_250), near("do"));
        assert_eq!(nest("", "for i in 1; do ", 100_000), near("do"));
    }
}
