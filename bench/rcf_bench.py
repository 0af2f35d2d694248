#!/usr/bin/python3
"""bench/rcf_bench.py — the Python half of bench/rcf_bench.sh.

Runs scikit-learn's IsolationForest on the very data the SQL half scored
(exported as CSV), evaluates both detectors the same way, and writes the
"## Random Cut Forest" section of bench/RESULTS.md (other sections are
kept).  Usage: rcf_bench.py WORK_DIR RESULTS_MD COMMAND
"""
import csv
import datetime
import json
import os
import platform
import re
import subprocess
import sys
import time

import numpy as np
import sklearn
from sklearn.ensemble import IsolationForest

SEED = 42
HEADING = "## Random Cut Forest"


def isolation_forest():
    """The peer, with the parameters of the brief"""
    return IsolationForest(n_estimators=100, max_samples=256, random_state=SEED)


def read_csv(path):
    """Rows of a CSV file with a header, as dicts"""
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def flags(scores):
    """Which scores exceed mean + 3 standard deviations (sample sd, as SQL's stddev)"""
    s = np.asarray(scores, dtype=float)
    ok = ~np.isnan(s)
    limit = s[ok].mean() + 3 * s[ok].std(ddof=1)
    return ok & (s > limit)


def paper(work):
    """Top-11 hits and score separation on the paper's data, for RCF and IF"""
    rows = read_csv(os.path.join(work, "paper_scores.csv"))
    planted = np.array([r["planted"] == "t" for r in rows])
    x = np.array([[float(r["x"]), float(r["y"]), float(r["z"])] for r in rows])
    results = {}
    for name, score in (("pg_infer rcf_train + rcf_score",
                         np.array([float(r["score"]) for r in rows])),
                        ("scikit-learn IsolationForest (-score_samples)",
                         -isolation_forest().fit(x).score_samples(x))):
        top = np.argsort(-score, kind="stable")[:planted.sum()]
        results[name] = dict(top=int(planted[top].sum()), n=int(planted.sum()),
                             mean_planted=score[planted].mean(),
                             min_planted=score[planted].min(),
                             max_other=score[~planted].max(),
                             mean_other=score[~planted].mean())
    return results


def nab(work):
    """Per file: windows hit and flags outside windows, for each detector"""
    rows = read_csv(os.path.join(work, "nab_scores.csv"))
    with open(os.path.join(work, "data", "nab", "windows.json")) as f:
        windows = {os.path.basename(k): [(np.datetime64(a), np.datetime64(b))
                                         for a, b in v]
                   for k, v in json.load(f).items()}
    files = sorted({r["file"] for r in rows})
    out = []
    for name in files:
        rs = [r for r in rows if r["file"] == name]
        ts = np.array([np.datetime64(r["ts"]) for r in rs])
        x = np.array([[float(r[k]) for k in ("p1", "p2", "p3", "p4")] for r in rs])
        detectors = {
            "RCF batch": np.array([float(r["rcf_score"]) for r in rs]),
            "RCF stream": np.array([float(r["stream_score"]) if r["stream_score"]
                                    else np.nan for r in rs]),
            "IsolationForest": -isolation_forest().fit(x).score_samples(x),
        }
        wins = windows.get(name, [])
        inside_any = np.zeros(len(ts), dtype=bool)
        for a, b in wins:
            inside_any |= (ts >= a) & (ts <= b)
        result = dict(file=name, points=len(rs), windows=len(wins))
        for det, score in detectors.items():
            flagged = flags(score)
            hit = sum(1 for a, b in wins if (flagged & (ts >= a) & (ts <= b)).any())
            result[det] = dict(hit=hit, flagged=int(flagged.sum()),
                               outside=int((flagged & ~inside_any).sum()))
        out.append(result)
    return out


def best_of_two(fn):
    """Best wall-clock seconds of two runs of fn"""
    best = None
    for _ in range(2):
        t0 = time.perf_counter()
        fn()
        t = time.perf_counter() - t0
        best = t if best is None else min(best, t)
    return best


def speed(work):
    """IsolationForest fit and score_samples on the 200,000 x 4 points"""
    x = np.loadtxt(os.path.join(work, "speed.csv"), delimiter=",")
    model = {}

    def fit():
        model["m"] = isolation_forest().fit(x)

    fit_s = best_of_two(fit)
    score_s = best_of_two(lambda: model["m"].score_samples(x))
    return dict(rows=x.shape[0], dims=x.shape[1], fit=fit_s, score=score_s)


def machine():
    """nproc and the CPU model"""
    model = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return os.cpu_count(), model


def section(work, command):
    """The markdown of the Random Cut Forest section"""
    p = paper(work)
    n = nab(work)
    sp = speed(work)
    times = {(r["measure"], r["workers"]): float(r["seconds"])
             for r in read_csv(os.path.join(work, "sql_times.csv"))}
    sizes = read_csv(os.path.join(work, "sizes.csv"))
    nproc, cpu = machine()
    pg = open(os.path.join(work, "pg_version.txt")).read().strip().split(" on ")[0]
    parallel_plan = {k: "Partial Aggregate" in open(os.path.join(work, f"plan_{k}.txt")).read()
                     for k in ("train", "score", "score_subquery")}
    workers = {k: max([int(w) for w in re.findall(r"Workers Planned: (\d+)",
                                                   open(os.path.join(work, f"plan_{k}.txt")).read())] or [0])
               for k in ("train", "score", "score_subquery")}
    today = datetime.date.today().isoformat()

    L = [HEADING, ""]
    L.append(f"Produced by `{command}` on {today}. Machine: {nproc} CPUs "
             f"({cpu}), {pg}, Python {platform.python_version()}, "
             f"scikit-learn {sklearn.__version__}, numpy {np.__version__}. "
             "Peer: scikit-learn `IsolationForest(n_estimators=100, "
             f"max_samples=256, random_state={SEED})` on the very same points; "
             "pg_infer uses its defaults (100 trees of 256 points, seed 42). "
             "Timings are wall clock, best of two runs.")
    L.append("")
    L.append("### Accuracy: the RCF paper's data set (2,010 points, 11 planted near the origin)")
    L.append("")
    L.append("| detector | planted in top 11 | mean score of the 11 | min of the 11 | max of the others | mean of the others |")
    L.append("|---|---|---|---|---|---|")
    for name, r in p.items():
        L.append(f"| {name} | {r['top']} / {r['n']} | {r['mean_planted']:.3f} | "
                 f"{r['min_planted']:.3f} | {r['max_other']:.3f} | {r['mean_other']:.3f} |")
    L.append("")
    L.append("The two scores are on different scales (RCF: about 1 for inliers, up to "
             "log2(256) = 8; IsolationForest: 0.5 for inliers, up to 1); compare the gap "
             "between the 11 and the others, not the values.")
    L.append("")
    L.append("### Accuracy: NAB realKnownCause series (labelled anomaly windows)")
    L.append("")
    L.append("Shingles of 4 consecutive values (in the files' row order) built in SQL "
             "with `lag()`; one model per "
             "file trained on all of its shingles, then every shingle scored. A point is "
             "flagged when its score exceeds mean + 3 sd of the file's scores. A window "
             "is hit when at least one flagged point falls inside it. \"RCF stream\" is "
             "`rcf_stream_score(value, '{\"shingle_size\": 4}') OVER (ORDER BY id)` "
             "(each point scored against the points before it only; the first 64 "
             "shingles are warm-up and never flagged).")
    L.append("")
    dets = ["RCF batch", "IsolationForest", "RCF stream"]
    L.append("| file | points | windows | " +
             " | ".join(f"{d}: hit / flagged / outside" for d in dets) + " |")
    L.append("|---|---|---|" + "---|" * len(dets))
    tot = {d: [0, 0, 0] for d in dets}
    totw = 0
    for r in n:
        totw += r["windows"]
        cells = []
        for d in dets:
            x = r[d]
            tot[d][0] += x["hit"]
            tot[d][1] += x["flagged"]
            tot[d][2] += x["outside"]
            cells.append(f"{x['hit']} / {x['flagged']} / {x['outside']}")
        L.append(f"| {r['file']} | {r['points']} | {r['windows']} | " + " | ".join(cells) + " |")
    L.append(f"| **total** | | {totw} | " +
             " | ".join(f"{t[0]} / {t[1]} / {t[2]}" for t in tot.values()) + " |")
    L.append("")
    L.append("hit = windows hit; flagged = points flagged; outside = flagged points outside every window.")
    L.append("")
    L.append(f"### Speed: {sp['rows']:,} points x {sp['dims']} dimensions")
    L.append("")
    L.append("SQL times are psql wall clock around `CREATE TABLE m AS SELECT rcf_train(p) "
             "FROM t` and `SELECT sum(rcf_score(m, p)) FROM t, m` (connection included); "
             "IsolationForest times are `time.perf_counter()` around `fit` and "
             "`score_samples` (CSV load excluded; single process, as scikit-learn's "
             "default n_jobs).")
    L.append("")
    L.append("| step | pg_infer, serial (s) | pg_infer, parallel plan allowed (s) | IsolationForest (s) | IsolationForest / pg_infer serial |")
    L.append("|---|---|---|---|---|")
    for step, key, ifs in (("train", "train", sp["fit"]), ("score", "score", sp["score"])):
        s0, s2 = times[(key, "0")], times[(key, "2")]
        L.append(f"| {step} | {s0:.3f} | {s2:.3f} | {ifs:.3f} | {ifs / s0:.2f}x |")
    s0 = times[("train", "0")] + times[("score", "0")]
    s2 = times[("train", "2")] + times[("score", "2")]
    ifs = sp["fit"] + sp["score"]
    L.append(f"| train + score | {s0:.3f} | {s2:.3f} | {ifs:.3f} | {ifs / s0:.2f}x |")
    sq = times[("score_subquery", "2")]
    L.append(f"| score, model as a scalar subquery: `sum(rcf_score((SELECT m FROM m), p))` | | "
             f"{sq:.3f} | {sp['score']:.3f} | {sp['score'] / sq:.2f}x (vs this column) |")
    L.append("")
    L.append(f"Scoring throughput, serial: {sp['rows'] / times[('score', '0')]:,.0f} points/s "
             f"(pg_infer) vs {sp['rows'] / sp['score']:,.0f} points/s (IsolationForest). "
             "\"Parallel plan allowed\" is max_parallel_workers_per_gather = 2 with "
             "parallel_setup_cost and parallel_tuple_cost at 0. EXPLAIN then shows a "
             "Partial Aggregate below a Gather for training: "
             f"{'yes' if parallel_plan['train'] else 'NO'} ({workers['train']} worker(s) planned); "
             f"for `FROM t, m` scoring: {'yes' if parallel_plan['score'] else 'NO'} "
             "(the planner keeps the join with the 1-row model table out of the "
             "parallel part, so rcf_score runs in the leader; it does so for any "
             "function here, e.g. sum(p[1]) FROM t, m too, and rcf_score's COST 1000 "
             "does not change it); for scoring "
             "with the model as a scalar subquery: "
             f"{'yes' if parallel_plan['score_subquery'] else 'NO'} "
             f"({workers['score_subquery']} worker(s) planned). The machine has {nproc} "
             "CPUs, so leader and workers share them, and it was shared with other "
             "builds and test runs while this ran, so timings vary by about 20% between "
             "runs.")
    L.append("")
    L.append("### Speed: streaming (`rcf_stream_score`, 100,000-point series, defaults: 100 trees of 256, warm-up 64)")
    L.append("")
    L.append("| variant | seconds | points/s |")
    L.append("|---|---|---|")
    for label, key in (("shingle_size 1", "stream"), ("shingle_size 4", "stream_shingle4")):
        t = times[(key, "0")]
        L.append(f"| {label} | {t:.3f} | {100000 / t:,.0f} |")
    L.append("")
    L.append("Each row is scored and then inserted into every tree (and one point evicted), "
             "so streaming costs far more per point than batch scoring.")
    L.append("")
    L.append("### Model size (`rcf_info(m).bytes`, 100 trees of 256 points)")
    L.append("")
    L.append("| dimensions | samples | total bytes | bytes per tree |")
    L.append("|---|---|---|---|")
    for r in sizes:
        L.append(f"| {r['dims']} | {r['samples']} | {int(r['bytes']):,} | {r['bytes_per_tree']} |")
    L.append("")
    L.append("Points are stored as half floats with one scale exponent per dimension "
             "(2 bytes per value), so a tree costs about 512 x dimensions bytes.")
    L.append("")
    return "\n".join(L)


def write_section(path, text, heading=HEADING):
    """Replaces (or appends) the section under "heading" of RESULTS.md"""
    old = open(path).read() if os.path.exists(path) else "# Benchmark results\n\n"
    pattern = re.compile(r"^" + re.escape(heading) + r"\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(old):
        new = pattern.sub(lambda _m: text + "\n", old)
    else:
        new = old.rstrip("\n") + "\n\n" + text + "\n"
    with open(path, "w") as f:
        f.write(new)


def main():
    work, results, command = sys.argv[1:4]
    text = section(work, command)
    write_section(results, text)
    print(text)


if __name__ == "__main__":
    main()
