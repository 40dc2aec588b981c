//! (being written)
pub mod neigh;
pub mod ping;
