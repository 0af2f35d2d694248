#!/usr/bin/env bash
#
# test/demo.sh — `make demo`: installs what is missing, builds and installs
# pg_infer, starts the services and a throwaway cluster, and runs
# test/demo.sql in it.
#
set -euo pipefail
cd "$(dirname "$0")/.."
bash test/deps.sh
make -s -j2 && make -s install
export PG_INFER_SERVICES=${PG_INFER_SERVICES:-/tmp/pg_infer_demo}
bash test/services.sh start
trap 'bash test/services.sh stop' EXIT
# shellcheck disable=SC1091
. "$PG_INFER_SERVICES/env.sh"
pg_virtualenv -t -v 15 -o shared_preload_libraries=pg_infer \
	psql -X -q -f test/demo.sql
