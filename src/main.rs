//! The `rhrel` binary: everything lives in the library so tests can reach it.

fn main() -> std::process::ExitCode {
    rhrel::run(std::env::args_os())
}
