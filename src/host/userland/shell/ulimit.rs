//! `ulimit`, bash's builtin (`builtins/ulimit.def`), for the one limit labsim models: open
//! files (`-n`, `RLIMIT_NOFILE`), which the console's programs inherit (ab's and wrk's
//! connections count against it). `-S` and `-H` choose the soft or the hard limit; setting
//! without either sets both, showing shows the soft one. The file size (`-f`, what a bare
//! `ulimit` shows) is shown as the unlimited it is on every labsim host; setting it, the other
//! limits and `-a` are refused as not modelled.

use super::{Ctx, Output};
use crate::host::kernel::NoFile;
use crate::host::userland::os::Os;

/// bash's name for `-n` in its messages.
const OPEN_FILES: &str = "open files";

/// What differs between the `ulimit`s of CentOS 7's bash 4.2 and Debian 12's 5.2.
struct Bash {
    /// The limit options (`-k`, `-P` and `-R` came after 4.2), which its usage line lists.
    letters: &'static str,
    /// The width of the units column when several limits are shown (`printone`'s `%-20s %16s`;
    /// 5.x widened it to `%20s` for `(microseconds, -R) `).
    units_width: usize,
}

fn bash(os: Os) -> Bash {
    match os {
        Os::CentOs7 => Bash { letters: "abcdefilmnpqrstuvxT", units_width: 16 },
        _ => Bash { letters: "abcdefiklmnpqrstuvxPRT", units_width: 20 },
    }
}

/// bash's `printone` with the limit's name, when several are shown (as `ulimit -a` lays them
/// out): `open files                          (-n) 1024` in bash 5.2.
fn described(bash: &Bash, name: &str, units: &str, value: &str) -> String {
    format!("{name:<20} {units:>width$}{value}", width = bash.units_width)
}

/// `ulimit [-SH] [-n] [LIMIT]`.
pub(super) fn ulimit(ctx: &mut Ctx<'_, '_>, args: &[&str]) -> Output {
    let mut o = Output::default();
    let shell = ctx.u.shell_name();
    let bash = bash(ctx.u.os);
    let (mut soft, mut hard) = (false, false);
    // Each limit option and its argument (`internal_getopt`'s optional argument: the rest of
    // the word, or the next word unless it is an option).
    let mut commands: Vec<(char, Option<&str>)> = Vec::new();
    let mut i = 0;
    while let Some(word) = args.get(i).copied() {
        if word == "--" {
            i += 1;
            break;
        }
        let Some(flags) = word.strip_prefix('-').filter(|f| !f.is_empty()) else { break };
        i += 1;
        for (at, c) in flags.char_indices() {
            match c {
                'S' => soft = true,
                'H' => hard = true,
                c if bash.letters.contains(c) => {
                    let rest = &flags[at + c.len_utf8()..];
                    let arg = if !rest.is_empty() {
                        Some(rest)
                    } else if let Some(next) = args.get(i).filter(|n| !n.starts_with('-')) {
                        i += 1;
                        Some(*next)
                    } else {
                        None
                    };
                    commands.push((c, arg));
                    break;
                }
                c => {
                    o.err(format!("{shell}: ulimit: -{c}: invalid option"));
                    o.err(format!("ulimit: usage: ulimit [-SH{}] [limit]", bash.letters));
                    return o.status(2);
                }
            }
        }
    }
    // No limit named: the file size (`-f`). An operand left over is the last one's value.
    if commands.is_empty() {
        commands.push(('f', None));
    }
    if let (Some(operand), Some(last)) = (args.get(i), commands.last_mut())
        && last.1.is_none()
    {
        last.1 = Some(operand);
    }
    let multiple = commands.len() > 1;
    for (c, arg) in commands {
        match (c, arg) {
            ('f', None) => {
                o.out(if multiple { described(&bash, "file size", "(blocks, -f) ", "unlimited") } else { "unlimited".to_owned() });
                continue;
            }
            ('n', _) => {}
            _ => {
                o.err(format!("{shell}: ulimit: labsim: -{c} is not modelled, only -n (open files)"));
                return o.status(1);
            }
        }
        let current = ctx.u.nofile;
        let Some(arg) = arg else {
            let value = if hard && !soft { current.hard } else { current.soft };
            o.out(if multiple { described(&bash, OPEN_FILES, "(-n) ", &value.to_string()) } else { value.to_string() });
            continue;
        };
        let value = match arg {
            "hard" => current.hard,
            "soft" => current.soft,
            "unlimited" => u64::MAX,
            digits if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => match digits.parse() {
                Ok(v) => v,
                Err(_) => {
                    o.err(format!("{shell}: ulimit: {digits}: limit out of range"));
                    return o.status(1);
                }
            },
            other => {
                o.err(format!("{shell}: ulimit: {other}: invalid number"));
                return o.status(1);
            }
        };
        let both = soft == hard;
        let new = NoFile { soft: if soft || both { value } else { current.soft }, hard: if hard || both { value } else { current.hard } };
        match NoFile::set(new) {
            Ok(set) => ctx.u.nofile = set,
            Err(errno) => {
                o.err(format!("{shell}: ulimit: {OPEN_FILES}: cannot modify limit: {}", errno.text()));
                return o.status(1);
            }
        }
    }
    o
}
