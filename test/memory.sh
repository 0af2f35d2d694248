#!/usr/bin/env bash
#
# test/memory.sh — the regression suite with PostgreSQL under valgrind, as
# `make test-memory` runs it (REGRESS="rcf_train rcf_score" picks tests).
#
# pg_virtualenv cannot start postgres through valgrind, so this script makes
# its own throwaway cluster (initdb as the postgres user when run as root),
# starts postmaster under valgrind (forked backends and parallel workers
# stay under it; --trace-children follows any exec), starts the services,
# and runs `make installcheck` against it.  Each valgrind report goes to
# test/results/memory/<pid>.log between VALGRINDERROR markers.
#
# Debian's PostgreSQL is built without USE_VALGRIND, so valgrind sees
# malloc'd memory (libcurl, json-c, OpenSSL, libmariadb, our pure cores
# under a malloc allocator) and uninitialised values everywhere, but not
# misuse inside one palloc'd chunk.  JIT is off: valgrind reports glibc's
# loader while it opens LLVM, and JIT code is not ours to check.
# test/valgrind.supp suppresses the
# server's known false positives (each entry says why).  Fails when any
# error is left, printing those whose stack passes through pg_infer.
#
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
logs=$root/test/results/memory
rm -rf "$logs"
mkdir -p "$logs"

bin=$(pg_config --bindir)
work=$(mktemp -d /tmp/pg_infer_memory.XXXXXX)
port=$((20000 + RANDOM % 20000))
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
	as_pg=(runuser -u postgres --)
	chown postgres "$work" "$logs"
fi

# Stops the cluster and the services, and removes the cluster
cleanup() {
	"${as_pg[@]}" "$bin/pg_ctl" -D "$work/data" -m fast -w -t 300 stop >/dev/null 2>&1
	bash test/services.sh stop >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT

make -s -j2 >"$logs/build.log" 2>&1 && make -s install >>"$logs/build.log" 2>&1 ||
	{ cat "$logs/build.log"; exit 1; }
"${as_pg[@]}" "$bin/initdb" -D "$work/data" -A trust -U postgres >"$logs/initdb.log" 2>&1 ||
	{ cat "$logs/initdb.log"; exit 1; }

# postmaster under valgrind; its log into the cluster's directory
"${as_pg[@]}" valgrind --quiet --trace-children=yes --leak-check=no \
	--track-origins=yes --read-var-info=yes --num-callers=30 \
	--suppressions="$root/test/valgrind.supp" --gen-suppressions=all \
	--error-markers=VALGRINDERROR-BEGIN,VALGRINDERROR-END \
	--log-file="$logs/%p.log" \
	"$bin/postgres" -D "$work/data" -p "$port" -k "$work" -c listen_addresses= \
	-c shared_preload_libraries=pg_infer -c max_worker_processes=8 -c jit=off \
	-c statement_timeout=0 >"$logs/postgres.log" 2>&1 &
for _ in $(seq 1 120); do
	"$bin/pg_isready" -q -h "$work" -p "$port" && break
	sleep 1
done
"$bin/pg_isready" -q -h "$work" -p "$port" || { tail -20 "$logs/postgres.log"; exit 1; }

export PG_INFER_SERVICES=$work/services
bash test/services.sh start >"$logs/services.log" 2>&1 || { cat "$logs/services.log"; exit 1; }
# shellcheck disable=SC1091
. "$PG_INFER_SERVICES/env.sh"

PGHOST=$work PGPORT=$port PGUSER=postgres make -s installcheck ${REGRESS:+REGRESS="$REGRESS"} \
	>"$logs/regress.out" 2>&1
grep -E '^(test| +[a-z_]+ +\.\.\.)' "$logs/regress.out" || cat "$logs/regress.out"
failed_tests=$(grep -cE '\.\.\. +FAILED' "$logs/regress.out")

# stop the cluster so every process has written its report
"${as_pg[@]}" "$bin/pg_ctl" -D "$work/data" -m fast -w -t 300 stop >/dev/null 2>&1
errors=$(cat "$logs"/[0-9]*.log | grep -c 'VALGRINDERROR-BEGIN')
ours=$(awk '/VALGRINDERROR-BEGIN/{b=""; keep=1} keep{b=b $0 "\n"} /VALGRINDERROR-END/{keep=0; if (b ~ /pg_infer/) printf "%s", b}' \
	"$logs"/[0-9]*.log)
[ -n "$ours" ] && printf '%s' "$ours"
processes=$(ls "$logs"/[0-9]*.log | wc -l)
echo "valgrind: $processes processes, $errors errors ($(printf '%s' "$ours" | grep -c 'VALGRINDERROR-BEGIN') through pg_infer), $failed_tests regression tests failed"
[ "$errors" -eq 0 ] && [ "$failed_tests" -eq 0 ]
