//! `/etc/exports` as nfs-utils 2.6.2 reads it (`support/nfs/exports.c`: `getexportent`,
//! `parseopts`; `support/nfs/xio.c`: `xgettok`, `xgetc`; `support/export/client.c`:
//! `client_gettype`, `init_subnetwork`; jtlayton/nfs-utils e4b62f87, and 40d6d58e^ for the
//! subtree warning Debian 12 still prints), and which export a client gets (`export_find` in
//! `support/export/export.c`).
//!
//! An entry is a path followed by clients, each `name(options)`; `-options` right after the
//! path sets the line's defaults. Lines continue after a backslash, `#` starts a comment, `"`
//! quotes and `\ooo` octal escapes are decoded. Like exportfs, the first error ends the read:
//! the exports before it stay, the rest of the file is ignored. Messages are nfs-utils' words
//! (without the `exportfs: ` prefix the calling tool adds), including its slips (a missing
//! client is blamed on "command line").

use std::net::Ipv4Addr;

/// The uid and gid squashed users get by default (`anonuid`/`anongid`).
pub(crate) const NOBODY: u32 = 65534;

/// How bad a message is (`xlog`'s `L_ERROR` and `L_WARNING`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Level {
    /// The read stopped here.
    Error,
    /// Read on.
    Warning,
}

/// One message about the file, one line of text each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Diagnostic {
    /// Error or warning.
    pub(crate) level: Level,
    /// The message lines.
    pub(crate) lines: Vec<String>,
}

/// The options of one client of an export (`struct exportent` flags), with nfs-utils' defaults
/// (`EXPORT_DEFAULT_FLAGS`: ro, secure, root_squash, sync, wdelay, hide, no_subtree_check).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Options {
    /// `ro` (default) / `rw`.
    pub(crate) read_only: bool,
    /// `secure` (default): requests from ports below 1024 only.
    pub(crate) secure: bool,
    /// `async` / `sync` (default).
    pub(crate) async_writes: bool,
    /// `wdelay` (default) / `no_wdelay`.
    pub(crate) wdelay: bool,
    /// `hide` (default) / `nohide`.
    pub(crate) hide: bool,
    /// `root_squash` (default) / `no_root_squash`.
    pub(crate) root_squash: bool,
    /// `all_squash` / `no_all_squash` (default).
    pub(crate) all_squash: bool,
    /// `subtree_check` / `no_subtree_check` (default).
    pub(crate) subtree_check: bool,
    /// `anonuid=`.
    pub(crate) anonuid: u32,
    /// `anongid=`.
    pub(crate) anongid: u32,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            read_only: true,
            secure: true,
            async_writes: false,
            wdelay: true,
            hide: true,
            root_squash: true,
            all_squash: false,
            subtree_check: false,
            anonuid: NOBODY,
            anongid: NOBODY,
        }
    }
}

/// Who an entry is for (`client_gettype`'s `MCL_*` types, in their matching order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ClientSpec {
    /// `MCL_FQDN`: a host name or a single address, resolved when the file is read.
    Host {
        /// As written.
        name: String,
        /// Its addresses.
        addrs: Vec<Ipv4Addr>,
    },
    /// `MCL_SUBNETWORK`: `addr/prefix` or `addr/netmask`.
    Subnet {
        /// As written.
        name: String,
        /// The network address.
        addr: Ipv4Addr,
        /// The mask.
        mask: u32,
    },
    /// `MCL_WILDCARD`: a name pattern with `*`, `?` or `[…]`, matched against the client's names.
    Wildcard(String),
    /// `MCL_NETGROUP`: `@group` (labsim has no NIS: never matches).
    Netgroup(String),
    /// `MCL_ANONYMOUS`: `*` (or nothing).
    Anyone,
}

impl ClientSpec {
    /// The match order of `export_find`: FQDN, subnet, wildcard, netgroup, anonymous.
    const fn rank(&self) -> u8 {
        match self {
            ClientSpec::Host { .. } => 0,
            ClientSpec::Subnet { .. } => 1,
            ClientSpec::Wildcard(_) => 2,
            ClientSpec::Netgroup(_) => 3,
            ClientSpec::Anyone => 4,
        }
    }

    /// The name as written (`*` for anyone), as showmount and `exportfs -v` print it.
    pub(crate) fn name(&self) -> &str {
        match self {
            ClientSpec::Host { name, .. } | ClientSpec::Subnet { name, .. } | ClientSpec::Wildcard(name) | ClientSpec::Netgroup(name) => {
                name
            }
            ClientSpec::Anyone => "*",
        }
    }

    fn matches(&self, client: &Client) -> bool {
        match self {
            ClientSpec::Host { addrs, .. } => addrs.contains(&client.addr),
            ClientSpec::Subnet { addr, mask, .. } => u32::from(client.addr) & mask == u32::from(*addr) & mask,
            ClientSpec::Wildcard(pattern) => client.names.iter().any(|n| glob(pattern.as_bytes(), n.to_ascii_lowercase().as_bytes())),
            ClientSpec::Netgroup(_) => false,
            ClientSpec::Anyone => true,
        }
    }
}

/// A client asking: its address and the names it resolves to (for wildcard entries).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Client {
    /// Source address.
    pub(crate) addr: Ipv4Addr,
    /// Host names of that address.
    pub(crate) names: Vec<String>,
}

/// One client line of an export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    /// Who.
    pub(crate) client: ClientSpec,
    /// With which options.
    pub(crate) options: Options,
    /// The file line the entry ended on.
    pub(crate) line: usize,
}

/// One exported path and its clients, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Export {
    /// The directory.
    pub(crate) path: String,
    /// Its clients.
    pub(crate) entries: Vec<Entry>,
}

/// The exports table.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Exports {
    /// Exports in the order their paths first appear.
    pub(crate) exports: Vec<Export>,
}

impl Exports {
    /// The export of `path` and the options `client` gets there: the first entry that matches
    /// in `export_find`'s order of client types, then file order.
    pub(crate) fn find(&self, path: &str, client: &Client) -> Option<(&Export, &Options)> {
        let export = self.exports.iter().find(|e| e.path == path)?;
        let entry =
            (0..=4).flat_map(|rank| export.entries.iter().filter(move |e| e.client.rank() == rank)).find(|e| e.client.matches(client))?;
        Some((export, &entry.options))
    }

    /// The export whose path is `path` (whoever asks).
    pub(crate) fn get(&self, path: &str) -> Option<&Export> {
        self.exports.iter().find(|e| e.path == path)
    }

    /// The export list as mountd's EXPORT gives it (`get_exportlist`): each path with its
    /// client names, and a `*` client absorbing the others.
    pub(crate) fn list(&self) -> Vec<(String, Vec<String>)> {
        self.exports
            .iter()
            .map(|e| {
                let names = if e.entries.iter().any(|x| x.client == ClientSpec::Anyone) {
                    vec!["*".to_owned()]
                } else {
                    e.entries.iter().map(|x| x.client.name().to_owned()).collect()
                };
                (e.path.clone(), names)
            })
            .collect()
    }

    fn add(&mut self, path: &str, entry: Entry) {
        match self.exports.iter_mut().find(|e| e.path == path) {
            Some(e) => e.entries.push(entry),
            None => self.exports.push(Export { path: path.to_owned(), entries: vec![entry] }),
        }
    }
}

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
            Ok(Some(client)) => self.out.add(path, Entry { client, options, line: self.line }),
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

/// fnmatch(3) without flags, enough for host patterns: `*`, `?` and `[…]`. Iterative, with one
/// backtrack point, so a pattern of many stars costs O(pattern × name).
fn glob(p: &[u8], s: &[u8]) -> bool {
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        let step = match p.get(pi) {
            Some(b'*') => {
                star = Some((pi, si));
                pi += 1;
                continue;
            }
            Some(b'?') => Some(1),
            Some(b'[') => match p[pi..].iter().position(|&b| b == b']') {
                Some(end) if end > 1 => p[pi + 1..pi + end].contains(&s[si]).then_some(end + 1),
                _ => (s[si] == b'[').then_some(1),
            },
            Some(&c) => (c == s[si]).then_some(1),
            None => None,
        };
        match (step, star) {
            (Some(n), _) => {
                pi += n;
                si += 1;
            }
            (None, Some((sp, ss))) => {
                pi = sp + 1;
                si = ss + 1;
                star = Some((sp, ss + 1));
            }
            (None, None) => return false,
        }
    }
    p[pi..].iter().all(|&b| b == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(name: &str) -> Vec<Ipv4Addr> {
        match name {
            "web-1" => vec![Ipv4Addr::new(192, 168, 20, 201)],
            "web-2" => vec![Ipv4Addr::new(192, 168, 20, 202)],
            _ => vec![],
        }
    }

    fn read(text: &str) -> (Exports, Vec<Diagnostic>) {
        parse(text, "/etc/exports", &hosts)
    }

    fn client(last: u8, names: &[&str]) -> Client {
        Client { addr: Ipv4Addr::new(192, 168, 20, last), names: names.iter().map(|s| (*s).to_owned()).collect() }
    }

    fn errors(d: &[Diagnostic]) -> Vec<String> {
        d.iter().filter(|d| d.level == Level::Error).flat_map(|d| d.lines.clone()).collect()
    }

    #[test]
    fn the_manual_line() {
        let (ex, diags) = read("# the lab\n/web *(rw,no_root_squash)\n");
        let (export, o) = ex.find("/web", &client(201, &[])).unwrap();
        assert_eq!(export.path, "/web");
        assert!(!o.read_only && !o.root_squash && !o.all_squash && o.secure && !o.async_writes);
        assert_eq!((o.anonuid, o.anongid), (65534, 65534));
        assert_eq!(ex.list(), vec![("/web".to_owned(), vec!["*".to_owned()])]);
        // nfs-utils 2.6.2's warning, as spec-nfs.md §6 quotes it.
        assert_eq!(
            diags,
            vec![Diagnostic {
                level: Level::Warning,
                lines: vec![
                    "/etc/exports [2]: Neither 'subtree_check' or 'no_subtree_check' specified for export \"*:/web\".".into(),
                    "  Assuming default behaviour ('no_subtree_check').".into(),
                    "  NOTE: this default has changed since nfs-utils version 1.0.x".into(),
                ]
            }]
        );
    }

    #[test]
    fn client_kinds_and_their_order() {
        let text = "/data *(ro,no_subtree_check) 192.168.20.0/24(rw,all_squash,anonuid=1000,anongid=1001,no_subtree_check) \\\n  web-1(rw,no_root_squash,no_subtree_check) *.lab(rw,async,no_subtree_check)\n\
                    /ro 10.0.0.0/255.0.0.0(no_subtree_check)\n";
        let (ex, diags) = read(text);
        assert_eq!(diags, vec![]);
        let data = |c: &Client| ex.find("/data", c).map(|(_, o)| o.clone());
        // The host name beats the subnet, which beats the wildcard and `*`, whatever the order.
        let o = data(&client(201, &["web-1.lab"])).unwrap();
        assert!(!o.read_only && !o.root_squash && !o.all_squash);
        let o = data(&client(202, &["web-2.lab"])).unwrap();
        assert!(o.all_squash && (o.anonuid, o.anongid) == (1000, 1001));
        let o = Exports::find(&ex, "/data", &Client { addr: Ipv4Addr::new(10, 1, 1, 1), names: vec!["lb.lab".into()] }).unwrap().1.clone();
        assert!(o.async_writes && !o.read_only);
        assert!(data(&Client { addr: Ipv4Addr::new(10, 1, 1, 1), names: vec![] }).unwrap().read_only);
        assert!(ex.find("/ro", &Client { addr: Ipv4Addr::new(10, 9, 9, 9), names: vec![] }).is_some());
        assert!(ex.find("/ro", &client(1, &[])).is_none());
        assert!(ex.find("/nope", &client(1, &[])).is_none());
        assert_eq!(ex.list()[0].1, vec!["*".to_owned()]);
    }

    #[test]
    fn nfs_utils_messages() {
        let cases = [
            ("/web *(rw,bogus)\n", "/etc/exports:1: unknown keyword \"bogus\""),
            ("/web *(rw\n", "/etc/exports:1: syntax error: bad option list"),
            ("/web *(rw)x\n", "/etc/exports:1: syntax error: bad option list"),
            ("/web *(anonuid=abc)\n", "/etc/exports: 1: bad anonuid \"anonuid=abc\""),
            ("\n\n/web *(anongid=)\n", "/etc/exports: 3: bad anongid \"anongid=\""),
            ("/web 10.0.0.0/33(rw)\n", "Invalid prefix `33' for 10.0.0.0/33"),
            ("/web 10.0.0.0/255.0.0.300(rw)\n", "Invalid netmask `255.0.0.300' for 10.0.0.0/255.0.0.300"),
            ("/web 10.0.0/8(rw)\n", "Invalid IP address 10.0.0/8"),
        ];
        for (text, want) in cases {
            let (ex, diags) = read(text);
            assert_eq!(errors(&diags), vec![want.to_owned()], "{text:?}");
            assert!(ex.exports.is_empty(), "{text:?}");
        }
        // Default options and no client: everyone, with those options.
        let (ex, _) = read("/web -rw\n");
        assert!(!ex.find("/web", &client(9, &[])).unwrap().1.read_only);
        let (_, diags) = read("/web web-1\n/x (rw,no_subtree_check)\n/y nowhere(rw,no_subtree_check)\n");
        let warnings: Vec<&str> = diags.iter().map(|d| d.lines[0].as_str()).collect();
        assert_eq!(warnings[0], "No options for /web web-1: suggest web-1(sync) to avoid warning");
        assert_eq!(warnings[2], "No host name given with /x (rw,no_subtree_check), suggest *(rw,no_subtree_check) to avoid warning");
        assert_eq!(warnings[3], "Failed to resolve nowhere");
    }

    #[test]
    fn the_first_error_ends_the_read() {
        let (ex, diags) = read("/a *(rw,no_subtree_check)\n/b *(wat)\n/c *(rw,no_subtree_check)\n");
        assert_eq!(errors(&diags), vec!["/etc/exports:2: unknown keyword \"wat\"".to_owned()]);
        assert_eq!(ex.exports.iter().map(|e| e.path.as_str()).collect::<Vec<_>>(), ["/a"]);
    }

    #[test]
    fn defaults_escapes_and_comments() {
        let (ex, diags) = read("/a -rw,no_subtree_check web-1 web-2(ro) # comment\n/b\\040c *(no_subtree_check)\n");
        assert!(errors(&diags).is_empty());
        assert!(!ex.find("/a", &client(201, &[])).unwrap().1.read_only);
        assert!(ex.find("/a", &client(202, &[])).unwrap().1.read_only);
        assert!(ex.get("/b c").is_some());
    }

    #[test]
    fn globs() {
        assert!(glob(b"*.lab", b"web-1.lab"));
        assert!(glob(b"web-?", b"web-3"));
        assert!(glob(b"web-[12]", b"web-2"));
        assert!(!glob(b"web-[12]", b"web-3"));
        assert!(!glob(b"*.lab", b"web-1.lan"));
        // Many stars against a long name stay fast.
        assert!(glob(&[b'*'; 500], b""));
        assert!(!glob(format!("{}b", "*a".repeat(200)).as_bytes(), "a".repeat(255).as_bytes()));
    }
}
