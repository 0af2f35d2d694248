#!/usr/bin/env bash
#
# test/model_server.sh — the model server (server/pg_infer_model_server)
# end to end, as TAP; test/run.sh runs it inside pg_virtualenv:
#
#   pg_virtualenv -t -v 15 -o shared_preload_libraries=pg_infer bash test/model_server.sh
#
# A model is trained in the database and exported the four documented
# ways (doc/model_server.md); the server must load each and return, over
# HTTP, exactly the scores rcf_score gives for the same points; the SQL
# side calls it back through LANGUAGE sagemaker and sagemaker_infer on the
# unsigned /invocations path in each content type.  Then the protocol
# (routes, methods, Accept), bad requests, concurrent requests, damaged
# model files refused at start, and a clean stop on SIGTERM.
#
set -uo pipefail
cd "$(dirname "$0")/.."
server=server/pg_infer_model_server
work=$(mktemp -d /tmp/model_server_test.XXXXXX)
pids=()
. test/tap.sh

# Stops the servers this script started and removes its files
cleanup() {
	local pid
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT

# psql, quiet and unaligned, stopping at the first error
sql() {
	psql -X -q -A -t -v ON_ERROR_STOP=1 "$@"
}

# Starts the server on a free port; sets $url, or fails after 30 s
start_server() {
	local log=$work/server.$RANDOM.log
	"$server" --port 0 "$@" >"$log" 2>&1 &
	pids+=($!)
	server_pid=$!
	for _ in $(seq 300); do
		if grep -q "^listening on" "$log"; then
			url=http://$(sed -n 's/^listening on //p' "$log")
			return 0
		fi
		kill -0 "$server_pid" 2>/dev/null || break
		sleep 0.1
	done
	sed 's/^/#   /' "$log"
	return 1
}

# POSTs a body to /invocations: prints "status|content type|body"
invoke() {
	local type=$1 accept=$2 body=$3
	shift 3
	curl -s -o "$work/reply" -w '%{http_code}|%{content_type}' -X POST \
		-H "Content-Type: $type" ${accept:+-H "Accept: $accept"} \
		--data-binary "$body" "$@" "$url/invocations"
	printf '|%s' "$(cat "$work/reply")"
}

# The HTTP status of a request
status_of() {
	curl -s -o /dev/null -w '%{http_code}' "$@"
}

#--- a model trained in the database, exported three ways ----------------

sql <<-'EOF'
	CREATE EXTENSION IF NOT EXISTS pg_infer;
	CREATE TABLE ms_points AS
		SELECT i, sin(i * 0.37) + i * 0.001 AS x, cos(i * 0.11) AS y, (i % 13) / 4.0 AS z
		FROM generate_series(1, 2000) i;
	INSERT INTO ms_points VALUES (2001, 9, -9, 9), (2002, 0.5, 0.5, 40), (2003, 1e-7, -1e5, 1/3.0);
	CREATE TABLE ms_model AS
		SELECT rcf_train(ARRAY[x, y, z], '{"trees": 50, "sample_size": 128, "seed": 3}') AS m
		FROM ms_points;
EOF
report $? "a model is trained in the database"

sql -c "SELECT m::bytea FROM ms_model" -o "$work/model.hex"
sql -c "SELECT encode(m::bytea, 'base64') FROM ms_model" | base64 -d >"$work/model.rcf"
sql -c "SELECT m FROM ms_model" -o "$work/model.json"
sql -c "\\copy (SELECT m::bytea FROM ms_model) TO '$work/model.copy'"
# the same points as a version 1 model (pg_infer 0.3's format: no score
# statistics), which scores the same (sql/rcf_model_v2.sql)
sed -e 's/^{"version":2,/{"version":1,/' \
	-e 's/"score_count":[0-9]*,"score_mean":[^,]*,"score_sd":[^,]*,//' \
	"$work/model.json" >"$work/model.v1"
is "$(printf '%s\n' "\\set m \`cat $work/model.v1\`" \
	"SELECT (rcf_info(:'m'::rcf_model)).format_version;" | sql)" 1 \
	"the version 1 export is a valid version 1 model"
like "$(head -c 4 "$work/model.rcf")|$(head -c 6 "$work/model.hex")|$(head -c 1 "$work/model.json")|$(head -c 7 "$work/model.copy")" \
	'^RCFM\|\\x5243\|\{\|\\\\x5243$' "the model is exported as binary, bytea hex text, JSON and COPY text"

# the points as psql prints them (float8 text that reads back exactly)
sql -F, -c "SELECT x, y, z FROM ms_points ORDER BY i" >"$work/points.csv"
sql -c "SELECT i FROM ms_points ORDER BY i" >"$work/ids"
sql -c "CREATE TABLE ms_got (form text, i int, score float8)"

for form in rcf hex json copy v1; do
	if ! start_server --model "$work/model.$form"; then
		report 1 "the server starts with the $form export"
		continue
	fi
	report 0 "the server starts with the $form export"
	is "$(status_of "$url/ping")" 200 "$form: GET /ping is 200"
	reply=$(invoke text/csv text/csv "@$work/points.csv")
	like "${reply%%|*}" '^200$' "$form: 2,003 points scored over text/csv"
	paste -d, "$work/ids" <(cut -d'|' -f3- <<<"$reply" | sed '/^$/d') |
		sed "s/^/$form,/" >"$work/got.$form"
	sql -c "\\copy ms_got FROM '$work/got.$form' CSV"
	kill "$server_pid"
	wait "$server_pid" 2>/dev/null
done
is "$(sql -F' ' -c "
	SELECT form, count(*) FILTER (WHERE g.score = rcf_score(m, ARRAY[x, y, z])), count(*)
	FROM ms_got g JOIN ms_points USING (i), ms_model GROUP BY form ORDER BY form")" \
	"copy 2003 2003
hex 2003 2003
json 2003 2003
rcf 2003 2003
v1 2003 2003" "every form's scores (and version 1's) equal rcf_score in the database, bit for bit"
is "$(sql -c "SELECT count(*) FROM ms_got g JOIN ms_points USING (i), ms_model
	WHERE g.form = 'rcf' AND g.i > 2000 AND g.score > 2 * (SELECT avg(score) FROM ms_got)")" 3 \
	"the three planted outliers score high"

#--- the protocol -----------------------------------------------------------

start_server --model "$work/model.rcf" --threads 4
report $? "the server starts with 4 threads"

is "$(curl -s -w '%{http_code}|%{size_download}' "$url/ping")" "200|0" "GET /ping: 200, empty body"
is "$(status_of -I "$url/ping")" 200 "HEAD /ping: 200"
is "$(curl -s -D - -o /dev/null -X POST "$url/ping" | grep -i '^allow:' | tr -d '\r')" \
	"Allow: GET, HEAD" "POST /ping: 405 with Allow: GET, HEAD"
is "$(status_of "$url/invocations")" 405 "GET /invocations: 405"
is "$(status_of -X POST -d x "$url/nothing")" 404 "another path: 404"

three=$'0.1,0.2,0.3\n9,-9,9\n0.5,0.5,40\n'
csv=$(invoke text/csv text/csv "$three")
like "$csv" $'^200\\|text/csv\\|[0-9.e+-]+\n[0-9.e+-]+\n[0-9.e+-]+$' \
	"text/csv in, Accept text/csv: one score per line"
IFS=$'\n' read -r -d '' s1 s2 s3 < <(cut -d'|' -f3- <<<"$csv")
json='{"instances":[{"features":[0.1,0.2,0.3]},{"features":[9,-9,9]},{"features":[0.5,0.5,40]}]}'
is "$(invoke application/json application/json "$json")" \
	"200|application/json|{\"scores\":[{\"score\":$s1},{\"score\":$s2},{\"score\":$s3}]}" \
	"application/json in and out: {\"scores\":[{\"score\":...}]}, the same scores"
jsonl=$'{"features":[0.1,0.2,0.3]}\n{"features":[9,-9,9]}\n{"features":[0.5,0.5,40]}\n'
is "$(invoke application/jsonlines application/jsonlines "$jsonl")" \
	"200|application/jsonlines|{\"score\":$s1}
{\"score\":$s2}
{\"score\":$s3}" "application/jsonlines in and out: {\"score\":...} per line"
is "$(invoke text/csv "" "$three")" \
	"200|application/json|{\"scores\":[{\"score\":$s1},{\"score\":$s2},{\"score\":$s3}]}" \
	"no Accept: application/json, SageMaker RCF's default"
like "$(invoke 'application/json; charset=utf-8' 'text/csv;q=0.2, application/jsonlines' "$json")" \
	'^200\|application/jsonlines\|' "Accept: the format of highest quality; Content-Type parameters ignored"

#--- bad requests -----------------------------------------------------------

is "$(invoke text/csv text/csv $'1,2\n')" \
	'400|application/json|{"message":"row 1 has 2 values, but the model takes points of 3 dimensions"}' \
	"wrong width: 400 naming the row"
is "$(invoke text/csv text/csv $'1,2,3\n1,x,3\n')" \
	'400|application/json|{"message":"row 2, value 2 (\"x\") is not a number"}' "not a number: 400"
is "$(invoke text/csv text/csv $'1,NaN,3\n')" \
	'400|application/json|{"message":"row 1, value 2 (\"NaN\") is not finite"}' "NaN: 400"
is "$(invoke application/json "" '{"instances":[{"features":[1,2,"3"]}]}')" \
	'400|application/json|{"message":"row 1, value 3 (\"3\") is a string, not a number"}' \
	"a string in JSON features: 400"
like "$(invoke application/json "" '{"instances":[{"features":[1,2,3]}')" \
	'^400\|application/json\|\{"message":"application/json body: malformed JSON at byte [0-9]+' \
	"malformed JSON: 400 with the byte offset"
is "$(invoke text/csv "" "")" \
	'400|application/json|{"message":"the request body holds no rows: send at least one point"}' \
	"empty body: 400"
like "$(invoke text/plain "" "1,2,3")" '^415\|application/json\|\{"message":"unsupported Content-Type' \
	"unsupported Content-Type: 415"
like "$(invoke text/csv image/png "1,2,3")" '^406\|application/json\|\{"message":"no acceptable reply format' \
	"unacceptable Accept: 406"
head -c 6291457 /dev/zero | tr '\0' 1 >"$work/big"
like "$(invoke text/csv "" "@$work/big")" \
	'^413\|application/json\|\{"message":"the request body of 6291457 bytes is larger than the limit of 6291456 bytes' \
	"a body over 6 MiB: 413, refused by its Content-Length"
like "$(invoke text/csv "" "@$work/big" -H 'Transfer-Encoding: chunked')" \
	'^413\|application/json\|\{"message":"the request body is larger than the limit' \
	"a chunked body over 6 MiB: 413 once it passes the limit"
is "$(invoke text/csv text/csv "$three")" "$csv" "after the bad requests the server answers as before"

#--- concurrent requests ----------------------------------------------------

head -500 "$work/points.csv" >"$work/p500.csv"
invoke text/csv text/csv "@$work/p500.csv" >"$work/one"
seq 32 | xargs -P 8 -I{} sh -c \
	"curl -s -H 'Content-Type: text/csv' -H 'Accept: text/csv' --data-binary @$work/p500.csv $url/invocations >$work/par.{}"
same=0
for f in "$work"/par.*; do
	[ "200|text/csv|$(cat "$f")" = "$(cat "$work/one")" ] && same=$((same + 1))
done
is "$same" 32 "32 requests of 500 points, 8 at a time: all equal to a lone request's reply"

#--- called back from SQL through LANGUAGE sagemaker ------------------------

sql_out=$(sql -F' ' 2>&1 <<-EOF
	SET pg_infer.sagemaker_endpoint_url = '$url/invocations';
	SET pg_infer.sign_requests = off;
	SET pg_infer.aws_access_key_id = '';
	SET pg_infer.aws_secret_access_key = '';
	SET pg_infer.aws_region = 'us-east-1';
	CREATE FUNCTION ms_score(x float8, y float8, z float8) RETURNS float8
		LANGUAGE sagemaker STRICT SET pg_infer.batch_size = 500 AS 'pg-infer-rcf';
	CREATE TEMP TABLE ms_sql (content_type text, equal bigint, total bigint);
	SET pg_infer.content_type = 'text/csv';
	INSERT INTO ms_sql SELECT current_setting('pg_infer.content_type'),
		count(*) FILTER (WHERE remote = local), count(*)
	FROM (SELECT ms_score(x, y, z) AS remote, rcf_score(m, ARRAY[x, y, z]) AS local
		  FROM ms_points, ms_model OFFSET 0) s;
	SET pg_infer.content_type = 'application/json';
	INSERT INTO ms_sql SELECT current_setting('pg_infer.content_type'),
		count(*) FILTER (WHERE remote = local), count(*)
	FROM (SELECT ms_score(x, y, z) AS remote, rcf_score(m, ARRAY[x, y, z]) AS local
		  FROM ms_points, ms_model OFFSET 0) s;
	SET pg_infer.content_type = 'application/jsonlines';
	INSERT INTO ms_sql SELECT current_setting('pg_infer.content_type'),
		count(*) FILTER (WHERE remote = local), count(*)
	FROM (SELECT ms_score(x, y, z) AS remote, rcf_score(m, ARRAY[x, y, z]) AS local
		  FROM ms_points, ms_model OFFSET 0) s;
	SELECT * FROM ms_sql;
	SELECT (sagemaker_infer('pg-infer-rcf', 9, -9, 9)->>'score')::float8 = rcf_score(m, '{9,-9,9}')
	FROM ms_model;
	DROP FUNCTION ms_score;
EOF
)
is "$sql_out" "text/csv 2003 2003
application/json 2003 2003
application/jsonlines 2003 2003
t" "LANGUAGE sagemaker and sagemaker_infer on the server: rcf_score's values in every content type"
sql_err=$(sql 2>&1 <<-EOF
	SET pg_infer.sagemaker_endpoint_url = '$url/invocations';
	SET pg_infer.sign_requests = off;
	SELECT sagemaker_infer('pg-infer-rcf', 1, 2);
EOF
)
like "$sql_err" 'ERROR: .*row 1 has 2 values, but the model takes points of 3 dimensions' \
	"a bad request from SQL is an ERROR carrying the server's message"

kill -TERM "$server_pid"
wait "$server_pid"
is "$?" 0 "SIGTERM stops the server with status 0"

#--- damaged model files are refused at start -------------------------------

# Starts the server on a model file that must be refused with "want"
refused() {
	local file=$1 want=$2 what=$3 status
	timeout 20 "$server" --port 0 --model "$file" >"$work/refused.out" 2>&1
	status=$?
	like "$status|$(cat "$work/refused.out")" "^1\\|pg_infer_model_server: cannot load the model \"$file\": $want" \
		"$what: refused at start, status 1"
}

size=$(stat -c %s "$work/model.rcf")
head -c $((size - 10)) "$work/model.rcf" >"$work/truncated.rcf"
refused "$work/truncated.rcf" "truncated rcf model" "a truncated binary export"
{ cat "$work/model.rcf"; printf 'x'; } >"$work/trailing.rcf"
refused "$work/trailing.rcf" "corrupt rcf model: trailing bytes" "a binary export with bytes added"
{ printf 'RCFM\377\377'; tail -c +7 "$work/model.rcf"; } >"$work/version.rcf"
refused "$work/version.rcf" "" "a binary export with a damaged header"
head -c 5000 "$work/model.hex" >"$work/truncated.hex"
refused "$work/truncated.hex" "truncated rcf model" "a truncated hex export"
sed 's/^\\x5243/\\x52zz/' "$work/model.hex" >"$work/bad.hex"
refused "$work/bad.hex" "the hex text has a character that is not a hex digit at byte 4" "a hex export with a bad digit"
head -c 3000 "$work/model.json" >"$work/truncated.json"
refused "$work/truncated.json" "" "a truncated JSON export"
echo "not a model" >"$work/other"
refused "$work/other" "not an exported rcf_model" "a file of something else"
refused "$work/none" "cannot open it: No such file or directory" "a missing file"
"$server" --port 0 >/dev/null 2>&1
is "$?" 2 "no --model: usage error, status 2"

tap_done
