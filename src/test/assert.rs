//! The assertions of a test file: `assert`, `assert_eq`, `assert_ne`, `assert_contains` and
//! `assert_match`. Each failure is an error raised at the test file's line (the runner shows
//! `file:line:col:`), naming what was expected and what came instead.

use rhai::{Dynamic, NativeCallContext};

/// Whether two values are equal as the script's `==` sees them (arrays and maps element by
/// element); values of different types are not equal.
pub(crate) fn equal(nc: &NativeCallContext, a: &Dynamic, b: &Dynamic) -> bool {
    if a.type_id() != b.type_id() {
        // 1 and 1.0 compare equal in Rhai; anything else of two types differs.
        return match (a.as_int(), b.as_float(), a.as_float(), b.as_int()) {
            (Ok(i), Ok(f), _, _) | (_, _, Ok(f), Ok(i)) => (i as f64) == f,
            _ => false,
        };
    }
    match nc.call_native_fn::<bool>("==", (a.clone(), b.clone())) {
        Ok(same) => same,
        Err(_) => shown(a) == shown(b),
    }
}

/// A value as a test failure shows it: strings quoted, arrays and maps in Rhai's syntax.
pub(crate) fn shown(value: &Dynamic) -> String {
    let text = if value.is_unit() {
        "()".to_string()
    } else {
        format!("{value:?}")
    };
    const MAX: usize = 2000;
    if text.len() > MAX {
        let mut end = MAX;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}… ({} bytes)", &text[..end], text.len())
    } else {
        text
    }
}

/// `assert_eq failed` with the two values, one per line.
pub(crate) fn mismatch(what: &str, expected: &Dynamic, actual: &Dynamic) -> String {
    format!(
        "{what} failed\n  expected: {}\n  actual:   {}",
        shown(expected),
        shown(actual)
    )
}

/// `assert_contains(text, part)`: a string holding a substring, or an array holding an
/// element. `Err` is the failure's message.
pub(crate) fn contains(
    nc: &NativeCallContext,
    text: &Dynamic,
    part: &Dynamic,
) -> Result<(), String> {
    if let Some(items) = text.read_lock::<rhai::Array>() {
        if items.iter().any(|item| equal(nc, item, part)) {
            return Ok(());
        }
        return Err(format!(
            "assert_contains failed: the array does not contain {}\n  array: {}",
            shown(part),
            shown(text)
        ));
    }
    if !text.is_string() {
        return Err(format!(
            "assert_contains: expected a string or an array, got {}",
            type_of(text)
        ));
    }
    let needle = if part.is_string() {
        part.to_string()
    } else {
        return Err(format!(
            "assert_contains: the part to find must be a string, got {}",
            type_of(part)
        ));
    };
    if text.to_string().contains(&needle) {
        Ok(())
    } else {
        Err(format!(
            "assert_contains failed: {} not found\n  in: {}",
            shown(part),
            shown(text)
        ))
    }
}

/// `assert_match(text, regex)`.
pub(crate) fn matches(text: &str, pattern: &str) -> Result<(), String> {
    let re = regex::Regex::new(pattern)
        .map_err(|e| format!("assert_match: invalid regex `{pattern}`: {e}"))?;
    if re.is_match(text) {
        Ok(())
    } else {
        Err(format!(
            "assert_match failed: /{pattern}/ does not match\n  text: {}",
            shown(&text.into())
        ))
    }
}

pub(crate) fn type_of(value: &Dynamic) -> String {
    if value.is_unit() {
        "()".into()
    } else {
        value
            .type_name()
            .rsplit("::")
            .next()
            .unwrap_or("a value")
            .to_string()
    }
}
