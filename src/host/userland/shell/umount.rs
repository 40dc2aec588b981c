//! `umount DIR` (util-linux 2.23): unmounts an NFS mount, by its directory or its source;
//! refused while a process waits on it (EBUSY), as the kernel refuses.

use super::{Ctx, Output};
use crate::proto::errno::Errno;

/// `umount`'s failure status (`MOUNT_EX_FAIL`).
const EX_FAIL: i32 = 32;

pub(crate) fn run(c: &mut Ctx<'_, '_>, args: &[&str]) -> Output {
    let mut o = Output::default();
    let words: Vec<&str> = args.iter().copied().filter(|a| !matches!(*a, "-f" | "-l" | "-v")).collect();
    let [what] = words.as_slice() else {
        o.err("Usage:");
        o.err(" umount [-hV]");
        o.err(" umount -a [options]");
        o.err(" umount [options] <source> | <directory>");
        return o.status(1);
    };
    let what = what.trim_end_matches('/');
    let target = c.k.mounts().into_iter().find(|m| m.source == what || m.target == what).map_or_else(|| what.to_owned(), |m| m.target);
    match c.k.umount(&target) {
        Ok(()) => o,
        Err(Errno::Busy) => {
            o.err(format!("umount: {target}: target is busy."));
            o.err("        (In some cases useful info about processes that use");
            o.err("         the device is found by lsof(8) or fuser(1))");
            o.status(EX_FAIL)
        }
        Err(_) if !c.k.fs().is_dir(&target) => {
            o.err(format!("umount: {target}: mountpoint not found"));
            o.status(EX_FAIL)
        }
        Err(_) => {
            o.err(format!("umount: {target}: not mounted"));
            o.status(EX_FAIL)
        }
    }
}
