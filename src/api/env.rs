//! env: the process environment and the run's context (`args()`, `script_dir()`,
//! `platform()`, `dry_run()`).

use rhai::{Array, Dynamic, Module};

use super::func;
use crate::policy::denied;
use crate::run::context::Ctx;
use crate::script_error::{raise, HostResult};

pub(crate) fn register(module: &mut Module, ctx: &Ctx) {
    let c = ctx.clone();
    func(
        ctx,
        "env",
        &["name: &str", "?"],
        "The value of an environment variable, or `()` when it is unset (an empty value stays `\"\"`).\n\
         ```rhai\nlet url = env(\"DATABASE_URL\");\nif url == () { warn(\"no database\"); }\n```",
    )
    .set_into_module(module, move |name: &str| -> HostResult<Dynamic> {
        Ok(read(&c, name)?.map_or(Dynamic::UNIT, Into::into))
    });

    let c = ctx.clone();
    func(
        ctx,
        "env",
        &["name: &str", "default: &str", "String"],
        "The value of an environment variable, or `default` when it is unset or empty (the \
         shell's `${X:-default}`: Helm renders an unset value as `\"\"`).\n\
         ```rhai\nlet level = env(\"LOG_LEVEL\", \"info\");\n```",
    )
    .set_into_module(
        module,
        move |name: &str, default: &str| -> HostResult<String> {
            Ok(read(&c, name)?
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| default.to_string()))
        },
    );

    let c = ctx.clone();
    func(
        ctx,
        "has_env",
        &["name: &str", "bool"],
        "Whether an environment variable is set and not empty.\n\
         ```rhai\nif has_env(\"REDIS_URL\") { log(\"cache on\"); }\n```",
    )
    .set_into_module(module, move |name: &str| -> HostResult<bool> {
        Ok(read(&c, name)?.is_some_and(|v| !v.is_empty()))
    });

    let c = ctx.clone();
    func(
        ctx,
        "require_env",
        &["names: Array", "()"],
        "Fails once, naming every variable in the list that is unset or empty.\n\
         ```rhai\nrequire_env([\"DATABASE_URL\", \"SECRET_KEY_BASE\"]);\n```",
    )
    .set_into_module(module, move |names: Array| -> HostResult<()> {
        let mut missing = Vec::new();
        for name in names {
            let name = name.to_string();
            if read(&c, &name)?.is_none_or(|v| v.is_empty()) {
                missing.push(name);
            }
        }
        if missing.is_empty() {
            Ok(())
        } else {
            Err(raise(format!(
                "missing required environment variables: {}",
                missing.join(", ")
            )))
        }
    });

    let c = ctx.clone();
    func(
        ctx,
        "args",
        &["Array"],
        "The arguments given after `--` on the command line.\n\
         ```rhai\n// rhrel release.rhai -- --skip-seed\nif args().contains(\"--skip-seed\") { exit(); }\n```",
    )
    .set_into_module(module, move || -> Array { c.args.iter().map(Into::into).collect() });

    let c = ctx.clone();
    func(
        ctx,
        "script_dir",
        &["String"],
        "The directory holding the running script.\n\
         ```rhai\nlog(`scripts live in ${script_dir()}`);\n```",
    )
    .set_into_module(module, move || -> String {
        c.script_dir.display().to_string()
    });

    let c = ctx.clone();
    func(
        ctx,
        "dry_run",
        &["bool"],
        "Whether this is a `--dry-run` (exec starts nothing, unsafe HTTP is not sent).\n\
         ```rhai\nif dry_run() { log(\"just looking\"); }\n```",
    )
    .set_into_module(module, move || -> bool { c.dry_run });

    func(
        ctx,
        "rhrel_version",
        &["String"],
        "The version of rhrel running the script.\n\
         ```rhai\nlog(`rhrel ${rhrel_version()}`);\n```",
    )
    .set_into_module(module, || -> String { env!("CARGO_PKG_VERSION").into() });

    func(
        ctx,
        "platform",
        &["String"],
        "Where rhrel runs: `heroku`, `fly`, `render`, `railway`, `kubernetes` or `local`.\n\
         ```rhai\nif platform() == \"heroku\" { log(env(\"DYNO\")); }\n```",
    )
    .set_into_module(module, {
        let c = ctx.clone();
        move || -> String { c.effects.platform() }
    });
}

/// Reads a variable, honouring `--allow-env`.
fn read(ctx: &Ctx, name: &str) -> HostResult<Option<String>> {
    if !ctx.policy.env.allows_name(name) {
        return Err(raise(denied(
            &format!("reading environment variable `{name}`"),
            "--allow-env",
        )));
    }
    Ok(ctx.effects.env(name))
}

/// The platform, from the variables each one sets (the table in `crate::platform`).
pub(crate) fn platform(is_set: impl Fn(&str) -> bool) -> &'static str {
    crate::platform::detect(|k| is_set(k).then(String::new)).map_or("local", |p| p.name)
}

#[cfg(test)]
mod tests {
    #[test]
    fn platform_from_markers() {
        assert_eq!(super::platform(|k| k == "FLY_APP_NAME"), "fly");
        assert_eq!(super::platform(|k| k == "DYNO"), "heroku");
        assert_eq!(super::platform(|_| false), "local");
        assert_eq!(super::platform(|k| k == "RELEASE_COMMAND"), "fly");
    }
}
