--
-- Included by the hidden setups of docs whose examples call SageMaker
-- (test/doc/README.sql, inference.sql): the test endpoint and its keys in
-- place of AWS, for every session of the doc's database.
--
\getenv endpoint PG_INFER_TEST_ENDPOINT
SELECT current_database() AS db \gset
ALTER DATABASE :"db" SET pg_infer.sagemaker_endpoint_url = :'endpoint';
ALTER DATABASE :"db" SET pg_infer.aws_region = 'us-east-1';
ALTER DATABASE :"db" SET pg_infer.aws_access_key_id = 'AKIDEXAMPLE';
ALTER DATABASE :"db" SET pg_infer.aws_secret_access_key = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
