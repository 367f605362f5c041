//! http: `http_get`, `http_post` and `http(method, …)`. HTTP error statuses return with
//! `ok: false`; transport failures raise. Every attempt and every retry wait is bounded by the
//! deadline, `--allow-net` is enforced, and `--dry-run` sends only GET and HEAD.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use rhai::{Dynamic, EvalAltResult, Map, Module, INT};
use ureq::http::Method;
use ureq::Agent;

use super::func;
use crate::http::client::{self, Failure, Reply, Request};
use crate::http::options::Options;
use crate::http::retry_policy::{backoff, retry_after, retryable_status};
use crate::http::url::Target;
use crate::output::Level;
use crate::policy::denied;
use crate::run::context::Ctx;
use crate::script_error::{raise, raise_with, terminated, HostResult};

/// What the http functions share: the run, and its one agent, built on first use so a
/// script without http pays nothing for TLS set-up.
#[derive(Clone)]
struct Client {
    ctx: Ctx,
    agent: Arc<OnceLock<Agent>>,
}

pub(crate) fn register(module: &mut Module, ctx: &Ctx) {
    let client = Client {
        ctx: ctx.clone(),
        agent: Arc::new(OnceLock::new()),
    };

    let c = client.clone();
    func(
        ctx,
        "http_get",
        &["url: &str", "Map"],
        &doc(
            "Sends a GET request and reads the whole response.",
            r#"let r = http_get(`${env("SITE_URL")}/revision.txt`);
if r.ok { log(`live: ${r.body}`); }"#,
        ),
    )
    .set_into_module(module, move |url: &str| {
        c.call("GET", url, None, Map::new())
    });

    let c = client.clone();
    func(
        ctx,
        "http_get",
        &["url: &str", "options: Map", "Map"],
        &doc(
            "Sends a GET request with options: `headers` (map), `bearer` (token), `timeout` \
             (seconds per attempt), `retries` (on transport errors, 429 and 5xx, with backoff; \
             honours `Retry-After`), `max_body` (bytes, default 16 MiB), `dry_run` (`#{status, \
             body}`: the answer to pretend under `--dry-run` for a request not sent; without it \
             the body is `\"\"`).",
            r#"let r = http_get("https://example.com/health", #{timeout: 5, retries: 3});
if !r.ok { fail(`unhealthy: ${r.status}`); }"#,
        ),
    )
    .set_into_module(module, move |url: &str, opts: Map| {
        c.call("GET", url, None, opts)
    });

    let c = client.clone();
    func(
        ctx,
        "http_post",
        &["url: &str", "body: ?", "Map"],
        &doc(
            "Sends a POST request. A map or array body is sent as JSON (`application/json`), \
             a string as is (`text/plain`), a blob as bytes. Not sent under `--dry-run`.",
            r#"http_post(env("SLACK_WEBHOOK_URL"), #{text: "deployed"});"#,
        ),
    )
    .set_into_module(module, move |url: &str, body: Dynamic| {
        c.call("POST", url, Some(body), Map::new())
    });

    let c = client.clone();
    func(
        ctx,
        "http_post",
        &["url: &str", "body: ?", "options: Map", "Map"],
        &doc(
            "Sends a POST request with options (see `http_get`); `form: #{…}` with a `()` body \
             sends `application/x-www-form-urlencoded`.",
            r#"http_post("https://api.github.com/repos/o/r/dispatches",
    #{event_type: "deployed"}, #{bearer: env("GITHUB_TOKEN"), retries: 2});"#,
        ),
    )
    .set_into_module(module, move |url: &str, body: Dynamic, opts: Map| {
        c.call("POST", url, Some(body), opts)
    });

    let c = client.clone();
    func(
        ctx,
        "http",
        &["method: &str", "url: &str", "Map"],
        &doc(
            "Sends a request with any method (`GET`, `HEAD`, `PUT`, `PATCH`, `DELETE`, …). \
             Under `--dry-run` only GET and HEAD are sent.",
            r#"let r = http("HEAD", "https://example.com/");
log(r.headers["content-type"]);"#,
        ),
    )
    .set_into_module(module, move |method: &str, url: &str| {
        c.call(method, url, None, Map::new())
    });

    let c = client;
    func(
        ctx,
        "http",
        &["method: &str", "url: &str", "options: Map", "Map"],
        &doc(
            "Sends a request with any method and options (see `http_get`), plus `body` (as for \
             `http_post`) or `form`.",
            r#"http("PATCH", "https://api.example.com/releases/42",
    #{body: #{state: "done"}, headers: #{"X-Request-Id": "r42"}});"#,
        ),
    )
    .set_into_module(module, move |method: &str, url: &str, opts: Map| {
        c.call(method, url, None, opts)
    });
}

/// A function's doc: its summary, what every http function returns, and an example.
fn doc(summary: &str, example: &str) -> String {
    format!(
        "{summary}\nReturns `#{{status, ok, body, headers}}`: `ok` is a 2xx status; an HTTP error \
         status returns (`ok: false`), while a transport failure (refused, DNS, TLS, timeout) \
         raises.\n```rhai\n{example}\n```"
    )
}

impl Client {
    fn call(&self, method: &str, url: &str, body: Option<Dynamic>, opts: Map) -> HostResult<Map> {
        let ctx = &self.ctx;
        ctx.blocking()?;
        let target = Target::parse(url).map_err(raise)?;
        let method = Method::from_bytes(method.trim().to_ascii_uppercase().as_bytes())
            .map_err(|_| raise(format!("invalid HTTP method `{method}`")))?;
        let what = format!("http {method} {}", target.shown);
        let mut opts = Options::parse(opts).map_err(|e| raise(format!("{what}: {e}")))?;
        if body.is_some() {
            if opts.body.is_some() {
                return Err(raise(format!(
                    "{what}: the body is given twice (argument and `body` option)"
                )));
            }
            opts.body = body;
        }
        self.register_secrets(&target, &opts);
        if !target.allowed_by(&ctx.policy.net) {
            let place = format!("{}:{}", target.host(), target.port());
            return Err(with_url(
                denied(&format!("{what}: network access to {place}"), "--allow-net"),
                &target,
            ));
        }
        let request = Arc::new(
            opts.request(method, target)
                .map_err(|e| raise(format!("{what}: {e}")))?,
        );
        if ctx.dry_run && request.method != Method::GET && request.method != Method::HEAD {
            ctx.out.log(Level::Info, &dry_run_line(&request));
            let (status, body) = opts.dry_run.clone().unwrap_or((200, String::new()));
            let mut map = reply_map(Reply {
                status,
                headers: Vec::new(),
                body: body.into_bytes(),
            });
            map.insert("dry_run".into(), true.into());
            return Ok(map);
        }
        self.attempts(&request, &opts, &what)
    }

    /// The first attempt and the retries, each bounded by the deadline.
    fn attempts(&self, request: &Arc<Request>, opts: &Options, what: &str) -> HostResult<Map> {
        let ctx = &self.ctx;
        let mut attempt = 0;
        loop {
            ctx.check_stop()?;
            let remaining = ctx.deadline.remaining();
            if remaining.is_zero() {
                return Err(at_deadline(ctx));
            }
            let limit = opts.timeout.map_or(remaining, |t| t.min(remaining));
            let deadline_bound = limit == remaining;
            let clock = &ctx.deadline.clock;
            let started = clock.now();
            let result = match ctx.effects.simulation() {
                Some(sim) => sim.http(ctx, request, limit),
                None => {
                    let agent = self.agent.get_or_init(client::agent);
                    client::perform(ctx, agent, request, limit)?
                }
            };
            ctx.check_stop()?;
            if let Ok(reply) = &result {
                let took = crate::duration::format(clock.now().saturating_sub(started));
                ctx.out
                    .log(Level::Debug, &format!("{what} → {} ({took})", reply.status));
            }
            let (wait, why) = match result {
                Ok(reply) if attempt < opts.retries && retryable_status(reply.status) => {
                    let hinted = header_value(&reply, "retry-after").and_then(retry_after);
                    (
                        hinted.unwrap_or_else(|| backoff(attempt)),
                        format!("status {}", reply.status),
                    )
                }
                Ok(reply) => return Ok(reply_map(reply)),
                Err(Failure::TimedOut) if deadline_bound => return Err(at_deadline(ctx)),
                Err(f) if f.retryable() && attempt < opts.retries => {
                    (backoff(attempt), cause(&f, limit))
                }
                Err(f) => return Err(self.failure(request, what, f, limit, attempt)),
            };
            attempt += 1;
            ctx.out.note(&format!(
                "{what}: {why}; retry {attempt}/{} in {}",
                opts.retries,
                crate::duration::format(wait)
            ));
            // Wakes at the deadline or on a signal: the wait never outlives the run.
            if ctx.pause(wait) {
                return Err(terminated());
            }
        }
    }

    fn failure(
        &self,
        request: &Request,
        what: &str,
        f: Failure,
        limit: Duration,
        attempt: u32,
    ) -> Box<EvalAltResult> {
        let tries = if attempt > 0 {
            format!(" (after {} attempts)", attempt + 1)
        } else {
            String::new()
        };
        let message = match &f {
            Failure::Denied(shown) => {
                denied(&format!("{what}: redirect to {shown}"), "--allow-net")
            }
            Failure::TooLarge(cap) => format!(
                "{what}: the response body is larger than max_body ({})",
                size(*cap)
            ),
            _ => format!("{what} failed: {}{tries}", cause(&f, limit)),
        };
        // The URL is already shown redacted; this catches a password echoed inside a cause.
        let message = match &request.target.credentials {
            Some((_, pass)) if !pass.is_empty() => message.replace(pass.as_str(), "***"),
            _ => message,
        };
        let mut details = Map::new();
        details.insert("url".into(), request.target.shown.clone().into());
        details.insert("timed_out".into(), matches!(f, Failure::TimedOut).into());
        raise_with(message, 1, details)
    }

    /// Tokens the script hands us are secrets from here on: every output masks them.
    fn register_secrets(&self, target: &Target, opts: &Options) {
        let out = &self.ctx.out;
        if let Some(token) = &opts.bearer {
            out.add_secret(token);
        }
        if let Some((_, pass)) = &target.credentials {
            out.add_secret(pass);
        }
        for (name, value) in &opts.headers {
            for secret in crate::output::sources::header_secrets(name, value) {
                out.add_secret(&secret);
            }
        }
    }
}

/// Largest part of a body a dry run logs.
const DRY_RUN_BODY: usize = 2048;

/// `[dry-run] would POST <url> (headers: content-type, authorization) body: …`; the output
/// masks secrets, and a long body is cut at 2 KiB with its full size.
fn dry_run_line(request: &Request) -> String {
    let mut line = format!(
        "[dry-run] would {} {}",
        request.method, request.target.shown
    );
    if !request.headers.is_empty() {
        let names: Vec<&str> = request.headers.iter().map(|(n, _)| n.as_str()).collect();
        line.push_str(&format!(" (headers: {})", names.join(", ")));
    }
    if let Some(body) = request.body.as_deref().filter(|b| !b.is_empty()) {
        let text = String::from_utf8_lossy(body);
        if body.len() > DRY_RUN_BODY {
            let mut end = DRY_RUN_BODY;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            line.push_str(&format!(" body: {}… ({} bytes)", &text[..end], body.len()));
        } else {
            line.push_str(&format!(" body: {text}"));
        }
    }
    line
}

/// The script's view of a response.
fn reply_map(reply: Reply) -> Map {
    let mut map = Map::new();
    map.insert("status".into(), (reply.status as INT).into());
    map.insert("ok".into(), (200..300).contains(&reply.status).into());
    let headers: Map = reply
        .headers
        .into_iter()
        .map(|(k, v)| (k.into(), v.into()))
        .collect();
    map.insert("headers".into(), headers.into());
    let body = String::from_utf8(reply.body)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    map.insert("body".into(), body.into());
    map
}

fn header_value<'a>(reply: &'a Reply, name: &str) -> Option<&'a str> {
    reply
        .headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// A timeout that was the deadline itself: the watchdog is about to request the stop (if it
/// has not already), so wait for it briefly and end the run with the deadline's error.
fn at_deadline(ctx: &Ctx) -> Box<EvalAltResult> {
    ctx.stop.sleep(Duration::from_secs(1));
    match ctx.check_stop() {
        Err(stop) => stop,
        Ok(()) => raise(ctx.deadline.message()),
    }
}

fn cause(f: &Failure, limit: Duration) -> String {
    match f {
        Failure::TimedOut => format!("timed out after {}", crate::duration::format(limit)),
        Failure::Transport(c) | Failure::Invalid(c) => c.clone(),
        Failure::Denied(shown) => format!("redirected to {shown}"),
        Failure::TooLarge(cap) => format!("response larger than {}", size(*cap)),
    }
}

fn with_url(message: String, target: &Target) -> Box<EvalAltResult> {
    let mut details = Map::new();
    details.insert("url".into(), target.shown.clone().into());
    raise_with(message, 1, details)
}

/// `16 MiB`, `512 KiB` or `1000 bytes`.
fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b if b >= 1 << 10 && b % (1 << 10) == 0 => format!("{} KiB", b >> 10),
        b => format!("{b} bytes"),
    }
}
