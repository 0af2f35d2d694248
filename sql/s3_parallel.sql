--
-- federated_s3: a parallel plan.  The leader and the workers take whole
-- objects one at a time from a shared counter; together they read each
-- object once.
--
\set ECHO none
\i test/sql/s3_setup.sql
\set ECHO all

CREATE FOREIGN TABLE s3_par (i int) SERVER lake OPTIONS (uri 's3://pginfer-test/many/');
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT count(*), sum(i), count(DISTINCT i) FROM s3_par;
SELECT count(*), sum(i), count(DISTINCT i) FROM s3_par;
-- the same as the serial plan
SELECT s3_test_proxy('/_proxy/reset') ->> 'ok' AS reset;
SELECT count(*) AS rows, sum(i) FROM (SELECT i FROM s3_par ORDER BY i) s;
-- every object was fetched once: 1,100 GETs in all (two plans listed it)
SELECT by_operation FROM s3_test_requests();
-- hive partitions and pruning in a parallel plan
CREATE FOREIGN TABLE s3_par_hive (day int, amount int, year int, month text)
	SERVER lake OPTIONS (uri 's3://pginfer-test/hive/');
EXPLAIN (COSTS OFF) SELECT year, sum(amount) FROM s3_par_hive WHERE year = 2024 GROUP BY year;
SELECT year, sum(amount) FROM s3_par_hive WHERE year = 2024 GROUP BY year;
-- a rescan inside a parallel plan (the inner side of a nested loop)
SET enable_hashjoin = off;
SET enable_mergejoin = off;
SELECT count(*) FROM (VALUES (1), (2), (3)) v(d) JOIN s3_par_hive h ON h.day = v.d;
RESET enable_hashjoin;
RESET enable_mergejoin;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET max_parallel_workers_per_gather;
SELECT rejected FROM s3_test_requests();
