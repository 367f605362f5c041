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

/// Why an import path is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Refused {
    #[error("unknown stdlib module `{import}` (available: {})", available())]
    UnknownStd { import: String },
    #[error(
        "import `{import}` is an absolute path; imports must be relative to the script's directory"
    )]
    Absolute { import: String },
    #[error("import `{import}` is not a plain relative path")]
    NotPlain { import: String },
    #[error("cannot resolve the script directory: {cause}")]
    NoBase { cause: String },
    #[error("module `{import}` not found (looked for {})", looked.display())]
    NotFound { import: String, looked: PathBuf },
    #[error("import `{import}` escapes the script's directory {}", root.display())]
    Escapes { import: String, root: PathBuf },
    #[error("module `{import}` is not a file ({})", real.display())]
    NotAFile { import: String, real: PathBuf },
}

fn available() -> String {
    crate::stdlib::names()
        .map(|n| format!("std/{n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Resolves `import` against `base` (the importing script's directory), confining it.
pub(crate) fn confine(base: &Path, import: &str) -> Result<Target, Refused> {
    let import_owned = || import.to_string();
    if let Some(name) = import.strip_prefix(crate::stdlib::PREFIX) {
        return match crate::stdlib::source(name) {
            Some(_) => Ok(Target::Std(name.to_string())),
            None => Err(Refused::UnknownStd {
                import: import_owned(),
            }),
        };
    }
    let relative = Path::new(import);
    if relative.is_absolute() {
        return Err(Refused::Absolute {
            import: import_owned(),
        });
    }
    if relative.components().any(|c| {
        !matches!(
            c,
            Component::Normal(_) | Component::CurDir | Component::ParentDir
        )
    }) {
        return Err(Refused::NotPlain {
            import: import_owned(),
        });
    }
    let mut file = base.join(relative);
    if file.extension().is_none() {
        file.set_extension("rhai");
    }
    let root = base.canonicalize().map_err(|e| Refused::NoBase {
        cause: e.to_string(),
    })?;
    let real = file.canonicalize().map_err(|_| Refused::NotFound {
        import: import_owned(),
        looked: file.clone(),
    })?;
    if !real.starts_with(&root) {
        return Err(Refused::Escapes {
            import: import_owned(),
            root,
        });
    }
    if !real.is_file() {
        return Err(Refused::NotAFile {
            import: import_owned(),
            real,
        });
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
        assert!(matches!(
            confine(&base, "../out"),
            Err(Refused::Escapes { .. })
        ));
        let abs = dir.path().join("out").display().to_string();
        assert!(matches!(
            confine(&base, &abs),
            Err(Refused::Absolute { .. })
        ));
        assert!(matches!(
            confine(&base, "lib/missing"),
            Err(Refused::NotFound { .. })
        ));
        let unknown = confine(&base, "std/nope").unwrap_err();
        assert!(matches!(unknown, Refused::UnknownStd { .. }));
        assert!(
            unknown.to_string().contains("(available: std/"),
            "{unknown}"
        );
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.path().join("out.rhai"), base.join("link.rhai"))
                .unwrap();
            assert!(matches!(
                confine(&base, "link"),
                Err(Refused::Escapes { .. })
            ));
        }
    }
}
