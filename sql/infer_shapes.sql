--
-- Calls in the plan shapes PostgreSQL's own nodes handle: CASE and
-- COALESCE (a branch not taken sends nothing), parallel plans (batched
-- above the Gather), and cursors (FETCH BACKWARD as without batching).
--
\i test/sql/infer_setup.sql
\set VERBOSITY default

CREATE TABLE infer_shape (i int, x float8);
INSERT INTO infer_shape SELECT i, i FROM generate_series(1, 1000) i;
ANALYZE infer_shape;
CREATE FUNCTION infer_case_f(x float8) RETURNS float8
	LANGUAGE sagemaker AS 'echo-case';
SET pg_infer.batch_size = 100;

--
-- CASE in the select list and WHERE: planned, and only the rows whose
-- branch is taken are sent (row by row: such calls are not batched)
--
SELECT infer_test_reset(:'endpoint');
EXPLAIN (COSTS OFF)
SELECT i, CASE WHEN i % 2 = 0 THEN infer_case_f(x) END FROM infer_shape;
SELECT i, CASE WHEN i % 2 = 0 THEN infer_case_f(x) END AS f
FROM infer_shape WHERE i <= 4 ORDER BY i;
SELECT * FROM infer_test_counts(:'endpoint', 'echo-case');
SELECT count(*) FROM infer_shape
WHERE CASE WHEN i <= 3 THEN infer_case_f(x) > 1 ELSE false END;
SELECT * FROM infer_test_counts(:'endpoint', 'echo-case');
-- a call in the first condition is made for every row, so it is batched;
-- the one in the result only for the rows where the condition holds
SELECT infer_test_reset(:'endpoint');
SELECT sum(CASE WHEN infer_case_f(x) > 995 THEN infer_case_f(x + 1000) ELSE 0 END)
FROM infer_shape;
SELECT * FROM infer_test_counts(:'endpoint', 'echo-case');
-- the simple form (CASE x WHEN ...), ELSE, and COALESCE
SELECT infer_test_reset(:'endpoint');
SELECT i, CASE i % 3 WHEN 0 THEN infer_case_f(x) WHEN 1 THEN -1 ELSE infer_case_f(-x) END AS f,
	coalesce(CASE WHEN i > 2 THEN x END, infer_case_f(x + 0.5)) AS c
FROM infer_shape WHERE i <= 4 ORDER BY i;
SELECT * FROM infer_test_counts(:'endpoint', 'echo-case');
-- in aggregate arguments
SELECT infer_test_reset(:'endpoint');
SELECT sum(CASE WHEN i > 990 THEN infer_case_f(x) END), avg(infer_case_f(x))
FROM infer_shape;
SELECT * FROM infer_test_counts(:'endpoint', 'echo-case');

--
-- Parallel plans: sagemaker_infer (PARALLEL RESTRICTED) is evaluated by
-- the leader, batched above the Gather: ceil(1000 / 100) requests
--
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
SELECT infer_test_reset(:'endpoint');
EXPLAIN (COSTS OFF)
SELECT i, sagemaker_infer('echo-parallel', x) FROM infer_shape WHERE i % 7 <> 0;
SELECT count(*), sum((r #>> '{}')::float8)
FROM (SELECT sagemaker_infer('echo-parallel', x) AS r FROM infer_shape) s;
SELECT * FROM infer_test_counts(:'endpoint', 'echo-parallel');
-- Gather Merge keeps its order
EXPLAIN (COSTS OFF)
SELECT i, sagemaker_infer('echo-parallel', x) FROM infer_shape ORDER BY i;
SELECT i, sagemaker_infer('echo-parallel', x) FROM infer_shape ORDER BY i LIMIT 3;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;

--
-- Cursors: a cursor declared without SCROLL can go back as it can without
-- batching (a Material node keeps the rows); NO SCROLL cannot, as for
-- PostgreSQL's own nodes
--
SELECT infer_test_reset(:'endpoint');
BEGIN;
DECLARE infer_cur CURSOR FOR
	SELECT i, infer_case_f(x) AS f FROM infer_shape WHERE i <= 250 ORDER BY i;
FETCH 3 FROM infer_cur;
FETCH BACKWARD 2 FROM infer_cur;
FETCH ABSOLUTE 250 FROM infer_cur;
FETCH BACKWARD 1 FROM infer_cur;
COMMIT;
SELECT * FROM infer_test_counts(:'endpoint', 'echo-case');
EXPLAIN (COSTS OFF) DECLARE c CURSOR FOR SELECT i, infer_case_f(x) FROM infer_shape;
BEGIN;
DECLARE infer_scroll SCROLL CURSOR FOR
	SELECT i, infer_case_f(x) AS f FROM infer_shape WHERE i <= 3;
FETCH LAST FROM infer_scroll;
FETCH PRIOR FROM infer_scroll;
COMMIT;
BEGIN;
DECLARE infer_noscroll NO SCROLL CURSOR FOR
	SELECT i, infer_case_f(x) AS f FROM infer_shape WHERE i <= 3;
FETCH 2 FROM infer_noscroll;
FETCH BACKWARD 1 FROM infer_noscroll;
ROLLBACK;
-- the same with batching off
SET pg_infer.batching = off;
BEGIN;
DECLARE infer_noscroll NO SCROLL CURSOR FOR
	SELECT i, infer_case_f(x) AS f FROM infer_shape WHERE i <= 3;
FETCH 2 FROM infer_noscroll;
FETCH BACKWARD 1 FROM infer_noscroll;
ROLLBACK;
RESET pg_infer.batching;

RESET pg_infer.batch_size;
DROP TABLE infer_shape;
DROP FUNCTION infer_case_f;
