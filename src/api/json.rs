//! json: `parse_json(text)` and `to_json(value[, pretty])`, converting between JSON text and
//! Rhai values by hand over `serde_json::Value` (integers stay INT, floats FLOAT, null is `()`).

use rhai::{Array, Dynamic, Map, Module, FLOAT, INT};
use serde_json::Value;

use super::func;
use crate::context::Ctx;
use crate::script_error::{raise, HostResult};

pub fn register(module: &mut Module, _ctx: &Ctx) {
    func(
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
        "to_json",
        &["value: ?", "String"],
        "Turns a value (map, array, string, number, bool, `()`) into compact JSON text.\n\
         ```rhai\nlet text = to_json(#{version: \"v42\", ok: true});\n```",
    )
    .set_into_module(module, |value: Dynamic| -> HostResult<String> {
        stringify(&value, false).map_err(raise)
    });
    func("to_json", &["value: Map", "String"], "Turns a map into compact JSON text.\n\
         ```rhai\nhttp_post(url, to_json(#{ok: true}), #{headers: #{\"Content-Type\": \"application/json\"}});\n```")
    .set_into_module(module, |value: Map| -> HostResult<String> {
        stringify(&value.into(), false).map_err(raise)
    });

    func(
        "to_json",
        &["value: ?", "pretty: bool", "String"],
        "Turns a value into JSON text, indented over several lines when `pretty` is true.\n\
         ```rhai\nwrite_file(\"release.json\", to_json(#{sha: env(\"HEROKU_SLUG_COMMIT\")}, true));\n```",
    )
    .set_into_module(module, |value: Dynamic, pretty: bool| -> HostResult<String> {
        stringify(&value, pretty).map_err(raise)
    });
}

/// JSON text → Rhai value; the error names the line and column of the problem.
pub fn parse(text: &str) -> Result<Dynamic, String> {
    match serde_json::from_str::<Value>(text) {
        Ok(value) => Ok(to_dynamic(value)),
        Err(e) => {
            // serde_json's message ends with " at line L column C"; we say it first instead.
            let full = e.to_string();
            let what = full.rfind(" at line ").map_or(&*full, |i| &full[..i]);
            Err(format!(
                "invalid JSON at line {}, column {}: {what}",
                e.line(),
                e.column()
            ))
        }
    }
}

/// Rhai value → JSON text.
pub fn stringify(value: &Dynamic, pretty: bool) -> Result<String, String> {
    let json = from_dynamic(value)?;
    let text = if pretty {
        serde_json::to_string_pretty(&json)
    } else {
        serde_json::to_string(&json)
    };
    text.map_err(|e| format!("cannot write JSON: {e}"))
}

/// A parsed JSON value as a Rhai value.
pub fn to_dynamic(value: Value) -> Dynamic {
    match value {
        Value::Null => Dynamic::UNIT,
        Value::Bool(b) => b.into(),
        Value::Number(n) => match n.as_i64() {
            Some(i) => (i as INT).into(),
            // Beyond i64 (or fractional): the nearest float, as JavaScript would.
            None => (n.as_f64().unwrap_or(f64::NAN) as FLOAT).into(),
        },
        Value::String(s) => s.into(),
        Value::Array(items) => items.into_iter().map(to_dynamic).collect::<Array>().into(),
        Value::Object(entries) => entries
            .into_iter()
            .map(|(k, v)| (k.into(), to_dynamic(v)))
            .collect::<Map>()
            .into(),
    }
}

/// A Rhai value as JSON; functions, non-finite floats and host objects have no JSON form.
pub fn from_dynamic(value: &Dynamic) -> Result<Value, String> {
    if value.is_unit() {
        return Ok(Value::Null);
    }
    if let Some(b) = value.clone().try_cast::<bool>() {
        return Ok(b.into());
    }
    if let Some(i) = value.clone().try_cast::<INT>() {
        return Ok(i.into());
    }
    if let Some(f) = value.clone().try_cast::<FLOAT>() {
        return serde_json::Number::from_f64(f)
            .map(Value::Number)
            .ok_or_else(|| format!("cannot write {f} as JSON (not a finite number)"));
    }
    if value.is_string() || value.is_char() {
        return Ok(Value::String(value.to_string()));
    }
    if let Some(items) = value.read_lock::<Array>() {
        return items
            .iter()
            .map(from_dynamic)
            .collect::<Result<_, _>>()
            .map(Value::Array);
    }
    if let Some(map) = value.read_lock::<Map>() {
        let mut object = serde_json::Map::new();
        for (k, v) in map.iter() {
            object.insert(k.to_string(), from_dynamic(v)?);
        }
        return Ok(Value::Object(object));
    }
    Err(format!(
        "cannot write a value of type `{}` as JSON",
        value.type_name()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keeps_types() {
        let v = parse(r#"{"a": 1, "b": 2.5, "c": null, "d": [true, "x"]}"#).unwrap();
        let map = v.clone().cast::<Map>();
        assert!(map["a"].is::<INT>() && map["b"].is::<FLOAT>() && map["c"].is_unit());
        assert_eq!(
            stringify(&v, false).unwrap(),
            r#"{"a":1,"b":2.5,"c":null,"d":[true,"x"]}"#
        );
    }

    #[test]
    fn error_names_line_and_column() {
        let err = parse("{\n  \"a\": 1,\n  oops\n}").unwrap_err();
        assert!(
            err.starts_with("invalid JSON at line 3, column 3: "),
            "{err}"
        );
    }

    #[test]
    fn non_finite_float_is_refused() {
        assert!(stringify(&Dynamic::from(f64::NAN), false).is_err());
    }
}
