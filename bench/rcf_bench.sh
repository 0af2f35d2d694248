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
	chmod 755 "$work"
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

# Makes and starts a shard cluster (pg_virtualenv's configuration root,
# loopback only, trust); prints its port
make_shard() {
	local port
	port=$(free_port)
	pg_createcluster 15 "$1" -p "$port" -d "$work/$1" -l "$work/$1.log" --start \
		-o max_parallel_workers_per_gather=0 -- --auth=trust >/dev/null
	echo "$port"
}

# Two shards of the speed table behind postgres_fdw, for the shard timings
setup_shards() {
	local n port
	psql_q -c "CREATE EXTENSION IF NOT EXISTS postgres_fdw"
	for n in 1 2; do
		port=$(make_shard "rcf_bench_shard$n")
		shards+=("rcf_bench_shard$n")
		psql_q -c "\\copy (SELECT i, p FROM speed WHERE (i - 1) / 100000 = $n - 1 ORDER BY i) TO 'shard$n.csv'"
		psql_q -h 127.0.0.1 -p "$port" -U postgres -d postgres \
			-c "CREATE EXTENSION pg_infer" -c "CREATE TABLE speed (i int, p float8[])" \
			-c "\\copy speed FROM 'shard$n.csv'" -c "VACUUM ANALYZE speed"
		psql_q -c "CREATE SERVER shard$n FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '127.0.0.1', port '$port', dbname 'postgres', extensions 'pg_infer', async_capable 'true')" \
			-c "CREATE USER MAPPING FOR CURRENT_USER SERVER shard$n OPTIONS (user 'postgres')" \
			-c "CREATE FOREIGN TABLE speed_$n (i int, p float8[]) SERVER shard$n OPTIONS (table_name 'speed')"
	done
}
# One line of sql_times.csv: measure, workers, best seconds of the SQL;
# stops the benchmark when the SQL fails
record() {
	local t
	t=$(best_of_sql 3 "$3")
	echo "$1,$2,$t"
}

shards=()
trap 'for c in "${shards[@]}"; do pg_dropcluster --stop 15 "$c"; done' EXIT

# 48 dimensions: 50,000 points and their model, for score throughput
psql_q -c "CREATE TABLE speed48 AS SELECT i, ARRAY(SELECT sin(i * 0.001 * d) + ((i * d * 7919) % 1000) / 5000.0 FROM generate_series(1, 48) AS d) AS p FROM generate_series(1::bigint, 50000) AS i" \
	-c "VACUUM ANALYZE speed48" -c "CREATE TABLE m48 AS SELECT rcf_train(p) AS m FROM speed48"
setup_shards

shard_train="DROP TABLE IF EXISTS m_shards; CREATE TABLE m_shards AS SELECT rcf_merge(m) AS m FROM (SELECT rcf_train(p) AS m FROM speed_1 UNION ALL SELECT rcf_train(p) FROM speed_2) AS s"
shard_score="SELECT sum(s) FROM (SELECT sum(rcf_score((SELECT m FROM m_shards), p)) AS s FROM speed_1 UNION ALL SELECT sum(rcf_score((SELECT m FROM m_shards), p)) FROM speed_2) AS x"
# the timed part holds the benchmark lock, so that no other benchmark runs
# beside it; the load average when it starts goes beside the figures
exec 9>/tmp/pg_infer.bench.lock
flock 9
uptime >uptime.txt
{
	echo "measure,workers,seconds"
	for workers in 0 2; do
		# with workers, a parallel plan is forced as in sql/rcf_parallel.sql
		set_w="SET max_parallel_workers_per_gather = $workers;"
		[ "$workers" = 0 ] || set_w="$set_w SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0;"
		record train $workers "$set_w DROP TABLE IF EXISTS m; CREATE TABLE m AS SELECT rcf_train(p) AS m FROM speed"
		record score $workers "$set_w SELECT sum(rcf_score(m, p)) FROM speed, m"
		# the model as a scalar subquery
		record score_subquery $workers "$set_w SELECT sum(rcf_score((SELECT m FROM m), p)) FROM speed"
		record attribution $workers "$set_w SELECT sum((rcf_attribution(m, p)).high[4]) FROM speed, m"
		record score48 $workers "$set_w SELECT sum(rcf_score(m, p)) FROM speed48, m48"
	done
	record shard_train 0 "$shard_train"
	record shard_score 0 "$shard_score"
	record stream 0 "SELECT count(s) FROM (SELECT rcf_stream_score(v) OVER (ORDER BY i) AS s FROM series) AS x"
	record stream_shingle4 0 "SELECT count(s) FROM (SELECT rcf_stream_score(v, '{\"shingle_size\": 4}') OVER (ORDER BY i) AS s FROM series) AS x"
} >sql_times.csv
flock -u 9
psql_q -At -c "SELECT i.points_seen FROM m_shards, rcf_info(m) AS i" >shard_seen.txt
psql_q -At -c "EXPLAIN (VERBOSE, COSTS OFF) $shard_score" >plan_shard_score.txt
psql_q -At -c "EXPLAIN (VERBOSE, COSTS OFF) SELECT rcf_merge(m) AS m FROM (SELECT rcf_train(p) AS m FROM speed_1 UNION ALL SELECT rcf_train(p) FROM speed_2) AS s" >plan_shard_train.txt
psql_q -At -c "SELECT count(*) FILTER (WHERE p[4] = 5.0) FROM speed" >planted_speed.txt
force="SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0;"
psql_q -At -c "$force EXPLAIN (COSTS OFF) SELECT rcf_train(p) FROM speed" >plan_train.txt
psql_q -At -c "$force EXPLAIN (COSTS OFF) SELECT sum(rcf_score(m, p)) FROM speed, m" >plan_score.txt
psql_q -At -c "$force EXPLAIN (COSTS OFF) SELECT sum((rcf_attribution(m, p)).high[4]) FROM speed, m" >plan_attribution.txt
psql_q -At -c "SET max_parallel_workers_per_gather = 0; EXPLAIN SELECT sum(rcf_score(m, p)) FROM speed, m" >plan_score_serial.txt
psql_q -At -c "$force EXPLAIN (COSTS OFF) SELECT sum(rcf_score((SELECT m FROM m), p)) FROM speed" >plan_score_subquery.txt
psql_q -At -c "SELECT version()" >pg_version.txt
