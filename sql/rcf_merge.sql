--
-- rcf_merge: forests trained on disjoint parts of the data merged into the
-- forest of one training over all of it, reservoirs weighted by the rows
-- each part saw; errors for models that cannot merge
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_infer;
RESET client_min_messages;

-- part a: 40,000 points near the origin; part b: 10,000 points near 100
CREATE TABLE rcf_merge_a AS
SELECT i, ARRAY[sin(i * 0.37) + (i % 7) * 0.01, cos(i * 0.37)] AS p
FROM generate_series(1, 40000) AS i;
CREATE TABLE rcf_merge_b AS
SELECT i, ARRAY[100 + sin(i * 0.37), 100 + cos(i * 0.37) + (i % 11) * 0.01] AS p
FROM generate_series(1, 10000) AS i;

CREATE TABLE rcf_merge_parts AS
SELECT 'a' AS part, rcf_train(p) AS m FROM rcf_merge_a
UNION ALL
SELECT 'b', rcf_train(p) FROM rcf_merge_b;
CREATE TABLE rcf_merge_models AS
SELECT 'merged' AS model, rcf_merge(m ORDER BY part) AS m FROM rcf_merge_parts
UNION ALL
SELECT 'whole', rcf_train(p)
FROM (SELECT p FROM rcf_merge_a UNION ALL SELECT p FROM rcf_merge_b) AS s;

-- the shape of one training over all 50,000 rows
SELECT model, i.trees, i.sample_size, i.dimensions, i.samples, i.points_seen
FROM rcf_merge_models, rcf_info(m) AS i ORDER BY model;

-- each part's share of the sample follows its rows: 1/5 from b
-- (25,600 points: 5,120 expected, the sd of a binomial is 64)
CREATE FUNCTION rcf_merge_from_b(m rcf_model) RETURNS bigint LANGUAGE sql AS $$
	SELECT count(*) FROM jsonb_array_elements(m::text::jsonb -> 'samples') AS tree,
		jsonb_array_elements(tree) AS point
	WHERE (point ->> 0)::float8 > 50 $$;
SELECT model, rcf_merge_from_b(m) BETWEEN 5120 - 320 AND 5120 + 320 AS share_of_b
FROM rcf_merge_models ORDER BY model;

-- scores agree with the whole model's: inliers of either part near 1, the
-- point between the parts far out; mean difference over all points small
SELECT model, round(rcf_score(m, ARRAY[0.5, 0.5])::numeric, 0) AS inlier_a,
       round(rcf_score(m, ARRAY[100.5, 100.5])::numeric, 0) AS inlier_b,
       rcf_score(m, ARRAY[50.0, 50.0]) > 3 AS outlier
FROM rcf_merge_models ORDER BY model;
SELECT avg(abs(rcf_score(mm.m, s.p) - rcf_score(w.m, s.p))) < 0.1 AS close
FROM (SELECT p FROM rcf_merge_a WHERE i % 100 = 0
      UNION ALL SELECT p FROM rcf_merge_b WHERE i % 100 = 0) AS s,
     rcf_merge_models mm, rcf_merge_models w
WHERE mm.model = 'merged' AND w.model = 'whole';

-- parts smaller than the sample keep all their points
SELECT i.samples, i.points_seen
FROM (SELECT rcf_merge(m) AS m
      FROM (SELECT rcf_train(p) AS m FROM rcf_merge_a WHERE i <= 100
            UNION ALL
            SELECT rcf_train(p) FROM rcf_merge_b WHERE i <= 50) AS s) AS x,
     rcf_info(x.m) AS i;

-- one model merges into itself unchanged; NULL models are skipped
SELECT rcf_merge(m)::bytea = (SELECT m::bytea FROM rcf_merge_parts WHERE part = 'a') AS same
FROM rcf_merge_parts WHERE part = 'a';
SELECT rcf_merge(m)::bytea = (SELECT m::bytea FROM rcf_merge_parts WHERE part = 'a') AS same
FROM (SELECT m FROM rcf_merge_parts WHERE part = 'a' UNION ALL SELECT NULL) AS s;
SELECT rcf_merge(NULL::rcf_model) IS NULL AS all_null;

-- in a parallel plan: partial merges in the workers, combined
CREATE TABLE rcf_merge_many AS
SELECT k, rcf_train(p, '{"trees": 20}') AS m
FROM (SELECT i % 8 AS k, p FROM rcf_merge_a) AS s GROUP BY k;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT rcf_merge(m) FROM rcf_merge_many;
SELECT i.trees, i.samples, i.points_seen
FROM (SELECT rcf_merge(m) AS m FROM rcf_merge_many) AS x, rcf_info(x.m) AS i;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;

-- errors (serial plans: models arrive in one order): different shapes, different seeds, time decay, damaged bytes
SELECT rcf_merge(m) FROM (SELECT m FROM rcf_merge_parts WHERE part = 'a'
                          UNION ALL SELECT m FROM rcf_merge_many WHERE k = 0) AS s;
SELECT rcf_merge(m) FROM (SELECT m FROM rcf_merge_parts WHERE part = 'a'
                          UNION ALL SELECT rcf_train(p, '{"seed": 7}') FROM rcf_merge_b) AS s;
SELECT rcf_merge(m) FROM (SELECT rcf_train(p, '{"time_decay": 0.001}') AS m FROM rcf_merge_b) AS s;
SELECT rcf_merge('\x00'::bytea::rcf_model);
-- the next query works
SELECT i.points_seen FROM (SELECT rcf_merge(m) AS m FROM rcf_merge_parts) AS x,
     rcf_info(x.m) AS i;

DROP FUNCTION rcf_merge_from_b(rcf_model);
DROP TABLE rcf_merge_a, rcf_merge_b, rcf_merge_parts, rcf_merge_models, rcf_merge_many;
