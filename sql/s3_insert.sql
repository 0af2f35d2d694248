--
-- federated_s3: INSERT writes one new object per statement under the
-- table's prefix (CSV, text or JSON Lines, compressed if asked), never
-- over an existing key; above part_size it is a multipart upload, which a
-- failed or cancelled INSERT aborts, leaving no object.
--
\set ECHO none
\i test/sql/s3_setup.sql
\set ECHO all

-- Runs a statement and shows its error with the object names' random part
-- masked (new keys are part-<UTC time>-<random hex>)
CREATE FUNCTION s3_test_try(query text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE
	state text;
	message text;
	detail text;
BEGIN
	EXECUTE query;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
		detail = PG_EXCEPTION_DETAIL;
	RETURN regexp_replace(state || ': ' || message || E'\nDETAIL: ' || detail,
						  'part-[0-9]{8}T[0-9.]+Z-[0-9a-f]{16}', 'part-*', 'g');
END
$f$;

CREATE TABLE s3_src (id int, label text, amount numeric, day date, ok bool,
					 doc jsonb, big bigint, f float8);
INSERT INTO s3_src VALUES
	(1, 'plain', 1.5, '2024-01-01', true, '{"a": 1}', 9223372036854775807, 0.1),
	(2, 'comma, "quoted"', -2, '2024-02-29', false, '[1, "x"]', -9223372036854775808, 'Infinity'),
	(3, E'two\nlines', NULL, NULL, NULL, NULL, NULL, NULL),
	(4, '', 0, '2024-12-31', true, '[]', 0, '-Infinity'),
	(5, 'café ☕ \ back\slash', 1e20, '1999-01-01', false, '"s"', -1, 1.0000000000000002),
	(6, NULL, 'NaN', '2000-01-01', true, '{}', 42, 'NaN'),
	(7, '\.', -123456789012345678901234, '2000-01-02', NULL, 'null', 7, -0.0);

-- CSV with a header, read back identical (the session's DateStyle is not
-- ISO: dates are written in ISO all the same)
SHOW DateStyle;
CREATE FOREIGN TABLE s3_out_csv (id int, label text, amount numeric, day date, ok bool,
								 doc jsonb, big bigint, f float8)
	SERVER lake OPTIONS (uri 's3://pginfer-test/written/csv/', header 'true');
INSERT INTO s3_out_csv SELECT * FROM s3_src;
SELECT * FROM s3_out_csv ORDER BY id;
SELECT count(*) AS differences FROM
	((SELECT * FROM s3_src EXCEPT SELECT * FROM s3_out_csv)
	 UNION ALL (SELECT * FROM s3_out_csv EXCEPT SELECT * FROM s3_src)) d;
-- the object as written, line by line
CREATE FOREIGN TABLE s3_out_csv_raw (line text) SERVER lake
	OPTIONS (uri 's3://pginfer-test/written/csv/', delimiter E'\x01', quote E'\x02');
SELECT * FROM s3_out_csv_raw;
-- a second INSERT is a second object; nothing is overwritten
INSERT INTO s3_out_csv SELECT * FROM s3_src WHERE id <= 2 RETURNING id, label;
EXPLAIN (COSTS OFF) SELECT * FROM s3_out_csv;
SELECT id, count(*) FROM s3_out_csv GROUP BY id ORDER BY id;
EXPLAIN (COSTS OFF) INSERT INTO s3_out_csv SELECT * FROM s3_src;

-- text format with a delimiter, gzip; JSON Lines with zstd
CREATE FOREIGN TABLE s3_out_text (id int, label text, amount numeric, day date, ok bool,
								  doc jsonb, big bigint, f float8)
	SERVER lake OPTIONS (uri 's3://pginfer-test/written/text/', format 'text',
						 delimiter '|', compression 'gzip');
INSERT INTO s3_out_text SELECT * FROM s3_src;
SELECT count(*) AS differences FROM
	((SELECT * FROM s3_src EXCEPT SELECT * FROM s3_out_text)
	 UNION ALL (SELECT * FROM s3_out_text EXCEPT SELECT * FROM s3_src)) d;
CREATE FOREIGN TABLE s3_out_jsonl (id int, label text, amount numeric, day date, ok bool,
								   doc jsonb, big bigint, f float8)
	SERVER lake OPTIONS (uri 's3://pginfer-test/written/jsonl/', format 'jsonl',
						 compression 'zstd');
INSERT INTO s3_out_jsonl SELECT * FROM s3_src;
SELECT * FROM s3_out_jsonl ORDER BY id;
-- jsonb 'null' reads back as SQL NULL, so row 7 differs in that column only
SELECT * FROM
	((SELECT * FROM s3_src EXCEPT SELECT * FROM s3_out_jsonl)
	 UNION ALL (SELECT * FROM s3_out_jsonl EXCEPT SELECT * FROM s3_src)) d
ORDER BY doc NULLS FIRST;
-- the lines as written
CREATE FOREIGN TABLE s3_out_jsonl_raw (line text) SERVER lake
	OPTIONS (uri 's3://pginfer-test/written/jsonl/', delimiter E'\x01', quote E'\x02');
SELECT * FROM s3_out_jsonl_raw;
-- an INSERT of no rows writes nothing
INSERT INTO s3_out_jsonl SELECT * FROM s3_src WHERE false;
EXPLAIN (COSTS OFF) SELECT * FROM s3_out_jsonl;

-- COPY FROM into the table writes an object too, in the table's encoding
CREATE FOREIGN TABLE s3_out_latin1 (id int, label text) SERVER lake
	OPTIONS (uri 's3://pginfer-test/written/latin1/', encoding 'LATIN1',
			 delimiter ';', null 'NA');
COPY s3_out_latin1 FROM stdin;
1	café
2	\N
3	NA
\.
SELECT * FROM s3_out_latin1 ORDER BY id;
ALTER FOREIGN TABLE s3_out_latin1 OPTIONS (SET encoding 'UTF8');
SELECT s3_test_try('SELECT * FROM s3_out_latin1');
-- a character the object's encoding lacks
ALTER FOREIGN TABLE s3_out_latin1 OPTIONS (SET encoding 'LATIN1');
SELECT s3_test_try($$INSERT INTO s3_out_latin1 VALUES (4, '☕')$$);
SELECT count(*) FROM s3_out_latin1;

-- a multipart upload: 5 MB parts
SELECT s3_test_proxy('/_proxy/reset') ->> 'ok' AS reset;
CREATE FOREIGN TABLE s3_out_big (id int, pad text)
	SERVER lake OPTIONS (uri 's3://pginfer-test/written/big/', part_size '5242880');
INSERT INTO s3_out_big SELECT g, repeat('x', 40) FROM generate_series(1, 300000) g;
SELECT count(*), sum(id), sum(length(pad)) FROM s3_out_big;
SELECT by_operation - 'ListObjectsV2' - 'GetObject' AS writes FROM s3_test_requests();

-- an existing key is never overwritten: S3 answers the conditional PUT
-- (and completion) with 412.  Keys are random, so the test proxy answers
-- for S3 here (s3rver ignores If-None-Match).
SELECT s3_test_proxy('/_proxy/fault', '{"operation": "PutObject", "status": 412, "code": "PreconditionFailed"}') ->> 'ok' AS fault;
SELECT s3_test_try('INSERT INTO s3_out_csv (id) VALUES (8)');
SELECT s3_test_proxy('/_proxy/fault', '{"operation": "CompleteMultipartUpload", "status": 412, "code": "PreconditionFailed"}') ->> 'ok' AS fault;
SELECT s3_test_try($$INSERT INTO s3_out_big SELECT g, repeat('y', 40) FROM generate_series(1, 300000) g$$);
SELECT count(*) FROM s3_out_csv;
SELECT count(*) FROM s3_out_big;
SELECT s3_test_proxy('/_proxy/stats') ->> 'open_uploads' AS open_uploads;

-- a failed INSERT aborts its upload and leaves no object
CREATE FOREIGN TABLE s3_out_failed (id int, pad text)
	SERVER lake OPTIONS (uri 's3://pginfer-test/written/failed/', part_size '5242880');
SELECT s3_test_proxy('/_proxy/reset') ->> 'ok' AS reset;
INSERT INTO s3_out_failed SELECT g, repeat('x', 40) || (1 / (250000 - g)) FROM generate_series(1, 300000) g;
SELECT count(*) FROM s3_out_failed;
SELECT by_operation - 'ListObjectsV2' - 'GetObject' AS writes FROM s3_test_requests();
SELECT s3_test_proxy('/_proxy/stats') ->> 'open_uploads' AS open_uploads;
-- so does one whose parts S3 keeps refusing, or whose completion fails
SELECT s3_test_proxy('/_proxy/reset') ->> 'ok' AS reset;
SET pg_infer.max_retries = 1;
SELECT s3_test_proxy('/_proxy/fault', '{"operation": "UploadPart", "status": 500, "code": "InternalError", "times": 2}') ->> 'ok' AS fault;
SELECT s3_test_try($$INSERT INTO s3_out_failed SELECT g, repeat('x', 40) FROM generate_series(1, 300000) g$$);
SELECT s3_test_proxy('/_proxy/fault', '{"operation": "CompleteMultipartUpload", "status": 503, "code": "SlowDown", "times": 2}') ->> 'ok' AS fault;
SELECT s3_test_try($$INSERT INTO s3_out_failed SELECT g, repeat('x', 40) FROM generate_series(1, 300000) g$$);
RESET pg_infer.max_retries;
SELECT count(*) FROM s3_out_failed;
SELECT by_operation - 'ListObjectsV2' - 'GetObject' AS writes FROM s3_test_requests();
SELECT s3_test_proxy('/_proxy/stats') ->> 'open_uploads' AS open_uploads;

-- a cancelled INSERT too: a second session inserts, and is cancelled once
-- its upload has started
SELECT s3_test_proxy('/_proxy/reset') ->> 'ok' AS reset;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS dblink;
RESET client_min_messages;
SELECT dblink_connect('s3_insert_other',
	format('dbname=%s port=%s host=%s', current_database(),
		   current_setting('port'),
		   split_part(current_setting('unix_socket_directories'), ',', 1)));
SELECT pid AS other_pid FROM dblink('s3_insert_other', 'SELECT pg_backend_pid()')
	AS t(pid int) \gset
SELECT dblink_send_query('s3_insert_other', $$
	INSERT INTO s3_out_failed
	SELECT g, repeat('x', 40) || CASE WHEN g = 250000 THEN pg_sleep(60)::text ELSE '' END
	FROM generate_series(1, 300000) g$$);
-- Waits until the proxy has seen a part of an upload
CREATE FUNCTION s3_test_wait_for_part() RETURNS bool LANGUAGE plpgsql AS $f$
BEGIN
	FOR i IN 1..300 LOOP
		IF (SELECT by_operation ? 'UploadPart' FROM s3_test_requests()) THEN
			RETURN true;
		END IF;
		PERFORM pg_sleep(0.1);
	END LOOP;
	RETURN false;
END
$f$;
SELECT s3_test_wait_for_part() AS uploading;
SELECT pg_cancel_backend(:other_pid) AS cancelled;
SELECT * FROM dblink_get_result('s3_insert_other') AS t(status text);
SELECT dblink_disconnect('s3_insert_other');
SELECT count(*) FROM s3_out_failed;
SELECT (by_operation->>'CreateMultipartUpload')::int AS created,
	   (by_operation->>'AbortMultipartUpload')::int AS aborted,
	   by_operation ? 'CompleteMultipartUpload' AS completed,
	   by_operation ? 'PutObject' AS put
FROM s3_test_requests();
SELECT s3_test_proxy('/_proxy/stats') ->> 'open_uploads' AS open_uploads;
-- and a failed single PUT writes nothing at all
INSERT INTO s3_out_failed SELECT g, (1 / (3 - g))::text FROM generate_series(1, 5) g;
SELECT count(*) FROM s3_out_failed;

-- the object is written when the statement ends: a later ROLLBACK does
-- not remove it
CREATE FOREIGN TABLE s3_out_tx (id int) SERVER lake
	OPTIONS (uri 's3://pginfer-test/written/tx/');
BEGIN;
INSERT INTO s3_out_tx VALUES (1);
ROLLBACK;
SELECT * FROM s3_out_tx;

-- a missing bucket; wrong credentials
CREATE FOREIGN TABLE s3_out_nobucket (id int) SERVER lake
	OPTIONS (uri 's3://pginfer-missing/out/');
SELECT s3_test_try('INSERT INTO s3_out_nobucket VALUES (1)');
ALTER FOREIGN TABLE s3_out_nobucket OPTIONS (ADD part_size '5242880');
SELECT s3_test_try($$INSERT INTO s3_out_nobucket SELECT g FROM generate_series(1, 1000000) g$$);
CREATE SERVER lake_wrong_keys FOREIGN DATA WRAPPER federated_s3
	OPTIONS (endpoint :'s3', url_style 'path', region 'us-east-1');
CREATE USER MAPPING FOR CURRENT_USER SERVER lake_wrong_keys
	OPTIONS (access_key_id 'AKIDEXAMPLE', secret_access_key 'not-the-secret-at-all');
CREATE FOREIGN TABLE s3_out_badcreds (id int) SERVER lake_wrong_keys
	OPTIONS (uri 's3://pginfer-test/written/badcreds/');
SELECT s3_test_proxy('/_proxy/reset') ->> 'ok' AS reset;
SELECT s3_test_try('INSERT INTO s3_out_badcreds VALUES (1)');
SELECT rejected FROM s3_test_requests();
SELECT s3_test_proxy('/_proxy/reset') ->> 'ok' AS reset;
SELECT count(*) FROM s3_out_failed;

-- a user mapping without keys: the backend's credential chain signs (here
-- its first source, the superuser-only settings)
CREATE SERVER lake_keyless FOREIGN DATA WRAPPER federated_s3
	OPTIONS (endpoint :'s3', url_style 'path', region 'us-east-1');
CREATE USER MAPPING FOR CURRENT_USER SERVER lake_keyless;
CREATE FOREIGN TABLE s3_out_chain (id int) SERVER lake_keyless
	OPTIONS (uri 's3://pginfer-test/written/chain/');
SET pg_infer.aws_access_key_id = 'AKIDEXAMPLE';
SET pg_infer.aws_secret_access_key = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
INSERT INTO s3_out_chain VALUES (1), (2);
SELECT * FROM s3_out_chain ORDER BY id;
RESET pg_infer.aws_access_key_id;
RESET pg_infer.aws_secret_access_key;
SELECT rejected FROM s3_test_requests();

-- INSERT needs a prefix
CREATE FOREIGN TABLE s3_out_one (id int) SERVER lake
	OPTIONS (uri 's3://pginfer-test/written/one.csv');
INSERT INTO s3_out_one VALUES (1);
CREATE FOREIGN TABLE s3_out_glob (id int) SERVER lake
	OPTIONS (uri 's3://pginfer-test/written/*.csv');
INSERT INTO s3_out_glob VALUES (1);
CREATE FOREIGN TABLE s3_out_badpart (id int) SERVER lake
	OPTIONS (uri 's3://pginfer-test/written/x/', part_size '1000');
-- UPDATE and DELETE are not supported
UPDATE s3_out_csv SET id = 0;
DELETE FROM s3_out_csv;

SELECT rejected FROM s3_test_requests();
