//! The console programs that run until they exit, each the glue between a sans-IO core in
//! `proto` and the kernel. Each file exports its `start` function; the shell's command table
//! lists them.

pub(crate) mod curl;
pub(crate) mod df;
pub(crate) mod journalctl;
pub(crate) mod loadgen;
pub(crate) mod mount;
pub(crate) mod nc;
pub(crate) mod ping;
pub(crate) mod rpctool;
mod streams;
pub(crate) mod tail;
pub(crate) mod winping;
