//! A run guarded against labsim's own bugs: a panic anywhere in the simulation (a daemon, a
//! core, a host, the lab) is caught here instead of ending the process with Rust's message and
//! no report. The simulation's state is discarded; what is kept is the panic's message, where in
//! the source it happened and the simulated time the run had reached, which `labsim run` reports
//! in every format it was asked for, asking the user to report the bug (exit code
//! [`exit::CRASHED`](super::exit::CRASHED)).
//!
//! # Crashing on purpose
//!
//! `LABSIM_TEST_PANIC_AT` (a duration, `12s`) makes the run panic when it reaches that
//! simulated time, which is how `tests/integration/verdicts.rs` checks this path through the
//! command line. The hook is in every build, so that the test suite, which runs with release
//! builds, exercises the binary users install; only someone who sets the variable on purpose
//! meets it.

use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};

use crate::lab::{Lab, RunResult};
use crate::observe::crash::Crash;
use crate::scenario::Scenario;

thread_local! {
    /// What the panic hook saw of the last panic: its message, its location, a backtrace when
    /// `RUST_BACKTRACE` asks for one.
    static LAST: RefCell<Option<Caught>> = const { RefCell::new(None) };
}

/// A caught panic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Caught {
    /// The panic's message.
    pub message: String,
    /// `file:line:column` in labsim's source.
    pub location: Option<String>,
    /// The backtrace, when `RUST_BACKTRACE` is set.
    pub backtrace: Option<String>,
}

/// Runs `f`, turning a panic into what the panic hook saw of it; Rust's own panic message is not
/// printed (the caller reports the crash its own way).
pub(super) fn catch<T>(f: impl FnOnce() -> T) -> Result<T, Caught> {
    let previous = panic::take_hook();
    panic::set_hook(Box::new(|info| {
        let message = info.payload_as_str().unwrap_or("(a panic without a message)").to_owned();
        let location = info.location().map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()));
        let trace = std::backtrace::Backtrace::capture();
        let backtrace = (trace.status() == std::backtrace::BacktraceStatus::Captured).then(|| trace.to_string());
        LAST.with(|last| *last.borrow_mut() = Some(Caught { message, location, backtrace }));
    }));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    panic::set_hook(previous);
    result.map_err(|payload| {
        LAST.with(|last| last.borrow_mut().take()).unwrap_or_else(|| Caught {
            message: payload.downcast_ref::<&str>().map_or("(unknown panic)", |s| s).to_owned(),
            location: None,
            backtrace: None,
        })
    })
}

/// Builds the lab of `scenario` and lets `drive` run it (to its end, or until it returns why it
/// stopped), then finishes it, catching a panic: `Err` says what it was and the simulated time
/// the run had reached.
pub(super) fn run(
    scenario: &Scenario,
    seed: u64,
    capture: bool,
    drive: impl FnOnce(&mut Lab) -> Option<String>,
) -> Result<RunResult, (Crash, Option<String>)> {
    let mut slot: Option<Lab> = None;
    // Where the run stands once the lab has left `slot` to finish (the end, or where it stopped).
    let mut ending = None;
    let result = catch(|| {
        let lab = slot.insert(Lab::new(scenario, seed, capture));
        test_panic(lab);
        let stopped = drive(lab);
        ending = Some(lab.now());
        let lab = slot.take().expect("the lab was just built");
        match stopped {
            Some(why) => lab.stop(&why),
            None => lab.finish(),
        }
    });
    result.map_err(|caught| {
        // Nowhere yet: the lab was being built, at time zero.
        let at = slot.as_ref().map(Lab::now).or(ending).unwrap_or_default();
        (Crash { message: caught.message, location: caught.location, at }, caught.backtrace)
    })
}

/// Panics at the simulated time `LABSIM_TEST_PANIC_AT` names, if set.
fn test_panic(lab: &mut Lab) {
    let Some(text) = std::env::var_os("LABSIM_TEST_PANIC_AT") else { return };
    let at = text.to_str().and_then(|t| crate::scenario::parse_duration(t).ok()).expect("LABSIM_TEST_PANIC_AT is a duration");
    let at = lab.now() + at; // the lab was just built: its clock reads zero
    lab.run_until(at);
    panic!("LABSIM_TEST_PANIC_AT: a panic on purpose at {at}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_is_caught_with_its_message_and_location() {
        let caught = catch(|| -> u8 { panic!("boom {}", 42) }).expect_err("it panicked");
        assert_eq!(caught.message, "boom 42");
        let location = caught.location.expect("a location");
        assert!(location.starts_with("src/cli/crash.rs:"), "{location}");
        assert_eq!(catch(|| 7), Ok(7));
        // The hook is restored: a later panic is caught again, with its own message.
        assert_eq!(catch(|| -> u8 { panic!("again") }).expect_err("it panicked").message, "again");
    }
}
