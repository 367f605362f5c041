//! semver: comparing versions and matching requirements (`">=18 <21"`, `"^1.2"`) with the
//! `semver` crate, for "is the runtime new enough" checks. A leading `v` (`node --version`
//! prints `v20.1.0`) and surrounding whitespace are accepted.

use rhai::{Module, INT};

use super::func;
use crate::run::context::Ctx;
use crate::script_error::{raise, HostResult};

pub(crate) fn register(module: &mut Module, ctx: &Ctx) {
    func(
        ctx,
        "semver_compare",
        &["a: &str", "b: &str", "int"],
        "Compares two semantic versions: -1 when `a` is older than `b`, 0 when equal, 1 when \
         newer. A `v` prefix is accepted; an invalid version raises naming it.\n\
         ```rhai\nif semver_compare(exec(\"node\", [\"--version\"], #{quiet: true}).stdout, \"18.0.0\") < 0 {\n\
         \x20   fail(\"node 18 or newer is required\");\n}\n```",
    )
    .set_into_module(module, |a: &str, b: &str| -> HostResult<INT> {
        Ok(match version(a)?.cmp(&version(b)?) {
            std::cmp::Ordering::Less => -1,
            std::cmp::Ordering::Equal => 0,
            std::cmp::Ordering::Greater => 1,
        })
    });

    func(
        ctx,
        "semver_matches",
        &["requirement: &str", "version: &str", "bool"],
        "Whether `version` satisfies `requirement` (Cargo syntax: `\">=18, <21\"`, `\"^1.2\"`, \
         `\"~3.1\"`, `\"=2.0.0\"`; spaces between comparators work as commas). A `v` prefix \
         on the version is accepted; invalid input raises naming it.\n\
         ```rhai\nif !semver_matches(\">=18 <21\", \"v20.1.0\") { fail(\"unsupported node\"); }\n```",
    )
    .set_into_module(
        module,
        |requirement: &str, v: &str| -> HostResult<bool> {
            Ok(parse_requirement(requirement)?.matches(&version(v)?))
        },
    );
}

/// A version, `v` prefix and whitespace allowed.
fn version(text: &str) -> HostResult<semver::Version> {
    let t = text.trim();
    let t = t.strip_prefix(['v', 'V']).unwrap_or(t);
    semver::Version::parse(t).map_err(|e| {
        raise(format!(
            "`{text}` is not a semantic version (like 1.2.3): {e}"
        ))
    })
}

/// A requirement; comparators may be separated by spaces (npm style) as well as commas.
fn parse_requirement(text: &str) -> HostResult<semver::VersionReq> {
    let normalised = comma_separated(text);
    semver::VersionReq::parse(&normalised)
        .map_err(|e| raise(format!("`{text}` is not a version requirement: {e}")))
}

/// `">=18 <21"` → `">=18, <21"`; an operator followed by a space (`">= 18"`) stays joined,
/// and a `v` prefix on a comparator's version is dropped.
fn comma_separated(text: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut pending_op = String::new();
    for token in text.split([' ', ',']).filter(|t| !t.is_empty()) {
        if token.chars().all(|c| "<>=~^".contains(c)) {
            pending_op.push_str(token);
            continue;
        }
        let op_len = token.find(|c: char| !"<>=~^".contains(c)).unwrap_or(0);
        let (op, rest) = token.split_at(op_len);
        let rest = rest.strip_prefix(['v', 'V']).unwrap_or(rest);
        parts.push(format!("{}{op}{rest}", std::mem::take(&mut pending_op)));
    }
    if !pending_op.is_empty() {
        parts.push(pending_op);
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn npm_style_requirements() {
        assert_eq!(super::comma_separated(">=18 <21"), ">=18, <21");
        assert_eq!(super::comma_separated(">= 18, < v21"), ">=18, <21");
        assert_eq!(super::comma_separated("^1.2"), "^1.2");
    }
}
