//! The steps of one `parallel` call, run to their end on the calling thread: up to `max`
//! children at once, one poll(2) over all their pipes and pidfds, each slice checking every
//! step's timeout, the run's stop and (with fail-fast) whether a sibling failed, and
//! terminating the affected process groups (TERM, grace, KILL) when one of them fires.

use std::fs::File;
use std::io::{ErrorKind, Read};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::process::ExitStatus;
use std::time::{Duration, Instant};

use crate::exec::process_group::{self, GRACE};
use crate::exec::spawn;
use crate::exec::supervise::{pidfd_open, wait_ms, Feed};
use crate::output::{Level, Stream};
use crate::parallel::prefix::PrefixRelay;
use crate::parallel::step::Step;
use crate::run::context::Context;
use crate::run::stop::StopReason;

/// Longest wait between two checks of the stop, the timeouts and the siblings.
const SLICE: Duration = Duration::from_millis(50);
/// After a child exits, how long output from what it left running is still read.
const DRAIN: Duration = Duration::from_millis(200);
/// After SIGKILL, how long to wait for the group before giving up on it.
const KILL_WAIT: Duration = Duration::from_secs(1);
const READ_CHUNK: usize = 64 * 1024;

/// How a step ended.
pub(crate) enum End {
    Exited(ExitStatus),
    /// Its own `timeout` fired (its group was terminated), or it was not positive.
    TimedOut,
    /// Stopped, or never started, because another step failed first (fail-fast).
    Cancelled,
    /// The run was asked to stop (deadline, signal): its group was terminated.
    Stopped,
    /// The program could not be started.
    NotStarted(std::io::Error),
}

pub(crate) struct Finished {
    pub end: End,
    pub stdout: String,
    pub stderr: String,
    pub duration: Duration,
    /// Whether it ran at all.
    pub started: bool,
}

impl Finished {
    pub(crate) fn unstarted(end: End) -> Self {
        Finished {
            end,
            stdout: String::new(),
            stderr: String::new(),
            duration: Duration::ZERO,
            started: false,
        }
    }
}

/// Whether a step's end counts as a failure: a program that cannot start always does; a
/// non-zero exit or a timeout unless the step says `check: false`.
pub(crate) fn failed(step: &Step, end: &End) -> bool {
    match end {
        End::NotStarted(_) => true,
        End::Exited(status) => step.opts.check && !status.success(),
        End::TimedOut => step.opts.check,
        End::Cancelled | End::Stopped => false,
    }
}

/// Why a running step's group is being terminated.
#[derive(Clone, Copy, PartialEq)]
enum Cause {
    Timeout,
    Stop,
    Cancel,
}

/// A running step.
struct Live<'a> {
    index: usize,
    child: spawn::Child,
    pgid: i32,
    out: Option<File>,
    err: Option<File>,
    out_relay: PrefixRelay,
    err_relay: PrefixRelay,
    feed: Option<Feed<'a>>,
    pidfd: Option<OwnedFd>,
    started: Instant,
    timeout_at: Option<Instant>,
    status: Option<ExitStatus>,
    exited_at: Instant,
    cause: Option<Cause>,
    term_at: Instant,
    kill_at: Option<Instant>,
}

/// What a poll slot watches.
#[derive(Clone, Copy)]
enum Slot {
    Out(usize),
    Err(usize),
    In(usize),
    Exit(usize),
}

/// Runs every step (at most `max` at once) and returns their ends in the given order.
/// With `fail_fast`, the first failure terminates the running siblings and starts no more.
pub(crate) fn run(ctx: &Context, steps: &[Step], max: usize, fail_fast: bool) -> Vec<Finished> {
    let n = steps.len();
    let mut results: Vec<Option<Finished>> = (0..n).map(|_| None).collect();
    let mut live: Vec<Live> = Vec::new();
    let mut next = 0;
    // The step whose failure stops the others.
    let mut cancelled_by: Option<usize> = None;
    let mut buf = vec![0u8; READ_CHUNK];
    loop {
        while cancelled_by.is_none() && !ctx.stop.is_set() && live.len() < max && next < n {
            let i = next;
            next += 1;
            match start(ctx, &steps[i], i) {
                Ok(Some(l)) => live.push(l),
                Ok(None) => results[i] = Some(Finished::unstarted(End::TimedOut)),
                Err(e) => results[i] = Some(Finished::unstarted(End::NotStarted(e))),
            }
            if fail_fast
                && results[i]
                    .as_ref()
                    .is_some_and(|r| failed(&steps[i], &r.end))
            {
                cancelled_by = Some(i);
            }
        }
        if live.is_empty() {
            break;
        }

        let now = Instant::now();
        for l in live.iter_mut() {
            if l.cause.is_none() {
                let cause = if ctx.stop.is_set() {
                    Some(Cause::Stop)
                } else if cancelled_by.is_some() && l.status.is_none() {
                    Some(Cause::Cancel)
                } else if l.timeout_at.is_some_and(|d| now >= d) {
                    Some(Cause::Timeout)
                } else {
                    None
                };
                if let Some(cause) = cause {
                    let step = &steps[l.index];
                    let failed_step = cancelled_by.map(|f| steps[f].name.as_str());
                    announce(ctx, step, l.pgid, cause, failed_step);
                    process_group::signal(l.pgid, libc::SIGTERM);
                    l.cause = Some(cause);
                    l.term_at = now;
                    l.feed = None;
                }
            }
            if l.cause.is_some() && l.kill_at.is_none() && now >= l.term_at + GRACE {
                process_group::signal(l.pgid, libc::SIGKILL);
                l.kill_at = Some(now);
            }
        }

        // Take the steps that are over out of the pool.
        let mut i = 0;
        while i < live.len() {
            if done(&live[i], now) {
                let l = live.remove(i);
                let index = l.index;
                let fin = finish(ctx, l, &mut buf);
                if fail_fast && cancelled_by.is_none() && failed(&steps[index], &fin.end) {
                    cancelled_by = Some(index);
                }
                results[index] = Some(fin);
            } else {
                i += 1;
            }
        }
        if live.is_empty() {
            continue;
        }

        // Wait for output, stdin room, an exit, or the next check.
        let mut wait = SLICE;
        let mut fds: Vec<libc::pollfd> = Vec::with_capacity(live.len() * 4);
        let mut slots: Vec<Slot> = Vec::with_capacity(live.len() * 4);
        for (k, l) in live.iter().enumerate() {
            if l.cause.is_none() {
                if let Some(d) = l.timeout_at {
                    wait = wait.min(d.saturating_duration_since(now));
                }
                if l.status.is_some() {
                    wait = wait.min((l.exited_at + DRAIN).saturating_duration_since(now));
                }
            } else if l.kill_at.is_none() {
                wait = wait.min((l.term_at + GRACE).saturating_duration_since(now));
            }
            if l.status.is_none() && l.pidfd.is_none() && l.out.is_none() && l.err.is_none() {
                wait = wait.min(Duration::from_millis(2));
            }
            let mut add = |fd: RawFd, events: i16, slot: Slot| {
                fds.push(libc::pollfd {
                    fd,
                    events,
                    revents: 0,
                });
                slots.push(slot);
            };
            if let Some(f) = &l.out {
                add(f.as_raw_fd(), libc::POLLIN, Slot::Out(k));
            }
            if let Some(f) = &l.err {
                add(f.as_raw_fd(), libc::POLLIN, Slot::Err(k));
            }
            if let Some(f) = &l.feed {
                add(f.fd(), libc::POLLOUT, Slot::In(k));
            }
            if let (None, Some(p)) = (l.status, &l.pidfd) {
                add(p.as_raw_fd(), libc::POLLIN, Slot::Exit(k));
            }
        }
        // SAFETY: `fds` holds initialised pollfd entries for descriptors we own.
        let rc = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, wait_ms(wait)) };
        if rc < 0 && std::io::Error::last_os_error().kind() != ErrorKind::Interrupted {
            // Should not happen; avoid a busy loop while still checking the stop.
            std::thread::sleep(Duration::from_millis(5));
        }
        if rc > 0 {
            for (p, slot) in fds.iter().zip(&slots) {
                if p.revents == 0 {
                    continue;
                }
                match *slot {
                    Slot::Out(k) => {
                        let l = &mut live[k];
                        read(&mut l.out, &mut l.out_relay, &mut buf);
                    }
                    Slot::Err(k) => {
                        let l = &mut live[k];
                        read(&mut l.err, &mut l.err_relay, &mut buf);
                    }
                    Slot::In(k) => {
                        let l = &mut live[k];
                        if l.feed.as_mut().is_some_and(|f| f.write()) {
                            l.feed = None;
                        }
                    }
                    Slot::Exit(k) => reap(&mut live[k]),
                }
            }
        }
        for l in live.iter_mut().filter(|l| l.pidfd.is_none()) {
            reap(l);
        }
    }
    results
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Finished::unstarted(End::Cancelled)))
        .collect()
}

/// Starts one step; `None` when its timeout is not positive (it times out unstarted).
fn start<'a>(ctx: &Context, step: &'a Step, index: usize) -> std::io::Result<Option<Live<'a>>> {
    if step.opts.timeout.is_some_and(|t| t.is_zero()) {
        return Ok(None);
    }
    let mut cmd = crate::exec::spawn::Program::new(&step.program, step.path.as_deref())?;
    cmd.args(&step.args);
    if let Some(cwd) = &step.opts.cwd {
        cmd.current_dir(cwd);
    }
    for (key, value) in &step.opts.env {
        cmd.env(key, value.as_deref());
    }
    let started = Instant::now();
    let mut child = spawn::in_group(ctx, &cmd, step.opts.stdin.is_some())?;
    let pgid = child.id() as i32;
    let relay = |s| PrefixRelay::new(s, (!step.opts.quiet).then(|| ctx.out.clone()), &step.name);
    let file = |fd: OwnedFd| File::from(fd);
    Ok(Some(Live {
        index,
        pgid,
        out: child.stdout.take().map(|p| file(p.into())),
        err: child.stderr.take().map(|p| file(p.into())),
        out_relay: relay(Stream::Stdout),
        err_relay: relay(Stream::Stderr),
        feed: child.stdin.take().map(|p| {
            Feed::new(
                file(p.into()),
                step.opts.stdin.as_deref().unwrap_or("").as_bytes(),
            )
        }),
        pidfd: pidfd_open(pgid),
        child,
        started,
        timeout_at: step.opts.timeout.map(|t| started + t),
        status: None,
        exited_at: started,
        cause: None,
        term_at: started,
        kill_at: None,
    }))
}

/// Whether a step is over: exited with its pipes closed (or drained a moment), or
/// terminated and its whole group gone (or given up on after the SIGKILL).
fn done(l: &Live, now: Instant) -> bool {
    if l.cause.is_some() {
        let gave_up = l.kill_at.is_some_and(|k| now >= k + KILL_WAIT);
        gave_up || (l.status.is_some() && !process_group::alive(l.pgid))
    } else {
        let pipes_done = l.out.is_none() && l.err.is_none();
        l.status.is_some() && (pipes_done || now >= l.exited_at + DRAIN)
    }
}

fn finish(ctx: &Context, mut l: Live, buf: &mut [u8]) -> Finished {
    if l.cause.is_some() {
        // What the dead group left in the pipes is still worth showing.
        drain(&mut l.out, &mut l.out_relay, buf);
        drain(&mut l.err, &mut l.err_relay, buf);
    }
    l.out_relay.flush();
    l.err_relay.flush();
    if l.status.is_none() {
        l.status = l.child.try_wait().ok().flatten();
    }
    // Something the child left running stays registered until the run ends.
    if !process_group::alive(l.pgid) {
        process_group::unregister(ctx, l.pgid);
    }
    let end = match (l.cause, l.status) {
        (Some(Cause::Stop), _) => End::Stopped,
        (Some(Cause::Timeout), _) => End::TimedOut,
        (Some(Cause::Cancel), _) => End::Cancelled,
        (None, Some(s)) => End::Exited(s),
        (None, None) => unreachable!("a step ends without a cause only after its exit"),
    };
    Finished {
        end,
        stdout: l.out_relay.tail.into_string(),
        stderr: l.err_relay.tail.into_string(),
        duration: l.started.elapsed(),
        started: true,
    }
}

fn reap(l: &mut Live) {
    if l.status.is_none() {
        if let Ok(Some(s)) = l.child.try_wait() {
            l.status = Some(s);
            l.exited_at = Instant::now();
        }
    }
}

/// One read (poll said it will not block); EOF or an error closes the pipe.
fn read(file: &mut Option<File>, relay: &mut PrefixRelay, buf: &mut [u8]) {
    let Some(f) = file.as_mut() else { return };
    match f.read(buf) {
        Ok(0) => *file = None,
        Ok(n) => relay.feed(&buf[..n]),
        Err(e) if matches!(e.kind(), ErrorKind::Interrupted | ErrorKind::WouldBlock) => {}
        Err(_) => *file = None,
    }
}

/// Reads what is buffered without waiting (the writers are gone or being ignored).
fn drain(file: &mut Option<File>, relay: &mut PrefixRelay, buf: &mut [u8]) {
    for _ in 0..64 {
        let Some(fd) = file.as_ref().map(|f| f.as_raw_fd()) else {
            return;
        };
        let mut p = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one initialised pollfd for a descriptor we own; zero timeout.
        if unsafe { libc::poll(&mut p, 1, 0) } <= 0 {
            return;
        }
        read(file, relay, buf);
    }
}

/// Logs what is being stopped and why.
fn announce(ctx: &Context, step: &Step, pgid: i32, cause: Cause, failed_step: Option<&str>) {
    let why = match (cause, ctx.stop.reason()) {
        (Cause::Timeout, _) => format!(
            "its timeout of {} passed",
            crate::duration::format(step.opts.timeout.unwrap_or_default())
        ),
        (Cause::Cancel, _) => format!("step `{}` failed", failed_step.unwrap_or("?")),
        (_, Some(StopReason::Deadline)) => "the run's deadline passed".into(),
        (_, Some(StopReason::Signal(sig))) if sig == libc::SIGINT => {
            "rhrel was interrupted (SIGINT)".into()
        }
        (_, Some(StopReason::Signal(_))) => "rhrel was terminated (SIGTERM)".into(),
        (_, Some(StopReason::Memory(..))) => "rhrel went over its memory limit".into(),
        _ => "the run is ending".into(),
    };
    ctx.out.diag(
        Level::Info,
        &format!(
            "stopping [{}] `{}` (process group {pgid}): {why}; SIGKILL follows after {}s",
            step.name,
            step.shown,
            GRACE.as_secs()
        ),
    );
}
