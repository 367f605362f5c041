#!/bin/bash
# `rhrel test` speed: 100 simulated runs of the seed release (scripts/release.rhai, with the
# add-on variables and a node stand-in) in one test file; prints the median wall time of RUNS
# invocations of the release binary (target: under 1 s for the 100).
#   bench/simulate.sh
#   RUNS=20 bench/simulate.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cp scripts/release.rhai "$dir/release.rhai"
for i in $(seq 1 100); do
    cat <<RHAI
test("seed release $i", || {
    let r = simulate("release.rhai", #{
        env: #{ DATABASE_URL: "postgres://app:pw@db/app", REDIS_URL: "redis://cache:6379" },
        exec: [ #{ program: "node", args: ["--version"], stdout: "v20.1.0\n" } ],
    });
    assert_eq(r.exit_code, 0);
});
RHAI
done > "$dir/bench.test.rhai"
cp target/release/rhrel "$dir/rhrel"
python3 - "$dir" "${RUNS:-10}" <<'PY'
import statistics, subprocess, sys, time
d, runs = sys.argv[1], int(sys.argv[2])
cmd = [f"{d}/rhrel", "test", f"{d}/bench.test.rhai"]
out = subprocess.run(cmd, capture_output=True, text=True)
assert out.returncode == 0 and "100 passed, 0 failed" in out.stdout, out.stdout + out.stderr
times = []
for _ in range(runs):
    t = time.perf_counter()
    subprocess.run(cmd, capture_output=True, check=True)
    times.append(time.perf_counter() - t)
med = statistics.median(times)
print(f"rhrel test: 100 simulated seed releases in {med * 1000:.0f} ms "
      f"(median of {runs}; min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}); "
      f"{med * 10:.2f} ms per run; target < 1000 ms")
PY
