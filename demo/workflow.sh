#!/usr/bin/env bash
#
# demo/workflow.sh — the demo's workflow, on a PostgreSQL cluster that
# exists (run inside pg_virtualenv) and the services of test/services.sh
# with the orders loaded (demo/load.sh):
#
#   demo/workflow.sh OUTPUT_DIRECTORY
#
# Runs demo/train.sql (steps 1-5), serves the weekly model with the model
# server (step 6; its PID goes to $PG_INFER_SERVICES, so that
# `test/services.sh stop` stops it too), runs demo/detect.sql (steps 7-9)
# and draws the plot (demo/plot.gp) into OUTPUT_DIRECTORY: daily.csv,
# orders.png, orders.svg.
#
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: demo/workflow.sh OUTPUT_DIRECTORY}
# shellcheck disable=SC1091
. "${PG_INFER_SERVICES:?set by the caller, as for test/services.sh}/env.sh"
mkdir -p "$out"
state=$PG_INFER_SERVICES

# psql as the workflow runs it: echoing the statements, stopping at an error
run_sql() {
	psql -X -q -v ON_ERROR_STOP=1 "$@"
}

# Starts the model server on a free port with the model in $1; prints its URL
serve_model() {
	local log=$state/model_server.log
	server/pg_infer_model_server --model "$1" --port 0 --threads 2 >"$log" 2>&1 &
	echo $! >"$state/model_server.pid"
	for _ in $(seq 300); do
		if grep -q '^listening on' "$log"; then
			sed 's/^/    /' "$log" >&2
			echo "http://$(sed -n 's/^listening on //p' "$log")/invocations"
			return 0
		fi
		sleep 0.1
	done
	cat "$log" >&2
	return 1
}

# the bucket: a signed PUT to the S3 server
curl -sS -f --aws-sigv4 aws:amz:us-east-1:s3 -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' \
	--user "$PG_INFER_TEST_S3_ACCESS_KEY_ID:$PG_INFER_TEST_S3_SECRET_ACCESS_KEY" \
	-X PUT "$PG_INFER_TEST_S3/pginfer-demo"

run_sql -v mysql_port="$PG_INFER_MYSQL_PORT" -v mysql_user="$PG_INFER_MYSQL_USER" \
	-v mysql_password="$PG_INFER_MYSQL_PASSWORD" -v s3="$PG_INFER_TEST_S3" \
	-v s3_key_id="$PG_INFER_TEST_S3_ACCESS_KEY_ID" \
	-v s3_secret_key="$PG_INFER_TEST_S3_SECRET_ACCESS_KEY" -f demo/train.sql

cat <<-'EOF'

	=== 6. The weekly model exported, and served by the model server
	       (the SageMaker container contract: GET /ping, POST /invocations)

	$ psql -X -A -t -c "SELECT weekly::bytea FROM models" -o weekly.hex
	$ server/pg_infer_model_server --model weekly.hex --port 0
EOF
run_sql -A -t -c "SELECT weekly::bytea FROM models" -o "$out/weekly.hex"
endpoint=$(serve_model "$out/weekly.hex")

run_sql -v endpoint="$endpoint" -v out="$out" -f demo/detect.sql

gnuplot -e "out='$out'" demo/plot.gp
echo
echo "=== The plot: $out/orders.png and $out/orders.svg"
