--
-- federated_s3: every failure is a clear ERROR naming the bucket and key
-- (and the line, for a bad row), shows no secret, and leaves the next
-- query working.  Faults are injected by the test proxy.
--
\set ECHO none
\i test/sql/s3_setup.sql
\set ECHO all
CREATE FOREIGN TABLE s3_ok (id int, v text)
	SERVER lake OPTIONS (uri 's3://pginfer-test/prefix/');

-- a missing bucket, a missing key
CREATE FOREIGN TABLE s3_nobucket (id int)
	SERVER lake OPTIONS (uri 's3://pginfer-missing/data.csv');
SELECT * FROM s3_nobucket;
CREATE FOREIGN TABLE s3_nokey (id int)
	SERVER lake OPTIONS (uri 's3://pginfer-test/one/missing.csv');
SELECT * FROM s3_nokey;
SELECT count(*) FROM s3_ok;

-- malformed rows: the object and the line
CREATE FOREIGN TABLE s3_bad (id int, amount int)
	SERVER lake OPTIONS (uri 's3://pginfer-test/bad/malformed.csv', header 'true');
SELECT * FROM s3_bad;
ALTER FOREIGN TABLE s3_bad OPTIONS (SET uri 's3://pginfer-test/bad/short.csv', DROP header);
SELECT * FROM s3_bad;
ALTER FOREIGN TABLE s3_bad OPTIONS (SET uri 's3://pginfer-test/bad/utf8.csv');
SELECT * FROM s3_bad;
SELECT count(*) FROM s3_ok;

-- wrong credentials: S3's error, no secret in it
CREATE SERVER lake_wrong FOREIGN DATA WRAPPER federated_s3
	OPTIONS (endpoint :'s3', url_style 'path', region 'us-east-1');
CREATE USER MAPPING FOR CURRENT_USER SERVER lake_wrong
	OPTIONS (access_key_id 'AKIDEXAMPLE', secret_access_key 'not-the-secret-at-all');
CREATE FOREIGN TABLE s3_badcreds (id int, v text)
	SERVER lake_wrong OPTIONS (uri 's3://pginfer-test/prefix/');
SELECT * FROM s3_badcreds;
ALTER USER MAPPING FOR CURRENT_USER SERVER lake_wrong
	OPTIONS (SET access_key_id 'AKIDUNKNOWNKEY');
SELECT * FROM s3_badcreds;
-- a session token is sent along and signed (the proxy checks its signature)
ALTER USER MAPPING FOR CURRENT_USER SERVER lake_wrong
	OPTIONS (SET access_key_id 'AKIDEXAMPLE',
			 SET secret_access_key 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
			 ADD session_token 'token-of-nobody');
SELECT count(*) FROM s3_badcreds;
ALTER USER MAPPING FOR CURRENT_USER SERVER lake_wrong OPTIONS (DROP session_token);
SELECT count(*) FROM s3_badcreds;
-- only one of the two keys
ALTER USER MAPPING FOR CURRENT_USER SERVER lake_wrong OPTIONS (DROP secret_access_key);
SELECT count(*) FROM s3_badcreds;
SELECT count(*) FROM s3_ok;

-- throttling (SlowDown) and server errors are retried ...
SELECT s3_test_proxy('/_proxy/fault', '{"operation": "GetObject", "status": 503, "code": "SlowDown", "times": 2}') ->> 'ok' AS fault;
SELECT * FROM s3_test_explain('SELECT * FROM s3_ok WHERE id = 1');
-- ... up to pg_infer.max_retries times
SET pg_infer.max_retries = 1;
SELECT s3_test_proxy('/_proxy/fault', '{"operation": "GetObject", "status": 503, "code": "SlowDown", "times": 2}') ->> 'ok' AS fault;
SELECT * FROM s3_ok;
SELECT s3_test_proxy('/_proxy/fault', '{"operation": "GetObject", "status": 500, "code": "InternalError", "times": 2}') ->> 'ok' AS fault;
SELECT * FROM s3_ok;
RESET pg_infer.max_retries;
SELECT count(*) FROM s3_ok;

-- the connection drops mid-GET: the read resumes where it stopped
CREATE FOREIGN TABLE s3_big (a int, b int)
	SERVER lake OPTIONS (uri 's3://pginfer-test/gzip/numbers.csv.gz');
SELECT s3_test_proxy('/_proxy/fault', '{"operation": "GetObject", "drop_after": 5000, "times": 2}') ->> 'ok' AS fault;
SELECT * FROM s3_test_explain('SELECT count(*), sum(a) FROM s3_big');
SELECT count(*), sum(a) FROM s3_big;
-- ... unless it keeps dropping
SET pg_infer.max_retries = 1;
SELECT s3_test_proxy('/_proxy/fault', '{"operation": "GetObject", "drop_after": 1000, "times": 5}') ->> 'ok' AS fault;
-- (terse: how far COPY got before the last drop varies)
\set VERBOSITY terse
SELECT count(*) FROM s3_big;
\set VERBOSITY default
RESET pg_infer.max_retries;
SELECT s3_test_proxy('/_proxy/reset') ->> 'ok' AS reset;

-- a server that stops answering mid-GET: the statement timeout cancels
-- the transfer, and the next query works
SELECT s3_test_proxy('/_proxy/fault', '{"operation": "GetObject", "stall_after": 3000, "times": 1}') ->> 'ok' AS fault;
SET statement_timeout = '1s';
\set VERBOSITY terse
SELECT count(*) FROM s3_big;
\set VERBOSITY default
RESET statement_timeout;
SELECT count(*) FROM s3_big;

-- nothing listens there
CREATE SERVER lake_closed FOREIGN DATA WRAPPER federated_s3
	OPTIONS (endpoint 'http://127.0.0.1:9', url_style 'path', region 'us-east-1');
CREATE USER MAPPING FOR CURRENT_USER SERVER lake_closed
	OPTIONS (access_key_id 'AKIDEXAMPLE', secret_access_key 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY');
CREATE FOREIGN TABLE s3_closed (id int) SERVER lake_closed OPTIONS (uri 's3://pginfer-test/prefix/');
SET pg_infer.max_retries = 0;
SELECT * FROM s3_closed;
RESET pg_infer.max_retries;

-- options: the URI's form, unknown names, the endpoint is superuser-only
CREATE FOREIGN TABLE s3_baduri (id int) SERVER lake OPTIONS (uri 'http://pginfer-test/x.csv');
CREATE FOREIGN TABLE s3_baduri (id int) SERVER lake OPTIONS (uri 's3://pginfer-test/{a,b');
CREATE FOREIGN TABLE s3_baduri (id int) SERVER lake;
CREATE FOREIGN TABLE s3_baduri (id int) SERVER lake OPTIONS (uri 's3://b/k', regon 'x');
CREATE SERVER lake_bad FOREIGN DATA WRAPPER federated_s3 OPTIONS (url_style 'sideways');
CREATE ROLE regress_s3_user;
CREATE USER MAPPING FOR regress_s3_user SERVER lake OPTIONS (secret 'x');
GRANT USAGE ON FOREIGN DATA WRAPPER federated_s3 TO regress_s3_user;
SET ROLE regress_s3_user;
CREATE SERVER lake_user FOREIGN DATA WRAPPER federated_s3 OPTIONS (endpoint 'http://127.0.0.1:1');
CREATE SERVER lake_user FOREIGN DATA WRAPPER federated_s3 OPTIONS (region 'eu-west-1');
-- another role's secrets are not shown
SELECT count(*) AS visible_secrets FROM pg_user_mappings
	WHERE array_to_string(umoptions, ',') LIKE '%secret%' AND srvname = 'lake';
RESET ROLE;
DROP SERVER lake_user;
REVOKE USAGE ON FOREIGN DATA WRAPPER federated_s3 FROM regress_s3_user;
DROP ROLE regress_s3_user;
SELECT count(*) FROM s3_ok;

-- the wrong credentials above were the only requests the proxy refused
SELECT rejected FROM s3_test_requests();
