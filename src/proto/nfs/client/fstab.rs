//! `/etc/fstab` as util-linux 2.23's libmount reads it (`mnt_parse_table_line` in
//! `libmount/src/tab_parse.c`): per line the source, target, type and options, then the
//! optional dump frequency and fsck pass; `#` comments and blank lines skipped; octal escapes
//! (`\040`) unmangled. A bad line is skipped with mount's warning
//! (`table_parser_errcb` in `sys-utils/mount.c`): `mount: /etc/fstab: parse error: ignore entry
//! at line 3.`

/// One entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    /// `nfs-server:/web`.
    pub(crate) source: String,
    /// `/var/www/html`.
    pub(crate) target: String,
    /// `nfs`.
    pub(crate) fstype: String,
    /// `defaults,rw,_netdev` (`defaults` when absent).
    pub(crate) options: String,
    /// Dump frequency.
    pub(crate) freq: u32,
    /// fsck pass.
    pub(crate) passno: u32,
}

/// The entries of a file named `path`, and a warning per line that could not be read.
pub(crate) fn parse(text: &str, path: &str) -> (Vec<Entry>, Vec<String>) {
    let mut entries = Vec::new();
    let mut warnings = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        match parse_line(trimmed) {
            Some(e) => entries.push(e),
            None => warnings.push(format!("mount: {path}: parse error: ignore entry at line {}.", n + 1)),
        }
    }
    (entries, warnings)
}

fn parse_line(line: &str) -> Option<Entry> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    if !(3..=6).contains(&fields.len()) {
        return None;
    }
    let int = |i: usize| fields.get(i).map_or(Some(0), |f| f.parse::<u32>().ok());
    Some(Entry {
        source: unmangle(fields[0]),
        target: unmangle(fields[1]),
        fstype: unmangle(fields[2]),
        options: fields.get(3).map_or_else(|| "defaults".to_owned(), |o| unmangle(o)),
        freq: int(4)?,
        passno: int(5)?,
    })
}

/// `unmangle`: `\ooo` octal escapes (a space is `\040`).
fn unmangle(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let octal = b.get(i + 1..i + 4).filter(|d| b[i] == b'\\' && d.iter().all(|c| (b'0'..=b'7').contains(c)));
        if let Some(d) = octal {
            out.push(d.iter().fold(0u8, |acc, c| acc.wrapping_mul(8).wrapping_add(c - b'0')));
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lab_line_comments_blanks_and_a_bad_line() {
        let text = "# /etc/fstab\n\nUUID=1 / xfs defaults 0 0\nnfs-server:/web /var/www/html nfs defaults,rw,_netdev 0 0\nbroken-line\n/a\\040b /mnt nfs\n/x /y nfs ro 0 zero\n";
        let (entries, warnings) = parse(text, "/etc/fstab");
        assert_eq!(entries.len(), 3);
        assert_eq!(
            entries[1],
            Entry {
                source: "nfs-server:/web".into(),
                target: "/var/www/html".into(),
                fstype: "nfs".into(),
                options: "defaults,rw,_netdev".into(),
                freq: 0,
                passno: 0
            }
        );
        assert_eq!((entries[2].source.as_str(), entries[2].options.as_str()), ("/a b", "defaults"));
        assert_eq!(
            warnings,
            ["mount: /etc/fstab: parse error: ignore entry at line 5.", "mount: /etc/fstab: parse error: ignore entry at line 7."]
        );
    }
}
