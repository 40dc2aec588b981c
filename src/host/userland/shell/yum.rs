//! `yum`: the sans-IO [`crate::proto::yum`] over the host's files and rpm database. What it
//! installs is there at once: the packages' units exist and their commands are found.

use super::{Ctx, Output};
use crate::host::kernel::Fs;
use crate::host::userland::packages::Packages;
use crate::proto::Stream;
use crate::proto::yum::{self, YumHost, catalog};

/// Where yum keeps its repositories.
const REPOS_DIR: &str = "/etc/yum.repos.d";
/// The fastestmirror plugin's cache (`yum clean all` removes it).
const MIRROR_CACHE: &str = "/var/cache/yum/x86_64/7/timedhosts.txt";

struct Host<'a> {
    fs: &'a Fs,
    packages: &'a Packages,
}

impl YumHost for Host<'_> {
    fn repo_files(&self) -> Vec<(String, String)> {
        let mut files: Vec<(String, String)> = self
            .fs
            .list(REPOS_DIR)
            .into_iter()
            .filter_map(|path| {
                let name = path.rsplit('/').next()?.to_owned();
                Some((name, self.fs.read_text(&path)?))
            })
            .collect();
        files.sort();
        files
    }

    fn exists(&self, path: &str) -> bool {
        self.fs.stat(path).is_some()
    }

    fn installed(&self, name: &str) -> bool {
        self.packages.has(name)
    }

    fn mirror_cache(&self) -> bool {
        self.fs.stat(MIRROR_CACHE).is_some()
    }
}

pub(super) fn run(ctx: &mut Ctx<'_, '_>, args: &[&str]) -> Output {
    let outcome = yum::run(args, &Host { fs: ctx.k.fs(), packages: &ctx.u.packages });
    let now = ctx.now;
    let fs = ctx.k.fs_mut();
    match (outcome.mirror_cache, fs.stat(MIRROR_CACHE).is_some()) {
        (true, false) => fs.write(MIRROR_CACHE, b"base 0.0\n".to_vec(), now),
        (false, true) => {
            fs.remove(MIRROR_CACHE);
        }
        _ => {}
    }
    for name in &outcome.installed {
        let Some(package) = catalog::find(name) else { continue };
        ctx.u.packages.add(package.name);
        for (_, path, text) in catalog::PACKAGE_FILES.iter().filter(|(p, _, _)| *p == package.name) {
            if ctx.k.fs().stat(path).is_none() {
                ctx.k.fs_mut().write(path, text.as_bytes().to_vec(), now);
            }
        }
        for unit in package.units {
            ctx.u.units.add_package_unit(ctx.k.fs_mut(), unit, now);
        }
    }
    let mut o = Output::default();
    for (stream, line) in outcome.lines {
        match stream {
            Stream::Stdout => o.out(line),
            Stream::Stderr => o.err(line),
        }
    }
    o.status(outcome.status)
}
