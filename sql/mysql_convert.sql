-- federated_mysql: values built directly (DECIMAL into numeric, DATE,
-- DATETIME and TIMESTAMP into date and timestamps) are the very datums the
-- types' input functions make of the same remote text, byte for byte, for
-- every declared precision and scale; forms the direct path does not take
-- (too many digits, another scale, an overflow) go to the input function
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_infer;
RESET client_min_messages;
SET datestyle = 'ISO, YMD';
SET timezone = 'UTC';
\getenv mysql_port PG_INFER_MYSQL_PORT
\getenv mysql_user PG_INFER_MYSQL_USER
\getenv mysql_password PG_INFER_MYSQL_PASSWORD
\getenv mysql_db PG_INFER_MYSQL_DB

\! mariadb --no-defaults -h127.0.0.1 -P"$PG_INFER_MYSQL_PORT" -u"$PG_INFER_MYSQL_USER" -p"$PG_INFER_MYSQL_PASSWORD" "$PG_INFER_MYSQL_DB" -e "DROP TABLE IF EXISTS conv; CREATE TABLE conv (id int PRIMARY KEY, d2 decimal(15,2), d0 decimal(5,0), d4 decimal(4,4), d18 decimal(18,4), d30 decimal(30,10), dt date, ts6 datetime(6), ts0 datetime, tz3 timestamp(3) NULL); INSERT INTO conv VALUES (1, 0, 0, 0, 0, 0, '1000-01-01', '1000-01-01 00:00:00', '1000-01-01 00:00:00', '1970-01-01 00:00:01'), (2, 1234567890123.45, 99999, 0.9999, 99999999999999.9999, 12345678901234567890.0123456789, '9999-12-31', '9999-12-31 23:59:59.999999', '9999-12-31 23:59:59', '2038-01-19 03:14:07.999'), (3, -1234567890123.45, -99999, -0.0001, -123456789012.3456, -0.0000000001, '2024-02-29', '2024-02-29 12:34:56.5', '2024-02-29 12:34:56', '2024-02-29 12:34:56.001'), (4, 0.05, 10, 0.5, 100, 100.1, '2023-12-31', '1999-12-31 23:59:59.000001', '2000-01-01 00:00:00', '2000-01-01 00:00:00.123'), (5, -0.01, -1, -0.0100, 0.0001, 1, '1970-01-01', '1970-01-01 00:00:00.100000', '1969-12-31 23:59:59', '2001-09-09 01:46:40'), (6, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)"

CREATE SERVER regress_conv FOREIGN DATA WRAPPER federated_mysql
  OPTIONS (host '127.0.0.1', port :'mysql_port', dbname :'mysql_db');
CREATE USER MAPPING FOR CURRENT_USER SERVER regress_conv
  OPTIONS (username :'mysql_user', password :'mysql_password');
CREATE SCHEMA regress_conv;
-- the remote text of every value
CREATE FOREIGN TABLE regress_conv.raw (id int, d2 text, d0 text, d4 text,
  d18 text, d30 text, dt text, ts6 text, ts0 text, tz3 text)
  SERVER regress_conv OPTIONS (table_name 'conv');
-- declared as IMPORT FOREIGN SCHEMA declares them
CREATE FOREIGN TABLE regress_conv.conv (id int, d2 numeric(15,2),
  d0 numeric(5,0), d4 numeric(4,4), d18 numeric(18,4), d30 numeric(30,10),
  dt date, ts6 timestamp(6), ts0 timestamp(0), tz3 timestamptz(3))
  SERVER regress_conv OPTIONS (table_name 'conv');

-- every value as IMPORT declares it, against the input function's datum
SELECT r.id,
  numeric_send(c.d2) = numeric_send(r.d2::numeric(15,2)) AS d2,
  numeric_send(c.d0) = numeric_send(r.d0::numeric(5,0)) AS d0,
  numeric_send(c.d4) = numeric_send(r.d4::numeric(4,4)) AS d4,
  numeric_send(c.d18) = numeric_send(r.d18::numeric(18,4)) AS d18,
  numeric_send(c.d30) = numeric_send(r.d30::numeric(30,10)) AS d30,
  date_send(c.dt) = date_send(r.dt::date) AS dt,
  timestamp_send(c.ts6) = timestamp_send(r.ts6::timestamp(6)) AS ts6,
  timestamp_send(c.ts0) = timestamp_send(r.ts0::timestamp(0)) AS ts0,
  timestamptz_send(c.tz3) = timestamptz_send((r.tz3 || '+00')::timestamptz(3)) AS tz3
FROM regress_conv.conv c JOIN regress_conv.raw r USING (id) ORDER BY 1;
-- the values themselves
SELECT * FROM regress_conv.conv ORDER BY id;

-- other declarations of the same columns: unconstrained numeric, fewer
-- decimals (rounded by the input function), lower timestamp precision
-- (rounded), a timestamp read from a timestamp column with a time zone
CREATE FOREIGN TABLE regress_conv.other (id int, d2 numeric, d0 numeric(6,1),
  d4 numeric(5,2), d18 numeric, d30 numeric(40,5), dt timestamp,
  ts6 timestamp(2), ts0 timestamptz, tz3 timestamp(0))
  SERVER regress_conv OPTIONS (table_name 'conv');
SELECT r.id,
  numeric_send(o.d2) = numeric_send(r.d2::numeric) AS d2,
  numeric_send(o.d0) = numeric_send(r.d0::numeric(6,1)) AS d0,
  numeric_send(o.d4) = numeric_send(r.d4::numeric(5,2)) AS d4,
  numeric_send(o.d18) = numeric_send(r.d18::numeric) AS d18,
  numeric_send(o.d30) = numeric_send(r.d30::numeric(40,5)) AS d30,
  timestamp_send(o.dt) = timestamp_send(r.dt::timestamp) AS dt,
  timestamp_send(o.ts6) = timestamp_send(r.ts6::timestamp(2)) AS ts6,
  timestamptz_send(o.ts0) = timestamptz_send((r.ts0 || '+00')::timestamptz) AS ts0,
  timestamp_send(o.tz3) = timestamp_send(r.tz3::timestamp(0)) AS tz3
FROM regress_conv.other o JOIN regress_conv.raw r USING (id) ORDER BY 1;
SELECT * FROM regress_conv.other ORDER BY id;

-- a value too wide for the declared precision is the input function's
-- error, naming the column
CREATE FOREIGN TABLE regress_conv.narrow (id int, d2 numeric(4,2))
  SERVER regress_conv OPTIONS (table_name 'conv');
SELECT d2 FROM regress_conv.narrow WHERE id = 4;
SELECT d2 FROM regress_conv.narrow WHERE id = 2;
SELECT count(*) FROM regress_conv.narrow;

DROP SCHEMA regress_conv CASCADE;
DROP SERVER regress_conv CASCADE;
\! mariadb --no-defaults -h127.0.0.1 -P"$PG_INFER_MYSQL_PORT" -u"$PG_INFER_MYSQL_USER" -p"$PG_INFER_MYSQL_PASSWORD" "$PG_INFER_MYSQL_DB" -e "DROP TABLE conv"
