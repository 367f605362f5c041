//! Starting a program the way glibc's `posix_spawn` does, plus the one step it cannot take:
//! `clone(CLONE_VM | CLONE_VFORK)` runs a short child on its own small stack in rhrel's
//! memory (no page tables copied, as `fork` would; rhrel waits until the child has called
//! `execve`), and that child sets `PR_SET_PDEATHSIG(SIGKILL)` before it execs, so a SIGKILLed
//! rhrel (the OOM killer, a platform's hard kill) takes its direct children down. That signal
//! follows the *thread* that spawned the child, which is the thread that supervises it to its
//! end. std's `Command` forks
//! whenever a `pre_exec` hook is set, which costs more per spawn the larger rhrel is
//! (`bench/compare.sh spawn`, README Performance).
//!
//! The child runs only async-signal-safe system calls on data prepared here beforehand: it
//! allocates nothing and never returns. All signals are blocked around the clone, so no
//! handler of rhrel's runs in the child; the child sets every handled signal (and the ignored
//! `SIGPIPE`) back to its default and starts the program with an empty signal mask.
//!
//! This file knows nothing of exec's options or the run: `spawn.rs` decides what to start.

use std::ffi::{CString, OsStr, OsString};
use std::io;
use std::os::fd::RawFd;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::Path;
use std::sync::atomic::{AtomicI32, Ordering};

/// The child's stack: what it runs needs a few KiB; a guard page sits below it.
const STACK: usize = 64 * 1024;
const GUARD: usize = 4096;
/// The kernel's signal set is 64 bits on Linux, whatever the size of libc's `sigset_t`.
const KERNEL_SIGSET: libc::c_long = 8;
/// One past the highest signal number (Linux: 64 signals).
const NSIG: libc::c_int = 65;

/// What the child needs, all of it built before the clone.
pub(crate) struct Prepared {
    path: CString,
    argv: Vec<CString>,
    envp: Vec<CString>,
    cwd: Option<CString>,
}

impl Prepared {
    /// `path` is what `execve` gets (relative to `cwd` when it is relative), `arg0` and `args`
    /// the program's argv; `env` is the program's whole environment.
    pub(crate) fn new<'a>(
        path: &Path,
        arg0: &OsStr,
        args: impl IntoIterator<Item = &'a OsStr>,
        env: impl IntoIterator<Item = (OsString, OsString)>,
        cwd: Option<&Path>,
    ) -> io::Result<Self> {
        let c = |s: &[u8]| {
            CString::new(s).map_err(|_| {
                io::Error::new(io::ErrorKind::InvalidInput, "a NUL byte in an argument")
            })
        };
        let mut argv = vec![c(arg0.as_bytes())?];
        for a in args {
            argv.push(c(a.as_bytes())?);
        }
        let mut envp = Vec::new();
        for (k, v) in env {
            let mut kv = k.into_vec();
            kv.push(b'=');
            kv.extend_from_slice(v.as_bytes());
            envp.push(c(&kv)?);
        }
        Ok(Self {
            path: c(path.as_os_str().as_bytes())?,
            argv,
            envp,
            cwd: cwd.map(|d| c(d.as_os_str().as_bytes())).transpose()?,
        })
    }
}

/// The child's three standard descriptors, each ≥ 3 and close-on-exec in rhrel.
pub(crate) struct Stdio {
    pub stdin: RawFd,
    pub stdout: RawFd,
    pub stderr: RawFd,
}

/// What the child reads: pointers into [`Prepared`], and where it reports a failure.
struct ChildArgs {
    path: *const libc::c_char,
    argv: *const *const libc::c_char,
    /// `/bin/sh path args…`, for a file the kernel will not execute (`ENOEXEC`), as
    /// `execvp(3)` does.
    sh_argv: *const *const libc::c_char,
    envp: *const *const libc::c_char,
    cwd: *const libc::c_char,
    stdio: [RawFd; 3],
    parent: libc::pid_t,
    /// The errno of the step that failed; 0 when `execve` succeeded.
    error: AtomicI32,
}

/// Starts the program in a new process group (its own leader) and returns its pid. An error
/// is the reason it could not start (`ENOENT`, `EACCES`, …); no child is left behind then.
pub(crate) fn spawn(p: &Prepared, stdio: &Stdio) -> io::Result<libc::pid_t> {
    let ptrs = |v: &[CString]| {
        let mut out: Vec<*const libc::c_char> = v.iter().map(|s| s.as_ptr()).collect();
        out.push(std::ptr::null());
        out
    };
    let argv = ptrs(&p.argv);
    let envp = ptrs(&p.envp);
    let mut sh_argv = vec![c"/bin/sh".as_ptr(), p.path.as_ptr()];
    sh_argv.extend_from_slice(&argv[1..]);
    let args = ChildArgs {
        path: p.path.as_ptr(),
        argv: argv.as_ptr(),
        sh_argv: sh_argv.as_ptr(),
        envp: envp.as_ptr(),
        cwd: p.cwd.as_ref().map_or(std::ptr::null(), |c| c.as_ptr()),
        stdio: [stdio.stdin, stdio.stdout, stdio.stderr],
        // SAFETY: getpid(2) has no preconditions.
        parent: unsafe { libc::getpid() },
        error: AtomicI32::new(0),
    };
    let stack = Stack::new()?;

    let mut old = [0u8; 128];
    let full = [0xffu8; 128];
    // SAFETY: rt_sigprocmask(2) with two 128-byte buffers, of which the kernel reads and
    // writes the first 8.
    unsafe { sigprocmask(libc::SIG_SETMASK, full.as_ptr(), old.as_mut_ptr()) };
    // SAFETY: CLONE_VM | CLONE_VFORK: the child runs `child` on `stack` (mapped, writable,
    // its top 16-byte aligned) in our memory while this thread is suspended, until the child
    // execs or exits; `args` and everything it points to outlive that. `child` makes only
    // async-signal-safe system calls, allocates nothing and never returns; all signals are
    // blocked, so no handler runs in it.
    let pid = unsafe {
        libc::clone(
            child,
            stack.top(),
            libc::CLONE_VM | libc::CLONE_VFORK | libc::SIGCHLD,
            &args as *const ChildArgs as *mut libc::c_void,
        )
    };
    let clone_error = io::Error::last_os_error();
    // SAFETY: as above; restores this thread's mask.
    unsafe { sigprocmask(libc::SIG_SETMASK, old.as_ptr(), std::ptr::null_mut()) };
    if pid < 0 {
        return Err(clone_error);
    }
    match args.error.load(Ordering::Acquire) {
        0 => Ok(pid),
        errno => {
            let mut status = 0;
            // SAFETY: waitpid(2) on our own child, which has exited (`_exit(127)`).
            unsafe { libc::waitpid(pid, &mut status, 0) };
            Err(io::Error::from_raw_os_error(errno))
        }
    }
}

/// rt_sigprocmask(2) itself: glibc's wrapper will not block the signals it uses internally.
///
/// # Safety
/// `set` (when not null) and `old` (when not null) point to at least 8 bytes.
unsafe fn sigprocmask(how: libc::c_int, set: *const u8, old: *mut u8) {
    // SAFETY: per the function's contract.
    unsafe { libc::syscall(libc::SYS_rt_sigprocmask, how, set, old, KERNEL_SIGSET) };
}

/// The child: signals to their defaults, its own process group, death with rhrel, its
/// standard descriptors and directory, then the program. Any failure is written to
/// `args.error` and the child exits 127.
extern "C" fn child(arg: *mut libc::c_void) -> libc::c_int {
    // SAFETY: `arg` is the `ChildArgs` that `spawn` keeps alive while this runs.
    let a = unsafe { &*(arg as *const ChildArgs) };
    // SAFETY: every call below is an async-signal-safe system call on memory `spawn`
    // prepared; nothing allocates, and the function never returns.
    unsafe {
        let errno = || *libc::__errno_location();
        for sig in 1..NSIG {
            let mut sa: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(sig, std::ptr::null(), &mut sa) != 0 {
                continue;
            }
            let handled = sa.sa_sigaction != libc::SIG_DFL && sa.sa_sigaction != libc::SIG_IGN;
            // rhrel ignores SIGPIPE (`startup.rs`); an ignored signal stays ignored across exec.
            if handled || sig == libc::SIGPIPE {
                sa.sa_sigaction = libc::SIG_DFL;
                sa.sa_flags = 0;
                libc::sigaction(sig, &sa, std::ptr::null_mut());
            }
        }
        if libc::setpgid(0, 0) != 0 {
            fail(a, errno());
        }
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0);
        // rhrel died before the prctl: the signal will never come.
        if libc::getppid() != a.parent {
            libc::_exit(127);
        }
        for (target, &fd) in a.stdio.iter().enumerate() {
            if libc::dup2(fd, target as libc::c_int) < 0 {
                fail(a, errno());
            }
        }
        if !a.cwd.is_null() && libc::chdir(a.cwd) != 0 {
            fail(a, errno());
        }
        let empty = [0u8; 8];
        sigprocmask(libc::SIG_SETMASK, empty.as_ptr(), std::ptr::null_mut());
        libc::execve(a.path, a.argv, a.envp);
        if errno() == libc::ENOEXEC {
            libc::execve(c"/bin/sh".as_ptr(), a.sh_argv, a.envp);
        }
        fail(a, errno())
    }
}

/// Reports `e` to the parent and ends the child.
fn fail(a: &ChildArgs, e: libc::c_int) -> ! {
    a.error
        .store(if e == 0 { libc::EINVAL } else { e }, Ordering::Release);
    // SAFETY: _exit(2) ends the child at once, running nothing of rhrel's.
    unsafe { libc::_exit(127) }
}

/// An anonymous mapping for the child's stack, with a guard page at its low end.
struct Stack {
    base: *mut libc::c_void,
}

impl Stack {
    fn new() -> io::Result<Self> {
        // SAFETY: a fresh private anonymous mapping; nothing else refers to it.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                GUARD + STACK,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_STACK,
                -1,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: the first page of the mapping made above.
        unsafe { libc::mprotect(base, GUARD, libc::PROT_NONE) };
        Ok(Self { base })
    }

    /// The stack's top (it grows down), 16-byte aligned as mmap's pages are.
    fn top(&self) -> *mut libc::c_void {
        // SAFETY: one past the end of the mapping, which is GUARD + STACK bytes long.
        unsafe { self.base.cast::<u8>().add(GUARD + STACK).cast() }
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `new`; the child that used it has exec'd or exited.
        unsafe { libc::munmap(self.base, GUARD + STACK) };
    }
}
