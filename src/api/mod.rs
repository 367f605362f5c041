//! The host API: one module per area, each exposing `register(module, ctx)`. This file is
//! the only place that wires them together, so `run`, `check` and `api` share one registry.

pub(crate) mod encoding;
pub(crate) mod env;
pub(crate) mod exec;
pub(crate) mod flow;
pub(crate) mod fs;
pub(crate) mod hooks;
pub(crate) mod http;
pub(crate) mod json;
pub(crate) mod lock;
pub(crate) mod log;
pub(crate) mod net;
pub(crate) mod parallel;
pub(crate) mod semver;
pub(crate) mod task;
pub(crate) mod text;
pub(crate) mod time;

use rhai::{FuncRegistration, Module};

use crate::run::context::{Context, Ctx};

/// Every host function, with its docs, in one module (searched before Rhai's packages).
pub(crate) fn host_module(ctx: &Ctx) -> Module {
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
    hooks::register(&mut module, ctx);
    encoding::register(&mut module, ctx);
    semver::register(&mut module, ctx);
    net::register(&mut module, ctx);
    lock::register(&mut module, ctx);
    parallel::register(&mut module, ctx);
    module.build_index();
    module
}

/// A documented registration: `params` are `name: type` pairs followed by the return type;
/// `doc` is plain text (its first line is the summary; a ```rhai block shows usage).
/// A live run never reads the docs, and formatting ~100 doc comments was 15% of a one-line
/// script's start-up, so only a context with [`Context::docs`] set (check, api) keeps them.
pub(crate) fn func(ctx: &Context, name: &str, params: &[&str], doc: &str) -> FuncRegistration {
    if !ctx.docs {
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
