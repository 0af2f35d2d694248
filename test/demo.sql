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

\echo
\echo 4. Score the same points with a deployed SageMaker endpoint (here the
\echo    local test endpoint, which checks the SigV4 signature of every request);
\echo    2,010 rows make 5 requests, not 2,010:
\getenv endpoint PG_INFER_TEST_ENDPOINT
SET pg_infer.sagemaker_endpoint_url = :'endpoint';
SET pg_infer.aws_region = 'us-east-1';
SET pg_infer.aws_access_key_id = 'AKIDEXAMPLE';
SET pg_infer.aws_secret_access_key = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
CREATE FUNCTION remote_score(x float8, y float8, z float8) RETURNS float8
	LANGUAGE sagemaker STRICT
	SET pg_infer.content_type = 'application/json'
	SET pg_infer.json_field = 'score'
	AS 'rcf-demo';
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT id, remote_score(x, y, z) FROM paper;
SELECT endpoint, calls, rows, retries, errors FROM pg_infer_endpoint_stats;
