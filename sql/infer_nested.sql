--
-- Nested use: a call in another call's arguments, and a correlated
-- subquery with its own batch scan, each keep requests in flight in
-- separate HTTP batches that share one connection cache.  Every batch
-- owns its transfers, so none waits for a reply another batch took.
--
\i test/sql/infer_setup.sql
\set VERBOSITY default

CREATE TABLE infer_nest (i int, x float8);
INSERT INTO infer_nest SELECT i, i FROM generate_series(1, 200) i;
CREATE FUNCTION infer_nest_f(x float8) RETURNS float8
	LANGUAGE sagemaker AS 'echo-nested';
-- a hang would fail here instead of stopping the suite
SET statement_timeout = '60s';
SET pg_infer.batch_size = 10;

-- f(f(x)): the inner calls are batched, the outer ones made row by row
-- while the batches of the inner calls are in flight
SELECT sum(infer_nest_f(infer_nest_f(x))) FROM infer_nest WHERE i <= 100;
SELECT sum(infer_nest_f(infer_nest_f(x))) FROM infer_nest;
SELECT infer_nest_f(infer_nest_f(x)) AS y FROM infer_nest WHERE i <= 3 ORDER BY i;
-- the same with several requests in flight
SET pg_infer.max_in_flight = 8;
SELECT sum(infer_nest_f(infer_nest_f(x) + 1)) FROM infer_nest;
RESET pg_infer.max_in_flight;

-- a correlated subquery with its own batch scan, run once per outer row
-- while the outer batch scan has requests in flight
SELECT sum(infer_nest_f(o.x) + (SELECT sum(infer_nest_f(n.x)) FROM infer_nest n
								WHERE n.i <= o.i % 7 + 1))
FROM infer_nest o WHERE o.i <= 100;
SELECT o.i, infer_nest_f(o.x) AS f,
	(SELECT sum(infer_nest_f(n.x)) FROM infer_nest n WHERE n.i <= o.i) AS s
FROM infer_nest o WHERE o.i <= 4 ORDER BY o.i;

-- every row was sent once per call (the endpoint and our statistics agree)
SELECT * FROM infer_test_counts(:'endpoint', 'echo-nested');

RESET statement_timeout;
RESET pg_infer.batch_size;
DROP TABLE infer_nest;
DROP FUNCTION infer_nest_f;
