//! Embeds every `stdlib/*.rhai` file in the binary: adding a module needs no Rust change.

use std::fmt::Write;
use std::path::Path;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("stdlib");
    println!("cargo:rerun-if-changed={}", dir.display());
    link_static();
    version_info();
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "rhai"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut code = String::from("/// (name, source) of every embedded stdlib module.\npub static MODULES: &[(&str, &str)] = &[\n");
    for path in names {
        println!("cargo:rerun-if-changed={}", path.display());
        let name = path.file_stem().unwrap().to_string_lossy();
        writeln!(
            code,
            "    ({name:?}, include_str!({:?})),",
            path.display().to_string()
        )
        .unwrap();
    }
    code.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").unwrap()).join("stdlib.rs");
    std::fs::write(out, code).unwrap();
}

/// Links the `rhrel` binary as a static position-independent executable (`-static-pie`) where
/// the C library allows it: no dynamic loader and no shared libraries to map at every start
/// (`log("hello")`: 1.61 → 1.2 ms; bash's `echo hello` takes 1.2 ms), and ASLR kept: a tool
/// that holds every secret of a release should not load at a fixed address. (It was
/// `-static -no-pie` before issue 15; README, Performance, has the cost of the relocations.)
///
/// `-C target-feature=+crt-static` would do this, but on the host target it also applies to
/// proc-macros (which then fail to build) unless `--target` is given, and that moves the
/// binary out of `target/release/`. So the binary's link asks for it itself: `-static-pie`,
/// and since rustc names the C libraries after `-Bdynamic` (`-lc`, `-lm`, `-lgcc_s`
/// …), a directory searched first that answers each of those names with a linker script
/// pointing at the static archive. Set `RHREL_DYNAMIC=1` at build time, or lack the static C
/// library, and the binary is linked dynamically (a PIE, rustc's default).
fn link_static() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os != "linux" {
        return;
    }
    println!("cargo:rerun-if-env-changed=RHREL_DYNAMIC");
    if env != "gnu" || std::env::var_os("RHREL_DYNAMIC").is_some() {
        return;
    }
    // What rustc links a glibc binary against, and the archives that stand in for each.
    let libs: &[(&str, &[&str])] = &[
        ("gcc_s", &["libgcc_eh.a", "libgcc.a"]),
        ("util", &["libutil.a"]),
        ("rt", &["librt.a"]),
        ("pthread", &["libpthread.a"]),
        ("m", &["libm.a"]),
        ("dl", &["libdl.a"]),
        ("c", &["libc.a"]),
    ];
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("static-link");
    std::fs::create_dir_all(&out).unwrap();
    for (name, archives) in libs {
        let Some(paths) = archives
            .iter()
            .map(|a| c_library(a))
            .collect::<Option<Vec<_>>>()
        else {
            println!("cargo:warning=no static {archives:?}: rhrel is linked dynamically");
            return;
        };
        let inputs: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        let script = format!("INPUT( {} )\n", inputs.join(" "));
        std::fs::write(out.join(format!("lib{name}.so")), script).unwrap();
    }
    // Static-PIE (glibc ≥ 2.27): still no loader and no shared libraries, but the executable
    // is loaded at a random address (ASLR), at the cost of applying its relative relocations
    // itself at start-up.
    println!("cargo:rustc-link-arg-bins=-static-pie");
    println!("cargo:rustc-link-arg-bins=-L{}", out.display());
}

/// Where the C compiler finds a static library (Debian: libc6-dev and libgcc-12-dev, which
/// gcc itself depends on), if it does.
fn c_library(name: &str) -> Option<std::path::PathBuf> {
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let out = std::process::Command::new(cc)
        .arg(format!("-print-file-name={name}"))
        .output()
        .ok()?;
    let path = std::path::PathBuf::from(String::from_utf8(out.stdout).ok()?.trim());
    path.is_absolute().then_some(path)
}

/// `RHREL_LONG_VERSION`, what `rhrel --version` prints after the name: the version, the git
/// commit the binary was built from and the target, e.g. `0.1.0 (3f2a9c1e04b7 x86_64-unknown-linux-gnu)`.
/// The commit comes from `git`, or from `RHREL_GIT_COMMIT` when building outside a checkout
/// (a source tarball); `unknown` when neither answers.
fn version_info() {
    println!("cargo:rerun-if-env-changed=RHREL_GIT_COMMIT");
    let git = |args: &[&str]| -> Option<String> {
        let out = std::process::Command::new("git")
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .ok()?;
        let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
        (out.status.success() && !text.is_empty()).then_some(text)
    };
    let commit = std::env::var("RHREL_GIT_COMMIT")
        .ok()
        .filter(|c| !c.is_empty())
        .or_else(|| git(&["rev-parse", "--short=12", "HEAD"]))
        .unwrap_or_else(|| "unknown".into());
    // Rebuild when HEAD moves: HEAD itself, the branch it names, and packed refs. Only files
    // that exist: cargo reruns a build script on every build for a missing one.
    let branch = git(&["symbolic-ref", "-q", "HEAD"]);
    for path in ["HEAD", "packed-refs"].into_iter().chain(branch.as_deref()) {
        if let Some(p) = git(&["rev-parse", "--path-format=absolute", "--git-path", path]) {
            if Path::new(&p).exists() {
                println!("cargo:rerun-if-changed={p}");
            }
        }
    }
    let version = std::env::var("CARGO_PKG_VERSION").unwrap();
    let target = std::env::var("TARGET").unwrap();
    println!("cargo:rustc-env=RHREL_LONG_VERSION={version} ({commit} {target})");
}
