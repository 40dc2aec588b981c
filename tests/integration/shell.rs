//! The console's shell through whole runs: what each typed line of the
//! `tests/fixtures/regressions/shell-*.ron` fixtures prints, line for line and when (pipes
//! stream in simulated time, redirections leave the console alone), its exit status, and
//! `labsim check`'s positions inside a scenario's strings for refused syntax.

use labsim::{RunResult, SimTime, Stream, TraceKind};

use crate::util;

fn run(name: &str) -> RunResult {
    util::run(&util::root().join("tests/fixtures/regressions").join(name), None)
}

/// The id of the command typed as `line` on `host`.
fn id_of(result: &RunResult, host: &str, line: &str) -> usize {
    result
        .trace
        .events()
        .iter()
        .find_map(|e| match &e.kind {
            TraceKind::Command { host: h, id, line: l, .. } if h == host && l == line => Some(*id),
            _ => None,
        })
        .unwrap_or_else(|| panic!("{host}: `{line}` was typed"))
}

/// What the command typed as `line` on `host` printed (stderr lines prefixed `E: `), each with
/// its time, and its exit status.
fn console(result: &RunResult, host: &str, line: &str) -> (Vec<(SimTime, String)>, Option<i32>) {
    let id = id_of(result, host, line);
    let mut lines = Vec::new();
    let mut status = None;
    for e in result.trace.events() {
        match &e.kind {
            TraceKind::Output { host: h, id: i, stream, line } if h == host && *i == id => {
                let err = if *stream == Stream::Stderr { "E: " } else { "" };
                lines.push((e.at, format!("{err}{line}")));
            }
            TraceKind::Exit { host: h, id: i, status: s } if h == host && *i == id => status = Some(*s),
            _ => {}
        }
    }
    (lines, status)
}

fn printed(result: &RunResult, host: &str, line: &str) -> (Vec<String>, Option<i32>) {
    let (lines, status) = console(result, host, line);
    (lines.into_iter().map(|(_, l)| l).collect(), status)
}

#[test]
fn pipes_feed_each_filter_and_end_with_the_last_status() {
    let r = run("shell-pipes.ron");
    let cases: &[(&str, &str, &[&str], i32)] = &[
        ("lb-1", "cat /etc/keepalived/keepalived.conf | grep -i PRIORITY", &["    priority 110"], 0),
        ("lb-1", "grep -v '^ ' /etc/nginx/conf.d/proxy.conf | grep -c server", &["1"], 0),
        ("lb-1", "grep -E 'MASTER|BACKUP' /etc/keepalived/keepalived.conf | awk '{print $2}'", &["MASTER"], 0),
        // `sort -r` compares bytes: 9 8 7 … 2 10 1.
        ("lb-1", "seq 10 | sort -r | head -n 3 | tail -n 1", &["7"], 0),
        ("lb-1", "seq 1000 | wc -l", &["1000"], 0),
        ("lb-1", "echo b a b | awk '{print $3, $1}' | uniq", &["b b"], 0),
        ("lb-1", "ip addr show eno33554984 | grep inet | awk '{print $2}' | sort", &["172.2.20.101/24"], 0),
        // grep found nothing (1), wc succeeded: the pipeline's status is the last command's.
        ("lb-1", "grep nothing /etc/nginx/conf.d/proxy.conf | wc -l", &["0"], 0),
        ("lb-1", "cat /nonexistent | grep x", &["E: cat: /nonexistent: No such file or directory"], 1),
        ("client-1", "ping -c 3 -i 0.2 172.2.20.100 | grep -c ttl", &["3"], 0),
        ("lb-2", "curl -s http://172.2.20.100/ | awk '{print $3}'", &["web-1"], 0),
    ];
    for (host, line, want, status) in cases {
        assert_eq!(printed(&r, host, line), (want.iter().map(|s| s.to_string()).collect(), Some(*status)), "{host}: {line}");
    }
}

#[test]
fn a_reader_that_ends_stops_the_writer_with_sigpipe() {
    let r = run("shell-pipes.ron");
    let (lines, status) = printed(&r, "client-1", "ping -i 0.2 172.2.20.100 | head -n 2");
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].starts_with("PING 172.2.20.100") && lines[1].contains("icmp_seq=1"), "{lines:?}");
    // head's status; ping died of SIGPIPE at its next line, so it is not still running at the end.
    assert_eq!(status, Some(0));
    let still_running = r.trace.events().iter().any(|e| matches!(&e.kind, TraceKind::Unfinished { program, .. } if program == "ping"));
    assert!(!still_running);
}

#[test]
fn and_or_lists_status_and_command_substitution() {
    let r = run("shell-lists.ron");
    let cases: &[(&str, &[&str])] = &[
        ("false && echo never || echo fallback", &["fallback"]),
        ("systemctl is-active keepalived && echo running", &["active", "running"]),
        ("grep -q x /nonexistent; echo status $?", &["E: grep: /nonexistent: No such file or directory", "status 2"]),
        ("echo host $(hostname) has $(grep -c server /etc/nginx/conf.d/proxy.conf) server lines", &["host lb-1 has 5 server lines"]),
        ("n=$(seq 3 | wc -l); echo n=$n; ! true; echo bang $?", &["n=3", "bang 1"]),
        ("systemctl stop nginx && systemctl is-active nginx || echo nginx stopped: $?", &["inactive", "nginx stopped: 3"]),
    ];
    for (line, want) in cases {
        assert_eq!(printed(&r, "lb-1", line).0, want.iter().map(|s| s.to_string()).collect::<Vec<_>>(), "{line}");
    }
}

#[test]
fn a_here_document_replaces_a_configuration_that_a_restart_reads() {
    let r = run("shell-heredoc.ron");
    let typed = r
        .trace
        .events()
        .iter()
        .find_map(|e| match &e.kind {
            TraceKind::Command { host, line, .. } if host == "lb-1" && line.starts_with("cat > /etc/keepalived") => Some(line.clone()),
            _ => None,
        })
        .expect("the here-document was typed");
    assert_eq!(printed(&r, "lb-1", &typed), (vec!["! lowered on lb-1 (0 MASTER before)".to_owned()], Some(0)));
    // `<<'EOF'` keeps `$HOSTNAME`; `<<-` strips the tabs; a here-string is one line.
    assert_eq!(printed(&r, "lb-1", "cat <<'EOF' | grep -c HOSTNAME\n$HOSTNAME\nEOF").0, ["1"]);
    assert_eq!(printed(&r, "lb-1", "cat <<-END\n\t\tindented\n\tEND").0, ["indented"]);
    assert_eq!(printed(&r, "lb-1", "wc -l <<< \"one line\"").0, ["1"]);
    // lb-1 restarted with priority 90 < lb-2's 99: lb-2 takes the VIP.
    assert!(r.report.passed(), "{}", r.report.to_text(r.trace.events()));
}

#[test]
fn tail_f_into_grep_streams_the_failover_line_when_it_is_logged() {
    let r = run("shell-logs.ron");
    let logged = r
        .trace
        .events()
        .iter()
        .find(|e| matches!(&e.kind, TraceKind::Log { host, line, .. } if host == "lb-2" && line.contains("Entering MASTER STATE")))
        .expect("lb-2 became master");
    let (lines, status) = console(&r, "lb-2", "tail -f /var/log/messages | grep MASTER");
    // rsyslog's traditional format, stamped with the lab's calendar, at the instant it is logged.
    assert_eq!(lines, [(logged.at, "Nov 24 16:00:10 lb-2 Keepalived_vrrp[1003]: (VI_1) Entering MASTER STATE".to_owned())]);
    // Interrupted by the end of the run (Ctrl-C): no status line of its own.
    assert_eq!(status, None);
    let (journal, status) = printed(&r, "lb-1", "journalctl -u keepalived -n 2");
    assert_eq!(
        journal,
        [
            "-- Logs begin at Tue 2026-11-24 16:00:00 UTC, end at Tue 2026-11-24 16:00:00 UTC. --",
            "Nov 24 16:00:00 lb-1 Keepalived_vrrp[1003]: Startup complete",
            "Nov 24 16:00:00 lb-1 Keepalived_vrrp[1003]: (VI_1) Entering BACKUP STATE (init)",
        ]
    );
    assert_eq!(status, Some(0));
    // nginx logs to its own files, not to syslog: the journal has nothing of its unit.
    assert_eq!(printed(&r, "lb-1", "journalctl -u nginx.service --no-pager").0.len(), 1);
    assert_eq!(printed(&r, "lb-2", "journalctl -u keepalived | grep -c 'Entering MASTER STATE'").0, ["1"]);
}

#[test]
fn every_program_writes_where_the_shell_points_its_output() {
    let r = run("shell-redirect.ron");
    // The body went to the file, then `cat` printed it: once.
    assert_eq!(printed(&r, "client-1", "curl -s http://172.2.20.100/ > /tmp/out; cat /tmp/out").0, ["This is web-1 zgh2303"]);
    // ping's 7 lines went to the file, none to the console.
    assert_eq!(printed(&r, "client-1", "ping -c 2 -i 0.2 172.2.20.100 > /tmp/ping; wc -l < /tmp/ping").0, ["7"]);
    assert_eq!(printed(&r, "client-1", "nc -q 1 172.2.20.100 80 < /tmp/request > /tmp/nc; head -n 1 /tmp/nc").0, ["HTTP/1.1 200 OK"]);
    // `2>&1`: curl's error line reaches head as standard output.
    assert_eq!(
        printed(&r, "client-1", "curl -sS http://172.2.20.199:81/ -m 1 2>&1 | head -n 1").0,
        ["curl: (28) Connection timed out after 1001 milliseconds"]
    );
    assert_eq!(
        printed(&r, "client-1", "curl -sS http://172.2.20.199:81/ -m 1 2> /tmp/err; cat /tmp/err >> /tmp/out; tail -n 1 /tmp/out").0,
        ["curl: (28) Connection timed out after 1001 milliseconds"]
    );
}

#[test]
fn check_points_at_the_refused_byte_inside_the_string() {
    for (file, position) in [
        ("tests/fixtures/invalid/shell/and_and_dangling.ron", "8:54"),
        // After two `\"` escapes and a newline inside the string: line 9, column 8, `<(`.
        ("tests/fixtures/invalid/shell/escaped_and_multiline.ron", "9:8"),
    ] {
        let out = util::labsim().args(["check", file]).output().expect("labsim runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with(&format!("{file}:{position}: timeline[0][2]: ")), "{stderr}");
    }
}
