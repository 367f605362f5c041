//! One stream of one parallel step: every complete line is relayed with the step's `[name] `
//! prefix, all the lines of one read in one write (so lines of different steps never tear
//! each other), and everything is captured, unprefixed, into the step's bounded tail.

use std::sync::Arc;

use crate::exec::relay::{piece, Tail, MAX_PENDING};
use crate::output::{Output, Stream};

pub(crate) struct PrefixRelay {
    stream: Stream,
    /// `None` when quiet: capture only.
    out: Option<Arc<Output>>,
    prefix: Vec<u8>,
    /// A partial line waiting for its newline.
    pending: Vec<u8>,
    /// The prefixed lines of one read.
    batch: Vec<u8>,
    pub tail: Tail,
}

impl PrefixRelay {
    pub(crate) fn new(stream: Stream, out: Option<Arc<Output>>, name: &str) -> Self {
        PrefixRelay {
            stream,
            out,
            prefix: format!("[{name}] ").into_bytes(),
            pending: Vec::new(),
            batch: Vec::new(),
            tail: Tail::default(),
        }
    }

    /// Takes the bytes of one read.
    pub(crate) fn feed(&mut self, bytes: &[u8]) {
        self.tail.push(bytes);
        if self.out.is_none() {
            return;
        }
        self.batch.clear();
        let mut start = 0;
        for end in memchr::memchr_iter(b'\n', bytes) {
            self.batch.extend_from_slice(&self.prefix);
            if !self.pending.is_empty() {
                self.batch.extend_from_slice(&self.pending);
                self.pending.clear();
            }
            self.batch.extend_from_slice(&bytes[start..=end]);
            start = end + 1;
        }
        self.pending.extend_from_slice(&bytes[start..]);
        if let (true, Some(out)) = (self.pending.len() >= MAX_PENDING, &self.out) {
            // A piece of a long line, cut where no secret is split.
            let cut = piece(out, &self.pending);
            if cut > 0 {
                self.batch.extend_from_slice(&self.prefix);
                self.batch.extend_from_slice(&self.pending[..cut]);
                self.batch.push(b'\n');
                self.pending.drain(..cut);
            }
        }
        if let (false, Some(out)) = (self.batch.is_empty(), &self.out) {
            out.relay(self.stream, &self.batch);
        }
        if self.batch.capacity() > 4 * MAX_PENDING {
            self.batch = Vec::new();
        }
    }

    /// Relays a held partial line (the step ended), ended with a newline.
    pub(crate) fn flush(&mut self) {
        if self.pending.is_empty() || self.out.is_none() {
            return;
        }
        self.batch.clear();
        self.take_pending();
        if let Some(out) = &self.out {
            out.relay(self.stream, &self.batch);
        }
    }

    /// Moves the partial line into the batch as a line of its own.
    fn take_pending(&mut self) {
        self.batch.extend_from_slice(&self.prefix);
        self.batch.extend_from_slice(&self.pending);
        self.batch.push(b'\n');
        self.pending.clear();
    }
}
