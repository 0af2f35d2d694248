--
-- rcf_stream_score: a window function scoring a series row by row against
-- a forest of the rows before, with shingles, warm-up and partitions
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_infer;
RESET client_min_messages;

-- a steady periodic series of 1000 points with one spike at t = 700
CREATE TABLE rcf_stream_series AS
SELECT t, CASE WHEN t = 700 THEN 25.0 ELSE 10 + 2 * sin(t * 2 * pi() / 50) END AS v
FROM generate_series(1, 1000) AS t;

-- the spike gets the top score
SELECT t, round(v::numeric, 1) AS v
FROM (SELECT t, v, rcf_stream_score(v) OVER (ORDER BY t) AS score
      FROM rcf_stream_series) AS s
WHERE score IS NOT NULL
ORDER BY score DESC LIMIT 1;
-- and it stands apart from the scores of the steady part after warm-up
SELECT max(score) FILTER (WHERE t = 700) >
         2 * max(score) FILTER (WHERE t BETWEEN 300 AND 699) AS spike_stands_out
FROM (SELECT t, rcf_stream_score(v) OVER (ORDER BY t) AS score
      FROM rcf_stream_series) AS s;

-- warm-up: NULL for the first sample_size / 4 = 64 rows by default
SELECT count(*) FILTER (WHERE score IS NULL) AS null_scores,
       min(t) FILTER (WHERE score IS NOT NULL) AS first_scored
FROM (SELECT t, rcf_stream_score(v) OVER (ORDER BY t) AS score
      FROM rcf_stream_series) AS s;
-- an explicit warm-up, and the default following the sample size
SELECT count(*) FILTER (WHERE score IS NULL) AS null_scores
FROM (SELECT rcf_stream_score(v, '{"warmup": 10}') OVER (ORDER BY t) AS score
      FROM rcf_stream_series) AS s;
SELECT count(*) FILTER (WHERE score IS NULL) AS null_scores
FROM (SELECT rcf_stream_score(v, '{"sample_size": 40}') OVER (ORDER BY t) AS score
      FROM rcf_stream_series) AS s;
SELECT count(*) FILTER (WHERE score IS NULL) AS null_scores,
       min(score) AS first_score_is_0
FROM (SELECT t, rcf_stream_score(v, '{"warmup": 0}') OVER (ORDER BY t) AS score
      FROM rcf_stream_series WHERE t <= 1) AS s;

-- shingles: the first shingle is full on row shingle_size; with warm-up 0,
-- rows before that are NULL
SELECT t, score IS NULL AS is_null
FROM (SELECT t, rcf_stream_score(v, '{"shingle_size": 4, "warmup": 0}')
                  OVER (ORDER BY t) AS score
      FROM rcf_stream_series) AS s
WHERE t <= 6 ORDER BY t;
-- with warm-up 5 and shingles of 4, rows 1 .. 3 + 5 are NULL
SELECT count(*) FILTER (WHERE score IS NULL) AS null_scores
FROM (SELECT rcf_stream_score(v, '{"shingle_size": 4, "warmup": 5}')
               OVER (ORDER BY t) AS score
      FROM rcf_stream_series) AS s;
-- shingles catch a break in the shape that a single value hides: the series
-- repeats, but at t = 700 one period is played backwards (same values)
CREATE TABLE rcf_stream_shape AS
SELECT t, 10 + 2 * sin((CASE WHEN t BETWEEN 700 AND 724 THEN 1424 - t ELSE t END)
                       * 2 * pi() / 25) AS v
FROM generate_series(1, 1000) AS t;
SELECT max(score) FILTER (WHERE t BETWEEN 700 AND 730) >
         1.5 * max(score) FILTER (WHERE t BETWEEN 300 AND 690) AS shingled_finds_it
FROM (SELECT t, rcf_stream_score(v, '{"shingle_size": 8}') OVER (ORDER BY t) AS score
      FROM rcf_stream_shape) AS s;

-- the float8[] variant: several values per row; one value in an array is the
-- same as the float8 variant
SELECT bool_and(a IS NOT DISTINCT FROM b) AS same_scores
FROM (SELECT rcf_stream_score(v) OVER (ORDER BY t) AS a,
             rcf_stream_score(ARRAY[v]) OVER (ORDER BY t) AS b
      FROM rcf_stream_series) AS s;
SELECT t
FROM (SELECT t, rcf_stream_score(ARRAY[v, (t % 10)::float8]) OVER (ORDER BY t) AS score
      FROM rcf_stream_series) AS s
WHERE score IS NOT NULL
ORDER BY score DESC LIMIT 1;
-- shingles of arrays
SELECT count(*) FILTER (WHERE score IS NULL) AS null_scores,
       count(*) AS rows
FROM (SELECT rcf_stream_score(ARRAY[v, v * 2], '{"shingle_size": 3, "warmup": 2}')
               OVER (ORDER BY t) AS score
      FROM rcf_stream_series) AS s;

-- the same options and order give the same scores
SELECT bool_and(a IS NOT DISTINCT FROM b) AS reproducible
FROM (SELECT rcf_stream_score(v, '{"seed": 3}') OVER (ORDER BY t) AS a,
             rcf_stream_score(v, '{"seed": 3}') OVER (ORDER BY t) AS b
      FROM rcf_stream_series) AS s;

-- PARTITION BY: one forest per partition, each as if alone
CREATE TABLE rcf_stream_two AS
SELECT k, t, CASE WHEN k = 1 THEN v ELSE 100 - v END AS v
FROM rcf_stream_series, generate_series(1, 2) AS k;
SELECT bool_and(together IS NOT DISTINCT FROM alone) AS independent
FROM (SELECT k, t, rcf_stream_score(v) OVER (PARTITION BY k ORDER BY t) AS together
      FROM rcf_stream_two) AS a
JOIN (SELECT 1 AS k, t, rcf_stream_score(v) OVER (ORDER BY t) AS alone
      FROM rcf_stream_two WHERE k = 1
      UNION ALL
      SELECT 2, t, rcf_stream_score(v) OVER (ORDER BY t)
      FROM rcf_stream_two WHERE k = 2) AS b USING (k, t);
SELECT k, count(*) FILTER (WHERE score IS NULL) AS null_scores
FROM (SELECT k, rcf_stream_score(v) OVER (PARTITION BY k ORDER BY t) AS score
      FROM rcf_stream_two) AS s
GROUP BY k ORDER BY k;

-- NULL rows score NULL and are skipped
SELECT count(*) FILTER (WHERE score IS NULL) AS null_scores
FROM (SELECT rcf_stream_score(CASE WHEN t % 100 = 0 THEN NULL ELSE v END,
                              '{"warmup": 0}') OVER (ORDER BY t) AS score
      FROM rcf_stream_series) AS s;

-- errors
SELECT rcf_stream_score(CASE WHEN t = 50 THEN 'NaN' ELSE v END) OVER (ORDER BY t)
FROM rcf_stream_series;
SELECT rcf_stream_score(CASE WHEN t = 50 THEN 'Infinity' ELSE v END) OVER (ORDER BY t)
FROM rcf_stream_series;
SELECT rcf_stream_score(ARRAY[v, CASE WHEN t = 50 THEN 'NaN'::float8 ELSE 0 END]) OVER (ORDER BY t)
FROM rcf_stream_series;
SELECT rcf_stream_score(CASE WHEN t < 50 THEN ARRAY[v] ELSE ARRAY[v, v] END)
         OVER (ORDER BY t)
FROM rcf_stream_series;
SELECT rcf_stream_score(ARRAY[v, NULL]) OVER (ORDER BY t) FROM rcf_stream_series;
SELECT rcf_stream_score('{}'::float8[]) OVER (ORDER BY t) FROM rcf_stream_series;
SELECT rcf_stream_score(v, '{"shingle_size": 0}') OVER (ORDER BY t) FROM rcf_stream_series;
SELECT rcf_stream_score(v, '{"warmup": -1}') OVER (ORDER BY t) FROM rcf_stream_series;
SELECT rcf_stream_score(v, '{"trees": 0}') OVER (ORDER BY t) FROM rcf_stream_series;
SELECT rcf_stream_score(v, '{"window": 10}') OVER (ORDER BY t) FROM rcf_stream_series;
SELECT rcf_stream_score(v, '[]') OVER (ORDER BY t) FROM rcf_stream_series;
-- 300 values per row in shingles of 4 are 1200 dimensions, too many
SELECT rcf_stream_score(array_fill(1.0::float8, ARRAY[300]), '{"shingle_size": 4}')
         OVER (ORDER BY t)
FROM rcf_stream_series;
-- options that change after the first row of a partition (each partition
-- may have its own)
SELECT rcf_stream_score(v, jsonb_build_object('seed', t)) OVER (ORDER BY t)
FROM rcf_stream_series;
SELECT rcf_stream_score(v, CASE WHEN t > 10 THEN '{"seed": 1}'::jsonb END)
         OVER (ORDER BY t)
FROM rcf_stream_series;
SELECT count(s) AS scored
FROM (SELECT rcf_stream_score(v, jsonb_build_object('seed', t % 2))
               OVER (PARTITION BY t % 2 ORDER BY t) AS s
      FROM rcf_stream_series) AS q;
-- a window function needs OVER
SELECT rcf_stream_score(v) FROM rcf_stream_series;

-- the session still works
SELECT count(score) AS scored
FROM (SELECT rcf_stream_score(v) OVER (ORDER BY t) AS score FROM rcf_stream_series) AS s;

DROP TABLE rcf_stream_series, rcf_stream_shape, rcf_stream_two;
