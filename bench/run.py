#!/usr/bin/env python3
"""outcheck's benchmark: the checking path users run, against what they would otherwise use, on the
same bytes in the same run. Data is generated into a temporary folder and removed afterwards.

  python3 bench/run.py [--sizes 28,1024] [--files 10000] [--request-files 1000] [--audit-events 1000000]
                       [--repeat 5] [--only CASE[,CASE]] [--no-build]

Prints a Markdown table: wall time, throughput, peak memory, and ratios to the baselines. outcheck,
wc -l and openssl dgst -sha256 run --repeat times and the run of median wall time is shown. The
Python baseline runs --python-repeat times, each right after a run of outcheck on the same file:
"vs Python" is the median of those pairs' ratios, so that a minute when the machine runs slow
(it happens on shared hosts: Python's scan of the 1 GB file has taken 29 s and 55 s on the same
machine) weighs on both sides of a ratio, or is outvoted.
"""
import statistics
import argparse
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")
OUTCHECK = os.path.join(BUILD, "cli", "outcheck")
PROJECT = """version: '5'
actions:
  measures:
    run: python:v2 python analysis/measures.py
    outputs:
      moderately_sensitive:
        measure: output/*.csv
        tables: output/*/*.csv
"""
# --only: the cases, in the order they run. "workflow" generates the workspace case's files (it
# requests some of them) but checks them only when "workspace" is selected too.
CASES = {
    "measure": "one practice-level measure file per --sizes",
    "unlabelled": "5,000-row table, unlabelled integer columns",
    "raised": "a 2,000,000-row table with a total column and a total row, and the first measure size, "
              "under a policy raising max_csv_rows",
    "workspace": "workspace of --files small tables",
    "workflow": "request add/show/list on --request-files files, audit verify on --audit-events events",
    "scaling": "tables of shapes that once took quadratic time, each at one size and four times it",
}


def run(cmd, env=None, cwd=None, cpu=None):
    """Runs cmd; returns (seconds, peak RSS in MiB, exit code, stdout). With a list `cpu`, appends
    the CPU seconds (user + system, all threads) the command used."""
    start = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd=cwd)
    out = p.stdout.read()
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    if cpu is not None:
        cpu.append(usage.ru_utime + usage.ru_stime)
    return time.perf_counter() - start, usage.ru_maxrss / 1024.0, p.returncode, out.decode(errors="replace")


def median_run(cmd, repeat, **kwargs):
    """run() `repeat` times; the run of median wall time (the machine's noise is mostly one-sided)."""
    runs = []
    for _ in range(repeat):
        cpu = []
        t, m, rc, out = run(cmd, cpu=cpu, **kwargs)
        runs.append((t, m, rc, out, cpu[0]))
    runs.sort(key=lambda r: r[0])
    return runs[len(runs) // 2]


def warm(paths):
    """Puts the files in the page cache, written back: data just generated is still being written
    to disk, and that writing would take a core from whatever runs next."""
    os.sync()
    for p in paths:
        with open(p, "rb") as f:
            while f.read(1 << 24):
                pass


def write_unlabelled_table(path, seed=5000):
    """A 5,000-row table whose headers match none of the policy's patterns, so every column's role is
    decided from its values and the table's structure: `grp`, a text category (50 blocks of 100
    rows); k1 a regular axis 0..99 within each block; k2 codes 0..4; k3..k6 count-like integers
    (unrounded and large, multiples of 5, small counts, mostly rounded with some unrounded and small
    ones); v1 and v2 decimals. Deterministic: the same seed gives the same bytes."""
    rng = random.Random(seed)
    with open(path, "w", newline="\n") as f:
        f.write("grp,k1,k2,k3,k4,k5,k6,v1,v2\n")
        for g in range(50):
            grp = "area_%s" % "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(6))
            for k1 in range(100):
                k2 = rng.randrange(5)
                k3 = rng.randint(100, 250000)
                k4 = 5 * rng.randint(0, 400)
                k5 = min(rng.randint(0, 12), rng.randint(0, 12))
                k6 = 5 * rng.randint(2, 2000)
                u = rng.random()
                if u < 0.05:
                    k6 += rng.randint(1, 4)
                elif u < 0.07:
                    k6 = rng.randint(1, 7)
                v1 = 1000.0 * k4 / (k3 + 1)
                v2 = rng.random()
                f.write("%s,%d,%d,%d,%d,%d,%d,%.3f,%.4f\n" % (grp, k1, k2, k3, k4, k5, k6, v1, v2))


RAISED_POLICY = """extends: opensafely
limits: {max_file_bytes: 4000000000, max_csv_rows: 50000000}
"""


def write_total_table(path, rows=2000000, seed=11):
    """A table with a total column and a total row (last), counts rounded to 5, and two redacted
    cells that the row totals give back (records 8 and 1,500,001): secondary disclosure must find
    exactly those, streaming, whatever the row count."""
    rng = random.Random(seed)
    sums = [0] * 5
    with open(path, "w") as f:
        f.write("group,a,b,c,d,e,total\n")
        for r in range(rows):
            vals = [rng.randint(2, 200) * 5 for _ in range(5)]
            for i, v in enumerate(vals):
                sums[i] += v
            cells = [str(v) for v in vals]
            if r in (7, 1500000):
                cells[0] = "[REDACTED]"
            f.write("g%d,%s,%d\n" % (r, ",".join(cells), sum(vals)))
        f.write("Total,%s,%d\n" % (",".join(str(v) for v in sums), sum(sums)))


# Shapes that once took time quadratic in their size (a hunt for them found each): (name, command,
# policy, writer(n) -> lines, n). Each is checked or redacted at n and at 4n; the time should grow
# about fourfold, not sixteenfold.
def _star_column(n):
    rng = random.Random(2)
    yield "group,a,b"
    sa = sb = 0
    for i in range(n):
        a, b = (rng.randint(1, 7) if i % 2 == 0 else 5 * rng.randint(2, 400)), 5 * rng.randint(2, 400)
        sa, sb = sa + a, sb + b
        yield "g%d,%s,%d" % (i, "[REDACTED]" if i % 2 == 0 else a, b)
    yield "Total,%d,%d" % (sa, sb)


def _row_totals(n):
    rng = random.Random(1)
    yield "group,a,b,c,total"
    for i in range(n):
        a = rng.randint(1, 7) if i % 2 == 0 else 5 * rng.randint(2, 400)
        b, c = 5 * rng.randint(2, 400), 5 * rng.randint(2, 400)
        yield "g%d,%d,%d,%d,%d" % (i, a, b, c, a + b + c)


def _repeated_bounds(n):
    yield "group," + ",".join(["rate,lower,upper"] * n)
    for r in range(3):
        yield "g%d," % r + ",".join(["1.5,1.2,1.8"] * n)


def _labels_and_values(n):
    rng = random.Random(5)
    yield ",".join("cat%d,v%d" % (j, j) for j in range(n))
    for r in range(4):
        yield ",".join("%s,%d" % (rng.choice(("yes", "no")), rng.randint(10, 3000)) for _ in range(n))


def _wide_rates(n):
    rng = random.Random(7)
    yield "group," + ",".join("n_%d" % j for j in range(n)) + "," + ",".join("rate_%d" % j for j in range(n))
    for r in range(100):
        counts = [5 * rng.randint(2, 400) for _ in range(n)]
        yield "g%d," % r + ",".join(map(str, counts)) + "," + ",".join("%.4f" % (1000.0 * c / 9973) for c in counts)


SCALING = [
    ("column with a total row, a redacted cell on every other row", "check", "raised", _star_column, 40000),
    ("redact: total column, a small count on every other row", "redact", "opensafely", _row_totals, 10000),
    ("lower/upper names repeated per group", "check", "opensafely", _repeated_bounds, 2000),
    ("yes/no columns beside integer columns, 4 rows", "check", "opensafely", _labels_and_values, 5000),
    ("count and rate columns side by side, 100 rows", "check", "opensafely", _wide_rates, 500),
]


def mbs(nbytes, seconds):
    return "%.0f MB/s" % (nbytes / 1e6 / seconds) if seconds > 0 else "-"


def machine():
    model = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return "%s, %d cores, %.0f GiB, %s" % (model, os.cpu_count(), mem, platform.platform())


def paired_python(outcheck_cmd, python_cmd, pairs):
    """Python's baseline `pairs` times, each right after a run of outcheck: (Python's median time,
    the median of the pairs' ratios)."""
    times, ratios = [], []
    for _ in range(pairs):
        t_oc = run(outcheck_cmd)[0]
        t_py = run(python_cmd)[0]
        times.append(t_py)
        ratios.append(t_py / t_oc)
    return statistics.median(times), statistics.median(ratios)


def single_file(case, ws, path, tmp, repeat, python_repeat, have_openssl, pandas_python, extra=()):
    """One file checked alone, against wc -l, SHA-256, Python's csv and pandas on the same bytes: its
    table row. outcheck's last report is left in tmp/report.json."""
    nbytes = os.path.getsize(path)
    warm([path])
    report = os.path.join(tmp, "report.json")
    t_oc, m_oc, rc, _, cpu = median_run([OUTCHECK, "check", "--workspace", ws, path, "--json", "--output", report]
                                        + list(extra), repeat)
    assert rc in (0, 1, 3), "outcheck failed"
    t_wc = median_run(["wc", "-l", path], repeat)[0]
    # SHA-256 of the same bytes, which every report carries: the part of outcheck's work that
    # no parsing or rule can make cheaper (one stream, hashed in order).
    t_sha = cpu_sha = None
    if have_openssl:
        t_sha, _, _, _, cpu_sha = median_run(["openssl", "dgst", "-sha256", path], repeat)
    t_py, ratio = paired_python(
        [OUTCHECK, "check", "--workspace", ws, path, "--json", "--output", report] + list(extra),
        [sys.executable, os.path.join(ROOT, "bench", "baseline_csv.py"), path], python_repeat)
    line = {"case": case, "outcheck": t_oc, "cpu": cpu, "mem": m_oc, "python": t_py, "vs_python": ratio,
            "wc": t_wc, "bytes": nbytes, "pandas": None, "sha": t_sha, "sha_cpu": cpu_sha}
    if pandas_python is not None:
        line["pandas"] = run([pandas_python, os.path.join(ROOT, "bench", "baseline_pandas.py"), path])[0]
    return line


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="28,1024", help="measure file sizes in MB")
    ap.add_argument("--files", type=int, default=10000, help="files in the workspace case")
    ap.add_argument("--request-files", type=int, default=1000)
    ap.add_argument("--audit-events", type=int, default=1000000)
    ap.add_argument("--repeat", type=int, default=5, help="runs of outcheck and wc -l per case (the median is shown)")
    ap.add_argument("--python-repeat", type=int, default=3,
                    help="runs of the Python baseline per case, each paired with a run of outcheck (the median "
                         "time and the median ratio are shown)")
    ap.add_argument("--only", metavar="CASE[,CASE]",
                    help="run only these cases: " + "; ".join("%s (%s)" % kv for kv in CASES.items()))
    ap.add_argument("--no-build", action="store_true", help="use the binaries already in build/ as they are")
    args = ap.parse_args()
    if args.repeat < 1 or args.python_repeat < 1:
        ap.error("--repeat and --python-repeat: at least 1")
    only = set(CASES)
    if args.only is not None:
        only = {c.strip() for c in args.only.split(",") if c.strip()}
        unknown = sorted(only - set(CASES))
        if unknown or not only:
            ap.error("--only: %s (cases: %s)" % ("unknown case " + ", ".join(unknown) if unknown else "no case given",
                                                 ", ".join(CASES)))

    if not args.no_build:
        targets = ["outcheck"] + (["outcheck_gen_measures"] if only & {"measure", "raised"} else []) + (
            ["outcheck_gen_audit"] if "workflow" in only else [])
        subprocess.run(["cmake", "--build", BUILD, "--target"] + targets + ["-j", str(os.cpu_count())], check=True,
                       stdout=subprocess.DEVNULL)
    # pandas from whichever Python has it: this one, or Debian's (python3-pandas) beside it.
    pandas_python = None
    for python in (sys.executable, "/usr/bin/python3"):
        if os.path.exists(python) and subprocess.run([python, "-c", "import pandas"],
                                                     stderr=subprocess.DEVNULL).returncode == 0:
            pandas_python = python
            break
    have_pandas = pandas_python is not None
    have_openssl = shutil.which("openssl") is not None
    tmp = tempfile.mkdtemp(prefix="outcheck-bench-")
    rows = []
    try:
        ws = os.path.join(tmp, "ws")
        os.makedirs(os.path.join(ws, "output"))
        with open(os.path.join(ws, "project.yaml"), "w") as f:
            f.write(PROJECT)

        # 1. One practice-level measure file per size.
        sizes = [int(s) for s in args.sizes.split(",") if s] if "measure" in only else []
        for size in sizes:
            path = os.path.join(ws, "output", "measure_%dmb.csv" % size)
            subprocess.run([os.path.join(BUILD, "bench", "outcheck_gen_measures"), path, str(size)], check=True)
            case = "measure file, %d MB" % (os.path.getsize(path) // 2**20)
            rows.append(single_file(case, ws, path, tmp, args.repeat, args.python_repeat, have_openssl, pandas_python))
            os.remove(path)

        # 1b. A table of the largest size a release may hold, whose headers say nothing: every
        # column's role comes from its values and the table's structure. In a workspace of its own.
        if "unlabelled" in only:
            ws_u = os.path.join(tmp, "ws_unlabelled")
            os.makedirs(os.path.join(ws_u, "output"))
            with open(os.path.join(ws_u, "project.yaml"), "w") as f:
                f.write(PROJECT)
            path = os.path.join(ws_u, "output", "unlabelled_5000_rows.csv")
            write_unlabelled_table(path)
            rows.append(single_file(CASES["unlabelled"], ws_u, path, tmp, args.repeat, args.python_repeat, have_openssl, pandas_python))
            with open(os.path.join(tmp, "report.json")) as f:
                outcome = json.load(f)["files"][0]["outcome"]
            assert outcome in ("pass", "fail", "review"), "the 5,000-row table was not checked: " + outcome

        # 1c. Under raised limits (a TRE's policy allowing long tables): the table is not refused
        # for its length, so every rule runs over all of it, secondary disclosure included.
        if "raised" in only:
            ws_r = os.path.join(tmp, "ws_raised")
            os.makedirs(os.path.join(ws_r, "output"))
            with open(os.path.join(ws_r, "project.yaml"), "w") as f:
                f.write(PROJECT)
            policy = os.path.join(tmp, "raised.yaml")
            with open(policy, "w") as f:
                f.write(RAISED_POLICY)
            path = os.path.join(ws_r, "output", "totals_2m_rows.csv")
            write_total_table(path)
            rows.append(single_file("table with totals, 2,000,000 rows, raised limits", ws_r, path, tmp, args.repeat,
                                    args.python_repeat, have_openssl, pandas_python, ["--policy", policy]))
            with open(os.path.join(tmp, "report.json")) as f:
                found = [(x["rule"], x.get("row")) for x in json.load(f)["files"][0]["findings"]]
            assert found == [("secondary_disclosure", 8), ("secondary_disclosure", 1500001)], found
            os.remove(path)
            size = ([int(s) for s in args.sizes.split(",") if s] or [28])[0]
            path = os.path.join(ws_r, "output", "measure_%dmb.csv" % size)
            subprocess.run([os.path.join(BUILD, "bench", "outcheck_gen_measures"), path, str(size)], check=True)
            rows.append(single_file("measure file, %d MB, raised limits" % (os.path.getsize(path) // 2**20), ws_r, path,
                                    tmp, args.repeat, args.python_repeat, have_openssl, pandas_python,
                                    ["--policy", policy]))
            os.remove(path)

        # 2. A workspace of many small output files, checked across all cores.
        files = []
        if only & {"workspace", "workflow"}:
            per_dir = 100
            for i in range(args.files):
                d = os.path.join(ws, "output", "t%03d" % (i // per_dir))
                os.makedirs(d, exist_ok=True)
                p = os.path.join(d, "table_%05d.csv" % i)
                # Mostly rounded tables, as a workspace about to be released is; one in ten has an
                # unrounded count and one in twenty a small one.
                with open(p, "w") as f:
                    f.write("category,count\n")
                    for k in range(40):
                        n = 10 + 5 * ((i * 7 + k * 13) % 200)
                        if k == 0 and i % 10 == 0:
                            n += 2
                        if k == 1 and i % 20 == 0:
                            n = 3
                        f.write("c%d,%d\n" % (k, n))
                files.append(p)
        if "workspace" in only:
            nbytes = sum(os.path.getsize(p) for p in files)
            warm(files)
            report = os.path.join(tmp, "report.json")
            t_oc, m_oc, rc, _, cpu = median_run([OUTCHECK, "check", "--workspace", ws, "--json", "--output", report],
                                                args.repeat)
            t_py, ratio = paired_python([OUTCHECK, "check", "--workspace", ws, "--json", "--output", report],
                                        [sys.executable, os.path.join(ROOT, "bench", "baseline_csv.py")] + files,
                                        args.python_repeat)
            t_wc, _, _, _ = run(["sh", "-c", "find '%s' -name '*.csv' -print0 | xargs -0 cat | wc -l"
                                 % os.path.join(ws, "output")])
            rows.append({"case": "workspace, %d files" % len(files), "outcheck": t_oc, "cpu": cpu, "mem": m_oc,
                         "python": t_py, "vs_python": ratio, "wc": t_wc, "bytes": nbytes, "pandas": None, "sha": None,
                         "sha_cpu": None})

        # 3. The workflow at scale.
        workflow = []
        if "workflow" in only:
            home = os.path.join(tmp, "home")
            env = dict(os.environ, OUTCHECK_HOME=home)
            admin = subprocess.run([OUTCHECK, "user", "add", "admin", "--role", "admin"], env=env,
                                   capture_output=True, text=True, check=True).stdout.strip()
            env_admin = dict(env, OUTCHECK_TOKEN=admin)
            res = subprocess.run([OUTCHECK, "user", "add", "res", "--role", "researcher"], env=env_admin,
                                 capture_output=True, text=True, check=True).stdout.strip()
            chk = subprocess.run([OUTCHECK, "user", "add", "chk", "--role", "output-checker"], env=env_admin,
                                 capture_output=True, text=True, check=True).stdout.strip()
            env_res = dict(env, OUTCHECK_TOKEN=res)
            env_chk = dict(env, OUTCHECK_TOKEN=chk)
            rid = subprocess.run([OUTCHECK, "request", "create", "--workspace", ws], env=env_res,
                                 capture_output=True, text=True, check=True).stdout.strip()
            dirs = sorted({os.path.dirname(p) for p in files[: args.request_files]})
            t_add, m_add, rc, _ = run([OUTCHECK, "request", "add", rid] + dirs, env=env_res)
            assert rc == 0, "request add failed"
            t_show, _, _, _ = run([OUTCHECK, "request", "show", rid, "--json"], env=env_chk)
            t_list, _, _, _ = run([OUTCHECK, "request", "list"], env=env_chk)
            workflow = [("request add, %d files" % args.request_files, t_add),
                        ("request show, %d files" % args.request_files, t_show),
                        ("request list", t_list)]
            subprocess.run([os.path.join(BUILD, "bench", "outcheck_gen_audit"), home, str(args.audit_events)],
                           check=True)
            t_verify, m_verify, rc, out = run([OUTCHECK, "audit", "verify"], env=env_chk)
            assert rc == 0, "audit verify failed: " + out
            workflow.append(("audit verify, %d events" % args.audit_events, t_verify))
            # redact of a long table where every other count is small: each change is recorded once.
            path = os.path.join(tmp, "many_small_counts.csv")
            rng = random.Random(300)
            with open(path, "w") as f:
                f.write("group,n\n")
                for r in range(300000):
                    f.write("g%d,%d\n" % (r, rng.choice((3, 4, 100, 200))))
            t_redact, _, rc, _ = run([OUTCHECK, "redact", path, "--output", path + ".redacted", "--report",
                                      path + ".json"])
            with open(path + ".json") as f:
                changes = len(json.load(f)["changes"])
            assert rc == 0 and 140000 < changes < 160000, "redact: exit %d, %d changes" % (rc, changes)
            workflow.append(("redact, 300,000 rows, every other count small", t_redact))
        # 4. Shapes that once took quadratic time, at n and 4n.
        scaling = []
        if "scaling" in only:
            policy = os.path.join(tmp, "raised.yaml")
            with open(policy, "w") as f:
                f.write(RAISED_POLICY)
            for name, command, preset, writer, n in SCALING:
                times = []
                for size in (n, 4 * n):
                    path = os.path.join(tmp, "scaling.csv")
                    with open(path, "w") as f:
                        for line in writer(size):
                            f.write(line + "\n")
                    p = policy if preset == "raised" else preset
                    if command == "check":
                        cmd = [OUTCHECK, "check", "--no-project", "scaling.csv", "--json", "--policy", p]
                    else:
                        cmd = [OUTCHECK, "redact", "scaling.csv", "--output", "scaling.out.csv", "--policy", p]
                    t, _, rc, _ = run(cmd, cwd=tmp)
                    assert rc in (0, 1, 3), "%s: exit %d" % (name, rc)
                    times.append(t)
                scaling.append((name, command, n, times[0], times[1]))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print("Machine: " + machine())
    if rows:
        print_cases(rows, have_pandas)
    if scaling:
        print()
        print("| shape | command | n | at n | at 4n | growth |")
        print("|---|---|---|---|---|---|")
        for name, command, n, t1, t4 in scaling:
            print("| %s | %s | %d | %.2f s | %.2f s | %.1fx |" % (name, command, n, t1, t4, t4 / max(t1, 1e-3)))
    if workflow:
        print()
        print("| workflow | time |")
        print("|---|---|")
        for name, t in workflow:
            print("| %s | %.2f s |" % (name, t))


def print_cases(rows, have_pandas):
    print()
    # Per core: the bytes over the CPU time of every thread, so using more cores does not raise it.
    # Per core, checking: the same, less the CPU time of `openssl dgst -sha256` on the same bytes
    # (reading and hashing them), i.e. what parsing and the rules cost. "vs Python": the median of
    # the ratios of runs paired back to back (paired_python), not the ratio of the two columns.
    print("| case | outcheck | throughput | CPU time | per core | per core, checking | peak memory | SHA-256 alone "
          "| Python csv | pandas (vs it) | wc -l | vs Python | vs wc -l | SHA-256 alone vs wc -l |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        pandas = "%.2f s (%.0fx)" % (r["pandas"], r["pandas"] / r["outcheck"]) if r["pandas"] else (
            "-" if have_pandas else "not installed")
        checking = mbs(r["bytes"], r["cpu"] - r["sha_cpu"]) if r["sha_cpu"] is not None else "-"
        sha = "%.2f s" % r["sha"] if r["sha"] is not None else "-"
        sha_wc = "%.1fx slower" % (r["sha"] / r["wc"]) if r["sha"] is not None else "-"
        print("| %s | %.2f s | %s | %.2f s | %s | %s | %.0f MiB | %s | %.2f s | %s | %.3f s | %.0fx | %.1fx slower | %s |" % (
            r["case"], r["outcheck"], mbs(r["bytes"], r["outcheck"]), r["cpu"], mbs(r["bytes"], r["cpu"]), checking,
            r["mem"], sha, r["python"], pandas, r["wc"], r["vs_python"], r["outcheck"] / r["wc"], sha_wc))


if __name__ == "__main__":
    main()
