//! What the Linux NFS client remembers between calls (spec-nfs.md §8): per file handle the
//! attributes with their `attrtimeo` (`nfs_update_inode` in `fs/nfs/inode.c`), the file's data
//! or a directory's listing (dropped when mtime or size change), the ACCESS results per user
//! (`nfs_access_get_cached`, 3.10: trusted for `attrtimeo`), and the directory entries, positive
//! and negative, trusted while the parent directory's attributes are fresh and unchanged
//! (`nfs_check_verifier`, `nfs_neg_need_reval` in `fs/nfs/dir.c`; `lookupcache=`).

use std::collections::BTreeMap;
use std::time::Duration;

use super::options::{LookupCache, Options};
use crate::kernel::SimTime;
use crate::wire::nfs3::{Fattr, Fh, Ftype, WccData};

/// One entry of a directory listing: name, handle, attributes.
pub(crate) type Listed = (String, Fh, Fattr);

/// One inode (`struct nfs_inode`).
#[derive(Debug, Clone)]
struct Inode {
    attr: Fattr,
    /// `read_cache_jiffies`: when the attributes were fetched; they are valid for `attrtimeo`.
    fetched: SimTime,
    /// `attrtimeo`.
    attrtimeo: Duration,
    /// `attrtimeo_timestamp`: the start of the current `attrtimeo` window.
    attrtimeo_timestamp: SimTime,
    /// `cache_change_attribute`: bumped when a directory's contents changed, which outdates
    /// the entries made under it (`nfs_force_lookup_revalidate`).
    change: u64,
    /// The page cache: a file's bytes.
    data: Option<Vec<u8>>,
    /// A directory's listing.
    listing: Option<Vec<Listed>>,
    /// ACCESS results by uid: granted bits and when they were asked.
    access: BTreeMap<u32, (u32, SimTime)>,
}

/// A directory entry (a dentry): the handle it names, or a negative entry.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Dentry {
    fh: Option<Fh>,
    /// The parent's `change` when the entry was made (`nfs_set_verifier`).
    verifier: u64,
}

/// What the dentry cache says about a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Lookup {
    /// Trusted: the handle, or `None` for a negative entry (ENOENT).
    Hit(Option<Fh>),
    /// The parent's attributes expired: GETATTR it, then ask again.
    RevalidateDir,
    /// Ask the server (LOOKUP).
    Miss,
}

/// The caches of one mount.
#[derive(Debug, Clone)]
pub(crate) struct Cache {
    reg: (Duration, Duration),
    dir: (Duration, Duration),
    lookupcache: LookupCache,
    inodes: BTreeMap<Fh, Inode>,
    /// Entries by directory, then name (looked up without building an owned key).
    dentries: BTreeMap<Fh, BTreeMap<String, Dentry>>,
}

fn secs(s: u32) -> Duration {
    Duration::from_secs(u64::from(s))
}

impl Cache {
    /// Empty caches for a mount with these options (`noac`: every window is zero).
    pub(crate) fn new(o: &Options) -> Cache {
        let (reg, dir) = if o.noac {
            ((Duration::ZERO, Duration::ZERO), (Duration::ZERO, Duration::ZERO))
        } else {
            ((secs(o.acregmin), secs(o.acregmax)), (secs(o.acdirmin), secs(o.acdirmax)))
        };
        Cache { reg, dir, lookupcache: o.lookupcache, inodes: BTreeMap::new(), dentries: BTreeMap::new() }
    }

    /// `NFS_MINATTRTIMEO` / `NFS_MAXATTRTIMEO`.
    fn bounds(&self, attr: &Fattr) -> (Duration, Duration) {
        if attr.ftype == Ftype::Dir { self.dir } else { self.reg }
    }

    /// The cached attributes, fresh or not.
    pub(crate) fn attr(&self, fh: &Fh) -> Option<&Fattr> {
        self.inodes.get(fh).map(|i| &i.attr)
    }

    /// The current `attrtimeo` of a file.
    #[cfg(test)]
    pub(crate) fn attrtimeo(&self, fh: &Fh) -> Option<Duration> {
        self.inodes.get(fh).map(|i| i.attrtimeo)
    }

    /// Whether the cached attributes may be used at `now` without asking the server
    /// (`nfs_attribute_timeout`: `now` in `[fetched, fetched + attrtimeo)`).
    pub(crate) fn fresh(&self, now: SimTime, fh: &Fh) -> bool {
        self.inodes.get(fh).is_some_and(|i| now >= i.fetched && now < i.fetched.saturating_add(i.attrtimeo))
    }

    /// New attributes from the server (`nfs_update_inode`): a change of mtime, ctime, size,
    /// mode, owner or links restarts `attrtimeo` at the minimum; mtime or size changes drop the
    /// data (and outdate a directory's entries); ctime, mode or owner changes drop the ACCESS
    /// results.
    /// Unchanged attributes arriving after the current window double `attrtimeo` (capped).
    pub(crate) fn update(&mut self, now: SimTime, fh: &Fh, attr: &Fattr) {
        let (min, max) = self.bounds(attr);
        let Some(i) = self.inodes.get_mut(fh) else {
            self.inodes.insert(
                fh.clone(),
                Inode {
                    attr: attr.clone(),
                    fetched: now,
                    attrtimeo: min,
                    attrtimeo_timestamp: now,
                    change: 0,
                    data: None,
                    listing: None,
                    access: BTreeMap::new(),
                },
            );
            return;
        };
        let old = &i.attr;
        let data_changed = old.mtime != attr.mtime || old.size != attr.size || old.ftype != attr.ftype;
        let access_changed = old.mode != attr.mode || old.uid != attr.uid || old.gid != attr.gid || old.ctime != attr.ctime;
        let invalid = data_changed || access_changed || old.ctime != attr.ctime || old.nlink != attr.nlink;
        if data_changed {
            i.data = None;
            i.listing = None;
            i.change += 1;
        }
        if access_changed {
            i.access.clear();
        }
        if invalid {
            i.attrtimeo = min;
            i.attrtimeo_timestamp = now;
        } else if !(now >= i.attrtimeo_timestamp && now < i.attrtimeo_timestamp.saturating_add(i.attrtimeo)) {
            i.attrtimeo = (i.attrtimeo * 2).min(max);
            i.attrtimeo_timestamp = now;
        }
        i.attr = attr.clone();
        i.fetched = now;
    }

    /// Post-op attributes, if the reply carried them.
    pub(crate) fn update_opt(&mut self, now: SimTime, fh: &Fh, attr: Option<&Fattr>) {
        if let Some(a) = attr {
            self.update(now, fh, a);
        }
    }

    /// The `wcc_data` of an operation this client made (`nfs_wcc_update_inode`): when the
    /// "before" attributes match the cache, the change is ours and the cache takes the new
    /// times and size first, so the data stays valid.
    pub(crate) fn update_wcc(&mut self, now: SimTime, fh: &Fh, wcc: &WccData) {
        let (Some(before), Some(after)) = (&wcc.before, &wcc.after) else {
            return self.update_opt(now, fh, wcc.after.as_ref());
        };
        if let Some(i) = self.inodes.get_mut(fh)
            && i.attr.mtime == before.mtime
            && i.attr.ctime == before.ctime
            && i.attr.size == before.size
        {
            i.attr.mtime = after.mtime.clone();
            i.attr.ctime = after.ctime.clone();
            i.attr.size = after.size;
        }
        self.update(now, fh, after);
    }

    /// Forgets a handle the server called stale (`nfs_zap_caches`, the dentry dropped).
    pub(crate) fn forget(&mut self, fh: &Fh) {
        self.inodes.remove(fh);
        for entries in self.dentries.values_mut() {
            entries.retain(|_, d| d.fh.as_ref() != Some(fh));
        }
    }

    /// A file's cached bytes.
    pub(crate) fn data(&self, fh: &Fh) -> Option<&Vec<u8>> {
        self.inodes.get(fh).and_then(|i| i.data.as_ref())
    }

    /// Keeps (or drops) a file's bytes.
    pub(crate) fn set_data(&mut self, fh: &Fh, data: Option<Vec<u8>>) {
        if let Some(i) = self.inodes.get_mut(fh) {
            i.data = data;
        }
    }

    /// A directory's cached listing.
    pub(crate) fn listing(&self, fh: &Fh) -> Option<&Vec<Listed>> {
        self.inodes.get(fh).and_then(|i| i.listing.as_ref())
    }

    /// Keeps a directory's listing and primes its entries and their attributes
    /// (`nfs_prime_dcache`).
    pub(crate) fn set_listing(&mut self, now: SimTime, dir: &Fh, listing: Vec<Listed>) {
        for (name, fh, attr) in &listing {
            self.update(now, fh, attr);
            self.set_dentry(dir, name, Some(fh.clone()));
        }
        if let Some(i) = self.inodes.get_mut(dir) {
            i.listing = Some(listing);
        }
    }

    /// The ACCESS bits granted to `uid`, if still trusted.
    pub(crate) fn access(&self, now: SimTime, fh: &Fh, uid: u32) -> Option<u32> {
        let i = self.inodes.get(fh)?;
        let (bits, at) = *i.access.get(&uid)?;
        (now < at.saturating_add(i.attrtimeo)).then_some(bits)
    }

    /// Records an ACCESS answer.
    pub(crate) fn set_access(&mut self, now: SimTime, fh: &Fh, uid: u32, bits: u32) {
        if let Some(i) = self.inodes.get_mut(fh) {
            i.access.insert(uid, (bits, now));
        }
    }

    /// Records what LOOKUP (or CREATE, or READDIRPLUS) said about `name` in `dir`.
    pub(crate) fn set_dentry(&mut self, dir: &Fh, name: &str, fh: Option<Fh>) {
        let verifier = self.inodes.get(dir).map_or(0, |i| i.change);
        self.dentries.entry(dir.clone()).or_default().insert(name.to_owned(), Dentry { fh, verifier });
    }

    /// Drops one entry (`d_drop`).
    pub(crate) fn drop_dentry(&mut self, dir: &Fh, name: &str) {
        if let Some(entries) = self.dentries.get_mut(dir) {
            entries.remove(name);
        }
    }

    /// Whether the entry for `name` in `dir` can be used (`nfs_lookup_revalidate`):
    /// `dir_checked` when the parent was just revalidated; `create` for an `O_CREAT` open, which
    /// trusts a negative entry without checking (3.10 `nfs_neg_need_reval`).
    pub(crate) fn lookup(&self, now: SimTime, dir: &Fh, name: &str, dir_checked: bool, create: bool) -> Lookup {
        let Some(d) = self.dentries.get(dir).and_then(|entries| entries.get(name)) else { return Lookup::Miss };
        if d.fh.is_none() && create {
            return Lookup::Hit(None);
        }
        if self.lookupcache == LookupCache::None || (d.fh.is_none() && self.lookupcache == LookupCache::Positive) {
            return Lookup::Miss;
        }
        let Some(parent) = self.inodes.get(dir) else { return Lookup::Miss };
        if parent.change != d.verifier {
            return Lookup::Miss;
        }
        if !dir_checked && !self.fresh(now, dir) {
            return Lookup::RevalidateDir;
        }
        Lookup::Hit(d.fh.clone())
    }
}
