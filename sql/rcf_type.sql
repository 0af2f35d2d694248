--
-- rcf_model: the JSON text form, the binary form, the bytea casts, corrupted
-- values, rcf_info and NULL handling
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_infer;
RESET client_min_messages;

-- 500 points on an ellipse in 2 dimensions; a small forest of 10 trees
CREATE TABLE rcf_type_points AS
SELECT i, ARRAY[sin(i * 0.1), 2 * cos(i * 0.1)]::float8[] AS p
FROM generate_series(1, 500) AS i;
CREATE TABLE rcf_type_model AS
SELECT rcf_train(p, '{"trees": 10, "sample_size": 32, "seed": 7}') AS m
FROM rcf_type_points;

-- the shape of the model; bytes is the length of the stored value
SELECT * FROM rcf_info((SELECT m FROM rcf_type_model));
SELECT (rcf_info(m)).bytes = octet_length(m::bytea) AS bytes_is_length
FROM rcf_type_model;

-- the text form of a tiny model (one tree, two points in one dimension)
SELECT rcf_train(ARRAY[x], '{"trees": 1, "sample_size": 2, "seed": 1}')
FROM (VALUES (1.0::float8), (2.5)) AS v(x);
SELECT (rcf_info(rcf_train(ARRAY[x], '{"trees": 1, "sample_size": 2, "seed": 1}'))).*
FROM (VALUES (1.0::float8), (2.5)) AS v(x);

-- text round trip: the text form gives back the same bytes and scores
SELECT m::text::rcf_model::bytea = m::bytea AS same_bytes,
       rcf_score(m::text::rcf_model, ARRAY[0.5, 1]) = rcf_score(m, ARRAY[0.5, 1])
         AS same_score
FROM rcf_type_model;
-- a model stored through its text form in a table column
CREATE TABLE rcf_type_copy (m rcf_model);
INSERT INTO rcf_type_copy SELECT m::text::rcf_model FROM rcf_type_model;
SELECT c.m::bytea = t.m::bytea AS same_bytes FROM rcf_type_copy c, rcf_type_model t;

-- bytea casts, both ways, and the function form of the cast
SELECT m::bytea::rcf_model::bytea = m::bytea AS bytea_round_trip,
       rcf_model(m::bytea)::bytea = m::bytea AS function_round_trip,
       substring(m::bytea from 1 for 4) AS magic
FROM rcf_type_model;

-- binary COPY goes through send and receive
\copy rcf_type_model TO 'test/results/rcf_type_model.bin' (FORMAT binary)
TRUNCATE rcf_type_copy;
\copy rcf_type_copy FROM 'test/results/rcf_type_model.bin' (FORMAT binary)
SELECT c.m::bytea = t.m::bytea AS same_bytes FROM rcf_type_copy c, rcf_type_model t;
-- receive checks the bytes: a truncated value in a binary COPY is rejected
\copy (SELECT substring(m::bytea from 1 for 60) FROM rcf_type_model) TO 'test/results/rcf_type_bad.bin' (FORMAT binary)
\copy rcf_type_copy FROM 'test/results/rcf_type_bad.bin' (FORMAT binary)

-- malformed text
SELECT ''::rcf_model;
SELECT 'not json'::rcf_model;
SELECT '{}'::rcf_model;
SELECT '[1, 2, 3]'::rcf_model;
SELECT '{"trees": [1, 2'::rcf_model;
-- a valid text form with one value changed: the tree count it declares
SELECT replace(m::text, '"trees":10', '"trees":0')::rcf_model FROM rcf_type_model;
SELECT replace(m::text, '"trees":10', '"trees":11')::rcf_model FROM rcf_type_model;

-- truncated and extended bytes
SELECT ''::bytea::rcf_model;
SELECT '\x52434621'::bytea::rcf_model;
SELECT substring(m::bytea from 1 for 20)::rcf_model FROM rcf_type_model;
SELECT substring(m::bytea from 1 for octet_length(m::bytea) - 1)::rcf_model
FROM rcf_type_model;
SELECT (m::bytea || '\x00'::bytea)::rcf_model FROM rcf_type_model;

-- flipped bytes, each at a known place in the layout (little-endian):
-- 0 magic "RCFM", 4 version, 6 flags, 8 trees, 12 sample size, 16 dimensions,
-- 20 time decay, 28 seed, 36 points seen, 44 score count, 48 score mean,
-- 56 score sd (sql/rcf_model_v2.sql tests those), 64 one scale exponent per
-- dimension (2 bytes each), then per tree a 2-byte count and its points as
-- half floats
SELECT set_byte(m::bytea, 0, 0)::rcf_model FROM rcf_type_model;
SELECT set_byte(m::bytea, 4, 9)::rcf_model FROM rcf_type_model;
SELECT set_byte(m::bytea, 6, 1)::rcf_model FROM rcf_type_model;
SELECT set_byte(m::bytea, 8, 0)::rcf_model FROM rcf_type_model;
SELECT set_byte(m::bytea, 12, 1)::rcf_model FROM rcf_type_model;
SELECT set_byte(m::bytea, 16, 3)::rcf_model FROM rcf_type_model;
SELECT set_byte(m::bytea, 27, 255)::rcf_model FROM rcf_type_model;
SELECT set_byte(m::bytea, 43, 128)::rcf_model FROM rcf_type_model;
SELECT set_byte(m::bytea, 65, 127)::rcf_model FROM rcf_type_model;
SELECT set_byte(m::bytea, 69, 255)::rcf_model FROM rcf_type_model;
-- the high byte of the first point's first value made all-ones in the
-- exponent: an infinite or NaN half, rejected
SELECT set_byte(m::bytea, 71, 124)::rcf_model FROM rcf_type_model;
-- the lowest mantissa bit of that value flipped: still a valid model, of the
-- same shape, whose scores barely move
SELECT (rcf_info(f)).trees, (rcf_info(f)).samples,
       f::bytea <> m::bytea AS bytes_differ,
       abs(rcf_score(f, ARRAY[0.5, 1]) - rcf_score(m, ARRAY[0.5, 1])) < 0.1
         AS score_close
FROM (SELECT m, set_byte(m::bytea, 70, get_byte(m::bytea, 70) # 1)::rcf_model AS f
      FROM rcf_type_model) AS s;
-- a seed is any 64-bit value: changing it keeps the model valid
SELECT (rcf_info(set_byte(m::bytea, 35, 128)::rcf_model)).seed AS seed_above_bigint
FROM rcf_type_model;

-- NULL handling: everything is strict
SELECT NULL::rcf_model IS NULL AS null_model,
       NULL::bytea::rcf_model IS NULL AS null_cast,
       rcf_model(NULL) IS NULL AS null_function,
       rcf_info(NULL) IS NULL AS null_info;
SELECT (rcf_info(NULL)).*;

-- the session still works after all those errors
SELECT (rcf_info(m)).trees FROM rcf_type_model;

DROP TABLE rcf_type_points, rcf_type_model, rcf_type_copy;
