//! Pathname patterns: `*` and `?` in one path component, as glob(3) and bash match them (nginx's
//! `include` and the shell's pathname expansion share it).

/// `*` and `?` in one path component, as glob(3) matches them. A mismatch goes back only to the
/// last `*` (which then takes one more character), so the time is at worst the pattern's length
/// times the name's, however many `*` there are.
pub(crate) fn glob_match(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    let (mut i, mut j) = (0, 0);
    // After the last `*`: where the pattern goes on, and the name characters it took so far.
    let mut star: Option<(usize, usize)> = None;
    while j < n.len() {
        match p.get(i) {
            Some('*') => {
                i += 1;
                star = Some((i, j));
            }
            Some(c) if *c == '?' || *c == n[j] => {
                i += 1;
                j += 1;
            }
            _ => match star {
                Some((after, took)) => {
                    i = after;
                    j = took + 1;
                    star = Some((after, took + 1));
                }
                None => return false,
            },
        }
    }
    p[i..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn globs_match_without_backtracking_blowup() {
        assert!(glob_match("*.conf", "proxy.conf"));
        assert!(glob_match("p?oxy*", "proxy.conf"));
        assert!(glob_match("*", ""));
        assert!(!glob_match("*.conf", "proxy.conf.bak"));
        assert!(glob_match("*a*b*", "xxaxxbxx"));
        assert!(!glob_match("?", ""));
        let name = format!("{}.conf", "a".repeat(5000));
        assert!(!glob_match(&format!("{}b", "*a".repeat(2000)), &name));
        assert!(glob_match(&format!("{}.conf", "*a".repeat(2000)), &name));
    }
}
