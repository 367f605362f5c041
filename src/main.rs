//! The `rhrel` binary: everything lives in the library so tests can reach it.
//!
//! `main` is the C entry point itself (`no_main`): std's runtime start-up would otherwise read
//! `/proc/self/maps` and set up an alternate signal stack before every run, which is a tenth of
//! the time of a short script. What rhrel needs of that start-up is in [`rhrel::startup`].
#![cfg_attr(not(test), no_main)]

/// Counts heap bytes for `--max-memory` (see `run/memory.rs`).
#[global_allocator]
static ALLOCATOR: rhrel::CountingAllocator = rhrel::CountingAllocator;

#[cfg(not(test))]
#[unsafe(no_mangle)]
extern "C" fn main(argc: std::ffi::c_int, argv: *const *const std::ffi::c_char) -> std::ffi::c_int {
    rhrel::startup::prepare();
    // SAFETY: the C runtime passes main the process's own argc/argv, which live for the
    // whole process.
    let args = unsafe { rhrel::startup::arguments(argc, argv) };
    let code = rhrel::run(args);
    rhrel::startup::finish();
    code.into()
}
