-- federated_mysql: IMPORT FOREIGN SCHEMA and the type mapping, with values
-- that round-trip (emoji, zero dates, unsigned extremes, exact DECIMAL)
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_infer;
RESET client_min_messages;
SET datestyle = 'ISO, YMD';
SET timezone = 'UTC';
\getenv mysql_port PG_INFER_MYSQL_PORT
\getenv mysql_user PG_INFER_MYSQL_USER
\getenv mysql_password PG_INFER_MYSQL_PASSWORD
\getenv mysql_db PG_INFER_MYSQL_DB

CREATE SERVER regress_types FOREIGN DATA WRAPPER federated_mysql
  OPTIONS (host '127.0.0.1', port :'mysql_port', dbname :'mysql_db');
CREATE USER MAPPING FOR CURRENT_USER SERVER regress_types
  OPTIONS (username :'mysql_user', password :'mysql_password');

CREATE SCHEMA regress_mysql;
IMPORT FOREIGN SCHEMA :"mysql_db" LIMIT TO (types, things)
  FROM SERVER regress_types INTO regress_mysql;
\d regress_mysql.types
SELECT foreign_table_name FROM information_schema.foreign_tables
  WHERE foreign_table_schema = 'regress_mysql' ORDER BY 1;

-- every column, every row
SELECT id, i8, u8, flag, i16, u16, i24, u24, i32, u32 FROM regress_mysql.types ORDER BY id;
SELECT id, i64, u64, d, f, g, b, y FROM regress_mysql.types ORDER BY id;
SELECT id, dt, ts, tz, t, c, vc FROM regress_mysql.types WHERE id <> 3 ORDER BY id;
SELECT id, tx, length(lt), bin, bl, e, s, j FROM regress_mysql.types ORDER BY id;
-- exact: DECIMAL(30,10) keeps all digits, the emoji is one character
SELECT d * 10 AS d10, length(vc), octet_length(vc), j->>'emoji' AS emoji,
       pg_typeof(j), s[2]
FROM regress_mysql.types WHERE id = 1;
-- text with a newline, a tab, a quote and a backslash comes through unchanged
SELECT vc = E'line1\nline2\ttab' AS newline_tab, tx = E'quote '' and backslash \\' AS quote_backslash
FROM regress_mysql.types WHERE id = 3;

-- TIME beyond a day does not fit PostgreSQL's time: the error names the column
SELECT t FROM regress_mysql.types WHERE id = 3;
-- declared as interval, it does
CREATE FOREIGN TABLE regress_mysql.times (id int, t interval)
  SERVER regress_types OPTIONS (table_name 'types');
SELECT id, t FROM regress_mysql.times ORDER BY id;

-- zero dates: NULL by default, an error by option (the partial one too)
ALTER FOREIGN TABLE regress_mysql.types OPTIONS (ADD zero_date 'error');
SELECT id, dt FROM regress_mysql.types ORDER BY id;
SELECT id, ts FROM regress_mysql.types WHERE id = 2;
ALTER FOREIGN TABLE regress_mysql.types OPTIONS (DROP zero_date);
SELECT id, dt, ts FROM regress_mysql.types ORDER BY id;

-- tinyint(1) as smallint when the import option says so; LIMIT TO / EXCEPT
CREATE SCHEMA regress_mysql2;
IMPORT FOREIGN SCHEMA :"mysql_db" EXCEPT (types, orders)
  FROM SERVER regress_types INTO regress_mysql2;
SELECT foreign_table_name FROM information_schema.foreign_tables
  WHERE foreign_table_schema = 'regress_mysql2' ORDER BY 1;
DROP SCHEMA regress_mysql2 CASCADE;
CREATE SCHEMA regress_mysql2;
IMPORT FOREIGN SCHEMA :"mysql_db" LIMIT TO (types)
  FROM SERVER regress_types INTO regress_mysql2 OPTIONS (tinyint1_boolean 'false');
SELECT flag FROM regress_mysql2.types ORDER BY id;
IMPORT FOREIGN SCHEMA :"mysql_db" LIMIT TO (types)
  FROM SERVER regress_types INTO regress_mysql2 OPTIONS (tinyint1_bool 'false');
IMPORT FOREIGN SCHEMA no_such_db FROM SERVER regress_types INTO regress_mysql2;
DROP SCHEMA regress_mysql2 CASCADE;

-- the same columns declared differently: BIT as integer, bytes as text
CREATE FOREIGN TABLE regress_mysql.other (id int, b int, bin text, u64 text, flag boolean)
  SERVER regress_types OPTIONS (table_name 'types');
SELECT id, b, u64, flag FROM regress_mysql.other ORDER BY id;
-- bytes that are not UTF-8 are refused as text, naming the column
SELECT bin FROM regress_mysql.other WHERE id = 1;

-- a remote query as a table: its columns in order, whatever their names
CREATE FOREIGN TABLE regress_mysql.per_status (status text, n bigint)
  SERVER regress_types
  OPTIONS (query 'SELECT o_orderstatus, COUNT(*) FROM orders GROUP BY o_orderstatus');
SELECT * FROM regress_mysql.per_status ORDER BY status;
EXPLAIN (VERBOSE, COSTS OFF) SELECT n FROM regress_mysql.per_status WHERE status = 'F';
SELECT n FROM regress_mysql.per_status WHERE status = 'F';
CREATE FOREIGN TABLE regress_mysql.bad_query (a int) SERVER regress_types
  OPTIONS (query 'SELECT 1, 2');
SELECT * FROM regress_mysql.bad_query;

SET client_min_messages = warning;
DROP SCHEMA regress_mysql CASCADE;
DROP SERVER regress_types CASCADE;
