//! Permissions from `--allow-exec`, `--allow-net` and `--allow-env`: without a flag a
//! capability is open; with one, only what it lists; with an empty list, nothing.

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
}

impl Policy {
    pub fn deny_all() -> Self {
        Policy {
            exec: AllowList::deny_all(),
            net: AllowList::deny_all(),
            env: AllowList::deny_all(),
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
