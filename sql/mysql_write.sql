-- federated_mysql: INSERT (batched), UPDATE and DELETE by key, and remote
-- transactions tied to the local one
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_infer;
RESET client_min_messages;
SET datestyle = 'ISO, YMD';
\getenv mysql_port PG_INFER_MYSQL_PORT
\getenv mysql_user PG_INFER_MYSQL_USER
\getenv mysql_password PG_INFER_MYSQL_PASSWORD
\getenv mysql_db PG_INFER_MYSQL_DB

CREATE SERVER regress_write FOREIGN DATA WRAPPER federated_mysql
  OPTIONS (host '127.0.0.1', port :'mysql_port', dbname :'mysql_db', batch_size '100');
CREATE USER MAPPING FOR CURRENT_USER SERVER regress_write
  OPTIONS (username :'mysql_user', password :'mysql_password');
CREATE SCHEMA regress_w;
IMPORT FOREIGN SCHEMA :"mysql_db" LIMIT TO (wtest, wparent, wchild)
  FROM SERVER regress_write INTO regress_w;
\d regress_w.wtest

-- the MySQL side, read with MariaDB's own client
\set remote_count '\\! mariadb --no-defaults -h127.0.0.1 -P"$PG_INFER_MYSQL_PORT" -u"$PG_INFER_MYSQL_USER" -p"$PG_INFER_MYSQL_PASSWORD" "$PG_INFER_MYSQL_DB" -N -e "SELECT COUNT(*), COALESCE(SUM(n), 0) FROM wtest"'

-- INSERT: one row, then 250 rows in statements of 100
INSERT INTO regress_w.wtest VALUES (1, 'one', 1.50, '2024-02-29');
INSERT INTO regress_w.wtest
  SELECT g, 'row ' || g, g / 100.0, DATE '2024-01-01' + g FROM generate_series(2, 251) g;
SELECT count(*), sum(n), min(d), max(d) FROM regress_w.wtest;
:remote_count
-- text comes back as it went: emoji, quotes, backslashes, NUL-free control characters
INSERT INTO regress_w.wtest (id, v) VALUES (300, E'😀 it''s a \\ and\ttab');
SELECT v, length(v) FROM regress_w.wtest WHERE id = 300;

-- UPDATE and DELETE address rows by the key (the remote primary key)
UPDATE regress_w.wtest SET n = n + 1, v = upper(v) WHERE id <= 5;
SELECT id, v, n FROM regress_w.wtest WHERE id <= 5 ORDER BY id;
UPDATE regress_w.wtest SET d = NULL WHERE v LIKE 'row 1_';
SELECT count(*) FROM regress_w.wtest WHERE d IS NULL;
DELETE FROM regress_w.wtest WHERE id > 200;
SELECT count(*) FROM regress_w.wtest;
:remote_count

-- a rollback leaves MySQL unchanged
BEGIN;
INSERT INTO regress_w.wtest VALUES (1000, 'rolled back', 5, NULL);
UPDATE regress_w.wtest SET n = 0 WHERE id = 1;
DELETE FROM regress_w.wtest WHERE id = 2;
SELECT count(*), sum(n) FROM regress_w.wtest;
ROLLBACK;
SELECT count(*), sum(n) FROM regress_w.wtest;
:remote_count

-- savepoints: a rolled-back subtransaction undoes only its own changes
BEGIN;
INSERT INTO regress_w.wtest VALUES (1001, 'kept', 1, NULL);
SAVEPOINT a;
INSERT INTO regress_w.wtest VALUES (1002, 'undone', 1, NULL);
ROLLBACK TO a;
INSERT INTO regress_w.wtest VALUES (1003, 'kept too', 1, NULL);
COMMIT;
SELECT id, v FROM regress_w.wtest WHERE id > 1000 ORDER BY id;
-- an exception block catches a remote error; the rest of the transaction commits
DO $$
BEGIN
  INSERT INTO regress_w.wtest VALUES (1004, 'before', 1, NULL);
  BEGIN
    INSERT INTO regress_w.wtest VALUES (1005, 'inside', 1, NULL);
    INSERT INTO regress_w.wtest VALUES (1, 'duplicate', 1, NULL);
  EXCEPTION WHEN unique_violation THEN
    RAISE NOTICE 'caught: %', SQLERRM;
  END;
  INSERT INTO regress_w.wtest VALUES (1006, 'after', 1, NULL);
END $$;
SELECT id, v FROM regress_w.wtest WHERE id > 1003 ORDER BY id;

-- remote constraint violations, with MySQL's message; the next statement works
INSERT INTO regress_w.wtest VALUES (1, 'duplicate', 1, NULL);
INSERT INTO regress_w.wtest VALUES (2000, NULL, 1, NULL);
INSERT INTO regress_w.wtest VALUES (2000, 'negative', -1, NULL);
INSERT INTO regress_w.wchild VALUES (1, 42);
INSERT INTO regress_w.wtest VALUES (2000, 'much too long for the column', 1, NULL);
SELECT count(*) FROM regress_w.wtest;
-- a failed batch leaves none of its rows
INSERT INTO regress_w.wtest SELECT 3000 + g, 'b' || g, 1, NULL::date FROM generate_series(1, 150) g
  UNION ALL SELECT 1, 'dup', 1, NULL;
SELECT count(*) FROM regress_w.wtest WHERE id > 3000;

-- what cannot be done, said clearly
INSERT INTO regress_w.wtest VALUES (4000, 'r', 1, NULL) RETURNING id;
CREATE FOREIGN TABLE regress_w.nokey (id int, v text) SERVER regress_write
  OPTIONS (table_name 'wtest');
UPDATE regress_w.nokey SET v = 'x' WHERE id = 1;
CREATE FOREIGN TABLE regress_w.q (id int) SERVER regress_write
  OPTIONS (query 'SELECT id FROM wtest');
INSERT INTO regress_w.q VALUES (1);
BEGIN;
INSERT INTO regress_w.wtest VALUES (4001, 'prepared', 1, NULL);
PREPARE TRANSACTION 'regress_mysql';
SELECT count(*) FROM regress_w.wtest WHERE id = 4001;

-- COPY into a foreign table
COPY regress_w.wtest FROM STDIN;
5001	copied one	1.00	2024-05-01
5002	copied two	2.00	\N
\.
SELECT id, v, n, d FROM regress_w.wtest WHERE id > 5000 ORDER BY id;

SET client_min_messages = warning;
DROP SCHEMA regress_w CASCADE;
DROP SERVER regress_write CASCADE;
