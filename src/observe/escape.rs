//! Escaping text for XML: the JUnit report, the capacity plots and `labsim topo`'s SVG share it.

/// `s` for an XML attribute value or element content (the JUnit files, the SVG of `labsim
/// topo`): the markup characters as entities, and the characters XML 1.0 cannot carry at all,
/// not even as a character reference (control characters other than tab and newline, U+FFFE,
/// U+FFFF), shown as Rust escapes (`\u{1b}`), so any text from a scenario or a console line
/// gives a well-formed document.
pub(crate) fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' => out.push(c),
            c if c.is_control() || c == '\u{fffe}' || c == '\u{ffff}' => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::xml;

    #[test]
    fn escapes_markup_and_shows_control_characters() {
        assert_eq!(xml("a<b & \"c\" 'd'>"), "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;");
        assert_eq!(xml("x\u{1}y\tz\n"), "x\\u{1}y\tz\n");
        assert_eq!(xml("\u{1b}[31mred\r\u{fffe}é"), "\\u{1b}[31mred\\r\\u{fffe}é");
    }
}
