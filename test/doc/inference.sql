--
-- Hidden setup of doc/inference.md's examples (test/doc_examples.py): the
-- SageMaker test endpoint (test/services.sh) and its keys in place of AWS.
--
SET client_min_messages = warning;
CREATE EXTENSION pg_infer;
\i test/doc/include/endpoint.sql
