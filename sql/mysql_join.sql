-- federated_mysql: joins of foreign tables of one server and user mapping
-- run in MySQL (EXPLAIN VERBOSE shows the remote SQL), each checked against
-- the same query on local copies of the tables; what MySQL cannot run the
-- same way stays local, with the same result.  Last, EvalPlanQual: an
-- UPDATE joining a local table with a pushed join, whose rows a concurrent
-- transaction changes, gives what it gives on local tables.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_infer;
CREATE EXTENSION IF NOT EXISTS dblink;
RESET client_min_messages;
SET datestyle = 'ISO, YMD';
\getenv mysql_port PG_INFER_MYSQL_PORT
\getenv mysql_user PG_INFER_MYSQL_USER
\getenv mysql_password PG_INFER_MYSQL_PASSWORD
\getenv mysql_db PG_INFER_MYSQL_DB

CREATE SERVER regress_join FOREIGN DATA WRAPPER federated_mysql
  OPTIONS (host '127.0.0.1', port :'mysql_port', dbname :'mysql_db');
CREATE USER MAPPING FOR CURRENT_USER SERVER regress_join
  OPTIONS (username :'mysql_user', password :'mysql_password');
-- the same MySQL server under another name: another connection
CREATE SERVER regress_join2 FOREIGN DATA WRAPPER federated_mysql
  OPTIONS (host '127.0.0.1', port :'mysql_port', dbname :'mysql_db');
CREATE USER MAPPING FOR CURRENT_USER SERVER regress_join2
  OPTIONS (username :'mysql_user', password :'mysql_password');
CREATE SCHEMA regress_remote;
IMPORT FOREIGN SCHEMA :"mysql_db" LIMIT TO (orders, customers, events, visits)
  FROM SERVER regress_join INTO regress_remote;
CREATE SCHEMA regress_other;
IMPORT FOREIGN SCHEMA :"mysql_db" LIMIT TO (visits)
  FROM SERVER regress_join2 INTO regress_other;
CREATE SCHEMA regress_local;
CREATE TABLE regress_local.orders AS SELECT * FROM regress_remote.orders;
CREATE TABLE regress_local.customers AS SELECT * FROM regress_remote.customers;
CREATE TABLE regress_local.events AS SELECT * FROM regress_remote.events;
CREATE TABLE regress_local.visits AS SELECT * FROM regress_remote.visits;
ANALYZE regress_local.orders, regress_local.customers, regress_local.events, regress_local.visits;

\set ECHO none
\i test/sql/mysql_compare.sql
\set ECHO all

-- INNER, LEFT and RIGHT joins, with each table's conditions
EXPLAIN (VERBOSE, COSTS OFF) SELECT e.id, e.label, v.note
  FROM regress_remote.events e JOIN regress_remote.visits v ON v.event_id = e.id;
SELECT * FROM regress_compare('SELECT e.id, e.label, v.note FROM %1$s.events e JOIN %1$s.visits v ON v.event_id = e.id');
EXPLAIN (VERBOSE, COSTS OFF) SELECT e.id, v.vid, v.note
  FROM regress_remote.events e LEFT JOIN regress_remote.visits v ON v.event_id = e.id AND v.vid > 100
  WHERE e.n IS NOT NULL;
SELECT * FROM regress_compare('SELECT e.id, v.vid, v.note FROM %1$s.events e LEFT JOIN %1$s.visits v ON v.event_id = e.id AND v.vid > 100 WHERE e.n IS NOT NULL');
EXPLAIN (VERBOSE, COSTS OFF) SELECT e.id, v.vid
  FROM regress_remote.events e RIGHT JOIN regress_remote.visits v ON v.event_id = e.id
  WHERE v.vid < 107 AND e.id IS NULL;
SELECT * FROM regress_compare('SELECT e.id, v.vid FROM %1$s.events e RIGHT JOIN %1$s.visits v ON v.event_id = e.id WHERE v.vid < 107 AND e.id IS NULL');
SELECT * FROM regress_compare('SELECT e.id, v.vid FROM %1$s.events e LEFT JOIN %1$s.visits v ON v.event_id = e.id WHERE v.vid IS NULL');
-- dates: zero dates (NULL here) match nothing
EXPLAIN (VERBOSE, COSTS OFF) SELECT e.id, v.vid FROM regress_remote.events e
  JOIN regress_remote.visits v ON v.day = e.day;
SELECT * FROM regress_compare('SELECT e.id, v.vid, e.day FROM %1$s.events e JOIN %1$s.visits v ON v.day = e.day');
SELECT * FROM regress_compare('SELECT e.id, v.vid FROM %1$s.events e LEFT JOIN %1$s.visits v ON v.day = e.day');
-- three tables
EXPLAIN (VERBOSE, COSTS OFF) SELECT o.o_orderkey, c.c_name, e.label
  FROM regress_remote.orders o JOIN regress_remote.customers c ON c.c_custkey = o.o_custkey
  LEFT JOIN regress_remote.events e ON e.id = c.c_custkey
  WHERE o.o_orderkey < 40;
SELECT * FROM regress_compare('SELECT o.o_orderkey, c.c_name, e.label FROM %1$s.orders o JOIN %1$s.customers c ON c.c_custkey = o.o_custkey LEFT JOIN %1$s.events e ON e.id = c.c_custkey WHERE o.o_orderkey < 40');
-- a grouping, an ORDER BY and a LIMIT over a join
EXPLAIN (VERBOSE, COSTS OFF) SELECT e.day, count(*), sum(v.vid)
  FROM regress_remote.events e JOIN regress_remote.visits v ON v.event_id = e.id GROUP BY e.day;
SELECT * FROM regress_compare('SELECT e.day, count(*), sum(v.vid) FROM %1$s.events e JOIN %1$s.visits v ON v.event_id = e.id GROUP BY e.day');
EXPLAIN (VERBOSE, COSTS OFF) SELECT e.id, v.vid FROM regress_remote.events e
  JOIN regress_remote.visits v ON v.event_id = e.id ORDER BY v.day DESC, v.vid LIMIT 3;
SELECT * FROM regress_compare_ordered('SELECT e.id, v.vid FROM %1$s.events e JOIN %1$s.visits v ON v.event_id = e.id ORDER BY v.day DESC, v.vid LIMIT 3');

-- SEMI and ANTI joins (EXISTS, IN, NOT EXISTS) as [NOT] EXISTS in MySQL
EXPLAIN (VERBOSE, COSTS OFF) SELECT e.id FROM regress_remote.events e
  WHERE e.n > 0 AND EXISTS (SELECT 1 FROM regress_remote.visits v WHERE v.event_id = e.id AND v.vid > 100);
SELECT * FROM regress_compare('SELECT e.id FROM %1$s.events e WHERE e.n > 0 AND EXISTS (SELECT 1 FROM %1$s.visits v WHERE v.event_id = e.id AND v.vid > 100)');
EXPLAIN (VERBOSE, COSTS OFF) SELECT e.id FROM regress_remote.events e
  WHERE NOT EXISTS (SELECT 1 FROM regress_remote.visits v WHERE v.day = e.day);
SELECT * FROM regress_compare('SELECT e.id FROM %1$s.events e WHERE NOT EXISTS (SELECT 1 FROM %1$s.visits v WHERE v.day = e.day)');
EXPLAIN (VERBOSE, COSTS OFF) SELECT c.c_custkey FROM regress_remote.customers c
  WHERE c.c_custkey IN (SELECT o.o_custkey FROM regress_remote.orders o WHERE o.o_orderkey < 200);
SELECT * FROM regress_compare('SELECT c.c_custkey FROM %1$s.customers c WHERE c.c_custkey IN (SELECT o.o_custkey FROM %1$s.orders o WHERE o.o_orderkey < 200)');
SELECT * FROM regress_compare('SELECT e.day, count(*) FROM %1$s.events e WHERE EXISTS (SELECT 1 FROM %1$s.visits v WHERE v.event_id = e.id) GROUP BY e.day');
-- ... over a join of tables (a SEMI join is not joined further in MySQL,
-- nor pushed under EvalPlanQual: it returns no inner row to recheck with)
EXPLAIN (VERBOSE, COSTS OFF) SELECT e.id, c.c_name FROM regress_remote.events e
  JOIN regress_remote.customers c ON c.c_custkey = e.id
  WHERE EXISTS (SELECT 1 FROM regress_remote.visits v WHERE v.event_id = e.id);
SELECT * FROM regress_compare('SELECT e.id, c.c_name FROM %1$s.events e JOIN %1$s.customers c ON c.c_custkey = e.id WHERE EXISTS (SELECT 1 FROM %1$s.visits v WHERE v.event_id = e.id)');

-- not pushed: a FULL join (MySQL has none), an outer join's ON condition
-- MySQL cannot evaluate, tables of two servers; an inner join's condition
-- MySQL cannot evaluate stays here, on top of the pushed join
EXPLAIN (VERBOSE, COSTS OFF) SELECT e.id, v.vid
  FROM regress_remote.events e FULL JOIN regress_remote.visits v ON v.event_id = e.id;
SELECT * FROM regress_compare('SELECT e.id, v.vid FROM %1$s.events e FULL JOIN %1$s.visits v ON v.event_id = e.id');
EXPLAIN (VERBOSE, COSTS OFF) SELECT e.id, v.vid
  FROM regress_remote.events e LEFT JOIN regress_remote.visits v ON v.event_id = e.id AND v.note LIKE 'a%';
SELECT * FROM regress_compare('SELECT e.id, v.vid FROM %1$s.events e LEFT JOIN %1$s.visits v ON v.event_id = e.id AND v.note LIKE ''a%%''');
EXPLAIN (VERBOSE, COSTS OFF) SELECT e.id, v.vid
  FROM regress_remote.events e JOIN regress_remote.visits v ON v.event_id = e.id AND v.note <> e.label;
SELECT * FROM regress_compare('SELECT e.id, v.vid FROM %1$s.events e JOIN %1$s.visits v ON v.event_id = e.id AND v.note <> e.label');
EXPLAIN (VERBOSE, COSTS OFF) SELECT e.id, v.vid
  FROM regress_remote.events e JOIN regress_other.visits v ON v.event_id = e.id;

-- whole rows, as EvalPlanQual keeps them: a table's, and a join's (read
-- from MySQL as each row's text form)
SELECT * FROM regress_compare('SELECT e::text FROM %1$s.events e');
EXPLAIN (VERBOSE, COSTS OFF) SELECT e, v.vid FROM regress_remote.events e
  JOIN regress_remote.visits v ON v.event_id = e.id FOR UPDATE;
SELECT * FROM regress_compare('SELECT * FROM (SELECT e::text, v::text FROM %1$s.events e JOIN %1$s.visits v ON v.event_id = e.id FOR UPDATE) q');

-- use_remote_estimate: the row counts come from MySQL's EXPLAIN (of the
-- query sent, pushed conditions included), for tables and joins
CREATE FUNCTION regress_rows(query text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  plan json;
BEGIN
  EXECUTE 'EXPLAIN (FORMAT JSON) ' || query INTO plan;
  RETURN (plan -> 0 -> 'Plan' ->> 'Plan Rows')::bigint;
END $$;
SELECT regress_rows('SELECT * FROM regress_remote.orders WHERE o_custkey = 5') AS local_guess;
ALTER SERVER regress_join OPTIONS (ADD use_remote_estimate 'true');
SELECT regress_rows('SELECT * FROM regress_remote.orders') AS all_rows,
       regress_rows('SELECT * FROM regress_remote.orders WHERE o_custkey = 5') AS custkey_5,
       regress_rows('SELECT * FROM regress_remote.orders WHERE o_orderkey < 100') AS orderkey_below_100;
EXPLAIN (VERBOSE, COSTS OFF) SELECT o.o_orderkey, c.c_name FROM regress_remote.orders o
  JOIN regress_remote.customers c ON c.c_custkey = o.o_custkey WHERE c.c_custkey < 10;
SELECT regress_rows('SELECT o.o_orderkey, c.c_name FROM regress_remote.orders o JOIN regress_remote.customers c ON c.c_custkey = o.o_custkey WHERE c.c_custkey < 10') AS joined;
SELECT * FROM regress_compare('SELECT o.o_orderkey, c.c_name FROM %1$s.orders o JOIN %1$s.customers c ON c.c_custkey = o.o_custkey WHERE c.c_custkey < 10');
-- a table option overrides the server's
ALTER FOREIGN TABLE regress_remote.orders OPTIONS (ADD use_remote_estimate 'false');
SELECT regress_rows('SELECT * FROM regress_remote.orders WHERE o_custkey = 5') AS local_guess_again;
-- the remote EXPLAIN fails as the query would: a clear error at planning
CREATE FOREIGN TABLE regress_remote.missing (id int) SERVER regress_join
  OPTIONS (table_name 'no_such_table');
EXPLAIN SELECT * FROM regress_remote.missing;
SELECT count(*) FROM regress_remote.events;
ALTER SERVER regress_join OPTIONS (DROP use_remote_estimate);

-- EvalPlanQual: an UPDATE of a local table joined with a pushed join
-- waits for rows a concurrent transaction changes.  The changed rows are
-- rechecked against the joined rows as they were read (MySQL's whole-row
-- values, joined again locally): row 1 still matches, with its new value;
-- row 2 no longer does, and is left alone; row 3 was not changed.
CREATE TABLE regress_epq (id int PRIMARY KEY, event_id int, bump int, result text);
SELECT dblink_connect('regress_join_other',
	format('dbname=%s port=%s host=%s', current_database(),
		   current_setting('port'),
		   split_part(current_setting('unix_socket_directories'), ',', 1)));
SELECT pid AS other_pid FROM dblink('regress_join_other', 'SELECT pg_backend_pid()')
	AS t(pid int) \gset
-- (with these few rows, unanalyzed, a local merge join would look cheaper)
SELECT dblink_exec('regress_join_other', 'SET enable_mergejoin = off');
-- Waits until the second session waits for a lock this session holds
CREATE FUNCTION regress_wait(pid int) RETURNS bool LANGUAGE plpgsql AS $$
BEGIN
  FOR i IN 1..600 LOOP
    IF pg_backend_pid() = ANY (pg_blocking_pids(pid)) THEN
      RETURN true;
    END IF;
    PERFORM pg_sleep(0.05);
  END LOOP;
  RETURN false;
END $$;
-- Puts the local table's rows back
CREATE FUNCTION regress_epq_reset() RETURNS void LANGUAGE sql AS $$
  TRUNCATE regress_epq;
  INSERT INTO regress_epq VALUES (1, 7, 0, NULL), (2, 12, 0, NULL), (3, 5, 0, NULL);
$$;
SELECT regress_epq_reset();
BEGIN;
UPDATE regress_epq SET bump = 100 WHERE id = 1;
UPDATE regress_epq SET event_id = 3 WHERE id = 2;
SELECT dblink_send_query('regress_join_other', $$
  UPDATE regress_epq l SET result = concat_ws('/', l.bump, e.label, e.day, e.at, e.amount, v.note, v.day)
    FROM regress_remote.events e JOIN regress_remote.visits v ON v.event_id = e.id
   WHERE l.event_id = e.id$$);
SELECT regress_wait(:other_pid) AS waiting;
COMMIT;
SELECT * FROM dblink_get_result('regress_join_other') AS t(status text);
SELECT * FROM dblink_get_result('regress_join_other') AS t(status text);
CREATE TABLE regress_epq_remote AS SELECT * FROM regress_epq ORDER BY id;
SELECT * FROM regress_epq_remote;
-- the plan: the join in MySQL, with the tables' whole rows for the recheck
SELECT * FROM dblink('regress_join_other', $$
  EXPLAIN (VERBOSE, COSTS OFF)
  UPDATE regress_epq l SET result = concat_ws('/', l.bump, e.label, e.day, e.at, e.amount, v.note, v.day)
    FROM regress_remote.events e JOIN regress_remote.visits v ON v.event_id = e.id
   WHERE l.event_id = e.id$$) AS t(line text);
-- the same with the local copies
SELECT regress_epq_reset();
BEGIN;
UPDATE regress_epq SET bump = 100 WHERE id = 1;
UPDATE regress_epq SET event_id = 3 WHERE id = 2;
SELECT dblink_send_query('regress_join_other', $$
  UPDATE regress_epq l SET result = concat_ws('/', l.bump, e.label, e.day, e.at, e.amount, v.note, v.day)
    FROM regress_local.events e JOIN regress_local.visits v ON v.event_id = e.id
   WHERE l.event_id = e.id$$);
SELECT regress_wait(:other_pid) AS waiting;
COMMIT;
SELECT * FROM dblink_get_result('regress_join_other') AS t(status text);
SELECT * FROM dblink_get_result('regress_join_other') AS t(status text);
SELECT (SELECT array_agg(r::text ORDER BY r.id) FROM regress_epq r) =
       (SELECT array_agg(r::text ORDER BY r.id) FROM regress_epq_remote r) AS same_result;
SELECT dblink_disconnect('regress_join_other');

SET client_min_messages = warning;
DROP TABLE regress_epq, regress_epq_remote;
DROP FUNCTION regress_wait, regress_epq_reset, regress_rows, regress_compare, regress_compare_ordered;
DROP SCHEMA regress_local CASCADE;
DROP SCHEMA regress_remote CASCADE;
DROP SCHEMA regress_other CASCADE;
DROP SERVER regress_join CASCADE;
DROP SERVER regress_join2 CASCADE;
