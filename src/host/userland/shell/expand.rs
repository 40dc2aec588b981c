//! Word expansion as bash does it when a command runs: brace ranges (`{1..3}`), variables
//! (`$NAME`, `${NAME}`, `$?`), command substitution (`$(…)`, its output with the trailing
//! newlines removed), then field splitting of the unquoted expansions on blanks and newlines.
//! Quoted text and quoted expansions are kept whole.
//!
//! Command substitutions run before the word can be expanded; the job runs them and hands
//! their output in ([`Values::substitution`]); a word whose substitution has not run yet is
//! reported as [`Pending`].

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::host::kernel::Fs;
use crate::proto::sh::{ListId, Part, Word, brace_range, glob_match};

/// The shell's variables and the status of the last command.
#[derive(Debug, Default)]
pub(crate) struct Vars {
    vars: BTreeMap<String, String>,
    /// `$?`.
    pub(crate) status: i32,
}

impl Vars {
    /// A login shell's variables on the host called `hostname`, as root (CentOS 7).
    pub(crate) fn login(hostname: &str) -> Vars {
        let mut vars = BTreeMap::new();
        for (name, value) in [
            ("HOME", "/root"),
            ("LOGNAME", "root"),
            ("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/root/bin"),
            ("PWD", "/root"),
            ("SHELL", "/bin/bash"),
            ("USER", "root"),
        ] {
            vars.insert(name.to_owned(), value.to_owned());
        }
        vars.insert("HOSTNAME".to_owned(), hostname.to_owned());
        Vars { vars, status: 0 }
    }

    pub(crate) fn get(&self, name: &str) -> &str {
        self.vars.get(name).map_or("", String::as_str)
    }

    /// Sets `name`, returning what it held.
    pub(crate) fn set(&mut self, name: &str, value: String) -> Option<String> {
        self.vars.insert(name.to_owned(), value)
    }
}

/// A command substitution of the word has not run yet: the list to run first.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Pending(pub(crate) ListId);

/// What a word's expansions take their values from.
pub(crate) struct Values<'a> {
    pub(crate) vars: &'a Vars,
    /// Outputs of the substitutions that have run, by list.
    pub(crate) substitutions: &'a BTreeMap<ListId, String>,
}

impl Values<'_> {
    fn substitution(&self, list: ListId) -> Result<&str, Pending> {
        self.substitutions.get(&list).map(String::as_str).ok_or(Pending(list))
    }

    fn part<'p>(&'p self, part: &'p Part) -> Result<Cow<'p, str>, Pending> {
        Ok(match part {
            Part::Literal(s) | Part::Quoted(s) => Cow::Borrowed(s),
            Part::Var { name, .. } => Cow::Borrowed(self.vars.get(name)),
            Part::Status => Cow::Owned(self.vars.status.to_string()),
            Part::Subst { list, .. } => Cow::Borrowed(self.substitution(*list)?.trim_end_matches('\n')),
        })
    }

    /// The fields `word` expands to (brace ranges, expansions, field splitting); `limit` bounds
    /// how many a brace range may make.
    pub(crate) fn fields(&self, word: &Word, limit: usize) -> Result<Result<Vec<String>, String>, Pending> {
        let mut fields = Vec::new();
        match braces(word, limit) {
            Ok(None) => self.split(&word.parts, &mut fields)?,
            Ok(Some(words)) => {
                for w in &words {
                    self.split(w, &mut fields)?;
                }
            }
            Err(e) => return Ok(Err(e)),
        }
        Ok(Ok(fields))
    }

    /// The word's text without field splitting (an assignment's value, a here-document, a
    /// redirection's file).
    pub(crate) fn text(&self, word: &Word) -> Result<String, Pending> {
        let mut out = String::new();
        for part in &word.parts {
            out.push_str(&self.part(part)?);
        }
        Ok(out)
    }

    fn split(&self, word: &[Part], fields: &mut Vec<String>) -> Result<(), Pending> {
        let mut current = String::new();
        // Whether a field has begun (quoted empty text begins one).
        let mut begun = false;
        for part in word {
            let splits = match part {
                Part::Var { quoted, .. } | Part::Subst { quoted, .. } => !quoted,
                _ => false,
            };
            let value = self.part(part)?;
            if !splits {
                // Text, `$?` and quoted expansions begin a field even when empty (`""`).
                current.push_str(&value);
                begun = true;
                continue;
            }
            let blank = |c: char| matches!(c, ' ' | '\t' | '\n');
            let mut pieces = value.split(blank).filter(|p| !p.is_empty()).peekable();
            if value.starts_with(blank) && begun {
                fields.push(std::mem::take(&mut current));
                begun = false;
            }
            while let Some(piece) = pieces.next() {
                current.push_str(piece);
                begun = true;
                if pieces.peek().is_some() {
                    fields.push(std::mem::take(&mut current));
                }
            }
            if value.ends_with(blank) && begun {
                fields.push(std::mem::take(&mut current));
                begun = false;
            }
        }
        if begun {
            fields.push(current);
        }
        Ok(())
    }
}

/// Whether `word` has a pattern character (`*`, `?`) outside quotes: its fields then go
/// through pathname expansion.
pub(crate) fn has_pattern(word: &Word) -> bool {
    word.parts.iter().any(|p| matches!(p, Part::Literal(s) if s.contains(['*', '?'])))
}

/// Pathname expansion of `field` (patterns in its last component): the matching names in
/// order, or the field itself when none matches (bash without `nullglob`). A `*` or `?` does
/// not match a leading `.`.
pub(crate) fn pathnames(fs: &Fs, field: &str) -> Vec<String> {
    let (dir, pattern) = match field.rsplit_once('/') {
        Some(("", name)) => (Some("/"), name),
        Some((dir, name)) => (Some(dir), name),
        None => (None, field),
    };
    if dir.is_some_and(|d| d.contains(['*', '?'])) || !pattern.contains(['*', '?']) {
        return vec![field.to_owned()];
    }
    let listed = fs.entries(dir.unwrap_or(".")).unwrap_or_default();
    let matches: Vec<String> = listed
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| (pattern.starts_with('.') || !name.starts_with('.')) && glob_match(pattern, name))
        .map(|name| match dir {
            Some("/") => format!("/{name}"),
            Some(d) => format!("{d}/{name}"),
            None => name.to_owned(),
        })
        .collect();
    if matches.is_empty() { vec![field.to_owned()] } else { matches }
}

/// Brace ranges in the unquoted text of `word`: one word per number (the first range only
/// expands; it is what a lab writes); `None` when it has none.
fn braces(word: &Word, limit: usize) -> Result<Option<Vec<Vec<Part>>>, String> {
    for (i, part) in word.parts.iter().enumerate() {
        let Part::Literal(text) = part else { continue };
        let mut search = 0;
        while let Some(open) = text[search..].find('{').map(|o| o + search) {
            let Some(close) = text[open..].find('}').map(|c| c + open) else { break };
            if let Some((a, b)) = brace_range(&text[open + 1..close]) {
                if a.abs_diff(b) >= limit as u64 {
                    return Err(format!("labsim: the brace expansion {{{a}..{b}}} would make more than {limit} words"));
                }
                let step = if a <= b { 1 } else { -1 };
                let mut out = Vec::new();
                let mut n = a;
                loop {
                    let mut parts = word.parts.clone();
                    parts[i] = Part::Literal(format!("{}{n}{}", &text[..open], &text[close + 1..]));
                    out.push(parts);
                    if n == b {
                        break;
                    }
                    n += step;
                }
                return Ok(Some(out));
            }
            search = open + 1;
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::sh::{Command, read};

    fn expand(line: &str, vars: &[(&str, &str)], subst: &[&str]) -> Vec<String> {
        let script = read(line).unwrap();
        let Command::Simple(simple) = &script.lists[0].items[0].first.commands[0] else { panic!() };
        let mut v = Vars::default();
        for (n, val) in vars {
            v.set(n, (*val).to_owned());
        }
        v.status = 3;
        let substitutions: BTreeMap<ListId, String> = subst.iter().enumerate().map(|(i, s)| (i + 1, (*s).to_owned())).collect();
        let values = Values { vars: &v, substitutions: &substitutions };
        simple.words.iter().flat_map(|w| values.fields(w, 1000).unwrap().unwrap()).collect()
    }

    #[test]
    fn fields_as_bash_splits_them() {
        assert_eq!(expand("echo $x", &[("x", " a  b ")], &[]), ["echo", "a", "b"]);
        assert_eq!(expand("echo \"$x\"", &[("x", " a  b ")], &[]), ["echo", " a  b "]);
        assert_eq!(expand("echo p$x", &[("x", "a b")], &[]), ["echo", "pa", "b"]);
        assert_eq!(expand("echo $x$y", &[("x", "a "), ("y", "b")], &[]), ["echo", "a", "b"]);
        assert_eq!(expand("echo $none", &[], &[]), ["echo"]);
        assert_eq!(expand("echo \"$none\" ''", &[], &[]), ["echo", "", ""]);
        assert_eq!(expand("echo $? ${x}y", &[("x", "v")], &[]), ["echo", "3", "vy"]);
        assert_eq!(expand("echo $(a) \"$(b)\"", &[], &["1\n2\n\n", "3 4\n"]), ["echo", "1", "2", "3 4"]);
        assert_eq!(expand("echo web-{1..3}", &[], &[]), ["echo", "web-1", "web-2", "web-3"]);
        assert_eq!(expand("echo {3..1}", &[], &[]), ["echo", "3", "2", "1"]);
        assert_eq!(expand("echo '{1..3}'", &[], &[]), ["echo", "{1..3}"]);
    }
}
