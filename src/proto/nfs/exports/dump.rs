//! The export table as `exportfs` prints it (`dump()` in nfs-utils' `utils/exportfs/exportfs.c`,
//! with `secinfo_show()` of `support/nfs/exports.c`) and as it writes `/var/lib/nfs/etab`, which
//! `rpc.mountd` reads back.

use super::{Exports, Options};

/// The options `exportfs -v` shows, in `dump()`'s order.
pub(crate) fn options_text(o: &Options) -> String {
    let mut opts = vec![if o.async_writes { "async" } else { "sync" }, if o.wdelay { "wdelay" } else { "no_wdelay" }];
    opts.push(if o.hide { "hide" } else { "nohide" });
    if !o.subtree_check {
        opts.push("no_subtree_check");
    }
    let mut opts: Vec<String> = opts.into_iter().map(str::to_owned).collect();
    if o.anonuid != super::NOBODY {
        opts.push(format!("anonuid={}", o.anonuid));
    }
    if o.anongid != super::NOBODY {
        opts.push(format!("anongid={}", o.anongid));
    }
    // secinfo_show: one flavour, sys, with its per-flavour flags.
    opts.push("sec=sys".to_owned());
    opts.push(if o.read_only { "ro" } else { "rw" }.to_owned());
    opts.push(if o.secure { "secure" } else { "insecure" }.to_owned());
    opts.push(if o.root_squash { "root_squash" } else { "no_root_squash" }.to_owned());
    opts.push(if o.all_squash { "all_squash" } else { "no_all_squash" }.to_owned());
    opts.join(",")
}

impl Exports {
    /// `exportfs` (`verbose`: `-v`): one line per client of each export, `*` shown as
    /// `<world>`, a path longer than 14 characters on its own line.
    pub(crate) fn dump(&self, verbose: bool) -> Vec<String> {
        let mut lines = Vec::new();
        for export in &self.exports {
            for entry in &export.entries {
                let host = if entry.host == "*" || entry.host.is_empty() { "<world>" } else { entry.host.as_str() };
                let path = &export.path;
                let head = if path.len() > 14 { format!("{path}\n\t\t{host}") } else { format!("{path:<14}\t{host}") };
                let line = if verbose { format!("{head}({})", options_text(&entry.options)) } else { head };
                lines.extend(line.split('\n').map(str::to_owned));
            }
        }
        lines
    }

    /// `exportfs -s`: the table in `/etc/exports` syntax.
    pub(crate) fn export_format(&self) -> Vec<String> {
        self.exports
            .iter()
            .flat_map(|x| {
                x.entries
                    .iter()
                    .map(move |e| format!("{}  {}({})", x.path, if e.host.is_empty() { "*" } else { &e.host }, options_text(&e.options)))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse::parse;

    #[test]
    fn the_lab_export_dumps_as_spec_section_6_says() {
        let (exports, _) = parse("/web  *(rw,no_root_squash)\n", "/etc/exports", &|_| Vec::new());
        assert_eq!(
            exports.dump(true),
            ["/web          \t<world>(sync,wdelay,hide,no_subtree_check,sec=sys,rw,secure,no_root_squash,no_all_squash)"]
        );
        assert_eq!(exports.dump(false), ["/web          \t<world>"]);
        let again = exports.export_format().join("\n");
        assert_eq!(parse(&again, "/var/lib/nfs/etab", &|_| Vec::new()).0, exports);
    }
}
