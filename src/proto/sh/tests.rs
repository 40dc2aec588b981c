use super::parse::MAX_COMSUB_DEPTH;
use super::*;

fn ok(line: &str) -> Script {
    read(line).unwrap_or_else(|e| panic!("{line:?}: {e:?}"))
}

fn syntax(line: &str) -> String {
    match read(line) {
        Err(ParseError::Syntax { message, .. }) => message,
        other => panic!("{line:?}: {other:?}"),
    }
}

fn unsupported(line: &str) -> (String, usize) {
    match read(line) {
        Err(ParseError::Unsupported { what, at }) => (what, at),
        other => panic!("{line:?}: {other:?}"),
    }
}

/// The words of the simple commands of list 0, as literal text (`$` parts shown as `<…>`).
fn words(script: &Script) -> Vec<Vec<Vec<String>>> {
    let show = |w: &Word| {
        w.parts
            .iter()
            .map(|p| match p {
                Part::Literal(s) | Part::Quoted(s) => s.clone(),
                Part::Var { name, .. } => format!("<{name}>"),
                Part::Status => "<?>".to_owned(),
                Part::Subst { list, .. } => format!("<$({list})>"),
            })
            .collect::<String>()
    };
    script.lists[0]
        .items
        .iter()
        .map(|a| {
            std::iter::once(&a.first)
                .chain(a.rest.iter().map(|(_, p)| p))
                .flat_map(|p| p.commands.iter())
                .map(|c| match c {
                    Command::Simple(s) => s.words.iter().map(show).collect(),
                    Command::For { var, .. } => vec![format!("for {var}")],
                })
                .collect()
        })
        .collect()
}

#[test]
fn words_quotes_and_expansions() {
    let s = ok(r#"echo 'a b' "c \"d\" $x" e\ f ~ ~/g $? ${y}z '' """#);
    assert_eq!(words(&s), [[["echo", "a b", "c \"d\" <x>", "e f", "/root", "/root/g", "<?>", "<y>z", "", ""]]]);
    let s = ok("echo $(hostname) \"$(echo a b)\"");
    assert_eq!(words(&s), [[["echo", "<$(1)>", "<$(2)>"]]]);
    assert_eq!(s.lists.len(), 3);
    // Comments and line continuations.
    assert_eq!(words(&ok("echo a # b c\n")), [[["echo", "a"]]]);
    assert_eq!(words(&ok("echo a\\\nb")), [[["echo", "ab"]]]);
    assert_eq!(words(&ok("echo a$ $/ '$x'")), [[["echo", "a$", "$/", "$x"]]]);
}

#[test]
fn pipelines_and_lists() {
    let s = ok("cat f | grep -i x | wc -l && echo yes || echo no; ! true\nhostname");
    let items = &s.lists[0].items;
    assert_eq!(items.len(), 3);
    assert_eq!(items[0].first.commands.len(), 3);
    assert_eq!(items[0].rest.iter().map(|(c, _)| *c).collect::<Vec<_>>(), [Connector::And, Connector::Or]);
    assert!(items[1].first.bang);
    assert_eq!(words(&ok("a |\n b &&\n\n c")), [[["a"], ["b"], ["c"]]]);
}

#[test]
fn redirections_and_here_documents() {
    let s = ok("cat > /etc/k.conf <<EOF\nvrrp $x\n\tlast\nEOF\nsystemctl reload keepalived");
    let Command::Simple(cat) = &s.lists[0].items[0].first.commands[0] else { panic!() };
    assert_eq!(cat.redirects.len(), 2);
    assert!(matches!(&cat.redirects[0].to, Target::Write { append: false, .. }));
    let Target::Here(n) = cat.redirects[1].to else { panic!() };
    assert_eq!(
        s.heres[n].parts,
        [Part::Quoted("vrrp ".into()), Part::Var { name: "x".into(), quoted: true }, Part::Quoted("\n\tlast\n".into())]
    );
    assert_eq!(s.lists[0].items.len(), 2);
    // Quoted delimiter: no expansion; `<<-` strips leading tabs.
    let s = ok("cat <<'E' >>f\n$x\nE");
    assert_eq!(s.heres[0].parts, [Part::Quoted("$x\n".into())]);
    let s = ok("cat <<-E\n\t\ta\n\tE\n");
    assert_eq!(s.heres[0].parts, [Part::Quoted("a\n".into())]);
    let s = ok("grep x <<< \"$v\" 2>&1 >/dev/null 2>>e &>all");
    let Command::Simple(g) = &s.lists[0].items[0].first.commands[0] else { panic!() };
    assert_eq!(g.redirects.iter().map(|r| r.fd).collect::<Vec<_>>(), [0, 2, 1, 2, 1]);
    assert_eq!(g.redirects[1].to, Target::Dup(1));
    // bash warns about a here-document the line ends in.
    assert_eq!(ok("cat <<EOF\nx").warnings, ["bash: warning: here-document at line 1 delimited by end-of-file (wanted `EOF')"]);
}

#[test]
fn loops_and_assignments() {
    let s = ok("for h in web-1 $(echo web-2); do for i in {1..2}; do curl http://$h/$i | head -1; done; done");
    let Command::For { var, words: list, body } = &s.lists[0].items[0].first.commands[0] else { panic!() };
    assert_eq!((var.as_str(), list.len()), ("h", 2));
    assert!(matches!(s.lists[*body].items[0].first.commands[0], Command::For { .. }));
    let s = ok("VIP=172.2.20.100; ping -c 1 $VIP");
    let Command::Simple(a) = &s.lists[0].items[0].first.commands[0] else { panic!() };
    assert_eq!(a.assignments[0].0, "VIP");
    assert!(a.words.is_empty());
    // A loop in a pipeline and after `&&`.
    ok("for i in 1 2; do echo $i; done | sort -r && echo ok");
}

#[test]
fn syntax_errors_read_like_bash() {
    assert_eq!(syntax("for i in 1 2; curl x; done"), "bash: syntax error near unexpected token `curl'");
    assert_eq!(syntax("for i in 1 2; do curl x"), "bash: syntax error: unexpected end of file");
    assert_eq!(syntax("for i in 1; do done"), "bash: syntax error near unexpected token `done'");
    assert_eq!(syntax("echo x; done"), "bash: syntax error near unexpected token `done'");
    assert_eq!(syntax("echo 'x"), "bash: unexpected EOF while looking for matching `''");
    assert_eq!(syntax("echo \"x"), "bash: unexpected EOF while looking for matching `\"'");
    assert_eq!(syntax("echo $(echo x"), "bash: unexpected EOF while looking for matching `)'");
    assert_eq!(syntax("a |"), "bash: syntax error: unexpected end of file");
    assert_eq!(syntax("a &&"), "bash: syntax error: unexpected end of file");
    assert_eq!(syntax("| a"), "bash: syntax error near unexpected token `|'");
    assert_eq!(syntax("a && && b"), "bash: syntax error near unexpected token `&&'");
    assert_eq!(syntax("a ;; b"), "bash: syntax error near unexpected token `;;'");
    assert_eq!(syntax("echo x >"), "bash: syntax error near unexpected token `newline'");
    assert_eq!(syntax("cat <<"), "bash: syntax error near unexpected token `newline'");
    assert_eq!(syntax("echo )"), "bash: syntax error near unexpected token `)'");
    assert_eq!(syntax("a | ! b"), "bash: syntax error near unexpected token `!'");
    assert_eq!(syntax("; a"), "bash: syntax error near unexpected token `;'");
    // What bash accepts.
    ok("echo $(echo x; )");
    ok("echo $( )");
    ok("! ! true");
}

#[test]
fn what_labsim_does_not_model_is_refused_where_it_is() {
    assert_eq!(unsupported("ping x &"), ("background jobs (`&`)".to_owned(), 7));
    assert_eq!(unsupported("echo a; (cd /; ls)").1, 8);
    assert!(unsupported("if true; then echo; fi").0.contains("`if`"));
    assert!(unsupported("while true; do echo; done").0.contains("`while`"));
    assert!(unsupported("f() { echo; }").0.contains("functions"));
    assert!(unsupported("echo $((1+2))").0.contains("arithmetic"));
    assert_eq!(unsupported("echo ${x:-y}"), ("parameter expansion `${x:-y}`".to_owned(), 5));
    assert!(unsupported("diff <(a) b").0.contains("<"));
    assert!(unsupported("echo `date`").0.contains("backquotes"));
    assert!(unsupported("cat /etc/*/proxy.conf").0.contains("pathname expansion in a directory component"));
    assert!(unsupported("ls [ab]*").0.contains("brackets"));
    ok("cat /etc/nginx/conf.d/*.conf; rm -f *; ls ?.repo");
    assert!(unsupported("echo {a,b}").0.contains("brace expansion"));
    assert!(unsupported("echo $1").0.contains("$1"));
    assert!(unsupported("X=1 curl x").0.contains("before a command"));
    assert!(unsupported("cat <<EOF\n`date`\nEOF").0.contains("backquotes"));
    // Inside a here-document's `$(…)`, at the position in the whole line.
    assert_eq!(unsupported("cat <<EOF\n$(a & b)\nEOF"), ("background jobs (`&`)".to_owned(), 14));
    assert!(unsupported("echo x 3>f").0.contains("descriptor 3"));
    assert!(unsupported("[[ -f x ]]").0.contains("[["));
    // Quoted, they are words.
    ok("grep -E 'a|b' f; echo '*' \"{a,b}\" '$((1))' \\&");
}

/// `n` nested `PREFIX` loops around `true`, as the lines measured with bash 5.2.
fn nest(first: &str, prefix: &str, n: usize) -> Result<Script, ParseError> {
    read(&format!("{first}{}true{}", prefix.repeat(n), "; done".repeat(n)))
}

#[test]
fn nesting_runs_out_of_bash_parser_stack_where_bash_does() {
    let near = |r: Result<Script, ParseError>| match r {
        Err(ParseError::Syntax { message, .. }) => message,
        Ok(_) => "ok".to_owned(),
        Err(e) => format!("{e:?}"),
    };
    let tok = |t: &str| format!("bash: syntax error near unexpected token `{t}'");
    assert_eq!(near(nest("", "for i in 1; do ", 1_110)), "ok");
    assert_eq!(near(nest("", "for i in 1; do ", 1_111)), tok("do"));
    assert_eq!(near(nest("", "for i in 1 2 3; do ", 1_111)), tok("do"));
    for command in
        ["echo a; ", "echo a && ", "echo a || ", "echo a | ", "echo a | grep b && ", "echo a > f; ", "echo $(echo a) ; ", "cat <<E\nx\nE\n"]
    {
        let prefix = format!("for i in 1; do {command}");
        assert_eq!(near(nest("", &prefix, 833)), "ok", "{command}");
        assert_eq!(near(nest("", &prefix, 834)), tok("in"), "{command}");
    }
    assert_eq!(near(nest("echo a; ", "for i in 1; do ", 1_110)), "ok");
    assert_eq!(near(nest("echo a b; ", "for i in 1; do ", 1_111)), tok(";"));
    assert_eq!(near(nest("", "for i in; do ", 1_249)), "ok");
    assert_eq!(near(nest("", "for i in; do ", 1_250)), tok("do"));
    assert_eq!(near(nest("", "for i in 1; do ", 100_000)), tok("do"));
    // A pipeline grows bash's stack; `&&` and `;` lists do not.
    assert_eq!(near(read(&format!("{}true", "echo a | ".repeat(3_332)))), "ok");
    assert_eq!(near(read(&format!("{}true", "echo a | ".repeat(3_333)))), tok("|"));
    assert_eq!(near(read(&format!("{}true", "echo a && ".repeat(20_000)))), "ok");
    assert_eq!(near(read(&format!("{}true", "echo a; ".repeat(20_000)))), "ok");
    assert_eq!(near(read(&format!("{}true", "echo a\n".repeat(20_000)))), "ok");
}

#[test]
fn deep_command_substitutions_are_read_without_recursion() {
    let nested = |n: usize| format!("echo {}x{}", "$(echo ".repeat(n), ")".repeat(n));
    let s = ok(&nested(MAX_COMSUB_DEPTH));
    assert_eq!(s.lists.len(), MAX_COMSUB_DEPTH + 1);
    assert!(unsupported(&nested(MAX_COMSUB_DEPTH + 1)).0.contains("nested more than 1967"));
    assert!(unsupported(&nested(200_000)).0.contains("nested"));
    // A long here-document and a long pipeline in linear time.
    let body = "line of a here-document\n".repeat(200_000);
    assert_eq!(ok(&format!("cat <<E\n{body}E")).heres[0].parts, [Part::Quoted(body)]);
}

#[test]
fn command_substitution_in_a_here_document() {
    let s = ok("x=1; cat > f <<EOF\nhost $(hostname) $(echo \"a)b\" | wc -c)\n$(cat <<E\n$(echo in)\nE\n)\nEOF\necho $(pwd)");
    // The line's own lists first (0 and `$(pwd)`), then the here-document's, renumbered.
    let [
        Part::Quoted(host),
        Part::Subst { list: a, quoted: true },
        Part::Quoted(space),
        Part::Subst { list: b, .. },
        Part::Quoted(nl),
        Part::Subst { list: c, .. },
        Part::Quoted(end),
    ] = s.heres[0].parts.as_slice()
    else {
        panic!("{:?}", s.heres[0]);
    };
    assert_eq!((host.as_str(), space.as_str(), nl.as_str(), end.as_str()), ("host ", " ", "\n", "\n"));
    assert_eq!((*a, *b), (2, 3));
    let Command::Simple(hostname) = &s.lists[*a].items[0].first.commands[0] else { panic!() };
    assert_eq!(hostname.words[0].literal().as_deref(), Some("hostname"));
    // `echo "a)b" | wc -c`: the quoted `)` does not close it.
    assert_eq!(s.lists[*b].items[0].first.commands.len(), 2);
    // The nested here-document's own `$(echo in)` lands in the arena too.
    let Command::Simple(cat) = &s.lists[*c].items[0].first.commands[0] else { panic!() };
    let Target::Here(slot) = cat.redirects[0].to else { panic!() };
    let Part::Subst { list: inner, .. } = s.heres[slot].parts[0] else { panic!("{:?}", s.heres[slot]) };
    let Command::Simple(echo) = &s.lists[inner].items[0].first.commands[0] else { panic!() };
    assert_eq!(echo.words[1].literal().as_deref(), Some("in"));
    // A `$(` never closed, and nesting past the bound.
    assert_eq!(syntax("cat <<EOF\n$(date\nEOF"), "bash: unexpected EOF while looking for matching `)'");
    let mut deep = "x".to_owned();
    for level in 0..20 {
        deep = format!("$(cat <<E{level}\n{deep}\nE{level}\n)");
    }
    assert!(unsupported(&format!("cat <<E\n{deep}\nE")).0.contains("nested more than 8"));
}
