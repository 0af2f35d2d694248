#!/usr/bin/env bash
#
# bench/nab_bench.sh — rcf_detect as a detector on the labelled NAB series,
# scored by the NAB rules, beside today's rcf_stream_score + mean + 3 sd and
# scikit-learn's IsolationForest; and rcf_detect's speed against
# rcf_stream_score on one 100,000-row series.
#
#   bash bench/nab_bench.sh
#
# Installs its dependencies (test/deps.sh bench), builds and installs the
# extension, starts a throwaway cluster (pg_virtualenv), runs
# bench/nab_bench.sql, then bench/nab_bench.py (IsolationForest, the NAB
# scoring of bench/nab_score.py, the tables) which writes the
# "## RCF detector" section of bench/RESULTS.md.
#
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

if [ -z "${PG_INFER_BENCH_INSIDE:-}" ]; then
	bash test/deps.sh bench
	make -s -j2 && make -s install
	work=$(mktemp -d /tmp/nab_bench.XXXXXX)
	ln -s "$root/test/data" "$work/data"
	PG_INFER_BENCH_INSIDE=1 PG_INFER_BENCH_WORK=$work \
		pg_virtualenv -t -v 15 -o shared_preload_libraries=pg_infer bash "$0"
	PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 bench/nab_bench.py "$work" "$root/bench/RESULTS.md" \
		"bash bench/nab_bench.sh"
	rm -rf "$work"
	exit 0
fi

# --- inside the throwaway cluster ---
work=$PG_INFER_BENCH_WORK
cd "$work"
. "$root/bench/bench_lib.sh"

write_nab_load
psql_q -f "$root/bench/nab_bench.sql"

# speed: the same 100,000-row series through both window functions, the
# same forest (100 trees of 256, shingles of 8)
{
	echo "rows,100000"
	echo "stream,$(best_of_sql 2 "SELECT count(s) FROM (SELECT rcf_stream_score(v, '{\"shingle_size\": 8, \"warmup\": 0}') OVER (ORDER BY t) AS s FROM speed) AS r")"
	echo "detect,$(best_of_sql 2 "SELECT count((d).score) FROM (SELECT rcf_detect(v) OVER (ORDER BY t) AS d FROM speed) AS r")"
} >speed.csv
psql_q -Atc "SELECT version()" >version.txt
