#!/usr/bin/env python3
"""Soak test of `crowdclip count` (not in CI): `make soak N=100000`.

Builds N inputs in one folder, symlinks to a few real images with broken files among them (text, a truncated
PNG, a dangling symlink), counts them with the tiny test model, kills the run with SIGKILL at three random
moments (resuming after each, once with a half record appended by hand), and checks the finished output:
every input has exactly one record, no line is broken, every bad file has its error record. Peak RSS of
every run is measured; with --baseline (default 1000) the same soak runs at that size first and the peak at N
must be within 10 % of it.
"""
import argparse, json, os, random, shutil, signal, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, "Tests", "Fixtures")
MODEL = ["--weights", f"{FIX}/models/tiny-p16.safetensors", "--head-width", "8",
         "--counter-weights", f"{FIX}/counting/counter-visual.safetensors"]
BROKEN_EVERY = 97


def build_inputs(folder, n):
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    real = [f"{FIX}/counting/scene-{k}.png" for k in range(4)]
    truncated = os.path.join(os.path.dirname(folder), "truncated.png")
    with open(real[3], "rb") as f, open(truncated, "wb") as g:
        g.write(f.read()[:300])
    bad = set()
    for i in range(1, n + 1):
        path = os.path.join(folder, f"img_{i}.png")
        if i % BROKEN_EVERY == 0:
            kind = (i // BROKEN_EVERY) % 3
            if kind == 0:
                with open(path, "w") as f:
                    f.write("not an image\n")
            elif kind == 1:
                os.symlink(truncated, path)
            else:
                os.symlink(path + ".missing-target", path)
            bad.add(path)
        else:
            os.symlink(real[i % 4], path)
    return bad


def lines_in(path):
    try:
        with open(path, "rb") as f:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
    except FileNotFoundError:
        return 0


def run(binary, folder, out, resume, kill_at_lines=None, grid="1"):
    """Runs one count; with kill_at_lines, SIGKILLs it once the output holds that many lines. Returns
    (exit status or 'killed', peak RSS in KB, seconds)."""
    cmd = ["nice", "-n", "10", binary, "count", *MODEL, "--grid", grid, "-o", out] + (["--resume"] if resume else []) + [folder]
    start = time.time()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # nice execs: same pid
    while True:
        pid, status, usage = os.wait4(p.pid, os.WNOHANG)
        if pid:  # ru_maxrss: the peak resident set of the whole run, in KB
            p.returncode = os.waitstatus_to_exitcode(status)
            return p.returncode, usage.ru_maxrss, time.time() - start
        if kill_at_lines is not None and lines_in(out) >= kill_at_lines:
            os.kill(p.pid, signal.SIGKILL)
            _, _, usage = os.wait4(p.pid, 0)
            p.returncode = -9
            return "killed", usage.ru_maxrss, time.time() - start
        time.sleep(0.1 if kill_at_lines is not None else 0.5)


def soak(binary, n, work, seed, grid):
    rng = random.Random(seed)
    folder, out = os.path.join(work, f"n{n}", "images"), os.path.join(work, f"n{n}", "counts.jsonl")
    print(f"== N={n}: building inputs in {folder}", flush=True)
    bad = build_inputs(folder, n)
    if os.path.exists(out):
        os.remove(out)
    peaks, report = [], []
    for k in range(3):  # each kill lands somewhere in the first half of what is left
        done = lines_in(out)
        target = done + rng.randint(1, max(1, (n - done) // 2))
        status, peak, secs = run(binary, folder, out, resume=k > 0, kill_at_lines=target, grid=grid)
        peaks.append(peak)
        report.append(f"run {k + 1}: {status} at {lines_in(out)} lines (target {target}), {secs:.1f} s, peak {peak / 1024:.1f} MB")
        print(report[-1], flush=True)
        if k == 1:
            with open(out, "ab") as f:  # a record cut in half, as a crash inside write(2) or a full disk leaves
                f.write(b'{"image": "torn", "pa')
    resumed_from = lines_in(out)
    status, peak, secs = run(binary, folder, out, resume=True, grid=grid)
    peaks.append(peak)
    report.append(f"final run: exit {status} after resuming from {resumed_from} lines, {secs:.1f} s, peak {peak / 1024:.1f} MB")
    print(report[-1], flush=True)

    records, broken = {}, 0
    with open(out, "rb") as f:
        for raw in f:
            try:
                r = json.loads(raw)
            except ValueError:
                broken += 1
                continue
            records.setdefault(r.get("path") or r["image"], []).append(r)
    expected = {os.path.join(os.path.realpath(folder), f"img_{i}.png") for i in range(1, n + 1)}
    bad_paths = {os.path.join(os.path.realpath(folder), os.path.basename(b)) for b in bad}
    problems = []
    if status != 1:
        problems.append(f"final exit status {status}, expected 1 (some inputs are bad)")
    if broken:
        problems.append(f"{broken} line(s) are not JSON")
    missing = expected - records.keys()
    extra = records.keys() - expected
    dup = [p for p, rs in records.items() if len(rs) != 1]
    if missing: problems.append(f"{len(missing)} input(s) without a record, e.g. {sorted(missing)[:2]}")
    if extra: problems.append(f"{len(extra)} record(s) for no input, e.g. {sorted(extra)[:2]}")
    if dup: problems.append(f"{len(dup)} input(s) with several records, e.g. {dup[:2]}")
    no_error = [p for p in bad_paths if p in records and "error" not in records[p][0]]
    wrong_error = [p for p in expected - bad_paths if p in records and "count" not in records[p][0]]
    if no_error: problems.append(f"{len(no_error)} bad file(s) without an error record")
    if wrong_error: problems.append(f"{len(wrong_error)} good file(s) without a count")
    print(f"records {sum(len(r) for r in records.values())} for {n} inputs ({len(bad)} bad); peak RSS {max(peaks) / 1024:.1f} MB",
          flush=True)
    for p in problems:
        print("FAIL: " + p, flush=True)
    return max(peaks), problems, report


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("n", type=int, nargs="?", default=100_000)
    ap.add_argument("--baseline", type=int, default=1000, help="size to compare peak RSS with (0: none)")
    ap.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "crowdclip"))
    ap.add_argument("--work", default="/tmp/crowdclip-soak")
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--grid", default="1", help="patches per side (1 keeps N=100,000 to minutes; 3 is 9x slower)")
    a = ap.parse_args()
    print(f"seed {a.seed}", flush=True)
    failures = []
    sizes = ([a.baseline] if a.baseline and a.baseline != a.n else []) + [a.n]
    peaks = {}
    for n in sizes:
        peaks[n], problems, _ = soak(a.binary, n, a.work, a.seed, a.grid)
        failures += [f"N={n}: {p}" for p in problems]
    if len(sizes) == 2:
        ratio = peaks[a.n] / peaks[a.baseline]
        print(f"peak RSS: N={a.baseline} {peaks[a.baseline] / 1024:.1f} MB, N={a.n} {peaks[a.n] / 1024:.1f} MB ({(ratio - 1) * 100:+.1f} %)")
        if ratio > 1.10:
            failures.append(f"peak RSS at N={a.n} is {(ratio - 1) * 100:.1f} % above N={a.baseline} (limit 10 %)")
    if failures:
        print("soak FAILED:\n  " + "\n  ".join(failures))
        sys.exit(1)
    print("soak passed")


if __name__ == "__main__":
    main()
