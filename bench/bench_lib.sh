# bench/bench_lib.sh — helpers the SQL benchmarks share, sourced inside
# their throwaway cluster (bench/rcf_bench.sh, bench/nab_bench.sh).

# psql, quiet, stopping at the first error
psql_q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

# Writes nab_load.sql: each NAB file of data/nab loaded into table nab
# (file, ts, value) with its name
write_nab_load() {
	local f name
	: >nab_load.sql
	for f in data/nab/*.csv; do
		name=$(basename "$f")
		echo "ALTER TABLE nab ALTER file SET DEFAULT '$name';" >>nab_load.sql
		echo "\\copy nab (ts, value) FROM '$f' CSV HEADER" >>nab_load.sql
	done
}

# Wall-clock seconds of one psql command, best of two runs
best_of_two() {
	local best="" t0 t1 t
	for _ in 1 2; do
		t0=$(date +%s.%N)
		psql_q -c "$1" >/dev/null
		t1=$(date +%s.%N)
		t=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
		if [ -z "$best" ] || awk -v t="$t" -v b="$best" 'BEGIN { exit !(t < b) }'; then
			best=$t
		fi
	done
	echo "$best"
}
