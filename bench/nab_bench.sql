-- bench/nab_bench.sql: loads the NAB series and writes each detector's
-- flags per row (run by bench/nab_bench.sh inside a throwaway cluster)
CREATE EXTENSION pg_infer;

CREATE TABLE nab (file text, ts timestamp, value float8);
\i nab_load.sql

-- rcf_detect with its defaults, one partition per series
\copy (SELECT file, ts, coalesce((d).is_anomaly, false), coalesce((d).grade, 0) FROM (SELECT file, ts, rcf_detect(value) OVER (PARTITION BY file ORDER BY ts) AS d FROM nab) AS r ORDER BY file, ts) TO 'detect.csv' CSV

-- today's workflow: rcf_stream_score (the same forest: 100 trees of 256,
-- shingles of 8) and a flag above the series' mean + 3 sd of the scores
\copy (SELECT file, ts, coalesce(score > avg(score) OVER f + 3 * stddev(score) OVER f, false) FROM (SELECT file, ts, rcf_stream_score(value, '{"shingle_size": 8}') OVER (PARTITION BY file ORDER BY ts) AS score FROM nab) AS r WINDOW f AS (PARTITION BY file) ORDER BY file, ts) TO 'stream.csv' CSV

-- the speed series: a daily-like cycle with deterministic noise
CREATE TABLE speed AS
SELECT t, 50 + 10 * sin(t * 2 * pi() / 288)
          + 3 * (sin(t * 12.9898) * 43758.5453 - floor(sin(t * 12.9898) * 43758.5453)) AS v
FROM generate_series(1, 100000) AS t;
VACUUM ANALYZE speed;
