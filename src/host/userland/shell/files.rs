//! The directory builtins a lab uses (GNU coreutils messages, C locale): `mkdir [-p]`,
//! `chmod MODE FILE…` and `ls [-l] [-d] [-a]` with `ls -l`'s long format (`print_long_format`
//! in coreutils' `src/ls.c`: mode string with CentOS 7's SELinux `.`, aligned columns, owner
//! names from the machine's passwd table, `%b %e %H:%M` for files of the last six months).

use super::{Ctx, Output};
use crate::host::kernel::fs::{Fs, Inode};
use crate::kernel::{Calendar, SimTime};
use crate::proto::nfs::tree::Errno;

/// strerror's words.
pub(super) fn strerror(e: Errno) -> &'static str {
    match e {
        Errno::NoEnt => "No such file or directory",
        Errno::Exist => "File exists",
        Errno::NotDir => "Not a directory",
        Errno::IsDir => "Is a directory",
        Errno::NoSpc => "No space left on device",
        Errno::Inval => "Invalid argument",
        Errno::NotEmpty => "Directory not empty",
    }
}

/// coreutils' "Try 'CMD --help'" line after a usage error.
fn usage(o: &mut Output, cmd: &str, line: String) {
    o.err(line);
    o.err(format!("Try '{cmd} --help' for more information."));
}

/// Splits `-abc` options from operands (a lone `-` and everything after `--` are operands);
/// the first option letter not in `known` is returned as the error.
fn options<'a>(args: &[&'a str], known: &str) -> Result<(String, Vec<&'a str>), char> {
    let (mut flags, mut operands, mut done) = (String::new(), Vec::new(), false);
    for a in args {
        if done || !a.starts_with('-') || *a == "-" {
            operands.push(*a);
        } else if *a == "--" {
            done = true;
        } else {
            for c in a[1..].chars() {
                if !known.contains(c) {
                    return Err(c);
                }
                flags.push(c);
            }
        }
    }
    Ok((flags, operands))
}

/// `mkdir [-p] DIR…`.
pub(super) fn mkdir(ctx: &mut Ctx<'_, '_>, args: &[&str]) -> Output {
    let mut o = Output::default();
    let (flags, dirs) = match options(args, "p") {
        Ok(x) => x,
        Err(c) => {
            usage(&mut o, "mkdir", format!("mkdir: invalid option -- '{c}'"));
            return o.status(1);
        }
    };
    if dirs.is_empty() {
        usage(&mut o, "mkdir", "mkdir: missing operand".to_owned());
        return o.status(1);
    }
    let mut status = 0;
    for dir in dirs {
        if let Err(e) = ctx.k.fs_mut().mkdir(dir, flags.contains('p'), ctx.now) {
            o.err(format!("mkdir: cannot create directory '{dir}': {}", strerror(e)));
            status = 1;
        }
    }
    o.status(status)
}

/// A mode operand: octal, or symbolic `[ugoa]*[+-=][rwxX]*` clauses joined by commas
/// (coreutils' `mode_compile`), applied to `old`.
fn parse_mode(text: &str, old: u32, is_dir: bool) -> Option<u32> {
    if !text.is_empty() && text.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        return u32::from_str_radix(text, 8).ok().filter(|m| *m <= 0o7777);
    }
    let mut mode = old;
    for clause in text.split(',') {
        let at = clause.find(['+', '-', '='])?;
        let (who, rest) = clause.split_at(at);
        let mut mask = 0;
        for c in who.chars() {
            mask |= match c {
                'u' => 0o4700,
                'g' => 0o2070,
                'o' => 0o1007,
                'a' => 0o7777,
                _ => return None,
            };
        }
        // No "who": all, less the umask (022).
        let (mask, umask) = if who.is_empty() { (0o7777, 0o022) } else { (mask, 0) };
        let (op, perms) = rest.split_at(1);
        let mut bits = 0;
        for c in perms.chars() {
            bits |= match c {
                'r' => 0o444,
                'w' => 0o222,
                'x' => 0o111,
                'X' if is_dir || old & 0o111 != 0 => 0o111,
                'X' => 0,
                _ => return None,
            };
        }
        let bits = bits & mask & !umask;
        mode = match op {
            "+" => mode | bits,
            "-" => mode & !bits,
            _ => (mode & !(mask & 0o777)) | bits,
        };
    }
    Some(mode)
}

/// `chmod MODE FILE…`.
pub(super) fn chmod(ctx: &mut Ctx<'_, '_>, args: &[&str]) -> Output {
    let mut o = Output::default();
    let (mode, files) = match args {
        [] => {
            usage(&mut o, "chmod", "chmod: missing operand".to_owned());
            return o.status(1);
        }
        [mode] => {
            usage(&mut o, "chmod", format!("chmod: missing operand after '{mode}'"));
            return o.status(1);
        }
        [mode, files @ ..] => (*mode, files),
    };
    let mut status = 0;
    for file in files {
        let path = ctx.k.fs().absolute(file).into_owned();
        let Some(inode) = ctx.k.fs().stat(&path) else {
            o.err(format!("chmod: cannot access '{file}': No such file or directory"));
            status = 1;
            continue;
        };
        let Some(new) = parse_mode(mode, inode.mode, inode.is_dir()) else {
            usage(&mut o, "chmod", format!("chmod: invalid mode: '{mode}'"));
            return o.status(1);
        };
        if let Err(e) = ctx.k.fs_mut().chmod(&path, new, ctx.now) {
            o.err(format!("chmod: changing permissions of '{file}': {}", strerror(e)));
            status = 1;
        }
    }
    o.status(status)
}

/// The machine's `/etc/passwd` and `/etc/group` names (CentOS 7 with httpd and nfs-utils).
fn user_name(id: u32) -> String {
    match id {
        0 => "root".to_owned(),
        48 => "apache".to_owned(),
        65534 => "nfsnobody".to_owned(),
        n => n.to_string(),
    }
}

/// `-rwxr-xr-x.` (`filemodestring`, then `.` for a file with an SELinux context only).
fn mode_string(inode: &Inode) -> String {
    let mut s = String::with_capacity(11);
    s.push(if inode.is_dir() { 'd' } else { '-' });
    let m = inode.mode;
    let special = [(0o4000, 6), (0o2000, 3), (0o1000, 0)];
    for (shift, who) in [(6, 0), (3, 1), (0, 2)] {
        let bits = (m >> shift) & 7;
        s.push(if bits & 4 != 0 { 'r' } else { '-' });
        s.push(if bits & 2 != 0 { 'w' } else { '-' });
        let (flag, _) = special[who];
        let x = bits & 1 != 0;
        s.push(match (m & flag != 0, x, who) {
            (true, true, 2) => 't',
            (true, false, 2) => 'T',
            (true, true, _) => 's',
            (true, false, _) => 'S',
            (false, true, _) => 'x',
            (false, false, _) => '-',
        });
    }
    s.push('.');
    s
}

/// `Nov 30 05:32`, or `Nov 30  2025` for a time more than six months old or in the future.
fn ls_date(calendar: Calendar, mtime: SimTime, now: SimTime) -> String {
    const SIX_MONTHS_US: u64 = 31_556_952_000_000 / 2;
    let d = calendar.date(mtime);
    let age = now.as_micros().checked_sub(mtime.as_micros());
    let recent = age.is_some_and(|a| a < SIX_MONTHS_US);
    let month = &d.month_name()[..3];
    if recent { format!("{month} {:>2} {:02}:{:02}", d.day, d.hour, d.minute) } else { format!("{month} {:>2}  {}", d.day, d.year) }
}

/// One-K blocks a file takes (4 KiB blocks).
fn blocks_k(inode: &Inode) -> u64 {
    inode.size().div_ceil(4096) * 4
}

/// The long listing of `items` (name, inode), columns aligned as `ls -l` does.
fn long_lines(fs: &Fs, calendar: Calendar, now: SimTime, items: &[(String, &Inode)], o: &mut Output) {
    let rows: Vec<[String; 5]> = items
        .iter()
        .map(|(_, i)| [fs.nlink(i).to_string(), user_name(i.uid), user_name(i.gid), i.size().to_string(), ls_date(calendar, i.mtime, now)])
        .collect();
    let width = |c: usize| rows.iter().map(|r| r[c].len()).max().unwrap_or(0);
    let (wl, wu, wg, ws) = (width(0), width(1), width(2), width(3));
    for ((name, inode), r) in items.iter().zip(&rows) {
        o.out(format!("{} {:>wl$} {:<wu$} {:<wg$} {:>ws$} {} {name}", mode_string(inode), r[0], r[1], r[2], r[3], r[4]));
    }
}

/// `ls [-l] [-d] [-a] [FILE…]`.
pub(super) fn ls(ctx: &mut Ctx<'_, '_>, args: &[&str]) -> Output {
    let mut o = Output::default();
    let (flags, mut operands) = match options(args, "lda1") {
        Ok(x) => x,
        Err(c) => {
            usage(&mut o, "ls", format!("ls: invalid option -- '{c}'"));
            return o.status(2);
        }
    };
    let (long, dirs_as_files, all) = (flags.contains('l'), flags.contains('d'), flags.contains('a'));
    if operands.is_empty() {
        operands.push(".");
    }
    let fs = ctx.k.fs();
    let (calendar, now) = (ctx.k.calendar(), ctx.now);
    let mut status = 0;
    let mut files: Vec<(String, &Inode)> = Vec::new();
    let mut dirs: Vec<(&str, &Inode)> = Vec::new();
    let mut sorted = operands.clone();
    sorted.sort_unstable();
    for op in sorted {
        let path = fs.absolute(op).into_owned();
        match fs.stat(&path) {
            None => {
                o.err(format!("ls: cannot access '{op}': No such file or directory"));
                status = 2;
            }
            Some(i) if i.is_dir() && !dirs_as_files => dirs.push((op, i)),
            Some(i) => files.push((op.to_owned(), i)),
        }
    }
    let print = |o: &mut Output, items: &[(String, &Inode)]| {
        if long {
            long_lines(fs, calendar, now, items, o);
        } else {
            items.iter().for_each(|(n, _)| o.out(n.clone()));
        }
    };
    print(&mut o, &files);
    let headings = operands.len() > 1;
    for (n, (op, _)) in dirs.iter().enumerate() {
        if n > 0 || !files.is_empty() {
            o.out("");
        }
        if headings {
            o.out(format!("{op}:"));
        }
        let path = fs.absolute(op).into_owned();
        let entries: Vec<(String, &Inode)> = fs
            .entries(&path)
            .unwrap_or_default()
            .into_iter()
            .filter(|(name, _)| all || !name.starts_with('.'))
            .map(|(n, i)| (n.to_owned(), i))
            .collect();
        if long {
            o.out(format!("total {}", entries.iter().map(|(_, i)| blocks_k(i)).sum::<u64>()));
        }
        print(&mut o, &entries);
    }
    o.status(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_read_as_coreutils_reads_them() {
        assert_eq!(parse_mode("777", 0o755, true), Some(0o777));
        assert_eq!(parse_mode("u+x,go-r", 0o644, false), Some(0o700));
        assert_eq!(parse_mode("+w", 0o444, false), Some(0o644));
        assert_eq!(parse_mode("a=rX", 0o755, true), Some(0o555));
        assert_eq!(parse_mode("8", 0, false), None);
        assert_eq!(parse_mode("z+x", 0, false), None);
    }
}
