--
-- bench/rcf_bench.sql — the SQL half of bench/rcf_bench.sh, run by psql in
-- the benchmark's work directory (data/ links to test/data).  Accuracy runs
-- here and exports scores; speed is timed by the shell around rcf_speed_*.
--
\set ON_ERROR_STOP on
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_infer;

-- a. accuracy on the paper's data: scores of the 11 planted points
CREATE TABLE paper (id int GENERATED ALWAYS AS IDENTITY, x float8, y float8, z float8);
\copy paper (x, y, z) FROM 'data/rcf/rcf-paper.csv' CSV
CREATE TABLE paper_model AS SELECT rcf_train(ARRAY[x, y, z]) AS m FROM paper;
\copy (SELECT id, x, y, z, abs(x) < 1 AS planted, rcf_score(m, ARRAY[x, y, z]) AS score FROM paper, paper_model ORDER BY id) TO 'paper_scores.csv' CSV HEADER

-- a. NAB series: shingles of 4 built with lag(), one batch model per file
-- trained on all of its shingles, and the streaming score of each row
-- (rows keep the files' order in "id": some files repeat or reorder a timestamp)
CREATE TABLE nab (id bigint GENERATED ALWAYS AS IDENTITY, file text, ts timestamp,
                  value float8);
\i nab_load.sql
CREATE TABLE nab_shingles AS
SELECT file, id, ts, p
FROM (SELECT file, id, ts, row_number() OVER w AS n,
             ARRAY[lag(value, 3) OVER w, lag(value, 2) OVER w,
                   lag(value, 1) OVER w, value] AS p
      FROM nab WINDOW w AS (PARTITION BY file ORDER BY id)) AS s
WHERE n >= 4;
CREATE TABLE nab_models AS
SELECT file, rcf_train(p) AS m FROM nab_shingles GROUP BY file;
CREATE TABLE nab_stream AS
SELECT file, id, rcf_stream_score(value, '{"shingle_size": 4}')
                   OVER (PARTITION BY file ORDER BY id) AS stream_score
FROM nab;
\copy (SELECT s.file, s.ts, s.p[1] AS p1, s.p[2] AS p2, s.p[3] AS p3, s.p[4] AS p4, rcf_score(m.m, s.p) AS rcf_score, st.stream_score FROM nab_shingles s JOIN nab_models m USING (file) JOIN nab_stream st USING (file, id) ORDER BY s.file, s.id) TO 'nab_scores.csv' CSV HEADER

-- b. model size: bytes per tree at 1, 4 and 10 dimensions, 100 trees of 256
\copy (SELECT d AS dims, trees, samples, bytes, bytes / trees AS bytes_per_tree FROM generate_series(1, 10) AS d, LATERAL (SELECT rcf_train(array_fill(0.0::float8, ARRAY[d - 1]) || ARRAY[i::float8]) AS m FROM generate_series(1, 1000) AS i) AS t, rcf_info(m) WHERE d IN (1, 4, 10) ORDER BY d) TO 'sizes.csv' CSV HEADER

-- b. speed: 200,000 points in 4 dimensions, deterministic
CREATE TABLE speed (i int, p float8[]);
INSERT INTO speed
SELECT i, ARRAY[sin(i * 0.001) + ((i * 7919) % 1000) / 5000.0,
                cos(i * 0.001) + ((i * 104729) % 1000) / 5000.0,
                ((i * 31337) % 10007) / 10007.0,
                CASE WHEN i % 10000 = 0 THEN 5.0 ELSE ((i * 65537) % 997) / 997.0 END]
FROM generate_series(1::bigint, 200000) AS i;
VACUUM ANALYZE speed;
\copy (SELECT p[1], p[2], p[3], p[4] FROM speed ORDER BY i) TO 'speed.csv' CSV

-- b. streaming: a 100,000-point series
CREATE TABLE series AS
SELECT i, 10 + 2 * sin(i * 2 * pi() / 288) + ((i * 7919) % 1000) / 1000.0 AS v
FROM generate_series(1::bigint, 100000) AS i;
VACUUM ANALYZE series;
