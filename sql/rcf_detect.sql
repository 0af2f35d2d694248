--
-- rcf_detect: the forest as a detector.  As a window function: decisions,
-- grade, learned threshold, expected values with bounds, attribution,
-- imputation of NULL rows, transforms and suppression; over a model: the
-- same record for one point.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_infer;
RESET client_min_messages;

-- two periodic series at very different levels, each with one spike
CREATE TABLE rcf_detect_series AS
SELECT s, t,
       CASE WHEN t = 700 THEN 25.0 ELSE 10 + 2 * sin(t * 2 * pi() / 50) END
         * CASE WHEN s = 'big' THEN 1000 ELSE 1 END AS v
FROM generate_series(1, 1000) AS t, (VALUES ('small'), ('big')) AS x(s);

-- the spike is the one anomaly of each series, with a grade above 0
SELECT s, t, round((d).grade::numeric, 1) > 0 AS graded
FROM (SELECT s, t, rcf_detect(v) OVER (PARTITION BY s ORDER BY t) AS d
      FROM rcf_detect_series) AS r
WHERE (d).is_anomaly ORDER BY s, t;

-- the record: NULL score until the first shingle (8 rows) meets a forest,
-- no decision before the warm-up of 32 scored rows; normal rows grade 0
SELECT min(t) FILTER (WHERE (d).score IS NOT NULL) AS first_scored,
       min(t) FILTER (WHERE (d).is_anomaly IS NOT NULL) AS first_decided,
       min(t) FILTER (WHERE (d).threshold IS NOT NULL) AS first_threshold,
       bool_and((d).grade = 0) FILTER (WHERE NOT (d).is_anomaly) AS normal_grade_0,
       bool_and((d).attribution IS NULL) FILTER (WHERE NOT (d).is_anomaly) AS no_attribution,
       bool_and(NOT (d).imputed) AS none_imputed
FROM (SELECT t, rcf_detect(v) OVER (ORDER BY t) AS d
      FROM rcf_detect_series WHERE s = 'small') AS r;

-- expected values track the series and lie within their bounds; the spike
-- lies far outside them
SELECT avg(abs((d).expected[1] - v)) FILTER (WHERE t BETWEEN 300 AND 690) < 0.5 AS tracks,
       bool_and((d).lower[1] <= (d).expected[1] AND (d).expected[1] <= (d).upper[1]) AS ordered,
       bool_and(v > (d).upper[1] + 10) FILTER (WHERE t = 700) AS spike_outside
FROM (SELECT t, v, rcf_detect(v) OVER (ORDER BY t) AS d
      FROM rcf_detect_series WHERE s = 'small') AS r;

-- the threshold is learned per series: scale does not change the decisions
SELECT count(DISTINCT s) AS series, count(DISTINCT t) AS anomalous_rows
FROM (SELECT s, t, rcf_detect(v) OVER (PARTITION BY s ORDER BY t) AS d
      FROM rcf_detect_series) AS r
WHERE (d).is_anomaly;

-- several values per row: attribution (on anomalies) sums to 1 and points
-- at the value that jumped
SELECT t, round(((d).attribution[1] + (d).attribution[2])::numeric, 6) AS total,
       (d).attribution[2] > (d).attribution[1] AS second_value
FROM (SELECT t, rcf_detect(ARRAY[sin(t / 8.0), CASE WHEN t = 600 THEN 9 ELSE cos(t / 8.0) END])
                  OVER (ORDER BY t) AS d
      FROM generate_series(1, 800) AS t) AS r
WHERE (d).is_anomaly ORDER BY t;

-- NULL rows are imputed and marked; no anomaly is declared on them
CREATE TABLE rcf_detect_gaps AS
SELECT t, CASE WHEN t IN (400, 401, 402) THEN NULL ELSE t * 0.5 END AS v
FROM generate_series(1, 500) AS t;
SELECT method, t, (d).imputed, round((d).value[1]::numeric, 2) AS value,
       (d).is_anomaly
FROM (VALUES ('zero'), ('previous'), ('linear')) AS m(method),
     LATERAL (SELECT t, rcf_detect(v, jsonb_build_object('impute', method))
                          OVER (ORDER BY t) AS d
              FROM rcf_detect_gaps) AS r
WHERE t BETWEEN 399 AND 403 ORDER BY method, t;
-- by the forest: the imputed value is the expected one
SELECT t, (d).imputed, (d).value = (d).expected AS from_forest,
       abs((d).value[1] - t * 0.5) < 5 AS plausible
FROM (SELECT t, rcf_detect(v, '{"impute": "forest", "transform": "difference"}')
                  OVER (ORDER BY t) AS d
      FROM rcf_detect_gaps) AS r
WHERE t BETWEEN 400 AND 402 ORDER BY t;
-- NULL rows before a partition's first value give NULL
SELECT t, d IS NULL AS null_record
FROM (SELECT t, rcf_detect(CASE WHEN t <= 2 THEN NULL ELSE t END::float8)
                  OVER (ORDER BY t) AS d
      FROM generate_series(1, 3) AS t) AS r ORDER BY t;

-- suppression: deviations within an absolute or relative distance of the
-- expected value are no anomalies
SELECT count(*) FILTER (WHERE (d).is_anomaly) AS anomalies
FROM (SELECT rcf_detect(v, '{"ignore_absolute": 100}') OVER (ORDER BY t) AS d
      FROM rcf_detect_series WHERE s = 'small') AS r;
SELECT count(*) FILTER (WHERE (d).is_anomaly) AS anomalies
FROM (SELECT rcf_detect(v, '{"ignore_relative": 10}') OVER (ORDER BY t) AS d
      FROM rcf_detect_series WHERE s = 'small') AS r;
-- an episode of several high rows alerts once by default, on each row
-- above the threshold without "once_per_episode" (echoes of an alert in
-- the shingle excepted)
CREATE TABLE rcf_detect_episode AS
SELECT t, CASE WHEN t BETWEEN 700 AND 760 THEN 10 + 20 * sin(t * 2 * pi() / 7)
               ELSE 10 + 2 * sin(t * 2 * pi() / 50) END AS v
FROM generate_series(1, 1000) AS t;
SELECT (SELECT count(*) FROM (SELECT rcf_detect(v) OVER (ORDER BY t) AS d
                              FROM rcf_detect_episode) AS r
        WHERE (d).is_anomaly) AS once,
       (SELECT count(*) FROM (SELECT rcf_detect(v, '{"once_per_episode": false}')
                                       OVER (ORDER BY t) AS d
                              FROM rcf_detect_episode) AS r
        WHERE (d).is_anomaly) > 1 AS more_without;

-- the threshold follows the z-factor, or a target anomaly rate
SELECT avg((d).threshold) FILTER (WHERE t > 500) AS z4,
       avg((e).threshold) FILTER (WHERE t > 500) AS z2,
       avg((f).threshold) FILTER (WHERE t > 500) AS rate
INTO TEMP rcf_detect_thresholds
FROM (SELECT t, rcf_detect(v) OVER w AS d,
             rcf_detect(v, '{"z_factor": 2}') OVER w AS e,
             rcf_detect(v, '{"anomaly_rate": 0.02}') OVER w AS f
      FROM rcf_detect_series WHERE s = 'small'
      WINDOW w AS (ORDER BY t)) AS r;
SELECT z2 < z4 AS lower_z_lower_threshold, z2 < rate AND rate < z4 AS rate_between
FROM rcf_detect_thresholds;

-- transforms and forest options are accepted; the spike is still found
SELECT method, count(*) FILTER (WHERE (d).is_anomaly AND t = 700) AS spike_found
FROM (VALUES ('none'), ('normalize'), ('difference'), ('normalize_difference')) AS m(method),
     LATERAL (SELECT t, rcf_detect(v, jsonb_build_object('transform', method,
                  'shingle_size', 4, 'trees', 50, 'sample_size', 128,
                  'seed', 7, 'warmup', 10, 'band', 0.5, 'time_decay', 0.001))
                  OVER (ORDER BY t) AS d
              FROM rcf_detect_series WHERE s = 'small') AS r
GROUP BY method ORDER BY method;

-- the model form: a threshold from the training sample's scores; each
-- value expected from the others (here points on y = 2x)
CREATE TABLE rcf_detect_train AS
SELECT ARRAY[sin(t / 10.0), 2 * sin(t / 10.0)] AS p FROM generate_series(1, 2000) AS t;
CREATE TABLE rcf_detect_model AS SELECT rcf_train(p) AS m FROM rcf_detect_train;
SELECT (d).is_anomaly, (d).grade > 0 AS graded, (d).threshold > 0 AS has_threshold,
       (d).attribution IS NOT NULL AS attributed,
       round((d).expected[1]::numeric, 1) AS expected_x,
       round((d).expected[2]::numeric, 1) AS expected_y
FROM rcf_detect_model,
     LATERAL (VALUES (ARRAY[0.5, 1.0]), (ARRAY[0.5, -5.0])) AS q(p),
     LATERAL (SELECT rcf_detect(m, q.p) AS d) AS r;
SELECT count(*) FILTER (WHERE (rcf_detect(m, p)).is_anomaly) AS training_flags
FROM rcf_detect_model, rcf_detect_train;
SELECT ((rcf_detect(m, ARRAY[0.5, -5.0], '{"ignore_absolute": 10}')).is_anomaly)
FROM rcf_detect_model;
SELECT rcf_detect(m, NULL) IS NULL AS null_point FROM rcf_detect_model;

-- errors
SELECT rcf_detect(v, '{"shingle": 4}') OVER (ORDER BY t) FROM rcf_detect_gaps;
SELECT rcf_detect(v, '[1]') OVER (ORDER BY t) FROM rcf_detect_gaps;
SELECT rcf_detect(v, '{"z_factor": "high"}') OVER (ORDER BY t) FROM rcf_detect_gaps;
SELECT rcf_detect(v, '{"z_factor": -1}') OVER (ORDER BY t) FROM rcf_detect_gaps;
SELECT rcf_detect(v, '{"z_factor": 3, "anomaly_rate": 0.01}') OVER (ORDER BY t) FROM rcf_detect_gaps;
SELECT rcf_detect(v, '{"anomaly_rate": 0.9}') OVER (ORDER BY t) FROM rcf_detect_gaps;
SELECT rcf_detect(v, '{"transform": "log"}') OVER (ORDER BY t) FROM rcf_detect_gaps;
SELECT rcf_detect(v, '{"impute": 1}') OVER (ORDER BY t) FROM rcf_detect_gaps;
SELECT rcf_detect(v, '{"once_per_episode": "yes"}') OVER (ORDER BY t) FROM rcf_detect_gaps;
SELECT rcf_detect(v, '{"shingle_size": 2.5}') OVER (ORDER BY t) FROM rcf_detect_gaps;
SELECT rcf_detect(v, '{"ignore_absolute": -1}') OVER (ORDER BY t) FROM rcf_detect_gaps;
SELECT rcf_detect(v, '{"trees": 0}') OVER (ORDER BY t) FROM rcf_detect_gaps;
SELECT rcf_detect(ARRAY[1, 2, 3]::float8[], '{"shingle_size": 500}') OVER ();
SELECT rcf_detect(CASE WHEN t = 3 THEN ARRAY[1.0, 2.0, 3.0] ELSE ARRAY[1.0, 2.0] END)
         OVER (ORDER BY t) FROM generate_series(1, 5) AS t;
SELECT rcf_detect(CASE WHEN t = 3 THEN 'NaN'::float8 ELSE t END) OVER (ORDER BY t)
FROM generate_series(1, 5) AS t;
SELECT rcf_detect(CASE WHEN t = 3 THEN ARRAY[1, 'Infinity'::float8] ELSE ARRAY[1, 2] END)
         OVER (ORDER BY t) FROM generate_series(1, 5) AS t;
SELECT rcf_detect(v, jsonb_build_object('z_factor', 3 + t % 2)) OVER (ORDER BY t)
FROM rcf_detect_gaps;
SELECT rcf_detect(m, ARRAY[1.0]) FROM rcf_detect_model;
SELECT rcf_detect(m, ARRAY[1.0, 2.0], '{"shingle_size": 4}') FROM rcf_detect_model;
SELECT rcf_detect('\x00'::bytea::rcf_model, ARRAY[1.0]);
-- and the next query works
SELECT count(*) FILTER (WHERE (d).is_anomaly) AS anomalies
FROM (SELECT rcf_detect(v) OVER (ORDER BY t) AS d
      FROM rcf_detect_series WHERE s = 'small') AS r;

DROP TABLE rcf_detect_series, rcf_detect_gaps, rcf_detect_episode,
  rcf_detect_train, rcf_detect_model;
