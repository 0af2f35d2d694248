--
-- The security model (doc/security.md): what a role that is not a
-- superuser cannot set, read or call, and the S3 region checked before it
-- becomes part of a host name.  No request leaves: every statement here
-- fails or succeeds before one would.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_infer;
CREATE ROLE regress_security_user;
CREATE SCHEMA AUTHORIZATION regress_security_user;
RESET client_min_messages;

--
-- a region is part of the host name s3.REGION.amazonaws.com: lowercase
-- letters, digits and hyphens only, on a server and in the setting
--
CREATE SERVER regress_security_lake FOREIGN DATA WRAPPER federated_s3
	OPTIONS (region 'x@127.0.0.1:9/#');
CREATE SERVER regress_security_lake FOREIGN DATA WRAPPER federated_s3
	OPTIONS (region 'eu-west-1');
ALTER SERVER regress_security_lake OPTIONS (SET region 'EU West');
ALTER SERVER regress_security_lake OPTIONS (SET region 'us-east-1');
SET pg_infer.aws_region = 'example.com/';
SET pg_infer.aws_region = 'us-west-2';
RESET pg_infer.aws_region;

--
-- settings: a non-superuser can neither point requests elsewhere nor read
-- a credential
--
SET ROLE regress_security_user;
SET pg_infer.sagemaker_endpoint_url = 'http://127.0.0.1:1/invocations';
SET pg_infer.sign_requests = off;
SET pg_infer.aws_access_key_id = 'AKIDEXAMPLE';
SET pg_infer.max_reply_size = '1GB';
SHOW pg_infer.aws_access_key_id;
SHOW pg_infer.sagemaker_endpoint_url;
SET pg_infer.batch_size = 10;		-- user settings stay open
RESET pg_infer.batch_size;

--
-- the language, the ad-hoc function and the statistics are not PUBLIC's
--
CREATE FUNCTION regress_security_user.f(x float8) RETURNS float8
	LANGUAGE sagemaker AS 'echo-security';
SELECT sagemaker_infer('echo-security', 1);
SELECT count(*) FROM pg_infer_endpoint_stats;
SELECT pg_infer_endpoint_stats();
SELECT pg_infer_stats_reset();
RESET ROLE;

--
-- a function's SET clause of a superuser-only setting is applied with the
-- caller's privileges, as fmgr applies it: a non-superuser calling it is
-- refused before any request
--
CREATE FUNCTION regress_security_f(x float8) RETURNS float8
	LANGUAGE sagemaker
	SET pg_infer.sagemaker_endpoint_url = 'http://127.0.0.1:1/invocations'
	AS 'echo-security';
CREATE TABLE regress_security_t AS SELECT 1::float8 AS x;
GRANT SELECT ON regress_security_t TO regress_security_user;
SET ROLE regress_security_user;
SELECT regress_security_f(x) FROM regress_security_t;
SET pg_infer.batching = off;
SELECT regress_security_f(x) FROM regress_security_t;
RESET ROLE;

-- and a non-superuser cannot attach one to a function of its own
GRANT USAGE ON LANGUAGE sagemaker TO regress_security_user;
SET ROLE regress_security_user;
CREATE FUNCTION regress_security_user.g(x float8) RETURNS float8
	LANGUAGE sagemaker
	SET pg_infer.sagemaker_endpoint_url = 'http://127.0.0.1:1/invocations'
	AS 'echo-security';
RESET ROLE;

SET client_min_messages = warning;
DROP SCHEMA regress_security_user CASCADE;
DROP TABLE regress_security_t;
DROP FUNCTION regress_security_f(float8);
DROP SERVER regress_security_lake;
REVOKE USAGE ON LANGUAGE sagemaker FROM regress_security_user;
DROP ROLE regress_security_user;
