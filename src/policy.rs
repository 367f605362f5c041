//! Permissions from `--allow-exec`, `--allow-net` and `--allow-env`: without a flag a
//! capability is open; with one, only what it lists; with an empty list, nothing.
//! `--allow-read` and `--allow-write` work the other way round: files are confined to the
//! working directory and the temp dir, and these flags add directories to that.

use std::path::{Path, PathBuf};

/// One allowlist. `None` means the flag was not given: everything is allowed.
#[derive(Clone, Debug, Default)]
pub struct AllowList {
    entries: Option<Vec<String>>,
}

impl AllowList {
    /// From the flag's raw value (`a,b,c`; empty denies all; absent allows all).
    pub fn parse(raw: Option<&str>) -> Self {
        AllowList {
            entries: raw.map(|r| {
                r.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            }),
        }
    }

    pub fn deny_all() -> Self {
        AllowList {
            entries: Some(Vec::new()),
        }
    }

    /// Whether the flag was given at all.
    pub fn is_restricted(&self) -> bool {
        self.entries.is_some()
    }

    /// Whether any entry satisfies `matches`.
    pub fn allows(&self, matches: impl Fn(&str) -> bool) -> bool {
        match &self.entries {
            None => true,
            Some(list) => list.iter().any(|e| matches(e)),
        }
    }

    /// Exact name, or a `PREFIX_*` pattern.
    pub fn allows_name(&self, name: &str) -> bool {
        self.allows(|e| match e.strip_suffix('*') {
            Some(prefix) => name.starts_with(prefix),
            None => e == name,
        })
    }
}

/// The permission set of a run.
#[derive(Clone, Debug, Default)]
pub struct Policy {
    pub exec: AllowList,
    pub net: AllowList,
    pub env: AllowList,
    /// Directories the fs functions may read beyond the working directory and temp dir.
    pub read: PathList,
    /// Directories the fs functions may write (and read) beyond those.
    pub write: PathList,
}

/// Directories added to the file confinement, canonicalized when the run starts.
#[derive(Clone, Debug, Default)]
pub struct PathList {
    roots: Vec<PathBuf>,
}

impl PathList {
    /// From the flag's raw value (`/srv,/data`), relative entries from the working
    /// directory. A directory that does not exist yet is kept as written (made absolute).
    pub fn parse(raw: Option<&str>) -> Self {
        let cwd = std::env::current_dir().unwrap_or_default();
        let roots = raw
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                let p = cwd.join(s);
                p.canonicalize().unwrap_or(p)
            })
            .collect();
        PathList { roots }
    }

    /// Whether the real (canonical) path `real` lies inside one of the directories.
    pub fn contains(&self, real: &Path) -> bool {
        self.roots.iter().any(|root| real.starts_with(root))
    }
}

impl Policy {
    pub fn deny_all() -> Self {
        Policy {
            exec: AllowList::deny_all(),
            net: AllowList::deny_all(),
            env: AllowList::deny_all(),
            read: PathList::default(),
            write: PathList::default(),
        }
    }
}

/// The error text for a denied call: names the flag that would allow it.
pub fn denied(what: &str, flag: &str) -> String {
    format!("{what} is not allowed by {flag} (add it to {flag} to permit it)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_allows_empty_denies() {
        assert!(AllowList::parse(None).allows_name("X"));
        assert!(!AllowList::parse(Some("")).allows_name("X"));
        let l = AllowList::parse(Some("A, APP_*"));
        assert!(l.allows_name("A") && l.allows_name("APP_ENV") && !l.allows_name("B"));
    }
}
