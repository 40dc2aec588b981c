//! L0: the deterministic discrete-event core. It knows nothing about networks.
//!
//! The determinism contract: simulated time ([`SimTime`], microseconds since scenario start) is
//! the only clock; events at the same instant pop in insertion order ([`EventQueue`]); every random
//! draw comes from a [`SimRng`] stream forked by name from the run's single seed. Nothing here (or
//! above) reads a wall clock or iterates a hash map; `clippy.toml` enforces both.

mod calendar;
mod queue;
mod rng;
mod time;

pub(crate) use calendar::{Calendar, DEFAULT_EPOCH_UNIX_S, DateTime};
pub(crate) use queue::EventQueue;
pub(crate) use rng::{FNV1A64_OFFSET, SimRng, fnv1a64, fnv1a64_extend};
pub use time::SimTime;
