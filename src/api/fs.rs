//! fs: files inside the working directory (the app directory, `/app` on Heroku), the
//! system temp dir and the directories of `--allow-read` / `--allow-write` — nowhere else.
//! Paths are checked after canonicalization, so neither `..` nor a symlink can reach outside.

use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use rhai::{Array, Module};

use super::func;
use crate::run::context::Ctx;
use crate::script_error::{raise, HostResult};

/// Largest file `read_file` reads: the sandbox's string size limit (16 MiB).
pub(crate) const MAX_READ: u64 = crate::limits::MAX_STRING_SIZE as u64;

pub(crate) fn register(module: &mut Module, ctx: &Ctx) {
    let c = ctx.clone();
    func(
        ctx,
        "read_file",
        &["path: &str", "String"],
        "The text of a file (UTF-8, at most 16 MiB), relative to the working directory.\n\
         ```rhai\nlet pkg = parse_json(read_file(\"package.json\"));\nlog(pkg.version);\n```",
    )
    .set_into_module(module, move |path: &str| -> HostResult<String> {
        c.blocking()?;
        let real = confine(&c, Access::Read, "read_file", path)?;
        read_capped(&c, &real).map_err(|e| {
            // Stopped while it waited (a FIFO): the stop's own error.
            c.check_stop()
                .err()
                .unwrap_or_else(|| raise(format!("read_file(\"{path}\"): {e}")))
        })
    });

    let c = ctx.clone();
    func(
        ctx,
        "write_file",
        &["path: &str", "text: &str", "()"],
        "Writes `text` to a file, replacing it (its directory must exist; see `mkdir`).\n\
         ```rhai\nwrite_file(\"tmp/release.txt\", `released at ${now()}`);\n```",
    )
    .set_into_module(module, move |path: &str, text: &str| -> HostResult<()> {
        c.blocking()?;
        let real = confine(&c, Access::Write, "write_file", path)?;
        crate::run::backstop::debug_hang("write_file");
        match crate::run::wait_io::write(&c.stop, &real, text.as_bytes()) {
            Ok(true) => Ok(()),
            // Stopped while it waited for a FIFO's reader: the stop's own error.
            Ok(false) => Err(c.check_stop().err().unwrap_or_else(|| raise("stopped"))),
            Err(e) => Err(raise(format!("write_file(\"{path}\"): {e}"))),
        }
    });

    let c = ctx.clone();
    func(
        ctx,
        "file_exists",
        &["path: &str", "bool"],
        "Whether a file or directory exists.\n\
         ```rhai\nif file_exists(\"manage.py\") { log(\"a Django app\"); }\n```",
    )
    .set_into_module(module, move |path: &str| -> HostResult<bool> {
        c.check_stop()?;
        Ok(confine(&c, Access::Read, "file_exists", path)?.exists())
    });

    let c = ctx.clone();
    func(
        ctx,
        "mkdir",
        &["path: &str", "()"],
        "Creates a directory and any missing parents (no error when it exists).\n\
         ```rhai\nmkdir(\"tmp/cache\");\n```",
    )
    .set_into_module(module, move |path: &str| -> HostResult<()> {
        c.check_stop()?;
        let real = confine(&c, Access::Write, "mkdir", path)?;
        std::fs::create_dir_all(&real).map_err(|e| raise(format!("mkdir(\"{path}\"): {e}")))
    });

    let c = ctx.clone();
    func(
        ctx,
        "list_dir",
        &["path: &str", "Array"],
        "The names of the entries of a directory, sorted.\n\
         ```rhai\nfor name in list_dir(\"db/migrate\") { log(name); }\n```",
    )
    .set_into_module(module, move |path: &str| -> HostResult<Array> {
        c.check_stop()?;
        let real = confine(&c, Access::Read, "list_dir", path)?;
        let fail = |e: std::io::Error| raise(format!("list_dir(\"{path}\"): {e}"));
        let mut names = Vec::new();
        for entry in std::fs::read_dir(&real).map_err(fail)? {
            names.push(
                entry
                    .map_err(fail)?
                    .file_name()
                    .to_string_lossy()
                    .into_owned(),
            );
        }
        names.sort();
        Ok(names.into_iter().map(Into::into).collect())
    });

    let c = ctx.clone();
    func(
        ctx,
        "temp_file",
        &["String"],
        "Creates a new empty file in the system temp dir and returns its path (not deleted).\n\
         ```rhai\nlet t = temp_file();\nwrite_file(t, \"scratch\");\n```",
    )
    .set_into_module(module, move || -> HostResult<String> {
        c.check_stop()?;
        temp_file(&c.effects.temp_dir()).map_err(|e| raise(format!("temp_file(): {e}")))
    });
}

/// Reads at most `MAX_READ` bytes of UTF-8 text.
fn read_capped(ctx: &Ctx, path: &Path) -> Result<String, String> {
    let bytes = crate::run::wait_io::read(&ctx.stop, path, MAX_READ + 1)
        .map_err(|e| e.to_string())?
        .ok_or("stopped")?;
    if bytes.len() as u64 > MAX_READ {
        return Err(format!("the file is larger than {} MiB", MAX_READ >> 20));
    }
    String::from_utf8(bytes).map_err(|_| "the file is not UTF-8 text".into())
}

/// A fresh file in the temp dir, created so nobody else can take the name.
fn temp_file(dir: &Path) -> std::io::Result<String> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    loop {
        let name = format!(
            "rhrel-{}-{}-{:08x}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            rand::random::<u32>()
        );
        let path = dir.join(name);
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(_) => return Ok(path.display().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

/// What a call does with a path: `--allow-read` directories serve reads only.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Access {
    Read,
    Write,
}

/// The real path of `path` (relative to the working directory), when it lies inside the
/// working directory, the temp dir or a directory the flags add; else an error naming the
/// path and the flag that would allow it.
fn confine(ctx: &Ctx, access: Access, what: &str, path: &str) -> HostResult<PathBuf> {
    let roots = [ctx.effects.cwd(), Ok(ctx.effects.temp_dir())];
    let roots: Vec<PathBuf> = roots
        .into_iter()
        .filter_map(|r| r.ok()?.canonicalize().ok())
        .collect();
    let cwd = ctx
        .effects
        .cwd()
        .map_err(|e| raise(format!("{what}(\"{path}\"): no working directory: {e}")))?;
    let real = real_path(&cwd.join(path)).map_err(|e| raise(format!("{what}(\"{path}\"): {e}")))?;
    let policy = &ctx.policy;
    if roots.iter().any(|root| real.starts_with(root))
        || policy.write.contains(&real)
        || (access == Access::Read && policy.read.contains(&real))
    {
        Ok(real)
    } else {
        let flag = match access {
            Access::Read => "--allow-read",
            Access::Write => "--allow-write",
        };
        Err(raise(format!(
            "{what}(\"{path}\"): {} is outside the working directory and the temp dir \
             (add its directory to {flag} to permit it)",
            real.display()
        )))
    }
}

/// Canonicalizes `path`; for a path that does not exist yet, canonicalizes its nearest
/// existing ancestor and appends the rest (which may not contain `..`).
fn real_path(path: &Path) -> Result<PathBuf, String> {
    if let Ok(real) = path.canonicalize() {
        return Ok(real);
    }
    let mut rest = Vec::new();
    let mut base = path;
    loop {
        let Some(parent) = base.parent() else {
            return Err("no existing parent directory".into());
        };
        if base.symlink_metadata().is_ok() {
            // It exists as an entry yet does not resolve: a dangling symlink.
            return Err(format!("{} is a dangling symbolic link", base.display()));
        }
        let name = base.components().next_back();
        match name {
            Some(Component::Normal(n)) => rest.push(n.to_os_string()),
            Some(Component::CurDir) => {}
            _ => return Err("`..` after a missing directory cannot be resolved".into()),
        }
        base = parent;
        if let Ok(real) = base.canonicalize() {
            let mut out = real;
            out.extend(rest.iter().rev());
            return Ok(out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_path_of_missing_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        assert_eq!(
            real_path(&dir.path().join("a/b.txt")).unwrap(),
            root.join("a/b.txt")
        );
        assert_eq!(
            real_path(&dir.path().join("x/../y")).unwrap_err(),
            "`..` after a missing directory cannot be resolved"
        );
        std::fs::create_dir(dir.path().join("x")).unwrap();
        assert_eq!(
            real_path(&dir.path().join("x/../y")).unwrap(),
            root.join("y")
        );
    }
}
