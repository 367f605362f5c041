//! Matching calls to stand-ins: `exec` entries in order on the program (as given, or its
//! basename) and the arguments (a last `"*"` matches any rest); `http` entries on the method
//! and a URL glob. Each entry serves `times` calls (default 1) or `"always"`.

use std::path::Path;

use super::fixture::{ExecStandIn, HttpStandIn, Times};

/// How many calls each entry has served.
#[derive(Debug, Default)]
pub(crate) struct Served(Vec<u64>);

impl Served {
    pub(crate) fn new(n: usize) -> Self {
        Served(vec![0; n])
    }

    /// The first entry in order that `matches` and still serves, marked as used once more.
    /// `Err(Some(i))` when only spent entries matched (entry `i`), `Err(None)` when none did.
    fn take(
        &mut self,
        times: impl Fn(usize) -> Times,
        matches: impl Fn(usize) -> bool,
    ) -> Result<usize, Option<usize>> {
        let mut spent = None;
        for i in 0..self.0.len() {
            if !matches(i) {
                continue;
            }
            let left = match times(i) {
                Times::Always => true,
                Times::Count(n) => self.0[i] < n,
            };
            if left {
                self.0[i] += 1;
                return Ok(i);
            }
            spent.get_or_insert(i);
        }
        Err(spent)
    }

    pub(crate) fn count(&self, i: usize) -> u64 {
        self.0.get(i).copied().unwrap_or(0)
    }
}

/// The exec stand-in for a call, or the error raised in the simulated run.
pub(crate) fn exec<'a>(
    entries: &'a [ExecStandIn],
    served: &mut Served,
    program: &str,
    args: &[String],
    shown: &str,
) -> Result<&'a ExecStandIn, String> {
    let base = Path::new(program)
        .file_name()
        .and_then(|b| b.to_str())
        .unwrap_or(program);
    let found = served.take(
        |i| entries[i].times,
        |i| {
            let e = &entries[i];
            (e.program == program || e.program == base) && args_match(e, args)
        },
    );
    match found {
        Ok(i) => Ok(&entries[i]),
        Err(Some(i)) => Err(format!(
            "unexpected exec: `{shown}` (its stand-in, exec[{i}], served {} call{} already; \
             give it `times: N` or `times: \"always\"`)",
            served.count(i),
            if served.count(i) == 1 { "" } else { "s" }
        )),
        Err(None) => Err(format!("unexpected exec: `{shown}` (no stand-in matches)")),
    }
}

fn args_match(entry: &ExecStandIn, args: &[String]) -> bool {
    let Some(want) = &entry.args else {
        return true;
    };
    if entry.rest {
        args.len() >= want.len() && want.iter().zip(args).all(|(w, a)| w == a)
    } else {
        want == args
    }
}

/// The http stand-in for a request, or the error raised in the simulated run.
pub(crate) fn http<'a>(
    entries: &'a [HttpStandIn],
    served: &mut Served,
    method: &str,
    url: &str,
) -> Result<&'a HttpStandIn, String> {
    let found = served.take(
        |i| entries[i].times,
        |i| {
            let e = &entries[i];
            e.method.as_deref().is_none_or(|m| m == method) && glob(&e.url, url)
        },
    );
    match found {
        Ok(i) => Ok(&entries[i]),
        Err(Some(i)) => Err(format!(
            "unexpected http: {method} {url} (its stand-in, http[{i}], served {} already; \
             give it `times: N` or `times: \"always\"`)",
            served.count(i)
        )),
        Err(None) => Err(format!(
            "unexpected http: {method} {url} (no stand-in matches)"
        )),
    }
}

/// `*` matches any run of characters (also none); everything else matches itself.
pub(crate) fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("https://hooks.example/*", "https://hooks.example/T1"));
        assert!(glob("*", "anything"));
        assert!(glob("https://*.example/*/x", "https://a.example/b/c/x"));
        assert!(!glob("https://hooks.example/*", "https://other.example/T1"));
        assert!(!glob("a*a", "a"));
        assert!(glob("exact", "exact") && !glob("exact", "exactly"));
    }

    #[test]
    fn in_order_with_times() {
        let entry = |args: Option<Vec<&str>>, rest, times| ExecStandIn {
            program: "node".into(),
            args: args.map(|a| a.into_iter().map(String::from).collect()),
            rest,
            code: 0,
            stdout: String::new(),
            stderr: String::new(),
            takes: Default::default(),
            times,
        };
        let entries = vec![
            entry(Some(vec!["--version"]), false, Times::Count(1)),
            entry(Some(vec!["run"]), true, Times::Always),
        ];
        let mut served = Served::new(entries.len());
        let call = |served: &mut Served, p: &str, a: &[&str]| {
            let a: Vec<String> = a.iter().map(|s| s.to_string()).collect();
            exec(&entries, served, p, &a, "cmd").map(|e| e.rest)
        };
        assert_eq!(
            call(&mut served, "/usr/bin/node", &["--version"]),
            Ok(false)
        );
        let again = call(&mut served, "node", &["--version"]).unwrap_err();
        assert!(again.contains("served 1 call already"), "{again}");
        assert_eq!(call(&mut served, "node", &["run", "a", "b"]), Ok(true));
        assert_eq!(call(&mut served, "node", &["run"]), Ok(true));
        let none = call(&mut served, "bundle", &[]).unwrap_err();
        assert_eq!(none, "unexpected exec: `cmd` (no stand-in matches)");
    }
}
