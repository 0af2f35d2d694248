#!/usr/bin/env bash
#
# test/run.sh — the whole test suite, as `make test` runs it.
#
# Installs what is missing, builds and installs the extension, runs the C
# unit tests and the fuzz targets (test/fuzz/: 20 s each under CI, 5 s each
# otherwise; FUZZ_SECONDS overrides), starts the
# services (test/services.sh), runs the regression tests on a throwaway
# cluster (pg_virtualenv), the model server's tests (test/model_server.sh),
# the docs' SQL examples and coverage (test/doc_examples.py, doc_coverage.py),
# federated_s3 with the AWS CLI (test/s3_cli.sh), the demo at a small scale
# (test/demo_small.sh) and the endpoint's own tests, and ends with one line
# "N passed, N failed".
#
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
logs=$root/test/results
rm -rf "$logs"
mkdir -p "$logs"

passed=0
failed=0

# Adds the counts of a suite to the totals and says them
tally() {
	echo "== $1: $2 passed, $3 failed"
	passed=$((passed + $2))
	failed=$((failed + $3))
}

# Counts the "ok" / "not ok" lines of TAP output in a file
tally_tap() {
	tally "$1" "$(grep -cE '^ok ' "$2")" "$(grep -cE '^not ok ' "$2")"
}

# Shows the failures and diagnostics of a TAP run ending with status $3 and
# counts it; a run that failed with no "not ok" line (it did not build,
# crashed or stopped before its plan) counts as one failure
tally_tap_run() {
	local bad
	grep -E '^(not ok|#)' "$2" || true
	bad=$(grep -cE '^not ok ' "$2")
	if [ "$3" -ne 0 ] && [ "$bad" -eq 0 ]; then
		tail -20 "$2"
		bad=1
	fi
	tally "$1" "$(grep -cE '^ok ' "$2")" "$bad"
}

# A throwaway cluster running "$@", on a port free now: pg_virtualenv's own
# choice (the first port no cluster of its private configuration uses)
# collides with clusters of other checkouts sharing /var/run/postgresql
virtualenv() {
	PGPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])') \
		pg_virtualenv -t -v 15 -o shared_preload_libraries=pg_infer "$@"
}

bash test/deps.sh || { echo "0 passed, 1 failed"; exit 1; }
if ! { make -s -j2 && make -s server && make -s install; } >"$logs/build.log" 2>&1; then
	cat "$logs/build.log"
	echo "0 passed, 1 failed"
	exit 1
fi

# 1. C unit tests of the pure cores
make -s unit >"$logs/unit.out" 2>&1
tally_tap_run "unit tests" "$logs/unit.out" $?

# 1b. libFuzzer targets of the pure cores, a fixed time each (test/fuzz/)
# a developer's run fuzzes briefly; CI (and make fuzz) take the full time
[ "${CI:-}" = true ] || export FUZZ_SECONDS=${FUZZ_SECONDS:-5}
bash test/fuzz/run.sh >"$logs/fuzz.out" 2>&1
grep -E '^(ok|not ok)' "$logs/fuzz.out" || tail -20 "$logs/fuzz.out"
tally_tap "fuzz targets" "$logs/fuzz.out"

# 2. services, then the regression tests on a throwaway cluster
export PG_INFER_SERVICES=$logs/services
bash test/services.sh start || { echo "$passed passed, $((failed + 1)) failed"; exit 1; }
trap 'bash test/services.sh stop' EXIT
# shellcheck disable=SC1091
. "$PG_INFER_SERVICES/env.sh"

virtualenv make -s installcheck >"$logs/regress.out" 2>&1
grep -E '^(test| +[a-z_]+ +\.\.\.)' "$logs/regress.out" || cat "$logs/regress.out"
[ -f test/results/regression.diffs ] && head -200 test/results/regression.diffs
tally "regression tests" "$(grep -cE '\.\.\. +ok' "$logs/regress.out")" \
	"$(grep -cE '\.\.\. +FAILED' "$logs/regress.out")"

# 3. the model server end to end, on a model exported from its own cluster
virtualenv bash test/model_server.sh >"$logs/model_server.out" 2>&1
tally_tap_run "model server tests" "$logs/model_server.out" $?

# 3a. every SQL example of README.md and doc/*.md runs (test/doc_examples.py),
# and every SQL object, setting and option is documented (test/doc_coverage.py)
# (one cluster for both; a suite that did not run counts as one failure)
for t in doc_examples doc_coverage; do : >"$logs/$t.out"; echo 1 >"$logs/$t.rc"; done
virtualenv bash -c '
	for t in doc_examples doc_coverage; do
		python3 "test/$t.py" >"$1/$t.out" 2>&1
		echo $? >"$1/$t.rc"
	done' doc "$logs" >"$logs/doc_cluster.log" 2>&1 || tail -5 "$logs/doc_cluster.log"
tally_tap_run "doc examples" "$logs/doc_examples.out" "$(cat "$logs/doc_examples.rc")"
tally_tap_run "doc coverage" "$logs/doc_coverage.out" "$(cat "$logs/doc_coverage.rc")"

# 3a'. federated_s3 and the AWS CLI reading and writing the same S3
virtualenv bash test/s3_cli.sh >"$logs/s3_cli.out" 2>&1
tally_tap_run "s3 cli tests" "$logs/s3_cli.out" $?

# 3b. RCF across machines: two shard clusters under postgres_fdw
virtualenv bash test/rcf_shards.sh >"$logs/rcf_shards.out" 2>&1
shards_status=$?
grep -E '^(not ok|#)' "$logs/rcf_shards.out" || true
shards_failed=$(grep -cE '^not ok ' "$logs/rcf_shards.out")
if [ "$shards_status" -ne 0 ] && [ "$shards_failed" -eq 0 ]; then
	tail -20 "$logs/rcf_shards.out"
	shards_failed=1
fi
tally "rcf shard tests" "$(grep -cE '^ok ' "$logs/rcf_shards.out")" "$shards_failed"

# 3c. the demo (make demo) at a small scale, so that it cannot rot
virtualenv bash test/demo_small.sh >"$logs/demo_small.out" 2>&1
tally_tap_run "demo tests" "$logs/demo_small.out" $?

# 4. the test endpoint's own tests
if [ -d test/endpoint/node_modules ]; then
	node --test test/endpoint/ >"$logs/endpoint.out" 2>&1
	tally "endpoint tests" "$(sed -n 's/^# pass //p' "$logs/endpoint.out")" \
		"$(sed -n 's/^# fail //p' "$logs/endpoint.out")"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
