#!/usr/bin/env python3
"""What a researcher does today without outcheck: Python's csv module, the same small-count (1..7)
and rounding (multiple of 5) rules on the integer columns, one pass. Prints the counts it found.
   baseline_csv.py FILE..."""
import csv
import sys


def check(path):
    small = unrounded = rows = 0
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        for row in reader:
            if not row:
                continue
            rows += 1
            for cell in row:
                if cell.isdigit():
                    n = int(cell)
                    if 0 < n <= 7:
                        small += 1
                    elif n % 5:
                        unrounded += 1
    return rows, small, unrounded


if __name__ == "__main__":
    totals = [0, 0, 0]
    for p in sys.argv[1:]:
        for i, v in enumerate(check(p)):
            totals[i] += v
    print("rows=%d small=%d unrounded=%d" % tuple(totals))
