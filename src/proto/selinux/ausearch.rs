//! `ausearch` (audit 2.8.5, `src/ausearch.c`, `ausearch-options.c`, `ausearch-report.c`,
//! `ausearch-time.c`) over the text of `/var/log/audit/audit.log`: `-m TYPE[,TYPE…]` selects the
//! events holding a record of one of those types, `-ts recent|today|now` those since ten minutes
//! ago, midnight or now. Each event found is printed in the default (raw) format: `----`, then
//! `time->` and `ctime()` of its time, then its records last received first. Nothing found:
//! `<no matches>` on stderr, exit 1.

use crate::kernel::{Calendar, SimTime};

use super::audit::parse_header;

/// What to look for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Query {
    /// Record types (upper case); empty: every type (`-m ALL`, or no `-m`).
    types: Vec<String>,
    /// Events from this time on (seconds since the Unix epoch).
    since: Option<u64>,
}

/// `ausearch`'s usage (printed on stdout) for no options at all.
const USAGE: &[&str] = &[
    "usage: ausearch [options]",
    "\t-a,--event <Audit event id>\tsearch based on audit event id",
    "\t--arch <CPU>\t\t\tsearch based on the CPU architecture",
    "\t-c,--comm  <Comm name>\t\tsearch based on command line name",
    "\t--checkpoint <checkpoint file>\tsearch from last complete event",
    "\t--debug\t\t\tWrite malformed events that are skipped to stderr",
    "\t-e,--exit  <Exit code or errno>\tsearch based on syscall exit code",
    "\t-f,--file  <File name>\t\tsearch based on file name",
    "\t--format [raw|default|interpret|csv|text] results format options",
    "\t-ga,--gid-all <all Group id>\tsearch based on All group ids",
    "\t-ge,--gid-effective <effective Group id>  search based on Effective",
    "\t\t\t\t\tgroup id",
    "\t-gi,--gid <Group Id>\t\tsearch based on group id",
    "\t-h,--help\t\t\thelp",
    "\t-hn,--host <Host Name>\t\tsearch based on remote host name",
    "\t-i,--interpret\t\t\tInterpret results to be human readable",
    "\t-if,--input <Input File name>\tuse this file instead of current logs",
    "\t--input-logs\t\t\tUse the logs even if stdin is a pipe",
    "\t--just-one\t\t\tEmit just one event",
    "\t-k,--key  <key string>\t\tsearch based on key field",
    "\t-l, --line-buffered\t\tFlush output on every line",
    "\t-m,--message  <Message type>\tsearch based on message type",
    "\t-n,--node  <Node name>\t\tsearch based on machine's name",
    "\t-o,--object  <SE Linux Object context> search based on context of object",
    "\t-p,--pid  <Process id>\t\tsearch based on process id",
    "\t-pp,--ppid <Parent Process id>\tsearch based on parent process id",
    "\t-r,--raw\t\t\toutput is completely unformatted",
    "\t-sc,--syscall <SysCall name>\tsearch based on syscall name or number",
    "\t-se,--context <SE Linux context> search based on either subject or",
    "\t\t\t\t\t object",
    "\t--session <login session id>\tsearch based on login session id",
    "\t-su,--subject <SE Linux context> search based on context of the Subject",
    "\t-sv,--success <Success Value>\tsearch based on syscall or event",
    "\t\t\t\t\tsuccess value",
    "\t-te,--end [end date] [end time]\tending date & time for search",
    "\t-ts,--start [start date] [start time]\tstarting data & time for search",
    "\t-tm,--terminal <TerMinal>\tsearch based on terminal",
    "\t-ua,--uid-all <all User id>\tsearch based on All user id's",
    "\t-ue,--uid-effective <effective User id>  search based on Effective",
    "\t\t\t\t\tuser id",
    "\t-ui,--uid <User Id>\t\tsearch based on user id",
    "\t-ul,--loginuid <login id>\tsearch based on the User's Login id",
    "\t-uu,--uuid <guest UUID>\t\tsearch for events related to the virtual",
    "\t\t\t\t\tmachine with the given UUID.",
    "\t-v,--version\t\t\tversion",
    "\t-vm,--vm-name <guest name>\tsearch for events related to the virtual",
    "\t\t\t\t\tmachine with the name.",
    "\t-w,--word\t\t\tstring matches are whole word",
    "\t-x,--executable <executable name>  search based on executable name",
];

/// What the command printed and its exit status.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Printed {
    /// Standard output's lines.
    pub(crate) stdout: Vec<String>,
    /// Standard error's lines.
    pub(crate) stderr: Vec<String>,
    /// The exit status.
    pub(crate) status: i32,
}

fn refused(line: String) -> Printed {
    Printed { stdout: Vec::new(), stderr: vec![line], status: 1 }
}

/// Reads the arguments (`check_params`): the query, or what ausearch prints instead. `now` and
/// `cal` place `-ts`'s keywords.
pub(crate) fn parse(args: &[&str], now: SimTime, cal: &Calendar) -> Result<Query, Printed> {
    if args.is_empty() {
        return Err(Printed { stdout: USAGE.iter().map(|l| (*l).to_owned()).collect(), stderr: Vec::new(), status: 1 });
    }
    let mut q = Query::default();
    let mut i = 0;
    while i < args.len() {
        let opt = args[i];
        // The next word is the option's argument unless it starts with '-'.
        let value = args.get(i + 1).filter(|v| !v.starts_with('-')).copied();
        match opt {
            "-m" | "--message" | "-ts" | "--start" => {
                let Some(value) = value else { return Err(refused(format!("Argument is required for {opt}"))) };
                if matches!(opt, "-ts" | "--start") {
                    q.since = Some(start(value, now, cal)?);
                } else if !value.eq_ignore_ascii_case("ALL") {
                    q.types.extend(value.split(',').map(str::to_ascii_uppercase));
                }
                i += 2;
            }
            _ => return Err(refused(format!("{opt} is an unsupported option"))),
        }
    }
    Ok(q)
}

/// The time a `-ts` keyword stands for (`ausearch-time.c`: `recent` is ten minutes ago, `today`
/// midnight, `now` now; local time is UTC here).
fn start(word: &str, now: SimTime, cal: &Calendar) -> Result<u64, Printed> {
    let now_s = cal.unix_micros(now) / 1_000_000;
    match word {
        "now" => Ok(now_s),
        "recent" => Ok(now_s.saturating_sub(600)),
        "today" => Ok(now_s - now_s % 86_400),
        _ => Err(refused(format!("ausearch: labsim: -ts {word} is not modelled (recent, today and now are)"))),
    }
}

/// Searches the log's text.
pub(crate) fn search(log: &str, q: &Query) -> Printed {
    // Events in the order they were logged: consecutive records with one event id.
    let mut events: Vec<(u64, &str, Vec<&str>)> = Vec::new();
    for line in log.lines() {
        let Some((_, secs, id)) = parse_header(line) else { continue };
        match events.last_mut() {
            Some((_, last, records)) if *last == id => records.push(line),
            _ => events.push((secs, id, vec![line])),
        }
    }
    let mut out = Vec::new();
    for (secs, _, records) in events {
        let typed = |r: &&str| parse_header(r).is_some_and(|(ty, _, _)| q.types.iter().any(|t| t == ty));
        if q.since.is_some_and(|s| secs < s) || !(q.types.is_empty() || records.iter().any(typed)) {
            continue;
        }
        out.push("----".to_owned());
        let date = Calendar::new(0).date(SimTime::from_micros(secs.saturating_mul(1_000_000)));
        out.push(format!("time->{}", date.ctime()));
        out.extend(records.iter().rev().map(|r| (*r).to_owned()));
    }
    if out.is_empty() {
        return refused("<no matches>".to_owned());
    }
    Printed { stdout: out, stderr: Vec::new(), status: 0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = "type=AVC msg=audit(1795536002.250:1): avc:  denied  { getattr } for  pid=7\n\
                       type=SYSCALL msg=audit(1795536002.250:1): syscall=4\n\
                       type=USER_LOGIN msg=audit(1795536003.000:2): op=login\n\
                       type=AVC msg=audit(1795536900.000:3): avc:  denied  { read } for  pid=7\n";

    fn run(args: &[&str], at_s: u64) -> Printed {
        let cal = Calendar::default();
        match parse(args, SimTime::from_micros(at_s * 1_000_000), &cal) {
            Ok(q) => search(LOG, &q),
            Err(p) => p,
        }
    }

    #[test]
    fn events_of_a_type_newest_record_first() {
        let p = run(&["-m", "avc"], 1000);
        assert_eq!(p.status, 0);
        assert_eq!(
            p.stdout,
            [
                "----",
                "time->Tue Nov 24 16:00:02 2026",
                "type=SYSCALL msg=audit(1795536002.250:1): syscall=4",
                "type=AVC msg=audit(1795536002.250:1): avc:  denied  { getattr } for  pid=7",
                "----",
                "time->Tue Nov 24 16:15:00 2026",
                "type=AVC msg=audit(1795536900.000:3): avc:  denied  { read } for  pid=7",
            ]
        );
    }

    #[test]
    fn recent_is_the_last_ten_minutes() {
        let p = run(&["-m", "AVC", "-ts", "recent"], 1000);
        assert_eq!(p.stdout.len(), 3, "{p:?}");
        let none = run(&["-m", "avc", "-ts", "recent"], 2000);
        assert_eq!((none.stderr, none.status), (vec!["<no matches>".to_owned()], 1));
    }

    #[test]
    fn refusals() {
        assert_eq!(run(&[], 0).stdout[0], "usage: ausearch [options]");
        assert_eq!(run(&["-m"], 0).stderr, ["Argument is required for -m"]);
        assert_eq!(run(&["-m", "-ts"], 0).stderr, ["Argument is required for -m"]);
        assert_eq!(run(&["-z"], 0).stderr, ["-z is an unsupported option"]);
        assert_eq!(run(&["-ts", "yesterday"], 0).status, 1);
    }

    #[test]
    fn a_hand_edited_log_does_not_upset_it() {
        let log = "type=AVC msg=audit(99999999999999999999.000:1): x\ntype=AVC msg=audit(18446744073709551615.000:2): y\nnoise\n";
        let p = search(log, &Query { types: vec!["AVC".to_owned()], since: None });
        assert_eq!(p.stdout.len(), 3, "{p:?}");
    }
}
