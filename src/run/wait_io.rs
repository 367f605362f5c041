//! Reading a file that can make the reader wait (a FIFO, a device) without losing the stop: it
//! is opened without blocking and read in slices of a poll(2), each checking the run's stop. A
//! regular file is read as usual.

use std::fs::File;
use std::io::Read;
use std::os::fd::AsRawFd;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;
use std::time::Duration;

use crate::run::stop::Stop;

/// Longest wait between two checks of the stop.
const SLICE: Duration = Duration::from_millis(50);

/// At most `limit` bytes of `path`; `Ok(None)` when the run was stopped meanwhile.
pub(crate) fn read(stop: &Stop, path: &Path, limit: u64) -> std::io::Result<Option<Vec<u8>>> {
    let waits = std::fs::metadata(path).is_ok_and(|m| {
        let t = m.file_type();
        t.is_fifo() || t.is_char_device() || t.is_socket()
    });
    let mut bytes = Vec::new();
    if !waits {
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
        let mut p = libc::pollfd {
            fd: file.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one initialised pollfd for a descriptor we own.
        let ready = unsafe { libc::poll(&mut p, 1, SLICE.as_millis() as i32) };
        if ready <= 0 {
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
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::Interrupted
                ) => {}
            Err(e) => return Err(e),
        }
    }
}
