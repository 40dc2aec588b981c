//! One integration-test binary (ripgrep/bottom pattern). Each module says what belongs in it.
