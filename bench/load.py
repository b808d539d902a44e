#!/usr/bin/env python3
"""Load benchmark of `outcheck serve` on loopback (issue 21), with Debian's wrk (scripts/setup.sh).

    python3 bench/load.py [--build build] [--work DIR] [--duration 10] [--out FILE]

Builds (once, kept in --work) a home of 10,000 requests with build/bench/outcheck_gen_home, which
writes through db::Service (not the CLI), starts `outcheck serve` on 127.0.0.1 with a free port, and
runs wrk for each of:
  endpoint  view: GET /api/requests/ID (the ids of every submitted request, in turn)
            list: GET /api/requests?limit=50 (the first page; before pagination, the whole list)
  clients   16 and 64
  mode      keep-alive, and close ("Connection: close" on every request: a new connection each)
as output checker `checker1`, who may view every submitted request. Reports per run: req/s, p50,
p90, p99 and max latency, wrk's socket errors by kind (connect, read, write, timeout), non-2xx
answers, and connections that completed no request: wrk's connections (seen with `ss -ti` a
second before the run ends) that had sent a request at least a second into the run and received no
byte since, plus connect errors, plus, in close runs (one request per connection), every errored
request. Also the server's
CPU use (cores) and the machine's load average. Not a test: never run by ctest.

The server runs with --max-connections-per-address 256: every wrk connection comes from
127.0.0.1, and the default cap (32 per address) would answer 429 to half of 64 clients.
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
LUA = os.path.join(HERE, "wrk", "outcheck.lua")

GOAL_P99_MS = {16: 50.0, 64: 100.0}
GOAL_RPS = 1500.0


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def ensure_home(args):
    home = os.path.join(args.work, "home")
    ws = os.path.join(args.work, "ws")
    marker = os.path.join(home, "bench", "summary.json")
    if os.path.exists(marker):
        with open(marker) as f:
            summary = json.load(f)
        if summary.get("requests") == args.requests:
            log(f"load: reusing the home in {home}: {summary}")
            return home, ws, summary
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    gen = os.path.join(args.build, "bench", "outcheck_gen_home")
    log(f"load: building a home of {args.requests} requests with {gen} ...")
    t0 = time.monotonic()
    out = subprocess.run([gen, home, ws, str(args.requests)], check=True, capture_output=True, text=True).stdout
    summary = json.loads(out.strip().splitlines()[-1])
    summary["generate_seconds"] = round(time.monotonic() - t0, 1)
    with open(os.path.join(home, "bench", "tokens.json")) as f:
        admin_token = os.path.join(args.work, "admin.token")
        with open(os.open(admin_token, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as t:
            t.write(json.load(f)["admin"] + "\n")
    verify = subprocess.run([os.path.join(args.build, "cli", "outcheck"), "audit", "verify", "--home", home,
                             "--token-file", admin_token], capture_output=True, text=True)
    summary["audit_verify"] = (verify.stdout + verify.stderr).strip().splitlines()[-1:] + [f"exit {verify.returncode}"]
    summary["db_bytes"] = os.path.getsize(os.path.join(home, "outcheck.db"))
    with open(marker, "w") as f:
        json.dump(summary, f)
    log(f"load: home built: {summary}")
    return home, ws, summary


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds():
    """CPU seconds all cores spent busy since boot (not idle, not waiting on I/O)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return (sum(v) - v[3] - v[4]) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds():
    import resource
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def wait_idle(pid, limit):
    """Waits until the server has finished what the last run left it (a client that stops waiting
    does not stop the work it asked for): its CPU use under 5% over half a second."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        c0 = cpu_seconds(pid)
        time.sleep(0.5)
        if cpu_seconds(pid) - c0 < 0.025:
            return time.monotonic() - t0
    return time.monotonic() - t0


def wait_quiet(limit):
    """Waits (at most `limit` seconds) until the machine is quiet: under 0.25 busy cores over 2 s, so
    that no other program's work is counted against the server. Returns the busy cores last seen."""
    t0 = time.monotonic()
    while True:
        m0 = machine_busy_seconds()
        time.sleep(2)
        busy = (machine_busy_seconds() - m0) / 2
        if busy < 0.25 or time.monotonic() - t0 >= limit:
            return busy


def probe(port, token, path):
    """One request alone: status, seconds, bytes, items (for a JSON array) and the Link header."""
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Authorization": "Bearer " + token})
    t0 = time.monotonic()
    with urllib.request.urlopen(req, timeout=120) as resp:
        body = resp.read()
        status, link = resp.status, resp.headers.get("Link")
    seconds = time.monotonic() - t0
    try:
        doc = json.loads(body)
        items = len(doc) if isinstance(doc, list) else None
    except ValueError:
        items = None
    return {"path": path, "status": status, "ms": round(seconds * 1000, 1), "bytes": len(body), "items": items,
            "link": link}


def start_server(args, home, ws):
    cmd = [os.path.join(args.build, "cli", "outcheck"), "serve", "--home", home, "--workspaces", ws, "--port", "0",
           "--max-connections-per-address", "256"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=open(os.path.join(args.work, "serve.log"), "w"),
                            text=True)
    line = proc.stdout.readline()
    m = re.search(r"http://[^:]+:(\d+)/", line)
    if not m:
        proc.kill()
        sys.exit(f"load: serve did not start: {line!r}; see {args.work}/serve.log")
    threading.Thread(target=proc.stdout.read, daemon=True).start()
    return proc, int(m.group(1))


def unserved_connections(port, waited_ms, found):
    """wrk's connections to the server now (`ss -ti`), and how many have received no byte although
    their request was sent at least `waited_ms` ago (lastsnd): connections served nothing so far."""
    out = subprocess.run(["ss", "-tinH", "state", "established", f"( dport = :{port} )"], capture_output=True,
                         text=True).stdout
    total = unserved = 0
    for line in out.splitlines():
        if re.match(r"^\s*\d+\s+\d+\s+\S+:\d+\s+\S+:\d+", line):  # a socket's line (its info follows)
            total += 1
        elif "lastsnd" in line or "bytes_" in line:
            received = re.search(r"bytes_received:(\d+)", line)
            lastsnd = re.search(r"lastsnd:(\d+)", line)
            if (not received or received.group(1) == "0") and lastsnd and int(lastsnd.group(1)) >= waited_ms:
                unserved += 1
    found["open"] = total
    found["unserved"] = unserved


def run_wrk(args, port, token_file, ids_file, endpoint, clients, close, server_pid):
    timeout = "10s" if endpoint == "list" else "2s"
    cmd = ["wrk", "-t", str(args.threads), "-c", str(clients), "-d", f"{args.duration}s", "--latency", "--timeout",
           timeout, "-s", LUA, f"http://127.0.0.1:{port}", "--", endpoint, token_file, ids_file, "1" if close else "0"]
    # A second before the run ends: the connections whose request has waited since the run's first
    # second and that have received nothing.
    sample = {}
    at = max(args.duration - 1.0, 0.5)
    timer = threading.Timer(at, unserved_connections, (port, max(at - 1.0, 0.1) * 1000, sample))
    timer.start()
    cpu0, t0, m0, w0 = cpu_seconds(server_pid), time.monotonic(), machine_busy_seconds(), children_cpu_seconds()
    res = subprocess.run(cmd, capture_output=True, text=True)
    cpu1, t1, m1, w1 = cpu_seconds(server_pid), time.monotonic(), machine_busy_seconds(), children_cpu_seconds()
    timer.join()
    m = re.search(r"^LOAD (\{.*\})$", res.stdout, re.M)
    if res.returncode != 0 or not m:
        sys.exit(f"load: wrk failed ({res.returncode}): {res.stdout}\n{res.stderr}")
    r = json.loads(m.group(1))
    e = r["errors"]
    r.update(endpoint=endpoint, clients=clients, mode="close" if close else "keep-alive")
    r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
    r["server_cores"] = (cpu1 - cpu0) / (t1 - t0)
    r["wrk_cores"] = (w1 - w0) / (t1 - t0)
    # What else ran on the machine meanwhile (other programs, other builds): it shares the cores.
    r["other_cores"] = max(0.0, (m1 - m0) / (t1 - t0) - r["server_cores"] - r["wrk_cores"])
    socket_errors = e["connect"] + e["read"] + e["write"] + e["timeout"]
    # In a close run every connection carries one request, so each errored request is a connection
    # that completed none; in both modes, so is each connection still waiting for its first byte.
    r["unserved_connections"] = (socket_errors if close else e["connect"]) + sample.get("unserved", 0)
    r["open_connections_seen"] = sample.get("open", 0)
    p99_ms = r["latency_us"]["p99"] / 1000
    r["goal"] = {
        "p99": p99_ms < GOAL_P99_MS[clients],
        "rps": r["rps"] >= GOAL_RPS,
        "no_errors": socket_errors == 0 and r["non2xx"] == 0,
        "every_connection_served": r["unserved_connections"] == 0,
    }
    r["wrk_output"] = res.stdout
    return r


def fmt_row(r):
    lat = r["latency_us"]
    e = r["errors"]
    ok = all(r["goal"].values())
    unserved = f"{r['unserved_connections']} (of {r['open_connections_seen']} open)"
    return (f"| {r['endpoint']} | {r['clients']} | {r['mode']} | {r['rps']:,.0f} | {lat['p50'] / 1000:.1f} | "
            f"{lat['p99'] / 1000:.1f} | {lat['max'] / 1000:.0f} | {e['connect']}/{e['read']}/{e['write']}/{e['timeout']} | "
            f"{r['non2xx']} | {unserved} | {r['server_cores']:.2f} / {r['wrk_cores']:.2f} / {r['other_cores']:.2f} | "
            f"{'yes' if ok else 'no'} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--work", default="/tmp/outcheck-load", help="where the home is built and kept between runs")
    ap.add_argument("--requests", type=int, default=10000)
    ap.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    ap.add_argument("--threads", type=int, default=2, help="wrk threads")
    ap.add_argument("--endpoints", default="view,list")
    ap.add_argument("--clients", default="16,64")
    ap.add_argument("--modes", default="keep-alive,close")
    ap.add_argument("--drain-limit", type=float, default=30,
                    help="seconds to wait after a run for the server to finish the work it was left")
    ap.add_argument("--wait-quiet", type=float, default=20,
                    help="seconds to wait before each run for other programs to leave the cores idle")
    ap.add_argument("--out", help="write every run's figures as JSON here")
    args = ap.parse_args()
    args.build = os.path.abspath(args.build)
    if not shutil.which("wrk"):
        sys.exit("load: wrk is not installed (sudo scripts/setup.sh installs it)")

    home, ws, summary = ensure_home(args)
    with open(os.path.join(home, "bench", "tokens.json")) as f:
        tokens = json.load(f)
    token_file = os.path.join(args.work, "token.txt")
    with open(os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
        f.write(tokens["checker1"] + "\n")
    ids_file = os.path.join(home, "bench", "ids.txt")

    proc, port = start_server(args, home, ws)
    results = []
    probes = []
    try:
        # One answer first, so no run measures the server's start.
        with open(ids_file) as f:
            first = f.readline().strip()
        req = urllib.request.Request(f"http://127.0.0.1:{port}/api/requests/{first}",
                                     headers={"Authorization": "Bearer " + tokens["checker1"]})
        with urllib.request.urlopen(req, timeout=30) as resp:
            assert resp.status == 200
        probes = [probe(port, tokens["checker1"], f"/api/requests/{first}"),
                  probe(port, tokens["checker1"], "/api/requests?limit=50")]
        for p in probes:
            log(f"load: alone: {p}")
        for endpoint in args.endpoints.split(","):
            for clients in [int(c) for c in args.clients.split(",")]:
                for mode in args.modes.split(","):
                    busy = wait_quiet(args.wait_quiet)
                    if busy >= 0.25:
                        log(f"load: the machine is busy ({busy:.2f} cores) with other work; measuring anyway")
                    r = run_wrk(args, port, token_file, ids_file, endpoint, clients, mode == "close", proc.pid)
                    r["drain_seconds"] = round(wait_idle(proc.pid, args.drain_limit), 1)
                    log(fmt_row(r) + f" (server idle {r['drain_seconds']} s after)")
                    results.append(r)
                    if r["drain_seconds"] >= args.drain_limit:
                        # Still working for clients long gone (the whole list, before pagination):
                        # a fresh server, so the next run does not inherit that work.
                        log("load: the server is still busy; restarting it")
                        proc.kill()
                        proc.wait()
                        proc, port = start_server(args, home, ws)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()

    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    print(f"machine: {os.cpu_count()} cores, {cpu}; home: {summary}")
    print(f"wrk {args.threads} threads, {args.duration:g} s per run, token of checker1 (output checker)")
    for p in probes:
        print(f"alone: GET {p['path']}: {p['status']}, {p['ms']} ms, {p['bytes']:,} bytes"
              + (f", {p['items']} items" if p["items"] is not None else "") + f", Link: {p['link'] or 'none'}")
    print()
    print("| endpoint | clients | connections | req/s | p50 ms | p99 ms | max ms | errors connect/read/write/timeout "
          "| non-2xx | connections with no request | cores: server / wrk / other | goal met |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(fmt_row(r))
    if args.out:
        with open(args.out, "w") as f:
            json.dump({"home": summary, "machine": {"cores": os.cpu_count(), "cpu": cpu}, "alone": probes, "runs": results}, f, indent=1)
    return 0 if all(all(r["goal"].values()) for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
