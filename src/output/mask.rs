//! Secret masking: which values are secret, their common encodings, and one Aho-Corasick
//! automaton that replaces every occurrence with `***`.

use std::borrow::Cow;
use std::ffi::OsStr;

use aho_corasick::{AhoCorasick, MatchKind};
use base64::Engine as _;

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
];

/// Values shorter than this are not masked, so `1` or `true` do not vanish everywhere.
pub(crate) const MIN_SECRET_LEN: usize = 6;

/// What replaces a secret.
pub(crate) const REPLACEMENT: &str = "***";

/// The set of secrets and the automaton that finds them.
#[derive(Default)]
pub(crate) struct Masker {
    patterns: Vec<String>,
    matcher: Option<AhoCorasick>,
}

impl Masker {
    /// Secrets found in an environment: secret-looking names, names in `extra_names`, and
    /// passwords inside URL values.
    pub(crate) fn from_env<K, V>(
        vars: impl IntoIterator<Item = (K, V)>,
        extra_names: &[&str],
    ) -> Self
    where
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        let mut masker = Masker::default();
        let mut secrets = Vec::new();
        for (name, value) in vars {
            // Not UTF-8: cannot appear in (or be masked from) our text output.
            let (Some(name), Some(value)) = (name.as_ref().to_str(), value.as_ref().to_str())
            else {
                continue;
            };
            if is_secret_name(name) || extra_names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
                secrets.push(value.to_string());
            }
            if let Some(password) = url_password(value) {
                secrets.push(password);
            }
        }
        for secret in secrets {
            masker.push_variants(&secret);
        }
        masker.rebuild();
        masker
    }

    /// Adds one secret (with its encodings) at run time.
    pub(crate) fn add(&mut self, secret: &str) {
        let before = self.patterns.len();
        self.push_variants(secret);
        if self.patterns.len() != before {
            self.rebuild();
        }
    }

    /// Replaces every secret in `bytes`.
    pub(crate) fn mask_bytes<'a>(&self, bytes: &'a [u8]) -> Cow<'a, [u8]> {
        match &self.matcher {
            Some(ac) if ac.is_match(bytes) => {
                let mut out = Vec::with_capacity(bytes.len());
                ac.replace_all_with_bytes(bytes, &mut out, |_, _, dst| {
                    dst.extend_from_slice(REPLACEMENT.as_bytes());
                    true
                });
                Cow::Owned(out)
            }
            _ => Cow::Borrowed(bytes),
        }
    }

    /// Replaces every secret in `text`.
    pub(crate) fn mask_str<'a>(&self, text: &'a str) -> Cow<'a, str> {
        match &self.matcher {
            Some(ac) if ac.is_match(text) => {
                Cow::Owned(ac.replace_all(text, &vec![REPLACEMENT; self.patterns.len()]))
            }
            _ => Cow::Borrowed(text),
        }
    }

    fn push_variants(&mut self, secret: &str) {
        for variant in variants(secret) {
            if variant.len() >= MIN_SECRET_LEN && !self.patterns.contains(&variant) {
                self.patterns.push(variant);
            }
        }
    }

    fn rebuild(&mut self) {
        self.matcher = if self.patterns.is_empty() {
            None
        } else {
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .build(&self.patterns)
                .ok()
        };
    }
}

/// Whether a variable name looks secret.
pub(crate) fn is_secret_name(name: &str) -> bool {
    // Runs for every variable at the first output: one table lookup per byte, and a
    // comparison only where a part could start.
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

/// The password of a `scheme://user:password@host` value, percent-decoded when it differs.
pub(crate) fn url_password(value: &str) -> Option<String> {
    let rest = value.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let userinfo = authority.rsplit_once('@')?.0;
    let password = userinfo.split_once(':')?.1;
    (!password.is_empty()).then(|| password.to_string())
}

/// A secret and the forms it commonly takes in output: each line, percent-decoded and
/// percent-encoded, JSON-escaped, and base64 at all three byte alignments.
fn variants(secret: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut add = |s: String| {
        if !out.contains(&s) {
            out.push(s);
        }
    };
    add(secret.to_string());
    for line in secret.lines() {
        add(line.trim_end_matches('\r').to_string());
    }
    if let Some(decoded) = percent_decode(secret) {
        add(decoded);
    }
    add(percent_encode(secret));
    let json = serde_json::to_string(secret).unwrap_or_default();
    add(json.trim_matches('"').to_string());
    for shift in 0..3 {
        add(base64_at(secret.as_bytes(), shift));
    }
    out
}

/// The part of base64's output that encodes `secret` alone when it starts `shift` bytes
/// into a 3-byte group (so it can be found inside a longer encoded text).
fn base64_at(secret: &[u8], shift: usize) -> String {
    let mut bytes = vec![0u8; shift];
    bytes.extend_from_slice(secret);
    let encoded = base64::engine::general_purpose::STANDARD_NO_PAD.encode(&bytes);
    // Characters mixing prefix bits at the start, and the last partial character.
    let skip = [0, 2, 3][shift];
    let total_bits = bytes.len() * 8;
    let full_chars = total_bits / 6;
    encoded
        .get(skip..full_chars)
        .unwrap_or_default()
        .to_string()
}

fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn percent_decode(text: &str) -> Option<String> {
    if !text.contains('%') {
        return None;
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masker(pairs: &[(&str, &str)]) -> Masker {
        Masker::from_env(
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())),
            &[],
        )
    }

    #[test]
    fn masks_secret_names_and_url_passwords() {
        let m = masker(&[
            ("API_TOKEN", "tok-Zq81x7Kp2"),
            ("DATABASE_URL", "postgres://app:pGs3cr3tXy@db:5432/prod"),
            ("PLAIN_SETTING", "visible-value"),
            ("SHORT_KEY", "abc"),
        ]);
        let out =
            m.mask_str("t=tok-Zq81x7Kp2 db=postgres://app:pGs3cr3tXy@db plain=visible-value abc");
        assert_eq!(
            out,
            "t=*** db=postgres://app:***@db plain=visible-value abc"
        );
    }

    #[test]
    fn masks_encodings() {
        let m = masker(&[("MY_SECRET", "pGs3cr3tXy/+=")]);
        let b64 = base64::engine::general_purpose::STANDARD;
        for prefix in ["", "a", "ab"] {
            let encoded = b64.encode(format!("{prefix}pGs3cr3tXy/+= and more"));
            assert!(
                m.mask_str(&encoded).contains("***"),
                "{prefix:?}: {encoded}"
            );
        }
        assert_eq!(m.mask_str("pGs3cr3tXy%2F%2B%3D"), "***");
        let json = serde_json::to_string("pGs3cr3tXy/+=").unwrap();
        assert_eq!(m.mask_str(&json), "\"***\"");
    }

    #[test]
    fn masks_each_line_of_a_multiline_secret() {
        let m = masker(&[("PRIVATE_PEM", "first-line-abc\nsecond-line-def")]);
        assert_eq!(m.mask_str("x second-line-def y"), "x *** y");
    }

    #[test]
    fn secret_names_ignore_case() {
        for name in [
            "API_TOKEN",
            "stripe_secret_key",
            "Db_Password",
            "x_auth",
            "PRIVATE",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in ["PATH", "HOME", "PLAIN_SETTING", "K"] {
            assert!(!is_secret_name(name), "{name}");
        }
    }

    #[test]
    fn runtime_additions() {
        let mut m = Masker::default();
        assert!(m.matcher.is_none());
        m.add("runtime-s3cret-99");
        assert_eq!(m.mask_bytes(b"v: runtime-s3cret-99").as_ref(), b"v: ***");
    }
}
