#!/usr/bin/env python3
"""NAB scoring (Lavin & Ahmad 2015, "Evaluating Real-time Anomaly Detection
Algorithms -- the Numenta Anomaly Benchmark"), standard profile, written for
pg_infer's benchmark.

The rules, as published:
  - the first 15% of a series (at most 750 rows) is a probationary period:
    detections there are not scored;
  - a detection inside a window counts only if it is the window's first; it
    earns A_TP * sigma(y), y the position in the window from -1 (its first
    row) to 0 (past its last row), sigma(y) = 2 / (1 + exp(5y)) - 1;
  - a detection outside every window costs A_FP * sigma(y), y the distance
    past the end of the preceding window in window lengths (so a late
    detection just after a window costs little), or A_FP * -1 before the
    first window;
  - a window without a detection costs A_FN;
  - the raw score S is normalised as 100 * (S - S_null) / (S_perfect - S_null),
    S_null the score of a detector that never fires (-A_FN per window) and
    S_perfect that of one firing on each window's first row.
Standard profile: A_TP = 1, A_FP = 0.11, A_FN = 1.
"""
import csv
import json
import math
import os

A_TP, A_FP, A_FN = 1.0, 0.11, 1.0


def scaled_sigmoid(y):
    """NAB's reward curve: ~1 at a window's start, 0 at its end, -> -1 after."""
    if y > 3.0:
        return -1.0
    return 2.0 / (1.0 + math.exp(5.0 * y)) - 1.0


def load_series(path):
    """The timestamps and values of a NAB CSV file."""
    with open(path) as f:
        rows = list(csv.DictReader(f))
    return [r["timestamp"] for r in rows], [float(r["value"]) for r in rows]


def load_windows(data_dir):
    """Windows per series file name, as (first, last) timestamp strings."""
    with open(os.path.join(data_dir, "windows.json")) as f:
        raw = json.load(f)
    return {os.path.basename(k): [(a[:19], b[:19]) for a, b in v]
            for k, v in raw.items()}


def window_indexes(timestamps, windows):
    """Each window as (first row, last row) of the series."""
    out = []
    for first, last in windows:
        rows = [i for i, t in enumerate(timestamps) if first <= t[:19] <= last]
        if rows:
            out.append((rows[0], rows[-1]))
    return out


def probation(n):
    """Rows of the probationary period of a series of n rows."""
    return min(int(math.floor(0.15 * n)), 750)


def row_weights(n, wins):
    """Per row: (window number or None, the unweighted sigmoid value)."""
    out = [None] * n
    prev = None
    k = 0
    for i in range(n):
        while k < len(wins) and i > wins[k][1]:
            prev = wins[k]
            k += 1
        if k < len(wins) and wins[k][0] <= i <= wins[k][1]:
            width = wins[k][1] - wins[k][0] + 1
            out[i] = (k, scaled_sigmoid(-(wins[k][1] - i + 1) / width))
        elif prev is None:
            out[i] = (None, -1.0)
        else:
            width = prev[1] - prev[0] + 1
            out[i] = (None, scaled_sigmoid(abs(prev[1] - i) / (width - 1)))
    return out


def score(flags, wins):
    """Raw NAB score of boolean flags, with hits, misses and false alarms."""
    n = len(flags)
    weights = row_weights(n, wins)
    hit = set()
    raw, fp, fp_cost = 0.0, 0, 0.0
    for i in range(probation(n), n):
        if not flags[i]:
            continue
        k, s = weights[i]
        if k is not None:
            if k not in hit:
                hit.add(k)
                raw += A_TP * s
        else:
            fp += 1
            fp_cost += A_FP * s
            raw += A_FP * s
    raw -= A_FN * (len(wins) - len(hit))
    return {"raw": raw, "hit": len(hit), "windows": len(wins), "fp": fp}


def bounds(wins):
    """Raw scores of the null and the perfect detector."""
    null = -A_FN * len(wins)
    perfect = A_TP * scaled_sigmoid(-1.0) * len(wins)
    return null, perfect


def normalised(raw, null, perfect):
    """NAB's 0..100 scale (a null detector scores 0, a perfect one 100)."""
    if perfect == null:
        return 0.0
    return 100.0 * (raw - null) / (perfect - null)
