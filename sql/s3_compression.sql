--
-- federated_s3: gzip and zstd objects decompressed while streaming, by
-- extension (compression 'auto', the default) or as told; corrupt data is
-- an error naming the object.
--
\set ECHO none
\i test/sql/s3_setup.sql
\set ECHO all

CREATE FOREIGN TABLE s3_gzip (a int, b int)
	SERVER lake OPTIONS (uri 's3://pginfer-test/gzip/numbers.csv.gz');
SELECT count(*), sum(a), sum(b) FROM s3_gzip;
SELECT * FROM s3_test_explain('SELECT count(*) FROM s3_gzip');
CREATE FOREIGN TABLE s3_zstd (a int, b int)
	SERVER lake OPTIONS (uri 's3://pginfer-test/zstd/numbers.csv.zst');
SELECT count(*), sum(a), sum(b) FROM s3_zstd;
-- the same rows either way
SELECT count(*) FROM (SELECT * FROM s3_gzip EXCEPT SELECT * FROM s3_zstd) d;

-- a gzip object without the extension: compression said explicitly
CREATE FOREIGN TABLE s3_gzip_named (a int, b int)
	SERVER lake OPTIONS (uri 's3://pginfer-test/gzip/plain-named.dat', compression 'gzip');
SELECT * FROM s3_gzip_named ORDER BY a;
-- read as plain text it is not CSV
ALTER FOREIGN TABLE s3_gzip_named OPTIONS (SET compression 'none');
SELECT * FROM s3_gzip_named;
-- zstd data said to be gzip
CREATE FOREIGN TABLE s3_wrong (a int, b int)
	SERVER lake OPTIONS (uri 's3://pginfer-test/zstd/numbers.csv.zst', compression 'gzip');
SELECT count(*) FROM s3_wrong;
-- corrupt gzip: an error naming the object, and the next query works
CREATE FOREIGN TABLE s3_corrupt (a int, b int)
	SERVER lake OPTIONS (uri 's3://pginfer-test/gzip/corrupt.csv.gz');
SELECT count(*) FROM s3_corrupt;
SELECT count(*) FROM s3_gzip;
-- a bad option value
ALTER FOREIGN TABLE s3_gzip OPTIONS (ADD compression 'bzip2');

SELECT rejected FROM s3_test_requests();
