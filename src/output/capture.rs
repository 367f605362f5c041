//! A simulated run's terminal (`rhrel test`): what would have been written, masked, kept in
//! memory as the combined log a platform shows and as the two streams.

/// A simulated run's environment (masking reads it instead of the process's) and what the
/// run wrote.
pub(crate) struct Simulated {
    pub env: Vec<(String, String)>,
    pub kept: std::sync::Mutex<Captured>,
}

/// The three views of what a run wrote.
#[derive(Default, Debug, Clone)]
pub(crate) struct Captured {
    /// Both streams, interleaved as written.
    pub output: String,
    pub stdout: String,
    pub stderr: String,
}

impl Captured {
    pub(crate) fn push(&mut self, stream: super::Stream, bytes: &[u8]) {
        let text = String::from_utf8_lossy(bytes);
        self.output.push_str(&text);
        match stream {
            super::Stream::Stdout => self.stdout.push_str(&text),
            super::Stream::Stderr => self.stderr.push_str(&text),
        }
    }
}
