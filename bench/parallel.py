"""The benchmark driver behind bench/parallel.sh (plain python3, no packages): what
`parallel` costs on top of the children it runs.

- sleepers: three children that each sleep 1 s; the run should take at most 1.2 s.
- relay: two children that each write 100 MB of 40-byte lines at once; the combined rate
  rhrel relays them at (prefixed, masked, to /dev/null), and rhrel's own peak RSS.
"""
import os, shutil, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# RHREL_BIN measures another build (e.g. target/debug/rhrel) without the release build.
BUILT = os.environ.get("RHREL_BIN") or os.path.join(ROOT, "target", "release", "rhrel")
RUNS = int(os.environ.get("RUNS", "10"))
TMP = tempfile.mkdtemp(prefix="rhrel-bench-parallel-")
RHREL = os.path.join(TMP, "bin", "rhrel")
os.makedirs(os.path.dirname(RHREL))
shutil.copy2(BUILT, RHREL)
ENV = dict(os.environ)
for k in ("DYNO", "RELEASE_COMMAND", "RHREL_TIMEOUT"):
    ENV.pop(k, None)


def write(name, text):
    path = os.path.join(TMP, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def timed(cmd, env=ENV):
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=True)
    return time.perf_counter() - start


def peak_rss(cmd, env):
    """Peak RSS of rhrel itself (not its children), read from /proc while it runs."""
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    peak = 0
    while p.poll() is None:
        try:
            with open(f"/proc/{p.pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        peak = max(peak, int(line.split()[1]) / 1024)
        except OSError:
            pass
        time.sleep(0.01)
    return peak


def sleepers():
    script = write("sleepers.rhai", "parallel([\n" + "".join(
        f'    #{{ name: "s{i}", program: "sleep", args: ["1"] }},\n' for i in range(3))
        # The default `max` is the number of CPUs (2 on the project's VM): allow all three.
        + "], #{ max: 3 });\n")
    times = [timed([RHREL, script]) for _ in range(RUNS)]
    t, worst = statistics.median(times), max(times)
    print(f"sleepers   3 × sleep 1 in parallel: {t:.3f} s (median of {RUNS}; worst {worst:.3f} s)  "
          + ("ok" if t <= 1.2 else "MISSED (target ≤ 1.2 s)"))


def relay():
    lines = 2_500_000  # 40-byte lines: 100 MB per child
    data = os.path.join(TMP, "lines.txt")
    with open(data, "wb") as f:
        f.write((b"x" * 39 + b"\n") * lines)
    script = write("relay.rhai", "parallel([\n"
                   f'    #{{ name: "a", program: "cat", args: ["{data}"] }},\n'
                   f'    #{{ name: "b", program: "cat", args: ["{data}"] }},\n'
                   "]);\n")
    env = dict(ENV, API_TOKEN="tok-Zq81x7Kp2-secret")
    timed(["cat", data])
    best = min(timed([RHREL, script], env) for _ in range(3))
    rss = peak_rss([RHREL, script], env)
    mbps = 2 * lines * 40 / best / 1e6
    ok = "ok" if mbps >= 500 and rss <= 32 else "MISSED (targets ≥ 500 MB/s, ≤ 32 MiB)"
    print(f"relay      2 × 100 MB of 40-byte lines, prefixed: {mbps:.0f} MB/s combined (best of 3)  "
          f"peak RSS {rss:.1f} MiB  {ok}")
    os.remove(data)


ALL = {"sleepers": sleepers, "relay": relay}
try:
    for name in sys.argv[1:] or ALL:
        ALL[name]()
finally:
    shutil.rmtree(TMP, ignore_errors=True)
