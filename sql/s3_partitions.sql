--
-- federated_s3: hive-style partitions.  A column named in the keys'
-- directories ("year=2024/month=01/") is filled from the key, not the
-- object; WHERE conditions on such columns drop objects while planning,
-- before any GET (EXPLAIN ANALYZE counts the GETs made).
--
\set ECHO none
\i test/sql/s3_setup.sql
\set ECHO all

CREATE FOREIGN TABLE s3_hive (day int, amount int, year int, month text)
	SERVER lake OPTIONS (uri 's3://pginfer-test/hive/');
SELECT * FROM s3_hive ORDER BY year, month, day;
-- two of four objects read
SELECT * FROM s3_test_explain('SELECT * FROM s3_hive WHERE year = 2024 AND month >= ''02''');
SELECT * FROM s3_hive WHERE year = 2024 AND month >= '02' ORDER BY month, day;
-- none read: the condition rules out every object
SELECT * FROM s3_test_explain('SELECT * FROM s3_hive WHERE year = 1999');
-- conditions mixing partition and other columns do not prune, but filter
SELECT * FROM s3_test_explain('SELECT * FROM s3_hive WHERE year = 2023 OR amount = 60');
SELECT * FROM s3_hive WHERE year = 2023 OR amount = 60 ORDER BY year;
-- expressions and IN lists fold too; the month keeps its leading zero
SELECT * FROM s3_test_explain('SELECT month, sum(amount) FROM s3_hive WHERE month IN (''01'', ''03'') AND year + 1 = 2025 GROUP BY month');
SELECT month, sum(amount) FROM s3_hive WHERE month IN ('01', '03') AND year + 1 = 2025
	GROUP BY month ORDER BY month;
-- only partition columns: still one GET per object, no column converted
SELECT year, count(*) FROM s3_hive GROUP BY year ORDER BY year;
-- a parameter is not known while planning a generic plan: every object is
-- read and the filter decides
SET plan_cache_mode = force_generic_plan;
PREPARE by_year(int) AS SELECT count(*), sum(amount) FROM s3_hive WHERE year = $1;
EXECUTE by_year(2024);
EXECUTE by_year(2023);
RESET plan_cache_mode;

-- a partition value the column's type rejects
CREATE FOREIGN TABLE s3_hive_typed (day int, amount int, month date)
	SERVER lake OPTIONS (uri 's3://pginfer-test/hive/');
SELECT * FROM s3_hive_typed WHERE month > '2024-01-01';
-- an object without the partition directory the first object has
CREATE FOREIGN TABLE s3_hive_mixed (a int, b int, year int)
	SERVER lake OPTIONS (uri 's3://pginfer-test/{hive,prefix}/**.csv');
SELECT count(*) FROM s3_hive_mixed;

SELECT rejected FROM s3_test_requests();
