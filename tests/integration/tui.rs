//! The terminal UI (`labsim run FILE --tui`) as a person drives it: the real binary in a real
//! terminal (an 80×24 tmux pane), keys sent to it and its screen read back. A session pauses,
//! types a command on lb-1, jumps forward and back (the lab re-simulated from the seed with the
//! typed command planned at its time), and quits; `q` and Ctrl-C leave the terminal as they
//! found it (alternate screen left, cursor shown, cooked mode) with the text report printed.
//! `NO_COLOR` paints no colour.
//!
//! Needs `tmux` ([`crate::tmux`]). Without it the tests print a note and pass, unless `CI` is
//! set, where they fail (`.ci/run` installs tmux).

use std::time::Duration;

use crate::tmux::{self, Tmux};

/// How long a screen may take to show what a key asked for (a jump re-simulates up to 20 s of
/// the lab, well under a second in a release build).
const PATIENCE: Duration = Duration::from_secs(20);

/// Starts `labsim run scenarios/failover.ron --tui` in an 80×24 pane with `env` before it (as
/// `env`'s arguments); the shell then prints labsim's exit status and the terminal's modes
/// (`stty -a`), and keeps the pane open to be read.
fn start(name: &str, env: &str) -> Tmux {
    let command =
        format!("env {env} '{}' run scenarios/failover.ron --tui; echo \"EXIT=$?\"; stty -a; sleep 60", env!("CARGO_BIN_EXE_labsim"));
    let tmux = Tmux::start(name, (80, 24), &command);
    let screen = tmux.wait_for(PATIENCE, |s| title(s).is_some());
    assert!(title(&screen).is_some(), "no title bar:\n{screen}");
    tmux
}

/// The title bar: ` labsim  failover  12.000s / 40.000s  paused  seed 1`.
fn title(screen: &str) -> Option<&str> {
    screen.lines().next().filter(|l| l.starts_with(" labsim  failover  ") && l.contains("  seed 1"))
}

/// Whether the title bar reads `at` of the 40 s run, paused.
fn paused_at(screen: &str, at: &str) -> bool {
    title(screen).is_some_and(|t| t.contains(&format!("  {at} / 40.000s  paused  ")))
}

/// The rows inside the console pane (the bottom pane, the whole width), without the borders.
fn console(screen: &str) -> Vec<&str> {
    let rows = screen.lines().skip_while(|l| !l.starts_with("┌ Console lb-1 ")).skip(1).take_while(|l| !l.starts_with('└'));
    rows.map(|l| l.trim_start_matches('│').trim_end().trim_end_matches('│').trim_end()).collect()
}

/// The event log's lines that show a command typed on a console (`6.000s lb-1     [root@…`).
fn logged_commands(screen: &str) -> Vec<&str> {
    screen
        .lines()
        .filter_map(|l| l.split_once("││").map(|(_, right)| right.trim_end_matches('│')))
        .filter(|l| l.contains("[root@"))
        .collect()
}

/// Waits for `done` on a settled screen (not one caught while a frame is being written),
/// returning it; `what` says what was waited for.
fn wait_until(tmux: &Tmux, what: &str, done: impl Fn(&str) -> bool) -> String {
    let screen = tmux.wait_for_settled(PATIENCE, &done);
    assert!(done(&screen), "{what}:\n{screen}");
    screen
}

/// Presses `keys` then waits for `done`.
fn press(tmux: &Tmux, keys: &[&str], what: &str, done: impl Fn(&str) -> bool) -> String {
    tmux.keys(keys);
    wait_until(tmux, &format!("{what}, after {keys:?}"), done)
}

/// `g`, `typed` (`5s`), Enter: the screen once the title shows the lab at `shown` (`5.000s`),
/// paused.
fn jump(tmux: &Tmux, typed: &str, shown: &str) -> String {
    tmux.keys(&["g"]);
    tmux.type_text(typed);
    press(tmux, &["Enter"], &format!("the lab shown at {shown}, paused"), |s| paused_at(s, shown))
}

/// Whether an SGR sequence (`ESC [ … m`) of `screen` sets a foreground or background colour
/// (16 colours, 256 or truecolour); `39`/`49`, back to the default, set none.
fn has_colour(screen: &str) -> bool {
    screen
        .split("\x1b[")
        .skip(1)
        .filter_map(|s| s.split_once('m').map(|(params, _)| params))
        .any(|params| params.split(';').filter_map(|p| p.parse::<u16>().ok()).any(|p| matches!(p, 30..=38 | 40..=48 | 90..=97 | 100..=107)))
}

/// After the TUI quit: the report and the shell's lines are on the normal screen, the cursor is
/// shown and the terminal is back in cooked mode. Returns the pane's text.
fn assert_restored(tmux: &Tmux) -> String {
    let after = tmux.wait_for(PATIENCE, |s| s.contains("EXIT=") && s.contains("echoctl"));
    assert!(after.contains("EXIT=1"), "a run quit before its end exits 1:\n{after}");
    assert!(after.lines().any(|l| l == "labsim: scenario failover (scenarios/failover.ron), seed=1"), "the report:\n{after}");
    assert!(after.contains("outcome: stopped when the TUI was quit at "), "{after}");
    assert!(after.contains("reproduce: labsim run scenarios/failover.ron --seed 1"), "{after}");
    assert!(!after.contains("┌ Console lb-1 ") && title(&after).is_none(), "the TUI's screen is gone:\n{after}");
    assert_eq!(tmux.format("#{alternate_on} #{cursor_flag}"), "0 1", "alternate screen left, cursor shown");
    let stty = after.split_once("EXIT=").map_or("", |(_, modes)| modes);
    let modes: Vec<&str> = stty.split(|c: char| c.is_whitespace() || c == ';').collect();
    for mode in ["icanon", "echo", "isig", "icrnl", "opost"] {
        assert!(modes.contains(&mode), "`stty -a` shows {mode} (cooked mode):\n{after}");
    }
    after
}

#[test]
fn a_session_pauses_types_on_lb_1_jumps_back_and_restores_the_terminal() {
    if !tmux::available("the terminal UI") {
        return;
    }
    let tmux = start("tui", "-u NO_COLOR");
    let running = tmux.capture();
    assert!(title(&running).unwrap().contains("  running 1×  seed 1"), "it starts running at 1x:\n{running}");

    // Paused, then at a known time (the moment space lands on depends on the wall clock).
    let paused = press(&tmux, &["Space"], "paused", |s| title(s).is_some_and(|t| t.contains("  paused  seed 1")));
    assert!(console(&paused).iter().any(|l| l.starts_with("i: type a command on lb-1 at ")), "{paused}");
    assert!(has_colour(&tmux.screen_with_escapes()), "the screen has colours:\n{paused}");
    let at_6 = jump(&tmux, "6s", "6.000s");
    assert!(console(&at_6).contains(&"i: type a command on lb-1 at 6.000s"), "nothing typed on lb-1 yet:\n{at_6}");

    // A command typed on lb-1 runs at 6 s: its output comes once the lab steps on.
    tmux.keys(&["i"]);
    tmux.type_text("ip addr show eno33554984");
    wait_until(&tmux, "the line typed in lb-1's console", |s| console(s).contains(&"[root@lb-1 ~]# ip addr show eno33554984▏"));
    // Escape then a key at once would read as Alt and the key: wait for the key bar first.
    press(&tmux, &["Enter", "Escape"], "the console left", |s| s.lines().last().is_some_and(|l| l.starts_with(" space pause ")));
    let ran = press(&tmux, &["n"], "the command's output in lb-1's console", |s| {
        console(s).contains(&"    inet 172.2.20.100/32 scope global eno33554984")
    });
    assert!(paused_at(&ran, "6.000s"), "one step processes the instant 6 s:\n{ran}");
    // The log searched for the command shows the line as lb-1's console shows it.
    tmux.keys(&["/"]);
    tmux.type_text("# ip addr show");
    let searched = press(&tmux, &["Enter"], "the typed command in the log", |s| !logged_commands(s).is_empty());
    assert_eq!(logged_commands(&searched), ["6.000s lb-1     [root@lb-1 ~]# ip addr show en"], "{searched}");

    // Forward to 20 s: lb-2 holds the VIP, the scenario's own commands have run.
    let at_20 = jump(&tmux, "20s", "20.000s");
    assert!(at_20.contains("│172.2.20.100 lb-2 since 10.663s"), "{at_20}");
    assert_eq!(console(&at_20).last(), Some(&"[root@lb-1 ~]# systemctl stop keepalived"), "{at_20}");
    let when_where: Vec<String> =
        logged_commands(&at_20).iter().map(|l| l.split_whitespace().take(2).collect::<Vec<_>>().join(" ")).collect();
    assert_eq!(
        when_where,
        ["6.000s lb-1", "9.000s lb-1", "9.000s lb-2", "12.000s lb-2"],
        "the typed command, then the scenario's:\n{at_20}"
    );

    // Back to 5 s: re-simulated from the seed, nothing typed yet, lb-1 holds the VIP again.
    let at_5 = jump(&tmux, "5s", "5.000s");
    assert!(
        console(&at_5).contains(&"i: type a command on lb-1 at 5.000s"),
        "the command typed at 6 s is not in lb-1's console at 5 s:\n{at_5}"
    );
    assert!(logged_commands(&at_5).is_empty(), "no command has run by 5 s:\n{at_5}");
    assert!(at_5.contains("│172.2.20.100 lb-1 since 3.570s"), "{at_5}");

    // On to 7 s: the typed command runs again at 6 s, as typed.
    let at_7 = jump(&tmux, "7s", "7.000s");
    assert!(console(&at_7).contains(&"    inet 172.2.20.100/32 scope global eno33554984"), "{at_7}");
    assert_eq!(logged_commands(&at_7), ["6.000s lb-1     [root@lb-1 ~]# ip addr show en"], "{at_7}");

    tmux.keys(&["q"]);
    let after = assert_restored(&tmux);
    // The report goes as far as the run got, with the command typed in the session.
    assert!(after.contains("   6.000000s  lb-1      [root@lb-1 ~]# ip addr show eno33554984"), "{after}");
    assert!(after.contains("7.000000s simulated, "), "{after}");
}

#[test]
fn ctrl_c_quits_and_restores_the_terminal_and_no_color_paints_no_colour() {
    if !tmux::available("the terminal UI") {
        return;
    }
    let tmux = start("tui-no-color", "NO_COLOR=1");
    let screen = tmux.screen_with_escapes();
    assert!(!has_colour(&screen), "NO_COLOR: no colour escapes:\n{screen}");
    // Bold and reverse remain: the title bar's name is reversed.
    assert!(screen.contains("\x1b[1;7m labsim "), "{screen}");
    tmux.keys(&["C-c"]);
    assert_restored(&tmux);
}

#[test]
fn without_a_terminal_or_with_several_files_the_tui_says_why_and_exits_2() {
    // Standard output is a pipe here: no terminal to draw on.
    for args in [&["run", "scenarios/failover.ron", "--tui"][..], &["tui", "scenarios/failover.ron"]] {
        let run = crate::util::run_labsim(args, &[]);
        assert_eq!(run.code, Some(2), "{args:?}: {}", run.stderr);
        assert_eq!(run.stderr, "labsim: --tui needs a terminal (standard input and output); run without --tui for the text report\n");
        assert_eq!(run.stdout, "");
    }
    let run = crate::util::run_labsim(&["run", "scenarios/failover.ron", "scenarios/roundrobin.ron", "--tui"], &[]);
    assert_eq!((run.code, run.stderr.as_str()), (Some(2), "labsim: --tui runs one scenario file\n"));
    let run = crate::util::run_labsim(&["run", "scenarios/failover.ron", "--tui", "--max-wall", "5s"], &[]);
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.contains("the argument '--tui' cannot be used with '--max-wall <DURATION>'"), "{}", run.stderr);
}
