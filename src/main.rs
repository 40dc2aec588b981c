//! The `labsim` command; everything lives in the library's `cli` module.

fn main() -> std::process::ExitCode {
    labsim::cli::main()
}
