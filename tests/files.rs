//! Files (confined to the working directory and the temp dir) and regex text helpers.

use crate::support::Test;

#[test]
fn write_read_exists_mkdir_list() {
    Test::new()
        .script(
            r#"mkdir("out/deep/er");
write_file("out/b.txt", "bee");
write_file("out/a.txt", "ay");
log(`read=${read_file("out/b.txt")}`);
log(`exists=${file_exists("out/a.txt")} ${file_exists("out/deep")} ${file_exists("out/none")}`);
log(`list=${list_dir("out")}`);
mkdir("out/deep");"#,
        )
        .run()
        .status(0)
        .stdout_has("read=bee")
        .stdout_has("exists=true true false")
        .stdout_has(r#"list=["a.txt", "b.txt", "deep"]"#);
}

#[test]
fn relative_paths_resolve_from_the_working_directory() {
    Test::new()
        .file("app/package.json", "{\"version\": \"1.2.3\"}")
        .file("app/scripts/r.rhai", "log(read_file(\"package.json\"));")
        .current_dir("app")
        .arg("scripts/r.rhai")
        .run()
        .status(0)
        .stdout_has("1.2.3");
}

#[test]
fn temp_file_is_fresh_and_writable() {
    Test::new()
        .script(
            r#"let a = temp_file(); let b = temp_file();
write_file(a, "z");
log(`tmp=${read_file(a)} empty=${read_file(b) == ""} differ=${a != b}`);"#,
        )
        .run()
        .status(0)
        .stdout_has("tmp=z empty=true differ=true");
}

#[test]
fn paths_outside_are_refused_naming_the_path() {
    let t = Test::new().file("app/x.txt", "x");
    let outside = t.path().join("outside.txt");
    std::fs::write(&outside, "secret").unwrap();
    // The temp dir of the tests may itself be the system temp dir: use /etc and the root.
    t.file(
        "app/script.rhai",
        r#"for p in ["/etc/hostname", "../../../../../../etc/passwd", "/"] {
    try { read_file(p); log(`read ${p}`); } catch (e) { log(`refused: ${e}`); }
}
try { write_file("/etc/rhrel-test", "x"); } catch (e) { log(`refused: ${e}`); }"#,
    )
    .current_dir("app")
    .arg("script.rhai")
    .run()
    .status(0)
    .stdout_has("refused: read_file(\"/etc/hostname\"): /etc/hostname is outside the working directory and the temp dir")
    .stdout_has("refused: read_file(\"../../../../../../etc/passwd\"): /etc/passwd is outside")
    .stdout_has("refused: write_file(\"/etc/rhrel-test\"): /etc/rhrel-test is outside")
    .stdout_lacks("read /");
}

#[cfg(unix)]
#[test]
fn symlinks_cannot_escape() {
    let t = Test::new().file(
        "app/script.rhai",
        r#"
try { log(read_file("link/passwd")); } catch (e) { log(`refused: ${e}`); }
try { write_file("dangling", "x"); log("wrote"); } catch (e) { log(`refused: ${e}`); }
"#,
    );
    std::os::unix::fs::symlink("/etc", t.path().join("app/link")).unwrap();
    std::os::unix::fs::symlink("/etc/rhrel-nonexistent", t.path().join("app/dangling")).unwrap();
    t.current_dir("app")
        .arg("script.rhai")
        .run()
        .status(0)
        .stdout_has("refused: read_file(\"link/passwd\"): /etc/passwd is outside")
        .stdout_has("refused: write_file(\"dangling\")")
        .stdout_lacks("wrote");
}

#[test]
fn missing_files_raise_catchable_errors() {
    Test::new()
        .script("read_file(\"nope.txt\");")
        .run()
        .status(1)
        .stderr_has("read_file(\"nope.txt\")");
}

#[test]
fn reads_are_capped() {
    let t = Test::new().script("read_file(\"big.bin\");");
    let f = std::fs::File::create(t.path().join("big.bin")).unwrap();
    f.set_len(17 * 1024 * 1024).unwrap();
    t.run().status(1).stderr_has("larger than 16 MiB");
}

#[test]
fn regex_match_replace_captures() {
    Test::new()
        .script(
            r#"let out = "noise\nCurrent version: 20240101\nmore";
let c = regex_captures(out, "(?m)^Current version: ([0-9]+)$");
log(`v=${c[1]} whole=${c[0]}`);
log(regex_replace("db-pooler.neon.tech", "-pooler\\.", "."));
log(regex_replace("a1 b2", "([a-z])([0-9])", "$2$1"));
log(`m=${regex_match("abc123", "^[a-z]+[0-9]+$")} n=${regex_match("abc", "^[0-9]+$")}`);
log(`none=${regex_captures("abc", "x(y)") == ()}`);
log(`opt=${regex_captures("ab", "(a)(x)?(b)")}`);
for i in 0..200 { regex_match(`line ${i}`, "^line [0-9]+$"); }"#,
        )
        .run()
        .status(0)
        .stdout_has("v=20240101 whole=Current version: 20240101")
        .stdout_has("db.neon.tech")
        .stdout_has("1a 2b")
        .stdout_has("m=true n=false")
        .stdout_has("none=true")
        .stdout_has(r#"opt=["ab", "a", (), "b"]"#);
}

#[test]
fn an_invalid_pattern_names_it_and_the_reason() {
    Test::new()
        .script("regex_match(\"x\", \"(?<=a)b\");")
        .run()
        .status(1)
        .stderr_has("invalid regular expression `(?<=a)b`")
        .stderr_has("look-around");
    Test::new()
        .script(
            "try { regex_replace(\"x\", \"(\", \"\"); } catch (e) { log(`caught ${e.message}`); }",
        )
        .run()
        .status(0)
        .stdout_has("caught invalid regular expression `(`");
}
