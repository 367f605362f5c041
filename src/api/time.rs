//! time and random: `now()`, `now(format)`, `rand_int(lo, hi)`, `pick(array)`.

use rand::Rng;
use rhai::{Array, Dynamic, Module, INT};

use super::func;
use crate::run::context::Ctx;
use crate::script_error::{raise, HostResult};

pub(crate) fn register(module: &mut Module, ctx: &Ctx) {
    func(
        ctx,
        "now",
        &["String"],
        "The current time in RFC 3339, UTC.\n```rhai\nlog(`📅 Release Time: ${now()}`);\n```",
    )
    .set_into_module(module, {
        let c = ctx.clone();
        move || -> String {
            c.deadline
                .clock
                .wall()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        }
    });

    func(
        ctx,
        "now",
        &["format: &str", "String"],
        "The current UTC time formatted with strftime codes.\n\
         ```rhai\nlet stamp = now(\"%Y%m%d%H%M%S\");\n```",
    )
    .set_into_module(module, {
        let c = ctx.clone();
        move |format: &str| -> HostResult<String> {
            use std::fmt::Write;
            let items = chrono::format::StrftimeItems::new(format)
                .parse()
                .map_err(|_| raise(format!("invalid time format `{format}`")))?;
            let mut out = String::new();
            write!(
                out,
                "{}",
                c.deadline.clock.wall().format_with_items(items.iter())
            )
            .map_err(|_| raise(format!("invalid time format `{format}`")))?;
            Ok(out)
        }
    });

    func(
        ctx,
        "rand_int",
        &["lo: INT", "hi: INT", "INT"],
        "A random integer between `lo` and `hi`, both included.\n\
         ```rhai\nlet jitter = rand_int(0, 250);\n```",
    )
    .set_into_module(module, |lo: INT, hi: INT| -> HostResult<INT> {
        if lo > hi {
            return Err(raise(format!(
                "rand_int({lo}, {hi}): lo is greater than hi"
            )));
        }
        Ok(rand::rng().random_range(lo..=hi))
    });

    func(
        ctx,
        "pick",
        &["items: Array", "?"],
        "A random element of an array (`()` for an empty one).\n\
         ```rhai\nlog(pick([\"Ship it!\", \"You got this!\"]));\n```",
    )
    .set_into_module(module, |items: Array| -> Dynamic {
        if items.is_empty() {
            return Dynamic::UNIT;
        }
        let i = rand::rng().random_range(0..items.len());
        items[i].clone()
    });
}
