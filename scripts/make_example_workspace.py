#!/usr/bin/env python3
"""Writes the outputs of the seed pipeline (examples/workspace/project.yaml) into an example workspace.

Usage: scripts/make_example_workspace.py [DIR]   (default: examples/workspace under the repo root)

The data are synthetic but shaped like the real actions' outputs (see examples/README.md): raw
cohort-extractor counts, the measures script's 4-weekly practice rates and its rounded release
tables, and the deciles-charts table and PNG chart. Everything is deterministic: the random numbers
come from random.Random(seed).random() only and every other step is plain IEEE arithmetic (no libm
exp/log/cos, no zlib-dependent comparison), so the bytes are the same on every machine. The two big
per-practice CSVs are generated, not committed; the small files are committed and rewritten only
when their bytes differ (the PNG: when its pixels differ). Python 3 standard library only.
"""

import bisect
import os
import random
import shutil
import struct
import sys
import tempfile
import zlib
from datetime import date, timedelta
from pathlib import Path

WORKSPACE_ID = "02qBxF241hTOBjX0jLfYkz"
SEED = 20220615
START, END = date(2019, 9, 1), date(2022, 6, 15)  # the seed's --start-date / --end-date
NUM_PRACTICES = 154  # in list_sizes.csv; 151 of them have events
LOW_COUNT_THRESHOLD, ROUNDING_BASE, ROUNDING_BASE_PRACTICE_COUNT = 100, 10, 5  # the seed's settings

# counts_per_code.csv: the worked example of reference/opensafely.md section 4.3, plus two codes
# with 1 and 2 events (raw small counts). 40+12+2+1 = 55 <= 100, so 150 is absorbed too and Other is
# 205, which rounds half-even to 200: the top-5 table is exactly the worked example.
CODES = [
    ("271649006", "Systolic blood pressure", 1234567),
    ("198081000000101", "Ambulatory systolic blood pressure", 45678),
    ("314438006", "Minimum systolic blood pressure", 3210),
    ("407554009", "Sitting systolic blood pressure", 150),
    ("72313002", "Systolic arterial pressure", 40),
    ("400974009", "Standing systolic blood pressure", 12),
    ("407556006", "Lying systolic blood pressure", 2),
    ("413606001", "Average home systolic blood pressure", 1),
]
TOTAL_EVENTS = sum(n for _, _, n in CODES)


# ---------------------------------------------------------------------------------------------
# Arithmetic-only helpers (reproducible bit for bit).


def round_values(x, base):
    """study_utils.round_values: int(base * round(x / base)), ties to the even quotient."""
    return int(base * round(x / base))


def np_round2(x):
    """numpy's round(x, 2), which pandas uses: rint(x * 100) / 100."""
    return round(x * 100) / 100


def normal(rng):
    """Approximately standard normal (Irwin-Hall, 12 uniforms)."""
    return sum(rng.random() for _ in range(12)) - 6.0


def poisson(rng, lam):
    """Poisson-like count with mean lam: Bernoulli sum for small means, normal above."""
    if lam <= 0:
        return 0
    if lam < 12:
        n = 16 + int(lam * 8)
        p = lam / n
        return sum(1 for _ in range(n) if rng.random() < p)
    return max(0, int(round(lam + normal(rng) * lam**0.5)))


def cos_turns(t):
    """cos(2*pi*t) by a Taylor series on the reduced argument."""
    x = (t - int(t) if t >= 0 else t - int(t) + 1) - 0.5  # cos(2pi t) = -cos(2pi x), |x| <= 0.5
    y = 6.283185307179586 * x
    y2, term, s = y * y, 1.0, 1.0
    for k in range(1, 12):
        term = -term * y2 / ((2 * k - 1) * (2 * k))
        s += term
    return -s


def quantile_linear(sorted_vals, q):
    """pandas/numpy 'linear' quantile of an ascending list."""
    pos = q * (len(sorted_vals) - 1)
    i = int(pos)
    frac = pos - i
    if i + 1 >= len(sorted_vals):
        return sorted_vals[-1]
    return sorted_vals[i] + (sorted_vals[i + 1] - sorted_vals[i]) * frac


# ---------------------------------------------------------------------------------------------
# The data.


def weeks():
    out, d = [], START
    while d <= END:
        out.append(d)
        d += timedelta(days=7)
    return out


def week_factor(w):
    """Seasonality, the 2020 lockdown dip, Christmas, and the part week at the end."""
    f = 1.0 + 0.08 * cos_turns((w.timetuple().tm_yday - 20) / 365.0)
    lockdown, recovered = date(2020, 3, 22), date(2021, 6, 1)
    if lockdown <= w < recovered:
        span = (recovered - lockdown).days
        f *= 0.3 + 0.7 * (w - lockdown).days / span
    if w.month == 12 and 19 <= w.day <= 25:
        f *= 0.55
    last = (END - w).days + 1
    if last < 7:
        f *= last / 7
    return f


def make_data():
    rng = random.Random(SEED)
    wk = weeks()
    practices = list(range(1, NUM_PRACTICES + 1))
    list_sizes = {}
    for p in practices:
        list_sizes[p] = max(1800, int(8800 + 3600 * normal(rng)))
    # A few realistic oddities: two tiny practices, a closing practice with 5 patients left, and
    # three practices with patients but no coded events at all (absent from the weekly table).
    list_sizes[17], list_sizes[88] = 412, 903
    no_events = {41: 5, 102: 64, 133: 1187}
    list_sizes.update(no_events)
    opens_late = {59: date(2021, 1, 10)}  # a new practice: no events before it opened

    with_events = [p for p in practices if p not in no_events]
    rate = {p: max(0.2, 1.0 + 0.22 * normal(rng)) for p in with_events}
    weights, cells = [], []
    for p in with_events:
        for w in wk:
            lam = list_sizes[p] * rate[p] * week_factor(w)
            if p in opens_late and w < opens_late[p]:
                lam = 0.0
            cells.append((p, w))
            weights.append(lam)
    scale = TOTAL_EVENTS / sum(weights)
    weights = [x * scale for x in weights]
    counts = [poisson(rng, x) for x in weights]

    # Make the weekly total equal the per-code total exactly, moving single events at random.
    cum, acc = [], 0.0
    for x in weights:
        acc += x
        cum.append(acc)
    diff = TOTAL_EVENTS - sum(counts)
    while diff:
        i = min(bisect.bisect_left(cum, rng.random() * acc), len(cum) - 1)
        if diff > 0:
            counts[i] += 1
            diff -= 1
        elif counts[i] > 0:
            counts[i] -= 1
            diff += 1
    weekly = {cell: n for cell, n in zip(cells, counts)}
    return wk, practices, with_events, list_sizes, weekly


def measures(wk, with_events, list_sizes, weekly):
    """generate_measures.py: drop the earliest len % 4 weeks, sum 4-week blocks, add the rate."""
    kept = wk[len(wk) % 4 :] if len(wk) > 52 else wk
    step = 4 if len(wk) > 52 else 1
    blocks = kept[::step]
    rows = []
    for b_i, b in enumerate(blocks):
        for p in with_events:
            num = sum(weekly[(p, w)] for w in kept[b_i * step : (b_i + 1) * step])
            value = np_round2(num / list_sizes[p] * 1000)
            rows.append((p, b, num, list_sizes[p], value))
    return blocks, rows


# ---------------------------------------------------------------------------------------------
# CSV text.


def csv_text(header, rows):
    return "".join(",".join(str(c) for c in r) + "\n" for r in [header] + rows)


def build_files(out):
    wk, practices, with_events, list_sizes, weekly = make_data()
    blocks, mrows = measures(wk, with_events, list_sizes, weekly)
    files = {}

    files["counts_per_code.csv"] = csv_text(["code", "num"], sorted((c, n) for c, _, n in CODES))
    files["counts_per_week_per_practice.csv"] = csv_text(
        ["practice", "date", "num"],
        [(p, w.isoformat(), weekly[(p, w)]) for p in with_events for w in wk],
    )
    files["list_sizes.csv"] = csv_text(["practice", "list_size"], [(p, list_sizes[p]) for p in practices])
    patient_count = sum(list_sizes[p] for p in with_events) * 4613 // 10000
    files["patient_count.csv"] = csv_text(["num"], [(patient_count,)])

    files["measure_counts_per_week_per_practice.csv"] = csv_text(
        ["practice", "date", "num", "list_size", "value"],
        [(p, b.isoformat(), n, ls, v) for p, b, n, ls, v in mrows],
    )
    total = sum(r[2] for r in mrows)
    latest = sum(r[2] for r in mrows if r[1] == blocks[-1])
    events = []
    for label, v in [("total_events", total), ("events_in_latest_period", latest), ("unique_patients", patient_count)]:
        events.append((label, f"<={LOW_COUNT_THRESHOLD}" if v <= LOW_COUNT_THRESHOLD else round_values(v, ROUNDING_BASE)))
    files["event_counts.csv"] = csv_text(["", "count"], events)
    files["practice_count.csv"] = csv_text(
        ["", "count"],
        [
            ("total", round_values(len(practices), ROUNDING_BASE_PRACTICE_COUNT)),
            ("with_at_least_1_event", round_values(len(with_events), ROUNDING_BASE_PRACTICE_COUNT)),
        ],
    )
    files["top_5_code_table.csv"] = csv_text(["Code", "Description", "Proportion of codes (%)"], top_5())

    # deciles-charts: groupby(date)[value].quantile(np.arange(0.1, 1, 0.1)), percentile int(q*100).
    qs = [0.1 + i * 0.1 for i in range(9)]
    by_date = {}
    for p, b, n, ls, v in mrows:
        by_date.setdefault(b, []).append(v)
    deciles = {}
    drows = []
    for b in blocks:
        vals = sorted(by_date[b])
        for q in qs:
            v = quantile_linear(vals, q)
            deciles.setdefault(int(q * 100), []).append(v)
            drows.append((b.isoformat(), int(q * 100), v))
    files["deciles_table_counts_per_week_per_practice.csv"] = csv_text(["date", "percentile", "value"], drows)
    png = deciles_png(blocks, deciles)
    files["deciles_chart_counts_per_week_per_practice.png"] = png
    return {out / k: (v.encode() if isinstance(v, str) else v) for k, v in files.items()}


def top_5():
    """study_utils.create_top_5_code_table with threshold 100 and rounding base 10."""
    rows = sorted(((n, c, d) for c, d, n in CODES), reverse=True)
    kept = [r for r in rows if r[0] > LOW_COUNT_THRESHOLD]
    other = sum(r[0] for r in rows if r[0] <= LOW_COUNT_THRESHOLD)
    if other > 0 or len(kept) != len(rows):
        while other <= LOW_COUNT_THRESHOLD and kept:
            other += kept.pop()[0]
        if other > LOW_COUNT_THRESHOLD:
            kept.append((other, "Other", "-"))
    rounded = [(round_values(n, ROUNDING_BASE), c, d) for n, c, d in kept]
    total = sum(n for n, _, _ in rounded)
    return [(c, d, np_round2(n / total * 100)) for n, c, d in rounded][:5]


# ---------------------------------------------------------------------------------------------
# A small PNG line chart, drawn by hand (deciles dashed, median solid, like ebmdatalab's chart).

FONT = {  # 5x7 glyphs, one string of 5 bits per row
    "0": "01110 10001 10011 10101 11001 10001 01110", "1": "00100 01100 00100 00100 00100 00100 01110",
    "2": "01110 10001 00001 00010 00100 01000 11111", "3": "11110 00001 00001 01110 00001 00001 11110",
    "4": "00010 00110 01010 10010 11111 00010 00010", "5": "11111 10000 11110 00001 00001 10001 01110",
    "6": "00110 01000 10000 11110 10001 10001 01110", "7": "11111 00001 00010 00100 01000 01000 01000",
    "8": "01110 10001 10001 01110 10001 10001 01110", "9": "01110 10001 10001 01111 00001 00010 01100",
    "-": "00000 00000 00000 11111 00000 00000 00000", ",": "00000 00000 00000 00000 00110 00100 01000",
    "a": "00000 00000 01110 00001 01111 10001 01111", "c": "00000 00000 01110 10000 10000 10001 01110",
    "d": "00001 00001 01101 10011 10001 10001 01111", "e": "00000 00000 01110 10001 11111 10000 01110",
    "i": "00100 00000 01100 00100 00100 00100 01110", "l": "01100 00100 00100 00100 00100 00100 01110",
    "m": "00000 00000 11010 10101 10101 10001 10001", "n": "00000 00000 10110 11001 10001 10001 10001",
    "p": "00000 00000 11110 10001 11110 10000 10000", "r": "00000 00000 10110 11001 10000 10000 10000",
    "t": "01000 01000 11100 01000 01000 01001 00110", " ": "00000 00000 00000 00000 00000 00000 00000",
}


class Canvas:
    def __init__(self, w, h):
        self.w, self.h = w, h
        self.px = bytearray(b"\xff" * (w * h * 3))

    def set(self, x, y, c):
        if 0 <= x < self.w and 0 <= y < self.h:
            i = (y * self.w + x) * 3
            self.px[i : i + 3] = bytes(c)

    def rect(self, x0, y0, x1, y1, c):
        for y in range(y0, y1 + 1):
            for x in range(x0, x1 + 1):
                self.set(x, y, c)

    def line(self, x0, y0, x1, y1, c, width=1, dash=None):
        """Bresenham; dash = (on, off) in pixels along the line."""
        dx, dy = abs(x1 - x0), -abs(y1 - y0)
        sx, sy = (1 if x0 < x1 else -1), (1 if y0 < y1 else -1)
        err, step = dx + dy, 0
        while True:
            if dash is None or step % (dash[0] + dash[1]) < dash[0]:
                for o in range(width):
                    if dx >= -dy:
                        self.set(x0, y0 + o, c)
                    else:
                        self.set(x0 + o, y0, c)
            if x0 == x1 and y0 == y1:
                return step
            e2 = 2 * err
            if e2 >= dy:
                err += dy
                x0 += sx
            if e2 <= dx:
                err += dx
                y0 += sy
            step += 1

    def text(self, x, y, s, c):
        for ch in s:
            for row, bits in enumerate(FONT[ch].split()):
                for col, b in enumerate(bits):
                    if b == "1":
                        self.set(x + col, y + row, c)
            x += 6

    def raw(self):
        return b"".join(b"\x00" + bytes(self.px[y * self.w * 3 : (y + 1) * self.w * 3]) for y in range(self.h))


def png_bytes(w, h, raw):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)  # 8-bit RGB
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def png_pixels(data):
    """(width, height, raw scanlines) of a PNG written by png_bytes, or None."""
    try:
        if data[:8] != b"\x89PNG\r\n\x1a\n":
            return None
        pos, w, h, idat = 8, None, None, b""
        while pos < len(data):
            (n,) = struct.unpack(">I", data[pos : pos + 4])
            kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + n]
            if kind == b"IHDR":
                w, h = struct.unpack(">II", body[:8])
            elif kind == b"IDAT":
                idat += body
            pos += 12 + n
        return w, h, zlib.decompress(idat)
    except (struct.error, zlib.error):
        return None


def deciles_png(blocks, deciles):
    W, H = 640, 420
    L, R, T, B = 62, 520, 24, 352  # plot area
    cv = Canvas(W, H)
    grid, axis, ink, blue = (230, 230, 230), (120, 120, 120), (60, 60, 60), (0, 0, 255)
    ymax = max(max(v) for v in deciles.values()) * 1.05
    tick = next(t for t in (1, 2, 5, 10, 20, 25, 50, 100, 200, 500) if ymax / t <= 8)

    def ypix(v):
        return B - int(round(v / ymax * (B - T)))

    def xpix(i):
        return L + int(round(i * (R - L) / (len(blocks) - 1)))

    t = 0
    while t <= ymax:
        y = ypix(t)
        cv.line(L, y, R, y, grid)
        label = str(t)
        cv.text(L - 8 - 6 * len(label), y - 3, label, ink)
        cv.line(L - 4, y, L - 1, y, axis)
        t += tick
    for i, b in enumerate(blocks):
        if i % 6 == 0 or i == len(blocks) - 1:
            x = xpix(i)
            cv.line(x, T, x, B, grid)
            cv.line(x, B + 1, x, B + 4, axis)
            label = f"{b.year}-{b.month:02d}"
            cv.text(x - 3 * len(label), B + 8, label, ink)
    cv.rect(L, T, R, T, axis)
    cv.rect(L, B, R, B, axis)
    cv.rect(L, T, L, B, axis)
    cv.rect(R, T, R, B, axis)
    cv.text(L, T - 14, "rate per 1,000", ink)

    for pct in sorted(deciles):
        vals = deciles[pct]
        median = pct == 50
        pts = [(xpix(i), ypix(v)) for i, v in enumerate(vals)]
        for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
            cv.line(x0, y0, x1, y1, blue, width=2 if median else 1, dash=None if median else (5, 3))

    # legend, outside the axes on the right, as ebmdatalab places it
    lx, ly = R + 16, T + 120
    cv.rect(lx - 6, ly - 10, lx + 96, ly + 34, (255, 255, 255))
    for x0, y0, x1, y1 in ((lx - 6, ly - 10, lx + 96, ly - 10), (lx - 6, ly + 34, lx + 96, ly + 34),
                           (lx - 6, ly - 10, lx - 6, ly + 34), (lx + 96, ly - 10, lx + 96, ly + 34)):
        cv.line(x0, y0, x1, y1, grid)
    cv.line(lx, ly, lx + 28, ly, blue, dash=(5, 3))
    cv.text(lx + 36, ly - 3, "decile", ink)
    cv.line(lx, ly + 20, lx + 28, ly + 20, blue, width=2)
    cv.text(lx + 36, ly + 17, "median", ink)
    return png_bytes(W, H, cv.raw())


# ---------------------------------------------------------------------------------------------


def write_atomic(path, data):
    """Write data to path via a temporary file and a rename; skip when unchanged. True if written."""
    if path.exists():
        old = path.read_bytes()
        if old == data:
            return False
        new_pixels = png_pixels(data) if path.suffix == ".png" else None
        if new_pixels is not None and png_pixels(old) == new_pixels:
            return False  # same image, another zlib: keep the committed bytes
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
    return True


def main(argv):
    if len(argv) > 2 or (len(argv) == 2 and argv[1].startswith("-")):
        print("usage: make_example_workspace.py [DIR]", file=sys.stderr)
        return 2
    bundled = Path(__file__).resolve().parent.parent / "examples" / "workspace"
    ws = Path(argv[1]) if len(argv) == 2 else bundled
    out = ws / "output" / WORKSPACE_ID
    files = build_files(out)
    project = ws / "project.yaml"
    if not project.exists() and (bundled / "project.yaml").exists():
        ws.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(bundled / "project.yaml", project)
    written = sum(write_atomic(p, d) for p, d in files.items())
    print(f"make_example_workspace: {out}: {len(files)} files, {written} written, {len(files) - written} unchanged")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
