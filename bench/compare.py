"""The benchmark driver behind bench/compare.sh (plain python3, no packages).

Each pair runs alternately (A B A B …) after a warm-up, so both see the same machine state;
we report the median of each side and the median of the pairwise ratios rhrel/bash.
"""
import os, resource, shutil, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILT = os.path.join(ROOT, "target", "release", "rhrel")
RUNS = int(os.environ.get("RUNS", "30"))
TMP = tempfile.mkdtemp(prefix="rhrel-bench-")
# rhrel as it is deployed: copied into the app's bin/ (a slug, an image layer). The file the
# linker wrote in target/release/ starts ~0.3 ms slower until the kernel drops and rereads its
# pages (it is cached in small pages; a copy is cached like any installed program), so the
# start-up benchmark reports that file too.
RHREL = os.path.join(TMP, "bin", "rhrel")
os.makedirs(os.path.dirname(RHREL))
shutil.copy2(BUILT, RHREL)
ENV = dict(os.environ, SIMULATED_WORK_SECONDS="0")
for k in ("DYNO", "RELEASE_COMMAND", "RHREL_TIMEOUT"):
    ENV.pop(k, None)


def write(name, text):
    path = os.path.join(TMP, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def timed(cmd, env=ENV):
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
    return time.perf_counter() - start


def pair(name, a, b, runs=RUNS, target=None, labels=("rhrel", "bash")):
    for _ in range(3):
        timed(a), timed(b)
    ta, tb, ratios = [], [], []
    for _ in range(runs):
        x, y = timed(a), timed(b)
        ta.append(x), tb.append(y), ratios.append(x / y)
    ma, mb, r = statistics.median(ta), statistics.median(tb), statistics.median(ratios)
    verdict = "" if target is None else ("  ok" if r <= target else f"  MISSED (target ≤ {target}×)")
    la, lb = labels
    print(f"{name:<10} {la} {ma*1000:8.2f} ms   {lb} {mb*1000:8.2f} ms   ratio {r:5.2f}×{verdict}")
    return r


def startup():
    hello, echo = write("hello.rhai", 'log("hello");\n'), write("hello.sh", "echo hello\n")
    pair("startup", [RHREL, hello], ["bash", echo], target=1.0)
    pair("(built)", [BUILT, hello], ["bash", echo])


def seed():
    pair("seed", [RHREL, os.path.join(ROOT, "scripts", "release.rhai")],
         ["bash", os.path.join(ROOT, "bench", "release-tasks.sh")], target=1.0)


def preflight():
    # The static checks a run makes before it starts (issue 14), against the same run without.
    script = os.path.join(ROOT, "scripts", "release.rhai")
    pair("preflight", [RHREL, script], [RHREL, "--no-check", script], target=1.10,
         labels=("checked", "--no-check"))


def spawn():
    pair("spawn", [RHREL, write("spawn.rhai", 'for i in 0..300 { exec("/bin/true", []); }\n')],
         ["bash", write("spawn.sh", "for i in $(seq 300); do /bin/true; done\n")],
         runs=max(5, RUNS // 3), target=0.85)


def relay():
    lines = 5_000_000  # 40-byte lines: 200 MB
    data = os.path.join(TMP, "lines.txt")
    with open(data, "wb") as f:
        f.write((b"x" * 39 + b"\n") * lines)
    # `cat` of a file in the page cache is far faster than rhrel can relay, so the figure is
    # rhrel's own: reading the pipe, splitting lines, masking (a secret is registered) and
    # writing to stdout (/dev/null here).
    script = write("relay.rhai", f'exec("cat", ["{data}"]);\n')
    env = dict(ENV, API_TOKEN="tok-Zq81x7Kp2-secret")
    timed(["cat", data])
    best = min(timed([RHREL, script], env) for _ in range(3))
    cat = min(timed(["cat", data]) for _ in range(3))
    rss = peak_rss([RHREL, script], env)
    mbps = lines * 40 / best / 1e6
    ok = "ok" if mbps >= 300 and rss <= 32 else "MISSED (targets ≥ 300 MB/s, ≤ 32 MiB)"
    print(f"relay      {mbps:8.0f} MB/s  (cat alone {lines*40/cat/1e6:.0f} MB/s)   peak RSS {rss:.1f} MiB  {ok}")
    os.remove(data)


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


def deadline():
    script = write("loop.rhai", "loop { }\n")
    overs = []
    for _ in range(10):
        overs.append(timed([RHREL, "--timeout", "1s", script]) - 1.0)
    o = statistics.median(overs) * 1000
    print(f"deadline   loop {{}} with --timeout 1s ends {o:.1f} ms after the deadline (median of 10; worst {max(overs)*1000:.1f} ms)  "
          + ("ok" if o <= 50 else "MISSED (target ≤ 50 ms)"))


def lint():
    path = os.path.join(TMP, "big.rhai")
    with open(path, "w") as f:
        for i in range(5000):
            f.write(f"fn f{i}(x) {{ let y = x + {i};\n  if y > 3 {{ log(`v=${{y}}`); }}\n  y\n}}\n")
    times = [timed([RHREL, "check", path]) for _ in range(10)]
    t = statistics.median(times) * 1000
    print(f"lint       rhrel check on 20,000 lines: {t:.1f} ms (median of 10)  " + ("ok" if t <= 100 else "MISSED (target ≤ 100 ms)"))


ALL = {"startup": startup, "seed": seed, "preflight": preflight, "spawn": spawn, "relay": relay, "deadline": deadline, "lint": lint}

if __name__ == "__main__":
    print(f"# {os.cpu_count()} cores, {RUNS} runs per pair; rhrel = {RHREL} (a copy of {BUILT}; '(built)' runs that file itself)")
    for name in sys.argv[1:] or ALL:
        ALL[name]()
