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
//! (without the `exportfs: ` prefix the calling tool adds), including its slips (a client name
//! over 511 bytes is reported against "command line", not the file). The reader is in
//! [`parse()`].

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
    /// The client as written (`*` for a bare `(options)`, empty for a path with no client).
    pub(crate) host: String,
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

impl Export {
    /// The addresses of a host-name client of this export.
    fn host_addrs(&self, name: &str) -> Vec<Ipv4Addr> {
        self.entries
            .iter()
            .find_map(|e| match &e.client {
                ClientSpec::Host { name: n, addrs } if n == name => Some(addrs.clone()),
                _ => None,
            })
            .unwrap_or_default()
    }
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
    #[cfg_attr(not(test), allow(dead_code))] // for the client phase of issue 10
    pub(crate) fn get(&self, path: &str) -> Option<&Export> {
        self.exports.iter().find(|e| e.path == path)
    }

    /// The export list as mountd's EXPORT gives it (`get_exportlist` in `utils/mountd/mountd.c`):
    /// entries are taken by client type (host names, subnets, wildcards, netgroups, anyone), then
    /// in file order; each new path and each new client name goes to the front of its list; a
    /// subnet, wildcard or netgroup drops the host names it contains; `*` drops every other name,
    /// and leaves the list empty (showmount's `(everyone)`) if there were any.
    pub(crate) fn list(&self) -> Vec<(String, Vec<String>)> {
        let mut entries: Vec<(&Export, &Entry)> = self.exports.iter().flat_map(|x| x.entries.iter().map(move |e| (x, e))).collect();
        entries.sort_by_key(|(_, e)| (e.client.rank(), e.line));
        let mut list: Vec<(String, Vec<String>)> = Vec::new();
        for (export, entry) in entries {
            let at = match list.iter().position(|(dir, _)| *dir == export.path) {
                Some(at) => at,
                None => {
                    list.insert(0, (export.path.clone(), Vec::new()));
                    0
                }
            };
            let groups = &mut list[at].1;
            if entry.client == ClientSpec::Anyone && !groups.is_empty() {
                groups.clear();
                continue;
            }
            if entry.client.rank() != 0 {
                groups.retain(|name| {
                    !export.host_addrs(name).iter().any(|&addr| entry.client.matches(&Client { addr, names: vec![name.clone()] }))
                });
            }
            if !entry.host.is_empty() && !groups.contains(&entry.host) {
                groups.insert(0, entry.host.clone());
            }
        }
        list
    }

    /// Adds an entry for `path` (a new export, or one more client of it).
    fn add(&mut self, path: &str, entry: Entry) {
        match self.exports.iter_mut().find(|e| e.path == path) {
            Some(e) => e.entries.push(entry),
            None => self.exports.push(Export { path: path.to_owned(), entries: vec![entry] }),
        }
    }
}

mod dump;
mod parse;

pub(crate) use parse::parse;

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
mod tests;
