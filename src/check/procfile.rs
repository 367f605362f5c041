//! The Procfile's `release:` line: which script it runs with rhrel, and where that name is
//! written (for a finding when the script does not exist).

/// The script a `release:` line hands to rhrel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    /// The script path as written (relative to the Procfile's directory).
    pub script: String,
    /// 1-based line and column of the script path in the Procfile.
    pub line: usize,
    pub column: usize,
}

/// rhrel options that take a value as the next word.
const VALUE_OPTIONS: &[&str] = &[
    "--timeout",
    "--allow-exec",
    "--allow-net",
    "--allow-env",
    "--log-format",
    "--report",
    "--max-memory",
];

/// Finds `release: [VAR=x] [exec] …/rhrel [run] [OPTIONS] SCRIPT …` in a Procfile. `None` when
/// there is no release line, it does not run rhrel, or the script is not a plain word.
pub fn release(text: &str) -> Option<Release> {
    for (index, line) in text.lines().enumerate() {
        let Some(command) = line.trim_start().strip_prefix("release:") else {
            continue;
        };
        let offset = line.len() - command.len();
        let words = words(command);
        let rhrel = words
            .iter()
            .position(|(_, w)| w.rsplit('/').next() == Some("rhrel"))?;
        let mut rest = words[rhrel + 1..].iter();
        let mut first = true;
        while let Some((at, word)) = rest.next() {
            let word = *word;
            if first && (word == "check" || word == "api") {
                return None;
            }
            if first && word == "run" {
                first = false;
                continue;
            }
            first = false;
            if word == "--" {
                return None;
            }
            if word.starts_with('-') {
                if VALUE_OPTIONS.contains(&word) {
                    rest.next();
                }
                continue;
            }
            let script = word.trim_matches(|c| c == '"' || c == '\'');
            if script.is_empty() || script.contains('$') {
                return None;
            }
            let byte = offset + at + usize::from(script.len() != word.len());
            return Some(Release {
                script: script.to_string(),
                line: index + 1,
                column: line[..byte].chars().count() + 1,
            });
        }
        return None;
    }
    None
}

/// Whitespace-separated words with their byte offsets.
fn words(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                out.push((s, &text[s..i]));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, &text[s..]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script(text: &str) -> Option<String> {
        release(text).map(|r| r.script)
    }

    #[test]
    fn finds_the_release_script() {
        let r = release("web: ./bin/web\nrelease: ./bin/rhrel scripts/release.rhai\n").unwrap();
        assert_eq!(
            (r.script.as_str(), r.line, r.column),
            ("scripts/release.rhai", 2, 22)
        );
        assert_eq!(
            script("release: rhrel run scripts/x.rhai"),
            Some("scripts/x.rhai".into())
        );
        assert_eq!(
            script("release: target/release/rhrel --timeout 10m --dry-run s.rhai -- a"),
            Some("s.rhai".into())
        );
        assert_eq!(
            script("release: FOO=1 exec bin/rhrel --timeout=5m 'x.rhai'"),
            Some("x.rhai".into())
        );
    }

    #[test]
    fn ignores_other_commands() {
        assert_eq!(script("release: bash scripts/release.sh"), None);
        assert_eq!(script("web: ./bin/rhrel x.rhai"), None);
        assert_eq!(script("release: ./bin/rhrel check"), None);
        assert_eq!(script("release: ./bin/rhrel $SCRIPT"), None);
    }
}
