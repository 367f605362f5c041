//! `parallel`: results in the given order, every relayed line whole and prefixed `[name] `,
//! fail-fast stopping the siblings (and their children), `fail_fast: false` running all,
//! `max: 1` one by one, the deadline ending everything with 124, masked prefixed lines,
//! dry-run, `--allow-exec`, and the task report's children.

use std::time::Duration;

use crate::services::{eventually, processes_with};
use crate::support::Test;

/// Whether none of `needles`' processes is left, waiting a moment for reaping.
#[track_caller]
fn all_gone(needles: &[&str]) {
    assert!(
        eventually(Duration::from_secs(5), || processes_with(needles)
            .is_empty()),
        "still running: {:?}",
        processes_with(needles)
    );
}

#[test]
fn results_come_in_the_given_order_with_their_output() {
    Test::new()
        .script(
            r#"
            let r = parallel([
                #{ name: "slow", program: "sh", args: ["-c", "sleep 0.4; echo slow-out; echo slow-err >&2"] },
                #{ name: "fast", program: "sh", args: ["-c", "echo fast-out"] },
                #{ program: "true", args: [] },
            ]);
            for x in r { log(`result ${x.name} code=${x.code} ok=${x.ok} out=${x.stdout.trim()}`); }
            log(`stderr of slow: ${r[0].stderr.trim()}`);
            "#,
        )
        .run()
        .status(0)
        .stdout_has("result slow code=0 ok=true out=slow-out\nresult fast code=0 ok=true out=fast-out\nresult true code=0 ok=true out=\n")
        .stdout_has("stderr of slow: slow-err")
        .stdout_has("[slow] slow-out\n")
        .stdout_has("[fast] fast-out\n")
        .stderr_has("[slow] slow-err\n");
}

#[test]
fn every_line_is_prefixed_and_whole() {
    let lines = 5000;
    let gen = |tag: &str| {
        format!(
            "awk 'BEGIN {{ for (i = 0; i < {lines}; i++) print \"{tag}-\" i \"-{}\" }}'",
            tag.repeat(60)
        )
    };
    let out = Test::new()
        .script(&format!(
            r#"parallel([
                #{{ name: "a", program: "sh", args: ["-c", "{}"] }},
                #{{ name: "b", program: "sh", args: ["-c", "{}"] }},
                #{{ name: "e", program: "sh", args: ["-c", "echo partial-line | tr -d '\\n'; echo to-stderr >&2"] }},
            ]);"#,
            gen("a").replace('"', "\\\""),
            gen("b").replace('"', "\\\"")
        ))
        .run();
    out.status(0);
    let mut seen = [0usize; 2];
    for line in out.stdout.lines() {
        if line == "[e] partial-line" {
            continue;
        }
        let (k, tag) = if line.starts_with("[a] ") {
            (0, "a")
        } else if line.starts_with("[b] ") {
            (1, "b")
        } else {
            panic!("a line without its prefix, or torn: {line:?}");
        };
        let expected = format!("[{tag}] {tag}-{}-{}", seen[k], tag.repeat(60));
        assert_eq!(line, expected, "a line out of order or torn");
        seen[k] += 1;
    }
    assert_eq!(seen, [lines, lines]);
    out.stdout_has("[e] partial-line\n")
        .stderr_has("[e] to-stderr\n");
}

#[test]
fn fail_fast_stops_the_siblings_and_their_children() {
    let out = Test::new()
        .script(
            r#"
            try {
                parallel([
                    #{ name: "long", program: "sh", args: ["-c", "sleep 31.417 & sleep 31.417; wait"] },
                    #{ name: "bad", program: "sh", args: ["-c", "sleep 0.3; echo bad-out; exit 3"] },
                    #{ name: "later", program: "sh", args: ["-c", "echo later-ran"] },
                ], #{ max: 2 });
            } catch (e) {
                log(`caught: ${e}`);
                for r in e.results { log(`result ${r.name} code=${r.code} cancelled=${r.cancelled}`); }
                throw e;
            }
            "#,
        )
        .run();
    out.status(1)
        .stdout_has("caught: parallel: step `bad` (exited with code 3) failed")
        .stdout_has("result long code=-1 cancelled=true")
        .stdout_has("result bad code=3 cancelled=false")
        .stdout_has("result later code=-1 cancelled=true")
        .stdout_lacks("later-ran")
        .stderr_has("stopping [long] `sh -c 'sleep 31.417 & sleep 31.417; wait'`")
        .stderr_has("step `bad` failed");
    all_gone(&["sleep", "31.417"]);
}

#[test]
fn without_fail_fast_every_step_runs_and_all_failures_are_named() {
    Test::new()
        .script(
            r#"
            parallel([
                #{ name: "bad", program: "sh", args: ["-c", "exit 3"] },
                #{ name: "slow-ok", program: "sh", args: ["-c", "sleep 0.5; echo slow-ok-done"] },
                #{ name: "worse", program: "sh", args: ["-c", "exit 4"] },
            ], #{ fail_fast: false });
            "#,
        )
        .run()
        .status(1)
        .stdout_has("[slow-ok] slow-ok-done")
        .stderr_has(
            "parallel: 2 steps failed: `bad` (exited with code 3), `worse` (exited with code 4)",
        );
    Test::new()
        .script(
            r#"
            let r = parallel([
                #{ name: "bad", program: "sh", args: ["-c", "exit 3"], check: false },
                #{ name: "ok", program: "true", args: [] },
            ], #{ fail_fast: false });
            log(`codes ${r[0].code} ${r[1].code}`);
            "#,
        )
        .run()
        .status(0)
        .stdout_has("codes 3 0");
}

#[test]
fn max_one_runs_them_one_by_one() {
    let step = |n: &str| {
        format!(
            r#"#{{ name: "{n}", program: "sh", args: ["-c", "echo start-{n}; sleep 0.2; echo end-{n}"] }}"#
        )
    };
    let out = Test::new()
        .script(&format!(
            "parallel([{}, {}, {}], #{{ max: 1 }});",
            step("x"),
            step("y"),
            step("z")
        ))
        .run();
    out.status(0)
        .stdout_has("[x] start-x\n[x] end-x\n[y] start-y\n[y] end-y\n[z] start-z\n[z] end-z\n");
}

#[test]
fn the_deadline_ends_every_step_with_124() {
    Test::new()
        .script(
            r#"
            parallel([
                #{ name: "one", program: "sh", args: ["-c", "sleep 32.718 & sleep 32.718; wait"] },
                #{ name: "two", program: "sh", args: ["-c", "trap '' TERM; sleep 32.718"] },
            ]);
            log("not reached");
            "#,
        )
        .args(["--timeout", "1s"])
        .run()
        .status(124)
        .stdout_lacks("not reached")
        .stderr_has("stopping [one]")
        .stderr_has("the run's deadline passed");
    all_gone(&["sleep", "32.718"]);
}

#[test]
fn secrets_are_masked_in_prefixed_lines() {
    Test::new()
        .script(
            r#"
            let r = parallel([
                #{ name: "s", program: "sh", args: ["-c", "echo token $API_TOKEN; echo err $API_TOKEN >&2"] },
                #{ name: "t", program: "sh", args: ["-c", "echo given $GIVEN"], env: #{ GIVEN_PASSWORD: "given-Secr3t-x", GIVEN: "given-Secr3t-x" } },
            ]);
            "#,
        )
        .env("API_TOKEN", "tok-Secr3t-parallel")
        .run()
        .status(0)
        .stdout_has("[s] token ***\n")
        .stderr_has("[s] err ***\n")
        .stdout_has("[t] given ***\n")
        .output_lacks("tok-Secr3t-parallel")
        .output_lacks("given-Secr3t-x");
}

#[test]
fn dry_run_and_allow_exec_start_nothing() {
    Test::new()
        .script(
            r#"
            let r = parallel([
                #{ name: "touch", program: "touch", args: ["made-it"] },
                #{ program: "sh", args: ["-c", "touch made-it-too"] },
            ]);
            log(`dry ${r[0].dry_run} ${r[1].name}`);
            log(`exists ${file_exists("made-it")} ${file_exists("made-it-too")}`);
            "#,
        )
        .arg("--dry-run")
        .run()
        .status(0)
        .stdout_has("[dry-run] would run: [touch] touch made-it")
        .stdout_has("[dry-run] would run: [sh] sh -c 'touch made-it-too'")
        .stdout_has("dry true sh")
        .stdout_has("exists false false");
    Test::new()
        .script(
            r#"
            parallel([
                #{ name: "ok", program: "touch", args: ["made-it"] },
                #{ name: "no", program: "sh", args: ["-c", "true"] },
            ]);
            "#,
        )
        .arg("--allow-exec=touch")
        .run()
        .status(1)
        .stderr_has("running `sh` (step `no`)")
        .stderr_has("--allow-exec");
}

#[test]
fn bad_steps_raise_before_anything_starts() {
    let run = |steps: &str| Test::new().script(&format!("parallel([{steps}]);")).run();
    run(r#"#{ name: "a", program: "true", args: [] }, "oops""#)
        .status(1)
        .stderr_has("parallel: step 2 is a string");
    run(r#"#{ name: "a", args: [] }"#)
        .status(1)
        .stderr_has("parallel: step 1 has no `program`");
    run(r#"#{ name: "a", program: "true", args: [], timeuot: 3 }"#)
        .status(1)
        .stderr_has("unknown option `timeuot`");
    run(r#"#{ program: "true", args: [] }, #{ program: "true", args: [] }"#)
        .status(1)
        .stderr_has("two steps are named `true`");
    run(r#"#{ name: "gone", program: "no-such-program-xyz", args: [] }"#)
        .status(1)
        .stderr_has(
            "step `gone` (cannot run `no-such-program-xyz`: program not found on PATH) failed",
        );
}

#[test]
fn inside_a_task_the_report_lists_each_child() {
    let out = Test::new()
        .script(
            r#"
            task("warm", || parallel([
                #{ name: "assets", program: "sh", args: ["-c", "sleep 0.2"] },
                #{ name: "cache", program: "true", args: [] },
            ]));
            "#,
        )
        .args(["--report", "report.json"])
        .run();
    out.status(0).stderr_has("✔ warm");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.dir.join("report.json")).unwrap())
            .unwrap();
    let tasks = report["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 1, "{report}");
    let children = tasks[0]["children"].as_array().unwrap();
    let names: Vec<&str> = children
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["assets", "cache"]);
    assert!(
        children[0]["duration_ms"].as_u64().unwrap() >= 200,
        "{report}"
    );
    assert_eq!(children[1]["status"], "ok");
}
