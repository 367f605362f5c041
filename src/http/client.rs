//! One HTTP exchange with ureq, off the script thread: the agent, redirects followed by hand
//! (so `--allow-net` sees every hop), the response read under a size cap, and transport
//! errors turned into plain causes.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ureq::http::{self, header, HeaderName, HeaderValue, Method};
use ureq::Agent;

use crate::http::url::Target;
use crate::policy::AllowList;
use crate::run::context::Context;
use crate::script_error::{raise, terminated, HostResult};

/// Redirects followed before giving up.
pub(crate) const MAX_REDIRECTS: u32 = 5;
/// How often the script thread looks at the stop while a request is in flight.
const STOP_POLL: Duration = Duration::from_millis(25);

/// A request ready to send (and to send again on a retry).
#[derive(Debug)]
pub(crate) struct Request {
    pub method: Method,
    pub target: Target,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub body: Option<Vec<u8>>,
    pub max_body: u64,
}

/// A response, fully read. Plain data: it crosses back from the worker thread.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: u16,
    /// Lowercase names; repeated headers joined with `, `.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Why an exchange produced no response.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The per-attempt time limit passed.
    TimedOut,
    /// Connection refused, DNS, TLS, reset…: the cause in words.
    Transport(String),
    /// A redirect pointed at a host `--allow-net` refuses (its shown URL).
    Denied(String),
    /// The body went over `max_body` (the cap).
    TooLarge(u64),
    /// Anything else that another try would not fix.
    Invalid(String),
}

impl Failure {
    /// Transport trouble may pass; a policy or a size cap will not.
    pub(crate) fn retryable(&self) -> bool {
        matches!(self, Failure::TimedOut | Failure::Transport(_))
    }
}

/// The run's agent. Redirects are off in ureq and followed in `exchange` instead, so each
/// hop is checked against `--allow-net` and a token never follows a redirect to another host.
pub(crate) fn agent() -> Agent {
    Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .user_agent(format!("rhrel/{}", env!("CARGO_PKG_VERSION")))
        .build()
        .new_agent()
}

/// Runs one attempt (redirects included) within `limit`.
///
/// Why a worker thread: a blocking socket read cannot be interrupted, and ureq's timeout only
/// covers the deadline. SIGTERM (the platform's shutdown) must end the run at once so rhrel can
/// stop children and write its report before SIGKILL, so the script thread waits here in short
/// slices and, once a stop is requested, returns the terminate error and abandons the worker
/// (it holds nothing but a socket, closed when the process exits).
pub(crate) fn perform(
    ctx: &Context,
    agent: &Agent,
    request: &Arc<Request>,
    limit: Duration,
) -> HostResult<Result<Reply, Failure>> {
    let (tx, rx) = mpsc::channel();
    let (agent, request, net) = (agent.clone(), request.clone(), ctx.policy.net.clone());
    std::thread::Builder::new()
        .name("rhrel-http".into())
        .spawn(move || {
            let _ = tx.send(exchange(&agent, &request, limit, &net));
        })
        .map_err(|e| raise(format!("cannot start the http worker thread: {e}")))?;
    loop {
        match rx.recv_timeout(STOP_POLL) {
            Ok(result) => return Ok(result),
            Err(RecvTimeoutError::Timeout) if ctx.stop.is_set() => return Err(terminated()),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                return Err(raise("the http worker thread crashed (a bug in rhrel)"))
            }
        }
    }
}

/// Sends the request, following up to `MAX_REDIRECTS` redirects, and reads the response.
fn exchange(
    agent: &Agent,
    request: &Request,
    limit: Duration,
    net: &AllowList,
) -> Result<Reply, Failure> {
    let until = Instant::now() + limit;
    let mut method = request.method.clone();
    let mut target = request.target.clone();
    let mut headers = request.headers.clone();
    let mut body = request.body.clone();
    for hop in 0..=MAX_REDIRECTS {
        if hop > 0 && !target.allowed_by(net) {
            return Err(Failure::Denied(target.shown));
        }
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Failure::TimedOut);
        }
        let mut builder = http::Request::builder()
            .method(method.clone())
            .uri(target.uri.clone());
        for (name, value) in &headers {
            builder = builder.header(name, value);
        }
        let sent = match &body {
            Some(bytes) => send(agent, builder.body(bytes.as_slice()), left),
            None => send(agent, builder.body(()), left),
        };
        let mut response = sent.map_err(|e| describe(e, &target))?;
        let status = response.status();
        let location = response
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok());
        if let (true, Some(location)) = (status.is_redirection(), location) {
            if hop == MAX_REDIRECTS {
                return Err(Failure::Invalid(format!(
                    "too many redirects (more than {MAX_REDIRECTS})"
                )));
            }
            let next = target.join(location).map_err(Failure::Invalid)?;
            let code = status.as_u16();
            if code == 303 || (matches!(code, 301 | 302) && method == Method::POST) {
                // As browsers and curl do: the follow-up is a GET without the body.
                if method != Method::HEAD {
                    method = Method::GET;
                }
                body = None;
                headers.retain(|(n, _)| *n != header::CONTENT_TYPE);
            }
            if next.origin() != target.origin() {
                headers.retain(|(n, _)| *n != header::AUTHORIZATION);
            }
            target = next;
            continue;
        }
        let headers = collect_headers(response.headers());
        let bytes = if method == Method::HEAD {
            Vec::new()
        } else {
            response
                .body_mut()
                .with_config()
                .limit(request.max_body)
                .read_to_vec()
                .map_err(|e| describe(e, &target))?
        };
        return Ok(Reply {
            status: status.as_u16(),
            headers,
            body: bytes,
        });
    }
    unreachable!("the last hop returns")
}

fn send<B: ureq::AsSendBody>(
    agent: &Agent,
    request: Result<http::Request<B>, http::Error>,
    limit: Duration,
) -> Result<http::Response<ureq::Body>, ureq::Error> {
    let request = agent
        .configure_request(request?)
        .timeout_global(Some(limit))
        .build();
    agent.run(request)
}

fn collect_headers(map: &http::HeaderMap) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (name, value) in map {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        match out.iter_mut().find(|(n, _)| n == name.as_str()) {
            Some((_, joined)) => {
                joined.push_str(", ");
                joined.push_str(&value);
            }
            None => out.push((name.as_str().to_string(), value)),
        }
    }
    out
}

/// A ureq error as a cause a person can act on.
fn describe(err: ureq::Error, target: &Target) -> Failure {
    use std::io::ErrorKind;
    let dns = || {
        Failure::Transport(format!(
            "cannot resolve host `{}` (DNS lookup failed)",
            target.host()
        ))
    };
    match err {
        ureq::Error::Timeout(_) => Failure::TimedOut,
        ureq::Error::BodyExceedsLimit(cap) => Failure::TooLarge(cap),
        ureq::Error::HostNotFound => dns(),
        ureq::Error::Io(e) => match e.kind() {
            ErrorKind::TimedOut | ErrorKind::WouldBlock => Failure::TimedOut,
            ErrorKind::ConnectionRefused => Failure::Transport("connection refused".into()),
            ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted => {
                Failure::Transport("connection reset by the server".into())
            }
            ErrorKind::UnexpectedEof => Failure::Transport(
                "the server closed the connection before a complete response".into(),
            ),
            _ if e.to_string().contains("lookup") => dns(),
            _ => match ureq::Error::from(e) {
                ureq::Error::BodyExceedsLimit(cap) => Failure::TooLarge(cap),
                other => Failure::Transport(other.to_string()),
            },
        },
        ureq::Error::Tls(msg) => Failure::Transport(format!("TLS error: {msg}")),
        ureq::Error::Rustls(e) => Failure::Transport(format!("TLS error: {e}")),
        ureq::Error::Pem(e) => Failure::Transport(format!("TLS error: {e}")),
        ureq::Error::Http(e) => Failure::Invalid(format!("invalid request: {e}")),
        ureq::Error::BadUri(e) => Failure::Invalid(format!("invalid URL: {e}")),
        other => Failure::Transport(other.to_string()),
    }
}
