//! How text from a file appears in a problem's message: on one line, and short.
//!
//! Every problem is one line, so a name with a newline is shown escaped. A name can be as long
//! as the file, and one name can appear in many problems (a host's name starts the path of each
//! problem in that host, and every "known: …" list repeats every name), so names are cut at
//! [`MAX_CHARS`]: the output stays proportional to the input however the two are combined.

/// The most characters of one name, key or value a message shows.
const MAX_CHARS: usize = 64;

/// The longest prefix of `text` with at most [`MAX_CHARS`] characters, and whether it is all of it.
fn prefix(text: &str) -> (&str, bool) {
    match text.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => (&text[..cut], false),
        None => (text, true),
    }
}

/// A name in a list or next to other words: as written if it is plain (letters, digits and
/// `-._/@+=`, as host, interface, network and file names are), otherwise quoted and escaped;
/// cut after [`MAX_CHARS`] characters with `…`.
pub(super) fn name(text: &str) -> String {
    let plain = !text.is_empty() && text.chars().all(|c| c.is_alphanumeric() || "-._/@+=".contains(c));
    let (shown, whole) = prefix(text);
    let ellipsis = if whole { "" } else { "…" };
    if plain { format!("{shown}{ellipsis}") } else { format!("{shown:?}{ellipsis}") }
}

/// A map key: always quoted and escaped (`"lb-1"`), cut like [`name`].
pub(super) fn quoted(text: &str) -> String {
    let (shown, whole) = prefix(text);
    if whole { format!("{shown:?}") } else { format!("{shown:?}…") }
}

/// RON as written, already on one line: cut like [`name`].
pub(super) fn code(text: &str) -> String {
    let (shown, whole) = prefix(text);
    if whole { shown.to_string() } else { format!("{shown}…") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_stay_on_one_line_and_short() {
        assert_eq!(name("lb-1"), "lb-1");
        assert_eq!(name("/etc/nginx/conf.d/proxy.conf"), "/etc/nginx/conf.d/proxy.conf");
        assert_eq!(name("a\nb"), r#""a\nb""#);
        assert_eq!(name("web 1"), r#""web 1""#);
        assert_eq!(name(""), r#""""#);
        let long = "é".repeat(100);
        assert_eq!(name(&long), format!("{}…", "é".repeat(MAX_CHARS)));
        assert_eq!(quoted("lb-1"), r#""lb-1""#);
        assert_eq!(quoted(&"a\n".repeat(40)), format!("{:?}…", "a\n".repeat(32)));
        assert_eq!(code(&"[".repeat(65)), format!("{}…", "[".repeat(64)));
        assert_eq!(code("3"), "3");
    }
}
