//! `rhrel test --format junit`: the results as JUnit XML, one `<testsuite>` per test file,
//! the form CI systems (GitHub, GitLab, Jenkins, CircleCI) read for their test reports.

use super::runner::TestEnd;

pub(crate) fn render(tests: &[TestEnd]) -> String {
    let failures = tests.iter().filter(|t| t.failure.is_some()).count();
    let total: f64 = tests.iter().map(|t| t.seconds).sum();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.push_str(&format!(
        "<testsuites name=\"rhrel test\" tests=\"{}\" failures=\"{failures}\" time=\"{total:.3}\">\n",
        tests.len()
    ));
    let mut files: Vec<&str> = Vec::new();
    for t in tests {
        if !files.contains(&t.file.as_str()) {
            files.push(&t.file);
        }
    }
    for file in files {
        let cases: Vec<&TestEnd> = tests.iter().filter(|t| t.file == file).collect();
        let failed = cases.iter().filter(|t| t.failure.is_some()).count();
        let time: f64 = cases.iter().map(|t| t.seconds).sum();
        xml.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failed}\" errors=\"0\" time=\"{time:.3}\">\n",
            escape(file),
            cases.len()
        ));
        for t in cases {
            xml.push_str(&format!(
                "    <testcase name=\"{}\" classname=\"{}\" time=\"{:.3}\"",
                escape(&t.name),
                escape(file),
                t.seconds
            ));
            match &t.failure {
                None => xml.push_str("/>\n"),
                Some(msg) => {
                    let first = msg.lines().next().unwrap_or("failed");
                    xml.push_str(&format!(
                        ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>\n",
                        escape(first),
                        escape(msg)
                    ));
                }
            }
        }
        xml.push_str("  </testsuite>\n");
    }
    xml.push_str("</testsuites>\n");
    xml
}

/// Text made safe for XML attributes and content; control characters XML 1.0 cannot hold
/// are dropped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' | '\t' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_counts() {
        let ends = vec![
            TestEnd {
                file: "a.test.rhai".into(),
                name: "x <y>".into(),
                failure: None,
                seconds: 0.0,
                outputs: Vec::new(),
            },
            TestEnd {
                file: "a.test.rhai".into(),
                name: "z".into(),
                failure: Some("a.test.rhai:3:5: assert_eq failed\n  expected: \"&\"".into()),
                seconds: 0.0,
                outputs: Vec::new(),
            },
        ];
        let xml = render(&ends);
        assert!(xml.contains("tests=\"2\" failures=\"1\""), "{xml}");
        assert!(xml.contains("name=\"x &lt;y&gt;\""), "{xml}");
        assert!(xml.contains("expected: &quot;&amp;&quot;"), "{xml}");
    }
}
