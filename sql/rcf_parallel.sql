--
-- rcf_train in a parallel plan: partial aggregates in the workers, merged by
-- the combine function, give a model equivalent to the serial one
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_infer;
RESET client_min_messages;

-- 50,000 points on a deterministic curve with some spread, and 10 outliers
CREATE TABLE rcf_parallel_points (i int, p float8[]);
INSERT INTO rcf_parallel_points
SELECT i, ARRAY[sin(i * 0.37) + (i % 7) * 0.01, cos(i * 0.37) + (i % 11) * 0.01,
                ((i * 7919) % 1000) / 1000.0]
FROM generate_series(1, 50000) AS i;
INSERT INTO rcf_parallel_points
SELECT 100000 + k, ARRAY[5.0 + k, -5.0 - k, 3.0 * k]
FROM generate_series(1, 10) AS k;
ANALYZE rcf_parallel_points;

SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = on;

EXPLAIN (COSTS OFF)
SELECT rcf_train(p) FROM rcf_parallel_points;
EXPLAIN (COSTS OFF)
SELECT rcf_train(p, '{"trees": 50}') FROM rcf_parallel_points;

CREATE TABLE rcf_parallel_model AS
SELECT rcf_train(p) AS m FROM rcf_parallel_points;

-- the same training without workers
SET max_parallel_workers_per_gather = 0;
EXPLAIN (COSTS OFF)
SELECT rcf_train(p) FROM rcf_parallel_points;
CREATE TABLE rcf_serial_model AS
SELECT rcf_train(p) AS m FROM rcf_parallel_points;

-- the same shape: every row was seen once, every tree is full
SELECT s.trees = p.trees AS same_trees,
       s.sample_size = p.sample_size AS same_sample_size,
       s.dimensions = p.dimensions AS same_dimensions,
       s.samples = p.samples AS same_samples,
       s.points_seen = p.points_seen AS same_points_seen,
       p.points_seen AS points_seen,
       s.bytes = p.bytes AS same_bytes_count
FROM rcf_parallel_model pm, rcf_info(pm.m) AS p,
     rcf_serial_model sm, rcf_info(sm.m) AS s;

-- the same 10 outliers on top, under both models
SELECT (SELECT array_agg(i ORDER BY i)
        FROM (SELECT i FROM rcf_parallel_points, rcf_parallel_model
              ORDER BY rcf_score(m, p) DESC LIMIT 10) AS t) AS parallel_top,
       (SELECT array_agg(i ORDER BY i)
        FROM (SELECT i FROM rcf_parallel_points, rcf_serial_model
              ORDER BY rcf_score(m, p) DESC LIMIT 10) AS t) AS serial_top;

-- scores close point by point: a small mean absolute difference
SELECT avg(abs(rcf_score(pm.m, p) - rcf_score(sm.m, p))) < 0.05 AS mean_abs_diff_small,
       avg(rcf_score(pm.m, p)) BETWEEN 0.5 AND 1.5 AS parallel_mean_near_1,
       avg(rcf_score(sm.m, p)) BETWEEN 0.5 AND 1.5 AS serial_mean_near_1
FROM rcf_parallel_points, rcf_parallel_model pm, rcf_serial_model sm
WHERE i <= 50000;

-- options are carried through the parallel plan
SET max_parallel_workers_per_gather = 2;
SELECT trees, sample_size, seed, points_seen
FROM (SELECT rcf_train(p, '{"trees": 7, "sample_size": 16, "seed": 9}') AS m
      FROM rcf_parallel_points) AS t, rcf_info(m);
-- a parallel aggregate over no rows, and over NULL points only
SELECT rcf_train(p) IS NULL AS no_rows FROM rcf_parallel_points WHERE i < 0;
SELECT rcf_train(CASE WHEN i < 0 THEN p END) IS NULL AS only_nulls
FROM rcf_parallel_points;
-- an error raised in a worker reaches the client (the leader only gathers)
SET parallel_leader_participation = off;
SELECT rcf_train(CASE WHEN i = 30000 THEN ARRAY['NaN'::float8, 0, 0] ELSE p END)
FROM rcf_parallel_points;

-- a time decay so large that decay times the row number overflowed: the
-- parallel plan (serialised states) agrees with the serial one
SET parallel_leader_participation = on;
SELECT samples, points_seen
FROM (SELECT rcf_train(p, '{"time_decay": 1e308, "trees": 3}') AS m
      FROM rcf_parallel_points) AS t, rcf_info(m);
SET max_parallel_workers_per_gather = 0;
SELECT samples, points_seen
FROM (SELECT rcf_train(p, '{"time_decay": 1e308, "trees": 3}') AS m
      FROM rcf_parallel_points) AS t, rcf_info(m);
-- serially, such a decay keeps the newest points (the last outliers), so
-- the newest point scores lower than the first one
SELECT rcf_score(m, ARRAY[5.0 + 10, -5.0 - 10, 30.0]) <
       rcf_score(m, (SELECT p FROM rcf_parallel_points WHERE i = 1)) AS newest_kept
FROM (SELECT rcf_train(p, '{"time_decay": 1e308, "trees": 10, "sample_size": 4}'
                       ORDER BY i) AS m
      FROM rcf_parallel_points) AS t;

RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;
DROP TABLE rcf_parallel_points, rcf_parallel_model, rcf_serial_model;
