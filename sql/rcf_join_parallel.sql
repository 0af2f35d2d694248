--
-- Scoring in the join form users write, FROM t, m with a one-row model
-- table: a partial aggregate in the workers over a nested loop that
-- materialises the model (pg_infer's join path hook), the same result as
-- the serial plan, and no JIT for a plan whose work is one C call
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_infer;
RESET client_min_messages;

CREATE TABLE rcf_jp_points (i int, p float8[]);
INSERT INTO rcf_jp_points
SELECT i, ARRAY[sin(i * 0.37) + (i % 7) * 0.01, cos(i * 0.37) + (i % 11) * 0.01,
                ((i * 7919) % 1000) / 1000.0, CASE WHEN i % 5000 = 0 THEN 9.0 ELSE 0.5 END]
FROM generate_series(1, 20000) AS i;
ANALYZE rcf_jp_points;
CREATE TABLE rcf_jp_model AS SELECT rcf_train(p) AS m FROM rcf_jp_points;
ANALYZE rcf_jp_model;

SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;

-- the join form: Partial Aggregate below the Gather, the model materialised
EXPLAIN (COSTS OFF)
SELECT sum(rcf_score(m, p)) FROM rcf_jp_points, rcf_jp_model;
EXPLAIN (COSTS OFF)
SELECT sum((rcf_attribution(m, p)).high[4]) FROM rcf_jp_points, rcf_jp_model;
-- an explicit join and a filter take the same plan
EXPLAIN (COSTS OFF)
SELECT count(*) FROM rcf_jp_points JOIN rcf_jp_model ON true
WHERE rcf_score(m, p) > 3;
CREATE TABLE rcf_jp_parallel AS
SELECT sum(rcf_score(m, p)) AS s, count(*) FILTER (WHERE rcf_score(m, p) > 3) AS high
FROM rcf_jp_points, rcf_jp_model;

-- the hook's setting off: the join runs above the Gather, as before
SET pg_infer.parallel_nestloop_materialize = off;
EXPLAIN (COSTS OFF)
SELECT sum(rcf_score(m, p)) FROM rcf_jp_points, rcf_jp_model;
RESET pg_infer.parallel_nestloop_materialize;

-- serial: the same sum and the same planted points
SET max_parallel_workers_per_gather = 0;
CREATE TABLE rcf_jp_serial AS
SELECT sum(rcf_score(m, p)) AS s, count(*) FILTER (WHERE rcf_score(m, p) > 3) AS high
FROM rcf_jp_points, rcf_jp_model;
SELECT abs(p.s - s.s) < 1e-9 * s.s AS same_sum, p.high = s.high AS same_high, s.high
FROM rcf_jp_parallel p, rcf_jp_serial s;
RESET max_parallel_workers_per_gather;

-- a left join to an empty model table keeps every row (score NULL)
CREATE TABLE rcf_jp_none (m rcf_model);
ANALYZE rcf_jp_none;
SELECT count(*), count(rcf_score(m, p))
FROM rcf_jp_points LEFT JOIN rcf_jp_none ON true;

-- no JIT for 200,000 scores row by row (batching off): the plan's cost
-- stays under jit_above_cost, where the former COST 1000 crossed it
CREATE FUNCTION rcf_jp_jit(query text) RETURNS bool LANGUAGE plpgsql AS $$
DECLARE
	line text;
BEGIN
	FOR line IN EXECUTE 'EXPLAIN ' || query LOOP
		IF line LIKE 'JIT:%' THEN
			RETURN true;
		END IF;
	END LOOP;
	RETURN false;
END $$;
SET jit = on;
SET jit_above_cost = 100000;
SET pg_infer.batching = off;
SELECT rcf_jp_jit('SELECT sum(rcf_score(m, p)) FROM rcf_jp_model,
	(SELECT p FROM rcf_jp_points, generate_series(1, 10)) AS t') AS jit;
ALTER FUNCTION rcf_score(rcf_model, float8[]) COST 1000;
SELECT rcf_jp_jit('SELECT sum(rcf_score(m, p)) FROM rcf_jp_model,
	(SELECT p FROM rcf_jp_points, generate_series(1, 10)) AS t') AS jit_at_cost_1000;
ALTER FUNCTION rcf_score(rcf_model, float8[]) COST 100;
RESET pg_infer.batching;

-- batched, no JIT at any cost: the plan's time goes to the models' C code,
-- unless pg_infer.local_batch_jit is on; a plan without local models is
-- compiled at the same threshold (this needs PostgreSQL's JIT provider,
-- which Debian's package installs)
SET jit_above_cost = 0;
SELECT rcf_jp_jit('SELECT sum(p[1]) FROM rcf_jp_model, rcf_jp_points') AS plain,
       rcf_jp_jit('SELECT sum(rcf_score(m, p)) FROM rcf_jp_model, rcf_jp_points') AS batched,
       rcf_jp_jit('SELECT sum((rcf_attribution(m, p)).high[1]) FROM rcf_jp_model, rcf_jp_points') AS batched_attribution;
SET pg_infer.local_batch_jit = on;
SELECT rcf_jp_jit('SELECT sum(rcf_score(m, p)) FROM rcf_jp_model, rcf_jp_points') AS batched_jit_allowed;
RESET pg_infer.local_batch_jit;
RESET jit;
RESET jit_above_cost;

-- the costs as declared
SELECT proname, procost FROM pg_proc
WHERE proname IN ('rcf_score', 'rcf_attribution') ORDER BY proname;

DROP FUNCTION rcf_jp_jit(text);
DROP TABLE rcf_jp_points, rcf_jp_model, rcf_jp_parallel, rcf_jp_serial, rcf_jp_none;
