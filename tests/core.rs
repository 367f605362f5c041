//! Exit codes, errors and bad input, through the real binary.

use crate::support::Test;

#[test]
fn finished_script_exits_0() {
    Test::new()
        .script(r#"log("fine");"#)
        .run()
        .status(0)
        .stdout_has("fine");
}

#[test]
fn run_subcommand_is_the_same() {
    Test::new()
        .file("s.rhai", r#"log("via-run");"#)
        .args(["run", "s.rhai"])
        .run()
        .status(0)
        .stdout_has("via-run");
}

#[test]
fn empty_script_exits_0() {
    Test::new().script("").run().status(0);
}

#[test]
fn fail_exits_1_with_message_and_position() {
    let out = Test::new()
        .script("log(\"before\");\nfail(\"boom-marker\");\nlog(\"after\");")
        .run();
    out.status(1)
        .stdout_has("before")
        .stdout_lacks("after")
        .stderr_has("script.rhai:2:1: boom-marker");
}

#[test]
fn fail_with_code() {
    Test::new()
        .script(r#"fail("custom", 42);"#)
        .run()
        .status(42)
        .stderr_has("custom");
}

#[test]
fn fail_with_out_of_range_code_is_exit_1() {
    Test::new()
        .script(r#"fail("x", 200);"#)
        .run()
        .status(1)
        .stderr_has("1 to 125");
}

#[test]
fn uncaught_throw_exits_1() {
    Test::new()
        .script(r#"throw "thrown-marker";"#)
        .run()
        .status(1)
        .stderr_has("thrown-marker");
}

#[test]
fn runtime_error_names_position() {
    Test::new()
        .script("let a = 1;\nlet b = a / 0;")
        .run()
        .status(1)
        .stderr_has("script.rhai:2:");
}

#[test]
fn caught_fail_continues() {
    Test::new()
        .script(r#"try { fail("inner", 9); } catch (e) { log(`caught ${e.message}`); } log("went on");"#)
        .run()
        .status(0)
        .stdout_has("caught inner")
        .stdout_has("went on");
}

#[test]
fn syntax_error_is_65_with_line() {
    Test::new()
        .script("let a = 1;\nlet b = ;\n")
        .run()
        .status(65)
        .stderr_has("script.rhai:2:");
}

#[test]
fn missing_file_is_66() {
    Test::new()
        .arg("missing.rhai")
        .run()
        .status(66)
        .stderr_has("missing.rhai");
}

#[test]
fn directory_is_66() {
    Test::new()
        .file("dir.rhai/x", "")
        .arg("dir.rhai")
        .run()
        .status(66)
        .stderr_has("directory");
}

#[test]
fn non_utf8_is_65() {
    Test::new()
        .file("bin.rhai", b"log(\"a\xff\xfe\");\n")
        .arg("bin.rhai")
        .run()
        .status(65)
        .stderr_has("UTF-8");
}

#[test]
fn bom_and_crlf_run() {
    Test::new()
        .file("w.rhai", "\u{feff}let a = 1;\r\nlog(`a=${a}`);\r\n")
        .arg("w.rhai")
        .run()
        .status(0)
        .stdout_has("a=1");
}

#[test]
fn unknown_flag_is_usage_2() {
    Test::new().script("").arg("--no-such-flag").run().status(2);
}

#[test]
fn bad_timeout_is_usage_2() {
    Test::new()
        .script("")
        .args(["--timeout", "soon"])
        .run()
        .status(2)
        .stderr_has("soon");
}

#[test]
fn no_script_is_usage_2() {
    Test::new().run().status(2);
}

#[test]
fn version_and_help() {
    Test::new()
        .arg("--version")
        .run()
        .status(0)
        .stdout_has(env!("CARGO_PKG_VERSION"));
    Test::new()
        .arg("--help")
        .run()
        .status(0)
        .stdout_has("--timeout");
}

#[test]
fn exit_ends_at_once_with_0() {
    Test::new()
        .script(r#"log("skipping"); exit(); log("after-exit");"#)
        .run()
        .status(0)
        .stdout_lacks("after-exit");
}

#[test]
fn exit_code_passes_through() {
    Test::new()
        .script("exit(7);")
        .run()
        .status(7)
        .stderr_lacks("error");
}

#[test]
fn exit_inside_function_closure_and_try() {
    Test::new()
        .script("fn f() { exit(7); } f(); log(\"no\");")
        .run()
        .status(7)
        .stdout_lacks("no");
    Test::new()
        .script("let c = || exit(7); c.call(); log(\"no\");")
        .run()
        .status(7)
        .stdout_lacks("no");
    Test::new()
        .script("try { exit(7); } catch { log(\"caught\"); } log(\"no\");")
        .run()
        .status(7)
        .stdout_lacks("caught");
    Test::new()
        .script("try { exit(); } catch { log(\"caught\"); } log(\"no\");")
        .run()
        .status(0)
        .stdout_lacks("caught");
}

#[test]
fn exit_inside_callback_cannot_be_caught() {
    Test::new()
        .script("try { [1, 2].map(|x| exit(3)); } catch (e) { log(\"caught\"); } log(\"after\");")
        .run()
        .status(3)
        .stdout_lacks("caught")
        .stdout_lacks("after");
}

#[test]
fn exit_out_of_range_is_an_error() {
    Test::new()
        .script("exit(300);")
        .run()
        .status(1)
        .stderr_has("out of range");
}

#[test]
fn eval_is_disabled() {
    Test::new()
        .script(r#"eval("log(\"evaluated\")");"#)
        .run()
        .status(65)
        .stdout_lacks("evaluated");
}

#[test]
fn a_missing_import_is_a_compile_error() {
    Test::new()
        .script("import \"x\" as x;")
        .run()
        .status(65)
        .stderr_has("script.rhai:1:1: module `x` not found");
}

#[test]
fn string_bomb_hits_the_size_limit() {
    Test::new()
        .script(r#"let s = "xxxxxxxx"; loop { s += s; }"#)
        .run()
        .status(1)
        .stderr_has("string size limit");
}

#[test]
fn infinite_recursion_ends_with_1() {
    Test::new()
        .script("fn f(x) { f(x + 1) } f(0);")
        .run()
        .status(1)
        .stderr_has("call depth limit");
}

#[test]
fn deep_nesting_is_65() {
    let src = format!("let x = {}1{};", "(".repeat(20000), ")".repeat(20000));
    Test::new().script(&src).run().status(65);
}

#[test]
fn deep_recursion_ends_with_1_whatever_the_stack_limit() {
    // 1 MiB: too small for the main thread, so the script runs on its own large stack;
    // 8 MiB (the usual default) and unlimited: on the main thread.
    let deep = "fn f(n) { [1].map(|x| [[[[[[f(n + 1)]]]]]]) }\nf(0);";
    for limit in [1 << 20, 8 << 20, u64::MAX] {
        Test::new()
            .script(deep)
            .stack_limit(limit)
            .run()
            .status(1)
            .stderr_has("call depth limit")
            .assert_no_panic();
    }
}

#[test]
fn going_over_the_stack_budget_ends_with_1_and_cannot_be_caught() {
    // Debug builds take a smaller budget from RHREL_DEBUG_STACK_BUDGET (see run.rs).
    let out = Test::new()
        .script("fn f(n) { f(n + 1) }\ntry { f(0); } catch { log(\"caught\"); }\nlog(\"after\");")
        .env("RHREL_DEBUG_STACK_BUDGET", "65536")
        .run();
    out.status(1)
        .stderr_has("stack limit exceeded")
        .stdout_lacks("caught")
        .stdout_lacks("after");
}

#[test]
fn internal_error_is_70_without_a_rust_panic_message() {
    // Debug builds panic on purpose when RHREL_DEBUG_PANIC is set (see lib.rs).
    let out = Test::new()
        .script("log(1);")
        .env("RHREL_DEBUG_PANIC", "1")
        .run();
    out.status(70)
        .stderr_has("rhrel: internal error")
        .stderr_has("please report it");
}

#[test]
fn function_name_used_as_a_value_is_a_function_pointer() {
    // Pins the vendored parser patch (vendor/rhai/PATCHES.md): the name index must still
    // tell function names from variables, also when functions are defined after use.
    Test::new()
        .script("fn hello() { \"hi\" }\nlet f = hello;\nlog(`${type_of(f)} ${f.call()}`);\nlet g = later;\nlog(g.call());\nfn later() { \"after\" }")
        .run()
        .status(0)
        .stdout_has("Fn hi")
        .stdout_has("after");
}
