//! The `labsim` command; everything lives in the library's `cli` module.

/// The allocator changes speed only: nothing in a run depends on addresses.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    labsim::main()
}
