--
-- Hidden setup of doc/s3.md's examples (test/doc_examples.py): s3rver
-- behind the signing proxy (test/services.sh) in place of AWS, its keys,
-- and its fixture objects (test/s3/fixtures.js) in place of the example's:
-- one/orders.csv has the columns id, customer, amount, day with a header,
-- hive/year=Y/month=M/ holds day, amount.
--
-- rewrite: OPTIONS (region 'eu-west-1') => OPTIONS (region 'us-east-1', endpoint '${PG_INFER_TEST_S3}', url_style 'path')
-- rewrite: access_key_id 'AKIA...', secret_access_key '...' => access_key_id 'AKIDEXAMPLE', secret_access_key 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'
-- rewrite: s3://my-bucket/orders/2024/ => s3://pginfer-test/one/
-- rewrite: s3://my-bucket/sales/ => s3://pginfer-test/hive/
-- rewrite: s3://my-bucket/lake/ => s3://pginfer-test/one/
-- rewrite: s3://bucket/train/ => s3://pginfer-empty/doc-train/
--
-- daily (day, orders): what the INSERT example writes
CREATE TABLE daily (day date, orders bigint);
INSERT INTO daily VALUES ('2024-01-01', 10), ('2024-01-02', 12);
