#!/usr/bin/env python3
"""outcheck's benchmark: the checking path users run, against what they would otherwise use, on the
same bytes in the same run. Data is generated into a temporary folder and removed afterwards.

  python3 bench/run.py [--sizes 28,1024] [--files 10000] [--request-files 1000] [--audit-events 1000000]
                       [--repeat 5]

Prints a Markdown table: wall time, throughput, peak memory, and ratios to the baselines. outcheck,
wc -l and openssl dgst -sha256 run --repeat times and the run of median wall time is shown; the
Python baseline runs once.
"""
import argparse
import os
import platform
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


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="28,1024", help="measure file sizes in MB")
    ap.add_argument("--files", type=int, default=10000, help="files in the workspace case")
    ap.add_argument("--request-files", type=int, default=1000)
    ap.add_argument("--audit-events", type=int, default=1000000)
    ap.add_argument("--repeat", type=int, default=5, help="runs of outcheck and wc -l per case (the median is shown)")
    args = ap.parse_args()

    subprocess.run(["cmake", "--build", BUILD, "--target", "outcheck", "outcheck_gen_measures", "outcheck_gen_audit",
                    "-j", str(os.cpu_count())], check=True, stdout=subprocess.DEVNULL)
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
        for size in [int(s) for s in args.sizes.split(",") if s]:
            path = os.path.join(ws, "output", "measure_%dmb.csv" % size)
            subprocess.run([os.path.join(BUILD, "bench", "outcheck_gen_measures"), path, str(size)], check=True)
            nbytes = os.path.getsize(path)
            warm([path])
            report = os.path.join(tmp, "report.json")
            t_oc, m_oc, rc, _, cpu = median_run([OUTCHECK, "check", "--workspace", ws, path, "--json", "--output", report],
                                                args.repeat)
            assert rc in (0, 1, 3), "outcheck failed"
            t_wc = median_run(["wc", "-l", path], args.repeat)[0]
            # SHA-256 of the same bytes, which every report carries: the part of outcheck's work that
            # no parsing or rule can make cheaper (one stream, hashed in order).
            t_sha = cpu_sha = None
            if have_openssl:
                t_sha, _, _, _, cpu_sha = median_run(["openssl", "dgst", "-sha256", path], args.repeat)
            t_py, m_py, _, _ = run([sys.executable, os.path.join(ROOT, "bench", "baseline_csv.py"), path])
            line = {"case": "measure file, %d MB" % (nbytes // 2**20), "outcheck": t_oc, "cpu": cpu, "mem": m_oc,
                    "python": t_py, "wc": t_wc, "bytes": nbytes, "pandas": None, "sha": t_sha, "sha_cpu": cpu_sha}
            if have_pandas:
                line["pandas"] = run([pandas_python, os.path.join(ROOT, "bench", "baseline_pandas.py"), path])[0]
            rows.append(line)
            os.remove(path)

        # 2. A workspace of many small output files, checked across all cores.
        files = []
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
        nbytes = sum(os.path.getsize(p) for p in files)
        warm(files)
        report = os.path.join(tmp, "report.json")
        t_oc, m_oc, rc, _, cpu = median_run([OUTCHECK, "check", "--workspace", ws, "--json", "--output", report],
                                            args.repeat)
        t_py, _, _, _ = run([sys.executable, os.path.join(ROOT, "bench", "baseline_csv.py")] + files)
        t_wc, _, _, _ = run(["sh", "-c", "find '%s' -name '*.csv' -print0 | xargs -0 cat | wc -l" % os.path.join(ws, "output")])
        rows.append({"case": "workspace, %d files" % len(files), "outcheck": t_oc, "cpu": cpu, "mem": m_oc, "python": t_py,
                     "wc": t_wc, "bytes": nbytes, "pandas": None, "sha": None, "sha_cpu": None})

        # 3. The workflow at scale.
        home = os.path.join(tmp, "home")
        env = dict(os.environ, OUTCHECK_HOME=home)
        admin = subprocess.run([OUTCHECK, "user", "add", "admin", "--role", "admin"], env=env, capture_output=True,
                               text=True, check=True).stdout.strip()
        env_admin = dict(env, OUTCHECK_TOKEN=admin)
        res = subprocess.run([OUTCHECK, "user", "add", "res", "--role", "researcher"], env=env_admin, capture_output=True,
                             text=True, check=True).stdout.strip()
        chk = subprocess.run([OUTCHECK, "user", "add", "chk", "--role", "output-checker"], env=env_admin,
                             capture_output=True, text=True, check=True).stdout.strip()
        env_res = dict(env, OUTCHECK_TOKEN=res)
        env_chk = dict(env, OUTCHECK_TOKEN=chk)
        rid = subprocess.run([OUTCHECK, "request", "create", "--workspace", ws], env=env_res, capture_output=True,
                             text=True, check=True).stdout.strip()
        dirs = sorted({os.path.dirname(p) for p in files[: args.request_files]})
        t_add, m_add, rc, _ = run([OUTCHECK, "request", "add", rid] + dirs, env=env_res)
        assert rc == 0, "request add failed"
        t_show, _, _, _ = run([OUTCHECK, "request", "show", rid, "--json"], env=env_chk)
        t_list, _, _, _ = run([OUTCHECK, "request", "list"], env=env_chk)
        workflow = [("request add, %d files" % args.request_files, t_add),
                    ("request show, %d files" % args.request_files, t_show),
                    ("request list", t_list)]
        subprocess.run([os.path.join(BUILD, "bench", "outcheck_gen_audit"), home, str(args.audit_events)], check=True)
        t_verify, m_verify, rc, out = run([OUTCHECK, "audit", "verify"], env=env_chk)
        assert rc == 0, "audit verify failed: " + out
        workflow.append(("audit verify, %d events" % args.audit_events, t_verify))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print("Machine: " + machine())
    print()
    # Per core: the bytes over the CPU time of every thread, so using more cores does not raise it.
    # Per core, checking: the same, less the CPU time of `openssl dgst -sha256` on the same bytes
    # (reading and hashing them), i.e. what parsing and the rules cost.
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
            r["mem"], sha, r["python"], pandas, r["wc"], r["python"] / r["outcheck"], r["outcheck"] / r["wc"], sha_wc))
    print()
    print("| workflow | time |")
    print("|---|---|")
    for name, t in workflow:
        print("| %s | %.2f s |" % (name, t))


if __name__ == "__main__":
    main()
