--
-- Batching of endpoint calls: N rows make ceil(N / batch size) requests,
-- wherever the call is in the query, counted both by pg_infer and by the
-- test endpoint itself (test/endpoint/server.js).
--
\i test/sql/infer_setup.sql


CREATE TABLE infer_big (id int, x float8);
INSERT INTO infer_big SELECT i, i / 4.0 FROM generate_series(1, 1234) i;
ANALYZE infer_big;
-- echo: the sum of the arguments
CREATE FUNCTION infer_b(a float8, b float8 DEFAULT 0) RETURNS float8
	LANGUAGE sagemaker SET pg_infer.batch_size = 100 AS 'echo-batch';

--
-- In the select list: 1234 rows, 13 requests, each row its own result
--
SELECT infer_test_reset(:'endpoint');
EXPLAIN (COSTS OFF)
SELECT id, infer_b(id, x) FROM infer_big;
SELECT count(*) AS rows, count(*) FILTER (WHERE y = id + x) AS right
FROM (SELECT id, x, infer_b(id, x) AS y FROM infer_big OFFSET 0) s;
SELECT * FROM infer_test_counts(:'endpoint', 'echo-batch');
-- EXPLAIN ANALYZE counts them too
SELECT infer_test_reset(:'endpoint');
SELECT infer_test_explain('SELECT id, infer_b(id, x) FROM infer_big');
SELECT * FROM infer_test_counts(:'endpoint', 'echo-batch');

--
-- In WHERE: every row is sent once, the filter applies to the results
--
SELECT infer_test_reset(:'endpoint');
EXPLAIN (COSTS OFF)
SELECT count(*) FROM infer_big WHERE infer_b(id) > 617;
SELECT count(*) FROM infer_big WHERE infer_b(id) > 617;
SELECT * FROM infer_test_counts(:'endpoint', 'echo-batch');
-- a conjunct without a call filters first: its rejected rows are not sent
SELECT infer_test_reset(:'endpoint');
SELECT count(*) FROM infer_big WHERE id <= 150 AND infer_b(id) > 100;
SELECT * FROM infer_test_counts(:'endpoint', 'echo-batch');

--
-- In ORDER BY: all rows sent for the sort, in 13 requests
--
SELECT infer_test_reset(:'endpoint');
EXPLAIN (COSTS OFF)
SELECT id FROM infer_big ORDER BY infer_b(-id) LIMIT 5;
SELECT id FROM infer_big ORDER BY infer_b(-id) LIMIT 5;
SELECT * FROM infer_test_counts(:'endpoint', 'echo-batch');

--
-- In an aggregate's argument
--
SELECT infer_test_reset(:'endpoint');
EXPLAIN (COSTS OFF)
SELECT avg(infer_b(id)) FROM infer_big;
SELECT avg(infer_b(id)), sum(infer_b(id, x)) FROM infer_big;
SELECT * FROM infer_test_counts(:'endpoint', 'echo-batch');
-- grouped
SELECT infer_test_reset(:'endpoint');
SELECT id % 3 AS g, count(*), max(infer_b(id)) FROM infer_big GROUP BY 1 ORDER BY 1;
SELECT * FROM infer_test_counts(:'endpoint', 'echo-batch');

--
-- Over a join
--
CREATE TABLE infer_small (id int, w float8);
INSERT INTO infer_small SELECT i, i * 100 FROM generate_series(1, 10) i;
ANALYZE infer_small;
SELECT infer_test_reset(:'endpoint');
EXPLAIN (COSTS OFF)
SELECT b.id, infer_b(b.x, s.w) FROM infer_big b JOIN infer_small s ON s.id = b.id % 10;
SELECT count(*) AS rows, count(*) FILTER (WHERE y = x + w) AS right
FROM (SELECT b.x, s.w, infer_b(b.x, s.w) AS y
	  FROM infer_big b JOIN infer_small s ON s.id = b.id % 10 OFFSET 0) q;
SELECT * FROM infer_test_counts(:'endpoint', 'echo-batch');

--
-- sagemaker_infer with a constant endpoint is batched too
--
SELECT infer_test_reset(:'endpoint');
SET pg_infer.batch_size = 100;
SELECT count(*) FILTER (WHERE y = to_jsonb(id * 2)) AS right
FROM (SELECT id, sagemaker_infer('echo-batch-adhoc', id, id) AS y FROM infer_big OFFSET 0) s;
RESET pg_infer.batch_size;
SELECT * FROM infer_test_counts(:'endpoint', 'echo-batch-adhoc');

--
-- pg_infer.batching off: one request per row
--
SET pg_infer.batching = off;
SELECT infer_test_reset(:'endpoint');
EXPLAIN (COSTS OFF)
SELECT infer_b(id) FROM infer_big WHERE id <= 20;
SELECT sum(infer_b(id)) FROM infer_big WHERE id <= 20;
SELECT * FROM infer_test_counts(:'endpoint', 'echo-batch');
RESET pg_infer.batching;

--
-- A LIMIT bounds the rows read and sent
--
SELECT infer_test_reset(:'endpoint');
SELECT infer_test_explain('SELECT id, infer_b(id) FROM infer_big LIMIT 5');
SELECT id, infer_b(id) FROM infer_big ORDER BY id LIMIT 5;
SELECT * FROM infer_test_counts(:'endpoint', 'echo-batch');
SELECT infer_test_reset(:'endpoint');
SELECT id, infer_b(id) FROM infer_big LIMIT 3 OFFSET 2;
SELECT * FROM infer_test_counts(:'endpoint', 'echo-batch');

--
-- max_payload_bytes splits batches: rows of about 40 bytes, 100 per batch,
-- at most 1024 bytes per request
--
CREATE FUNCTION infer_wide(a float8, b float8, c float8, d float8) RETURNS float8
	LANGUAGE sagemaker
	SET pg_infer.batch_size = 100 SET pg_infer.max_payload_bytes = 1024
	AS 'echo-batch-wide';
SELECT infer_test_reset(:'endpoint');
SELECT count(*) FILTER (WHERE y = 4 * x + 3000000) AS right
FROM (SELECT x, infer_wide(x + 1000000, x + 1000000, x + 1000000, x) AS y
	  FROM infer_big OFFSET 0) s;
SELECT endpoint_calls > 13 AS split, endpoint_calls = our_calls AS same_calls,
	endpoint_rows, our_rows
FROM infer_test_counts(:'endpoint', 'echo-batch-wide');
SELECT (s->>'bytes')::int / (s->>'calls')::int <= 1024 AS under_limit,
	(s->'last'->>'bytes')::int <= 1024 AS last_under_limit
FROM (SELECT infer_test_http(:'endpoint' || '/_stats')->'endpoints'->'echo-batch-wide') AS e(s);

--
-- The first query of a new session is batched (the planner hook is
-- installed by shared_preload_libraries, before anything loads pg_infer)
--
ALTER DATABASE :"DBNAME" SET pg_infer.sagemaker_endpoint_url = :'endpoint';
ALTER DATABASE :"DBNAME" SET pg_infer.aws_access_key_id = 'AKIDEXAMPLE';
ALTER DATABASE :"DBNAME" SET pg_infer.aws_secret_access_key = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
ALTER DATABASE :"DBNAME" SET pg_infer.aws_region = 'us-east-1';
SELECT infer_test_reset(:'endpoint');
\c
SELECT avg(infer_b(id)) FROM infer_big;
SELECT * FROM infer_test_counts(:'endpoint', 'echo-batch');
\c
SELECT count(*) FROM (SELECT infer_b(id) FROM infer_big OFFSET 0) s;
SELECT * FROM infer_test_counts(:'endpoint', 'echo-batch');
ALTER DATABASE :"DBNAME" RESET pg_infer.sagemaker_endpoint_url;
ALTER DATABASE :"DBNAME" RESET pg_infer.aws_access_key_id;
ALTER DATABASE :"DBNAME" RESET pg_infer.aws_secret_access_key;
ALTER DATABASE :"DBNAME" RESET pg_infer.aws_region;

--
-- Several requests in flight: 4 batches of 100 rows to an endpoint that
-- takes 300 ms per request
--
CREATE FUNCTION infer_slow(a float8) RETURNS float8
	LANGUAGE sagemaker
	SET pg_infer.batch_size = 100 SET pg_infer.max_in_flight = 4
	AS 'echo-fault-slow-300';
CREATE FUNCTION infer_slow_serial(a float8) RETURNS float8
	LANGUAGE sagemaker
	SET pg_infer.batch_size = 100 SET pg_infer.max_in_flight = 1
	AS 'echo-batch-fault-slow-300';
SELECT infer_test_reset(:'endpoint');
EXPLAIN (COSTS OFF)
SELECT infer_slow(id) FROM infer_big WHERE id <= 400;
SELECT sum(infer_slow(id)) FROM infer_big WHERE id <= 400;
SELECT * FROM infer_test_counts(:'endpoint', 'echo-fault-slow-300');
SELECT (s->>'max_in_flight')::int > 1 AS concurrent
FROM (SELECT infer_test_http(:'endpoint' || '/_stats')->'endpoints'->'echo-fault-slow-300') AS e(s);
-- with max_in_flight 1, one at a time
SELECT sum(infer_slow_serial(id)) FROM infer_big WHERE id <= 200;
SELECT (s->>'calls')::int AS calls, (s->>'max_in_flight')::int AS max_in_flight
FROM (SELECT infer_test_http(:'endpoint' || '/_stats')->'endpoints'->'echo-batch-fault-slow-300') AS e(s);

-- clean up
DROP TABLE infer_big, infer_small;
DROP FUNCTION infer_b, infer_wide, infer_slow, infer_slow_serial;
DROP FUNCTION infer_test_explain, infer_test_counts, infer_test_reset, infer_test_http;
