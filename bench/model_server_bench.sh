#!/usr/bin/env bash
#
# bench/model_server_bench.sh — the model server's throughput against the
# test endpoint's capacity, in one run.
#
#   bash bench/model_server_bench.sh
#
# Installs what is missing, builds the extension (installing it) and the
# model server, trains a model in a throwaway cluster (pg_virtualenv -t:
# rcf_train's defaults, 100 trees of 256 points, on 20,000 points uniform in
# [-100, 100]^4, the range of the load generator's values) and exports it.
# Then the same load generator (test/endpoint/loadgen.js, unsigned text/csv
# requests of 4 columns, Accept text/csv, keep-alive) drives, for each
# configuration of rows per request and requests in flight:
#   - the test endpoint's POST /invocations (test/endpoint/server.js, the
#     echo model: the sum of each row), the capacity figure pg_infer's own
#     benchmark compares against;
#   - pg_infer_model_server's POST /invocations on the exported model.
# Best of BENCH_RUNS (3) runs of BENCH_SECONDS (3) seconds each; the CPU
# time each server used per 1,000 rows comes from /proc.  Writes the
# "## Model server" section of bench/RESULTS.md (and nothing else of it).
#
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/bench_lib.sh
. bench/bench_lib.sh

runs=${BENCH_RUNS:-3}
seconds=${BENCH_SECONDS:-3}
threads=${BENCH_THREADS:-$(nproc)}

# The configurations: rows per request, requests in flight
configs=("1 1" "1 8" "500 1" "500 4")

# Waits until a log file has a line matching $2 (30 s at most)
wait_for_line() {
	for _ in $(seq 300); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "model_server_bench: $1 never printed '$2'" >&2
	cat "$1" >&2
	return 1
}

# Measures one target for one configuration: appends
# "target|rows per request|in flight|best rows/s|calls/s|p50|p99|cpu ms per 1000 rows"
measure() {
	local target=$1 url=$2 pid=$3 rpc=$4 conc=$5
	local best="" out rows_s cpu0 cpu1 rows_total=0 line
	cpu0=$(cpu_seconds "$pid")
	for _ in $(seq "$runs"); do
		out=$(node test/endpoint/loadgen.js --url "$url" --no-sign --columns 4 \
			--rows-per-call "$rpc" --concurrency "$conc" --seconds "$seconds")
		echo "   $target, $rpc rows x $conc in flight: $out" >&2
		rows_s=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["rows_per_s"])' "$out")
		rows_total=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["rows"] + int(sys.argv[2]))' "$out" "$rows_total")
		if [ -z "$best" ] || python3 -c 'import sys; sys.exit(not float(sys.argv[1]) > float(sys.argv[2]))' "$rows_s" "$(cut -d'|' -f1 <<<"$best")"; then
			line=$(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print("%s|%s|%s|%s" % (r["rows_per_s"], r["calls_per_s"], r["p50_ms"], r["p99_ms"]))' "$out")
			best=$line
		fi
	done
	cpu1=$(cpu_seconds "$pid")
	echo "$target|$rpc|$conc|$best|$(python3 -c "print(round(1000 * 1000 * ($cpu1 - $cpu0) / max($rows_total, 1), 3))")" >>"$work/results"
}

# Inside pg_virtualenv: trains and exports the model
export_model() {
	psql -X -q -v ON_ERROR_STOP=1 <<-'EOF'
		CREATE EXTENSION pg_infer;
		SELECT setseed(0.42);
		CREATE TABLE model AS
			SELECT rcf_train(ARRAY[random() * 200 - 100, random() * 200 - 100,
								   random() * 200 - 100, random() * 200 - 100]) AS m
			FROM generate_series(1, 20000);
	EOF
	psql -X -A -t -c "SELECT m::bytea FROM model" -o "$work/model.hex"
	psql -X -A -t -c "SELECT (rcf_info(m)).bytes FROM model" >"$work/model.bytes"
}

if [ "${1:-}" = --export ]; then
	export_model
	exit
fi

bash test/deps.sh
work=$(mktemp -d /tmp/model_server_bench.XXXXXX)
export work
echo "model_server_bench: building (log in $work/build.log)" >&2
if ! { make -j2 && make server && make install; } >"$work/build.log" 2>&1; then
	tail -30 "$work/build.log" >&2
	exit 1
fi
pg_virtualenv -t -v 15 -o shared_preload_libraries=pg_infer \
	bash bench/model_server_bench.sh --export >&2

pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
port=$(free_port)
node test/endpoint/server.js --port "$port" >"$work/endpoint.log" 2>&1 &
endpoint_pid=$!
pids+=("$endpoint_pid")
wait_for_line "$work/endpoint.log" "listening on"
server/pg_infer_model_server --port 0 --threads "$threads" --model "$work/model.hex" \
	>"$work/server.log" 2>&1 &
server_pid=$!
pids+=("$server_pid")
wait_for_line "$work/server.log" "^listening on"
server_url=http://$(sed -n 's/^listening on //p' "$work/server.log")

cut -d' ' -f1-3 /proc/loadavg >"$work/loadavg"
: >"$work/results"
for config in "${configs[@]}"; do
	read -r rpc conc <<<"$config"
	measure endpoint "http://127.0.0.1:$port/invocations" "$endpoint_pid" "$rpc" "$conc"
	measure server "$server_url/invocations" "$server_pid" "$rpc" "$conc"
done

python3 - "$work" "$runs" "$seconds" "$threads" >"$work/section.md" <<-'EOF'
	import os, subprocess, sys, time
	work, runs, seconds, threads = sys.argv[1:5]
	res = {}
	for line in open(os.path.join(work, "results")):
	    t, rpc, conc, rows_s, calls_s, p50, p99, cpu = line.rstrip("\n").split("|")
	    res[(t, int(rpc), int(conc))] = (float(rows_s), float(calls_s), p50, p99, cpu)
	cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown")
	node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
	mhd = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "libmicrohttpd-dev"],
	                     capture_output=True, text=True).stdout.strip()
	size = open(os.path.join(work, "model.bytes")).read().strip()
	out = ["## Model server", "",
	  f"`bash bench/model_server_bench.sh`, run {time.strftime('%Y-%m-%d %H:%M %Z')} on {os.cpu_count()} CPUs "
	  f"({cpu}), Node.js {node}, libmicrohttpd {mhd}. Load average when it started: "
	  f"{open(os.path.join(work, 'loadavg')).read().strip()} (other jobs on the machine are not stopped).",
	  "",
	  "`server/pg_infer_model_server --threads " + threads + "` serving a model trained in the database "
	  f"(`rcf_train` defaults: 100 trees of 256 points, 4 dimensions, {int(size):,} bytes) against the "
	  "test endpoint's capacity: `test/endpoint/server.js`, `POST /invocations` (unsigned, echo model). "
	  "Both driven by the same load generator (`test/endpoint/loadgen.js --no-sign --columns 4`: "
	  "text/csv requests of random values in [-100, 100], Accept text/csv, keep-alive connections), "
	  f"best of {runs} runs of {seconds} s each. The load generator runs on the same {os.cpu_count()} CPUs "
	  "as the server it measures. CPU: milliseconds of the server process per 1,000 rows, over all runs.",
	  "",
	  "| rows per request | in flight | model server rows/s | requests/s | p50 / p99 ms | CPU ms / 1000 rows | test endpoint rows/s | requests/s | p50 / p99 ms | CPU ms / 1000 rows | model server / endpoint |",
	  "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
	for (t, rpc, conc) in [k for k in res if k[0] == "server"]:
	    s, e = res[("server", rpc, conc)], res[("endpoint", rpc, conc)]
	    out.append(f"| {rpc} | {conc} | {s[0]:,.0f} | {s[1]:,.0f} | {s[2]} / {s[3]} | {s[4]} | "
	               f"{e[0]:,.0f} | {e[1]:,.0f} | {e[2]} / {e[3]} | {e[4]} | {s[0] / e[0]:.2f}x |")
	big = res[("server", 500, 1)]
	out += ["",
	  "Per row, the endpoint's echo model adds up four numbers; the model server parses four "
	  "numbers and scores them against 100 trees (`rcf_forest_score`). At 500 rows per request "
	  f"the server spent {big[4]} ms of CPU per 1,000 rows, so one CPU scores at most about "
	  f"{1e6 / float(big[4]):,.0f} rows/s. With 4 requests of 500 rows in flight the server "
	  f"served {res[('server', 500, 4)][0] / big[0]:.2f}x the rows/s of 1 in flight: its "
	  f"{threads} threads score in parallel, but share the CPUs with the load generator and "
	  "whatever else the machine runs (see the load average)."]
	print("\n".join(out))
EOF

python3 bench/results.py bench/RESULTS.md "$work/section.md"
cat "$work/section.md"
echo "model_server_bench: wrote the Model server section of bench/RESULTS.md (details in $work)" >&2
