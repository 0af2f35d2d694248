#!/usr/bin/env bash
#
# test/rcf_shards.sh — Random Cut Forest across machines with postgres_fdw,
# as TAP; test/run.sh runs it inside pg_virtualenv:
#
#   pg_virtualenv -t -v 15 -o shared_preload_libraries=pg_infer bash test/rcf_shards.sh
#
# Two more throwaway clusters (pg_createcluster in pg_virtualenv's
# configuration root, each on a free port) hold one shard each of a table;
# pg_virtualenv's cluster is the coordinator: the table partitioned into two
# foreign tables (postgres_fdw, servers with extensions 'pg_infer').  rcf_train
# must run on each shard (EXPLAIN VERBOSE: the aggregate in the remote SQL),
# rcf_merge merges the two models, and scoring with rcf_score runs on the
# shards too; the model, the scores and the outliers found must equal those
# of the same SQL over local copies of the shards on one server.
#
set -uo pipefail
cd "$(dirname "$0")/.."
. test/tap.sh
# serial plans on this side, so that sums and models compare bit for bit
export PGOPTIONS="-c max_parallel_workers_per_gather=0"
work=$(mktemp -d /tmp/rcf_shards.XXXXXX)
chmod 755 "$work"

# Stops and drops the clusters this script made: those whose data directory
# is under $work (make_shard runs in a subshell, so no list of names it
# kept would reach here)
cleanup() {
	local version name
	while read -r version name _; do
		pg_dropcluster --stop "$version" "$name" >/dev/null 2>&1 || true
	done < <(pg_lsclusters -h | awk -v dir="$work/" 'index($6, dir) == 1')
	rm -rf "$work"
}
trap cleanup EXIT

# psql on the coordinator's test database, quiet and unaligned
sql() {
	psql -X -q -A -t -v ON_ERROR_STOP=1 -d rcf_shards "$@"
}

# A TCP port nobody listens on now
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Makes and starts a cluster trusting loopback connections; prints its port
make_shard() {
	local name=$1 port
	port=$(free_port)
	pg_createcluster 15 "$name" -p "$port" -d "$work/$name" -l "$work/$name.log" \
		--start -- --auth=trust >/dev/null || return 1
	echo "$port"
}

# The rows of shard $1 (1 or 2): 30,000 points each, 3 planted outliers
shard_rows() {
	local lo=$(( ($1 - 1) * 30000 + 1 )) hi=$(( $1 * 30000 ))
	cat <<-EOF
	INSERT INTO pts
	SELECT i, ARRAY[sin(i * 0.001) + ((i * 7919) % 1000) / 5000.0,
	                cos(i * 0.001) + ((i * 104729) % 1000) / 5000.0,
	                ((i * 31337) % 10007) / 10007.0,
	                CASE WHEN i % 10000 = 0 THEN 5.0 ELSE ((i * 65537) % 997) / 997.0 END]
	FROM generate_series($lo::bigint, $hi) AS i;
	EOF
}

# --- the shards ---
psql -X -q -c "CREATE DATABASE rcf_shards" || exit 1
ports=()
for n in 1 2; do
	port=$(make_shard "rcf_shard$n") || { echo "not ok 1 - shard cluster $n starts"; exit 1; }
	ports+=("$port")
	psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres <<-EOF || exit 1
	CREATE EXTENSION pg_infer;
	CREATE TABLE pts (i int, p float8[]);
	$(shard_rows "$n")
	VACUUM ANALYZE pts;
	EOF
done
report 0 "two shard clusters with their rows"

# --- the coordinator: foreign partitions, and local copies for comparison ---
sql <<-EOF || exit 1
SET client_min_messages = warning;
CREATE EXTENSION pg_infer;
CREATE EXTENSION postgres_fdw;
CREATE TABLE pts (i int, p float8[]) PARTITION BY RANGE (i);
CREATE SERVER shard1 FOREIGN DATA WRAPPER postgres_fdw
	OPTIONS (host '127.0.0.1', port '${ports[0]}', dbname 'postgres', extensions 'pg_infer');
CREATE SERVER shard2 FOREIGN DATA WRAPPER postgres_fdw
	OPTIONS (host '127.0.0.1', port '${ports[1]}', dbname 'postgres', extensions 'pg_infer');
CREATE USER MAPPING FOR CURRENT_USER SERVER shard1 OPTIONS (user 'postgres');
CREATE USER MAPPING FOR CURRENT_USER SERVER shard2 OPTIONS (user 'postgres');
CREATE FOREIGN TABLE pts_1 PARTITION OF pts FOR VALUES FROM (1) TO (30001)
	SERVER shard1 OPTIONS (table_name 'pts');
CREATE FOREIGN TABLE pts_2 PARTITION OF pts FOR VALUES FROM (30001) TO (60001)
	SERVER shard2 OPTIONS (table_name 'pts');
CREATE TABLE local_pts (i int, p float8[]) PARTITION BY RANGE (i);
CREATE TABLE local_1 PARTITION OF local_pts FOR VALUES FROM (1) TO (30001);
CREATE TABLE local_2 PARTITION OF local_pts FOR VALUES FROM (30001) TO (60001);
EOF
for n in 1 2; do
	shard_rows "$n" | sed "s/INSERT INTO pts/INSERT INTO local_$n/" | sql || exit 1
done
sql -c "VACUUM ANALYZE local_pts" || exit 1
is "$(sql -c "SELECT count(*), count(DISTINCT tableoid) FROM pts")" "60000|2" \
	"the partitioned table reads both shards"

# --- training: per shard, then merged ---
train_sql() {
	echo "SELECT rcf_merge(m ORDER BY s) AS m FROM (SELECT 1 AS s, rcf_train(p) AS m FROM $1_1
	      UNION ALL SELECT 2, rcf_train(p) FROM $1_2) AS x"
}
plan=$(sql -c "EXPLAIN (VERBOSE, COSTS OFF) $(train_sql pts)")
like "$plan" "Remote SQL: SELECT 1, public.rcf_train\(p\) FROM public.pts" \
	"rcf_train runs on the shards (EXPLAIN VERBOSE)"
is "$(echo "$plan" | grep -c 'Foreign Scan')" "2" "one remote aggregate per shard"
sql -c "CREATE TABLE model AS $(train_sql pts)" || exit 1
sql -c "CREATE TABLE local_model AS $(train_sql local)" || exit 1
is "$(sql -c "SELECT i.points_seen, i.samples FROM model, rcf_info(m) AS i")" "60000|25600" \
	"the merged model saw every row of both shards"
is "$(sql -c "SELECT m.m::bytea = l.m::bytea FROM model m, local_model l")" "t" \
	"the merged model equals the one trained on the same rows on one server"

# --- scoring on the shards with the merged model ---
score_sql() {
	echo "SELECT i FROM $1 WHERE rcf_score((SELECT m FROM $2), p) > 3 ORDER BY i"
}
plan=$(sql -c "EXPLAIN (VERBOSE, COSTS OFF) $(score_sql pts model)")
like "$plan" "Remote SQL: SELECT i FROM public.pts WHERE \(\(public.rcf_score\(\\\$1::public.rcf_model, p\) > 3" \
	"the rcf_score filter runs on the shards (EXPLAIN VERBOSE)"
remote=$(sql -c "$(score_sql pts model)" | tr '\n' ' ')
local=$(sql -c "$(score_sql local_pts local_model)" | tr '\n' ' ')
[ -n "$local" ] && [ "$remote" = "$local" ]
report $? "the outliers found on the shards equal those found on one server"
like "$remote" "^10000 20000 30000 40000 50000 60000 $" "the planted outliers are the ones found"
sum_sql() {
	echo "SELECT sum(s) FROM (SELECT sum(rcf_score((SELECT m FROM $2), p)) AS s FROM $1_1
	      UNION ALL SELECT sum(rcf_score((SELECT m FROM $2), p)) FROM $1_2) AS x"
}
like "$(sql -c "EXPLAIN (VERBOSE, COSTS OFF) $(sum_sql pts model)")" \
	"Remote SQL: SELECT sum\(public.rcf_score\(\\\$1::public.rcf_model, p\)\) FROM public.pts" \
	"the sum of scores runs on the shards (EXPLAIN VERBOSE)"
remote=$(sql -c "$(sum_sql pts model)")
local=$(sql -c "$(sum_sql local local_model)")
[ -n "$local" ] && [ "$remote" = "$local" ]
report $? "the sum of the scores equals one server's ($local)"

# --- an error on a shard comes back, and the next query works ---
err=$(sql -c "SELECT rcf_score((SELECT m FROM model), p || 1.0::float8) FROM pts_1 WHERE rcf_score((SELECT m FROM model), p || 1.0::float8) > 0" 2>&1)
like "$err" "ERROR: .*dimensions.*remote SQL command" "a shard's error reaches the coordinator"
is "$(sql -c "SELECT count(*) FROM pts WHERE rcf_score((SELECT m FROM model), p) > 3")" "6" \
	"the next query works"

tap_done
