//! The URLs the http API handles: parsed once, checked against `--allow-net`, shown with the
//! userinfo password redacted, split from their credentials, and joined with redirect targets.

use ureq::http::Uri;

use crate::policy::AllowList;

/// A request target: the URI to send (without userinfo) and what was taken out of it.
#[derive(Clone, Debug)]
pub(crate) struct Target {
    /// The URI sent on the wire: scheme, host, port, path and query only.
    pub uri: Uri,
    /// The URL as the script wrote it, with any password replaced by `***`: safe to print.
    pub shown: String,
    /// `user:password` from the URL, percent-decoded (sent as Basic auth).
    pub credentials: Option<(String, String)>,
}

impl Target {
    /// Parses an http(s) URL; the error is for humans and never holds the raw password.
    pub(crate) fn parse(url: &str) -> Result<Target, String> {
        let shown = redact(url);
        let bad = |why: &str| format!("invalid URL `{shown}`: {why}");
        let uri: Uri = url.trim().parse().map_err(|e| bad(&format!("{e}")))?;
        match uri.scheme_str() {
            Some("http") | Some("https") => {}
            Some(other) => return Err(bad(&format!("scheme `{other}` is not http or https"))),
            None => {
                return Err(bad(
                    "it needs a scheme and a host, e.g. https://example.com/",
                ))
            }
        }
        let authority = uri.authority().ok_or_else(|| bad("it has no host"))?;
        if authority.host().is_empty() {
            return Err(bad("it has no host"));
        }
        let credentials = authority.as_str().rfind('@').map(|at| {
            let info = &authority.as_str()[..at];
            let (user, pass) = info.split_once(':').unwrap_or((info, ""));
            (percent_decode(user), percent_decode(pass))
        });
        let bare = strip_userinfo(&uri).map_err(|e| bad(&e))?;
        Ok(Target {
            uri: bare,
            shown,
            credentials,
        })
    }

    /// The host, lowercased (IPv6 literals keep their brackets).
    pub(crate) fn host(&self) -> String {
        self.uri.host().unwrap_or_default().to_ascii_lowercase()
    }

    /// The port, explicit or the scheme's default.
    pub(crate) fn port(&self) -> u16 {
        self.uri
            .port_u16()
            .unwrap_or(if self.uri.scheme_str() == Some("https") {
                443
            } else {
                80
            })
    }

    /// `scheme://host:port`, to tell whether a redirect leaves the origin.
    pub(crate) fn origin(&self) -> String {
        format!(
            "{}://{}:{}",
            self.uri.scheme_str().unwrap_or_default(),
            self.host(),
            self.port()
        )
    }

    /// Whether `--allow-net` lets this host (and port) through: entries are `host`,
    /// `host:port` or `*.domain`.
    pub(crate) fn allowed_by(&self, list: &AllowList) -> bool {
        let host = self.host();
        let with_port = format!("{host}:{}", self.port());
        list.allows(|entry| {
            let entry = entry.to_ascii_lowercase();
            match entry.strip_prefix("*.") {
                Some(domain) => host.ends_with(&format!(".{domain}")),
                None => entry == host || entry == with_port,
            }
        })
    }

    /// The target of a redirect's `Location`, relative to this URL.
    pub(crate) fn join(&self, location: &str) -> Result<Target, String> {
        let location = location.trim();
        let scheme = self.uri.scheme_str().unwrap_or("http");
        let authority = self.uri.authority().map_or("", |a| a.as_str());
        let absolute = if location.contains("://") {
            location.to_string()
        } else if let Some(rest) = location.strip_prefix("//") {
            format!("{scheme}://{rest}")
        } else if location.starts_with('/') {
            format!("{scheme}://{authority}{location}")
        } else {
            let path = self.uri.path();
            let dir = &path[..path.rfind('/').map_or(0, |i| i + 1)];
            format!("{scheme}://{authority}{dir}{location}")
        };
        Target::parse(&absolute)
    }
}

/// The URL with the password of its userinfo replaced by `***` (`https://u:***@host/`).
pub(crate) fn redact(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let Some(at) = authority.rfind('@') else {
        return url.to_string();
    };
    match authority[..at].split_once(':') {
        Some((user, _)) => format!(
            "{}{user}:***{}",
            &url[..scheme_end + 3],
            &url[scheme_end + 3 + at..]
        ),
        None => url.to_string(),
    }
}

fn strip_userinfo(uri: &Uri) -> Result<Uri, String> {
    let Some(authority) = uri.authority() else {
        return Ok(uri.clone());
    };
    let Some(at) = authority.as_str().rfind('@') else {
        return Ok(uri.clone());
    };
    let host_port = &authority.as_str()[at + 1..];
    let mut parts = uri.clone().into_parts();
    parts.authority = Some(host_port.parse().map_err(|e| format!("{e}"))?);
    Uri::from_parts(parts).map_err(|e| format!("{e}"))
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `application/x-www-form-urlencoded` for one key or value.
pub(crate) fn form_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_is_redacted_and_split_off() {
        let t = Target::parse("http://user:pa%40ss@127.0.0.1:9/x?y=1").unwrap();
        assert_eq!(t.shown, "http://user:***@127.0.0.1:9/x?y=1");
        assert_eq!(t.uri.to_string(), "http://127.0.0.1:9/x?y=1");
        assert_eq!(t.credentials, Some(("user".into(), "pa@ss".into())));
        assert_eq!(redact("https://tok@h/"), "https://tok@h/");
    }

    #[test]
    fn allow_list_matches_host_port_and_domain() {
        let t = Target::parse("https://API.example.com/v1").unwrap();
        let list = |s| AllowList::parse(Some(s));
        assert!(t.allowed_by(&list("api.example.com")));
        assert!(t.allowed_by(&list("api.example.com:443")));
        assert!(!t.allowed_by(&list("api.example.com:80")));
        assert!(t.allowed_by(&list("*.example.com")));
        assert!(!t.allowed_by(&list("")));
        assert!(t.allowed_by(&AllowList::parse(None)));
    }

    #[test]
    fn redirect_locations_resolve() {
        let t = Target::parse("http://h:8/a/b?q").unwrap();
        assert_eq!(t.join("/c").unwrap().uri.to_string(), "http://h:8/c");
        assert_eq!(t.join("c").unwrap().uri.to_string(), "http://h:8/a/c");
        assert_eq!(t.join("https://o/").unwrap().origin(), "https://o:443");
        assert_eq!(form_encode("a b&c=é"), "a+b%26c%3D%C3%A9");
    }
}
