--
-- Helpers of the inference tests, included by each sql/infer_*.sql:
-- the test endpoint's control API and counters from SQL, and EXPLAIN
-- ANALYZE output without what varies between runs.
--
-- The endpoint's control API and counters, read with node's fetch (url,
-- method, body): the reply as jsonb
CREATE OR REPLACE FUNCTION infer_test_http(url text, method text DEFAULT 'GET',
                                           body text DEFAULT '')
RETURNS jsonb LANGUAGE plpgsql AS $f$
DECLARE
	script text := 'const [u,m,b]=process.argv.slice(1);'
		'fetch(u,{method:m,body:m==="GET"?undefined:b})'
		'.then(r=>r.text()).then(t=>console.log(t.replace(/\n/g," ")))';
	command text := 'node -e';
	arg text;
	reply text;
BEGIN
	FOREACH arg IN ARRAY ARRAY[script, url, method, body] LOOP
		command := command || ' ''' || replace(arg, '''', '''\''''') || '''';
	END LOOP;
	IF to_regclass('pg_temp.infer_test_reply') IS NULL THEN
		CREATE TEMP TABLE infer_test_reply (line text);
	END IF;
	TRUNCATE infer_test_reply;
	EXECUTE format('COPY infer_test_reply FROM PROGRAM %L '
				   'WITH (FORMAT csv, QUOTE %L, DELIMITER %L)',
				   command, E'\x01', E'\x02');
	SELECT string_agg(line, ' ') INTO reply FROM infer_test_reply;
	RETURN reply::jsonb;
END
$f$;
-- Clears the endpoint's counters and ours
CREATE OR REPLACE FUNCTION infer_test_reset(url text) RETURNS void
LANGUAGE sql AS $f$
	SELECT infer_test_http(url || '/_reset', 'POST');
	SELECT pg_infer_stats_reset();
$f$;
-- Requests and rows of an endpoint as the endpoint counted them, and as we did
CREATE OR REPLACE FUNCTION infer_test_counts(url text, name text,
	OUT endpoint_calls int, OUT endpoint_rows int,
	OUT our_calls bigint, OUT our_rows bigint)
LANGUAGE sql AS $f$
	SELECT coalesce((s->>'calls')::int, 0), coalesce((s->>'rows')::int, 0),
		coalesce(o.calls, 0), coalesce(o.rows, 0)
	FROM (SELECT infer_test_http(url || '/_stats')->'endpoints'->name) AS e(s)
	LEFT JOIN pg_infer_endpoint_stats o ON o.endpoint = name;
$f$;
-- EXPLAIN ANALYZE of a query, without the byte counts (the headers sent
-- hold the endpoint's port)
CREATE OR REPLACE FUNCTION infer_test_explain(query text) RETURNS SETOF text
LANGUAGE plpgsql AS $f$
DECLARE
	line text;
BEGIN
	FOR line IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || query
	LOOP
		RETURN NEXT regexp_replace(line, '(Bytes \w+): \d+', '\1: N');
	END LOOP;
END
$f$;
