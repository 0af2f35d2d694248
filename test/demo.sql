-- The pg_infer demo: train a Random Cut Forest on the RCF paper's 3-D data
-- set inside PostgreSQL and list the points it finds most anomalous.
\set ON_ERROR_STOP on
\pset footer off
CREATE EXTENSION pg_infer;

CREATE TABLE paper (id serial, x float8, y float8, z float8);
\copy paper (x, y, z) FROM 'test/data/rcf/rcf-paper.csv' CSV

\echo
\echo 1. Train a forest of 100 trees x 256 samples on 2,010 points:
CREATE TABLE model AS SELECT rcf_train(ARRAY[x, y, z]) AS m FROM paper;
SELECT trees, sample_size, dimensions, points_seen, bytes FROM model, rcf_info(m);

\echo 2. Score every point; the 11 planted near the origin should lead:
SELECT id, x, y, z, round(rcf_score(m, ARRAY[x, y, z])::numeric, 3) AS score
FROM paper, model
ORDER BY score DESC
LIMIT 15;

\echo 3. Flag scores beyond mean + 3 standard deviations:
WITH scored AS (
	SELECT id, rcf_score(m, ARRAY[x, y, z]) AS score FROM paper, model
)
SELECT count(*) FILTER (WHERE score > avg + 3 * sd) AS flagged,
	   round(avg::numeric, 3) AS mean_score, round(sd::numeric, 3) AS stddev
FROM scored, (SELECT avg(score), stddev(score) AS sd FROM scored) s
GROUP BY avg, sd;
