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

/// A documented registration: `params` are `name: type` pairs followed by the return type;
/// `doc` is plain text (its first line is the summary; a ```rhai block shows usage).
pub fn func(name: &str, params: &[&str], doc: &str) -> FuncRegistration {
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
