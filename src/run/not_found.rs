//! What to say when a call reaches no function: Rhai reports `Function not found: exec
//! (&str | ImmutableString | String, &str | ImmutableString | String)`. For a host function
//! called with the wrong types, say which forms it accepts, in script words, with its
//! example; for a `()` argument, name the parameter and its likely cause (an unset variable).
//! Runs only on the error path, so building the documented registry here costs nothing.

use crate::reference::{host_functions, Entry};

/// A hint for Rhai's function-not-found signature `name (type, type)`, or `None`.
pub(crate) fn hint(signature: &str) -> Option<String> {
    let (name, args) = parse(signature)?;
    let forms: Vec<Entry> = host_functions()
        .into_iter()
        .filter(|e| e.name == name)
        .collect();
    if forms.is_empty() {
        // Not a host function: the same "did you mean" `check` gives (`--no-check` runs).
        let engine = crate::run::engine::sandboxed(&crate::run::context::Context::inert());
        let registry = crate::check::names::Registry::of(&engine);
        if registry.get(&name).is_some() {
            return None;
        }
        let close = crate::check::names::closest(&name, registry.callable_names())?;
        return Some(format!(
            "unknown function `{name}`; did you mean `{close}`?"
        ));
    }
    let same_arity: Vec<&Entry> = forms
        .iter()
        .filter(|e| params(&e.signature).len() == args.len())
        .collect();
    if let Some(unit) = args.iter().position(|a| a == "()") {
        if let Some(form) = same_arity.first() {
            let names = params(&form.signature);
            let param = names.get(unit).map_or("argument", |p| p.0.as_str());
            return Some(format!(
                "{name}({}): `{param}` is () — is an environment variable unset? \
                 (env(\"NAME\") returns () when unset; use require_env(\"NAME\") or env(\"NAME\", default))",
                names.iter().map(|p| p.0.as_str()).collect::<Vec<_>>().join(", ")
            ));
        }
    }
    let accepted: Vec<String> = forms.iter().map(|e| script_words(&e.signature)).collect();
    let mut text = format!(
        "{name} was called as {name}({}); it accepts {}",
        args.join(", "),
        accepted.join(" or ")
    );
    if let Some(example) = forms
        .iter()
        .map(|e| e.example.trim())
        .find(|e| !e.is_empty())
    {
        let first = example.lines().next().unwrap_or(example);
        text.push_str(&format!(", e.g. `{first}`"));
    }
    Some(text)
}

/// `exec (&str | ImmutableString | String, array)` → (`exec`, [`string`, `array`]).
fn parse(signature: &str) -> Option<(String, Vec<String>)> {
    let open = signature.find(" (")?;
    let name = signature[..open].trim().to_string();
    let inner = signature[open + 2..].strip_suffix(')')?;
    let args = if inner.trim().is_empty() {
        Vec::new()
    } else {
        inner.split(", ").map(word).collect()
    };
    Some((name, args))
}

/// A Rust type as Rhai prints it, in a script author's word.
fn word(rust: &str) -> String {
    let t = rust.trim();
    let w = if t.contains("str") || t.contains("String") {
        "string"
    } else {
        match t {
            "i64" | "INT" => "integer",
            "f64" | "FLOAT" => "float",
            "Array" | "array" => "array",
            "Map" | "map" => "map",
            "bool" => "bool",
            "char" => "char",
            "Fn" | "FnPtr" => "function",
            "()" => "()",
            other => other,
        }
    };
    w.to_string()
}

/// `exec(program: &str, args: Array) -> Map` → [(`program`, `string`), (`args`, `array`)].
fn params(signature: &str) -> Vec<(String, String)> {
    let Some(open) = signature.find('(') else {
        return Vec::new();
    };
    let close = signature.rfind(')').unwrap_or(signature.len());
    let inner = &signature[open + 1..close];
    if inner.trim().is_empty() {
        return Vec::new();
    }
    inner
        .split(", ")
        .map(|p| match p.split_once(": ") {
            Some((n, t)) => (n.trim().to_string(), word(t)),
            None => (p.trim().to_string(), "any value".into()),
        })
        .collect()
}

/// `exec(program: &str, args: Array) -> Map` → `exec(program: string, args: array)`.
fn script_words(signature: &str) -> String {
    let name = signature.split('(').next().unwrap_or(signature);
    let params: Vec<String> = params(signature)
        .into_iter()
        .map(|(n, t)| format!("{n}: {t}"))
        .collect();
    format!("{name}({})", params.join(", "))
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_rhai_signatures() {
        let (name, args) =
            super::parse("exec (&str | ImmutableString | String, &str | ImmutableString | String)")
                .unwrap();
        assert_eq!(name, "exec");
        assert_eq!(args, ["string", "string"]);
        assert_eq!(super::parse("f ()").unwrap().1.len(), 0);
    }
}
