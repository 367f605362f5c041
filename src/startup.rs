//! What std's runtime start-up does that rhrel relies on, for a binary whose `main` is the C
//! entry point (see `main.rs`): standard streams that are open, `SIGPIPE` ignored (a closed
//! pipe is a write error, not death), and buffered standard output flushed at the end.

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
