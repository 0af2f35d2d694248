--
-- rcf_score and rcf_attribution: inliers, outliers, bad points, NULLs and
-- the split of the score per dimension
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_infer;
RESET client_min_messages;

-- 2000 points spread evenly over the square [0, 1] x [0, 1]
CREATE TABLE rcf_score_points AS
SELECT i, ARRAY[(i % 50) / 50.0, (i / 50) / 40.0]::float8[] AS p
FROM generate_series(0, 1999) AS i;
CREATE TABLE rcf_score_model AS
SELECT rcf_train(p) AS m FROM rcf_score_points;

-- inliers score near 1 on average; points far outside score much higher
SELECT round(avg(rcf_score(m, p))::numeric, 1) AS mean_inlier_score,
       max(rcf_score(m, p)) < 2 AS no_inlier_above_2
FROM rcf_score_points, rcf_score_model;
SELECT label, rcf_score(m, p) > 3 AS above_3
FROM rcf_score_model,
     (VALUES ('far right', ARRAY[10.0, 0.5]::float8[]),
             ('far below', ARRAY[0.5, -10.0]),
             ('far corner', ARRAY[-20.0, 20.0])) AS v(label, p)
ORDER BY label;
-- the further out, the higher (until the score saturates)
SELECT rcf_score(m, ARRAY[0.5, 0.5]) < rcf_score(m, ARRAY[1.5, 0.5])
       AND rcf_score(m, ARRAY[1.5, 0.5]) <= rcf_score(m, ARRAY[100.0, 0.5])
         AS increasing_with_distance
FROM rcf_score_model;
-- scores stay within about 0 .. log2(sample size)
SELECT rcf_score(m, ARRAY[1e6, -1e6]) BETWEEN 0 AND log(2, 256) + 1 AS bounded
FROM rcf_score_model;
-- scoring is deterministic
SELECT rcf_score(m, ARRAY[3.0, 3.0]) = rcf_score(m, ARRAY[3.0, 3.0]) AS repeatable
FROM rcf_score_model;

-- NULL model or NULL point: NULL (the functions are strict)
SELECT rcf_score(NULL, ARRAY[1.0, 2.0]) IS NULL AS null_model,
       rcf_score(m, NULL) IS NULL AS null_point,
       rcf_attribution(m, NULL) IS NULL AS null_attribution
FROM rcf_score_model;

-- bad points
SELECT rcf_score(m, ARRAY[1.0]) FROM rcf_score_model;
SELECT rcf_score(m, ARRAY[1.0, 2.0, 3.0]) FROM rcf_score_model;
SELECT rcf_score(m, '{}') FROM rcf_score_model;
SELECT rcf_score(m, '{{1, 2}, {3, 4}}') FROM rcf_score_model;
SELECT rcf_score(m, ARRAY[1.0, NULL]) FROM rcf_score_model;
SELECT rcf_score(m, ARRAY['NaN'::float8, 1.0]) FROM rcf_score_model;
SELECT rcf_score(m, ARRAY[1.0, '-Infinity'::float8]) FROM rcf_score_model;
SELECT rcf_attribution(m, ARRAY[1.0, 2.0, 3.0]) FROM rcf_score_model;
SELECT rcf_attribution(m, ARRAY[1.0, 'NaN'::float8]) FROM rcf_score_model;
-- the error stops the query on the row that has it
SELECT i, rcf_score(m, p)
FROM rcf_score_model,
     (VALUES (1, ARRAY[0.5, 0.5]::float8[]), (2, ARRAY[0.5])) AS v(i, p);

-- attribution: two arrays of one value per dimension that sum to the score
SELECT array_length(high, 1) AS high_length, array_length(low, 1) AS low_length
FROM rcf_score_model, rcf_attribution(m, ARRAY[0.5, 0.5]);
SELECT label,
       abs(a.high[1] + a.high[2] + a.low[1] + a.low[2] - rcf_score(m, p)) < 1e-9
         AS sums_to_score,
       a.high[1] >= 0 AND a.high[2] >= 0 AND a.low[1] >= 0 AND a.low[2] >= 0
         AS non_negative
FROM rcf_score_model,
     (VALUES ('inside', ARRAY[0.5, 0.5]::float8[]),
             ('above in 1', ARRAY[10.0, 0.5]),
             ('below in 2', ARRAY[0.5, -10.0]),
             ('corner', ARRAY[3.0, 3.0])) AS v(label, p),
     LATERAL rcf_attribution(m, p) AS a
ORDER BY label;
-- the direction: far above in dimension 1 puts most of the score in high[1];
-- far below in dimension 2 puts it in low[2]
SELECT high[1] > 0.9 * (high[1] + high[2] + low[1] + low[2]) AS high_1_dominant
FROM rcf_score_model, rcf_attribution(m, ARRAY[10.0, 0.5]);
SELECT low[2] > 0.9 * (high[1] + high[2] + low[1] + low[2]) AS low_2_dominant
FROM rcf_score_model, rcf_attribution(m, ARRAY[0.5, -10.0]);
-- a point out in both dimensions shares the score between high[1] and high[2]
SELECT high[1] > 0.25 * rcf_score(m, ARRAY[3.0, 3.0]) AND
       high[2] > 0.25 * rcf_score(m, ARRAY[3.0, 3.0]) AS shared,
       low[1] + low[2] < 0.1 * rcf_score(m, ARRAY[3.0, 3.0]) AS little_below
FROM rcf_score_model, rcf_attribution(m, ARRAY[3.0, 3.0]);

-- one model scoring many rows, and several models in one query (each row
-- scored against its own model)
SELECT count(*) FILTER (WHERE rcf_score(m, p) > 0) AS scored
FROM rcf_score_points, rcf_score_model;
SELECT k, rcf_score(m, ARRAY[10.0, 0.5]) > 2 AS outlier,
       rcf_score(m, ARRAY[10.0, 0.5]) = rcf_score(m::text::rcf_model, ARRAY[10.0, 0.5])
         AS own_model
FROM (SELECT k, rcf_train(p, jsonb_build_object('seed', k, 'trees', 20)) AS m
      FROM rcf_score_points, generate_series(1, 3) AS k GROUP BY k) AS models
ORDER BY k;

DROP TABLE rcf_score_points, rcf_score_model;
