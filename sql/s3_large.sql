--
-- federated_s3: an object larger than pg_infer.max_reply_size is read all
-- the same: the setting bounds the replies held in memory, and a GET
-- streams into the scan through a reply sink.
--
\set ECHO none
\i test/sql/s3_setup.sql
\set ECHO all
CREATE FOREIGN TABLE s3_large (a int, b int)
	SERVER lake OPTIONS (uri 's3://pginfer-test/gzip/numbers.csv.gz');
SET pg_infer.max_reply_size = 4096;
SELECT * FROM s3_test_explain('SELECT count(*), sum(a) FROM s3_large');
SELECT count(*), sum(a), sum(b) FROM s3_large;
RESET pg_infer.max_reply_size;
SELECT rejected FROM s3_test_requests();
