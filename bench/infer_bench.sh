#!/usr/bin/env bash
#
# bench/infer_bench.sh — SageMaker inference throughput: pg_infer against
# the test endpoint's own capacity, in one run.
#
#   bash bench/infer_bench.sh
#
# Installs what is missing, builds and installs the extension, starts the
# test endpoint with a fixed latency of 5 ms per call on a free port, and on
# a throwaway cluster (pg_virtualenv -t) times
#
#   SELECT sum(score4(a, b, c, d)) FROM t        -- 100,000 rows x 4 float8
#
# per row (pg_infer.batching = off, on 2,000 rows only: 5 ms a call would
# make 100,000 rows take ~9 minutes), and batched at several batch sizes and
# numbers of requests in flight; best of 3 each, from psql's \timing.  For
# each configuration the load generator (test/endpoint/loadgen.js) measures
# the endpoint's capacity for the same number of calls, rows per call and
# concurrency, in the same run.  The endpoint's /_stats checks that
# pg_infer made the number of requests expected and kept as many in flight
# as asked.  Writes the "## SageMaker inference" section of
# bench/RESULTS.md (and nothing else of it).
#
# Environment: INFER_BENCH_LATENCY_MS (default 5), INFER_BENCH_RUNS (3).
#
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/bench_lib.sh
. bench/bench_lib.sh

latency_ms=${INFER_BENCH_LATENCY_MS:-5}
runs=${INFER_BENCH_RUNS:-3}
endpoint_name=echo-bench

# The configurations: label, table, rows, batching, batch_size, max_in_flight
configs=(
	"per row (batching off)|t_small|2000|off|1|1"
	"batch 500 x 1 in flight|t|100000|on|500|1"
	"batch 500 x 4 in flight|t|100000|on|500|4"
	"batch 500 x 8 in flight|t|100000|on|500|8"
	"batch 100 x 8 in flight|t|100000|on|100|8"
)

# Floating-point arithmetic: calc 'expression'
calc() {
	python3 -c "print($1)"
}

# Reads one figure of the endpoint's counters for the benchmark endpoint
endpoint_stat() {
	curl -sf "$endpoint_url/_stats" |
		python3 -c "import json,sys; print(json.load(sys.stdin)['endpoints'].get('$endpoint_name', {}).get('$1', 0))"
}

endpoint_reset() {
	curl -sf -X POST "$endpoint_url/_reset" >/dev/null
}

# Times one configuration: the load generator, then pg_infer; appends a
# line "label|pg rows/s|endpoint rows/s|..." to $work/results
run_config() {
	local label table rows batching batch in_flight
	IFS='|' read -r label table rows batching batch in_flight <<<"$1"
	local rpc=$batch conc=$in_flight calls
	calls=$(((rows + rpc - 1) / rpc))
	echo "== $label: $rows rows, $calls calls of $rpc rows, $conc in flight" >&2

	# the endpoint's capacity: the same calls, rows per call and concurrency
	local best_lg=0 lg out lg_cpu0 lg_cpu1 lg_self=0
	endpoint_reset
	lg_cpu0=$(cpu_seconds "$endpoint_pid")
	for _ in $(seq "$runs"); do
		out=$( { TIMEFORMAT='%U %S'; time node test/endpoint/loadgen.js \
			--url "$endpoint_url/endpoints/$endpoint_name/invocations" \
			--rows-per-call "$rpc" --concurrency "$conc" --calls "$calls" --columns 4; } 2>"$work/time.txt")
		lg_self=$(calc "$lg_self + $(tr ' ' '+' <"$work/time.txt")")
		echo "   loadgen: $out" >&2
		lg=$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["rows_per_s"])')
		best_lg=$(calc "max($best_lg, $lg)")
	done
	lg_cpu1=$(cpu_seconds "$endpoint_pid")
	local lg_calls lg_bytes lg_max lg_rows
	lg_calls=$(endpoint_stat calls)
	lg_rows=$(endpoint_stat rows)
	lg_bytes=$(endpoint_stat bytes)
	lg_max=$(endpoint_stat max_in_flight)

	# pg_infer: one session, best of $runs, then EXPLAIN ANALYZE once
	local explain=""
	[ "$batching" = on ] && explain="EXPLAIN (ANALYZE, COSTS OFF) SELECT sum(score4(a, b, c, d)) FROM $table;"
	endpoint_reset
	local pg_cpu0 pg_cpu1 ep_cpu0 ep_cpu1
	pg_cpu0=$(cpu_seconds "$postmaster_pid")
	ep_cpu0=$(cpu_seconds "$endpoint_pid")
	local failed=""
	psql -X -q -v ON_ERROR_STOP=1 >"$work/psql.out" 2>"$work/psql.err" <<-EOF || failed=yes
		SELECT 'backend ' || pg_backend_pid() AS backend;
		SET pg_infer.batching = $batching;
		SET pg_infer.batch_size = $batch;
		SET pg_infer.max_in_flight = $in_flight;
		\\timing on
		$(for _ in $(seq "$runs"); do echo "SELECT round(sum(score4(a, b, c, d))::numeric, 3) AS result FROM $table;"; done)
		\\timing off
		$explain
	EOF
	# the backend's CPU time reaches the postmaster's once it has reaped it
	local backend
	backend=$(grep -oP '^\s*backend \K[0-9]+' "$work/psql.out" || echo 0)
	for _ in $(seq 50); do
		[ -e "/proc/$backend" ] || break
		sleep 0.1
	done
	pg_cpu1=$(cpu_seconds "$postmaster_pid")
	ep_cpu1=$(cpu_seconds "$endpoint_pid")
	sed 's/^/   psql: /' "$work/psql.out" "$work/psql.err" >&2
	if [ -n "$failed" ]; then
		# say what failed, and wait for the server to be back (after a crash)
		local why
		why=$(grep -m1 -E 'ERROR|server closed|terminated' "$work/psql.err" | tr '|' '/' || echo "psql failed")
		echo "$label|$rows|FAILED|$why|$best_lg" >>"$work/results"
		for _ in $(seq 60); do
			psql -X -Atc 'SELECT 1' >/dev/null 2>&1 && break
			sleep 0.5
		done
		return 0
	fi

	local best_ms pg_rps pg_calls pg_bytes pg_max pg_rows expected_calls results inference_ms exec_ms
	best_ms=$(grep -oP '^Time: \K[0-9.]+' "$work/psql.out" | sort -g | head -1)
	pg_rps=$(calc "round($rows / ($best_ms / 1000.0), 1)")
	pg_calls=$(endpoint_stat calls)
	pg_rows=$(endpoint_stat rows)
	pg_bytes=$(endpoint_stat bytes)
	pg_max=$(endpoint_stat max_in_flight)
	expected_calls=$((calls * (runs + (${#explain} > 0 ? 1 : 0))))
	results=$(grep -oP '^\s+\K-?[0-9]+\.[0-9]+$' "$work/psql.out" | sort -u | tr '\n' ' ')
	inference_ms=$(grep -oP 'Inference Time: \K[0-9.]+' "$work/psql.out" || echo "")
	exec_ms=$(grep -oP 'Execution Time: \K[0-9.]+' "$work/psql.out" || echo "")

	# CPU milliseconds per query (or load generator run) of the endpoint
	# and of the client: the PostgreSQL backend, or the load generator
	# (whose figure includes starting Node.js, some 40 ms)
	local lg_ep_pct lg_cl_pct pg_ep_pct pg_cl_pct queries
	queries=$((runs + (${#explain} > 0 ? 1 : 0)))
	lg_ep_pct=$(calc "round(1000 * ($lg_cpu1 - $lg_cpu0) / $runs)")
	lg_cl_pct=$(calc "round(1000 * $lg_self / $runs)")
	pg_ep_pct=$(calc "round(1000 * ($ep_cpu1 - $ep_cpu0) / $queries)")
	pg_cl_pct=$(calc "round(1000 * ($pg_cpu1 - $pg_cpu0) / $queries)")

	echo "$label|$rows|$best_ms|$pg_rps|$best_lg|$expected_calls|$pg_calls|$pg_max|$((calls * runs))|$lg_calls|$lg_max|$pg_rows|$pg_bytes|$lg_rows|$lg_bytes|$results|$inference_ms|$exec_ms|$pg_cl_pct|$pg_ep_pct|$lg_cl_pct|$lg_ep_pct" >>"$work/results"
}

# Inside pg_virtualenv: sets up the database, runs every configuration
in_cluster() {
	cut -d' ' -f1-3 /proc/loadavg >"$work/loadavg"
	psql -X -q -v ON_ERROR_STOP=1 -v url="$endpoint_url" -f bench/infer_bench.sql >&2
	postmaster_pid=$(head -1 "$(psql -X -Atc 'SHOW data_directory')/postmaster.pid")
	: >"$work/results"
	for config in "${configs[@]}"; do
		run_config "$config"
	done
	# the floor: the same scan and aggregate with no endpoint call
	psql -X -q >"$work/floor.out" <<-EOF
		\\timing on
		$(for _ in $(seq "$runs"); do echo "SELECT round(sum(a + b + c + d)::numeric, 3) AS result FROM t;"; done)
	EOF
	grep -oP '^Time: \K[0-9.]+' "$work/floor.out" | sort -g | head -1 >"$work/floor"
	grep -oP '^\s+\K-?[0-9]+\.[0-9]+$' "$work/floor.out" | head -1 >"$work/expected_sum"
}

# Writes the section from $work/results to $work/section.md
write_section() {
	python3 - "$work" "$latency_ms" "$runs" >"$work/section.md" <<-'EOF'
	import os, subprocess, sys, time
	work, latency, runs = sys.argv[1], sys.argv[2], sys.argv[3]
	rows = [l.rstrip("\n").split("|") for l in open(os.path.join(work, "results"))]
	floor = open(os.path.join(work, "floor")).read().strip()
	expected_sum = open(os.path.join(work, "expected_sum")).read().strip()
	cpu = "unknown"
	for line in open("/proc/cpuinfo"):
	    if line.startswith("model name"):
	        cpu = line.split(":", 1)[1].strip()
	        break
	nproc = os.cpu_count()
	node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
	pg = subprocess.run(["pg_config", "--version"], capture_output=True, text=True).stdout.strip()
	def num(x):
	    return f"{float(x):,.0f}"
	out = []
	p = out.append
	p("## SageMaker inference")
	p("")
	p(f"`bash bench/infer_bench.sh`, run {time.strftime('%Y-%m-%d %H:%M %Z')} on {nproc} CPUs "
	  f"({cpu}), {pg}, Node.js {node}. Load average when it started: "
	  f"{open(os.path.join(work, 'loadavg')).read().strip()} (other jobs on the machine are not "
	  "stopped; figures vary by some 10 % between runs).")
	p("")
	p(f"`SELECT sum(score4(a, b, c, d)) FROM t`: a `LANGUAGE sagemaker` function of 4 float8 "
	  f"arguments on the test endpoint's echo model (`test/endpoint/server.js --latency-ms {latency}`, "
	  f"a fixed {latency} ms per call, signed requests, text/csv), 100,000 rows of 4 values with "
	  "3 decimals. pg_infer: best of "
	  f"{runs} by psql's `\\timing`. Endpoint capacity: `test/endpoint/loadgen.js` with the same "
	  "calls, rows per call, columns and concurrency, best of "
	  f"{runs}, in the same run against the same server. The per-row line is measured on "
	  "2,000 rows only (`pg_infer.batching = off`: one request per row, one at a time), "
	  "its capacity with 1 row per call and concurrency 1.")
	p("")
	p("| configuration | rows | pg_infer rows/s | endpoint capacity rows/s | ratio |")
	p("| --- | ---: | ---: | ---: | ---: |")
	for r in rows:
	    if r[2] == "FAILED":
	        p(f"| {r[0]} | {int(r[1]):,} | **failed**: {r[3].strip()} | {num(r[4])} | – |")
	        continue
	    label, n, ms, pg_rps, lg_rps = r[0], int(r[1]), r[2], float(r[3]), float(r[4])
	    p(f"| {label} | {n:,} | {num(pg_rps)} | {num(lg_rps)} | {100 * pg_rps / lg_rps:.0f} % |")
	p("")
	p("Checks and where the time goes (from the endpoint's `/_stats`, `EXPLAIN ANALYZE` and "
	  "`/proc`). Requests: made by pg_infer over all its runs (timed runs plus one "
	  "`EXPLAIN ANALYZE` when batched) / expected. Most in flight: the endpoint's `max_in_flight` "
	  "for pg_infer / for the load generator. Bytes per row sent: pg_infer / load generator. "
	  "Inference time: the part of the `EXPLAIN ANALYZE` execution time the scan spent waiting "
	  "for replies (the rest reads rows, encodes and decodes while requests are in flight). CPU: "
	  "milliseconds per query or load generator run (averaged over the runs; the load "
	  "generator's includes starting Node.js), of the client (the PostgreSQL backend; the load "
	  "generator) and of the endpoint's server process, from `/proc/<pid>/stat`.")
	p("")
	p("| configuration | best time | requests | most in flight | bytes/row | inference / execution time | client CPU ms pg_infer / loadgen | endpoint CPU ms with pg_infer / loadgen |")
	p("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	results = set()
	rows = [r for r in rows if r[2] != "FAILED"]
	for r in rows:
	    (label, n, ms, pg_rps, lg_rps, exp_calls, pg_calls, pg_max, lg_exp, lg_calls, lg_max,
	     pg_rows, pg_bytes, lg_rows, lg_bytes, res, inf_ms, exec_ms,
	     pg_cl, pg_ep, lg_cl, lg_ep) = r
	    if int(n) == 100000:
	        results.add(res.strip())
	    split = (f"{float(inf_ms):,.0f} / {float(exec_ms):,.0f} ms "
	             f"({100 * float(inf_ms) / float(exec_ms):.0f} %)") if inf_ms else "–"
	    ok = "" if pg_calls == exp_calls else " **(mismatch)**"
	    lg_ok = "" if lg_calls == lg_exp else " **(loadgen mismatch)**"
	    bpr = (f"{int(pg_bytes) / max(int(pg_rows), 1):.1f} / "
	           f"{int(lg_bytes) / max(int(lg_rows), 1):.1f}")
	    p(f"| {label} | {float(ms):,.0f} ms | {pg_calls} / {exp_calls}{ok}{lg_ok} | "
	      f"{pg_max} / {lg_max} | {bpr} | {split} | {pg_cl} / {lg_cl} | "
	      f"{pg_ep} / {lg_ep} |")
	p("")
	p(f"The same scan and aggregate without the function (`sum(a + b + c + d)`) takes {float(floor):,.0f} ms. "
	  + ("" if not results else "Every batched configuration returned the sum computed in SQL "
	     f"({expected_sum}: the echo model answers the sum of a row's values)."
	     if results == {expected_sum} else
	     f"**The batched sums {sorted(results)} differ from the one computed in SQL, {expected_sum}.**"))
	print("\n".join(out))
	EOF
}

# Replaces (or appends) the section in bench/RESULTS.md (bench/results.py
# reads the file just before writing it: another section may be written
# concurrently)
update_results() {
	if [ "$(head -1 "$work/section.md")" != "## SageMaker inference" ]; then
		echo "infer_bench: no section to write" >&2
		return 1
	fi
	python3 bench/results.py bench/RESULTS.md "$work/section.md"
}

if [ "${1:-}" = --in-cluster ]; then
	in_cluster
	exit
fi

bash test/deps.sh
work=$(mktemp -d /tmp/infer_bench.XXXXXX)
echo "infer_bench: building (log in $work/build.log)" >&2
if ! { make -j2 && make install; } >"$work/build.log" 2>&1; then
	tail -30 "$work/build.log" >&2
	exit 1
fi

port=$(free_port)
node test/endpoint/server.js --port "$port" --latency-ms "$latency_ms" >"$work/endpoint.log" 2>&1 &
endpoint_pid=$!
trap 'kill "$endpoint_pid" 2>/dev/null || true' EXIT
for _ in $(seq 300); do
	grep -q "listening on" "$work/endpoint.log" && break
	kill -0 "$endpoint_pid" 2>/dev/null || { cat "$work/endpoint.log" >&2; exit 1; }
	sleep 0.1
done
grep -q "listening on" "$work/endpoint.log" || { echo "infer_bench: the endpoint did not start" >&2; exit 1; }
endpoint_url=http://127.0.0.1:$port
export work endpoint_url endpoint_pid

# pg_virtualenv can fail to start its cluster when others start theirs at
# the same moment (a port taken meanwhile): try again if ours never ran
for attempt in 1 2 3; do
	status=0
	pg_virtualenv -t -v 15 -o shared_preload_libraries=pg_infer \
		bash bench/infer_bench.sh --in-cluster || status=$?
	[ "$status" -eq 0 ] && break
	[ -e "$work/results" ] && exit "$status"
	echo "infer_bench: pg_virtualenv failed to start (attempt $attempt), trying again" >&2
	sleep 5
done
[ "$status" -eq 0 ] || exit "$status"

write_section
update_results
cat "$work/section.md"
echo "infer_bench: wrote the SageMaker inference section of bench/RESULTS.md (details in $work)" >&2
