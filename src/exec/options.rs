//! The inputs of `exec`/`shell`: the options map, the argument values, and the quoting used
//! to show a command in messages.

use std::path::PathBuf;
use std::time::Duration;

use rhai::{Dynamic, Map};

use crate::script_error::{raise, HostResult};

/// The parsed options of one call.
pub(crate) struct Options {
    pub timeout: Option<Duration>,
    pub cwd: Option<PathBuf>,
    pub env: Vec<(String, Option<String>)>,
    pub stdin: Option<String>,
    pub quiet: bool,
    pub check: bool,
}
/// One argument: strings as is, numbers and booleans as text; anything else is an error.
pub(crate) fn argument(program: &str, index: usize, value: &Dynamic) -> HostResult<String> {
    if value.is_string() || value.is_int() || value.is_float() || value.is_bool() || value.is_char()
    {
        return Ok(value.to_string());
    }
    if value.is_unit() {
        return Err(raise(format!(
            "exec(`{program}`): argument {} is () — is an environment variable unset? \
             (env(\"NAME\") returns () when unset; use require_env(\"NAME\") or env(\"NAME\", default))",
            index + 1
        )));
    }
    Err(raise(format!(
        "exec(`{program}`): argument {} is {} {}; arguments must be strings or numbers",
        index + 1,
        article(value.type_name()),
        value.type_name()
    )))
}

fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

pub(crate) fn parse(shown: &str, options: &Map) -> HostResult<Options> {
    let mut opts = Options {
        timeout: None,
        cwd: None,
        env: Vec::new(),
        stdin: None,
        quiet: false,
        check: true,
    };
    let bad = |key: &str, want: &str| raise(format!("`{shown}`: option `{key}` must be {want}"));
    for (key, value) in options {
        match key.as_str() {
            "timeout" => {
                let secs = if let Ok(i) = value.as_int() {
                    i as f64
                } else if let Ok(f) = value.as_float() {
                    f
                } else if let Some(s) = value.read_lock::<rhai::ImmutableString>() {
                    crate::duration::parse(&s)
                        .map_err(|e| raise(format!("`{shown}`: option `timeout`: {e}")))?
                        .as_secs_f64()
                } else {
                    return Err(bad("timeout", "a number of seconds or a duration like \"90s\""));
                };
                if secs.is_nan() {
                    return Err(bad("timeout", "a number of seconds"));
                }
                // At or below zero: a budget already spent, so the call times out unstarted.
                opts.timeout = Some(Duration::from_secs_f64(secs.clamp(0.0, 1e9)));
            }
            "cwd" => {
                let s = value
                    .read_lock::<rhai::ImmutableString>()
                    .ok_or_else(|| bad("cwd", "a string"))?;
                opts.cwd = Some(PathBuf::from(s.as_str()));
            }
            "env" => {
                let map = value
                    .read_lock::<Map>()
                    .ok_or_else(|| bad("env", "a map of names to values"))?;
                for (name, v) in map.iter() {
                    if name.is_empty() || name.contains('=') {
                        return Err(bad("env", "a map whose names are not empty and hold no `=`"));
                    }
                    let v = if v.is_unit() {
                        None
                    } else {
                        Some(argument(shown, 0, v).map_err(|_| {
                            bad("env", "a map of names to strings or numbers")
                        })?)
                    };
                    opts.env.push((name.to_string(), v));
                }
            }
            "stdin" => {
                let s = value
                    .read_lock::<rhai::ImmutableString>()
                    .ok_or_else(|| bad("stdin", "a string"))?;
                opts.stdin = Some(s.to_string());
            }
            "quiet" => opts.quiet = value.as_bool().map_err(|_| bad("quiet", "true or false"))?,
            "check" => opts.check = value.as_bool().map_err(|_| bad("check", "true or false"))?,
            other => {
                return Err(raise(format!(
                    "`{shown}`: unknown option `{other}` (known: timeout, cwd, env, stdin, quiet, check)"
                )))
            }
        }
    }
    Ok(opts)
}

/// An argument as a reader would type it: quoted when it holds anything but safe characters.
pub(crate) fn quote(arg: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "_-./=:,@%+".contains(c);
    if !arg.is_empty() && arg.chars().all(safe) {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_for_messages() {
        assert_eq!(quote("db:migrate"), "db:migrate");
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote(""), "''");
        assert_eq!(quote("it's"), r"'it'\''s'");
    }
}
