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

impl AllowList {
    /// `--allow-exec`: whether the program the script names may run. `resolved` is where it
    /// resolves on rhrel's own `PATH` (`None`: nowhere), `resolve` does that search for an
    /// entry. An entry with a `/` matches the program at that path; a bare name matches the
    /// program that name resolves to on rhrel's `PATH`, so neither the basename of some
    /// other path nor a child's `env.PATH` can stand in for it. Paths compare with their
    /// directories made canonical (`/bin` → `/usr/bin`), not the file itself: a symlink such
    /// as `/usr/bin/psql` → `pg_wrapper` stays a program of its own.
    pub fn allows_program(
        &self,
        program: &str,
        resolved: Option<&Path>,
        resolve: impl Fn(&str) -> Option<PathBuf>,
    ) -> bool {
        let Some(resolved) = resolved else {
            // Not found: it will not run; let the spawn say so if the name is listed.
            return self.allows(|e| e == program);
        };
        let target = comparable(resolved);
        self.allows(|entry| {
            let path = if entry.contains('/') {
                Some(PathBuf::from(entry))
            } else {
                resolve(entry)
            };
            path.is_some_and(|p| comparable(&p) == target)
        })
    }
}

/// An absolute path with its directory canonical and its file name as it is.
fn comparable(path: &Path) -> PathBuf {
    let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    match (path.parent(), path.file_name()) {
        (Some(dir), Some(name)) => dir
            .canonicalize()
            .unwrap_or_else(|_| dir.to_path_buf())
            .join(name),
        _ => path,
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

    #[test]
    fn programs_match_where_they_resolve() {
        let dir = std::env::temp_dir().join(format!("rhrel-policy-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("other")).unwrap();
        let real = dir.join("psql");
        let fake = dir.join("other/psql");
        let resolve = |name: &str| (name == "psql").then(|| real.clone());
        let list = AllowList::parse(Some("psql"));
        assert!(list.allows_program("psql", Some(&real), resolve));
        // The same program named by its path, through a directory symlink or not.
        assert!(list.allows_program(real.to_str().unwrap(), Some(&real), resolve));
        let via = dir.join("other/../psql");
        assert!(list.allows_program(via.to_str().unwrap(), Some(&via), resolve));
        // Another program with the same basename.
        assert!(!list.allows_program(fake.to_str().unwrap(), Some(&fake), resolve));
        let by_path = AllowList::parse(Some(fake.to_str().unwrap()));
        assert!(by_path.allows_program(fake.to_str().unwrap(), Some(&fake), resolve));
        assert!(!by_path.allows_program("psql", Some(&real), resolve));
        // Not found anywhere: allowed only by its own name (the spawn then fails).
        assert!(list.allows_program("psql", None, resolve));
        assert!(!list.allows_program("pg_dump", None, resolve));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
