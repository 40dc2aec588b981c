use super::*;

/// Every filter, by command name.
const FILTERS: &[(&str, StartFilter)] =
    &[("awk", awk), ("cat", cat), ("grep", grep), ("head", head), ("sort", sort), ("tail", tail), ("uniq", uniq), ("wc", wc)];

/// Runs `tool ARGS` over `stdin` (or the files of `files`), as the shell does: the printed
/// lines (stderr ones prefixed with `E:`) and the status.
fn run(tool: &str, args: &[&str], stdin: &str, files: &[(&str, &str)]) -> (Vec<String>, i32) {
    let start = FILTERS.iter().find(|(n, _)| *n == tool).map(|(_, s)| *s).unwrap_or(cat);
    let mut out = Out::default();
    let shown = |out: Out| out.lines.into_iter().map(|(s, l)| if s == Stream::Stderr { format!("E:{l}") } else { l }).collect::<Vec<_>>();
    let mut f = match start(args) {
        Ok(f) => f,
        Err(e) => return (e.lines.into_iter().map(|l| format!("E:{l}")).collect(), e.status),
    };
    let text_of = |input: &Input| match input {
        Input::Stdin => Some(stdin.to_owned()),
        Input::File(name) => files.iter().find(|(n, _)| n == name).map(|(_, t)| (*t).to_owned()),
    };
    let inputs = f.inputs().to_vec();
    for (i, input) in inputs.iter().enumerate() {
        let size = match input {
            Input::File(_) => text_of(input).map(|t| t.len() as u64),
            Input::Stdin => None,
        };
        f.stat(i, size);
    }
    for (i, input) in inputs.iter().enumerate() {
        let Some(text) = text_of(input) else {
            f.unreadable(i, "No such file or directory", &mut out);
            continue;
        };
        f.begin(i, &mut out);
        for line in text.lines() {
            f.line(line, &mut out);
        }
        f.end(!text.is_empty() && !text.ends_with('\n'), &mut out);
    }
    let status = f.finish(&mut out);
    (shown(out), status)
}

const F2: &str = "b 2\na 10\nb 2\nc 1\n";

#[test]
fn grep_selects_counts_and_fails_as_gnu_grep() {
    assert_eq!(run("grep", &["b"], F2, &[]), (vec!["b 2".to_owned(), "b 2".to_owned()], 0));
    assert_eq!(run("grep", &["-v", "-c", "b"], F2, &[]), (vec!["2".to_owned()], 0));
    assert_eq!(run("grep", &["-i", "B 2"], F2, &[]).0.len(), 2);
    assert_eq!(run("grep", &["-E", "a|c"], F2, &[]).0, ["a 10", "c 1"]);
    // BRE: `|` is a character; `\|` alternates (GNU).
    assert_eq!(run("grep", &["a|c"], "a|c\nc\n", &[]).0, ["a|c"]);
    assert_eq!(run("grep", &["a\\|c"], "a|c\nc\n", &[]).0, ["a|c", "c"]);
    assert_eq!(run("grep", &["^[[:digit:]]\\{2\\}$"], "12\n123\n", &[]).0, ["12"]);
    assert_eq!(run("grep", &["x"], F2, &[]), (vec![], 1));
    assert_eq!(run("grep", &["-c", "b", "f", "f"], "", &[("f", F2)]).0, ["f:2", "f:2"]);
    assert_eq!(run("grep", &["-n", "c", "f"], "", &[("f", F2)]).0, ["4:c 1"]);
    assert_eq!(run("grep", &["x", "nosuch"], "", &[]), (vec!["E:grep: nosuch: No such file or directory".to_owned()], 2));
    let usage = ["E:Usage: grep [OPTION]... PATTERNS [FILE]...", "E:Try 'grep --help' for more information."];
    assert_eq!(run("grep", &[], "", &[]), (usage.map(str::to_owned).to_vec(), 2));
    assert_eq!(run("grep", &["-Y", "x"], "", &[]).0[0], "E:grep: invalid option -- 'Y'");
    assert_eq!(run("grep", &["--foo", "x"], "", &[]).0[0], "E:grep: unrecognized option '--foo'");
    assert_eq!(run("grep", &["-m"], "", &[]).0[0], "E:grep: option requires an argument -- 'm'");
    assert_eq!(run("grep", &["\\("], "", &[]), (vec!["E:grep: Unmatched ( or \\(".to_owned()], 2));
    assert_eq!(run("grep", &["-E", "("], "", &[]), (vec!["E:grep: Unmatched ( or \\(".to_owned()], 2));
    assert_eq!(run("grep", &["a\\{1"], "", &[]), (vec!["E:grep: Unmatched \\{".to_owned()], 2));
    // Options after operands, as GNU getopt permutes them.
    assert_eq!(run("grep", &["B", "-i"], F2, &[]).0.len(), 2);
    // Literal characters the crate would read as syntax.
    assert_eq!(run("grep", &["-F", "a.b"], "a.b\naxb\n", &[]).0, ["a.b"]);
    assert_eq!(run("grep", &["[]x]"], "]\ny\n", &[]).0, ["]"]);
}

#[test]
fn head_tail_wc_sort_uniq_print_as_coreutils() {
    assert_eq!(run("head", &["-2"], F2, &[]).0, ["b 2", "a 10"]);
    assert_eq!(run("head", &["-n", "1", "f", "g"], "", &[("f", F2), ("g", "a\nb\n")]).0, ["==> f <==", "b 2", "", "==> g <==", "a"]);
    assert_eq!(run("head", &["-n", "x"], "", &[]), (vec!["E:head: invalid number of lines: ‘x’".to_owned()], 1));
    assert_eq!(run("tail", &["-n", "2"], F2, &[]).0, ["b 2", "c 1"]);
    assert_eq!(run("tail", &["-1"], F2, &[]).0, ["c 1"]);
    assert_eq!(
        run("tail", &["nosuch"], "", &[]),
        (vec!["E:tail: cannot open 'nosuch' for reading: No such file or directory".to_owned()], 1)
    );
    assert_eq!(run("wc", &["-l", "f"], "", &[("f", F2)]).0, ["4 f"]);
    assert_eq!(run("wc", &["f"], "", &[("f", F2)]).0, [" 4  8 17 f"]);
    assert_eq!(run("wc", &["-l", "f", "g"], "", &[("f", F2), ("g", "a\nb\n")]).0, [" 4 f", " 2 g", " 6 total"]);
    assert_eq!(run("wc", &[], F2, &[]).0, ["      4       8      17"]);
    assert_eq!(run("wc", &["-l"], F2, &[]).0, ["4"]);
    assert_eq!(run("wc", &["-c", "f"], "", &[("f", "ab")]).0, ["2 f"]);
    assert_eq!(run("wc", &["-Z"], "", &[]).0, ["E:wc: invalid option -- 'Z'", "E:Try 'wc --help' for more information."]);
    assert_eq!(run("sort", &[], F2, &[]).0, ["a 10", "b 2", "b 2", "c 1"]);
    assert_eq!(run("sort", &["-n", "-k2"], F2, &[]).0, ["c 1", "b 2", "b 2", "a 10"]);
    assert_eq!(run("sort", &["-r"], F2, &[]).0, ["c 1", "b 2", "b 2", "a 10"]);
    assert_eq!(run("sort", &["-n"], F2, &[]).0, ["a 10", "b 2", "b 2", "c 1"]);
    assert_eq!(run("sort", &["-u"], F2, &[]).0, ["a 10", "b 2", "c 1"]);
    assert_eq!(run("sort", &["nosuch"], "", &[]), (vec!["E:sort: cannot read: nosuch: No such file or directory".to_owned()], 2));
    assert_eq!(run("uniq", &[], F2, &[]).0, ["b 2", "a 10", "b 2", "c 1"]);
    assert_eq!(run("uniq", &["-c"], "a 10\nb 2\nb 2\nc 1\n", &[]).0, ["      1 a 10", "      2 b 2", "      1 c 1"]);
    assert_eq!(run("uniq", &["-d"], "a\na\nb\n", &[]).0, ["a"]);
}

#[test]
fn awk_prints_fields() {
    assert_eq!(run("awk", &["{print $2}"], F2, &[]).0, ["2", "10", "2", "1"]);
    assert_eq!(run("awk", &["{print $NF, $1}"], F2, &[]).0[1], "10 a");
    assert_eq!(run("awk", &["-F:", "{print $2 \"/\" NR}"], "a:b:c\n", &[]).0, ["b/1"]);
    assert_eq!(run("awk", &["/MASTER/ {print $1}"], "x MASTER\ny BACKUP\n", &[]).0, ["x"]);
    assert_eq!(run("awk", &["{print}"], "  a  b \n", &[]).0, ["  a  b "]);
    assert_eq!(run("awk", &["{ if ($1) print }"], "", &[]).1, 2);
    assert_eq!(
        run("awk", &["{print $1}", "nosuch"], "", &[]).0,
        ["E:awk: fatal: cannot open file `nosuch' for reading (No such file or directory)"]
    );
}
