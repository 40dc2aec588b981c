//! L7: arguments, subcommands, exit codes (being written).

/// Entry point of the `labsim` binary.
pub fn main() -> std::process::ExitCode {
    std::process::ExitCode::SUCCESS
}
