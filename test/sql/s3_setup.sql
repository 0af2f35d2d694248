--
-- Setup of the federated_s3 tests, included by each sql/s3_*.sql: the
-- extension, a server on the test S3 (s3rver behind the signature-checking
-- proxy of test/s3/proxy.js, path-style URLs), a user mapping with the
-- proxy's keys, and helpers for the proxy's control API.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_infer;
RESET client_min_messages;
\i test/sql/infer_helpers.sql
\getenv s3 PG_INFER_TEST_S3
SELECT set_config('s3_test.url', :'s3', false) IS NOT NULL AS proxy_known;
SET client_min_messages = warning;
CREATE SERVER IF NOT EXISTS lake FOREIGN DATA WRAPPER federated_s3
	OPTIONS (endpoint :'s3', url_style 'path', region 'us-east-1');
CREATE USER MAPPING IF NOT EXISTS FOR CURRENT_USER SERVER lake
	OPTIONS (access_key_id 'AKIDEXAMPLE',
			 secret_access_key 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY');
RESET client_min_messages;
-- The proxy's control API (see test/s3/proxy.js): the reply as jsonb
CREATE OR REPLACE FUNCTION s3_test_proxy(path text, body text DEFAULT NULL)
RETURNS jsonb LANGUAGE sql AS $f$
	SELECT infer_test_http(current_setting('s3_test.url') || path,
						   CASE WHEN body IS NULL AND path = '/_proxy/stats'
								THEN 'GET' ELSE 'POST' END, coalesce(body, ''));
$f$;
-- Requests the proxy saw since its last reset, and how many it rejected
CREATE OR REPLACE FUNCTION s3_test_requests(OUT requests int, OUT rejected int,
											OUT by_operation jsonb)
LANGUAGE sql AS $f$
	SELECT (s->>'requests')::int, (s->>'rejected')::int, s->'by_operation'
	FROM s3_test_proxy('/_proxy/stats') s;
$f$;
-- EXPLAIN ANALYZE without timings
CREATE OR REPLACE FUNCTION s3_test_explain(query text) RETURNS SETOF text
LANGUAGE plpgsql AS $f$
DECLARE
	line text;
BEGIN
	FOR line IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || query
	LOOP
		RETURN NEXT line;
	END LOOP;
END
$f$;
SELECT s3_test_proxy('/_proxy/reset') ->> 'ok' AS proxy_reset;
