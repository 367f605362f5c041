//! JSON text ↔ Rhai values, shared by the script API (`parse_json`, `to_json`) and the HTTP
//! machinery (JSON request bodies, parsed responses).

use rhai::{Array, Dynamic, Map, FLOAT, INT};
use serde_json::Value;

/// JSON text → Rhai value; the error names the line and column of the problem.
pub(crate) fn parse(text: &str) -> Result<Dynamic, String> {
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
pub(crate) fn stringify(value: &Dynamic, pretty: bool) -> Result<String, String> {
    let json = from_dynamic(value)?;
    let text = if pretty {
        serde_json::to_string_pretty(&json)
    } else {
        serde_json::to_string(&json)
    };
    text.map_err(|e| format!("cannot write JSON: {e}"))
}

/// A parsed JSON value as a Rhai value.
pub(crate) fn to_dynamic(value: Value) -> Dynamic {
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
pub(crate) fn from_dynamic(value: &Dynamic) -> Result<Value, String> {
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
