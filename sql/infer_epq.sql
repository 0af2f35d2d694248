--
-- EvalPlanQual through the batch scan: a row updated by a concurrent
-- transaction while an UPDATE, DELETE or SELECT ... FOR UPDATE waits for
-- it is rechecked, and the endpoint calls are made again for its new
-- version, as PostgreSQL's own nodes do.  Two sessions: this one holds
-- the row, a second one (dblink) runs the statement and waits.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_infer;
CREATE EXTENSION IF NOT EXISTS dblink;
RESET client_min_messages;
\getenv endpoint PG_INFER_TEST_ENDPOINT
\set VERBOSITY default

\set ECHO none
\i test/sql/infer_helpers.sql
\set ECHO all
SELECT infer_test_reset(:'endpoint');

CREATE TABLE infer_epq (id int PRIMARY KEY, x float8, y float8);
CREATE FUNCTION infer_epq_f(x float8) RETURNS float8
	LANGUAGE sagemaker AS 'echo-epq';

-- the second session, with the endpoint settings of this one
SELECT dblink_connect('infer_epq_other',
	format('dbname=%s port=%s host=%s', current_database(),
		   current_setting('port'),
		   split_part(current_setting('unix_socket_directories'), ',', 1)));
SELECT dblink_exec('infer_epq_other', format($$
	SET pg_infer.sagemaker_endpoint_url = %L;
	SET pg_infer.aws_access_key_id = 'AKIDEXAMPLE';
	SET pg_infer.aws_secret_access_key = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
	SET pg_infer.aws_region = 'us-east-1';
	SET statement_timeout = '60s'$$, :'endpoint'));
SELECT pid AS other_pid FROM dblink('infer_epq_other', 'SELECT pg_backend_pid()')
	AS t(pid int) \gset

-- Waits until the second session waits for a lock this session holds
CREATE FUNCTION infer_epq_wait(pid int) RETURNS bool LANGUAGE plpgsql AS $$
BEGIN
	FOR i IN 1..600 LOOP
		IF pg_backend_pid() = ANY (pg_blocking_pids(pid)) THEN
			RETURN true;
		END IF;
		PERFORM pg_sleep(0.05);
	END LOOP;
	RETURN false;
END
$$;

-- UPDATE: both rows updated, row 1 with the result for its new x
TRUNCATE infer_epq;
INSERT INTO infer_epq VALUES (1, 1, NULL), (2, 2, NULL);
BEGIN;
UPDATE infer_epq SET x = 11 WHERE id = 1;
SELECT dblink_send_query('infer_epq_other',
	'UPDATE infer_epq SET y = infer_epq_f(x)');
SELECT infer_epq_wait(:other_pid) AS waiting;
COMMIT;
SELECT * FROM dblink_get_result('infer_epq_other') AS t(status text);
SELECT * FROM dblink_get_result('infer_epq_other') AS t(status text);
SELECT * FROM infer_epq ORDER BY id;
-- through the batch scan
SELECT * FROM dblink('infer_epq_other',
	'EXPLAIN (COSTS OFF) UPDATE infer_epq SET y = infer_epq_f(x)') AS t(line text);

-- the same with the call in RETURNING and in the new value of x itself
TRUNCATE infer_epq;
INSERT INTO infer_epq VALUES (1, 1, NULL), (2, 2, NULL);
BEGIN;
UPDATE infer_epq SET x = 11 WHERE id = 1;
SELECT dblink_send_query('infer_epq_other',
	'UPDATE infer_epq SET x = infer_epq_f(x + 100) RETURNING id, x, infer_epq_f(x) AS fx');
SELECT infer_epq_wait(:other_pid) AS waiting;
COMMIT;
SELECT * FROM dblink_get_result('infer_epq_other') AS t(id int, x float8, fx float8)
ORDER BY id;
SELECT * FROM dblink_get_result('infer_epq_other') AS t(id int, x float8, fx float8);
SELECT * FROM infer_epq ORDER BY id;

-- DELETE with the call in its condition: row 1, updated to x = 16, still
-- passes it when rechecked and is deleted
TRUNCATE infer_epq;
INSERT INTO infer_epq VALUES (1, 6, NULL), (2, 7, NULL);
BEGIN;
UPDATE infer_epq SET x = 16 WHERE id = 1;
SELECT dblink_send_query('infer_epq_other',
	'DELETE FROM infer_epq WHERE infer_epq_f(x) > 5 RETURNING id, x');
SELECT infer_epq_wait(:other_pid) AS waiting;
COMMIT;
SELECT * FROM dblink_get_result('infer_epq_other') AS t(id int, x float8)
ORDER BY id;
SELECT * FROM dblink_get_result('infer_epq_other') AS t(id int, x float8);
SELECT count(*) AS remaining FROM infer_epq;
-- and a row whose new version no longer passes the condition is kept
TRUNCATE infer_epq;
INSERT INTO infer_epq VALUES (1, 6, NULL), (2, 7, NULL);
BEGIN;
UPDATE infer_epq SET x = 1 WHERE id = 1;
SELECT dblink_send_query('infer_epq_other',
	'DELETE FROM infer_epq WHERE infer_epq_f(x) > 5 RETURNING id, x');
SELECT infer_epq_wait(:other_pid) AS waiting;
COMMIT;
SELECT * FROM dblink_get_result('infer_epq_other') AS t(id int, x float8);
SELECT * FROM dblink_get_result('infer_epq_other') AS t(id int, x float8);
SELECT * FROM infer_epq ORDER BY id;

-- SELECT ... FOR UPDATE returns the new version of row 1 with its result
TRUNCATE infer_epq;
INSERT INTO infer_epq VALUES (1, 1, NULL), (2, 2, NULL);
BEGIN;
UPDATE infer_epq SET x = 11 WHERE id = 1;
SELECT dblink_send_query('infer_epq_other',
	'SELECT id, x, infer_epq_f(x) AS fx FROM infer_epq ORDER BY id FOR UPDATE');
SELECT infer_epq_wait(:other_pid) AS waiting;
COMMIT;
SELECT * FROM dblink_get_result('infer_epq_other') AS t(id int, x float8, fx float8);
SELECT * FROM dblink_get_result('infer_epq_other') AS t(id int, x float8, fx float8);
-- with the call in the condition too: row 2, updated to x = 2, no longer
-- passes it
TRUNCATE infer_epq;
INSERT INTO infer_epq VALUES (1, 11, NULL), (2, 12, NULL);
BEGIN;
UPDATE infer_epq SET x = 2 WHERE id = 2;
SELECT dblink_send_query('infer_epq_other',
	'SELECT id, x FROM infer_epq WHERE infer_epq_f(x) > 5 ORDER BY id FOR UPDATE');
SELECT infer_epq_wait(:other_pid) AS waiting;
COMMIT;
SELECT * FROM dblink_get_result('infer_epq_other') AS t(id int, x float8);
SELECT * FROM dblink_get_result('infer_epq_other') AS t(id int, x float8);

-- the endpoint saw every request we counted, in both sessions
SELECT endpoint_calls = our_calls AS counted, endpoint_rows = our_rows AS rows_counted
FROM infer_test_counts(:'endpoint', 'echo-epq');

-- a local model through the same node (Local Batch): row 1, updated to
-- x = 500 while the UPDATE waits, gets the score of its new value, an
-- outlier for a model of 0..9
CREATE TABLE infer_epq_model AS
  SELECT rcf_train(ARRAY[(g % 10)::float8]) AS m FROM generate_series(1, 500) g;
TRUNCATE infer_epq;
INSERT INTO infer_epq VALUES (1, 1, NULL), (2, 2, NULL);
EXPLAIN (COSTS OFF)
UPDATE infer_epq SET y = rcf_score((SELECT m FROM infer_epq_model), ARRAY[x]);
BEGIN;
UPDATE infer_epq SET x = 500 WHERE id = 1;
SELECT dblink_send_query('infer_epq_other',
	'UPDATE infer_epq SET y = rcf_score((SELECT m FROM infer_epq_model), ARRAY[x])');
SELECT infer_epq_wait(:other_pid) AS waiting;
COMMIT;
SELECT * FROM dblink_get_result('infer_epq_other') AS t(status text);
SELECT id, x, y = rcf_score((SELECT m FROM infer_epq_model), ARRAY[x]) AS score_of_x,
       y > 2 AS outlier
FROM infer_epq ORDER BY id;

-- the same model's call in an inner join's condition, batched above the
-- join: DELETE ... USING finds row 1 (x = 500, an outlier), waits for it,
-- rechecks its new version (x = 1, updated meanwhile) and keeps it; row 2
-- is no outlier.  (The last statement's result is read to its end first,
-- so that the connection takes the next one.)
SELECT * FROM dblink_get_result('infer_epq_other') AS t(status text);
TRUNCATE infer_epq;
INSERT INTO infer_epq VALUES (1, 500, NULL), (2, 2, NULL);
EXPLAIN (COSTS OFF)
DELETE FROM infer_epq USING infer_epq_model WHERE rcf_score(m, ARRAY[x]) > 2;
BEGIN;
UPDATE infer_epq SET x = 1 WHERE id = 1;
SELECT dblink_send_query('infer_epq_other',
	'DELETE FROM infer_epq USING infer_epq_model WHERE rcf_score(m, ARRAY[x]) > 2 RETURNING id, x');
SELECT infer_epq_wait(:other_pid) AS waiting;
COMMIT;
SELECT * FROM dblink_get_result('infer_epq_other') AS t(id int, x float8);
SELECT * FROM dblink_get_result('infer_epq_other') AS t(id int, x float8);
SELECT id, x FROM infer_epq ORDER BY id;

SELECT dblink_disconnect('infer_epq_other');
DROP FUNCTION infer_epq_wait, infer_epq_f;
DROP TABLE infer_epq, infer_epq_model;
