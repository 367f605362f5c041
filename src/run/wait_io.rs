//! Reading or writing a file that can make the caller wait (a FIFO, a device) without losing
//! the stop: it is opened without blocking and read or written in slices of a poll(2), each
//! checking the run's stop. A regular file is read or written as usual.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;
use std::time::Duration;

use crate::run::stop::Stop;

/// Longest wait between two checks of the stop.
const SLICE: Duration = Duration::from_millis(50);

/// Whether opening or using `path` can wait for another process.
fn can_wait(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| {
        let t = m.file_type();
        t.is_fifo() || t.is_char_device() || t.is_socket()
    })
}

/// Waits up to one slice for `events` on `file`; whether it is ready.
fn ready(file: &File, events: libc::c_short) -> bool {
    let mut p = libc::pollfd {
        fd: file.as_raw_fd(),
        events,
        revents: 0,
    };
    // SAFETY: one initialised pollfd for a descriptor we own.
    unsafe { libc::poll(&mut p, 1, SLICE.as_millis() as i32) > 0 }
}

fn would_block(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::Interrupted
    )
}

/// Writes `bytes` to `path`, replacing a regular file; `Ok(false)` when the run was stopped
/// meanwhile. A FIFO with no reader yet is waited for (its open fails with `ENXIO` until a
/// reader comes).
pub(crate) fn write(stop: &Stop, path: &Path, bytes: &[u8]) -> std::io::Result<bool> {
    if !can_wait(path) {
        std::fs::write(path, bytes)?;
        return Ok(true);
    }
    let mut file = loop {
        if stop.is_set() {
            return Ok(false);
        }
        match std::fs::OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)
        {
            Ok(f) => break f,
            Err(e) if e.raw_os_error() == Some(libc::ENXIO) => std::thread::sleep(SLICE),
            Err(e) if would_block(&e) => {}
            Err(e) => return Err(e),
        }
    };
    let mut rest = bytes;
    while !rest.is_empty() {
        if stop.is_set() {
            return Ok(false);
        }
        if !ready(&file, libc::POLLOUT) {
            continue;
        }
        match file.write(rest) {
            Ok(n) => rest = &rest[n..],
            Err(e) if would_block(&e) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}

/// At most `limit` bytes of `path`; `Ok(None)` when the run was stopped meanwhile.
pub(crate) fn read(stop: &Stop, path: &Path, limit: u64) -> std::io::Result<Option<Vec<u8>>> {
    let mut bytes = Vec::new();
    if !can_wait(path) {
        File::open(path)?.take(limit).read_to_end(&mut bytes)?;
        return Ok(Some(bytes));
    }
    // O_NONBLOCK: opening a FIFO no writer holds yet returns at once.
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        if stop.is_set() {
            return Ok(None);
        }
        if !ready(&file, libc::POLLIN) {
            continue;
        }
        match file.read(&mut buf) {
            // A FIFO's last writer left (POLLHUP) and nothing is buffered: the end.
            Ok(0) => return Ok(Some(bytes)),
            Ok(n) => {
                bytes.extend_from_slice(&buf[..n]);
                if bytes.len() as u64 >= limit {
                    bytes.truncate(limit as usize);
                    return Ok(Some(bytes));
                }
            }
            Err(e) if would_block(&e) => {}
            Err(e) => return Err(e),
        }
    }
}
