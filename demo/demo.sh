#!/usr/bin/env bash
#
# demo/demo.sh — `make demo`: the whole workflow on throwaway services.
#
# Installs what is missing (test/deps.sh), builds and installs pg_infer and
# the model server, starts MariaDB and S3 (test/services.sh) in a fresh
# directory under /tmp, loads the generated orders (demo/load.sh), and runs
# the workflow (demo/workflow.sh) on a throwaway cluster (pg_virtualenv).
# The picture goes to demo/out/ (orders.png, orders.svg).  Every service,
# the cluster and their directories are removed at the end, on an error
# and on Ctrl-C.  DEMO_ARGS passes arguments to demo/orders.py (e.g.
# DEMO_ARGS="--seed 7").
#
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
started=$SECONDS

# Prints a progress line with the time since the start
say() {
	printf '\n[%d:%02d] %s\n' $(((SECONDS - started) / 60)) $(((SECONDS - started) % 60)) "$*"
}

# Stops the services, waits until they are gone, and removes their
# directory (the cluster is pg_virtualenv's, which removes it when its
# command ends or is interrupted)
cleanup() {
	local pids pid
	trap - EXIT INT TERM
	[ -n "${PG_INFER_SERVICES:-}" ] && [ -d "$PG_INFER_SERVICES" ] || return 0
	pids=$(cat "$PG_INFER_SERVICES"/*.pid 2>/dev/null || true)
	bash test/services.sh stop
	for pid in $pids; do
		for _ in $(seq 300); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
	done
	rm -rf "$PG_INFER_SERVICES"
}
trap cleanup EXIT
trap 'echo "demo: interrupted" >&2; cleanup; exit 130' INT TERM

say "installing what is missing (test/deps.sh)"
bash test/deps.sh
say "building and installing pg_infer and the model server"
make -s -j2 >/dev/null
make -s server
make -s install >/dev/null

export PG_INFER_SERVICES
PG_INFER_SERVICES=$(mktemp -d /tmp/pg_infer_demo.XXXXXX)
say "starting MariaDB and S3 (s3rver) on loopback"
# s3rver keeps its objects under $TMPDIR: here, in the services' directory
TMPDIR=$PG_INFER_SERVICES PG_INFER_S3_FIXTURES=no bash test/services.sh start mariadb s3
say "generating orders into MariaDB (demo/orders.py ${DEMO_ARGS:-})"
# shellcheck disable=SC2086
bash demo/load.sh ${DEMO_ARGS:-}
say "running the workflow on a throwaway PostgreSQL cluster"
pg_virtualenv -t -v 15 -o shared_preload_libraries=pg_infer \
	bash demo/workflow.sh "$root/demo/out"
say "done"
