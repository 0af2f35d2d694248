--
-- rcf_score and rcf_attribution batched: the plan's batch node (the one that
-- batches SageMaker calls) collects rows in chunks and scores each chunk
-- tree by tree, with the very results of row-by-row calls
-- (pg_infer.batching = off), in the select list, in a filter, in aggregate
-- arguments, serial and parallel; several models in one chunk; NULLs;
-- errors; LIMIT and cursors
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_infer;
RESET client_min_messages;

CREATE TABLE rcf_batch_points (i int, p float8[]);
INSERT INTO rcf_batch_points
SELECT i, CASE WHEN i % 997 = 0 THEN NULL
               ELSE ARRAY[sin(i * 0.37), cos(i * 0.37) + (i % 11) * 0.01,
                          CASE WHEN i % 1500 = 0 THEN 9.0 ELSE ((i * 7919) % 1000) / 1000.0 END]
          END
FROM generate_series(1, 3000) AS i;
ANALYZE rcf_batch_points;
CREATE TABLE rcf_batch_model AS
SELECT k, rcf_train(p, jsonb_build_object('trees', 20 + 10 * k, 'seed', k)) AS m
FROM rcf_batch_points, generate_series(0, 1) AS k GROUP BY k;
ANALYZE rcf_batch_model;

-- the plans: a Local Batch node under the aggregate, above the select
-- list's node (a filter that the planner makes an inner join's condition is
-- batched by the same node)
SET max_parallel_workers_per_gather = 0;
EXPLAIN (COSTS OFF)
SELECT sum(rcf_score(m, p)) FROM rcf_batch_points, rcf_batch_model WHERE k = 0;
EXPLAIN (COSTS OFF)
SELECT i, rcf_score(m, p), rcf_attribution(m, p) FROM rcf_batch_points, rcf_batch_model
WHERE k = 0 AND rcf_score(m, p) > 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF)
SELECT sum(rcf_score(m, p)) FROM rcf_batch_points, rcf_batch_model WHERE k = 0;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;

-- every row's score and attribution, batched and row by row: the same bits;
-- the rows alternate between the two models (k = i % 2)
CREATE TABLE rcf_batch_on AS
SELECT i, rcf_score(m, p) AS s, rcf_attribution(m, p)::text AS a
FROM rcf_batch_points JOIN rcf_batch_model ON k = i % 2;
SET pg_infer.batching = off;
EXPLAIN (COSTS OFF)
SELECT i, rcf_score(m, p) FROM rcf_batch_model,
     LATERAL (SELECT i, p FROM rcf_batch_points WHERE i % 2 = k OFFSET 0) AS r;
-- (row by row, a function keeps one decoded model: rows grouped by model)
CREATE TABLE rcf_batch_off AS
SELECT i, rcf_score(m, p) AS s, rcf_attribution(m, p)::text AS a
FROM rcf_batch_model,
     LATERAL (SELECT i, p FROM rcf_batch_points WHERE i % 2 = k OFFSET 0) AS r;
RESET pg_infer.batching;
SELECT count(*) AS rows, count(b.s) AS scored,
       count(*) FILTER (WHERE b.s = o.s) AS same_score,
       count(*) FILTER (WHERE b.a = o.a) AS same_attribution,
       count(*) FILTER (WHERE b.s IS NULL AND o.s IS NULL) AS both_null
FROM rcf_batch_on b JOIN rcf_batch_off o USING (i);
-- the planted points, through a filter and an aggregate
SELECT i, round(s::numeric, 6) = round(rcf_score(m, p)::numeric, 6) AS same
FROM rcf_batch_points JOIN rcf_batch_model ON k = i % 2 JOIN rcf_batch_on USING (i)
WHERE rcf_score(m, p) > 2.5 ORDER BY i;
SELECT k, count(*) FILTER (WHERE rcf_score(m, p) > 2.5) AS high,
       abs(sum(rcf_score(m, p)) - (SELECT sum(s) FROM rcf_batch_off WHERE i % 2 = k))
         < 1e-9 * sum(rcf_score(m, p)) AS same_sum
FROM rcf_batch_points JOIN rcf_batch_model ON k = i % 2 GROUP BY k ORDER BY k;
SELECT k, count(*) FILTER (WHERE rcf_score(m, p) > 2.5)
FROM rcf_batch_points, rcf_batch_model GROUP BY k ORDER BY k;

-- an inner join's condition is batched, an outer join's stays per row (it
-- decides which rows are null-extended), and an inner join that stops at an
-- outer row's first match keeps its condition too; all give the rows of
-- row-by-row scoring
EXPLAIN (COSTS OFF)
SELECT count(*) FROM rcf_batch_points JOIN rcf_batch_model ON k = 0 AND rcf_score(m, p) > 1;
EXPLAIN (COSTS OFF)
SELECT count(*) FROM rcf_batch_points LEFT JOIN rcf_batch_model ON k = 0 AND rcf_score(m, p) > 1;
CREATE UNIQUE INDEX rcf_batch_model_k ON rcf_batch_model (k);
EXPLAIN (COSTS OFF)
SELECT count(*) FROM rcf_batch_points JOIN rcf_batch_model ON k = i % 2 AND rcf_score(m, p) > 1;
DROP INDEX rcf_batch_model_k;
CREATE FUNCTION rcf_batch_joins() RETURNS TABLE (inner_rows bigint, inner_sum bigint,
	outer_rows bigint, outer_matched bigint, outer_sum bigint) LANGUAGE sql AS $$
	SELECT (SELECT count(*) FROM rcf_batch_points JOIN rcf_batch_model
	        ON k = 0 AND rcf_score(m, p) > 1),
	       (SELECT sum(i) FROM rcf_batch_points JOIN rcf_batch_model
	        ON k = 0 AND rcf_score(m, p) > 1),
	       count(*), count(k), sum(i) FILTER (WHERE k IS NOT NULL)
	FROM rcf_batch_points LEFT JOIN rcf_batch_model ON k = 0 AND rcf_score(m, p) > 1
$$;
SELECT * FROM rcf_batch_joins();
SET pg_infer.batching = off;
SELECT * FROM rcf_batch_joins();
RESET pg_infer.batching;
DROP FUNCTION rcf_batch_joins();

-- LIMIT reads no more rows than it needs; a scrolling cursor goes back
EXPLAIN (COSTS OFF)
SELECT rcf_score(m, p) FROM rcf_batch_points, rcf_batch_model WHERE k = 1 LIMIT 3;
SELECT i, rcf_score(m, p) = s AS same
FROM rcf_batch_points JOIN rcf_batch_model ON k = i % 2 JOIN rcf_batch_on USING (i)
ORDER BY i LIMIT 3;
BEGIN;
DECLARE rcf_batch_cursor SCROLL CURSOR FOR
SELECT i, rcf_score(m, p) AS s FROM rcf_batch_points, rcf_batch_model WHERE k = 0 ORDER BY i;
FETCH 2 FROM rcf_batch_cursor;
FETCH BACKWARD 1 FROM rcf_batch_cursor;
COMMIT;
-- the same through an inner join's condition (batched above the join)
BEGIN;
DECLARE rcf_batch_join_cursor SCROLL CURSOR FOR
SELECT i, rcf_score(m, p) = s AS same
FROM rcf_batch_points JOIN rcf_batch_model ON k = 0 AND rcf_score(m, p) > 2.5
     JOIN rcf_batch_on USING (i) ORDER BY i;
FETCH 3 FROM rcf_batch_join_cursor;
FETCH BACKWARD 2 FROM rcf_batch_join_cursor;
FETCH ABSOLUTE -1 FROM rcf_batch_join_cursor;
COMMIT;

-- a join condition with a call under CASE and a call inside a call's
-- arguments (points without NULLs): the plan, and the rows of row-by-row
-- scoring
EXPLAIN (COSTS OFF)
SELECT count(*) FROM rcf_batch_points JOIN rcf_batch_model
  ON k = 0 AND CASE WHEN i % 3 = 0 THEN rcf_score(m, p) > 1.5 ELSE true END
     AND rcf_score(m, ARRAY[rcf_score(m, p), p[2], p[3]]) > 1
WHERE p IS NOT NULL;
CREATE FUNCTION rcf_batch_join_forms() RETURNS TABLE (rows bigint, sum_i bigint)
LANGUAGE sql AS $$
	SELECT count(*), sum(i) FROM rcf_batch_points JOIN rcf_batch_model
	  ON k = 0 AND CASE WHEN i % 3 = 0 THEN rcf_score(m, p) > 1.5 ELSE true END
	     AND rcf_score(m, ARRAY[rcf_score(m, p), p[2], p[3]]) > 1
	WHERE p IS NOT NULL
$$;
SELECT * FROM rcf_batch_join_forms();
SET pg_infer.batching = off;
SELECT * FROM rcf_batch_join_forms();
RESET pg_infer.batching;
DROP FUNCTION rcf_batch_join_forms();

-- errors are those of the row-by-row functions, and the next query works
SELECT rcf_score(m, CASE WHEN i = 2321 THEN ARRAY[1.0, 2.0] ELSE p END)
FROM rcf_batch_points, rcf_batch_model WHERE k = 0;
SELECT rcf_attribution(m, CASE WHEN i = 17 THEN ARRAY[1.0, 'NaN', 2.0] ELSE p END)
FROM rcf_batch_points, rcf_batch_model WHERE k = 0;
SELECT rcf_score(CASE WHEN i = 30 THEN set_byte(m::bytea, 0, 0)::rcf_model ELSE m END, p)
FROM rcf_batch_points, rcf_batch_model WHERE k = 0;
SELECT count(rcf_score(m, p)) FROM rcf_batch_points, rcf_batch_model;

DROP TABLE rcf_batch_points, rcf_batch_model, rcf_batch_on, rcf_batch_off;
