--
-- federated_s3: JSON Lines.  Columns take the member of the same name
-- (else the same but for case), missing members and null are NULL,
-- objects and arrays give their JSON text, blank lines are skipped; a bad
-- line is an error naming the object and the line.
--
\set ECHO none
\i test/sql/s3_setup.sql
\set ECHO all

CREATE FOREIGN TABLE s3_events (id int, name text, ok bool, score float8,
								tags jsonb, meta json)
	SERVER lake OPTIONS (uri 's3://pginfer-test/jsonl/events.jsonl', format 'jsonl');
SELECT * FROM s3_events ORDER BY id;
SELECT id, tags->>1 AS second_tag, meta->>'k' AS k FROM s3_events WHERE tags IS NOT NULL;
SELECT count(*) FROM s3_events;
SELECT name FROM s3_events WHERE id = 2;

-- a line that is not JSON
CREATE FOREIGN TABLE s3_badjson (id int, name text)
	SERVER lake OPTIONS (uri 's3://pginfer-test/jsonl/bad.jsonl', format 'jsonl');
SELECT * FROM s3_badjson;
-- a line that is JSON but not an object
ALTER FOREIGN TABLE s3_badjson OPTIONS (SET uri 's3://pginfer-test/jsonl/notobject.jsonl');
SELECT * FROM s3_badjson;
-- a value the column type rejects
ALTER FOREIGN TABLE s3_badjson OPTIONS (SET uri 's3://pginfer-test/jsonl/badtype.jsonl');
SELECT * FROM s3_badjson;
-- integers up to 64 bits are read exactly, and larger numbers with a
-- fraction or an exponent; a larger integer is refused, never clamped
CREATE FOREIGN TABLE s3_bignum (id int, n numeric)
	SERVER lake OPTIONS (uri 's3://pginfer-test/jsonl/bignum.jsonl', format 'jsonl');
SELECT * FROM s3_bignum ORDER BY id;
ALTER FOREIGN TABLE s3_bignum OPTIONS (SET uri 's3://pginfer-test/jsonl/toobig.jsonl');
SELECT * FROM s3_bignum;
-- and so is one inside an object or array read into a jsonb column
CREATE FOREIGN TABLE s3_nestedbig (id int, doc jsonb)
	SERVER lake OPTIONS (uri 's3://pginfer-test/jsonl/nestedbig.jsonl', format 'jsonl');
SELECT id, doc FROM s3_nestedbig LIMIT 1;
SELECT id, doc FROM s3_nestedbig;
-- the next query works
SELECT count(*) FROM s3_events;
-- COPY's options do not apply to JSON Lines
CREATE FOREIGN TABLE s3_jsonl_header (id int)
	SERVER lake OPTIONS (uri 's3://pginfer-test/jsonl/events.jsonl', format 'jsonl', header 'true');

SELECT rejected FROM s3_test_requests();
