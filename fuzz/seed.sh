#!/bin/sh
# Seeds fuzz/corpus/{check,run} from the repository's scripts, the stdlib, test fixtures and
# the script literals (r#"…"#) of the integration tests. Run from the repository root.
set -eu
for target in check run; do
    dir=fuzz/corpus/$target
    mkdir -p "$dir"
    find scripts stdlib tests/fixtures -name '*.rhai' -type f | while read -r f; do
        cp "$f" "$dir/$(echo "$f" | tr '/' '_')"
    done
    python3 - "$dir" <<'PY'
import re, sys, pathlib, hashlib
out = pathlib.Path(sys.argv[1])
for test in pathlib.Path("tests").glob("*.rs"):
    for m in re.finditer(r'r#"(.*?)"#', test.read_text(), re.S):
        body = m.group(1)
        if len(body) > 10:
            (out / ("t_" + hashlib.sha1(body.encode()).hexdigest()[:12])).write_text(body)
PY
done
ls fuzz/corpus/check | wc -l
