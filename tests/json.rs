//! parse_json / to_json through the real binary.

use crate::support::Test;

#[test]
fn parse_keeps_types() {
    Test::new()
        .script(
            r#"let v = parse_json(`{"i": 2, "f": 1.5, "n": null, "b": true, "a": [1, "x"], "o": {"k": "v"}}`);
               log(`${type_of(v.i)} ${type_of(v.f)} ${v.n == ()} ${v.b} ${v.a[1]} ${v.o.k}`);
               log(`${parse_json("[1,2]").len()} ${parse_json("\"s\"")} ${parse_json("42") + 1}`);"#,
        )
        .run()
        .status(0)
        .stdout_has("i64 f64 true true x v")
        .stdout_has("2 s 43");
}

#[test]
fn to_json_compact_and_pretty() {
    Test::new()
        .script(
            r#"let m = #{name: "demo", list: [1, 2.5, (), false]};
               log(to_json(m));
               log(to_json(m, true));
               log(to_json(parse_json(to_json(m))) == to_json(m));"#,
        )
        .run()
        .status(0)
        .stdout_has(r#"{"list":[1,2.5,null,false],"name":"demo"}"#)
        .stdout_has("{\n  \"list\": [\n    1,")
        .stdout_has("true");
}

#[test]
fn invalid_json_names_line_and_column_and_is_catchable() {
    Test::new()
        .script(
            r#"try { parse_json("{\n  \"a\": 1,\n  oops\n}"); } catch (e) { log(`caught: ${e}`); }
               parse_json("[1, 2");"#,
        )
        .run()
        .status(1)
        .stdout_has("caught: invalid JSON at line 3, column 3: key must be a string")
        .stderr_has("invalid JSON at line 1, column 5");
}

#[test]
fn values_without_a_json_form_are_refused() {
    Test::new()
        .script(r#"to_json(#{f: || 1});"#)
        .run()
        .status(1)
        .stderr_has("cannot write a value of type");
}
