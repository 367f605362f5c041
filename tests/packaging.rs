//! Distribution (issue 19): `packaging/build.sh` builds the release tarball, the wheel and
//! the npm packages once per test run, then each is installed the way its ecosystem installs
//! it, offline, and the binary is run from there. A tool the machine lacks (python3's venv,
//! npm, maturin) skips its test loudly, unless `RHREL_E2E=required`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::support::Test;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const VERSION: &str = env!("CARGO_PKG_VERSION");
const TARGET: &str = "x86_64-unknown-linux-gnu";

/// The artifacts, built once into `target/tmp/dist` (build.sh's own `cargo build --release`
/// is a no-op when `.ci/run` built the release binary first).
fn dist() -> &'static Path {
    static DIST: OnceLock<PathBuf> = OnceLock::new();
    DIST.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("dist");
        let started = Instant::now();
        let out = Command::new("bash")
            .arg(Path::new(ROOT).join("packaging/build.sh"))
            .env("RHREL_DIST_DIR", &dir)
            .current_dir(ROOT)
            .stdin(Stdio::null())
            .output()
            .expect("run packaging/build.sh");
        eprintln!(
            "packaging/build.sh took {:.1}s:\n{}{}",
            started.elapsed().as_secs_f64(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "packaging/build.sh failed");
        dir
    })
}

fn required() -> bool {
    std::env::var("RHREL_E2E").is_ok_and(|v| v == "required")
}

/// Whether `program` runs; if not, says the test is skipped (or fails under RHREL_E2E=required).
fn have(program: &str, args: &[&str], test: &str) -> bool {
    let ok = Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            !required(),
            "{test}: `{program}` is missing and RHREL_E2E=required"
        );
        eprintln!(
            "SKIPPED {test}: `{program} {}` does not run",
            args.join(" ")
        );
    }
    ok
}

#[track_caller]
fn run(command: &mut Command) -> Output {
    let out = command
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{command:?}: {e}"));
    assert!(
        out.status.success(),
        "{command:?} exited {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[track_caller]
fn assert_version(line: &str) {
    let line = line.trim();
    assert!(
        line.starts_with(&format!("rhrel {VERSION} (")) && line.ends_with(&format!(" {TARGET})")),
        "not `rhrel VERSION (COMMIT TARGET)`: {line:?}"
    );
}

fn artifact(suffix: &str) -> Option<PathBuf> {
    std::fs::read_dir(dist())
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.to_string_lossy().ends_with(suffix))
}

#[test]
fn version_names_commit_and_target() {
    let out = Test::new().arg("--version").run();
    out.status(0).stdout_has(&format!("rhrel {VERSION} ("));
    let dump = out.dump();
    assert_version(dump.lines().find(|l| l.starts_with("rhrel ")).unwrap());
}

#[test]
fn buildpack_pins_the_crate_version() {
    let compile =
        std::fs::read_to_string(format!("{ROOT}/packaging/heroku-buildpack/bin/compile")).unwrap();
    assert!(
        compile.contains(&format!("\nPINNED_VERSION={VERSION}\n")),
        "packaging/heroku-buildpack/bin/compile must pin the crate's version {VERSION}"
    );
}

#[test]
fn tarball_verifies_and_runs_the_release_script() {
    let dist = dist();
    run(Command::new("sha256sum")
        .args(["--check", "--strict", "SHA256SUMS"])
        .current_dir(dist));
    let name = format!("rhrel-{VERSION}-{TARGET}");
    let tarball = dist.join(format!("{name}.tar.gz"));
    let sums = std::fs::read_to_string(dist.join("SHA256SUMS")).unwrap();
    assert!(sums.contains(&format!("  {name}.tar.gz\n")), "{sums}");

    let tmp = tempfile::tempdir().unwrap();
    let list = run(Command::new("tar").arg("-tzf").arg(&tarball));
    assert_eq!(
        text(&list.stdout),
        format!("{name}/\n{name}/LICENSE\n{name}/README\n{name}/rhrel\n")
    );
    run(Command::new("tar")
        .arg("-xzf")
        .arg(&tarball)
        .arg("-C")
        .arg(tmp.path()));
    let binary = tmp.path().join(&name).join("rhrel");
    let elf = run(Command::new("readelf").arg("-lS").arg(&binary));
    let elf = text(&elf.stdout);
    assert!(!elf.contains("program interpreter"), "not static:\n{elf}");
    assert!(!elf.contains(".symtab"), "not stripped:\n{elf}");

    assert_version(&text(&run(Command::new(&binary).arg("--version")).stdout));
    let out = run(Command::new(&binary)
        .arg("scripts/release.rhai")
        .current_dir(ROOT)
        .env("SIMULATED_WORK_SECONDS", "0")
        .env_remove("DYNO")
        .env_remove("DATABASE_URL")
        .env_remove("REDIS_URL"));
    assert!(
        text(&out.stdout).contains("RELEASE PHASE"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn wheel_installs_into_a_fresh_venv() {
    if !have("python3", &["-m", "venv", "--help"], "wheel") {
        return;
    }
    let Some(wheel) = artifact(".whl") else {
        assert!(!required(), "no wheel in {}", dist().display());
        eprintln!("SKIPPED wheel: build.sh built none (maturin missing)");
        return;
    };
    let name = wheel.file_name().unwrap().to_string_lossy().into_owned();
    assert_eq!(
        name,
        format!("rhrel-{VERSION}-py3-none-manylinux2014_x86_64.manylinux_2_17_x86_64.whl")
    );
    let tmp = tempfile::tempdir().unwrap();
    let venv = tmp.path().join("venv");
    run(Command::new("python3").args(["-m", "venv"]).arg(&venv));
    run(Command::new(venv.join("bin/python"))
        .args([
            "-m",
            "pip",
            "--disable-pip-version-check",
            "install",
            "--no-index",
        ])
        .arg(&wheel));
    let path = format!("{}:/usr/bin:/bin", venv.join("bin").display());
    assert_version(&text(
        &run(Command::new("rhrel").arg("--version").env("PATH", &path)).stdout,
    ));
    std::fs::write(tmp.path().join("one.rhai"), "log(\"from the wheel\");\n").unwrap();
    let out = run(Command::new("rhrel")
        .arg("one.rhai")
        .env("PATH", &path)
        .current_dir(tmp.path()));
    assert!(text(&out.stdout).contains("from the wheel"));
}

/// A scratch Node project with both npm tarballs installed offline.
fn npm_project(test: &str) -> Option<tempfile::TempDir> {
    if !have("npm", &["--version"], test) {
        return None;
    }
    let dist = dist();
    let launcher = dist.join(format!("rhrel-{VERSION}.tgz"));
    let platform = dist.join(format!("rhrel-linux-x64-gnu-{VERSION}.tgz"));
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("package.json"),
        r#"{"name": "scratch", "version": "1.0.0", "private": true}"#,
    )
    .unwrap();
    run(Command::new("npm")
        .args([
            "install",
            "--offline",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
        ])
        .arg(&platform)
        .arg(&launcher)
        .env("npm_config_cache", tmp.path().join(".npm-cache"))
        .current_dir(tmp.path()));
    Some(tmp)
}

fn npx(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new("npx");
    command
        .args(["--offline", "--no-install", "rhrel"])
        .args(args)
        .env("npm_config_cache", dir.join(".npm-cache"))
        .env("npm_config_update_notifier", "false")
        .current_dir(dir);
    command
}

#[test]
fn npm_launcher_passes_argv_and_exit_code() {
    let Some(project) = npm_project("npm exit code") else {
        return;
    };
    let dir = project.path();
    assert_version(&text(&run(&mut npx(dir, &["--version"])).stdout));
    std::fs::write(
        dir.join("seven.rhai"),
        "log(`args: ${args()}`);\nexit(7);\n",
    )
    .unwrap();
    let out = npx(dir, &["seven.rhai", "--", "a b", "c"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(7),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(
        text(&out.stdout).contains(r#"args: ["a b", "c"]"#),
        "{}",
        text(&out.stdout)
    );
    let bin = dir.join("node_modules/.bin/rhrel");
    let out = Command::new(&bin)
        .arg("seven.rhai")
        .current_dir(dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(7));
}

#[test]
fn npm_launcher_passes_sigterm() {
    let Some(project) = npm_project("npm SIGTERM") else {
        return;
    };
    let dir = project.path();
    std::fs::write(dir.join("wait.rhai"), "log(\"waiting\");\nsleep(120);\n").unwrap();
    // The launcher itself, as a Procfile's `node_modules/.bin/rhrel` runs it: npx (npm exec)
    // answers a SIGTERM by dying of it after its child, whatever the child's exit code.
    let mut child = Command::new(dir.join("node_modules/.bin/rhrel"))
        .arg("wait.rhai")
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    // The first line means rhrel runs the script, behind npx and the launcher.
    let mut seen = Vec::new();
    let mut byte = [0u8; 1];
    while !seen.ends_with(b"waiting\n") {
        let n = std::io::Read::read(&mut stdout, &mut byte).unwrap();
        assert_eq!(n, 1, "npx ended before the script started: {}", text(&seen));
        seen.push(byte[0]);
    }
    let started = Instant::now();
    // SAFETY: kill(2) on the child this test started.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(143), "{status:?}");
    // Well before the script's own end: the signal, not the sleep, ended it (loose for a
    // loaded CI machine).
    assert!(started.elapsed() < Duration::from_secs(60));
}

#[test]
fn npm_launcher_without_the_platform_package_says_so() {
    let Some(project) = npm_project("npm missing platform") else {
        return;
    };
    let dir = project.path();
    std::fs::remove_dir_all(dir.join("node_modules/@rhrel")).unwrap();
    let out = Command::new(dir.join("node_modules/.bin/rhrel"))
        .arg("--version")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr)
            .contains("@rhrel/linux-x64-gnu for this platform (linux-x64) is not installed"),
        "{}",
        text(&out.stderr)
    );
}

fn buildpack(bin: &str) -> Command {
    Command::new(format!("{ROOT}/packaging/heroku-buildpack/bin/{bin}"))
}

#[test]
fn buildpack_detects_rhrel_apps() {
    let app = tempfile::tempdir().unwrap();
    let out = buildpack("detect").arg(app.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    std::fs::write(
        app.path().join("Procfile"),
        "web: x\nrelease: bin/rhrel x.rhai\n",
    )
    .unwrap();
    assert_eq!(
        text(&run(buildpack("detect").arg(app.path())).stdout),
        "rhrel\n"
    );
    let out = run(buildpack("release").arg(app.path()));
    assert!(text(&out.stdout).starts_with("---"));
}

#[test]
fn buildpack_installs_a_verified_cached_binary() {
    let dist = dist();
    let tmp = tempfile::tempdir().unwrap();
    let (app, cache, env) = (
        tmp.path().join("app"),
        tmp.path().join("cache"),
        tmp.path().join("env"),
    );
    for dir in [&app, &cache, &env] {
        std::fs::create_dir(dir).unwrap();
    }
    std::fs::write(app.join("one.rhai"), "log(\"from the slug\");\n").unwrap();
    let url = format!("file://{}/rhrel-{VERSION}-{TARGET}.tar.gz", dist.display());
    std::fs::write(env.join("RHREL_DOWNLOAD_URL"), &url).unwrap();
    let compile = || {
        let mut c = buildpack("compile");
        c.arg(&app).arg(&cache).arg(&env);
        c
    };

    let out = text(&run(&mut compile()).stdout);
    assert!(
        out.contains(&format!("-----> Installing rhrel {VERSION}\n")),
        "{out}"
    );
    assert!(
        out.contains(&format!("       Downloading {url}\n")),
        "{out}"
    );
    assert!(out.contains("       SHA-256 verified: "), "{out}");
    assert!(
        out.contains(&format!("-----> Installed bin/rhrel: rhrel {VERSION} (")),
        "{out}"
    );
    let out = run(Command::new(app.join("bin/rhrel"))
        .arg("one.rhai")
        .current_dir(&app));
    assert!(text(&out.stdout).contains("from the slug"));

    // A rebuild takes the tarball from the cache.
    let out = text(&run(&mut compile()).stdout);
    assert!(out.contains("       Using the cached "), "{out}");

    // A wrong checksum fails the build, cache or not, and installs nothing.
    std::fs::remove_dir_all(app.join("bin")).unwrap();
    std::fs::write(env.join("RHREL_SHA256"), "0".repeat(64)).unwrap();
    let out = compile().output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains(" !     checksum mismatch for file://"),
        "{}",
        text(&out.stderr)
    );
    assert!(!app.join("bin/rhrel").exists());

    // So does a download error.
    std::fs::write(
        env.join("RHREL_DOWNLOAD_URL"),
        format!("file://{}/nothing.tar.gz", dist.display()),
    )
    .unwrap();
    let out = compile().output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains(" !     "),
        "{}",
        text(&out.stderr)
    );
}
