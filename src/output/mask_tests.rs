//! The masker's unit tests: one per row of the README's table of forms, the sources of
//! secrets, and a property test over random secrets, surroundings and line splits.

use base64::Engine as _;

use super::*;
use crate::output::sources;

fn masker(secrets: &[&str]) -> Masker {
    Masker::build(secrets.iter().map(|s| s.to_string()), &|| false).expect("masker builds")
}

fn env_masker(pairs: &[(&str, &str)]) -> Masker {
    let secrets = sources::from_env(
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())),
        &[],
    );
    Masker::build(secrets, &|| false).expect("masker builds")
}

#[test]
fn masks_secret_names_and_url_passwords() {
    let m = env_masker(&[
        ("API_TOKEN", "tok-Zq81x7Kp2"),
        ("DATABASE_URL", "postgres://app:pGs3cr3tXy@db:5432/prod"),
        ("PLAIN_SETTING", "visible-value"),
        ("SHORT_KEY", "abc"),
    ]);
    let out = m.mask_str("t=tok-Zq81x7Kp2 db=postgres://app:pGs3cr3tXy@db plain=visible-value abc");
    assert_eq!(
        out,
        "t=*** db=postgres://app:***@db plain=visible-value abc"
    );
}

#[test]
fn webhook_and_dsn_variables() {
    let m = env_masker(&[
        (
            "SLACK_WEBHOOK_URL",
            "https://hooks.slack.com/services/T0/B0/XXXXtoken",
        ),
        (
            "SENTRY_DSN",
            "https://0123456789abcdef@o1.ingest.sentry.io/1",
        ),
    ]);
    assert_eq!(
        m.mask_str("post https://hooks.slack.com/services/T0/B0/XXXXtoken"),
        "post ***"
    );
    assert_eq!(m.mask_str("key=0123456789abcdef"), "key=***");
}

#[test]
fn the_floor_counts_characters() {
    // Six bytes but three characters: too short to mask.
    let m = masker(&["пар", "пароль"]);
    assert_eq!(m.mask_str("a пар b"), "a пар b");
    assert_eq!(m.mask_str("a пароль b"), "a *** b");
}

#[test]
fn percent_and_json_forms() {
    let m = masker(&["pGs3cr3tXy/+= x"]);
    assert_eq!(m.mask_str("pGs3cr3tXy%2F%2B%3D%20x"), "***");
    assert_eq!(m.mask_str("pGs3cr3tXy%2F%2B%3D+x"), "***");
    let json = serde_json::to_string("pGs3cr3tXy/+= x").unwrap();
    assert_eq!(m.mask_str(&json), "\"***\"");
}

// Row: shell-quoted (`bash -x`, `printf %q`).
#[test]
fn shell_quoted() {
    let m = masker(&["pa'ss w0rd!"]);
    assert_eq!(m.mask_str(r#"+ login 'pa'\''ss w0rd!'"#), "+ login '***'");
    assert_eq!(m.mask_str(r#"login 'pa'"'"'ss w0rd!'"#), "login '***'");
    assert_eq!(m.mask_str(r"login pa\'ss\ w0rd\!"), "login ***");
}

// Row: backslash escapes applied or removed.
#[test]
fn backslash_escapes_both_ways() {
    let m = masker(&[r#"abc\\def\"x"#]);
    assert_eq!(m.mask_str(r#"v=abc\def"x"#), "v=***");
    let m = masker(&[r#"abc\def"x"#]);
    assert_eq!(m.mask_str(r#"v=abc\\def\"x"#), "v=***");
}

/// The encoded text with the characters that hold any bit of the secret replaced by `***`.
fn expected_base64(encoded: &str, prefix: usize, secret: usize) -> String {
    let first = prefix * 8 / 6;
    let last = ((prefix + secret) * 8)
        .div_ceil(6)
        .min(encoded.trim_end_matches('=').len());
    format!("{}***{}", &encoded[..first], &encoded[last..])
}

// Row: standard and URL-safe base64, inside longer text, at every alignment, with the
// characters that mix the secret's bits with the text's.
#[test]
fn base64_at_every_alignment_and_partial_characters() {
    let secret = "s3cr3t?>~value";
    let m = masker(&[secret]);
    let engines = [
        base64::engine::general_purpose::STANDARD,
        base64::engine::general_purpose::STANDARD_NO_PAD,
        base64::engine::general_purpose::URL_SAFE,
        base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ];
    for engine in engines {
        for prefix in ["", "a", "ab", "abc"] {
            for suffix in ["", "z", "zz", "zzz", " and more"] {
                let encoded = engine.encode(format!("{prefix}{secret}{suffix}"));
                assert_eq!(
                    m.mask_str(&encoded),
                    expected_base64(&encoded, prefix.len(), secret.len()),
                    "{prefix:?} {suffix:?}: {encoded}"
                );
            }
        }
    }
}

// Row: HTML/XML entities.
#[test]
fn html_entities() {
    let m = masker(&["Pass<word>&\"it's\""]);
    assert_eq!(
        m.mask_str("<td>Pass&lt;word&gt;&amp;&quot;it&#39;s&quot;</td>"),
        "<td>***</td>"
    );
    assert_eq!(m.mask_str("Pass&lt;word&gt;&amp;&#34;it&#39;s&#34;"), "***");
    assert_eq!(
        m.mask_str("Pass&lt;word&gt;&amp;&quot;it&#x27;s&quot;"),
        "***"
    );
    assert_eq!(m.mask_str("Pass&lt;word&gt;&amp;\"it's\""), "***");
}

// Row: doubled single quotes (SQL, YAML).
#[test]
fn doubled_quotes() {
    let m = masker(&["it's-a-secret"]);
    assert_eq!(m.mask_str("INSERT 'it''s-a-secret'"), "INSERT '***'");
}

// Row: overlapping secrets.
#[test]
fn overlapping_secrets_are_masked_as_one() {
    let m = masker(&["ipsum dolor", "dolor sit"]);
    assert_eq!(m.mask_str("Lorem ipsum dolor sit amet"), "Lorem *** amet");
    // The same when the second one is added at run time (another automaton).
    let mut m = masker(&["ipsum dolor"]);
    m.add("dolor sit").unwrap();
    assert_eq!(m.mask_str("Lorem ipsum dolor sit amet"), "Lorem *** amet");
    // A secret inside another.
    let m = masker(&["xx-inner-secret-yy", "inner-secret"]);
    assert_eq!(
        m.mask_str("a xx-inner-secret-yy b inner-secret"),
        "a *** b ***"
    );
}

// Row: multi-line secrets split on `\r`, `\n` and `\r\n`.
#[test]
fn each_line_of_a_multiline_secret() {
    for sep in ["\n", "\r\n", "\r"] {
        let m = masker(&[&format!(
            "first-line-abc{sep}second-line-def{sep}third-line-ghi"
        )]);
        assert_eq!(m.mask_str("x second-line-def y"), "x *** y", "{sep:?}");
        assert_eq!(
            m.mask_str("first-line-abc\rthird-line-ghi"),
            "***\r***",
            "{sep:?}"
        );
    }
}

// Row: a JSON-escaped secret ending in `\"`; a PEM followed by a newline.
#[test]
fn json_ending_in_a_quote_and_pem_with_newline() {
    let m = masker(&["s3cr3t-value\""]);
    let json = serde_json::to_string(&serde_json::json!({"k": "s3cr3t-value\""})).unwrap();
    assert_eq!(m.mask_str(&json), r#"{"k":"***"}"#);
    let pem = "-----BEGIN KEY-----\nMIIabcdefgh\n-----END KEY-----\n";
    let m = masker(&[pem]);
    assert_eq!(m.mask_str(&format!("{pem}next line\n")), "***\nnext line\n");
}

#[test]
fn runtime_additions_do_not_rebuild_everything() {
    let mut m = Masker::default();
    assert_eq!(
        m.mask_bytes(b"v: runtime-s3cret-99").as_ref(),
        b"v: runtime-s3cret-99"
    );
    m.add("runtime-s3cret-99").unwrap();
    assert_eq!(m.mask_bytes(b"v: runtime-s3cret-99").as_ref(), b"v: ***");
    for i in 0..1000 {
        m.add(&format!("secret-number-{i:04}")).unwrap();
        // As output does before it masks: one line logged after each `mask()`.
        m.settle().unwrap();
    }
    // Merged like a binary counter: a handful of automata, not a thousand.
    assert!(m.levels() <= 12, "{} levels", m.levels());
    for i in [0, 1, 511, 999] {
        assert_eq!(m.mask_str(&format!("[secret-number-{i:04}]")), "[***]");
    }
    assert_eq!(m.mask_str("v: runtime-s3cret-99"), "v: ***");
}

#[test]
fn a_burst_of_additions_is_built_once_and_masked_before_that_too() {
    let mut m = Masker::default();
    for i in 0..1000 {
        m.add(&format!("burst-secret-{i:04}")).unwrap();
    }
    assert_eq!(m.levels(), 0, "nothing built before output needs it");
    // Unsettled (the panic hook's path): found one by one, still masked.
    assert_eq!(
        m.mask_str("[burst-secret-0999] [burst-secret-0000]"),
        "[***] [***]"
    );
    m.settle().unwrap();
    assert_eq!(m.levels(), 1);
    for i in [0, 1, 511, 999] {
        assert_eq!(m.mask_str(&format!("[burst-secret-{i:04}]")), "[***]");
    }
    m.add("after-the-burst").unwrap();
    assert_eq!(m.mask_str("x after-the-burst y"), "x *** y");
}

#[test]
fn a_long_repetitive_secret_builds() {
    let secret = "a".repeat(64 * 1024);
    let m = masker(&[&secret]);
    assert_eq!(m.mask_str(&format!("x{secret}y")), "x***y");
}

#[test]
fn runs_of_a_periodic_secret_are_masked_whole() {
    let secret = "ab".repeat(40);
    let m = masker(&[&secret]);
    assert_eq!(m.mask_str(&format!("x{}a y", "ab".repeat(1000))), "x***a y");
    // Far longer than the secret, and linear: one search, then the run is followed.
    let m = masker(&[&"a".repeat(64 * 1024)]);
    assert_eq!(m.mask_str(&format!("<{}>", "a".repeat(1 << 20))), "<***>");
    let near = format!("{}b", "a".repeat(64 * 1024 - 1)).repeat(16);
    assert_eq!(m.mask_str(&near), near);
}

#[test]
fn periods() {
    assert_eq!(smallest_period(b"abcabcab"), 3);
    assert_eq!(smallest_period(b"aaaa"), 1);
    assert_eq!(smallest_period(b"abcd"), 4);
    assert_eq!(smallest_period(b"aabaa"), 3);
}

#[test]
fn too_many_secret_bytes_fail_the_build() {
    let big = "k".repeat(MAX_SECRET_BYTES / 2 + 1);
    let other = "j".repeat(MAX_SECRET_BYTES / 2 + 1);
    match Masker::build([big, other], &|| false) {
        Err(BuildError::Failed(msg)) => assert!(msg.contains("1024 KiB"), "{msg}"),
        other => panic!("{:?}", other.map(|_| ())),
    }
}

#[test]
fn an_interrupted_build_stops() {
    let secrets = (0..8).map(|i| format!("{i}{}", "q".repeat(100 * 1024)));
    assert!(matches!(
        Masker::build(secrets, &|| true),
        Err(BuildError::Interrupted)
    ));
}

mod property {
    use proptest::prelude::*;

    use super::*;
    use crate::output::forms::forms;

    /// Secrets drawn from characters that the forms treat specially, and others.
    fn secret() -> impl Strategy<Value = String> {
        proptest::string::string_regex(r#"[a-zA-Z0-9 '"\\<>&%/+=_\-\n\r!$é€]{6,24}"#).unwrap()
    }

    fn text() -> impl Strategy<Value = String> {
        proptest::string::string_regex(r#"[a-zA-Z0-9 '"\\<>&%/+=_\-\n:;{}é]{0,16}"#).unwrap()
    }

    /// What masking must give, the slow way: every occurrence of every form at every
    /// position, widened by its edge characters, their union replaced.
    fn reference(all: &[crate::output::forms::Form], text: &str) -> String {
        let bytes = text.as_bytes();
        let mut covered = vec![false; bytes.len()];
        for f in all {
            for (i, _) in overlapping(text, &f.text) {
                let mut start = i;
                let mut end = i + f.text.len();
                if start > 0 && in_set(f.before, bytes[start - 1]) {
                    start -= 1;
                }
                if end < bytes.len() && in_set(f.after, bytes[end]) {
                    end += 1;
                }
                covered[start..end].iter_mut().for_each(|c| *c = true);
            }
        }
        let mut out = Vec::new();
        for (i, &b) in bytes.iter().enumerate() {
            if !covered[i] {
                out.push(b);
            } else if i == 0 || !covered[i - 1] {
                out.extend_from_slice(REPLACEMENT.as_bytes());
            }
        }
        String::from_utf8(out).unwrap()
    }

    /// Every start of `needle` in `text`, overlapping ones included.
    fn overlapping<'a>(text: &'a str, needle: &'a str) -> impl Iterator<Item = (usize, &'a str)> {
        (0..text.len())
            .filter(move |&i| text.is_char_boundary(i) && text[i..].starts_with(needle))
            .map(move |i| (i, needle))
    }

    /// A secret made of one short unit repeated, and text with more of it around.
    fn periodic() -> impl Strategy<Value = (String, String, String)> {
        (r"[ab'\\<]{1,3}", 3..12usize, 0..20usize, 0..20usize).prop_map(|(unit, k, m, n)| {
            let secret = unit.repeat(k.max(6usize.div_ceil(unit.len())));
            (secret, unit.repeat(m), unit.repeat(n))
        })
    }

    proptest! {
        // A repetitive secret inside runs of its own unit: the union of every overlapping
        // occurrence is masked, as the slow reference finds it.
        #[test]
        fn periodic_secrets((secret, before, after) in periodic(), tail in text()) {
            let m = Masker::build([secret.clone()], &|| false).unwrap();
            let registered = forms(&secret);
            for f in &registered {
                let text = format!("{before}{}{after}{tail}", f.text);
                prop_assert_eq!(m.mask_str(&text).into_owned(), reference(&registered, &text), "in {:?}", text);
            }
        }

        // Each form of each secret, inside random text with random line breaks, through the
        // run's `Output` (`mask`, as log lines are) and the relay's byte path: none survives.
        #[test]
        fn no_form_survives(
            secrets in proptest::collection::vec(secret(), 1..4),
            before in text(),
            after in text(),
            split in any::<proptest::sample::Index>(),
        ) {
            // Registered at start-up (one automaton) for the relay's path, at run time
            // (`mask(value)`, merged automata) for the log lines'.
            let m = Masker::build(secrets.clone(), &|| false).unwrap();
            let out = crate::output::Output::discard();
            for s in &secrets {
                out.mask_secret(s).unwrap();
            }
            let registered: Vec<_> = secrets.iter().flat_map(|s| forms(s)).collect();
            let all: Vec<String> = registered.iter().map(|f| f.text.clone()).collect();
            for form in &all {
                let text = format!("{before}{form}{after}");
                let masked = out.mask(&text);
                prop_assert_eq!(&masked, &reference(&registered, &text), "in {:?}", text);
                prop_assert_eq!(&m.mask_str(&text), &masked);
                for f in &all {
                    prop_assert!(!masked.contains(f.as_str()), "{f:?} survives in {masked:?} (from {text:?})");
                }
                // A relay writes whole lines: the text cut after a random line break. A form
                // with a line break in it that the cut splits is masked line by line instead.
                let cut = split.index(text.len() + 1);
                let cut = text.get(..cut).and_then(|t| t.rfind('\n')).map_or(0, |i| i + 1);
                let (first, second) = text.split_at(cut);
                let relayed = [m.mask_bytes(first.as_bytes()), m.mask_bytes(second.as_bytes())].concat();
                let relayed = String::from_utf8(relayed).unwrap();
                for f in &all {
                    if !f.contains('\n') || first.contains(f.as_str()) || second.contains(f.as_str()) {
                        prop_assert!(!relayed.contains(f.as_str()), "{f:?} survives in {relayed:?} (from {text:?}, cut at {cut})");
                    }
                }
            }
        }
    }
}

#[test]
fn a_long_line_is_cut_before_a_secret_it_would_split() {
    let m = masker(&["cut-here-s3cret"]);
    let longest = forms("cut-here-s3cret")
        .iter()
        .map(|f| f.text.len())
        .max()
        .unwrap();
    // Too short to cut: any of it may be the start of a secret still arriving.
    assert_eq!(m.safe_cut(&b"a".repeat(longest)), 0);
    // No secret: all but the last `longest` bytes.
    assert_eq!(m.safe_cut(&b"a".repeat(100)), 100 - longest);
    // The cut would fall inside the secret: it moves to the secret's start.
    let text = format!(
        "{}cut-here-s3cret{}",
        "a".repeat(90),
        "b".repeat(longest - 5)
    );
    assert_eq!(m.safe_cut(text.as_bytes()), 90);
    // Never inside a character.
    let text = format!("{}é{}", "a".repeat(50), "b".repeat(longest - 1));
    assert_eq!(m.safe_cut(text.as_bytes()), 50);
}
