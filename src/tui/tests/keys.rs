//! The key bindings and the app's state, as plain functions.

use std::time::Duration;

use super::secs;
use crate::tui::app::{App, LogKind, Mode, Pane, Speed};
use crate::tui::keys::{Action, Key, handle_key, on_tick};

fn app() -> App {
    App::new(vec!["lb-1".into(), "lb-2".into(), "client-1".into()], secs(40.0))
}

fn keys(app: &mut App, text: &str) -> Vec<Action> {
    text.chars().map(|c| handle_key(app, Key::Char(c))).collect()
}

#[test]
fn space_and_p_pause_and_resume() {
    let mut a = app();
    assert!(a.paused, "a session opens paused");
    assert_eq!(handle_key(&mut a, Key::Char(' ')), Action::SetPaused(false));
    assert_eq!(on_tick(&a, Duration::from_millis(100)), Action::RunUntil(secs(0.1)));
    assert_eq!(handle_key(&mut a, Key::Char('p')), Action::SetPaused(true));
    assert_eq!(on_tick(&a, Duration::from_millis(100)), Action::None);
}

#[test]
fn n_steps_one_event_and_pauses() {
    let mut a = app();
    handle_key(&mut a, Key::Char(' '));
    assert_eq!(handle_key(&mut a, Key::Char('n')), Action::StepEvent);
    assert!(a.paused);
    assert_eq!(handle_key(&mut a, Key::Char('.')), Action::StepEvent);
}

#[test]
fn digits_set_the_speed_that_ticks_run_at() {
    let mut a = app();
    a.paused = false;
    a.now = secs(1.0);
    let tick = Duration::from_millis(50);
    for (key, speed, to) in [('1', Speed::X1, 1.05), ('2', Speed::X10, 1.5), ('3', Speed::X100, 6.0), ('4', Speed::Max, 2.0)] {
        assert_eq!(handle_key(&mut a, Key::Char(key)), Action::SetSpeed(speed));
        assert_eq!(on_tick(&a, tick), Action::RunUntil(secs(to)), "{speed:?}");
    }
    a.now = secs(39.99);
    assert_eq!(on_tick(&a, tick), Action::RunUntil(secs(40.0)), "never past the end");
    a.now = secs(40.0);
    assert_eq!(on_tick(&a, tick), Action::None);
}

#[test]
fn g_jumps_to_a_typed_time_backwards_too() {
    let mut a = app();
    a.now = secs(20.0);
    a.paused = false;
    assert_eq!(handle_key(&mut a, Key::Char('g')), Action::None);
    assert_eq!(a.mode, Mode::Jump);
    keys(&mut a, "10.05sx");
    handle_key(&mut a, Key::Backspace);
    assert_eq!(handle_key(&mut a, Key::Enter), Action::JumpTo(secs(10.05)));
    assert_eq!((a.mode, a.paused, a.input.as_str()), (Mode::Normal, true, ""));
}

#[test]
fn a_bad_jump_time_says_why_and_does_nothing() {
    let mut a = app();
    for (text, status) in [("ten", "bad duration \"ten\": expected a number at \"ten\""), ("41s", "41s: after the end of the run")] {
        handle_key(&mut a, Key::Char('g'));
        keys(&mut a, text);
        assert_eq!(handle_key(&mut a, Key::Enter), Action::None);
        assert_eq!(a.status.as_deref(), Some(status));
    }
}

#[test]
fn j_k_and_arrows_select_hosts_wrapping() {
    let mut a = app();
    handle_key(&mut a, Key::Char('k'));
    assert_eq!(a.selected_host(), Some("client-1"));
    handle_key(&mut a, Key::Down);
    handle_key(&mut a, Key::Char('j'));
    assert_eq!(a.selected_host(), Some("lb-2"));
    handle_key(&mut a, Key::Up);
    assert_eq!(a.selected_host(), Some("lb-1"));
}

#[test]
fn tab_moves_the_focus_round_the_panes() {
    let mut a = app();
    handle_key(&mut a, Key::Tab);
    assert_eq!(a.focus, Pane::Strips);
    handle_key(&mut a, Key::BackTab);
    handle_key(&mut a, Key::BackTab);
    assert_eq!(a.focus, Pane::Console);
}

#[test]
fn a_console_line_is_typed_on_the_selected_host() {
    let mut a = app();
    handle_key(&mut a, Key::Char('j'));
    handle_key(&mut a, Key::Char('i'));
    // Bindings are text while typing: q, w and ? do not quit, write or help.
    let typed = keys(&mut a, "systemctl stop keepalived? qw");
    assert!(typed.iter().all(|t| *t == Action::None));
    for _ in 0..4 {
        handle_key(&mut a, Key::Backspace);
    }
    let want = Action::TypeCommand { host: "lb-2".into(), line: "systemctl stop keepalived".into() };
    assert_eq!(handle_key(&mut a, Key::Enter), want);
    assert_eq!((a.mode.clone(), a.input.as_str()), (Mode::Typing, ""), "the console stays open");
    assert_eq!(handle_key(&mut a, Key::Enter), Action::None, "an empty line types nothing");
    handle_key(&mut a, Key::Esc);
    assert_eq!(a.mode, Mode::Normal);
    assert_eq!(handle_key(&mut a, Key::Char('q')), Action::Quit);
}

#[test]
fn w_writes_question_mark_helps_q_and_ctrl_c_quit() {
    let mut a = app();
    assert_eq!(handle_key(&mut a, Key::Char('w')), Action::WriteScenario);
    assert_eq!(handle_key(&mut a, Key::Char('?')), Action::ToggleHelp);
    assert!(a.help);
    assert_eq!(handle_key(&mut a, Key::Char('q')), Action::ToggleHelp, "any key closes the help first");
    assert!(!a.help);
    assert_eq!(handle_key(&mut a, Key::Char('q')), Action::Quit);
    handle_key(&mut a, Key::Char('i'));
    assert_eq!(handle_key(&mut a, Key::CtrlC), Action::Quit, "Ctrl-C quits while typing too");
}

#[test]
fn h_f_and_slash_filter_the_log() {
    let mut a = app();
    handle_key(&mut a, Key::Char('h'));
    handle_key(&mut a, Key::Char('f'));
    assert_eq!((a.log_host_only, a.log_kind), (true, LogKind::Commands));
    handle_key(&mut a, Key::Char('/'));
    keys(&mut a, "VRRP");
    handle_key(&mut a, Key::Enter);
    assert_eq!(a.log_search, "VRRP");
    handle_key(&mut a, Key::Char('/'));
    handle_key(&mut a, Key::Esc);
    assert_eq!(a.log_search, "");
}

#[test]
fn the_record_stays_in_time_order_after_a_jump_back() {
    let mut a = app();
    a.record(secs(5.0), "lb-1", "first");
    a.record(secs(12.0), "lb-2", "third");
    // Jumped back to 5 s: typed after the one typed at 5 s, before the one at 12 s.
    a.record(secs(5.0), "lb-1", "second");
    let lines: Vec<_> = a.recorded.iter().map(|r| r.line.as_str()).collect();
    assert_eq!(lines, ["first", "second", "third"]);
}

#[test]
fn arrows_scroll_the_log_when_it_has_the_focus_and_select_hosts_otherwise() {
    let mut a = app();
    handle_key(&mut a, Key::Down);
    assert_eq!((a.selected, a.log_scroll), (1, 0));
    while a.focus != Pane::Log {
        handle_key(&mut a, Key::Tab);
    }
    for key in [Key::Up, Key::Up, Key::PageUp, Key::Down] {
        handle_key(&mut a, key);
    }
    assert_eq!((a.selected, a.log_scroll), (1, 11));
    handle_key(&mut a, Key::PageDown);
    handle_key(&mut a, Key::PageDown);
    assert_eq!(a.log_scroll, 0, "back to the newest line, not below it");
}
