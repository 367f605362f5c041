//! Issue 14, "safe by construction": plain-looking release scripts that used to do the
//! wrong thing silently now do what they say, or stop with an error at the author's line.

use crate::support::Test;

#[test]
fn the_review_app_guard_lets_production_migrate_when_the_variable_is_unset() {
    let out = Test::new()
        .script(
            "if env(\"HEROKU_PR_NUMBER\") != \"\" { log(\"review app: skipping\"); exit(); }\n\
             exec(\"touch\", [\"migrated\"]);\nlog(\"migrated\");",
        )
        .env_remove("HEROKU_PR_NUMBER")
        .run();
    out.status(0)
        .stdout_has("migrated")
        .stdout_lacks("review app");
    assert!(
        out.dir.join("migrated").exists(),
        "the migration did not run"
    );
}

#[test]
fn unset_on_the_left_reads_as_empty_and_unit_on_the_right_probes() {
    Test::new()
        .script(
            "log(`a=${env(\"UNSET_X\") == \"\"} b=${env(\"UNSET_X\") == \"x\"} \
             c=${env(\"UNSET_X\") == ()} d=${\"\" == ()} e=${#{k: 1}.get(\"z\") != ()} f=${1 == 1.0}`);",
        )
        .env_remove("UNSET_X")
        .run()
        .status(0)
        .stdout_has("a=true b=false c=true d=false e=false f=true");
}

#[test]
fn a_number_compared_with_a_string_raises_naming_both() {
    Test::new()
        .script("let status = 200;\nif status == \"200\" { log(\"ok\"); }")
        .run()
        .status(1)
        .stderr_has("script.rhai:2:")
        .stderr_has("cannot compare 200 (an integer) == \"200\" (a string)")
        .stderr_has("parse_int");
}

#[test]
fn mixed_comparisons_are_catchable_and_ordering_raises() {
    Test::new()
        .script(
            "for pair in [[true, \"true\"], [[1], \"a\"], [(), 3]] {\n\
                 try { let r = pair[0] == pair[1]; log(`silent ${r}`); } catch (e) { log(`raised: ${e}`); }\n\
             }\n\
             try { let r = () < \"a\"; log(`silent ${r}`); } catch (e) { log(`raised: ${e}`); }",
        )
        .run()
        .status(0)
        .stdout_lacks("silent")
        .stdout_has("raised: cannot compare true (a bool) == \"true\" (a string)")
        .stdout_has("(an array)")
        .stdout_has("raised: cannot compare () (no value: unset or missing) == 3")
        .stdout_has("raised: cannot compare () (no value: unset or missing) < \"a\"");
}

#[test]
fn log_prints_every_kind_of_value() {
    Test::new()
        .script("log(1.25);\nlog(3);\nlog(true);\nlog(());\nlog([1, \"a\"]);\nwarn(0.5);\nprint(());\nlog(ln(1.0));\nlog(log(8.0, 2.0));")
        .run()
        .status(0)
        .stdout_has("1.25\n3\ntrue\n()\n[1, \"a\"]\n")
        .stdout_has("()\n0.0\n3.0\n")
        .output_has("0.5");
}

#[test]
fn in_place_string_methods_also_return_the_result() {
    Test::new()
        .script(
            "let s = \"  v1.2.3 \\n\";\nlet v = s.trim();\n\
             log(`v=${v} s=${s} r=${\"a-b\".replace(\"-\", \"+\")} p=${\"ab\".pad(4, '*')} \
             u=${\"ab\".make_upper()} c=${\"hello\".crop(1, 2)} t=${\"abcdef\".truncate(3)}`);",
        )
        .run()
        .status(0)
        .stdout_has("v=v1.2.3 s=v1.2.3 r=a+b p=ab** u=AB c=el t=abc");
}

#[test]
fn a_missing_property_raises_listing_the_keys() {
    Test::new()
        .script("let body = #{ok: true, count: 3};\nlog(`warmed ${body.warmed} keys`);")
        .run()
        .status(1)
        .stderr_has("script.rhai:2:")
        .stderr_has("property `warmed` not found (the map has: `count`, `ok`)")
        .stderr_has("\"warmed\" in map")
        .stdout_lacks("warmed");
}

#[test]
fn a_missing_property_can_be_probed() {
    Test::new()
        .script("let m = #{a: 1};\nm.b = 2;\nlog(`${\"c\" in m} ${m.get(\"c\") == ()} ${m.b}`);")
        .run()
        .status(0)
        .stdout_has("false true 2");
}

#[test]
fn interpolation_in_a_plain_string_is_a_check_warning() {
    Test::new()
        .file(
            "scripts/release.rhai",
            "let version = \"1\";\nlog(\"deploying ${version}\");\n",
        )
        .args(["check", "scripts/release.rhai"])
        .run()
        .status(0)
        .stdout_has("warning[interpolation]")
        .stdout_has("scripts/release.rhai:2:")
        .stdout_has("use a backtick string to interpolate");
}

#[test]
fn check_warns_on_a_literal_on_the_left_and_a_kept_in_place_result() {
    Test::new()
        .file(
            "scripts/release.rhai",
            "if \"\" == env(\"X\") { log(\"x\"); }\nlet list = [2, 1];\nlet xs = list.sort();\n",
        )
        .args(["check", "scripts/release.rhai"])
        .run()
        .status(0)
        .stdout_has("warning[comparison]")
        .stdout_has("write the literal on the right")
        .stdout_has("warning[unit-result]")
        .stdout_has("`sort` changes the array in place and returns ()");
}

#[test]
fn a_typo_after_an_exec_ends_with_65_before_the_exec_runs() {
    let out = Test::new()
        .script("exec(\"touch\", [\"ran\"]);\nhttp_pst(\"http://127.0.0.1:9/x\", #{});\n")
        .run();
    out.status(65)
        .stderr_has("unknown function `http_pst`")
        .stderr_has("did you mean `http_post`?")
        .stderr_has("script.rhai:2:1:")
        .stderr_has("--no-check");
    assert!(
        !out.dir.join("ran").exists(),
        "the exec ran before the check"
    );
}

#[test]
fn no_check_runs_a_script_the_checks_refuse() {
    for from_env in [false, true] {
        let mut t = Test::new().file(
            "script.rhai",
            "exec(\"touch\", [\"ran\"]);\nhttp_pst(\"u\", #{});\n",
        );
        t = if from_env {
            t.env("RHREL_NO_CHECK", "1")
        } else {
            t.arg("--no-check")
        };
        let out = t.arg("script.rhai").run();
        out.status(1).stderr_has("http_pst");
        assert!(out.dir.join("ran").exists(), "the exec did not run");
    }
}

#[test]
fn warnings_do_not_stop_a_run() {
    Test::new()
        .script("let v = \"1\";\nlog(\"v ${v}\");\n")
        .run()
        .status(0)
        .stdout_has("v ${v}")
        .stderr_has("warning[interpolation]");
}

#[test]
fn an_unset_variable_passed_to_a_host_function_names_the_parameter() {
    Test::new()
        .script("http_post(env(\"SLACK_WEBHOOK_URL\"), #{text: \"x\"});")
        .env_remove("SLACK_WEBHOOK_URL")
        .run()
        .status(1)
        .stderr_has("script.rhai:1:1: http_post(url, body): `url` is () — is an environment variable unset?")
        .stderr_has("require_env");
    Test::new()
        .script("exec(\"pg_isready\", [\"-d\", env(\"DATABASE_URL\")]);")
        .env_remove("DATABASE_URL")
        .run()
        .status(1)
        .stderr_has("argument 2 is () — is an environment variable unset?");
}

#[test]
fn wrong_argument_types_list_the_accepted_forms_in_script_words() {
    Test::new()
        .script("exec(\"bundle\", \"exec rails db:migrate\");")
        .run()
        .status(1)
        .stderr_has("exec was called as exec(string, string)")
        .stderr_has("exec(program: string, args: array)")
        .stderr_has("e.g. `exec(\"bundle\", [\"exec\", \"rails\", \"db:migrate\"]);`");
}

#[test]
fn an_error_inside_a_module_points_at_the_callers_line() {
    Test::new()
        .file("lib/m.rhai", "fn inner(x) {\n    let y = x + 1;\n    fail(`bad ${y}`)\n}\nfn outer(x) { inner(x) }\n")
        .script("import \"lib/m\" as m;\nlog(\"a\");\nm::outer(1);\n")
        .run()
        .status(1)
        .stderr_has("script.rhai:3:")
        .stderr_has(": in outer (")
        .stderr_has("m.rhai:3:")
        .stderr_has("bad 2");
}

#[test]
fn every_caught_error_has_one_shape() {
    Test::new()
        .script(
            "let shapes = [];\n\
             try { throw \"x\"; } catch (e) { shapes.push(`${type_of(e)}:${e.message}`); }\n\
             try { fail(\"f\"); } catch (e) { shapes.push(`${type_of(e)}:${e.message}`); }\n\
             try { let a = 1 / 0; } catch (e) { shapes.push(`${type_of(e)}:${e.message}`); }\n\
             try { let m = #{}; m.x; } catch (e) { shapes.push(`${type_of(e)}:${e}`); }\n\
             try { exec(\"false\", []); } catch (e) { shapes.push(`${type_of(e)}:${e.code}`); }\n\
             try { throw \"busy\"; } catch (e) { shapes.push(`${e == \"busy\"}`); }\n\
             log(shapes);",
        )
        .run()
        .status(0)
        .stdout_has("Error:x")
        .stdout_has("Error:f")
        .stdout_has("Error:Division by zero")
        .stdout_has("Error:property `x` not found")
        .stdout_has("Error:1")
        .stdout_has("\"true\"");
}

#[test]
fn a_rethrown_error_keeps_where_it_happened() {
    Test::new()
        .script(
            "fn deploy() {\n  exec(\"false\", []);\n}\ntry {\n  deploy();\n} catch (e) {\n  log(`notify: ${e}`);\n  throw e;\n}\n",
        )
        .run()
        .status(1)
        .stdout_has("notify: command `false` exited with code 1")
        .stderr_has("script.rhai:2:3: command `false` exited with code 1");
}

#[test]
fn retry_takes_attempts_from_a_string_and_a_duration_delay() {
    Test::new()
        .script(
            "import \"std/retry\" as retry;\nlet n = 0;\n\
             let r = retry::retry(env(\"ATTEMPTS\", \"3\"), \"100ms\", || { n += 1; if n < 3 { fail(`boom ${n}`) } n });\n\
             log(`got ${r}`);",
        )
        .env_remove("ATTEMPTS")
        .run()
        .status(0)
        .stdout_has("attempt 1/3 failed: boom 1; retrying in 0.1s")
        .stdout_has("attempt 2/3 failed: boom 2; retrying in 0.2s")
        .stdout_has("got 3");
}

#[test]
fn retry_argument_errors_point_at_the_users_line() {
    Test::new()
        .script("import \"std/retry\" as retry;\nlog(\"x\");\nretry::retry(\"abc\", 1, || 1);")
        .run()
        .status(1)
        .stderr_has("script.rhai:3:")
        .stderr_has("in retry (std/retry:")
        .stderr_has("attempts must be a positive integer, or a string holding one");
    Test::new()
        .script("import \"std/retry\" as retry;\nretry::retry(2, \"soon\", || 1);")
        .run()
        .status(1)
        .stderr_has("script.rhai:2:")
        .stderr_has("invalid duration `soon`");
}

#[test]
fn an_unknown_function_at_run_time_says_did_you_mean() {
    Test::new()
        .script("log(\"a\");\nhttp_pst(\"u\", #{});\n")
        .arg("--no-check")
        .run()
        .status(1)
        .stdout_has("a")
        .stderr_has("script.rhai:2:1: unknown function `http_pst`; did you mean `http_post`?");
}
