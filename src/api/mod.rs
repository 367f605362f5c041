//! The host API: one module per area, each exposing `register(module, ctx)`. This file is
//! the only place that wires them together, so `run`, `check` and `api` share one registry.

pub mod env;
pub mod exec;
pub mod flow;
pub mod fs;
pub mod http;
pub mod json;
pub mod log;
pub mod task;
pub mod text;
pub mod time;

use std::sync::atomic::{AtomicBool, Ordering};

use rhai::{FuncRegistration, Module};

use crate::context::Ctx;

/// Every host function, with its docs, in one module (searched before Rhai's packages).
pub fn host_module(ctx: &Ctx) -> Module {
    let mut module = Module::new();
    crate::script_error::register(&mut module);
    env::register(&mut module, ctx);
    log::register(&mut module, ctx);
    flow::register(&mut module, ctx);
    time::register(&mut module, ctx);
    exec::register(&mut module, ctx);
    http::register(&mut module, ctx);
    json::register(&mut module, ctx);
    fs::register(&mut module, ctx);
    text::register(&mut module, ctx);
    task::register(&mut module, ctx);
    module.build_index();
    module
}

/// Whether registrations carry their docs. A run never reads them, and formatting ~100
/// doc comments was 15% of a one-line script's start-up, so `engine::for_run` turns them off;
/// `check` and `api` keep the default.
static WITH_DOCS: AtomicBool = AtomicBool::new(true);

/// Registrations from now on carry docs (`true`) or only names and arity (`false`).
pub fn set_docs(enabled: bool) {
    WITH_DOCS.store(enabled, Ordering::Relaxed);
}

/// A documented registration: `params` are `name: type` pairs followed by the return type;
/// `doc` is plain text (its first line is the summary; a ```rhai block shows usage).
pub fn func(name: &str, params: &[&str], doc: &str) -> FuncRegistration {
    if !WITH_DOCS.load(Ordering::Relaxed) {
        return FuncRegistration::new(name);
    }
    let comment = doc
        .trim()
        .lines()
        .map(|l| format!("/// {l}"))
        .collect::<Vec<_>>()
        .join("\n");
    FuncRegistration::new(name)
        .with_params_info(params)
        .with_comments([comment])
}
