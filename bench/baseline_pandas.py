#!/usr/bin/env python3
"""The pandas way (as Airlock's CSV summaries and ACRO read tables): read_csv, then the same
small-count and rounding rules on the integer columns. Exits 3 when pandas is not installed.
   baseline_pandas.py FILE..."""
import sys

try:
    import pandas as pd
except ImportError:
    sys.exit(3)

small = unrounded = rows = 0
for p in sys.argv[1:]:
    df = pd.read_csv(p)
    rows += len(df)
    for col in df.select_dtypes("integer").columns:
        s = df[col]
        small += int(((s > 0) & (s <= 7)).sum())
        unrounded += int(((s > 7) & (s % 5 != 0)).sum())
print("rows=%d small=%d unrounded=%d" % (rows, small, unrounded))
