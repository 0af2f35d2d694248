--
-- rcf_train: training on the paper's data set, options, reproducibility and
-- every error case
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_infer;
RESET client_min_messages;

-- The data set of the RCF paper: two clusters around (-5, 0, 0) and (5, 0, 0)
-- and 11 planted points near the origin
CREATE TABLE rcf_paper (id int GENERATED ALWAYS AS IDENTITY, x float8, y float8, z float8);
\copy rcf_paper (x, y, z) FROM 'test/data/rcf/rcf-paper.csv' CSV
SELECT count(*) AS points,
       count(*) FILTER (WHERE abs(x) < 1) AS planted
FROM rcf_paper;

CREATE TABLE rcf_paper_model AS
SELECT rcf_train(ARRAY[x, y, z]) AS m FROM rcf_paper;
SELECT trees, sample_size, dimensions, samples, points_seen, time_decay, seed,
       format_version
FROM rcf_paper_model, rcf_info(m);

-- the 11 planted points are the 11 highest scores
SELECT id, round(x::numeric, 2) AS x, abs(x) < 1 AS planted
FROM (SELECT id, x, rcf_score(m, ARRAY[x, y, z]) AS score
      FROM rcf_paper, rcf_paper_model
      ORDER BY score DESC LIMIT 11) AS top
ORDER BY id;
-- and they stand well apart from the rest
SELECT min(score) FILTER (WHERE abs(x) < 1) > 1.5 * max(score) FILTER (WHERE abs(x) >= 1)
         AS planted_stand_out,
       avg(score) FILTER (WHERE abs(x) >= 1) BETWEEN 0.5 AND 1.5 AS inliers_near_1
FROM (SELECT x, rcf_score(m, ARRAY[x, y, z]) AS score
      FROM rcf_paper, rcf_paper_model) AS s;

-- the options overload
SELECT trees, sample_size, dimensions, samples, points_seen, time_decay, seed
FROM (SELECT rcf_train(ARRAY[x, y, z],
                       '{"trees": 20, "sample_size": 64, "seed": 3, "time_decay": 0.001}') AS m
      FROM rcf_paper) AS t, rcf_info(m);
-- an empty object or NULL options are the defaults
SELECT (SELECT rcf_train(ARRAY[x, y, z], '{}') FROM rcf_paper)::bytea =
       (SELECT m FROM rcf_paper_model)::bytea AS empty_options_are_defaults,
       (SELECT rcf_train(ARRAY[x, y, z], NULL) FROM rcf_paper)::bytea =
       (SELECT m FROM rcf_paper_model)::bytea AS null_options_are_defaults;
-- the default seed is 42
SELECT (SELECT rcf_train(ARRAY[x, y, z], '{"seed": 42}') FROM rcf_paper)::bytea =
       (SELECT m FROM rcf_paper_model)::bytea AS default_seed_is_42;

-- the same seed gives identical bytes; another seed gives another model
SELECT (SELECT rcf_train(ARRAY[x, y, z], '{"seed": 5}') FROM rcf_paper)::bytea =
       (SELECT rcf_train(ARRAY[x, y, z], '{"seed": 5}') FROM rcf_paper)::bytea
         AS same_seed_same_bytes,
       (SELECT rcf_train(ARRAY[x, y, z], '{"seed": 5}') FROM rcf_paper)::bytea <>
       (SELECT rcf_train(ARRAY[x, y, z], '{"seed": 6}') FROM rcf_paper)::bytea
         AS other_seed_other_bytes;

-- fewer points than the sample size: every tree keeps all of them
SELECT samples, points_seen
FROM (SELECT rcf_train(ARRAY[i::float8], '{"trees": 3, "sample_size": 10}') AS m
      FROM generate_series(1, 7) AS i) AS t, rcf_info(m);
-- extreme but valid options
SELECT trees, sample_size, samples
FROM (SELECT rcf_train(ARRAY[i::float8], '{"trees": 1, "sample_size": 2}') AS m
      FROM generate_series(1, 100) AS i) AS t, rcf_info(m);

-- zero rows, or only NULL points: NULL, as aggregates give on no input
SELECT rcf_train(ARRAY[x, y, z]) IS NULL AS no_rows FROM rcf_paper WHERE false;
SELECT rcf_train(p) IS NULL AS only_nulls
FROM (VALUES (NULL::float8[]), (NULL)) AS v(p);
-- a NULL point is skipped; a NULL inside a point is an error
SELECT points_seen
FROM (SELECT rcf_train(p) AS m
      FROM (VALUES (ARRAY[1.0, 2.0]::float8[]), (NULL), (ARRAY[3.0, 4.0])) AS v(p)) AS t,
     rcf_info(m);
SELECT rcf_train(p)
FROM (VALUES (ARRAY[1.0, 2.0]::float8[]), (ARRAY[3.0, NULL])) AS v(p);
SELECT rcf_train(ARRAY[NULL::float8]);

-- bad points
SELECT rcf_train('{}'::float8[]);
SELECT rcf_train('{{1, 2}, {3, 4}}'::float8[]);
SELECT rcf_train(ARRAY['NaN'::float8, 1]);
SELECT rcf_train(ARRAY[1, 'Infinity'::float8]);
SELECT rcf_train(ARRAY[1, '-Infinity'::float8]);
SELECT rcf_train(p)
FROM (VALUES (ARRAY[1.0, 2.0]::float8[]), (ARRAY[3.0, 4.0, 5.0])) AS v(p);
SELECT rcf_train(p)
FROM (VALUES (ARRAY[1.0, 2.0]::float8[]), (ARRAY[3.0])) AS v(p);
SELECT rcf_train(array_fill(1.0::float8, ARRAY[1025]));

-- absurd options
SELECT rcf_train(ARRAY[1.0::float8], '{"trees": 0}');
SELECT rcf_train(ARRAY[1.0::float8], '{"trees": -1}');
SELECT rcf_train(ARRAY[1.0::float8], '{"trees": 1000000000}');
SELECT rcf_train(ARRAY[1.0::float8], '{"trees": 2.5}');
SELECT rcf_train(ARRAY[1.0::float8], '{"trees": "ten"}');
SELECT rcf_train(ARRAY[1.0::float8], '{"sample_size": 1}');
SELECT rcf_train(ARRAY[1.0::float8], '{"sample_size": 100000}');
SELECT rcf_train(ARRAY[1.0::float8], '{"seed": -1}');
SELECT rcf_train(ARRAY[1.0::float8], '{"time_decay": -0.5}');
SELECT rcf_train(ARRAY[1.0::float8], '{"time_decay": null}');
-- a forest over the size limit, each option being valid on its own
SELECT rcf_train(array_fill(1.0::float8, ARRAY[1024]),
                 '{"trees": 1000, "sample_size": 8192}');
-- unknown names: the hint lists the valid ones; streaming-only ones are unknown
SELECT rcf_train(ARRAY[1.0::float8], '{"tree": 10}');
SELECT rcf_train(ARRAY[1.0::float8], '{"shingle_size": 4}');
-- options that are not an object
SELECT rcf_train(ARRAY[1.0::float8], '[1, 2]');
SELECT rcf_train(ARRAY[1.0::float8], '10');
SELECT rcf_train(ARRAY[1.0::float8], '"trees"');
-- options that change between rows
SELECT rcf_train(ARRAY[i::float8], jsonb_build_object('seed', i))
FROM generate_series(1, 3) AS i;
SELECT rcf_train(ARRAY[i::float8], CASE WHEN i > 1 THEN '{"seed": 1}'::jsonb END)
FROM generate_series(1, 3) AS i;

-- the largest seed reads back as written; beyond it, or not whole, refused
SELECT (rcf_info(rcf_train(ARRAY[1.0::float8], '{"seed": 9223372036854775807}'))).seed;
SELECT (rcf_info(rcf_train(ARRAY[1.0::float8], '{"seed": 9007199254740993}'))).seed;
SELECT rcf_train(ARRAY[1.0::float8], '{"seed": 9223372036854775808}');
SELECT rcf_train(ARRAY[1.0::float8], '{"seed": 3.5}');
SELECT rcf_train(ARRAY[1.0::float8], '{"trees": 1e400}');

-- extreme values train models we accept, in their binary and text forms
-- (what pg_dump writes and restores), over the range of finite doubles
CREATE TABLE rcf_extreme (what text, p float8[]);
INSERT INTO rcf_extreme VALUES
  ('near FLT_MAX', ARRAY[3.402e38]),
  ('FLT_MAX, both signs', ARRAY[3.4028234663852886e38]),
  ('FLT_MAX, both signs', ARRAY[-3.4028234663852886e38]),
  ('beyond floats', ARRAY[1e300]),
  ('DBL_MAX', ARRAY[1.7976931348623157e308]),
  ('tiny', ARRAY[1.1754943508222875e-38]),
  ('float subnormal', ARRAY[1.4e-45]),
  ('double subnormal', ARRAY[4.9e-324]),
  ('mixed magnitudes', ARRAY[3.4e38, 1e-45]),
  ('mixed magnitudes', ARRAY[-1e-38, 1.0]),
  ('mixed magnitudes', ARRAY[1.0, -3.3e38]);
CREATE TABLE rcf_extreme_models AS
SELECT what, rcf_train(p, '{"trees": 3}') AS m FROM rcf_extreme GROUP BY what;
SELECT what, samples, points_seen,
       m::text::rcf_model::bytea = m::bytea AS text_round_trip,
       m::bytea::rcf_model::bytea = m::bytea AS binary_round_trip,
       rcf_score(m, p) >= 0 AS scores
FROM rcf_extreme_models JOIN rcf_extreme USING (what), rcf_info(m)
ORDER BY what, p;
DROP TABLE rcf_extreme, rcf_extreme_models;

-- the session still works after every error
SELECT points_seen FROM rcf_paper_model, rcf_info(m);

DROP TABLE rcf_paper, rcf_paper_model;
