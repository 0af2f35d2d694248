--
-- federated_s3: INSERT writes one new object per statement under the
-- table's prefix (CSV, text or JSON Lines, compressed if asked), never
-- over an existing key; above part_size it is a multipart upload, which a
-- failed or cancelled INSERT aborts, leaving no object.  The AWS CLI reads
-- what we write, and we read what it writes.
--
\set ECHO none
\i test/sql/s3_setup.sql
\set ECHO all

CREATE TABLE s3_src (id int, label text, amount numeric, day date, ok bool, doc jsonb);
INSERT INTO s3_src VALUES
	(1, 'plain', 1.5, '2024-01-01', true, '{"a": 1}'),
	(2, 'comma, "quoted"', -2, '2024-02-29', false, '[1, "x"]'),
	(3, E'two\nlines', NULL, NULL, NULL, NULL),
	(4, '', 0, '2024-12-31', true, '[]'),
	(5, 'café ☕ \ back\slash', 1e20, '1999-01-01', false, '"s"'),
	(6, NULL, 'NaN', '2000-01-01', true, '{}');

-- CSV with a header, read back identical
CREATE FOREIGN TABLE s3_out_csv (id int, label text, amount numeric, day date, ok bool, doc jsonb)
	SERVER lake OPTIONS (uri 's3://pginfer-test/written/csv/', header 'true');
INSERT INTO s3_out_csv SELECT * FROM s3_src;
SELECT * FROM s3_out_csv ORDER BY id;
SELECT count(*) AS differences FROM
	((SELECT * FROM s3_src EXCEPT SELECT * FROM s3_out_csv)
	 UNION ALL (SELECT * FROM s3_out_csv EXCEPT SELECT * FROM s3_src)) d;
-- a second INSERT is a second object; nothing is overwritten
INSERT INTO s3_out_csv SELECT * FROM s3_src WHERE id <= 2 RETURNING id, label;
EXPLAIN (COSTS OFF) SELECT * FROM s3_out_csv;
SELECT id, count(*) FROM s3_out_csv GROUP BY id ORDER BY id;

-- text format with a delimiter, gzip; JSON Lines with zstd
CREATE FOREIGN TABLE s3_out_text (id int, label text, amount numeric, day date, ok bool, doc jsonb)
	SERVER lake OPTIONS (uri 's3://pginfer-test/written/text/', format 'text',
						 delimiter '|', compression 'gzip');
INSERT INTO s3_out_text SELECT * FROM s3_src;
SELECT count(*) AS differences FROM
	((SELECT * FROM s3_src EXCEPT SELECT * FROM s3_out_text)
	 UNION ALL (SELECT * FROM s3_out_text EXCEPT SELECT * FROM s3_src)) d;
CREATE FOREIGN TABLE s3_out_jsonl (id int, label text, amount numeric, day date, ok bool, doc jsonb)
	SERVER lake OPTIONS (uri 's3://pginfer-test/written/jsonl/', format 'jsonl',
						 compression 'zstd');
INSERT INTO s3_out_jsonl SELECT * FROM s3_src;
SELECT * FROM s3_out_jsonl ORDER BY id;
SELECT count(*) AS differences FROM
	((SELECT * FROM s3_src EXCEPT SELECT * FROM s3_out_jsonl)
	 UNION ALL (SELECT * FROM s3_out_jsonl EXCEPT SELECT * FROM s3_src)) d;
-- an INSERT of no rows writes nothing
INSERT INTO s3_out_jsonl SELECT * FROM s3_src WHERE false;
EXPLAIN (COSTS OFF) SELECT * FROM s3_out_jsonl;

-- a multipart upload: 5 MB parts
SELECT s3_test_proxy('/_proxy/reset') ->> 'ok' AS reset;
CREATE FOREIGN TABLE s3_out_big (id int, pad text)
	SERVER lake OPTIONS (uri 's3://pginfer-test/written/big/', part_size '5242880');
INSERT INTO s3_out_big SELECT g, repeat('x', 40) FROM generate_series(1, 300000) g;
SELECT count(*), sum(id) FROM s3_out_big;
SELECT by_operation - 'ListObjectsV2' - 'GetObject' AS writes FROM s3_test_requests();

-- an existing key is never overwritten: a 412 to the conditional PUT fails
-- the INSERT (s3rver ignores If-None-Match, so the proxy answers for S3)
SELECT s3_test_proxy('/_proxy/fault', '{"operation": "PutObject", "status": 412, "code": "PreconditionFailed"}') ->> 'ok' AS fault;
INSERT INTO s3_out_csv VALUES (7);
SELECT count(*) FROM s3_out_csv;

-- a failed INSERT aborts its upload and leaves no object
CREATE FOREIGN TABLE s3_out_failed (id int, pad text)
	SERVER lake OPTIONS (uri 's3://pginfer-test/written/failed/', part_size '5242880');
SELECT s3_test_proxy('/_proxy/reset') ->> 'ok' AS reset;
INSERT INTO s3_out_failed SELECT g, repeat('x', 40) || (1 / (250000 - g)) FROM generate_series(1, 300000) g;
SELECT count(*) FROM s3_out_failed;
SELECT by_operation - 'ListObjectsV2' - 'GetObject' AS writes FROM s3_test_requests();
SELECT s3_test_proxy('/_proxy/stats') ->> 'open_uploads' AS open_uploads;
-- so does a cancelled one
SELECT s3_test_proxy('/_proxy/reset') ->> 'ok' AS reset;
SET statement_timeout = '5s';
INSERT INTO s3_out_failed
	SELECT g, repeat('x', 40) || CASE WHEN g = 250000 THEN pg_sleep(30)::text ELSE '' END
	FROM generate_series(1, 300000) g;
RESET statement_timeout;
SELECT count(*) FROM s3_out_failed;
-- (how many parts went out before the cancel varies: every upload started was aborted)
SELECT coalesce((by_operation->>'CreateMultipartUpload')::int, 0) =
		coalesce((by_operation->>'AbortMultipartUpload')::int, 0) AS all_aborted,
	   by_operation ? 'CompleteMultipartUpload' AS completed,
	   by_operation ? 'PutObject' AS put
FROM s3_test_requests();
SELECT s3_test_proxy('/_proxy/stats') ->> 'open_uploads' AS open_uploads;
-- and a failed single PUT writes nothing at all
INSERT INTO s3_out_failed SELECT g, (1 / (3 - g))::text FROM generate_series(1, 5) g;
SELECT count(*) FROM s3_out_failed;

-- INSERT needs a prefix
CREATE FOREIGN TABLE s3_out_one (id int) SERVER lake
	OPTIONS (uri 's3://pginfer-test/written/one.csv');
INSERT INTO s3_out_one VALUES (1);
CREATE FOREIGN TABLE s3_out_badpart (id int) SERVER lake
	OPTIONS (uri 's3://pginfer-test/written/x/', part_size '1000');
-- UPDATE and DELETE are not supported
UPDATE s3_out_csv SET id = 0;
DELETE FROM s3_out_csv;

-- the AWS CLI reads the object we wrote ...
SELECT format('env AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=%s AWS_REGION=us-east-1 '
			  'AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null HOME=/tmp aws --endpoint-url %s',
			  'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', :'s3') AS cli \gset
CREATE TEMP TABLE s3_cli_read (line text);
SELECT format('COPY s3_cli_read FROM PROGRAM %L',
			  format('%s s3 ls s3://pginfer-test/written/text/ | awk ''{print $4}'' | '
					 'while read k; do %s s3 cp "s3://pginfer-test/written/text/$k" - | gunzip; done',
					 :'cli', :'cli')) AS copy_cmd \gset
:copy_cmd;
SELECT line FROM s3_cli_read ORDER BY line;
-- ... and we read what it uploads
SELECT format('COPY (SELECT * FROM s3_src WHERE id < 4) TO PROGRAM %L WITH (FORMAT csv)',
			  format('%s s3 cp - "s3://pginfer-test/written/fromcli/a b+c=é.csv"', :'cli')) AS copy_cmd \gset
:copy_cmd;
CREATE FOREIGN TABLE s3_from_cli (id int, label text, amount numeric, day date, ok bool, doc jsonb)
	SERVER lake OPTIONS (uri 's3://pginfer-test/written/fromcli/');
SELECT * FROM s3_from_cli ORDER BY id;

SELECT rejected FROM s3_test_requests();
