--
-- Failures of the endpoint end in a clear ERROR naming what failed, the
-- retriable ones after retries, and the next query works.  Faults come
-- from the test endpoint (test/endpoint/server.js), chosen by the name.
--
\i test/sql/infer_setup.sql
\set VERBOSITY default

CREATE TABLE infer_rows (id int, x float8);
INSERT INTO infer_rows SELECT i, i FROM generate_series(1, 3) i;
SET pg_infer.max_retries = 3;

--
-- Throttling: retried with backoff, then success
--
CREATE FUNCTION infer_throttle2(x float8) RETURNS float8
	LANGUAGE sagemaker AS 'echo-fault-throttle-2';
SELECT infer_test_explain('SELECT id, infer_throttle2(x) FROM infer_rows');
SELECT calls, retries, errors, rows FROM pg_infer_endpoint_stats
WHERE endpoint = 'echo-fault-throttle-2';
-- throttled more often than pg_infer.max_retries allows
CREATE FUNCTION infer_throttle9(x float8) RETURNS float8
	LANGUAGE sagemaker AS 'echo-fault-throttle-9';
SET pg_infer.max_retries = 2;
SELECT id, infer_throttle9(x) FROM infer_rows;
RESET pg_infer.max_retries;
SELECT (h->'endpoints'->'echo-fault-throttle-9'->>'calls')::int AS endpoint_calls
FROM infer_test_http(:'endpoint' || '/_stats') AS h;
-- SageMaker also throttles with a 400
SELECT sagemaker_infer('echo-fault-throttle400-1', 1);
SELECT calls, retries FROM pg_infer_endpoint_stats
WHERE endpoint = 'echo-fault-throttle400-1';

--
-- Server errors (5xx) are retried
--
SELECT sagemaker_infer('echo-fault-error5xx-2', 1, 2);
SELECT sagemaker_infer('echo-fault-internal500-1', 1, 2);
SELECT endpoint, calls, retries, errors FROM pg_infer_endpoint_stats
WHERE endpoint IN ('echo-fault-error5xx-2', 'echo-fault-internal500-1') ORDER BY 1;
SET pg_infer.max_retries = 1;
SELECT sagemaker_infer('echo-fault-error5xx', 1, 2);
RESET pg_infer.max_retries;

--
-- Client errors are not retried: the model failed, the endpoint is missing
--
SELECT id, sagemaker_infer('echo-fault-modelerror', x) FROM infer_rows;
SELECT calls, retries, errors FROM pg_infer_endpoint_stats
WHERE endpoint = 'echo-fault-modelerror';
SELECT id, sagemaker_infer('missing-model', x) FROM infer_rows;
SELECT calls, retries, errors FROM pg_infer_endpoint_stats
WHERE endpoint = 'missing-model';

--
-- Replies that do not fit the request
--
-- one result fewer than rows sent
CREATE FUNCTION infer_wrong_lines(x float8) RETURNS float8
	LANGUAGE sagemaker AS 'echo-fault-wronglines';
SELECT id, infer_wrong_lines(x) FROM infer_rows;
-- malformed replies: CSV garbage, truncated JSON, bad JSON Lines
CREATE FUNCTION infer_garbage_csv(x float8) RETURNS float8
	LANGUAGE sagemaker AS 'echo-fault-garbage';
SELECT id, infer_garbage_csv(x) FROM infer_rows;
CREATE FUNCTION infer_garbage_json(x float8) RETURNS float8
	LANGUAGE sagemaker
	SET pg_infer.content_type = 'application/json' SET pg_infer.json_field = 'score'
	AS 'rcf-fault-garbage';
SELECT id, infer_garbage_json(x) FROM infer_rows;
CREATE FUNCTION infer_garbage_jsonl(x float8) RETURNS float8
	LANGUAGE sagemaker
	SET pg_infer.content_type = 'application/jsonlines'
	AS 'echo-fault-garbage';
SELECT id, infer_garbage_jsonl(x) FROM infer_rows;
-- a reply of the wrong shape for the result type
CREATE FUNCTION infer_not_a_number(x float8) RETURNS float8
	LANGUAGE sagemaker AS 'text-errors';
SELECT id, infer_not_a_number(x) FROM infer_rows;
CREATE FUNCTION infer_no_field(x float8) RETURNS float8
	LANGUAGE sagemaker
	SET pg_infer.content_type = 'application/json' SET pg_infer.json_field = 'nope'
	AS 'rcf-errors';
SELECT id, infer_no_field(x) FROM infer_rows;

--
-- The connection closed without a reply: retried, then an error
--
SELECT sagemaker_infer('echo-fault-close-1', 5);
SELECT h->'endpoints'->'echo-fault-close-1'->'faults' AS faults
FROM infer_test_http(:'endpoint' || '/_stats') AS h;
SET pg_infer.max_retries = 1;
SELECT sagemaker_infer('echo-fault-close', 5);
-- truncated mid-body
SELECT sagemaker_infer('echo-fault-truncate', 5);
RESET pg_infer.max_retries;

--
-- Timeouts
--
-- pg_infer.request_timeout: the attempt is abandoned (the message holds
-- the time curl measured, so it is shown without digits)
SET pg_infer.request_timeout = 200;
SET pg_infer.max_retries = 0;
DO $$
BEGIN
	PERFORM sagemaker_infer('echo-fault-slow-3000', 1);
EXCEPTION WHEN OTHERS THEN
	RAISE NOTICE 'ERROR: %', regexp_replace(SQLERRM, '\d+ (milliseconds|bytes)', 'N \1', 'g');
END
$$;
RESET pg_infer.request_timeout;
RESET pg_infer.max_retries;
-- statement_timeout cancels a slow call promptly, and the next query works
SELECT now() AS started \gset
SET statement_timeout = '300ms';
SELECT id, sagemaker_infer('echo-fault-slow-5000', x) FROM infer_rows;
RESET statement_timeout;
SELECT clock_timestamp() - :'started'::timestamptz < interval '3 s' AS prompt;
SELECT id, sagemaker_infer('echo-errors', x) FROM infer_rows ORDER BY id;
-- a query cancel in the row-by-row path too
SET pg_infer.batching = off;
SET statement_timeout = '300ms';
SELECT id, sagemaker_infer('echo-fault-slow-5000', x) FROM infer_rows;
RESET statement_timeout;
RESET pg_infer.batching;
SELECT sagemaker_infer('echo-errors', 1, 2);
-- requests stopped by the cancels were counted, as the endpoint counted them
SELECT endpoint_calls, our_calls, our_calls = endpoint_calls AS same
FROM infer_test_counts(:'endpoint', 'echo-fault-slow-5000');
SELECT errors FROM pg_infer_endpoint_stats WHERE endpoint = 'echo-fault-slow-5000';

--
-- A wrong secret: 403 InvalidSignatureException, and neither the secret
-- nor the key id appears in the error
--
SET pg_infer.aws_secret_access_key = 'wrong/SECRETwrongSECRETwrongSECRETwrong00';
DO $$
DECLARE
	message text;
	detail text;
	hint text;
	everything text;
BEGIN
	PERFORM sagemaker_infer('echo-errors', 1);
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL,
		hint = PG_EXCEPTION_HINT;
	everything := concat_ws(' ', message, detail, hint);
	RAISE NOTICE 'message: %', message;
	RAISE NOTICE 'hint: %', hint;
	RAISE NOTICE 'names the signature problem: %',
		position('signature' IN lower(detail)) > 0;
	RAISE NOTICE 'no secret: %',
		position('wrong/SECRETwrongSECRETwrongSECRETwrong00' IN everything) = 0
		AND position('SECRETwrong' IN everything) = 0;
	RAISE NOTICE 'no key id: %', position('AKIDEXAMPLE' IN everything) = 0;
END
$$;
SELECT (h->'endpoints'->'echo-errors'->>'signature_failures')::int AS signature_failures
FROM infer_test_http(:'endpoint' || '/_stats') AS h;
-- an unknown key id
SET pg_infer.aws_secret_access_key = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
SET pg_infer.aws_access_key_id = 'AKIDUNKNOWNKEY000000';
DO $$
DECLARE
	message text;
	detail text;
BEGIN
	PERFORM sagemaker_infer('echo-errors', 1);
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
	RAISE NOTICE 'message: %', message;
	RAISE NOTICE 'no secret: %',
		position('wJalrXUtnFEMI' IN concat(message, detail)) = 0;
	RAISE NOTICE 'no key id: %',
		position('AKIDUNKNOWNKEY000000' IN concat(message, detail)) = 0;
END
$$;
SET pg_infer.aws_access_key_id = 'AKIDEXAMPLE';
SELECT sagemaker_infer('echo-errors', 1, 2);

--
-- A row larger than pg_infer.max_payload_bytes
--
CREATE FUNCTION infer_small_payload(t text) RETURNS float8
	LANGUAGE sagemaker SET pg_infer.max_payload_bytes = 1024 AS 'echo-errors';
SELECT infer_small_payload('1' || repeat('0', 100));
SELECT infer_small_payload(repeat('1', 2000));
SELECT id, infer_small_payload(CASE WHEN id = 2 THEN repeat('1', 2000) ELSE '1' END)
FROM infer_rows;

--
-- Statistics: failures count as errors
--
SELECT endpoint, calls, retries, errors FROM pg_infer_endpoint_stats
WHERE errors > 0 ORDER BY endpoint;

-- endpoint functions in PL/pgSQL expressions
CREATE FUNCTION infer_plpgsql(n int) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
	total float8 := 0;
BEGIN
	FOR i IN 1..n LOOP
		total := total + sagemaker_infer('echo-errors', i, 0.5)::text::float8;
	END LOOP;
	IF sagemaker_infer('echo-errors', -1)::text::float8 < 0 THEN
		total := -total;
	END IF;
	RETURN total;
END
$$;
SELECT infer_plpgsql(3);

-- clean up
DROP TABLE infer_rows;
DROP FUNCTION infer_throttle2, infer_throttle9, infer_wrong_lines, infer_garbage_csv,
	infer_garbage_json, infer_garbage_jsonl, infer_not_a_number, infer_no_field,
	infer_small_payload;
DROP FUNCTION infer_plpgsql, infer_test_explain, infer_test_http;
