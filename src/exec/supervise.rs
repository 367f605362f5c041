//! Runs one child to its end on the calling thread: a single poll(2) loop over its pipes (and
//! a pidfd for its exit) relays output live, feeds stdin, and every slice checks the per-call
//! timeout and the run's stop, terminating the child's whole process group when either fires.

use std::fs::File;
use std::io::{ErrorKind, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::process::ExitStatus;
use std::time::{Duration, Instant};

use crate::exec::process_group::{self, GRACE};
use crate::exec::relay::LineRelay;
use crate::exec::spawn::Program;
use crate::output::{Level, Stream};
use crate::run::context::Context;
use crate::run::stop::StopReason;

/// Longest wait between two checks of the stop and the timeout.
const SLICE: Duration = Duration::from_millis(50);
/// After the child exits, how long output from what it left running is still read.
const DRAIN: Duration = Duration::from_millis(200);
/// After SIGKILL, how long to wait for the group before giving up on it.
const KILL_WAIT: Duration = Duration::from_secs(1);
const READ_CHUNK: usize = 64 * 1024;

/// What to run and how.
pub(crate) struct Job<'a> {
    /// The command as shown in messages.
    pub shown: &'a str,
    pub stdin: Option<&'a [u8]>,
    pub timeout: Option<Duration>,
    /// Capture without relaying.
    pub quiet: bool,
}

/// How the child ended.
pub(crate) enum End {
    Exited(ExitStatus),
    /// The per-call timeout fired (the group was terminated).
    TimedOut,
    /// The run was asked to stop (deadline, signal): the group was terminated.
    Stopped,
}

pub(crate) struct Finished {
    pub end: End,
    pub stdout: String,
    pub stderr: String,
    pub duration: Duration,
}

/// Why the group is being terminated.
#[derive(Clone, Copy, PartialEq)]
enum Cause {
    Timeout,
    Stop,
}

/// Starts `cmd` in its own process group and supervises it to the end. An error means the
/// program could not be started.
pub(crate) fn run(ctx: &Context, cmd: &Program, job: &Job) -> std::io::Result<Finished> {
    let started = Instant::now();
    let mut child = crate::exec::spawn::in_group(ctx, cmd, job.stdin.is_some())?;
    let pgid = child.id() as i32;
    // Debug builds only: a bug while a child runs must still leave no process behind.
    #[cfg(debug_assertions)]
    if std::env::var_os("RHREL_DEBUG_PANIC").is_some_and(|v| v == "exec") {
        panic!("RHREL_DEBUG_PANIC=exec is set");
    }

    let relay_to = |s| LineRelay::new(s, (!job.quiet).then(|| ctx.out.clone()));
    let mut out = Pipe::new(child.stdout.take().map(file), relay_to(Stream::Stdout));
    let mut err = Pipe::new(child.stderr.take().map(file), relay_to(Stream::Stderr));
    let mut input = child
        .stdin
        .take()
        .map(file)
        .map(|f| Feed::new(f, job.stdin.unwrap_or_default()));
    let pidfd = pidfd_open(pgid);
    let call_deadline = job.timeout.map(|t| started + t);

    let mut status: Option<ExitStatus> = None;
    let mut exited_at = started;
    let mut cause: Option<Cause> = None;
    let mut term_at = started;
    let mut kill_at: Option<Instant> = None;
    let mut buf = vec![0u8; READ_CHUNK];
    loop {
        let now = Instant::now();
        if cause.is_none() {
            if ctx.stop.is_set() {
                cause = Some(Cause::Stop);
            } else if call_deadline.is_some_and(|d| now >= d) {
                cause = Some(Cause::Timeout);
            }
            if let Some(c) = cause {
                announce(ctx, job, pgid, c);
                process_group::signal(pgid, libc::SIGTERM);
                crate::run::backstop::allow(GRACE + KILL_WAIT);
                term_at = now;
                input = None;
            }
        }
        if cause.is_some() && kill_at.is_none() && now >= term_at + GRACE {
            process_group::signal(pgid, libc::SIGKILL);
            kill_at = Some(now);
        }
        let pipes_done = out.file.is_none() && err.file.is_none();
        if cause.is_some() {
            let gave_up = kill_at.is_some_and(|k| now >= k + KILL_WAIT);
            if gave_up || (status.is_some() && !process_group::alive(pgid)) {
                break;
            }
        } else if status.is_some() && (pipes_done || now >= exited_at + DRAIN) {
            break;
        }

        // Wait for output, stdin room, the child's exit, or the next check.
        let mut wait = SLICE;
        if cause.is_none() {
            if let Some(d) = call_deadline {
                wait = wait.min(d.saturating_duration_since(now));
            }
            if status.is_some() {
                wait = wait.min((exited_at + DRAIN).saturating_duration_since(now));
            }
        } else if kill_at.is_none() {
            wait = wait.min((term_at + GRACE).saturating_duration_since(now));
        }
        let watch_exit = status.is_none() && pidfd.is_some();
        if status.is_none() && pidfd.is_none() && pipes_done {
            wait = wait.min(Duration::from_millis(2));
        }
        let mut fds = [empty(); 4];
        let mut n = 0;
        let mut slot = |fd: Option<RawFd>, events: i16| {
            fd.map(|fd| {
                fds[n] = libc::pollfd {
                    fd,
                    events,
                    revents: 0,
                };
                n += 1;
                n - 1
            })
        };
        let i_out = slot(out.fd(), libc::POLLIN);
        let i_err = slot(err.fd(), libc::POLLIN);
        let i_in = slot(input.as_ref().map(|f| f.file.as_raw_fd()), libc::POLLOUT);
        let i_pid = slot(
            pidfd.as_ref().filter(|_| watch_exit).map(|p| p.as_raw_fd()),
            libc::POLLIN,
        );
        // SAFETY: `fds[..n]` are initialised pollfd entries for descriptors we own.
        let rc = unsafe { libc::poll(fds.as_mut_ptr(), n as libc::nfds_t, wait_ms(wait)) };
        let ready = |i: Option<usize>| i.is_some_and(|i| fds[i].revents != 0);
        if rc < 0 && std::io::Error::last_os_error().kind() != ErrorKind::Interrupted {
            // Should not happen; avoid a busy loop while still checking the stop.
            std::thread::sleep(Duration::from_millis(5));
        }
        if rc > 0 {
            if ready(i_out) {
                out.read(&mut buf);
            }
            if ready(i_err) {
                err.read(&mut buf);
            }
            if ready(i_in) && input.as_mut().is_some_and(|f| f.write()) {
                input = None;
            }
        }
        if status.is_none() && (pidfd.is_none() || ready(i_pid)) {
            if let Ok(Some(s)) = child.try_wait() {
                status = Some(s);
                exited_at = Instant::now();
            }
        }
    }

    if cause.is_some() {
        // What the dead group left in the pipes is still worth showing.
        out.drain(&mut buf);
        err.drain(&mut buf);
    }
    out.relay.flush();
    err.relay.flush();
    if status.is_none() {
        let _ = child.try_wait();
    }
    // Something the child left running stays registered until the run ends.
    if !process_group::alive(pgid) {
        process_group::unregister(ctx, pgid);
    }
    let end = match (cause, status) {
        (Some(Cause::Stop), _) => End::Stopped,
        (Some(Cause::Timeout), _) => End::TimedOut,
        (None, Some(s)) => End::Exited(s),
        (None, None) => unreachable!("the loop ends without a cause only after the exit"),
    };
    Ok(Finished {
        end,
        stdout: out.relay.tail.into_string(),
        stderr: err.relay.tail.into_string(),
        duration: started.elapsed(),
    })
}

/// One of the child's output pipes and where its bytes go.
struct Pipe {
    file: Option<File>,
    relay: LineRelay,
}

impl Pipe {
    fn new(file: Option<File>, relay: LineRelay) -> Self {
        Pipe { file, relay }
    }

    fn fd(&self) -> Option<RawFd> {
        self.file.as_ref().map(|f| f.as_raw_fd())
    }

    /// One read (poll said it will not block); EOF or an error closes the pipe.
    fn read(&mut self, buf: &mut [u8]) {
        let Some(file) = self.file.as_mut() else {
            return;
        };
        match file.read(buf) {
            Ok(0) => self.file = None,
            Ok(n) => self.relay.feed(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::Interrupted | ErrorKind::WouldBlock) => {}
            Err(_) => self.file = None,
        }
    }

    /// Reads what is buffered without waiting (the writers are gone or being ignored).
    fn drain(&mut self, buf: &mut [u8]) {
        for _ in 0..64 {
            let Some(fd) = self.fd() else { return };
            let mut p = libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one initialised pollfd for a descriptor we own; zero timeout.
            if unsafe { libc::poll(&mut p, 1, 0) } <= 0 {
                return;
            }
            self.read(buf);
        }
    }
}

/// The `stdin` text, written as the child makes room for it, then closed.
pub(crate) struct Feed<'a> {
    file: File,
    data: &'a [u8],
}

impl<'a> Feed<'a> {
    pub(crate) fn new(file: File, data: &'a [u8]) -> Self {
        // SAFETY: fcntl on a descriptor we own; makes writes return instead of blocking.
        unsafe {
            let fd = file.as_raw_fd();
            let flags = libc::fcntl(fd, libc::F_GETFL);
            libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK);
        }
        Feed { file, data }
    }

    /// The descriptor to poll for room.
    pub(crate) fn fd(&self) -> RawFd {
        self.file.as_raw_fd()
    }

    /// Writes what fits; true when done (all written, or the child closed its stdin).
    pub(crate) fn write(&mut self) -> bool {
        if self.data.is_empty() {
            return true;
        }
        match self.file.write(self.data) {
            Ok(n) => {
                self.data = &self.data[n..];
                self.data.is_empty()
            }
            Err(e) => !matches!(e.kind(), ErrorKind::Interrupted | ErrorKind::WouldBlock),
        }
    }
}

/// Logs what is being stopped and why.
fn announce(ctx: &Context, job: &Job, pgid: i32, cause: Cause) {
    let why = match (cause, ctx.stop.reason()) {
        (Cause::Timeout, _) => format!(
            "its timeout of {} passed",
            crate::duration::format(job.timeout.unwrap_or_default())
        ),
        (_, Some(StopReason::Deadline)) => "the run's deadline passed".into(),
        (_, Some(StopReason::Signal(sig))) if sig == libc::SIGINT => {
            "rhrel was interrupted (SIGINT)".into()
        }
        (_, Some(StopReason::Signal(sig))) => {
            format!("rhrel was terminated ({})", crate::run::signals::name(sig))
        }
        (_, Some(StopReason::Memory(..))) => "rhrel went over its memory limit".into(),
        _ => "the run is ending".into(),
    };
    ctx.out.event(
        Level::Warn,
        "stop",
        &format!(
            "stopping `{}` (process group {pgid}): {why}; SIGKILL follows after {}s",
            job.shown,
            GRACE.as_secs()
        ),
        serde_json::json!({
            "command": job.shown, "process_group": pgid, "reason": why,
            "grace_ms": GRACE.as_millis() as u64,
        }),
    );
}

/// A descriptor that becomes readable when the process exits (Linux ≥ 5.3), or `None`.
pub(crate) fn pidfd_open(pid: i32) -> Option<OwnedFd> {
    // SAFETY: pidfd_open(2) takes a pid and flags; on success we own the returned descriptor.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    (fd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// A pipe end as a plain file (reads and writes without std's wrappers).
fn file(fd: impl Into<OwnedFd>) -> File {
    File::from(fd.into())
}

fn empty() -> libc::pollfd {
    libc::pollfd {
        fd: -1,
        events: 0,
        revents: 0,
    }
}

/// Milliseconds for poll(2), rounded up so a short wait does not spin.
pub(crate) fn wait_ms(wait: Duration) -> i32 {
    let ms = wait.as_micros().div_ceil(1000);
    ms.min(i32::MAX as u128) as i32
}
