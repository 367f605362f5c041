//! The options of an http call (`headers`, `bearer`, `timeout`, `retries`, `max_body`, `body`,
//! `form`), checked, and the request they describe: credentials and body encoded.

use std::time::Duration;

use rhai::{Blob, Dynamic, Map, INT};
use ureq::http::{header, HeaderName, HeaderValue, Method};

use crate::http::client::Request;
use crate::http::url::{form_encode, Target};

/// Default response size cap: the largest string a script may hold.
pub(crate) const DEFAULT_MAX_BODY: u64 = crate::limits::MAX_STRING_SIZE as u64;
/// Most retries a call may ask for.
const MAX_RETRIES: INT = 20;
const OPTIONS: &str = "headers, bearer, timeout, retries, max_body, form, body, dry_run";

/// The options of one call, checked.
#[derive(Default)]
pub(crate) struct Options {
    pub headers: Vec<(String, String)>,
    pub bearer: Option<String>,
    pub timeout: Option<Duration>,
    pub retries: u32,
    pub max_body: Option<u64>,
    pub body: Option<Dynamic>,
    pub form: Option<Map>,
    /// Under `--dry-run`, what to pretend the server answered: `(status, body)`.
    pub dry_run: Option<(u16, String)>,
}

impl Options {
    pub(crate) fn parse(map: Map) -> Result<Options, String> {
        let mut o = Options::default();
        for (key, value) in map {
            let bad =
                |want: &str| format!("option `{key}` must be {want}, got {}", value.type_name());
            match key.as_str() {
                "headers" => {
                    let headers = value
                        .clone()
                        .try_cast::<Map>()
                        .ok_or_else(|| bad("a map"))?;
                    o.headers = headers
                        .into_iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect();
                }
                "bearer" => {
                    let token = value.clone().into_string().map_err(|_| bad("a string"))?;
                    o.bearer = (!token.is_empty()).then_some(token);
                }
                "timeout" => {
                    let secs =
                        seconds(&value).ok_or_else(|| bad("a positive number of seconds"))?;
                    o.timeout = Some(secs);
                }
                "retries" => match value.as_int() {
                    Ok(n) if (0..=MAX_RETRIES).contains(&n) => o.retries = n as u32,
                    _ => return Err(bad(&format!("an integer from 0 to {MAX_RETRIES}"))),
                },
                "max_body" => match value.as_int() {
                    Ok(n) if n > 0 && n as u64 <= DEFAULT_MAX_BODY => o.max_body = Some(n as u64),
                    Ok(n) if n > 0 => {
                        return Err(format!(
                            "option `max_body` is {n} bytes, over the largest string a script \
                             may hold ({DEFAULT_MAX_BODY} bytes, 16 MiB)"
                        ))
                    }
                    _ => return Err(bad("a positive number of bytes")),
                },
                "body" => o.body = Some(value),
                "form" => {
                    o.form = Some(
                        value
                            .clone()
                            .try_cast::<Map>()
                            .ok_or_else(|| bad("a map"))?,
                    )
                }
                "dry_run" => {
                    let answer = value
                        .clone()
                        .try_cast::<Map>()
                        .ok_or_else(|| bad("a map like #{status: 200, body: \"…\"}"))?;
                    o.dry_run = Some(dry_run_answer(&answer)?);
                }
                other => {
                    return Err(format!(
                        "unknown option `{other}` (expected one of: {OPTIONS})"
                    ))
                }
            }
        }
        Ok(o)
    }

    /// The request: headers checked, credentials turned into `Authorization`, the body encoded.
    pub(crate) fn request(&self, method: Method, target: Target) -> Result<Request, String> {
        let opts = self;
        let mut headers = Vec::with_capacity(opts.headers.len() + 2);
        for (name, value) in &opts.headers {
            let n = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| format!("invalid header name `{name}`"))?;
            let v = HeaderValue::from_str(value)
                .map_err(|_| format!("invalid value for header `{name}`"))?;
            headers.push((n, v));
        }
        let has = |headers: &[(HeaderName, HeaderValue)], name: &HeaderName| {
            headers.iter().any(|(n, _)| n == name)
        };
        let credential = match (&opts.bearer, &target.credentials) {
            (Some(token), _) => Some(format!("Bearer {token}")),
            (None, Some((user, pass))) => {
                use base64::Engine as _;
                Some(format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
                ))
            }
            _ => None,
        };
        if let Some(credential) = credential {
            let value = HeaderValue::from_str(&credential)
                .map_err(|_| "the bearer token has characters a header cannot carry".to_string())?;
            headers.retain(|(n, _)| *n != header::AUTHORIZATION);
            headers.push((header::AUTHORIZATION, value));
        }
        let (body, content_type) = match (opts.body.clone(), &opts.form) {
            (Some(b), Some(_)) if !b.is_unit() => {
                return Err("give either a body or `form`, not both".into())
            }
            (_, Some(form)) => {
                let pairs: Vec<String> = form
                    .iter()
                    .map(|(k, v)| format!("{}={}", form_encode(k), form_encode(&v.to_string())))
                    .collect();
                (
                    Some(pairs.join("&").into_bytes()),
                    Some("application/x-www-form-urlencoded"),
                )
            }
            (Some(b), None) if b.is_unit() => (None, None),
            (Some(b), None) if b.is_string() => (
                Some(b.to_string().into_bytes()),
                Some("text/plain; charset=utf-8"),
            ),
            (Some(b), None) if b.is_blob() => {
                (Some(b.cast::<Blob>()), Some("application/octet-stream"))
            }
            (Some(b), None) => (
                Some(crate::json_value::stringify(&b, false)?.into_bytes()),
                Some("application/json"),
            ),
            (None, None) => (None, None),
        };
        if let (Some(ct), false) = (content_type, has(&headers, &header::CONTENT_TYPE)) {
            headers.push((header::CONTENT_TYPE, HeaderValue::from_static(ct)));
        }
        Ok(Request {
            method,
            target,
            headers,
            body,
            max_body: opts.max_body.unwrap_or(DEFAULT_MAX_BODY),
        })
    }
}

/// The `dry_run: #{status, body}` option: status 200 and an empty body unless given; a map
/// or array body is written as JSON.
fn dry_run_answer(answer: &Map) -> Result<(u16, String), String> {
    let mut status = 200;
    let mut body = String::new();
    for (key, value) in answer {
        match key.as_str() {
            "status" => match value.as_int() {
                Ok(n) if (100..=599).contains(&n) => status = n as u16,
                _ => {
                    return Err(
                        "option `dry_run`: `status` must be an HTTP status (100 to 599)".into(),
                    )
                }
            },
            "body" if value.is_string() => body = value.to_string(),
            "body" if value.is_unit() => {}
            "body" => body = crate::json_value::stringify(value, false)?,
            other => {
                return Err(format!(
                    "option `dry_run`: unknown key `{other}` (expected status, body)"
                ))
            }
        }
    }
    Ok((status, body))
}

/// Seconds as INT, FLOAT or a duration string (`"90s"`).
fn seconds(value: &Dynamic) -> Option<Duration> {
    let secs = if let Ok(i) = value.as_int() {
        i as f64
    } else if let Ok(f) = value.as_float() {
        f
    } else if value.is_string() {
        return crate::duration::parse(&value.to_string())
            .ok()
            .filter(|d| !d.is_zero());
    } else {
        return None;
    };
    (secs.is_finite() && secs > 0.0).then(|| Duration::from_secs_f64(secs.min(1e9)))
}
