//! The one writer of rhrel's standard streams: masked lines are handed to a bounded queue and
//! a writer thread writes them, in order, to fd 1 or 2. A stalled reader (a log collector that
//! stops reading) therefore blocks only the writer thread; a producer waits while the queue is
//! full, but that wait ends when the run is stopping ([`Writer::stopping`]), and then what does
//! not fit is dropped and counted ([`Writer::dropped`], the report's `output_dropped_bytes`).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use super::Stream;

/// The most bytes queued: a stalled reader costs at most this much memory.
pub(crate) const QUEUE_BYTES: usize = 4 << 20;
/// Once the run is stopping, how long producers together may still wait for room.
const STOPPING_WAIT: Duration = Duration::from_millis(500);
/// Once the run is stopping, how long a flush waits for a reader that takes nothing.
const STOPPING_STALL: Duration = Duration::from_millis(250);

#[derive(Default)]
struct Queue {
    chunks: VecDeque<(Stream, Vec<u8>)>,
    bytes: usize,
    /// A chunk the writer thread has taken and is writing.
    writing: bool,
    /// When stopping: until when a full queue is still waited for.
    wait_until: Option<Instant>,
}

struct Shared {
    queue: Mutex<Queue>,
    /// Signalled when a chunk is queued (the writer waits on it) or written (producers and
    /// [`Writer::flush`] wait on it).
    changed: Condvar,
    stopping: AtomicBool,
    /// A flush gave up on the reader: from then on nothing waits for it.
    abandoned: AtomicBool,
    dropped: AtomicU64,
}

/// The queue and its thread (started by the first write that could block).
pub(crate) struct Writer {
    shared: Arc<Shared>,
    thread: OnceLock<bool>,
    /// What stdout and stderr are, looked at once.
    kinds: [OnceLock<Kind>; 2],
}

/// Whether a stream's writes can wait on a reader.
#[derive(Clone, Copy)]
enum Kind {
    /// A regular file or a device that is not a terminal (`/dev/null`).
    Unbounded,
    /// A pipe, socket or terminal (a terminal can be paused with ^S).
    Pollable,
}

impl Kind {
    fn of(fd: i32) -> Kind {
        // SAFETY: fstat(2) into a zeroed struct we own; isatty(3) only queries the fd.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        if unsafe { libc::fstat(fd, &mut st) } != 0 {
            return Kind::Pollable;
        }
        let fmt = st.st_mode & libc::S_IFMT;
        let tty = unsafe { libc::isatty(fd) } == 1;
        if fmt == libc::S_IFREG || (fmt == libc::S_IFCHR && !tty) {
            Kind::Unbounded
        } else {
            Kind::Pollable
        }
    }
}

impl Default for Writer {
    fn default() -> Self {
        Writer {
            shared: Arc::new(Shared {
                queue: Mutex::new(Queue::default()),
                changed: Condvar::new(),
                stopping: AtomicBool::new(false),
                abandoned: AtomicBool::new(false),
                dropped: AtomicU64::new(0),
            }),
            thread: OnceLock::new(),
            kinds: [OnceLock::new(), OnceLock::new()],
        }
    }
}

impl Drop for Writer {
    /// What is still queued gets a bounded moment to reach the streams (the process is about
    /// to end: the writer is the `Output`'s, made once per command).
    fn drop(&mut self) {
        self.flush(Duration::from_secs(2), Duration::from_secs(1));
    }
}

impl Writer {
    /// Queues `bytes` for `stream`, waiting for room while the queue is full. Once the run is
    /// stopping, the wait is bounded and what does not fit is dropped (and counted).
    pub(crate) fn write(&self, stream: Stream, bytes: Vec<u8>) {
        if bytes.is_empty() {
            return;
        }
        let q = self.lock();
        if q.chunks.is_empty() && !q.writing && self.never_blocks(stream, bytes.len()) {
            // Nothing queued and the write cannot block: written here, no thread needed (a
            // short script's few lines, or output to a file or /dev/null).
            if write_all(fd(stream), &bytes).is_err() {
                self.count(bytes.len());
            }
            return;
        }
        drop(q);
        let started = *self.thread.get_or_init(|| self.start());
        if !started {
            // No thread: write on this thread, as before the queue existed.
            if write_all(fd(stream), &bytes).is_err() {
                self.count(bytes.len());
            }
            return;
        }
        let mut q = self.lock();
        // A chunk larger than the whole queue is let in once the queue is empty.
        while q.bytes > 0 && q.bytes + bytes.len() > QUEUE_BYTES {
            if self.shared.abandoned.load(Ordering::SeqCst) {
                drop(q);
                self.count(bytes.len());
                return;
            }
            if self.shared.stopping.load(Ordering::SeqCst) {
                let until = *q
                    .wait_until
                    .get_or_insert_with(|| Instant::now() + STOPPING_WAIT);
                let now = Instant::now();
                if now >= until {
                    drop(q);
                    self.count(bytes.len());
                    return;
                }
                q = self.wait(q, until - now);
            } else {
                q = self.wait(q, Duration::from_millis(100));
            }
        }
        q.bytes += bytes.len();
        q.chunks.push_back((stream, bytes));
        drop(q);
        self.shared.changed.notify_all();
    }

    /// The run is stopping (deadline, signal): waits for room become bounded from now on.
    pub(crate) fn stopping(&self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        self.shared.changed.notify_all();
    }

    /// Waits until everything queued is written, at most `within` and giving up sooner when
    /// the reader takes nothing for `stalled`. What is still queued then counts as dropped
    /// (the process is about to exit). Returns whether everything was written.
    pub(crate) fn flush(&self, within: Duration, stalled: Duration) -> bool {
        if self.thread.get().is_none() || self.shared.abandoned.load(Ordering::SeqCst) {
            return self.thread.get().is_none();
        }
        let stalled = if self.shared.stopping.load(Ordering::SeqCst) {
            stalled.min(STOPPING_STALL)
        } else {
            stalled
        };
        let until = Instant::now() + within;
        let mut q = self.lock();
        let mut last = (q.bytes, Instant::now());
        while q.bytes > 0 || q.writing {
            let now = Instant::now();
            if q.bytes != last.0 {
                last = (q.bytes, now);
            }
            if now >= until || now >= last.1 + stalled {
                let left = q.bytes as u64;
                drop(q);
                self.shared.abandoned.store(true, Ordering::SeqCst);
                self.shared.dropped.fetch_add(left, Ordering::SeqCst);
                return false;
            }
            q = self.wait(q, (until - now).min(Duration::from_millis(20)));
        }
        true
    }

    /// Bytes that could not be written: dropped while stopping, left at the end, or refused by
    /// the stream (a closed pipe).
    pub(crate) fn dropped(&self) -> u64 {
        self.shared.dropped.load(Ordering::SeqCst)
    }

    /// Whether writing `len` bytes to `stream` now returns without waiting for a reader: a
    /// file or a device other than a terminal always; a pipe, socket or terminal when it has
    /// room for an atomic write (`PIPE_BUF`) and `len` fits in one.
    fn never_blocks(&self, stream: Stream, len: usize) -> bool {
        let kind = match stream {
            Stream::Stdout => *self.kinds[0].get_or_init(|| Kind::of(1)),
            Stream::Stderr => *self.kinds[1].get_or_init(|| Kind::of(2)),
        };
        match kind {
            Kind::Unbounded => true,
            Kind::Pollable if len <= libc::PIPE_BUF => {
                let mut p = libc::pollfd {
                    fd: fd(stream),
                    events: libc::POLLOUT,
                    revents: 0,
                };
                // SAFETY: one initialised pollfd; zero timeout.
                let ready = unsafe { libc::poll(&mut p, 1, 0) };
                ready == 1 && p.revents & libc::POLLOUT != 0 && p.revents & libc::POLLERR == 0
            }
            Kind::Pollable => false,
        }
    }

    fn count(&self, n: usize) {
        self.shared.dropped.fetch_add(n as u64, Ordering::SeqCst);
    }

    fn start(&self) -> bool {
        let shared = self.shared.clone();
        std::thread::Builder::new()
            .name("rhrel-writer".into())
            .stack_size(64 << 10)
            .spawn(move || writer_loop(&shared))
            .is_ok()
    }

    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.shared.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn wait<'a>(&self, q: MutexGuard<'a, Queue>, d: Duration) -> MutexGuard<'a, Queue> {
        match self.shared.changed.wait_timeout(q, d) {
            Ok((q, _)) => q,
            Err(p) => p.into_inner().0,
        }
    }
}

/// The writer thread: takes chunks in order and writes each whole; lives as long as the process.
fn writer_loop(shared: &Shared) {
    let lock = || shared.queue.lock().unwrap_or_else(|p| p.into_inner());
    let mut q = lock();
    loop {
        let Some((stream, bytes)) = q.chunks.pop_front() else {
            q = match shared.changed.wait(q) {
                Ok(q) => q,
                Err(p) => p.into_inner(),
            };
            continue;
        };
        q.writing = true;
        drop(q);
        if write_all(fd(stream), &bytes).is_err() {
            shared
                .dropped
                .fetch_add(bytes.len() as u64, Ordering::SeqCst);
        }
        q = lock();
        q.writing = false;
        q.bytes -= bytes.len();
        shared.changed.notify_all();
    }
}

fn fd(stream: Stream) -> i32 {
    match stream {
        Stream::Stdout => 1,
        Stream::Stderr => 2,
    }
}

/// Writes all of `bytes` to `fd`, waiting out a non-blocking descriptor's `EAGAIN`.
fn write_all(fd: i32, mut bytes: &[u8]) -> std::io::Result<()> {
    while !bytes.is_empty() {
        // SAFETY: write(2) from a slice we borrow, of at most its length.
        let n = unsafe { libc::write(fd, bytes.as_ptr().cast(), bytes.len()) };
        if n >= 0 {
            bytes = &bytes[n as usize..];
            continue;
        }
        let err = std::io::Error::last_os_error();
        match err.kind() {
            std::io::ErrorKind::Interrupted => {}
            std::io::ErrorKind::WouldBlock => {
                let mut p = libc::pollfd {
                    fd,
                    events: libc::POLLOUT,
                    revents: 0,
                };
                // SAFETY: one initialised pollfd; waits at most 100 ms.
                unsafe { libc::poll(&mut p, 1, 100) };
            }
            _ => return Err(err),
        }
    }
    Ok(())
}
