# bench/bench_lib.sh — helpers the benchmarks share, sourced by
# bench/rcf_bench.sh and bench/nab_bench.sh (inside their throwaway cluster),
# bench/infer_bench.sh and bench/model_server_bench.sh.

# Prints a free TCP port on 127.0.0.1
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# CPU seconds of a process: its own plus its reaped children's (a
# postmaster's backends that have ended)
cpu_seconds() {
	local stat
	stat=$(cat "/proc/$1/stat")
	# fields after "pid (comm) ": utime stime cutime cstime are the 12th..15th
	echo "${stat##*) }" | awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f", ($12 + $13 + $14 + $15) / hz }'
}

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

# Wall-clock seconds of one psql command, the best of $1 runs: best_of_sql RUNS SQL
# (fails, printing nothing, when a run fails)
best_of_sql() {
	local best="" t0 t1 t
	for _ in $(seq "$1"); do
		t0=$(date +%s.%N)
		psql_q -c "$2" >/dev/null || return 1
		t1=$(date +%s.%N)
		t=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
		if [ -z "$best" ] || awk -v t="$t" -v b="$best" 'BEGIN { exit !(t < b) }'; then
			best=$t
		fi
	done
	echo "$best"
}
