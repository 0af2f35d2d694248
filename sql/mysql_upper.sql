-- federated_mysql: GROUP BY with HAVING, ORDER BY and LIMIT/OFFSET in MySQL
-- (EXPLAIN VERBOSE shows the remote SQL), each checked against the same
-- query on a local copy of the data; what MySQL would answer differently
-- stays local, with the same result
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_infer;
RESET client_min_messages;
SET datestyle = 'ISO, YMD';
\getenv mysql_port PG_INFER_MYSQL_PORT
\getenv mysql_user PG_INFER_MYSQL_USER
\getenv mysql_password PG_INFER_MYSQL_PASSWORD
\getenv mysql_db PG_INFER_MYSQL_DB

CREATE SERVER regress_upper FOREIGN DATA WRAPPER federated_mysql
  OPTIONS (host '127.0.0.1', port :'mysql_port', dbname :'mysql_db');
CREATE USER MAPPING FOR CURRENT_USER SERVER regress_upper
  OPTIONS (username :'mysql_user', password :'mysql_password');
CREATE SCHEMA regress_remote;
IMPORT FOREIGN SCHEMA :"mysql_db" LIMIT TO (orders, events)
  FROM SERVER regress_upper INTO regress_remote;
CREATE SCHEMA regress_local;
CREATE TABLE regress_local.orders AS SELECT * FROM regress_remote.orders;
CREATE TABLE regress_local.events AS SELECT * FROM regress_remote.events;
-- zero dates read as NULL: 0000-00-00, 2024-00-05, 2024-03-00
SELECT id, day, at FROM regress_local.events ORDER BY id;

\set ECHO none
\i test/sql/mysql_compare.sql
\set ECHO all

-- GROUP BY a date: MySQL groups by the stored value (an index can serve
-- it), and an outer level folds the zero dates into the NULL group
EXPLAIN (VERBOSE, COSTS OFF) SELECT day, count(*), sum(amount), min(at), max(n)
  FROM regress_remote.events GROUP BY day;
SELECT * FROM regress_compare('SELECT day, count(*), sum(amount), min(at), max(n) FROM %s.events GROUP BY day');
SELECT * FROM regress_compare('SELECT day, n, count(*), count(label) FROM %s.events GROUP BY day, n');
SELECT * FROM regress_compare('SELECT at, count(*) FROM %s.events WHERE id > 1 GROUP BY at');
-- without a date key: one level
EXPLAIN (VERBOSE, COSTS OFF) SELECT n, count(*) FROM regress_remote.events GROUP BY n;
SELECT * FROM regress_compare('SELECT n, count(*), min(day) FROM %s.events GROUP BY n');

-- HAVING runs in MySQL with the aggregate, also on aggregates not selected
EXPLAIN (VERBOSE, COSTS OFF) SELECT o_custkey, count(*) FROM regress_remote.orders
  GROUP BY o_custkey HAVING count(*) > 30 AND min(o_orderkey) < 50;
SELECT * FROM regress_compare('SELECT o_custkey, count(*) FROM %s.orders GROUP BY o_custkey HAVING count(*) > 30 AND min(o_orderkey) < 50');
SELECT * FROM regress_compare('SELECT o_orderdate, count(*) FROM %s.orders GROUP BY 1 HAVING min(o_orderkey) < 10');
-- ... and over a two-level grouping: on the folded values
EXPLAIN (VERBOSE, COSTS OFF) SELECT day, count(*) FROM regress_remote.events
  GROUP BY day HAVING day IS NULL OR sum(n) >= 7;
SELECT * FROM regress_compare('SELECT day, count(*) FROM %s.events GROUP BY day HAVING day IS NULL OR sum(n) >= 7');
SELECT * FROM regress_compare('SELECT day, count(*) FROM %s.events GROUP BY day HAVING count(*) > 1');
SELECT * FROM regress_compare('SELECT count(*) FROM %s.events HAVING count(*) > 100');
-- a HAVING condition MySQL cannot take keeps the whole grouping here
EXPLAIN (VERBOSE, COSTS OFF) SELECT n, count(*) FROM regress_remote.events
  GROUP BY n HAVING avg(amount) > 1;
SELECT * FROM regress_compare('SELECT n, count(*) FROM %s.events GROUP BY n HAVING avg(amount) > 1');

-- ORDER BY: NULLs placed as PostgreSQL places them (MySQL puts them first
-- ascending), zero dates sorted as the NULLs they read as
EXPLAIN (VERBOSE, COSTS OFF) SELECT id, n FROM regress_remote.events ORDER BY n, id;
SELECT * FROM regress_compare_ordered('SELECT id, n FROM %s.events ORDER BY n, id');
SELECT * FROM regress_compare_ordered('SELECT id, n FROM %s.events ORDER BY n DESC, id');
SELECT * FROM regress_compare_ordered('SELECT id, n FROM %s.events ORDER BY n NULLS FIRST, id DESC');
SELECT * FROM regress_compare_ordered('SELECT id, n FROM %s.events ORDER BY n DESC NULLS LAST, id');
EXPLAIN (VERBOSE, COSTS OFF) SELECT id, day FROM regress_remote.events ORDER BY day, id;
SELECT * FROM regress_compare_ordered('SELECT id, day FROM %s.events ORDER BY day, id');
SELECT * FROM regress_compare_ordered('SELECT id, at, amount FROM %s.events ORDER BY at DESC, amount, id');
SELECT * FROM regress_compare_ordered('SELECT id, amount * 2 AS a FROM %s.events WHERE id > 2 ORDER BY amount NULLS FIRST, id');
-- a NOT NULL column needs no NULL placement
EXPLAIN (VERBOSE, COSTS OFF) SELECT o_orderkey FROM regress_remote.orders ORDER BY o_orderkey DESC;
SELECT * FROM regress_compare_ordered('SELECT o_orderkey, o_totalprice FROM %s.orders ORDER BY o_totalprice, o_orderkey DESC');
-- text: in the C collation MySQL compares the UTF-8 bytes, as PostgreSQL does
EXPLAIN (VERBOSE, COSTS OFF) SELECT id, label FROM regress_remote.events ORDER BY label COLLATE "C", id;
SELECT * FROM regress_compare_ordered('SELECT id, label FROM %s.events ORDER BY label COLLATE "C", id');
SELECT * FROM regress_compare_ordered('SELECT id, label FROM %s.events ORDER BY label COLLATE "C" DESC NULLS LAST, id');
-- ... in another collation the sort stays here (MySQL's utf8mb4_general_ci
-- would put 'apple', 'Apple' and 'apple ' together, in any order)
EXPLAIN (VERBOSE, COSTS OFF) SELECT id, label FROM regress_remote.events ORDER BY label COLLATE "und-x-icu", id;
SELECT * FROM regress_compare_ordered('SELECT id, label FROM %s.events ORDER BY label COLLATE "und-x-icu", id');
-- a grouping sorted in MySQL, by a key or an aggregate
EXPLAIN (VERBOSE, COSTS OFF) SELECT day, count(*) FROM regress_remote.events
  GROUP BY day ORDER BY count(*) DESC, day;
SELECT * FROM regress_compare_ordered('SELECT day, count(*) FROM %s.events GROUP BY day ORDER BY count(*) DESC, day');
SELECT * FROM regress_compare_ordered('SELECT n, sum(amount) FROM %s.events GROUP BY n ORDER BY sum(amount) NULLS FIRST, n');
-- not pushed: an expression, a local condition below
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM regress_remote.events ORDER BY n + 1, id;
SELECT * FROM regress_compare_ordered('SELECT id FROM %s.events ORDER BY n + 1, id');
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM regress_remote.events WHERE label LIKE 'a%' ORDER BY id;
SELECT * FROM regress_compare_ordered('SELECT id FROM %s.events WHERE label LIKE ''a%%'' ORDER BY id');

-- LIMIT and OFFSET go with everything below them
EXPLAIN (VERBOSE, COSTS OFF) SELECT id, day FROM regress_remote.events ORDER BY day DESC, id LIMIT 4 OFFSET 2;
SELECT * FROM regress_compare_ordered('SELECT id, day FROM %s.events ORDER BY day DESC, id LIMIT 4 OFFSET 2');
EXPLAIN (VERBOSE, COSTS OFF) SELECT o_orderkey FROM regress_remote.orders ORDER BY o_orderkey OFFSET 2995;
SELECT * FROM regress_compare_ordered('SELECT o_orderkey FROM %s.orders ORDER BY o_orderkey OFFSET 2995');
EXPLAIN (VERBOSE, COSTS OFF) SELECT o_orderkey FROM regress_remote.orders LIMIT 1 + 2;
SELECT count(*) FROM (SELECT o_orderkey FROM regress_remote.orders LIMIT 1 + 2) q;
SELECT count(*) FROM (SELECT o_orderkey FROM regress_remote.orders LIMIT 0) q;
SELECT count(*) FROM (SELECT o_orderkey FROM regress_remote.orders LIMIT ALL) q;
EXPLAIN (VERBOSE, COSTS OFF) SELECT o_custkey, count(*) FROM regress_remote.orders
  GROUP BY o_custkey HAVING count(*) > 30 ORDER BY count(*) DESC, o_custkey LIMIT 3;
SELECT * FROM regress_compare_ordered('SELECT o_custkey, count(*) FROM %s.orders GROUP BY o_custkey HAVING count(*) > 30 ORDER BY count(*) DESC, o_custkey LIMIT 3');
-- not pushed: a local condition or sort below, WITH TIES, a parameter,
-- a negative count (the error is PostgreSQL's)
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM regress_remote.events WHERE label LIKE 'a%' LIMIT 2;
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM regress_remote.events ORDER BY n + 1, id LIMIT 2;
SELECT * FROM regress_compare_ordered('SELECT id FROM %s.events ORDER BY n + 1, id LIMIT 2');
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM regress_remote.events ORDER BY n FETCH FIRST 4 ROWS WITH TIES;
SELECT * FROM regress_compare('SELECT * FROM (SELECT id FROM %s.events ORDER BY n FETCH FIRST 4 ROWS WITH TIES) q');
-- (a custom plan has the parameter's value: a constant; a generic one has not)
PREPARE lim(bigint) AS SELECT id FROM regress_remote.events ORDER BY id LIMIT $1;
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE lim(2);
SET plan_cache_mode = force_generic_plan;
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE lim(2);
EXECUTE lim(2);
RESET plan_cache_mode;
SELECT id FROM regress_remote.events ORDER BY id LIMIT -1;

-- a cursor over a pushed ORDER BY and LIMIT: fetched forward, then from the start
BEGIN;
DECLARE c SCROLL CURSOR FOR SELECT id FROM regress_remote.events ORDER BY day NULLS FIRST, id LIMIT 5;
FETCH 3 FROM c;
FETCH ALL FROM c;
FETCH FIRST FROM c;
COMMIT;

SET client_min_messages = warning;
DROP SCHEMA regress_local CASCADE;
DROP SCHEMA regress_remote CASCADE;
DROP SERVER regress_upper CASCADE;
DROP FUNCTION regress_compare_ordered, regress_compare;
