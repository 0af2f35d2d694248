#!/usr/bin/env bash
#
# bench/rcf_bench.sh — Random Cut Forest benchmarks, side by side with
# scikit-learn's IsolationForest on the same data in the same run.
#
#   bash bench/rcf_bench.sh
#
# Installs its dependencies (test/deps.sh bench), builds and installs the
# extension, starts a throwaway cluster (pg_virtualenv), runs
# bench/rcf_bench.sql, times training, scoring and streaming in SQL, runs
# bench/rcf_bench.py (IsolationForest and the evaluation) and writes the
# "## Random Cut Forest" section of bench/RESULTS.md.
#
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

if [ -z "${PG_INFER_BENCH_INSIDE:-}" ]; then
	bash test/deps.sh bench
	make -s -j2 && make -s install
	work=$(mktemp -d /tmp/rcf_bench.XXXXXX)
	ln -s "$root/test/data" "$work/data"
	PG_INFER_BENCH_INSIDE=1 PG_INFER_BENCH_WORK=$work \
		pg_virtualenv -t -v 15 -o shared_preload_libraries=pg_infer \
		-o max_parallel_workers_per_gather=2 bash "$0"
	/usr/bin/python3 bench/rcf_bench.py "$work" "$root/bench/RESULTS.md" \
		"bash bench/rcf_bench.sh"
	rm -rf "$work"
	exit 0
fi

# --- inside the throwaway cluster ---
work=$PG_INFER_BENCH_WORK
cd "$work"
. "$root/bench/bench_lib.sh"

write_nab_load
psql_q -f "$root/bench/rcf_bench.sql"

{
	echo "measure,workers,seconds"
	for workers in 0 2; do
		# with workers, a parallel plan is forced as in sql/rcf_parallel.sql
		set_w="SET max_parallel_workers_per_gather = $workers;"
		[ "$workers" = 0 ] || set_w="$set_w SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0;"
		echo "train,$workers,$(best_of_two "$set_w DROP TABLE IF EXISTS m; CREATE TABLE m AS SELECT rcf_train(p) AS m FROM speed")"
		echo "score,$workers,$(best_of_two "$set_w SELECT sum(rcf_score(m, p)) FROM speed, m")"
	done
	# the model as a scalar subquery: the scoring itself runs in the workers
	echo "score_subquery,2,$(best_of_two "SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SELECT sum(rcf_score((SELECT m FROM m), p)) FROM speed")"
	echo "stream,0,$(best_of_two "SELECT count(s) FROM (SELECT rcf_stream_score(v) OVER (ORDER BY i) AS s FROM series) AS x")"
	echo "stream_shingle4,0,$(best_of_two "SELECT count(s) FROM (SELECT rcf_stream_score(v, '{\"shingle_size\": 4}') OVER (ORDER BY i) AS s FROM series) AS x")"
} >sql_times.csv
psql_q -At -c "SELECT count(*) FILTER (WHERE p[4] = 5.0) FROM speed" >planted_speed.txt
force="SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0;"
psql_q -At -c "$force EXPLAIN (COSTS OFF) SELECT rcf_train(p) FROM speed" >plan_train.txt
psql_q -At -c "$force EXPLAIN (COSTS OFF) SELECT sum(rcf_score(m, p)) FROM speed, m" >plan_score.txt
psql_q -At -c "$force EXPLAIN (COSTS OFF) SELECT sum(rcf_score((SELECT m FROM m), p)) FROM speed" >plan_score_subquery.txt
psql_q -At -c "SELECT version()" >pg_version.txt
