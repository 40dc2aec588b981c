//! What each place of a scenario file takes, in words, for `ron`'s type errors.
//!
//! `ron` says only `Expected string`, `Expected integer`, `Integer is out of bounds` or
//! `Expected identifier`, at the position where it stopped. [`wrong_type`] turns these into
//! `PATH: expected a string (a service name), found 3`: the path and the value written there
//! come from the [`SpanIndex`], what the place is for from the table in [`about`].

use super::error::Issue;
use super::lexer::LineCol;
use super::spans::{FieldPath, Found, Segment, SpanIndex};

/// The kind of value `ron` was reading when it stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Want {
    Str,
    Int,
    /// A variant name: `At`, `VipOwner`, `File`.
    Variant,
}

/// `ron`'s error as a [`Issue::WrongType`] at the value it is about, with that value's path;
/// `None` for other errors, or if the index does not know the position.
pub(super) fn wrong_type(index: &SpanIndex, at: LineCol, code: &ron::Error) -> Option<(LineCol, FieldPath, Issue)> {
    let want = match code {
        ron::Error::ExpectedString => Want::Str,
        ron::Error::ExpectedInteger | ron::Error::IntegerOutOfBounds => Want::Int,
        ron::Error::ExpectedIdentifier | ron::Error::SuggestRawIdentifier(_) => Want::Variant,
        _ => return None,
    };
    let Found { at, path, starts, text } = index.value_at(at)?;
    let expected = match (want, about(path.segments(), want)) {
        (Want::Str, Some(about)) => format!("a string ({about})"),
        (Want::Str, None) => "a string".to_string(),
        (Want::Int, Some(about)) => about.to_string(),
        (Want::Int, None) => "an integer".to_string(),
        // An identifier inside a value, not at its start: where a struct's next field goes.
        (Want::Variant, _) if !starts => "a field name".to_string(),
        (Want::Variant, about) => about?.to_string(),
    };
    // A string in single quotes: RON reads a char there (or fails to), which is never what was meant.
    let issue = if want == Want::Str && text.starts_with('\'') {
        Issue::SingleQuoted { expected, found: text }
    } else {
        Issue::WrongType { expected, found: text }
    };
    Some((at, path, issue))
}

/// What the place at `path` is for: for a string, what it names; for an integer or a variant,
/// the whole description. `None` for places the table does not know, where `ron`'s own message
/// is kept for variants.
fn about(path: &[Segment], want: Want) -> Option<&'static str> {
    use Segment::Index;
    const TIME: &str = "a time like \"10s\"";
    const COUNT: &str = "an integer from 0 to 18446744073709551615 (a count)";
    fn field(segment: &Segment) -> Option<&str> {
        match segment {
            Segment::Field(name) => Some(name),
            _ => None,
        }
    }
    let fields: Vec<Option<&str>> = path.iter().map(field).collect();
    Some(match (fields.as_slice(), path, want) {
        ([Some("name")], _, Want::Str) => "the scenario's name",
        ([Some("about")], _, Want::Str) => "a description",
        ([Some("extends")], _, Want::Str) => "the path of a topology file",
        ([Some("duration")], _, Want::Str) => "a duration like \"40s\"",
        ([Some("epoch")], _, Want::Str) => "a UTC date like \"2026-11-24T16:00:00Z\"",
        ([Some("seed")], _, Want::Int) => "an integer from 0 to 18446744073709551615 (the run's seed)",
        ([Some("max_events")], _, Want::Int) => "an integer from 1 to 18446744073709551615 (the event budget)",
        // A string where a map is: its key.
        ([Some("networks")], _, Want::Str) => "a network name",
        ([Some("networks"), None, Some("cidr")], _, Want::Str) => "an IPv4 network like \"172.2.20.0/24\"",
        ([Some("networks"), None, Some("latency")], _, Want::Str) => "a duration like \"50us\"",
        ([Some("hosts")], _, Want::Str) => "a host name",
        ([Some("hosts"), None, Some("nics")], _, Want::Str) => "an interface name",
        ([Some("hosts"), None, Some("nics"), None, last], [.., nic], Want::Str) => match (last, nic) {
            (Some("network"), _) | (None, Index(0)) => "a network name",
            (Some("addr"), _) | (None, Index(1)) => "an IPv4 address with its prefix like \"172.2.20.101/24\"",
            (Some("mac"), _) | (None, Index(2)) => "a MAC address like \"00:0c:29:3a:5b:01\"",
            _ => return None,
        },
        ([Some("hosts"), None, Some("gateway")], _, Want::Str) => "an IPv4 address like \"172.2.20.254\"",
        ([Some("hosts"), None, Some("files")], _, Want::Str) => "an absolute file path",
        ([Some("hosts"), None, Some("files"), None], _, Want::Variant) => "File(\"path\") or Text(\"contents\") (a file's contents)",
        ([Some("hosts"), None, Some("files"), None, None], _, Want::Str) => "a path relative to this file, or the contents",
        ([Some("hosts"), None, Some("enabled"), None], _, Want::Str) => "a service name",
        ([Some("timeline"), None], _, Want::Variant) => "At(time, host, command) or PowerOn(time, host) (a timeline entry)",
        ([Some("timeline"), None, None], [.., Index(i)], Want::Str) => match i {
            0 => TIME,
            1 => "a host name",
            2 => "a command",
            _ => return None,
        },
        ([Some("expect"), None], _, Want::Variant) => {
            "VipOwner, PingLost, Log, Output, Responses, HttpStatus, HttpErrors, Changed or Latency (an expectation)"
        }
        ([Some("expect"), None, Some(name), rest @ ..], _, _) => match (*name, rest, want) {
            ("vip", [], Want::Str) => "an IPv4 address like \"172.2.20.100\"",
            ("host", [], Want::Str) | ("hosts", [None], Want::Str) => "a host name",
            ("at" | "since", [], Want::Str) | ("within" | "between", [None], Want::Str) => TIME,
            ("within", [], Want::Str) => "a duration like \"3s\"",
            ("url", [], Want::Str) => "the URL curl was given",
            ("contains", [], Want::Str) => "the text to look for",
            ("sequence", [None], Want::Str) => "the text a response contains",
            // Latency's bounds are durations; the other expectations' are counts.
            ("at_most" | "at_least", [], Want::Str) => "a duration like \"10ms\"",
            ("exactly" | "count" | "at_most" | "at_least", [], Want::Int) => COUNT,
            ("status", [], Want::Int) => "an integer from 0 to 65535 (an HTTP status code)",
            _ => return None,
        },
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::lexer::lex;

    fn message(text: &str, line: usize, column: usize, code: ron::Error) -> Option<String> {
        let index = SpanIndex::build(text, lex(text).tokens)?;
        let (at, path, issue) = wrong_type(&index, LineCol { line, column }, &code)?;
        Some(format!("{}:{}: {path}: {issue}", at.line, at.column))
    }

    #[test]
    fn says_what_the_field_takes_and_what_was_found() {
        let text = r#"Scenario(name: "x", seed: -1, hosts: { 3: Host(), "a": Host(enabled: [3], files: { "/f": 7 }) }, timeline: [At(1, "a", "b")])"#;
        // ron stops after the `-` of `-1`, and in the whitespace before `3`.
        assert_eq!(
            message(text, 1, 28, ron::Error::IntegerOutOfBounds).as_deref(),
            Some("1:27: seed: expected an integer from 0 to 18446744073709551615 (the run's seed), found -1")
        );
        assert_eq!(
            message(text, 1, 39, ron::Error::ExpectedString).as_deref(),
            Some("1:40: hosts: expected a string (a host name), found 3")
        );
        assert_eq!(
            message(text, 1, 71, ron::Error::ExpectedString).as_deref(),
            Some(r#"1:71: hosts."a".enabled[0]: expected a string (a service name), found 3"#)
        );
        assert_eq!(
            message(text, 1, 89, ron::Error::SuggestRawIdentifier("7".into())).as_deref(),
            Some(r#"1:90: hosts."a".files."/f": expected File("path") or Text("contents") (a file's contents), found 7"#)
        );
        assert_eq!(
            message(text, 1, 112, ron::Error::ExpectedString).as_deref(),
            Some(r#"1:112: timeline[0][0]: expected a string (a time like "10s"), found 1"#)
        );
        // Single quotes: what to write instead.
        let text = "Scenario(name: 'hello world')";
        assert_eq!(
            message(text, 1, 15, ron::Error::ExpectedString).as_deref(),
            Some(
                r#"1:16: name: expected a string (the scenario's name), found 'hello world': RON strings take double quotes, "hello world""#
            )
        );
        // A whole value, on one line and shortened.
        let text = format!("Scenario(name: [\n  {}])", "1, ".repeat(100));
        assert_eq!(
            message(&text, 1, 15, ron::Error::ExpectedString).as_deref(),
            Some(format!("1:16: name: expected a string (the scenario's name), found [{}…", "1, ".repeat(21)).as_str())
        );
        // Other errors are left to ron's own words.
        assert_eq!(message(&text, 1, 15, ron::Error::ExpectedComma), None);
    }
}
