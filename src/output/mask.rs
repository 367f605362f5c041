//! The masker: every form of every secret (`forms.rs`) in Aho-Corasick automata that find each
//! occurrence, overlapping ones included, and replace their union with `***`.
//!
//! Building is linear in the size of the forms (a contiguous NFA: the DFA that the crate
//! would pick for a few patterns takes quadratic time on a long repetitive secret). Secrets
//! added at run time go into a small automaton of their own, merged with its neighbours as
//! they grow (like a binary counter), so `mask(value)` costs about the size of the value, not
//! of every secret so far. A build that fails is an error the caller must not ignore: nothing
//! may be written unmasked.

use std::borrow::Cow;
use std::collections::HashSet;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

use super::forms::{forms, Form};

/// What replaces a secret.
pub(crate) const REPLACEMENT: &str = "***";

/// Most bytes of secrets (before encoding) one run may register: the automata hold every
/// form of each, about fifteen times its size, and some 12 bytes per byte of form.
pub(crate) const MAX_SECRET_BYTES: usize = 1 << 20;

/// Forms built into one automaton at a time at start-up: between two batches the build
/// checks whether it should stop (a signal), so start-up stays interruptible.
const BATCH_BYTES: usize = 256 * 1024;

/// Why the masker could not be built.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum BuildError {
    /// The caller asked the build to stop (a signal arrived).
    Interrupted,
    /// The secrets are too large or the automaton could not be made; rhrel must not write.
    Failed(String),
}

/// The set of secrets and the automata that find them.
#[derive(Default)]
pub(crate) struct Masker {
    /// The secrets registered, so registering one again costs nothing.
    secrets: HashSet<String>,
    secret_bytes: usize,
    /// Every form in an automaton, to skip repeats.
    seen: HashSet<String>,
    levels: Vec<Level>,
}

/// One automaton and the edges of its forms, by pattern id.
struct Level {
    matcher: AhoCorasick,
    edges: Vec<(u128, u128)>,
    bytes: usize,
    /// The forms, kept to merge small levels; empty for the large ones built at start-up.
    forms: Vec<Form>,
}

impl Masker {
    /// A masker for `secrets`, built in batches; `interrupted` is asked between two.
    pub(crate) fn build(
        secrets: impl IntoIterator<Item = String>,
        interrupted: &dyn Fn() -> bool,
    ) -> Result<Self, BuildError> {
        let mut masker = Masker::default();
        let mut batch = Vec::new();
        let mut batch_bytes = 0;
        for secret in secrets {
            for form in masker.register(secret)? {
                batch_bytes += form.text.len();
                batch.push(form);
            }
            if batch_bytes >= BATCH_BYTES {
                if interrupted() {
                    return Err(BuildError::Interrupted);
                }
                masker
                    .levels
                    .push(Level::build(std::mem::take(&mut batch), false)?);
                batch_bytes = 0;
            }
        }
        if interrupted() {
            return Err(BuildError::Interrupted);
        }
        if !batch.is_empty() {
            masker.levels.push(Level::build(batch, true)?);
        }
        Ok(masker)
    }

    /// Adds one secret (with its forms) at run time.
    pub(crate) fn add(&mut self, secret: &str) -> Result<(), BuildError> {
        if self.secrets.contains(secret) {
            return Ok(());
        }
        let new = self.register(secret.to_string())?;
        if new.is_empty() {
            return Ok(());
        }
        let mut level = Level::build(new, true)?;
        // Merge with the previous levels while they are not much larger: each form is rebuilt
        // about log(n) times over a run, never once per call.
        while let Some(prev) = self.levels.last() {
            if prev.forms.is_empty() || prev.bytes > 2 * level.bytes {
                break;
            }
            let prev = self.levels.pop().expect("a last level");
            let mut forms = prev.forms;
            forms.extend(level.forms);
            level = Level::build(forms, true)?;
        }
        self.levels.push(level);
        Ok(())
    }

    /// Records a secret and returns its forms not yet in an automaton.
    fn register(&mut self, secret: String) -> Result<Vec<Form>, BuildError> {
        if self.secrets.contains(&secret) {
            return Ok(Vec::new());
        }
        if self.secret_bytes + secret.len() > MAX_SECRET_BYTES {
            return Err(BuildError::Failed(format!(
                "the secrets to mask would total more than {} KiB (a {} KiB one added to {} KiB)",
                MAX_SECRET_BYTES >> 10,
                secret.len().div_ceil(1024),
                self.secret_bytes.div_ceil(1024),
            )));
        }
        let new: Vec<Form> = forms(&secret)
            .into_iter()
            .filter(|f| self.seen.insert(f.text.clone()))
            .collect();
        self.secret_bytes += secret.len();
        self.secrets.insert(secret);
        Ok(new)
    }

    /// Replaces every secret in `bytes`: each stretch covered by one or more occurrences
    /// (overlapping secrets too) becomes one `***`.
    pub(crate) fn mask_bytes<'a>(&self, bytes: &'a [u8]) -> Cow<'a, [u8]> {
        let mut spans = Vec::new();
        for level in &self.levels {
            if !level.matcher.is_match(bytes) {
                continue;
            }
            for m in level.matcher.find_overlapping_iter(bytes) {
                let (before, after) = level.edges[m.pattern().as_usize()];
                let (mut start, mut end) = (m.start(), m.end());
                if start > 0 && in_set(before, bytes[start - 1]) {
                    start -= 1;
                }
                if end < bytes.len() && in_set(after, bytes[end]) {
                    end += 1;
                }
                push_span(&mut spans, start, end);
            }
        }
        if spans.is_empty() {
            return Cow::Borrowed(bytes);
        }
        spans.sort_unstable();
        let mut out = Vec::with_capacity(bytes.len());
        let mut at = 0;
        for (start, end) in spans {
            if end <= at {
                continue;
            }
            if start >= at {
                out.extend_from_slice(&bytes[at..start]);
                out.extend_from_slice(REPLACEMENT.as_bytes());
            }
            at = end;
        }
        out.extend_from_slice(&bytes[at..]);
        Cow::Owned(out)
    }

    /// Replaces every secret in `text`.
    pub(crate) fn mask_str<'a>(&self, text: &'a str) -> Cow<'a, str> {
        match self.mask_bytes(text.as_bytes()) {
            Cow::Borrowed(_) => Cow::Borrowed(text),
            // Forms are whole UTF-8 strings and the edges ASCII: cuts fall between characters.
            Cow::Owned(bytes) => Cow::Owned(
                String::from_utf8(bytes)
                    .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
            ),
        }
    }

    /// How many automata the forms are spread over (for tests).
    #[cfg(test)]
    pub(crate) fn levels(&self) -> usize {
        self.levels.len()
    }
}

impl Level {
    fn build(forms: Vec<Form>, keep: bool) -> Result<Self, BuildError> {
        let matcher = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::ContiguousNFA))
            .build(forms.iter().map(|f| f.text.as_bytes()))
            .map_err(|e| BuildError::Failed(format!("the masking automaton: {e}")))?;
        Ok(Level {
            matcher,
            edges: forms.iter().map(|f| (f.before, f.after)).collect(),
            bytes: forms.iter().map(|f| f.text.len()).sum(),
            forms: if keep { forms } else { Vec::new() },
        })
    }
}

/// Adds `[start, end)` to the spans, joined with the last ones it overlaps (matches come by
/// their end, so those are the only candidates); the caller sorts them before use.
fn push_span(spans: &mut Vec<(usize, usize)>, mut start: usize, mut end: usize) {
    while let Some(&(s, e)) = spans.last() {
        if e <= start || s >= end {
            break;
        }
        spans.pop();
        start = start.min(s);
        end = end.max(e);
    }
    spans.push((start, end));
}

fn in_set(set: u128, byte: u8) -> bool {
    byte < 128 && set & (1u128 << byte) != 0
}

#[cfg(test)]
#[path = "mask_tests.rs"]
mod tests;
