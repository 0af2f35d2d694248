-- federated_mysql: the executor side of a scan.  Rows come through a
-- reader thread in batches of fetch_size rows; a scan closed before its
-- end stops the remote query (KILL QUERY) instead of reading the rest;
-- and the scan behaves as PostgreSQL's own under cursors, rescans,
-- parallel plans, nested use and EvalPlanQual.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_infer;
CREATE EXTENSION IF NOT EXISTS dblink;
RESET client_min_messages;
\getenv mysql_port PG_INFER_MYSQL_PORT
\getenv mysql_user PG_INFER_MYSQL_USER
\getenv mysql_password PG_INFER_MYSQL_PASSWORD
\getenv mysql_db PG_INFER_MYSQL_DB

\! mariadb --no-defaults -h127.0.0.1 -P"$PG_INFER_MYSQL_PORT" -u"$PG_INFER_MYSQL_USER" -p"$PG_INFER_MYSQL_PASSWORD" "$PG_INFER_MYSQL_DB" -e "DROP TABLE IF EXISTS scan_t; CREATE TABLE scan_t (id int PRIMARY KEY, grp int, v varchar(40)); INSERT INTO scan_t SELECT seq, seq % 7, IF(seq % 5 = 0, NULL, CONCAT('value ', seq)) FROM seq_1_to_1000"

CREATE SERVER regress_scan FOREIGN DATA WRAPPER federated_mysql
  OPTIONS (host '127.0.0.1', port :'mysql_port', dbname :'mysql_db');
CREATE USER MAPPING FOR CURRENT_USER SERVER regress_scan
  OPTIONS (username :'mysql_user', password :'mysql_password');
CREATE SCHEMA regress_scan;
CREATE FOREIGN TABLE regress_scan.t (id int, grp int, v text)
  SERVER regress_scan OPTIONS (table_name 'scan_t');
-- fifty million rows MySQL makes up as it sends them
CREATE FOREIGN TABLE regress_scan.big (n bigint) SERVER regress_scan
  OPTIONS (query 'SELECT seq FROM seq_1_to_50000000');
-- the rows MySQL has sent on this session's connection so far
CREATE FOREIGN TABLE regress_scan.rows_sent (n bigint) SERVER regress_scan
  OPTIONS (query 'SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = ''ROWS_SENT''');
CREATE TABLE regress_scan.local AS SELECT * FROM regress_scan.t;
ANALYZE regress_scan.local, regress_scan.t;

-- fetch_size: every row arrives, once, whatever the batch size
CREATE FUNCTION regress_scan.same_as_local() RETURNS TABLE (rows bigint, same bool)
LANGUAGE sql AS $$
  SELECT count(*), count(*) = 1000 AND
         NOT EXISTS (SELECT * FROM regress_scan.t EXCEPT ALL SELECT * FROM regress_scan.local)
  FROM regress_scan.t $$;
ALTER FOREIGN TABLE regress_scan.t OPTIONS (ADD fetch_size '1');
SELECT * FROM regress_scan.same_as_local();
ALTER FOREIGN TABLE regress_scan.t OPTIONS (SET fetch_size '7');
SELECT * FROM regress_scan.same_as_local();
ALTER FOREIGN TABLE regress_scan.t OPTIONS (SET fetch_size '1000000');
SELECT * FROM regress_scan.same_as_local();
ALTER FOREIGN TABLE regress_scan.t OPTIONS (DROP fetch_size);
ALTER FOREIGN TABLE regress_scan.t OPTIONS (ADD fetch_size '0');

-- an early end stops the remote query: LIMIT evaluated here (the LIKE
-- condition keeps it local) over fifty million rows sends a small part
-- of them, and the connection works on
SELECT n AS before FROM regress_scan.rows_sent \gset
SELECT n FROM regress_scan.big WHERE n::text LIKE '%7' LIMIT 1;
SELECT n - :before < 5000000 AS stopped_early FROM regress_scan.rows_sent;
SELECT count(*) FROM regress_scan.t;
-- a cursor closed after one row, likewise
SELECT n AS before FROM regress_scan.rows_sent \gset
BEGIN;
DECLARE c CURSOR FOR SELECT n FROM regress_scan.big;
FETCH 2 FROM c;
CLOSE c;
SELECT count(*) FROM regress_scan.t;
COMMIT;
SELECT n - :before < 5000000 AS stopped_early FROM regress_scan.rows_sent;
-- read to its end, a result needs no stopping
SELECT count(*) FROM regress_scan.t WHERE id <= 10;
SELECT count(*) FROM regress_scan.t;

-- cursors: SCROLL cursors read backward (through a Material node: a
-- foreign scan only reads forward), WITH HOLD ones outlive the transaction
BEGIN;
DECLARE s SCROLL CURSOR FOR SELECT id, v FROM regress_scan.t WHERE id <= 6;
FETCH 3 FROM s;
FETCH BACKWARD 2 FROM s;
FETCH ABSOLUTE 6 FROM s;
FETCH BACKWARD ALL FROM s;
-- another query on the connection while the cursor streams
SELECT count(*) FROM regress_scan.t WHERE grp = 3;
FETCH NEXT FROM s;
CLOSE s;
DECLARE h CURSOR WITH HOLD FOR SELECT id FROM regress_scan.t WHERE id <= 5;
FETCH 2 FROM h;
COMMIT;
FETCH ALL FROM h;
CLOSE h;

-- rescans: the foreign table on the inner side of a nested loop, read
-- again from the start for every outer row; LIMIT 1 stops each inner scan
-- at its first row
EXPLAIN (COSTS OFF)
SELECT l.id, x.id FROM regress_scan.local l,
  LATERAL (SELECT f.id FROM regress_scan.t f WHERE f.grp = l.grp LIMIT 1) x
WHERE l.id <= 5;
SELECT l.id, x.id IS NOT NULL AS found FROM regress_scan.local l,
  LATERAL (SELECT f.id FROM regress_scan.t f WHERE f.grp = l.grp LIMIT 1) x
WHERE l.id <= 5 ORDER BY 1;
SELECT l.id, (SELECT max(f.id) FROM regress_scan.t f WHERE f.grp = l.grp AND f.id < l.id * 10)
FROM regress_scan.local l WHERE l.id <= 5 ORDER BY 1;
-- the inner scan of fifty million rows stopped early at every outer row
EXPLAIN (COSTS OFF)
SELECT g, (SELECT b.n FROM regress_scan.big b WHERE b.n::text LIKE g || '%' LIMIT 1)
FROM generate_series(1, 3) g;
SELECT n AS before FROM regress_scan.rows_sent \gset
SELECT g, (SELECT b.n FROM regress_scan.big b WHERE b.n::text LIKE g || '%' LIMIT 1)
FROM generate_series(1, 3) g;
SELECT n - :before < 15000000 AS stopped_early FROM regress_scan.rows_sent;

-- parallel plans: the scan is parallel restricted (a worker would open
-- its own connection, outside this transaction's remote one): it runs in
-- the leader, above the Gather, with the same result
SET force_parallel_mode = on;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT count(*) FROM regress_scan.t;
SELECT count(*) FROM regress_scan.t;
EXPLAIN (COSTS OFF)
SELECT count(*), sum(length(f.v)) FROM regress_scan.local l JOIN regress_scan.t f USING (id)
WHERE l.grp = 2;
SELECT count(*), sum(length(f.v)) FROM regress_scan.local l JOIN regress_scan.t f USING (id)
WHERE l.grp = 2;
RESET force_parallel_mode;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- nested use: a function called for every row of a scan queries the same
-- server (the outer result is read ahead into memory first)
CREATE FUNCTION regress_scan.grp_size(g int) RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN (SELECT count(*) FROM regress_scan.t WHERE grp = g);
END $$;
SELECT id, grp, regress_scan.grp_size(grp) FROM regress_scan.t WHERE id <= 8 ORDER BY id;
SELECT sum(regress_scan.grp_size(grp)) FROM regress_scan.t;
-- the same through a cursor that a function reads row by row
CREATE FUNCTION regress_scan.walk() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  r record;
  total bigint := 0;
BEGIN
  FOR r IN SELECT id, grp FROM regress_scan.t WHERE id <= 50 LOOP
    total := total + regress_scan.grp_size(r.grp);
  END LOOP;
  RETURN total;
END $$;
SELECT regress_scan.walk();

-- EvalPlanQual: an UPDATE of a local table joined with the foreign table
-- waits for a row another session updates, then rechecks the new version
-- against the foreign row it joined (the whole-row copy)
CREATE TABLE regress_scan.target (id int PRIMARY KEY, grp int, note text);
INSERT INTO regress_scan.target SELECT id, grp, NULL FROM regress_scan.local WHERE id <= 4;
SELECT dblink_connect('regress_scan_other',
	format('dbname=%s port=%s host=%s', current_database(),
		   current_setting('port'),
		   split_part(current_setting('unix_socket_directories'), ',', 1)));
SELECT pid AS other_pid FROM dblink('regress_scan_other', 'SELECT pg_backend_pid()')
	AS t(pid int) \gset
CREATE FUNCTION regress_scan.wait_for(pid int) RETURNS bool LANGUAGE plpgsql AS $$
BEGIN
  FOR i IN 1..600 LOOP
    IF pg_backend_pid() = ANY (pg_blocking_pids(pid)) THEN
      RETURN true;
    END IF;
    PERFORM pg_sleep(0.05);
  END LOOP;
  RETURN false;
END $$;
-- row 1's grp changes from 1 to 3 while the other session's UPDATE waits:
-- rechecked, it now joins on grp = 3 and still matches the foreign row
-- of id 1 only if that row's grp is 3: it is not, so row 1 is left alone
BEGIN;
UPDATE regress_scan.target SET grp = 3 WHERE id = 1;
SELECT dblink_send_query('regress_scan_other', $$
	UPDATE regress_scan.target tg SET note = f.v
	FROM regress_scan.t f WHERE f.id = tg.id AND f.grp = tg.grp$$);
SELECT regress_scan.wait_for(:other_pid) AS waiting;
COMMIT;
SELECT * FROM dblink_get_result('regress_scan_other') AS t(status text);
SELECT * FROM dblink_get_result('regress_scan_other') AS t(status text);
SELECT * FROM regress_scan.target ORDER BY id;
-- a change that keeps the join true: the row is updated from its new version
UPDATE regress_scan.target SET note = NULL, grp = id % 7;
BEGIN;
UPDATE regress_scan.target SET note = 'mine' WHERE id = 2;
SELECT dblink_send_query('regress_scan_other', $$
	UPDATE regress_scan.target tg SET note = coalesce(tg.note, '-') || ' + ' || f.v
	FROM regress_scan.t f WHERE f.id = tg.id AND f.grp = tg.grp AND f.id <= 3$$);
SELECT regress_scan.wait_for(:other_pid) AS waiting;
COMMIT;
SELECT * FROM dblink_get_result('regress_scan_other') AS t(status text);
SELECT * FROM dblink_get_result('regress_scan_other') AS t(status text);
SELECT * FROM regress_scan.target ORDER BY id;
-- the plan joins the foreign scan (its remote condition rechecked too)
SELECT * FROM dblink('regress_scan_other', $$
	EXPLAIN (COSTS OFF) UPDATE regress_scan.target tg SET note = f.v
	FROM regress_scan.t f WHERE f.id = tg.id AND f.grp = tg.grp AND f.id <= 3$$)
	AS t(line text);
SELECT dblink_disconnect('regress_scan_other');

DROP SCHEMA regress_scan CASCADE;
DROP SERVER regress_scan CASCADE;
\! mariadb --no-defaults -h127.0.0.1 -P"$PG_INFER_MYSQL_PORT" -u"$PG_INFER_MYSQL_USER" -p"$PG_INFER_MYSQL_PASSWORD" "$PG_INFER_MYSQL_DB" -e "DROP TABLE scan_t"
