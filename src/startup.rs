//! What std's runtime start-up does that rhrel relies on, for a binary whose `main` is the C
//! entry point (see `main.rs`): the arguments (from `main`'s own `argc`/`argv`, not
//! `std::env::args_os`, which only glibc's `.init_array` hook fills), standard streams that
//! are open, `SIGPIPE` ignored (a closed pipe is a write error, not death; every child gets
//! the default back in `exec/reaper.rs`'s pre-exec hook, whatever std's own bookkeeping
//! says), and buffered standard output flushed at the end.

use std::ffi::{c_char, c_int, CStr, OsString};
use std::os::unix::ffi::OsStringExt;

/// The program's arguments, program name first, exactly as the kernel passed them.
///
/// # Safety
/// `argv` must point to `argc` NUL-terminated strings (what the C runtime gives `main`).
pub unsafe fn arguments(argc: c_int, argv: *const *const c_char) -> Vec<OsString> {
    let count = usize::try_from(argc).unwrap_or(0);
    let mut args = Vec::with_capacity(count);
    for i in 0..count {
        // SAFETY: the caller's contract: argv[0..argc] are valid C strings.
        let arg = unsafe { *argv.add(i) };
        if arg.is_null() {
            break;
        }
        let bytes = unsafe { CStr::from_ptr(arg) }.to_bytes().to_vec();
        args.push(OsString::from_vec(bytes));
    }
    args
}

/// Before anything else: makes fds 0, 1 and 2 valid (`/dev/null` for any that is closed, so a
/// file we open never becomes our stdout) and ignores `SIGPIPE`.
pub fn prepare() {
    let mut fds = [0, 1, 2].map(|fd| libc::pollfd {
        fd,
        events: 0,
        revents: 0,
    });
    // SAFETY: poll(2) on three pollfd structs we own, without waiting.
    let polled = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, 0) };
    if polled > 0 {
        for pfd in fds.iter().filter(|p| p.revents & libc::POLLNVAL != 0) {
            let flags = if pfd.fd == 0 {
                libc::O_RDONLY
            } else {
                libc::O_WRONLY
            };
            // SAFETY: open(2) of a constant path; the lowest free fd is the closed one.
            unsafe { libc::open(c"/dev/null".as_ptr(), flags) };
        }
    }
    // SAFETY: setting a signal's disposition to SIG_IGN has no other effect; children get
    // the default back from std's spawn.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
}

/// At the end: flushes what std still buffers for standard output.
pub fn finish() {
    use std::io::Write;
    let _ = std::io::stdout().flush();
}
