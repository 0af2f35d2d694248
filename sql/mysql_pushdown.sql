-- federated_mysql: what goes to MySQL (EXPLAIN VERBOSE shows the remote
-- SQL), and every shape checked against the same query on a local copy
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_infer;
RESET client_min_messages;
SET datestyle = 'ISO, YMD';
\getenv mysql_port PG_INFER_MYSQL_PORT
\getenv mysql_user PG_INFER_MYSQL_USER
\getenv mysql_password PG_INFER_MYSQL_PASSWORD
\getenv mysql_db PG_INFER_MYSQL_DB

CREATE SERVER regress_push FOREIGN DATA WRAPPER federated_mysql
  OPTIONS (host '127.0.0.1', port :'mysql_port', dbname :'mysql_db');
CREATE USER MAPPING FOR CURRENT_USER SERVER regress_push
  OPTIONS (username :'mysql_user', password :'mysql_password');
CREATE SCHEMA regress_remote;
IMPORT FOREIGN SCHEMA :"mysql_db" LIMIT TO (orders, customers, types)
  FROM SERVER regress_push INTO regress_remote;
CREATE SCHEMA regress_local;
CREATE TABLE regress_local.orders AS SELECT * FROM regress_remote.orders;
CREATE TABLE regress_local.customers AS SELECT * FROM regress_remote.customers;
CREATE TABLE regress_local.types AS SELECT id, i32, u64, d, g, dt, ts, vc FROM regress_remote.types;
SELECT count(*) FROM regress_local.orders;

\set ECHO none
\i test/sql/mysql_compare.sql
\set ECHO all

-- columns: only those used are fetched
EXPLAIN (VERBOSE, COSTS OFF) SELECT o_orderkey, o_totalprice FROM regress_remote.orders;
EXPLAIN (VERBOSE, COSTS OFF) SELECT count(*) FROM regress_remote.orders;
SELECT * FROM regress_compare('SELECT o_orderkey, o_totalprice FROM %s.orders');
SELECT * FROM regress_compare('SELECT * FROM %s.orders');

-- comparisons of numbers and dates, IN lists, IS NULL, AND/OR/NOT: pushed
EXPLAIN (VERBOSE, COSTS OFF) SELECT o_orderkey FROM regress_remote.orders
  WHERE o_orderkey BETWEEN 100 AND 200 AND o_totalprice > 2500.5;
SELECT * FROM regress_compare('SELECT o_orderkey FROM %s.orders WHERE o_orderkey BETWEEN 100 AND 200 AND o_totalprice > 2500.5');
EXPLAIN (VERBOSE, COSTS OFF) SELECT o_orderkey FROM regress_remote.orders
  WHERE o_orderdate = DATE '2024-01-15' OR o_custkey IN (3, 5, 7);
SELECT * FROM regress_compare('SELECT o_orderkey FROM %s.orders WHERE o_orderdate = DATE ''2024-01-15'' OR o_custkey IN (3, 5, 7)');
SELECT * FROM regress_compare('SELECT o_orderkey FROM %s.orders WHERE NOT (o_orderdate < ''2024-02-01'') AND o_custkey <> 5');
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM regress_remote.types WHERE g >= 2.5 OR u64 IS NULL;
SELECT * FROM regress_compare('SELECT id FROM %s.types WHERE g >= 2.5 OR u64 IS NULL');
SELECT * FROM regress_compare('SELECT id FROM %s.types WHERE u64 > 18446744073709551614');
SELECT * FROM regress_compare('SELECT id FROM %s.types WHERE d < 0');

-- zero dates read as NULL, so a pushed date condition excludes them too
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM regress_remote.types WHERE dt IS NULL;
SELECT * FROM regress_compare('SELECT id FROM %s.types WHERE dt IS NULL');
SELECT * FROM regress_compare('SELECT id FROM %s.types WHERE dt < ''2030-01-01''');
SELECT * FROM regress_compare('SELECT id FROM %s.types WHERE ts < ''2030-01-01''');

-- text: MySQL's collation is case-insensitive; equality is checked byte for byte
EXPLAIN (VERBOSE, COSTS OFF) SELECT c_custkey FROM regress_remote.customers WHERE c_nation = 'FRANCE';
SELECT * FROM regress_compare('SELECT c_custkey FROM %s.customers WHERE c_nation = ''FRANCE''');
SELECT * FROM regress_compare('SELECT c_custkey FROM %s.customers WHERE c_nation = ''france''');
-- ... and trailing spaces count, as in PostgreSQL
SELECT * FROM regress_compare('SELECT c_custkey FROM %s.customers WHERE c_nation = ''FRANCE ''');
-- not pushed: ordering of text, LIKE, non-ASCII constants, functions, casts
EXPLAIN (VERBOSE, COSTS OFF) SELECT c_custkey FROM regress_remote.customers
  WHERE c_nation < 'G' AND c_name LIKE 'Customer#1%' AND lower(c_nation) = 'france';
SELECT * FROM regress_compare('SELECT c_custkey FROM %s.customers WHERE c_nation < ''G'' AND c_name LIKE ''Customer#1%%''');
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM regress_remote.types WHERE vc = 'héllo wörld 😀';
SELECT * FROM regress_compare('SELECT id FROM %s.types WHERE vc = ''héllo wörld 😀''');
EXPLAIN (VERBOSE, COSTS OFF) SELECT o_orderkey FROM regress_remote.orders WHERE o_orderkey + 1 = 10;
SELECT * FROM regress_compare('SELECT o_orderkey FROM %s.orders WHERE o_orderkey + 1 = 10');

-- aggregates: the orders-per-day query runs in MySQL
EXPLAIN (VERBOSE, COSTS OFF) SELECT o_orderdate, count(*) FROM regress_remote.orders GROUP BY 1;
SELECT * FROM regress_compare('SELECT o_orderdate, count(*) FROM %s.orders GROUP BY 1');
EXPLAIN (VERBOSE, COSTS OFF) SELECT o_custkey, count(*), count(o_comment), sum(o_totalprice),
    min(o_orderdate), max(o_orderkey), sum(o_orderkey)
  FROM regress_remote.orders WHERE o_orderkey < 2000 GROUP BY o_custkey;
SELECT * FROM regress_compare('SELECT o_custkey, count(*), count(o_comment), sum(o_totalprice),
    min(o_orderdate), max(o_orderkey), sum(o_orderkey) FROM %s.orders WHERE o_orderkey < 2000 GROUP BY o_custkey');
EXPLAIN (VERBOSE, COSTS OFF) SELECT count(*), max(o_totalprice) FROM regress_remote.orders;
SELECT * FROM regress_compare('SELECT count(*), max(o_totalprice) FROM %s.orders');
-- zero dates group with NULL, as they read
EXPLAIN (VERBOSE, COSTS OFF) SELECT dt, count(*) FROM regress_remote.types GROUP BY dt;
SELECT * FROM regress_compare('SELECT dt, count(*) FROM %s.types GROUP BY dt');
EXPLAIN (VERBOSE, COSTS OFF) SELECT min(dt), max(ts), count(dt) FROM regress_remote.types;
SELECT * FROM regress_compare('SELECT min(dt), max(ts), count(dt) FROM %s.types');
-- not pushed: text keys (MySQL's collation groups 'FRANCE' with 'france'),
-- avg, float sums, DISTINCT, conditions evaluated locally (HAVING:
-- mysql_upper)
EXPLAIN (VERBOSE, COSTS OFF) SELECT c_nation, count(*) FROM regress_remote.customers GROUP BY 1;
SELECT * FROM regress_compare('SELECT c_nation, count(*) FROM %s.customers GROUP BY 1');
SELECT * FROM regress_compare('SELECT o_orderstatus, avg(o_totalprice), count(DISTINCT o_custkey) FROM %s.orders GROUP BY 1');
SELECT * FROM regress_compare('SELECT o_orderdate, count(*) FROM %s.orders GROUP BY 1 HAVING min(o_orderkey) < 10');
EXPLAIN (VERBOSE, COSTS OFF) SELECT o_orderdate, count(*) FROM regress_remote.orders
  WHERE o_orderpriority LIKE '1%' GROUP BY 1;
SELECT * FROM regress_compare('SELECT o_orderdate, count(*) FROM %s.orders WHERE o_orderpriority LIKE ''1%%'' GROUP BY 1');

-- parameters of a prepared statement stay local for now, with the same result
PREPARE q(int) AS SELECT o_orderkey FROM regress_remote.orders WHERE o_orderkey = $1;
EXECUTE q(42);

-- ANALYZE samples the remote rows: the planner then knows the table's size
ANALYZE regress_remote.orders;
SELECT reltuples FROM pg_class WHERE oid = 'regress_remote.orders'::regclass;
SELECT n_distinct FROM pg_stats WHERE schemaname = 'regress_remote'
  AND tablename = 'orders' AND attname = 'o_orderstatus';
EXPLAIN (COSTS ON) SELECT * FROM regress_remote.orders WHERE o_orderkey < 100;

-- a nested loop between two scans on one connection: the inner rescans
-- while the outer streams, and the outer's rows are kept meanwhile
SET enable_hashjoin = off;
SET enable_mergejoin = off;
SELECT count(*), sum(o.o_totalprice) FROM regress_remote.customers c
  JOIN regress_remote.orders o ON o.o_custkey = c.c_custkey WHERE c.c_custkey < 4;
SELECT count(*), sum(o.o_totalprice) FROM regress_local.customers c
  JOIN regress_local.orders o ON o.o_custkey = c.c_custkey WHERE c.c_custkey < 4;
RESET enable_hashjoin;
RESET enable_mergejoin;

-- a cursor holds its scan open while other queries use the connection
BEGIN;
DECLARE c CURSOR FOR SELECT o_orderkey FROM regress_remote.orders ORDER BY o_orderkey;
FETCH 2 FROM c;
SELECT count(*) FROM regress_remote.customers;
FETCH 2 FROM c;
COMMIT;

SET client_min_messages = warning;
DROP SCHEMA regress_local CASCADE;
DROP SCHEMA regress_remote CASCADE;
DROP SERVER regress_push CASCADE;
DROP FUNCTION regress_compare, regress_compare_ordered;
