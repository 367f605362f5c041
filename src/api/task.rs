//! task: host functions (arrive with their own issue).

use rhai::Module;

use crate::context::Ctx;

pub fn register(_module: &mut Module, _ctx: &Ctx) {}

/// Prints the end-of-run task summary (arrives with the task issue).
pub fn summary(_ctx: &Ctx, _outcome: &crate::outcome::Outcome) {}
