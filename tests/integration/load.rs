//! `ab` and `wrk` print what the real tools print: `tests/fixtures/load/layout.ron` types each
//! command of `tests/fixtures/load/real/README.md` on the lab's client, and each command's
//! stdout, stderr and exit status are compared with the real capture, line by line, with the
//! numbers masked (labels, units and column alignment compared, not the figures).

use labsim::TraceKind;

use crate::util;

/// Each command of the fixture and the capture it must look like.
const CASES: &[(&str, &str)] = &[
    ("ab -n 100 -c 10 http://172.2.20.100/", "ab-n100-c10"),
    ("ab -k -n 100 -c 10 http://172.2.20.100/", "ab-k-n100-c10"),
    ("ab -n 1000 -c 10 http://172.2.20.100/", "ab-n1000-c10"),
    ("ab -n 20 -c 4 http://172.2.20.100/gone", "ab-404"),
    ("ab -n 10 -c 2 http://172.2.20.100:8080/", "ab-refused"),
    ("ab -j -n 5 http://172.2.20.100/", "ab-illegal-option"),
    ("ab -n 10", "ab-no-url"),
    ("ab -n 10 172.2.20.100:8080", "ab-bad-url"),
    ("ab -n 5 -c 10 http://172.2.20.100/", "ab-concurrency-over-requests"),
    ("ab -n 0 http://172.2.20.100/", "ab-n0"),
    ("ab -V", "ab-version"),
    ("wrk -t2 -c10 -d1s http://172.2.20.100/", "wrk-t2-c10-d2s"),
    ("wrk -t2 -c10 -d1s --latency http://172.2.20.100/", "wrk-latency"),
    ("wrk -t2 -c10 -d1s http://172.2.20.100/gone", "wrk-404"),
    ("wrk -t2 -c10 -d1s http://172.2.20.100:8080/", "wrk-refused"),
    ("wrk -t2", "wrk-no-url"),
    ("wrk -Z http://172.2.20.100/", "wrk-bad-option"),
    ("wrk -v", "wrk-version"),
    ("ab -n 3 http://10.9.9.9/", "ab-unreachable"),
    ("wrk -t2 -c10 -d1s http://10.9.9.9/", "wrk-unreachable"),
    ("ab -q -t 1 -c 10 http://172.2.20.100/", "ab-t1-q"),
    ("ab -c 0 -n 5 http://172.2.20.100/", "ab-c0"),
    ("wrk --timeout 0 -t2 -c10 -d1s http://172.2.20.100/", "wrk-timeout0"),
    ("ab -n 4000 -c 2000 http://172.2.20.100/", "ab-c2000-nofile"),
];

/// Units that follow a number directly (wrk's `format_units`).
const UNITS: &[&str] = &["us", "ms", "s", "m", "h", "k", "K", "M", "G", "T"];

/// A number in a line: where it starts and where its field ends (after its unit and the padding
/// `print_units` gives a number of that unit length; ab's numbers have none).
#[derive(Debug)]
struct Number {
    start: usize,
    field_end: usize,
}

/// The line with each number (and its unit) replaced by `#` and runs of blanks made one, and
/// the numbers' positions (a URL's port is dropped from the shape but kept among the numbers).
fn mask(line: &str) -> (String, Vec<Number>) {
    let chars: Vec<char> = line.chars().collect();
    let (mut shape, mut numbers) = (String::new(), Vec::new());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || (chars[i] == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit)))
            {
                i += 1;
            }
            let rest: String = chars[i..].iter().collect();
            let unit = UNITS
                .iter()
                .filter(|u| rest.starts_with(**u) && !rest[u.len()..].starts_with(|c: char| c.is_ascii_lowercase()))
                .max_by_key(|u| u.len())
                .map_or(0, |u| u.len());
            i += unit;
            numbers.push(Number { start, field_end: i + 2 - unit });
            shape.push('#');
        } else if c == ' ' {
            while i < chars.len() && chars[i] == ' ' {
                i += 1;
            }
            shape.push(' ');
        } else {
            shape.push(c);
            i += 1;
        }
    }
    // A URL with a port reads as one without (the captures used 127.0.0.1:8080, the lab port 80).
    (shape.replace("://#:#", "://#"), numbers)
}

/// The lines of a report, without ab's warnings about the spread of the times (printed or not
/// as the figures fall: `SANE()` in ab.c).
fn comparable(lines: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut skip_next = false;
    for l in lines {
        if std::mem::take(&mut skip_next) {
            continue;
        }
        if l.starts_with("WARNING: The median and mean") || l.starts_with("ERROR: The median and mean") {
            skip_next = true;
            continue;
        }
        out.push(l.clone());
    }
    out
}

fn compare(case: &str, what: &str, ours: &[String], real: &[String]) {
    let (ours, real) = (comparable(ours), comparable(real));
    assert_eq!(ours.len(), real.len(), "{case} {what}: line counts differ\nours: {ours:#?}\nreal: {real:#?}");
    for (n, (o, r)) in ours.iter().zip(&real).enumerate() {
        let ((os, on), (rs, rn)) = (mask(o), mask(r));
        assert_eq!(os, rs, "{case} {what} line {}: {o:?} vs the real {r:?}", n + 1);
        // Right-aligned columns end where the real ones end; a left-aligned value starts where
        // the real one starts, and what follows it moves with its width.
        for (a, b) in on.iter().zip(&rn) {
            if a.field_end == b.field_end {
                continue;
            }
            assert_eq!(a.start, b.start, "{case} {what} line {}: {o:?} is not aligned as the real {r:?}", n + 1);
            break;
        }
    }
}

fn real(name: &str, ext: &str) -> String {
    let path = util::root().join("tests/fixtures/load/real").join(format!("{name}.{ext}"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn ab_and_wrk_print_the_real_tools_layouts_errors_and_statuses() {
    let result = util::run(&util::root().join("tests/fixtures/load/layout.ron"), None);
    let events = result.trace.events();
    for (command, name) in CASES {
        let id = events
            .iter()
            .find_map(|e| match &e.kind {
                TraceKind::Command { host, id, line, .. } if host == "client-1" && line == command => Some(*id),
                _ => None,
            })
            .unwrap_or_else(|| panic!("{command} was typed"));
        let lines = |stream: labsim::Stream| -> Vec<String> {
            events
                .iter()
                .filter_map(|e| match &e.kind {
                    TraceKind::Output { id: i, stream: s, line, .. } if *i == id && *s == stream => Some(line.clone()),
                    _ => None,
                })
                .collect()
        };
        let status = events
            .iter()
            .find_map(|e| match &e.kind {
                TraceKind::Exit { id: i, status, .. } if *i == id => Some(*status),
                _ => None,
            })
            .unwrap_or_else(|| panic!("{command} ended"));
        let text = |t: String| t.lines().map(str::to_owned).collect::<Vec<_>>();
        compare(name, "stdout", &lines(labsim::Stream::Stdout), &text(real(name, "out")));
        compare(name, "stderr", &lines(labsim::Stream::Stderr), &text(real(name, "err")));
        assert_eq!(status.to_string(), real(name, "status").trim(), "{name}: exit status");
    }
}

#[test]
fn the_mask_keeps_labels_units_and_alignment() {
    assert_eq!(mask("    Latency     0.92ms    1.57ms  10.63ms   85.71%").0, " Latency # # # #%");
    assert_eq!(mask("  102365 requests in 2.11s, 25.19MB read").0, " # requests in #, #B read");
    let (a, b) = (mask("Connect:        0    0   0.2      0       1").1, mask("Connect:        0    0  10.2      0       1").1);
    assert!(a.iter().zip(&b).all(|(x, y)| x.field_end == y.field_end));
    // A number moved out of its column is caught.
    let (a, b) = (mask("Total:          0    1").1, mask("Total:         0    1").1);
    assert!(a[0].start != b[0].start && a[0].field_end != b[0].field_end);
}
