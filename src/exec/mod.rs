//! Child processes owned by the host: how `exec`'s options are read, how a child is spawned
//! into its own process group (`vfork`: without copying rhrel's memory), supervised against the deadline and signals, relayed line by
//! line through the output, and stopped (TERM, grace, KILL); and the process tree below rhrel
//! (`reaper`: descendants that left their group, zombies, rhrel as PID 1).
//!
//! Takes the run's shared state (`run::context`, `run::stop`) and writes through `output/`.
//! It never imports `api/`: the script-facing `exec`/`shell`/`which` live in `api/exec.rs`
//! and call down into this folder, never the other way round.

pub(crate) mod options;
pub(crate) mod process_group;
pub(crate) mod reaper;
pub(crate) mod relay;
pub(crate) mod spawn;
pub(crate) mod supervise;
mod vfork;
