//! What happens to the bytes a child writes: relayed to rhrel's own stream in whole lines
//! (so masking sees whole lines and the platform log gets whole lines), and captured as a
//! bounded tail for the script.

use std::sync::Arc;

use crate::output::{Output, Stream};

/// How much of each stream a script gets back (the last part of it).
pub(crate) const CAPTURE_BYTES: usize = 1024 * 1024;
/// A partial line longer than this is relayed without waiting for its newline, in pieces
/// that never split a secret ([`piece`]).
pub(crate) const MAX_PENDING: usize = 64 * 1024;
/// A partial line is held at most this long, even when no cut keeps every secret whole (a
/// secret longer than this, or one line made only of secrets).
const MAX_HELD: usize = 16 * MAX_PENDING;

/// How many bytes of a partial line that has reached [`MAX_PENDING`] to relay now as a piece
/// of its own: as many as can go without cutting through a secret (the rest waits for more),
/// or all of it past [`MAX_HELD`].
pub(crate) fn piece(out: &Output, pending: &[u8]) -> usize {
    if pending.len() >= MAX_HELD {
        return pending.len();
    }
    out.relay_cut(pending)
}

/// The tail of a stream: the last `CAPTURE_BYTES` bytes, in bounded memory (at most twice
/// that, trimmed in bulk so the cost stays one copy per byte).
#[derive(Default)]
pub(crate) struct Tail {
    buf: Vec<u8>,
    /// Whether bytes were dropped from the front.
    cut: bool,
}

impl Tail {
    pub(crate) fn push(&mut self, bytes: &[u8]) {
        if bytes.len() >= CAPTURE_BYTES {
            self.buf.clear();
            self.buf
                .extend_from_slice(&bytes[bytes.len() - CAPTURE_BYTES..]);
            self.cut = true;
            return;
        }
        if self.buf.len() + bytes.len() > 2 * CAPTURE_BYTES {
            let drop = self.buf.len() + bytes.len() - CAPTURE_BYTES;
            self.buf.drain(..drop.min(self.buf.len()));
            self.cut = true;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// The captured text: the last `CAPTURE_BYTES` bytes, starting on a character boundary.
    pub(crate) fn into_string(self) -> String {
        let mut start = self.buf.len().saturating_sub(CAPTURE_BYTES);
        if self.cut || start > 0 {
            // Never start in the middle of a UTF-8 sequence.
            while start < self.buf.len() && (self.buf[start] & 0xC0) == 0x80 {
                start += 1;
            }
        }
        String::from_utf8_lossy(&self.buf[start..]).into_owned()
    }
}

/// One stream of one child: holds a partial line until its newline arrives, relays whole
/// lines (all of one read in one write), and captures everything into a `Tail`.
pub(crate) struct LineRelay {
    stream: Stream,
    /// `None` when quiet: capture only.
    out: Option<Arc<Output>>,
    pending: Vec<u8>,
    scratch: Vec<u8>,
    pub tail: Tail,
}

impl LineRelay {
    pub(crate) fn new(stream: Stream, out: Option<Arc<Output>>) -> Self {
        LineRelay {
            stream,
            out,
            pending: Vec::new(),
            scratch: Vec::new(),
            tail: Tail::default(),
        }
    }

    /// Takes the bytes of one read.
    pub(crate) fn feed(&mut self, bytes: &[u8]) {
        self.tail.push(bytes);
        let Some(out) = &self.out else { return };
        match bytes.iter().rposition(|b| *b == b'\n') {
            None => {
                self.pending.extend_from_slice(bytes);
                if self.pending.len() >= MAX_PENDING {
                    let cut = piece(out, &self.pending);
                    if cut > 0 {
                        self.scratch.clear();
                        self.scratch.extend_from_slice(&self.pending[..cut]);
                        self.scratch.push(b'\n');
                        out.relay(self.stream, &self.scratch);
                        self.pending.drain(..cut);
                    }
                }
            }
            Some(last) if self.pending.is_empty() => {
                out.relay(self.stream, &bytes[..=last]);
                self.pending.extend_from_slice(&bytes[last + 1..]);
            }
            Some(last) => {
                self.scratch.clear();
                self.scratch.extend_from_slice(&self.pending);
                self.scratch.extend_from_slice(&bytes[..=last]);
                out.relay(self.stream, &self.scratch);
                self.pending.clear();
                self.pending.extend_from_slice(&bytes[last + 1..]);
            }
        }
        if self.scratch.capacity() > 4 * MAX_PENDING {
            self.scratch = Vec::new();
        }
    }

    /// Relays a held partial line (the child ended, or the line grew too long), ending it
    /// with a newline so rhrel's next line starts on its own.
    pub(crate) fn flush(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        if let Some(out) = &self.out {
            self.pending.push(b'\n');
            out.relay(self.stream, &self.pending);
        }
        self.pending.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_keeps_the_last_mebibyte() {
        let mut tail = Tail::default();
        for _ in 0..3000 {
            tail.push(&[b'a'; 1000]);
        }
        tail.push(b"end");
        let s = tail.into_string();
        assert_eq!(s.len(), CAPTURE_BYTES);
        assert!(s.ends_with("aend"));
    }

    #[test]
    fn tail_starts_on_a_char_boundary() {
        let mut tail = Tail::default();
        let text = "é".repeat(CAPTURE_BYTES);
        tail.push(text.as_bytes());
        let s = tail.into_string();
        assert!(s.chars().all(|c| c == 'é'));
    }

    #[test]
    fn small_output_is_kept_whole() {
        let mut tail = Tail::default();
        tail.push(b"x\ny\n");
        assert_eq!(tail.into_string(), "x\ny\n");
    }
}
