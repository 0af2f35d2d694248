-- bench/infer_bench.sql — the data and function of the SageMaker inference
-- benchmark (run by bench/infer_bench.sh inside pg_virtualenv).
--
-- psql variables: url, the test endpoint's base URL.
--
-- The table holds 100,000 rows of 4 float8 columns with 3 decimals, so each
-- value is sent as text like "-12.345": about the size of the load
-- generator's own CSV fields, so both send payloads of the same size.

\set ON_ERROR_STOP 1
SET client_min_messages = warning;

CREATE EXTENSION IF NOT EXISTS pg_infer;

-- the test endpoint; superuser-only settings, kept for every later session
SELECT format('ALTER DATABASE %I SET %s = %L', current_database(), name, value)
FROM (VALUES ('pg_infer.sagemaker_endpoint_url', :'url'),
			 ('pg_infer.aws_access_key_id', 'AKIDEXAMPLE'),
			 ('pg_infer.aws_secret_access_key', 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'),
			 ('pg_infer.aws_region', 'us-east-1')) AS s(name, value)
\gexec

DROP TABLE IF EXISTS t, t_small;
SELECT setseed(0.42);
CREATE TABLE t AS
SELECT i AS id,
	   round((random() * 200 - 100)::numeric, 3)::float8 AS a,
	   round((random() * 200 - 100)::numeric, 3)::float8 AS b,
	   round((random() * 200 - 100)::numeric, 3)::float8 AS c,
	   round((random() * 200 - 100)::numeric, 3)::float8 AS d
FROM generate_series(1, 100000) AS i;
-- the per-row run: the first 2,000 rows
CREATE TABLE t_small AS SELECT * FROM t WHERE id <= 2000;
VACUUM ANALYZE t;
VACUUM ANALYZE t_small;

CREATE OR REPLACE FUNCTION score4(a float8, b float8, c float8, d float8)
	RETURNS float8 LANGUAGE sagemaker AS 'echo-bench';
