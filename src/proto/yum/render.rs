//! yum's texts for a transaction: the table of `output.py` (`listTransaction`) laid out for an
//! 80-column terminal as in the spec's transcript, sizes as urlgrabber's `format_number` writes
//! them, rpm's `Installing :`/`Verifying  :` lines, and the `Installed:` lists.

use super::catalog::{Package, Source};
use super::{Member, Outcome, Repo};

/// yum's width when stdout is not a terminal.
const WIDTH: usize = 80;
/// Where the columns of the table start (the transcript's layout at 80 columns).
const ARCH_AT: usize = 25;
const VERSION_AT: usize = 37;
const REPO_AT: usize = 62;

/// urlgrabber's `format_number`: 1024 steps past 999, one decimal under 9.95.
pub(super) fn size(bytes: u64) -> String {
    let symbols = [" ", "k", "M", "G"];
    let mut depth = 0;
    let mut n = bytes as f64;
    while n > 999.0 && depth < symbols.len() - 1 {
        depth += 1;
        n /= 1024.0;
    }
    if depth == 0 {
        format!("{bytes} {}", symbols[0])
    } else if n < 9.95 {
        format!("{n:.1} {}", symbols[depth])
    } else {
        format!("{n:.0} {}", symbols[depth])
    }
}

/// `base   | 3.6 kB  00:00:00` as the metadata download prints it.
pub(super) fn metadata_line(id: &str, size: &str) -> String {
    format!("{id:<57}| {size:>6}  00:00:00     ")
}

/// The DVD repository without the DVD mounted (spec §2.4).
pub(super) fn dvd_missing(o: &mut Outcome, repo: &Repo) {
    o.err("file:///mnt/repodata/repomd.xml: [Errno 14] curl#37 - \"Couldn't open file /mnt/repodata/repomd.xml\"");
    o.err("Trying other mirror.");
    o.err("");
    o.err("");
    o.err(format!(" One of the configured repositories failed ({})", repo.id));
    o.err("");
    o.err(" Disabling the repository, or fixing its baseurl, is the way out; see yum's advice.");
    o.err("");
    o.err(format!("failure: repodata/repomd.xml from {}: [Errno 256] No more mirrors to try.", repo.id));
    o.status = 1;
}

fn pad_to(line: &mut String, column: usize) {
    let len = line.chars().count();
    if len < column {
        line.extend(std::iter::repeat_n(' ', column - len));
    } else {
        line.push(' ');
    }
}

/// One row of the table; an over-long version wraps to the next line at the repository column.
fn row(o: &mut Outcome, m: &Member) {
    let p = m.package;
    let mut line = format!(" {}", p.name);
    pad_to(&mut line, ARCH_AT);
    line.push_str(p.arch);
    pad_to(&mut line, VERSION_AT);
    let version = p.shown_version();
    let wraps = VERSION_AT + version.chars().count() >= REPO_AT;
    line.push_str(&version);
    if wraps {
        o.out(line);
        line = String::new();
    }
    pad_to(&mut line, REPO_AT);
    line.push_str(&m.repo);
    let size = size(p.size);
    let len = line.chars().count();
    let gap = (WIDTH - 1).saturating_sub(len + size.chars().count()).max(1);
    line.extend(std::iter::repeat_n(' ', gap));
    line.push_str(&size);
    o.out(line);
}

/// The transaction table and its summary, up to `Installed size:`.
pub(super) fn table(o: &mut Outcome, members: &[Member]) {
    let rule = "=".repeat(WIDTH);
    o.out(rule.clone());
    let mut head = " Package".to_owned();
    pad_to(&mut head, ARCH_AT);
    head.push_str("Arch");
    pad_to(&mut head, VERSION_AT);
    head.push_str("Version");
    pad_to(&mut head, REPO_AT);
    head.push_str("Repository");
    let gap = (WIDTH - 1).saturating_sub(head.len() + 4);
    head.extend(std::iter::repeat_n(' ', gap));
    head.push_str("Size");
    o.out(head);
    o.out(rule.clone());
    let mut requested: Vec<&Member> = members.iter().filter(|m| m.requested).collect();
    let mut deps: Vec<&Member> = members.iter().filter(|m| !m.requested).collect();
    requested.sort_by_key(|m| m.package.name);
    deps.sort_by_key(|m| m.package.name);
    o.out("Installing:");
    requested.iter().for_each(|m| row(o, m));
    if !deps.is_empty() {
        o.out("Installing for dependencies:");
        deps.iter().for_each(|m| row(o, m));
    }
    o.out("");
    o.out("Transaction Summary");
    o.out(rule);
    let plural = |n: usize, word: &str| if n == 1 { format!("{n} {word}") } else { format!("{n} {word}s") };
    let mut summary = format!("Install  {}", plural(requested.len(), "Package"));
    if !deps.is_empty() {
        summary.push_str(&format!(" (+{} Dependent {})", deps.len(), if deps.len() == 1 { "package" } else { "packages" }));
    }
    o.out(summary);
    o.out("");
    let download: u64 = members.iter().map(|m| m.package.size).sum();
    let installed: u64 = members.iter().map(|m| m.package.installed).sum();
    o.out(format!("Total download size: {}", size(download)));
    o.out(format!("Installed size: {}", size(installed)));
}

/// `  Installing : NEVRA ... i/N ` padded to the width.
fn progress(verb: &str, p: &Package, i: usize, n: usize) -> String {
    let left = format!("  {verb} : {}", p.nevra());
    let right = format!("{i}/{n} ");
    let gap = WIDTH.saturating_sub(left.chars().count() + right.len()).max(1);
    format!("{left}{}{right}", " ".repeat(gap))
}

/// `Installed:` or `Dependency Installed:` and its packed list.
fn installed_list(o: &mut Outcome, title: &str, entries: &[String]) {
    o.out("");
    o.out(title);
    let width = entries.iter().map(|e| e.chars().count()).max().unwrap_or(0) + 2;
    let per_line = ((WIDTH - 2) / width.max(1)).max(1);
    for chunk in entries.chunks(per_line) {
        let mut line = "  ".to_owned();
        for entry in chunk {
            let at = line.chars().count() + width;
            line.push_str(entry);
            pad_to(&mut line, at);
        }
        pad_to(&mut line, WIDTH);
        o.out(line);
    }
}

/// From `Downloading packages:` to `Complete!`; `order` is rpm's.
pub(super) fn transaction(o: &mut Outcome, members: &[Member], order: &[usize]) {
    o.out("Downloading packages:");
    // A `file://` repository is used in place; a web mirror's packages are fetched one by one.
    let fetched: Vec<&Member> = members.iter().filter(|m| m.package.source == Source::Epel).collect();
    let n = fetched.len();
    for (i, m) in fetched.iter().enumerate() {
        let p = m.package;
        let file = format!("({}/{n}): {}-{}.{}.rpm", i + 1, p.name, p.version, p.arch);
        o.out(format!("{file:<57}| {:>6}B  00:00:00     ", size(p.size)));
    }
    if n > 1 {
        o.out("-".repeat(WIDTH));
        let total: u64 = fetched.iter().map(|m| m.package.size).sum();
        o.out(format!("{:<57}| {:>6}B  00:00:00     ", "Total", size(total)));
    }
    o.out("Running transaction check");
    o.out("Running transaction test");
    o.out("Transaction test succeeded");
    o.out("Running transaction");
    let total = order.len();
    for (i, &m) in order.iter().enumerate() {
        o.out(progress("Installing", members[m].package, i + 1, total));
    }
    for (i, &m) in order.iter().enumerate() {
        o.out(progress("Verifying ", members[m].package, i + 1, total));
    }
    let listed = |requested: bool| -> Vec<String> {
        let mut v: Vec<&Member> = members.iter().filter(|m| m.requested == requested).collect();
        v.sort_by_key(|m| m.package.name);
        v.iter().map(|m| format!("{}.{} {}", m.package.name, m.package.arch, m.package.evr())).collect()
    };
    installed_list(o, "Installed:", &listed(true));
    let deps = listed(false);
    if !deps.is_empty() {
        installed_list(o, "Dependency Installed:", &deps);
    }
    o.out("");
    o.out("Complete!");
}
