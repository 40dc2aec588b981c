//! yum 3.4.3 as CentOS 7 runs it, without I/O: `yum [-y] install PKG…` resolves the packages
//! and their dependencies from the enabled repositories ([`repos`]) and prints yum's
//! transaction (the dependency rounds, the table, the summary, rpm's progress, `Complete!`);
//! `yum clean all` prints what it removes. Texts and layout from spec-centos7-windows §2 (yum
//! `output.py`, `cli.py`, `yumcommands.py`).
//!
//! labsim does not simulate the Internet: a repository on a web mirror (the stock
//! `CentOS-Base.repo`, the Aliyun EPEL file) answers as if the host had the manual's NAT
//! adapter; `file:///mnt` answers only when the DVD is mounted there.

pub(crate) mod catalog;
mod render;
pub(crate) mod repos;
#[cfg(test)]
mod tests;

use catalog::{Package, Source};
pub(crate) use repos::Repo;

use crate::proto::Stream;

/// What yum sees of the host.
pub(crate) trait YumHost {
    /// The `.repo` files of `/etc/yum.repos.d`, in name order: (file name, text).
    fn repo_files(&self) -> Vec<(String, String)>;
    /// Whether a file exists (`/mnt/repodata/repomd.xml` of the DVD).
    fn exists(&self, path: &str) -> bool;
    /// Whether package `name` is installed.
    fn installed(&self, name: &str) -> bool;
    /// Whether the fastestmirror plugin's cache is there (`yum clean all` removes it).
    fn mirror_cache(&self) -> bool;
}

/// What a yum run printed and changed.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub(crate) lines: Vec<(Stream, String)>,
    pub(crate) status: i32,
    /// The packages it installed, in rpm's order.
    pub(crate) installed: Vec<&'static str>,
    /// Whether the mirror cache exists afterwards.
    pub(crate) mirror_cache: bool,
}

impl Outcome {
    fn out(&mut self, line: impl Into<String>) {
        self.lines.push((Stream::Stdout, line.into()));
    }

    fn err(&mut self, line: impl Into<String>) {
        self.lines.push((Stream::Stderr, line.into()));
    }
}

/// `yum ARGS`.
pub(crate) fn run(args: &[&str], host: &dyn YumHost) -> Outcome {
    let mut o = Outcome { mirror_cache: host.mirror_cache(), ..Outcome::default() };
    let mut yes = false;
    let mut words = Vec::new();
    for arg in args {
        match *arg {
            "-y" | "--assumeyes" => yes = true,
            "-q" | "--quiet" | "-C" | "--cacheonly" => {}
            a if a.starts_with('-') => {
                o.err("Usage: yum [options] COMMAND");
                o.err("");
                o.err(format!("yum: error: no such option: {a}"));
                o.status = 1;
                return o;
            }
            a => words.push(a),
        }
    }
    o.out("Loaded plugins: fastestmirror");
    let Some((command, rest)) = words.split_first() else {
        o.err("You need to give some command");
        o.status = 1;
        return o;
    };
    match *command {
        "install" => install(&mut o, host, rest, yes),
        "clean" => clean(&mut o, host, rest),
        other => {
            o.err(format!("No such command: {other}. Please use /usr/bin/yum --help"));
            o.status = 1;
        }
    }
    o
}

/// `yum clean all` (spec §2.3).
fn clean(o: &mut Outcome, host: &dyn YumHost, what: &[&str]) {
    if what != ["all"] {
        o.err("Error: clean requires an option: headers, packages, metadata, dbcache, plugins, expire-cache, rpmdb, all");
        o.status = 1;
        return;
    }
    let Some(enabled) = enabled_repos(o, host) else { return };
    let ids: Vec<&str> = enabled.iter().map(|r| r.id.as_str()).collect();
    o.out(format!("Cleaning repos: {}", ids.join(" ")));
    o.out("Cleaning up everything");
    // The stock repositories' caches stay behind once their `.repo` file is gone.
    if ["base", "extras", "updates"].iter().any(|stock| !ids.contains(stock)) {
        o.out("Maybe you want: rm -rf /var/cache/yum, to also free up space taken by orphaned data from disabled or removed repos");
    }
    if o.mirror_cache {
        o.out("Cleaning up list of fastest mirrors");
    }
    o.mirror_cache = false;
}

/// The enabled repositories, or `checkEnabledRepo`'s refusal when there is none (spec §2.4).
fn enabled_repos(o: &mut Outcome, host: &dyn YumHost) -> Option<Vec<Repo>> {
    let enabled: Vec<Repo> = repos::read(&host.repo_files()).into_iter().filter(|r| r.enabled).collect();
    if enabled.is_empty() {
        o.err("There are no enabled repos.");
        o.err(" Run \"yum repolist all\" to see the repos you have.");
        o.err(" You can enable repos with yum-config-manager --enable <repo>");
        o.status = 1;
        return None;
    }
    Some(enabled)
}

/// One package of the transaction and the repository it comes from.
struct Member {
    package: &'static Package,
    repo: String,
    requested: bool,
}

/// `yum install` (spec §2.2).
fn install(o: &mut Outcome, host: &dyn YumHost, names: &[&str], yes: bool) {
    if names.is_empty() {
        o.err("Error: Need to pass a list of pkgs to install");
        o.err(" Mini usage:");
        o.err("");
        o.err("install PACKAGE...");
        o.err("");
        o.err("Install a package or packages on your system");
        o.err("");
        o.err("aliases: install-n, install-na, install-nevra");
        o.status = 1;
        return;
    }
    let Some(enabled) = enabled_repos(o, host) else { return };
    if let Some(repo) = enabled.iter().find(|r| r.is_dvd() && !host.exists("/mnt/repodata/repomd.xml")) {
        render::dvd_missing(o, repo);
        return;
    }
    if !o.mirror_cache {
        o.out("Determining fastest mirrors");
        for repo in &enabled {
            o.out(render::metadata_line(&repo.id, "3.6 kB"));
        }
        o.mirror_cache = true;
    } else {
        o.out("Loading mirror speeds from cached hostfile");
    }
    let offer = |name: &str| -> Option<(&'static Package, String)> {
        let package = catalog::find(name)?;
        let repo = enabled.iter().find(|r| r.offers(package.source))?;
        Some((package, repo.id.clone()))
    };
    let mut members: Vec<Member> = Vec::new();
    let mut missing = Vec::new();
    for name in names {
        match offer(name) {
            Some((package, _)) if host.installed(package.name) => {
                o.out(format!("Package {} already installed and latest version", package.nevra()));
            }
            Some((package, repo)) => {
                if !members.iter().any(|m| m.package.name == package.name) {
                    members.push(Member { package, repo, requested: true });
                }
            }
            None => missing.push(*name),
        }
    }
    for name in &missing {
        o.out(format!("No package {name} available."));
    }
    if members.is_empty() {
        if missing.is_empty() {
            o.out("Nothing to do");
        } else {
            o.err("Error: Nothing to do");
            o.status = 1;
        }
        return;
    }
    o.out("Resolving Dependencies");
    // yum's depsolve rounds: each round checks the packages added by the last, and what they
    // need that is neither installed nor in the transaction is added for the next round.
    let mut round: Vec<usize> = (0..members.len()).collect();
    while !round.is_empty() {
        o.out("--> Running transaction check");
        let mut next = Vec::new();
        for &i in &round {
            let p = members[i].package;
            o.out(format!("---> Package {}.{} {} will be installed", p.name, p.arch, p.evr()));
        }
        let known = members.len();
        for &i in &round {
            let p = members[i].package;
            for (capability, provider) in p.requires {
                let queued = members[..known].iter().any(|m| m.package.name == *provider);
                if host.installed(provider) || queued {
                    continue;
                }
                o.out(format!("--> Processing Dependency: {capability} for package: {}", p.nevra()));
                if members.iter().any(|m| m.package.name == *provider) {
                    continue;
                }
                match offer(provider) {
                    Some((package, repo)) => {
                        members.push(Member { package, repo, requested: false });
                        next.push(members.len() - 1);
                    }
                    None => {
                        o.out("--> Finished Dependency Resolution");
                        o.err(format!("Error: Package: {} ({})", p.nevra(), members[i].repo));
                        o.err(format!("           Requires: {capability}"));
                        o.err(" You could try using --skip-broken to work around the problem");
                        o.err(" You could try running: rpm -Va --nofiles --nodigest");
                        o.status = 1;
                        return;
                    }
                }
            }
        }
        round = next;
    }
    o.out("--> Finished Dependency Resolution");
    o.out("");
    o.out("Dependencies Resolved");
    o.out("");
    render::table(o, &members);
    if !yes {
        o.out("Is this ok [y/d/N]: Exiting on user command");
        o.out("Your transaction was saved, rerun it with:");
        o.out(" yum load-transaction /tmp/yum_save_tx.yumtx");
        o.status = 1;
        return;
    }
    let order = rpm_order(&members, host);
    render::transaction(o, &members, &order);
    o.installed = order.iter().map(|&i| members[i].package.name).collect();
}

/// rpm's install order: a package after the ones it requires, ties by name.
fn rpm_order(members: &[Member], host: &dyn YumHost) -> Vec<usize> {
    let mut done: Vec<usize> = Vec::new();
    let mut names: Vec<usize> = (0..members.len()).collect();
    names.sort_by_key(|&i| members[i].package.name);
    while done.len() < members.len() {
        let ready = names.iter().copied().find(|&i| {
            !done.contains(&i)
                && members[i].package.requires.iter().all(|(_, dep)| {
                    host.installed(dep) || members.iter().enumerate().all(|(j, m)| m.package.name != *dep || done.contains(&j))
                })
        });
        // A dependency cycle (none in the catalogue) would install the rest by name.
        let next = ready.or_else(|| names.iter().copied().find(|i| !done.contains(i)));
        let Some(next) = next else { break };
        done.push(next);
    }
    done
}

impl Repo {
    /// Whether the repository serves packages from `source`.
    fn offers(&self, source: Source) -> bool {
        match source {
            Source::Dvd => !self.is_epel(),
            Source::Epel => self.is_epel(),
        }
    }
}
