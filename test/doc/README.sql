--
-- Hidden setup of README.md's examples (test/doc_examples.py): the tables
-- the examples take as given, and the test services in place of AWS.
--
-- rewrite: OPTIONS (region 'us-east-1') => OPTIONS (region 'us-east-1', endpoint '${PG_INFER_TEST_S3}', url_style 'path')
--
SET client_min_messages = warning;
CREATE EXTENSION pg_infer;

-- the SageMaker test endpoint and its keys, for every session of this database
\getenv endpoint PG_INFER_TEST_ENDPOINT
SELECT current_database() AS db \gset
ALTER DATABASE :"db" SET pg_infer.sagemaker_endpoint_url = :'endpoint';
ALTER DATABASE :"db" SET pg_infer.aws_access_key_id = 'AKIDEXAMPLE';
ALTER DATABASE :"db" SET pg_infer.aws_secret_access_key = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';

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

-- daily (day, orders): orders per day
CREATE TABLE daily (day date, orders bigint);
INSERT INTO daily
SELECT date '2026-01-01' + i, 100 + 20 * (i % 7) FROM generate_series(0, 59) AS i;

-- t (x, y)
CREATE TABLE t (x float8, y float8);
INSERT INTO t VALUES (1, 2), (3, 4);
