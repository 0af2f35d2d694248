--
-- Unsigned requests, for model servers that need no AWS authentication:
-- pg_infer.sign_requests = off with the test endpoint's local-* names (a
-- SageMaker local-mode container), and a URL ending in /invocations (the
-- path a model container or MLflow serves), used as it is.
--
\i test/sql/infer_setup.sql
-- no credentials are needed at all
SET pg_infer.aws_access_key_id = '';
SET pg_infer.aws_secret_access_key = '';

CREATE TABLE infer_rows (id int, x float8);
INSERT INTO infer_rows SELECT i, i FROM generate_series(1, 250) i;

--
-- sign_requests off: a local-* endpoint accepts the request unsigned
--
SET pg_infer.sign_requests = off;
CREATE FUNCTION infer_local(x float8, y float8) RETURNS float8
	LANGUAGE sagemaker SET pg_infer.batch_size = 100 AS 'local-echo-unsigned';
SELECT count(*) FILTER (WHERE y = x + 1) AS right
FROM (SELECT x, infer_local(x, 1) AS y FROM infer_rows OFFSET 0) s;
SELECT s->>'calls' AS calls, s->>'rows' AS rows, s->'last'->>'signed' AS signed,
	s->>'signature_failures' AS signature_failures
FROM (SELECT infer_test_http(:'endpoint' || '/_stats')->'endpoints'->'local-echo-unsigned') AS e(s);
SELECT endpoint, calls, rows, errors FROM pg_infer_endpoint_stats
WHERE endpoint = 'local-echo-unsigned';
SELECT sagemaker_infer('local-multi-unsigned', 1, 2, 3);
-- an endpoint that wants a signature refuses the unsigned request
SELECT sagemaker_infer('echo-unsigned', 1);
RESET pg_infer.sign_requests;

--
-- A URL ending in /invocations is used as it is, for every function (the
-- function's endpoint name still names it in messages and statistics)
--
\set invocations :endpoint '/invocations'
SET pg_infer.sagemaker_endpoint_url = :'invocations';
SET pg_infer.sign_requests = off;
CREATE FUNCTION infer_mlflow(x float8) RETURNS float8
	LANGUAGE sagemaker SET pg_infer.batch_size = 100 AS 'my-mlflow-model';
SELECT count(*) FILTER (WHERE y = x) AS right, sum(y)
FROM (SELECT x, infer_mlflow(x) AS y FROM infer_rows OFFSET 0) s;
SELECT s->>'calls' AS calls, s->>'rows' AS rows, s->'last'->>'signed' AS signed
FROM (SELECT infer_test_http(:'endpoint' || '/_stats')->'endpoints'->'invocations') AS e(s);
SELECT endpoint, calls, rows, errors FROM pg_infer_endpoint_stats
WHERE endpoint = 'my-mlflow-model';
SELECT sagemaker_infer('any-name', 4, 5);
SET pg_infer.content_type = 'application/json';
SELECT sagemaker_infer('any-name', 4, 5);
RESET pg_infer.content_type;
-- a trailing slash is not /invocations: the SageMaker path is appended
\set slash :endpoint '/'
SET pg_infer.sagemaker_endpoint_url = :'slash';
SELECT sagemaker_infer('local-echo-slash', 7);
SELECT infer_test_http(:'endpoint' || '/_stats')->'endpoints'->'local-echo-slash'->>'calls' AS calls;

-- clean up
RESET pg_infer.sign_requests;
DROP TABLE infer_rows;
DROP FUNCTION infer_local, infer_mlflow, infer_test_http;
