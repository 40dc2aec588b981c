//! The reader of `/etc/exports` (nfs-utils 2.6.2: `getexportent` and `parseopts` in
//! `support/nfs/exports.c`, `xgettok` and `xgetc` in `support/nfs/xio.c`, `client_gettype` and
//! `init_subnetwork` in `support/export/client.c`), messages in its words.

use std::net::Ipv4Addr;

use super::{ClientSpec, Diagnostic, Entry, Exports, Level, Options};

/// Reads an exports file named `file` (for messages). `resolve` gives a host name's addresses
/// (the host's resolver; a dotted quad resolves to itself).
pub(crate) fn parse(text: &str, file: &str, resolve: &dyn Fn(&str) -> Vec<Ipv4Addr>) -> (Exports, Vec<Diagnostic>) {
    let mut p = Parser { s: text.as_bytes(), pos: 0, line: 1, file, out: Exports::default(), diags: Vec::new() };
    p.read_all(resolve);
    (p.out, p.diags)
}

/// The longest client token (`exp[512]` in `getexportent`).
const MAX_TOKEN: usize = 512;
/// The longest path (`NFS_MAXPATHLEN`).
const MAX_PATH: usize = 1024;

enum Tok {
    Word(String),
    Empty,
    TooLong,
}

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
    line: usize,
    file: &'a str,
    out: Exports,
    diags: Vec<Diagnostic>,
}

impl Parser<'_> {
    fn error(&mut self, text: String) {
        self.diags.push(Diagnostic { level: Level::Error, lines: vec![text] });
    }

    fn warn(&mut self, lines: Vec<String>) {
        self.diags.push(Diagnostic { level: Level::Warning, lines });
    }

    /// `xgetc`: a backslash-newline and the blanks after it read as one space.
    fn getc(&mut self) -> Option<u8> {
        let c = *self.s.get(self.pos)?;
        self.pos += 1;
        if c == b'\\' && self.s.get(self.pos) == Some(&b'\n') {
            self.pos += 1;
            self.line += 1;
            while matches!(self.s.get(self.pos), Some(b' ' | b'\t')) {
                self.pos += 1;
            }
            return Some(b' ');
        }
        if c == b'\n' {
            self.line += 1;
        }
        Some(c)
    }

    fn ungetc(&mut self, c: u8) {
        // Only plain characters are pushed back (a space from a continuation stays consumed).
        if self.pos > 0 && self.s[self.pos - 1] == c {
            self.pos -= 1;
            if c == b'\n' {
                self.line -= 1;
            }
        }
    }

    /// `xskip`: skips characters of `set` and comments.
    fn skip(&mut self, set: &[u8]) {
        while let Some(mut c) = self.getc() {
            if c == b'#' {
                while let Some(&n) = self.s.get(self.pos) {
                    if n == b'\n' {
                        break;
                    }
                    self.pos += 1;
                }
                match self.getc() {
                    Some(n) => c = n,
                    None => return,
                }
            }
            if !set.contains(&c) {
                self.ungetc(c);
                return;
            }
        }
    }

    /// `xgettok` with no separator: a word up to white space, quotes toggling, `\ooo` decoded.
    fn token(&mut self, max: usize) -> Tok {
        let mut tok: Vec<u8> = Vec::new();
        let mut quoted = false;
        while tok.len() < max {
            let Some(c) = self.getc() else { break };
            if !quoted && c.is_ascii_whitespace() {
                if c == b'\n' {
                    self.ungetc(c);
                }
                break;
            }
            if c == b'"' {
                quoted = !quoted;
                continue;
            }
            tok.push(c);
            let n = tok.len();
            if n >= 4 && tok[n - 4] == b'\\' && tok[n - 3..].iter().all(|d| (b'0'..=b'7').contains(d)) {
                let v = tok[n - 3..].iter().fold(0u32, |a, d| a * 8 + u32::from(d - b'0'));
                if let Ok(b) = u8::try_from(v) {
                    tok.truncate(n - 4);
                    tok.push(b);
                }
            }
        }
        if tok.is_empty() {
            Tok::Empty
        } else if tok.len() >= max {
            Tok::TooLong
        } else {
            Tok::Word(String::from_utf8_lossy(&tok).into_owned())
        }
    }

    /// `getexport`: the next client on the line.
    fn client_token(&mut self) -> Result<Option<String>, ()> {
        self.skip(b" \t");
        match self.token(MAX_TOKEN) {
            Tok::Word(w) => Ok(Some(w)),
            Tok::Empty => Ok(None),
            Tok::TooLong => {
                // nfs-utils' own slip: `efname?"command line":efname` names the wrong one.
                self.error(format!("command line:{}: syntax error", self.line));
                Err(())
            }
        }
    }

    fn read_all(&mut self, resolve: &dyn Fn(&str) -> Vec<Ipv4Addr>) {
        loop {
            self.skip(b" \t\n");
            let path = match self.token(MAX_PATH) {
                Tok::Word(w) => w,
                Tok::Empty | Tok::TooLong => return,
            };
            let mut defaults = Options::default();
            let mut default_subtree = false;
            let mut has_defaults = false;
            let Ok(mut next) = self.client_token() else { return };
            if let Some(d) = next.as_deref().and_then(|t| t.strip_prefix('-')).map(str::to_owned) {
                match self.options(&d, &mut defaults) {
                    Some(had) => default_subtree = had,
                    None => return,
                }
                has_defaults = true;
                let Ok(n) = self.client_token() else { return };
                next = n;
            }
            // A path alone on its line is exported to everyone with the defaults.
            let mut first = true;
            while first || next.is_some() {
                first = false;
                let exp = next.take().unwrap_or_default();
                if !self.entry(&path, &exp, &defaults, default_subtree, has_defaults, resolve) {
                    return;
                }
                let Ok(n) = self.client_token() else { return };
                next = n;
            }
        }
    }

    /// One `client(options)`; false when the read must stop.
    fn entry(
        &mut self,
        path: &str,
        exp: &str,
        defaults: &Options,
        default_subtree: bool,
        has_defaults: bool,
        resolve: &dyn Fn(&str) -> Vec<Ipv4Addr>,
    ) -> bool {
        let mut host = exp;
        let mut opts = None;
        if let Some(open) = exp.find('(') {
            if open == 0 {
                self.warn(vec![format!("No host name given with {path} {exp}, suggest *{exp} to avoid warning")]);
            }
            host = if open == 0 { "*" } else { &exp[..open] };
            let rest = &exp[open + 1..];
            match rest.find(')') {
                Some(close) if close + 1 == rest.len() => opts = Some(&rest[..close]),
                _ => {
                    self.error(format!("{}:{}: syntax error: bad option list", self.file, self.line));
                    return false;
                }
            }
        } else if !has_defaults {
            self.warn(vec![format!("No options for {path} {exp}: suggest {exp}(sync) to avoid warning")]);
        }
        let mut options = defaults.clone();
        let Some(had_subtree) = self.options(opts.unwrap_or(""), &mut options) else { return false };
        if !had_subtree && !default_subtree {
            let shown = if host.is_empty() { "*" } else { host };
            self.warn(vec![
                format!(
                    "{} [{}]: Neither 'subtree_check' or 'no_subtree_check' specified for export \"{shown}:{path}\".",
                    self.file, self.line
                ),
                "  Assuming default behaviour ('no_subtree_check').".to_owned(),
                "  NOTE: this default has changed since nfs-utils version 1.0.x".to_owned(),
            ]);
        }
        match self.client(host, resolve) {
            Ok(Some(client)) => self.out.add(path, Entry { client, host: host.to_owned(), options, line: self.line }),
            Ok(None) => {}
            Err(()) => return false,
        }
        true
    }

    /// `client_gettype` and `client_init`: `Ok(None)` when a name does not resolve (a warning;
    /// the entry is skipped).
    fn client(&mut self, host: &str, resolve: &dyn Fn(&str) -> Vec<Ipv4Addr>) -> Result<Option<ClientSpec>, ()> {
        if host.is_empty() || host == "*" {
            return Ok(Some(ClientSpec::Anyone));
        }
        if let Some(group) = host.strip_prefix('@') {
            return Ok(Some(ClientSpec::Netgroup(group.to_owned())));
        }
        for c in host.bytes() {
            if matches!(c, b'*' | b'?' | b'[') {
                return Ok(Some(ClientSpec::Wildcard(host.to_ascii_lowercase())));
            }
            if c == b'/' {
                return self.subnet(host).map(Some);
            }
        }
        let addrs = match host.parse::<Ipv4Addr>() {
            Ok(a) => vec![a],
            Err(_) => resolve(host),
        };
        if addrs.is_empty() {
            self.warn(vec![format!("Failed to resolve {host}")]);
            return Ok(None);
        }
        Ok(Some(ClientSpec::Host { name: host.to_owned(), addrs }))
    }

    /// `init_subnetwork` and `init_netmask4`.
    fn subnet(&mut self, host: &str) -> Result<ClientSpec, ()> {
        let (a, m) = host.split_once('/').unwrap_or((host, ""));
        let Ok(addr) = a.parse::<Ipv4Addr>() else {
            self.error(format!("Invalid IP address {host}"));
            return Err(());
        };
        let mask = if m.contains('.') {
            match m.parse::<Ipv4Addr>() {
                Ok(mask) => u32::from(mask),
                Err(_) => {
                    self.error(format!("Invalid netmask `{m}' for {host}"));
                    return Err(());
                }
            }
        } else {
            match m.parse::<u32>() {
                Ok(p) if p <= 32 => u32::MAX.checked_shl(32 - p).unwrap_or(0),
                _ => {
                    self.error(format!("Invalid prefix `{m}' for {host}"));
                    return Err(());
                }
            }
        };
        Ok(ClientSpec::Subnet { name: host.to_owned(), addr, mask })
    }

    /// `parseopts`: applies a comma-separated option list; `Some(had_subtree_option)`, or
    /// `None` after an error.
    fn options(&mut self, list: &str, o: &mut Options) -> Option<bool> {
        let mut had_subtree = false;
        for opt in list.trim_start_matches([' ', '\t']).split(',').filter(|s| !s.is_empty()) {
            match opt {
                "ro" => o.read_only = true,
                "rw" => o.read_only = false,
                "secure" => o.secure = true,
                "insecure" => o.secure = false,
                "sync" => o.async_writes = false,
                "async" => o.async_writes = true,
                "wdelay" => o.wdelay = true,
                "no_wdelay" => o.wdelay = false,
                "hide" => o.hide = true,
                "nohide" => o.hide = false,
                "root_squash" => o.root_squash = true,
                "no_root_squash" => o.root_squash = false,
                "all_squash" => o.all_squash = true,
                "no_all_squash" => o.all_squash = false,
                "subtree_check" | "no_subtree_check" => {
                    had_subtree = true;
                    o.subtree_check = opt == "subtree_check";
                }
                // Known to nfs-utils, no effect labsim models.
                "crossmnt" | "nocrossmnt" | "nordirplus" | "security_label" | "auth_nlm" | "no_auth_nlm" | "secure_locks"
                | "insecure_locks" | "acl" | "no_acl" | "pnfs" | "no_pnfs" | "mountpoint" | "mp" => {}
                _ if opt.starts_with("anonuid=") || opt.starts_with("anongid=") => {
                    let (key, value) = opt.split_at(8);
                    let Ok(id) = value.parse::<i64>() else {
                        let what = if key == "anonuid=" { "anonuid" } else { "anongid" };
                        self.error(format!("{}: {}: bad {what} \"{opt}\"", self.file, self.line));
                        return None;
                    };
                    // `strtol` into an int: the low 32 bits.
                    let id = (id as u64 & 0xffff_ffff) as u32;
                    if key == "anonuid=" { o.anonuid = id } else { o.anongid = id }
                }
                _ if ["sec=", "fsid=", "mountpoint=", "mp=", "refer=", "replicas=", "xprtsec=", "squash_uids=", "squash_gids="]
                    .iter()
                    .any(|p| opt.starts_with(p)) => {}
                _ => {
                    self.error(format!("{}:{}: unknown keyword \"{opt}\"", self.file, self.line));
                    return None;
                }
            }
        }
        Some(had_subtree)
    }
}
