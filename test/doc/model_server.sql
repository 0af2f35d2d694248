--
-- Hidden setup of doc/model_server.md's examples (test/doc_examples.py):
-- the test endpoint's unsigned /invocations path (test/services.sh) in
-- place of a model server on port 8080, and the table daily (day, a, b,
-- c, d) the example scores.
--
-- rewrite: 'http://127.0.0.1:8080/invocations' => '${PG_INFER_TEST_ENDPOINT}/invocations'
--
SET client_min_messages = warning;
CREATE EXTENSION pg_infer;
CREATE TABLE daily (day date, a float8, b float8, c float8, d float8);
INSERT INTO daily
SELECT date '2026-01-01' + i, i, i % 7, sin(i), 1 FROM generate_series(0, 59) AS i;
