//! The database a lock lives in, from a `postgres://` URL: the client's configuration, the
//! libpq TLS settings the native client does not read itself (`sslmode` beyond `require`,
//! `sslrootcert`), and the host as messages show it (never with the password).

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use postgres::config::{Host, SslMode as ClientSslMode};

/// libpq's `sslmode` values (`allow` is treated as `prefer`: both may end up in plain text).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    fn parse(text: &str) -> Result<SslMode, String> {
        Ok(match text {
            "disable" => SslMode::Disable,
            "allow" | "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            other => {
                return Err(format!(
                    "sslmode `{other}` is not one of disable, allow, prefer, require, verify-ca, verify-full"
                ))
            }
        })
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }
}

/// Where the server's certificate chain must lead for `verify-ca`/`verify-full`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Roots {
    /// The system's root certificates (`sslrootcert=system`, or none given).
    System,
    /// A PEM file (`sslrootcert=/path/to/root.crt`).
    File(PathBuf),
}

/// A parsed database URL.
pub(crate) struct Target {
    pub config: postgres::Config,
    pub sslmode: SslMode,
    /// Set when `sslrootcert` was given: `require` then verifies the chain, as libpq does.
    pub roots: Option<Roots>,
    /// `host:port` (several joined with `,`), for messages.
    pub shown: String,
    /// The TCP hosts with their ports, for `--allow-net`.
    pub hosts: Vec<(String, u16)>,
}

/// How long a connection attempt may take when the URL does not say (`connect_timeout`).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Unacknowledged data this long ends the connection, so a query on a dead network fails
/// instead of hanging (the client has no per-query timeout of its own).
const TCP_USER_TIMEOUT: Duration = Duration::from_secs(15);

/// Parses `postgres://…` / `postgresql://…`. The error never holds the URL (it may hold a
/// password): it names what is wrong.
pub(crate) fn parse(url: &str) -> Result<Target, String> {
    let url = url.trim();
    let scheme = url.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
    if !matches!(scheme.as_deref(), Some("postgres" | "postgresql")) {
        return Err("the database URL must start with postgres:// or postgresql://".into());
    }
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let mut sslmode = None;
    let mut roots = None;
    let mut kept = Vec::new();
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let decoded = percent_encoding::percent_decode_str(value)
            .decode_utf8_lossy()
            .into_owned();
        match key {
            "sslmode" => sslmode = Some(SslMode::parse(&decoded)?),
            "sslrootcert" => {
                roots = Some(if decoded == "system" {
                    Roots::System
                } else {
                    Roots::File(PathBuf::from(decoded))
                })
            }
            "sslcert" | "sslkey" | "sslpassword" | "sslcrl" | "sslcrldir" => {
                return Err(format!(
                    "`{key}` (client certificates) is not supported by with_lock"
                ))
            }
            _ => kept.push(pair),
        }
    }
    let sslmode = match sslmode {
        Some(mode) => mode,
        // libpq reads PGSSLMODE when the URL does not say.
        None => match std::env::var("PGSSLMODE") {
            Ok(v) if !v.is_empty() => SslMode::parse(&v).map_err(|e| format!("PGSSLMODE: {e}"))?,
            _ => SslMode::Prefer,
        },
    };
    let rebuilt = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    let mut config = postgres::Config::from_str(&rebuilt).map_err(|e| {
        // Its messages name the option, never the value.
        format!("the database URL is not valid: {e}")
    })?;
    config.ssl_mode(match sslmode {
        SslMode::Disable => ClientSslMode::Disable,
        SslMode::Prefer => ClientSslMode::Prefer,
        _ => ClientSslMode::Require,
    });
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    if config.get_tcp_user_timeout().is_none() {
        config.tcp_user_timeout(TCP_USER_TIMEOUT);
    }
    let ports = config.get_ports().to_vec();
    let port_of = |i: usize| match ports.len() {
        0 => 5432,
        1 => ports[0],
        _ => ports.get(i).copied().unwrap_or(5432),
    };
    let mut hosts = Vec::new();
    let mut shown = Vec::new();
    for (i, host) in config.get_hosts().iter().enumerate() {
        match host {
            Host::Tcp(name) => {
                let port = port_of(i);
                hosts.push((name.clone(), port));
                shown.push(if name.contains(':') {
                    format!("[{name}]:{port}")
                } else {
                    format!("{name}:{port}")
                });
            }
            Host::Unix(path) => shown.push(path.display().to_string()),
        }
    }
    if shown.is_empty() {
        return Err("the database URL has no host".into());
    }
    Ok(Target {
        config,
        sslmode,
        roots,
        shown: shown.join(","),
        hosts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_sslmode_and_hosts() {
        let t = parse("postgres://app:pw@db.internal/app?sslmode=verify-full").unwrap();
        assert_eq!(t.sslmode, SslMode::VerifyFull);
        assert_eq!(t.shown, "db.internal:5432");
        assert_eq!(t.hosts, vec![("db.internal".to_string(), 5432)]);
        assert_eq!(t.config.get_password(), Some(&b"pw"[..]));

        let t =
            parse("postgresql://u@h1:6000,h2:6001/db?connect_timeout=3&sslmode=require").unwrap();
        assert_eq!(t.sslmode, SslMode::Require);
        assert_eq!(t.shown, "h1:6000,h2:6001");
        assert_eq!(
            t.config.get_connect_timeout(),
            Some(&Duration::from_secs(3))
        );

        let t = parse("postgres://u@h/db?sslrootcert=%2Fetc%2Froot.crt&sslmode=verify-ca").unwrap();
        assert_eq!(t.roots, Some(Roots::File("/etc/root.crt".into())));
    }

    #[test]
    fn errors_name_the_problem_not_the_url() {
        let err = |u: &str| parse(u).err().unwrap();
        assert!(err("mysql://u:sekrit-pw@h/db").contains("postgres://"));
        assert!(err("postgres://u:sekrit-pw@h/db?sslmode=bogus").contains("sslmode `bogus`"));
        assert!(!err("postgres://u:sekrit-pw@h/db?nope=1").contains("sekrit-pw"));
        assert!(err("postgres://u@h/db?sslcert=/x").contains("client certificates"));
    }
}
