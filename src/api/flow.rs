//! flow: `fail`, `exit` and `sleep` — the calls that end or pause a run.

use std::time::Duration;

use rhai::{Dynamic, Map, Module, INT};

use super::func;
use crate::exit_code::Exit;
use crate::run::context::{Context, Ctx};
use crate::run::stop::StopReason;
use crate::script_error::{raise, raise_with, terminated, HostResult};

pub(crate) fn register(module: &mut Module, ctx: &Ctx) {
    func(
        ctx,
        "fail",
        &["message: &str", "!"],
        "Stops the script with an error (exit 1) unless a `try`/`catch` handles it.\n\
         ```rhai\nif env(\"DATABASE_URL\") == () { fail(\"DATABASE_URL is not set\"); }\n```",
    )
    .set_into_module(module, |msg: &str| -> HostResult<()> { Err(raise(msg)) });

    func(
        ctx,
        "fail",
        &["message: &str", "code: INT", "!"],
        "Stops the script with an error and exit code `code` (1 to 125).\n\
         ```rhai\nfail(\"schema drift detected\", 3);\n```",
    )
    .set_into_module(module, |msg: &str, code: INT| -> HostResult<()> {
        match Exit::custom(code) {
            Some(exit) if code != 0 => Err(raise_with(msg, exit.code(), Map::new())),
            _ => Err(raise(format!(
                "{msg} (fail() was given exit code {code}; codes must be 1 to {})",
                Exit::MAX_CUSTOM
            ))),
        }
    });

    let c = ctx.clone();
    func(
        ctx,
        "exit",
        &["!"],
        "Ends the run at once with success (exit 0); no `catch` can stop it.\n\
         ```rhai\nif env(\"SKIP_RELEASE\") == \"1\" { log(\"skipping\"); exit(); }\n```",
    )
    .set_into_module(module, move || -> HostResult<()> { Err(stop_with(&c, 0)) });

    let c = ctx.clone();
    func(
        ctx,
        "exit",
        &["code: INT", "!"],
        "Ends the run at once with exit code `code` (0 to 125); no `catch` can stop it.\n\
         ```rhai\nlet r = exec(\"./bin/migrate\", [], #{check: false});\nexit(r.code);\n```",
    )
    .set_into_module(module, move |code: INT| -> HostResult<()> {
        match Exit::custom(code) {
            Some(exit) => Err(stop_with(&c, exit.code())),
            None => Err(raise(format!(
                "exit code {code} is out of range 0 to {}",
                Exit::MAX_CUSTOM
            ))),
        }
    });

    let c = ctx.clone();
    func(
        ctx,
        "sleep",
        &["seconds: INT", "()"],
        "Pauses for a number of seconds; ends the run if the deadline or a signal comes first.\n\
         ```rhai\nsleep(2);\n```",
    )
    .set_into_module(module, move |secs: INT| pause(&c, secs as f64));

    let c = ctx.clone();
    func(
        ctx,
        "sleep",
        &["seconds: FLOAT", "()"],
        "Pauses for a fraction of seconds; ends the run if the deadline or a signal comes first.\n\
         ```rhai\nsleep(0.5);\n```",
    )
    .set_into_module(module, move |secs: rhai::FLOAT| pause(&c, secs));

    let c = ctx.clone();
    func(
        ctx,
        "sleep",
        &["duration: &str", "()"],
        "Pauses for a duration such as `\"2s\"`, `\"500ms\"` or `\"1m30s\"`; ends the run if the deadline or a signal comes first.\n\
         ```rhai\nsleep(\"1500ms\");\n```",
    )
    .set_into_module(module, move |text: &str| -> HostResult<()> {
        pause(&c, seconds_of(text)?)
    });

    func(
        ctx,
        "seconds",
        &["value: ?", "FLOAT"],
        "Seconds as a float, from a number of seconds or a duration text (`\"2s\"`, `\"500ms\"`, `\"1m30s\"`, `\"2.5\"`); anything else raises naming the expected form.\n\
         ```rhai\nlet wait = seconds(env(\"RETRY_DELAY\", \"2s\"));\n```",
    )
    .set_into_module(module, |value: Dynamic| -> HostResult<rhai::FLOAT> {
        if let Some(i) = value.clone().try_cast::<INT>() {
            return Ok(i as rhai::FLOAT);
        }
        if let Some(f) = value.clone().try_cast::<rhai::FLOAT>() {
            return Ok(f);
        }
        if value.is_string() {
            return seconds_of(&value.to_string());
        }
        Err(raise(format!(
            "expected seconds (a number) or a duration such as \"2s\", \"500ms\" or \"1m30s\", got {}",
            if value.is_unit() { "()".to_string() } else { format!("{value:?}") }
        )))
    });
}

/// A duration text as seconds, or an error naming the accepted forms.
fn seconds_of(text: &str) -> HostResult<rhai::FLOAT> {
    crate::duration::parse(text.trim())
        .map(|d| d.as_secs_f64())
        .map_err(raise)
}

/// Asks the run to end with `code` and returns the error that unwinds the script.
fn stop_with(ctx: &Context, code: u8) -> Box<rhai::EvalAltResult> {
    ctx.stop.request(StopReason::Exit(code));
    terminated()
}

/// Sleeps, waking early (and ending the run) on the deadline or a signal.
fn pause(ctx: &Context, secs: f64) -> HostResult<()> {
    if !secs.is_finite() || secs < 0.0 {
        return Err(raise(format!(
            "sleep() needs a non-negative number of seconds, got {secs}"
        )));
    }
    if ctx.dry_run {
        return ctx.check_stop();
    }
    ctx.blocking()?;
    let wanted = Duration::from_secs_f64(secs.min(1e9));
    ctx.pause(wanted);
    ctx.check_stop()
}
