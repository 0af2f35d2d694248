--
-- Hidden setup of doc/security.md's examples (test/doc_examples.py): the
-- test endpoint in place of AWS, its keys in place of the example's, and
-- the role alice as regress_doc_alice (roles are the cluster's; a rerun
-- starts without it).
--
-- rewrite: alice => regress_doc_alice
-- rewrite: pg_infer.aws_access_key_id = 'AKIA...' => pg_infer.aws_access_key_id = 'AKIDEXAMPLE'
-- rewrite: pg_infer.aws_secret_access_key = '...' => pg_infer.aws_secret_access_key = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'
--
SET client_min_messages = warning;
CREATE EXTENSION pg_infer;
DROP ROLE IF EXISTS regress_doc_alice;
\getenv endpoint PG_INFER_TEST_ENDPOINT
SELECT current_database() AS db \gset
ALTER DATABASE :"db" SET pg_infer.sagemaker_endpoint_url = :'endpoint';
