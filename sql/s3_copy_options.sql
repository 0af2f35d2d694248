--
-- federated_s3: CSV and text go through PostgreSQL's COPY parser, so
-- COPY's options mean what they mean in COPY: header, delimiter, null,
-- quote, escape, encoding, and the column options force_not_null and
-- force_null.
--
\set ECHO none
\i test/sql/s3_setup.sql
\set ECHO all

-- text format: tab-separated, \N is NULL, backslash escapes
CREATE FOREIGN TABLE s3_text (id int, label text, x numeric)
	SERVER lake OPTIONS (uri 's3://pginfer-test/text/data.tsv', format 'text');
SELECT id, label, x, x IS NULL AS x_null FROM s3_text ORDER BY id;

-- delimiter, null marker, header
CREATE FOREIGN TABLE s3_semi (id int, label text, note text)
	SERVER lake OPTIONS (uri 's3://pginfer-test/copy/semicolon.csv', format 'csv',
						 header 'true', delimiter ';', null 'NA');
SELECT id, label, note, note IS NULL AS note_null FROM s3_semi ORDER BY id;
-- force_not_null: an unquoted NA stays text; force_null: a quoted one is NULL
ALTER FOREIGN TABLE s3_semi ALTER COLUMN label OPTIONS (force_not_null 'true');
ALTER FOREIGN TABLE s3_semi ALTER COLUMN note OPTIONS (force_null 'true');
SELECT id, label, note, note IS NULL AS note_null FROM s3_semi ORDER BY id;
-- header 'match' checks the names
ALTER FOREIGN TABLE s3_semi OPTIONS (SET header 'match');
SELECT count(*) FROM s3_semi;
ALTER FOREIGN TABLE s3_semi RENAME COLUMN note TO remark;
SELECT count(*) FROM s3_semi;
ALTER FOREIGN TABLE s3_semi RENAME COLUMN remark TO note;

-- quote and escape
CREATE FOREIGN TABLE s3_quoted (id int, label text, extra text)
	SERVER lake OPTIONS (uri 's3://pginfer-test/copy/quoted.csv', format 'csv',
						 delimiter '|', quote '''', escape '''');
SELECT * FROM s3_quoted ORDER BY id;

-- encoding: the object is LATIN1, converted to the database's encoding
CREATE FOREIGN TABLE s3_latin1 (id int, word text)
	SERVER lake OPTIONS (uri 's3://pginfer-test/copy/latin1.csv', format 'csv',
						 encoding 'LATIN1');
SELECT * FROM s3_latin1;
-- read as UTF8 (the default) the same bytes are invalid
ALTER FOREIGN TABLE s3_latin1 OPTIONS (DROP encoding);
SELECT * FROM s3_latin1;

-- options COPY rejects are rejected when the table is defined
CREATE FOREIGN TABLE s3_badopt (id int) SERVER lake
	OPTIONS (uri 's3://pginfer-test/one/orders.csv', delimiter ';;');
CREATE FOREIGN TABLE s3_badopt (id int) SERVER lake
	OPTIONS (uri 's3://pginfer-test/one/orders.csv', format 'text', quote '"');
CREATE FOREIGN TABLE s3_badopt (id int) SERVER lake
	OPTIONS (uri 's3://pginfer-test/one/orders.csv', format 'parquet');
CREATE FOREIGN TABLE s3_badopt (id int) SERVER lake
	OPTIONS (uri 's3://pginfer-test/one/orders.csv', delimitr ',');
CREATE FOREIGN TABLE s3_badopt (id int) SERVER lake
	OPTIONS (uri 's3://pginfer-test/one/orders.csv', header 'sometimes');

SELECT rejected FROM s3_test_requests();
