//! lock: `with_lock(name, f)` runs `f` while holding a PostgreSQL advisory lock, so two
//! releases never migrate one database at once; see `lock/` for the connection and the wait.

use std::time::Duration;

use rhai::{Dynamic, FnPtr, Map, Module, NativeCallContext};

use super::func;
use crate::lock::session::Failure;
use crate::lock::{target, wait};
use crate::output::Level;
use crate::policy::denied;
use crate::run::context::{Context, Ctx};
use crate::script_error::{raise, terminated, HostResult};

pub(crate) fn register(module: &mut Module, ctx: &Ctx) {
    let c = ctx.clone();
    func(
        ctx,
        "with_lock",
        &["name: &str", "f: FnPtr", "?"],
        "Runs the closure `f` while holding the PostgreSQL advisory lock `name` in the database \
         of `DATABASE_URL`, and returns its value. Another run holding it is waited for \
         (`waiting for lock `name` (held by pid …)` every 10 s) until the deadline; the lock is \
         released when `f` returns or raises, and by PostgreSQL if rhrel dies. `--dry-run` \
         takes no lock and runs `f`.\n\
         ```rhai\nwith_lock(\"migrate\", || exec(\"bundle\", [\"exec\", \"rails\", \"db:migrate\"]));\n```",
    )
    .set_into_module(
        module,
        move |nc: NativeCallContext, name: &str, f: FnPtr| -> HostResult<Dynamic> {
            with_lock(&c, &nc, name, &Map::new(), &f)
        },
    );

    let c = ctx.clone();
    func(
        ctx,
        "with_lock",
        &["name: &str", "options: Map", "f: FnPtr", "?"],
        "`with_lock(name, f)` with options: `url` (the database, default `DATABASE_URL`; \
         `sslmode` as libpq reads it, default `prefer`) and `wait` (seconds or `\"2m\"`: past \
         it the call raises `could not take lock `name` within 2m`).\n\
         ```rhai\nwith_lock(\"migrate\", #{ url: env(\"OTHER_DATABASE_URL\"), wait: \"2m\" }, || {\n    exec(\"bin/migrate\", []);\n});\n```",
    )
    .set_into_module(
        module,
        move |nc: NativeCallContext, name: &str, options: Map, f: FnPtr| -> HostResult<Dynamic> {
            with_lock(&c, &nc, name, &options, &f)
        },
    );
}

fn with_lock(
    ctx: &Context,
    nc: &NativeCallContext,
    name: &str,
    options: &Map,
    f: &FnPtr,
) -> HostResult<Dynamic> {
    ctx.blocking()?;
    if name.trim().is_empty() {
        return Err(raise("with_lock: the lock name is empty"));
    }
    let what = format!("with_lock(`{name}`)");
    let (url, wait) = parse_options(&what, options)?;
    let url = match url {
        Some(url) => url,
        None => match ctx.effects.env("DATABASE_URL") {
            Some(url) if !url.trim().is_empty() => url,
            _ => {
                return Err(raise(format!(
                    "{what}: DATABASE_URL is not set (or give the database as `url:`)"
                )))
            }
        },
    };
    // A URL written in the script is as secret as one from the environment.
    ctx.out.add_env_secret("DATABASE_URL", &url);
    let target = target::parse(&url).map_err(|e| raise(format!("{what}: {e}")))?;
    if let Some(password) = target.config.get_password() {
        ctx.out.add_secret(&String::from_utf8_lossy(password));
    }
    for (host, port) in &target.hosts {
        if !super::net::allowed(&ctx.policy.net, host, *port) {
            return Err(raise(denied(
                &format!("{what}: network access to {}", target.shown),
                "--allow-net",
            )));
        }
    }
    if ctx.dry_run {
        ctx.out
            .log(Level::Info, &format!("[dry-run] would lock {name}"));
        return f.call_within_context::<Dynamic>(nc, ());
    }
    if let Some(sim) = ctx.effects.simulation() {
        return match sim.lock(ctx, name, wait) {
            Ok(()) => f.call_within_context::<Dynamic>(nc, ()),
            Err(Failure::Stopped) => Err(terminated()),
            Err(Failure::Message(msg)) => Err(raise(msg)),
        };
    }
    let held = match wait::acquire(ctx, &target, name, wait) {
        Ok(held) => held,
        Err(Failure::Stopped) => return Err(terminated()),
        Err(Failure::Message(msg)) => return Err(raise(msg)),
    };
    let result = f.call_within_context::<Dynamic>(nc, ());
    if let Some(warning) = held.release() {
        ctx.out.diag(Level::Warn, &warning);
    }
    result
}

/// `url` (a string) and `wait` (seconds or a duration, zero or more).
fn parse_options(what: &str, options: &Map) -> HostResult<(Option<String>, Option<Duration>)> {
    let mut url = None;
    let mut wait = None;
    for (key, value) in options {
        match key.as_str() {
            "url" => {
                if value.is_unit() {
                    return Err(raise(format!(
                        "{what}: option `url` is () — is an environment variable unset?"
                    )));
                }
                let s = value
                    .read_lock::<rhai::ImmutableString>()
                    .ok_or_else(|| raise(format!("{what}: option `url` must be a string")))?;
                url = Some(s.to_string());
            }
            "wait" => {
                let secs = if let Ok(i) = value.as_int() {
                    i as f64
                } else if let Ok(f) = value.as_float() {
                    f
                } else if let Some(s) = value.read_lock::<rhai::ImmutableString>() {
                    crate::duration::parse(&s)
                        .map_err(|e| raise(format!("{what}: option `wait`: {e}")))?
                        .as_secs_f64()
                } else {
                    f64::NAN
                };
                if !secs.is_finite() || secs < 0.0 {
                    return Err(raise(format!(
                        "{what}: option `wait` must be zero or more seconds, or a duration like \"2m\""
                    )));
                }
                wait = Some(Duration::from_secs_f64(secs.min(1e9)));
            }
            other => {
                return Err(raise(format!(
                    "{what}: unknown option `{other}` (known: url, wait)"
                )))
            }
        }
    }
    Ok((url, wait))
}
