//! The fixture map of `simulate(script, #{…})`, parsed and checked before anything runs: an
//! unknown key (`exc:`), an `exec` entry without `program` or a `takes: "soon"` is an error
//! naming the key, never a stand-in that silently matches nothing.

use std::time::Duration;

use rhai::{Dynamic, Map};

/// How many calls a stand-in serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Times {
    Count(u64),
    Always,
}

/// One `exec` stand-in.
#[derive(Clone, Debug)]
pub(crate) struct ExecStandIn {
    pub program: String,
    /// `None`: any arguments. A last `"*"` matches any rest (`rest`).
    pub args: Option<Vec<String>>,
    pub rest: bool,
    pub code: i64,
    pub stdout: String,
    pub stderr: String,
    pub takes: Duration,
    pub times: Times,
}

/// A response body: text as is, or a map/array sent back as JSON.
#[derive(Clone, Debug)]
pub(crate) enum Body {
    Text(String),
    Json(String),
}

/// One `http` stand-in.
#[derive(Clone, Debug)]
pub(crate) struct HttpStandIn {
    /// `None`: any method.
    pub method: Option<String>,
    /// A glob: `*` matches any run of characters.
    pub url: String,
    pub status: u16,
    pub body: Body,
    pub headers: Vec<(String, String)>,
    pub takes: Duration,
    pub times: Times,
    /// A transport error instead of a response (`"connection refused"`).
    pub error: Option<String>,
}

/// A signal delivered at a simulated time.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Signal {
    pub number: i32,
    pub at: Duration,
}

/// Everything a simulated run is given.
#[derive(Clone, Debug, Default)]
pub(crate) struct Fixture {
    pub env: Vec<(String, String)>,
    pub args: Vec<String>,
    pub files: Vec<(String, String)>,
    pub exec: Vec<ExecStandIn>,
    pub http: Vec<HttpStandIn>,
    pub which: Vec<String>,
    /// `host:port` pairs that accept connections (`wait_for_port`).
    pub ports: Vec<String>,
    /// Locks another release holds, and for how long (`with_lock` waits for them).
    pub locks: Vec<(String, Duration)>,
    pub timeout: Option<Duration>,
    pub signal: Option<Signal>,
    pub dry_run: bool,
    pub platform: Option<String>,
}

const KEYS: &[&str] = &[
    "args", "dry_run", "env", "exec", "files", "http", "locks", "platform", "ports", "signal",
    "timeout", "which",
];
const EXEC_KEYS: &[&str] = &[
    "args", "code", "program", "stderr", "stdout", "takes", "times",
];
const HTTP_KEYS: &[&str] = &[
    "body", "error", "headers", "method", "status", "takes", "times", "url",
];
const SIGNAL_KEYS: &[&str] = &["at", "name"];
const PLATFORMS: &[&str] = &["heroku", "fly", "render", "railway", "kubernetes", "local"];

impl Fixture {
    /// Parses a fixture map; the error names the key (`exec[1].takes: …`).
    pub(crate) fn parse(map: &Map) -> Result<Fixture, String> {
        known_keys("the fixture", map, KEYS)?;
        let mut f = Fixture::default();
        for (key, value) in map {
            let key = key.as_str();
            match key {
                "env" => f.env = string_map(key, value)?,
                "files" => f.files = string_map(key, value)?,
                "args" => f.args = strings(key, value)?,
                "which" => f.which = strings(key, value)?,
                "ports" => f.ports = strings(key, value)?,
                "locks" => {
                    for (name, held) in entry_map(key, value)? {
                        let at = format!("locks.{name}");
                        f.locks.push((name.to_string(), duration(&at, &held)?));
                    }
                }
                "exec" => {
                    for (i, entry) in array(key, value)?.iter().enumerate() {
                        f.exec.push(exec_entry(&format!("exec[{i}]"), entry)?);
                    }
                }
                "http" => {
                    for (i, entry) in array(key, value)?.iter().enumerate() {
                        f.http.push(http_entry(&format!("http[{i}]"), entry)?);
                    }
                }
                "timeout" => f.timeout = Some(duration(key, value)?),
                "signal" => f.signal = Some(signal(key, value)?),
                "dry_run" => {
                    f.dry_run = value.as_bool().map_err(|_| {
                        format!("dry_run: expected true or false, got {}", kind(value))
                    })?
                }
                "platform" => {
                    let name = string(key, value)?;
                    if !PLATFORMS.contains(&name.as_str()) {
                        return Err(format!(
                            "platform: `{name}` is not one of {}",
                            PLATFORMS.join(", ")
                        ));
                    }
                    f.platform = Some(name);
                }
                _ => unreachable!("checked by known_keys"),
            }
        }
        Ok(f)
    }
}

fn exec_entry(at: &str, value: &Dynamic) -> Result<ExecStandIn, String> {
    let map = entry_map(at, value)?;
    known_keys(at, &map, EXEC_KEYS)?;
    let program = match map.get("program") {
        Some(p) => string(&format!("{at}.program"), p)?,
        None => return Err(format!("{at}: an exec stand-in needs `program`")),
    };
    if program.is_empty() {
        return Err(format!("{at}.program: the program name is empty"));
    }
    let (args, rest) = match map.get("args") {
        None => (None, false),
        Some(v) => {
            let mut args = strings(&format!("{at}.args"), v)?;
            let rest = args.last().is_some_and(|a| a == "*");
            if rest {
                args.pop();
            }
            (Some(args), rest)
        }
    };
    let code = match map.get("code") {
        None => 0,
        Some(v) => match v.as_int() {
            Ok(c) if (0..=255).contains(&c) => c,
            _ => {
                return Err(format!(
                    "{at}.code: expected an exit code 0 to 255, got {}",
                    shown(v)
                ))
            }
        },
    };
    Ok(ExecStandIn {
        program,
        args,
        rest,
        code,
        stdout: optional_string(&format!("{at}.stdout"), map.get("stdout"))?,
        stderr: optional_string(&format!("{at}.stderr"), map.get("stderr"))?,
        takes: optional_duration(&format!("{at}.takes"), map.get("takes"))?,
        times: times(&format!("{at}.times"), map.get("times"))?,
    })
}

fn http_entry(at: &str, value: &Dynamic) -> Result<HttpStandIn, String> {
    let map = entry_map(at, value)?;
    known_keys(at, &map, HTTP_KEYS)?;
    let url = match map.get("url") {
        Some(u) => string(&format!("{at}.url"), u)?,
        None => {
            return Err(format!(
                "{at}: an http stand-in needs `url` (a glob: `https://hooks.example/*`)"
            ))
        }
    };
    let method = match map.get("method") {
        None => None,
        Some(m) => Some(string(&format!("{at}.method"), m)?.to_ascii_uppercase()),
    };
    let status = match map.get("status") {
        None => 200,
        Some(v) => match v.as_int() {
            Ok(s) if (100..=599).contains(&s) => s as u16,
            _ => {
                return Err(format!(
                    "{at}.status: expected an HTTP status 100 to 599, got {}",
                    shown(v)
                ))
            }
        },
    };
    let body = match map.get("body") {
        None => Body::Text(String::new()),
        Some(v) if v.is_string() => Body::Text(v.to_string()),
        Some(v) if v.is_map() || v.is_array() => Body::Json(
            crate::json_value::stringify(v, false).map_err(|e| format!("{at}.body: {e}"))?,
        ),
        Some(v) => {
            return Err(format!(
                "{at}.body: expected a string, a map or an array, got {}",
                kind(v)
            ))
        }
    };
    let headers = match map.get("headers") {
        None => Vec::new(),
        Some(v) => string_map(&format!("{at}.headers"), v)?
            .into_iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v))
            .collect(),
    };
    let error = match map.get("error") {
        None => None,
        Some(v) => Some(string(&format!("{at}.error"), v)?),
    };
    Ok(HttpStandIn {
        method,
        url,
        status,
        body,
        headers,
        takes: optional_duration(&format!("{at}.takes"), map.get("takes"))?,
        times: times(&format!("{at}.times"), map.get("times"))?,
        error,
    })
}

fn signal(at: &str, value: &Dynamic) -> Result<Signal, String> {
    let map = entry_map(at, value)?;
    known_keys(at, &map, SIGNAL_KEYS)?;
    let name = match map.get("name") {
        Some(n) => string(&format!("{at}.name"), n)?,
        None => "SIGTERM".to_string(),
    };
    let number = match name.to_ascii_uppercase().trim_start_matches("SIG") {
        "TERM" => libc::SIGTERM,
        "INT" => libc::SIGINT,
        _ => return Err(format!("{at}.name: `{name}` is not SIGTERM or SIGINT")),
    };
    let Some(when) = map.get("at") else {
        return Err(format!(
            "{at}: a signal needs `at` (a simulated time such as \"30s\")"
        ));
    };
    Ok(Signal {
        number,
        at: duration(&format!("{at}.at"), when)?,
    })
}

fn known_keys(what: &str, map: &Map, known: &[&str]) -> Result<(), String> {
    for key in map.keys() {
        if !known.contains(&key.as_str()) {
            let hint = crate::check::names::closest(key, known.iter().copied())
                .map(|k| format!("did you mean `{k}`? "))
                .unwrap_or_default();
            return Err(format!(
                "{what} has an unknown key `{key}` ({hint}known: {})",
                known.join(", ")
            ));
        }
    }
    Ok(())
}

fn times(at: &str, value: Option<&Dynamic>) -> Result<Times, String> {
    match value {
        None => Ok(Times::Count(1)),
        Some(v) if v.is_string() && v.to_string() == "always" => Ok(Times::Always),
        Some(v) => match v.as_int() {
            Ok(n) if n >= 1 => Ok(Times::Count(n as u64)),
            _ => Err(format!(
                "{at}: expected a count of 1 or more, or \"always\", got {}",
                shown(v)
            )),
        },
    }
}

fn optional_duration(at: &str, value: Option<&Dynamic>) -> Result<Duration, String> {
    value.map_or(Ok(Duration::ZERO), |v| duration(at, v))
}

/// Seconds (a number) or a duration text (`"10m"`).
fn duration(at: &str, value: &Dynamic) -> Result<Duration, String> {
    let secs = if let Ok(i) = value.as_int() {
        i as f64
    } else if let Ok(f) = value.as_float() {
        f
    } else if value.is_string() {
        let text = value.to_string();
        return crate::duration::parse(text.trim()).map_err(|_| {
            format!("{at}: invalid duration \"{text}\" (examples: 90s, 10m, 1m30s, or seconds)")
        });
    } else {
        return Err(format!(
            "{at}: expected a duration such as \"10m\" or seconds, got {}",
            kind(value)
        ));
    };
    if !secs.is_finite() || secs < 0.0 {
        return Err(format!("{at}: a duration cannot be negative, got {secs}"));
    }
    Ok(Duration::from_secs_f64(secs.min(1e9)))
}

fn entry_map(at: &str, value: &Dynamic) -> Result<Map, String> {
    value
        .read_lock::<Map>()
        .map(|m| m.clone())
        .ok_or_else(|| format!("{at}: expected a map (#{{…}}), got {}", kind(value)))
}

fn array(at: &str, value: &Dynamic) -> Result<rhai::Array, String> {
    value
        .read_lock::<rhai::Array>()
        .map(|a| a.clone())
        .ok_or_else(|| format!("{at}: expected an array ([…]), got {}", kind(value)))
}

fn strings(at: &str, value: &Dynamic) -> Result<Vec<String>, String> {
    array(at, value)?
        .iter()
        .enumerate()
        .map(|(i, v)| scalar(&format!("{at}[{i}]"), v))
        .collect()
}

/// A map of names to text (numbers and booleans are written as text, as in an environment).
fn string_map(at: &str, value: &Dynamic) -> Result<Vec<(String, String)>, String> {
    entry_map(at, value)?
        .iter()
        .map(|(k, v)| Ok((k.to_string(), scalar(&format!("{at}.{k}"), v)?)))
        .collect()
}

fn optional_string(at: &str, value: Option<&Dynamic>) -> Result<String, String> {
    value.map_or(Ok(String::new()), |v| string(at, v))
}

fn string(at: &str, value: &Dynamic) -> Result<String, String> {
    if value.is_string() {
        Ok(value.to_string())
    } else {
        Err(format!("{at}: expected a string, got {}", kind(value)))
    }
}

fn scalar(at: &str, value: &Dynamic) -> Result<String, String> {
    if value.is_string() || value.is_int() || value.is_float() || value.is_bool() || value.is_char()
    {
        Ok(value.to_string())
    } else {
        Err(format!("{at}: expected a string, got {}", kind(value)))
    }
}

fn kind(value: &Dynamic) -> String {
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

fn shown(value: &Dynamic) -> String {
    if value.is_string() {
        format!("{:?}", value.to_string())
    } else {
        kind_or_value(value)
    }
}

fn kind_or_value(value: &Dynamic) -> String {
    if value.is_int() || value.is_float() || value.is_bool() {
        value.to_string()
    } else {
        kind(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &str) -> Result<Fixture, String> {
        let engine = rhai::Engine::new();
        let map: Map = engine.eval(src).unwrap();
        Fixture::parse(&map)
    }

    #[test]
    fn bad_fixtures_name_the_key() {
        let e = parse(r#"#{ exc: [] }"#).unwrap_err();
        assert!(
            e.contains("unknown key `exc`") && e.contains("did you mean `exec`"),
            "{e}"
        );
        let e = parse(r#"#{ exec: [#{ args: [] }] }"#).unwrap_err();
        assert_eq!(e, "exec[0]: an exec stand-in needs `program`");
        let e = parse(r#"#{ exec: [#{ program: "x", takes: "soon" }] }"#).unwrap_err();
        assert!(
            e.starts_with("exec[0].takes: invalid duration \"soon\""),
            "{e}"
        );
    }

    #[test]
    fn a_full_fixture() {
        let f = parse(
            r#"#{ env: #{A: "1", PORT: 5432}, timeout: "5m", exec: [#{program: "node",
                args: ["a", "*"], times: "always"}], signal: #{name: "SIGTERM", at: "30s"} }"#,
        )
        .unwrap();
        assert_eq!(f.env.len(), 2);
        assert_eq!(f.timeout, Some(Duration::from_secs(300)));
        assert!(f.exec[0].rest && f.exec[0].times == Times::Always);
        assert_eq!(f.signal.unwrap().at, Duration::from_secs(30));
    }
}
