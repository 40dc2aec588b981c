//! The terminal side of `labsim run FILE --tui` (and `labsim tui FILE`): raw mode and the
//! alternate screen, a tokio loop over crossterm's event stream and a tick interval, and the
//! way back. The only place besides `bench` and `wall` that reads the wall clock, and only to
//! pace the display: a tick's wall time becomes simulated time at the chosen speed
//! ([`Session::tick`]); what the lab does never depends on it.
//!
//! The terminal is restored however the loop ends: `q`, Ctrl-C typed (raw mode turns it into a
//! key), SIGINT or SIGTERM sent from outside, an I/O error, or a panic (the guard is dropped
//! while the panic unwinds to `crash::run`, which then prints its report on a sane terminal).

use std::future::poll_fn;
use std::io::{self, IsTerminal, Stdout, Write};
use std::time::Duration;

use crossterm::event::{Event, EventStream, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use crossterm::{cursor, execute, terminal};
use futures_core::Stream;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use tokio::time::{self, MissedTickBehavior};

use crate::lab::Lab;
use crate::tui::{Flow, Key, Session, Theme};

/// How often the loop runs the lab on and redraws: 25 frames a second.
const TICK: Duration = Duration::from_millis(40);

/// The theme `NO_COLOR` (no-color.org: set and not empty) asks for.
pub(super) fn theme() -> Theme {
    Theme { colour: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) }
}

/// Whether the TUI can run here: standard input and output are a terminal.
pub(super) fn check_terminal() -> Result<(), String> {
    if io::stdout().is_terminal() && io::stdin().is_terminal() {
        Ok(())
    } else {
        Err("--tui needs a terminal (standard input and output); run without --tui for the text report".to_owned())
    }
}

/// Raw mode and the alternate screen, for as long as it lives.
struct Screen {
    terminal: Terminal<CrosstermBackend<Stdout>>,
}

impl Screen {
    fn enter() -> io::Result<Screen> {
        terminal::enable_raw_mode()?;
        let mut out = io::stdout();
        if let Err(e) = execute!(out, terminal::EnterAlternateScreen, cursor::Hide) {
            let _ = terminal::disable_raw_mode();
            return Err(e);
        }
        let terminal = Terminal::new(CrosstermBackend::new(out));
        terminal.map(|terminal| Screen { terminal }).inspect_err(|_| restore())
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        restore();
    }
}

/// Leaves the alternate screen, shows the cursor, leaves raw mode; errors are ignored (there is
/// nowhere left to report them).
fn restore() {
    let mut out = io::stdout();
    let _ = execute!(out, terminal::LeaveAlternateScreen, cursor::Show);
    let _ = terminal::disable_raw_mode();
    let _ = out.flush();
}

/// Runs the session on `lab` until the user quits. `Some(why)` when the run did not reach its
/// end (for `Lab::stop`), `None` when it did.
pub(super) fn drive(lab: &mut Lab, session: &mut Session) -> io::Result<Option<String>> {
    let mut screen = Screen::enter()?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(run_loop(&mut screen.terminal, lab, session))?;
    drop(screen);
    Ok((!Session::is_over(lab)).then(|| "when the TUI was quit".to_owned()))
}

async fn run_loop(terminal: &mut Terminal<CrosstermBackend<Stdout>>, lab: &mut Lab, session: &mut Session) -> io::Result<()> {
    let mut events = EventStream::new();
    let mut ticks = time::interval(TICK);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut last = ticks.tick().await;
    let mut interrupt = std::pin::pin!(interrupted());
    loop {
        terminal.draw(|frame| session.draw(frame, lab))?;
        tokio::select! {
            at = ticks.tick() => {
                session.tick(lab, at - last);
                last = at;
            }
            event = poll_fn(|cx| Pin::new(&mut events).poll_next(cx)) => match event {
                Some(Ok(Event::Key(k))) if k.kind != KeyEventKind::Release => {
                    if let Some(key) = key(k)
                        && session.key(lab, key) == Flow::Quit
                    {
                        return Ok(());
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e),
                None => return Ok(()),
            },
            _ = &mut interrupt => return Ok(()),
        }
    }
}

/// SIGINT or SIGTERM from outside the terminal (raw mode makes a typed Ctrl-C a key).
async fn interrupted() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = async { match &mut term { Some(t) => { t.recv().await; } None => std::future::pending().await } } => {}
    }
}

/// The TUI's key for a crossterm key event, if it has one.
fn key(k: KeyEvent) -> Option<Key> {
    Some(match k.code {
        KeyCode::Char('c') if k.modifiers.contains(KeyModifiers::CONTROL) => Key::CtrlC,
        KeyCode::Char(c) if !k.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) => Key::Char(c),
        KeyCode::Enter => Key::Enter,
        KeyCode::Backspace => Key::Backspace,
        KeyCode::Esc => Key::Esc,
        KeyCode::Tab => Key::Tab,
        KeyCode::BackTab => Key::BackTab,
        KeyCode::Up => Key::Up,
        KeyCode::Down => Key::Down,
        KeyCode::PageUp => Key::PageUp,
        KeyCode::PageDown => Key::PageDown,
        _ => return None,
    })
}
