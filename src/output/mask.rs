//! The masker: every form of every secret (`forms.rs`) in Aho-Corasick automata that find each
//! occurrence, overlapping ones included, and replace their union with `***`.
//!
//! Building is linear in the size of the forms, and cheap for long ones: the automaton (a
//! contiguous NFA; the DFA the crate would pick for a few patterns takes quadratic time on a
//! long repetitive secret) holds only the first `ANCHOR` bytes of a long form, and where that
//! start is found, a substring search (`memchr::memmem`, linear time) finds the whole form,
//! runs of a periodic one in one step. Secrets
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

/// Forms longer than this go into the automaton by their first this many bytes (see above).
/// Small in unit tests, so the property test exercises both paths.
const ANCHOR: usize = if cfg!(test) { 8 } else { 128 };

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
    /// The longest form registered, in bytes.
    longest: usize,
    levels: Vec<Level>,
    /// Forms of the latest `mask(value)` calls, searched one by one until there are enough
    /// of them to be worth an automaton (building one costs tens of microseconds).
    pending: Vec<(Form, Search)>,
    /// Forms of `mask(value)` calls made since the last [`Masker::settle`], once more of them
    /// came than `pending` holds: built into an automaton together when output next needs the
    /// masker, so a burst of calls with no output between them costs one build, not one per
    /// call.
    backlog: Vec<Form>,
}

/// Most forms searched one by one before they become an automaton.
const PENDING_FORMS: usize = 32;

/// One automaton and the edges of its forms, by pattern id.
struct Level {
    matcher: AhoCorasick,
    edges: Vec<(u128, u128)>,
    /// For a form longer than `ANCHOR`, its searcher (the pattern is only its start).
    long: Vec<Option<Search>>,
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

    /// Adds one secret (with its forms) at run time. Few forms are searched one by one at
    /// once; more wait in the backlog for [`Masker::settle`].
    pub(crate) fn add(&mut self, secret: &str) -> Result<(), BuildError> {
        if self.secrets.contains(secret) {
            return Ok(());
        }
        let new = self.register(secret.to_string())?;
        if self.backlog.is_empty()
            && new.iter().all(|f| f.text.len() <= ANCHOR)
            && self.pending.len() + new.len() <= PENDING_FORMS
        {
            for form in new {
                let search = Search::fast(form.text.as_bytes());
                self.pending.push((form, search));
            }
            return Ok(());
        }
        self.backlog.extend(new);
        self.backlog
            .extend(self.pending.drain(..).map(|(form, _)| form));
        Ok(())
    }

    /// Builds the backlog into an automaton: called before the masker is used for output.
    pub(crate) fn settle(&mut self) -> Result<(), BuildError> {
        if self.backlog.is_empty() {
            return Ok(());
        }
        let mut level = Level::build(std::mem::take(&mut self.backlog), true)?;
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
        let new = forms(&secret);
        self.longest = new
            .iter()
            .map(|f| f.text.len())
            .fold(self.longest, usize::max);
        self.secret_bytes += secret.len();
        self.secrets.insert(secret);
        Ok(new)
    }

    /// Replaces every secret in `bytes`: each stretch covered by one or more occurrences
    /// (overlapping secrets too) becomes one `***`.
    pub(crate) fn mask_bytes<'a>(&self, bytes: &'a [u8]) -> Cow<'a, [u8]> {
        let mut spans = self.spans(bytes);
        if spans.is_empty() {
            return Cow::Borrowed(bytes);
        }
        spans.sort_unstable();
        let mut out = Vec::with_capacity(bytes.len());
        // Stretches that overlap or touch become one `***`.
        let mut at = 0;
        let mut open = false;
        for (start, end) in spans {
            if open && start <= at {
                at = at.max(end);
                continue;
            }
            out.extend_from_slice(&bytes[at..start]);
            out.extend_from_slice(REPLACEMENT.as_bytes());
            at = end;
            open = true;
        }
        out.extend_from_slice(&bytes[at..]);
        Cow::Owned(out)
    }

    /// Where a line too long to hold whole can be cut: the longest start of `partial` that,
    /// masked on its own, hides every secret in it, however the rest continues. An
    /// occurrence that starts in the last `longest` bytes may still be arriving, so the cut
    /// comes no later than that (on a character boundary), and never inside an occurrence
    /// found before it. 0: nothing can be relayed yet.
    pub(crate) fn safe_cut(&self, partial: &[u8]) -> usize {
        let Some(mut cut) = partial.len().checked_sub(self.longest) else {
            return 0;
        };
        while cut > 0 && (partial[cut] & 0xC0) == 0x80 {
            cut -= 1;
        }
        let mut spans = self.spans(partial);
        spans.sort_unstable_by_key(|&(_, end)| std::cmp::Reverse(end));
        // Moving the cut back to an occurrence's start can put it inside an earlier one.
        for (start, end) in spans {
            if start < cut && cut < end {
                cut = start;
            }
        }
        cut
    }

    /// Every stretch of `bytes` an occurrence of a form covers (with its edges), unsorted.
    fn spans(&self, bytes: &[u8]) -> Vec<(usize, usize)> {
        let mut spans = Vec::new();
        // Long forms whose start was seen: (level, pattern, where).
        let mut long_hits: Vec<(usize, usize, usize)> = Vec::new();
        for (l, level) in self.levels.iter().enumerate() {
            if !level.matcher.is_match(bytes) {
                continue;
            }
            for m in level.matcher.find_overlapping_iter(bytes) {
                let id = m.pattern().as_usize();
                if level.long[id].is_some() {
                    if !long_hits.iter().any(|&(hl, hid, _)| hl == l && hid == id) {
                        long_hits.push((l, id, m.start()));
                    }
                    continue;
                }
                let (start, end) = widen(bytes, level.edges[id], m.start(), m.end());
                push_span(&mut spans, start, end);
            }
        }
        for (form, search) in &self.pending {
            search.find_all(bytes, 0, |start, end| {
                spans.push(widen(bytes, (form.before, form.after), start, end));
            });
        }
        // Not settled (only the panic hook masks without settling): slower, never less.
        for form in &self.backlog {
            Search::lean(form.text.as_bytes()).find_all(bytes, 0, |start, end| {
                spans.push(widen(bytes, (form.before, form.after), start, end));
            });
        }
        for (l, id, from) in long_hits {
            let level = &self.levels[l];
            if let Some(long) = &level.long[id] {
                long.find_all(bytes, from, |start, end| {
                    let (start, end) = widen(bytes, level.edges[id], start, end);
                    spans.push((start, end));
                });
            }
        }
        spans
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
            .build(
                forms
                    .iter()
                    .map(|f| &f.text.as_bytes()[..f.text.len().min(ANCHOR)]),
            )
            .map_err(|e| BuildError::Failed(format!("the masking automaton: {e}")))?;
        Ok(Level {
            matcher,
            edges: forms.iter().map(|f| (f.before, f.after)).collect(),
            long: forms
                .iter()
                .map(|f| (f.text.len() > ANCHOR).then(|| Search::lean(f.text.as_bytes())))
                .collect(),
            bytes: forms.iter().map(|f| f.text.len()).sum(),
            forms: if keep { forms } else { Vec::new() },
        })
    }
}

/// One form found by substring search, linear in the text: a long form from where its start
/// was seen (Rabin-Karp, cheap to set up for a long needle), or a pending one (memmem).
struct Search {
    needle: Box<[u8]>,
    finder: Finder,
    /// Its smallest period, computed when it is first found: occurrences a period apart
    /// continue one another.
    period: std::sync::OnceLock<usize>,
}

enum Finder {
    Fast(Box<memchr::memmem::Finder<'static>>),
    Lean(memchr::arch::all::rabinkarp::Finder),
}

impl Search {
    fn fast(needle: &[u8]) -> Self {
        Search {
            needle: needle.into(),
            finder: Finder::Fast(Box::new(memchr::memmem::Finder::new(needle).into_owned())),
            period: std::sync::OnceLock::new(),
        }
    }

    fn lean(needle: &[u8]) -> Self {
        Search {
            needle: needle.into(),
            finder: Finder::Lean(memchr::arch::all::rabinkarp::Finder::new(needle)),
            period: std::sync::OnceLock::new(),
        }
    }

    fn find(&self, haystack: &[u8]) -> Option<usize> {
        match &self.finder {
            Finder::Fast(f) => f.find(haystack),
            Finder::Lean(f) => f.find(haystack, &self.needle),
        }
    }

    /// Calls `found(start, end)` for stretches covered by occurrences at or after `from`: an
    /// occurrence, then as many more one period on as the text continues the period (they
    /// are found without searching again, so a long run of a repetitive secret is linear).
    fn find_all(&self, bytes: &[u8], mut from: usize, mut found: impl FnMut(usize, usize)) {
        let len = self.needle.len();
        while let Some(i) = bytes.get(from..).and_then(|rest| self.find(rest)) {
            let p = *self.period.get_or_init(|| smallest_period(&self.needle));
            let start = from + i;
            let mut end = start + len;
            while end + p <= bytes.len() && bytes[end..end + p] == bytes[end - p..end] {
                end += p;
            }
            found(start, end);
            // Another occurrence past the run overlaps it by less than a period.
            from = end - p + 1;
        }
    }
}

/// The smallest `p` with `form[i] == form[i + p]` for every `i` (KMP's failure function).
fn smallest_period(form: &[u8]) -> usize {
    let mut fail = vec![0u32; form.len()];
    let mut k = 0usize;
    for i in 1..form.len() {
        while k > 0 && form[i] != form[k] {
            k = fail[k - 1] as usize;
        }
        if form[i] == form[k] {
            k += 1;
        }
        fail[i] = k as u32;
    }
    form.len() - fail.last().map_or(0, |&k| k as usize)
}

/// A match widened by the edge characters around it (see [`Form`]).
fn widen(
    bytes: &[u8],
    (before, after): (u128, u128),
    mut start: usize,
    mut end: usize,
) -> (usize, usize) {
    if start > 0 && in_set(before, bytes[start - 1]) {
        start -= 1;
    }
    if end < bytes.len() && in_set(after, bytes[end]) {
        end += 1;
    }
    (start, end)
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
