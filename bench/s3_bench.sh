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
# The backend's peak RSS (VmHWM) is read after each federated_s3 scan in a
# fresh session.  Writes the "## Federated S3" section of bench/RESULTS.md.
#
set -euo pipefail
cd "$(dirname "$0")/.."

rows=${S3_BENCH_ROWS:-1500000}
runs=${S3_BENCH_RUNS:-3}
key_id=AKIDEXAMPLE
secret='wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'

# Times one query: best wall-clock milliseconds of $runs, from \timing
time_query() {
	local best=""
	for _ in $(seq "$runs"); do
		local ms
		ms=$(psql -X -q -d bench -c '\timing on' -c "$1" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1)
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
	createdb bench
	psql -X -q -d bench -v ON_ERROR_STOP=1 <<-EOF
		CREATE EXTENSION pg_infer;
		CREATE EXTENSION file_fdw;
		CREATE SERVER files FOREIGN DATA WRAPPER file_fdw;
		CREATE SERVER lake FOREIGN DATA WRAPPER federated_s3
			OPTIONS (endpoint '$PG_INFER_TEST_S3', url_style 'path', region 'us-east-1');
		CREATE USER MAPPING FOR CURRENT_USER SERVER lake
			OPTIONS (access_key_id '$key_id', secret_access_key '$secret');
		CREATE TYPE orders_row AS (o_orderkey bigint, o_custkey bigint, o_orderstatus char(1),
			o_totalprice numeric(12,2), o_orderdate date, o_orderpriority text, o_clerk text,
			o_shippriority int, o_comment text);
		CREATE FOREIGN TABLE local_orders OF orders_row SERVER files
			OPTIONS (filename '$work/orders.csv', format 'csv');
		CREATE FOREIGN TABLE s3_orders OF orders_row SERVER lake
			OPTIONS (uri 's3://pginfer-test/bench/orders.csv');
		CREATE FOREIGN TABLE s3_orders_gz OF orders_row SERVER lake
			OPTIONS (uri 's3://pginfer-test/bench/orders.csv.gz');
		CREATE FOREIGN TABLE s3_orders_parts OF orders_row SERVER lake
			OPTIONS (uri 's3://pginfer-test/bench/parts/');
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
	{
		echo "file_fdw, local file|$(time_query "$serial $q local_orders")|"
		echo "federated_s3, one object|$(time_query "$serial $q s3_orders")|$(peak_rss "$serial $q s3_orders")"
		echo "federated_s3, gzip object|$(time_query "$serial $q s3_orders_gz")|$(peak_rss "$serial $q s3_orders_gz")"
		echo "federated_s3, 1,000 objects|$(time_query "$serial $q s3_orders_parts")|$(peak_rss "$serial $q s3_orders_parts")"
		echo "federated_s3, 1,000 objects, parallel (2 workers)|$(time_query "$parallel $q s3_orders_parts")|"
		echo "file_fdw, local file, baseline RSS|0|$(peak_rss "SELECT 1")"
	} >"$work/results"
	psql -X -q -A -t -d bench -c "$parallel EXPLAIN (COSTS OFF) $q s3_orders_parts" >"$work/parallel_plan"
}

if [ "${1:-}" = --in-cluster ]; then
	in_cluster "$2"
	exit 0
fi

bash test/deps.sh bench
make -s -j2 && make -s install >/dev/null
work=$(mktemp -d /tmp/s3_bench.XXXXXX)
chmod 755 "$work"
export PG_INFER_SERVICES=$work/services
bash test/services.sh start s3
trap 'bash test/services.sh stop' EXIT
# shellcheck disable=SC1091
. "$PG_INFER_SERVICES/env.sh"

echo "s3_bench: making $rows rows" >&2
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
gzip -c "$work/orders.csv" >"$work/orders.csv.gz"
mkdir -p "$work/parts"
split -n l/1000 -d -a 4 --additional-suffix=.csv "$work/orders.csv" "$work/parts/part-"
export AWS_ACCESS_KEY_ID=$key_id AWS_SECRET_ACCESS_KEY=$secret AWS_REGION=us-east-1 \
	AWS_EC2_METADATA_DISABLED=true
aws="aws --endpoint-url $PG_INFER_TEST_S3"
echo "s3_bench: uploading" >&2
$aws s3 cp --quiet "$work/orders.csv" s3://pginfer-test/bench/orders.csv
$aws s3 cp --quiet "$work/orders.csv.gz" s3://pginfer-test/bench/orders.csv.gz
$aws s3 cp --quiet --recursive "$work/parts" s3://pginfer-test/bench/parts/

# the limit: the object fetched through the same proxy, to /dev/null
raw_best=""
for _ in $(seq "$runs"); do
	s=$(curl -s -o /dev/null -w '%{time_total}' --aws-sigv4 "aws:amz:us-east-1:s3" \
		-H "x-amz-content-sha256: UNSIGNED-PAYLOAD" \
		--user "$key_id:$secret" "$PG_INFER_TEST_S3/pginfer-test/bench/orders.csv")
	ms=$(python3 -c "print($s * 1000)")
	if [ -z "$raw_best" ] || python3 -c "import sys; sys.exit(0 if $ms < $raw_best else 1)"; then
		raw_best=$ms
	fi
done

pg_virtualenv -t -v 15 -o shared_preload_libraries=pg_infer \
	bash bench/s3_bench.sh --in-cluster "$work"

python3 - "$work" "$rows" "$raw_best" "$runs" >"$work/section.md" <<-'EOF'
	import os, sys, time
	work, rows, raw, runs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
	res = [l.rstrip("\n").split("|") for l in open(os.path.join(work, "results"))]
	size = os.path.getsize(os.path.join(work, "orders.csv"))
	gz = os.path.getsize(os.path.join(work, "orders.csv.gz"))
	local = float(res[0][1])
	baseline = res[-1][2]
	cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
	p = print
	p("## Federated S3")
	p("")
	p(f"`bash bench/s3_bench.sh`, run {time.strftime('%Y-%m-%d %H:%M %Z')} on {os.cpu_count()} CPUs ({cpu}); "
	  f"load average at the end {open('/proc/loadavg').read().split()[0]} (other jobs on the machine are not stopped). "
	  f"{rows:,} TPC-H-like orders rows, {size / 1e6:.0f} MB as CSV ({gz / 1e6:.0f} MB gzip), in s3rver behind "
	  "the SigV4-checking proxy of the tests; `SELECT count(*), sum(o_totalprice)`, best of "
	  f"{runs}. Ratios are to file_fdw reading a local copy of the same CSV.")
	p("")
	p("| scan | ms | × file_fdw | backend peak RSS |")
	p("| --- | ---: | ---: | ---: |")
	p(f"| raw GET of the object (curl to /dev/null, the limit) | {raw:,.0f} | {raw / local:.2f} | |")
	for name, ms, rss in res[:-1]:
	    rss_text = f"{int(rss) / 1024:.0f} MB" if rss else ""
	    p(f"| {name} | {float(ms):,.0f} | {float(ms) / local:.2f} | {rss_text} |")
	p("")
	p(f"Peak RSS of a backend that ran only `SELECT 1`: {int(baseline) / 1024:.0f} MB. The parallel plan:")
	p("")
	p("```")
	p(open(os.path.join(work, "parallel_plan")).read().rstrip())
	p("```")
	EOF

python3 - bench/RESULTS.md "$work/section.md" <<-'EOF'
	import sys
	path, section = sys.argv[1], open(sys.argv[2]).read().rstrip("\n") + "\n"
	heading = "## Federated S3"
	text = open(path).read()
	lines = text.splitlines(keepends=True)
	start = next((i for i, l in enumerate(lines) if l.rstrip("\n") == heading), None)
	if start is None:
	    text = text.rstrip("\n") + "\n\n" + section
	else:
	    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
	    after = "".join(lines[end:])
	    text = "".join(lines[:start]) + section + ("\n" + after if after else "")
	open(path, "w").write(text)
	EOF
cat "$work/section.md"
echo "s3_bench: wrote the Federated S3 section of bench/RESULTS.md (details in $work)" >&2
