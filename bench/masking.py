"""What masking costs (plain python3, no packages): the start-up a 64 KiB secret adds (random,
and one repeated character), and 1,000 `mask()` calls. Each pair runs alternately after a
warm-up, like bench/compare.py; the figure is the difference of the medians.

    cargo build --release && python3 bench/masking.py         # RUNS=30 by default
"""
import os, random, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RHREL = os.environ.get("RHREL", os.path.join(ROOT, "target", "release", "rhrel"))
RUNS = int(os.environ.get("RUNS", "30"))
TMP = tempfile.mkdtemp(prefix="rhrel-mask-bench-")
ENV = {k: v for k, v in os.environ.items() if k not in ("DYNO", "RELEASE_COMMAND", "RHREL_TIMEOUT")}


def write(name, text):
    path = os.path.join(TMP, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def timed(cmd, env):
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
    return time.perf_counter() - start


def added(name, a, b, target_ms):
    """Median of `a` minus median of `b`, each (cmd, env)."""
    for _ in range(3):
        timed(*a), timed(*b)
    ta, tb = [], []
    for _ in range(RUNS):
        ta.append(timed(*a)), tb.append(timed(*b))
    ma, mb = statistics.median(ta) * 1000, statistics.median(tb) * 1000
    extra = ma - mb
    verdict = "ok" if extra <= target_ms else f"MISSED (target ≤ {target_ms} ms)"
    print(f"{name:<34} {ma:8.2f} ms against {mb:8.2f} ms: adds {extra:6.2f} ms  {verdict}")


def main():
    hello = write("hello.rhai", 'log("hello");\n')
    rng = random.Random(15)
    printable = "".join(chr(c) for c in range(33, 127))
    secrets = {
        "random": "".join(rng.choice(printable) for _ in range(64 * 1024)),
        "one repeated character": "a" * (64 * 1024),
    }
    print(f"# {os.cpu_count()} cores, {RUNS} runs per pair; {RHREL}")
    for shape, secret in secrets.items():
        added(f"64 KiB secret, {shape}", ([RHREL, hello], dict(ENV, BIG_SECRET=secret)),
              ([RHREL, hello], ENV), 50)
    masks = write("mask.rhai", 'for i in 0..1000 { mask(`run-time-secret-${i}`); }\nlog("x");\n')
    plain = write("plain.rhai", 'for i in 0..1000 { let v = `run-time-secret-${i}`; }\nlog("x");\n')
    added("1,000 mask() calls", ([RHREL, masks], ENV), ([RHREL, plain], ENV), 10)


if __name__ == "__main__":
    sys.exit(main())
