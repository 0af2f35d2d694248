--
-- A hostile user and a hostile endpoint: values that would smuggle HTTP
-- headers are refused, secrets a server reflects never reach the caller,
-- nor does the configured endpoint URL reach a non-superuser, and replies
-- are bounded in size.  Faults come from the test endpoint's hostile modes
-- (test/endpoint/README.md).
--
\i test/sql/infer_setup.sql
SET client_min_messages = warning;
DROP ROLE IF EXISTS regress_infer_hostile;
RESET client_min_messages;
\set VERBOSITY default
CREATE ROLE regress_infer_hostile;
GRANT USAGE ON SCHEMA public TO regress_infer_hostile;

--
-- Header injection: control characters are refused in every value that
-- becomes an HTTP header or URL, when it is set
--
SET pg_infer.custom_attributes = E'a=1\r\nX-Evil: 1';
SET pg_infer.custom_attributes = E'a=1\nGET /other HTTP/1.1';
SET pg_infer.target_model = E'model.tar.gz\r\nX-Evil: 1';
SET pg_infer.target_variant = E'v1\x01';
SET pg_infer.target_variant = E'v1\x7f';
SET pg_infer.sagemaker_endpoint_url = E'http://127.0.0.1:1/\r\nX-Evil: 1';
-- also through a function's SET clause and set_config
CREATE FUNCTION infer_smuggle(x float8) RETURNS float8 LANGUAGE sagemaker
	SET pg_infer.target_variant = E'v1\r\nX-Evil: 1' AS 'local-echo-hostile';
SELECT set_config('pg_infer.custom_attributes', E'x\ry', false);
-- what is allowed still goes through
SET pg_infer.custom_attributes = 'trace=1;mode=a b';
SELECT sagemaker_infer('local-echo-hostile', 1, 2);
SELECT h->'endpoints'->'local-echo-hostile'->'last'->>'custom_attributes' AS sent
FROM infer_test_http(:'endpoint' || '/_stats') AS h;
RESET pg_infer.custom_attributes;

--
-- A credential is never echoed by a failed SET
--
SET pg_infer.aws_secret_access_key = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY x';
SET pg_infer.aws_session_token = E'FQoGZXIvYXdzE\nabc';
SET pg_infer.aws_access_key_id = 'AKID EXAMPLE';
DO $$
DECLARE
	message text;
	detail text;
BEGIN
	PERFORM set_config('pg_infer.aws_secret_access_key', 'Se cret/K7MDENG', false);
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
	RAISE NOTICE 'message: %', message;
	RAISE NOTICE 'no secret: %', position('K7MDENG' IN concat(message, detail)) = 0;
END
$$;
SHOW pg_infer.aws_secret_access_key;

--
-- Secrets a server reflects are redacted before remote text is clipped
-- or shown: here a real-sized (660 character) session token
--
SELECT repeat('IQoJb3JpZ2luX2VjEJr', 33) || 'ZZZ' AS token \gset
SET pg_infer.aws_session_token = :'token';
-- the error type is the access key id; the message is 480 bytes of
-- padding, then the token (a clip at 500 bytes would show its prefix)
SELECT sagemaker_infer('local-echo-fault-reflect', 1);
DO $$
DECLARE
	message text;
	detail text;
BEGIN
	PERFORM sagemaker_infer('local-echo-fault-reflect', 1);
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
	RAISE NOTICE 'no token prefix: %', position('IQoJb3Jp' IN concat(message, detail)) = 0;
	RAISE NOTICE 'no key id: %', position('AKIDEXAMPLE' IN concat(message, detail)) = 0;
END
$$;
-- the error type is the whole token: too long to be a type, it is dropped
SELECT sagemaker_infer('local-echo-fault-reflecttype', 1);
RESET pg_infer.aws_session_token;

--
-- A non-superuser is not shown the configured endpoint URL (it may hold
-- a userinfo password); a superuser sees it with the password masked
--
CREATE FUNCTION infer_hostile(x float8) RETURNS float8 LANGUAGE sagemaker
	AS 'echo-hostile';
SET pg_infer.sagemaker_endpoint_url = 'http://svc:pw-s3cr3t@127.0.0.1:1';
SET pg_infer.max_retries = 0;
-- (curl's message holds the time it took, shown without digits)
CREATE FUNCTION infer_hostile_error() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	message text;
	detail text;
BEGIN
	PERFORM infer_hostile(1);
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
	RETURN regexp_replace(concat_ws(E'\n', message, detail), '\d+ ms', 'N ms');
END
$$;
SELECT infer_hostile_error();
SET ROLE regress_infer_hostile;
SELECT infer_hostile_error();
RESET ROLE;
SET pg_infer.sagemaker_endpoint_url = 'htp://svc:pw-s3cr3t@127.0.0.1:1';
SELECT infer_hostile(1);
SET ROLE regress_infer_hostile;
SELECT infer_hostile(1);
RESET ROLE;
SET pg_infer.sagemaker_endpoint_url = :'endpoint';
RESET pg_infer.max_retries;

--
-- Reply size: pg_infer.max_reply_size stops a larger reply while it is
-- received, whether its size is announced (Content-Length) or not (chunked)
--
SHOW pg_infer.max_reply_size;
SET ROLE regress_infer_hostile;
SET pg_infer.max_reply_size = '1GB';
RESET ROLE;
SET pg_infer.max_reply_size = '1MB';
SELECT sagemaker_infer('local-text-fault-big', 1);
SELECT sagemaker_infer('local-text-fault-bigchunked', 1);
-- no retry: the endpoint was called once each
SELECT (h->'endpoints'->'local-text-fault-big'->>'calls')::int AS big_calls,
	(h->'endpoints'->'local-text-fault-bigchunked'->>'calls')::int AS chunked_calls
FROM infer_test_http(:'endpoint' || '/_stats') AS h;
-- a superuser may raise it
SET pg_infer.max_reply_size = '8MB';
CREATE FUNCTION infer_big_text(x float8) RETURNS text LANGUAGE sagemaker
	AS 'local-text-fault-big-1';
SELECT length(infer_big_text(1)) AS reply_length;
DROP FUNCTION infer_big_text;
RESET pg_infer.max_reply_size;
SELECT sagemaker_infer('local-echo-hostile', 1, 2);

--
-- The statistics are readable by whom the view is granted to, not through
-- the function under it
--
SET ROLE regress_infer_hostile;
SELECT count(*) FROM pg_infer_endpoint_stats;
SELECT count(*) FROM pg_infer_endpoint_stats();
RESET ROLE;
GRANT SELECT ON pg_infer_endpoint_stats TO regress_infer_hostile;
GRANT EXECUTE ON FUNCTION pg_infer_endpoint_stats() TO regress_infer_hostile;
SET ROLE regress_infer_hostile;
SELECT count(*) > 0 AS readable FROM pg_infer_endpoint_stats;
RESET ROLE;
REVOKE SELECT ON pg_infer_endpoint_stats FROM regress_infer_hostile;
REVOKE EXECUTE ON FUNCTION pg_infer_endpoint_stats() FROM regress_infer_hostile;

--
-- Invalid UTF-8 in a reply never becomes a value: the row is named
--
CREATE TABLE infer_hostile_text (id int, v text);
CREATE FUNCTION infer_bad_text(x float8) RETURNS text LANGUAGE sagemaker
	AS 'local-text-fault-badutf8';
INSERT INTO infer_hostile_text SELECT i, infer_bad_text(i) FROM generate_series(1, 3) i;
CREATE FUNCTION infer_bad_json(x float8) RETURNS jsonb LANGUAGE sagemaker
	SET pg_infer.content_type = 'application/json' AS 'local-text-fault-badutf8';
SELECT infer_bad_json(1);
CREATE FUNCTION infer_bad_array(x float8) RETURNS text[] LANGUAGE sagemaker
	SET pg_infer.content_type = 'application/json' AS 'local-text-fault-badutf8';
SELECT infer_bad_array(1);
SELECT count(*) AS stored FROM infer_hostile_text;
-- valid text goes through
CREATE FUNCTION infer_good_text(x float8) RETURNS text LANGUAGE sagemaker
	AS 'local-text-hostile';
SELECT infer_good_text(-1), upper(infer_good_text(1));
DROP TABLE infer_hostile_text;
DROP FUNCTION infer_bad_text, infer_bad_json, infer_bad_array, infer_good_text;

-- clean up
DROP FUNCTION infer_hostile, infer_hostile_error;
REVOKE USAGE ON SCHEMA public FROM regress_infer_hostile;
DROP ROLE regress_infer_hostile;
