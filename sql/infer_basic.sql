--
-- SageMaker inference from SQL: typed functions for each content type,
-- type conversions, sagemaker_infer, NULL handling, validator errors and
-- permissions, against the test endpoint (test/endpoint/server.js).
--
\i test/sql/infer_setup.sql

CREATE TABLE infer_points (id int, a int, b numeric, c float8, d bool);
INSERT INTO infer_points VALUES
	(1, 1, 2.5, 0.25, true),
	(2, -4, 0, 1.5, false),
	(3, 10, -20.75, 1e10, true);

--
-- text/csv (the default): numbers as numbers, booleans as 1/0
--
CREATE FUNCTION infer_csv(a int, b numeric, c float8, d bool) RETURNS float8
	LANGUAGE sagemaker AS 'echo-basic-csv';
SELECT id, infer_csv(a, b, c, d) FROM infer_points ORDER BY id;
SELECT infer_test_http(:'endpoint' || '/_stats')->'endpoints'->'echo-basic-csv'
	-> 'last' ->> 'content_type' AS content_type;

--
-- application/json in the RCF format: {"instances":[{"features":[...]}]}
-- out, {"scores":[{"score":...}]} back, each row's "score" read
--
CREATE FUNCTION infer_rcf(x float8, y float8) RETURNS float8
	LANGUAGE sagemaker
	SET pg_infer.content_type = 'application/json'
	SET pg_infer.json_field = 'score'
	AS 'rcf-basic-json';
SELECT id, infer_rcf(a, c) FROM infer_points ORDER BY id;
SELECT s->'last'->>'content_type' AS content_type, s->'last'->>'accept' AS accept,
	s->>'rows' AS rows
FROM infer_test_http(:'endpoint' || '/_stats') AS h,
	LATERAL (SELECT h->'endpoints'->'rcf-basic-json') AS x(s);
-- without json_field, each row's object as it is, into jsonb
CREATE FUNCTION infer_rcf_raw(x float8) RETURNS jsonb
	LANGUAGE sagemaker
	SET pg_infer.content_type = 'application/json'
	AS 'rcf-basic-json';
SELECT id, infer_rcf_raw(a) FROM infer_points ORDER BY id;

--
-- application/jsonlines: one {"features":[...]} per line each way
--
CREATE FUNCTION infer_jsonl(a int, b numeric) RETURNS numeric
	LANGUAGE sagemaker
	SET pg_infer.content_type = 'application/jsonlines'
	SET pg_infer.json_field = 'score'
	AS 'echo-basic-jsonl';
SELECT id, infer_jsonl(a, b) FROM infer_points ORDER BY id;
SELECT infer_test_http(:'endpoint' || '/_stats')->'endpoints'->'echo-basic-jsonl'
	-> 'last' ->> 'content_type' AS content_type;
-- asking for another reply format than the request's
CREATE FUNCTION infer_json_to_csv(a int) RETURNS int
	LANGUAGE sagemaker
	SET pg_infer.content_type = 'application/json'
	SET pg_infer.accept = 'text/csv'
	AS 'echo-basic-accept';
SELECT id, infer_json_to_csv(a) FROM infer_points ORDER BY id;
SELECT s->'last'->>'content_type' AS content_type, s->'last'->>'accept' AS accept
FROM infer_test_http(:'endpoint' || '/_stats') AS h,
	LATERAL (SELECT h->'endpoints'->'echo-basic-accept') AS x(s);

--
-- Argument types: text and dates go as strings (the echo model takes
-- numeric strings; a date it rejects, naming the field it got)
--
CREATE FUNCTION infer_text_arg(t text, n int) RETURNS int
	LANGUAGE sagemaker AS 'echo-basic-text';
SELECT infer_text_arg('40', 2);
CREATE FUNCTION infer_text_arg_json(t text, n int) RETURNS int
	LANGUAGE sagemaker SET pg_infer.content_type = 'application/json'
	AS 'echo-basic-text';
SELECT infer_text_arg_json('40', 2);
CREATE FUNCTION infer_date_arg(n int, d date) RETURNS float8
	LANGUAGE sagemaker AS 'echo-basic-date';
-- values go in the same form whatever the session's display settings
SHOW DateStyle;
SELECT infer_date_arg(1, date '2024-02-29');
SET extra_float_digits = -10;
SELECT sagemaker_infer('echo-basic-text', 1 / 3::float8, 1 / 3::float8);
RESET extra_float_digits;
-- arrays flatten into fields
CREATE FUNCTION infer_array_count(v float8[], n int) RETURNS float8[]
	LANGUAGE sagemaker AS 'multi-basic-array';
SELECT infer_array_count(ARRAY[1.5, 2.5, 3], 4);

--
-- Result types
--
-- int, float8 and numeric from the echo model
CREATE FUNCTION infer_int(a int, b int) RETURNS int
	LANGUAGE sagemaker AS 'echo-basic-types';
CREATE FUNCTION infer_float(a float8, b float8) RETURNS float8
	LANGUAGE sagemaker AS 'echo-basic-types';
SELECT infer_int(2, 3), infer_float(0.1, 0.2), infer_float(1e300, 1e300);
-- a reply that does not fit the type is an error naming the row
CREATE FUNCTION infer_int_bad(a float8) RETURNS int
	LANGUAGE sagemaker AS 'echo-basic-types';
SELECT infer_int_bad(0.5);
-- bool: 0 is false, anything else from the echo model is 1 here
CREATE FUNCTION infer_bool(a int) RETURNS bool
	LANGUAGE sagemaker AS 'echo-basic-types';
SELECT infer_bool(0) AS f, infer_bool(1) AS t;
-- text from the text model, in CSV and in JSON with a field
CREATE FUNCTION infer_label(x float8) RETURNS text
	LANGUAGE sagemaker AS 'text-basic';
CREATE FUNCTION infer_label_json(x float8) RETURNS text
	LANGUAGE sagemaker
	SET pg_infer.content_type = 'application/json'
	SET pg_infer.json_field = 'label'
	AS 'text-basic';
SELECT id, c - 1 AS x, infer_label(c - 1), infer_label_json(c - 1)
FROM infer_points ORDER BY id;
-- float8[] from the several CSV fields of the multi model (sum, count)
CREATE FUNCTION infer_multi_array(a int, b numeric, c float8) RETURNS float8[]
	LANGUAGE sagemaker AS 'multi-basic';
SELECT id, infer_multi_array(a, b, c) FROM infer_points ORDER BY id;
-- a composite: CSV fields by position, JSON members by attribute name
CREATE TYPE infer_sum_count AS (sum float8, count int);
CREATE TYPE infer_count_sum AS (count int, sum float8, other text);
CREATE FUNCTION infer_multi_csv(a int, b numeric) RETURNS infer_sum_count
	LANGUAGE sagemaker AS 'multi-basic';
CREATE FUNCTION infer_multi_json(a int, b numeric) RETURNS infer_count_sum
	LANGUAGE sagemaker SET pg_infer.content_type = 'application/json'
	AS 'multi-basic';
CREATE FUNCTION infer_multi_jsonl(a int, b numeric) RETURNS infer_count_sum
	LANGUAGE sagemaker SET pg_infer.content_type = 'application/jsonlines'
	AS 'multi-basic';
SELECT id, infer_multi_csv(a, b), infer_multi_json(a, b), infer_multi_jsonl(a, b)
FROM infer_points ORDER BY id;
SELECT (infer_multi_csv(a, b)).sum, (infer_multi_json(a, b)).count
FROM infer_points ORDER BY id;
-- jsonb: the row's value as it is
CREATE FUNCTION infer_multi_jsonb(a int, b numeric) RETURNS jsonb
	LANGUAGE sagemaker SET pg_infer.content_type = 'application/json'
	AS 'multi-basic';
SELECT id, infer_multi_jsonb(a, b) FROM infer_points ORDER BY id;

--
-- sagemaker_infer: ad hoc, the row's result as jsonb
--
SELECT id, sagemaker_infer('echo-basic-adhoc', a, b, c, d) FROM infer_points ORDER BY id;
SELECT sagemaker_infer('multi-basic-adhoc', 1, 2.5, ARRAY[3, 4]);
SET pg_infer.content_type = 'application/json';
SELECT sagemaker_infer('multi-basic-adhoc', 1, 2);
SELECT sagemaker_infer('text-basic-adhoc', -1);
RESET pg_infer.content_type;
-- the endpoint may come from a column (one request per row then)
SELECT e, sagemaker_infer(e, 1, 2)
FROM (VALUES ('echo-basic-adhoc'), ('multi-basic-adhoc')) AS v(e) ORDER BY e;
-- a NULL endpoint or input gives NULL (the function is strict)
SELECT sagemaker_infer(NULL, 1), sagemaker_infer('echo-basic-adhoc', NULL::int);
SELECT sagemaker_infer('not a name', 1);
SELECT sagemaker_infer('echo-basic-adhoc', VARIADIC ARRAY[1, 2]);

--
-- NULLs: a STRICT function returns NULL without sending the row; a
-- non-strict one sends NULL as an empty field
--
CREATE TABLE infer_nullable (id int, x float8);
INSERT INTO infer_nullable VALUES (1, 1), (2, NULL), (3, 3), (4, NULL), (5, 5);
CREATE FUNCTION infer_strict(x float8) RETURNS float8 STRICT
	LANGUAGE sagemaker AS 'echo-basic-strict';
SELECT id, infer_strict(x) FROM infer_nullable ORDER BY id;
SELECT infer_strict(NULL);
SELECT s->>'calls' AS calls, s->>'rows' AS rows
FROM infer_test_http(:'endpoint' || '/_stats') AS h,
	LATERAL (SELECT h->'endpoints'->'echo-basic-strict') AS x(s);
SELECT calls, rows, errors FROM pg_infer_endpoint_stats
WHERE endpoint = 'echo-basic-strict';
-- a row of NULLs only: nothing sent at all
SELECT infer_strict(x) FROM infer_nullable WHERE x IS NULL;
SELECT calls, rows FROM pg_infer_endpoint_stats WHERE endpoint = 'echo-basic-strict';
-- not strict: the NULL is sent, and the echo model rejects the empty field
CREATE FUNCTION infer_lax(x float8, y float8) RETURNS float8
	LANGUAGE sagemaker AS 'echo-basic-lax';
SELECT infer_lax(1, 2);
SELECT infer_lax(1, NULL);

--
-- Statistics of the endpoints used so far
--
SELECT endpoint, calls, rows, retries, errors, bytes_sent > 0 AS sent,
	bytes_received > 0 AS received
FROM pg_infer_endpoint_stats WHERE endpoint LIKE '%-basic%' ORDER BY endpoint;

--
-- The validator
--
CREATE FUNCTION infer_bad_name(x int) RETURNS int
	LANGUAGE sagemaker AS 'bad_name!';
CREATE FUNCTION infer_bad_name(x int) RETURNS int
	LANGUAGE sagemaker AS '-leading-hyphen';
CREATE FUNCTION infer_bad_name(x int) RETURNS int
	LANGUAGE sagemaker AS '';
CREATE FUNCTION infer_bad_name(x int) RETURNS int
	LANGUAGE sagemaker AS 'a234567890123456789012345678901234567890123456789012345678901234';
CREATE FUNCTION infer_bad_setof(x int) RETURNS SETOF int
	LANGUAGE sagemaker AS 'echo-basic';
CREATE FUNCTION infer_bad_result(x int) RETURNS record
	LANGUAGE sagemaker AS 'echo-basic';
CREATE FUNCTION infer_bad_arg(x anyelement) RETURNS int
	LANGUAGE sagemaker AS 'echo-basic';
CREATE FUNCTION infer_bad_arg(x infer_sum_count) RETURNS int
	LANGUAGE sagemaker AS 'echo-basic';
CREATE FUNCTION infer_bad_trigger() RETURNS trigger
	LANGUAGE sagemaker AS 'echo-basic';
SELECT count(*) FROM pg_proc WHERE proname LIKE 'infer_bad%';

--
-- Permissions: the language needs USAGE, sagemaker_infer EXECUTE, and the
-- endpoint URL and credentials are superuser-only
--
CREATE ROLE regress_infer_user;
CREATE SCHEMA infer_user_schema AUTHORIZATION regress_infer_user;
GRANT SELECT ON infer_points TO regress_infer_user;
CREATE FUNCTION infer_private(x int) RETURNS int
	LANGUAGE sagemaker AS 'echo-basic-user';
REVOKE EXECUTE ON FUNCTION infer_private(int) FROM PUBLIC;
SET ROLE regress_infer_user;
CREATE FUNCTION infer_user_schema.f(x int) RETURNS int
	LANGUAGE sagemaker AS 'echo-basic-user';
-- neither alone nor batched over a table
SELECT sagemaker_infer('echo-basic-user', 1);
SELECT sagemaker_infer('echo-basic-user', a) FROM infer_points;
SELECT infer_private(a) FROM infer_points;
SELECT avg(infer_private(a)) FROM infer_points;
SET pg_infer.sagemaker_endpoint_url = 'http://127.0.0.1:1';
SET pg_infer.aws_secret_access_key = 'x';
SET pg_infer.sign_requests = off;
SHOW pg_infer.sagemaker_endpoint_url;
SHOW pg_infer.aws_secret_access_key;
SELECT current_setting('pg_infer.aws_secret_access_key');
SELECT count(*) FROM pg_settings
WHERE name IN ('pg_infer.aws_secret_access_key', 'pg_infer.sagemaker_endpoint_url');
SELECT pg_infer_stats_reset();
RESET ROLE;
-- the superuser sees the secret masked
SHOW pg_infer.aws_secret_access_key;
-- once granted USAGE, the role can create and call a function, which
-- uses the endpoint and credentials the superuser configured
GRANT USAGE ON LANGUAGE sagemaker TO regress_infer_user;
SET ROLE regress_infer_user;
CREATE FUNCTION infer_user_schema.f(x int) RETURNS int
	LANGUAGE sagemaker AS 'echo-basic-user';
SELECT id, infer_user_schema.f(a) FROM infer_points ORDER BY id;
-- but not override the URL through a SET clause of the function
CREATE FUNCTION infer_user_schema.g(x int) RETURNS int
	LANGUAGE sagemaker SET pg_infer.sagemaker_endpoint_url = 'http://127.0.0.1:1'
	AS 'echo-basic-user';
RESET ROLE;
SELECT has_function_privilege('regress_infer_user',
	'sagemaker_infer(text, "any")', 'EXECUTE') AS can_infer;

-- clean up
DROP SCHEMA infer_user_schema CASCADE;
REVOKE USAGE ON LANGUAGE sagemaker FROM regress_infer_user;
REVOKE SELECT ON infer_points FROM regress_infer_user;
DROP ROLE regress_infer_user;
DROP FUNCTION infer_test_http(text, text, text);
DROP TABLE infer_points, infer_nullable;
DROP FUNCTION infer_private, infer_csv, infer_rcf, infer_rcf_raw, infer_jsonl, infer_json_to_csv,
	infer_text_arg, infer_text_arg_json, infer_date_arg,
	infer_array_count, infer_int, infer_float, infer_int_bad, infer_bool,
	infer_label, infer_label_json, infer_multi_array, infer_multi_csv,
	infer_multi_json, infer_multi_jsonl, infer_multi_jsonb, infer_strict, infer_lax;
DROP TYPE infer_sum_count, infer_count_sum;
