#!/usr/bin/env bash
#
# test/s3_cli.sh — federated_s3 and the AWS CLI (Debian's awscli) on the
# same S3, as TAP; test/run.sh runs it inside pg_virtualenv with the test
# services started (PG_INFER_TEST_S3 and its keys from test/services.sh):
#
#   pg_virtualenv -t -v 15 -o shared_preload_libraries=pg_infer bash test/s3_cli.sh
#
# Objects our INSERT writes (one PUT, gzip, a multipart upload) are read
# by `aws s3 cp` and `aws s3api get-object` and must be, byte for byte,
# what COPY TO writes for the same rows; objects the CLI uploads (a key
# with spaces, '+', '=' and unicode, and a multipart upload forced by a
# small multipart_threshold) are read by our SELECT.  Every request of
# both goes through the signature-checking proxy; none may be rejected.
#
set -uo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/s3_cli_test.XXXXXX)
trap 'rm -rf "$work"' EXIT
# shellcheck source=test/tap.sh
. test/tap.sh

# Checks that two files hold the same bytes
same_file() {
	cmp -s "$1" "$2"
	report $? "$3"
	cmp -s "$1" "$2" || { cmp "$1" "$2" 2>&1; diff <(head -5 "$1") <(head -5 "$2"); } | sed 's/^/#   /'
}

# psql, quiet and unaligned, stopping at the first error
sql() {
	psql -X -q -A -t -v ON_ERROR_STOP=1 "$@"
}

# The AWS CLI on the test S3 only: its keys, path-style addressing, no
# instance metadata, a config file of its own (a small multipart threshold)
export AWS_ACCESS_KEY_ID=$PG_INFER_TEST_S3_ACCESS_KEY_ID
export AWS_SECRET_ACCESS_KEY=$PG_INFER_TEST_S3_SECRET_ACCESS_KEY
export AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true AWS_PAGER=
export AWS_CONFIG_FILE=$work/aws_config AWS_SHARED_CREDENTIALS_FILE=$work/none
cat >"$AWS_CONFIG_FILE" <<-EOF
	[default]
	s3 =
	  addressing_style = path
	  multipart_threshold = 5MB
	  multipart_chunksize = 5MB
EOF
# Debian's awscli, which test/deps.sh installs, before any other on PATH
aws=$(command -v /usr/bin/aws || command -v aws)
cli() {
	"$aws" --endpoint-url "$PG_INFER_TEST_S3" "$@"
}
bucket=pginfer-test

# The proxy's counters (see test/s3/proxy.js)
proxy() {
	curl -s -X "$1" "$PG_INFER_TEST_S3/_proxy/$2"
}
# Checks that the proxy rejected no request since its last reset, and resets it
no_rejects() {
	is "$(proxy GET stats | sed -n 's/.*"rejected":\([0-9]*\).*/\1/p')" 0 "every request signed right: $1"
	proxy POST reset >/dev/null
}
proxy POST reset >/dev/null

sql <<-EOF
	SET client_min_messages = warning;
	CREATE EXTENSION IF NOT EXISTS pg_infer;
	CREATE SERVER cli_lake FOREIGN DATA WRAPPER federated_s3
		OPTIONS (endpoint '$PG_INFER_TEST_S3', url_style 'path', region 'us-east-1');
	CREATE USER MAPPING FOR CURRENT_USER SERVER cli_lake
		OPTIONS (access_key_id '$AWS_ACCESS_KEY_ID', secret_access_key '$AWS_SECRET_ACCESS_KEY');
	CREATE TABLE cli_rows AS
		SELECT g AS id, CASE g % 5 WHEN 0 THEN 'plain' WHEN 1 THEN 'comma, "quoted"'
				 WHEN 2 THEN E'two\nlines' WHEN 3 THEN 'café ☕' ELSE NULL END AS label,
			   g * 1.25 AS amount, date '2024-01-01' + g % 366 AS day
		FROM generate_series(1, 1000) g;
	CREATE FOREIGN TABLE cli_ours (id int, label text, amount numeric, day date)
		SERVER cli_lake OPTIONS (uri 's3://$bucket/cli/ours/', header 'true');
	CREATE FOREIGN TABLE cli_ours_gz (id int, label text, amount numeric, day date)
		SERVER cli_lake OPTIONS (uri 's3://$bucket/cli/ours-gz/', format 'text', compression 'gzip');
	CREATE FOREIGN TABLE cli_ours_big (id int, pad text)
		SERVER cli_lake OPTIONS (uri 's3://$bucket/cli/ours-big/', part_size '5242880');
EOF

# 1. what we write, the CLI reads: the same bytes as COPY TO
sql -c "INSERT INTO cli_ours SELECT * FROM cli_rows"
sql -c "COPY (SELECT * FROM cli_rows) TO STDOUT WITH (FORMAT csv, HEADER)" >"$work/expected.csv"
key=$(cli s3api list-objects-v2 --bucket $bucket --prefix cli/ours/ --query 'Contents[].Key' --output text)
[[ $key =~ ^cli/ours/part-[0-9]{8}T[0-9]{6}\.[0-9]{6}Z-[0-9a-f]{16}\.csv$ ]]
report $? "the CLI lists the one object our INSERT wrote, named part-<time>-<random>.csv"
cli s3 cp "s3://$bucket/$key" "$work/cp.csv" >/dev/null 2>"$work/cp.err"
report $? "aws s3 cp downloads it"
same_file "$work/cp.csv" "$work/expected.csv" "aws s3 cp gives what COPY TO writes (CSV with a header)"

sql -c "INSERT INTO cli_ours_gz SELECT * FROM cli_rows"
sql -c "COPY (SELECT * FROM cli_rows) TO STDOUT" >"$work/expected.txt"
key=$(cli s3api list-objects-v2 --bucket $bucket --prefix cli/ours-gz/ --query 'Contents[].Key' --output text)
cli s3api get-object --bucket $bucket --key "$key" "$work/got.txt.gz" >"$work/get.json"
report $? "aws s3api get-object downloads our gzip object ($key)"
gunzip -c "$work/got.txt.gz" >"$work/got.txt"
same_file "$work/got.txt" "$work/expected.txt" "gunzip of it gives what COPY TO writes (text)"

no_rejects "our one-PUT objects and the CLI's reads"
sql -c "INSERT INTO cli_ours_big SELECT g, repeat(md5(g::text), 2) FROM generate_series(1, 200000) g"
stats=$(proxy GET stats)
[[ $stats =~ \"CreateMultipartUpload\":1[,}] && $stats =~ \"UploadPart\":3[,}] &&
	$stats =~ \"CompleteMultipartUpload\":1[,}] ]]
report $? "our 200,000-row INSERT was a multipart upload of 3 parts of 5 MB"
[[ $stats =~ \"CompleteMultipartUpload\":1[,}] ]] || echo "# $stats"
sql -c "COPY (SELECT g, repeat(md5(g::text), 2) FROM generate_series(1, 200000) g) TO STDOUT WITH (FORMAT csv)" >"$work/expected_big.csv"
key=$(cli s3api list-objects-v2 --bucket $bucket --prefix cli/ours-big/ --query 'Contents[].Key' --output text)
cli s3 cp "s3://$bucket/$key" "$work/got_big.csv" >/dev/null
same_file "$work/got_big.csv" "$work/expected_big.csv" "aws s3 cp of the multipart object gives what COPY TO writes"

# 2. what the CLI uploads, we read
sql -c "COPY (SELECT * FROM cli_rows WHERE id <= 500) TO STDOUT WITH (FORMAT csv)" >"$work/theirs.csv"
cli s3 cp "$work/theirs.csv" "s3://$bucket/cli/theirs/a b+c=é.csv" >/dev/null
report $? "aws s3 cp uploads a CSV object under a key with spaces, +, = and unicode"
sql >"$work/theirs.sql" <<-EOF
	CREATE FOREIGN TABLE cli_theirs (id int, label text, amount numeric, day date)
		SERVER cli_lake OPTIONS (uri 's3://$bucket/cli/theirs/');
	SELECT count(*) FROM (SELECT * FROM cli_theirs EXCEPT SELECT * FROM cli_rows WHERE id <= 500) d;
	SELECT count(*), sum(id) FROM cli_theirs;
EOF
is "$(cat "$work/theirs.sql")" "$(printf '0\n500|125250')" "SELECT reads the CLI's object: the 500 rows it was given"

no_rejects "our multipart upload, the CLI's reads and upload"
sql -c "COPY (SELECT g, repeat(md5(g::text), 2) FROM generate_series(1, 300000) g) TO STDOUT WITH (FORMAT csv)" |
	gzip -1 >"$work/theirs_big.csv.gz"
sql -c "COPY (SELECT g, repeat(md5(g::text), 2) FROM generate_series(1, 300000) g) TO STDOUT WITH (FORMAT csv)" >"$work/theirs_big.csv"
cli s3 cp "$work/theirs_big.csv" "s3://$bucket/cli/theirs-big/data.csv" >/dev/null
report $? "aws s3 cp uploads a 20 MB object"
stats=$(proxy GET stats)
[[ $stats =~ \"CreateMultipartUpload\":1[,}] && $stats =~ \"CompleteMultipartUpload\":1[,}] ]]
report $? "the CLI's upload was multipart (multipart_threshold 5MB)"
[[ $stats =~ \"UploadPart\":([0-9]+) ]] && echo "# the CLI sent ${BASH_REMATCH[1]} parts"
cli s3 cp "$work/theirs_big.csv.gz" "s3://$bucket/cli/theirs-big-gz/data.csv.gz" >/dev/null
got=$(sql <<-EOF
	CREATE FOREIGN TABLE cli_theirs_big (id int, pad text)
		SERVER cli_lake OPTIONS (uri 's3://$bucket/cli/theirs-big/');
	CREATE FOREIGN TABLE cli_theirs_big_gz (id int, pad text)
		SERVER cli_lake OPTIONS (uri 's3://$bucket/cli/theirs-big-gz/');
	SELECT count(*), sum(id), count(*) FILTER (WHERE pad <> repeat(md5(id::text), 2)) FROM cli_theirs_big;
	SELECT count(*), sum(id), count(*) FILTER (WHERE pad <> repeat(md5(id::text), 2)) FROM cli_theirs_big_gz;
EOF
)
is "$got" "$(printf '300000|45000150000|0\n300000|45000150000|0')" \
	"SELECT reads the CLI's multipart object, plain and gzip, every row intact"

# 3. every request of both was signed right
no_rejects "the CLI's multipart upload and our reads"

sql -q <<-EOF
	SET client_min_messages = warning;
	DROP SERVER cli_lake CASCADE;
	DROP TABLE cli_rows;
EOF
tap_done
