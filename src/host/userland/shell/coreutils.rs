//! The file and text builtins a lab uses (GNU coreutils 9.1 messages): `cp`, `mv`, `rm`, `echo`,
//! `hostname`, `seq`, `true`, `false`, and `sleep`'s argument check (a pipeline does the
//! sleeping). `cat` and the other filters are in `proto::filters`.

use super::{Ctx, Output};

/// `cp SRC DST` / `mv SRC DST` for files (DST may be a directory).
pub(super) fn copy(ctx: &mut Ctx<'_, '_>, args: &[&str]) -> Output {
    let mut o = Output::default();
    let cmd = ctx.name;
    let [src, dst] = args else {
        o.err(format!("{cmd}: missing file operand"));
        o.err(format!("Try '{cmd} --help' for more information."));
        return o.status(1);
    };
    if let Some(path) = [*src, *dst].into_iter().find(|p| ctx.k.on_nfs_mount(p)) {
        o.err(format!("{cmd}: {path}: labsim does not model copying to or from an NFS mount"));
        return o.status(1);
    }
    let Some(file) = ctx.k.fs().read(src).map(|f| f.contents.clone()) else {
        o.err(format!("{cmd}: cannot stat '{src}': No such file or directory"));
        return o.status(1);
    };
    let target = if ctx.k.fs().is_dir(dst) {
        format!("{}/{}", dst.trim_end_matches('/'), src.rsplit('/').next().unwrap_or(src))
    } else {
        (*dst).to_owned()
    };
    if cmd == "mv" {
        ctx.k.fs_mut().rename(src, &target, ctx.now);
    } else {
        ctx.k.fs_mut().write(&target, file, ctx.now);
    }
    o
}

/// `rm FILE…`.
pub(super) fn remove(ctx: &mut Ctx<'_, '_>, args: &[&str]) -> Output {
    let mut o = Output::default();
    let mut status = 0;
    for path in args.iter().filter(|a| !a.starts_with('-')) {
        if ctx.k.on_nfs_mount(path) {
            o.err(format!("rm: {path}: labsim does not model removing a file on an NFS mount"));
            status = 1;
            continue;
        }
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
    o.out(super::netconf::host_name(ctx));
    o
}

/// `sleep`'s complaint about its argument (a valid `sleep N` holds the pipeline instead).
pub(super) fn sleep_usage() -> Output {
    let mut o = Output::default();
    o.err("sleep: missing operand");
    o.err("Try 'sleep --help' for more information.");
    o.status(1)
}

pub(super) fn true_(_: &mut Ctx<'_, '_>, _: &[&str]) -> Output {
    Output::default()
}

pub(super) fn false_(_: &mut Ctx<'_, '_>, _: &[&str]) -> Output {
    Output::default().status(1)
}

/// Most numbers `seq` prints here (GNU seq prints as many as asked).
const SEQ_MAX: u64 = super::MAX_COMMANDS as u64;

/// `seq [FIRST [INCREMENT]] LAST` for integers.
pub(super) fn seq(_: &mut Ctx<'_, '_>, args: &[&str]) -> Output {
    let mut o = Output::default();
    let usage = |o: &mut Output, line: String| {
        o.err(line);
        o.err("Try 'seq --help' for more information.");
    };
    if args.is_empty() {
        usage(&mut o, "seq: missing operand".to_owned());
        return o.status(1);
    }
    let mut nums = Vec::new();
    for a in args {
        match a.parse::<i64>() {
            Ok(n) => nums.push(n),
            Err(_) if a.parse::<f64>().is_ok() => {
                o.err(format!("seq: labsim: fractional numbers ({a}) are not modelled"));
                return o.status(1);
            }
            Err(_) => {
                usage(&mut o, format!("seq: invalid floating point argument: ‘{a}’"));
                return o.status(1);
            }
        }
    }
    let (first, step, last) = match nums.as_slice() {
        [last] => (1, 1, *last),
        [first, last] => (*first, 1, *last),
        [first, step, last] => (*first, *step, *last),
        _ => {
            usage(&mut o, format!("seq: extra operand ‘{}’", args[3]));
            return o.status(1);
        }
    };
    if step == 0 {
        usage(&mut o, "seq: invalid Zero increment value: ‘0’".to_owned());
        return o.status(1);
    }
    let count = if (step > 0 && last < first) || (step < 0 && last > first) { 0 } else { last.abs_diff(first) / step.unsigned_abs() + 1 };
    if count > SEQ_MAX {
        o.err(format!("seq: labsim: more than {SEQ_MAX} numbers are not modelled"));
        return o.status(1);
    }
    let mut n = first;
    for _ in 0..count {
        o.out(n.to_string());
        n = n.saturating_add(step);
    }
    o
}
