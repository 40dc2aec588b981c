//! The shell's working directory: `cd` and `pwd`, bash's builtins. `$PWD` is where relative
//! paths start from (the kernel's file API takes it at each command).

use super::files::strerror;
use super::{Ctx, Output};

/// `cd [DIR]`, bash's builtin: `$HOME` without an operand, `$OLDPWD` for `-` (printed, as bash
/// does); `$PWD` and `$OLDPWD` follow, and relative paths start from there.
pub(super) fn cd(ctx: &mut Ctx<'_, '_>, args: &[&str]) -> Output {
    let mut o = Output::default();
    let shell = ctx.u.shell_name();
    let target = match args {
        [] => ctx.u.vars.get("HOME").to_owned(),
        ["-"] => {
            let old = ctx.u.vars.get("OLDPWD").to_owned();
            if old.is_empty() {
                o.err(format!("{shell}: cd: OLDPWD not set"));
                return o.status(1);
            }
            o.out(old.clone());
            old
        }
        [dir] => (*dir).to_owned(),
        _ => {
            o.err(format!("{shell}: cd: too many arguments"));
            return o.status(1);
        }
    };
    let fs = ctx.k.fs_mut();
    fs.set_cwd(ctx.u.vars.get("PWD"));
    match fs.chdir(&target) {
        Ok(()) => {
            let pwd = fs.cwd().to_owned();
            let old = ctx.u.vars.set("PWD", pwd).unwrap_or_default();
            ctx.u.vars.set("OLDPWD", old);
            o
        }
        Err(e) => {
            o.err(format!("{shell}: cd: {target}: {}", strerror(e)));
            o.status(1)
        }
    }
}

/// `pwd`, bash's builtin: `$PWD`.
pub(super) fn pwd(ctx: &mut Ctx<'_, '_>, _args: &[&str]) -> Output {
    let mut o = Output::default();
    o.out(ctx.u.vars.get("PWD"));
    o
}
