--
-- Hidden setup of README.md's examples (test/doc_examples.py): the tables
-- the examples take as given (those of doc/rcf.md's too), and the test
-- services in place of AWS.
--
-- rewrite: OPTIONS (region 'us-east-1') => OPTIONS (region 'us-east-1', endpoint '${PG_INFER_TEST_S3}', url_style 'path')
-- rewrite: s3://bucket/train/ => s3://pginfer-empty/
-- rewrite: s3://bucket/lake/ => s3://pginfer-test/one/
--
SET client_min_messages = warning;
-- the extension, and the tables of the RCF reference: points, series, metrics
\i test/doc/rcf.sql
\i test/doc/include/endpoint.sql

-- daily (day, orders): orders per day
CREATE TABLE daily (day date, orders bigint);
INSERT INTO daily
SELECT date '2026-01-01' + i, 100 + 20 * (i % 7) FROM generate_series(0, 59) AS i;

-- t (x, y)
CREATE TABLE t (x float8, y float8);
INSERT INTO t VALUES (1, 2), (3, 4);
