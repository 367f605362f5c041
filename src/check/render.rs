//! The three ways to print findings: `human` (annotate-snippets, the renderer rustc and
//! cargo use), `json` (an array for tools) and `github` (workflow annotations).

use annotate_snippets::{Level, Renderer, Snippet};

use super::finding::{Finding, Severity};

/// One checked file: its text (for snippets) and what was found in it.
pub struct FileReport {
    pub shown: String,
    pub source: String,
    pub findings: Vec<Finding>,
}

/// Findings with a source snippet and a caret, each followed by a blank line.
pub fn human(reports: &[FileReport], color: bool) -> String {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    for report in reports.iter().filter(|r| !r.findings.is_empty()) {
        let lines = LineIndex::new(&report.source);
        for finding in &report.findings {
            out.push_str(&render_one(&renderer, &lines, finding));
            out.push_str("\n\n");
        }
    }
    out
}

fn render_one(renderer: &Renderer, lines: &LineIndex, finding: &Finding) -> String {
    let level = match finding.severity {
        Severity::Error => Level::Error,
        Severity::Warning => Level::Warning,
    };
    let origin = finding.file.as_str();
    let Some(text) = lines.line(finding.line) else {
        // No position (an unreadable file): name the file in the title.
        let title = if finding.message.contains(origin) {
            finding.message.clone()
        } else {
            format!("{origin}: {}", finding.message)
        };
        let mut message = level.title(&title).id(finding.code.as_str());
        if let Some(help) = &finding.help {
            message = message.footer(Level::Help.title(help));
        }
        return renderer.render(message).to_string();
    };
    let start = byte_at(text, finding.column.saturating_sub(1));
    let end = byte_at(&text[start..], finding.width) + start;
    let label = finding.label.as_deref().unwrap_or("");
    let mut message = level
        .title(&finding.message)
        .id(finding.code.as_str())
        .snippet(
            Snippet::source(text)
                .line_start(finding.line)
                .origin(origin)
                .annotation(level.span(start..end).label(label)),
        );
    if let Some(help) = &finding.help {
        message = message.footer(Level::Help.title(help));
    }
    renderer.render(message).to_string()
}

/// The byte offset of the `chars`-th character of `text` (its length when past the end).
fn byte_at(text: &str, chars: usize) -> usize {
    text.char_indices()
        .nth(chars)
        .map_or(text.len(), |(i, _)| i)
}

/// Line starts of a text, computed once so each finding's line is found in O(log n).
struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, starts }
    }

    /// The text of 1-based line `n`, without its line break.
    fn line(&self, n: usize) -> Option<&'a str> {
        let start = *self.starts.get(n.checked_sub(1)?)?;
        let end = self.starts.get(n).map_or(self.text.len(), |e| e - 1);
        Some(self.text[start..end.max(start)].trim_end_matches('\r'))
    }
}

/// A JSON array of `{file, line, column, severity, code, message, help}`.
pub fn json(reports: &[FileReport]) -> String {
    let all: Vec<serde_json::Value> = reports
        .iter()
        .flat_map(|r| &r.findings)
        .map(|f| {
            serde_json::json!({
                "file": f.file,
                "line": f.line,
                "column": f.column,
                "severity": f.severity.as_str(),
                "code": f.code.as_str(),
                "message": f.message,
                "help": f.help,
            })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&all).unwrap_or_else(|_| "[]".into());
    text.push('\n');
    text
}

/// `::error file=…,line=…,col=…::message` lines, one per finding.
pub fn github(reports: &[FileReport]) -> String {
    let mut out = String::new();
    for f in reports.iter().flat_map(|r| &r.findings) {
        let message = match &f.help {
            Some(help) => format!("{} ({help})", f.message),
            None => f.message.clone(),
        };
        out.push_str(&format!(
            "::{} file={},line={},col={}::{}\n",
            f.severity.as_str(),
            escape_property(&f.file),
            f.line.max(1),
            f.column.max(1),
            escape_data(&format!("[{}] {message}", f.code.as_str())),
        ));
    }
    out
}

/// GitHub's escaping of an annotation's message.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// GitHub's escaping of an annotation property (`file=`).
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_lines() {
        let index = LineIndex::new("a\r\nbc\n\nd");
        assert_eq!(index.line(1), Some("a"));
        assert_eq!(index.line(2), Some("bc"));
        assert_eq!(index.line(3), Some(""));
        assert_eq!(index.line(4), Some("d"));
        assert_eq!(index.line(5), None);
        assert_eq!(index.line(0), None);
    }

    #[test]
    fn escapes_github_annotations() {
        assert_eq!(escape_data("50%\nx"), "50%25%0Ax");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }
}
