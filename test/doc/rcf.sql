--
-- Hidden setup of doc/rcf.md's examples (test/doc_examples.py): the tables
-- the examples take as given.
--
SET client_min_messages = warning;
CREATE EXTENSION pg_infer;

-- points (id, x, y, z): a cloud and a few far-off points
CREATE TABLE points (id int, x float8, y float8, z float8);
INSERT INTO points
SELECT i, sin(i), cos(i), (i % 7) / 7.0 FROM generate_series(1, 1000) AS i;
INSERT INTO points VALUES (1001, 9, -9, 9), (1002, -8, 8, 0);

-- series (ts, value): a daily cycle, a spike and a few missing values
CREATE TABLE series (ts timestamptz, value float8);
INSERT INTO series
SELECT timestamptz '2026-01-01' + i * interval '1 hour',
       CASE WHEN i = 300 THEN 50 WHEN i % 97 = 0 THEN NULL
            ELSE 10 + 3 * sin(i * pi() / 12) END
FROM generate_series(1, 400) AS i;

-- metrics (host, ts, cpu, mem, io) of two hosts
CREATE TABLE metrics (host text, ts timestamptz, cpu float8, mem float8, io float8);
INSERT INTO metrics
SELECT h, timestamptz '2026-01-01' + i * interval '1 minute',
       50 + 10 * sin(i / 10.0) + CASE WHEN i = 250 AND h = 'b' THEN 40 ELSE 0 END,
       60 + cos(i / 20.0), 5 + (i % 5)
FROM generate_series(1, 300) AS i, (VALUES ('a'), ('b')) AS hosts(h);
