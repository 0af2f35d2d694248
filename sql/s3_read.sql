--
-- federated_s3: reading one object, a prefix, globs, more than 1,000 keys
-- (ListObjectsV2 pagination), keys with spaces, '+', '=', '%' and unicode,
-- and virtual-host URLs.  Every request goes through the SigV4-checking
-- proxy; the last query shows none was rejected.
--
\set ECHO none
\i test/sql/s3_setup.sql
\set ECHO all

-- one object, CSV with a header
CREATE FOREIGN TABLE s3_orders (id int, customer text, amount numeric, day date)
	SERVER lake OPTIONS (uri 's3://pginfer-test/one/orders.csv', format 'csv', header 'true');
SELECT * FROM s3_orders ORDER BY id;
SELECT * FROM s3_test_explain('SELECT * FROM s3_orders');
-- only the columns used are converted; a count converts none
SELECT count(*) FROM s3_orders;
SELECT customer FROM s3_orders WHERE amount > 5 ORDER BY 1;

-- a prefix: every object under it, sub-"directories" included, and
-- nothing from a key that merely starts the same ("prefix-other/")
CREATE FOREIGN TABLE s3_prefix (id int, v text)
	SERVER lake OPTIONS (uri 's3://pginfer-test/prefix/');
SELECT * FROM s3_prefix ORDER BY id;

-- globs: '*' stays within a directory, '**' crosses them, '?' is one
-- character, {a,b} alternatives
CREATE FOREIGN TABLE s3_glob (month text, n int)
	SERVER lake OPTIONS (uri 's3://pginfer-test/glob/*.csv');
SELECT * FROM s3_glob ORDER BY month;
ALTER FOREIGN TABLE s3_glob OPTIONS (SET uri 's3://pginfer-test/glob/**.csv');
SELECT * FROM s3_glob ORDER BY month;
ALTER FOREIGN TABLE s3_glob OPTIONS (SET uri 's3://pginfer-test/glob/**/2024-0?.csv');
SELECT * FROM s3_glob ORDER BY month;
ALTER FOREIGN TABLE s3_glob OPTIONS (SET uri 's3://pginfer-test/glob/{2023-12,2024-10}.csv');
SELECT * FROM s3_glob ORDER BY month;
EXPLAIN (COSTS OFF) SELECT * FROM s3_glob;
-- a glob matching nothing reads nothing
ALTER FOREIGN TABLE s3_glob OPTIONS (SET uri 's3://pginfer-test/glob/*.parquet');
SELECT count(*) FROM s3_glob;

-- 1,100 keys: two ListObjectsV2 pages
CREATE FOREIGN TABLE s3_many (i int) SERVER lake OPTIONS (uri 's3://pginfer-test/many/');
SELECT count(*), sum(i), min(i), max(i) FROM s3_many;
EXPLAIN (COSTS OFF) SELECT * FROM s3_many;

-- keys that need encoding, read one by one and through a prefix
CREATE FOREIGN TABLE s3_odd (id int, what text)
	SERVER lake OPTIONS (uri 's3://pginfer-test/odd/');
SELECT * FROM s3_odd ORDER BY id;
CREATE FOREIGN TABLE s3_odd_one (id int, what text)
	SERVER lake OPTIONS (uri 's3://pginfer-test/odd/a b+c=d%e é.csv');
SELECT * FROM s3_odd_one;
CREATE FOREIGN TABLE s3_odd_glob (id int, what text)
	SERVER lake OPTIONS (uri 's3://pginfer-test/odd/100%.*');
SELECT * FROM s3_odd_glob;

-- virtual-host URLs (bucket.s3.localhost resolves to the loopback)
SELECT replace(:'s3', '127.0.0.1', 's3.localhost') AS s3_virtual \gset
CREATE SERVER lake_virtual FOREIGN DATA WRAPPER federated_s3
	OPTIONS (endpoint :'s3_virtual', region 'us-east-1');
CREATE USER MAPPING FOR CURRENT_USER SERVER lake_virtual
	OPTIONS (access_key_id 'AKIDEXAMPLE',
			 secret_access_key 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY');
CREATE FOREIGN TABLE s3_virtual (id int, v text)
	SERVER lake_virtual OPTIONS (uri 's3://pginfer-test/prefix/');
SELECT * FROM s3_virtual ORDER BY id;

-- a scan inside a join and a cursor behave as any scan
SELECT o.id, p.v FROM s3_orders o JOIN s3_prefix p USING (id) ORDER BY 1;
BEGIN;
DECLARE c SCROLL CURSOR FOR SELECT id FROM s3_prefix ORDER BY id;
FETCH 2 FROM c;
FETCH PRIOR FROM c;
FETCH ALL FROM c;
COMMIT;

-- every request was signed and verified
SELECT requests > 0 AS some, rejected FROM s3_test_requests();
