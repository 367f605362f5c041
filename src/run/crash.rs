//! A fatal fault (a stack overflow that got past the limits, a bug) still ends with a clear
//! line, exit 70 and the children's groups killed, not a bare SIGSEGV that leaves them running.
//! The handler runs on an alternate signal stack (an overflowed stack has no room left) and
//! makes only async-signal-safe calls: write(2), kill(2) on the registered groups, _exit(2).

use std::sync::Once;

/// Size of each thread's alternate signal stack.
const ALT_STACK: usize = 64 << 10;

static INSTALL: Once = Once::new();

/// Installs the SIGSEGV and SIGBUS handler (once per process; `rhrel run` only, never in a
/// process that evaluates in-process, such as a fuzzer with handlers of its own) and guards the
/// calling thread.
pub(crate) fn install() {
    INSTALL.call_once(|| {
        for sig in [libc::SIGSEGV, libc::SIGBUS] {
            // SAFETY: a zeroed sigaction with our handler, SA_SIGINFO | SA_ONSTACK and an
            // empty mask; the handler is async-signal-safe.
            unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = on_fault as *const () as usize;
                action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
                libc::sigemptyset(&mut action.sa_mask);
                libc::sigaction(sig, &action, std::ptr::null_mut());
            }
        }
    });
    guard_this_thread();
}

/// Gives the calling thread an alternate stack to run the handler on, once [`install`] ran.
/// Call on every thread that evaluates script code.
pub(crate) fn guard_this_thread() {
    if !INSTALL.is_completed() {
        return;
    }
    // SAFETY: mmap(2) of a private anonymous region that is never unmapped (it must outlive
    // the thread's last signal); sigaltstack(2) only records it for this thread.
    unsafe {
        let mut current: libc::stack_t = std::mem::zeroed();
        if libc::sigaltstack(std::ptr::null(), &mut current) == 0
            && current.ss_flags & libc::SS_DISABLE == 0
        {
            return; // this thread has one already
        }
        let mem = libc::mmap(
            std::ptr::null_mut(),
            ALT_STACK,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        );
        if mem == libc::MAP_FAILED {
            return;
        }
        let stack = libc::stack_t {
            ss_sp: mem,
            ss_flags: 0,
            ss_size: ALT_STACK,
        };
        libc::sigaltstack(&stack, std::ptr::null_mut());
    }
}

extern "C" fn on_fault(sig: i32, _info: *mut libc::siginfo_t, _ctx: *mut libc::c_void) {
    let msg: &[u8] = if sig == libc::SIGBUS {
        b"rhrel: error: internal error: rhrel crashed (SIGBUS); its child processes were killed; this is a bug in rhrel, please report it\n"
    } else {
        b"rhrel: error: internal error: rhrel crashed (SIGSEGV, most likely a stack overflow); its child processes were killed; this is a bug in rhrel, please report it\n"
    };
    crate::exec::process_group::kill_registered();
    // SAFETY: write(2) of a static buffer and _exit(2) are async-signal-safe.
    unsafe {
        libc::write(2, msg.as_ptr().cast(), msg.len());
        libc::_exit(crate::exit_code::Exit::Internal.code() as i32);
    }
}
