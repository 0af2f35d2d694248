-- demo/train.sql — the first half of the demo's workflow (demo/workflow.sh
-- runs it): the orders federated from MySQL, orders per day with the GROUP
-- BY in MySQL, the training set through S3, and two Random Cut Forests
-- trained and scored in the database.
-- psql variables: mysql_port, mysql_user, mysql_password; s3 (the S3
-- server's URL, which has a bucket pginfer-demo), s3_key_id, s3_secret_key.
\set ON_ERROR_STOP on
\pset footer off
SET client_min_messages = warning;
CREATE EXTENSION pg_infer;
RESET client_min_messages;

\echo
\echo '=== 1. MySQL: the tables of the database "sales" as foreign tables'
\echo
\echo 'CREATE SERVER sales FOREIGN DATA WRAPPER federated_mysql'
\echo '    OPTIONS (host ''127.0.0.1'', port ''':mysql_port''', dbname ''sales'');'
\echo 'CREATE USER MAPPING FOR CURRENT_USER SERVER sales'
\echo '    OPTIONS (username ''':mysql_user''', password ''********'');'
CREATE SERVER sales FOREIGN DATA WRAPPER federated_mysql
	OPTIONS (host '127.0.0.1', port :'mysql_port', dbname 'sales');
CREATE USER MAPPING FOR CURRENT_USER SERVER sales
	OPTIONS (username :'mysql_user', password :'mysql_password');
\set ECHO queries
CREATE SCHEMA mysql_sales;
IMPORT FOREIGN SCHEMA sales FROM SERVER sales INTO mysql_sales;
\d mysql_sales.orders
SELECT count(*) AS orders, min(o_orderdate) AS first_day, max(o_orderdate) AS last_day
FROM mysql_sales.orders;

\echo
\echo '=== 2. Orders per day: the GROUP BY runs in MySQL (the "Remote SQL")'
\echo
EXPLAIN (VERBOSE, COSTS OFF)
SELECT o_orderdate AS day, count(*) AS orders FROM mysql_sales.orders GROUP BY 1;
CREATE TABLE daily AS
SELECT o_orderdate AS day, count(*) AS orders FROM mysql_sales.orders GROUP BY 1;
SELECT * FROM daily ORDER BY day LIMIT 8;

\echo
\echo '=== 3. The training set written to S3, and read back from there'
\echo
\set ECHO none
\echo 'CREATE SERVER lake FOREIGN DATA WRAPPER federated_s3'
\echo '    OPTIONS (endpoint ''':s3''', url_style ''path'', region ''us-east-1'');'
\echo 'CREATE USER MAPPING FOR CURRENT_USER SERVER lake'
\echo '    OPTIONS (access_key_id ''':s3_key_id''', secret_access_key ''********'');'
CREATE SERVER lake FOREIGN DATA WRAPPER federated_s3
	OPTIONS (endpoint :'s3', url_style 'path', region 'us-east-1');
CREATE USER MAPPING FOR CURRENT_USER SERVER lake
	OPTIONS (access_key_id :'s3_key_id', secret_access_key :'s3_secret_key');
\set ECHO queries
CREATE FOREIGN TABLE train_s3 (day date, orders bigint)
	SERVER lake OPTIONS (uri 's3://pginfer-demo/train/', format 'csv', header 'true');
INSERT INTO train_s3 SELECT * FROM daily ORDER BY day;
\echo 'rows written:' :ROW_COUNT
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM train_s3;
CREATE TABLE train AS SELECT day, orders FROM train_s3;
SELECT count(*) AS rows_differing_from_daily FROM
	((TABLE daily EXCEPT TABLE train) UNION ALL (TABLE train EXCEPT TABLE daily)) d;

\echo
\echo '=== 4. Two Random Cut Forests trained in the database:'
\echo '       "plain" on each day''s orders; "weekly" on weekly shingles: the'
\echo '       last 7 days'' orders, each divided by their mean, so that the'
\echo '       trend and the yearly season drop out and the weekly shape stays'
\echo
CREATE TABLE weeks AS
SELECT day, orders,
	   ARRAY(SELECT x / avg(x) OVER () FROM unnest(last7) WITH ORDINALITY u(x, i) ORDER BY i) AS week
FROM (SELECT day, orders,
			 array_agg(orders::float8) OVER (ORDER BY day ROWS 6 PRECEDING) AS last7
	  FROM train) AS t
WHERE cardinality(last7) = 7;
SELECT day, orders, week::numeric(4,2)[] FROM weeks ORDER BY day LIMIT 3;
CREATE TABLE models AS
SELECT (SELECT rcf_train(ARRAY[orders::float8]) FROM train) AS plain,
	   (SELECT rcf_train(week) FROM weeks) AS weekly;
SELECT 'plain' AS model, i.* FROM models, rcf_info(plain) i
UNION ALL
SELECT 'weekly', i.* FROM models, rcf_info(weekly) i;

\echo
\echo '=== 5. rcf_score: every day scored by both forests (about 1 is normal)'
\echo
CREATE TABLE scores AS
SELECT day, orders,
	   rcf_score(plain, ARRAY[orders::float8]) AS plain_score,
	   rcf_score(weekly, week) AS weekly_score
FROM train LEFT JOIN weeks USING (day, orders), models;
SELECT day, to_char(day, 'Dy') AS dow, orders, round(plain_score::numeric, 2) AS plain_score
FROM scores ORDER BY plain_score DESC LIMIT 5;
SELECT day, to_char(day, 'Dy') AS dow, orders, round(weekly_score::numeric, 2) AS weekly_score
FROM scores ORDER BY weekly_score DESC NULLS LAST LIMIT 5;
