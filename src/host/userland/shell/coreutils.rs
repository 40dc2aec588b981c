//! The file and text builtins a lab uses (GNU coreutils 9.1 messages): `cat`, `cp`, `mv`, `rm`,
//! `echo`, `hostname`, and `sleep`'s argument check (a job does the sleeping).

use super::{Ctx, Output};

pub(super) fn cat(ctx: &mut Ctx<'_, '_>, args: &[&str]) -> Output {
    let mut o = Output::default();
    let mut status = 0;
    for path in args {
        match ctx.k.fs().read_text(path) {
            Some(text) => text.lines().for_each(|l| o.out(l)),
            None if ctx.k.fs().is_dir(path) => {
                o.err(format!("cat: {path}: Is a directory"));
                status = 1;
            }
            None => {
                o.err(format!("cat: {path}: No such file or directory"));
                status = 1;
            }
        }
    }
    o.status(status)
}

/// `cp SRC DST` / `mv SRC DST` for files (DST may be a directory).
pub(super) fn copy(ctx: &mut Ctx<'_, '_>, args: &[&str]) -> Output {
    let mut o = Output::default();
    let cmd = ctx.name;
    let [src, dst] = args else {
        o.err(format!("{cmd}: missing file operand"));
        o.err(format!("Try '{cmd} --help' for more information."));
        return o.status(1);
    };
    let Some(file) = ctx.k.fs().read(src).map(|f| f.contents.clone()) else {
        o.err(format!("{cmd}: cannot stat '{src}': No such file or directory"));
        return o.status(1);
    };
    let target = if ctx.k.fs().is_dir(dst) {
        format!("{}/{}", dst.trim_end_matches('/'), src.rsplit('/').next().unwrap_or(src))
    } else {
        (*dst).to_owned()
    };
    ctx.k.fs_mut().write(&target, file, ctx.now);
    if cmd == "mv" {
        ctx.k.fs_mut().remove(src);
    }
    o
}

/// `rm FILE…`.
pub(super) fn remove(ctx: &mut Ctx<'_, '_>, args: &[&str]) -> Output {
    let mut o = Output::default();
    let mut status = 0;
    for path in args.iter().filter(|a| !a.starts_with('-')) {
        if !ctx.k.fs_mut().remove(path) {
            o.err(format!("rm: cannot remove '{path}': No such file or directory"));
            status = 1;
        }
    }
    o.status(status)
}

pub(super) fn echo(_: &mut Ctx<'_, '_>, args: &[&str]) -> Output {
    let mut o = Output::default();
    o.out(args.join(" "));
    o
}

pub(super) fn hostname(ctx: &mut Ctx<'_, '_>, _: &[&str]) -> Output {
    let mut o = Output::default();
    o.out(ctx.k.hostname());
    o
}

/// `sleep N` on its own finishes at once (a job holds its next command for N seconds).
pub(super) fn sleep(_: &mut Ctx<'_, '_>, args: &[&str]) -> Output {
    let mut o = Output::default();
    if args.first().and_then(|a| a.parse::<f64>().ok()).is_none() {
        o.err("sleep: missing operand");
        o.err("Try 'sleep --help' for more information.");
        return o.status(1);
    }
    o
}
