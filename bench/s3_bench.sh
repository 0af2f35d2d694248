#!/usr/bin/env bash
#
# bench/s3_bench.sh — federated_s3 scans against file_fdw reading a local
# copy of the same data, and a raw GET of the object as the limit, in one
# run.
#
#   bash bench/s3_bench.sh
#
# Installs what is missing, builds and installs the extension, starts
# s3rver behind the signature-checking proxy (test/services.sh s3), makes
# 1.5M TPC-H-like orders rows as CSV (about 110 MB; S3_BENCH_ROWS to
# change), uploads it whole, gzip-compressed and split into 1,000 objects
# with the AWS CLI, and on a throwaway cluster (pg_virtualenv -t) times
#
#   SELECT count(*), sum(o_totalprice) FROM <table>
#
# through file_fdw on the local file, federated_s3 on the object, the gzip
# object and the 1,000-object prefix (serially and with a parallel plan of
# 2 workers), best of S3_BENCH_RUNS (3) each from psql's \timing; the raw
# GET is curl fetching the object through the same proxy to /dev/null.
# Then a 100,000-row INSERT into federated_s3 against COPY TO a local file
# of the same rows.  The backend's peak RSS (VmHWM) is read after each
# federated_s3 scan in a fresh session.  The timed part holds
# /tmp/pg_infer.bench.lock (one benchmark at a time on the machine).
# Writes the "## Federated S3" section of bench/RESULTS.md.
#
# Run it inside the private install of a worktree (it installs the
# extension):  /work/wt/isolate.sh <name> bash bench/s3_bench.sh
#
set -euo pipefail
cd "$(dirname "$0")/.."

rows=${S3_BENCH_ROWS:-1500000}
runs=${S3_BENCH_RUNS:-3}

# Times one query: best wall-clock milliseconds of $runs, from \timing
time_query() {
	local best=""
	for _ in $(seq "$runs"); do
		local ms
		ms=$(psql -X -q -v ON_ERROR_STOP=1 -d bench -c '\timing on' -c "$1" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1)
		[ -n "$ms" ] || { echo "s3_bench: failed: $1" >&2; exit 1; }
		if [ -z "$best" ] || python3 -c "import sys; sys.exit(0 if $ms < $best else 1)"; then
			best=$ms
		fi
	done
	echo "$best"
}

# The limit: best milliseconds of $runs GETs of the object through the
# same proxy, to /dev/null
raw_get() {
	local best=""
	for _ in $(seq "$runs"); do
		local s ms
		s=$(curl -s -o /dev/null -w '%{time_total}' --aws-sigv4 "aws:amz:us-east-1:s3" \
			-H "x-amz-content-sha256: UNSIGNED-PAYLOAD" \
			--user "$PG_INFER_TEST_S3_ACCESS_KEY_ID:$PG_INFER_TEST_S3_SECRET_ACCESS_KEY" \
			"$PG_INFER_TEST_S3/pginfer-test/bench/orders.csv")
		ms=$(python3 -c "print($s * 1000)")
		if [ -z "$best" ] || python3 -c "import sys; sys.exit(0 if $ms < $best else 1)"; then
			best=$ms
		fi
	done
	echo "$best"
}

# Peak RSS in kB of a fresh backend after running one query
peak_rss() {
	psql -X -q -A -t -d bench -c "$1" -c "SELECT (regexp_match(pg_read_file('/proc/' || pg_backend_pid() || '/status'), 'VmHWM:\s+(\d+)'))[1]" | tail -1
}

# Inside pg_virtualenv: the tables, the timings, the figures in $work/results
in_cluster() {
	local work=$1
	local columns="o_orderkey bigint, o_custkey bigint, o_orderstatus char(1),
		o_totalprice numeric(12,2), o_orderdate date, o_orderpriority text, o_clerk text,
		o_shippriority int, o_comment text"
	createdb bench
	psql -X -q -d bench -v ON_ERROR_STOP=1 <<-EOF
		CREATE EXTENSION pg_infer;
		CREATE EXTENSION file_fdw;
		CREATE SERVER files FOREIGN DATA WRAPPER file_fdw;
		CREATE SERVER lake FOREIGN DATA WRAPPER federated_s3
			OPTIONS (endpoint '$PG_INFER_TEST_S3', url_style 'path', region 'us-east-1');
		CREATE USER MAPPING FOR CURRENT_USER SERVER lake
			OPTIONS (access_key_id '$PG_INFER_TEST_S3_ACCESS_KEY_ID',
					 secret_access_key '$PG_INFER_TEST_S3_SECRET_ACCESS_KEY');
		CREATE FOREIGN TABLE local_orders ($columns) SERVER files
			OPTIONS (filename '$work/orders.csv', format 'csv');
		CREATE FOREIGN TABLE s3_orders ($columns) SERVER lake
			OPTIONS (uri 's3://pginfer-test/bench/orders.csv');
		CREATE FOREIGN TABLE s3_orders_gz ($columns) SERVER lake
			OPTIONS (uri 's3://pginfer-test/bench/orders.csv.gz');
		CREATE FOREIGN TABLE s3_orders_parts ($columns) SERVER lake
			OPTIONS (uri 's3://pginfer-test/bench/parts/');
		CREATE FOREIGN TABLE s3_orders_split ($columns) SERVER lake
			OPTIONS (uri 's3://pginfer-test/bench/orders.csv', quoted_newlines 'false',
					 range_size '16MB');
		CREATE FOREIGN TABLE s3_orders_out ($columns) SERVER lake
			OPTIONS (uri 's3://pginfer-test/bench/out/');
		CREATE TABLE orders_100k AS SELECT * FROM local_orders LIMIT 100000;
	EOF
	local q='SELECT count(*), sum(o_totalprice) FROM'
	local serial='SET max_parallel_workers_per_gather = 0;'
	local parallel='SET max_parallel_workers_per_gather = 2; SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0;'
	# the same answer everywhere
	for t in local_orders s3_orders s3_orders_gz s3_orders_parts; do
		psql -X -q -A -t -d bench -c "$serial $q $t" >"$work/answer.$t"
		cmp -s "$work/answer.local_orders" "$work/answer.$t" ||
			{ echo "s3_bench: $t gives another answer" >&2; exit 1; }
	done
	psql -X -q -A -t -d bench -c "$parallel $q s3_orders_split" >"$work/answer.split"
	cmp -s "$work/answer.local_orders" "$work/answer.split" ||
		{ echo "s3_bench: the byte-range parallel scan gives another answer" >&2; exit 1; }
	echo "$(uptime)" >"$work/load_before"
	{
		echo "raw GET of the object (curl to /dev/null, the limit)|$(raw_get)|"
		echo "file_fdw, local file|$(time_query "$serial $q local_orders")|"
		echo "federated_s3, one object|$(time_query "$serial $q s3_orders")|$(peak_rss "$serial $q s3_orders")"
		echo "federated_s3, gzip object|$(time_query "$serial $q s3_orders_gz")|$(peak_rss "$serial $q s3_orders_gz")"
		echo "federated_s3, 1,000 objects|$(time_query "$serial $q s3_orders_parts")|$(peak_rss "$serial $q s3_orders_parts")"
		echo "federated_s3, 1,000 objects, parallel (2 workers)|$(time_query "$parallel $q s3_orders_parts")|"
		echo "federated_s3, one object in 16 MB byte ranges, parallel (2 workers)|$(time_query "$parallel $q s3_orders_split")|"
		echo "INSERT of 100,000 rows: COPY TO a local file|$(time_query "COPY orders_100k TO '$work/out/orders.csv' WITH (FORMAT csv)")|"
		echo "INSERT of 100,000 rows: federated_s3 INSERT (a multipart upload, 8 MB parts)|$(time_query "INSERT INTO s3_orders_out SELECT * FROM orders_100k")|"
		echo "file_fdw, local file, baseline RSS|0|$(peak_rss "SELECT 1")"
	} >"$work/results"
	echo "$(uptime)" >"$work/load_after"
	psql -X -q -A -t -d bench -c "$parallel EXPLAIN (COSTS OFF) $q s3_orders_parts" >"$work/parallel_plan"
	psql -X -q -A -t -d bench -c "$parallel EXPLAIN (COSTS OFF) $q s3_orders_split" >>"$work/parallel_plan"
}

if [ "${1:-}" = --in-cluster ]; then
	in_cluster "$2"
	exit 0
fi

bash test/deps.sh bench
make -s -j2 && make -s install >/dev/null
work=$(mktemp -d /tmp/s3_bench.XXXXXX)
chmod 755 "$work"
mkdir -m 777 "$work/out"			# COPY TO writes there as the server's user
trap 'rm -rf "$work"' EXIT
export PG_INFER_SERVICES=$work/services
bash test/services.sh start s3
trap 'bash test/services.sh stop; rm -rf "$work"' EXIT
# shellcheck disable=SC1091
. "$PG_INFER_SERVICES/env.sh"

echo "s3_bench: making $rows rows" >&2
# (S3_BENCH_DATA: a directory holding an orders.csv made before, reused)
if [ -n "${S3_BENCH_DATA:-}" ]; then
	cp "$S3_BENCH_DATA/orders.csv" "$work/orders.csv"
else
python3 - "$rows" >"$work/orders.csv" <<-'EOF'
	import random, sys
	rows = int(sys.argv[1])
	r = random.Random(42)
	words = "carefully final deposits sleep quickly above the ironic pending requests".split()
	prio = ["1-URGENT", "2-HIGH", "3-MEDIUM", "4-NOT SPECIFIED", "5-LOW"]
	out = sys.stdout
	for k in range(1, rows + 1):
	    comment = " ".join(r.choice(words) for _ in range(r.randint(3, 9)))
	    out.write(f"{k},{r.randint(1, 150000)},{r.choice('OFP')},{r.randint(90000, 50000000) / 100:.2f},"
	              f"199{r.randint(2, 8)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d},{r.choice(prio)},"
	              f"Clerk#{r.randint(1, 1000):09d},0,{comment}\n")
	EOF
fi
gzip -c "$work/orders.csv" >"$work/orders.csv.gz"
mkdir -p "$work/parts"
split -n l/1000 -d -a 4 --additional-suffix=.csv "$work/orders.csv" "$work/parts/part-"
export AWS_ACCESS_KEY_ID=$PG_INFER_TEST_S3_ACCESS_KEY_ID \
	AWS_SECRET_ACCESS_KEY=$PG_INFER_TEST_S3_SECRET_ACCESS_KEY AWS_REGION=us-east-1 \
	AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null
aws="$(command -v /usr/bin/aws || command -v aws) --endpoint-url $PG_INFER_TEST_S3"
echo "s3_bench: uploading" >&2
$aws s3 cp --quiet "$work/orders.csv" s3://pginfer-test/bench/orders.csv
$aws s3 cp --quiet "$work/orders.csv.gz" s3://pginfer-test/bench/orders.csv.gz
$aws s3 cp --quiet --recursive "$work/parts" s3://pginfer-test/bench/parts/

# the timed part, one benchmark at a time on the machine
flock -o /tmp/pg_infer.bench.lock pg_virtualenv -t -v 15 -o shared_preload_libraries=pg_infer \
	bash bench/s3_bench.sh --in-cluster "$work"

python3 - "$work" "$rows" "$runs" >"$work/section.md" <<-'EOF'
	import os, sys, time
	work, rows, runs = sys.argv[1], int(sys.argv[2]), sys.argv[3]
	res = [l.rstrip("\n").split("|") for l in open(os.path.join(work, "results"))]
	size = os.path.getsize(os.path.join(work, "orders.csv"))
	gz = os.path.getsize(os.path.join(work, "orders.csv.gz"))
	scans = [r for r in res if not r[0].startswith(("INSERT", "file_fdw, local file, baseline"))]
	inserts = [r for r in res if r[0].startswith("INSERT")]
	local = float(next(r[1] for r in res if r[0] == "file_fdw, local file"))
	baseline = res[-1][2]
	load = [open(os.path.join(work, f)).read().split("load average:")[1].strip() for f in ("load_before", "load_after")]
	cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
	p = print
	p("## Federated S3")
	p("")
	p(f"`/work/wt/isolate.sh s3 bash bench/s3_bench.sh`, run {time.strftime('%Y-%m-%d %H:%M %Z')} on "
	  f"{os.cpu_count()} CPUs ({cpu}); load average {load[0]} before the timed part and {load[1]} after "
	  "(other jobs on the machine are not stopped). "
	  f"{rows:,} TPC-H-like orders rows, {size / 1e6:.0f} MB as CSV ({gz / 1e6:.0f} MB gzip), in s3rver behind "
	  "the SigV4-checking proxy of the tests; `SELECT count(*), sum(o_totalprice)`, best of "
	  f"{runs}. Ratios are to file_fdw reading a local copy of the same CSV.")
	p("")
	p("| scan | ms | × file_fdw | backend peak RSS |")
	p("| --- | ---: | ---: | ---: |")
	for name, ms, rss in scans:
	    rss_text = f"{int(rss) / 1024:.0f} MB" if rss else ""
	    p(f"| {name} | {float(ms):,.0f} | {float(ms) / local:.2f} | {rss_text} |")
	p("")
	p(f"Peak RSS of a backend that ran only `SELECT 1`: {int(baseline) / 1024:.0f} MB.")
	p("")
	copy_ms = float(inserts[0][1])
	p("| write | ms | × COPY TO |")
	p("| --- | ---: | ---: |")
	for name, ms, _ in inserts:
	    p(f"| {name.split(': ', 1)[1]} (100,000 rows) | {float(ms):,.0f} | {float(ms) / copy_ms:.2f} |")
	p("")
	p("The parallel plans:")
	p("")
	p("```")
	p(open(os.path.join(work, "parallel_plan")).read().rstrip())
	p("```")
	EOF

python3 bench/results.py bench/RESULTS.md "$work/section.md"
cat "$work/section.md"
echo "s3_bench: wrote the Federated S3 section of bench/RESULTS.md" >&2
