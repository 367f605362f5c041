//! The forms a secret takes in output: as it is, each of its lines, and the ways programs
//! commonly encode or quote it (percent and form encoding, JSON and backslash escapes, HTML
//! entities, shell and SQL quoting, standard and URL-safe base64 at every alignment).
//!
//! It knows nothing of the automaton that finds the forms (`mask.rs`) or of where secrets
//! come from.

use std::collections::HashSet;

use base64::alphabet::{Alphabet, STANDARD, URL_SAFE};
use base64::Engine as _;

/// Values shorter than this many characters are not masked, so `1` or `true` do not vanish
/// everywhere; it also applies to each line of a multi-line secret.
pub(crate) const MIN_SECRET_CHARS: usize = 6;

/// A form shorter than this many bytes is not worth matching (a shifted base64 form of a short
/// secret can be).
const MIN_FORM_BYTES: usize = 4;

/// One form of a secret, and the ASCII bytes that are masked along with it when they stand
/// right before or after it: a base64 character that mixes the secret's first or last bits
/// with those of the text around it (bit `b` set means byte `b`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Form {
    pub text: String,
    pub before: u128,
    pub after: u128,
}

impl Form {
    fn plain(text: String) -> Self {
        Form {
            text,
            before: 0,
            after: 0,
        }
    }
}

/// Every form of `secret` worth matching, each once. Line breaks at either end are not part of
/// the secret (a PEM read from a file ends with one), so they are not masked.
pub(crate) fn forms(secret: &str) -> Vec<Form> {
    let secret = secret.trim_matches(['\r', '\n']);
    let mut out = Forms::default();
    if secret.chars().count() >= MIN_SECRET_CHARS {
        out.text(secret.to_string());
        text_forms(secret, &mut out);
        for alphabet in [&STANDARD, &URL_SAFE] {
            for shift in 0..3 {
                if let Some(form) = base64_at(secret.as_bytes(), shift, alphabet) {
                    out.push(form);
                }
            }
        }
    }
    // Each line on its own: a PEM key printed line by line, or split by a relay.
    if secret.contains(['\r', '\n']) {
        for line in secret.split(['\r', '\n']) {
            if line.chars().count() >= MIN_SECRET_CHARS {
                out.text(line.to_string());
            }
        }
    }
    out.list
}

/// The forms collected so far, without repeats.
#[derive(Default)]
struct Forms {
    seen: HashSet<String>,
    list: Vec<Form>,
}

impl Forms {
    fn text(&mut self, text: String) {
        self.push(Form::plain(text));
    }

    fn push(&mut self, form: Form) {
        if form.text.len() >= MIN_FORM_BYTES && self.seen.insert(form.text.clone()) {
            self.list.push(form);
        }
    }
}

/// The textual forms: escaped, entity-encoded, quoted.
fn text_forms(secret: &str, out: &mut Forms) {
    if let Some(decoded) = percent_decode(secret) {
        out.text(decoded);
    }
    let encoded = percent_encode(secret);
    out.text(encoded.replace("%20", "+"));
    out.text(encoded);
    // JSON (as `to_json` writes it): the string without its two quotes.
    if let Ok(json) = serde_json::to_string(secret) {
        out.text(json[1..json.len() - 1].to_string());
    }
    // Backslash escapes added (`"` and `\` escaped) or removed (`\"` printed as `"`).
    out.text(replace_chars(secret, |c| match c {
        '\\' => Some("\\\\"),
        '"' => Some("\\\""),
        _ => None,
    }));
    out.text(unescape(secret));
    if secret.contains(['&', '<', '>', '"', '\'']) {
        for (quot, apos) in [
            ("\"", "'"),
            ("&quot;", "&#39;"),
            ("&#34;", "&#39;"),
            ("&quot;", "&#x27;"),
            ("&quot;", "&apos;"),
        ] {
            out.text(replace_chars(secret, |c| match c {
                '&' => Some("&amp;"),
                '<' => Some("&lt;"),
                '>' => Some("&gt;"),
                '"' => Some(quot),
                '\'' => Some(apos),
                _ => None,
            }));
        }
    }
    if secret.contains('\'') {
        // Inside single quotes (`bash -x`, Python's `shlex.quote`), and SQL/YAML doubling.
        out.text(secret.replace('\'', "'\\''"));
        out.text(secret.replace('\'', "'\"'\"'"));
        out.text(secret.replace('\'', "''"));
    }
    if secret.contains('"') {
        out.text(secret.replace('"', "\"\""));
    }
    out.text(shell_backslash_quote(secret));
}

/// Replaces each character `f` has a replacement for.
fn replace_chars(text: &str, f: impl Fn(char) -> Option<&'static str>) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match f(c) {
            Some(r) => out.push_str(r),
            None => out.push(c),
        }
    }
    out
}

/// How bash's `printf %q` quotes a word: a backslash before each character the shell treats
/// specially (`#` and `~` only at the start).
fn shell_backslash_quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for (i, c) in text.chars().enumerate() {
        let special = " \t!\"$&'()*,;<>?[\\]^`{|}".contains(c) || (i == 0 && "#~".contains(c));
        if special {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The text with C-style backslash escapes applied: `\\`, `\"`, `\'`, `\/`, `\n`, `\r`, `\t`.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some(e @ ('\\' | '"' | '\'' | '/')) => out.push(e),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// The base64 characters that encode `secret` alone when it starts `shift` bytes into a 3-byte
/// group, as found inside a longer encoded text; the characters that mix in the bits of the
/// text around it are allowed on either side (see [`Form`]). `None` when too short.
fn base64_at(secret: &[u8], shift: usize, alphabet: &Alphabet) -> Option<Form> {
    let engine =
        base64::engine::GeneralPurpose::new(alphabet, base64::engine::general_purpose::NO_PAD);
    let mut bytes = vec![0u8; shift];
    bytes.extend_from_slice(secret);
    let encoded = engine.encode(&bytes);
    let encoded = encoded.as_bytes();
    let chars = alphabet.as_str().as_bytes();
    // Characters holding only bits of the text before, then one mixing them with the secret's.
    let skip = [0, 2, 3][shift];
    let full = bytes.len() * 8 / 6;
    let text = std::str::from_utf8(encoded.get(skip..full)?)
        .ok()?
        .to_string();
    // The mixed character before: its low 4 (shift 1) or 2 (shift 2) bits are the secret's.
    let before = match shift {
        1 => candidates(chars, encoded[1], 0b00_1111),
        2 => candidates(chars, encoded[2], 0b00_0011),
        _ => 0,
    };
    // The last, partial character: its high bits are the secret's last ones.
    let rem = bytes.len() * 8 % 6;
    let after = if rem == 0 {
        0
    } else {
        candidates(chars, encoded[full], ((1 << rem) - 1) << (6 - rem))
    };
    Some(Form {
        text,
        before,
        after,
    })
}

/// The characters of `chars` whose 6-bit value agrees with that of `known` on `mask`.
fn candidates(chars: &[u8], known: u8, mask: u8) -> u128 {
    let value = chars.iter().position(|&c| c == known).unwrap_or(0) as u8;
    (0..64u8)
        .filter(|v| v & mask == value & mask)
        .fold(0, |set, v| set | 1u128 << chars[v as usize])
}

fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
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
