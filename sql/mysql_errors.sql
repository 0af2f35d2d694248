-- federated_mysql: failures of the MySQL side, each a clear ERROR with
-- MySQL's message in the detail and no password anywhere, and the next
-- query working
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_infer;
RESET client_min_messages;
\getenv mysql_port PG_INFER_MYSQL_PORT
\getenv mysql_user PG_INFER_MYSQL_USER
\getenv mysql_password PG_INFER_MYSQL_PASSWORD
\getenv mysql_db PG_INFER_MYSQL_DB
\set client 'mariadb --no-defaults -h127.0.0.1 -P"$PG_INFER_MYSQL_PORT" -u"$PG_INFER_MYSQL_USER" -p"$PG_INFER_MYSQL_PASSWORD" "$PG_INFER_MYSQL_DB" -N'

CREATE SERVER regress_err FOREIGN DATA WRAPPER federated_mysql
  OPTIONS (host '127.0.0.1', port :'mysql_port', dbname :'mysql_db');
CREATE USER MAPPING FOR CURRENT_USER SERVER regress_err
  OPTIONS (username :'mysql_user', password 'wrong-secret-1234');
CREATE SCHEMA regress_e;
CREATE FOREIGN TABLE regress_e.things (id int, v text) SERVER regress_err;
CREATE FOREIGN TABLE regress_e.big (n bigint) SERVER regress_err
  OPTIONS (query 'SELECT seq FROM seq_1_to_50000000');
CREATE FOREIGN TABLE regress_e.sleepy (s int) SERVER regress_err
  OPTIONS (query 'SELECT SLEEP(20)');

-- wrong password: MySQL's refusal, not the password
SELECT * FROM regress_e.things;
ALTER USER MAPPING FOR CURRENT_USER SERVER regress_err
  OPTIONS (SET password :'mysql_password');
SELECT * FROM regress_e.things ORDER BY id;

-- nothing listening (an address that cannot be reached is the same path)
ALTER SERVER regress_err OPTIONS (SET port '1');
SELECT * FROM regress_e.things;
ALTER SERVER regress_err OPTIONS (SET port :'mysql_port');
SELECT count(*) FROM regress_e.things;

-- unknown table, unknown column
CREATE FOREIGN TABLE regress_e.nope (id int) SERVER regress_err OPTIONS (table_name 'nope');
SELECT * FROM regress_e.nope;
CREATE FOREIGN TABLE regress_e.badcol (id int, nope int) SERVER regress_err
  OPTIONS (table_name 'things');
SELECT nope FROM regress_e.badcol;
SELECT id FROM regress_e.badcol ORDER BY id;

-- a non-superuser needs a password in the user mapping
CREATE ROLE regress_err_user;
GRANT USAGE ON FOREIGN SERVER regress_err TO regress_err_user;
GRANT USAGE ON SCHEMA regress_e TO regress_err_user;
GRANT SELECT ON regress_e.things TO regress_err_user;
CREATE USER MAPPING FOR regress_err_user SERVER regress_err
  OPTIONS (username :'mysql_user');
SET ROLE regress_err_user;
SELECT * FROM regress_e.things;
RESET ROLE;

-- cancel while MySQL works: the remote statement is stopped too
SET statement_timeout = '300ms';
SELECT * FROM regress_e.sleepy;
RESET statement_timeout;
\! sleep 0.5; mariadb --no-defaults -h127.0.0.1 -P"$PG_INFER_MYSQL_PORT" -u"$PG_INFER_MYSQL_USER" -p"$PG_INFER_MYSQL_PASSWORD" -N -e "SELECT COUNT(*) AS still_sleeping FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT * FROM (SELECT SLEEP%'"
SELECT count(*) FROM regress_e.things;
-- cancel while rows stream
SET statement_timeout = '300ms';
SELECT count(*) FROM regress_e.big;
RESET statement_timeout;
SELECT count(*) FROM regress_e.things;

-- the connection killed in the middle of a scan
BEGIN;
DECLARE c CURSOR FOR SELECT n FROM regress_e.big;
FETCH 2 FROM c;
\! mariadb --no-defaults -h127.0.0.1 -P"$PG_INFER_MYSQL_PORT" -u"$PG_INFER_MYSQL_USER" -p"$PG_INFER_MYSQL_PASSWORD" -N -e "SELECT CONCAT('KILL ', ID, ';') FROM information_schema.PROCESSLIST WHERE INFO LIKE '%seq_1_to_50000000%' AND ID <> CONNECTION_ID()" | mariadb --no-defaults -h127.0.0.1 -P"$PG_INFER_MYSQL_PORT" -u"$PG_INFER_MYSQL_USER" -p"$PG_INFER_MYSQL_PASSWORD"
FETCH ALL FROM c;
ROLLBACK;
SELECT count(*) FROM regress_e.things;

-- the server killed in the middle of a scan, then started again
BEGIN;
DECLARE c CURSOR FOR SELECT n FROM regress_e.big;
FETCH 2 FROM c;
\! bash test/services.sh kill-mariadb
FETCH ALL FROM c;
ROLLBACK;
-- while it is down
SELECT count(*) FROM regress_e.things;
\! bash test/services.sh restart-mariadb
SELECT count(*) FROM regress_e.things;

-- a transaction that lost its connection cannot go on with that server
BEGIN;
SELECT count(*) FROM regress_e.things;
SAVEPOINT s;
DECLARE c CURSOR FOR SELECT n FROM regress_e.big;
FETCH 1 FROM c;
\! mariadb --no-defaults -h127.0.0.1 -P"$PG_INFER_MYSQL_PORT" -u"$PG_INFER_MYSQL_USER" -p"$PG_INFER_MYSQL_PASSWORD" -N -e "SELECT CONCAT('KILL ', ID, ';') FROM information_schema.PROCESSLIST WHERE INFO LIKE '%seq_1_to_50000000%' AND ID <> CONNECTION_ID()" | mariadb --no-defaults -h127.0.0.1 -P"$PG_INFER_MYSQL_PORT" -u"$PG_INFER_MYSQL_USER" -p"$PG_INFER_MYSQL_PASSWORD"
FETCH ALL FROM c;
ROLLBACK TO s;
SELECT count(*) FROM regress_e.things;
ROLLBACK;
SELECT count(*) FROM regress_e.things;

-- (no message above holds a password: this file's expected output is the check)
SET client_min_messages = warning;
DROP SCHEMA regress_e CASCADE;
DROP USER MAPPING FOR regress_err_user SERVER regress_err;
DROP SERVER regress_err CASCADE;
DROP ROLE regress_err_user;
