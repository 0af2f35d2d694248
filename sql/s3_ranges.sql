--
-- federated_s3: a parallel scan divides large objects by byte range.
-- Each range reads the lines that begin inside it: it starts after the
-- first newline before its first byte and ends with the newline that
-- ends its last line.  Compared with a serial scan: the same rows, once
-- each (count and checksum), and one GET per range.
--
\set ECHO none
\i test/sql/s3_setup.sql
\set ECHO all
-- count, sum and an order-independent checksum of a table's rows, read
-- serially or in a forced parallel plan
CREATE FUNCTION s3_test_digest(tab text, expr text, parallel bool)
RETURNS TABLE (count bigint, sum numeric, digest text) LANGUAGE plpgsql AS $f$
BEGIN
	IF parallel THEN
		SET LOCAL parallel_setup_cost = 0;
		SET LOCAL parallel_tuple_cost = 0;
		SET LOCAL max_parallel_workers_per_gather = 3;
	ELSE
		SET LOCAL max_parallel_workers_per_gather = 0;
	END IF;
	RETURN QUERY EXECUTE format(
		'SELECT count(*), sum(id)::numeric, md5(string_agg(r, %L ORDER BY r)) FROM (SELECT id, (%s)::text AS r FROM %s) s',
		E'\n', expr, tab);
END
$f$;

-- text format: 46,561 bytes in 1 kB ranges
CREATE FOREIGN TABLE s3_rng_text (id int, w text)
	SERVER lake OPTIONS (uri 's3://pginfer-test/ranges/numbers.tsv', format 'text',
						 range_size '1kB');
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET max_parallel_workers_per_gather = 3;
EXPLAIN (COSTS OFF) SELECT count(*) FROM s3_rng_text;
SELECT * FROM s3_test_digest('s3_rng_text', 'id || w', false);
SELECT s3_test_proxy('/_proxy/reset') ->> 'ok' AS reset;
SELECT * FROM s3_test_digest('s3_rng_text', 'id || w', true);
SELECT by_operation ->> 'GetObject' AS gets, ceil(46561 / 1024.0) AS ranges
FROM s3_test_requests();

-- CSV with 10-byte lines in 1,000-byte ranges: every range ends exactly
-- at a newline; declared free of quoted newlines
CREATE FOREIGN TABLE s3_rng_fixed (id int, b int)
	SERVER lake OPTIONS (uri 's3://pginfer-test/ranges/fixed.csv', range_size '1000',
						 quoted_newlines 'false');
SELECT * FROM s3_test_digest('s3_rng_fixed', 'id::text || b', false);
SELECT s3_test_proxy('/_proxy/reset') ->> 'ok' AS reset;
SELECT * FROM s3_test_digest('s3_rng_fixed', 'id::text || b', true);
SELECT by_operation ->> 'GetObject' AS gets FROM s3_test_requests();

-- CSV with a header (skipped by the first range only) and quoted values
CREATE FOREIGN TABLE s3_rng_header (id int, v text)
	SERVER lake OPTIONS (uri 's3://pginfer-test/ranges/header.csv', header 'true',
						 range_size '700', quoted_newlines 'false');
SELECT * FROM s3_test_digest('s3_rng_header', 'v', false);
SELECT s3_test_proxy('/_proxy/reset') ->> 'ok' AS reset;
SELECT * FROM s3_test_digest('s3_rng_header', 'v', true);
SELECT by_operation ->> 'GetObject' AS gets FROM s3_test_requests();

-- JSON Lines, blank lines included
CREATE FOREIGN TABLE s3_rng_jsonl (id int, s text)
	SERVER lake OPTIONS (uri 's3://pginfer-test/ranges/events.jsonl', format 'jsonl',
						 range_size '2kB');
SELECT * FROM s3_test_digest('s3_rng_jsonl', 'id || s', false);
SELECT s3_test_proxy('/_proxy/reset') ->> 'ok' AS reset;
SELECT * FROM s3_test_digest('s3_rng_jsonl', 'id || s', true);
SELECT by_operation ->> 'GetObject' AS gets FROM s3_test_requests();

-- one-byte ranges: most hold no line start and read nothing
CREATE FOREIGN TABLE s3_rng_tiny (id int, v text)
	SERVER lake OPTIONS (uri 's3://pginfer-test/prefix/', range_size '1',
						 quoted_newlines 'false');
SELECT s3_test_proxy('/_proxy/reset') ->> 'ok' AS reset;
SELECT * FROM s3_test_digest('s3_rng_tiny', 'v', true);
SELECT by_operation ->> 'GetObject' AS gets FROM s3_test_requests();

-- not divided: CSV that may hold quoted newlines (the default), and
-- compressed objects; a single such object gets no parallel plan
CREATE FOREIGN TABLE s3_rng_quoted (id int, v text)
	SERVER lake OPTIONS (uri 's3://pginfer-test/ranges/quoted.csv', range_size '1');
EXPLAIN (COSTS OFF) SELECT count(*) FROM s3_rng_quoted;
SELECT * FROM s3_rng_quoted ORDER BY id;
CREATE FOREIGN TABLE s3_rng_gzip (id int, b int)
	SERVER lake OPTIONS (uri 's3://pginfer-test/gzip/numbers.csv.gz', range_size '1kB',
						 quoted_newlines 'false');
EXPLAIN (COSTS OFF) SELECT count(*) FROM s3_rng_gzip;

-- errors: a bad row names the object and the range (read by the leader
-- alone, in order, when no worker may start); bad options
CREATE FOREIGN TABLE s3_rng_bad (id int, w text)
	SERVER lake OPTIONS (uri 's3://pginfer-test/ranges/bad.tsv', format 'text',
						 range_size '4kB');
SET max_parallel_workers = 0;
EXPLAIN (COSTS OFF) SELECT count(*) FROM s3_rng_bad;
SELECT count(*) FROM s3_rng_bad;
RESET max_parallel_workers;
CREATE FOREIGN TABLE s3_rng_opt (id int)
	SERVER lake OPTIONS (uri 's3://pginfer-test/ranges/numbers.tsv', range_size '0');
CREATE FOREIGN TABLE s3_rng_opt (id int)
	SERVER lake OPTIONS (uri 's3://pginfer-test/ranges/numbers.tsv', range_size 'big');
CREATE FOREIGN TABLE s3_rng_opt (id int)
	SERVER lake OPTIONS (uri 's3://pginfer-test/ranges/events.jsonl', format 'jsonl',
						 quoted_newlines 'false');
SELECT count(*) FROM s3_rng_text;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET max_parallel_workers_per_gather;
SELECT rejected FROM s3_test_requests();
