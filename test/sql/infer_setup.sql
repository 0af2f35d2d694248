\set ECHO none
--
-- Setup of the inference tests, included by each sql/infer_*.sql that
-- calls the test endpoint signed: the extension, the endpoint
-- (PG_INFER_TEST_ENDPOINT, as :endpoint) and its keys in the session, the
-- helpers of infer_helpers.sql, and the endpoint's counters and ours
-- cleared.  Nothing of it is echoed.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_infer;
RESET client_min_messages;
\getenv endpoint PG_INFER_TEST_ENDPOINT
SET pg_infer.sagemaker_endpoint_url = :'endpoint';
SET pg_infer.aws_access_key_id = 'AKIDEXAMPLE';
SET pg_infer.aws_secret_access_key = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
SET pg_infer.aws_region = 'us-east-1';
\i test/sql/infer_helpers.sql
\o /dev/null
SELECT infer_test_reset(:'endpoint');
\o
\set ECHO all
