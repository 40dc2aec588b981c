//! Frames at fixed simulated times, as snapshots (`cargo insta review` after a deliberate
//! change): failover.ron before, during and after the failover at 80×24 and 120×40, the split
//! brain of failover-crash.ron (`kill -9 keepalived`), the HTTP pane during backend-failure.ron
//! and under the loads of dau-100k.ron, scale-out.ron and load-ab.ron, the help overlay. Each is reached the way a user gets there: pause, `g`, a time, Enter.

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

#[test]
fn the_strips_show_who_held_the_vip_when_and_the_lost_probes_at_their_times() {
    let screen = at("failover.ron", "40s", 120, 40);
    let rows: Vec<Vec<char>> = screen.lines().map(|l| l.chars().collect()).collect();
    // The strips pane is the right half: its inside starts at column 61, a 9-column label
    // ("client-1 "), then 49 cells over the run's 40 s.
    let column = |t: f64| 61 + 9 + (t * 49.0 / 40.0) as usize;
    let row = |label: &str| rows.iter().find(|r| r.iter().skip(61).collect::<String>().starts_with(label)).expect(label).clone();
    let (lb1, lb2) = (row("lb-1 "), row("lb-2 "));
    for (t, holder) in
        [(3.0, None), (5.0, Some(&lb1)), (9.0, Some(&lb1)), (12.0, Some(&lb2)), (27.0, Some(&lb2)), (29.5, Some(&lb1)), (39.0, Some(&lb1))]
    {
        for r in [&lb1, &lb2] {
            let want = if holder == Some(r) { '█' } else { '·' };
            assert_eq!(r[column(t)], want, "at {t} s:\n{screen}");
        }
    }
    let header = rows.iter().position(|r| r.iter().skip(61).collect::<String>().starts_with("client-1 ping")).expect("the ping's row");
    let title: String = rows[header].iter().skip(61).collect();
    assert!(title.contains("384/390 ok, 6 lost 10.100s–10.600s"), "{title}");
    let axis = &rows[header + 1];
    assert_eq!(axis[column(10.3)], '✗');
    for t in [1.5, 5.0, 9.5, 12.0, 30.0, 39.5] {
        assert_eq!(axis[column(t)], '█', "at {t} s");
    }
}

#[test]
fn a_link_down_shows_on_its_host_at_every_size() {
    for (width, height) in [(80, 24), (120, 40)] {
        let screen = at("failover-linkdown.ron", "12s", width, height);
        let lb1: Vec<&str> = screen.lines().skip_while(|l| !l.starts_with("│▸lb-1")).take_while(|l| !l.starts_with("│ lb-2")).collect();
        assert!(lb1.iter().any(|l| l.contains("eno33554984↓") || l.contains("eno33554984 front down ")), "{screen}");
    }
}

#[test]
fn the_http_pane_under_a_user_population_at_both_sizes() {
    // Half a second into an interval: the one that ended at 10 s is the latest, its hosts' load
    // sampled.
    let (mut lab, mut session) = open(&shipped("dau-100k.ron"));
    press(&mut session, &mut lab, " g10.5s⏎");
    let wide = text(&screen(&mut session, &lab, 120, 40));
    assert!(wide.contains("│9–10s ") && wide.contains("errors none"), "{wide}");
    insta::assert_snapshot!("dau_100k_10s5_120x40", wide);
    insta::assert_snapshot!("dau_100k_10s5_80x24", text(&screen(&mut session, &lab, 80, 24)));

    // The run's figures are merged interval by interval as frames see them end: frames drawn on
    // the way change nothing.
    let (mut lab, mut session) = open(&shipped("dau-100k.ron"));
    for time in ["4.5s", "7s", "9.99s", "10.5s"] {
        press(&mut session, &mut lab, &format!("g{time}⏎"));
        screen(&mut session, &lab, 120, 40);
    }
    assert_eq!(text(&screen(&mut session, &lab, 120, 40)), wide);
}

#[test]
fn the_http_pane_as_web_4_joins_under_load() {
    insta::assert_snapshot!("scale_out_20s5_120x40", at("scale-out.ron", "20.5s", 120, 40));
}

#[test]
fn the_http_pane_counts_a_load_generators_errors_by_kind() {
    // ab at 13 s on a port nothing listens on; no cost model, so no CPU figures.
    let screen = at("load-ab.ron", "14.5s", 120, 40);
    assert!(screen.contains("│errors ab: Connection refused × 1 (1 in 13–14s)"), "{screen}");
    insta::assert_snapshot!("load_ab_14s5_120x40", screen);
}
