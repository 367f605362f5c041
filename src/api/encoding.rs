//! encoding: digests and encodings for signed webhooks and URLs: `sha256`, `hmac_sha256`,
//! `base64_encode`/`base64_decode` and `url_encode`, with the RustCrypto and `base64` crates.

use base64::Engine as _;
use hmac::{KeyInit, Mac};
use rhai::Module;
use sha2::{Digest, Sha256};

use super::func;
use crate::run::context::Ctx;
use crate::script_error::{raise, HostResult};

pub(crate) fn register(module: &mut Module, ctx: &Ctx) {
    func(
        ctx,
        "sha256",
        &["text: &str", "String"],
        "The SHA-256 digest of the UTF-8 bytes of `text`, as 64 lowercase hex digits.\n\
         ```rhai\nlet id = sha256(read_file(\"db/schema.rb\"));\n```",
    )
    .set_into_module(module, |text: &str| -> String {
        hex(&Sha256::digest(text.as_bytes()))
    });

    func(
        ctx,
        "hmac_sha256",
        &["key: &str", "text: &str", "String"],
        "The HMAC-SHA256 of `text` under `key` (both as UTF-8 bytes), as lowercase hex: the \
         signature most webhooks expect.\n\
         ```rhai\nlet sig = hmac_sha256(env(\"WEBHOOK_SECRET\"), body);\n\
         http_post(url, body, #{headers: #{\"X-Signature\": `sha256=${sig}`}});\n```",
    )
    .set_into_module(module, |key: &str, text: &str| -> String {
        hmac_hex(key.as_bytes(), text.as_bytes())
    });

    func(
        ctx,
        "base64_encode",
        &["text: &str", "String"],
        "The standard (RFC 4648, padded) Base64 encoding of the UTF-8 bytes of `text`.\n\
         ```rhai\nlet basic = base64_encode(`${user}:${password}`);\n```",
    )
    .set_into_module(module, |text: &str| -> String {
        base64::engine::general_purpose::STANDARD.encode(text.as_bytes())
    });

    func(
        ctx,
        "base64_decode",
        &["text: &str", "String"],
        "Decodes standard or URL-safe Base64 (padding optional, surrounding whitespace \
         ignored); raises when the input is not Base64 or does not decode to UTF-8 text.\n\
         ```rhai\nlet cert = base64_decode(env(\"TLS_CERT_B64\"));\n```",
    )
    .set_into_module(module, |text: &str| -> HostResult<String> {
        let bytes = decode(text.trim())
            .ok_or_else(|| raise(format!("base64_decode: `{}` is not Base64", short(text))))?;
        String::from_utf8(bytes)
            .map_err(|_| raise("base64_decode: the decoded bytes are not UTF-8 text"))
    });

    func(
        ctx,
        "url_encode",
        &["text: &str", "String"],
        "Percent-encodes `text` for a URL path segment or query value: everything but \
         `A-Z a-z 0-9 - . _ ~` becomes `%XX` (a space is `%20`).\n\
         ```rhai\nlet url = `https://api.example.com/search?q=${url_encode(\"a b&c\")}`;\n```",
    )
    .set_into_module(module, |text: &str| -> String { url_encode(text) });
}

/// Lowercase hex of `bytes`.
fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

fn hmac_hex(key: &[u8], text: &[u8]) -> String {
    // HMAC accepts a key of any length, so this cannot fail.
    let mut mac = hmac::Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(text);
    hex(&mac.finalize().into_bytes())
}

/// Standard or URL-safe alphabet, padded or not.
fn decode(text: &str) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
        .iter()
        .find_map(|engine| engine.decode(text).ok())
}

/// The start of a long input, for an error message.
fn short(text: &str) -> String {
    match text.char_indices().nth(40) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

/// RFC 3986 percent-encoding of everything but the unreserved characters.
fn url_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn url_encoding() {
        assert_eq!(super::url_encode("a b&c/é~"), "a%20b%26c%2F%C3%A9~");
    }

    #[test]
    fn base64_alphabets() {
        assert_eq!(super::decode("aGk").unwrap(), b"hi");
        assert_eq!(super::decode("-_8=").unwrap(), [0xfb, 0xff]);
        assert!(super::decode("***").is_none());
    }
}
