//! net: `wait_for_port`, the "wait until the database is up" loop every release script
//! otherwise writes with `nc` or `pg_isready`: TCP connects until one succeeds, each attempt
//! bounded, the whole wait bounded by its timeout, the deadline and signals.

use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

use rhai::{Dynamic, Module, FLOAT, INT};

use super::func;
use crate::output::Level;
use crate::policy::{denied, AllowList};
use crate::run::context::Ctx;
use crate::script_error::{raise, terminated, HostResult};

/// Longest single connect attempt.
const ATTEMPT: Duration = Duration::from_secs(1);
/// Pause between attempts.
const PAUSE: Duration = Duration::from_millis(250);
/// How often the wait is logged again.
const LOG_EVERY: Duration = Duration::from_secs(10);

pub(crate) fn register(module: &mut Module, ctx: &Ctx) {
    let c = ctx.clone();
    func(
        ctx,
        "wait_for_port",
        &["host: &str", "port: int", "timeout: ?", "float"],
        "Waits until `host:port` accepts a TCP connection, trying again every 250 ms (each \
         attempt at most 1 s), for at most `timeout` (seconds or `\"2m\"`). Logs `waiting for \
         host:port …` once, then every 10 s; returns the seconds waited. When the time runs \
         out it raises `host:port did not accept connections within 60s (last error: …)`. The \
         deadline and signals end it at once; `--allow-net` applies.\n\
         ```rhai\nwait_for_port(\"db.internal\", 5432, 60);\n```",
    )
    .set_into_module(
        module,
        move |host: &str, port: INT, timeout: Dynamic| -> HostResult<FLOAT> {
            let port = u16::try_from(port)
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| raise(format!("wait_for_port: port {port} is not 1 to 65535")))?;
            wait(&c, host.trim(), port, &timeout)
        },
    );

    let c = ctx.clone();
    func(
        ctx,
        "wait_for_port",
        &["url: &str", "timeout: ?", "float"],
        "`wait_for_port(host, port, timeout)` with the host and port of a URL: `postgres://`, \
         `mysql://`, `redis://`, `amqp://`, `mongodb://`, `http(s)://`, … (the scheme's \
         default port when the URL has none). Credentials in the URL are never logged.\n\
         ```rhai\nwait_for_port(env(\"DATABASE_URL\"), \"2m\");\n```",
    )
    .set_into_module(
        module,
        move |url: &str, timeout: Dynamic| -> HostResult<FLOAT> {
            let (host, port) = host_port(url).map_err(|e| raise(format!("wait_for_port: {e}")))?;
            wait(&c, &host, port, &timeout)
        },
    );
}

/// The connect loop.
fn wait(ctx: &Ctx, host: &str, port: u16, timeout: &Dynamic) -> HostResult<FLOAT> {
    ctx.blocking()?;
    let place = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let timeout = seconds(timeout)
        .ok_or_else(|| raise(format!("wait_for_port({place}): the timeout must be a number of seconds or a duration like \"2m\", got {}", timeout.type_name())))?;
    if host.is_empty() {
        return Err(raise("wait_for_port: the host is empty"));
    }
    if !allowed(&ctx.policy.net, host, port) {
        return Err(raise(denied(
            &format!("wait_for_port: network access to {place}"),
            "--allow-net",
        )));
    }
    // The run's clock: simulated under `rhrel test`, where connects go to the stand-ins.
    let clock = &ctx.deadline.clock;
    let started = clock.now();
    let until = started + timeout;
    let mut next_log = started;
    let mut last_error;
    loop {
        ctx.check_stop()?;
        let now = clock.now();
        let bound = ATTEMPT
            .min(until.saturating_sub(now))
            .min(ctx.deadline.remaining())
            .max(Duration::from_millis(10));
        let attempt = match ctx.effects.simulation() {
            Some(sim) => sim.connect(host, port),
            None => connect(ctx, host, port, bound),
        };
        match attempt {
            Ok(()) => {
                let waited = clock.now().saturating_sub(started);
                if now > started {
                    ctx.out.log(
                        Level::Debug,
                        &format!("{place} accepts connections ({})", fmt(waited)),
                    );
                }
                return Ok(waited.as_secs_f64());
            }
            Err(e) => last_error = e,
        }
        ctx.check_stop()?;
        let now = clock.now();
        if now >= until {
            return Err(raise(format!(
                "{place} did not accept connections within {} (last error: {last_error})",
                fmt(timeout)
            )));
        }
        if now >= next_log {
            ctx.out.log(Level::Info, &format!("waiting for {place} …"));
            next_log = now + LOG_EVERY;
        }
        if ctx.pause(PAUSE.min(until - now)) {
            return Err(terminated());
        }
    }
}

/// One bounded attempt against every address the name resolves to.
fn connect(ctx: &Ctx, host: &str, port: u16, bound: Duration) -> Result<(), String> {
    let addrs = resolve(ctx, host, port, bound)?;
    let mut last = format!("{host} resolves to no address");
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, bound) {
            Ok(_) => return Ok(()),
            Err(e) => last = cause(&e),
        }
    }
    Err(last)
}

/// The addresses of `host`. A name is looked up on a thread of its own, so that a DNS server
/// that does not answer holds the script for at most `bound` and never past the stop (the
/// thread, stuck in getaddrinfo(3), is left to finish on its own, as ureq does).
fn resolve(ctx: &Ctx, host: &str, port: u16, bound: Duration) -> Result<Vec<SocketAddr>, String> {
    use std::sync::mpsc::{self, RecvTimeoutError};
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let (tx, rx) = mpsc::channel();
    let name = (host.to_string(), port);
    std::thread::Builder::new()
        .name("rhrel-dns".into())
        .stack_size(256 * 1024)
        .spawn(move || {
            let found = name.to_socket_addrs().map(Iterator::collect::<Vec<_>>);
            let _ = tx.send(found);
        })
        .map_err(|e| format!("cannot start a DNS lookup: {}", cause(&e)))?;
    let until = std::time::Instant::now() + bound;
    loop {
        let now = std::time::Instant::now();
        if ctx.stop.is_set() {
            return Err("stopped".into());
        }
        if now >= until {
            return Err(format!("DNS lookup of {host} timed out"));
        }
        match rx.recv_timeout((until - now).min(Duration::from_millis(50))) {
            Ok(found) => return found.map_err(|e| cause(&e)),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return Err("the DNS lookup failed".into()),
        }
    }
}

/// `connection refused`, not `Connection refused (os error 111)`.
fn cause(e: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::ConnectionRefused => "connection refused".into(),
        ErrorKind::TimedOut | ErrorKind::WouldBlock => "connect timed out".into(),
        _ => {
            let text = e.to_string();
            let text = text.split(" (os error").next().unwrap_or(&text).to_string();
            let mut chars = text.chars();
            match chars.next() {
                Some(first) => first.to_lowercase().chain(chars).collect(),
                None => text,
            }
        }
    }
}

/// `60s`, `2m`, `1.5s`: whole seconds stay seconds, as scripts write them.
fn fmt(d: Duration) -> String {
    if d.subsec_millis() == 0 && d.as_secs() > 0 {
        format!("{}s", d.as_secs())
    } else {
        crate::duration::format(d)
    }
}

/// Seconds as INT, FLOAT or a duration string; must be positive.
fn seconds(value: &Dynamic) -> Option<Duration> {
    let secs = if let Ok(i) = value.as_int() {
        i as f64
    } else if let Ok(f) = value.as_float() {
        f
    } else if value.is_string() {
        return crate::duration::parse(&value.to_string()).ok();
    } else {
        return None;
    };
    (secs.is_finite() && secs > 0.0).then(|| Duration::from_secs_f64(secs.min(1e9)))
}

/// `--allow-net` entries: `host`, `host:port` or `*.domain`, as for http.
pub(crate) fn allowed(list: &AllowList, host: &str, port: u16) -> bool {
    let host = host.to_ascii_lowercase();
    let with_port = format!("{host}:{port}");
    list.allows(|entry| {
        let entry = entry.to_ascii_lowercase();
        match entry.strip_prefix("*.") {
            Some(domain) => host.ends_with(&format!(".{domain}")),
            None => entry == host || entry == with_port,
        }
    })
}

/// The default port of a URL scheme.
fn default_port(scheme: &str) -> Option<u16> {
    Some(match scheme {
        "postgres" | "postgresql" | "postgis" => 5432,
        "mysql" | "mysql2" | "mariadb" => 3306,
        "redis" | "rediss" => 6379,
        "amqp" => 5672,
        "amqps" => 5671,
        "mongodb" => 27017,
        "memcached" | "memcache" => 11211,
        "nats" => 4222,
        "kafka" => 9092,
        "cassandra" | "cql" => 9042,
        "clickhouse" => 9000,
        "elasticsearch" | "http" | "ws" => 80,
        "https" | "wss" => 443,
        "smtp" => 25,
        "ldap" => 389,
        "ldaps" => 636,
        "sqlserver" | "mssql" => 1433,
        _ => return None,
    })
}

/// The host and port of `scheme://[user[:pass]@]host[:port][/…]`.
fn host_port(url: &str) -> Result<(String, u16), String> {
    let url = url.trim();
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err("expected a URL like postgres://host:5432/db (or give host and port)".into());
    };
    let scheme = scheme.to_ascii_lowercase();
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    // The last `@` ends the credentials (a password may contain `@` unencoded).
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    // Several hosts (`h1:5432,h2:5432`): wait for the first.
    let hostport = hostport.split(',').next().unwrap_or("");
    let (host, port) = if let Some(inner) = hostport.strip_prefix('[') {
        let (h, after) = inner
            .split_once(']')
            .ok_or("an IPv6 host is missing its `]`")?;
        (h.to_string(), after.strip_prefix(':'))
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), Some(p)),
            None => (hostport.to_string(), None),
        }
    };
    if host.is_empty() {
        return Err(format!("the {scheme}:// URL has no host"));
    }
    let port = match port.filter(|p| !p.is_empty()) {
        Some(p) => p
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| format!("the port `{p}` is not 1 to 65535"))?,
        None => default_port(&scheme).ok_or_else(|| {
            format!("no default port for {scheme}:// (write the port in the URL)")
        })?,
    };
    Ok((host, port))
}

#[cfg(test)]
mod tests {
    use super::host_port;

    #[test]
    fn urls() {
        let hp = |u: &str| host_port(u).unwrap();
        assert_eq!(
            hp("postgres://u:p@w@db.internal/app"),
            ("db.internal".into(), 5432)
        );
        assert_eq!(hp("redis://:secret@cache:6380"), ("cache".into(), 6380));
        assert_eq!(
            hp("https://example.com/health"),
            ("example.com".into(), 443)
        );
        assert_eq!(hp("amqp://[::1]"), ("::1".into(), 5672));
        assert!(host_port("foo://x").is_err());
        assert!(host_port("db:5432").is_err());
    }
}
