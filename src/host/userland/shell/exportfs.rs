//! `exportfs` (nfs-utils 1.3.0, `utils/exportfs/exportfs.c`): `-r`/`-a` read `/etc/exports` into
//! the export table (`/var/lib/nfs/etab`, which the running rpc.mountd reads again), printing
//! the file's messages; without them it shows the table (`-v` with options, `-s` in exports
//! syntax).

use super::{Ctx, Output};
use crate::host::userland::daemons::nfs_server;
use crate::proto::nfs::exports::Level;

/// `exportfs`'s `usage()`.
fn usage(o: &mut Output) -> Output {
    o.err("usage: exportfs [-adfhioruvs] [host:/path]");
    std::mem::take(o).status(1)
}

pub(super) fn run(ctx: &mut Ctx<'_, '_>, args: &[&str]) -> Output {
    let mut o = Output::default();
    let (mut export, mut verbose, mut format) = (false, false, false);
    for a in args {
        let Some(flags) = a.strip_prefix('-').filter(|f| !f.is_empty()) else {
            o.err(format!("exportfs: labsim: exporting {a} from the command line is not modelled"));
            return o.status(1);
        };
        for c in flags.chars() {
            match c {
                'r' | 'a' => export = true,
                'v' => verbose = true,
                's' => format = true,
                'h' => return usage(&mut o),
                'u' | 'f' | 'i' | 'o' | 'd' => {
                    o.err(format!("exportfs: labsim: -{c} is not modelled"));
                    return o.status(1);
                }
                _ => {
                    o.err(format!("exportfs: invalid option -- '{c}'"));
                    return usage(&mut o);
                }
            }
        }
    }
    if !export {
        let table = nfs_server::current(ctx.k.fs());
        let lines = if format { table.export_format() } else { table.dump(verbose) };
        lines.into_iter().for_each(|l| o.out(l));
        return o;
    }
    let (table, diags) = nfs_server::reexport(ctx.k.fs_mut(), ctx.now);
    let mut status = 0;
    for d in diags {
        status |= i32::from(d.level == Level::Error);
        for (n, line) in d.lines.into_iter().enumerate() {
            o.err(if n == 0 { format!("exportfs: {line}") } else { line });
        }
    }
    if verbose {
        for x in &table.exports {
            for e in &x.entries {
                let host = if e.host.is_empty() { "*" } else { &e.host };
                o.out(format!("exporting {host}:{}", x.path));
            }
        }
    }
    o.status(status)
}
