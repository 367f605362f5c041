//! Where secrets come from: which variable names make a value secret, the credentials inside
//! URL values, and which HTTP headers carry credentials.

use std::ffi::OsStr;

/// Substrings (case-insensitive) of a variable name that make its value secret.
pub(crate) const SECRET_NAME_PARTS: &[&str] = &[
    "KEY",
    "TOKEN",
    "SECRET",
    "PASSWORD",
    "PASSWD",
    "CREDENTIAL",
    "PRIVATE",
    "AUTH",
    "LICENSE",
    "SIGNATURE",
    // Slack and Discord webhook URLs carry their token in the path; a Sentry DSN its key.
    "WEBHOOK",
    "DSN",
];

/// HTTP request headers whose values are credentials (case-insensitive).
pub(crate) const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "x-api-key",
    "api-key",
    "x-auth-token",
    "private-token",
    "cookie",
];

/// The secrets in one header the script sends: for a credential header its value, the
/// credential after an `Authorization` scheme (`Bearer X` → `X`) and each cookie's value.
pub(crate) fn header_secrets(name: &str, value: &str) -> Vec<String> {
    if !SECRET_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name)) {
        return Vec::new();
    }
    let mut out = vec![value.to_string()];
    if name.eq_ignore_ascii_case("cookie") {
        for pair in value.split(';') {
            if let Some((_, v)) = pair.split_once('=') {
                out.push(v.trim().to_string());
            }
        }
    } else if let Some((_, credential)) = value.split_once(' ') {
        out.push(credential.trim().to_string());
    }
    out
}

/// The secrets in an environment: values of secret-looking names and of names in
/// `extra_names`, and the credentials inside URL values (see [`url_secrets`]).
pub(crate) fn from_env<K, V>(
    vars: impl IntoIterator<Item = (K, V)>,
    extra_names: &[&str],
) -> Vec<String>
where
    K: AsRef<OsStr>,
    V: AsRef<OsStr>,
{
    let mut secrets = Vec::new();
    for (name, value) in vars {
        // Not UTF-8: cannot appear in (or be masked from) our text output.
        let (Some(name), Some(value)) = (name.as_ref().to_str(), value.as_ref().to_str()) else {
            continue;
        };
        let named =
            is_secret_name(name) || extra_names.iter().any(|n| n.eq_ignore_ascii_case(name));
        if named {
            secrets.push(value.to_string());
        }
        secrets.extend(url_secrets(value, named));
    }
    secrets
}

/// The credentials inside a URL value: its password; and when the variable is secret by its
/// name, the user of a URL without a password (a Sentry DSN's key, `https://KEY@host/1`).
pub(crate) fn url_secrets(value: &str, named: bool) -> Option<String> {
    let (user, password) = url_userinfo(value)?;
    match password {
        Some(p) if !p.is_empty() => Some(p.to_string()),
        None if named && !user.is_empty() => Some(user.to_string()),
        _ => None,
    }
}

/// Whether a variable name looks secret.
pub(crate) fn is_secret_name(name: &str) -> bool {
    // Runs for every variable at start-up: one table lookup per byte, and a comparison only
    // where a part could start.
    let name = name.as_bytes();
    (0..name.len()).any(|i| {
        let first = name[i].to_ascii_uppercase();
        SECRET_PART_START[first as usize]
            && SECRET_NAME_PARTS.iter().any(|part| {
                let part = part.as_bytes();
                part[0] == first
                    && name[i..]
                        .get(..part.len())
                        .is_some_and(|w| w.eq_ignore_ascii_case(part))
            })
    })
}

/// Which (upper-case) bytes start one of `SECRET_NAME_PARTS`.
static SECRET_PART_START: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < SECRET_NAME_PARTS.len() {
        table[SECRET_NAME_PARTS[i].as_bytes()[0] as usize] = true;
        i += 1;
    }
    table
};

/// The user and password of a `scheme://user[:password]@host` value.
fn url_userinfo(value: &str) -> Option<(&str, Option<&str>)> {
    let rest = value.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let userinfo = authority.rsplit_once('@')?.0;
    Some(match userinfo.split_once(':') {
        Some((user, password)) => (user, Some(password)),
        None => (userinfo, None),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names_ignore_case() {
        for name in [
            "API_TOKEN",
            "stripe_secret_key",
            "Db_Password",
            "x_auth",
            "PRIVATE",
            "SLACK_WEBHOOK_URL",
            "SENTRY_DSN",
            "discord_webhook",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in ["PATH", "HOME", "PLAIN_SETTING", "K"] {
            assert!(!is_secret_name(name), "{name}");
        }
    }

    #[test]
    fn url_credentials() {
        let pw = "postgres://app:pGs3cr3tXy@db:5432/prod";
        assert_eq!(url_secrets(pw, false).as_deref(), Some("pGs3cr3tXy"));
        let dsn = "https://0123456789abcdef@o1.ingest.sentry.io/1";
        assert_eq!(url_secrets(dsn, false), None);
        assert_eq!(url_secrets(dsn, true).as_deref(), Some("0123456789abcdef"));
        // A user alone in a variable that is not secret by name is not a secret.
        assert_eq!(url_secrets("postgres://app@db/x", false), None);
    }

    #[test]
    fn credential_headers() {
        assert_eq!(
            header_secrets("Authorization", "Bearer tok-123456"),
            ["Bearer tok-123456", "tok-123456"]
        );
        for name in ["X-Api-Key", "api-key", "X-AUTH-TOKEN", "Private-Token"] {
            assert_eq!(header_secrets(name, "k-abcdef"), ["k-abcdef"], "{name}");
        }
        assert_eq!(
            header_secrets("Cookie", "a=1; session=s3ss10nXYZ"),
            ["a=1; session=s3ss10nXYZ", "1", "s3ss10nXYZ"]
        );
        assert!(header_secrets("Accept", "text/plain").is_empty());
    }
}
