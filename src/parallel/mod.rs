//! The machinery behind `parallel`: independent steps run at the same time, each in its own
//! process group, at most `max` at once, all watched by one poll(2) loop on the calling
//! thread (no thread per child). Each step's output is relayed a whole line at a time with a
//! `[name] ` prefix (masked, as all output) and captured per child; a failure can stop the
//! siblings (TERM, grace, KILL of their groups); the deadline and signals stop them all.
//!
//! Builds on `exec/` (options, spawning, groups, stdin feeding, the capture tail) and writes
//! through `output/`. It never imports `api/`: the script-facing `parallel` lives in
//! `api/parallel.rs`.

pub(crate) mod pool;
pub(crate) mod prefix;
pub(crate) mod step;
