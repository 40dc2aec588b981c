//! The bits of bash a lab console needs beyond a single command: `;`-separated sequences and
//! `for VAR in WORDS; do …; done` loops, with `{A..B}` brace expansion, `$(seq [A] B)` and
//! `$VAR`/`${VAR}` substitution. A script is expanded up front into the simple commands it runs,
//! in order; the job that runs them starts each one when the previous has finished.

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

/// `{1..12}` → 1 … 12; `$(seq 3)`, `$(seq 2 5)` → the numbers; other words as they are.
/// A range longer than [`MAX_COMMANDS`] is refused before it is built.
fn expand_list(words: &[String]) -> Result<Vec<String>, SyntaxError> {
    let too_long = || SyntaxError(format!("labsim: the loop would run more than {MAX_COMMANDS} commands"));
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        if let Some(range) = w.strip_prefix('{').and_then(|r| r.strip_suffix('}'))
            && let Some((a, b)) = range.split_once("..")
            && let (Ok(a), Ok(b)) = (a.parse::<i64>(), b.parse::<i64>())
        {
            if a.abs_diff(b) >= MAX_COMMANDS as u64 {
                return Err(too_long());
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
            if b.saturating_sub(a) >= MAX_COMMANDS as i64 {
                return Err(too_long());
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

fn substitute(word: &str, var: &str, value: &str) -> String {
    word.replace(&format!("${{{var}}}"), value).replace(&format!("${var}"), value)
}

/// Most simple commands one typed line may expand to (a loop is expanded up front).
const MAX_COMMANDS: usize = 100_000;

/// The simple commands a line runs, in order (each a list of words).
pub(crate) fn expand(line: &str) -> Result<Vec<Vec<String>>, SyntaxError> {
    let toks = tokens(line)?;
    let mut commands = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        match toks[i].as_deref() {
            None => i += 1,
            Some("for") => {
                let unexpected = |t: Option<&Option<String>>| {
                    let near = match t {
                        Some(Some(w)) => w.clone(),
                        Some(None) => ";".to_owned(),
                        None => "newline".to_owned(),
                    };
                    SyntaxError(format!("bash: syntax error near unexpected token `{near}'"))
                };
                let Some(Some(var)) = toks.get(i + 1) else { return Err(unexpected(toks.get(i + 1))) };
                if toks.get(i + 2) != Some(&Some("in".to_owned())) {
                    return Err(unexpected(toks.get(i + 2)));
                }
                let mut j = i + 3;
                let mut list = Vec::new();
                while let Some(Some(w)) = toks.get(j) {
                    list.push(w.clone());
                    j += 1;
                }
                j += 1; // the `;`
                if toks.get(j) != Some(&Some("do".to_owned())) {
                    return Err(unexpected(toks.get(j)));
                }
                let body_start = j + 1;
                // `done` is a reserved word only where a command starts.
                let at_command_start = |k: usize| k == body_start || toks[k - 1].is_none();
                let Some(done) = (body_start..toks.len()).find(|&k| toks[k].as_deref() == Some("done") && at_command_start(k)) else {
                    return Err(SyntaxError("bash: syntax error: unexpected end of file".to_owned()));
                };
                let body: Vec<Vec<String>> = toks[body_start..done]
                    .split(Option::is_none)
                    .filter(|c| !c.is_empty())
                    .map(|c| c.iter().flatten().cloned().collect())
                    .collect();
                if body.is_empty() {
                    return Err(SyntaxError("bash: syntax error near unexpected token `done'".to_owned()));
                }
                let values = expand_list(&list)?;
                if values.len().saturating_mul(body.len()) + commands.len() > MAX_COMMANDS {
                    return Err(SyntaxError(format!("labsim: the loop would run more than {MAX_COMMANDS} commands")));
                }
                for value in values {
                    for cmd in &body {
                        commands.push(cmd.iter().map(|w| substitute(w, var, &value)).collect());
                    }
                }
                i = done + 1;
            }
            Some(_) => {
                let mut cmd = Vec::new();
                while let Some(Some(w)) = toks.get(i) {
                    cmd.push(w.clone());
                    i += 1;
                }
                commands.push(cmd);
            }
        }
    }
    Ok(commands)
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
    }

    #[test]
    fn syntax_errors_read_like_bash() {
        assert_eq!(expand("for i in 1 2; curl x; done").unwrap_err().0, "bash: syntax error near unexpected token `curl'");
        assert_eq!(expand("for i in 1 2; do curl x").unwrap_err().0, "bash: syntax error: unexpected end of file");
        assert_eq!(expand("echo 'x").unwrap_err().0, "bash: unexpected EOF while looking for matching quote");
        assert!(expand("for i in {1..1000000000}; do curl x; done").unwrap_err().0.contains("more than 100000"));
        assert!(expand("for i in $(seq 1 1000000000); do curl x; done").is_err());
    }
}
