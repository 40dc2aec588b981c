//! Frames at fixed simulated times, as snapshots (`cargo insta review` after a deliberate
//! change): failover.ron before, during and after the failover at 80×24 and 120×40, the split
//! brain of failover-crash.ron (`kill -9 keepalived`), the HTTP pane during backend-failure.ron,
//! the help overlay. Each is reached the way a user gets there: pause, `g`, a time, Enter.

use super::{open, press, screen, shipped, text};

/// The screen of `scenario` at `time` (`12s`), paused there, on a `width` × `height` terminal.
fn at(scenario: &str, time: &str, width: u16, height: u16) -> String {
    let (mut lab, mut session) = open(&shipped(scenario));
    press(&mut session, &mut lab, &format!(" g{time}⏎"));
    text(&screen(&mut session, &lab, width, height))
}

#[test]
fn failover_before_during_and_after_at_80x24() {
    insta::assert_snapshot!("failover_09s_80x24", at("failover.ron", "9.5s", 80, 24));
    insta::assert_snapshot!("failover_10s5_80x24", at("failover.ron", "10.5s", 80, 24));
    insta::assert_snapshot!("failover_31s_80x24", at("failover.ron", "31s", 80, 24));
}

#[test]
fn failover_before_during_and_after_at_120x40() {
    insta::assert_snapshot!("failover_09s_120x40", at("failover.ron", "9.5s", 120, 40));
    insta::assert_snapshot!("failover_10s5_120x40", at("failover.ron", "10.5s", 120, 40));
    insta::assert_snapshot!("failover_31s_120x40", at("failover.ron", "31s", 120, 40));
}

#[test]
fn split_brain_after_kill_9() {
    let screen = at("failover-crash.ron", "15.5s", 120, 40);
    assert!(screen.contains("SPLIT BRAIN: lb-1 + lb-2"), "{screen}");
    insta::assert_snapshot!("failover_crash_15s5_120x40", screen);
    insta::assert_snapshot!("failover_crash_15s5_80x24", at("failover-crash.ron", "15.5s", 80, 24));
}

#[test]
fn http_pane_during_backend_failure() {
    let screen = at("backend-failure.ron", "26s", 120, 40);
    insta::assert_snapshot!("backend_failure_26s_120x40", screen);
}

#[test]
fn help_overlay() {
    let (mut lab, mut session) = open(&shipped("failover.ron"));
    press(&mut session, &mut lab, " ?");
    insta::assert_snapshot!("help_80x24", text(&screen(&mut session, &lab, 80, 24)));
}
