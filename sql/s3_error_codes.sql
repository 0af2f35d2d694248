--
-- federated_s3: S3's XML error document (its <Code>) decides what is
-- retried, and its code and message reach the ERROR with the bucket and
-- key.  Faults are injected by the test proxy (test/s3/proxy.js).
--
\set ECHO none
\i test/sql/s3_setup.sql
\set ECHO all
CREATE FOREIGN TABLE s3_codes (id int, v text)
	SERVER lake OPTIONS (uri 's3://pginfer-test/prefix/');
-- the SQLSTATE, message and detail of a query's ERROR
CREATE FUNCTION s3_codes_error(query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	state text;
	message text;
	detail text;
BEGIN
	EXECUTE query;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
		detail = PG_EXCEPTION_DETAIL;
	RETURN concat_ws(E'\n', state, message, detail);
END
$$;

-- RequestTimeout comes with HTTP 400 and is retried all the same, as are
-- ServiceUnavailable and InternalError, on a listing too
SELECT s3_test_proxy('/_proxy/fault', '{"operation": "GetObject", "status": 400, "code": "RequestTimeout", "times": 2}') ->> 'ok' AS fault;
SELECT * FROM s3_test_explain('SELECT count(*) FROM s3_codes');
SELECT s3_test_proxy('/_proxy/fault', '{"operation": "ListObjectsV2", "status": 503, "code": "ServiceUnavailable", "times": 1}') ->> 'ok' AS fault;
SELECT s3_test_proxy('/_proxy/fault', '{"operation": "GetObject", "status": 500, "code": "InternalError", "times": 1}') ->> 'ok' AS fault;
SELECT * FROM s3_test_explain('SELECT count(*) FROM s3_codes');

-- once the retries are spent, the ERROR names the code, S3's message, the
-- bucket and the key
SET pg_infer.max_retries = 1;
SELECT s3_test_proxy('/_proxy/fault', '{"operation": "GetObject", "status": 400, "code": "RequestTimeout", "times": 2, "message": "Your socket connection to the server was not read from or written to within the timeout period."}') ->> 'ok' AS fault;
SELECT * FROM s3_codes;
-- SlowDown is throttling: insufficient_resources
SELECT s3_test_proxy('/_proxy/fault', '{"operation": "GetObject", "status": 503, "code": "SlowDown", "times": 2}') ->> 'ok' AS fault;
SELECT s3_codes_error('SELECT * FROM s3_codes');
RESET pg_infer.max_retries;

-- a code S3 does not retry is final at once: one attempt
SELECT s3_test_proxy('/_proxy/fault', '{"operation": "GetObject", "status": 400, "code": "InvalidArgument", "times": 1}') ->> 'ok' AS fault;
SELECT s3_codes_error('SELECT * FROM s3_codes');
SELECT s3_test_proxy('/_proxy/fault', '{"operation": "GetObject", "status": 403, "code": "AccessDenied", "times": 1}') ->> 'ok' AS fault;
SELECT s3_codes_error('SELECT * FROM s3_codes');

-- S3's message is checked text: line breaks blanked, a secret it reflects
-- masked, markup decoded
SELECT s3_test_proxy('/_proxy/fault', '{"operation": "GetObject", "status": 400, "code": "InvalidRequest", "message": "key wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\nsecond line & <more>"}') ->> 'ok' AS fault;
SELECT s3_codes_error('SELECT * FROM s3_codes');

-- a hostile error body: a document with a DTD is no S3 error document, so
-- nothing in it is expanded or shown; its status alone decides (400: final)
SELECT s3_test_proxy('/_proxy/fault', '{"operation": "GetObject", "status": 400, "body": "<!DOCTYPE Error [<!ENTITY a \"SlowDownSlowDown\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">]><Error><Code>&b;</Code><Message>&b;</Message></Error>"}') ->> 'ok' AS fault;
SELECT s3_codes_error('SELECT * FROM s3_codes');
-- not XML at all, with a 503: retried on its status
SELECT s3_test_proxy('/_proxy/fault', '{"operation": "GetObject", "status": 503, "body": "upstream unavailable", "times": 1}') ->> 'ok' AS fault;
SELECT count(*) FROM s3_codes;

-- without keys in a user mapping, the credential chain signs (here its
-- superuser-only settings), and its secret, reflected, is masked too
CREATE SERVER lake_codes_chain FOREIGN DATA WRAPPER federated_s3
	OPTIONS (endpoint :'s3', url_style 'path', region 'us-east-1');
CREATE FOREIGN TABLE s3_codes_chain (id int, v text)
	SERVER lake_codes_chain OPTIONS (uri 's3://pginfer-test/prefix/');
SET pg_infer.aws_access_key_id = 'AKIDEXAMPLE';
SET pg_infer.aws_secret_access_key = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
SELECT count(*) FROM s3_codes_chain;
SELECT s3_test_proxy('/_proxy/fault', '{"operation": "GetObject", "status": 403, "code": "AccessDenied", "message": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}') ->> 'ok' AS fault;
SELECT s3_codes_error('SELECT * FROM s3_codes_chain');
RESET pg_infer.aws_access_key_id;
RESET pg_infer.aws_secret_access_key;

-- every request above was signed correctly
SELECT rejected FROM s3_test_requests();
