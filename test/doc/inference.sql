--
-- Hidden setup of doc/inference.md's examples (test/doc_examples.py): the
-- SageMaker test endpoint (test/services.sh) and its keys in place of AWS.
--
SET client_min_messages = warning;
CREATE EXTENSION pg_infer;
\getenv endpoint PG_INFER_TEST_ENDPOINT
SELECT current_database() AS db \gset
ALTER DATABASE :"db" SET pg_infer.sagemaker_endpoint_url = :'endpoint';
ALTER DATABASE :"db" SET pg_infer.aws_region = 'us-east-1';
ALTER DATABASE :"db" SET pg_infer.aws_access_key_id = 'AKIDEXAMPLE';
ALTER DATABASE :"db" SET pg_infer.aws_secret_access_key = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
