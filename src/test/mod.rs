//! `rhrel test`: unit tests for release scripts. A test file (`*.test.rhai`) registers tests
//! with `test(name, || …)`; each calls `simulate(script, fixture)`, which runs the script
//! in-process on the real engine, host API, masking and report, but with every side effect
//! sent to a stand-in (`world.rs`: programs, HTTP, ports, the environment, a scratch app
//! directory) and time simulated (`clock.rs`: `sleep`, `takes` and retry back-offs pass at
//! once; the deadline and signals fire on that clock). Then the assertions (`assert.rs`)
//! judge the result (`result.rs`).
//!
//! This folder owns the test command and the simulated world. It reaches a run only through
//! `run::simulate` and the seam in `run/effects.rs`; nothing in `run/`, `api/`, `exec/` or
//! `http/` imports it (`check/` takes its function list for test files).

pub(crate) mod api;
pub(crate) mod assert;
pub(crate) mod clock;
pub(crate) mod coverage;
pub(crate) mod fixture;
pub(crate) mod junit;
pub(crate) mod result;
pub(crate) mod runner;
pub(crate) mod stand_in;
pub(crate) mod world;

use std::path::Path;

use crate::cli::TestArgs;
use crate::exit_code::Exit;

/// Whether `path` names a test file (`*.test.rhai`).
pub(crate) fn is_test_file(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with(".test.rhai"))
}

/// Runs `rhrel test` on a thread with the script stack, and returns its exit code.
pub(crate) fn command(args: TestArgs) -> Exit {
    let ran = std::thread::Builder::new()
        .name("rhrel-test".into())
        .stack_size(crate::run::SCRIPT_STACK_BYTES)
        .spawn(move || runner::command(&args))
        .map(|t| t.join());
    match ran {
        Ok(Ok(exit)) => exit,
        Ok(Err(_)) => Exit::Internal,
        Err(e) => {
            eprintln!("rhrel: error: cannot start the test thread: {e}");
            Exit::Internal
        }
    }
}
