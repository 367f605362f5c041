//! json: `parse_json(text)` and `to_json(value[, pretty])`, converting between JSON text and
//! Rhai values by hand over `serde_json::Value` (integers stay INT, floats FLOAT, null is `()`).

use rhai::{Dynamic, Map, Module};

use super::func;
use crate::json_value::{parse, stringify};
use crate::run::context::Ctx;
use crate::script_error::{raise, HostResult};

pub(crate) fn register(module: &mut Module, ctx: &Ctx) {
    func(
        ctx,
        "parse_json",
        &["text: &str", "?"],
        "Parses JSON text into a map, array, string, number, bool or `()` (for null).\n\
         Invalid JSON raises an error naming the line and column.\n\
         ```rhai\nlet pkg = parse_json(read_file(\"package.json\"));\nlog(pkg.version);\n```",
    )
    .set_into_module(module, |text: &str| -> HostResult<Dynamic> {
        parse(text).map_err(raise)
    });

    // Rhai's standard package has its own `to_json(Map)`, which writes functions and host
    // values as strings; exact-type overloads here take precedence over it.
    func(
        ctx,
        "to_json",
        &["value: ?", "String"],
        "Turns a value (map, array, string, number, bool, `()`) into compact JSON text.\n\
         ```rhai\nlet text = to_json(#{version: \"v42\", ok: true});\n```",
    )
    .set_into_module(module, |value: Dynamic| -> HostResult<String> {
        stringify(&value, false).map_err(raise)
    });
    func(ctx, "to_json", &["value: Map", "String"], "Turns a map into compact JSON text.\n\
         ```rhai\nhttp_post(url, to_json(#{ok: true}), #{headers: #{\"Content-Type\": \"application/json\"}});\n```")
    .set_into_module(module, |value: Map| -> HostResult<String> {
        stringify(&value.into(), false).map_err(raise)
    });

    func(
        ctx,
        "to_json",
        &["value: ?", "pretty: bool", "String"],
        "Turns a value into JSON text, indented over several lines when `pretty` is true.\n\
         ```rhai\nwrite_file(\"release.json\", to_json(#{sha: env(\"HEROKU_SLUG_COMMIT\")}, true));\n```",
    )
    .set_into_module(module, |value: Dynamic, pretty: bool| -> HostResult<String> {
        stringify(&value, pretty).map_err(raise)
    });
}
