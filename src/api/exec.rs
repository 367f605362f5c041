//! exec: host functions (arrive with their own issue).

use rhai::Module;

use crate::context::Ctx;

pub fn register(_module: &mut Module, _ctx: &Ctx) {}

/// Terminates every child process group still running (arrives with the exec issue).
pub fn stop_children(_ctx: &Ctx) {}
