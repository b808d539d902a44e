#!/usr/bin/env python3
"""How well `outcheck check` reads real tables: the released-outputs corpus, scored under both presets.

usage: python3 scripts/accuracy.py [OUTCHECK_BINARY] [--min-precision-opensafely P]
                                   [--min-precision-sdc P] [--require-expected] [--corpus DIR] [-v]

OUTCHECK_BINARY defaults to build/cli/outcheck under the repository root. The corpus is
tests/data/released-outputs/ (README.md there; SOURCES.md says where each CSV comes from), or with
--corpus another laid out the same way: tests/data/held-out-outputs/ holds tables of six other
studies, which the rules were not tuned on. tests/data/released-outputs/make_workspaces.py builds
one workspace per study of the corpus in a temporary folder; each is checked with
`check --format json --max-findings 100000` under `opensafely` and under `sdc-handbook` (two at a
time), and the findings are scored against labels.csv and expected.csv as that folder's score.py
scores them:

  group      file + rule + column (a labelled group split in two rows, one true and one false,
             counts as true)
  precision  reported, labelled groups that are TRUE or TRUE-THEN-ALLOWED, over those plus the FALSE
             ones (UNSURE counts as neither)
  recall     TRUE / TRUE-THEN-ALLOWED groups still reported
  new        reported groups with no label: judge them and add rows to labels.csv
  expected   expected.csv findings found (under opensafely only)

Prints one line per preset, as score.py's last line. -v also lists the FALSE groups still
reported, the true groups lost, the new groups (with their finding counts and up to 3 sample values
and messages from the report) and the expected findings missing.

P is a percentage, 0 to 100 (e.g. 39.1). Exit 0 when every threshold holds: precision at least P
under each preset given one, recall 100% under both presets, and with --require-expected every
expected.csv finding found; 1 otherwise (a line says which threshold failed); 2 on a usage error or
when the binary or the corpus is missing.
"""
import argparse
import collections
import concurrent.futures
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "tests", "data", "released-outputs")
# Its make_workspaces.py builds the workspaces of any corpus laid out as it is (--corpus).
MAKE_WORKSPACES = os.path.join(CORPUS, "make_workspaces.py")
PRESETS = ("opensafely", "sdc-handbook")
TRUE = ("TRUE", "TRUE-THEN-ALLOWED")
CATEGORIES = TRUE + ("FALSE", "UNSURE")
LABEL_COLUMNS = ("policy", "repo", "file", "rule", "column", "category")
EXPECTED_COLUMNS = ("repo", "file", "rule", "column")
SAMPLES = 3
TIMEOUT = 300  # seconds per workspace and preset


class UsageError(Exception):
    pass


def percentage(text):
    try:
        p = float(text.rstrip("%"))
    except ValueError:
        raise argparse.ArgumentTypeError("not a number: %r" % text)
    if not 0 <= p <= 100:
        raise argparse.ArgumentTypeError("a percentage from 0 to 100, not %s" % text)
    if 0 < p < 1:
        # A fraction given for a percentage would make the threshold all but meaningless.
        raise argparse.ArgumentTypeError("%s: give a percentage (e.g. %g for %g%%), not a fraction"
                                         % (text, p * 100, p * 100))
    return p


def read_csv(path, columns):
    try:
        with open(path, newline="") as f:
            reader = csv.DictReader(f)
            missing = [c for c in columns if c not in (reader.fieldnames or [])]
            if missing:
                raise UsageError("%s: no column %s" % (path, ", ".join(missing)))
            return list(reader)
    except OSError as e:
        raise UsageError("%s: %s" % (path, e.strerror))


def read_labels(corpus):
    """{policy: {(repo, file, rule, column): category}}, merged as score.py merges them: once a
    group has a true row it stays true; otherwise its last row wins."""
    labels = collections.defaultdict(dict)
    path = os.path.join(corpus, "labels.csv")
    for line, r in enumerate(read_csv(path, LABEL_COLUMNS), start=2):
        if r["category"] not in CATEGORIES:
            print("warning: %s:%d: category %r is none of %s: it counts as neither true nor false"
                  % (path, line, r["category"], ", ".join(CATEGORIES)), file=sys.stderr)
        key = (r["repo"], r["file"], r["rule"], r["column"])
        group = labels[r["policy"]]
        if group.get(key) not in TRUE:
            group[key] = r["category"]
    return labels


def read_expected(corpus):
    return [tuple(r[c] for c in EXPECTED_COLUMNS)
            for r in read_csv(os.path.join(corpus, "expected.csv"), EXPECTED_COLUMNS)]


def check(exe, workspaces, repo, preset):
    """Runs check on one workspace; returns (repo, preset, report or None, error text)."""
    cmd = [exe, "check", "--workspace", os.path.join(workspaces, repo), "--format", "json",
           "--max-findings", "100000", "--policy", preset]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return repo, preset, None, "no report within %d s" % TIMEOUT
    except OSError as e:
        return repo, preset, None, "cannot run %s: %s" % (exe, e.strerror)
    try:
        return repo, preset, json.loads(r.stdout), None
    except json.JSONDecodeError:
        return repo, preset, None, "no JSON report (exit %d): %s" % (r.returncode, r.stderr.strip()[:200])


class Score:
    def __init__(self, preset):
        self.preset = preset
        self.found = collections.Counter()         # group -> findings
        self.samples = collections.defaultdict(list)  # group -> up to SAMPLES findings, distinct values
        self.outcomes = collections.Counter()
        self.errors = []

    def add(self, repo, report):
        for f in report["files"]:
            self.outcomes[f["outcome"]] += 1
            path = f["path"][len("output/"):] if f["path"].startswith("output/") else f["path"]
            for x in f.get("findings", []):
                key = (repo, path, x["rule"], x.get("column") or "")
                self.found[key] += 1
                s = self.samples[key]
                if len(s) < SAMPLES and all(y.get("value") != x.get("value") for y in s):
                    s.append(x)

    def compute(self, labels, expected):
        found = self.found
        self.tp = sorted(k for k in found if labels.get(k) in TRUE)
        self.fp = sorted(k for k in found if labels.get(k) == "FALSE")
        self.new = sorted(k for k in found if k not in labels)
        self.lost = sorted(k for k, c in labels.items() if c in TRUE and k not in found)
        self.want = sum(1 for c in labels.values() if c in TRUE)
        self.precision = 100.0 * len(self.tp) / max(1, len(self.tp) + len(self.fp))
        self.recall = 100.0 * (self.want - len(self.lost)) / max(1, self.want)
        self.expected = expected if self.preset == "opensafely" else None
        self.missing = [k for k in expected if k not in found] if self.expected is not None else []

    def line(self):
        return ("released outputs (%s): precision %.1f%% (%d true, %d false groups), recall %.1f%% (%d of %d true "
                "groups lost), %d new groups to judge" % (self.preset, self.precision, len(self.tp), len(self.fp),
                                                           self.recall, len(self.lost), self.want, len(self.new))
                + (", expected findings %d/%d" % (len(self.expected) - len(self.missing), len(self.expected))
                   if self.expected is not None else ""))

    def details(self):
        out = ["files: " + ", ".join("%d %s" % (n, o) for o, n in sorted(self.outcomes.items()))]
        lists = [("FALSE groups still reported", self.fp), ("true groups lost", self.lost), ("new groups", self.new)]
        if self.expected is not None:
            lists.append(("expected findings missing (expected.csv)", self.missing))
        for name, rows in lists:
            out.append("%s: %d" % (name, len(rows)))
            for k in rows:
                out.append("  " + " | ".join(k) + ("  (%d findings)" % self.found[k] if k in self.found else ""))
                if rows is self.new:
                    for x in self.samples[k]:
                        where = "row %s" % x["row"] if x.get("row") is not None else "whole file"
                        value = x.get("value")
                        out.append("      %s: %s%s" % (where, "%r  " % value if value is not None else "",
                                                       x.get("message", "")))
        return out


def main():
    ap = argparse.ArgumentParser(
        usage="python3 scripts/accuracy.py [OUTCHECK_BINARY] [--min-precision-opensafely P] [--min-precision-sdc P] "
              "[--require-expected] [--corpus DIR] [-v]",
        description=__doc__.split("\n\n", 2)[2], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("binary", nargs="?", default=os.path.join(ROOT, "build", "cli", "outcheck"),
                    help="the outcheck binary (default: build/cli/outcheck under the repository root)")
    ap.add_argument("--min-precision-opensafely", type=percentage, metavar="P",
                    help="fail unless precision under opensafely is at least P percent")
    ap.add_argument("--min-precision-sdc", type=percentage, metavar="P",
                    help="fail unless precision under sdc-handbook is at least P percent")
    ap.add_argument("--require-expected", action="store_true",
                    help="fail unless every expected.csv finding is found (under opensafely)")
    ap.add_argument("--corpus", metavar="DIR", default=CORPUS,
                    help="a corpus laid out as tests/data/released-outputs (<repo>/<path>.csv, labels.csv, "
                         "expected.csv); default: that one. tests/data/held-out-outputs is another")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="list the groups behind each figure, with samples of the new ones")
    args = ap.parse_args()

    exe = os.path.abspath(args.binary)
    if not os.path.isfile(exe) or not os.access(exe, os.X_OK):
        print("accuracy.py: no outcheck binary at %s (build it, or give its path)" % exe, file=sys.stderr)
        return 2
    corpus = os.path.abspath(args.corpus)
    for path in (MAKE_WORKSPACES, os.path.join(corpus, "labels.csv"), os.path.join(corpus, "expected.csv")):
        if not os.path.isfile(path):
            print("accuracy.py: %s is missing" % path, file=sys.stderr)
            return 2
    try:
        labels = read_labels(corpus)
        expected = read_expected(corpus)
    except UsageError as e:
        print("accuracy.py: %s" % e, file=sys.stderr)
        return 2

    scores = {p: Score(p) for p in PRESETS}
    tmp = tempfile.mkdtemp(prefix="outcheck-accuracy-")
    try:
        r = subprocess.run([sys.executable, MAKE_WORKSPACES, tmp, corpus],
                           capture_output=True, text=True)
        if r.returncode != 0:
            print("accuracy.py: make_workspaces.py failed: %s" % r.stderr.strip(), file=sys.stderr)
            return 2
        repos = sorted(d for d in os.listdir(tmp) if os.path.isdir(os.path.join(tmp, d)))
        # Two at a time: the machine's cores are shared, and each check is short.
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            jobs = [pool.submit(check, exe, tmp, repo, p) for p in PRESETS for repo in repos]
            for job in jobs:
                repo, preset, report, error = job.result()
                if report is None:
                    scores[preset].errors.append("%s: %s" % (repo, error))
                else:
                    scores[preset].add(repo, report)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    failed = []
    minimum = {"opensafely": args.min_precision_opensafely, "sdc-handbook": args.min_precision_sdc}
    for preset in PRESETS:
        s = scores[preset]
        s.compute(labels.get(preset, {}), expected)
        for e in s.errors:
            print("%s: %s" % (preset, e))
        if args.verbose:
            print("\n".join(s.details()))
        print(s.line())
        if s.errors:
            failed.append("%s: no report from %d workspace(s)" % (preset, len(s.errors)))
        if minimum[preset] is not None and s.precision < minimum[preset]:
            failed.append("%s: precision %.2f%% is below the minimum %g%%" % (preset, s.precision, minimum[preset]))
        if s.lost:
            failed.append("%s: recall %.1f%% is below 100%% (%d true groups lost)" % (preset, s.recall, len(s.lost)))
        if args.require_expected and s.missing:
            failed.append("%s: %d of %d expected findings missing" % (preset, len(s.missing), len(s.expected)))
    for f in failed:
        print("threshold failed: " + f)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
