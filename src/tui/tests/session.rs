//! Whole sessions driven by keys: a jump back shows what was shown the first time at that time,
//! and a session saved with `w` replays without the TUI to the same run and report.

use std::path::Path;
use std::time::Duration;

use super::{open, press, screen, secs, shipped};
use crate::lab::Lab;
use crate::observe::options::ReportOptions;
use crate::observe::text as report_text;
use crate::observe::trace::TraceKind;

#[test]
fn jumping_back_shows_exactly_what_was_shown_the_first_time() {
    let (mut lab, mut session) = open(&shipped("failover.ron"));
    // Played at real time in uneven ticks up to 12 s, then paused.
    for ms in [40, 40, 1000, 3333, 7587] {
        session.tick(&mut lab, Duration::from_millis(ms));
    }
    assert_eq!(lab.now(), secs(12.0));
    press(&mut session, &mut lab, " ");
    let first_12 = screen(&mut session, &lab, 120, 40);
    // A command typed at 20 s, after a few steps, and the run on to 26 s.
    press(&mut session, &mut lab, "g20s⏎nnn");
    press(&mut session, &mut lab, "jisystemctl stop keepalived⏎⎋k");
    press(&mut session, &mut lab, "g26s⏎");
    let first_26 = screen(&mut session, &lab, 120, 40);

    press(&mut session, &mut lab, "g12s⏎");
    assert_eq!(lab.now(), secs(12.0));
    assert_eq!(screen(&mut session, &lab, 120, 40), first_12, "styles included");
    press(&mut session, &mut lab, "g26s⏎");
    assert_eq!(screen(&mut session, &lab, 120, 40), first_26);
    // The command typed at 20 s ran again at its time (lb-2 stopped keepalived: lb-1 is MASTER
    // from the start and holds the VIP at 26 s in both passes).
    let typed: Vec<_> = lab
        .view()
        .trace
        .iter()
        .filter(|e| matches!(&e.kind, TraceKind::Command { line, .. } if line == "systemctl stop keepalived"))
        .map(|e| e.at)
        .collect();
    assert_eq!(typed.len(), 2, "the scenario's own stop on lb-1 and the typed one on lb-2");
}

/// `dir` with everything under `from` copied into it.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A report's text with the scenario file's name taken out, and without the expectations'
/// `  [file:line:column]` (the new file has another name, and its entries move the expectations
/// down).
fn unplaced(report: &str, file: &Path) -> String {
    let report = report.replace(&file.display().to_string(), "FILE");
    report.lines().map(|l| l.rsplit_once("  [").map_or(l, |(verdict, _)| verdict)).collect::<Vec<_>>().join("\n")
}

#[test]
fn a_session_saved_with_w_replays_without_the_tui_to_the_same_report() {
    let dir = std::env::temp_dir().join(format!("labsim-tui-record-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&shipped(""), &dir);
    let opened = dir.join("failover.ron");
    let (mut lab, mut session) = open(&opened);
    // At 9 s stop keepalived on lb-2 too; one step later look at lb-1's addresses; at 25 s type
    // a line with quotes and a backslash at the same instant as a timeline entry.
    press(&mut session, &mut lab, " g9s⏎jisystemctl stop keepalived⏎⎋n");
    press(&mut session, &mut lab, "kiip addr show eno33554984 | grep \"inet \"⏎⎋");
    press(&mut session, &mut lab, "g25s⏎iecho \\ back⏎⎋w");
    let written = dir.join("failover.session-1.ron");
    assert_eq!(session.app().status.as_deref(), Some(format!("wrote {} (3 command(s))", written.display()).as_str()));
    press(&mut session, &mut lab, "w");
    assert!(dir.join("failover.session-2.ron").is_file(), "a second w writes a new file");
    let live = lab.finish();

    let scenario = crate::scenario::load(&written).expect("the written scenario loads");
    let replay = Lab::new(&scenario, scenario.seed, false).finish();
    assert_eq!(replay.trace.digest(), live.trace.digest());
    let options = ReportOptions::default();
    let report = |r: &crate::lab::RunResult, file: &Path| unplaced(&report_text::render(&r.report, r.trace.events(), &options), file);
    assert_eq!(report(&replay, &written), report(&live, &opened));
    assert!(report(&live, &opened).contains("FAILED: 9/16 expectations met"), "the typed stop on lb-2 changed the run");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_run_watched_in_the_tui_has_the_results_of_a_run_without_it() {
    for name in ["failover.ron", "backend-failure.ron", "nfs.ron"] {
        let (mut lab, mut session) = open(&shipped(name));
        // Played at every speed in turn, drawn after every tick, paused and stepped on the way.
        for (key, ticks) in [("1", 50), ("2", 50), ("3", 20), ("4", 10)] {
            press(&mut session, &mut lab, key);
            for _ in 0..ticks {
                session.tick(&mut lab, Duration::from_millis(40));
                screen(&mut session, &lab, 80, 24);
            }
        }
        press(&mut session, &mut lab, " nnnnn ");
        let watched = lab.finish();
        let scenario = crate::scenario::load(&shipped(name)).unwrap();
        let plain = Lab::new(&scenario, scenario.seed, false).run();
        assert_eq!(watched.trace.digest(), plain.trace.digest(), "{name}");
        assert_eq!(watched.report.passed(), plain.report.passed(), "{name}");
    }
}

#[test]
fn a_run_that_spends_its_event_budget_says_so_and_stops_running() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/failing/budget.ron");
    let (mut lab, mut session) = open(&path);
    press(&mut session, &mut lab, "4");
    for _ in 0..1000 {
        session.tick(&mut lab, Duration::from_millis(40));
    }
    assert!(lab.is_exhausted());
    let top = super::text(&screen(&mut session, &lab, 80, 24));
    assert!(top.lines().next().unwrap().contains("event budget spent"), "{top}");
    press(&mut session, &mut lab, "itrue⏎");
    let bottom = super::text(&screen(&mut session, &lab, 80, 24));
    assert!(bottom.lines().last().unwrap().contains("the run is over"), "{bottom}");
}
