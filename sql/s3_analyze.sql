--
-- federated_s3: ANALYZE.  The sampler streams every row of every object
-- the URI selects (nothing pruned), keeps a uniform reservoir sample, and
-- records the row count and the objects' size in pages; the planner then
-- scales that count by the pages of the objects it lists.
--
\set ECHO none
\i test/sql/s3_setup.sql
\set ECHO all
-- The planner's row estimate of a query
CREATE FUNCTION s3_test_rows(query text) RETURNS float8 LANGUAGE plpgsql AS $f$
DECLARE
	plan json;
BEGIN
	EXECUTE 'EXPLAIN (FORMAT JSON) ' || query INTO plan;
	RETURN (plan -> 0 -> 'Plan' ->> 'Plan Rows')::float8;
END
$f$;

-- 10,000 rows in a gzip object: before ANALYZE the estimate comes from
-- the object's size, after it from the rows counted
CREATE FOREIGN TABLE s3_an (i int, j int)
	SERVER lake OPTIONS (uri 's3://pginfer-test/gzip/numbers.csv.gz');
SELECT reltuples, relpages FROM pg_class WHERE oid = 's3_an'::regclass;
SELECT s3_test_rows('SELECT * FROM s3_an') AS before_analyze;
SELECT count(*) FROM pg_stats WHERE tablename = 's3_an';
ANALYZE s3_an;
SELECT reltuples, relpages > 0 AS has_pages FROM pg_class WHERE oid = 's3_an'::regclass;
SELECT s3_test_rows('SELECT * FROM s3_an') AS after_analyze;
SELECT s3_test_rows('SELECT * FROM s3_an WHERE i <= 1000') AS i_le_1000;
-- every row is in the sample (30,000 wanted): the statistics are exact
SELECT attname, null_frac, n_distinct, avg_width, array_length(b, 1) AS bounds,
	   b[1] AS first_bound, b[array_length(b, 1)] AS last_bound
FROM (SELECT attname, null_frac, n_distinct, avg_width,
			 histogram_bounds::text::int[] AS b
	  FROM pg_stats WHERE tablename = 's3_an') s ORDER BY attname;

-- a sample smaller than the table (300 × 10 rows): the reservoir keeps
-- 3,000 of the 10,000, every row is still counted
ALTER FOREIGN TABLE s3_an ALTER COLUMN i SET STATISTICS 10;
ALTER FOREIGN TABLE s3_an ALTER COLUMN j SET STATISTICS 10;
ANALYZE VERBOSE s3_an;
SELECT reltuples FROM pg_class WHERE oid = 's3_an'::regclass;
SELECT attname, n_distinct, array_length(b, 1) AS bounds,
	   b[1] <= m / 100 AS low_first, b[array_length(b, 1)] >= m - m / 100 AS high_last
FROM (SELECT attname, n_distinct, histogram_bounds::text::int[] AS b,
			 CASE attname WHEN 'i' THEN 10000 ELSE 20000 END AS m
	  FROM pg_stats WHERE tablename = 's3_an') s ORDER BY attname;

-- hive partitions: the partition columns get statistics too, and a
-- pruned query's estimate comes from them
CREATE FOREIGN TABLE s3_an_hive (day int, amount int, year int, month text)
	SERVER lake OPTIONS (uri 's3://pginfer-test/hive/');
SELECT s3_test_rows('SELECT * FROM s3_an_hive') AS before_analyze;
ANALYZE s3_an_hive;
SELECT reltuples FROM pg_class WHERE oid = 's3_an_hive'::regclass;
SELECT attname, n_distinct, most_common_vals::text, most_common_freqs
FROM pg_stats WHERE tablename = 's3_an_hive' ORDER BY attname;
SELECT s3_test_rows('SELECT * FROM s3_an_hive') AS all_rows,
	   s3_test_rows($$SELECT * FROM s3_an_hive WHERE month = '03'$$) AS month_03,
	   s3_test_rows('SELECT * FROM s3_an_hive WHERE year = 2023') AS year_2023;
SELECT count(*) FROM s3_an_hive WHERE month = '03';

-- JSON Lines: members missing from a line are NULL in the sample
CREATE FOREIGN TABLE s3_an_jsonl (id int, name text, score float8)
	SERVER lake OPTIONS (uri 's3://pginfer-test/jsonl/events.jsonl', format 'jsonl');
ANALYZE s3_an_jsonl;
SELECT reltuples FROM pg_class WHERE oid = 's3_an_jsonl'::regclass;
SELECT attname, null_frac FROM pg_stats WHERE tablename = 's3_an_jsonl' ORDER BY attname;

-- errors: each names the object, keeps the previous statistics, and the
-- next statement works
CREATE FOREIGN TABLE s3_an_missing (id int)
	SERVER lake OPTIONS (uri 's3://pginfer-test/one/missing.csv');
ANALYZE s3_an_missing;
CREATE FOREIGN TABLE s3_an_nobucket (id int)
	SERVER lake OPTIONS (uri 's3://pginfer-missing/');
ANALYZE s3_an_nobucket;
CREATE FOREIGN TABLE s3_an_bad (id int, amount int)
	SERVER lake OPTIONS (uri 's3://pginfer-test/bad/malformed.csv', header 'true');
ANALYZE s3_an_bad;
-- a GET refused mid-way: the table keeps its statistics
SELECT s3_test_proxy('/_proxy/fault',
	'{"operation": "GetObject", "status": 403, "code": "AccessDenied", "times": 1}') ->> 'ok' AS fault;
ANALYZE s3_an;
SELECT reltuples FROM pg_class WHERE oid = 's3_an'::regclass;
SELECT count(*) > 0 AS stats_kept FROM pg_stats WHERE tablename = 's3_an';
SELECT count(*) FROM s3_an_hive;
SELECT rejected FROM s3_test_requests();
