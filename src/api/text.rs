//! text: regular expressions over captured output (the grep/sed/cut of a bash pipeline),
//! with Rust's `regex` crate: linear time, no look-around and no backreferences; and
//! `join`, the other half of `split`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use regex::Regex;
use rhai::{Array, Dynamic, Module};

use super::func;
use crate::run::context::Ctx;
use crate::script_error::{display, raise, HostResult};

/// Compiled patterns kept per run: scripts call these in loops.
const CACHE_SIZE: usize = 64;

/// The run's compiled patterns.
#[derive(Default, Clone)]
struct Cache(Arc<Mutex<HashMap<String, Regex>>>);

impl Cache {
    fn get(&self, pattern: &str) -> HostResult<Regex> {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(re) = map.get(pattern) {
            return Ok(re.clone());
        }
        let re = Regex::new(pattern)
            .map_err(|e| raise(format!("invalid regular expression `{pattern}`: {e}")))?;
        if map.len() >= CACHE_SIZE {
            map.clear();
        }
        map.insert(pattern.to_string(), re.clone());
        Ok(re)
    }
}

pub(crate) fn register(module: &mut Module, ctx: &Ctx) {
    let cache = Cache::default();

    let c = cache.clone();
    func(
        ctx,
        "regex_match",
        &["text: &str", "pattern: &str", "bool"],
        "Whether `pattern` (Rust regex syntax: no look-around) matches anywhere in `text`.\n\
         ```rhai\nif regex_match(out, \"(?i)pending migrations\") { warn(\"pending\"); }\n```",
    )
    .set_into_module(
        module,
        move |text: &str, pattern: &str| -> HostResult<bool> { Ok(c.get(pattern)?.is_match(text)) },
    );

    let c = cache.clone();
    func(
        ctx,
        "regex_replace",
        &["text: &str", "pattern: &str", "replacement: &str", "String"],
        "Replaces every match of `pattern`; `$1` / `${name}` in `replacement` insert groups.\n\
         ```rhai\nlet host = regex_replace(url, \"-pooler\\\\.\", \".\");\n```",
    )
    .set_into_module(
        module,
        move |text: &str, pattern: &str, replacement: &str| -> HostResult<String> {
            Ok(c.get(pattern)?.replace_all(text, replacement).into_owned())
        },
    );

    func(
        ctx,
        "join",
        &["items: Array", "separator: &str", "String"],
        "The elements of `items` joined by `separator`; a non-string element is written as \
         `log` writes it (`()` as an empty string). Also a method: `items.join(\", \")`.\n\
         ```rhai\nlog(`pending: ${join([\"a\", \"b\", 3], \", \")}`);\nlet csv = [\"x\", \"y\"].join(\",\");\n```",
    )
    .set_into_module(module, |items: Array, separator: &str| -> String {
        let parts: Vec<String> = items.iter().map(display).collect();
        parts.join(separator)
    });

    let c = cache;
    func(
        ctx,
        "regex_captures",
        &["text: &str", "pattern: &str", "?"],
        "The first match as `[whole, group1, …]` (a group that did not take part is `()`), \
         or `()` when nothing matches. Use `(?m)` for `^`/`$` at line ends.\n\
         ```rhai\nlet m = regex_captures(out, \"(?m)^Current version: ([0-9]+)$\");\n\
         if m != () { log(`version ${m[1]}`); }\n```",
    )
    .set_into_module(
        module,
        move |text: &str, pattern: &str| -> HostResult<Dynamic> {
            let re = c.get(pattern)?;
            Ok(match re.captures(text) {
                None => Dynamic::UNIT,
                Some(caps) => {
                    let groups: Array = caps
                        .iter()
                        .map(|g| g.map_or(Dynamic::UNIT, |m| m.as_str().into()))
                        .collect();
                    groups.into()
                }
            })
        },
    );
}
