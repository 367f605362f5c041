//! Where an import path may point: `std/NAME` is the embedded stdlib; anything else is a
//! file relative to the importing script's directory that must stay inside it after `..`
//! and symlinks are resolved.

use std::path::{Component, Path, PathBuf};

/// What an import path names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Target {
    /// `std/NAME`: an embedded module.
    Std(String),
    /// A `.rhai` file inside the base directory (canonical path).
    File(PathBuf),
}

/// Resolves `import` against `base` (the importing script's directory), confining it.
pub(crate) fn confine(base: &Path, import: &str) -> Result<Target, String> {
    if let Some(name) = import.strip_prefix(crate::stdlib::PREFIX) {
        return match crate::stdlib::source(name) {
            Some(_) => Ok(Target::Std(name.to_string())),
            None => Err(format!(
                "unknown stdlib module `{import}` (available: {})",
                crate::stdlib::names()
                    .map(|n| format!("std/{n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        };
    }
    let relative = Path::new(import);
    if relative.is_absolute() {
        return Err(format!("import `{import}` is an absolute path; imports must be relative to the script's directory"));
    }
    if relative.components().any(|c| {
        !matches!(
            c,
            Component::Normal(_) | Component::CurDir | Component::ParentDir
        )
    }) {
        return Err(format!("import `{import}` is not a plain relative path"));
    }
    let mut file = base.join(relative);
    if file.extension().is_none() {
        file.set_extension("rhai");
    }
    let root = base
        .canonicalize()
        .map_err(|e| format!("cannot resolve the script directory: {e}"))?;
    let real = file.canonicalize().map_err(|_| {
        format!(
            "module `{import}` not found (looked for {})",
            file.display()
        )
    })?;
    if !real.starts_with(&root) {
        return Err(format!(
            "import `{import}` escapes the script's directory {}",
            root.display()
        ));
    }
    if !real.is_file() {
        return Err(format!(
            "module `{import}` is not a file ({})",
            real.display()
        ));
    }
    Ok(Target::File(real))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confines_imports() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("proj");
        std::fs::create_dir_all(base.join("lib")).unwrap();
        std::fs::write(base.join("lib/h.rhai"), "").unwrap();
        std::fs::write(dir.path().join("out.rhai"), "").unwrap();
        assert!(matches!(confine(&base, "lib/h"), Ok(Target::File(_))));
        assert!(matches!(
            confine(&base, "./lib/../lib/h.rhai"),
            Ok(Target::File(_))
        ));
        assert!(confine(&base, "../out").unwrap_err().contains("escapes"));
        let abs = dir.path().join("out").display().to_string();
        assert!(confine(&base, &abs).unwrap_err().contains("absolute"));
        assert!(confine(&base, "lib/missing")
            .unwrap_err()
            .contains("not found"));
        assert!(confine(&base, "std/nope")
            .unwrap_err()
            .contains("unknown stdlib"));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.path().join("out.rhai"), base.join("link.rhai"))
                .unwrap();
            assert!(confine(&base, "link").unwrap_err().contains("escapes"));
        }
    }
}
